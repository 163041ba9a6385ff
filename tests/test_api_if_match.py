"""Optimistic locking over HTTP: writes carry the ETag they read in If-Match."""

import pytest

from tests.factories import AssessmentFactory, EvidenceFactory, RecommendationFactory
from tracker import services
from tracker.models import Assessment, AssessmentEvent, Evidence, Recommendation, StatusChange


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
    assessment = AssessmentFactory(submitted=True)
    events = AssessmentEvent.objects.count()  # drafted, submitted
    url = f"/api/v1/assessments/{assessment.pk}/return/"
    client = token_client(reviewer)
    etag = client.get(f"/api/v1/assessments/{assessment.pk}/")["ETag"]
    refused = client.post(
        url, {"note": ""}, content_type="application/json", headers={"if-match": etag}
    )
    assert refused.status_code == 400
    assert "review_note" in refused.json()["errors"]
    assert Assessment.objects.get().state == "submitted"
    assert AssessmentEvent.objects.count() == events  # the refusal recorded nothing
    returned = client.post(
        url,
        {"note": "Cite the UN report."},
        content_type="application/json",
        headers={"if-match": etag},
    )
    assert returned.status_code == 200
    assert Assessment.objects.get().state == "returned"


# --- Corrections: evidence edits and withdrawals, voids, recommendation edits -----------------


def _correction(name, recommendation, change, evidence):
    """Return (method, url, body, the URL of the item whose ETag it needs) of one correction."""
    rec_url = f"/api/v1/recommendations/{recommendation.pk}/"
    evidence_url = f"/api/v1/evidence/{evidence.public_id}/"
    return {
        "void": (
            "post",
            f"{rec_url}status-changes/{change.pk}/void/",
            {"reason": "Wrong item."},
            rec_url,
        ),
        "edit evidence": (
            "patch",
            evidence_url,
            {"quote": "Corrected.", "reason": "Misquoted."},
            evidence_url,
        ),
        "withdraw": ("post", f"{evidence_url}withdraw/", {"reason": "Retracted."}, evidence_url),
        "owner and pillar": ("patch", rec_url, {"owner": None, "pillar": "partnership"}, rec_url),
    }[name]


def _records():
    from tracker.models import EvidenceEdit, RecommendationEdit, StatusChangeVoid

    return (
        list(Recommendation.objects.values_list("pk", "version", "owner", "pillar", "status")),
        list(Evidence.objects.values_list("pk", "version", "quote", "withdrawn_at")),
        EvidenceEdit.objects.count(),
        RecommendationEdit.objects.count(),
        StatusChangeVoid.objects.count(),
    )


CORRECTIONS = ["void", "edit evidence", "withdraw", "owner and pillar"]


@pytest.fixture
def corrected(analyst, db):
    recommendation = RecommendationFactory(owner=analyst)
    evidence = EvidenceFactory(recommendations=[recommendation], logged_by=analyst)
    change = services.recommendation_set_status(
        recommendation=recommendation, status="in_progress", reason="Reported.", by=analyst
    )
    return recommendation, change, evidence


def _send(client, method, url, body, if_match):
    headers = {"if-match": if_match} if if_match is not None else {}
    return getattr(client, method)(url, body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("name", CORRECTIONS)
def test_a_correction_with_the_right_etag_applies_and_answers_a_new_one(client, corrected, name):
    method, url, body, item_url = _correction(name, *corrected)
    etag = client.get(item_url)["ETag"]
    before = _records()
    response = _send(client, method, url, body, etag)
    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    assert response["ETag"] == client.get(item_url)["ETag"]
    assert _records() != before


@pytest.mark.parametrize("name", CORRECTIONS)
def test_a_correction_with_a_stale_or_missing_etag_writes_nothing(client, corrected, name):
    method, url, body, _ = _correction(name, *corrected)
    recommendation, _, evidence = corrected
    stale = (
        f'"evidence-{evidence.public_id}-v0"'
        if "evidence" in url
        else f'"recommendation-{recommendation.pk}-v1"'  # the status change moved it to v2
    )
    before = _records()
    assert _send(client, method, url, body, stale).status_code == 412
    assert _send(client, method, url, body, None).status_code == 428
    assert _records() == before


def test_evidence_carries_an_etag_from_its_version(client, corrected):
    _, _, evidence = corrected
    response = client.get(f"/api/v1/evidence/{evidence.public_id}/")
    assert response["ETag"] == f'"evidence-{evidence.public_id}-v1"' == response.json()["etag"]
    assert response.json()["version"] == 1


def test_an_evidence_edit_is_checked_as_the_log_form_checks(client, corrected):
    _, _, evidence = corrected
    url = f"/api/v1/evidence/{evidence.public_id}/"
    etag = f'"evidence-{evidence.public_id}-v1"'
    for body, field in (
        ({"url": "not a url", "reason": "x"}, "url"),
        ({"accessed_on": "2000-01-01", "reason": "x"}, "accessed_on"),
        ({"title": "New"}, "reason"),
        ({"title": "", "reason": "x"}, "title"),
    ):
        response = _send(client, "patch", url, body, etag)
        assert response.status_code == 400, body
        assert field in response.json()["errors"]
    assert Evidence.objects.get().version == 1


def test_a_void_of_another_recommendations_change_is_not_found(client, corrected, analyst):
    recommendation, change, _ = corrected
    other = RecommendationFactory()
    etag = client.get(f"/api/v1/recommendations/{other.pk}/")["ETag"]
    url = f"/api/v1/recommendations/{other.pk}/status-changes/{change.pk}/void/"
    assert _send(client, "post", url, {"reason": "x"}, etag).status_code == 404
    response = _send(
        client,
        "post",
        f"/api/v1/recommendations/{recommendation.pk}/status-changes/{change.pk}/void/",
        {"reason": " "},
        client.get(f"/api/v1/recommendations/{recommendation.pk}/")["ETag"],
    )
    assert response.status_code == 400 and "reason" in response.json()["errors"]


def test_an_unknown_owner_or_a_text_without_the_role_changes_nothing(client, corrected):
    recommendation, _, _ = corrected
    url = f"/api/v1/recommendations/{recommendation.pk}/"
    etag = client.get(url)["ETag"]
    before = _records()
    refused = _send(client, "patch", url, {"owner": "nobody-of-that-name"}, etag)
    assert refused.status_code == 400 and "owner" in refused.json()["errors"]
    # The pillar would be allowed, the text is not: the whole request is undone.
    body = {"pillar": "partnership", "text": "New text.", "text_reason": "Typo."}
    assert _send(client, "patch", url, body, etag).status_code == 403
    assert _send(client, "patch", url, {}, etag).status_code == 400
    assert _records() == before
