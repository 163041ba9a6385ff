"""Country pages and the comparison: login, fixed query counts, content."""

import datetime
import json

import pytest
from django.urls import reverse

from tests.conftest import ROOT
from tests.factories import (
    CountryFactory,
    EvidenceFactory,
    RecommendationFactory,
    ReportFactory,
    UserFactory,
)
from tracker import importer, services, tiers
from tracker.models import Evidence, Recommendation, TierPlacement

FIXTURES = ROOT / "fixtures"


def import_north_korea():
    entries = json.loads((FIXTURES / "index.json").read_text(encoding="utf-8"))["narratives"]
    batch = [
        importer.parse_file(FIXTURES / e["file"], year=e.get("year"))
        for e in entries
        if "north-korea" in e["file"]
    ]
    importer.import_batch(batch)


@pytest.fixture
def north_korea(db):
    import_north_korea()
    tiers.load_table(FIXTURES / "tiers" / "tiers_2001-2015_heiss-kelley.csv")
    return Recommendation.objects.get(reference="PRK-2021-01").report.country


def grow(country, years, per_year, analyst):
    """Add `years` narratives of `per_year` recommendations, each with evidence, to `country`."""
    for year in years:
        report = ReportFactory(country=country, year=year)
        recs = [RecommendationFactory(report=report, number=n) for n in range(1, per_year + 1)]
        EvidenceFactory(recommendations=recs, logged_by=analyst)
        TierPlacement.objects.update_or_create(
            country=country, year=year, defaults={"tier": "tier_2", "source": "table"}
        )


