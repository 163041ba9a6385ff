"""Hostile input: oversized bodies refused before they are read; ids and years out of range."""

import socket

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import RecommendationFactory
from tests.test_deploy import gunicorn, manage, production_env
from tracker.models import Evidence

FORTY_MB = 40 * 1024 * 1024


def _post_declaring(client, path, length, **headers):
    """POST a few bytes while the headers declare `length`: only a reader would notice."""
    return client.generic(
        "POST",
        path,
        b"username=x&password=y",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(length),
        **headers,
    )


@pytest.mark.django_db
def test_an_anonymous_forty_megabyte_post_is_refused_before_it_is_read():
    response = _post_declaring(Client(), "/accounts/login/", FORTY_MB)
    assert response.status_code == 413
    page = response.content.decode()
    assert "The request is 40.0\xa0MB; at most 64.0\xa0KB is accepted here." in page
    assert response["Connection"] == "close"


@pytest.mark.django_db
def test_a_signed_in_post_over_the_upload_limit_is_refused_and_nothing_is_written(
    analyst_client, settings
):
    settings.REQUEST_MAX_BODY_BYTES = 1024 * 1024
    RecommendationFactory()
    response = _post_declaring(analyst_client, reverse("evidence_new"), 2 * 1024 * 1024)
    assert response.status_code == 413
    assert "at most 1.0\xa0MB is accepted here" in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_a_body_within_the_limits_reaches_the_view(client, analyst):
    response = client.post(
        "/accounts/login/", {"username": "analyst", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "status"),
    [({"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""}, 411), ({}, 400)],
)
def test_a_body_without_a_usable_length_is_refused(headers, status):
    extra = headers or {"CONTENT_LENGTH": "12abc"}
    response = Client().generic("POST", "/accounts/login/", b"x=1", **extra)
    assert response.status_code == status


def _headers_only_post(port: int, length: int) -> bytes:
    """Send a POST's headers declaring `length`, none of its body; return the answer's head."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % length
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


def test_gunicorn_answers_an_oversized_post_before_the_body_is_sent(tmp_path):
    env = production_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    assert manage(env, "collectstatic", "--noinput").returncode == 0
    with gunicorn(env, tmp_path) as (port, _process, _log):
        answer = _headers_only_post(port, FORTY_MB)
    assert answer.startswith(b"HTTP/1.1 413 ")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_development_server_answers_an_oversized_post_with_the_413_page(live_server):
    # `make run` serves through Django's own server, which refuses a Connection header from the
    # app: the refusal must still be the 413 page, not a server error.
    answer = _headers_only_post(live_server.thread.port, FORTY_MB)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/recommendations/99999999999999999999/",
        "/recommendations/99999999999999999999/status/",
        "/evidence/99999999999999999999/",
        "/evidence/99999999999999999999/file/",
        "/reports/99999999999999999999/",
        "/recommendations/1/assessments/99999999999999999999/",
        "/recommendations/1/assessments/0/",
        "/recommendations/1/assessments/99999/",
    ],
)
def test_ids_and_years_out_of_range_are_not_found(reviewer, path):
    client = Client(raise_request_exception=False)
    client.force_login(reviewer)
    RecommendationFactory()
    assert client.get(path).status_code == 404


def _api_upload(client, recommendation, size: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = {
        "title": "Testimony",
        "source_type": "testimony",
        "direction": "regression",
        "sensitivity": "internal",
        "recommendations": [recommendation.pk],
        "file": SimpleUploadedFile("notes.txt", b"What the witness said.\n" * (size // 23)),
    }
    return client.post("/api/v1/evidence/", body)


@pytest.mark.django_db
def test_an_upload_through_the_api_with_a_token_is_allowed_the_signed_in_size(
    analyst, token_client
):
    # The size check runs before the API reads the token: it refused these above 64 KB.
    recommendation = RecommendationFactory()
    response = _api_upload(token_client(analyst), recommendation, 200 * 1024)
    assert response.status_code == 201, response.content[:300]
    assert Evidence.objects.get().file_size > 64 * 1024


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["tip_not-a-token", "revoked", "read-only of a viewer"])
def test_a_token_that_does_not_work_gets_the_anonymous_size(viewer, analyst, token, settings):
    from api import services as api_services

    recommendation = RecommendationFactory()
    if token == "revoked":
        made, key = api_services.token_create(user=analyst, name="n", scope="read_write", days=1)
        api_services.token_revoke(token=made, by=analyst)
    elif token == "read-only of a viewer":
        _, key = api_services.token_create(user=viewer, name="n", scope="read", days=1)
    else:
        key = token
    client = Client(headers={"authorization": f"Bearer {key}"})
    response = _api_upload(client, recommendation, 200 * 1024)
    if token == "read-only of a viewer":
        # A token that works is signed in; its role and scope then refuse the write.
        assert response.status_code == 403
    else:
        assert response.status_code == 413
        assert "at most 64.0\xa0KB is accepted here" in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_a_token_upload_over_the_signed_in_size_is_refused_before_it_is_read(
    analyst, token_client, settings
):
    settings.REQUEST_MAX_BODY_BYTES = 100 * 1024
    recommendation = RecommendationFactory()
    response = _api_upload(token_client(analyst), recommendation, 200 * 1024)
    assert response.status_code == 413
    assert "at most 100.0\xa0KB is accepted here" in response.content.decode()
    assert not Evidence.objects.exists()
