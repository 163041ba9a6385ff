"""Two-factor sign-in: enrolment on the user's own page, codes, recovery codes, replay and
throttling, the requirement for reviewers, and the administrator's reset."""

import datetime
import logging
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from tracker import services
from tracker.models import EnrolmentCode, RecoveryCode

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
    # The code an administrator gives, which a user who must use two-factor sign-in needs.
    _, enrolment_code = services.enrolment_code_issue(user=user, by=None)
    codes = services.totp_device_confirm(
        device=device, token=code_for(device), by=user, enrolment_code=enrolment_code
    )
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
    )
    assert "Two-factor sign-in was reset for 1 user:" in response.text
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


# Enrolment where two-factor sign-in is required: a one-time code from an administrator.


def _enrolment_code_from_the_admin(admin_client, user) -> str:
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "give_enrolment_code", "_selected_action": [user.pk]},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    (code,) = re.findall(r'<code class="enrolment-code">([a-z2-7-]+)</code>', response.text)
    return code


def test_the_password_alone_cannot_enrol_a_reviewer(reviewer, settings):
    # The audit's finding: whoever had a reviewer's password could attach their own phone.
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    client = sign_in("reviewer")
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "Enrolment code" in page.text
    assert "<svg" not in page.text and "two-factor-secret" not in page.text
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    refused = client.post(SETUP, {"code": code_for(device)})
    assert refused.status_code == 400
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()
    assert client.get("/").status_code == 302  # still sent to set it up
    with pytest.raises(PermissionDenied, match="enrolment code"):
        services.totp_device_confirm(device=device, token=code_for(device), by=reviewer)
    device.refresh_from_db()
    assert not device.confirmed


def test_a_reviewer_enrols_once_with_the_code_an_administrator_gave(
    admin_client, reviewer, settings, caplog
):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    code = _enrolment_code_from_the_admin(admin_client, reviewer)
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    assert EnrolmentCode.objects.get(user=reviewer).code_sha256 != code  # only its hash
    client = sign_in("reviewer")
    step = client.post(SETUP, {"enrolment_code": code.upper(), "next": "/assessments/review/"})
    assert step.status_code == 302
    assert step["Location"] == SETUP + "?next=%2Fassessments%2Freview%2F"
    page = client.get(step["Location"])
    assert "<svg" in page.text and "two-factor-secret" in page.text
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    done = client.post(SETUP, {"code": code_for(device)})
    assert done.status_code == 200 and "Your recovery codes" in done.text
    assert TOTPDevice.objects.get(user=reviewer).confirmed
    assert EnrolmentCode.objects.get(user=reviewer).used_at is not None
    assert client.get("/assessments/review/").status_code == 200
    assert "two-factor-enrolment-code-given user=reviewer ip=127.0.0.1 by=admin" in (
        audit_lines(caplog)
    )
    # The code is spent: after a reset (which gives a new one) the old one is refused.
    services.two_factor_reset(user=reviewer, by=UserFactory(is_superuser=True, is_staff=True))
    again = sign_in("reviewer").post(SETUP, {"enrolment_code": code})
    assert again.status_code == 400
    assert "was already used or has expired" in again.text


def test_a_wrong_or_expired_enrolment_code_is_refused_and_slows_the_next_try(
    admin_client, reviewer, settings, caplog
):
    caplog.set_level(logging.INFO, logger="tracker.audit")
    code = _enrolment_code_from_the_admin(admin_client, reviewer)
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    client = sign_in("reviewer")
    wrong = client.post(SETUP, {"enrolment_code": "aaaa-bbbb-cccc-dddd"})
    assert wrong.status_code == 400
    assert "That enrolment code is not right" in wrong.text
    assert "two-factor-failed user=reviewer ip=127.0.0.1 reason=enrolment-code" in (
        audit_lines(caplog)
    )
    throttled = client.post(SETUP, {"enrolment_code": code})
    assert throttled.status_code == 400 and "Too many wrong codes" in throttled.text
    TOTPDevice.objects.filter(user=reviewer).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=5)
    )
    EnrolmentCode.objects.filter(user=reviewer).update(expires_at=timezone.now())
    expired = client.post(SETUP, {"enrolment_code": code})
    assert expired.status_code == 400 and "has expired" in expired.text
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()


def test_a_new_enrolment_code_replaces_the_old_one(admin_client, reviewer, settings):
    first = _enrolment_code_from_the_admin(admin_client, reviewer)
    second = _enrolment_code_from_the_admin(admin_client, reviewer)
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    client = sign_in("reviewer")
    assert client.post(SETUP, {"enrolment_code": first}).status_code == 400
    TOTPDevice.objects.filter(user=reviewer).update(throttling_failure_timestamp=None)
    assert client.post(SETUP, {"enrolment_code": second}).status_code == 302


def test_the_reset_gives_a_new_enrolment_code_at_once(admin_client, reviewer, settings):
    enrolled(reviewer)
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [reviewer.pk]},
    )
    assert "their API tokens revoked" in response.text
    (code,) = re.findall(r'<code class="enrolment-code">([a-z2-7-]+)</code>', response.text)
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    assert sign_in("reviewer").post(SETUP, {"enrolment_code": code}).status_code == 302


def test_the_first_administrator_gets_a_code_on_the_server(admin_user, settings, capsys):
    from django.core.management import call_command

    admin_user.set_password(PASSWORD)
    admin_user.save()
    call_command("two_factor_enrolment_code", "admin")
    out = capsys.readouterr().out
    code = re.search(r"Enrolment code for admin: ([a-z2-7-]+) \(valid until ", out)[1]
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    assert sign_in("admin").post(SETUP, {"enrolment_code": code}).status_code == 302
    with pytest.raises(Exception, match="There is no user 'nobody'"):
        call_command("two_factor_enrolment_code", "nobody")


def test_analysts_enrol_without_a_code_where_it_is_not_required_of_them(analyst, settings):
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    page = sign_in("analyst").get(SETUP)
    assert "<svg" in page.text and "Enrolment code" not in page.text


# Replacing the recovery codes asks for a current code.


@pytest.mark.parametrize("given", [None, "", "000000", "not-a-code"])
def test_recovery_codes_are_replaced_only_on_a_current_code(analyst, given):
    device, codes = enrolled(analyst)
    client = sign_in("analyst")
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
    before = set(RecoveryCode.objects.values_list("code_sha256", flat=True))
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    body = {"action": "new-codes"}
    if given is not None:
        body["code"] = "111111" if given == "000000" and code_for(device) == "000000" else given
    refused = client.post(SETUP, body)
    assert refused.status_code == 400
    assert set(RecoveryCode.objects.values_list("code_sha256", flat=True)) == before


def test_recovery_codes_are_replaced_on_the_newest_code(analyst):
    device, codes = enrolled(analyst)
    client = sign_in("analyst")
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
    page = client.get(SETUP)
    assert "Code from your authenticator app" in page.text
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=device.last_t - 1)
    done = client.post(SETUP, {"action": "new-codes", "code": code_for(device)})
    assert done.status_code == 200
    renewed = re.findall(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code></li>", done.text)
    assert len(renewed) == 10 and not set(renewed) & set(codes)
