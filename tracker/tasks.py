"""Background tasks (django-tasks): reading and importing a whole report uploaded from the web,
and the daily run of reminders and e-mail digests.

A worker (`manage.py db_worker`) runs them. Each import task takes the id of an `ImportJob` and
records its progress and outcome there, so the pages only read the job. A task never raises for
bad input: the job says why it failed, and nothing is written.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from tracker import exportjobs, importer, notifications
from tracker.models import ImportJob, Tier

# The daily run of reminders happens at this local time, once the day has started for everyone
# who reads them in the morning.
REMINDERS_AT = datetime.time(6, 0)


def _fail(job: ImportJob, message: str) -> None:
    job.state = ImportJob.State.FAILED
    job.error = message
    job.data = b""
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "data", "finished_at"])


def preview_entry(index: int, outcome: importer.Outcome) -> dict:
    """Return what the preview page shows of one narrative, as plain data."""
    parsed = outcome.parsed
    narrative = parsed.narrative if parsed else None
    return {
        "index": index,
        "name": outcome.name,
        "country": outcome.country,
        "year": outcome.year,
        "tier": str(Tier(narrative.tier).label) if narrative else "",
        "recommendations": len(narrative.recommendations) if narrative else 0,
        "warnings": list(outcome.warnings),
        "action": outcome.action,
        "reason": outcome.reason,
        "sha256": parsed.sha256 if parsed else "",
    }


@task()
def read_import_job(job_id: int) -> None:
    """Extract, split and parse the job's document, recording progress; then the preview."""
    job = ImportJob.objects.get(pk=job_id)
    job.state = ImportJob.State.READING
    job.save(update_fields=["state"])
    try:
        text = importer.narrative_text(bytes(job.data), name=job.name)
    except importer.ImportRefused as exc:
        _fail(job, str(exc))
        return
    ImportJob.objects.filter(pk=job_id).update(text=text)

    def progress(done: int, total: int, name: str) -> None:
        ImportJob.objects.filter(pk=job_id).update(done=done, total=total)

    items = importer.parse_document(text, name=job.name, year=job.year, progress=progress)
    outcomes = importer.import_atomic(items, dry_run=True)
    ImportJob.objects.filter(pk=job_id).update(
        state=ImportJob.State.READY,
        preview=[preview_entry(i, outcome) for i, outcome in enumerate(outcomes)],
        data=b"",
    )


@task()
def write_import_job(job_id: int) -> None:
    """Import the narratives the reviewer selected, all or nothing."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    items = importer.parse_document(job.text, name=job.name, year=job.year)
    previewed = {entry["index"]: entry for entry in job.preview}
    chosen = []
    for index in job.selected:
        item = items[index] if 0 <= index < len(items) else None
        if not isinstance(item, importer.Parsed) or item.sha256 != previewed[index]["sha256"]:
            _fail(job, "The document no longer reads as it did in the preview; upload it again.")
            return
        chosen.append(item)
    outcomes = importer.import_atomic(chosen, by=job.created_by)
    refused = [o for o in outcomes if o.action == "refused"]
    if refused:
        _fail(job, " ".join(o.reason for o in refused) + " Nothing was imported.")
        return
    for index, outcome in zip(job.selected, outcomes, strict=True):
        previewed[index]["action"] = outcome.action
        previewed[index]["url"] = outcome.report.get_absolute_url() if outcome.report else ""
    job.preview = [previewed[i] for i in sorted(previewed)]
    job.state = ImportJob.State.DONE
    job.text = ""
    job.finished_at = timezone.now()
    job.save(update_fields=["preview", "state", "text", "finished_at"])


# -- The daily reminders ---------------------------------------------------------------------


def pending_reminder_runs():
    """Return the queued runs of `daily_reminders` that no worker has started yet."""
    return DBTaskResult.objects.filter(
        task_path=daily_reminders.module_path, status=TaskResultStatus.READY
    )


def next_reminders_at(now: datetime.datetime) -> datetime.datetime:
    """Return when the run after one at `now` is due: the next day at `REMINDERS_AT`."""
    tomorrow = timezone.localtime(now).date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, REMINDERS_AT))


@task()
def daily_reminders(today: str = "") -> dict[str, int]:
    """Send today's reminders and digests (as `send_reminders` does), then queue tomorrow's run.

    `today` (YYYY-MM-DD) acts as on another day, like the command's `--today`. The next run is
    queued only when none is pending, so however many runs were queued the chain goes on as
    one; the run itself sends nothing twice.
    """
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    result = notifications.daily_run(day)
    schedule_reminders(run_after=next_reminders_at(timezone.now()))
    return result


@transaction.atomic
def schedule_reminders(*, run_after: datetime.datetime | None = None) -> bool:
    """Queue a run of the daily reminders (now, or at `run_after`) unless one is pending.

    The worker calls it as it starts, so a fresh deployment sends today's reminders and then
    one run a day. Returns whether a run was queued.
    """
    # Lock the pending rows so two workers starting together do not both queue a run.
    if list(pending_reminder_runs().select_for_update()):
        return False
    chosen = daily_reminders.using(run_after=run_after) if run_after else daily_reminders
    chosen.enqueue()
    return True


@task()
def build_export_job(job_id: int) -> None:
    """Build the file of a background export (see `tracker.exportjobs.build`)."""
    exportjobs.build(job_id)
