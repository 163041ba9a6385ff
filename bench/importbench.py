"""The import benchmark: a whole report as one PDF, and 200 narratives from text.

```sh
.venv/bin/python -m bench.importbench            # SQLite, in a fresh database file
DATABASE_URL=postgres://user@host:5432/db .venv/bin/python -m bench.importbench
```

The whole report is made from the real seed narrative (fixtures/tip-2021-north-korea.txt): one
narrative for each of 190 countries of the registry, the seed's text under that country's
heading, laid out as the annual report (bench.wholereport: front matter, tier lists, running
headers, page numbers, appendices) and rendered to PDF with WeasyPrint (about 500 pages; cached
in bench/data/). Measured, each the median of `--runs` runs:

- text extraction of the PDF with pypdf (once: it takes minutes) and with pypdfium2, whether
  both give the same narratives (the same countries, tiers and recommendations, word for word),
  and the app's reading (tiptracker.lib.pdftext: pypdf checks the structure and inflation limits,
  pypdfium2 extracts the text);
- split (tracker.tipdocument), parse (tracker.importer.parse_document, which includes the split)
  and import (import_atomic, one transaction, rolled back after each run);
- the import of 200 narratives from text (parse_bytes + import_batch), as in bench/measure.py.

Results go to bench/results/import-<backend>.json and bench/IMPORT.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
SEED = ROOT / "fixtures" / "tip-2021-north-korea.txt"
COUNTRY_COUNT = 190
YEAR = 2021


def report_entries(count: int = COUNTRY_COUNT):
    """Return `count` narratives: the seed's text under the heading of `count` countries."""
    from bench.wholereport import Entry
    from tracker.countries import COUNTRIES

    lines = SEED.read_text(encoding="utf-8").split("\n")
    body = "\n".join(lines[2:])  # without the seed's title and heading
    entries = []
    for info in COUNTRIES[:count]:
        entries.append(Entry(info.name, "tier_3", f"{info.name.upper()}: Tier 3\n{body}"))
    return entries


def report_pdf(count: int = COUNTRY_COUNT) -> tuple[Path, float | None]:
    """Return the cached whole-report PDF, rendering it first if needed (with the time taken)."""
    from bench.wholereport import render_pdf, report_text

    text = report_text(report_entries(count), year=YEAR)
    layout = (ROOT / "bench" / "wholereport.py").read_bytes()
    key = hashlib.sha256(text.encode() + layout).hexdigest()[:12]
    path = DATA / f"whole-report-{count}-{key}.pdf"
    if path.exists():
        return path, None
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    data = render_pdf(text, year=YEAR, font_pt=9)
    seconds = time.perf_counter() - started
    path.write_bytes(data)
    return path, seconds


def pypdf_pages(data: bytes) -> list[str]:
    """Return the text of each page as pypdf extracts it (what the app used before)."""
    import io

    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def pdfium_pages(data: bytes) -> list[str]:
    """Return the text of each page as pypdfium2 extracts it, alone."""
    from tiptracker.lib import pdftext

    document = pdftext.pypdfium2.PdfDocument(data)
    count = len(document)
    document.close()
    clock = pdftext._Clock("bench", pdftext.MAX_SECONDS)
    return pdftext._page_texts(data, name="bench", count=count, clock=clock)


