"""Import TIP country narratives from text files, all or nothing."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker import importer
from tracker.models import Tier

NARRATIVE_SUFFIXES = {".txt", ".text"}


def expand_paths(paths: list[str]) -> list[Path]:
    """Return the narrative files named by `paths`, reading folders (sorted, not recursive)."""
    files = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in NARRATIVE_SUFFIXES)
            if not found:
                raise CommandError(f"{path}: the folder holds no narrative files (.txt).")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise CommandError(f"{path}: no such file or folder.")
    return files


class Command(BaseCommand):
    help = (
        "Import TIP country narratives (text). Nothing is written if any file is refused; "
        "importing the same text again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Narrative files or folders.")
        parser.add_argument("--year", type=int, help="Report year, where the text does not say.")
        parser.add_argument("--country", help="Country, where the text does not say.")
        parser.add_argument(
            "--tier", choices=Tier.values, help="Tier code, where the text does not say."
        )
        parser.add_argument("--source-url", default="", help="Where the text was taken from.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report; write nothing."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        files = expand_paths(options["paths"])
        try:
            batch = [
                importer.parse_file(
                    path,
                    year=options["year"],
                    country=options["country"],
                    tier=options["tier"],
                    source_url=options["source_url"],
                )
                for path in files
            ]
            if options["dry_run"]:
                outcomes = importer.plan(batch)
            else:
                outcomes = importer.import_batch(batch)
        except importer.ImportRefused as exc:
            raise CommandError(f"{exc} Nothing was imported.") from exc

        if options["json"]:
            self.stdout.write(
                json.dumps(self._as_json(batch, outcomes), ensure_ascii=False, indent=2)
            )
            return
        for parsed, outcome in zip(batch, outcomes, strict=True):
            n = len(parsed.narrative.recommendations)
            verb = {
                "new": "would import" if options["dry_run"] else "imported",
                "imported": "imported",
                "unchanged": "unchanged, skipped",
            }[outcome.action]
            self.stdout.write(
                f"{parsed.name}: {outcome.country} {outcome.year}, "
                f"{Tier(parsed.narrative.tier).label}, {n} recommendation{'s' if n != 1 else ''}"
                f": {verb}"
            )
            for warning in outcome.warnings:
                self.stderr.write(f"  warning: {warning}")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")

    @staticmethod
    def _as_json(batch, outcomes):
        return {
            "narratives": [
                {
                    "file": parsed.name,
                    "country": parsed.info.name,
                    "year": parsed.narrative.year,
                    "tier": parsed.narrative.tier,
                    "recommendations": [
                        {"number": number, "text": text}
                        for number, text in enumerate(parsed.narrative.recommendations, 1)
                    ],
                    "sections": parsed.narrative.sections,
                    "warnings": parsed.narrative.warnings,
                    "action": outcome.action,
                }
                for parsed, outcome in zip(batch, outcomes, strict=True)
            ]
        }
