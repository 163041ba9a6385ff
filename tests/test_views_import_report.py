"""The web import of a whole report, read and imported by background tasks run for real.

The tasks go through django-tasks' database backend and are run by its worker
(`db_worker --batch`), in the test process, on committed data.
"""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from bench.wholereport import render_pdf, report_text
from tests.factories import UserFactory
from tests.test_tipdocument import MANIFEST, NARRATIVES, REPORT_2021, entries
from tracker import importer, roles, services
from tracker.models import ImportJob, Report

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def upload(client, name: str, data: bytes, **fields):
    return client.post(reverse("import_upload"), {"file": SimpleUploadedFile(name, data), **fields})


def job_page(client, job) -> str:
    response = client.get(reverse("import_job", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def report_bytes() -> bytes:
    return report_text(entries(), year=2021, page_lines=5).encode("utf-8")


def test_a_whole_report_is_read_in_the_background_previewed_and_imported_without_one_country(
    reviewer_client, reviewer, report_bytes
):
    response = upload(reviewer_client, "tip-2021.txt", report_bytes)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert DBTaskResult.objects.count() == 1  # queued, not run during the request
    html = job_page(reviewer_client, job)
    assert "Waiting for the worker" in html and "js/job_progress.js" in html
    assert not Report.objects.exists()

    run_worker()
    job.refresh_from_db()
    assert job.state == ImportJob.State.READY
    assert (job.done, job.total) == (len(REPORT_2021), len(REPORT_2021))
    html = job_page(reviewer_client, job)
    assert "js/job_progress.js" not in html
    assert "6 narratives read" in html and "6 new, 0 already imported" in html
    rows = {row["country"]: row for row in job.preview}
    for file in REPORT_2021:
        entry = MANIFEST[file]
        row = rows[entry["country"]]
        assert (row["year"], row["recommendations"]) == (2021, len(entry["recommendations"]))
        assert f'value="{row["index"]}"' in html
    assert rows["The Gambia"]["tier"] == "Tier 2 Watch List"
    assert any("cut off" in warning for warning in rows["The Gambia"]["warnings"])
    assert "The last recommendation is cut off: &#x27;Impr&#x27;" in html

    keep = [row["index"] for row in job.preview if row["country"] != "Syria"]
    response = reviewer_client.post(reverse("import_job", args=[job.pk]), {"narrative": keep})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportJob.State.IMPORTING
    assert "Importing 5 narratives" in job_page(reviewer_client, job)
    assert not Report.objects.exists()

    run_worker()
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    imported = set(Report.objects.values_list("country__name", flat=True))
    assert imported == {MANIFEST[f]["country"] for f in REPORT_2021} - {"Syria"}
    for report in Report.objects.all():
        assert report.imported_by == reviewer
        file = next(f for f in REPORT_2021 if MANIFEST[f]["country"] == report.country.name)
        texts = list(report.recommendations.order_by("number").values_list("text", flat=True))
        assert texts == MANIFEST[file]["recommendations"]
    html = job_page(reviewer_client, job)
    assert "5 imported" in html and "Left out" in html
    assert bytes(job.data) == b"" and job.text == ""


def test_the_progress_page_shows_narratives_read_so_far(reviewer_client, reviewer):
    job = ImportJob.objects.create(
        name="tip.pdf",
        data=b"x",
        sha256="0" * 64,
        created_by=reviewer,
        state="reading",
        kind=ImportJob.Kind.REPORT,  # as the worker records once the text is split
    )
    job.done, job.total = 37, 190
    job.save()
    html = job_page(reviewer_client, job)
    assert "Read 37 of 190 narratives." in html
    assert '<progress max="190" value="37">' in html


def test_a_pdf_report_goes_through_the_worker_and_a_conflict_is_shown(
    reviewer_client, report_bytes
):
    # Syria 2021 is already imported from another copy of its text: the report's differs.
    syria = next(f for f in REPORT_2021 if "syria" in f)
    other = (NARRATIVES / syria).read_text(encoding="utf-8")
    importer.import_batch([importer.parse_text(other + "\nPROTECTION\nx.\n", name="other.txt")])
    pdf = render_pdf(report_text(entries(), year=2021), year=2021)
    upload(reviewer_client, "tip-2021.pdf", pdf)
    run_worker()
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.READY, job.error
    rows = {row["country"]: row for row in job.preview}
    assert rows["Syria"]["action"] == "refused"
    assert "already imported from a different text" in rows["Syria"]["reason"]
    html = job_page(reviewer_client, job)
    assert f'value="{rows["Syria"]["index"]}"' not in html  # it cannot be ticked
    # The rows are a table of the app's own style, and the conflict says what can be done.
    assert '<table class="table compact import-rows">' in html
    assert "correct it in the admin" not in html
    assert "an administrator corrects a recommendation's official wording" in html

    # Ticking it anyway is refused and changes nothing.
    everything = [row["index"] for row in job.preview]
    response = reviewer_client.post(reverse("import_job", args=[job.pk]), {"narrative": everything})
    assert response.status_code == 400
    assert "Leave out the narratives that cannot be imported" in response.content.decode()
    assert Report.objects.count() == 1


def test_a_broken_pdf_report_fails_in_the_worker_with_its_reason(reviewer_client):
    broken = b"%PDF-1.7\n" + b"garbage " * 100_000  # too large to be read during the request
    upload(reviewer_client, "broken.pdf", broken)
    run_worker()
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED
    assert job.error.startswith("broken.pdf: ")
    assert "broken.pdf: " in job_page(reviewer_client, job)


def test_a_job_is_seen_only_by_the_reviewer_who_uploaded_it(
    reviewer_client, client, analyst_client, report_bytes
):
    upload(reviewer_client, "tip-2021.txt", report_bytes)
    job = ImportJob.objects.get()
    url = reverse("import_job", args=[job.pk])
    assert analyst_client.get(url).status_code == 403
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    other = UserFactory(username="second-reviewer", role=roles.REVIEWER)
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.post(url, {"narrative": [0]}).status_code == 404


def test_a_country_given_with_a_whole_report_fails_the_reading(reviewer_client, report_bytes):
    response = upload(reviewer_client, "tip-2021.txt", report_bytes, country="Syria")
    assert response.status_code == 302
    run_worker()
    job = ImportJob.objects.get()
    assert (job.state, job.kind) == (ImportJob.State.FAILED, ImportJob.Kind.REPORT)
    html = job_page(reviewer_client, job)
    assert (
        "tip-2021.txt: holds 6 country narratives, so the country &#x27;Syria&#x27; given for "
        "one narrative cannot apply; leave them out. Nothing was imported."
    ) in html
    assert not Report.objects.exists()


def test_a_report_whose_reading_passes_the_time_limit_fails_naming_the_file(
    reviewer_client, report_bytes, settings
):
    settings.IMPORT_PARSE_SECONDS = 0.001
    upload(reviewer_client, "tip-2021.txt", report_bytes)
    run_worker()
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED
    assert re.fullmatch(
        r"tip-2021\.txt: took longer than 0\.00\d s to read; nothing was imported\.", job.error
    )
    assert job.error in job_page(reviewer_client, job)
    assert not Report.objects.exists() and job.preview == []


def test_the_confirmation_needs_the_csrf_token(reviewer, report_bytes):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    job = ImportJob.objects.create(
        name="x.txt", data=report_bytes, sha256="0" * 64, created_by=reviewer
    )
    response = client.post(reverse("import_job", args=[job.pk]), {"narrative": [0]})
    assert response.status_code == 403
    assert re.search("CSRF", response.content.decode(), re.I)


def test_of_two_confirmations_read_at_once_only_one_queues_the_write(
    reviewer_client, reviewer, report_bytes
):
    upload(reviewer_client, "tip-2021.txt", report_bytes)
    run_worker()
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.READY
    # Both requests read the job as ready; the first confirmation lands before the second.
    first, second = ImportJob.objects.get(pk=job.pk), ImportJob.objects.get(pk=job.pk)
    indexes = [row["index"] for row in job.preview if row["action"] == "new"]
    assert services.import_job_confirm(job=first, by=reviewer, selected=indexes)
    assert not services.import_job_confirm(job=second, by=reviewer, selected=indexes[:1])
    job.refresh_from_db()
    assert (job.state, job.selected) == (ImportJob.State.IMPORTING, indexes)
    writes = DBTaskResult.objects.filter(task_path="tracker.tasks.write_import_job")
    assert writes.count() == 1


def test_only_the_uploader_confirms_a_job(reviewer_client, reviewer, report_bytes):
    upload(reviewer_client, "tip-2021.txt", report_bytes)
    run_worker()
    job = ImportJob.objects.get()
    other = UserFactory(username="second-reviewer", role=roles.REVIEWER)
    with pytest.raises(PermissionDenied):
        services.import_job_confirm(job=job, by=other, selected=[0])
    job.refresh_from_db()
    assert job.state == ImportJob.State.READY
