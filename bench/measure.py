"""Time the pages of one benchmark database in-process and count their queries.

Run by `bench.run` once per size, with DATABASE_URL naming the database that `bench.generate`
built; prints one JSON document. Server time is the time `django.test.Client` takes to run a
request through the whole stack (middleware, view, queries, template), after a warm-up; queries
are counted on a separate run, so counting never slows the timed runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEARCH_WORD = "garnishing"


@dataclass
class Timing:
    """What one page cost at one size: server time over several runs and the query count."""

    key: str
    label: str
    url: str
    available: bool = True
    note: str = ""
    runs: int = 0
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    bytes: int | None = None
    peak_mb: float | None = None
    times_ms: list[float] = field(default_factory=list)
    # The page's own read queries replayed alone (`replay`): the floor under its server time.
    sql_median_ms: float | None = None
    sql_replayed: int | None = None
    sql_times_ms: list[float] = field(default_factory=list)
    statements: list = field(default_factory=list, repr=False)
    # The import's parts (its median_ms is their sum): parsing alone, and the search index's
    # merge, which the worker runs after the import's commit.
    parse_median_ms: float | None = None
    merge_median_ms: float | None = None

    @property
    def server_over_sql(self) -> float | None:
        if not self.median_ms or not self.sql_median_ms:
            return None
        return round(self.median_ms / self.sql_median_ms, 2)


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile (share in 0..1) of `values`."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _not_available(key, label, url, why) -> Timing:
    return Timing(key=key, label=label, url=url, available=False, note=why)


def _prepare(client, key, label, url, warmup, content_type=None):
    """Warm a page up and count its queries; return (Timing without times, ok)."""
    from django.db import connection
    from django.urls import Resolver404, resolve

    try:
        resolve(url.split("?")[0])
    except Resolver404:
        return _not_available(key, label, url, "no such page yet"), False
    try:
        for _ in range(max(warmup, 1)):
            response = client.get(url)
            body = _content(response)
    except Exception as exc:  # noqa: BLE001 - one broken page must not hide the others' numbers
        return _not_available(key, label, url, f"failed: {type(exc).__name__}: {exc}"[:200]), False
    # A served request ends by closing its connection (CONN_MAX_AGE=0), and on SQLite the app
    # gathers planner statistics as a connection closes; the test client never closes it, so
    # do here what serving the warm-up requests would have done.
    connection.close()
    if response.status_code != 200:
        return _not_available(key, label, url, f"answered HTTP {response.status_code}"), False
    if content_type and not response["Content-Type"].startswith(content_type):
        why = f"answered {response['Content-Type']}, not {content_type}"
        return _not_available(key, label, url, why), False
    with Recorder(connection) as recorder:
        _content(client.get(url))
    timing = Timing(key=key, label=label, url=url, queries=len(recorder.statements))
    timing.bytes = len(body)
    timing.statements = recorder.statements
    return timing, True


class Recorder:
    """Record each statement a block of code runs, with its parameters, as the driver got it."""

    def __init__(self, connection):
        self.connection = connection
        self.statements: list[tuple[str, object, bool]] = []
        self._wrapper = None

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params, many))
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = self.connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def _reads(statements) -> list[tuple[str, object]]:
    """Keep the statements that only read (a GET may write a session; that is not replayed)."""
    return [
        (sql, params)
        for sql, params, many in statements
        if not many and sql.lstrip().upper().startswith(("SELECT", "WITH", "EXPLAIN"))
    ]


def replay(timing: Timing, runs: int) -> Timing:
    """Time the page's read queries alone: each run executes them all and fetches every row.

    This is what the database and the driver cost the page; the rest of its server time is
    Python (middleware, ORM, template). Writes are not replayed.
    """
    from django.db import connection

    reads = _reads(timing.statements)
    timing.statements = []
    if not reads:
        return timing
    times = []
    with connection.cursor() as cursor:
        for _ in range(max(runs, 1) + 1):
            started = time.perf_counter()
            for sql, params in reads:
                cursor.execute(sql, params)
                cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    times = times[1:]  # the first run warms the statement cache
    timing.sql_replayed = len(reads)
    timing.sql_median_ms = round(statistics.median(times), 2)
    timing.sql_times_ms = [round(t, 2) for t in times]
    return timing


def _finish(timing: Timing, times: list[float]) -> Timing:
    timing.runs = len(times)
    timing.median_ms = round(statistics.median(times), 2)
    timing.p95_ms = round(percentile(times, 0.95), 2)
    timing.times_ms = [round(t, 2) for t in times]
    return timing


def _timed_get(client, url) -> float:
    started = time.perf_counter()
    _content(client.get(url))
    return (time.perf_counter() - started) * 1000


def time_request(
    client,
    key: str,
    label: str,
    url: str,
    *,
    runs: int,
    warmup: int,
    content_type: str | None = None,
    memory: bool = False,
) -> Timing:
    """Time GET `url` `runs` times after `warmup` runs; count its queries on one more run."""
    timing, ok = _prepare(client, key, label, url, warmup, content_type)
    if not ok:
        return timing
    _finish(timing, [_timed_get(client, url) for _ in range(runs)])
    replay(timing, runs)
    if memory:
        tracemalloc.start()
        _content(client.get(url))
        timing.peak_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    return timing


def time_interleaved(specs, *, runs: int, warmup: int) -> list[Timing]:
    """Time several pages in turn, one request of each per round, so that a burst of load from
    elsewhere on the machine falls on all of them alike; used for ratios between pages."""
    prepared = [
        (client, url, *_prepare(client, key, label, url, warmup))
        for client, key, label, url in specs
    ]
    times: list[list[float]] = [[] for _ in prepared]
    for _ in range(runs):
        for index, (client, url, _, ok) in enumerate(prepared):
            if ok:
                times[index].append(_timed_get(client, url))
    return [
        replay(_finish(timing, times[index]), runs) if ok else timing
        for index, (_, _, timing, ok) in enumerate(prepared)
    ]


def time_other_countries(client, year: int, runs: int) -> list[Timing]:
    """Time the country page and its PDF in turn for a different country each run (none of
    them timed before), so that no document laid out earlier is reused."""
    from tracker.models import Country

    slugs = list(
        Country.objects.filter(reports__year=year).order_by("-name").values_list("slug", flat=True)
    )[: runs + 1]
    pages = [
        Timing(key="country_summary_other", label="Country summary, another country", url=""),
        Timing(key="pdf_other", label="Country summary PDF, another country", url=""),
    ]
    if len(slugs) < runs + 1:
        return [_not_available(t.key, t.label, t.url, "too few countries") for t in pages]
    times: list[list[float]] = [[], []]
    # The first country warms the code paths up (not counted).
    for n, slug in enumerate(slugs):
        urls = [f"/summaries/{year}/{slug}/", f"/summaries/{year}/{slug}/?format=pdf"]
        for index, url in enumerate(urls):
            taken = _timed_get(client, url)
            if n:
                times[index].append(taken)
                pages[index].url = url.replace(slug, "<another country>")
    return [_finish(timing, times[index]) for index, timing in enumerate(pages)]


def time_call(key: str, label: str, what: str, func, *, runs: int, memory: bool = False) -> Timing:
    """Time a plain call like `time_request` times a page (one warm-up, one counted run)."""
    from django.db import connection

    func()
    with Recorder(connection) as recorder:
        func()
    queries = len(recorder.statements)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    timing = Timing(
        key=key,
        label=label,
        url=what,
        runs=runs,
        median_ms=round(statistics.median(times), 2),
        p95_ms=round(percentile(times, 0.95), 2),
        queries=queries,
        times_ms=[round(t, 2) for t in times],
        statements=recorder.statements,
    )
    replay(timing, runs)
    if memory:
        tracemalloc.start()
        func()
        timing.peak_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    return timing


def synthetic_narratives(count: int, first_year: int) -> list[tuple[str, bytes]]:
    """Return `count` narratives made from the real seed by changing its country and year."""
    from tracker.countries import COUNTRIES

    lines = (ROOT / "fixtures" / "tip-2021-north-korea.txt").read_text(encoding="utf-8")
    body = "\n".join(lines.split("\n")[2:])
    out = []
    for index in range(count):
        info = COUNTRIES[index % len(COUNTRIES)]
        year = first_year + index // len(COUNTRIES)
        text = (
            f"{year} Trafficking in Persons Report: {info.name}\n{info.name.upper()}: Tier 3\n"
            + body
        )
        out.append((f"{year}-{info.code}.txt", text.encode("utf-8")))
    return out


def time_import(count: int, runs: int) -> Timing:
    """Parse and import `count` narratives, `runs` times, each rolled back afterwards.

    Each run times the parse, the write and the search index's merge apart; the import's time
    is their sum. The merge runs after the commit in the app (`importer.after_import`): here it
    runs inside the transaction that is rolled back, so that its cost is counted all the same.
    """
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from bench.generate import LAST_YEAR
    from tracker import importer, search

    narratives = synthetic_narratives(count, LAST_YEAR + 1)
    label = f"import of {count} narratives"

    def once(capture=False):
        started = time.perf_counter()
        with transaction.atomic():
            batch = [importer.parse_bytes(data, name=name) for name, data in narratives]
            parsed = time.perf_counter()
            if capture:
                with CaptureQueriesContext(connection) as captured:
                    outcomes = importer.import_batch(batch)
            else:
                outcomes = importer.import_batch(batch)
            written = time.perf_counter()
            search.merge_segments(connection)
            merged = time.perf_counter()
            imported = sum(o.action == "imported" for o in outcomes)
            transaction.set_rollback(True)
        if imported != count:
            raise RuntimeError(f"Imported {imported} of {count} synthetic narratives.")
        parts = ((parsed - started) * 1000, (merged - written) * 1000)
        return (merged - started) * 1000, parts, (len(captured) if capture else None)

    _, _, queries = once(capture=True)
    runs_done = [once() for _ in range(runs)]
    times = [total for total, _, _ in runs_done]
    return Timing(
        key="import",
        label=label,
        url="tracker.importer.parse_bytes + import_batch + search.merge_segments",
        runs=runs,
        median_ms=round(statistics.median(times), 2),
        p95_ms=round(percentile(times, 0.95), 2),
        queries=queries,
        parse_median_ms=round(statistics.median(p for _, (p, _), _ in runs_done), 2),
        merge_median_ms=round(statistics.median(m for _, (_, m), _ in runs_done), 2),
        times_ms=[round(t, 2) for t in times],
    )


def _as_dict(timing: Timing) -> dict:
    data = asdict(timing)
    data.pop("statements")
    data["server_over_sql"] = timing.server_over_sql
    return data


def _forget_public_site() -> None:
    """Forget the public site's kept pages and record, as a new publication makes it do."""
    from django.core.cache import caches

    from api import public as public_record
    from public import opendata

    caches["public"].clear()
    public_record._kept.clear()
    opendata._kept.clear()


