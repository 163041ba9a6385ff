"""A sensitivity for every free text: the rule, the floor, who may lower it, every entry point."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from reports.published import summary_from_dict, summary_to_dict
from reports.summary import build_summary
from tests.factories import RecommendationFactory, ReportFactory, UserFactory
from tracker import exportjobs, roles, search, services
from tracker.models import (
    SERVER_OPERATOR,
    Assessment,
    Evidence,
    Notification,
    Recommendation,
    StatusChange,
    TextSensitivityChange,
    evidence_visibility,
    visibility,
)

pytestmark = pytest.mark.django_db

D = datetime.date
PUBLIC, INTERNAL, RESTRICTED = "public", "internal", "restricted"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _evidence(rec, by, sensitivity, title=None):
    return services.evidence_log(
        by=by,
        title=title or f"A {sensitivity} source",
        source_type=Evidence.SourceType.NGO,
        direction=Evidence.Direction.NO_CHANGE,
        sensitivity=sensitivity,
        published_on=D(2021, 10, 1),
        recommendations=[rec],
    )


def _status(rec, by, *, status="in_progress", day=None, **kwargs):
    return services.recommendation_set_status(
        recommendation=rec,
        status=status,
        reason=kwargs.pop("reason", "Observed by a monitor."),
        effective_date=day or D(2021, 11, 1),
        by=by,
        **kwargs,
    )


def _draft(rec, by, **kwargs):
    return services.assessment_draft(
        recommendation=rec,
        year=2021,
        by=by,
        rating=Assessment.Rating.LIMITED,
        confidence=Assessment.Confidence.MODERATE,
        narrative=kwargs.pop("narrative", "Some movement."),
        **kwargs,
    )


def _approve(assessment, author, reviewer):
    services.assessment_submit(assessment=assessment, by=author)
    return services.assessment_approve(assessment=assessment, by=reviewer)


def _now(change) -> str:
    return StatusChange.objects.with_reason_sensitivity().get(pk=change.pk).reason_sensitivity_now


@pytest.fixture
def rec(db):
    return RecommendationFactory(report=ReportFactory(year=2021, country__slug="freedonia"))


# -- The one rule -------------------------------------------------------------------------


def test_the_rule_as_a_query_agrees_with_the_rule_on_a_row_for_every_reader_and_audience(
    rec, analyst, other_analyst, reviewer, viewer
):
    changes = {}
    for day, (author, sensitivity) in enumerate(
        itertools.product((analyst, other_analyst), (PUBLIC, INTERNAL, RESTRICTED)), start=1
    ):
        status = "in_progress" if day % 2 else "no_action"
        change = _status(
            rec, author, status=status, day=D(2021, 10, day), reason_sensitivity=sensitivity
        )
        changes[change.pk] = (sensitivity, author.pk)
        _evidence(rec, author, sensitivity)
    readers = [None, viewer, analyst, other_analyst, reviewer, SERVER_OPERATOR]
    for reader, audience in itertools.product(readers, [None, PUBLIC, INTERNAL, RESTRICTED]):
        rule = visibility(reader, audience=audience)
        expected = {pk for pk, (s, author) in changes.items() if rule.allows(s, author)}
        shown = set(
            StatusChange.objects.with_reason_visibility(reader, audience=audience)
            .filter(reason_visible=True)
            .values_list("pk", flat=True)
        )
        assert shown == expected, (reader, audience)
        # Evidence answers to the same rule.
        evidence = Evidence.objects.all()
        assert set(evidence.filter(evidence_visibility(reader, audience=audience))) == {
            item for item in evidence if rule.allows(item.sensitivity, item.logged_by_id)
        }, (reader, audience)


def test_the_floor_is_the_most_sensitive_of_the_declared_and_the_cited_for_every_combination(
    rec, analyst
):
    """Each reason declared public, internal or restricted, citing evidence of every mix of
    sensitivities made so after the citing (as an item made restricted later is): the query's
    sensitivity is the most sensitive of them all, on either database."""
    cited_mixes = [(), (PUBLIC,), (INTERNAL,), (RESTRICTED,), (PUBLIC, INTERNAL)]
    cited_mixes += [(PUBLIC, RESTRICTED), (INTERNAL, RESTRICTED), (PUBLIC, INTERNAL, RESTRICTED)]
    expected = {}
    combinations = itertools.product((PUBLIC, INTERNAL, RESTRICTED), cited_mixes)
    for day, (declared, mix) in enumerate(combinations, start=1):
        evidence = [_evidence(rec, analyst, PUBLIC) for _ in mix]
        change = _status(
            rec,
            analyst,
            status="in_progress" if day % 2 else "no_action",
            day=D(2021, 4, 1) + datetime.timedelta(days=day),
            reason_sensitivity=declared,
            evidence=evidence,
        )
        for item, sensitivity in zip(evidence, mix, strict=True):
            Evidence.objects.filter(pk=item.pk).update(sensitivity=sensitivity)
        ranks = {PUBLIC: 0, INTERNAL: 1, RESTRICTED: 2}
        expected[change.pk] = max([declared, *mix], key=ranks.get)
    found = dict(
        StatusChange.objects.with_reason_sensitivity().values_list("pk", "reason_sensitivity_now")
    )
    assert found == expected


def test_an_analyst_reads_their_own_restricted_reason_but_not_in_an_internal_summary(rec, analyst):
    rule = visibility(analyst)
    assert rule.allows(RESTRICTED, analyst.pk) and not rule.allows(RESTRICTED, analyst.pk + 1)
    assert not visibility(analyst, audience=INTERNAL).allows(RESTRICTED, analyst.pk)
    assert visibility(None).shown == {PUBLIC}


# -- The floor, in the services -----------------------------------------------------------


def test_a_reason_is_internal_unless_its_writer_says_otherwise(rec, analyst):
    public = _evidence(rec, analyst, PUBLIC)
    change = _status(rec, analyst, evidence=[public])
    assert change.reason_sensitivity == INTERNAL
    assert _now(change) == INTERNAL


def test_citing_restricted_evidence_makes_the_reason_restricted(rec, analyst):
    secret = _evidence(rec, analyst, RESTRICTED)
    change = _status(rec, analyst, evidence=[secret])
    assert change.reason_sensitivity == RESTRICTED


@pytest.mark.parametrize("cited", [RESTRICTED, INTERNAL])
def test_the_service_refuses_a_public_reason_citing_non_public_evidence(rec, analyst, cited):
    item = _evidence(rec, analyst, cited, title="Defector K. in Hyesan")
    with pytest.raises(ValidationError) as refused:
        _status(rec, analyst, evidence=[item], reason_sensitivity=PUBLIC)
    message = refused.value.message_dict["reason_sensitivity"][0]
    assert f"A reason cannot be public: it cites {cited} evidence (“Defector K. in Hyesan”)" in (
        message
    )
    assert not StatusChange.objects.exists()
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.NO_ACTION
    # At or above the floor it is accepted.
    assert _status(rec, analyst, evidence=[item], reason_sensitivity=RESTRICTED)


def test_the_refusal_names_no_evidence_the_writer_may_not_see(rec, analyst, reviewer):
    secret = _evidence(rec, reviewer, RESTRICTED, title="Reviewer's informant")
    draft = _draft(rec, analyst)
    services.recommendation_set_owner(recommendation=rec, owner=reviewer, by=reviewer)
    services.assessment_update(
        assessment=draft,
        by=reviewer,
        rating=draft.rating,
        confidence=draft.confidence,
        narrative=draft.narrative,
        evidence=[secret],
    )
    draft.refresh_from_db()
    assert draft.narrative_sensitivity == RESTRICTED
    # The author keeps the citation they cannot see, and may not make the narrative public.
    with pytest.raises(ValidationError) as refused:
        services.assessment_update(
            assessment=draft,
            by=analyst,
            rating=draft.rating,
            confidence=draft.confidence,
            narrative="Edited.",
            narrative_sensitivity=PUBLIC,
        )
    message = refused.value.message_dict["narrative_sensitivity"][0]
    assert "it cites restricted evidence," in message
    assert "informant" not in message


def test_an_unknown_sensitivity_is_refused(rec, analyst):
    with pytest.raises(ValidationError) as refused:
        _status(rec, analyst, reason_sensitivity="secret")
    assert "Unknown sensitivity" in refused.value.message_dict["reason_sensitivity"][0]


def test_a_narrative_follows_the_same_floor_when_drafted_and_edited(rec, analyst):
    internal = _evidence(rec, analyst, INTERNAL)
    public = _evidence(rec, analyst, PUBLIC)
    with pytest.raises(ValidationError) as refused:
        _draft(rec, analyst, evidence=[internal], narrative_sensitivity=PUBLIC)
    assert "cannot be public" in refused.value.message_dict["narrative_sensitivity"][0]
    assert not Assessment.objects.exists()
    draft = _draft(rec, analyst, evidence=[public], narrative_sensitivity=PUBLIC)
    assert draft.narrative_sensitivity == PUBLIC
    edit = {"rating": draft.rating, "confidence": draft.confidence, "narrative": "More."}
    with pytest.raises(ValidationError):
        services.assessment_update(
            assessment=draft,
            by=analyst,
            evidence=[public, internal],
            **edit,
            narrative_sensitivity=PUBLIC,
        )
    draft.refresh_from_db()
    assert (draft.narrative, draft.narrative_sensitivity) == ("Some movement.", PUBLIC)
    assert list(draft.evidence.all()) == [public]
    # Left out, it is decided again: internal; and the change is recorded.
    services.assessment_update(assessment=draft, by=analyst, evidence=[public, internal], **edit)
    draft.refresh_from_db()
    assert draft.narrative_sensitivity == INTERNAL
    record = TextSensitivityChange.objects.get(assessment=draft)
    assert (record.old_sensitivity, record.new_sensitivity, record.changed_by) == (
        PUBLIC,
        INTERNAL,
        analyst,
    )


def test_a_public_reason_follows_its_evidence_when_that_becomes_restricted(
    rec, analyst, admin_user
):
    item = _evidence(rec, analyst, PUBLIC)
    change = _status(rec, analyst, evidence=[item], reason_sensitivity=PUBLIC)
    assert build_summary(year=2021).countries[0].recommendations[0].changes[0].reason
    services.evidence_set_sensitivity(
        evidence=item, sensitivity=RESTRICTED, reason="A source at risk.", by=admin_user
    )
    assert _now(change) == RESTRICTED
    withheld = build_summary(year=2021).countries[0].recommendations[0].changes[0]
    assert (withheld.reason_withheld, withheld.reason) == (True, "")


def test_a_bulk_status_change_records_the_reason_sensitivity_on_each_item(analyst):
    recs = [RecommendationFactory(report__year=2021) for _ in range(2)]
    services.recommendations_bulk_update(
        items=[(r, r.version) for r in recs],
        action="status",
        status="cannot_assess",
        reason="No access.",
        effective_date=D(2021, 9, 1),
        reason_sensitivity=PUBLIC,
        by=analyst,
    )
    assert set(StatusChange.objects.values_list("reason_sensitivity", flat=True)) == {PUBLIC}


# -- Making a text less public after it was written ---------------------------------------


def test_a_reviewer_makes_a_public_reason_internal_and_the_change_is_recorded(
    rec, analyst, reviewer
):
    change = _status(rec, analyst, reason_sensitivity=PUBLIC)
    record = services.status_change_set_reason_sensitivity(
        change=change, sensitivity=INTERNAL, reason="It names a town.", by=reviewer
    )
    assert (record.status_change, record.old_sensitivity, record.new_sensitivity) == (
        change,
        PUBLIC,
        INTERNAL,
    )
    assert (record.changed_by, record.reason) == (reviewer, "It names a town.")
    # The status change itself is never updated: the record is what is read.
    assert StatusChange.objects.get(pk=change.pk).reason_sensitivity == PUBLIC
    assert _now(change) == INTERNAL
    assert build_summary(year=2021).countries[0].recommendations[0].changes[0].reason_withheld
    # Asking again for what it already is records nothing.
    assert not services.status_change_set_reason_sensitivity(
        change=change, sensitivity=INTERNAL, reason="Again.", by=reviewer
    )
    assert TextSensitivityChange.objects.count() == 1


def test_making_a_reason_less_public_makes_a_cached_export_stale(rec, analyst, reviewer):
    change = _status(rec, analyst, reason_sensitivity=PUBLIC)
    before = exportjobs.data_version()
    services.status_change_set_reason_sensitivity(
        change=change, sensitivity=INTERNAL, reason="It names a town.", by=reviewer
    )
    assert exportjobs.data_version() != before


def test_nobody_makes_a_written_text_more_public_outside_its_own_form(rec, analyst, reviewer):
    change = _status(rec, analyst)
    for by in (analyst, reviewer):
        with pytest.raises(ValidationError) as refused:
            services.status_change_set_reason_sensitivity(
                change=change, sensitivity=PUBLIC, reason="Harmless.", by=by
            )
        assert "made more public only where it is written" in str(refused.value)
    assert not TextSensitivityChange.objects.exists()


def test_only_its_author_or_a_reviewer_changes_who_reads_a_text(rec, analyst, other_analyst):
    change = _status(rec, analyst, reason_sensitivity=PUBLIC)
    with pytest.raises(PermissionDenied):
        services.status_change_set_reason_sensitivity(
            change=change, sensitivity=INTERNAL, reason="Mine now.", by=other_analyst
        )
    with pytest.raises(ValidationError) as refused:
        services.status_change_set_reason_sensitivity(
            change=change, sensitivity=INTERNAL, reason=" ", by=analyst
        )
    assert "reason" in refused.value.message_dict
    assert services.status_change_set_reason_sensitivity(
        change=change, sensitivity=RESTRICTED, reason="On second thought.", by=analyst
    )


def test_a_reviewer_makes_an_approved_narrative_restricted(rec, analyst, reviewer):
    approved = _approve(_draft(rec, analyst, narrative_sensitivity=PUBLIC), analyst, reviewer)
    version = approved.version
    services.assessment_set_narrative_sensitivity(
        assessment=approved, sensitivity=RESTRICTED, reason="A witness could be found.", by=reviewer
    )
    approved.refresh_from_db()
    assert (approved.state, approved.narrative_sensitivity) == ("approved", RESTRICTED)
    assert approved.version == version + 1
    assert approved.sensitivity_changes.get().reason == "A witness could be found."


# -- Who may read, and so edit, a text ----------------------------------------------------


def test_an_owner_who_may_not_read_a_restricted_narrative_neither_edits_nor_corrects_it(
    rec, analyst, other_analyst, reviewer
):
    draft = _draft(rec, other_analyst, narrative_sensitivity=RESTRICTED)
    services.recommendation_set_owner(recommendation=rec, owner=analyst, by=analyst)
    with pytest.raises(PermissionDenied, match="This narrative is restricted"):
        services.assessment_update(
            assessment=draft, by=analyst, rating="limited", confidence="low", narrative="Mine."
        )
    approved = _approve(draft, other_analyst, reviewer)
    with pytest.raises(PermissionDenied):
        services.assessment_correct(assessment=approved, by=analyst)
    page = _client(analyst).get(reverse("assessment_detail", args=[rec.pk, 2021]))
    html = page.content.decode()
    assert "Some movement." not in html
    assert "The narrative is restricted: only its author" in html
    assert "Open a correction" not in html


def test_the_owner_is_told_of_a_change_without_a_reason_they_may_not_read(
    rec, analyst, other_analyst
):
    services.recommendation_set_owner(recommendation=rec, owner=analyst, by=analyst)
    _status(rec, other_analyst, reason="Defector K. in Hyesan", reason_sensitivity=RESTRICTED)
    _status(rec, other_analyst, status="no_action", day=D(2021, 12, 1), reason="UN panel")
    messages = list(
        Notification.objects.filter(recipient=analyst)
        .order_by("pk")
        .values_list("message", flat=True)
    )
    assert "Hyesan" not in messages[0] and "the reason is restricted" in messages[0]
    assert messages[1].endswith(": UN panel")


def test_the_timeline_shows_a_restricted_reason_to_its_author_and_reviewers_only(
    rec, analyst, other_analyst, reviewer
):
    _status(rec, analyst, reason="Defector K. in Hyesan", reason_sensitivity=RESTRICTED)
    url = reverse("recommendation_detail", args=[rec.pk])
    for user, reads in ((analyst, True), (reviewer, True), (other_analyst, False)):
        html = _client(user).get(url).content.decode()
        assert ("Defector K. in Hyesan" in html) is reads, user
        assert ("The reason is restricted: only its author" in html) is not reads
    home = _client(other_analyst).get("/").content.decode()
    assert "Hyesan" not in home and "The reason is restricted: not shown to you." in home


# -- The floor from every entry point -----------------------------------------------------


def test_the_status_form_refuses_a_public_reason_citing_restricted_evidence_and_says_why(
    rec, analyst
):
    secret = _evidence(rec, analyst, RESTRICTED, title="Defector testimony")
    client = _client(analyst)
    page = client.get(reverse("recommendation_detail", args=[rec.pk])).content.decode()
    assert '<label for="status_reason_sensitivity">Reason sensitivity</label>' in page
    assert "[restricted] Defector testimony" in page
    data = {
        "status": "in_progress",
        "reason": "Defector 'K.' (Hyesan, interviewed Nov 2021)",
        "reason_sensitivity": PUBLIC,
        "evidence": [str(secret.public_id)],
        "effective_date": "2021-11-01",
        "version": rec.version,
    }
    response = client.post(reverse("recommendation_status", args=[rec.pk]), data)
    assert response.status_code == 400
    field = response.context["status_form"]["reason_sensitivity"]
    assert "A reason cannot be public: it cites restricted evidence" in field.errors[0]
    html = response.content.decode()
    start = html.index('<label for="status_reason_sensitivity">')
    assert "A reason cannot be public" in html[start : html.index("</div>", start)]
    assert not StatusChange.objects.exists()
    # Left automatic, it is saved as restricted, and the user is told why.
    data["reason_sensitivity"] = ""
    saved = client.post(reverse("recommendation_status", args=[rec.pk]), data, follow=True)
    assert StatusChange.objects.get().reason_sensitivity == RESTRICTED
    assert "The reason is restricted: it cites restricted evidence" in saved.content.decode()


def test_the_assessment_form_refuses_a_public_narrative_citing_internal_evidence(rec, analyst):
    item = _evidence(rec, analyst, INTERNAL)
    response = _client(analyst).post(
        reverse("assessment_save", args=[rec.pk, 2021]),
        {
            "rating": "limited",
            "confidence": "low",
            "narrative": "Seen by a staff member.",
            "narrative_sensitivity": PUBLIC,
            "evidence": [str(item.public_id)],
            "version": "",
            "revision": "",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"]["narrative_sensitivity"].errors
    assert "A narrative cannot be public: it cites internal evidence" in errors[0]
    assert not Assessment.objects.exists()


def test_the_bulk_form_records_the_reason_sensitivity_it_shows_in_the_preview(analyst):
    recs = [RecommendationFactory(report__year=2021) for _ in range(2)]
    data = {
        "item": [f"{r.pk}:{r.version}" for r in recs],
        "action": "status",
        "status": "cannot_assess",
        "reason": "No access for monitors.",
        "reason_sensitivity": PUBLIC,
        "effective_date": "2021-09-01",
    }
    client = _client(analyst)
    preview = client.post(reverse("recommendation_bulk"), data).content.decode()
    assert "(who may read it: <strong>Public</strong>, so it may appear in published" in preview
    assert 'name="reason_sensitivity" value="public"' in preview
    client.post(reverse("recommendation_bulk"), {**data, "step": "apply"})
    assert list(StatusChange.objects.values_list("reason_sensitivity", flat=True)) == [PUBLIC] * 2
    # A bulk change cites no evidence, so no floor applies; a bad value is refused.
    bad = client.post(reverse("recommendation_bulk"), {**data, "reason_sensitivity": "secret"})
    assert bad.status_code == 400


def test_the_api_refuses_a_public_text_citing_restricted_evidence(rec, analyst, token_client):
    secret = _evidence(rec, analyst, RESTRICTED)
    client = token_client(analyst)
    etag = client.get(f"/api/v1/recommendations/{rec.pk}/")["ETag"]
    response = client.post(
        f"/api/v1/recommendations/{rec.pk}/status-changes/",
        {
            "status": "in_progress",
            "reason": "Defector K.",
            "reason_sensitivity": PUBLIC,
            "evidence": [str(secret.public_id)],
            "effective_date": "2021-11-01",
        },
        content_type="application/json",
        headers={"if-match": etag},
    )
    assert response.status_code == 400
    assert "cannot be public" in response.json()["errors"]["reason_sensitivity"][0]
    assert not StatusChange.objects.exists()
    drafted = client.post(
        "/api/v1/assessments/",
        {
            "recommendation": rec.pk,
            "year": 2021,
            "rating": "limited",
            "confidence": "low",
            "narrative": "Defector K.",
            "narrative_sensitivity": PUBLIC,
            "evidence": [str(secret.public_id)],
        },
        content_type="application/json",
    )
    assert drafted.status_code == 400
    assert "cannot be public" in drafted.json()["errors"]["narrative_sensitivity"][0]
    automatic = client.post(
        "/api/v1/assessments/",
        {
            "recommendation": rec.pk,
            "year": 2021,
            "rating": "limited",
            "confidence": "low",
            "narrative": "Defector K.",
            "evidence": [str(secret.public_id)],
        },
        content_type="application/json",
    )
    assert automatic.status_code == 201
    body = automatic.json()
    assert (body["narrative_sensitivity"], body["narrative_withheld"]) == (RESTRICTED, False)


def test_the_api_withholds_a_restricted_text_from_who_may_not_read_it(
    rec, analyst, viewer, token_client
):
    _status(rec, analyst, reason="Defector K.", reason_sensitivity=RESTRICTED)
    _draft(rec, analyst, narrative="Defector K. again", narrative_sensitivity=RESTRICTED)
    mine = token_client(analyst).get(f"/api/v1/recommendations/{rec.pk}/status-changes/")
    assert mine.json()["results"][0]["reason"] == "Defector K."
    theirs = token_client(viewer)
    change = theirs.get(f"/api/v1/recommendations/{rec.pk}/status-changes/").json()["results"][0]
    assert (change["reason"], change["reason_withheld"], change["reason_sensitivity"]) == (
        "",
        True,
        RESTRICTED,
    )
    assessment = theirs.get("/api/v1/assessments/").json()["results"][0]
    assert (assessment["narrative"], assessment["narrative_withheld"]) == ("", True)


def test_the_admin_drafts_with_the_sensitivity_through_the_service(admin_client, admin_user, rec):
    url = reverse("admin:tracker_assessment_add")
    post = {
        "recommendation": rec.pk,
        "year": 2021,
        "rating": "limited",
        "confidence": "low",
        "narrative": "Entered by hand.",
    }
    assert admin_client.post(url, {**post, "narrative_sensitivity": "secret"}).status_code == 200
    assert not Assessment.objects.exists()
    assert admin_client.post(url, {**post, "narrative_sensitivity": PUBLIC}).status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.narrative_sensitivity, assessment.author) == (PUBLIC, admin_user)
    # The admin cites no evidence (citations are chosen on the assessment's page), so the
    # floor cannot be crossed there; its history pages show texts by the one rule.
    change = admin_client.get(reverse("admin:tracker_assessment_change", args=[assessment.pk]))
    assert "who may read the narrative" in change.content.decode().lower()


def test_the_admin_shows_a_restricted_reason_only_to_staff_who_may_read_it(rec, analyst):
    change = _status(rec, analyst, reason="Defector K.", reason_sensitivity=RESTRICTED)
    staff = UserFactory(username="clerk", is_staff=True, role=roles.VIEWER)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_statuschange"))
    page = _client(staff).get(reverse("admin:tracker_statuschange_change", args=[change.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Defector K." not in html and "not yours to read" in html


# -- Existing rows, older snapshots, and the cost -----------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_texts_migrate_to_internal_or_restricted_when_they_cite_restricted_evidence():
    executor = MigrationExecutor(connection)
    before = [("tracker", "0023_language_preference")]
    after = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        apps = executor.loader.project_state(before).apps
        user = apps.get_model("auth", "User").objects.create(username="old")
        country = apps.get_model("tracker", "Country").objects.create(
            name="Oldland", slug="oldland", code="OLD"
        )
        report = apps.get_model("tracker", "Report").objects.create(
            country=country,
            year=2021,
            tier="tier_3",
            title="Old",
            source_text="Old.",
            source_sha256="0" * 64,
            period_start=D(2020, 4, 1),
            period_end=D(2021, 3, 31),
            follow_up_start=D(2021, 4, 1),
            follow_up_end=D(2022, 3, 31),
        )
        rec = apps.get_model("tracker", "Recommendation").objects.create(
            report=report, number=1, reference="OLD-2021-01", text="Do it.", pillar="prosecution"
        )
        Evidence_ = apps.get_model("tracker", "Evidence")
        secret = Evidence_.objects.create(
            title="Secret",
            source_type="ngo",
            direction="no_change",
            sensitivity="restricted",
            logged_by=user,
        )
        Change = apps.get_model("tracker", "StatusChange")
        plain, cited = (
            Change.objects.create(
                recommendation=rec,
                old_status="no_action",
                new_status=new,
                reason="Why.",
                changed_by=user,
                effective_date=D(2021, 5, 1),
            )
            for new in ("in_progress", "implemented")
        )
        cited.evidence.set([secret])
        Assessment_ = apps.get_model("tracker", "Assessment")
        narrative = Assessment_.objects.create(
            recommendation=rec,
            year=2021,
            rating="limited",
            confidence="low",
            narrative="N.",
            author=user,
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        assert StatusChange.objects.get(pk=plain.pk).reason_sensitivity == INTERNAL
        assert StatusChange.objects.get(pk=cited.pk).reason_sensitivity == RESTRICTED
        assert Assessment.objects.get(pk=narrative.pk).narrative_sensitivity == INTERNAL
    finally:
        MigrationExecutor(connection).migrate(after)
        # SQLite remakes a table to add a column, dropping the search index's triggers.
        search.repair_after_migrate(None, using="default", verbosity=0)


def test_an_older_public_snapshot_is_read_back_with_its_unlabelled_texts_withheld(
    rec, analyst, reviewer
):
    _status(rec, analyst, reason="An unlabelled reason.", reason_sensitivity=PUBLIC)
    _approve(_draft(rec, analyst, narrative_sensitivity=PUBLIC), analyst, reviewer)
    for audience, withheld in ((PUBLIC, True), (INTERNAL, False)):
        data = summary_to_dict(build_summary(year=2021, audience=audience, user=reviewer))
        data["schema_version"] = 2
        for country in data["countries"]:
            for row in country["recommendations"]:
                for change in row["changes"]:
                    del change["reason_withheld"], change["reason_sensitivity"]
                del row["assessment"]["narrative_withheld"]
                del row["assessment"]["narrative_sensitivity"]
        row = summary_from_dict(data).countries[0].recommendations[0]
        assert (row.changes[0].reason_withheld, row.assessment.narrative_withheld) == (
            withheld,
            withheld,
        )
        assert bool(row.changes[0].reason) is not withheld


@pytest.mark.parametrize("reader", ["nobody", "viewer", "reviewer"])
def test_build_summary_keeps_its_ten_queries_with_texts_of_every_sensitivity(
    reader, analyst, other_analyst, reviewer, viewer, django_assert_num_queries
):
    for n in range(3):
        rec = RecommendationFactory(report__year=2021, report__country__slug=f"c{n}")
        items = {s: _evidence(rec, analyst, s) for s in (PUBLIC, INTERNAL)}
        items[RESTRICTED] = _evidence(rec, other_analyst, RESTRICTED)
        for day, (s, by) in enumerate(((PUBLIC, analyst), (RESTRICTED, other_analyst)), 1):
            change = _status(
                rec,
                by,
                status=("in_progress", "no_action")[day - 1],
                day=D(2021, 10, day),
                evidence=[items[s]],
                reason_sensitivity=s,
            )
        services.status_change_set_reason_sensitivity(
            change=change, sensitivity=RESTRICTED, reason="Kept.", by=reviewer
        )
        _approve(_draft(rec, analyst, evidence=[items[INTERNAL]]), analyst, reviewer)
    user = {"nobody": None, "viewer": viewer, "reviewer": reviewer}[reader]
    if user is not None:
        user.has_perm("tracker.view_restricted_evidence")  # its permissions, read once
    # Nine, and one for the recommendations' translations.
    with django_assert_num_queries(10):
        summary = build_summary(year=2021, audience=PUBLIC, user=user)
    assert summary.withheld_reasons == 3 and summary.withheld_narratives == 3
