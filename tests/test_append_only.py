"""History is append-only: no admin page, service or view edits or deletes a status change, an
approved assessment, a published summary or the other history rows."""

import ast
import datetime
import hashlib
import inspect

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reports import services as report_services
from reports.models import PublishedSummary
from tests.factories import UserFactory
from tracker import roles, services
from tracker.models import (
    Assessment,
    AssessmentEvent,
    Evidence,
    Recommendation,
    RecommendationEdit,
    Report,
    StatusChange,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(seed_report, analyst, reviewer):
    """One of each history record, written the way the application writes them."""
    recommendation = seed_report.recommendations.get(number=1)
    evidence = services.evidence_log(
        by=analyst,
        title="Special Rapporteur report",
        source_type=Evidence.SourceType.UN,
        direction=Evidence.Direction.NO_CHANGE,
        recommendations=[recommendation],
    )
    change = services.recommendation_set_status(
        recommendation=recommendation,
        status=Recommendation.Status.IN_PROGRESS,
        reason="The rapporteur reports a first step.",
        by=analyst,
        evidence=[evidence],
        effective_date=datetime.date(2022, 2, 1),
    )
    edit = services.recommendation_set_owner(
        recommendation=recommendation, owner=analyst, by=reviewer
    )
    assessment = services.assessment_draft(
        recommendation=recommendation,
        year=2021,
        by=analyst,
        rating=Assessment.Rating.LIMITED,
        confidence=Assessment.Confidence.LOW,
        narrative="One verifiable step.",
    )
    services.assessment_submit(assessment=assessment, by=analyst)
    assessment = services.assessment_approve(assessment=assessment, by=reviewer, note="Agreed.")
    content = '{"year": 2021}'
    summary = PublishedSummary.objects.create(
        country=seed_report.country,
        year=2021,
        content=content,
        sha256=hashlib.sha256(content.encode()).hexdigest(),
        published_by=reviewer,
    )
    return {
        "recommendation": recommendation,
        "evidence": evidence,
        "statuschange": change,
        "recommendationedit": edit,
        "assessment": assessment,
        "assessmentevent": assessment.events.first(),
        "summary": summary,
    }


def _state(obj) -> dict:
    """Return every concrete field of `obj` as stored now."""
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def _admin_url(obj, view: str) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


FROZEN = ["statuschange", "recommendationedit", "assessmentevent", "assessment", "summary"]


@pytest.mark.parametrize("name", FROZEN)
def test_the_admin_refuses_to_delete_a_history_record_even_for_a_superuser(
    name, history, admin_client
):
    record = history[name]
    before = _state(record)
    assert admin_client.get(_admin_url(record, "delete")).status_code == 403
    assert admin_client.post(_admin_url(record, "delete"), {"post": "yes"}).status_code == 403
    assert _state(record) == before


@pytest.mark.parametrize("name", FROZEN)
def test_the_admin_bulk_delete_action_removes_no_history_record(name, history, admin_client):
    record = history[name]
    meta = record._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    response = admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
    )
    assert response.status_code in {200, 302, 403}
    assert type(record)._base_manager.filter(pk=record.pk).exists()


