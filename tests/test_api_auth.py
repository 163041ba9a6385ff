"""API authentication: personal tokens (shown once, hashed, scoped, expiring, revocable, each use
recorded), the browser session with CSRF, and the rates per token and per user."""

import datetime
import re

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from api import services as api_services
from api.models import ApiToken, ApiTokenUse, token_digest
from api.throttling import throttle_cache
from tests.factories import RecommendationFactory, UserFactory
from tracker import roles
from tracker.models import StatusChange


def _bearer(key):
    return Client(headers={"authorization": f"Bearer {key}"})


def test_token_page_requires_sign_in(client, db):
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_token_is_shown_once_and_stored_only_as_its_hash(viewer_client, viewer):
    response = viewer_client.post(
        "/accounts/tokens/", {"name": "R notebook", "scope": "read", "days": "30"}
    )
    assert response.status_code == 200
    key = re.search(r'<code class="token-key">(tip_[A-Za-z0-9_-]+)</code>', response.text)[1]
    token = ApiToken.objects.get()
    assert token.key_sha256 == token_digest(key)
    assert key not in str(ApiToken.objects.values().get())
    assert token.name == "R notebook" and token.scope == "read" and token.user == viewer
    expires = timezone.now() + datetime.timedelta(days=30)
    assert abs((token.expires_at - expires).total_seconds()) < 60
    assert "no-store" in response["Cache-Control"]  # the key is never kept in a cache
    listed = viewer_client.get("/accounts/tokens/")
    assert "R notebook" in listed.text and token.prefix in listed.text
    assert key not in listed.text
    assert _bearer(key).get("/api/v1/countries/").status_code == 200


