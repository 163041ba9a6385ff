"""Importing a narrative from the browser: upload, preview, correct, confirm.

The upload only keeps the file; the worker reads it. Here the tasks go through django-tasks'
database backend and are run by its worker (`db_worker --batch`) in the test process, on
committed data, as `manage.py db_worker` runs them beside the server; the worker parses in a
child process.
"""

import multiprocessing
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.conftest import NARRATIVES, SEED
from tests.test_pdf_import import render_pdf
from tracker import tipdocument, tipreport
from tracker.models import ImportJob, Recommendation, Report

# The worker checks its connection between tasks and closes one left inside a transaction, as a
# test's would be: the tests run on committed data, as in use.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def upload(client, path, **fields):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes()), **fields}
    return client.post(reverse("import_upload"), data)


def job_url(response) -> str:
    assert response.status_code == 302, response.content.decode()[:500]
    assert re.fullmatch(r"/import/jobs/\d+/", response["Location"]), response["Location"]
    return response["Location"]


def job_at(url: str) -> ImportJob:
    return ImportJob.objects.get(pk=int(url.strip("/").rsplit("/", 1)[1]))


def read(client, path, **fields) -> tuple[str, str]:
    """Upload `path`, let the worker read it; return the job's URL and its page."""
    url = job_url(upload(client, path, **fields))
    run_worker()
    return url, client.get(url).content.decode()


def confirm(client, url, **fields):
    data = {"sha256": job_at(url).sha256, "country": "", "year": "", "action": "import"}
    data.update(fields)
    return client.post(url, data)


def confirm_as_shown(client, url, **fields):
    """Confirm with the country and year the preview's form shows."""
    entry = job_at(url).preview[0]
    shown = {"country": entry["country"], "year": entry["year"] or ""}
    return confirm(client, url, **{**shown, **fields})


@pytest.fixture
def parses(monkeypatch):
    """Count the calls, in this process, of the parser and of the splitting of documents."""
    calls = []
    parse_narrative, split_document = tipreport.parse_narrative, tipdocument.split_document

    def counted_parse(*args, **kwargs):
        calls.append("parse_narrative")
        return parse_narrative(*args, **kwargs)

    def counted_split(*args, **kwargs):
        calls.append("split_document")
        return split_document(*args, **kwargs)

    monkeypatch.setattr(tipreport, "parse_narrative", counted_parse)
    monkeypatch.setattr(tipdocument, "split_document", counted_split)
    return calls


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("import_upload"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["analyst_client", "viewer_client"])
def test_analysts_and_viewers_get_403(request, who, reviewer_client):
    url = job_url(upload(reviewer_client, SEED))
    client = request.getfixturevalue(who)
    assert client.get(reverse("import_upload")).status_code == 403
    assert upload(client, SEED).status_code == 403
    assert client.get(url).status_code == 403
    assert client.post(url, {"sha256": "a" * 64, "action": "import"}).status_code == 403
    assert ImportJob.objects.count() == 1 and not Report.objects.exists()


def test_reviewer_uploads_sees_the_preview_and_confirms(reviewer_client, reviewer):
    page = reviewer_client.get(reverse("import_upload")).content.decode()
    assert '<label for="id_file">Narrative file</label>' in page
    url, html = read(reviewer_client, SEED)
    assert not Report.objects.exists()  # nothing written by the upload or the reading

    assert "North Korea" in html and "2021" in html and "Tier 3" in html
    assert "Prioritized recommendations (11)" in html
    assert "Accede to the 2000 UN TIP Protocol." in html
    assert "Trafficking profile" in html
    assert "New: it will be imported." in html

    response = confirm_as_shown(reviewer_client, url)
    assert response.status_code == 302 and response["Location"] == url
    assert job_at(url).state == ImportJob.State.IMPORTING
    assert not Report.objects.exists()  # written by the worker, not by the confirmation
    html = reviewer_client.get(url).content.decode()
    assert "Importing North Korea 2021" in html and "js/job_progress.js" in html

    run_worker()
    report = Report.objects.get()
    assert (report.year, report.imported_by, report.recommendations.count()) == (
        2021,
        reviewer,
        11,
    )
    assert report.source_text == SEED.read_text(encoding="utf-8")
    job = job_at(url)
    assert (job.state, job.text, bytes(job.data)) == (ImportJob.State.DONE, "", b"")
    html = reviewer_client.get(url).content.decode()
    assert "Imported North Korea 2021 with 11 recommendations." in html
    assert f'href="{report.get_absolute_url()}"' in html
    assert "js/job_progress.js" not in html


