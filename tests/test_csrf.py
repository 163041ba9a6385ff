"""Every form of the workspace refuses a POST without its CSRF token."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import RecommendationFactory
from tracker.models import Recommendation, RecommendationEdit, StatusChange


@pytest.fixture
def strict_client(analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    return client


@pytest.fixture
def rec(db):
    return RecommendationFactory()


def _token(client, path) -> str:
    """Open `path` as the user would, and return the CSRF token its form carries."""
    client.get(path)
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize(
    "action, data",
    [
        ("status", {"status": "in_progress", "reason": "Decree."}),
        ("owner", {"owner": "analyst"}),
        ("pillar", {"pillar": "protection"}),
    ],
)
def test_recommendation_forms_refuse_a_post_without_the_token(strict_client, rec, action, data):
    payload = {**data, "effective_date": timezone.localdate().isoformat(), "version": 1}
    response = strict_client.post(f"/recommendations/{rec.pk}/{action}/", payload)
    assert response.status_code == 403
    rec.refresh_from_db()
    assert rec.version == 1
    assert not StatusChange.objects.exists()
    assert not RecommendationEdit.objects.exists()

    # The same POST with the token from the page goes through, so the 403 was the token's.
    token = _token(strict_client, f"/recommendations/{rec.pk}/")
    response = strict_client.post(
        f"/recommendations/{rec.pk}/{action}/", {**payload, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.version == 2


def test_the_status_form_refuses_a_wrong_token(strict_client, rec):
    response = strict_client.post(
        f"/recommendations/{rec.pk}/status/",
        {
            "status": "in_progress",
            "reason": "Decree.",
            "effective_date": timezone.localdate().isoformat(),
            "version": 1,
            "csrfmiddlewaretoken": "x" * 64,
        },
    )
    assert response.status_code == 403
    assert Recommendation.objects.get(pk=rec.pk).status == "no_action"


def test_sign_out_refuses_a_post_without_the_token(strict_client):
    assert strict_client.post("/accounts/logout/").status_code == 403
    assert strict_client.get("/").status_code == 200


def test_password_change_refuses_a_post_without_the_token(strict_client, analyst):
    response = strict_client.post(
        "/accounts/password_change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-much-longer-passphrase-42",
            "new_password2": "a-much-longer-passphrase-42",
        },
    )
    assert response.status_code == 403
    analyst.refresh_from_db()
    assert analyst.check_password("correct-horse-battery")


def test_sign_in_refuses_a_post_without_the_token(analyst):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": "analyst", "password": "correct-horse-battery"}
    )
    assert response.status_code == 403
    assert client.get("/recommendations/").status_code == 302  # still not signed in
