"""`manage.py backup FILE`: write every row and uploaded file to one archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker import backup


class Command(BaseCommand):
    help = (
        "Back up users, groups, all tracker data and every uploaded file to one zip archive "
        "with a manifest of SHA-256 checksums. Restore it with `manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Archive to write (replaced when complete).")

    def handle(self, *args, **options):
        try:
            info = backup.create_backup(options["file"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {info.total_rows} rows from {len(info.rows)} tables and "
                f"{info.files} uploaded file(s) to {info.path}."
            )
        )
        self.stdout.write(f"SHA-256 of the archive: {info.sha256}")
