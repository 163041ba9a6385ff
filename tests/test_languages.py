"""Choosing a language: the menu on every page, remembered per visitor and per user."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tracker.models import LanguagePreference

pytestmark = pytest.mark.django_db

CODES = ["en", "fr", "es", "ar", "ko"]


def test_the_languages_are_english_french_spanish_arabic_and_korean():
    assert [code for code, _ in settings.LANGUAGES] == CODES


def test_the_sign_in_page_offers_the_language_menu_in_each_language_s_own_name(client):
    page = client.get(reverse("login")).content.decode()
    assert 'action="/language/"' in page
    for name in ("English", "Français", "Español", "العربية", "한국어"):
        assert name in page


def test_a_visitor_s_choice_is_kept_in_a_cookie_and_sets_lang_and_dir(client):
    response = client.post(reverse("language_set"), {"language": "ar", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_a_first_visit_follows_the_browser_s_language(client):
    page = client.get(reverse("login"), headers={"accept-language": "ko,en;q=0.5"})
    assert '<html lang="ko" dir="ltr">' in page.content.decode()
    page = client.get(reverse("login"), headers={"accept-language": "de"})
    assert '<html lang="en" dir="ltr">' in page.content.decode()


def test_a_user_s_choice_follows_them_to_another_browser(analyst, analyst_client):
    analyst_client.post(reverse("language_set"), {"language": "fr", "next": "/"})
    assert LanguagePreference.objects.get(user=analyst).language == "fr"
    elsewhere = Client()
    # force_login sends the signal a password sign-in sends.
    elsewhere.force_login(analyst)
    page = elsewhere.get("/", headers={"accept-language": "es"}).content.decode()
    assert '<html lang="fr" dir="ltr">' in page


def test_an_unknown_language_or_a_foreign_next_changes_nothing(client, analyst, analyst_client):
    response = client.post(reverse("language_set"), {"language": "xx", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    response = analyst_client.post(
        reverse("language_set"), {"language": "es", "next": "https://elsewhere.example/"}
    )
    assert response["Location"] == "/"
    assert not LanguagePreference.objects.filter(user=analyst, language="xx").exists()


def test_the_menu_needs_the_form_s_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("language_set"), {"language": "fr", "next": "/"})
    assert response.status_code == 403


def test_the_menu_answers_only_posts(client):
    assert client.get(reverse("language_set")).status_code == 405
