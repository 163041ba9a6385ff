"""Evidence edits: the service's rules, the history it leaves, and the edit page."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reports import services as report_services
from reports.models import PublishedSummary
from reports.summary import build_summary
from tests.factories import EvidenceFactory, RecommendationFactory
from tracker import search, services
from tracker.models import Evidence, EvidenceEdit

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def item(analyst):
    return EvidenceFactory(
        recommendations=[RecommendationFactory()],
        logged_by=analyst,
        title="Report of the Special Rapporteur",
        summary="Forced returns continued.",
        source_name="UN",
        published_on=D(2021, 10, 1),
    )


def _edit(item, by, **fields):
    fields.setdefault("reason", "The title was mistyped.")
    fields.setdefault("expected_version", Evidence.objects.get(pk=item.pk).version)
    return services.evidence_edit(evidence=item, by=by, **fields)


def test_each_changed_field_is_recorded_with_its_old_and_new_value(item, analyst):
    edits = _edit(
        item,
        analyst,
        title="Report of the UN Special Rapporteur",
        source_type="ngo",
        published_on=D(2021, 9, 30),
        summary="Forced returns continued.",  # unchanged: no record
    )
    item.refresh_from_db()
    assert (item.title, item.source_type, item.published_on) == (
        "Report of the UN Special Rapporteur",
        "ngo",
        D(2021, 9, 30),
    )
    assert item.version == 2
    rows = {edit.field: (edit.old_value, edit.new_value, edit.note) for edit in edits}
    assert rows == {
        "title": (
            "Report of the Special Rapporteur",
            "Report of the UN Special Rapporteur",
            "The title was mistyped.",
        ),
        "source_type": ("UN", "NGO", "The title was mistyped."),
        "published_on": ("2021-10-01", "2021-09-30", "The title was mistyped."),
    }
    assert EvidenceEdit.objects.filter(evidence=item, changed_by=analyst).count() == 3


def test_a_long_old_value_is_kept_whole_in_the_note(item, analyst):
    long_summary = "Forced returns continued. " * 30
    _edit(item, analyst, summary=long_summary, reason="Fuller summary.")
    _edit(item, analyst, summary="Short again.", reason="Too long.")
    edit = EvidenceEdit.objects.filter(field="summary").order_by("id").last()
    assert len(edit.old_value) == 300
    assert edit.note == f"Too long.\n\nIt was: {long_summary.strip()}"


def test_nothing_changed_records_nothing(item, analyst):
    assert _edit(item, analyst, title=item.title) == []
    item.refresh_from_db()
    assert item.version == 1
    assert not EvidenceEdit.objects.exists()


def test_a_stale_version_is_refused_and_changes_nothing(item, analyst, reviewer):
    _edit(item, reviewer, title="First correction")
    with pytest.raises(services.StaleVersion):
        _edit(item, analyst, title="Second correction", expected_version=1)
    item.refresh_from_db()
    assert item.title == "First correction"
    assert EvidenceEdit.objects.count() == 1


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"title": ""}, "title"),
        ({"url": "not a url"}, "url"),
        ({"source_type": "rumour"}, "source_type"),
        ({"published_on": D(2100, 1, 1)}, "published_on"),
        ({"accessed_on": D(2021, 1, 1)}, "accessed_on"),  # before its publication
        ({"title": "x" * 301}, "title"),
        ({"reason": " "}, "reason"),
        ({"file_sha256": "0" * 64}, "file_sha256"),
        ({"sensitivity": "public"}, "sensitivity"),
    ],
)
def test_bad_input_is_refused_by_field_and_changes_nothing(item, analyst, fields, field):
    before = Evidence.objects.filter(pk=item.pk).values().get()
    with pytest.raises(ValidationError) as refused:
        _edit(item, analyst, **fields)
    assert field in refused.value.message_dict
    assert Evidence.objects.filter(pk=item.pk).values().get() == before
    assert not EvidenceEdit.objects.exists()


def test_only_the_author_and_reviewers_may_edit(item, reviewer, other_analyst, viewer):
    for user in (other_analyst, viewer):
        with pytest.raises(PermissionDenied):
            _edit(item, user, title="Not mine")
    _edit(item, reviewer, title="A reviewer's correction")
    assert Evidence.objects.get(pk=item.pk).title == "A reviewer's correction"


def test_withdrawn_evidence_cannot_be_edited(item, analyst):
    services.evidence_withdraw(evidence=item, reason="Retracted.", by=analyst)
    with pytest.raises(ValidationError, match="Withdrawn evidence cannot be edited"):
        _edit(item, analyst, title="Too late")
    assert Evidence.objects.get(pk=item.pk).title == "Report of the Special Rapporteur"


def test_withdrawing_and_sensitivity_move_the_version_on(item, analyst, admin_user):
    services.evidence_set_sensitivity(
        evidence=item, sensitivity="internal", reason="Named a witness.", by=admin_user
    )
    assert Evidence.objects.get(pk=item.pk).version == 2
    with pytest.raises(services.StaleVersion):
        services.evidence_withdraw(evidence=item, reason="Old.", by=analyst, expected_version=1)
    services.evidence_withdraw(evidence=item, reason="Retracted.", by=analyst, expected_version=2)
    assert Evidence.objects.get(pk=item.pk).version == 3


def test_a_published_summary_never_changes_after_an_edit(seed_report, analyst, reviewer):
    rec = seed_report.recommendations.order_by("number").first()
    item = EvidenceFactory(recommendations=[rec], logged_by=analyst, title="Original title")
    published = report_services.summary_publish(year=2021, country=seed_report.country, by=reviewer)
    assert "Original title" in published.content
    stored = PublishedSummary.objects.values_list("content", "sha256").get(pk=published.pk)
    _edit(item, analyst, title="Corrected title", reason="The source's real title.")
    assert PublishedSummary.objects.values_list("content", "sha256").get(pk=published.pk) == stored
    # A summary built now tells the corrected story.
    rows = [
        row for _, row in build_summary(year=2021).recommendations if row.reference == rec.reference
    ]
    assert [e.title for e in rows[0].evidence] == ["Corrected title"]


def test_the_search_index_follows_an_edit(item, analyst):
    _edit(item, analyst, title="Testimony of repatriated workers")
    urls = [hit.url for group in search.search("repatriated", user=analyst) for hit in group.hits]
    assert urls == [item.get_absolute_url()]
    assert not search.search("Rapporteur", user=analyst)


# --- The pages -------------------------------------------------------------------------------


def _url(item):
    return reverse("evidence_edit", args=[item.public_id])


def _post(item, **overrides):
    data = {
        "title": item.title,
        "summary": item.summary,
        "source_type": item.source_type,
        "source_name": item.source_name,
        "url": item.url,
        "published_on": item.published_on.isoformat() if item.published_on else "",
        "accessed_on": "",
        "quote": item.quote,
        "direction": item.direction,
        "recommendations": [rec.pk for rec in item.recommendations.all()],
        "reason": "The title was mistyped.",
        "version": Evidence.objects.get(pk=item.pk).version,
    }
    data.update(overrides)
    return data


def test_the_edit_page_is_for_the_author_and_reviewers(
    item, client, analyst_client, reviewer_client, viewer_client, other_analyst
):
    from django.test import Client

    assert client.get(_url(item)).status_code == 302  # to the login page
    assert viewer_client.get(_url(item)).status_code == 403
    stranger = Client()
    stranger.force_login(other_analyst)
    assert stranger.get(_url(item)).status_code == 403
    assert stranger.post(_url(item), _post(item, title="Not mine", confirm="1")).status_code == 403
    page = analyst_client.get(_url(item))
    assert page.status_code == 200
    assert 'value="Report of the Special Rapporteur"' in page.text  # prefilled
    assert reviewer_client.get(_url(item)).status_code == 200
    assert "Correct the description" in analyst_client.get(item.get_absolute_url()).text
    assert "Correct the description" not in viewer_client.get(item.get_absolute_url()).text
    assert Evidence.objects.get(pk=item.pk).title == "Report of the Special Rapporteur"


def test_the_page_shows_what_changes_then_saves_and_shows_the_history(item, analyst_client):
    preview = analyst_client.post(_url(item), _post(item, title="Report of the <UN> Rapporteur"))
    assert preview.status_code == 200
    assert "What will change" in preview.text
    assert "Report of the &lt;UN&gt; Rapporteur" in preview.text
    assert Evidence.objects.get(pk=item.pk).version == 1  # nothing saved yet
    saved = analyst_client.post(
        _url(item), _post(item, title="Report of the <UN> Rapporteur", confirm="1")
    )
    assert saved.status_code == 302
    item.refresh_from_db()
    assert item.title == "Report of the <UN> Rapporteur"
    detail = analyst_client.get(item.get_absolute_url()).text
    assert "Changes since it was logged" in detail
    assert "<strong>Title</strong> changed from “Report of the Special Rapporteur”" in detail
    assert "The title was mistyped." in detail


def test_the_page_refuses_bad_input_and_needs_a_reason(item, analyst_client):
    for overrides in ({"reason": ""}, {"url": "not a url"}, {"published_on": "2100-01-01"}):
        response = analyst_client.post(
            _url(item), _post(item, title="New", confirm="1", **overrides)
        )
        assert response.status_code == 400
    assert Evidence.objects.get(pk=item.pk).title == "Report of the Special Rapporteur"
    assert not EvidenceEdit.objects.exists()


def test_the_page_refuses_a_stale_form(item, analyst_client, reviewer):
    data = _post(item, title="Mine", confirm="1")
    _edit(item, reviewer, title="Theirs")
    response = analyst_client.post(_url(item), data)
    assert response.status_code == 409
    assert "changed by someone else" in response.text
    assert Evidence.objects.get(pk=item.pk).title == "Theirs"


def test_withdrawn_evidence_has_no_edit_page(item, analyst, analyst_client):
    services.evidence_withdraw(evidence=item, reason="Retracted.", by=analyst)
    assert "Correct the description" not in analyst_client.get(item.get_absolute_url()).text
    response = analyst_client.post(_url(item), _post(item, title="Too late", confirm="1"))
    assert response.status_code == 302
    assert Evidence.objects.get(pk=item.pk).title == "Report of the Special Rapporteur"


# --- Re-linking: the recommendations it bears on, and its direction ---------------------------


def test_links_and_direction_are_corrected_with_a_reason_and_kept_in_the_history(
    item, analyst, reviewer
):
    first = item.recommendations.get()
    second = RecommendationFactory(report=first.report)
    third = RecommendationFactory(report=first.report)
    edits = _edit(
        item,
        reviewer,
        recommendations=[first, second],
        direction="progress",
        reason="It also reports on shelters; and it shows progress.",
    )
    assert sorted(item.recommendations.values_list("pk", flat=True)) == [first.pk, second.pk]
    item.refresh_from_db()
    assert (item.direction, item.version) == ("progress", 2)
    rows = {edit.field: (edit.old_value, edit.new_value) for edit in edits}
    assert rows == {
        "direction": ("No change", "Progress"),
        "recommendations": (first.reference, f"{first.reference}, {second.reference}"),
    }
    # A mistaken link is taken off again, by the analyst who logged it.
    _edit(item, analyst, recommendations=[second, third], reason="Logged on the wrong item.")
    assert sorted(item.recommendations.values_list("pk", flat=True)) == [second.pk, third.pk]
    last = EvidenceEdit.objects.filter(field="recommendations").order_by("id").last()
    assert (last.old_value, last.new_value, last.note) == (
        f"{first.reference}, {second.reference}",
        f"{second.reference}, {third.reference}",
        "Logged on the wrong item.",
    )
    # The same links in another order change nothing.
    assert _edit(item, analyst, recommendations=[third, second]) == []


def test_relinking_keeps_one_link_and_every_cited_one(item, analyst, other_analyst):
    rec = item.recommendations.get()
    other = RecommendationFactory(report=rec.report)
    with pytest.raises(ValidationError, match="at least one recommendation"):
        _edit(item, analyst, recommendations=[])
    services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="See the report.",
        by=analyst,
        evidence=[item],
        effective_date=D(2021, 11, 1),
    )
    with pytest.raises(ValidationError, match=f"{rec.reference} cites it"):
        _edit(item, analyst, recommendations=[other])
    assert list(item.recommendations.all()) == [rec]
    with pytest.raises(PermissionDenied):
        _edit(item, other_analyst, recommendations=[rec, other])
    assert not EvidenceEdit.objects.exists()


def test_the_edit_page_relinks_with_a_preview(item, analyst_client):
    first = item.recommendations.get()
    second = RecommendationFactory(report=first.report, reference="AAA-2021-99")
    page = analyst_client.get(_url(item)).text
    assert "Recommendations it bears on" in page and second.reference in page
    assert "Direction" in page
    data = _post(
        item,
        recommendations=[second.pk],
        direction="regression",
        reason="Logged against the wrong item.",
    )
    preview = analyst_client.post(_url(item), data)
    assert preview.status_code == 200
    table = preview.text.split("What will change", 1)[1].split("</table>", 1)[0]
    assert "Added: AAA-2021-99" in table and f"Removed: {first.reference}" in table
    assert "Regression" in table
    assert list(item.recommendations.all()) == [first]
    saved = analyst_client.post(_url(item), {**data, "confirm": "1"})
    assert saved.status_code == 302
    assert list(item.recommendations.all()) == [second]
    detail = analyst_client.get(item.get_absolute_url()).text
    assert "<strong>Recommendations</strong> changed from" in detail


def test_the_api_relinks_evidence_with_if_match(item, analyst, token_client):
    first = item.recommendations.get()
    second = RecommendationFactory(report=first.report)
    client = token_client(analyst)
    url = f"/api/v1/evidence/{item.public_id}/"
    etag = client.get(url)["ETag"]
    response = client.patch(
        url,
        {"recommendations": [first.pk, second.pk], "direction": "progress", "reason": "Also."},
        content_type="application/json",
        headers={"if-match": etag},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(body["recommendations"]) == sorted([first.pk, second.pk])
    assert body["direction"] == "progress"
    assert EvidenceEdit.objects.filter(field="recommendations").count() == 1
    response = client.patch(
        url,
        {"recommendations": [987654], "reason": "No such item."},
        content_type="application/json",
        headers={"if-match": response["ETag"]},
    )
    assert response.status_code == 400
    assert "recommendations" in response.json()["errors"]


# --- Wording of the record ---------------------------------------------------------------------


def test_the_history_writes_dates_in_words_and_a_reason_ends_with_one_full_stop(
    item, analyst, analyst_client
):
    _edit(item, analyst, published_on=D(2021, 9, 30), reason="The date was the upload's.")
    services.evidence_withdraw(evidence=item, reason="Logged twice by mistake.", by=analyst)
    page = analyst_client.get(item.get_absolute_url()).text
    history = page[page.index("Changes since it was logged") :]
    assert "changed from “1 October 2021” to “30 September 2021”" in history
    assert "2021-10-01" not in history and "2021-09-30" not in history
    assert "Logged twice by mistake. It is kept here" in page and "mistake.." not in page
    other = EvidenceFactory(recommendations=[RecommendationFactory()], logged_by=analyst)
    services.evidence_withdraw(evidence=other, reason="Retracted by its source", by=analyst)
    assert (
        "Retracted by its source. It is kept here"
        in analyst_client.get(other.get_absolute_url()).text
    )


def test_the_restricted_note_names_who_logged_it_plainly(analyst, analyst_client, reviewer_client):
    secret = EvidenceFactory(
        recommendations=[RecommendationFactory()],
        logged_by=analyst,
        sensitivity=Evidence.Sensitivity.RESTRICTED,
    )
    by_reviewer = reviewer_client.get(secret.get_absolute_url()).text
    assert (
        "Restricted: only reviewers and the person who logged it (analyst) can see this item."
        in by_reviewer
    )
    by_author = analyst_client.get(secret.get_absolute_url()).text
    assert "Restricted: only reviewers and you, who logged it, can see this item." in by_author
