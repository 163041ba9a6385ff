"""Records of token uses: at most one a minute per token, whatever the concurrency, none for a
refused request, and pruned by the worker's daily run."""

import concurrent.futures
import datetime
import http.client

import pytest
from django.core.management import call_command
from django.utils import timezone

from api import services as api_services
from api.models import ApiToken, ApiTokenUse
from tests.test_deploy import gunicorn, manage, prepare_app, production_env, scratch_database_url
from tracker import tasks


def _use(token, days_ago: float) -> ApiTokenUse:
    return ApiTokenUse.objects.create(
        token=token,
        at=timezone.now() - datetime.timedelta(days=days_ago),
        method="GET",
        path="/api/v1/countries/",
    )


@pytest.mark.django_db
def test_the_daily_run_prunes_token_uses_past_their_keeping_time(viewer, settings):
    settings.API_TOKEN_USE_KEEP_DAYS = 90
    token, _ = api_services.token_create(user=viewer, name="n", scope="read", days=30)
    old, kept = _use(token, 91), _use(token, 89)
    result = tasks.daily_reminders.call(today="2026-03-01")
    assert result["token_uses_pruned"] == 1
    assert list(ApiTokenUse.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not ApiTokenUse.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_send_reminders_prunes_them_too_where_no_worker_runs(viewer, settings, capsys):
    settings.API_TOKEN_USE_KEEP_DAYS = 7
    token, _ = api_services.token_create(user=viewer, name="n", scope="read", days=30)
    _use(token, 8)
    call_command("send_reminders", "--today", "2026-03-01")
    assert "Token uses pruned: 1." in capsys.readouterr().out
    assert not ApiTokenUse.objects.exists()


CREATE_TOKEN = """
from api import services
from tests.factories import UserFactory
from tracker import roles
user = UserFactory(username="flood", role=roles.VIEWER)
print(services.token_create(user=user, name="flood", scope="read", days=1)[1])
"""

COUNT_USES = """
from api.models import ApiTokenUse
from api.throttling import throttle_cache
token_id = ApiTokenUse.objects.values_list("token", flat=True).first()
print(ApiTokenUse.objects.count(), len(throttle_cache().get(f"throttle_token_{token_id}", [])))
"""


def _status(port: int, key: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", "/api/v1/countries/", headers={"Authorization": f"Bearer {key}"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.slow
def test_eighty_parallel_calls_at_thirty_a_minute_write_one_use_and_refuse_the_rest(tmp_path):
    workers = 4
    with scratch_database_url(tmp_path) as database_url:
        env = production_env(
            tmp_path,
            DATABASE_URL=database_url,
            API_RATE_PER_TOKEN="30/minute",
            API_RATE_PER_USER="1000/minute",
        )
        env = prepare_app(env, tmp_path)
        created = manage(env, "shell", "-c", CREATE_TOKEN)
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip().splitlines()[-1]
        with (
            gunicorn(env, tmp_path, workers=workers) as (port, _, _),
            concurrent.futures.ThreadPoolExecutor(max_workers=80) as pool,
        ):
            answers = list(pool.map(lambda _: _status(port, key), range(80)))
        counted = manage(env, "shell", "-c", COUNT_USES)
        assert counted.returncode == 0, counted.stderr
        uses, history = map(int, counted.stdout.strip().splitlines()[-1].split())
    admitted = answers.count(200)
    assert answers.count(429) == 80 - admitted
    # The limit holds, but for requests the workers read at the same instant (at most one per
    # worker beyond it); every admitted request was counted, every refused one was not.
    assert 30 <= admitted < 30 + workers
    assert history <= admitted
    assert uses == 1


@pytest.mark.django_db
def test_a_token_just_used_writes_no_use_again(viewer):
    token, _ = api_services.token_create(user=viewer, name="n", scope="read", days=1)
    assert api_services.token_record_use(token=token, method="GET", path="/a/")
    stale = ApiToken.objects.get(pk=token.pk)
    stale.last_used_at = None  # as another request that authenticated before the first wrote
    assert not api_services.token_record_use(token=stale, method="GET", path="/b/")
    assert ApiTokenUse.objects.count() == 1
