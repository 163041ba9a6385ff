"""Work handed to the background worker: downloads built off the request, whole-report imports."""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from tracker import exportjobs, tasks
from tracker.models import (
    Audience,
    ExportJob,
    ImportJob,
)

_AUDIENCE_REFUSALS = {
    "restricted": gettext_lazy("You may not read the restricted view."),
    "internal": gettext_lazy("You may not read the internal view."),
    "public": gettext_lazy("You may not read the public view."),
    "": gettext_lazy("You may not read this view."),
}


@transaction.atomic
def export_job_request(
    *, by, kind: str, fmt: str, parameters: dict, audience: str, title: str
) -> tuple[ExportJob, bool]:
    """Return the export job for this request of `by`, and whether it is a new one.

    An unexpired job of the same user with the same kind, format, parameters and audience
    (queued, being built or built), asked while the data was as it is now
    (`exportjobs.data_version`), is reused, so asking again never builds the same file twice
    within the day; otherwise a job is recorded and enqueued for the worker.
    """
    builder = exportjobs.BUILDERS.get(kind)
    if builder is None or fmt not in builder.formats:
        raise ValidationError(
            gettext("There is no %(format)s download of this kind.") % {"format": repr(fmt)}
        )
    if audience not in Audience.allowed_for(by):
        raise PermissionDenied(str(_AUDIENCE_REFUSALS.get(audience, _AUDIENCE_REFUSALS[""])))
    # A finished file is reused only while the data it was built from is unchanged.
    version = exportjobs.data_version() if builder.follows_data else ""
    key = exportjobs.job_key(
        kind=kind, fmt=fmt, parameters=parameters, audience=audience, data_version=version
    )
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


@transaction.atomic
def import_job_start(
    *, by, name: str, data: bytes, country: str = "", year: int | None = None
) -> ImportJob:
    """Keep an uploaded file as an import job of `by` and queue its reading by the worker.

    Nothing is read here: the worker extracts the text, finds whether it holds one narrative
    or a whole report, and parses it (`tasks.read_import_job`). `country` and `year` are what
    the reviewer gave where the text lacks them.
    """
    job = ImportJob.objects.create(
        name=name,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        country=country,
        year=year,
        created_by=by,
    )
    # The task is a row of the same database, written in the same transaction as the job.
    tasks.read_import_job.enqueue(job.pk)
    return job


def import_job_confirm(*, job, by, selected) -> bool:
    """Queue the write of the narratives `selected` from a job's preview (`[0]` for a file of
    one narrative).

    Only a job still waiting for its confirmation moves on, by one conditional UPDATE: of two
    confirmations arriving at once, both having read the job as ready, one queues the write and
    the other is told False. The job's owner alone may confirm it.
    """
    if job.created_by_id != by.pk:
        raise PermissionDenied(gettext("Only the reviewer who uploaded the report may confirm it."))
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.READY).update(
        selected=list(selected), state=ImportJob.State.IMPORTING
    )
    if not claimed:
        return False
    job.selected, job.state = list(selected), ImportJob.State.IMPORTING
    tasks.write_import_job.enqueue(job.pk)
    return True


def import_job_recheck(*, job, by, country: str, year: int | None) -> bool:
    """Queue the reading of a file of one narrative again, with the country and year `by` gave.

    As `import_job_confirm`, only a job waiting for its confirmation moves on (back to the
    queue), by one conditional UPDATE; the job's owner alone may do it.
    """
    if job.created_by_id != by.pk:
        raise PermissionDenied("Only the reviewer who uploaded the file may correct it.")
    claimed = ImportJob.objects.filter(
        pk=job.pk, state=ImportJob.State.READY, kind=ImportJob.Kind.NARRATIVE
    ).update(country=country, year=year, state=ImportJob.State.QUEUED, preview=[], done=0)
    if not claimed:
        return False
    job.country, job.year, job.state, job.preview = country, year, ImportJob.State.QUEUED, []
    tasks.read_import_job.enqueue(job.pk)
    return True


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
