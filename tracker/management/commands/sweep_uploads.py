"""`manage.py sweep_uploads`: remove evidence files that no evidence record refers to.

An upload's bytes are stored before its row is committed, so that a refused or failed write
can remove them again. A process killed outright (SIGKILL, the out-of-memory killer, a lost
machine) between the two leaves the bytes with no row: this finds and removes them. Files
younger than `--older-than` minutes are left alone, since they may belong to a write that is
still in progress on another app server.
"""

import datetime
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.models import Evidence

EVIDENCE_FOLDER = "evidence"


def stored_names(folder: str) -> list[str]:
    """Return the names of every file under `folder` in the default storage, sorted."""
    if not default_storage.exists(folder):
        return []
    folders, files = default_storage.listdir(folder)
    names = [str(PurePosixPath(folder) / name) for name in files]
    for sub in folders:
        names += stored_names(str(PurePosixPath(folder) / sub))
    return sorted(names)


class Command(BaseCommand):
    help = (
        "Remove uploaded evidence files that no evidence record refers to (left by an app "
        "server killed in the middle of an upload). Files younger than --older-than minutes "
        "are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="MINUTES",
            help="Only remove files at least this old (default 60; 0 when no server is running).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files, remove nothing."
        )

    def handle(self, *args, **options):
        if options["older_than"] < 0:
            raise CommandError("--older-than takes a number of minutes, 0 or more.")
        cutoff = timezone.now() - datetime.timedelta(minutes=options["older_than"])
        referenced = set(
            Evidence.objects.exclude(file="").values_list("file", flat=True).iterator()
        )
        orphans = [
            name
            for name in stored_names(EVIDENCE_FOLDER)
            if name not in referenced and default_storage.get_modified_time(name) <= cutoff
        ]
        for name in orphans:
            if not options["dry_run"]:
                default_storage.delete(name)
            self.stdout.write(name)
        verb = "would be removed" if options["dry_run"] else "removed"
        self.stdout.write(f"{len(orphans)} unreferenced evidence file(s) {verb}.")
