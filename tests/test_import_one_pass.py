"""One lineage pass per country: a batch gives what importing its narratives one by one gives.

The links, kinds, scores, review flags, start statuses, closure, cached statuses, versions and
search documents are compared with the one-by-one import, and pinned as the per-narrative
linking gave them before the one-pass write (the expectations below). The query count of an
import is pinned for 10 and 200 narratives.
"""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.measure import synthetic_narratives
from tests.conftest import NARRATIVES, SEED
from tests.test_import_bulk_writes import snapshot
from tracker import importer, search, services
from tracker.models import Finding, Recommendation, Report

pytestmark = pytest.mark.django_db


def parse(*names: str) -> list[importer.Parsed]:
    return [importer.parse_file(SEED if n == "seed" else NARRATIVES / n) for n in names]


def search_documents() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT kind, title, body FROM tracker_search")
        return sorted(cursor.fetchall())


def history_and_imports(analyst, *, one_by_one: bool) -> None:
    """Import North Korea out of order around an analyst's work: a change, a link by hand.

    2022 comes first; then 2018 (a gap before 2022); then 2020 and 2021 together, which fill
    the gap, relink 2022 past its history and its hand-set link, and carry 2018's change on.
    """

    def run(*names):
        batch = parse(*names)
        if not one_by_one:
            importer.import_batch(batch)
            return
        for index in importer._write_order(batch):
            importer.import_batch([batch[index]])

    run("2022_north-korea.txt", "2021_syria.txt")
    first = Recommendation.objects.get(reference="PRK-2022-01")
    services.recommendation_set_status(
        recommendation=first, status="in_progress", reason="Law passed.", by=analyst
    )
    third = Recommendation.objects.get(reference="PRK-2022-03")
    services.recommendation_set_predecessor(
        recommendation=third, predecessor=None, link_kind="new", by=analyst
    )
    run("2018_north-korea.txt", "2020_syria.txt")
    services.recommendation_set_status(
        recommendation=Recommendation.objects.get(reference="PRK-2018-02"),
        status="implemented",
        reason="Acceded.",
        by=analyst,
        effective_date=datetime.date(2018, 6, 1),
    )
    run("seed", "2020_north-korea.txt", "2022_bahamas.txt")


def test_a_batch_gives_the_rows_links_closure_statuses_and_index_of_one_by_one(analyst):
    with transaction.atomic():
        history_and_imports(analyst, one_by_one=True)
        one_by_one = snapshot(), search_documents()
        transaction.set_rollback(True)
    assert not Report.objects.exists()

    history_and_imports(analyst, one_by_one=False)
    assert (snapshot(), search_documents()) == one_by_one
    assert len(one_by_one[0]) > 150
    assert len(one_by_one[1]) == 187


# As the per-narrative linking (one `link_report` per narrative, each rebuilding the country's
# closure and refreshing its statuses) left them: predecessor, kind, score, status, start
# status, needs review, version.
PINNED = {
    "PRK-2018-01": (None, "", None, "no_action", "no_action", False, 2),
    "PRK-2018-02": (None, "", None, "implemented", "no_action", False, 3),
    "PRK-2018-11": (None, "", None, "no_action", "no_action", False, 2),
    "PRK-2020-01": ("PRK-2018-01", "reworded", 0.6538, "no_action", "no_action", True, 2),
    "PRK-2020-02": ("PRK-2018-02", "reworded", 0.9268, "implemented", "no_action", True, 3),
    "PRK-2020-03": ("PRK-2018-06", "repeated", 1.0, "no_action", "no_action", True, 2),
    "PRK-2020-06": ("PRK-2018-04", "reworded", 0.4444, "no_action", "no_action", True, 2),
    "PRK-2021-01": ("PRK-2020-01", "repeated", 1.0, "no_action", "no_action", True, 2),
    "PRK-2021-02": ("PRK-2020-02", "reworded", 0.9545, "implemented", "no_action", True, 3),
    "PRK-2021-11": ("PRK-2018-11", "repeated", 1.0, "no_action", "no_action", True, 2),
    "PRK-2022-01": ("PRK-2021-01", "reworded", 0.6415, "in_progress", "no_action", False, 6),
    "PRK-2022-02": ("PRK-2021-02", "repeated", 1.0, "implemented", "no_action", True, 6),
    "PRK-2022-03": (None, "new", None, "no_action", "no_action", False, 3),
    "PRK-2022-05": ("PRK-2021-05", "reworded", 0.9333, "no_action", "no_action", True, 5),
    "PRK-2022-08": ("PRK-2021-08", "repeated", 1.0, "no_action", "no_action", True, 5),
}


def test_a_batch_links_as_the_per_narrative_linking_did(analyst):
    history_and_imports(analyst, one_by_one=False)
    found = {
        rec.reference: (
            rec.predecessor.reference if rec.predecessor else None,
            rec.link_kind,
            rec.similarity,
            rec.status,
            rec.initial_status,
            rec.needs_review,
            rec.version,
        )
        for rec in Recommendation.objects.filter(reference__in=PINNED).select_related("predecessor")
    }
    assert found == PINNED
    # The closure follows the links: PRK-2022-02's chain runs back to 2018 across the gap.
    chain = Recommendation.objects.get(reference="PRK-2022-02").ancestor_links.order_by("depth")
    assert [link.ancestor.reference for link in chain] == [
        "PRK-2022-02",
        "PRK-2021-02",
        "PRK-2020-02",
        "PRK-2018-02",
    ]


