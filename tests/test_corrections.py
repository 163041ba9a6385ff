"""Corrections with history: a voided status change and withdrawn evidence, everywhere."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reports.summary import build_summary
from tests.factories import EvidenceFactory
from tracker import services
from tracker.models import Evidence, HistoryIsAppendOnly, Recommendation, StatusChange

pytestmark = pytest.mark.django_db

D = datetime.date


def _prk(reference):
    return Recommendation.objects.select_related("report").get(reference=reference)


def test_a_voided_change_stays_in_the_history_and_stops_counting(seed_report, analyst, reviewer):
    rec = _prk("PRK-2021-05")
    kept = services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="Shelter opened.",
        by=analyst,
        effective_date=D(2021, 7, 1),
    )
    wrong = services.recommendation_set_status(
        recommendation=rec,
        status="implemented",
        reason="Misread the report.",
        by=analyst,
        effective_date=D(2021, 9, 1),
    )
    rec.refresh_from_db()
    assert rec.status == "implemented"
    services.status_change_void(
        change=wrong, reason="The report was about another country.", by=reviewer
    )
    rec.refresh_from_db()
    assert rec.status == "in_progress"
    assert services.status_on_date(rec, D(2021, 10, 1)) == "in_progress"
    assert StatusChange.objects.filter(pk=wrong.pk).exists()
    row = next(
        r for _, r in build_summary(year=2021).recommendations if r.reference == rec.reference
    )
    assert (row.status, [c.new_status for c in row.changes]) == ("in_progress", ["in_progress"])
    with pytest.raises(ValidationError, match="already voided"):
        services.status_change_void(change=wrong, reason="Again.", by=reviewer)
    with pytest.raises(HistoryIsAppendOnly):
        wrong.void.delete()
    assert kept.pk != wrong.pk


def test_voiding_needs_a_reason_and_the_right_role(seed_report, analyst, viewer):
    rec = _prk("PRK-2021-05")
    change = services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="Reported.",
        by=analyst,
        effective_date=D(2021, 7, 1),
    )
    with pytest.raises(ValidationError):
        services.status_change_void(change=change, reason=" ", by=analyst)
    with pytest.raises(PermissionDenied):
        services.status_change_void(change=change, reason="No.", by=viewer)
    assert not StatusChange.objects.filter(pk=change.pk, void__isnull=False).exists()


def test_the_timeline_marks_a_voided_change_and_offers_the_correction(
    seed_report, analyst, analyst_client, viewer_client
):
    rec = _prk("PRK-2021-05")
    change = services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="Reported.",
        by=analyst,
        effective_date=D(2021, 7, 1),
    )
    page = analyst_client.get(rec.get_absolute_url()).content.decode()
    assert "Void this entry (a mistake)" in page
    assert "Void this entry" not in viewer_client.get(rec.get_absolute_url()).content.decode()
    url = reverse("recommendation_void_change", args=[rec.pk, change.pk])
    assert viewer_client.post(url, {"reason": "x"}).status_code == 403
    response = analyst_client.post(url, {"reason": "Entered on the wrong item."})
    assert response.status_code == 302
    page = analyst_client.get(rec.get_absolute_url()).content.decode()
    assert "<strong>Voided</strong>" in page and "Entered on the wrong item." in page
    rec.refresh_from_db()
    assert rec.status == "no_action"


def test_withdrawn_evidence_is_kept_marked_and_stops_counting_from_then_on(
    seed_report, analyst, other_analyst, viewer_client
):
    rec = _prk("PRK-2021-05")
    item = EvidenceFactory(recommendations=[rec], logged_by=analyst, published_on=D(2021, 8, 1))
    assert Recommendation.objects.with_evidence_flag(analyst).get(pk=rec.pk).has_evidence
    with pytest.raises(PermissionDenied):
        services.evidence_withdraw(evidence=item, reason="Not mine.", by=other_analyst)
    with pytest.raises(ValidationError):
        services.evidence_withdraw(evidence=item, reason="", by=analyst)
    services.evidence_withdraw(evidence=item, reason="The source retracted it.", by=analyst)
    item.refresh_from_db()
    assert item.is_withdrawn and Evidence.objects.filter(pk=item.pk).exists()
    assert not Recommendation.objects.with_evidence_flag(analyst).get(pk=rec.pk).has_evidence
    today = datetime.date.today()
    # Summaries as of a day before the withdrawal still count it; from that day on they do not.
    before = build_summary(year=2021, as_of=D(2022, 3, 31)).totals
    assert (before.evidence_items, before.evidence_withdrawn) == (1, 0)
    summary = build_summary(year=2021, as_of=today)
    assert (summary.totals.evidence_items, summary.totals.evidence_withdrawn) == (0, 1)
    url = reverse("summary_country", args=[2021, seed_report.country.slug])
    page = viewer_client.get(url, {"as_of": today.isoformat()}).content.decode()
    assert "1 withdrawn by" in page
    detail = viewer_client.get(item.get_absolute_url()).content.decode()
    assert "<strong>Withdrawn</strong>" in detail and "The source retracted it." in detail
    with pytest.raises(ValidationError, match="already withdrawn"):
        services.evidence_withdraw(evidence=item, reason="Again.", by=analyst)


def test_the_withdraw_form_is_for_its_author_and_reviewers(
    seed_report, analyst, analyst_client, reviewer_client, viewer_client, other_analyst
):
    item = EvidenceFactory(recommendations=[_prk("PRK-2021-05")], logged_by=analyst)
    assert "Withdraw this evidence" in analyst_client.get(item.get_absolute_url()).text
    assert "Withdraw this evidence" in reviewer_client.get(item.get_absolute_url()).text
    assert "Withdraw this evidence" not in viewer_client.get(item.get_absolute_url()).text
    url = reverse("evidence_withdraw", args=[item.public_id])
    assert viewer_client.post(url, {"reason": "x"}).status_code == 403
    response = reviewer_client.post(url, {"reason": "Duplicate of another item."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.withdrawal_reason == "Duplicate of another item."


# -- A voided change counts nowhere ---------------------------------------------------------


@pytest.fixture
def carried_over(db):
    """Import North Korea's 2020 and 2021 narratives: the 2021 items carry 2020's statuses."""
    from tests.conftest import ROOT, SEED
    from tracker import importer

    earlier = ROOT / "fixtures" / "narratives" / "2020_north-korea.txt"
    importer.import_batch([importer.parse_file(earlier), importer.parse_file(SEED)])
    rec = _prk("PRK-2021-02")
    assert rec.predecessor_id and rec.needs_review
    return rec


def test_voiding_the_only_confirming_change_puts_the_item_back_to_needs_review(
    carried_over, analyst, reviewer
):
    rec = carried_over
    confirmed = services.recommendation_set_status(
        recommendation=rec,
        status=rec.status,
        reason="Still no action.",
        by=analyst,
        effective_date=D(2021, 6, 1),
    )
    rec.refresh_from_db()
    assert not rec.needs_review
    services.status_change_void(change=confirmed, reason="Confirmed the wrong item.", by=reviewer)
    rec.refresh_from_db()
    assert rec.needs_review
    # A second change kept alive keeps the item confirmed.
    first = services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="A first trial.",
        by=analyst,
        effective_date=D(2021, 7, 1),
    )
    second = services.recommendation_set_status(
        recommendation=rec,
        status="implemented",
        reason="Typed in haste.",
        by=analyst,
        effective_date=D(2021, 8, 1),
    )
    services.status_change_void(change=second, reason="Meant in progress.", by=reviewer)
    rec.refresh_from_db()
    assert (rec.needs_review, rec.status) == (False, "in_progress")
    services.status_change_void(change=first, reason="No trial after all.", by=reviewer)
    rec.refresh_from_db()
    assert rec.needs_review


def test_a_voided_change_is_left_out_of_the_latest_changes_and_marked_where_evidence_is_cited(
    carried_over, analyst, reviewer, viewer_client
):
    rec = carried_over
    item = EvidenceFactory(recommendations=[rec], logged_by=analyst, published_on=D(2021, 8, 1))
    change = services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="Misread the UN report.",
        by=analyst,
        evidence=[item],
        effective_date=D(2021, 9, 1),
    )
    assert "Misread the UN report." in viewer_client.get("/").text
    services.status_change_void(change=change, reason="Another country's trial.", by=reviewer)
    home = viewer_client.get("/")
    assert "Misread the UN report." not in home.text
    assert home.context["counts"]["carried_over"] >= 1
    detail = viewer_client.get(item.get_absolute_url()).text
    assert "PRK-2021-02</a> to in progress" in detail and "voided" in detail
