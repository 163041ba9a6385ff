"""The recommendation list, its downloads, the recommendation page and its edit forms."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    FindingFactory,
    RecommendationFactory,
    ReportFactory,
    StatusChangeFactory,
    UserFactory,
)
from tracker import roles, services
from tracker.models import (
    AssessmentEvent,
    Evidence,
    Recommendation,
    RecommendationEdit,
    StatusChange,
)
from tracker.views.recommendations import TIMELINE_SIZE

LIST = "/recommendations/"


def refs(response) -> list[str]:
    """Return the references listed in the table of a list page, in order."""
    return re.findall(r'<td class="ref"><a href="/recommendations/\d+/">([^<]+)</a>', response.text)


def csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def rec(db):
    return RecommendationFactory(text="Cease the garnishing of wages of overseas workers.")


def status_post(rec, **overrides):
    data = {
        "status": Recommendation.Status.IN_PROGRESS,
        "reason": "The UN rapporteur reports a new decree.",
        "effective_date": timezone.localdate().isoformat(),
        "version": rec.version,
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/recommendations/", "/recommendations/{pk}/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, rec, path):
    response = client.get(path.format(pk=rec.pk))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("action", ["status", "owner", "pillar"])
def test_anonymous_posts_are_sent_to_the_login_page_and_change_nothing(client, rec, action):
    response = client.post(f"/recommendations/{rec.pk}/{action}/", status_post(rec))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    rec.refresh_from_db()
    assert rec.version == 1
    assert not StatusChange.objects.exists()


def test_a_user_without_a_role_may_not_read_the_list(client, rec):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(LIST).status_code == 403
    assert client.get(f"/recommendations/{rec.pk}/").status_code == 403


def test_viewers_read_the_list_and_the_page_without_edit_forms(viewer_client, rec):
    assert viewer_client.get(LIST).status_code == 200
    response = viewer_client.get(f"/recommendations/{rec.pk}/")
    assert response.status_code == 200
    assert rec.text in response.text
    assert f'action="/recommendations/{rec.pk}/status/"' not in response.text
    assert "Log evidence for this recommendation" not in response.text


@pytest.mark.parametrize(
    "action, data",
    [
        ("status", {"status": "in_progress", "reason": "Decree."}),
        ("owner", {"owner": "viewer"}),
        ("pillar", {"pillar": "protection"}),
    ],
)
def test_viewers_are_refused_every_edit_and_nothing_changes(viewer_client, rec, action, data):
    response = viewer_client.post(
        f"/recommendations/{rec.pk}/{action}/",
        {**data, "effective_date": timezone.localdate().isoformat(), "version": 1},
    )
    assert response.status_code == 403
    rec.refresh_from_db()
    assert (rec.status, rec.owner, rec.pillar, rec.version) == ("no_action", None, "prosecution", 1)
    assert not StatusChange.objects.exists()
    assert not RecommendationEdit.objects.exists()


@pytest.mark.parametrize("client_fixture", ["analyst_client", "reviewer_client", "admin_client"])
def test_analysts_reviewers_and_admins_change_the_status(request, rec, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.post(f"/recommendations/{rec.pk}/status/", status_post(rec))
    assert response.status_code == 302
    assert response.url == f"/recommendations/{rec.pk}/"
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.IN_PROGRESS
    assert rec.version == 2
    change = StatusChange.objects.get()
    assert change.reason == "The UN rapporteur reports a new decree."
    assert change.old_status == Recommendation.Status.NO_ACTION


def test_the_status_change_shows_at_once_in_the_timeline_with_a_message(analyst_client, rec):
    response = analyst_client.post(
        f"/recommendations/{rec.pk}/status/", status_post(rec), follow=True
    )
    assert f"The status of {rec.reference} was saved." in response.text
    timeline = response.text.split('class="timeline"', 1)[1]
    assert "The UN rapporteur reports a new decree." in timeline
    assert "In progress" in timeline


def test_an_analyst_assigns_an_owner_and_the_edit_is_recorded(analyst_client, analyst, rec):
    response = analyst_client.post(
        f"/recommendations/{rec.pk}/owner/", {"owner": "analyst", "version": 1}, follow=True
    )
    assert f"The owner of {rec.reference} was saved." in response.text
    rec.refresh_from_db()
    assert rec.owner == analyst
    assert rec.version == 2
    edit = RecommendationEdit.objects.get()
    assert (edit.field, edit.old_value, edit.new_value) == ("owner", "", "analyst")


def test_only_people_who_may_edit_can_be_made_owner(analyst_client, viewer, rec):
    response = analyst_client.post(
        f"/recommendations/{rec.pk}/owner/", {"owner": viewer.username, "version": 1}
    )
    assert response.status_code == 400
    rec.refresh_from_db()
    assert rec.owner is None


def test_a_reviewer_corrects_the_pillar(reviewer_client, rec):
    response = reviewer_client.post(
        f"/recommendations/{rec.pk}/pillar/", {"pillar": "protection", "version": 1}
    )
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.pillar == "protection"
    assert RecommendationEdit.objects.get().new_value == "protection"


def test_saving_the_same_pillar_says_it_was_unchanged(analyst_client, rec):
    response = analyst_client.post(
        f"/recommendations/{rec.pk}/pillar/", {"pillar": rec.pillar, "version": 1}, follow=True
    )
    assert "was unchanged" in response.text
    assert not RecommendationEdit.objects.exists()


def test_edit_urls_refuse_get(analyst_client, rec):
    assert analyst_client.get(f"/recommendations/{rec.pk}/status/").status_code == 405


# --------------------------------------------------------------------------------------------
# The status form
# --------------------------------------------------------------------------------------------


def test_the_status_form_has_the_labels_the_domain_uses(analyst_client, rec):
    response = analyst_client.get(f"/recommendations/{rec.pk}/")
    form = response.text.split(f'action="/recommendations/{rec.pk}/status/"', 1)[1]
    form = form.split("</form>", 1)[0]
    for field, label in [
        ("status", "Status"),
        ("reason", "Reason"),
        ("evidence", "Evidence"),
        ("effective_date", "Effective date"),
    ]:
        assert f'<label for="status_{field}">{label}</label>' in form
    assert f'type="hidden" name="version" value="{rec.version}"' in form
    assert f'value="{timezone.localdate().isoformat()}"' in form
    assert "csrfmiddlewaretoken" in form


def test_a_status_change_without_a_reason_is_refused_and_the_input_kept(analyst_client, rec):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = analyst_client.post(
        f"/recommendations/{rec.pk}/status/",
        status_post(rec, reason="   ", status="implemented", effective_date=yesterday.isoformat()),
    )
    assert response.status_code == 400
    assert "The status was not saved" in response.text
    assert "This field is required." in response.text or "Give the reason" in response.text
    assert '<option value="implemented" selected>' in response.text
    assert f'value="{yesterday.isoformat()}"' in response.text
    assert not StatusChange.objects.exists()


def test_a_status_change_may_be_back_dated(analyst_client, rec):
    day = datetime.date(2022, 1, 15)
    analyst_client.post(
        f"/recommendations/{rec.pk}/status/", status_post(rec, effective_date=day.isoformat())
    )
    change = StatusChange.objects.get()
    assert change.effective_date == day
    assert change.recorded_at.date() == timezone.localdate()


def test_a_future_effective_date_is_refused(analyst_client, rec):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = analyst_client.post(
        f"/recommendations/{rec.pk}/status/", status_post(rec, effective_date=tomorrow.isoformat())
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.text
    assert not StatusChange.objects.exists()


def test_the_same_status_again_is_refused_with_the_reason_why(analyst_client, rec):
    response = analyst_client.post(
        f"/recommendations/{rec.pk}/status/", status_post(rec, status="no_action")
    )
    assert response.status_code == 400
    assert "is already “No action”" in response.text


def test_evidence_linked_to_the_recommendation_can_be_cited(analyst_client, analyst, rec):
    linked = EvidenceFactory(recommendations=[rec], title="Rapporteur's annual report")
    EvidenceFactory(recommendations=[RecommendationFactory()], title="About another one")
    page = analyst_client.get(f"/recommendations/{rec.pk}/").text
    assert f'<option value="{linked.public_id}">[public] Rapporteur' in page
    assert "About another one" not in page
    analyst_client.post(
        f"/recommendations/{rec.pk}/status/", status_post(rec, evidence=[linked.public_id])
    )
    assert list(StatusChange.objects.get().evidence.all()) == [linked]


def test_evidence_of_another_recommendation_cannot_be_cited(analyst_client, rec):
    other = EvidenceFactory(recommendations=[RecommendationFactory()])
    response = analyst_client.post(
        f"/recommendations/{rec.pk}/status/", status_post(rec, evidence=[other.public_id])
    )
    assert response.status_code == 400
    assert not StatusChange.objects.exists()


# --------------------------------------------------------------------------------------------
# No lost updates
# --------------------------------------------------------------------------------------------


def test_the_second_of_two_status_forms_opened_on_one_version_is_refused(
    analyst_client, reviewer_client, rec
):
    first = analyst_client.post(
        f"/recommendations/{rec.pk}/status/",
        status_post(rec, status="in_progress", reason="First analyst's reason."),
    )
    assert first.status_code == 302
    second = reviewer_client.post(
        f"/recommendations/{rec.pk}/status/",
        status_post(rec, status="implemented", reason="Second reviewer's reason."),
    )
    assert second.status_code == 409
    assert "was changed by someone else" in second.text
    assert "Nothing was saved" in second.text
    # The second person's input is kept, on the current version, beside the first change.
    assert "Second reviewer&#x27;s reason." in second.text
    assert '<option value="implemented" selected>' in second.text
    assert 'name="version" value="2"' in second.text
    assert "First analyst&#x27;s reason." in second.text
    rec.refresh_from_db()
    assert rec.status == "in_progress"
    assert rec.version == 2
    assert list(StatusChange.objects.values_list("reason", flat=True)) == [
        "First analyst's reason."
    ]


def test_the_second_of_two_owner_forms_opened_on_one_version_is_refused(
    analyst_client, reviewer_client, analyst, reviewer, rec
):
    assert (
        analyst_client.post(
            f"/recommendations/{rec.pk}/owner/", {"owner": "analyst", "version": 1}
        ).status_code
        == 302
    )
    second = reviewer_client.post(
        f"/recommendations/{rec.pk}/owner/", {"owner": "reviewer", "version": 1}
    )
    assert second.status_code == 409
    assert '<option value="reviewer" selected>' in second.text
    rec.refresh_from_db()
    assert rec.owner == analyst
    assert RecommendationEdit.objects.count() == 1


def test_a_pillar_form_opened_before_a_status_change_is_refused(analyst_client, rec):
    analyst_client.post(f"/recommendations/{rec.pk}/status/", status_post(rec))
    response = analyst_client.post(
        f"/recommendations/{rec.pk}/pillar/", {"pillar": "prevention", "version": 1}
    )
    assert response.status_code == 409
    rec.refresh_from_db()
    assert rec.pillar == "prosecution"


# --------------------------------------------------------------------------------------------
# The recommendation page
# --------------------------------------------------------------------------------------------


def test_the_page_shows_the_report_the_findings_and_the_lineage(viewer_client):
    old = RecommendationFactory(text="Forcibly returned from destination countries.")
    report = ReportFactory(country=old.report.country, year=2022, tier="tier_2_watch_list")
    rec = RecommendationFactory(
        report=report, predecessor=old, link_kind="reworded", text="Returned from elsewhere."
    )
    later = RecommendationFactory(
        report=ReportFactory(country=report.country, year=2023),
        predecessor=rec,
        link_kind="repeated",
    )
    finding = FindingFactory(report=report, section="protection", position=7)
    rec.findings.add(finding)
    response = viewer_client.get(f"/recommendations/{rec.pk}/")
    page = response.text
    assert (
        f'href="/reports/{report.pk}/">{report.country.name} 2022</a> · Tier 2 Watch List' in page
    )
    assert f'href="/reports/{report.pk}/#finding-protection-7"' in page
    assert f'href="/recommendations/{old.pk}/">{old.reference}</a> (2021) · reworded' in page
    assert f'href="/recommendations/{later.pk}/">{later.reference}</a> (2023) · repeated' in page
    assert f'href="/recommendations/{rec.pk}/assessments/2022/"' in page


def test_the_page_links_to_log_evidence_and_to_the_assessment_pages(analyst_client, rec):
    AssessmentFactory(recommendation=rec, year=2022)
    page = analyst_client.get(f"/recommendations/{rec.pk}/").text
    assert f'href="/evidence/new/?recommendation={rec.pk}"' in page
    assert f'href="/recommendations/{rec.pk}/assessments/2021/"' in page
    assert f'href="/recommendations/{rec.pk}/assessments/2022/"' in page


def test_the_timeline_merges_every_kind_of_record_newest_first(viewer_client, analyst, rec):
    # Each record is written after the one before it, so each is newer.
    StatusChangeFactory(recommendation=rec, reason="Oldest: status")
    RecommendationEdit.objects.create(
        recommendation=rec,
        field="pillar",
        old_value="prosecution",
        new_value="protection",
        changed_by=analyst,
    )
    EvidenceFactory(recommendations=[rec], title="Middle: evidence")
    AssessmentFactory(recommendation=rec, author=analyst)  # its one event: drafted
    page = viewer_client.get(f"/recommendations/{rec.pk}/").text
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    positions = [
        timeline.index(text)
        for text in ["Assessment 2021", "Middle: evidence", "Pillar", "Oldest: status"]
    ]
    assert positions == sorted(positions)
    assert timeline.count('class="timeline-entry') == 4


def test_user_text_on_the_page_is_escaped(viewer_client, rec):
    StatusChangeFactory(recommendation=rec, reason="<script>alert(1)</script>")
    page = viewer_client.get(f"/recommendations/{rec.pk}/").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _timeline_of(rec, n, user):
    """Give `rec` n timeline entries, a quarter of each kind, with cited evidence."""
    per_kind = n // 4
    evidence = Evidence.objects.bulk_create(
        Evidence(
            title=f"Evidence {i}",
            source_type="un",
            direction="no_change",
            sensitivity="public",
            logged_by=user,
        )
        for i in range(per_kind)
    )
    Evidence.recommendations.through.objects.bulk_create(
        Evidence.recommendations.through(evidence=e, recommendation=rec) for e in evidence
    )
    changes = StatusChange.objects.bulk_create(
        StatusChange(
            recommendation=rec,
            old_status="no_action",
            new_status="in_progress",
            reason=f"Reason {i}",
            changed_by=user,
            effective_date=datetime.date(2022, 1, 1),
        )
        for i in range(per_kind)
    )
    StatusChange.evidence.through.objects.bulk_create(
        StatusChange.evidence.through(statuschange=c, evidence=e)
        for c, e in zip(changes, evidence, strict=True)
    )
    RecommendationEdit.objects.bulk_create(
        RecommendationEdit(recommendation=rec, field="owner", new_value=f"u{i}", changed_by=user)
        for i in range(per_kind)
    )
    assessment = AssessmentFactory(recommendation=rec, author=user)
    # The draft's own event is the first of its quarter.
    AssessmentEvent.objects.bulk_create(
        AssessmentEvent(assessment=assessment, action="edited", to_state="draft", by=user)
        for _ in range(per_kind - 1)
    )


@pytest.mark.parametrize("entries", [12, 500])
def test_the_page_takes_a_fixed_number_of_queries_however_long_the_timeline(
    django_assert_num_queries, analyst_client, analyst, rec, entries
):
    _timeline_of(rec, entries, analyst)
    # Session, user, permissions with the user's groups, recommendation, findings, successors,
    # status changes, their evidence, edits, evidence, assessment events, assessments, the
    # citable evidence and the owner candidates.
    # One of them reads the translations of its text (`tracker.views.translation_parts`).
    with django_assert_num_queries(16):
        response = analyst_client.get(f"/recommendations/{rec.pk}/", {"timeline": "all"})
    assert response.text.count('class="timeline-entry') == entries


@pytest.mark.parametrize("entries", [12, 500])
def test_the_page_takes_fewer_fixed_queries_for_a_viewer(
    django_assert_num_queries, viewer_client, analyst, rec, entries
):
    _timeline_of(rec, entries, analyst)
    # One of them reads the translations of its text (`tracker.views.translation_parts`).
    with django_assert_num_queries(13):
        response = viewer_client.get(f"/recommendations/{rec.pk}/")
    assert response.text.count('class="timeline-entry') == min(entries, TIMELINE_SIZE)


def test_a_long_timeline_shows_the_newest_entries_and_links_to_the_rest(
    viewer_client, analyst, rec
):
    now = timezone.now()
    StatusChange.objects.bulk_create(
        StatusChange(
            recommendation=rec,
            old_status="no_action",
            new_status="in_progress",
            reason=f"Entry {i:03d}.",
            changed_by=analyst,
            effective_date=datetime.date(2022, 1, 1),
            recorded_at=now - datetime.timedelta(minutes=i),
        )
        for i in range(60)
    )
    EvidenceFactory.create_batch(
        60,
        recommendations=[rec],
        logged_at=now - datetime.timedelta(minutes=10, seconds=30),
        title="Evidence between",
    )
    page = viewer_client.get(f"/recommendations/{rec.pk}/").text
    # The newest 25: eleven status changes, then the evidence logged just before them.
    assert TIMELINE_SIZE == 25
    assert page.count('class="timeline-entry') == 25
    assert "Entry 000." in page and "Entry 010." in page
    assert "Entry 011." not in page
    assert page.count("Evidence between") == 14
    assert "the newest 25 entries" in page
    assert 'href="?timeline=all#timeline-heading"' in page
    whole = viewer_client.get(f"/recommendations/{rec.pk}/", {"timeline": "all"}).text
    assert whole.count('class="timeline-entry') == 120
    assert "Entry 059." in whole
    assert "Show the whole timeline" not in whole


def test_an_unknown_recommendation_is_not_found(viewer_client):
    assert viewer_client.get("/recommendations/999999/").status_code == 404


# --------------------------------------------------------------------------------------------
# The list: filters on the real narratives
# --------------------------------------------------------------------------------------------


def test_search_finds_a_recommendation_by_words_of_its_text(viewer_client, fixture_narratives):
    response = viewer_client.get(LIST, {"q": "garnishing wages"})
    found = refs(response)
    assert "PRK-2021-04" in found
    assert set(found) == set(
        Recommendation.objects.filter(
            text__icontains="garnishing", text__contains="wages"
        ).values_list("reference", flat=True)
    )
    assert all(ref.startswith("PRK-") for ref in found)


def test_search_needs_every_word_and_ignores_case(viewer_client, fixture_narratives):
    assert "PRK-2021-04" in refs(viewer_client.get(LIST, {"q": "WAGES Garnishing"}))
    assert refs(viewer_client.get(LIST, {"q": "garnishing zanzibar"})) == []


def test_search_finds_a_recommendation_by_its_reference(viewer_client, fixture_narratives):
    assert refs(viewer_client.get(LIST, {"q": "prk-2021-04"})) == ["PRK-2021-04"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"country": "syria"}, Recommendation.objects.filter(report__country__slug="syria")),
        ({"year": "2021"}, Recommendation.objects.filter(report__year=2021)),
        ({"tier": "tier_1"}, Recommendation.objects.filter(report__tier="tier_1")),
        ({"pillar": "partnership"}, Recommendation.objects.filter(pillar="partnership")),
        (
            {"country": "north-korea", "year": "2020", "pillar": "prosecution"},
            Recommendation.objects.filter(
                report__country__slug="north-korea", report__year=2020, pillar="prosecution"
            ),
        ),
    ],
)
def test_each_filter_gives_the_matching_rows(viewer_client, fixture_narratives, params, expected):
    wanted = set(expected.values_list("reference", flat=True))
    assert wanted, "the fixture must have rows for this filter"
    response = viewer_client.get(LIST, params)
    assert set(refs(response)) == wanted
    assert f"<strong>{len(wanted)}</strong>" in response.text


def test_the_tier_filter_finds_the_bahamas_only(viewer_client, fixture_narratives):
    found = refs(viewer_client.get(LIST, {"tier": "tier_1"}))
    assert found and all(ref.startswith("BHS-2022-") for ref in found)


def test_the_status_filter_follows_status_changes(viewer_client, analyst, fixture_narratives):
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    services.recommendation_set_status(
        recommendation=rec,
        status="regressed",
        reason="Wage garnishing widened.",
        by=analyst,
        effective_date=datetime.date(2021, 10, 1),
    )
    # Its 2022 successor has no history of its own: it carries the chain's status.
    assert refs(viewer_client.get(LIST, {"status": "regressed"})) == ["PRK-2022-04", "PRK-2021-04"]
    assert "PRK-2021-04" not in refs(viewer_client.get(LIST, {"status": "no_action", "year": 2021}))
    # On a day before the change, the status filter reads the history.
    before = {"status": "regressed", "as_of": "2021-09-30"}
    assert refs(viewer_client.get(LIST, before)) == []
    on_day = refs(viewer_client.get(LIST, {"status": "no_action", "as_of": "2021-09-30"}))
    assert "PRK-2021-04" in on_day


def test_the_owner_filter_knows_me_a_username_and_nobody(
    analyst_client, analyst, reviewer, fixture_narratives
):
    mine = Recommendation.objects.get(reference="SYR-2021-01")
    theirs = Recommendation.objects.get(reference="SYR-2021-02")
    services.recommendation_set_owner(recommendation=mine, owner=analyst, by=analyst)
    services.recommendation_set_owner(recommendation=theirs, owner=reviewer, by=analyst)
    assert refs(analyst_client.get(LIST, {"owner": "me"})) == ["SYR-2021-01"]
    assert refs(analyst_client.get(LIST, {"owner": "reviewer"})) == ["SYR-2021-02"]
    nobody = refs(analyst_client.get(LIST, {"owner": "none", "country": "syria"}))
    assert "SYR-2021-01" not in nobody and "SYR-2021-03" in nobody


def test_the_evidence_and_assessment_flags_filter(viewer_client, analyst, fixture_narratives):
    with_evidence = Recommendation.objects.get(reference="GMB-2021-01")
    approved = Recommendation.objects.get(reference="GMB-2021-02")
    EvidenceFactory(recommendations=[with_evidence], sensitivity="internal")
    AssessmentFactory(recommendation=approved, approved=True)
    AssessmentFactory(recommendation=with_evidence, submitted=True)
    assert refs(viewer_client.get(LIST, {"has_evidence": "yes"})) == ["GMB-2021-01"]
    assert refs(viewer_client.get(LIST, {"has_approved_assessment": "yes"})) == ["GMB-2021-02"]
    without = refs(viewer_client.get(LIST, {"has_evidence": "no", "country": "the-gambia"}))
    assert "GMB-2021-01" not in without and "GMB-2021-02" in without


def test_carried_over_items_are_found_by_needs_review(viewer_client, fixture_narratives):
    Recommendation.objects.filter(reference="AFG-2023-03").update(needs_review=True)
    Recommendation.objects.filter(reference="AFG-2023-04").update(needs_review=False)
    carried = set(
        Recommendation.objects.filter(needs_review=True).values_list("reference", flat=True)
    )
    response = viewer_client.get(LIST, {"needs_review": "yes", "sort": "reference"})
    assert "AFG-2023-03" in refs(response)
    assert set(refs(response)) == carried
    assert "Needs review" in response.text
    assert "AFG-2023-04" in refs(viewer_client.get(LIST, {"needs_review": "no"}))


@pytest.mark.parametrize(
    "sort, key, reverse",
    [
        ("reference", lambda r: r.reference, False),
        ("-reference", lambda r: r.reference, True),
        ("-year", lambda r: r.report.year, True),
        ("country", lambda r: r.report.country.name, False),
    ],
)
def test_columns_sort_both_ways(viewer_client, fixture_narratives, sort, key, reverse):
    response = viewer_client.get(LIST, {"sort": sort, "country": "north-korea"})
    found = refs(response)
    by_ref = {r.reference: r for r in Recommendation.objects.with_report()}
    keys = [key(by_ref[ref]) for ref in found]
    assert keys == sorted(keys, reverse=reverse)
    assert len(found) == Recommendation.objects.filter(report__country__slug="north-korea").count()


def test_the_default_order_is_country_then_newest_year_then_priority(
    viewer_client, fixture_narratives
):
    found = refs(viewer_client.get(LIST, {"country": "north-korea"}))
    assert found[:2] == ["PRK-2022-01", "PRK-2022-02"]
    assert found[-1] == "PRK-2018-11"


def test_an_unknown_sort_or_filter_value_is_ignored_not_an_error(viewer_client, fixture_narratives):
    response = viewer_client.get(LIST, {"sort": "password", "status": "bogus"})
    assert response.status_code == 200
    assert len(refs(response)) == 50
    # A page that is no number is refused, with a message (tests/test_input_parsing.py).
    assert viewer_client.get(LIST, {"page": "x"}).status_code == 400


def test_pages_hold_fifty_and_keep_the_filters_in_their_links(viewer_client, fixture_narratives):
    total = Recommendation.objects.count()
    assert total > 50
    first = viewer_client.get(LIST, {"sort": "reference"})
    assert len(refs(first)) == 50
    assert 'href="?sort=reference&amp;page=2"' in first.text
    second = viewer_client.get(LIST, {"sort": "reference", "page": 2})
    assert len(refs(second)) == total - 50
    assert set(refs(first)).isdisjoint(refs(second))
    assert 'href="?sort=reference&amp;page=1"' in second.text


def test_sort_links_keep_the_filters_and_drop_the_page(viewer_client, fixture_narratives):
    page = viewer_client.get(LIST, {"q": "wages", "page": 1, "sort": "reference"}).text
    assert 'href="?q=wages&amp;sort=-reference"' in page
    assert 'aria-sort="ascending"' in page
    assert 'href="?q=wages&amp;sort=reference&amp;format=csv"' in page


def _many_recommendations(n, owner):
    report = ReportFactory()
    recs = Recommendation.objects.bulk_create(
        Recommendation(
            report=report,
            number=i,
            reference=f"{report.country.code}-2021-{i:03d}",
            text=f"Recommendation {i}",
            pillar="prosecution",
            owner=owner,
            country_name=report.country.name,
            report_year=report.year,
        )
        for i in range(1, n + 1)
    )
    evidence = EvidenceFactory(logged_by=owner)
    evidence.recommendations.set(recs[::2])
    return recs


@pytest.mark.parametrize("rows", [10, 500])
def test_the_list_takes_a_fixed_number_of_queries_however_many_rows(
    django_assert_num_queries, analyst_client, analyst, rows
):
    _many_recommendations(rows, analyst)
    # Session, user (with the unread count), permissions with the user's groups, the count
    # with the page's keys (and on PostgreSQL the planner's estimate: one statement), its rows,
    # the year, owner and country menus (one union): six on either database.
    with django_assert_num_queries(6):
        response = analyst_client.get(LIST, {"sort": "-reference"})
    assert len(refs(response)) == min(rows, 50)


# --------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------


def test_the_csv_download_has_the_rows_of_the_filtered_page(viewer_client, fixture_narratives):
    params = {"country": "north-korea", "pillar": "prevention", "sort": "reference"}
    page = refs(viewer_client.get(LIST, params))
    response = viewer_client.get(LIST, {**params, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert [row["Reference"] for row in rows] == page
    first = rows[0]
    rec = Recommendation.objects.get(reference=first["Reference"])
    assert first["Country"] == "North Korea"
    assert first["Year"] == str(rec.report.year)
    assert first["Status code"] == rec.status
    assert first["Text"] == rec.text
    assert first["Link"] == f"http://testserver/recommendations/{rec.pk}/"


def test_the_xlsx_download_reads_back_with_typed_cells_and_a_frozen_header(
    viewer_client, fixture_narratives
):
    params = {"year": "2021", "sort": "-reference"}
    page = refs(viewer_client.get(LIST, params))
    response = viewer_client.get(LIST, {**params, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Reference", "Country", "Year"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == page
    year, priority, evidence = (
        header.index("Year"),
        header.index("Priority"),
        header.index("Has evidence"),
    )
    assert all(isinstance(row[year], int) and row[year] == 2021 for row in rows)
    assert all(isinstance(row[priority], int) for row in rows)
    assert all(row[evidence] is False for row in rows)


def test_downloads_neutralise_formulas(viewer_client, db):
    for n, text in enumerate(['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)"], start=1):
        RecommendationFactory(number=n, text=text)
    rows = csv_rows(viewer_client.get(LIST, {"format": "csv", "sort": "reference"}))
    texts = sorted(row["Text"] for row in rows)
    assert texts == sorted(['\'=HYPERLINK("http://x")', "'+1+1", "'-2", "'@SUM(A1)"])
    workbook = load_workbook(io.BytesIO(viewer_client.get(LIST, {"format": "xlsx"}).content))
    text_column = [cell.value for cell in workbook.active[1]].index("Text")
    cells = [row[text_column] for row in workbook.active.iter_rows(min_row=2)]
    # Stored as text, never as formulas, so nothing runs when the workbook is opened.
    assert {cell.data_type for cell in cells} == {"s"}
    assert sorted(cell.value for cell in cells) == sorted(
        ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)"]
    )


# --------------------------------------------------------------------------------------------
# Restricted evidence
# --------------------------------------------------------------------------------------------


@pytest.fixture
def restricted(analyst, rec):
    """A restricted item logged by `analyst` on `rec`, the only evidence it has."""
    return EvidenceFactory(
        recommendations=[rec],
        logged_by=analyst,
        sensitivity="restricted",
        title="Testimony of a returned worker",
    )


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _sees_restricted(user, rec) -> bool:
    client = _client(user)
    page = client.get(f"/recommendations/{rec.pk}/").text
    listing = client.get(LIST, {"has_evidence": "yes"})
    csv_row = csv_rows(client.get(LIST, {"format": "csv"}))[0]
    sheet = load_workbook(io.BytesIO(client.get(LIST, {"format": "xlsx"}).content)).active
    header = [cell.value for cell in sheet[1]]
    xlsx_flag = list(sheet.iter_rows(min_row=2, values_only=True))[0][header.index("Has evidence")]
    seen = [
        "Testimony of a returned worker" in page,
        refs(listing) == [rec.reference],
        csv_row["Has evidence"] == "yes",
        xlsx_flag is True,
    ]
    assert len(set(seen)) == 1, f"pages disagree for {user}: {seen}"
    return seen[0]


def test_restricted_evidence_is_hidden_from_viewers_and_other_analysts(
    restricted, rec, viewer, other_analyst
):
    assert not _sees_restricted(viewer, rec)
    assert not _sees_restricted(other_analyst, rec)


def test_restricted_evidence_is_shown_to_its_author_and_to_reviewers(
    restricted, rec, analyst, reviewer
):
    assert _sees_restricted(analyst, rec)
    assert _sees_restricted(reviewer, rec)


def test_restricted_evidence_cited_in_a_status_change_stays_hidden(
    restricted, rec, analyst, other_analyst
):
    services.recommendation_set_status(
        recommendation=rec,
        status="regressed",
        reason="A returned worker's account.",
        by=analyst,
        evidence=[restricted],
    )
    other = _client(other_analyst).get(f"/recommendations/{rec.pk}/").text
    # Citing restricted evidence made the reason restricted too: the change shows, its words
    # do not.
    assert "A returned worker&#x27;s account." not in other
    assert "The reason is restricted: only its author and reviewers may read it." in other
    assert "Testimony of a returned worker" not in other
    assert f'<option value="{restricted.public_id}"' not in other
    author = _client(analyst).get(f"/recommendations/{rec.pk}/").text
    assert "Evidence cited:" in author and "Testimony of a returned worker" in author
    assert "A returned worker&#x27;s account." in author


def test_restricted_evidence_the_user_cannot_see_cannot_be_cited(restricted, rec, other_analyst):
    response = _client(other_analyst).post(
        f"/recommendations/{rec.pk}/status/", status_post(rec, evidence=[restricted.public_id])
    )
    assert response.status_code == 400
    assert not StatusChange.objects.exists()


def test_a_reviewer_group_sees_restricted_evidence_by_permission(reviewer):
    assert reviewer.has_perm("tracker.view_restricted_evidence")
    assert (
        Group.objects.get(name=roles.REVIEWER)
        .permissions.filter(codename="view_restricted_evidence")
        .exists()
    )


def test_detail_of_a_reworded_item_shows_the_words_changed_since_its_predecessor(
    viewer_client, fixture_narratives
):
    reworded = Recommendation.objects.get(reference="PRK-2021-02")
    assert reworded.link_kind == "reworded"
    assert reworded.predecessor.reference == "PRK-2020-02"
    page = viewer_client.get(reworded.get_absolute_url()).content.decode()
    assert '<del class="diff-delete">destination</del>' in page
    assert '<ins class="diff-insert">other</ins>' in page
    assert f'href="/recommendations/{reworded.pk}/lineage/"' in page


def test_detail_of_a_repeated_item_shows_no_diff(viewer_client, fixture_narratives):
    repeated = Recommendation.objects.get(reference="PRK-2021-03")
    assert repeated.link_kind == "repeated"
    page = viewer_client.get(repeated.get_absolute_url()).content.decode()
    assert "diff-delete" not in page and "diff-insert" not in page