def test_a_token_needs_a_name_and_a_lifetime_offered(viewer_client, viewer):
    response = viewer_client.post("/accounts/tokens/", {"name": " ", "scope": "read", "days": "9"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    with pytest.raises(Exception, match="between 1 and 365"):
        api_services.token_create(user=viewer, name="x", scope="read", days=1000)


def test_a_use_is_recorded_with_its_time_at_most_once_a_minute(viewer, db):
    token, key = api_services.token_create(user=viewer, name="n", scope="read", days=1)
    before = timezone.now()
    _bearer(key).get("/api/v1/countries/")
    _bearer(key).get("/api/v1/reports/?year=2021")
    (use,) = ApiTokenUse.objects.filter(token=token)
    assert (use.method, use.path) == ("GET", "/api/v1/countries/") and use.at >= before
    token.refresh_from_db()
    assert token.last_used_at == use.at
    # A minute on, the next use is recorded again.
    earlier = use.at - datetime.timedelta(seconds=61)
    ApiTokenUse.objects.update(at=earlier)
    ApiToken.objects.update(last_used_at=earlier)
    _bearer(key).get("/api/v1/reports/?year=2021")
    uses = list(ApiTokenUse.objects.filter(token=token).order_by("at"))
    assert [(u.method, u.path) for u in uses] == [
        ("GET", "/api/v1/countries/"),
        ("GET", "/api/v1/reports/"),
    ]
    token.refresh_from_db()
    assert token.last_used_at == uses[-1].at > earlier


def test_revoked_expired_and_unknown_tokens_are_refused_alike(viewer, viewer_client):
    token, key = api_services.token_create(user=viewer, name="n", scope="read", days=1)
    assert _bearer(key).get("/api/v1/countries/").status_code == 200
    response = viewer_client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = _bearer(key).get("/api/v1/countries/")
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused["WWW-Authenticate"] == 'Bearer realm="api"'

    expired, expired_key = api_services.token_create(user=viewer, name="m", scope="read", days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    for bad in (expired_key, "tip_unknown", key):
        answer = _bearer(bad).get("/api/v1/countries/")
        assert answer.status_code == 401
        assert answer.json()["detail"] == refused.json()["detail"]
    assert ApiTokenUse.objects.filter(token=expired).count() == 0


def test_a_token_of_a_deactivated_user_stops_working(viewer, db):
    _, key = api_services.token_create(user=viewer, name="n", scope="read", days=1)
    viewer.is_active = False
    viewer.save()
    assert _bearer(key).get("/api/v1/countries/").status_code == 401


def test_nobody_revokes_another_users_token(viewer, analyst_client):
    token, _ = api_services.token_create(user=viewer, name="n", scope="read", days=1)
    assert analyst_client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_callers_get_401_problem(client, db):
    response = client.get("/api/v1/recommendations/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_a_read_token_cannot_write_even_for_an_analyst(analyst, token_client):
    recommendation = RecommendationFactory()
    client = token_client(analyst, "read")
    response = client.post(
        f"/api/v1/recommendations/{recommendation.pk}/status-changes/",
        {"status": "in_progress", "reason": "Seen."},
        content_type="application/json",
        headers={"if-match": f'"recommendation-{recommendation.pk}-v1"'},
    )
    assert response.status_code == 403
    assert "only read" in response.json()["detail"]
    assert not StatusChange.objects.exists()


def test_a_token_never_grants_more_than_its_users_role(viewer, token_client):
    recommendation = RecommendationFactory()
    response = token_client(viewer, "read_write").post(
        f"/api/v1/recommendations/{recommendation.pk}/status-changes/",
        {"status": "in_progress", "reason": "Seen."},
        content_type="application/json",
        headers={"if-match": f'"recommendation-{recommendation.pk}-v1"'},
    )
    assert response.status_code == 403
    assert not StatusChange.objects.exists()


def test_session_writes_need_the_csrf_token(analyst):
    recommendation = RecommendationFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    url = f"/api/v1/recommendations/{recommendation.pk}/status-changes/"
    etag = client.get(f"/api/v1/recommendations/{recommendation.pk}/")["ETag"]
    body = {"status": "in_progress", "reason": "Seen in the UN report."}
    refused = client.post(url, body, content_type="application/json", headers={"if-match": etag})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not StatusChange.objects.exists()
    client.get("/accounts/tokens/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(
        url,
        body,
        content_type="application/json",
        headers={"if-match": etag, "x-csrftoken": csrf},
    )
    assert accepted.status_code == 201
    assert StatusChange.objects.count() == 1


@override_settings(API_RATE_PER_TOKEN="3/minute", API_RATE_PER_USER="5/minute")
def test_each_token_is_limited_and_told_when_to_retry(viewer, db):
    throttle_cache().clear()
    _, first = api_services.token_create(user=viewer, name="a", scope="read", days=1)
    _, second = api_services.token_create(user=viewer, name="b", scope="read", days=1)
    answers = [_bearer(first).get("/api/v1/countries/") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert limited["Content-Type"] == "application/problem+json"
    assert 0 < int(limited["Retry-After"]) <= 60
    # The other token has its own allowance, but the user's (5 a minute) still holds across
    # both. A refused request is not counted: nothing is written for it.
    assert [_bearer(second).get("/api/v1/countries/").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    throttle_cache().clear()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _writes(captured) -> list[str]:
    sql = [query["sql"].lstrip() for query in captured.captured_queries]
    return [text for text in sql if text.upper().startswith(_WRITES)]


@override_settings(API_RATE_PER_TOKEN="2/minute")
def test_a_request_over_a_limit_is_refused_before_anything_is_written(viewer, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    throttle_cache().clear()
    token, key = api_services.token_create(user=viewer, name="a", scope="read", days=1)
    client = _bearer(key)
    for _ in range(2):
        with CaptureQueriesContext(connection) as admitted:
            assert client.get("/api/v1/countries/").status_code == 200
    with CaptureQueriesContext(connection) as refused:
        assert client.get("/api/v1/countries/").status_code == 429
    assert _writes(refused) == []
    # The admitted ones wrote their count (and the first its token's use); the refused nothing.
    assert _writes(admitted)
    assert ApiTokenUse.objects.filter(token=token).count() == 1
    assert len(throttle_cache().get(f"throttle_token_{token.pk}")) == 2
    throttle_cache().clear()


@override_settings(API_RATE_PER_TOKEN="100/minute", API_RATE_PER_USER="2/minute")
def test_the_session_counts_towards_the_users_limit(viewer_client, analyst_client):
    throttle_cache().clear()
    assert [viewer_client.get("/api/v1/countries/").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert analyst_client.get("/api/v1/countries/").status_code == 200
    throttle_cache().clear()


def test_schema_and_docs_need_a_signed_in_caller(client, viewer, db):
    assert client.get("/api/v1/schema/").status_code == 401
    assert client.get("/api/v1/docs/").status_code == 302
    _, key = api_services.token_create(
        user=UserFactory(username="v2", role=roles.VIEWER), name="n", scope="read", days=1
    )
    assert _bearer(key).get("/api/v1/schema/").status_code == 200


def test_an_administrator_revokes_a_token_in_the_admin(admin_client, viewer):
    token, key = api_services.token_create(user=viewer, name="n", scope="read", days=1)
    kept, _ = api_services.token_create(user=viewer, name="m", scope="read", days=1)
    response = admin_client.post(
        "/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    kept.refresh_from_db()
    assert token.revoked_at is not None and kept.revoked_at is None
    assert _bearer(key).get("/api/v1/countries/").status_code == 401
    assert admin_client.get("/admin/api/apitoken/add/").status_code == 403


def test_the_header_links_to_the_token_page(viewer_client):
    assert 'href="/accounts/tokens/"' in viewer_client.get("/").text
