"""With DEBUG off, the traceback of every unhandled exception reaches standard error.

Django's own logging writes to the console only with DEBUG on, and mails ADMINS otherwise; a
real server with production settings must still leave the traceback in its log.
"""

import http.client

import pytest

from tests.failing_urls import MESSAGE
from tests.test_deploy import gunicorn, manage, production_env, serving_env


def _status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.slow
def test_a_failing_page_and_api_view_leave_their_tracebacks_on_standard_error(tmp_path):
    env = serving_env(
        production_env(
            tmp_path,
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            DJANGO_SETTINGS_MODULE="tests.failing_settings",
        ),
        tmp_path,
    )
    assert manage(env, "collectstatic", "--noinput").returncode == 0
    with gunicorn(env, tmp_path) as (port, _process, log):
        assert _status(port, "/failing-page/") == 500
        assert _status(port, "/api/v1/failing/") == 500
        assert _status(port, "/accounts/login/") == 200
    # gunicorn's helper sends the workers' standard error to this file.
    text = log.read_text()
    assert "ERROR django.request Internal Server Error: /failing-page/" in text
    assert f"RuntimeError: {MESSAGE}" in text
    assert "ERROR django.request Internal Server Error: /api/v1/failing/" in text
    assert f"LookupError: {MESSAGE}" in text
    assert text.count("Traceback (most recent call last)") == 2
