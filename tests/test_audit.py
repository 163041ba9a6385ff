"""Sign-ins, failures, sign-outs and lockouts each leave one audit line, never a password."""

import logging

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command

PASSWORD = "correct-horse-battery"
WRONG = "Wr0ng-but-secret-guess"

pytestmark = pytest.mark.django_db


def _audit_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tracker.audit"]


def _sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _assert_no_secret(caplog, *secrets):
    logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    for secret in secrets:
        assert secret not in logged


def test_a_sign_in_is_logged_with_the_username_and_address(client, analyst, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    response = _sign_in(client, "analyst", PASSWORD)
    assert response.status_code == 302
    lines = _audit_lines(caplog)
    assert [r.getMessage() for r in lines] == ["sign-in user=analyst ip=127.0.0.1"]
    assert lines[0].levelno == logging.INFO
    _assert_no_secret(caplog, PASSWORD)


def test_a_failed_sign_in_is_logged_as_a_warning_without_the_password(client, analyst, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    response = _sign_in(client, "analyst", WRONG)
    assert response.status_code == 200
    lines = _audit_lines(caplog)
    assert [r.getMessage() for r in lines] == ["sign-in-failed user=analyst ip=127.0.0.1"]
    assert lines[0].levelno == logging.WARNING
    _assert_no_secret(caplog, WRONG)


def test_a_sign_out_is_logged(client, analyst, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    _sign_in(client, "analyst", PASSWORD)
    caplog.clear()
    client.post("/accounts/logout/")
    assert [r.getMessage() for r in _audit_lines(caplog)] == ["sign-out user=analyst ip=127.0.0.1"]


def test_a_crafted_username_cannot_forge_a_second_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    _sign_in(client, "mallory\nsign-in user=admin ip=10.0.0.1", WRONG)
    (line,) = _audit_lines(caplog)
    assert "\n" not in line.getMessage()
    assert line.getMessage().startswith("sign-in-failed user=mallory_sign-in_user=admin")


def test_repeated_failures_lock_the_account_and_log_the_lockout(client, analyst, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "analyst", WRONG)
    messages = [r.getMessage() for r in _audit_lines(caplog)]
    assert messages.count("sign-in-failed user=analyst ip=127.0.0.1") == settings.AXES_FAILURE_LIMIT
    lockouts = [r for r in _audit_lines(caplog) if r.getMessage().startswith("locked-out")]
    assert [r.getMessage() for r in lockouts] == ["locked-out user=analyst ip=127.0.0.1"]
    assert lockouts[0].levelno == logging.WARNING

    # Even the right password is refused while the lock lasts.
    locked = _sign_in(client, "analyst", PASSWORD)
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.text
    assert "_auth_user_id" not in client.session
    _assert_no_secret(caplog, WRONG, PASSWORD)


def test_fewer_failures_than_the_limit_do_not_lock(client, analyst, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "analyst", WRONG)
    assert _sign_in(client, "analyst", PASSWORD).status_code == 302
    assert not any("locked-out" in r.getMessage() for r in _audit_lines(caplog))


def test_an_administrator_unlocks_an_account_with_axes_reset(client, analyst):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "analyst", WRONG)
    assert _sign_in(client, "analyst", PASSWORD).status_code == 429
    assert AccessAttempt.objects.filter(username="analyst").exists()

    call_command("axes_reset", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert not AccessAttempt.objects.exists()
    assert _sign_in(client, "analyst", PASSWORD).status_code == 302


def test_the_lock_lasts_fifteen_minutes_after_five_failures():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
