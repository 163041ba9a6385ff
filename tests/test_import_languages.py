"""What the parser, the PDF reader and the importer say reaches the reviewer in their language.

A reviewer chooses French or Arabic from the language menu, then uploads through the import
pages; the worker reads the file in the uploader's language, so the warnings, the refusals and
a failed job's message it stores are in that language, whole sentences with the values in them.
The tasks run as in tests/test_views_import.py: django-tasks' database worker, on committed data.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from weasyprint import HTML

from tests.conftest import NARRATIVES, SEED
from tests.test_languages_complete import visible_text
from tests.test_views_import import job_at, job_url, run_worker, upload
from tracker.models import ImportJob

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The English each message has, then what each language says instead.
YEAR_FROM_NAME = "The file name gives the year 2019, but the text states 2021; using 2021."
TIERS_DIFFER = "The header gives Tier 2 but the introduction says Tier 3; using the header."
YEAR_MISSING = (
    "north-korea.txt: the year is missing: the text does not state it and none was supplied."
)
NO_TEXT = "scan.pdf: the PDF holds no extractable text (a scan needs OCR before import)."
BINARY = "scan.txt: looks like binary data (control characters), not text."

# Arabic isolates each file name (FSI ... PDI), so that "2021_kenya.txt" reads left to right.
FSI, PDI = "\u2068", "\u2069"

SAID = {
    "fr": {
        YEAR_FROM_NAME: (
            "Le nom du fichier indique l’année 2019, mais le texte indique 2021 ; 2021 est retenue."
        ),
        TIERS_DIFFER: (
            "L’en-tête indique « Catégorie 2 », mais l’introduction indique « Catégorie 3 » ; "
            "l’en-tête est retenu."
        ),
        YEAR_MISSING: (
            "north-korea.txt : l’année manque : le texte ne l’indique pas et aucune n’a été "
            "fournie."
        ),
        NO_TEXT: (
            "scan.pdf : le PDF ne contient aucun texte extractible (un document numérisé doit "
            "passer par la reconnaissance de caractères avant l’import). Rien n’a été importé."
        ),
        BINARY: (
            "scan.txt : semble contenir des données binaires (caractères de contrôle), "
            "et non du texte."
        ),
    },
    "ar": {
        YEAR_FROM_NAME: "يذكر اسم الملف السنة 2019، لكن النص يذكر 2021؛ تُستخدم 2021.",
        TIERS_DIFFER: "تذكر الترويسة «الفئة 2»، لكن المقدمة تذكر «الفئة 3»؛ تُستخدم الترويسة.",
        YEAR_MISSING: (
            f"{FSI}north-korea.txt{PDI}: السنة غير موجودة: لا يذكرها النص ولم تُقدَّم أي سنة."
        ),
        NO_TEXT: (
            f"{FSI}scan.pdf{PDI}: لا يحتوي ملف PDF على نص قابل للاستخراج (يحتاج المستند "
            "الممسوح ضوئيًا إلى التعرّف الضوئي على الحروف قبل الاستيراد). لم يُستورد شيء."
        ),
        BINARY: f"{FSI}scan.txt{PDI}: يبدو أنه بيانات ثنائية (محارف تحكّم)، وليس نصًا.",
    },
}


def choose(client, language):
    """Choose `language` from the language menu, as the reviewer would: the account keeps it."""
    response = client.post(reverse("language_set"), {"language": language, "next": "/"})
    assert response.status_code == 302
    return client


def read(client, path) -> tuple[str, str]:
    """Upload `path`, let the worker read it; return the job's URL and its page.

    The worker is another process, in English until it takes the uploader's language: the
    request's language, which Django leaves active in the test's thread, is put back first.
    """
    url = job_url(upload(client, path))
    translation.activate(settings.LANGUAGE_CODE)
    run_worker()
    return url, client.get(url).content.decode()


def said(html: str) -> str:
    return visible_text(html)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_preview_s_warnings_are_in_the_uploader_s_language(reviewer_client, tmp_path, language):
    # Named for 2019 and headed Tier 2, while the text states 2021 and says Tier 3.
    misnamed = tmp_path / "2019_north-korea.txt"
    misnamed.write_text(
        SEED.read_text(encoding="utf-8").replace("KOREA: Tier 3", "KOREA: Tier 2", 1),
        encoding="utf-8",
    )
    _, html = read(choose(reviewer_client, language), misnamed)
    text = said(html)
    for english in (YEAR_FROM_NAME, TIERS_DIFFER):
        assert SAID[language][english] in text
        assert english not in text
    # The file's name is isolated from the sentence around it, so "2019_north-korea.txt" keeps
    # its order inside an Arabic line.
    assert "<bdi>2019_north-korea.txt</bdi>" in html


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_narrative_refused_by_the_parser_says_why_in_the_uploader_s_language(
    reviewer_client, tmp_path, language
):
    # Named without a year, so neither the text nor the file name gives one.
    unnamed = tmp_path / "north-korea.txt"
    unnamed.write_bytes((NARRATIVES / "2018_north-korea.txt").read_bytes())
    url, html = read(choose(reviewer_client, language), unnamed)
    assert job_at(url).preview[0]["action"] == "refused"
    text = said(html)
    assert SAID[language][YEAR_MISSING] in text
    assert "the year is missing" not in text


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_pdf_the_worker_cannot_read_fails_the_job_in_the_uploader_s_language(
    reviewer_client, tmp_path, language
):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(HTML(string="<html><body></body></html>").write_pdf())
    url, html = read(choose(reviewer_client, language), scan)
    job = job_at(url)
    assert job.state == ImportJob.State.FAILED
    assert job.error == SAID[language][NO_TEXT]
    text = said(html)
    assert SAID[language][NO_TEXT] in text
    assert "holds no extractable text" not in text


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_binary_file_is_refused_on_the_form_in_the_reader_s_language(
    reviewer_client, tmp_path, language
):
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(1, 32)) * 8)
    response = upload(choose(reviewer_client, language), binary)
    assert response.status_code == 200
    text = said(response.content.decode())
    assert SAID[language][BINARY] in text
    assert "looks like binary data" not in text
    assert not ImportJob.objects.exists()


def test_a_reviewer_who_chose_no_language_reads_them_in_english(reviewer_client, tmp_path):
    unnamed = tmp_path / "north-korea.txt"
    unnamed.write_bytes((NARRATIVES / "2018_north-korea.txt").read_bytes())
    _, html = read(reviewer_client, unnamed)
    assert YEAR_MISSING in said(html)