def test_the_year_is_corrected_on_the_preview_when_the_text_lacks_it(reviewer_client, tmp_path):
    # Named without a year, so neither the text nor the file name gives one.
    unnamed = tmp_path / "north-korea.txt"
    unnamed.write_bytes((NARRATIVES / "2018_north-korea.txt").read_bytes())
    url, html = read(reviewer_client, unnamed)
    assert "the year is missing" in html
    assert "Import this narrative" not in html
    # Check again with the year: the worker reads the file again; then import.
    check = reviewer_client.post(
        url, {"sha256": job_at(url).sha256, "year": "2018", "action": "check"}
    )
    assert check.status_code == 302 and check["Location"] == url
    assert "Waiting for the worker" in reviewer_client.get(url).content.decode()
    run_worker()
    html = reviewer_client.get(url).content.decode()
    assert "Import this narrative" in html and "Prioritized recommendations (11)" in html
    confirm_as_shown(reviewer_client, url)
    run_worker()
    assert Report.objects.get().year == 2018


def test_the_year_comes_from_the_uploaded_file_name_when_the_text_lacks_it(reviewer_client):
    url, html = read(reviewer_client, NARRATIVES / "2018_north-korea.txt")
    assert "Import this narrative" in html and "Prioritized recommendations (11)" in html
    confirm_as_shown(reviewer_client, url)
    run_worker()
    assert Report.objects.get().year == 2018


def test_a_file_name_year_that_the_text_contradicts_gives_a_warning(reviewer_client, tmp_path):
    misnamed = tmp_path / "2019_syria.txt"
    misnamed.write_bytes((NARRATIVES / "2021_syria.txt").read_bytes())
    url, html = read(reviewer_client, misnamed)
    assert "The file name gives the year 2019, but the text states 2021; using 2021." in html
    confirm_as_shown(reviewer_client, url)
    run_worker()
    assert Report.objects.get().year == 2021


def test_a_changed_year_on_import_is_read_again_before_anything_is_imported(reviewer_client):
    url, _ = read(reviewer_client, NARRATIVES / "2018_north-korea.txt")
    response = confirm_as_shown(reviewer_client, url, year="2019")
    assert response.status_code == 302
    job = job_at(url)
    assert (job.state, job.year) == (ImportJob.State.QUEUED, 2019)
    run_worker()
    assert not Report.objects.exists()
    assert job_at(url).preview[0]["year"] == 2019


def test_a_pdf_upload_previews_the_same_recommendations(reviewer_client, tmp_path):
    pdf = tmp_path / "nk.pdf"
    pdf.write_bytes(render_pdf(SEED.read_text(encoding="utf-8")))
    url, html = read(reviewer_client, pdf)
    assert "Prioritized recommendations (11)" in html
    confirm_as_shown(reviewer_client, url)
    run_worker()
    texts = list(Recommendation.objects.order_by("number").values_list("text", flat=True))
    assert len(texts) == 11 and texts[-1] == "Accede to the 2000 UN TIP Protocol."


def test_a_tampered_sha256_is_refused_and_nothing_is_written(reviewer_client):
    url, _ = read(reviewer_client, SEED)
    response = confirm_as_shown(reviewer_client, url, sha256="0" * 64)
    assert response.status_code == 400
    assert "does not match the uploaded narrative" in response.content.decode()
    assert job_at(url).state == ImportJob.State.READY
    run_worker()
    assert not Report.objects.exists()


