"""A bug in an API view answers a bare 500 problem document: no traceback, no detail."""

import logging

import pytest

from api import views
from tests.factories import RecommendationFactory

pytestmark = pytest.mark.django_db

SECRET = "password=hunter2 at /srv/tiptracker/reports/summary.py"


@pytest.fixture
def failing_summary(monkeypatch, settings):
    settings.DEBUG = False

    def fail(**kwargs):
        raise RuntimeError(SECRET)

    # The real summary view, whose builder fails as a bug deep inside it would.
    monkeypatch.setattr(views, "build_summary", fail)


def test_an_unexpected_exception_answers_a_500_problem_without_detail(
    failing_summary, viewer, token_client
):
    RecommendationFactory()
    response = token_client(viewer, "read").get("/api/v1/summaries/2021/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail"}
    assert (body["type"], body["title"], body["status"]) == (
        "about:blank",
        "Internal Server Error",
        500,
    )
    for leak in ("hunter2", "RuntimeError", "Traceback", "summary.py", "build_summary"):
        assert leak not in response.content.decode()


def test_the_failure_is_logged_once_with_its_traceback(failing_summary, viewer, caplog, client):
    client.force_login(viewer)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/summaries/2021/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].getMessage() == "Internal Server Error: /api/v1/summaries/2021/"
    assert records[0].exc_info[0] is RuntimeError


def test_known_errors_keep_their_own_answers(viewer, token_client):
    client = token_client(viewer, "read")
    assert client.get("/api/v1/recommendations/999999/").status_code == 404
    assert client.get("/api/v1/summaries/2021/?as_of=soon").status_code == 400
