"""`manage.py send_reminders`: the daily run of reminders, e-mail digests and housekeeping."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker import notifications, tasks


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {value!r}.") from exc


class Command(BaseCommand):
    help = (
        "Record the reminders due today (30 and 7 days before a follow-up period ends, to the "
        "owners of items without evidence or an approved assessment), e-mail them, retry "
        "e-mails that failed, and send the daily digests. Run it once a day; running it again "
        "sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=str, default="", help="Act as on this day (YYYY-MM-DD)."
        )

    def handle(self, *args, **options):
        today = _day(options["today"]) if options["today"] else timezone.localdate()
        result = notifications.daily_run(today)
        self.stdout.write(
            f"{today:%Y-%m-%d}: {result['reminders']} reminder(s) recorded, "
            f"{result['emails']} e-mail(s) and {result['digests']} digest(s) sent."
        )
        for name, removed in tasks.run_daily_chores().items():
            self.stdout.write(f"{name.replace('_', ' ').capitalize()}: {removed}.")
