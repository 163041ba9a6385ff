"""Production settings refuse to start without real secrets."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _load_settings(**env):
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import tiptracker.settings as s; print('DEBUG', s.DEBUG)"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _load_settings(DEBUG="0", ALLOWED_HOSTS="tracker.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _load_settings(DEBUG="0", SECRET_KEY="short", ALLOWED_HOSTS="tracker.example.org")
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _load_settings(DEBUG="0", SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_production_starts_with_real_values():
    result = _load_settings(DEBUG="0", SECRET_KEY="k" * 50, ALLOWED_HOSTS="tracker.example.org")
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_with_nothing_set_it_runs_in_local_mode():
    result = _load_settings()
    assert result.returncode == 0, result.stderr
    assert "DEBUG True" in result.stdout


def test_a_secret_key_alone_means_a_deployment_with_debug_off():
    result = _load_settings(SECRET_KEY="k" * 50, ALLOWED_HOSTS="tracker.example.org")
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_a_deployment_without_allowed_hosts_is_refused_even_without_debug_set():
    result = _load_settings(SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_sqlite_is_tuned_for_concurrent_writers():
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings only")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] >= 5
    assert options["transaction_mode"] == "IMMEDIATE"


def test_postgresql_connections_run_without_jit_compilation():
    # The settings for a PostgreSQL URL, read in a fresh process whatever this run's database.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import tiptracker.settings as s; print(s.DATABASES['default']['OPTIONS'])",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "postgres://someone@127.0.0.1:5432/tiptracker"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "'options': '-c jit=off'" in result.stdout


@pytest.mark.django_db
def test_the_database_session_has_the_settings_options():
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
        else:
            # The test database lives in memory (no WAL there); the init command still ran.
            cursor.execute("PRAGMA cache_size")
            assert cursor.fetchone()[0] == -64000


def _database_settings(url: str, **env) -> dict:
    """Return DATABASES["default"]'s connection lifetime settings for `url`, read afresh."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, tiptracker.settings as s; d = s.DATABASES['default']; "
            "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "CONN_MAX_AGE": "", **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    age, checks = json.loads(result.stdout)
    return {"age": age, "checks": checks}


def test_postgresql_connections_are_kept_between_requests_and_checked_before_reuse():
    # A new PostgreSQL connection costs a server process each request; a kept one is checked
    # before a request reuses it, so one the server dropped is replaced, never used.
    url = "postgres://someone@127.0.0.1:5432/tiptracker"
    assert _database_settings(url) == {"age": 300, "checks": True}
    assert _database_settings(url, CONN_MAX_AGE="0") == {"age": 0, "checks": True}


def test_sqlite_connections_close_after_each_request_unless_told():
    # Closing is when the app gathers SQLite's planner statistics (tiptracker.lib.sqlite).
    url = "sqlite:////tmp/tiptracker-settings-test.sqlite3"
    assert _database_settings(url)["age"] == 0
    assert _database_settings(url, CONN_MAX_AGE="60")["age"] == 60
