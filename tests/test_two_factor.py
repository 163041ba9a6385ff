"""Two-factor sign-in: enrolment on the user's own page, codes, recovery codes, replay and
throttling, the requirement for reviewers, and the administrator's reset."""

import datetime
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker import services
from tracker.models import RecoveryCode

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SETUP = "/accounts/two-factor/"
VERIFY = "/accounts/two-factor/verify/"


def code_for(device) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def sign_in(username) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = services.totp_device_start(user=user)
    codes = services.totp_device_confirm(device=device, token=code_for(device), by=user)
    # The enrolment used this time step's code; the tests sign in with the next one.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=device.last_t - 1)
    return device, codes


def audit_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "tracker.audit"]


def test_a_user_enrols_on_their_own_page_and_sees_ten_codes_once(analyst, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    client = sign_in("analyst")
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "<svg" in page.text and "<script" not in page.text
    device = TOTPDevice.objects.get(user=analyst, confirmed=False)
    secret = re.search(r'<code class="two-factor-secret">([A-Z2-7 ]+)</code>', page.text)
    assert secret and len(secret.group(1).replace(" ", "")) == 32

    wrong = client.post(SETUP, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    device.throttle_reset()
    done = client.post(SETUP, {"code": code_for(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code></li>", done.text)
    assert len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    stored = set(RecoveryCode.objects.filter(user=analyst).values_list("code_sha256", flat=True))
    assert len(stored) == 10 and not stored & set(codes)  # only hashes are kept
    assert client.get("/").status_code == 200  # this session is verified
    again = client.get(SETUP)
    assert "is <strong>on</strong>" in again.text and not set(codes) & set(
        re.findall(r"[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}", again.text)
    )
    assert "two-factor-enrolled user=analyst ip=127.0.0.1" in audit_lines(caplog)


def test_signing_in_with_a_code_from_the_app(analyst, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    device, _ = enrolled(analyst)
    client = sign_in("analyst")
    home = client.get("/recommendations/?status=no_action")
    assert home.status_code == 302
    assert home["Location"] == VERIFY + "?next=%2Frecommendations%2F%3Fstatus%3Dno_action"
    assert client.get(home["Location"]).status_code == 200
    response = client.post(
        VERIFY, {"code": code_for(device), "next": "/recommendations/?status=no_action"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/recommendations/?status=no_action"
    assert client.get("/").status_code == 200
    assert "two-factor-verified user=analyst ip=127.0.0.1" in audit_lines(caplog)


def test_a_replayed_code_is_refused(analyst, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    device, _ = enrolled(analyst)
    code = code_for(device)
    first = sign_in("analyst")
    assert first.post(VERIFY, {"code": code}).status_code == 302
    second = sign_in("analyst")
    response = second.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert "That code is not right, or was already used." in response.text
    assert second.get("/").status_code == 302
    assert "two-factor-failed user=analyst ip=127.0.0.1" in audit_lines(caplog)


def test_signing_in_with_a_recovery_code_works_once(analyst, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    _, codes = enrolled(analyst)
    client = sign_in("analyst")
    response = client.post(VERIFY, {"code": codes[3].upper()}, follow=True)
    assert response.status_code == 200
    assert "You signed in with a recovery code; 9 remain." in response.text
    assert "two-factor-recovery-code-used user=analyst ip=127.0.0.1 left=9" in audit_lines(caplog)
    reused = sign_in("analyst").post(VERIFY, {"code": codes[3]})
    assert reused.status_code == 400
    assert RecoveryCode.objects.filter(user=analyst, used_at__isnull=True).count() == 9


def test_wrong_codes_throttle_verification(analyst):
    device, _ = enrolled(analyst)
    client = sign_in("analyst")
    assert client.post(VERIFY, {"code": "not-a-recovery-code"}).status_code == 400
    # Right away, even the right code waits its turn.
    throttled = client.post(VERIFY, {"code": code_for(device)})
    assert throttled.status_code == 400
    assert "After 1 wrong code, wait 1 second" in throttled.text
    assert client.get("/").status_code == 302
    # Once the wait is over the right code is accepted.
    past = timezone.now() - datetime.timedelta(seconds=5)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=past)
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302


def test_a_reviewer_without_a_device_is_sent_to_enrol_when_required(reviewer, analyst, settings):
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    client = sign_in("reviewer")
    response = client.get("/assessments/review/")
    assert response.status_code == 302
    assert response["Location"] == SETUP + "?next=%2Fassessments%2Freview%2F"
    page = client.get(response["Location"])
    assert "Your role requires two-factor sign-in" in page.text
    # Analysts are offered it but not required to.
    assert sign_in("analyst").get("/").status_code == 200


def test_everyone_is_sent_to_enrol_when_the_setting_says_all(viewer, settings):
    settings.TWO_FACTOR_REQUIRED = "all"
    assert sign_in("viewer").get("/")["Location"].startswith(SETUP)


def test_an_administrator_resets_a_users_two_factor_sign_in(admin_client, analyst, caplog):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    enrolled(analyst)
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [analyst.pk]},
        follow=True,
    )
    assert "Two-factor sign-in was reset for 1 user(s)" in response.text
    assert not TOTPDevice.objects.filter(user=analyst).exists()
    assert not RecoveryCode.objects.filter(user=analyst).exists()
    assert "two-factor-reset user=analyst ip=127.0.0.1 by=admin" in audit_lines(caplog)
    # The user signs in with the password alone again (where it is not required).
    assert sign_in("analyst").get("/").status_code == 200


def test_backups_leave_out_two_factor_secrets(analyst, tmp_path, settings):
    import zipfile

    from django.core.management import call_command

    settings.MEDIA_ROOT = str(tmp_path / "media")
    _, codes = enrolled(analyst)
    target = tmp_path / "backup.zip"
    call_command("backup", str(target), stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        everything = b"".join(archive.read(name) for name in names)
    assert not any("recoverycode" in name or "otp" in name for name in names)
    device = TOTPDevice.objects.get(user=analyst)
    assert device.key.encode() not in everything


def test_the_admin_never_shows_an_authenticator_secret(admin_client, analyst):
    device, _ = enrolled(analyst)
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert device.key not in admin_client.get(f"/admin/auth/user/{analyst.pk}/change/").text


def test_a_throttled_code_is_told_how_long_to_wait(analyst):
    client = sign_in("analyst")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=analyst, confirmed=False)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert client.post(SETUP, {"code": wrong}).status_code == 400
    # After one wrong code the right one waits a second, and the page says so.
    refused = client.post(SETUP, {"code": code_for(device)})
    assert refused.status_code == 400
    assert "After 1 wrong code, wait 1 second, then enter the newest code" in refused.text
    assert "a few seconds" not in refused.text
    # Each wrong code doubles the wait: after three, four seconds.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=3, throttling_failure_timestamp=timezone.now()
    )
    refused = client.post(SETUP, {"code": code_for(device)})
    assert "After 3 wrong codes in a row, wait 4 seconds" in refused.text


def test_signing_in_says_how_long_a_throttled_code_waits(other_analyst):
    device, _ = enrolled(other_analyst)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=8, throttling_failure_timestamp=timezone.now()
    )
    verify = sign_in("analyst2").post(VERIFY, {"code": code_for(device)})
    assert verify.status_code == 400
    assert "After 8 wrong codes in a row, wait 2 minutes 8 seconds" in verify.text