@pytest.mark.parametrize("name", FROZEN)
def test_the_admin_change_form_cannot_alter_a_history_record(name, history, admin_client):
    record = history[name]
    before = _state(record)
    url = _admin_url(record, "change")
    page = admin_client.get(url)
    # Shown read-only (or not at all), never as an editable form.
    assert page.status_code in {200, 403}
    if page.status_code == 200:
        assert 'name="_save"' not in page.text
    data = {
        "reason": "Rewritten history",
        "new_status": Recommendation.Status.IMPLEMENTED,
        "rating": Assessment.Rating.IMPLEMENTED,
        "narrative": "Rewritten",
        "note": "Rewritten",
        "content": "{}",
        "sha256": "0" * 64,
        "_save": "Save",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 403
    assert _state(record) == before


@pytest.mark.parametrize(
    "model", [StatusChange, RecommendationEdit, AssessmentEvent, PublishedSummary]
)
def test_the_admin_offers_no_way_to_add_history_by_hand(model, admin_client, history):
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    assert admin_client.get(url).status_code == 403
    count = model.objects.count()
    admin_client.post(url, {"reason": "Invented", "content": "{}"})
    assert model.objects.count() == count


@pytest.mark.parametrize("model", [Recommendation, Report, Evidence])
def test_the_admin_never_hard_deletes_recommendations_reports_or_evidence(
    model, history, admin_client
):
    record = model.objects.first()
    assert admin_client.post(_admin_url(record, "delete"), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=record.pk).exists()


def test_the_admin_cannot_change_a_status_around_the_service(history, admin_client):
    recommendation = history["recommendation"]
    before = _state(recommendation)
    changes = StatusChange.objects.count()
    page = admin_client.get(_admin_url(recommendation, "change"))
    assert page.status_code == 200
    assert 'name="status"' not in page.text
    admin_client.post(
        _admin_url(recommendation, "change"),
        {
            "report": recommendation.report_id,
            "number": recommendation.number,
            "reference": recommendation.reference,
            "text": recommendation.text,
            "pillar": recommendation.pillar,
            "status": Recommendation.Status.IMPLEMENTED,
            "link_kind": "",
            "_save": "Save",
        },
    )
    assert _state(recommendation)["status"] == before["status"]
    assert StatusChange.objects.count() == changes


def test_services_refuse_to_edit_or_review_an_approved_assessment(history, analyst, reviewer):
    assessment = history["assessment"]
    before = _state(assessment)
    events = AssessmentEvent.objects.count()
    other_reviewer = UserFactory(username="reviewer2", role=roles.REVIEWER)
    attempts = [
        lambda: services.assessment_update(
            assessment=assessment,
            by=analyst,
            rating=Assessment.Rating.IMPLEMENTED,
            confidence=Assessment.Confidence.HIGH,
            narrative="Rewritten.",
        ),
        lambda: services.assessment_submit(assessment=assessment, by=analyst),
        lambda: services.assessment_approve(assessment=assessment, by=other_reviewer),
        lambda: services.assessment_return(
            assessment=assessment, by=other_reviewer, note="Please change."
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    assert _state(assessment) == before
    assert AssessmentEvent.objects.count() == events


def test_a_correction_is_a_new_revision_and_the_approved_one_stays(history, analyst):
    original = history["assessment"]
    before = _state(original)
    correction = services.assessment_correct(assessment=original, by=analyst)
    assert correction.pk != original.pk
    assert correction.revision == original.revision + 1
    assert correction.supersedes_id == original.pk
    assert _state(original) == before


def test_a_new_status_change_adds_a_row_and_leaves_earlier_ones_untouched(history, analyst):
    first = history["statuschange"]
    before = _state(first)
    services.recommendation_set_status(
        recommendation=history["recommendation"],
        status=Recommendation.Status.REGRESSED,
        reason="Forced returns resumed.",
        by=analyst,
    )
    assert history["recommendation"].status_changes.count() == 2
    assert _state(first) == before


def test_a_back_dated_change_is_inserted_not_rewritten(history, analyst):
    recommendation = history["recommendation"]
    states = {c.pk: _state(c) for c in recommendation.status_changes.all()}
    services.recommendation_set_status(
        recommendation=recommendation,
        status=Recommendation.Status.CANNOT_ASSESS,
        reason="Earlier, nothing could be verified.",
        by=analyst,
        effective_date=datetime.date(2021, 6, 1),
    )
    for pk, state in states.items():
        assert _state(StatusChange.objects.get(pk=pk)) == state
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.IN_PROGRESS


def _writes_to(source: str, model_names: set[str]) -> list[str]:
    """Return the calls in `source` that update or delete rows of the named models."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in {"update", "delete", "bulk_update", "update_or_create", "save"}:
            continue
        chain = ast.unparse(node.func.value)
        if any(name in chain for name in model_names):
            found.append(ast.unparse(node))
    return found


HISTORY_NAMES = {
    "StatusChange",
    "status_change",
    "RecommendationEdit",
    "AssessmentEvent",
    "Summary",
}


def test_no_service_updates_or_deletes_history_rows():
    for module in (services, report_services):
        assert _writes_to(inspect.getsource(module), HISTORY_NAMES) == []


def test_the_scan_for_history_writes_would_notice_one():
    # Guard for the test above: the scan recognises each way of rewriting a history row.
    source = (
        "def f(change):\n"
        "    StatusChange.objects.filter(pk=1).update(reason='x')\n"
        "    PublishedSummary.objects.all().delete()\n"
        "    status_change.save()\n"
        "    StatusChange.objects.create(reason='new rows are fine')\n"
    )
    assert _writes_to(source, HISTORY_NAMES) == [
        "StatusChange.objects.filter(pk=1).update(reason='x')",
        "PublishedSummary.objects.all().delete()",
        "status_change.save()",
    ]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_pages_with_history_refuse_edit_and_delete_methods(method, history, reviewer_client):
    urls = [
        history["recommendation"].get_absolute_url(),
        reverse("recommendation_status", args=[history["recommendation"].pk]),
        history["evidence"].get_absolute_url(),
        reverse("assessment_detail", args=[history["recommendation"].pk, 2021]),
    ]
    for url in urls:
        assert getattr(reviewer_client, method)(url).status_code == 405, url


def test_the_views_refuse_to_change_an_approved_assessment(history, analyst_client):
    assessment = history["assessment"]
    before = _state(assessment)
    url = reverse("assessment_save", args=[assessment.recommendation_id, assessment.year])
    response = analyst_client.post(
        url,
        {
            "rating": Assessment.Rating.IMPLEMENTED,
            "confidence": Assessment.Confidence.HIGH,
            "narrative": "Rewritten after approval.",
            "version": assessment.version,
            "revision": assessment.revision,
        },
    )
    assert response.status_code in {400, 403, 409}
    assert _state(assessment) == before


def test_the_views_refuse_to_review_an_approved_assessment_again(history, reviewer_client):
    assessment = history["assessment"]
    before = _state(assessment)
    url = reverse("assessment_review", args=[assessment.recommendation_id, assessment.year])
    response = reviewer_client.post(
        url,
        {
            "decision": "return",
            "note": "Reopen it.",
            "version": assessment.version,
            "revision": assessment.revision,
        },
    )
    assert response.status_code in {400, 403, 409}
    assert _state(assessment) == before


def test_publishing_again_adds_a_summary_and_leaves_the_published_one(history, analyst, reviewer):
    country = history["recommendation"].report.country
    first = report_services.summary_publish(year=2021, country=country, by=reviewer)
    before = _state(first)
    with pytest.raises(ValidationError, match="Nothing has changed"):
        report_services.summary_publish(year=2021, country=country, by=reviewer)
    services.recommendation_set_status(
        recommendation=history["recommendation"],
        status=Recommendation.Status.REGRESSED,
        reason="Forced returns resumed.",
        by=analyst,
        effective_date=datetime.date(2022, 3, 1),
    )
    second = report_services.summary_publish(year=2021, country=country, by=reviewer)
    assert second.pk != first.pk and second.sha256 != first.sha256
    assert _state(first) == before
    assert hashlib.sha256(first.content.encode()).hexdigest() == first.sha256


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_published_summary_page_refuses_edit_and_delete_methods(
    method, history, reviewer, reviewer_client
):
    country = history["recommendation"].report.country
    published = report_services.summary_publish(year=2021, country=country, by=reviewer)
    before = _state(published)
    url = reverse("published_summary_detail", args=[published.pk])
    assert reviewer_client.get(url).status_code == 200
    assert getattr(reviewer_client, method)(url).status_code == 405
    assert _state(published) == before