def timed(func, runs: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def signature(items) -> list[tuple]:
    """Return what must be equal for two extractions to be of the same quality."""
    from tracker import importer

    out = []
    for item in items:
        if isinstance(item, importer.Parsed):
            n = item.narrative
            out.append((item.info.name, n.year, n.tier, tuple(n.recommendations)))
        else:
            out.append(("refused", item.reason))
    return out


def measure(runs: int) -> dict:
    import django
    from django.db import connection, transaction

    from bench.measure import synthetic_narratives
    from tiptracker.lib import pdftext
    from tracker import importer, tipdocument

    path, render_seconds = report_pdf()
    data = path.read_bytes()
    result: dict = {
        # A shared machine's load makes every figure slower: recorded so that it can be seen.
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "backend": connection.vendor,
        "django": django.get_version(),
        "narratives": COUNTRY_COUNT,
        "pdf_bytes": len(data),
        "render_s": round(render_seconds, 2) if render_seconds is not None else None,
    }

    # pypdf takes minutes on this file: once is enough to see the difference.
    pypdf_s, pypdf = timed(lambda: pypdf_pages(data), 1)
    pdfium_s, _ = timed(lambda: pdfium_pages(data), runs)
    app_s, pages = timed(lambda: pdftext.extract_pages(data, name=path.name), runs)
    result["pages"] = len(pages)
    text = pdftext.pages_to_text(pages)
    split_s, document = timed(lambda: tipdocument.split_document(text), runs)
    parse_s, items = timed(lambda: importer.parse_document(text, name=path.name), runs)
    pypdf_items = importer.parse_document(pdftext.pages_to_text(pypdf), name=path.name)
    parsed = [item for item in items if isinstance(item, importer.Parsed)]
    result["extract"] = {
        "pypdf_s": round(pypdf_s, 2),
        "pypdfium2_s": round(pdfium_s, 2),
        "app_s": round(app_s, 2),
        "same_narratives": signature(items) == signature(pypdf_items),
        "pypdf_parsed": sum(isinstance(i, importer.Parsed) for i in pypdf_items),
        "pypdfium2_parsed": len(parsed),
    }
    result["split_s"] = round(split_s, 3)
    result["parse_s"] = round(parse_s, 2)
    result["parts"] = len(document.parts)
    result["recommendations"] = sum(len(p.narrative.recommendations) for p in parsed)

    def import_once(batch):
        with transaction.atomic():
            outcomes = importer.import_atomic(batch)
            imported = sum(o.action == "imported" for o in outcomes)
            transaction.set_rollback(True)
        if imported != len(batch):
            raise RuntimeError(f"Imported {imported} of {len(batch)} narratives.")

    import_s, _ = timed(lambda: import_once(parsed), runs)
    result["import_s"] = round(import_s, 2)
    result["whole_report_s"] = round(app_s + parse_s + import_s, 2)

    narratives = synthetic_narratives(200, YEAR + 10)

    def text_import():
        with transaction.atomic():
            batch = [importer.parse_bytes(d, name=n) for n, d in narratives]
            outcomes = importer.import_batch(batch)
            transaction.set_rollback(True)
        if sum(o.action == "imported" for o in outcomes) != 200:
            raise RuntimeError("The 200 narratives were not all imported.")

    text_s, _ = timed(text_import, runs)
    result["text_200_s"] = round(text_s, 2)
    return result


def markdown(results: list[dict]) -> str:
    lines = [
        "# Import benchmark",
        "",
        "Written by `python -m bench.importbench` (see its docstring); nothing here is typed by",
        "hand. Seconds, median of the runs.",
        "",
        "| | " + " | ".join(r["backend"] for r in results) + " |",
        "|---|" + "---:|" * len(results),
    ]
    rows = [
        (
            "load average (1 min) at the start / CPUs",
            lambda r: f"{r.get('load_average_1min')} / {r.get('cpus')}",
        ),
        ("narratives in the report", lambda r: r["narratives"]),
        ("pages", lambda r: r["pages"]),
        ("PDF size (MB)", lambda r: round(r["pdf_bytes"] / 1e6, 1)),
        ("text extraction, pypdf", lambda r: r["extract"]["pypdf_s"]),
        ("text extraction, pypdfium2", lambda r: r["extract"]["pypdfium2_s"]),
        ("same narratives from both", lambda r: "yes" if r["extract"]["same_narratives"] else "no"),
        ("the app's reading: pypdf checks + pypdfium2 text", lambda r: r["extract"]["app_s"]),
        ("split into narratives", lambda r: r["split_s"]),
        ("parse (split included)", lambda r: r["parse_s"]),
        ("import (one transaction)", lambda r: r["import_s"]),
        ("whole report: the app's reading + parse + import", lambda r: r["whole_report_s"]),
        ("200 narratives from text: parse + import", lambda r: r["text_200_s"]),
    ]
    for label, value in rows:
        lines.append(f"| {label} | " + " | ".join(str(value(r)) for r in results) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    scratch = None
    if "DATABASE_URL" not in os.environ:
        scratch = tempfile.mkdtemp(prefix="tiptracker-importbench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/import.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = measure(options.runs)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"import-{result['backend']}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    results = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.glob("import-*.json"))
    ]
    (ROOT / "bench" / "IMPORT.md").write_text(markdown(results), encoding="utf-8")
    print(markdown([result]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
