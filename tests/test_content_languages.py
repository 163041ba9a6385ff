"""Content in several languages: translations of a recommendation's official text, summaries
in a language (pages, PDF, XLSX, `?lang=`, `--language`), JSON that does not depend on the
reader's language, and dates in words in the active language.

These hold with or without the merged catalogues: the words they look for are the analysts'
translations, the Hangul and Arabic letters of the PDF, Babel's month names and codes.
"""

import dataclasses
import datetime
import hashlib
import io
import json
import re

import pypdfium2
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from reports import exporters
from reports import services as report_services
from reports.published import canonical_json
from reports.summary import build_summary
from tests.public_site import NORTH_KOREA, forget_public_caches, import_narratives
from tiptracker.lib.dates import long_date, period_words
from tracker import services
from tracker.models import Country, Recommendation, RecommendationTranslation

KOREAN = "인신매매 피해자를 식별하고 보호하기 위한 절차를 마련한다."
ARABIC = "وضع إجراءات لتحديد ضحايا الاتجار بالأشخاص وحمايتهم."
FRENCH = "Mettre fin au recours au travail forcé des ressortissants à l'étranger."
HANGUL = re.compile(r"[\uac00-\ud7a3]")
ARABIC_LETTERS = re.compile(r"[\u0621-\u064a]")


@pytest.fixture(autouse=True)
def _fresh_caches():
    forget_public_caches()
    yield
    forget_public_caches()


@pytest.fixture
def korea(db):
    import_narratives(*NORTH_KOREA)
    return Country.objects.get(slug="north-korea")


@pytest.fixture
def rec(korea):
    return Recommendation.objects.get(reference="PRK-2021-04")


@pytest.fixture
def translated(rec, analyst):
    for language, text in [("ko", KOREAN), ("ar", ARABIC), ("fr", FRENCH)]:
        services.recommendation_translate(
            recommendation=rec, language=language, text=text, by=analyst
        )
    return rec


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- The service ---------------------------------------------------------------------------


def test_an_analyst_translates_a_recommendation_and_corrects_it_in_place(rec, analyst, reviewer):
    first = services.recommendation_translate(
        recommendation=rec, language="fr", text="  Première version.  ", by=analyst
    )
    assert first.text == "Première version." and first.translated_by == analyst
    assert (
        services.recommendation_translate(
            recommendation=rec, language="fr", text="Première version.", by=analyst
        )
        is None
    )
    second = services.recommendation_translate(
        recommendation=rec, language="fr", text="Seconde version.", by=reviewer
    )
    assert second.pk == first.pk
    row = RecommendationTranslation.objects.get(recommendation=rec, language="fr")
    assert (row.text, row.translated_by) == ("Seconde version.", reviewer)
    assert row.translated_at >= first.translated_at
    rec.refresh_from_db()
    assert not rec.text.startswith("Seconde")  # the official text is never touched


@pytest.mark.parametrize(
    ("language", "text", "field"),
    [("en", "Some text.", "language"), ("de", "Text.", "language"), ("fr", "   ", "text")],
)
def test_a_translation_into_english_an_unknown_language_or_of_nothing_is_refused(
    rec, analyst, language, text, field
):
    with pytest.raises(ValidationError) as refused:
        services.recommendation_translate(
            recommendation=rec, language=language, text=text, by=analyst
        )
    assert field in refused.value.message_dict
    assert not RecommendationTranslation.objects.exists()


def test_a_viewer_may_not_translate_or_remove_a_translation(translated, viewer):
    with pytest.raises(PermissionDenied):
        services.recommendation_translate(
            recommendation=translated, language="es", text="Texto.", by=viewer
        )
    with pytest.raises(PermissionDenied):
        services.recommendation_translation_remove(
            recommendation=translated, language="fr", by=viewer
        )
    assert RecommendationTranslation.objects.count() == 3


def test_a_translation_is_removed(translated, reviewer):
    assert services.recommendation_translation_remove(
        recommendation=translated, language="fr", by=reviewer
    )
    assert not services.recommendation_translation_remove(
        recommendation=translated, language="fr", by=reviewer
    )
    assert set(translated.translations.values_list("language", flat=True)) == {"ar", "ko"}


