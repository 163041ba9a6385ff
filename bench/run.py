"""Run the whole benchmark and write bench/RESULTS.md.

    python -m bench.run                      # SQLite, sizes S, M and L, then throughput at L
    python -m bench.run --backend postgresql # the same on a throwaway PostgreSQL server
    DATABASE_URL=postgres://user@host:5432/postgres python -m bench.run
                                             # the same on an existing PostgreSQL server

For each size the data is built once by `bench.generate` (SQLite files are cached in bench/data/,
keyed by size and by a hash of the schema and the generator), the pages are timed by
`bench.measure` in a fresh process, and at the largest size `bench.throughput` serves the
database with gunicorn and loads it. Each backend's results are kept in bench/results/ so that
RESULTS.md always shows the last run of both, side by side.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.generate import SIZES

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
RESULTS_DIR = BENCH / "results"
RESULTS_MD = BENCH / "RESULTS.md"
BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

# What the schema hash covers: anything that changes the tables or the data written into them.
HASHED = [
    "tracker/migrations/*.py",
    "reports/migrations/*.py",
    "bench/generate.py",
    "tracker/countries.py",
    "tracker/importer.py",
    "tiptracker/lib/sqlite/*.py",
    "tracker/search.py",
    "fixtures/tip-2021-north-korea.txt",
]

# Page rows in display order: key, label, target median in ms at L (None: no time target).
# Targets: every list, detail, evidence and dashboard page ≤ 30 ms, the import
# of 200 narratives ≤ 2 s, and L ÷ S ≤ 1.3 for every paginated page.
PAGES = [
    ("list", "Recommendation list, no filter", 30),
    ("list_filtered", "Recommendation list, status + country", 30),
    ("list_status_year", "Recommendation list, status + year", 30),
    ("list_q", "Recommendation list, `q` search", 30),
    ("list_page1", "Recommendation list, page 1", 30),
    ("list_last", "Recommendation list, last page (keyset)", 30),
    ("list_last_offset", "Recommendation list, last numbered page (OFFSET)", None),
    ("detail", "Recommendation detail, 500 status changes", 30),
    ("evidence", "Evidence list", 30),
    ("evidence_last", "Evidence list, last page (keyset)", 30),
    ("evidence_q", "Evidence list, `q` search", 30),
    ("search", "Search page, one word", 200),
    ("search_prefix", "Search page, a common prefix", 500),
    ("search_ten", "Search page, ten words", 500),
    ("dashboard", "Dashboard", 30),
    ("country_summary", "Country summary, one year", 100),
    ("all_summary", "All-countries summary, one year", 1000),
    ("pdf", "Country summary PDF", 2000),
    ("country_summary_other", "Country summary, another country each run", None),
    ("pdf_other", "Country summary PDF, another country each run", None),
    ("builder_country", "Summary builder alone, one country", None),
    ("builder_all", "Summary builder alone, all countries", None),
    ("overview_all", "Overview builder alone, all countries (what the page builds)", None),
    ("import", "Import of 200 narratives (parse + write + index merge)", 2000),
    ("public_country", "Public country page, every year published (anonymous)", 10),
    ("public_front", "Public front page, every country (anonymous)", 10),
    ("public_country_first", "Public country page, first build after a publication", None),
    ("admin_list", "Admin changelist, no filter", None),
    ("admin_filtered", "Admin changelist, status + reference search", None),
    ("admin_status_year", "Admin changelist, status + year", None),
    ("admin_q", "Admin changelist, `q` search", None),
]
PAGINATED = ["list", "list_filtered", "list_status_year", "list_q", "list_page1", "list_last"]
PAGINATED += ["evidence", "evidence_last", "evidence_q"]
# Above this, a page's server time is mostly Python rather than SQL: RESULTS.md says so.
SQL_SHARE_FLAG = 5
# (ours, admin, what the pair compares)
ADMIN_PAIRS = [
    ("list", "admin_list", "no filter"),
    ("list_filtered", "admin_filtered", "status + country (admin: status + reference search)"),
    ("list_status_year", "admin_status_year", "status + year"),
    ("list_q", "admin_q", "`q` search"),
]
MEMORY_LIMIT_MB = 300
# A country's PDF costs at most this many times its page: typesetting is no longer the cost.
PDF_RATIO_LIMIT = 1.5
SCALING_LIMIT = 1.3
# The public country page under gunicorn, against the signed-in recommendation list.
PUBLIC_THROUGHPUT_RATIO = 3.0


def schema_hash() -> str:
    """Return a short hash of the files that decide what a built database contains."""
    digest = hashlib.sha256()
    for pattern in HASHED:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def child(module: str, *args: str, database_url: str, size: str) -> None:
    """Run `python -m module args` with the bench settings on `database_url`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "BENCH_SIZE": size,
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, check=True)


