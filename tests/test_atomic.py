"""A failure in the middle of an import, a status change, a review or a restore changes nothing.

Failures are injected by the database itself: a trigger that raises once a table has received a
given number of rows (or on any update), so the write fails half-way through, as a full disk or a
lost connection would. Each test compares a dump of every row of every table before and after.
"""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from reports import services as report_services
from tests.conftest import NARRATIVES, SEED
from tracker import backup, importer, services
from tracker.models import Assessment, Evidence, Recommendation, Report, StatusChange

pytestmark = pytest.mark.django_db


def database_dump() -> dict[str, list[tuple]]:
    """Return every row of every table in the database, in a stable order."""
    dump = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f'SELECT * FROM "{table}"')
            dump[table] = sorted((tuple(row) for row in cursor.fetchall()), key=repr)
    return dump


def fail_on_insert(table: str, *, after: int) -> None:
    """Make the database refuse the insert that would take `table` past `after` more rows."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        limit = cursor.fetchone()[0] + after
        _create_trigger(cursor, table, "INSERT", f'(SELECT COUNT(*) FROM "{table}") >= {limit}')


def fail_on_update(table: str) -> None:
    """Make the database refuse any update of `table`."""
    with connection.cursor() as cursor:
        _create_trigger(cursor, table, "UPDATE", "1 = 1")


def _create_trigger(cursor, table: str, event: str, condition: str) -> None:
    name = f"inject_failure_{table}_{event.lower()}"
    if connection.vendor == "sqlite":
        cursor.execute(
            f'CREATE TRIGGER {name} BEFORE {event} ON "{table}" WHEN {condition} '
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    elif connection.vendor == "postgresql":
        cursor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
            f"IF {condition} THEN RAISE EXCEPTION 'injected failure'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            f'CREATE TRIGGER {name} BEFORE {event} ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {name}()"
        )
    else:
        pytest.skip(f"no failure injection for {connection.vendor}")


def _seed_batch() -> list[importer.Parsed]:
    return [
        importer.parse_file(NARRATIVES / "2020_north-korea.txt"),
        importer.parse_file(SEED),
    ]


def test_the_trigger_really_fails_a_write_half_way(analyst):
    # Guard for the tests below: the injected failure fires in the middle of a bulk insert.
    fail_on_insert("tracker_recommendation", after=3)
    batch = [importer.parse_file(SEED)]
    with pytest.raises(DatabaseError, match="injected failure"):
        importer.report_create(parsed=batch[0])


def test_a_failure_mid_import_leaves_the_database_as_before(analyst):
    batch = _seed_batch()
    first_file_recommendations = len(batch[0].narrative.recommendations)
    before = database_dump()
    # Fail in the second narrative, after the first one and some of its own rows are written.
    fail_on_insert("tracker_recommendation", after=first_file_recommendations + 4)
    with pytest.raises(DatabaseError, match="injected failure"):
        importer.import_batch(batch, by=analyst)
    assert database_dump() == before


def test_a_failure_mid_atomic_import_leaves_the_database_as_before(analyst):
    batch = _seed_batch()
    before = database_dump()
    fail_on_insert("tracker_finding", after=len(batch[0].narrative.findings) + 2)
    with pytest.raises(DatabaseError, match="injected failure"):
        importer.import_atomic(list(batch), by=analyst)
    assert database_dump() == before


def test_a_failure_mid_file_by_file_import_keeps_only_the_completed_files(analyst):
    batch = _seed_batch()
    fail_on_insert("tracker_recommendation", after=len(batch[0].narrative.recommendations) + 4)
    with pytest.raises(DatabaseError, match="injected failure"):
        importer.import_each(list(batch), by=analyst)
    # The earlier year is written first and completed; nothing of the failed file remains.
    assert list(Report.objects.values_list("year", flat=True)) == [2020]
    assert Recommendation.objects.count() == len(batch[0].narrative.recommendations)
    assert not Recommendation.objects.filter(report__year=2021).exists()


def test_a_failure_mid_status_change_leaves_the_database_as_before(seed_report, analyst):
    recommendation = seed_report.recommendations.get(number=1)
    evidence = services.evidence_log(
        by=analyst,
        title="Rapporteur report",
        source_type=Evidence.SourceType.UN,
        direction=Evidence.Direction.NO_CHANGE,
        recommendations=[recommendation],
    )
    before = database_dump()
    # The history row and its citation are written; updating the current status then fails.
    fail_on_update("tracker_recommendation")
    with pytest.raises(DatabaseError, match="injected failure"):
        services.recommendation_set_status(
            recommendation=recommendation,
            status=Recommendation.Status.IN_PROGRESS,
            reason="The rapporteur reports a first step.",
            by=analyst,
            evidence=[evidence],
            expected_version=recommendation.version,
        )
    assert database_dump() == before
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.NO_ACTION
    assert not StatusChange.objects.exists()


def test_a_failure_while_citing_evidence_leaves_no_history_row(seed_report, analyst):
    recommendation = seed_report.recommendations.get(number=2)
    evidence = [
        services.evidence_log(
            by=analyst,
            title=f"Source {n}",
            source_type=Evidence.SourceType.NGO,
            direction=Evidence.Direction.NO_CHANGE,
            recommendations=[recommendation],
        )
        for n in range(3)
    ]
    before = database_dump()
    fail_on_insert("tracker_statuschange_evidence", after=1)
    with pytest.raises(DatabaseError, match="injected failure"):
        services.recommendation_set_status(
            recommendation=recommendation,
            status=Recommendation.Status.REGRESSED,
            reason="Three sources report forced returns.",
            by=analyst,
            evidence=evidence,
        )
    assert database_dump() == before


def test_a_failure_mid_evidence_log_leaves_the_database_as_before(seed_report, analyst):
    recommendations = list(seed_report.recommendations.all())
    before = database_dump()
    fail_on_insert("tracker_evidence_recommendations", after=2)
    with pytest.raises(DatabaseError, match="injected failure"):
        services.evidence_log(
            by=analyst,
            title="Bears on everything",
            source_type=Evidence.SourceType.MEDIA,
            direction=Evidence.Direction.REGRESSION,
            recommendations=recommendations,
        )
    assert database_dump() == before


def test_a_failed_evidence_log_leaves_no_orphan_file(seed_report, analyst, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    fail_on_insert("tracker_evidence_recommendations", after=0)
    with pytest.raises(DatabaseError, match="injected failure"):
        services.evidence_log(
            by=analyst,
            title="Upload that fails",
            source_type=Evidence.SourceType.UN,
            direction=Evidence.Direction.NO_CHANGE,
            recommendations=[seed_report.recommendations.first()],
            file=SimpleUploadedFile("report.pdf", b"%PDF-1.4 bytes"),
            file_type="application/pdf",
        )
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == []


def test_a_failure_mid_approval_leaves_the_assessment_submitted(seed_report, analyst, reviewer):
    assessment = services.assessment_draft(
        recommendation=seed_report.recommendations.get(number=1),
        year=2021,
        by=analyst,
        rating=Assessment.Rating.NO_PROGRESS,
        confidence=Assessment.Confidence.MODERATE,
    )
    assessment = services.assessment_submit(assessment=assessment, by=analyst)
    before = database_dump()
    # The state is updated first; recording the review event then fails.
    fail_on_insert("tracker_assessmentevent", after=0)
    with pytest.raises(DatabaseError, match="injected failure"):
        services.assessment_approve(assessment=assessment, by=reviewer, note="Agreed.")
    assert database_dump() == before
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED


def test_a_failure_mid_restore_leaves_the_database_empty(seed_report, analyst, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    recommendation = seed_report.recommendations.get(number=1)
    for status in (Recommendation.Status.IN_PROGRESS, Recommendation.Status.REGRESSED):
        services.recommendation_set_status(
            recommendation=recommendation,
            status=status,
            reason="Reported by two sources.",
            by=analyst,
            effective_date=datetime.date(2022, 1, 1)
            if status == Recommendation.Status.IN_PROGRESS
            else None,
        )
    services.evidence_log(
        by=analyst,
        title="Uploaded testimony",
        source_type=Evidence.SourceType.TESTIMONY,
        direction=Evidence.Direction.REGRESSION,
        recommendations=[recommendation],
        file=SimpleUploadedFile("testimony.pdf", b"%PDF-1.4 testimony"),
        file_type="application/pdf",
    )
    path = tmp_path / "backup.zip"
    backup.create_backup(path)
    with connection.cursor() as cursor:
        for model in reversed(backup.backed_up_models()):
            for m2m in model._meta.many_to_many:
                cursor.execute(f"DELETE FROM {m2m.remote_field.through._meta.db_table}")
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute("DELETE FROM auth_user_groups")
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    before = database_dump()
    fail_on_insert("tracker_statuschange", after=1)
    with pytest.raises(DatabaseError, match="injected failure"):
        backup.restore_backup(path)
    assert database_dump() == before
    assert backup.database_is_empty()
    restored = tmp_path / "restored-media"
    assert not restored.exists() or not [p for p in restored.rglob("*") if p.is_file()]


def test_the_dump_sees_a_single_changed_row(seed_report):
    # Guard: the comparison is sensitive enough to notice one changed value.
    before = database_dump()
    Recommendation.objects.filter(number=3).update(text="Changed.")
    assert database_dump() != before


def test_a_failure_mid_publication_leaves_the_database_as_before(seed_report, analyst, reviewer):
    services.recommendation_set_status(
        recommendation=seed_report.recommendations.get(number=1),
        status=Recommendation.Status.CANNOT_ASSESS,
        reason="No reliable information.",
        by=analyst,
        effective_date=datetime.date(2022, 3, 1),
    )
    report_services.summary_publish(year=2021, country=seed_report.country, by=reviewer)
    services.recommendation_set_status(
        recommendation=seed_report.recommendations.get(number=2),
        status=Recommendation.Status.REGRESSED,
        reason="Forced returns resumed.",
        by=analyst,
        effective_date=datetime.date(2022, 3, 2),
    )
    before = database_dump()
    fail_on_insert("tracker_summary", after=0)
    with pytest.raises(DatabaseError, match="injected failure"):
        report_services.summary_publish(year=2021, country=seed_report.country, by=reviewer)
    assert database_dump() == before
