"""The pages and messages marked last: imports, two-factor enrolment, token refusals, summaries.

Each reads in the user's language with no English msgid of the catalogue left, and English
stays as it was.
"""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from api.authentication import refusal
from reports.summary import build_summary
from tests.conftest import SEED
from tests.test_languages_complete import _english_msgids, visible_text
from tests.test_two_factor import sign_in
from tests.test_views_import import job_url, run_worker, upload
from tracker.pagination import Count


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _english_left(html, language):
    text = visible_text(html)
    return sorted(msgid for msgid in _english_msgids(language) if msgid in text)


# The worker runs beside the test, on committed data, as in the import tests.
IMPORT_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@IMPORT_DB
@pytest.mark.parametrize("language", ["fr", "ar", "ko"])
def test_the_import_pages_read_in_the_language(reviewer_client, language):
    client = _in(reviewer_client, language)
    page = client.get(reverse("import_upload")).text
    assert _english_left(page, language) == []
    url = job_url(upload(client, SEED))
    run_worker()
    page = client.get(url).text
    assert f'<html lang="{language}"' in page
    assert _english_left(page, language) == []
    assert "Prioritized recommendations (11)" not in page


@IMPORT_DB
def test_a_refusal_stored_on_an_import_job_is_in_its_uploaders_language(
    reviewer, reviewer_client, tmp_path
):
    from tracker import importer
    from tracker.services import language_choose

    importer.import_batch([importer.parse_file(SEED)])
    changed = tmp_path / SEED.name
    changed.write_text(SEED.read_text() + "\nA sentence the published text does not hold.\n")
    language_choose(by=reviewer, language="fr")
    client = _in(reviewer_client, "fr")
    url = job_url(upload(client, changed))
    # The worker is another process, in English until it takes the uploader's language: the
    # request's French, which Django leaves active in this thread, is put back first.
    translation.activate("en")
    run_worker()
    page = visible_text(client.get(url).text)
    assert "a déjà été importé à partir d’un autre texte" in page
    assert "was already imported" not in page


@pytest.mark.parametrize("language", ["es", "ko"])
def test_the_enrolment_code_page_reads_in_the_language(reviewer, settings, language):
    settings.TWO_FACTOR_REQUIRED = "reviewers"
    client = _in(sign_in("reviewer"), language)
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200 and 'name="enrolment_code"' in page.text
    assert _english_left(page.text, language) == []
    refused = client.post(reverse("two_factor_setup"), {"enrolment_code": "abcd-efgh-ijkl-mnop"})
    assert refused.status_code == 400
    assert _english_left(refused.text, language) == []


def test_a_token_refusal_and_an_estimate_follow_the_active_language():
    with translation.override("fr"):
        assert refusal(None).startswith("Le jeton n’est pas valide")
        assert str(Count(123_456, exact=False)).startswith("environ ")
    assert refusal(None).startswith("The token is not valid")
    assert str(Count(123_456, exact=False)) == "about 120,000"


def test_the_period_statement_and_an_all_countries_scope_read_in_the_language(db):
    from tests.public_site import NORTH_KOREA, import_narratives

    import_narratives(*NORTH_KOREA)
    with translation.override("en"):
        summary = build_summary(year=2021, as_of=datetime.date(2022, 3, 31))
        english = summary.period_statement
        assert english.startswith("Follow-up period 1 April 2021")
        assert english.endswith("the end of the period")
    with translation.override("ko"):
        assert summary.period_statement.startswith("후속 조치 기간 2021년 4월 1일")
        assert str(summary.scope_name) == "전체 국가"
    assert str(summary.scope_name) == "All countries"