def test_a_confirmation_of_a_job_that_does_not_exist_is_refused(reviewer_client):
    read(reviewer_client, SEED)
    response = reviewer_client.post(
        reverse("import_job", args=[999_999]), {"sha256": "a" * 64, "action": "import"}
    )
    assert response.status_code == 404
    run_worker()
    assert not Report.objects.exists()


def test_a_second_confirmation_queues_nothing(reviewer_client):
    url, _ = read(reviewer_client, SEED)
    assert confirm_as_shown(reviewer_client, url).status_code == 302
    again = confirm_as_shown(reviewer_client, url)
    assert again.status_code == 302
    page = reviewer_client.get(url).content.decode()
    assert "This import is not waiting for a confirmation." in page
    writes = DBTaskResult.objects.filter(task_path="tracker.tasks.write_import_job")
    assert writes.count() == 1
    run_worker()
    assert Report.objects.count() == 1


def test_another_reviewers_upload_cannot_be_seen_or_confirmed(reviewer_client):
    url, _ = read(reviewer_client, SEED)
    from tests.factories import UserFactory
    from tracker import roles

    other = Client()
    other.force_login(UserFactory(username="reviewer2", role=roles.REVIEWER))
    assert other.get(url).status_code == 404
    response = other.post(url, {"sha256": job_at(url).sha256, "action": "import"})
    assert response.status_code == 404
    run_worker()
    assert not Report.objects.exists()


