"""Background tasks (django-tasks): reading and importing the files uploaded from the web (one
narrative or a whole report), and the daily run of reminders, e-mail digests and housekeeping.

A worker (`manage.py db_worker`) runs them. Each import task takes the id of an `ImportJob` and
records its progress and outcome there, so the pages only read the job. A task never raises for
bad input: the job says why it failed, and nothing is written. Every parse runs in a child
process that is stopped at a time limit (`parse_within_limit`).
"""

import datetime
import logging
import multiprocessing
import signal
import time
import traceback
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext, override
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from tracker import exportjobs, importer, notifications
from tracker.models import ImportJob, Report, Tier

logger = logging.getLogger(__name__)

# The daily run of reminders happens at this local time, once the day has started for everyone
# who reads them in the morning.
REMINDERS_AT = datetime.time(6, 0)
# The preview of one narrative shows this many words of each section.
PREVIEW_WORDS = 80
# The child stops itself this long after the worker's limit, in case the worker is gone.
CHILD_GRACE_SECONDS = 2

# Housekeeping the daily run also does, registered by the apps that own the rows it removes
# (the API prunes the records of token uses), so the domain names no app above it. Each chore
# returns how many rows it removed.
DAILY_CHORES: dict[str, Callable[[], int]] = {}


def register_daily_chore(name: str, chore: Callable[[], int]) -> None:
    """Make the daily run (the worker's, or `send_reminders`) call `chore` as `name`."""
    DAILY_CHORES[name] = chore


def run_daily_chores() -> dict[str, int]:
    """Run every registered chore; return what each removed, by name."""
    return {name: chore() for name, chore in DAILY_CHORES.items()}


def _fail(job: ImportJob, message: str) -> None:
    # Every failure leaves the database as it was; the message says so once.
    nothing = gettext("Nothing was imported.")
    if nothing.lower().rstrip(".") not in message.lower():
        message = f"{message} {nothing}"
    job.state = ImportJob.State.FAILED
    job.error = message
    job.data = b""
    job.text = ""
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "data", "text", "finished_at"])


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
        "tier_code": narrative.tier if narrative else "",
        "recommendations": len(narrative.recommendations) if narrative else 0,
        "warnings": list(outcome.warnings),
        "action": outcome.action,
        "reason": outcome.reason,
        "sha256": parsed.sha256 if parsed else "",
    }


def narrative_details(outcome: importer.Outcome) -> dict:
    """Return what the preview of a file of one narrative shows beyond a report's row.

    Its recommendations, the number of findings, the first words and the size of each section,
    and, when its country and year already hold another text, that report.
    """
    parsed = outcome.parsed
    if parsed is None:
        return {"read": False}
    narrative = parsed.narrative
    imported = None
    if outcome.action == "refused":
        report = (
            Report.objects.filter(country__code=parsed.info.code, year=narrative.year)
            .select_related("country")
            .first()
        )
        if report is not None:
            imported = {
                "url": report.get_absolute_url(),
                "country": report.country.name,
                "year": report.year,
            }
    return {
        "read": True,
        "tier_code": narrative.tier,
        "texts": list(narrative.recommendations),
        "findings": len(narrative.findings),
        "sections": [
            {
                "key": key,
                "words": len(body.split()),
                "start": Truncator(body).words(PREVIEW_WORDS, truncate=" …"),
            }
            for key, body in narrative.sections.items()
        ],
        "imported": imported,
    }


def _parse_in_child(sender, text, name, year, country, seconds) -> None:
    """Parse in the child process and send what happens to the worker through `sender`."""
    # The worker alone decides when to stop: a Ctrl+C or SIGTERM meant for it reaches this
    # process too. Should the worker die, the timer's default action (termination, done by the
    # kernel even inside a regular expression) ends this process a little after its limit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, seconds + CHILD_GRACE_SECONDS)
    started = time.monotonic()

    def found(total: int) -> None:
        limit = seconds * max(total, 1) + CHILD_GRACE_SECONDS
        signal.setitimer(signal.ITIMER_REAL, max(limit - (time.monotonic() - started), 0.001))
        sender.send(("found", total))

    def progress(done: int, total: int, _name: str) -> None:
        sender.send(("progress", done, total))

    try:
        items = importer.parse_document(
            text, name=name, year=year, country=country, found=found, progress=progress
        )
        sender.send(("done", items))
    except Exception:
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


