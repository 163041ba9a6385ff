"""Show where one page of a benchmark database spends its time: each query, its time, its plan.

    DATABASE_URL=sqlite:///bench/data/bench-L-HASH.sqlite3 python -m bench.explain /evidence/

Signs in as the bench reviewer (or `--as bench-admin`), runs the page once to warm up, once more
to capture its queries, then replays each read to its last row; prints the slowest first, with
the database's plan.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time each query of one page and explain it.")
    parser.add_argument("url")
    parser.add_argument("--as", dest="username", default="bench-reviewer-01")
    parser.add_argument("--top", type=int, default=5, help="explain this many slowest queries")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=args.username))
    client.get(args.url)

    captured: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(capture):
        response = client.get(args.url)
        if response.streaming:
            b"".join(response.streaming_content)
    total = time.perf_counter() - started

    # Replay each read to the last row: a cursor's execute() may return before the rows are
    # computed (SQLite does), so only a full fetch tells what a query costs.
    timed = []
    with connection.cursor() as cursor:
        for sql, params in captured:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = len(cursor.fetchall())
            timed.append((time.perf_counter() - started, sql, params, rows))
    in_db = sum(t for t, *_ in timed)
    print(
        f"{args.url}: HTTP {response.status_code}, {total * 1000:.1f} ms, {len(captured)} "
        f"queries; the reads replayed take {in_db * 1000:.1f} ms"
    )
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    for rank, (seconds, sql, params, rows) in enumerate(sorted(timed, key=lambda t: -t[0])):
        shown = sql[:600] + (" …" if len(sql) > 600 else "")
        print(f"\n{seconds * 1000:8.1f} ms  {rows} rows  {shown}")
        if rank < args.top:
            with connection.cursor() as cursor:
                cursor.execute(prefix + sql, params)
                for row in cursor.fetchall():
                    print("          plan:", " ".join(str(c) for c in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
