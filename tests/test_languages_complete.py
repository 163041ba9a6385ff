"""Every page in every language: complete catalogues, `lang` and `dir`, no English left, axe.

DEPENDS ON THE MERGED CATALOGUES (locale/<lang>/LC_MESSAGES/django.po, compiled at install):
until the lead merges the four parts' fragments these fail, by design, naming what is missing.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.urls import reverse

from reports import services as report_services
from tests.public_site import NORTH_KOREA, forget_public_caches, import_narratives
from tests.test_accessibility import Checker
from tracker import services
from tracker.models import Country, Recommendation

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = ["fr", "es", "ar", "ko"]
RTL = {"ar"}
# Shorter msgids ("Status", "Tier 1") may honestly be the same words in a page's own data.
LONGEST_ALLOWED = 12
# An analyst's translation of PRK-2021-04, shown beside its official text on the journeys' pages.
TRANSLATIONS = {
    "ar": "وضع حد لاقتطاع أجور العمال في الخارج لصالح الحكومة.",
    "ko": "정부를 위해 해외 노동자의 임금을 공제하는 관행을 중단한다.",
}


def _catalogue(language):
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path} is missing: the {language} catalogue is not merged yet."
    with path.open("rb") as fh:
        return read_po(fh, locale=language)


def test_all_four_languages_are_listed_and_have_a_catalogue():
    assert [code for code, _ in settings.LANGUAGES] == ["en", *LANGUAGES]
    for language in LANGUAGES:
        assert len(_catalogue(language)) > 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_of_each_catalogue_is_translated_and_none_is_fuzzy(language):
    catalogue = _catalogue(language)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
        if isinstance(message.id, tuple) and len(strings) != catalogue.num_plurals:
            problems.append(
                f"{len(strings)} plural forms, not {catalogue.num_plurals}: {message.id!r}"
            )
    assert not problems, f"{language}: {len(problems)} problems\n" + "\n".join(problems[:40])


# --- The pages of the journeys ------------------------------------------------------------------


class _Visible(HTMLParser):
    """Collect a page's visible text (no script, style or attribute values)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.fixture
def journeys(db, analyst, reviewer):
    """The pages of the journeys, by name: (who opens it, address)."""
    yield _journey_pages(analyst, reviewer)
    forget_public_caches()


def _journey_pages(analyst, reviewer) -> dict[str, tuple[str, str]]:
    forget_public_caches()
    import_narratives(*NORTH_KOREA)
    korea = Country.objects.get(slug="north-korea")
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    services.recommendation_set_status(
        recommendation=rec, status="in_progress", reason="A reason.", by=analyst
    )
    for language, text in TRANSLATIONS.items():
        services.recommendation_translate(
            recommendation=rec, language=language, text=text, by=analyst
        )
    record = report_services.summary_publish(year=2021, country=korea, by=reviewer)
    return {
        "home": ("viewer", "/"),
        "recommendation list": ("viewer", reverse("recommendation_list")),
        "recommendation": ("viewer", rec.get_absolute_url()),
        "evidence list": ("viewer", reverse("evidence_list")),
        "assessment": ("analyst", reverse("assessment_detail", args=[rec.pk, 2021])),
        "summary of a country": ("viewer", reverse("summary_country", args=[2021, korea.slug])),
        "summary of all countries": ("viewer", reverse("summary_all", args=[2021])),
        "public front page": ("anonymous", "/"),
        "public country": ("anonymous", reverse("public_country", args=[korea.slug])),
        "public summary": ("anonymous", reverse("public_summary", args=[record.pk])),
        "sign-in": ("anonymous", reverse("login")),
        "glossary": ("viewer", reverse("glossary")),
    }


def _clients(client, viewer_client, analyst_client):
    return {"anonymous": client, "viewer": viewer_client, "analyst": analyst_client}


def _english_msgids(language) -> dict[str, str]:
    """Return the catalogue's longer msgids whose translation differs, without placeholders."""
    found = {}
    for message in _catalogue(language):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if (
                len(msgid) > LONGEST_ALLOWED
                and "%" not in msgid
                and "{" not in msgid
                and "<" not in msgid
                and msgid not in strings
            ):
                found[re.sub(r"\s+", " ", msgid)] = message.string
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_page_of_the_journeys_reads_in_the_language_with_its_lang_and_dir(
    journeys, language, client, viewer_client, analyst_client
):
    clients = _clients(client, viewer_client, analyst_client)
    english = _english_msgids(language)
    wrong = []
    for name, (who, url) in journeys.items():
        forget_public_caches()
        browser = clients[who]
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = browser.get(url)
        assert response.status_code == 200, f"{name} ({url}) answered {response.status_code}"
        html = response.text
        direction = "rtl" if language in RTL else "ltr"
        if f'<html lang="{language}" dir="{direction}">' not in html:
            wrong.append(f"{name}: no <html lang={language} dir={direction}>")
        text = visible_text(html)
        left = sorted(msgid for msgid in english if msgid in text)
        if left:
            wrong.append(f"{name}: English left: {left[:8]}")
    assert not wrong, "\n".join(wrong)


# --- Accessibility in a real browser ------------------------------------------------------------


def _session_of(user) -> str:
    """Return the session key of a sign-in of `user`, for a browser to carry."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("language", ["ar", "ko"])
def test_the_journeys_pages_have_no_wcag_violation_in_arabic_and_korean(
    live_server, browser, language, viewer, analyst, reviewer
):
    pages = _journey_pages(analyst, reviewer)
    sessions = {user.username: _session_of(user) for user in (viewer, analyst)}
    checker = Checker(live_server.url)
    direction = "rtl" if language in RTL else "ltr"
    for width in (1366, 820):
        for who in ("anonymous", "viewer", "analyst"):
            context = browser.new_context(viewport={"width": width, "height": 900})
            cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language}]
            if who in sessions:
                cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": sessions[who]})
            context.add_cookies([{**c, "url": live_server.url} for c in cookies])
            page = context.new_page()
            page.set_default_timeout(15_000)
            for name, (owner, url) in pages.items():
                if owner != who:
                    continue
                forget_public_caches()
                label = f"{name} ({url}) in {language} at {width} px"
                checker.open(page, url, label, 200)
                assert page.evaluate("[document.documentElement.lang, document.dir]") == [
                    language,
                    direction,
                ], label
                if name == "recommendation":
                    assert page.locator(f'blockquote[lang="{language}"]').count() == 1, label
            context.close()
    assert checker.checked == 2 * len(pages)
    assert not checker.violations, "\n".join(
        [f"{len(checker.violations)} WCAG 2.1 AA violation(s):", *checker.violations]
    )
