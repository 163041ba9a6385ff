"""The API's request counters are shared: two cache connections, and two app servers, count the
same requests, so a limit holds however many servers stand in front of the database."""

import http.client
import json

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from api import services as api_services
from api.throttling import TokenRateThrottle, throttle_cache
from tests.test_deploy import gunicorn, manage, prepare_app, production_env, scratch_database_url


def test_the_counters_live_in_the_database_cache():
    backend = settings.CACHES[settings.THROTTLE_CACHE]["BACKEND"]
    assert backend == "django.core.cache.backends.db.DatabaseCache"
    assert TokenRateThrottle().cache.__class__.__name__ == "DatabaseCache"


@pytest.mark.django_db
def test_two_separate_cache_connections_see_the_same_count():
    first = caches.create_connection(settings.THROTTLE_CACHE)
    second = caches.create_connection(settings.THROTTLE_CACHE)
    assert first is not second
    first.set("throttle_token_1", [3.0, 2.0, 1.0], 60)
    assert second.get("throttle_token_1") == [3.0, 2.0, 1.0]
    second.set("throttle_token_1", [4.0, 3.0, 2.0, 1.0], 60)
    assert first.get("throttle_token_1") == [4.0, 3.0, 2.0, 1.0]


@pytest.mark.django_db
@override_settings(API_RATE_PER_TOKEN="2/minute")
def test_a_count_written_through_one_connection_limits_requests_through_another(viewer, client):
    throttle_cache().clear()
    token, key = api_services.token_create(user=viewer, name="a", scope="read", days=1)
    headers = {"authorization": f"Bearer {key}"}
    assert client.get("/api/v1/countries/", headers=headers).status_code == 200
    # What the request counted is there for any other connection to the same database.
    other = caches.create_connection(settings.THROTTLE_CACHE)
    assert len(other.get(f"throttle_token_{token.pk}")) == 1
    assert client.get("/api/v1/countries/", headers=headers).status_code == 200
    assert client.get("/api/v1/countries/", headers=headers).status_code == 429
    throttle_cache().clear()


CREATE_TOKEN = """
from api import services
from tests.factories import UserFactory
from tracker import roles
user = UserFactory(username="counted", role=roles.VIEWER)
print(services.token_create(user=user, name="two servers", scope="read", days=1)[1])
"""


def _status(port: int, key: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/api/v1/countries/", headers={"Authorization": f"Bearer {key}"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.slow
def test_two_app_servers_count_the_same_requests(tmp_path):
    with scratch_database_url(tmp_path) as database_url:
        env = production_env(
            tmp_path,
            DATABASE_URL=database_url,
            API_RATE_PER_TOKEN="4/minute",
            API_RATE_PER_USER="1000/minute",
        )
        env = prepare_app(env, tmp_path)
        created = manage(env, "shell", "-c", CREATE_TOKEN)
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip().splitlines()[-1]
        first_dir, second_dir = tmp_path / "first", tmp_path / "second"
        first_dir.mkdir()
        second_dir.mkdir()
        with (
            gunicorn(env, first_dir) as (first, _, _),
            gunicorn(env, second_dir) as (second, _, _),
        ):
            answers = [_status(port, key) for port in (first, second) * 3]
    # Four a minute in all, not four on each server: the fifth and sixth are refused, wherever
    # they arrive.
    assert answers == [200, 200, 200, 200, 429, 429], json.dumps(answers)
