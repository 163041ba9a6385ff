"""`export_public_site DIR`: the public site as static files (public/offline.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from public import offline
from tracker import languages


class Command(BaseCommand):
    help = (
        "Write the public site (pages, downloads, open data, feeds) as static files with "
        "relative links into DIR, a new or empty folder: for a static host or offline use."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="A new or empty folder.")
        languages.add_language_option(parser)

    def handle(self, *args, language=None, **options):
        with translation.override(languages.command_language(language)):
            return self._handle(*args, **options)

    def _handle(self, *args, **options):
        directory = options["directory"]
        try:
            export = offline.export_site(directory)
        except offline.ExportRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Wrote {len(export.files)} files ({export.size / 1_000_000:.1f} MB) to "
            f"{directory}; open {directory / 'index.html'} in a browser."
        )
