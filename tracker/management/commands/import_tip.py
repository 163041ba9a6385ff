"""Import TIP country narratives from text or PDF files and folders: all or nothing by default,
file by file when asked (--per-file)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker import importer
from tracker.models import Tier

NARRATIVE_SUFFIXES = {".txt", ".text", ".pdf"}


def expand_paths(paths: list[str]) -> tuple[list[Path], list[importer.Refused]]:
    """Return the narrative files named by `paths` (folders read sorted, not recursively).

    A path that does not exist, or a folder with no narrative in it, comes back as a refusal so
    that it shows in the final table with the other files.
    """
    files: list[Path] = []
    refused: list[importer.Refused] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in NARRATIVE_SUFFIXES
            )
            if not found:
                refused.append(
                    importer.Refused(
                        str(path), f"{path}: the folder holds no narrative files (.txt, .pdf)."
                    )
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            refused.append(importer.Refused(str(path), f"{path}: no such file or folder."))
    return files, refused


def read_manifest(path: Path) -> dict[Path, dict]:
    """Return per-file overrides from a manifest, keyed by resolved file path.

    A manifest is JSON: a list of entries, or {"narratives": [...]} as in fixtures/index.json.
    Each entry names a "file" (relative to the manifest) and may give "year", "country", "tier"
    and "source". A value flagged as stated in the text ("year_in_text": true, and likewise for
    tier and country) is left to the text.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"{path}: the manifest cannot be read ({exc}).") from exc
    entries = data.get("narratives", []) if isinstance(data, dict) else data
    overrides = {}
    for entry in entries:
        if not isinstance(entry, dict) or "file" not in entry:
            raise CommandError(f'{path}: every manifest entry needs a "file".')
        values = {}
        for key in ("year", "country", "tier"):
            if entry.get(key) is not None and not entry.get(f"{key}_in_text", False):
                values[key] = entry[key]
        values["source_url"] = entry.get("source") or ""
        overrides[(path.parent / entry["file"]).resolve()] = values
    return overrides


class Progress:
    """A progress bar on a terminal, or one plain line per step when output is not a terminal."""

    WIDTH = 30

    def __init__(self, stream, label: str, *, enabled: bool = True):
        # `stream` is a command's OutputWrapper: written to with ending="" so "\r" redraws work.
        self.stream = stream
        self.label = label
        self.enabled = enabled
        self.tty = enabled and hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled:
            return
        if self.tty:
            filled = self.WIDTH * done // max(total, 1)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            line = f"\r{self.label} [{bar}] {done}/{total} {Path(name).name[:40]:<40}"
            self.stream.write(line + ("\n" if done == total else ""), ending="")
        else:
            self.stream.write(f"{self.label} {done}/{total}: {name}")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import TIP country narratives (text or PDF; files or folders; a file may hold a whole "
        "report of many narratives, each imported as its own). All or nothing: if any "
        "file is refused, every refusal is listed, nothing is written and the exit code is 1. "
        "With --per-file the good files are imported and the refused ones listed (exit code 1). "
        "Importing the same text again changes nothing."
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
            "--manifest",
            type=Path,
            help="JSON file giving year, country, tier or source per file (overrides the above).",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--atomic",
            action="store_true",
            help="All or nothing: write nothing if any file is refused (the default).",
        )
        mode.add_argument(
            "--per-file",
            action="store_true",
            help="Import each good file on its own and list the refused ones.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report; write nothing."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not report progress on stderr."
        )

    def handle(self, *args, **options):
        files, refused = expand_paths(options["paths"])
        manifest = read_manifest(options["manifest"]) if options["manifest"] else {}
        defaults = {
            "year": options["year"],
            "country": options["country"],
            "tier": options["tier"],
            "source_url": options["source_url"],
        }
        stream = self.stderr
        show = not options["no_progress"]
        parse_progress = Progress(stream, "Reading  ", enabled=show)
        items: list[importer.Parsed | importer.Refused] = list(refused)
        for n, path in enumerate(files, start=1):
            overrides = {**defaults, **manifest.get(path.resolve(), {})}
            # One file may be a whole report: then progress counts its narratives.
            per_narrative = parse_progress if len(files) == 1 else None
            items.extend(importer.parse_document_file(path, progress=per_narrative, **overrides))
            if per_narrative is None:
                parse_progress(n, len(files), str(path))

        atomic = not options["per_file"]
        if atomic:
            try:
                outcomes = importer.import_atomic(items, dry_run=options["dry_run"])
            except importer.ImportRefused as exc:
                raise CommandError(f"{exc} Nothing was imported.") from exc
        else:
            outcomes = importer.import_each(
                items,
                dry_run=options["dry_run"],
                progress=Progress(stream, "Importing", enabled=show),
            )

        if options["json"]:
            self.stdout.write(json.dumps(self._as_json(outcomes), ensure_ascii=False, indent=2))
        else:
            self._table(outcomes, dry_run=options["dry_run"])
        refusals = [o for o in outcomes if o.action == "refused"]
        if refusals:
            reasons = " ".join(o.reason for o in refusals)
            if atomic or options["dry_run"]:
                tail = "Nothing was imported."
            else:
                tail = "The other files were imported."
            raise CommandError(
                f"{len(refusals)} of {len(outcomes)} file(s) refused: {reasons} {tail}"
            )

    def _table(self, outcomes, *, dry_run: bool) -> None:
        verbs = {
            "new": "would import",
            "imported": "imported",
            "unchanged": "skipped (unchanged)",
            "refused": "refused",
        }
        rows = []
        for o in outcomes:
            parsed = o.parsed
            tier = Tier(parsed.narrative.tier).label if parsed else ""
            recs = str(len(parsed.narrative.recommendations)) if parsed else ""
            rows.append(
                (
                    Path(o.name).name,
                    o.country,
                    str(o.year or ""),
                    tier,
                    recs,
                    verbs[o.action],
                )
            )
        header = ("File", "Country", "Year", "Tier", "Recs", "Result")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(cells):
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        self.stdout.write(line(header))
        self.stdout.write(line(tuple("-" * w for w in widths)))
        for row in rows:
            self.stdout.write(line(row))
        for o in outcomes:
            if o.action == "refused":
                self.stdout.write(f"  refused {o.reason}")
            for warning in o.warnings:
                self.stderr.write(f"  warning: {Path(o.name).name}: {warning}")
        totals = {
            action: sum(o.action == action for o in outcomes)
            for action in ("imported", "new", "unchanged", "refused")
        }
        summary = (
            f"{totals['imported']} imported, {totals['unchanged']} skipped (unchanged), "
            f"{totals['refused']} refused."
        )
        if dry_run:
            summary = (
                f"Dry run: {totals['new']} would be imported, {totals['unchanged']} unchanged, "
                f"{totals['refused']} refused; nothing was written."
            )
        self.stdout.write(summary)

    @staticmethod
    def _as_json(outcomes):
        narratives = []
        for o in outcomes:
            entry = {"file": o.name, "action": o.action}
            if o.parsed:
                narrative = o.parsed.narrative
                entry.update(
                    {
                        "country": o.parsed.info.name,
                        "year": narrative.year,
                        "tier": narrative.tier,
                        "recommendations": [
                            {"number": number, "text": text}
                            for number, text in enumerate(narrative.recommendations, 1)
                        ],
                        "sections": narrative.sections,
                        "warnings": narrative.warnings,
                    }
                )
            if o.reason:
                entry["reason"] = o.reason
            narratives.append(entry)
        return {"narratives": narratives}
