"""The recommendation list's `q` search: what it matches, and the shape of its query.

A recommendation matches when its own document does, or when its country's does. The list asks
for both in one `IN` over a union rather than an OR of two subqueries (PostgreSQL cannot join an
OR of subqueries, so it tested both against every recommendation, for the count and the page);
these tests hold the new shape to the old one's results on whichever database the suite runs on.
"""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from tests.factories import CountryFactory, RecommendationFactory, ReportFactory
from tracker import search
from tracker.models import Recommendation, SearchEntry

Kind = SearchEntry.Kind
LIST = "/recommendations/"


@pytest.fixture
def searched(db):
    """Three countries, one named for a word the texts also hold, two years of items each."""
    ruritania = CountryFactory(name="Ruritania", slug="ruritania", code="RUR", aliases=["Garnland"])
    others = [CountryFactory(name=f"Elsewhere {n}", slug=f"elsewhere-{n}") for n in range(2)]
    texts = [
        "Garnish the wages of convicted traffickers to compensate victims.",
        "Prosecute forced labour cases and convict officials complicit in them.",
        "Screen migrants for indicators of trafficking before deportation.",
    ]
    for country in [ruritania, *others]:
        for year in (2021, 2022):
            report = ReportFactory(country=country, year=year)
            for number, text in enumerate(texts, start=1):
                RecommendationFactory(report=report, number=number, text=text)


def _or_of_both(value: str) -> set[int]:
    """Return what the list's search matched before: an OR of the two searches' subqueries."""
    return set(
        Recommendation.objects.filter(
            Q(pk__in=search.matching(value, Kind.RECOMMENDATION))
            | Q(report__country__in=search.matching(value, Kind.COUNTRY))
        ).values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "value", ["garnish", "ruritania", "garnland", "prosecute labour", "garn", "rur"]
)
def test_the_list_search_matches_what_the_or_of_both_searches_matched(
    analyst_client, searched, value
):
    expected = _or_of_both(value)
    assert expected  # every value matches something, by a text, a country or both
    response = analyst_client.get(LIST, {"q": value, "per_page": "200"})
    assert response.status_code == 200
    assert {rec.pk for rec in response.context["page_obj"]} == expected
    assert response.context["count"] == len(expected)


# Every word must match one document: a country's name and a word of its items' texts do not.
@pytest.mark.parametrize("value", ["zanzibar", "ruritania garnish"])
def test_a_search_that_matches_nothing_lists_nothing(analyst_client, searched, value):
    assert not _or_of_both(value)
    response = analyst_client.get(LIST, {"q": value})
    assert list(response.context["page_obj"]) == []
    assert response.context["count"] == 0


def test_an_item_matched_both_ways_is_listed_once(analyst_client, searched):
    # Ruritania's "garnish" items match by their text and, through "garn", by the country's alias.
    response = analyst_client.get(LIST, {"q": "garn", "per_page": "200"})
    listed = [rec.pk for rec in response.context["page_obj"]]
    assert len(listed) == len(set(listed)) == response.context["count"].value
    both = Recommendation.objects.filter(report__country__slug="ruritania", text__startswith="Garn")
    assert set(both.values_list("pk", flat=True)) <= set(listed)


def test_the_list_search_is_one_in_over_a_union_not_an_or_of_subqueries(analyst_client, searched):
    with CaptureQueriesContext(connection) as queries:
        analyst_client.get(LIST, {"q": "garnish"})
    (keys,) = [q["sql"] for q in queries.captured_queries if "matched_rows" in q["sql"]]
    assert "UNION ALL" in keys
    assert '"tracker_report"."country_id" IN' not in keys


def test_each_entry_reads_the_same_kind_and_row_by_its_columns_as_by_its_row_id(searched):
    # On PostgreSQL the searches filter on the index's kind and object columns (the planner has
    # statistics on them); SQLite's FTS5 table reads both from the row id. They must agree.
    rows = list(search._entries().values_list("id", "kind_code", "source_id"))
    assert rows
    assert all(kind == rowid % 8 and source == rowid // 8 for rowid, kind, source in rows)
    if connection.vendor == "postgresql":
        sql = str(search.matching("garnish", Kind.RECOMMENDATION).query)
        assert '"kind" = 1' in sql and '"object_id"' in sql
