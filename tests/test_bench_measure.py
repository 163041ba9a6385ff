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
