"""The shapes of the import's writes: bulk rows as arrays on PostgreSQL, words split alike."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import RecommendationFactory, ReportFactory, StatusChangeFactory
from tracker import bulk, lineage, search
from tracker.models import Finding, Recommendation, SearchEntry

pytestmark = pytest.mark.django_db

FIELDS = ["report", "section", "position", "text"]


def test_bulk_rows_go_as_one_statement_of_one_array_a_column_on_postgresql():
    report = ReportFactory()
    rows = [(report.pk, "prevention", n, f"Row {n}.") for n in range(5)]
    objs = [Finding(report=report, section="protection", position=n, text="x") for n in range(5)]
    with CaptureQueriesContext(connection) as captured:
        bulk.insert_rows(Finding, FIELDS, rows)
        bulk.insert_objects(Finding, objs, FIELDS)
    assert len(captured) == 2
    if connection.vendor == "postgresql":
        # Four parameters, one a column, whatever the number of rows: no VALUES list to parse.
        assert all("unnest(" in query["sql"] for query in captured.captured_queries)
        assert all(" VALUES " not in query["sql"] for query in captured.captured_queries)
    stored = Finding.objects.filter(report=report).order_by("section", "position")
    assert list(stored.values_list("section", "position", "text")) == [
        *(("prevention", n, f"Row {n}.") for n in range(5)),
        *(("protection", n, "x") for n in range(5)),
    ]
    assert [o.pk for o in objs] == list(
        Finding.objects.filter(report=report, section="protection")
        .order_by("position")
        .values_list("pk", flat=True)
    )


SEPARATED = (
    "alpha-beta‐gamma–delta—epsil/zeta.etaa_theta@iota:kappa+lambd#muuu&nuuu=xiii?omic~pii\\rhoo"
)


def test_every_separator_splits_words_in_the_index():
    report = ReportFactory()
    finding = Finding.objects.create(
        report=report, section="prevention", position=1, text=SEPARATED
    )
    words = SEPARATED
    for mark in search._PG_SEPARATORS:
        words = words.replace(mark, " ")
    assert len(words.split()) == len(search._PG_SEPARATORS) + 1
    for word in words.split():
        found = search.matching(word, SearchEntry.Kind.FINDING)
        assert finding.pk in set(found.values_list("source_id", flat=True)), word


def test_each_separator_splits_the_postgresql_document_as_a_space_would():
    report = ReportFactory()
    finding = Finding.objects.create(
        report=report, section="prevention", position=1, text=SEPARATED
    )
    if connection.vendor != "postgresql":
        return  # SQLite's tokenizer splits at every mark by itself
    spaced = SEPARATED
    for mark in search._PG_SEPARATORS:
        spaced = spaced.replace(mark, " ")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tracker_search = setweight(to_tsvector('simple', ''), 'A') "
            "|| setweight(to_tsvector('simple', %s), 'B') FROM tracker_search WHERE rowid = %s",
            [spaced, finding.pk * 8 + SearchEntry.Kind.FINDING],
        )
        assert cursor.fetchone() == (True,)


def test_narrative_texts_are_compressed_with_lz4_on_postgresql():
    if connection.vendor != "postgresql":
        return  # SQLite compresses nothing
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attname, attcompression FROM pg_attribute "
            "WHERE attrelid IN ('tracker_report'::regclass, 'tracker_search'::regclass) "
            "AND attname IN ('source_text', 'sections', 'body', 'tracker_search')"
        )
        assert {(t, c): m for t, c, m in cursor.fetchall()} == {
            ("tracker_report", "source_text"): "l",
            ("tracker_report", "sections"): "l",
            ("tracker_search", "body"): "l",
            ("tracker_search", "tracker_search"): "l",
        }


def test_the_lineage_closure_keeps_no_index_another_repeats():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tracker_lineageancestor")
    indexed = sorted(
        tuple(c["columns"])
        for c in constraints.values()
        if (c["index"] or c["unique"]) and not c["primary_key"] and c["columns"] != ["id"]
    )
    # Each closure row an import writes goes into every one of these.
    assert indexed == [("ancestor_id",), ("recommendation_id", "ancestor_id")]


def test_rows_a_bulk_insert_writes_are_indexed_by_one_statement_on_postgresql():
    report = ReportFactory()
    rows = [(report.pk, "prevention", n, f"Saltmarsh sentence {n}.") for n in range(3)]
    with CaptureQueriesContext(connection) as captured:
        bulk.insert_rows(Finding, FIELDS, rows)
    assert len(captured) == 1
    found = set(search.matching("saltmarsh", SearchEntry.Kind.FINDING).values_list("source_id"))
    assert {pk for (pk,) in found} == set(
        Finding.objects.filter(report=report).values_list("pk", flat=True)
    )
    if connection.vendor != "postgresql":
        return  # SQLite's triggers run in the statement's own step, row by row
    with connection.cursor() as cursor:
        # tgtype bit 0 is FOR EACH ROW, bit 2 INSERT; tgnewtable names the statement's rows.
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'tracker\\_search\\_%' "
            "AND tgtype & 4 = 4 AND (tgtype & 1 = 1 OR tgnewtable IS NULL)"
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgtype & 4 = 4 AND tgname LIKE 'tracker\\_search\\_%\\_insert'"
        )
        assert cursor.fetchone() == (len(search._SOURCES),)


def test_the_status_cache_is_refreshed_in_one_statement_that_counts_the_statuses_changed(
    django_assert_num_queries,
):
    stale, dated, fresh = RecommendationFactory.create_batch(3)
    for rec in (stale, dated):
        StatusChangeFactory(recommendation=rec, new_status=Recommendation.Status.IMPLEMENTED)
    before = dict(Recommendation.objects.values_list("pk", "version"))
    day = Recommendation.objects.get(pk=dated.pk).chain_last_effective
    # A cache gone stale two ways: a status, and a chain's date alone.
    Recommendation.objects.filter(pk=stale.pk).update(status=Recommendation.Status.REGRESSED)
    Recommendation.objects.filter(pk=dated.pk).update(chain_last_effective=None)
    # The ids, then one UPDATE for the chunk (not one for the status and one for the date).
    with django_assert_num_queries(2):
        changed = lineage.refresh_status(Recommendation.objects.all())
    assert changed == 1
    rows = {
        pk: (status, version, last)
        for pk, status, version, last in Recommendation.objects.values_list(
            "pk", "status", "version", "chain_last_effective"
        )
    }
    assert rows[stale.pk][:2] == (Recommendation.Status.IMPLEMENTED, before[stale.pk] + 1)
    assert rows[dated.pk] == (Recommendation.Status.IMPLEMENTED, before[dated.pk], day)
    assert rows[fresh.pk] == (Recommendation.Status.NO_ACTION, before[fresh.pk], None)
    with django_assert_num_queries(2):
        assert lineage.refresh_status(Recommendation.objects.all()) == 0