def test_the_upload_and_the_confirmation_require_csrf_tokens(reviewer, reviewer_client):
    url, _ = read(reviewer_client, SEED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert upload(client, SEED).status_code == 403
    response = client.post(url, {"sha256": job_at(url).sha256, "action": "import"})
    assert response.status_code == 403
    assert job_at(url).state == ImportJob.State.READY and ImportJob.objects.count() == 1


def test_a_binary_file_is_refused_on_the_upload_form(reviewer_client, tmp_path):
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    response = upload(reviewer_client, binary)
    assert response.status_code == 200
    assert "scan.txt: looks like binary data" in response.content.decode()
    assert not ImportJob.objects.exists() and not DBTaskResult.objects.exists()


def test_uploaded_text_is_escaped_in_the_preview(reviewer_client, tmp_path):
    hostile = tmp_path / "hostile.txt"
    text = SEED.read_text(encoding="utf-8").replace(
        "Accede to the 2000 UN TIP Protocol.", "Accede to <script>alert(1)</script> now."
    )
    hostile.write_text(text, encoding="utf-8")
    _, html = read(reviewer_client, hostile)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_already_imported_text_is_reported_unchanged(reviewer_client, seed_report):
    url, html = read(reviewer_client, SEED)
    assert "Already imported from this very text" in html
    response = confirm_as_shown(reviewer_client, url)
    assert response.status_code == 302
    run_worker()
    assert Report.objects.count() == 1
    html = reviewer_client.get(url).content.decode()
    assert "North Korea 2021 was already imported from this text." in html


def test_a_changed_text_for_an_imported_year_is_refused_on_confirmation(
    reviewer_client, seed_report, tmp_path
):
    edited = tmp_path / "nk-edited.txt"
    edited.write_text(
        SEED.read_text(encoding="utf-8").replace("Accede to", "Ratify"), encoding="utf-8"
    )
    url, _ = read(reviewer_client, edited)
    response = confirm_as_shown(reviewer_client, url)
    assert response.status_code == 400
    assert "already imported from a different text" in response.content.decode()
    run_worker()
    assert not Recommendation.objects.filter(text__startswith="Ratify").exists()


# -- Wording: what the reviewer can do, and the real size limit -----------------------------


def test_a_changed_text_says_what_the_reviewer_can_actually_do(
    reviewer_client, seed_report, tmp_path
):
    edited = tmp_path / "nk-edited.txt"
    edited.write_text(
        SEED.read_text(encoding="utf-8").replace("Accede to", "Ratify"), encoding="utf-8"
    )
    _, html = read(reviewer_client, edited)
    notice = html.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "already imported from a different text" in notice
    assert "in the admin" not in notice.split("administrator", 1)[0]
    assert "correct it in the admin" not in html
    assert "Correct the country or the year below" not in html
    assert f'href="{seed_report.get_absolute_url()}"' in notice
    assert "an administrator corrects that recommendation" in notice
    assert "Not importable: this country and year hold another text" in html


def test_a_text_that_cannot_be_read_asks_for_the_country_or_year_only_conditionally(
    reviewer_client, tmp_path
):
    unknown = tmp_path / "narrative.txt"
    unknown.write_text(
        SEED.read_text(encoding="utf-8")
        .replace("DEMOCRATIC PEOPLE’S REPUBLIC OF KOREA: Tier 3", "ATLANTIS: Tier 3")
        .replace("2021 Trafficking in Persons Report: North Korea", "2021 Report"),
        encoding="utf-8",
    )
    _, html = read(reviewer_client, unknown)
    assert "Correct the country or the year below and check again" not in html
    assert "If the country or the year was read wrongly or not at all" in html


def test_the_upload_form_states_the_limit_the_request_allows(reviewer_client, settings):
    page = reviewer_client.get(reverse("import_upload")).content.decode()
    assert "Up to 20.9\xa0MB." in page and "40 MB" not in page
    settings.REQUEST_MAX_BODY_BYTES = 5 * 1024 * 1024
    page = reviewer_client.get(reverse("import_upload")).content.decode()
    assert "Up to 4.9\xa0MB." in page
    big = SimpleUploadedFile("big.txt", b"x" * (5 * 1024 * 1024 - 1000))
    response = reviewer_client.post(reverse("import_upload"), {"file": big})
    assert "at most 4.9\xa0MB can be uploaded" in response.content.decode()
    assert not ImportJob.objects.exists() and not Report.objects.exists()


# -- Parsing never in a request -------------------------------------------------------------


def test_the_upload_request_parses_nothing_and_queues_the_reading(reviewer_client, parses):
    response = upload(reviewer_client, SEED)
    assert parses == []
    job = job_at(job_url(response))
    assert (job.state, job.kind, job.preview) == (ImportJob.State.QUEUED, "", [])
    assert bytes(job.data) == SEED.read_bytes()
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "tracker.tasks.read_import_job"


def test_the_page_refreshes_while_the_file_waits_and_shows_the_preview_once_read(
    reviewer_client,
):
    url = job_url(upload(reviewer_client, SEED))
    html = reviewer_client.get(url).content.decode()
    assert "js/job_progress.js" in html
    assert "Waiting for the worker to start reading the file" in html
    assert "Prioritized recommendations" not in html and "Import this narrative" not in html
    job = job_at(url)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.READING)
    assert "Reading the file…" in reviewer_client.get(url).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)

    run_worker()
    html = reviewer_client.get(url).content.decode()
    assert "js/job_progress.js" not in html
    assert "Prioritized recommendations (11)" in html and "Import this narrative" in html
    assert "Ready to confirm" in html


def test_a_reload_of_the_preview_parses_nothing_and_costs_a_fixed_number_of_queries(
    reviewer_client, parses, django_assert_num_queries
):
    url = job_url(upload(reviewer_client, SEED))
    run_worker()
    parses.clear()  # the worker's parse happens in its child process, not counted here
    reviewer_client.get(url)  # the session and the user's permissions are read once
    for _ in range(2):
        # The session, the user with the layout's count of unread notifications, the
        # permissions with the groups, and the job (without its file and text).
        with django_assert_num_queries(4) as queries:
            html = reviewer_client.get(url).content.decode()
        assert parses == []
        assert "Prioritized recommendations (11)" in html
        assert "Accede to the 2000 UN TIP Protocol." in html
        (job_query,) = [
            q["sql"] for q in queries.captured_queries if "tracker_importjob" in q["sql"]
        ]
        assert '"tracker_importjob"."text"' not in job_query


