"""Downloads built by the background worker: the job, its page, its file, reuse and expiry.

The tasks go through django-tasks' database backend and are run by its worker
(`db_worker --batch`), in the test process, on committed data.
"""

import codecs
import csv
import datetime
import hashlib
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import services as report_services
from tests.factories import EvidenceFactory, RecommendationFactory, ReportFactory, UserFactory
from tiptracker.lib.storage import private_storage
from tracker import exportjobs, roles, tasks
from tracker import services as tracker_services
from tracker.models import ExportJob

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def recs(settings):
    settings.EXPORT_BACKGROUND_ROWS = 4
    settings.SITE_URL = "http://testserver"
    aland = ReportFactory(year=2021, country__name="Aland", country__slug="aland")
    borduria = ReportFactory(year=2021, country__name="Borduria", country__slug="borduria")
    return [RecommendationFactory(report=aland, number=i + 1) for i in range(4)] + [
        RecommendationFactory(report=borduria, number=i + 1) for i in range(3)
    ]


def _values(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content))["Recommendations"]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_a_large_list_download_is_built_by_the_worker_for_its_owner(recs, viewer_client, settings):
    response = viewer_client.get("/recommendations/", {"format": "xlsx", "year": "2021"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.state, job.kind, job.format, job.audience) == (
        "queued",
        "recommendations",
        "xlsx",
        "internal",
    )
    assert DBTaskResult.objects.count() == 1  # queued, not built during the request
    page = viewer_client.get(job.get_absolute_url()).content.decode()
    assert "Waiting for the worker" in page and 'http-equiv="refresh"' in page
    assert "<script" not in page

    run_worker()
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE and (job.done, job.total) == (7, 7)
    assert job.expires_at - job.created_at == datetime.timedelta(hours=24)
    assert not job.file.name.startswith(str(settings.MEDIA_ROOT))
    page = viewer_client.get(job.get_absolute_url()).content.decode()
    assert 'http-equiv="refresh"' not in page and reverse("export_job_file", args=[job.pk]) in page
    download = viewer_client.get(reverse("export_job_file", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    assert download["Cache-Control"] == "private, no-store"
    content = download.getvalue()
    assert hashlib.sha256(content).hexdigest() == job.sha256 and len(content) == job.size

    # The same rows and cells as the download built in the request, below the threshold.
    settings.EXPORT_BACKGROUND_ROWS = 1000
    direct = viewer_client.get("/recommendations/", {"format": "xlsx", "year": "2021"})
    assert direct.status_code == 200
    assert _values(content) == _values(direct.content)
    assert len(_values(content)) == 8


def test_a_large_list_csv_is_built_in_the_background_with_the_bytes_of_the_stream(
    recs, viewer_client, settings
):
    settings.EXPORT_BACKGROUND_ROWS = 3
    viewer_client.get("/recommendations/", {"format": "csv", "country": "aland", "page": "2"})
    run_worker()
    job = ExportJob.objects.get()
    assert job.parameters == {"query": [["country", "aland"]]}
    settings.EXPORT_BACKGROUND_ROWS = 1000
    direct = viewer_client.get("/recommendations/", {"format": "csv", "country": "aland"})
    content = viewer_client.get(reverse("export_job_file", args=[job.pk])).getvalue()
    assert content == direct.getvalue()
    assert content.startswith(codecs.BOM_UTF8 + b"Reference,Country,")  # README: Downloads
    assert content.count(b"\r\n") == 5


def test_a_small_download_is_answered_by_the_request_itself(recs, viewer_client):
    response = viewer_client.get("/recommendations/", {"format": "xlsx", "country": "borduria"})
    assert response.status_code == 200
    assert not ExportJob.objects.exists() and not DBTaskResult.objects.exists()


def test_the_same_request_reuses_the_job_and_its_file_within_the_day(recs, viewer, viewer_client):
    url = "/recommendations/?format=xlsx&year=2021"
    first = viewer_client.get(url)["Location"]
    assert viewer_client.get(url)["Location"] == first  # still queued: the same job
    run_worker()
    assert viewer_client.get(url + "&page=3")["Location"] == first  # built: the same file
    builds = DBTaskResult.objects.filter(task_path=tasks.build_export_job.module_path)
    assert ExportJob.objects.count() == 1 and builds.count() == 1
    first_job = ExportJob.objects.get()

    other_filters = viewer_client.get("/recommendations/?format=xlsx&year=2021&status=no_action")
    other_format = viewer_client.get("/recommendations/?format=csv&year=2021")
    someone_else = Client()
    someone_else.force_login(UserFactory(username="viewer2", role=roles.VIEWER))
    theirs = someone_else.get(url)
    locations = {first, other_filters["Location"], other_format["Location"], theirs["Location"]}
    assert len(locations) == 4 and ExportJob.objects.count() == 4

    # Past its day a job is not reused: the same request builds a new file.
    ExportJob.objects.filter(pk=first_job.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert viewer_client.get(url)["Location"] != first


def test_only_the_owner_sees_a_job_and_its_file(recs, viewer_client, analyst_client, client):
    viewer_client.get("/recommendations/?format=xlsx")
    run_worker()
    job = ExportJob.objects.get()
    page, file = job.get_absolute_url(), reverse("export_job_file", args=[job.pk])
    assert viewer_client.get(file).status_code == 200
    assert analyst_client.get(page).status_code == 404
    assert analyst_client.get(file).status_code == 404
    for url in (page, file):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_all_countries_pdf_is_always_built_in_the_background(recs, reviewer_client, settings):
    settings.EXPORT_BACKGROUND_ROWS = 1000
    response = reviewer_client.get("/summaries/2021/", {"format": "pdf", "audience": "restricted"})
    job = ExportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.parameters == {
        "year": 2021,
        "country": "",
        "as_of": "2022-03-31",
        "language": "en",
    }
    assert job.audience == "restricted"
    run_worker()
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE, job.error
    assert job.filename == "progress-summary-2021-all-countries-2022-03-31-restricted.pdf"
    content = reviewer_client.get(reverse("export_job_file", args=[job.pk])).getvalue()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Aland" in text and "Borduria" in text and "Restricted view" in text
    # One country's PDF below the threshold is answered at once.
    direct = reviewer_client.get("/summaries/2021/aland/", {"format": "pdf"})
    assert direct.status_code == 200 and direct.content.startswith(b"%PDF")


def test_a_large_summary_download_is_built_in_the_background(recs, viewer_client):
    response = viewer_client.get("/summaries/2021/", {"format": "csv", "as_of": "2021-12-31"})
    job = ExportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    run_worker()
    job.refresh_from_db()
    content = viewer_client.get(reverse("export_job_file", args=[job.pk])).getvalue()
    assert content.startswith(codecs.BOM_UTF8 + b"Period,As of,")  # README: Downloads
    assert content.decode().count("2021-12-31") == 7
    refused = viewer_client.get("/summaries/2021/", {"format": "csv", "audience": "restricted"})
    assert refused.status_code == 400 and ExportJob.objects.count() == 1
    future = viewer_client.get("/summaries/2021/", {"format": "csv", "as_of": "2999-01-01"})
    assert future.status_code == 400 and ExportJob.objects.count() == 1
    assert viewer_client.get("/summaries/1999/", {"format": "pdf"}).status_code == 404


def test_expired_jobs_lose_their_file_to_the_sweep(recs, viewer_client):
    viewer_client.get("/recommendations/?format=xlsx")
    run_worker()
    job = ExportJob.objects.get()
    name = job.file.name
    assert private_storage().exists(name)
    assert tracker_services.export_jobs_sweep() == 0  # not yet expired
    ExportJob.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert viewer_client.get(reverse("export_job_file", args=[job.pk])).status_code == 404
    call_command("sweep_exports", verbosity=0)
    job.refresh_from_db()
    assert job.state == ExportJob.State.EXPIRED and not job.file
    assert not private_storage().exists(name)
    assert "has expired" in viewer_client.get(job.get_absolute_url()).content.decode()
    assert tracker_services.export_jobs_sweep() == 0  # once only


def test_a_job_whose_user_lost_the_audience_fails_with_a_message(recs, reviewer, reviewer_client):
    reviewer_client.get("/summaries/2021/", {"format": "pdf", "audience": "restricted"})
    reviewer.groups.clear()
    reviewer.groups.add(*UserFactory(username="plain", role=roles.VIEWER).groups.all())
    run_worker()
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.FAILED and "restricted" in job.error
    assert not job.file and job.sha256 == ""


def test_a_published_summary_is_rendered_once_by_the_worker_and_served_from_storage(
    recs, reviewer, reviewer_client
):
    published = report_services.summary_publish(year=2021, by=reviewer)
    assert DBTaskResult.objects.count() == 1  # its renderings, queued at publish time
    run_worker()
    renderings = {r.format: r for r in published.renderings.all()}
    assert sorted(renderings) == ["csv", "pdf", "xlsx"]
    url = published.get_absolute_url()
    first = {fmt: reviewer_client.get(url, {"format": fmt}).getvalue() for fmt in renderings}
    # Later the data changes; the published files do not, byte for byte.
    recs[0].__class__.objects.update(text="Reworded after publication.")
    for fmt, rendering in renderings.items():
        response = reviewer_client.get(url, {"format": fmt})
        assert response["Content-Disposition"].endswith(f'.{fmt}"')
        content = response.getvalue()
        assert content == first[fmt]
        assert hashlib.sha256(content).hexdigest() == rendering.sha256
        with rendering.file.open("rb") as stored:
            assert stored.read() == content
    assert b"Reworded" not in first["csv"]
    assert first["csv"].startswith(codecs.BOM_UTF8 + b"Period,As of,")
    assert first["pdf"].startswith(b"%PDF")
    json_bytes = reviewer_client.get(url, {"format": "json"}).getvalue()
    assert json_bytes == published.content.encode("utf-8")  # the JSON stays as stored
    assert published.renderings.count() == 3


def test_without_a_stored_file_a_published_download_waits_for_the_worker(
    recs, reviewer, viewer, viewer_client
):
    published = report_services.summary_publish(
        year=2021, country=recs[0].report.country, by=reviewer
    )
    DBTaskResult.objects.all().delete()  # as if published before renderings were kept
    url = published.get_absolute_url()
    response = viewer_client.get(url, {"format": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.format, job.audience, job.user) == ("published", "xlsx", "public", viewer)
    assert not published.renderings.exists()  # nothing rendered in the request
    assert viewer_client.get(url, {"format": "xlsx"})["Location"] == job.get_absolute_url()
    page = viewer_client.get(job.get_absolute_url()).content.decode()
    assert "Waiting for the worker" in page

    run_worker()
    job.refresh_from_db()
    rendering = published.renderings.get()
    assert (job.state, rendering.format) == ("done", "xlsx")
    from_job = viewer_client.get(reverse("export_job_file", args=[job.pk])).getvalue()
    assert hashlib.sha256(from_job).hexdigest() == job.sha256 == rendering.sha256
    ready = viewer_client.get(job.get_absolute_url()).content.decode()
    assert "same bytes every time" in ready and "Kept for you until" not in ready
    # Once stored, the download is the stored bytes, straight from the request.
    recs[0].__class__.objects.update(text="Reworded after publication.")
    stored = viewer_client.get(url, {"format": "xlsx"})
    assert stored.status_code == 200 and stored.getvalue() == from_job
    assert ExportJob.objects.count() == 1
    assert job.filename == stored["Content-Disposition"].split('"')[1]


def test_a_published_summary_of_an_audience_not_open_to_the_user_is_no_job(
    recs, reviewer, viewer_client
):
    published = report_services.summary_publish(year=2021, by=reviewer, audience="restricted")
    DBTaskResult.objects.all().delete()
    response = viewer_client.get(published.get_absolute_url(), {"format": "pdf"})
    assert response.status_code == 404 and not ExportJob.objects.exists()


def test_a_finished_file_is_reused_only_while_its_data_is_unchanged(
    recs, analyst, reviewer, viewer_client
):
    url = "/recommendations/?format=csv&year=2021"
    first = viewer_client.get(url)["Location"]
    run_worker()
    assert viewer_client.get(url)["Location"] == first  # unchanged data: the same file

    tracker_services.recommendation_set_status(
        recommendation=recs[0], status="in_progress", reason="The law passed.", by=analyst
    )
    second = viewer_client.get(url)["Location"]
    assert second != first
    run_worker()
    assert viewer_client.get(url)["Location"] == second
    jobs = {job.pk: job for job in ExportJob.objects.all()}
    old, new = (
        _csv_of(viewer_client, jobs[int(loc.rstrip("/").split("/")[-1])]) for loc in (first, second)
    )
    assert old[recs[0].reference]["Status"] == "No action"
    assert new[recs[0].reference]["Status"] == "In progress"

    # A write that adds no row (an update of evidence) moves the data on too.
    evidence = EvidenceFactory(recommendations=[recs[1]])
    third = viewer_client.get(url)["Location"]
    tracker_services.evidence_withdraw(evidence=evidence, reason="Mis-dated.", by=reviewer)
    fourth = viewer_client.get(url)["Location"]
    assert len({first, second, third, fourth}) == 4
    run_worker()
    (job,) = [j for j in ExportJob.objects.all() if j.get_absolute_url() == fourth]
    assert _csv_of(viewer_client, job)[recs[1].reference]["Has evidence"] == "no"


def _csv_of(client, job) -> dict[str, dict]:
    content = client.get(reverse("export_job_file", args=[job.pk])).getvalue()
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return {row["Reference"]: row for row in rows}


def test_the_data_version_is_one_query_and_moves_with_a_write(recs, analyst):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        before = exportjobs.data_version()
    assert len(queries) == 1
    assert exportjobs.data_version() == before
    tracker_services.recommendation_set_pillar(
        recommendation=recs[2], pillar="protection", by=analyst
    )
    assert exportjobs.data_version() != before


def test_an_export_reads_through_a_small_page_cache_and_restores_it(recs):
    from django.db import connection

    def cache_size():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    if connection.vendor != "sqlite":  # PostgreSQL: nothing to change, nothing changed
        with exportjobs.lean_page_cache():
            assert ExportJob.objects.count() == 0
        return
    before = cache_size()
    with exportjobs.lean_page_cache():
        assert cache_size() == -exportjobs.EXPORT_PAGE_CACHE_KIB
    assert cache_size() == before != -exportjobs.EXPORT_PAGE_CACHE_KIB


def test_the_job_page_shows_the_worker_s_progress(viewer, viewer_client):
    now = timezone.now()
    job = ExportJob.objects.create(
        user=viewer,
        kind="recommendations",
        format="xlsx",
        parameters={},
        audience="public",
        key="progress-test",
        title="Recommendation list (XLSX)",
        created_at=now,
        expires_at=now + datetime.timedelta(days=1),
    )
    page = viewer_client.get(job.get_absolute_url()).content.decode()
    assert "Waiting for the worker to start building the file…" in page
    assert 'http-equiv="refresh"' in page and "<progress" not in page
    job.state, job.done, job.total = "running", 3000, 48000
    job.save()
    page = viewer_client.get(job.get_absolute_url()).content.decode()
    assert "Written 3000 of 48000 rows." in page
    assert '<progress max="48000" value="3000">' in page
