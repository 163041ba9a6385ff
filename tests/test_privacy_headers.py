"""Pages and downloads stay out of caches; the client's address is the proxy's word for it
exactly when the app is behind the TLS proxy."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import RecommendationFactory
from tracker import services
from tracker.models import Evidence

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def test_every_page_and_download_with_evidence_is_kept_out_of_caches(
    reviewer, reviewer_client, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    rec = RecommendationFactory()
    item = services.evidence_log(
        by=reviewer,
        title="Testimony",
        source_type=Evidence.SourceType.TESTIMONY,
        direction=Evidence.Direction.NO_CHANGE,
        recommendations=[rec],
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        file=SimpleUploadedFile("statement.txt", b"A survivor's account."),
    )
    for url in (
        "/",
        reverse("evidence_list"),
        reverse("evidence_detail", args=[item.public_id]),
        reverse("evidence_file", args=[item.public_id]),
        reverse("recommendation_detail", args=[rec.pk]),
        reverse("recommendation_list") + "?format=csv",
        "/no-such-page/",
    ):
        response = reviewer_client.get(url)
        assert response["Cache-Control"] == "private, no-store", url


def test_the_sign_in_page_is_not_cached_either(client):
    assert client.get("/accounts/login/")["Cache-Control"] == "private, no-store"


def _sign_in(client, forwarded_for, password):
    return client.post(
        "/accounts/login/",
        {"username": "analyst", "password": password},
        REMOTE_ADDR="10.0.0.2",  # the proxy's own address
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_the_proxy_a_lock_holds_one_client_not_everyone(analyst, settings, caplog):
    settings.BEHIND_TLS_PROXY = True
    caplog.set_level(logging.INFO, logger="tracker.audit")
    attacker, colleague = Client(), Client()
    for _ in range(5):
        # The client's own claim comes first; the proxy appends the address it saw.
        _sign_in(attacker, "198.51.100.1, 203.0.113.5", "wrong-password-1")
    assert _sign_in(attacker, "198.51.100.1, 203.0.113.5", PASSWORD).status_code == 429
    assert _sign_in(colleague, "203.0.113.9", PASSWORD).status_code == 302
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.audit"]
    assert "sign-in-failed user=analyst ip=203.0.113.5" in lines
    assert "sign-in user=analyst ip=203.0.113.9" in lines


def test_without_the_proxy_a_forged_forwarded_header_is_ignored(analyst, settings, caplog):
    settings.BEHIND_TLS_PROXY = False
    caplog.set_level(logging.INFO, logger="tracker.audit")
    attacker = Client()
    for n in range(5):
        _sign_in(attacker, f"203.0.113.{n}", "wrong-password-1")
    # A new made-up address each time does not escape the lock on the real one.
    assert _sign_in(attacker, "203.0.113.99", PASSWORD).status_code == 429
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.audit"]
    assert "sign-in-failed user=analyst ip=10.0.0.2" in lines
    assert not any("203.0.113" in line for line in lines)


def test_an_unparseable_forwarded_address_falls_back_to_the_connection(analyst, settings):
    settings.BEHIND_TLS_PROXY = True
    response = _sign_in(Client(), "not-an-address", PASSWORD)
    assert response.status_code == 302
