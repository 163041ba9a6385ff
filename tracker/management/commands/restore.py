"""`manage.py restore FILE`: load a backup into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty, migrated database. The "
        "archive is checked completely first; a damaged archive or a database that already "
        "holds users or tracker data is refused and nothing is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Archive made by `manage.py backup`.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only verify the archive's members and checksums; change nothing.",
        )

    def handle(self, *args, **options):
        try:
            if options["check"]:
                manifest = backup.verify(options["file"])
                rows = sum(manifest["rows"].values())
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{options['file']}: intact. {rows} rows and {len(manifest['files'])} "
                        f"uploaded file(s), made {manifest['created_at']} by version "
                        f"{manifest['app_version']}."
                    )
                )
                return
            info = backup.restore_backup(options["file"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {info.total_rows} rows into {len(info.rows)} tables and "
                f"{info.files} uploaded file(s) from {info.path}."
            )
        )