def measure(runs: int, slow_runs: int, only: set[str] | None = None) -> dict:
    """Measure the pages on the database the settings point at; return plain data.

    `only` limits the run to the named keys (all when None).
    """
    import django
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from bench import generate
    from reports import overview as overview_module
    from reports import summary as summary_module
    from tracker.models import Country, Recommendation

    size_name = os.environ["BENCH_SIZE"]
    size = generate.SIZES[size_name]
    user_model = get_user_model()
    reviewer = user_model.objects.get(username="bench-reviewer-01")
    client = Client()
    client.force_login(reviewer)
    admin_client = Client()
    admin_client.force_login(user_model.objects.get(username="bench-admin"))

    year = generate.LAST_YEAR
    country = Country.objects.order_by("name")[size.countries // 2]
    slug, code = country.slug, country.code
    summary_url = f"/summaries/{year}/{slug}/"
    hot = Recommendation.objects.get(reference=generate.hot_reference(size))
    timeline = hot.status_changes.count()
    fast = {"runs": runs, "warmup": 3}
    slow = {"runs": slow_runs, "warmup": 1}
    results: list[Timing] = []

    def wanted(key):
        return only is None or key in only

    def page(key, label, url, **options):
        if wanted(key):
            results.append(time_request(client, key, label, url, **(options or fast)))

    # Our list and the admin changelist (the baseline a user could fall back to) on the same
    # filters, timed in turn. The admin has no country filter: searching the reference prefix
    # ("CHN-") is the closest a user gets there.
    admin = "/admin/tracker/recommendation/"
    pairs = [
        (
            ("list", "Recommendation list, no filter", "/recommendations/"),
            ("admin_list", "Admin changelist, no filter", admin),
        ),
        (
            (
                "list_filtered",
                "Recommendation list, status + country",
                f"/recommendations/?status=in_progress&country={slug}",
            ),
            (
                "admin_filtered",
                f"Admin changelist, status + reference search ({code}-)",
                f"{admin}?status__exact=in_progress&q={code}-",
            ),
        ),
        (
            (
                "list_status_year",
                "Recommendation list, status + year",
                f"/recommendations/?status=in_progress&year={year}",
            ),
            (
                "admin_status_year",
                "Admin changelist, status + year",
                f"{admin}?status__exact=in_progress&report__year__exact={year}",
            ),
        ),
        (
            (
                "list_q",
                f"Recommendation list, q search ({SEARCH_WORD!r})",
                f"/recommendations/?q={SEARCH_WORD}",
            ),
            (
                "admin_q",
                f"Admin changelist, q search ({SEARCH_WORD!r})",
                f"{admin}?q={SEARCH_WORD}",
            ),
        ),
    ]
    for ours, theirs in pairs:
        specs = [(client, *ours)] if wanted(ours[0]) else []
        specs += [(admin_client, *theirs)] if wanted(theirs[0]) else []
        if specs:
            results.extend(time_interleaved(specs, **fast))

    page("list_page1", "Recommendation list, page 1", "/recommendations/?page=1")
    # The last page by keyset (Last link), and the same rows by OFFSET for comparison.
    page("list_last", "Recommendation list, last page (keyset)", "/recommendations/?page=last")
    if wanted("list_last_offset"):
        total = Recommendation.objects.count()
        last = max(1, -(-total // 50))
        page(
            "list_last_offset",
            f"Recommendation list, last numbered page ({last})",
            f"/recommendations/?page={last}",
        )
    page(
        "detail",
        f"Recommendation detail ({timeline} status changes)",
        f"/recommendations/{hot.pk}/",
    )
    page("evidence", "Evidence list", "/evidence/")
    page("evidence_last", "Evidence list, last page (keyset)", "/evidence/?page=last")
    page("evidence_q", "Evidence list, q search", f"/evidence/?q={SEARCH_WORD}")
    page("search", "Search page, one word", f"/search/?q={SEARCH_WORD}")
    page("search_prefix", "Search page, a common prefix", "/search/?q=traff")
    page(
        "search_ten",
        "Search page, ten words",
        "/search/?q=" + "+".join(["prosecute", "traff", "forced", "labor", "victims"] * 2),
    )
    page("dashboard", "Dashboard", "/")
    # The country page and its PDF in turn, so that load from elsewhere falls on both alike: their
    # ratio is a target.
    if wanted("country_summary") and wanted("pdf"):
        results.extend(
            time_interleaved(
                [
                    (client, "country_summary", "Country summary (one year)", summary_url),
                    (client, "pdf", "Country summary PDF", f"{summary_url}?format=pdf"),
                ],
                **slow,
            )
        )
    else:
        page("country_summary", "Country summary (one year)", summary_url, **slow)
        page("pdf", "Country summary PDF", f"{summary_url}?format=pdf", **slow)
    # The same again with another country each run: nothing of the last document is reused
    # (the PDF compiler memoizes what it laid out before, so a repeated PDF is cheaper).
    if wanted("country_summary_other") or wanted("pdf_other"):
        results.extend(time_other_countries(client, year, slow_runs))
    page(
        "all_summary",
        "All-countries summary (one year)",
        f"/summaries/{year}/",
        memory=True,
        **slow,
    )
    # The summary builder on its own, so its share of the summary pages is visible.
    if wanted("builder_country"):
        results.append(
            time_call(
                "builder_country",
                "Summary builder, one country",
                f"build_summary(year={year}, country={slug})",
                lambda: summary_module.build_summary(year=year, country=country, user=reviewer),
                runs=slow_runs,
            )
        )
    if wanted("builder_all"):
        results.append(
            time_call(
                "builder_all",
                "Summary builder, all countries",
                f"build_summary(year={year})",
                lambda: summary_module.build_summary(year=year, user=reviewer),
                runs=slow_runs,
                memory=True,
            )
        )
    # What the all-countries page builds: each country's figures counted, no item listed.
    if wanted("overview_all"):
        results.append(
            time_call(
                "overview_all",
                "Overview builder, all countries",
                f"build_overview(year={year})",
                lambda: overview_module.build_overview(year=year, user=reviewer),
                runs=slow_runs,
                memory=True,
            )
        )
    if wanted("import"):
        results.append(time_import(200, runs=max(2, slow_runs // 2)))

    # The public site, as a visitor who is not signed in sees it: kept until the next
    # publication, so the timed runs after the warm-up are what nearly every visit costs; the
    # "first build" runs forget what was kept before each request, as a new publication does.
    public_slug = generate.public_country(size)
    public_url = f"/public/countries/{public_slug}/"
    visitor = Client()
    if wanted("public_country"):
        results.append(
            time_request(
                visitor,
                "public_country",
                f"Public country page ({public_slug})",
                public_url,
                **fast,
            )
        )
    if wanted("public_front"):
        results.append(time_request(visitor, "public_front", "Public front page", "/", **fast))
    if wanted("public_country_first"):
        results.append(
            time_call(
                "public_country_first",
                "Public country page, first build after a publication",
                public_url,
                lambda: _content(_forget_public_site() or visitor.get(public_url)),
                runs=slow_runs,
            )
        )

    return {
        "size": size_name,
        "backend": connection.vendor,
        "django": django.get_version(),
        "rows": generate.row_counts(),
        "detail_timeline": timeline,
        "pages": [_as_dict(t) for t in results],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the pages of one benchmark database.")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each fast page")
    parser.add_argument("--slow-runs", type=int, default=5, help="timed runs of summaries, PDF")
    parser.add_argument("--only", help="comma-separated page keys to measure (default: all)")
    parser.add_argument("-o", "--output", type=Path, help="write the JSON here")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    only = {key.strip() for key in args.only.split(",")} if args.only else None
    data = measure(args.runs, args.slow_runs, only)
    text = json.dumps(data, indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
