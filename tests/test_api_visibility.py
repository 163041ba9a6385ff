"""Restricted evidence does not exist, through the API, for those who may not see it: absent
from every endpoint, filter, flag, count and summary, and not citable."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import AssessmentFactory, RecommendationFactory, UserFactory
from tracker import roles, services
from tracker.models import Assessment, StatusChange

SECRET = "Testimony of a named escapee"


@pytest.fixture
def hidden(analyst, seed_report):
    """A restricted item (with a file) logged by `analyst`, cited by a change and an assessment."""
    recommendation = seed_report.recommendations.order_by("number").first()
    evidence = services.evidence_log(
        by=analyst,
        title=SECRET,
        summary="Names and places.",
        source_type="testimony",
        direction="regression",
        sensitivity="restricted",
        published_on=seed_report.follow_up_start,  # inside the period its summary covers
        recommendations=[recommendation],
        file=SimpleUploadedFile("testimony.txt", f"{SECRET}\n".encode()),
    )
    change = services.recommendation_set_status(
        recommendation=recommendation,
        status="regressed",
        reason="A first-hand account.",
        by=analyst,
        evidence=[evidence],
    )
    AssessmentFactory(recommendation=recommendation, year=2021, author=analyst, evidence=[evidence])
    return {"evidence": evidence, "recommendation": recommendation, "change": change}


def _every_read(hidden, report):
    e, r = hidden["evidence"].public_id, hidden["recommendation"].pk
    return [
        "/api/v1/evidence/",
        "/api/v1/evidence/?sensitivity=restricted",
        f"/api/v1/evidence/?q={SECRET.split()[0]}",
        "/api/v1/evidence/?country=north-korea&year=2021",
        "/api/v1/evidence/?logged_by=analyst",
        f"/api/v1/evidence/{e}/",
        f"/api/v1/evidence/{e}/file/",
        "/api/v1/recommendations/",
        "/api/v1/recommendations/?has_evidence=yes",
        f"/api/v1/recommendations/{r}/",
        f"/api/v1/recommendations/{r}/status-changes/",
        "/api/v1/assessments/",
        f"/api/v1/assessments/{Assessment.objects.get().pk}/",
        "/api/v1/summaries/2021/",
        "/api/v1/summaries/2021/north-korea/",
        "/api/v1/published-summaries/",
        f"/api/v1/reports/{report.pk}/",
    ]


@pytest.fixture(params=["viewer", "other analyst"])
def outsider(request, token_client, db):
    role = roles.VIEWER if request.param == "viewer" else roles.ANALYST
    return token_client(UserFactory(username=request.param.replace(" ", "_"), role=role))


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_restricted_evidence_is_nowhere_for_those_who_may_not_see_it(outsider, hidden, seed_report):
    for path in _every_read(hidden, seed_report):
        response = outsider.get(path)
        assert response.status_code in (200, 404), path
        assert SECRET.encode() not in _body(response), path
    e, r = hidden["evidence"].public_id, hidden["recommendation"].pk
    assert outsider.get(f"/api/v1/evidence/{e}/").status_code == 404
    assert outsider.get(f"/api/v1/evidence/{e}/file/").status_code == 404
    assert outsider.get("/api/v1/evidence/?sensitivity=restricted").json()["results"] == []
    assert outsider.get(f"/api/v1/recommendations/{r}/").json()["has_evidence"] is False
    flagged = outsider.get("/api/v1/recommendations/?has_evidence=yes").json()["results"]
    assert r not in [row["id"] for row in flagged]
    unflagged = outsider.get("/api/v1/recommendations/?has_evidence=no&page_size=200").json()
    assert r in [row["id"] for row in unflagged["results"]]
    history = outsider.get(f"/api/v1/recommendations/{r}/status-changes/").json()["results"]
    assert [row["evidence"] for row in history] == [[]]
    assessments = outsider.get("/api/v1/assessments/").json()["results"]
    assert [row["evidence"] for row in assessments] == [[]]
    summary = outsider.get("/api/v1/summaries/2021/north-korea/").json()
    assert summary["totals"]["evidence_items"] == 0
    assert summary["includes_restricted_evidence"] is False


def test_the_author_and_reviewers_see_it(analyst, reviewer, token_client, hidden, seed_report):
    summary = token_client(reviewer).get("/api/v1/summaries/2021/north-korea/?audience=restricted")
    assert summary.json()["totals"]["evidence_items"] == 1
    assert SECRET.encode() in summary.content
    e = str(hidden["evidence"].public_id)
    for user in (analyst, reviewer):
        client = token_client(user)
        assert client.get(f"/api/v1/evidence/{e}/").json()["title"] == SECRET
        assert e in [row["id"] for row in client.get("/api/v1/evidence/").json()["results"]]
        assert client.get(f"/api/v1/evidence/{e}/file/").status_code == 200
        r = hidden["recommendation"].pk
        assert client.get(f"/api/v1/recommendations/{r}/").json()["has_evidence"] is True


def test_hidden_evidence_cannot_be_cited_and_the_answer_reveals_nothing(
    token_client, hidden, seed_report
):
    client = token_client(UserFactory(username="outsider", role=roles.ANALYST))
    recommendation = hidden["recommendation"]
    etag = client.get(f"/api/v1/recommendations/{recommendation.pk}/")["ETag"]
    answers = []
    for cited in (str(hidden["evidence"].public_id), "0b8f4d1e-6c2a-4f5e-9a7d-3e1c2b4a5f60"):
        response = client.post(
            f"/api/v1/recommendations/{recommendation.pk}/status-changes/",
            {"status": "in_progress", "reason": "Seen.", "evidence": [cited]},
            content_type="application/json",
            headers={"if-match": etag},
        )
        assert response.status_code == 400
        answers.append(response.json()["errors"]["evidence"][0].replace(str(cited), "N"))
    assert answers[0] == answers[1]
    assert StatusChange.objects.count() == 1
    other = RecommendationFactory(report=seed_report, number=99, reference="PRK-2021-99")
    drafted = client.post(
        "/api/v1/assessments/",
        {
            "recommendation": other.pk,
            "year": 2021,
            "rating": "limited",
            "confidence": "low",
            "evidence": [str(hidden["evidence"].public_id)],
        },
        content_type="application/json",
    )
    assert drafted.status_code == 400
    assert Assessment.objects.count() == 1


def test_a_restricted_published_summary_exists_only_for_reviewers(
    outsider, reviewer, token_client, hidden, seed_report
):
    from reports import services as report_services

    record = report_services.summary_publish(
        year=2021, country=seed_report.country, by=reviewer, audience="restricted"
    )
    assert SECRET in record.content
    assert outsider.get("/api/v1/published-summaries/").json()["results"] == []
    assert outsider.get(f"/api/v1/published-summaries/{record.pk}/").status_code == 404
    seen = token_client(reviewer).get(f"/api/v1/published-summaries/{record.pk}/").json()
    assert seen["audience"] == "restricted"