def import_queries(count: int) -> int:
    batch = [
        importer.parse_bytes(data, name=name) for name, data in synthetic_narratives(count, 2031)
    ]
    with CaptureQueriesContext(connection) as captured:
        outcomes = importer.import_batch(batch)
    assert [o.action for o in outcomes] == ["imported"] * count
    return len(captured)


# Exact, per database: Django gives SQLite statements at most 999 parameters, so its larger
# inserts are split; PostgreSQL sends up to 65,535 parameters a statement (the findings of
# 200 narratives take two). The one query more at 200 is
# the second year of the six countries imported twice (their items link to the first).
# The items' status and their chains' latest effective date are refreshed together, one
# statement per chunk of ids. SQLite reads, turns off and restores the index's merging around
# the write (three queries).
def test_an_import_of_ten_narratives_runs_a_fixed_number_of_queries():
    assert import_queries(10) == {"sqlite": 26, "postgresql": 22}[connection.vendor]


@pytest.mark.slow
def test_an_import_of_two_hundred_narratives_runs_a_fixed_number_of_queries():
    # 194 countries, six of them in two years: one lineage pass per country all the same.
    assert import_queries(200) == {"sqlite": 71, "postgresql": 24}[connection.vendor]


def test_rows_indexed_together_are_found_and_the_pause_ends_with_the_block(seed_report, viewer):
    with search.indexed_together(Finding, report=seed_report):
        Finding.objects.create(
            report=seed_report,
            section="prosecution",
            position=999,
            text="Zebrafinch convictions were recorded.",
        )
        # Inside the block the new row waits to be indexed.
        assert not search.search("zebrafinch", user=viewer)
    hits = [group for group in search.search("zebrafinch", user=viewer) if group.hits]
    assert [len(group.hits) for group in hits] == [1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tracker_search_pause")
        assert cursor.fetchone()[0] == 0
    # Outside the block, an insert is indexed by its trigger as always.
    Finding.objects.create(
        report=seed_report, section="prosecution", position=1000, text="Quokkaville prosecutions."
    )
    assert [g for g in search.search("quokkaville", user=viewer) if g.hits]


def index_state() -> tuple[int, int]:
    """Return the SQLite index's segments and its effective 'automerge' setting."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT segid) FROM tracker_search_idx")
        segments = cursor.fetchone()[0]
        cursor.execute("SELECT v FROM tracker_search_config WHERE k = 'automerge'")
        row = cursor.fetchone()
    return segments, row[0] if row else 4  # FTS5's default


def test_an_import_merges_the_index_after_its_commit_not_during_it(
    django_capture_on_commit_callbacks, viewer
):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's index has no segments to merge")
    before, automerge = index_state()
    with django_capture_on_commit_callbacks() as callbacks:
        for name, data in synthetic_narratives(6, 2031):
            importer.import_batch([importer.parse_bytes(data, name=name)])
    written, setting = index_state()
    # The imports wrote their segments unmerged, and left the setting as they found it.
    assert written >= before + 4
    assert setting == automerge
    for callback in callbacks:
        callback()
    merged, setting = index_state()
    assert merged < written and setting == automerge
    finding = Finding.objects.filter(report__year=2031).first()
    word = max(finding.text.split(), key=len).strip(".,;:()")
    assert Finding.objects.filter(pk__in=search.matching(word, search.Kind.FINDING), pk=finding.pk)


def test_a_failure_inside_the_block_leaves_neither_rows_nor_a_pause(seed_report):
    before = search_documents()
    with (
        pytest.raises(RuntimeError),
        transaction.atomic(),
        search.indexed_together(Finding, report=seed_report),
    ):
        Finding.objects.create(
            report=seed_report, section="prosecution", position=999, text="Zebrafinch."
        )
        raise RuntimeError("stop")
    assert search_documents() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tracker_search_pause")
        assert cursor.fetchone()[0] == 0


def test_a_chain_that_starts_from_another_status_passes_it_to_the_new_years(analyst):
    # A start status other than "no action" (as in data from before history was recorded).
    importer.import_batch(parse("2018_north-korea.txt"))
    Recommendation.objects.filter(reference="PRK-2018-06").update(initial_status="cannot_assess")
    with transaction.atomic():
        for index in importer._write_order(batch := parse("2020_north-korea.txt", "seed")):
            importer.import_batch([batch[index]])
        one_by_one = snapshot()
        transaction.set_rollback(True)
    importer.import_batch(parse("2020_north-korea.txt", "seed"))
    assert snapshot() == one_by_one
    carried = Recommendation.objects.filter(reference__in=["PRK-2020-03", "PRK-2021-03"])
    assert {(r.initial_status, r.status) for r in carried} == {("cannot_assess", "cannot_assess")}


def test_a_block_that_fails_leaves_the_index_merging_as_it_was():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's index has no segments to merge")
    _, automerge = index_state()
    with transaction.atomic():
        with pytest.raises(RuntimeError), search.merging_deferred():
            assert index_state()[1] == 0
            raise RuntimeError("stop")
        # Caught inside the transaction, which goes on: merging is on again all the same.
        assert index_state()[1] == automerge


@pytest.mark.parametrize("count", [2, 20])
def test_checking_a_batch_before_writing_it_takes_one_query(count, django_assert_num_queries):
    batch = [
        importer.parse_bytes(data, name=name) for name, data in synthetic_narratives(count, 2031)
    ]
    importer.import_batch(batch[:1])
    # A whole report read by the worker is checked before anything is written: the country-
    # years already imported are looked up once for the batch, not once per narrative.
    with django_assert_num_queries(1):
        outcomes = importer.import_atomic(batch, dry_run=True)
    assert [o.action for o in outcomes] == ["unchanged"] + ["new"] * (count - 1)
