"""Build downloads in the background: the recommendation list and summaries, past a size.

A request that would take long (more rows than `EXPORT_BACKGROUND_ROWS`, or any all-countries
PDF) records an `ExportJob` (`services.export_job_request`) and is redirected to its page; the
worker (`tasks.build_export_job`) builds the file here, into private storage, with its SHA-256.
The same module renders the files of published summaries once (`published_rendering`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import tempfile
from types import SimpleNamespace

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone

from reports import exporters
from reports.models import ExportJob, PublishedRendering, PublishedSummary
from reports.published import summary_from_dict
from reports.summary import Summary, build_summary
from tracker import exports
from tracker.models import Audience, Country, Recommendation

logger = logging.getLogger("tracker.exports")

FORMATS = {
    ExportJob.Kind.RECOMMENDATIONS: ("csv", "xlsx"),
    ExportJob.Kind.SUMMARY: ("csv", "xlsx", "pdf"),
}


def job_key(*, kind: str, fmt: str, parameters: dict, audience: str) -> str:
    """Return the SHA-256 that identical requests share (canonical JSON of what was asked)."""
    asked = {"kind": kind, "format": fmt, "parameters": parameters, "audience": audience}
    canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def too_big(rows: int) -> bool:
    """Return whether a download of `rows` rows is built in the background."""
    return rows > settings.EXPORT_BACKGROUND_ROWS


def summary_in_background(*, year: int, country, fmt: str) -> bool:
    """Return whether this summary download is built by the worker rather than the request."""
    if fmt == "pdf" and country is None:
        return True
    recommendations = Recommendation.objects.filter(report__year=year)
    if country is not None:
        recommendations = recommendations.filter(report__country=country)
    return too_big(recommendations.count())


class _Progress:
    """Record how many rows are written, one UPDATE per call (the writers call every 1,000)."""

    def __init__(self, job: ExportJob):
        self.job_id = job.pk

    def __call__(self, done: int) -> None:
        ExportJob.objects.filter(pk=self.job_id).update(done=done)


def _recommendations(job: ExportJob, out, progress) -> str:
    from tracker.views.recommendations import filtered_recommendations

    data = QueryDict(mutable=True)
    for name, value in job.parameters["query"]:
        data.appendlist(name, value)
    queryset = filtered_recommendations(data, SimpleNamespace(user=job.user))
    ExportJob.objects.filter(pk=job.pk).update(total=queryset.count())

    def absolute_url(path: str) -> str:
        return settings.SITE_URL + path

    if job.format == "csv":
        for line in exports.csv_lines(queryset, absolute_url, progress):
            out.write(line.encode("utf-8"))
    else:
        exports.write_xlsx(queryset, absolute_url, out, progress)
    return exports.filename(job.format)


def _write_summary(summary: Summary, fmt: str, out) -> None:
    if fmt == "csv":
        for line in exporters.iter_csv(summary):
            out.write(line.encode("utf-8"))
    elif fmt == "xlsx":
        exporters.write_xlsx(summary, out)
    else:
        out.write(exporters.to_pdf(summary))


def _summary(job: ExportJob, out, progress) -> str:
    p = job.parameters
    if job.audience not in Audience.allowed_for(job.user):
        raise PermissionError(f"You may no longer read the {job.audience} view of a summary.")
    country = Country.objects.get(slug=p["country"]) if p["country"] else None
    summary = build_summary(
        year=p["year"],
        country=country,
        as_of=datetime.date.fromisoformat(p["as_of"]),
        audience=job.audience,
        user=job.user,
    )
    ExportJob.objects.filter(pk=job.pk).update(total=summary.totals.recommendations)
    _write_summary(summary, job.format, out)
    progress(summary.totals.recommendations)
    return exporters.filename(summary, job.format)


def _store(fieldfile, name: str, write) -> tuple[str, int]:
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


def build(job_id: int) -> None:
    """Build the file of a queued export job, recording progress and the outcome on the job."""
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if job.state != ExportJob.State.QUEUED:
        return  # already built (a retried task), or swept
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING)
    progress = _Progress(job)
    writer = _recommendations if job.kind == ExportJob.Kind.RECOMMENDATIONS else _summary
    names = {}

    def write(out):
        names["download"] = writer(job, out, progress)

    try:
        job.sha256, job.size = _store(job.file, f"job-{job.pk}.{job.format}", write)
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


# --- Published summaries, rendered once ------------------------------------------------------

RENDERED_FORMATS = ("csv", "xlsx", "pdf")


def published_summary(record: PublishedSummary) -> Summary:
    """Return the frozen summary of `record`, rebuilt from its stored JSON."""
    return summary_from_dict(json.loads(record.content))


def published_rendering(record: PublishedSummary, fmt: str) -> PublishedRendering:
    """Return the stored rendering of `record` in `fmt`, rendering and storing it the first time.

    Two renderings racing for the same format keep the first stored; the other's file is
    removed, so every download afterwards is the same bytes.
    """
    existing = PublishedRendering.objects.filter(summary=record, format=fmt).first()
    if existing is not None:
        return existing
    rendering = PublishedRendering(summary=record, format=fmt)
    summary = published_summary(record)
    rendering.sha256, rendering.size = _store(
        rendering.file,
        f"summary-{record.pk}.{fmt}",
        lambda out: _write_summary(summary, fmt, out),
    )
    try:
        with transaction.atomic():
            rendering.save()
    except IntegrityError:
        rendering.file.delete(save=False)
        return PublishedRendering.objects.get(summary=record, format=fmt)
    return rendering


def render_published(record_id: int) -> None:
    """Render every format of a published summary that is not stored yet."""
    record = PublishedSummary.objects.get(pk=record_id)
    for fmt in RENDERED_FORMATS:
        published_rendering(record, fmt)
