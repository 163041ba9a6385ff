"""Production settings pass Django's deployment audit, and one gunicorn process is a deployment.

The helpers here (`production_env`, `running_app`) also start the real app for the concurrency
test: a server on a free loopback port, with production settings and its own database.
"""

import contextlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import ROOT

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def production_env(tmp_path: Path, **overrides) -> dict[str, str]:
    """Return an environment with DEBUG off, real secrets and a private var directory."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "SESSION_", "CSRF_", "DJANGO_"))
        and k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "BEHIND_TLS_PROXY"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="tracker.example.org,127.0.0.1",
        TIPTRACKER_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "uploads"),
        DJANGO_SETTINGS_MODULE="tiptracker.settings",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `manage.py` with `args` in a subprocess and return the completed process."""
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def scratch_database_url(tmp_path: Path):
    """Yield a DATABASE_URL for a fresh database of the kind the suite runs on.

    SQLite gets a file in `tmp_path`. PostgreSQL gets a new database on the same server as the
    suite's, dropped afterwards, so the server under test never touches the suite's own data.
    """
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'served.sqlite3'}"
        return
    import psycopg

    name = f"tiptracker_served_{uuid.uuid4().hex[:12]}"
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    params = {k: v for k, v in params.items() if v is not None}
    with psycopg.connect(**params) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    try:
        yield f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    finally:
        with psycopg.connect(**params) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start listening:\n{log.read_text()}")


def serving_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Return `env` for serving plain HTTP on loopback, with static files in `tmp_path`.

    HTTPS redirects and secure cookies are switched off because the tests speak plain HTTP on
    loopback; everything else is the production configuration.
    """
    return {
        **env,
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
    }


def prepare_app(env: dict[str, str], tmp_path: Path, *, setup=()) -> dict[str, str]:
    """Collect static files, migrate and run the `setup` commands; return the serving env."""
    env = serving_env(env, tmp_path)
    for step in (("collectstatic", "--noinput"), ("migrate", "--noinput"), *setup):
        result = manage(env, *step)
        assert result.returncode == 0, result.stderr
    return env


@contextlib.contextmanager
def gunicorn(env: dict[str, str], tmp_path: Path, *, workers: int = 1, wait: bool = True):
    """Start `gunicorn tiptracker.wsgi` with `env`; yield its port, process and log file."""
    log = tmp_path / "gunicorn.log"
    port = free_port()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                GUNICORN,
                # The configuration `make serve` starts gunicorn with.
                "-c",
                "tiptracker/gunicorn.conf.py",
                "tiptracker.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                # Its default control socket is one path per user: two servers would share it.
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        if wait:
            _wait_for_port(port, process, log, time.monotonic() + 60)
        yield port, process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_app(env: dict[str, str], tmp_path: Path, *, workers: int = 2, setup=()):
    """Prepare the app (`prepare_app`) and serve it under gunicorn; yield the port."""
    env = prepare_app(env, tmp_path, setup=setup)
    with gunicorn(env, tmp_path, workers=workers) as (port, _process, _log):
        yield port


def test_deploy_check_passes_under_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_when_hsts_is_switched_off(tmp_path):
    env = production_env(tmp_path, SECURE_HSTS_SECONDS="0")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W004" in result.stderr


def _production_values(tmp_path, **overrides) -> dict:
    script = (
        "import json; from django.conf import settings as s; import django; django.setup(); "
        "print(json.dumps({n: getattr(s, n) for n in ["
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_SECURE', "
        "'CSRF_COOKIE_HTTPONLY', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', "
        "'CONTENT_SECURITY_POLICY', 'DEBUG', 'TWO_FACTOR_REQUIRED']}))"
    )
    result = subprocess.run(
        [PYTHON, "-c", script],
        cwd=ROOT,
        env=production_env(tmp_path, **overrides),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_defaults_are_https_only_with_secure_http_only_cookies(tmp_path):
    values = _production_values(tmp_path)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"


def test_production_requires_two_factor_sign_in_of_reviewers_and_the_local_demo_does_not(
    tmp_path,
):
    assert _production_values(tmp_path)["TWO_FACTOR_REQUIRED"] == "reviewers"
    assert _production_values(tmp_path, TWO_FACTOR_REQUIRED="all")["TWO_FACTOR_REQUIRED"] == "all"
    assert _production_values(tmp_path, DEBUG="1")["TWO_FACTOR_REQUIRED"] == "none"


def test_https_redirect_and_hsts_are_set_by_the_environment(tmp_path):
    values = _production_values(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="3600")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 3600


def test_content_security_policy_allows_no_inline_script_or_style(tmp_path):
    policy = _production_values(tmp_path)["CONTENT_SECURITY_POLICY"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_session_cookie_is_http_only_and_secure_when_configured(client, analyst, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = client.post(
        "/accounts/login/",
        {"username": "analyst", "password": "correct-horse-battery"},
        secure=True,
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def _get(port: int, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


@pytest.mark.slow
def test_gunicorn_serves_the_app_and_its_static_files_with_production_settings(tmp_path):
    with scratch_database_url(tmp_path) as database_url:
        env = production_env(tmp_path, DATABASE_URL=database_url)
        with running_app(env, tmp_path) as port:
            home = _get(port, "/")
            login = _get(port, "/accounts/login/")
            login_html = login.body.decode()
            stylesheet = login_html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
            css = _get(port, stylesheet)
            missing = _get(port, "/static/css/does-not-exist.css")
    # A visitor who is not signed in meets the public site, cacheable by anyone.
    assert home.status == 200
    assert 'href="/accounts/login/"' in home.body.decode()
    assert home.getheader("Cache-Control").startswith("public, max-age=")
    assert login.status == 200
    assert "script-src 'self'" in login.getheader("Content-Security-Policy")
    # The manifest storage names files by content hash, so they may be cached for ever.
    assert stylesheet.startswith("/static/css/app.") and stylesheet != "/static/css/app.css"
    assert css.status == 200
    assert css.getheader("Content-Type").startswith("text/css")
    assert "immutable" in css.getheader("Cache-Control")
    assert css.body == (ROOT / "static" / "css" / "app.css").read_bytes()
    assert missing.status == 404


def _local_env(tmp_path, **overrides) -> dict[str, str]:
    """Return the environment of a service file that forgot SECRET_KEY and DEBUG."""
    env = production_env(tmp_path, **overrides)
    for name in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"):
        if name not in overrides:
            env.pop(name)
    return env


def test_gunicorn_refuses_to_start_without_a_secret_key(tmp_path):
    with gunicorn(_local_env(tmp_path), tmp_path, wait=False) as (_port, process, log):
        process.wait(timeout=60)
    assert process.returncode != 0
    assert "refuses to start in local mode: SECRET_KEY is not set" in log.read_text()


def test_the_wsgi_entry_point_accepts_a_settings_module_that_sets_its_own_secret(tmp_path):
    env = _local_env(tmp_path, DJANGO_SETTINGS_MODULE="bench.settings")
    result = subprocess.run(
        [
            PYTHON,
            "-c",
            "import tiptracker.wsgi; from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_debug_page_of_an_explicit_local_server_never_shows_the_database_password(tmp_path):
    # A PostgreSQL server that is not there: any request that needs the database fails with
    # DEBUG's traceback page, which lists the settings and the request's variables.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
    password = "hunter2-" + secrets.token_hex(8)
    env = _local_env(
        tmp_path,
        DEBUG="1",
        DATABASE_URL=f"postgres://tracker:{password}@127.0.0.1:{dead_port}/tiptracker",
    )
    with gunicorn(env, tmp_path) as (port, _process, _log):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        # A session cookie makes every page look the session up in the database.
        conn.request("GET", "/", headers={"Cookie": "sessionid=" + "a" * 32})
        response = conn.getresponse()
        page = response.read().decode()
        conn.close()
    assert response.status == 500
    assert "OperationalError" in page and "DATABASES" in page
    assert password not in page


def _get_as_https(port: int, path: str) -> http.client.HTTPResponse:
    """GET `path` from loopback, claiming in X-Forwarded-Proto to have come over HTTPS."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"X-Forwarded-Proto": "https"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.mark.slow