def sqlite_database(size: str) -> tuple[str, float | None]:
    """Return the URL of the cached SQLite database of `size`, building it if needed."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"bench-{size}-{schema_hash()}.sqlite3"
    for stale in DATA.glob(f"bench-{size}-*.sqlite3*"):
        if not stale.name.startswith(path.name):
            stale.unlink()
    if path.exists():
        say(f"{size}: using the cached {path.name}")
        return f"sqlite:///{path}", None
    partial = path.with_name(path.name + ".partial")
    for leftover in DATA.glob(partial.name + "*"):
        leftover.unlink()
    say(f"{size}: building {path.name}")
    started = time.perf_counter()
    child("bench.generate", "--size", size, database_url=f"sqlite:///{partial}", size=size)
    partial.rename(path)
    return f"sqlite:///{path}", time.perf_counter() - started


class PostgresServer:
    """A PostgreSQL server to build the bench databases in: an existing one, or a throwaway.

    The throwaway server lives in a temporary directory owned by the postgres user (the server
    refuses to run as root) and is stopped and removed afterwards.
    """

    def __init__(self, url: str | None, port: int):
        self.url = url
        self.port = port
        self.home: Path | None = None

    def _as_postgres(self, command: str) -> None:
        subprocess.run(["su", "postgres", "-s", "/bin/bash", "-c", command], check=True)

    def __enter__(self):
        if self.url:
            return self
        self.home = Path(tempfile.mkdtemp(prefix="tiptracker-bench-pg."))
        shutil.chown(self.home, user="postgres")
        data = self.home / "data"
        say(f"starting a throwaway PostgreSQL on port {self.port}")
        self._as_postgres(f"initdb -D '{data}' -A trust -U postgres >'{self.home}/initdb.log'")
        self._as_postgres(
            f"pg_ctl -D '{data}' -l '{self.home}/server.log' -w "
            f"-o \"-p {self.port} -k '{self.home}' -c listen_addresses=127.0.0.1\" start"
            " >/dev/null"
        )
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        return self

    def __exit__(self, *exc):
        if self.home:
            self._as_postgres(f"pg_ctl -D '{self.home / 'data'}' -m fast stop >/dev/null")
            shutil.rmtree(self.home, ignore_errors=True)

    def version(self) -> str:
        import psycopg

        with psycopg.connect(self._dsn("postgres")) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def _dsn(self, name: str) -> str:
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(scheme="postgresql", path=f"/{name}"))

    def fresh_database(self, size: str) -> str:
        """Drop and create the bench database of `size`; return its DATABASE_URL."""
        import psycopg

        name = f"tiptracker_bench_{size.lower()}"
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self._dsn(name).replace("postgresql://", "postgres://", 1)


def run_backend(args) -> dict:
    """Build, measure and load every requested size on one backend; return the results."""
    sizes = args.sizes
    largest = sizes[-1]
    result = {
        "backend": args.backend,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "runs": args.runs,
        "slow_runs": args.slow_runs,
        "sizes": {},
        # Other work on the machine slows every number; the load average says how much there was.
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }
    started = time.perf_counter()
    server = None
    if args.backend == "postgresql":
        server = PostgresServer(args.pg_url, args.pg_port).__enter__()
    try:
        if server:
            result["server_version"] = server.version()
        else:
            import sqlite3

            result["server_version"] = sqlite3.sqlite_version
        for size in sizes:
            if server:
                url = server.fresh_database(size)
                say(f"{size}: building on PostgreSQL")
                built_at = time.perf_counter()
                child("bench.generate", "--size", size, database_url=url, size=size)
                build_seconds = time.perf_counter() - built_at
            else:
                url, build_seconds = sqlite_database(size)
            say(f"{size}: measuring pages")
            out = DATA / f"measure-{args.backend}-{size}.json"
            child(
                "bench.measure",
                "--runs",
                str(args.runs),
                "--slow-runs",
                str(args.slow_runs),
                "-o",
                str(out),
                database_url=url,
                size=size,
            )
            measured = json.loads(out.read_text(encoding="utf-8"))
            measured["build_seconds"] = round(build_seconds, 1) if build_seconds else None
            result["sizes"][size] = measured
            if size == largest and not server and not args.no_analyze:
                result["analyzed"] = analyzed(args, url, size)
            if size == largest and not args.no_throughput:
                result["throughput"] = throughput(args, url, size)
                result["throughput"]["size"] = size
    finally:
        if server:
            server.__exit__(None, None, None)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


# Pages measured again after ANALYZE: the fast ones, whose plans depend on the statistics.
ANALYZED_KEYS = [
    "list",
    "admin_list",
    "list_filtered",
    "admin_filtered",
    "list_status_year",
    "admin_status_year",
    "list_q",
    "admin_q",
    "list_page1",
    "list_last",
    "list_last_offset",
    "detail",
    "evidence",
    "evidence_last",
    "dashboard",
    "country_summary",
]


def analyzed(args, url: str, size: str) -> dict:
    """Measure the fast pages again on a copy of the SQLite database after ANALYZE.

    The app gathers sampled statistics itself (PRAGMA optimize as connections close, which the
    main run triggers after each page's warm-up); this shows what a full ANALYZE would change.
    """
    import sqlite3

    say(f"{size}: measuring the fast pages again after ANALYZE (on a copy)")
    copy = DATA / f"analyzed-{size}.sqlite3"
    shutil.copyfile(url.removeprefix("sqlite:///"), copy)
    out = DATA / f"measure-sqlite-{size}-analyzed.json"
    try:
        with sqlite3.connect(copy) as conn:
            conn.execute("ANALYZE")
        child(
            "bench.measure",
            "--runs",
            str(args.runs),
            "--slow-runs",
            str(args.slow_runs),
            "--only",
            ",".join(ANALYZED_KEYS),
            "-o",
            str(out),
            database_url=f"sqlite:///{copy}",
            size=size,
        )
    finally:
        for path in DATA.glob(copy.name + "*"):
            path.unlink()
    measured = json.loads(out.read_text(encoding="utf-8"))
    measured["of_size"] = size
    return measured


def throughput(args, url: str, size: str) -> dict:
    """Load the app under gunicorn; on SQLite, on a copy, since status changes write."""
    say(f"{size}: throughput under gunicorn ({args.workers} workers)")
    out = DATA / f"throughput-{args.backend}-{size}.json"
    options = ["--workers", str(args.workers), "--threads", str(args.threads)]
    options += ["--max-requests", str(args.max_requests), "--max-seconds", str(args.max_seconds)]
    if url.startswith("sqlite:///"):
        copy = DATA / f"throughput-{size}.sqlite3"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        try:
            child(
                "bench.throughput",
                *options,
                "-o",
                str(out),
                database_url=f"sqlite:///{copy}",
                size=size,
            )
        finally:
            for path in DATA.glob(copy.name + "*"):
                path.unlink()
    else:
        child("bench.throughput", *options, "-o", str(out), database_url=url, size=size)
    return json.loads(out.read_text(encoding="utf-8"))


# ---- RESULTS.md --------------------------------------------------------------------------------


def _pages(measured: dict) -> dict[str, dict]:
    return {page["key"]: page for page in measured.get("pages", [])}


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _cell(page: dict | None) -> str:
    if not page:
        return "not measured"
    if not page["available"]:
        return f"not available ({page['note']})" if page["note"] else "not available"
    return f"{_ms(page['median_ms'])} / {_ms(page['p95_ms'])}"


def _sql_cell(page: dict | None) -> str:
    if not page or not page["available"] or not page.get("sql_median_ms"):
        return "–"
    ratio = page["median_ms"] / page["sql_median_ms"]
    flag = " **" if ratio > SQL_SHARE_FLAG else ""
    return f"{_ms(page['median_ms'])} / {_ms(page['sql_median_ms'])} ({ratio:.1f}{flag})"


def evaluate(result: dict) -> list[tuple[str, str, str, bool | None]]:
    """Check the targets on the largest size; return (target, measured, limit, met) rows."""
    sizes = list(result["sizes"])
    if not sizes:
        return []
    largest, smallest = sizes[-1], sizes[0]
    at = _pages(result["sizes"][largest])
    small = _pages(result["sizes"][smallest])
    rows = []

    def timed(key, label, limit):
        page = at.get(key)
        if not page or not page["available"]:
            rows.append((label, "not available", f"≤ {limit:,} ms", None))
        else:
            rows.append(
                (
                    label,
                    f"{_ms(page['median_ms'])} ms",
                    f"≤ {limit:,} ms",
                    page["median_ms"] <= limit,
                )
            )

    for key, label, limit in PAGES:
        if limit is not None:
            timed(key, f"{label}: median at {largest}", limit)

    counts_differ = []
    for key, label, _ in PAGES:
        if key == "import":
            # Not a page: its count follows the narratives and the countries it must create.
            continue
        counts = [_pages(result["sizes"][s]).get(key, {}).get("queries") for s in sizes]
        known = [c for c in counts if c is not None]
        if len(known) == len(sizes) and len(set(known)) > 1:
            counts_differ.append(f"{label} ({' · '.join(map(str, counts))})")
    rows.append(
        (
            f"Query counts the same at {', '.join(sizes)} for every page",
            "; ".join(counts_differ) if counts_differ else "same on every measured page",
            "equal",
            not counts_differ,
        )
    )

    if largest != smallest:
        for key in PAGINATED:
            big, little = at.get(key), small.get(key)
            label = {k: lab for k, lab, _ in PAGES}[key]
            if big and little and big["available"] and little["available"]:
                ratio = big["median_ms"] / little["median_ms"]
                rows.append(
                    (
                        f"{label}: {largest} ÷ {smallest} time",
                        f"{ratio:.2f}",
                        f"≤ {SCALING_LIMIT}",
                        ratio <= SCALING_LIMIT,
                    )
                )
            else:
                rows.append((f"{label}: {largest} ÷ {smallest} time", "not available", "", None))

    for ours, admin, what in ADMIN_PAIRS:
        a, b = at.get(ours), at.get(admin)
        if a and b and a["available"] and b["available"]:
            ratio = a["median_ms"] / b["median_ms"]
            rows.append(
                (f"Our list ÷ admin changelist, {what}", f"{ratio:.2f}", "≤ 1.0", ratio <= 1.0)
            )
        else:
            rows.append((f"Our list ÷ admin changelist, {what}", "not available", "≤ 1.0", None))

    for pdf_key, html_key, what in (
        ("pdf", "country_summary", ""),
        ("pdf_other", "country_summary_other", ", another country each run"),
    ):
        pdf, html = at.get(pdf_key), at.get(html_key)
        label = f"Country summary PDF ÷ country summary page (HTML) at {largest}{what}"
        if pdf and html and pdf["available"] and html["available"]:
            ratio = pdf["median_ms"] / html["median_ms"]
            rows.append((label, f"{ratio:.2f}", f"≤ {PDF_RATIO_LIMIT}", ratio <= PDF_RATIO_LIMIT))
        else:
            rows.append((label, "not available", f"≤ {PDF_RATIO_LIMIT}", None))

    tp = result.get("throughput") or {}
    if tp.get("public") and tp.get("list") and tp["list"].get("per_second"):
        ratio = tp["public"]["per_second"] / tp["list"]["per_second"]
        rows.append(
            (
                "Public country page ÷ signed-in recommendation list, requests/s under gunicorn",
                f"{ratio:.1f}×",
                f"≥ {PUBLIC_THROUGHPUT_RATIO:.0f}×",
                ratio >= PUBLIC_THROUGHPUT_RATIO,
            )
        )
    else:
        rows.append(
            ("Public country page ÷ recommendation list under gunicorn", "not run", "", None)
        )

    page = at.get("all_summary")
    if page and page["available"] and page.get("peak_mb") is not None:
        rows.append(
            (
                "All-countries summary: peak memory (tracemalloc)",
                f"{page['peak_mb']:.1f} MB",
                f"≤ {MEMORY_LIMIT_MB} MB",
                page["peak_mb"] <= MEMORY_LIMIT_MB,
            )
        )
    else:
        rows.append(("All-countries summary: peak memory", "not available", "≤ 300 MB", None))
    return rows


# The speed targets, as ratios of the same run on the same machine, so its noise cancels.
ALL_COUNTRIES_RATIO_LIMIT = 8
PG_SQLITE_LIMIT = 1.3
ADMIN_RATIO_LIMIT = 0.8
SERVER_SQL_LIMIT = 10
IMPORT_PARSE_LIMIT = 2
THROUGHPUT_PG_LIMIT = 0.8


def _median(result: dict | None, key: str, size: str | None = None) -> float | None:
    if not result or not result["sizes"]:
        return None
    size = size or list(result["sizes"])[-1]
    page = _pages(result["sizes"].get(size, {})).get(key)
    return page["median_ms"] if page and page["available"] else None


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def speed_targets(results: dict[str, dict]) -> list[tuple[str, list[float | None], str, float]]:
    """Return (target, [SQLite, PostgreSQL] ratio, comparison, limit) rows of the speed targets.

    A ratio that compares the two databases has one value, in the PostgreSQL column.
    """
    sqlite, pg = results.get("sqlite"), results.get("postgresql")
    both = (sqlite, pg)
    rows = []

    def per_backend(label, top, bottom, limit, comparison="≤"):
        values = [_ratio(_median(r, top), _median(r, bottom)) for r in both]
        rows.append((label, values, comparison, limit))

    per_backend("Country summary PDF ÷ country summary page", "pdf", "country_summary", 1.5)
    per_backend(
        "All-countries summary page ÷ country summary page",
        "all_summary",
        "country_summary",
        ALL_COUNTRIES_RATIO_LIMIT,
    )
    labels = {key: label for key, label, _ in PAGES}
    for key in PAGINATED:
        rows.append(
            (
                f"{labels[key]}: PostgreSQL ÷ SQLite",
                [None, _ratio(_median(pg, key), _median(sqlite, key))],
                "≤",
                PG_SQLITE_LIMIT,
            )
        )
    for ours, admin, what in ADMIN_PAIRS:
        per_backend(f"Our list ÷ admin changelist, {what}", ours, admin, ADMIN_RATIO_LIMIT)
    for key in PAGINATED:
        value = None
        if sqlite and sqlite["sizes"]:
            page = _pages(sqlite["sizes"][list(sqlite["sizes"])[-1]]).get(key)
            if page and page["available"] and page.get("sql_median_ms"):
                value = page["median_ms"] / page["sql_median_ms"]
        rows.append(
            (f"{labels[key]}: server ÷ SQL on SQLite", [value, None], "≤", SERVER_SQL_LIMIT)
        )
    values = []
    for r in both:
        page = None
        if r and r["sizes"]:
            page = _pages(r["sizes"][list(r["sizes"])[-1]]).get("import")
        parse = page.get("parse_median_ms") if page and page["available"] else None
        values.append(_ratio(page["median_ms"], parse) if parse else None)
    rows.append(("Import of 200 narratives ÷ parsing them alone", values, "≤", IMPORT_PARSE_LIMIT))
    values = []
    for r in both:
        sizes = list(r["sizes"]) if r else []
        values.append(
            _ratio(_median(r, "import", sizes[-1]), _median(r, "import", sizes[0]))
            if len(sizes) > 1
            else None
        )
    rows.append(("Import of 200 narratives: L ÷ S", values, "≤", SCALING_LIMIT))
    rates = [((r or {}).get("throughput") or {}).get("list", {}).get("per_second") for r in both]
    rows.append(
        (
            "Recommendation list under gunicorn, requests/s: PostgreSQL ÷ SQLite",
            [None, _ratio(rates[1], rates[0])],
            "≥",
            THROUGHPUT_PG_LIMIT,
        )
    )
    return rows


def render_speed_targets(results: dict[str, dict]) -> list[str]:
    lines = [
        "## The speed targets (largest size, each backend's last run)",
        "",
        "Ratios within one run, so that the machine's noise cancels; the two databases' runs "
        "are compared only where a target names both.",
        "",
        "| Target | SQLite | PostgreSQL | Limit | Met |",
        "|---|---:|---:|---:|---|",
    ]
    for label, values, comparison, limit in speed_targets(results):
        known = [v for v in values if v is not None]
        if not known:
            met = None
        elif comparison == "≤":
            met = all(v <= limit for v in known)
        else:
            met = all(v >= limit for v in known)
        cells = ["–" if v is None else f"{v:.2f}" for v in values]
        lines.append(
            f"| {label} | {cells[0]} | {cells[1]} | {comparison} {limit} | {_verdict(met)} |"
        )
    return lines + [""]


def _load(values) -> str:
    return " / ".join(f"{v:.2f}" for v in values) if values else "?"


def _verdict(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "–"}[met]


def render_backend(result: dict) -> list[str]:
    name = BACKEND_NAMES[result["backend"]]
    sizes = list(result["sizes"])
    analyzed_pages = _pages(result.get("analyzed", {}))
    analyzed_head = f" {result['analyzed']['of_size']} after ANALYZE |" if analyzed_pages else ""
    lines = [
        f"## {name}",
        "",
        f"Run on {result['date']}, {result['cpu_count']} CPUs "
        f"({result.get('cpus_usable')} usable), Python {result['python']}, "
        f"{name} {result.get('server_version', '?')}; {result['runs']} timed runs per page after "
        f"a warm-up ({result['slow_runs']} for summaries, PDF and import); "
        f"whole run {result['total_seconds'] / 60:.1f} min. Load average (1, 5, 15 min) before: "
        f"{_load(result.get('load_before'))}, after: {_load(result.get('load_after'))}.",
        "",
        "### Server time and queries",
        "",
        "Median / 95th percentile in milliseconds, in-process (`django.test.Client`, whole "
        "middleware stack, signed in as a reviewer; the admin as a superuser). Queries: exact "
        "count of one request at each size.",
        "",
        "| Page | "
        + " | ".join(f"{s} median / p95" for s in sizes)
        + " | Queries "
        + " · ".join(sizes)
        + f" | {sizes[-1]} ÷ {sizes[0]} |"
        + analyzed_head,
        "|---|" + "---:|" * len(sizes) + "---:|---:|" + ("---:|" if analyzed_head else ""),
    ]
    for key, label, _ in PAGES:
        per_size = [_pages(result["sizes"][s]).get(key) for s in sizes]
        queries = " · ".join(
            str(p["queries"]) if p and p["available"] and p["queries"] is not None else "–"
            for p in per_size
        )
        first, last = per_size[0], per_size[-1]
        ratio = "–"
        if first and last and first["available"] and last["available"] and len(sizes) > 1:
            ratio = f"{last['median_ms'] / first['median_ms']:.2f}"
        cells = " | ".join(_cell(p) for p in per_size)
        extra = ""
        if analyzed_pages:
            extra = f" {_cell(analyzed_pages[key])} |" if key in analyzed_pages else " |"
        lines.append(f"| {label} | {cells} | {queries} | {ratio} |{extra}")
    lines += ["", "### Server time against its SQL alone", ""]
    lines += [
        "Each page's read queries, recorded with their parameters on the counted request, are "
        "replayed alone on the same connection (every row fetched; median of as many runs as "
        "the page): the floor under its server time. Server ÷ SQL above "
        f"{SQL_SHARE_FLAG} (marked **) means the time goes to Python: middleware, ORM rows, "
        "template.",
        "",
        "| Page | " + " | ".join(f"{s}: server / SQL ms (÷)" for s in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for key, label, _ in PAGES:
        cells = [_sql_cell(_pages(result["sizes"][s]).get(key)) for s in sizes]
        if any(cell != "–" for cell in cells):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "### Our list against the Django admin changelist (same run, same data)", ""]
    lines += [
        "| Filter | " + " | ".join(f"{s}: ours ÷ admin" for s in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for ours, admin, what in ADMIN_PAIRS:
        cells = []
        for s in sizes:
            pages = _pages(result["sizes"][s])
            a, b = pages.get(ours), pages.get(admin)
            if a and b and a["available"] and b["available"]:
                cells.append(
                    f"{a['median_ms'] / b['median_ms']:.2f} "
                    f"({_ms(a['median_ms'])} vs {_ms(b['median_ms'])} ms)"
                )
            else:
                cells.append("not available")
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    lines += ["", "### Data", ""]
    lines += [
        "| Size | Countries | Reports | Recommendations | Evidence | Evidence links | Status "
        "changes | Assessments | Built in |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sizes:
        rows = result["sizes"][s]["rows"]
        built = result["sizes"][s].get("build_seconds")
        lines.append(
            f"| {s} | {rows['countries']:,} | {rows['reports']:,} | {rows['recommendations']:,} "
            f"| {rows['evidence']:,} | {rows['evidence_links']:,} | {rows['status_changes']:,} | "
            f"{rows['assessments']:,} | {f'{built:.0f} s' if built else 'cached'} |"
        )
    tp = result.get("throughput")
    lines += ["", "### Throughput under gunicorn", ""]
    if tp:
        lines += [
            f"gunicorn with {tp['workers']} sync workers on size {tp['size']}, loaded on loopback "
            f"by {tp['list']['threads']} client threads on the same machine (the client shares "
            "the CPUs), each phase bounded by a request count and a duration.",
            "",
            "| Load | Requests | Errors | Seconds | Requests/s | Median latency |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for key, label in (
            ("list", "GET recommendation list (signed in)"),
            ("public", "GET public country page (anonymous)"),
            ("status_changes", "POST status change"),
        ):
            phase = tp.get(key)
            if not phase:
                continue
            lines.append(
                f"| {label} | {phase['requests']} | {phase['errors']} | {phase['seconds']} | "
                f"{phase['per_second']} | {phase['latency_median_ms']} ms |"
            )
        changes = tp["status_changes"]
        lines += [
            "",
            f"Status changes recorded in the database afterwards: "
            f"{changes.get('recorded_in_database')} (status codes: "
            f"{', '.join(f'{k}: {v}' for k, v in changes.get('status_codes', {}).items())}).",
        ]
        if changes.get("note"):
            lines.append(f"**{changes['note']}.**")
    else:
        lines.append("Not run.")
    lines += ["", f"### Targets ({name}, size {sizes[-1]})", ""]
    lines += ["| Target | Measured | Limit | Met |", "|---|---:|---:|:---:|"]
    for target, measured, limit, met in evaluate(result):
        lines.append(f"| {target} | {measured} | {limit} | {_verdict(met)} |")
    return lines


def render(results: dict[str, dict], previous: dict[str, dict] | None = None) -> str:
    """Return RESULTS.md for the last results of each backend, beside the runs before them."""
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (SQLite) and `make bench-pg` (PostgreSQL); see "
        "[README.md](README.md) for what is measured and how. Each backend's section is its "
        "last run; rerun to compare on your machine.",
        "",
    ]
    previous = previous or {}
    if len(results) > 1 or previous:
        # Each backend's last run, and beside it the run before (when its largest size matches).
        columns = []
        for b, r in results.items():
            size = list(r["sizes"])[-1]
            columns.append((f"{BACKEND_NAMES[b]} ({size})", r, size))
            before = previous.get(b)
            if before and size in before["sizes"]:
                columns.append((f"{BACKEND_NAMES[b]} ({size}), run before", before, size))
        lines += [
            "## Side by side (median ms at the largest size)",
            "",
            "| Page | " + " | ".join(title for title, _, _ in columns) + " |",
            "|---|" + "---:|" * len(columns),
        ]
        for key, label, _ in PAGES:
            cells = []
            for _, r, size in columns:
                page = _pages(r["sizes"][size]).get(key)
                cells.append(
                    _ms(page["median_ms"]) if page and page["available"] else "not available"
                )
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += render_speed_targets(results)
    for backend in ("sqlite", "postgresql"):
        if backend in results:
            lines += render_backend(results[backend]) + [""]
        else:
            lines += [f"## {BACKEND_NAMES[backend]}", "", "Not run yet.", ""]
    return "\n".join(lines)


def load_results(suffix: str = "") -> dict[str, dict]:
    """Return the last results of each backend (`suffix=".previous"`: the run before)."""
    results = {}
    for backend in ("sqlite", "postgresql"):
        path = RESULTS_DIR / f"{backend}{suffix}.json"
        if path.exists():
            results[backend] = json.loads(path.read_text(encoding="utf-8"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmark and write bench/RESULTS.md.")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"])
    parser.add_argument("--sizes", default="S,M,L", help="comma-separated, smallest first")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--slow-runs", type=int, default=5)
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument(
        "--no-analyze", action="store_true", help="skip the SQLite rerun after ANALYZE"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=400)
    parser.add_argument("--max-seconds", type=float, default=30)
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("BENCH_PG_PORT", 55439)))
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite RESULTS.md from bench/results/"
    )
    args = parser.parse_args(argv)

    if not args.render_only:
        env_url = os.environ.get("DATABASE_URL", "")
        args.pg_url = env_url if env_url.startswith(("postgres://", "postgresql://")) else None
        if args.backend is None:
            args.backend = "postgresql" if args.pg_url else "sqlite"
        args.sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
        unknown = [s for s in args.sizes if s not in SIZES]
        if unknown:
            parser.error(f"unknown size(s): {', '.join(unknown)}; choose from {', '.join(SIZES)}")
        result = run_backend(args)
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"{args.backend}.json"
        if path.exists():
            path.replace(RESULTS_DIR / f"{args.backend}.previous.json")
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        say(f"{BACKEND_NAMES[args.backend]} done in {result['total_seconds'] / 60:.1f} min")
    RESULTS_MD.write_text(render(load_results(), load_results(".previous")), encoding="utf-8")
    say(f"wrote {RESULTS_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
