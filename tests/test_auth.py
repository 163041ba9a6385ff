"""Signing in and out, throttled sign-in, and changing one's password."""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests.factories import UserFactory
from tiptracker.lib.dates import duration_words
from tracker import roles

PASSWORD = "correct-horse-battery"


@pytest.fixture
def person(db):
    return UserFactory(username="amina", role=roles.ANALYST)


def login(client, username="amina", password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def test_the_login_page_is_open_to_anonymous_visitors(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    page = response.text
    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert "csrfmiddlewaretoken" in page
    # The navigation is for signed-in users only.
    assert "/recommendations/" not in page


def test_signing_in_with_the_right_password_opens_the_home_page(client, person):
    response = login(client)
    assert response.status_code == 302
    assert response.url == "/"
    assert client.session[SESSION_KEY] == str(person.pk)
    assert "Recommendations" in client.get("/").text


def test_signing_in_returns_to_the_page_asked_for(client, person):
    response = login(client, next="/recommendations/?q=wages")
    assert response.url == "/recommendations/?q=wages"


def test_signing_in_never_redirects_to_another_site(client, person):
    response = login(client, next="https://evil.example/")
    assert response.url == "/"


def test_a_wrong_password_is_refused_with_a_message(client, person):
    response = login(client, password="wrong-password-1")
    assert response.status_code == 200
    assert "did not match" in response.text
    assert SESSION_KEY not in client.session


def test_the_sixth_attempt_after_five_failures_is_locked(client, person):
    for _ in range(5):
        login(client, password="wrong-password-1")
    response = login(client, password="wrong-password-1")
    assert response.status_code == 429
    assert "Sign-in locked" in response.text
    assert "Too many failed sign-in attempts" in response.text


def test_the_lock_says_how_long_to_wait_in_words(client, person, settings):
    for _ in range(6):
        login(client, password="wrong-password-1")
    response = login(client)
    assert "Try again in 15 minutes" in response.text
    assert "PT15M" not in response.text

    settings.AXES_COOLOFF_TIME = datetime.timedelta(hours=1, minutes=30)
    assert "Try again in 1 hour 30 minutes" in login(client).text


@pytest.mark.parametrize(
    ("length", "words"),
    [
        (datetime.timedelta(minutes=1), "1 minute"),
        (datetime.timedelta(minutes=15), "15 minutes"),
        (datetime.timedelta(hours=1), "1 hour"),
        (datetime.timedelta(days=1, hours=2), "1 day 2 hours"),
        (datetime.timedelta(seconds=20), "1 minute"),
    ],
)
def test_durations_are_written_in_words(length, words):
    assert duration_words(length) == words


def test_even_the_right_password_is_refused_while_locked(client, person):
    for _ in range(6):
        login(client, password="wrong-password-1")
    response = login(client)
    assert response.status_code == 429
    assert "Sign-in locked" in response.text
    assert SESSION_KEY not in client.session
    assert client.get("/recommendations/").status_code == 302  # still not signed in


def test_the_lock_is_per_account_so_another_account_still_signs_in(client, person):
    UserFactory(username="bo", role=roles.VIEWER)
    for _ in range(6):
        login(client, password="wrong-password-1")
    assert login(client, username="bo").status_code == 302


def test_four_failures_do_not_lock_and_a_success_resets_the_count(client, person):
    for _ in range(4):
        login(client, password="wrong-password-1")
    assert login(client).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        login(client, password="wrong-password-1")
    assert login(client).status_code == 302


def test_signing_out_takes_a_post_and_ends_the_session(client, person):
    login(client)
    assert client.get("/accounts/logout/").status_code == 405
    assert SESSION_KEY in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert client.get("/recommendations/").status_code == 302  # still not signed in


def test_every_page_offers_sign_out_as_a_form(analyst_client):
    page = analyst_client.get("/").text
    assert '<form method="post" action="/accounts/logout/"' in page


def test_the_password_change_pages_use_the_site_layout(analyst_client):
    page = analyst_client.get("/accounts/password_change/").text
    assert "Change your password" in page
    assert 'class="site-header"' in page
    for field, label in [
        ("old_password", "Old password"),
        ("new_password1", "New password"),
        ("new_password2", "New password confirmation"),
    ]:
        assert f'<label for="id_{field}">{label}</label>' in page


def test_a_user_changes_their_password_and_signs_in_with_the_new_one(person):
    client = Client()
    login(client)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-passphrase-42",
            "new_password2": "a-much-longer-passphrase-42",
        },
        follow=True,
    )
    assert "Your password was changed." in response.text
    person.refresh_from_db()
    assert person.check_password("a-much-longer-passphrase-42")
    client.post("/accounts/logout/")
    assert login(client, password="a-much-longer-passphrase-42").status_code == 302


def test_a_short_new_password_is_refused(analyst_client, analyst):
    response = analyst_client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "short-1", "new_password2": "short-1"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.text
    analyst.refresh_from_db()
    assert analyst.check_password(PASSWORD)


def test_the_password_change_page_needs_a_signed_in_user(client, db):
    response = client.get("/accounts/password_change/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_there_is_no_password_reset_by_email(client, viewer_client):
    # No mail is configured; administrators reset passwords in the admin.
    for url in ("/accounts/password_reset/", "/accounts/reset/done/"):
        assert client.get(url).status_code == 404
        assert viewer_client.get(url).status_code == 404


def _change_password(client, old):
    return client.post(
        "/accounts/password_change/",
        {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


NEW_PASSWORD = "a-much-longer-passphrase-42"


def test_wrong_current_passwords_on_the_change_form_are_throttled_like_sign_ins(person):
    client = Client()
    login(client)
    for _ in range(4):
        response = _change_password(client, "wrong-password-1")
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.text
    assert _change_password(client, "wrong-password-1").status_code == 429
    # Locked now: even the right current password changes nothing, and so does a sign-in.
    response = _change_password(client, PASSWORD)
    assert response.status_code == 429
    assert "Sign-in locked" in response.text
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    assert login(Client(), password=PASSWORD).status_code == 429


def test_the_right_current_password_still_changes_it_below_the_limit(person):
    client = Client()
    login(client)
    for _ in range(3):
        _change_password(client, "wrong-password-1")
    response = _change_password(client, PASSWORD)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
