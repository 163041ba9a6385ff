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
