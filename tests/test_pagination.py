"""Keyset pages of the recommendation and evidence lists, and the count past the exact limit.

A keyset page starts from a row's place in the list's order, so the Next links give the same
rows as numbered pages, in order, and, unlike numbered pages, neither repeat nor skip a row when
rows are added while someone pages through. Each kind of page takes the same number of queries
however many rows there are.
"""

import datetime
import html
import re

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone, translation

from tests.factories import CountryFactory, ReportFactory, UserFactory
from tests.test_views_evidence import titles
from tests.test_views_recommendations import refs
from tracker import roles
from tracker.models import Evidence, Recommendation
from tracker.pagination import Count

LIST = "/recommendations/"
EVIDENCE = "/evidence/"


def _next(response) -> str | None:
    match = re.search(r'<a href="([^"]*)" rel="next">', response.text)
    return html.unescape(match.group(1)) if match else None


def _previous(response) -> str | None:
    match = re.search(r'<a href="([^"]*)" rel="prev">', response.text)
    return html.unescape(match.group(1)) if match else None


def _make_recommendations(
    countries: int, years=(2021, 2022), per=12, start=0, prefix="Land"
) -> None:
    """Create `countries` × `years` × `per` items in bulk, as the importer does."""
    objs = []
    for c in range(start, start + countries):
        name = f"{prefix} {c:03d}"
        country = CountryFactory(name=name, slug=name.lower().replace(" ", "-"))
        for year in years:
            report = ReportFactory(country=country, year=year)
            objs += [
                Recommendation(
                    report=report,
                    number=n,
                    reference=f"{country.code}-{year}-{n:02d}",
                    text=f"Recommendation {n}",
                    pillar="prosecution",
                    country_name=country.name,
                    report_year=year,
                )
                for n in range(1, per + 1)
            ]
    Recommendation.objects.bulk_create(objs)


def _in_list_order() -> list[str]:
    return list(
        Recommendation.objects.order_by(
            "report__country__name", "-report__year", "number", "pk"
        ).values_list("reference", flat=True)
    )


def _walk(client, path: str, read, *, step=_next, start: str = "") -> list[str]:
    found = []
    url = path + start
    while url:
        response = client.get(url if url.startswith(path) else path + url)
        assert response.status_code == 200
        found += read(response)
        url = step(response)
    return found


def test_keyset_pages_give_the_rows_of_numbered_pages_in_the_same_order(viewer_client):
    _make_recommendations(6)  # 144 rows: three pages
    numbered = []
    for page in (1, 2, 3):
        numbered += refs(viewer_client.get(LIST, {"page": page}))
    by_keyset = _walk(viewer_client, LIST, refs)
    assert by_keyset == numbered == _in_list_order()
    assert len(set(by_keyset)) == 144
    first = viewer_client.get(LIST)
    assert "after=" in _next(first) and "Page 1 of 3" in first.text


def test_the_last_page_and_previous_links_walk_the_list_backwards(viewer_client):
    _make_recommendations(6)
    last = viewer_client.get(LIST, {"page": "last"})
    # The last page holds the last fifty rows, whatever the numbered pages hold.
    assert refs(last) == _in_list_order()[-50:]
    assert _next(last) is None
    backwards = []
    url = "?page=last"
    while url:
        response = viewer_client.get(LIST + url)
        backwards = refs(response) + backwards
        url = _previous(response)
    assert backwards == _in_list_order()


def test_keyset_pages_keep_the_filters(viewer_client):
    _make_recommendations(6)
    Recommendation.objects.filter(number__gt=6).update(pillar="prevention")
    found = _walk(viewer_client, LIST, refs, start="?pillar=prevention")
    assert len(found) == 72
    assert all(int(ref.rsplit("-", 1)[1]) > 6 for ref in found)


def test_a_keyset_walk_neither_repeats_nor_skips_a_row_while_rows_are_added(viewer_client):
    _make_recommendations(6)
    before = set(_in_list_order())
    found, url, added = [], "", 0
    while url is not None:
        response = viewer_client.get(LIST + url)
        found += refs(response)
        url = _next(response)
        # New countries sort before every row (already passed) and after the current one.
        _make_recommendations(1, years=(2023,), per=3, start=added, prefix="Aland")
        _make_recommendations(1, years=(2023,), per=3, start=added, prefix="Zland")
        added += 1
    assert len(found) == len(set(found)), "a row was shown twice"
    assert before <= set(found), "a row that existed all along was skipped"
    assert found == [ref for ref in _in_list_order() if ref in set(found)]