def parse_within_limit(
    text: str,
    *,
    name: str,
    year: int | None = None,
    country: str | None = None,
    found=None,
    progress=None,
) -> list[importer.Parsed | importer.Refused]:
    """Return `importer.parse_document(text, ...)`, parsed in a child process that is killed
    once it has taken `IMPORT_PARSE_SECONDS` per narrative the text holds (one narrative's
    time until the text is split).

    Over the limit, or on an error in the child, ImportRefused names the file. `found(total)`
    and `progress(done, total)` are called here, in the worker, as the child reports the
    narratives found and read.
    """
    # A forked child starts at once with everything the worker has loaded (a spawned one would
    # set Django up again for every file), and killing it stops the work wherever it is: a
    # signal handler in the worker itself would wait for a regular expression to return, and
    # runs only in the main thread, which `db_worker --reload` does not run tasks in.
    seconds = settings.IMPORT_PARSE_SECONDS
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_parse_in_child, args=(sender, text, name, year, country, seconds), daemon=True
    )
    started = time.monotonic()
    child.start()
    sender.close()
    limit = seconds
    try:
        while True:
            remaining = started + limit - time.monotonic()
            if remaining <= 0 or not receiver.poll(remaining):
                raise importer.ImportRefused(
                    gettext("%(name)s: took longer than %(limit)s s to read; nothing was imported.")
                    % {"name": name, "limit": f"{limit:g}"}
                )
            try:
                kind, *payload = receiver.recv()
            except EOFError:
                raise importer.ImportRefused(
                    gettext(
                        "%(name)s: the reading stopped before it was done; nothing was imported."
                    )
                    % {"name": name}
                ) from None
            if kind == "found":
                limit = seconds * max(payload[0], 1)
                if found is not None:
                    found(payload[0])
            elif kind == "progress":
                if progress is not None:
                    progress(*payload)
            elif kind == "done":
                return payload[0]
            else:
                # A fault of the reader, not of the file: the traceback goes to the log, and
                # the job fails with a message instead of waiting forever.
                logger.error("Reading %s failed:\n%s", name, payload[0])
                raise importer.ImportRefused(
                    gettext(
                        "%(name)s: could not be read because of an error in the reader, recorded "
                        "for the administrators; nothing was imported."
                    )
                    % {"name": name}
                )
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()


def _uploader_language(job_id: int) -> str:
    """Return the language of the user who uploaded the job: the messages it stores (refusals,
    warnings, failures) are written in it, as the pages show them to that user."""
    job = ImportJob.objects.select_related("created_by").only("created_by").get(pk=job_id)
    return notifications.recipient_languages([job.created_by])[job.created_by.pk]


@task()
def read_import_job(job_id: int) -> None:
    """Read the job's file in its uploader's language (see `_read_import_job`)."""
    with override(_uploader_language(job_id)):
        _read_import_job(job_id)


def _read_import_job(job_id: int) -> None:
    """Extract the job's text, then split and parse it under the time limit, recording
    progress; then the preview."""
    job = ImportJob.objects.get(pk=job_id)
    job.state = ImportJob.State.READING
    job.save(update_fields=["state"])
    text = job.text
    if not text:
        try:
            text = importer.narrative_text(bytes(job.data), name=job.name)
        except importer.ImportRefused as exc:
            _fail(job, str(exc))
            return
        ImportJob.objects.filter(pk=job_id).update(text=text)

    def found(total: int) -> None:
        job.kind = ImportJob.Kind.REPORT if total > 1 else ImportJob.Kind.NARRATIVE
        ImportJob.objects.filter(pk=job_id).update(kind=job.kind, total=total, done=0)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(done=done, total=total)

    try:
        items = parse_within_limit(
            text,
            name=job.name,
            year=job.year,
            country=job.country or None,
            found=found,
            progress=progress,
        )
    except importer.ImportRefused as exc:
        _fail(job, str(exc))
        return
    if job.kind == ImportJob.Kind.REPORT and job.country:
        # The one refusal `parse_document` gives: a country describes one narrative only.
        _fail(job, items[0].reason)
        return
    outcomes = importer.import_atomic(items, dry_run=True)
    preview = [preview_entry(i, outcome) for i, outcome in enumerate(outcomes)]
    if job.kind == ImportJob.Kind.NARRATIVE:
        preview[0].update(narrative_details(outcomes[0]))
    ImportJob.objects.filter(pk=job_id).update(
        state=ImportJob.State.READY, preview=preview, data=b""
    )


@task()
def write_import_job(job_id: int) -> None:
    """Import the job's selection in its uploader's language (see `_write_import_job`)."""
    with override(_uploader_language(job_id)):
        _write_import_job(job_id)


def _write_import_job(job_id: int) -> None:
    """Import the narratives the reviewer selected, all or nothing.

    The text is parsed again, under the time limit, and each narrative must read as it did in
    the preview.
    """
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        items = parse_within_limit(
            job.text, name=job.name, year=job.year, country=job.country or None
        )
    except importer.ImportRefused as exc:
        _fail(job, str(exc))
        return
    previewed = {entry["index"]: entry for entry in job.preview}
    chosen = []
    for index in job.selected:
        item = items[index] if 0 <= index < len(items) else None
        if not isinstance(item, importer.Parsed) or item.sha256 != previewed[index]["sha256"]:
            _fail(
                job,
                gettext("The document no longer reads as it did in the preview; upload it again."),
            )
            return
        chosen.append(item)
    outcomes = importer.import_atomic(chosen, by=job.created_by)
    refused = [o for o in outcomes if o.action == "refused"]
    if refused:
        _fail(job, " ".join([*(o.reason for o in refused), gettext("Nothing was imported.")]))
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
    """Send today's reminders and digests and do the daily chores (as `send_reminders` does),
    then queue tomorrow's run.

    `today` (YYYY-MM-DD) acts as on another day, like the command's `--today`. The next run is
    queued only when none is pending, so however many runs were queued the chain goes on as
    one; the run itself sends nothing twice.
    """
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    result = {**notifications.daily_run(day), **run_daily_chores()}
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