def test_gunicorn_trusts_x_forwarded_proto_only_behind_the_tls_proxy(tmp_path):
    env = production_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    assert manage(env, "collectstatic", "--noinput").returncode == 0
    direct_dir, proxied_dir = tmp_path / "direct", tmp_path / "proxied"
    direct_dir.mkdir()
    proxied_dir.mkdir()
    with gunicorn(env, direct_dir) as (port, _process, _log):
        direct = _get_as_https(port, "/accounts/login/")
    with gunicorn({**env, "BEHIND_TLS_PROXY": "1"}, proxied_dir) as (port, _process, _log):
        proxied = _get_as_https(port, "/accounts/login/")
    # Without the proxy the header is a client's claim: plain HTTP is redirected, no HSTS.
    assert direct.status == 301
    assert direct.getheader("Location").startswith("https://127.0.0.1:")
    assert direct.getheader("Location").endswith("/accounts/login/")
    assert direct.getheader("Strict-Transport-Security") is None
    # Behind it the proxy's header is believed: the page, with HSTS.
    assert proxied.status == 200
    assert proxied.getheader("Strict-Transport-Security").startswith("max-age=31536000")


def test_make_serve_starts_gunicorn_with_its_configuration(tmp_path):
    env = production_env(tmp_path)
    result = subprocess.run(
        ["make", "-n", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if "bin/gunicorn " in line]
    assert " -c tiptracker/gunicorn.conf.py tiptracker.wsgi " in line
