"""The public site in the visitor's language: each language has its own cached page."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.public_site import forget_public_caches

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_public_caches()
    yield
    forget_public_caches()
    # A request activates its language in this thread and nothing resets it: the tests after
    # these must not run in the last visitor's language.
    translation.activate(settings.LANGUAGE_CODE)


def test_each_language_gets_its_own_cached_front_page():
    client = Client()
    arabic = client.get("/", HTTP_ACCEPT_LANGUAGE="ar")
    assert arabic.status_code == 200
    assert '<html lang="ar" dir="rtl">' in arabic.content.decode()
    # The Arabic page is now cached; an English visitor must still get English.
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en" dir="ltr">' in english.content.decode()
    assert english["ETag"] != arabic["ETag"]
    for response in (arabic, english):
        vary = {name.strip().lower() for name in response["Vary"].split(",")}
        assert {"accept-language", "cookie"} <= vary


def test_the_language_menus_cookie_chooses_the_cached_page():
    client = Client()
    assert '<html lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post("/language/", {"language": "ko", "next": "/"})
    korean = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="ko" dir="ltr">' in korean.content.decode()


def test_every_public_page_offers_each_language_as_a_link_that_brings_the_visitor_back():
    client = Client()
    front = client.get("/public/glossary/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The page is cached and shared: a link per language, no form (it could hold no token).
    for code in ("fr", "es", "ar", "ko"):
        assert f'href="/language/{code}/" lang="{code}" hreflang="{code}"' in front
    assert '<span aria-current="true" lang="en">' in front
    chosen = client.get("/language/ar/", HTTP_REFERER="http://testserver/public/glossary/")
    assert chosen.status_code == 302
    assert chosen["Location"] == "http://testserver/public/glossary/"
    assert chosen.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    page = client.get("/public/glossary/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert '<a href="/language/en/" lang="en" hreflang="en">English</a>' in page


@pytest.mark.parametrize(
    "path, referer", [("/language/xx/", ""), ("/language/fr/", "https://elsewhere.example/")]
)
def test_a_language_link_never_leaves_the_site_and_ignores_an_unknown_language(path, referer):
    response = Client().get(path, HTTP_REFERER=referer)
    assert response.status_code == 302
    assert response["Location"] == "/"
    if path == "/language/xx/":
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_a_language_link_changes_a_signed_in_users_session_but_not_their_account(analyst):
    from tracker import services
    from tracker.models import LanguagePreference

    services.language_choose(by=analyst, language="es")
    client = Client()
    client.force_login(analyst)
    client.post("/language/", {"language": "es", "next": "/"})
    client.get("/language/ko/")
    assert '<html lang="ko"' in client.get("/recommendations/").content.decode()
    assert LanguagePreference.objects.get(user=analyst).language == "es"
    assert client.post("/language/", {"language": "fr"}).status_code == 302
    assert LanguagePreference.objects.get(user=analyst).language == "fr"
