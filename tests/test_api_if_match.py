"""Optimistic locking over HTTP: writes carry the ETag they read in If-Match."""

import pytest

from tests.factories import AssessmentFactory, RecommendationFactory
from tracker import services
from tracker.models import Assessment, AssessmentEvent, Recommendation, StatusChange


def _change(client, recommendation, if_match=None, **body):
    headers = {"if-match": if_match} if if_match is not None else {}
    return client.post(
        f"/api/v1/recommendations/{recommendation.pk}/status-changes/",
        {"status": "in_progress", "reason": "The UN report shows prosecutions.", **body},
        content_type="application/json",
        headers=headers,
    )


@pytest.fixture
def client(analyst, token_client):
    return token_client(analyst)


def test_the_right_etag_makes_the_change_and_answers_a_new_etag(client, db):
    recommendation = RecommendationFactory()
    etag = client.get(f"/api/v1/recommendations/{recommendation.pk}/")["ETag"]
    response = _change(client, recommendation, etag)
    assert response.status_code == 201, response.content
    recommendation.refresh_from_db()
    assert recommendation.status == "in_progress"
    assert recommendation.version == 2
    assert response["ETag"] == f'"recommendation-{recommendation.pk}-v2"' != etag
    change = StatusChange.objects.get()
    assert response.json()["id"] == change.pk
    assert response.json()["reason"] == "The UN report shows prosecutions."


def test_a_stale_etag_answers_412_and_writes_nothing(client, analyst, db):
    recommendation = RecommendationFactory()
    etag = client.get(f"/api/v1/recommendations/{recommendation.pk}/")["ETag"]
    services.recommendation_set_status(
        recommendation=recommendation, status="regressed", reason="Someone else.", by=analyst
    )
    response = _change(client, recommendation, etag)
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    assert StatusChange.objects.count() == 1
    assert Recommendation.objects.get().status == "regressed"


def test_a_missing_if_match_answers_428_and_writes_nothing(client, db):
    recommendation = RecommendationFactory()
    for header in (None, "*"):
        response = _change(client, recommendation, header)
        assert response.status_code == 428
        assert "If-Match" in response.json()["detail"]
    assert not StatusChange.objects.exists()


def test_a_weak_or_foreign_etag_does_not_match(client, db):
    recommendation = RecommendationFactory()
    other = RecommendationFactory()
    for tag in (f'W/"recommendation-{recommendation.pk}-v1"', f'"recommendation-{other.pk}-v1"'):
        assert _change(client, recommendation, tag).status_code == 412
    assert not StatusChange.objects.exists()


def test_a_status_change_without_a_reason_is_refused_by_field(client, db):
    recommendation = RecommendationFactory()
    response = _change(
        client, recommendation, f'"recommendation-{recommendation.pk}-v1"', reason=" "
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert not StatusChange.objects.exists()


def test_an_assessment_goes_draft_submit_approve_with_etags(
    client, reviewer, token_client, seed_report
):
    recommendation = seed_report.recommendations.first()
    finding = seed_report.findings.first()
    drafted = client.post(
        "/api/v1/assessments/",
        {
            "recommendation": recommendation.pk,
            "year": 2021,
            "rating": "no_progress",
            "confidence": "moderate",
            "findings": [finding.pk],
        },
        content_type="application/json",
    )
    assert drafted.status_code == 201, drafted.content
    assessment = Assessment.objects.get()
    url = f"/api/v1/assessments/{assessment.pk}/"
    assert drafted.json()["findings"] == [finding.pk]
    edited = client.patch(
        url,
        {"narrative": "No prosecutions."},
        content_type="application/json",
        headers={"if-match": drafted["ETag"]},
    )
    assert edited.status_code == 200
    assert (
        client.patch(
            url,
            {"narrative": "Lost."},
            content_type="application/json",
            headers={"if-match": drafted["ETag"]},
        ).status_code
        == 412
    )
    # No body at all: a bare POST, as `curl -X POST` sends it.
    submitted = client.generic("POST", url + "submit/", headers={"if-match": edited["ETag"]})
    assert submitted.status_code == 200
    assert submitted.json()["state"] == "submitted"
    review = token_client(reviewer)
    assert review.generic("POST", url + "approve/").status_code == 428
    approved = review.post(
        url + "approve/",
        {},
        content_type="application/json",
        headers={"if-match": submitted["ETag"]},
    )
    assert approved.status_code == 200
    assessment.refresh_from_db()
    assert (assessment.state, assessment.narrative, assessment.reviewer) == (
        "approved",
        "No prosecutions.",
        reviewer,
    )
    assert list(assessment.events.order_by("at", "id").values_list("action", flat=True)) == [
        "drafted",
        "edited",
        "submitted",
        "approved",
    ]


def test_returning_needs_a_note(reviewer, token_client, db):
    assessment = AssessmentFactory(state="submitted")
    url = f"/api/v1/assessments/{assessment.pk}/return/"
    client = token_client(reviewer)
    etag = client.get(f"/api/v1/assessments/{assessment.pk}/")["ETag"]
    refused = client.post(
        url, {"note": ""}, content_type="application/json", headers={"if-match": etag}
    )
    assert refused.status_code == 400
    assert "review_note" in refused.json()["errors"]
    assert Assessment.objects.get().state == "submitted"
    assert not AssessmentEvent.objects.exists()
    returned = client.post(
        url,
        {"note": "Cite the UN report."},
        content_type="application/json",
        headers={"if-match": etag},
    )
    assert returned.status_code == 200
    assert Assessment.objects.get().state == "returned"
