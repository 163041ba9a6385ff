"""`manage.py sweep_exports`: remove the files of export jobs kept past their day."""

from django.core.management.base import BaseCommand

from tracker import services


class Command(BaseCommand):
    help = (
        "Remove the files of background exports that have expired (a day after they were "
        "asked for) and mark their jobs expired. Run it daily, beside send_reminders."
    )

    def handle(self, *args, **options):
        swept = services.export_jobs_sweep()
        self.stdout.write(f"Removed the files of {swept} expired export job(s).")