def test_numbered_pages_would_repeat_rows_when_rows_are_added_before_them(viewer_client):
    # What the keyset pages avoid: with OFFSET, rows added ahead push rows onto the next page.
    _make_recommendations(6, start=100)
    first = refs(viewer_client.get(LIST, {"page": 1}))
    _make_recommendations(1, per=5, years=(2022,), start=0)
    second = refs(viewer_client.get(LIST, {"page": 2}))
    assert set(first) & set(second)


def test_a_cursor_that_is_not_in_the_list_gives_the_first_page(viewer_client):
    _make_recommendations(6)
    assert refs(viewer_client.get(LIST, {"after": "999999"})) == _in_list_order()[:50]


@pytest.mark.parametrize("cursor", [{"after": "x; drop"}, {"before": "²"}, {"after": "-4"}])
def test_a_cursor_that_is_no_id_is_refused_with_a_message(viewer_client, cursor):
    _make_recommendations(2)
    response = viewer_client.get(LIST, cursor)
    assert response.status_code == 400
    assert f"“{next(iter(cursor))}” must be a whole number" in response.content.decode()


# On PostgreSQL a list also asks the planner for its estimate of the count, whatever the count,
# in the statement that reads the page: no query more than on SQLite.
POSTGRESQL = connection.vendor == "postgresql"
# Session, user (with the unread count), permissions with the groups (one query), the count
# with the page's keys (one statement), its rows, the year, owner and country menus (one
# union); a keyset page also reads its cursor's row.
LIST_QUERIES = {"first": 6, "after": 7, "before": 7, "last": 6}


@pytest.mark.parametrize("countries", [5, 40])
@pytest.mark.parametrize("kind", ["first", "after", "before", "last"])
def test_each_kind_of_list_page_takes_the_same_queries_at_any_size(
    analyst_client, django_assert_num_queries, countries, kind
):
    _make_recommendations(countries)
    middle = Recommendation.objects.order_by("country_name", "-report_year", "number", "pk")
    cursor = middle.values_list("pk", flat=True)[60]
    params = {"first": {}, "after": {"after": cursor}, "before": {"before": cursor}}
    params["last"] = {"page": "last"}
    with django_assert_num_queries(LIST_QUERIES[kind]):
        response = analyst_client.get(LIST, params[kind])
    assert len(refs(response)) == 50