def test_a_correction_and_a_confirmation_parse_nothing_in_the_request(reviewer_client, parses):
    url, _ = read(reviewer_client, NARRATIVES / "2018_north-korea.txt")
    parses.clear()
    reviewer_client.post(url, {"sha256": job_at(url).sha256, "year": "2018", "action": "check"})
    assert parses == []
    run_worker()
    parses.clear()
    confirm_as_shown(reviewer_client, url)
    assert parses == [] and not Report.objects.exists()
    run_worker()
    assert Report.objects.get().year == 2018


# The audit's 200 KB list of one-word items, four times over: still a fraction of the upload
# limit, and its parse, linear, takes far longer than the tiny limit set below.
HOSTILE = "PRIORITIZED RECOMMENDATIONS:\n" + "Adopt x\n" * 100_000


def test_a_file_whose_reading_passes_the_time_limit_is_refused_naming_it(
    reviewer_client, settings, tmp_path
):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    # Read within a generous limit: the parse ends, and refuses the text for what it lacks.
    settings.IMPORT_PARSE_SECONDS = 120
    url, html = read(reviewer_client, hostile)
    assert job_at(url).state == ImportJob.State.READY
    assert "hostile.txt: the country is missing" in html

    # With a limit far below the time that parse takes, the worker stops it.
    settings.IMPORT_PARSE_SECONDS = 0.05
    url, html = read(reviewer_client, hostile, country="Kenya", year="2019")
    job = job_at(url)
    message = "hostile.txt: took longer than 0.05 s to read; nothing was imported."
    assert (job.state, job.error) == (ImportJob.State.FAILED, message)
    assert message in html and "js/job_progress.js" not in html
    assert (bytes(job.data), job.text, job.preview) == (b"", "", [])
    assert not Report.objects.exists()
    # The child that parsed was killed, not left running.
    assert multiprocessing.active_children() == []

    # What the reviewer gave is not lost: the way back to the form keeps it.
    again = f"{reverse('import_upload')}?country=Kenya&amp;year=2019"
    assert f'<a href="{again}">Upload a file</a>, with the country and the year you gave.' in html
    form = reviewer_client.get(again.replace("&amp;", "&")).content.decode()
    assert 'name="country" value="Kenya"' in form and 'name="year" value="2019"' in form


def test_a_correction_refused_by_the_form_keeps_what_was_typed(reviewer_client):
    url, _ = read(reviewer_client, NARRATIVES / "2018_north-korea.txt")
    queued = DBTaskResult.objects.count()
    response = reviewer_client.post(
        url, {"sha256": job_at(url).sha256, "country": "DPRK", "year": "1850", "action": "check"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="country" value="DPRK"' in html and 'name="year" value="1850"' in html
    assert "Ensure this value is greater than or equal to" in html
    job = job_at(url)
    assert (job.state, job.country, job.year) == (ImportJob.State.READY, "", None)
    assert DBTaskResult.objects.count() == queued  # nothing sent back to the worker


def test_the_upload_form_shows_again_only_a_year_it_takes(reviewer_client):
    page = reviewer_client.get(reverse("import_upload"), {"country": "<b>Chad</b>", "year": "1"})
    html = page.content.decode()
    assert 'name="country" value="&lt;b&gt;Chad&lt;/b&gt;"' in html
    assert 'name="year" value=' not in html


def test_an_error_in_the_reader_fails_the_job_naming_the_file(reviewer_client, monkeypatch, caplog):
    # No real text is known to break the parser, so one is made to fail: the child process
    # that parses is forked from this one and inherits the change.
    def broken(*args, **kwargs):
        raise ValueError("a fault of the reader")

    monkeypatch.setattr(tipreport, "parse_narrative", broken)
    url, html = read(reviewer_client, SEED, country="North Korea")
    job = job_at(url)
    message = (
        f"{SEED.name}: could not be read because of an error in the reader, recorded for the "
        "administrators; nothing was imported."
    )
    assert (job.state, job.error) == (ImportJob.State.FAILED, message)
    assert message in html and "js/job_progress.js" not in html
    assert "ValueError: a fault of the reader" in caplog.text
    assert not Report.objects.exists()