# --- The recommendation page ------------------------------------------------------------------


def test_the_page_shows_the_readers_translation_beside_the_official_text(translated, viewer_client):
    url = translated.get_absolute_url()
    page = _in(viewer_client, "ko").get(url).text
    official = page.index(translated.text[:60])
    beside = page.index(KOREAN)
    assert official < beside
    assert '<blockquote lang="ko" dir="ltr">' + KOREAN in page
    assert ARABIC not in page and FRENCH not in page
    arabic = _in(viewer_client, "ar").get(url).text
    # The official text keeps its language and direction on a right-to-left page.
    assert '<span lang="en" dir="ltr">' + translated.text[:60] in arabic
    assert '<blockquote lang="ar" dir="rtl">' + ARABIC in arabic
    english = _in(viewer_client, "en").get(url).text
    assert translated.text[:60] in english
    assert KOREAN not in english and ARABIC not in english and "rec-translation" not in english


def test_the_translation_form_saves_and_removes_and_refuses_bad_input(
    rec, analyst_client, viewer_client, client
):
    url = reverse("recommendation_translation", args=[rec.pk])
    assert client.post(url, {"language": "fr", "text": FRENCH}).status_code == 302
    assert viewer_client.post(url, {"language": "fr", "text": FRENCH}).status_code == 403
    assert not RecommendationTranslation.objects.exists()

    response = analyst_client.post(url, {"language": "fr", "text": FRENCH})
    assert response.status_code == 302
    assert RecommendationTranslation.objects.get().text == FRENCH
    page = analyst_client.get(rec.get_absolute_url()).text
    assert 'id="translation-form-heading"' in page and "Remove the" in page

    refused = analyst_client.post(url, {"language": "en", "text": "x"})
    assert refused.status_code == 400
    assert 'id="translation_language"' in refused.text
    assert RecommendationTranslation.objects.count() == 1

    remove = reverse("recommendation_translation_remove", args=[rec.pk, "fr"])
    assert viewer_client.post(remove).status_code == 403
    assert analyst_client.post(remove).status_code == 302
    assert not RecommendationTranslation.objects.exists()


# --- Summaries -------------------------------------------------------------------------------


def test_the_summary_json_is_the_same_bytes_in_every_language_and_holds_the_translations(
    translated,
):
    texts = {}
    for language in ("en", "fr", "ar", "ko"):
        with translation.override(language):
            texts[language] = canonical_json(build_summary(year=2021))
    assert len(set(texts.values())) == 1
    data = json.loads(texts["en"])
    row = next(
        r for r in data["countries"][0]["recommendations"] if r["reference"] == "PRK-2021-04"
    )
    assert row["text"] == translated.text
    assert row["translations"] == {"ar": ARABIC, "fr": FRENCH, "ko": KOREAN}
    assert data["scope"]["name"] == "All countries"
    # A summary built for a reader of Arabic names its scope in Arabic on the page; its JSON
    # (and so a snapshot's SHA-256) names it in English all the same.
    with translation.override("ar"):
        arabic = dataclasses.replace(build_summary(year=2021), scope_name="جميع البلدان")
    assert canonical_json(arabic) == texts["en"]


def test_a_snapshot_has_the_same_sha256_whatever_the_publishers_language(
    translated, korea, reviewer
):
    with translation.override("ar"):
        arabic = report_services.summary_publish(year=2021, country=korea, by=reviewer)
    with translation.override("en"):
        english = build_summary(year=2021, country=korea, as_of=arabic.as_of)
    assert arabic.sha256 == hashlib.sha256(canonical_json(english).encode()).hexdigest()


