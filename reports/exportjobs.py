"""The summary's background exports, and the files of published summaries rendered once.

A summary download past `EXPORT_BACKGROUND_ROWS` rows, and every all-countries PDF, is an
export job of kind `summary` (`tracker.exportjobs`), built here. A published summary's PDF,
XLSX and CSV are rendered once from its frozen content (`published_rendering`), by the worker
only, stored with their SHA-256 and served from storage afterwards; a download asked for before
its file is stored is an export job of kind `published`, which renders and stores it.
"""

from __future__ import annotations

import datetime
import json
import shutil

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import access, exporters
from reports.models import PublishedRendering, PublishedSummary
from reports.published import summary_from_dict
from reports.summary import build_summary
from reports.summary_shape import Summary
from tracker import exportjobs
from tracker.models import Audience, Country, ExportJob, Recommendation


def summary_in_background(*, year: int, country, fmt: str) -> bool:
    """Return whether this summary download is built by the worker rather than the request."""
    if fmt == "pdf" and country is None:
        return True
    recommendations = Recommendation.objects.filter(report__year=year)
    if country is not None:
        recommendations = recommendations.filter(report__country=country)
    return exportjobs.too_big(recommendations.count())


def _write_summary(summary: Summary, fmt: str, out, *, record=None) -> None:
    """Write `summary` in `fmt` to `out`; `record` is the published summary it was read from."""
    if fmt == "csv":
        for line in exporters.iter_csv(summary):
            out.write(line.encode("utf-8"))
    elif fmt == "xlsx":
        exporters.write_xlsx(summary, out)
    else:
        out.write(exporters.to_pdf(summary, record=record))


def _summary(job: ExportJob, out, progress) -> str:
    p = job.parameters
    if job.audience not in Audience.allowed_for(job.user):
        raise PermissionError(
            _("You may no longer read the %(audience)s view of a summary.")
            % {"audience": job.audience}
        )
    country = Country.objects.get(slug=p["country"]) if p["country"] else None
    with translation.override(p.get("language") or "en"):
        return _summary_in_language(job, out, progress, country)


def _summary_in_language(job: ExportJob, out, progress, country) -> str:
    p = job.parameters
    summary = build_summary(
        year=p["year"],
        country=country,
        as_of=datetime.date.fromisoformat(p["as_of"]),
        audience=job.audience,
        user=job.user,
    )
    # The file is built for the user who asked, and shows them what it holds.
    access.record_summary_read(summary, by=job.user)
    progress.total(summary.totals.recommendations)
    _write_summary(summary, job.format, out)
    progress(summary.totals.recommendations)
    return exporters.filename(summary, job.format)


# The kinds of background export this app registers (`tracker.exportjobs`).
SUMMARY = "summary"
PUBLISHED = "published"

exportjobs.register(
    SUMMARY,
    exportjobs.Builder(
        write=_summary,
        formats=("csv", "xlsx", "pdf"),
        permission="reports.view_publishedsummary",
        content_types={fmt: exporters.CONTENT_TYPES[fmt] for fmt in ("csv", "xlsx", "pdf")},
    ),
)


# --- Published summaries, rendered once ------------------------------------------------------

RENDERED_FORMATS = ("csv", "xlsx", "pdf")


def published_rendering(record: PublishedSummary, fmt: str) -> PublishedRendering:
    """Return the stored rendering of `record` in `fmt`, rendering and storing it the first time.

    Two renderings racing for the same format keep the first stored; the other's file is
    removed, so every download afterwards is the same bytes.
    """
    existing = PublishedRendering.objects.filter(summary=record, format=fmt).first()
    if existing is not None:
        return existing
    rendering = PublishedRendering(summary=record, format=fmt)
    summary = summary_from_dict(json.loads(record.content))
    # Stored once for every reader: in English, whoever's request or worker renders it.
    with translation.override("en"):
        rendering.sha256, rendering.size = exportjobs.store(
            rendering.file,
            f"summary-{record.pk}.{fmt}",
            lambda out: _write_summary(summary, fmt, out, record=record),
        )
    try:
        with transaction.atomic():
            rendering.save()
    except IntegrityError:
        rendering.file.delete(save=False)
        return PublishedRendering.objects.get(summary=record, format=fmt)
    return rendering


def in_stored_language() -> bool:
    """Return whether the active language is the stored renderings' (English: its labels)."""
    return (translation.get_language() or "en").split("-")[0] == "en"


def stored_rendering(record: PublishedSummary, fmt: str) -> PublishedRendering | None:
    """Return the stored rendering of `record` in `fmt`, or None while it is not rendered."""
    return PublishedRendering.objects.filter(summary=record, format=fmt).first()


def _published(job: ExportJob, out, progress) -> str:
    """Render a published summary's file (stored once), and hand the job the same bytes."""
    record = PublishedSummary.objects.get(pk=job.parameters["published"])
    if record.audience not in Audience.allowed_for(job.user):
        raise PermissionError(
            _("You may no longer read the %(audience)s view of a summary.")
            % {"audience": record.audience}
        )
    summary = summary_from_dict(json.loads(record.content))
    progress.total(summary.totals.recommendations)
    rendering = published_rendering(record, job.format)
    with rendering.file.open("rb") as stored:
        shutil.copyfileobj(stored, out)
    return exporters.filename(summary, job.format)


exportjobs.register(
    PUBLISHED,
    exportjobs.Builder(
        write=_published,
        formats=RENDERED_FORMATS,
        permission="reports.view_publishedsummary",
        content_types={fmt: exporters.CONTENT_TYPES[fmt] for fmt in RENDERED_FORMATS},
        # Its content is frozen: the file is the same whatever is written since.
        follows_data=False,
        ready_note=gettext_lazy(
            "The published summary's file is now stored: its download gives these same "
            "bytes every time."
        ),
    ),
)


def render_published(record_id: int) -> None:
    """Render every format of a published summary that is not stored yet."""
    record = PublishedSummary.objects.get(pk=record_id)
    for fmt in RENDERED_FORMATS:
        published_rendering(record, fmt)