# ---- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["country_list", "compare"])
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_anonymous_is_sent_to_login_from_a_country_page(client, north_korea):
    response = client.get(reverse("country_detail", args=[north_korea.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_user_with_no_role_gets_403(client, north_korea):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("country_detail", args=[north_korea.slug])).status_code == 403
    assert client.get(reverse("compare")).status_code == 403


def test_an_unknown_country_is_404(viewer_client, db):
    assert viewer_client.get(reverse("country_detail", args=["atlantis"])).status_code == 404


# ---- Country page ------------------------------------------------------------------------------


def test_the_country_page_shows_the_tier_timeline_from_2001_with_a_table(
    viewer_client, north_korea
):
    response = viewer_client.get(reverse("country_detail", args=[north_korea.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg viewBox="0 0' in html and 'role="img"' in html
    assert "Tier placements of North Korea, 2001 to" in html
    # The table behind the chart: 2001 (not ranked), 2010 (table), 2021 (narrative).
    assert '<th scope="row">2001</th><td><span class="muted">No tier on record' in html
    assert "<title>2010: Tier 3 (tier table)</title>" in html
    assert "<title>2021: Tier 3 (narrative)</title>" in html


def test_the_grid_follows_lineage_and_marks_dropped_items(viewer_client, north_korea):
    html = viewer_client.get(reverse("country_detail", args=[north_korea.slug])).content.decode()
    grid = html[html.index('class="table compact lineage-grid"') :]
    rows = grid.split("<tr>")[2:]
    # One row follows "End the practice of summary executions..." from 2018 to 2022.
    executions = next(row for row in rows if "PRK-2022-02" in row)
    for ref in ("PRK-2018-02", "PRK-2020-02", "PRK-2021-02", "PRK-2022-02"):
        assert ref in executions
    # "Accede to the 2000 UN TIP Protocol": 2018 #11, absent from the cut-off 2020 list (dropped
    # there), taken up again in 2021 (linked past the gap), dropped again from the 2022 list.
    accede = next(row for row in rows if "PRK-2021-11" in row)
    assert "PRK-2018-11" in accede and ">repeated<" in accede
    cells = accede.split("<td")[1:]
    assert ["Dropped" in cell for cell in cells] == [False, True, False, True]
    # Columns: the four imported years, with links to each narrative and summary.
    for year in (2018, 2020, 2021, 2022):
        assert f"/summaries/{year}/{north_korea.slug}/" in html
    assert (
        reverse(
            "report_detail", args=[Recommendation.objects.get(reference="PRK-2021-01").report_id]
        )
        in html
    )


def test_evidence_counts_per_year_leave_out_restricted_evidence_a_viewer_cannot_see(
    viewer_client, reviewer_client, north_korea, analyst
):
    rec = Recommendation.objects.get(reference="PRK-2021-03")
    EvidenceFactory(recommendations=[rec], logged_by=analyst)
    EvidenceFactory(
        recommendations=[rec], logged_by=analyst, sensitivity=Evidence.Sensitivity.RESTRICTED
    )
    url = reverse("country_detail", args=[north_korea.slug])

    def count_2021(client):
        data = client.get(url).context["data"]
        return next(y.evidence for y in data.years if y.year == 2021)

    assert count_2021(viewer_client) == 1
    assert count_2021(reviewer_client) == 2


def test_a_carried_over_status_shows_needs_review_in_the_grid(viewer_client, north_korea, analyst):
    rec = Recommendation.objects.get(reference="PRK-2022-03")
    services.recommendation_set_status(
        recommendation=rec,
        status="cannot_assess",
        reason="No access.",
        by=analyst,
        effective_date=datetime.date(2022, 9, 1),
    )
    html = viewer_client.get(reverse("country_detail", args=[north_korea.slug])).content.decode()
    assert "status-cannot_assess" in html
    assert "needs review" in html  # the 2022 items still carry 2021's status unconfirmed


def test_the_country_page_runs_the_same_queries_with_few_and_many_rows(
    viewer_client, analyst, django_assert_num_queries
):
    small, large = CountryFactory(), CountryFactory()
    grow(small, [2020], 2, analyst)
    grow(large, range(2005, 2025), 12, analyst)

    def queries(country):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = viewer_client.get(reverse("country_detail", args=[country.slug]))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    assert queries(small) == queries(large)
    with django_assert_num_queries(queries(small)):
        viewer_client.get(reverse("country_detail", args=[large.slug]))


def test_the_country_index_lists_latest_tiers_in_fixed_queries(viewer_client, north_korea):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        viewer_client.get(reverse("country_list"))
    tiers.load_table(FIXTURES / "tiers" / "tiers_2021_all_discerning-islam.csv")
    with CaptureQueriesContext(connection) as many:
        response = viewer_client.get(reverse("country_list"))
    assert len(few.captured_queries) == len(many.captured_queries)
    html = response.content.decode()
    assert reverse("country_detail", args=["north-korea"]) in html
    assert "Argentina" in html


# ---- Comparison --------------------------------------------------------------------------------


def test_comparing_tier_3_in_2021_shows_counts_status_mix_and_carry_over(
    viewer_client, north_korea, analyst
):
    tiers.load_table(FIXTURES / "tiers" / "tiers_2021_all_discerning-islam.csv")
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="Reported.",
        by=analyst,
        effective_date=datetime.date(2021, 10, 1),
    )
    EvidenceFactory(recommendations=[rec], logged_by=analyst)
    response = viewer_client.get(reverse("compare"), {"year": 2021, "tier": "tier_3"})
    assert response.status_code == 200
    result = response.context["result"]
    assert len(result.rows) == 17  # the 17 Tier 3 countries of 2021
    nk = next(row for row in result.rows if row.name == "North Korea")
    # All eleven are carried over: ten from 2020, "Accede..." from 2018, past the gap.
    assert (nk.recommendations, nk.carried, nk.evidence) == (11, 11, 1)
    assert nk.statuses["in_progress"] == 1 and nk.statuses["no_action"] == 10
    others = [row for row in result.rows if row.name != "North Korea"]
    assert all(row.report_id is None for row in others)
    html = response.content.decode()
    assert "No narrative imported for 2021." in html
    assert "(100%)" in html  # 11 of 11 carried over
    # 2020 had ten items (a cut-off list), all continued: nothing dropped in 2021.
    assert nk.dropped == 0


def test_comparing_chosen_countries(viewer_client, north_korea):
    syria = importer.import_batch(
        [importer.parse_file(FIXTURES / "narratives" / "2021_syria.txt")]
    )[0].report.country
    response = viewer_client.get(
        reverse("compare"), {"year": 2021, "country": [north_korea.slug, syria.slug]}
    )
    rows = response.context["result"].rows
    assert [(r.name, r.recommendations) for r in rows] == [("North Korea", 11), ("Syria", 5)]


def test_the_comparison_runs_the_same_queries_with_few_and_many_countries(viewer_client, analyst):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = CountryFactory()
    grow(first, [2021], 3, analyst)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = viewer_client.get(reverse("compare"), {"year": 2021, "tier": "tier_2"})
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["result"].rows)

    few, n_few = queries()
    for _ in range(15):
        grow(CountryFactory(), [2021], 12, analyst)
    many, n_many = queries()
    assert (n_few, n_many) == (1, 16)
    assert few == many


def test_an_unknown_year_is_a_form_error_not_a_crash(viewer_client, north_korea):
    response = viewer_client.get(reverse("compare"), {"year": 1990})
    assert response.status_code == 200
    assert response.context["result"] is None
    assert "Select a valid choice" in response.content.decode()


def test_a_year_without_a_tier_on_record_is_shown_as_unknown(viewer_client, north_korea):
    """No tier table is loaded for 2016, 2017 and 2019: the chart says so, not a silent gap."""
    html = viewer_client.get(reverse("country_detail", args=[north_korea.slug])).text
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert "No tier on record" in chart  # a row of its own, under the tiers
    for year in (2016, 2017, 2019):
        assert f"<title>{year}: no tier on record (unknown)</title>" in chart
    assert "<title>2018: Tier 3 (narrative)</title>" in chart
    assert chart.count('class="chart-unknown"') == html.count("no tier on record (unknown)")
    caption = html[html.index("</svg>") : html.index("</figure>")]
    assert "unknown, not a change of tier" in caption
    table = html[html.index("Tier placements as a table") :]
    assert '<th scope="row">2016</th><td><span class="muted">No tier on record' in table