def test_the_summary_takes_its_language_from_the_address(translated, viewer_client):
    url = reverse("summary_country", args=[2021, "north-korea"])
    page = viewer_client.get(url, {"lang": "ko"})
    assert page.status_code == 200
    assert '<html lang="ko" dir="ltr">' in page.text
    assert KOREAN in page.text and translated.text[:60] in page.text
    arabic = viewer_client.get(url, {"lang": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in arabic and ARABIC in arabic
    assert '<span lang="en" dir="ltr">' + translated.text[:60] in arabic
    refused = viewer_client.get(url, {"lang": "xx"})
    assert refused.status_code == 400 and "Unknown language" in refused.text


def test_the_summary_xlsx_in_a_language_shows_its_dates_in_it(translated, viewer_client):
    url = reverse("summary_country", args=[2021, "north-korea"])
    body = viewer_client.get(url, {"lang": "ko", "format": "xlsx"}).content
    # The sheets are named in the workbook's language, as its columns are.
    with translation.override("ko"):
        about_sheet = translation.gettext("About")
    assert about_sheet != "About"
    about = load_workbook(io.BytesIO(body))[about_sheet]
    values = " ".join(str(c.value) for row in about.iter_rows() for c in row)
    assert "2021년 4월 1일" in values


def _pdf_text(body: bytes) -> str:
    document = pypdfium2.PdfDocument(body)
    return "".join(page.get_textpage().get_text_range() for page in document)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("language", "script", "words"), [("ko", HANGUL, KOREAN), ("ar", ARABIC_LETTERS, ARABIC)]
)
def test_a_korean_and_an_arabic_summary_pdf_hold_their_script_beside_the_official_text(
    translated, korea, language, script, words
):
    with translation.override(language):
        body = exporters.to_pdf(build_summary(year=2021, country=korea))
    text = _pdf_text(body)
    # The analyst's translation is there word for word (dates in words alone hold the script).
    # A lam-alef ligature is read back in its visual order (alef first), so words holding one
    # are left out of the comparison.
    word = re.compile(script.pattern + "+")
    wanted = {w for w in word.findall(words) if not re.search("ل[اأإآ]", w)}
    assert len(wanted) >= 4 and wanted <= set(word.findall(text))
    # The official English text is there too, beside the translation (a right-to-left page is
    # extracted in its reading order, so its English words are looked for one by one).
    words_found = set(re.findall(r"[A-Za-z]+", text))
    assert set(re.findall(r"[A-Za-z]+", translated.text)) <= words_found
    assert "/Lang" in body.decode("latin-1") and f"({language})" in body.decode("latin-1")


@pytest.mark.slow
def test_progress_summary_writes_in_the_language_asked_and_refuses_an_unknown_one(
    translated, tmp_path
):
    out = tmp_path / "summary.pdf"
    call_command(
        "progress_summary",
        year=2021,
        country="north-korea",
        fmt="pdf",
        output=str(out),
        language="ko",
        stderr=io.StringIO(),
    )
    assert HANGUL.search(_pdf_text(out.read_bytes()))
    with pytest.raises(CommandError, match="Unknown language"):
        call_command("progress_summary", year=2021, fmt="json", language="xx")


def test_the_public_pages_show_the_translation_beside_the_official_text(
    translated, korea, reviewer, client
):
    record = report_services.summary_publish(year=2021, country=korea, by=reviewer)
    forget_public_caches()
    for url in [
        reverse("public_recommendation", args=["PRK-2021-04"]),
        reverse("public_summary", args=[record.pk]),
    ]:
        page = _in(client, "ar").get(url).text
        assert '<html lang="ar" dir="rtl">' in page, url
        assert '<span lang="en" dir="ltr">' + translated.text[:60] in page, url
        assert ARABIC in page and translated.text[:60] in page, url
        assert page.index(translated.text[:60]) < page.index(ARABIC)
        forget_public_caches()
        english = _in(client, "en").get(url).text
        assert '<html lang="en" dir="ltr">' in english
        assert ARABIC not in english and translated.text[:60] in english
        forget_public_caches()


# --- Dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "1 April 2021 – 31 March 2022"),
        ("fr", "1 avril 2021 – 31 mars 2022"),
        ("es", "1 de abril de 2021 – 31 de marzo de 2022"),
        ("ar", "1 أبريل 2021 – 31 مارس 2022"),
        ("ko", "2021년 4월 1일 – 2022년 3월 31일"),
    ],
)
def test_dates_in_words_follow_the_active_language(language, words):
    with translation.override(language):
        assert period_words(datetime.date(2021, 4, 1), datetime.date(2022, 3, 31)) == words
    assert long_date(datetime.date(2021, 4, 1)) == "1 April 2021"
