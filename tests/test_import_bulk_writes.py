"""The bulk write of a batch gives the same rows as importing its narratives one by one."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.conftest import NARRATIVES, SEED
from tracker import importer
from tracker.models import LineageAncestor, Recommendation, Report, TierPlacement

pytestmark = pytest.mark.django_db

# Three countries of one year each, and North Korea in two years (written year by year).
FILES = [
    NARRATIVES / "2021_syria.txt",
    NARRATIVES / "2021_guinea-bissau.txt",
    NARRATIVES / "2022_bahamas.txt",
    NARRATIVES / "2020_north-korea.txt",
    SEED,
]


def batch() -> list[importer.Parsed]:
    return [importer.parse_file(path) for path in FILES]


def snapshot() -> list[tuple]:
    rows = []
    for report in Report.objects.select_related("country").order_by("country__code", "year"):
        rows.append(
            (
                report.country.name,
                report.year,
                report.tier,
                report.period_start,
                report.period_end,
                report.follow_up_start,
                report.follow_up_end,
                report.source_name,
                report.source_sha256,
                tuple(report.parse_warnings),
            )
        )
    for rec in Recommendation.objects.select_related("predecessor").order_by("reference"):
        rows.append(
            (
                rec.reference,
                rec.text,
                rec.pillar,
                rec.status,
                rec.initial_status,
                rec.needs_review,
                rec.link_kind,
                rec.similarity,
                rec.version,
                rec.predecessor.reference if rec.predecessor else None,
                tuple(sorted(rec.findings.values_list("text", flat=True))),
            )
        )
    rows.extend(
        LineageAncestor.objects.order_by(
            "recommendation__reference", "depth", "ancestor__reference"
        ).values_list("recommendation__reference", "ancestor__reference", "depth")
    )
    rows.extend(
        TierPlacement.objects.order_by("country__code", "year").values_list(
            "country__code", "year", "tier", "source", "source_name"
        )
    )
    return rows


def test_the_bulk_write_gives_the_same_rows_as_one_by_one():
    with transaction.atomic():
        outcomes = importer.import_batch(batch())
        assert [o.action for o in outcomes] == ["imported"] * len(FILES)
        bulk = snapshot()
        transaction.set_rollback(True)
    assert not Report.objects.exists()

    outcomes = importer.import_each(batch())
    assert [o.action for o in outcomes] == ["imported"] * len(FILES)
    assert snapshot() == bulk
    assert len(bulk) > 40


def test_the_bulk_write_issues_one_insert_per_table():
    one_year = batch()[:3]  # three countries, one narrative each
    with CaptureQueriesContext(connection) as captured:
        importer.import_batch(one_year)
    # A statement run for many rows is logged once, as "N times: INSERT …".
    statements = [re.sub(r"^\d+ times: ", "", q["sql"]) for q in captured.captured_queries]
    tables = [
        sql.split("(")[0].split()[-1].strip('"') for sql in statements if sql.startswith("INSERT")
    ]
    for table in (
        "tracker_report",
        "tracker_recommendation",
        "tracker_finding",
        "tracker_recommendation_findings",
        "tracker_lineageancestor",
    ):
        assert tables.count(table) == 1, table


def test_more_rows_than_one_statement_may_carry_are_split_across_statements():
    from tests.factories import ReportFactory
    from tracker import bulk
    from tracker.models import Finding

    report = ReportFactory()
    # Four values a row: one row more than fits the statement's parameters on either database.
    count = bulk._rows_per_statement(4) + 1
    findings = [
        Finding(report=report, section="protection", position=n, text=f"Finding {n}.")
        for n in range(count)
    ]
    with CaptureQueriesContext(connection) as captured:
        bulk.insert_objects(Finding, findings)
    assert len(captured) == 2
    assert len({f.pk for f in findings}) == count and None not in {f.pk for f in findings}
    stored = dict(Finding.objects.filter(report=report).values_list("pk", "position"))
    assert stored == {f.pk: f.position for f in findings}
    rows = [(report.pk, "prevention", n, "x") for n in range(count)]
    bulk.insert_rows(Finding, ["report", "section", "position", "text"], rows)
    assert Finding.objects.filter(report=report, section="prevention").count() == count
