"""The bench's SQL floor: a page's read queries are recorded with their parameters and replayed."""

import pytest
from django.db import connection
from django.test import Client

from bench import measure, run
from tests.factories import RecommendationFactory


@pytest.mark.django_db
def test_a_pages_reads_are_replayed_and_its_writes_are_not(analyst):
    RecommendationFactory.create_batch(3)
    client = Client()
    client.force_login(analyst)
    assert client.get("/recommendations/").status_code == 200
    # As `measure._prepare` records the counted request (it also closes the connection, as a
    # served request would, which a test transaction cannot span).
    with measure.Recorder(connection) as recorder:
        client.get("/recommendations/")
    timing = measure.Timing("list", "List", "/recommendations/", queries=len(recorder.statements))
    timing.statements = recorder.statements
    assert timing.queries > 3
    reads = measure._reads(timing.statements)
    # Reads only: the list's planner estimate on PostgreSQL is an EXPLAIN, a read too.
    read_verbs = ("SELECT", "WITH", "EXPLAIN")
    assert reads and all(sql.lstrip().upper().startswith(read_verbs) for sql, _ in reads)
    assert any(params for _, params in reads), "the parameters are kept with the statements"

    measure.replay(timing, runs=3)

    assert timing.sql_replayed == len(reads)
    assert len(timing.sql_times_ms) == 3 and timing.sql_median_ms > 0
    assert timing.statements == []
    timing.median_ms = timing.sql_median_ms * 4
    assert timing.server_over_sql == 4.0


@pytest.mark.django_db
def test_a_write_recorded_in_a_block_is_left_out_of_the_replay(analyst):
    with measure.Recorder(connection) as recorder, connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.execute("UPDATE auth_user SET first_name = %s WHERE id = %s", ["x", analyst.pk])
    assert len(recorder.statements) == 2
    assert measure._reads(recorder.statements) == [("SELECT 1", None)]


def _result(median: float, sql: float) -> dict:
    page = {
        "key": "list",
        "available": True,
        "median_ms": median,
        "p95_ms": median,
        "queries": 9,
        "sql_median_ms": sql,
        "note": "",
    }
    rows = dict.fromkeys(
        ["countries", "reports", "recommendations", "evidence", "evidence_links"], 1
    )
    rows.update(status_changes=1, assessments=1)
    return {
        "backend": "sqlite",
        "date": "today",
        "cpu_count": 2,
        "cpus_usable": 2,
        "python": "3.11",
        "runs": 3,
        "slow_runs": 1,
        "total_seconds": 60,
        "sizes": {"S": {"pages": [page], "rows": rows}},
    }


def test_results_show_server_over_sql_and_the_run_before():
    text = run.render({"sqlite": _result(30.0, 5.0)}, {"sqlite": _result(40.0, 5.0)})
    assert "| Recommendation list, no filter | 30.0 / 5.0 (6.0 **) |" in text
    assert "SQLite (S), run before" in text
    assert "| Recommendation list, no filter | 30.0 | 40.0 |" in text


def _pages_result(backend: str, pages: dict[str, tuple[float, float | None]], **extra) -> dict:
    result = _result(1.0, 1.0)
    result["backend"] = backend
    result["sizes"] = {
        "L": {
            "rows": result["sizes"]["S"]["rows"],
            "pages": [
                {
                    "key": key,
                    "available": True,
                    "median_ms": median,
                    "p95_ms": median,
                    "queries": 6,
                    "sql_median_ms": sql,
                    "note": "",
                    **extra.get(key, {}),
                }
                for key, (median, sql) in pages.items()
            ],
        }
    }
    return result


def test_the_speed_targets_are_ratios_within_a_run_and_between_the_two_databases():
    sqlite = _pages_result(
        "sqlite",
        {
            "list": (20.0, 4.0),
            "admin_list": (40.0, None),
            "country_summary": (50.0, None),
            "all_summary": (500.0, None),
            "import": (3000.0, None),
        },
    )
    sqlite["sizes"]["L"]["pages"][-1]["parse_median_ms"] = 1000.0
    sqlite["throughput"] = {"list": {"per_second": 40.0}}
    pg = _pages_result("postgresql", {"list": (30.0, 3.0), "admin_list": (30.0, None)})
    pg["throughput"] = {"list": {"per_second": 30.0}}
    rows = {
        label: (values, limit)
        for label, values, _, limit in run.speed_targets({"sqlite": sqlite, "postgresql": pg})
    }
    assert rows["All-countries summary page ÷ country summary page"][0] == [10.0, None]
    assert rows["Recommendation list, no filter: PostgreSQL ÷ SQLite"][0] == [None, 1.5]
    assert rows["Our list ÷ admin changelist, no filter"][0] == [0.5, 1.0]
    assert rows["Recommendation list, no filter: server ÷ SQL on SQLite"][0] == [5.0, None]
    assert rows["Import of 200 narratives ÷ parsing them alone"][0] == [3.0, None]
    assert rows["Recommendation list under gunicorn, requests/s: PostgreSQL ÷ SQLite"][0] == [
        None,
        0.75,
    ]
    text = "\n".join(run.render_speed_targets({"sqlite": sqlite, "postgresql": pg}))
    assert "| Our list ÷ admin changelist, no filter | 0.50 | 1.00 | ≤ 0.8 | **no** |" in text
    assert (
        "| All-countries summary page ÷ country summary page | 10.00 | – | ≤ 8 | **no** |" in text
    )
    assert (
        "| Recommendation list, no filter: server ÷ SQL on SQLite | 5.00 | – | ≤ 10 | yes |" in text
    )