def _make_evidence(count: int, *, ties=True) -> None:
    author = UserFactory(username="author", role=roles.ANALYST)
    report = ReportFactory()
    rec = Recommendation.objects.create(
        report=report, number=1, reference="EVD-2021-01", text="x", pillar="prosecution"
    )
    moment = timezone.now() - datetime.timedelta(days=1)
    items = Evidence.objects.bulk_create(
        Evidence(
            title=f"Item {n:04d}",
            source_type=Evidence.SourceType.MEDIA,
            direction=Evidence.Direction.NO_CHANGE,
            sensitivity="public",
            logged_by=author,
            # Groups of five share a time: the order falls back on the id within each.
            logged_at=moment + datetime.timedelta(seconds=n // 5 if ties else n),
        )
        for n in range(count)
    )
    through = Evidence.recommendations.through
    through.objects.bulk_create(through(evidence_id=e.pk, recommendation_id=rec.pk) for e in items)


def test_evidence_keyset_pages_match_numbered_pages_newest_first(viewer_client):
    _make_evidence(130)
    numbered = []
    for page in (1, 2, 3):
        numbered += titles(viewer_client.get(EVIDENCE, {"page": page}))
    expected = list(Evidence.objects.order_by("-logged_at", "-pk").values_list("title", flat=True))
    assert _walk(viewer_client, EVIDENCE, titles) == numbered == expected
    last = viewer_client.get(EVIDENCE, {"page": "last"})
    assert titles(last) == expected[-50:]


# Session, user (with the unread count), permissions with the groups, the count with the page
# (one statement), its recommendations, the year and country menus (one union); a keyset
# page also reads its cursor's row.
EVIDENCE_QUERIES = {"first": 6, "after": 7, "last": 6}


@pytest.mark.parametrize("count", [60, 600])
@pytest.mark.parametrize("kind", ["first", "after", "last"])
def test_each_kind_of_evidence_page_takes_the_same_queries_at_any_size(
    viewer_client, django_assert_num_queries, count, kind
):
    _make_evidence(count)
    cursor = Evidence.objects.order_by("-logged_at", "-pk").values_list("public_id", flat=True)[5]
    params = {"first": {}, "after": {"after": cursor}, "last": {"page": "last"}}[kind]
    with django_assert_num_queries(EVIDENCE_QUERIES[kind]):
        response = viewer_client.get(EVIDENCE, params)
    assert len(titles(response)) == 50


def test_past_the_exact_limit_postgresql_shows_an_estimate(viewer_client, settings):
    _make_recommendations(1, years=(2021,), per=2, prefix="Early")
    if connection.vendor == "postgresql":
        # Statistics of a nearly empty table: the planner will underestimate what follows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tracker_recommendation")
    _make_recommendations(3)
    Recommendation.objects.filter(country_name="Early 000").delete()
    exact = viewer_client.get(LIST)
    assert "<strong>72</strong> recommendations match" in exact.text
    settings.LIST_EXACT_COUNT_LIMIT = 20
    response = viewer_client.get(LIST)
    count = response.context["count"]
    if connection.vendor == "postgresql":
        # The planner guesses fewer than were counted: the page says only what it knows.
        assert not count.exact and count.value > 20
        assert str(count) == "more than 20"
        assert "<strong>more than 20</strong>" in response.text
        assert "Page 1 of" not in response.text
        # However far off the estimate, the pages still reach every row.
        assert _walk(viewer_client, LIST, refs) == _in_list_order()
        by_number = viewer_client.get(LIST, {"sort": "reference"})
        assert _next(by_number) == "?sort=reference&page=2"
    else:
        # SQLite has no planner estimate to offer: it counts.
        assert count.exact and count.value == 72
        assert "<strong>72</strong>" in response.text


def test_the_sort_copies_follow_the_importer_and_a_renamed_country(fixture_narratives):
    assert Recommendation.objects.count() > 50
    assert not Recommendation.objects.exclude(country_name=F("report__country__name")).exists()
    assert not Recommendation.objects.exclude(report_year=F("report__year")).exists()
    country = next(iter(fixture_narratives.values())).country
    country.name = "Renamed Land"
    country.save()
    assert set(
        Recommendation.objects.filter(report__country=country).values_list(
            "country_name", flat=True
        )
    ) == {"Renamed Land"}


@pytest.mark.parametrize("limit", [10_000, 20])
def test_a_list_takes_the_same_queries_under_and_past_the_exact_count_limit(
    analyst_client, django_assert_num_queries, settings, limit
):
    # 72 rows: counted exactly under the first limit, estimated (on PostgreSQL) past the second.
    _make_recommendations(3)
    settings.LIST_EXACT_COUNT_LIMIT = limit
    with django_assert_num_queries(LIST_QUERIES["first"]):
        response = analyst_client.get(LIST)
    assert response.context["count"].exact is (limit > 72 or not POSTGRESQL)


@pytest.mark.skipif(not POSTGRESQL, reason="the planner's estimate is asked on PostgreSQL only")
@pytest.mark.parametrize("limit, estimates", [(10_000, 0), (20, 1)])
def test_the_planner_is_asked_for_its_estimate_only_past_the_exact_count_limit(
    analyst_client, settings, limit, estimates
):
    # Asking costs a plan of the whole list: a page whose rows were counted under the limit
    # does without. The calls are read from this transaction's own function statistics.
    _make_recommendations(3)
    settings.LIST_EXACT_COUNT_LIMIT = limit
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL track_functions = 'pl'")
        response = analyst_client.get(LIST)
        cursor.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions "
            "WHERE funcname = 'tracker_row_estimate'"
        )
        assert cursor.fetchone()[0] == estimates
    count = response.context["count"]
    assert count.exact is (estimates == 0)
    # Past the limit, the planner's guess (not 72 here), never below the limit.
    assert count == 72 if estimates == 0 else count.value > limit


def test_an_estimate_says_about_and_a_count_past_the_limit_says_more_than():
    assert str(Count(72)) == "72"
    assert str(Count(36_412, exact=False)) == "about 36,000"
    assert str(Count(10_001, exact=False, past=10_000)) == "more than 10,000"
    with translation.override("fr"):
        assert str(Count(10_001, exact=False, past=10_000)).startswith("plus de 10")
