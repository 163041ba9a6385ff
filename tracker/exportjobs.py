"""Build downloads in the background, off the request, and keep them for their user a day.

A download that would take long (more rows than `EXPORT_BACKGROUND_ROWS`, or any all-countries
PDF) records an `ExportJob` (`services.export_job_request`) and sends its user to the job's
page; the worker (`tasks.build_export_job`) builds the file here, into private storage
(`tiptracker.lib.storage`), with its SHA-256. Each kind of job has a builder: the recommendation
list's is below; the reports app registers the summary's (`register`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from tiptracker.lib import spreadsheets
from tracker import exports, models, selectors
from tracker.models import ExportJob

logger = logging.getLogger("tracker.exports")


@dataclass(frozen=True)
class Builder:
    """How one kind of job is built: `write(job, out, progress)` returns the download's name.

    `follows_data`: whether the file reads the tracker's live data, so that a finished file is
    reused only while that data is unchanged (`data_version`); a frozen source (a published
    summary) is the same bytes whenever it is built.
    """

    write: Callable
    formats: tuple[str, ...]
    permission: str
    content_types: dict[str, str]
    follows_data: bool = True
    # Said on the job's page once the file is ready, where the kind has more to tell.
    ready_note: str = ""


BUILDERS: dict[str, Builder] = {}


def register(kind: str, builder: Builder) -> None:
    """Make `kind` of export job buildable (the reports app registers summaries)."""
    BUILDERS[kind] = builder


def job_key(*, kind: str, fmt: str, parameters: dict, audience: str, data_version: str) -> str:
    """Return the SHA-256 that identical requests share while the data is the same.

    It is the hash of the canonical JSON of what was asked and of the `data_version` it is
    asked at: after a write, the same request has another key and builds a new file.
    """
    asked = {
        "kind": kind,
        "format": fmt,
        "parameters": parameters,
        "audience": audience,
        "data_version": data_version,
    }
    canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _versioned_tables():
    """Return (table, column) pairs whose maximum moves on with every write to export data.

    Every service write to a recommendation, evidence item or assessment goes through
    `services.base._bump_version`, which sets `updated_at`; everything else that changes what an
    export holds adds rows (status changes and their voids, edits, evidence and its links,
    assessment steps, changes of who may read a text, and the reports, recommendations,
    countries and tier placements an import brings), so the largest primary key of those tables
    moves on. Each maximum is one step down an index. Left out: renaming a user or a country
    in the admin, which no service records; a file made before such a rename shows the old
    name until it expires.
    """
    m = models
    stamped = [m.Recommendation, m.Evidence, m.Assessment]
    appended = [
        m.Country,
        m.TierPlacement,
        m.Report,
        m.Recommendation,
        m.Evidence,
        m.Evidence.recommendations.through,
        m.StatusChange,
        m.StatusChangeVoid,
        m.RecommendationEdit,
        m.EvidenceEdit,
        m.Assessment,
        m.AssessmentEvent,
        # Who may read a reason or a narrative decides what an export holds of it.
        m.TextSensitivityChange,
    ]
    return [(model._meta.db_table, "updated_at") for model in stamped] + [
        (model._meta.db_table, model._meta.pk.column) for model in appended
    ]


def data_version() -> str:
    """Return a stamp of the data exports are built from: any write since gives another.

    One query of a dozen indexed maxima (see `_versioned_tables`), cheap at any size, so the
    request that asks for a download can afford it. A file built after the stamp was read
    holds at least that data, so reusing it while the stamp is unchanged never serves data
    older than the stamp says. Two writes in flight at once could commit out of the order of
    their stamps (PostgreSQL; SQLite's writers take turns), which the maxima would miss for
    the moment between the two commits.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"(SELECT MAX({quote(column)}) FROM {quote(table)})"
        for table, column in _versioned_tables()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        stamps = cursor.fetchone()
    return hashlib.sha256(json.dumps([str(s) for s in stamps]).encode()).hexdigest()[:16]


def too_big(rows: int) -> bool:
    """Return whether a download of `rows` rows is built in the background."""
    return rows > settings.EXPORT_BACKGROUND_ROWS


class Progress:
    """Record how many rows are written, one UPDATE per call (the writers call every 1,000)."""

    def __init__(self, job: ExportJob):
        self.job_id = job.pk

    def total(self, total: int) -> None:
        ExportJob.objects.filter(pk=self.job_id).update(total=total)

    def __call__(self, done: int) -> None:
        ExportJob.objects.filter(pk=self.job_id).update(done=done)


def _recommendations(job: ExportJob, out, progress: Progress) -> str:
    data = QueryDict(mutable=True)
    for name, value in job.parameters["query"]:
        data.appendlist(name, value)
    queryset = selectors.recommendation_list(user=job.user, params=data).queryset
    progress.total(queryset.count())

    def absolute_url(path: str) -> str:
        return settings.SITE_URL + path

    if job.format == "csv":
        for line in exports.csv_lines(queryset, absolute_url, progress):
            out.write(line.encode("utf-8"))
    else:
        exports.write_xlsx(queryset, absolute_url, out, progress)
    return exports.filename(job.format)


RECOMMENDATIONS = "recommendations"

register(
    RECOMMENDATIONS,
    Builder(
        write=_recommendations,
        formats=("csv", "xlsx"),
        permission="tracker.view_recommendation",
        content_types={"csv": spreadsheets.CSV_TYPE, "xlsx": spreadsheets.XLSX_TYPE},
    ),
)


def store(fieldfile, name: str, write) -> tuple[str, int]:
    """Write through `write(out)` to a temporary file, then store it as `name`: (SHA-256, size)."""
    with tempfile.TemporaryFile() as tmp:
        write(tmp)
        tmp.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: tmp.read(1024 * 1024), b""):
            digest.update(chunk)
        size = tmp.tell()
        tmp.seek(0)
        fieldfile.save(name, File(tmp), save=False)
    return digest.hexdigest(), size


# The page cache an export reads through on SQLite, in KiB (a negative cache_size).
EXPORT_PAGE_CACHE_KIB = 8000


@contextmanager
def lean_page_cache():
    """Read through a small SQLite page cache while an export is built, then restore it.

    A connection's cache (64 MB, `settings.DATABASES`) fills as a whole-list export reads
    every row once, and is most of the worker's peak memory at size L; a single pass over the
    rows gains nothing from it. PostgreSQL keeps its cache in the server: nothing to do.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{EXPORT_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def build(job_id: int) -> None:
    """Build the file of a queued export job, recording progress and the outcome on the job."""
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if job.state != ExportJob.State.QUEUED:
        return  # already built (a retried task), or swept
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING)
    progress = Progress(job)
    names = {}

    def write(out):
        names["download"] = BUILDERS[job.kind].write(job, out, progress)

    try:
        with lean_page_cache():
            job.sha256, job.size = store(job.file, f"job-{job.pk}.{job.format}", write)
    except Exception as exc:
        # The job's page says what went wrong; the log keeps the traceback.
        logger.exception("Export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJob.State.FAILED,
            error=f"The file could not be built: {exc}",
            finished_at=timezone.now(),
        )
        return
    job.refresh_from_db(fields=["total"])
    job.filename = names["download"]
    job.state = ExportJob.State.DONE
    job.done = job.total
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "filename", "sha256", "size", "state", "done", "finished_at"])
