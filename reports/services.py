"""Writes of the reports app: publishing a summary, through one function like tracker's."""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from reports import exportjobs, tasks
from reports.models import ExportJob, PublishedSummary
from reports.published import canonical_json
from reports.summary import build_summary
from tracker.dates import long_date
from tracker.models import Audience


@transaction.atomic
def summary_publish(
    *, year: int, country=None, by, audience: str = Audience.PUBLIC, as_of=None
) -> PublishedSummary:
    """Publish the annual progress summary of `country` (None: all countries) for `year`.

    It is built for `audience` (public unless the reviewer chooses otherwise) as of `as_of`
    (by default the end of the follow-up period, or today while it runs), as canonical JSON
    with no generation time inside: rebuilding it from unchanged data gives the same bytes and
    the same SHA-256. Publishing content identical to the scope's latest publication is refused.
    """
    if not by.has_perm("reports.publish_summary"):
        raise PermissionDenied("You may not publish summaries.")
    if audience not in Audience.allowed_for(by):
        raise PermissionDenied(f"You may not publish a summary for the {audience} audience.")
    summary = build_summary(year=year, country=country, as_of=as_of, audience=audience, user=by)
    content = canonical_json(summary)
    sha256 = hashlib.sha256(content.encode("utf-8")).hexdigest()
    latest = (
        PublishedSummary.objects.filter(year=year, country=country)
        .order_by("-published_at", "-id")
        .only("sha256", "published_at")
        .first()
    )
    if latest is not None and latest.sha256 == sha256:
        raise ValidationError(
            f"Nothing has changed since this summary was published on "
            f"{long_date(latest.published_at.date())}; it was not published again."
        )
    published = PublishedSummary.objects.create(
        country=country,
        year=year,
        audience=summary.audience,
        as_of=summary.as_of,
        content=content,
        sha256=sha256,
        published_by=by,
    )
    # The worker renders its PDF, XLSX and CSV once, to be served from storage afterwards.
    transaction.on_commit(lambda: tasks.render_published_summary.enqueue(published.pk))
    return published


@transaction.atomic
def export_job_request(
    *, by, kind: str, fmt: str, parameters: dict, audience: str, title: str
) -> tuple[ExportJob, bool]:
    """Return the export job for this request of `by`, and whether it is a new one.

    An unexpired job of the same user with the same kind, format, parameters and audience
    (queued, being built or built) is reused, so asking again never builds the file twice
    within the day; otherwise a job is recorded and enqueued for the worker.
    """
    if fmt not in exportjobs.FORMATS[kind]:
        raise ValidationError(f"There is no {fmt!r} download of this kind.")
    if audience not in Audience.allowed_for(by):
        raise PermissionDenied(f"You may not read the {audience} view.")
    key = exportjobs.job_key(kind=kind, fmt=fmt, parameters=parameters, audience=audience)
    now = timezone.now()
    reusable = (
        ExportJob.objects.filter(user=by, key=key, expires_at__gt=now)
        .filter(state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING, ExportJob.State.DONE])
        .order_by("-created_at", "-id")
        .first()
    )
    if reusable is not None:
        return reusable, False
    job = ExportJob.objects.create(
        user=by,
        kind=kind,
        format=fmt,
        parameters=parameters,
        audience=audience,
        key=key,
        title=title,
        created_at=now,
        expires_at=now + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    transaction.on_commit(lambda: tasks.build_export_job.enqueue(job.pk))
    return job, True


def export_jobs_sweep(*, now=None) -> int:
    """Remove the files of expired export jobs and mark them expired; return how many."""
    now = now or timezone.now()
    swept = 0
    expired = ExportJob.objects.filter(expires_at__lte=now).exclude(state=ExportJob.State.EXPIRED)
    for job in expired.iterator():
        with transaction.atomic():
            if job.file:
                job.file.delete(save=False)
            job.state = ExportJob.State.EXPIRED
            job.save(update_fields=["file", "state"])
        swept += 1
    return swept
