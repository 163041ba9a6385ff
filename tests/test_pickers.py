"""Pickers that fit the data: the country menus put the countries with narratives first."""

import pytest

from tests.factories import CountryFactory, RecommendationFactory, ReportFactory


@pytest.fixture
def countries(db):
    korea = CountryFactory(name="North Korea", slug="north-korea", code="PRK")
    albania = CountryFactory(name="Albania", slug="albania", code="ALB")
    syria = CountryFactory(name="Syria", slug="syria", code="SYR")
    RecommendationFactory(report=ReportFactory(country=korea, year=2021))
    ReportFactory(country=syria, year=2020)
    return korea, albania, syria


def country_menu(html: str) -> str:
    start = html.index('<select name="country"')
    return html[start : html.index("</select>", start)]


@pytest.mark.parametrize("url", ["/recommendations/", "/evidence/", "/reports/"])
def test_countries_with_narratives_come_first_and_the_rest_after(viewer_client, countries, url):
    menu = country_menu(viewer_client.get(url).content.decode())
    first = menu.index('<optgroup label="Countries with narratives">')
    rest = menu.index('<optgroup label="All countries">')
    assert menu.index("Any country") < first < menu.index("North Korea") < rest
    assert first < menu.index("Syria") < rest
    assert rest < menu.index("Albania")


def test_a_country_from_either_group_filters_the_list(viewer_client, countries):
    korea = viewer_client.get("/recommendations/", {"country": "north-korea"})
    assert korea.context["count"].value == 1
    albania = viewer_client.get("/recommendations/", {"country": "albania"})
    assert albania.status_code == 200 and albania.context["count"].value == 0
    assert 'value="albania" selected' in country_menu(albania.content.decode())


def test_an_unknown_country_is_an_error_on_the_form(viewer_client, countries):
    response = viewer_client.get("/recommendations/", {"country": "atlantis"})
    assert "Select a valid choice" in response.content.decode()


# -- Rows per page -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/recommendations/", "/evidence/"])
def test_the_lists_page_by_the_size_chosen(viewer_client, url):
    from tests.factories import EvidenceFactory

    report = ReportFactory()
    recs = RecommendationFactory.create_batch(30, report=report)
    for rec in recs:
        EvidenceFactory(recommendations=[rec])
    default = viewer_client.get(url)
    assert len(default.context["page_obj"].object_list) == 30
    small = viewer_client.get(url, {"per_page": "25"})
    assert len(small.context["page_obj"].object_list) == 25
    assert small.context["page_obj"].has_next()
    next_url = small.context["page_obj"].next_url
    following = viewer_client.get(url + next_url if next_url.startswith("?") else next_url)
    assert len(following.context["page_obj"].object_list) == 5
    assert '<option value="25" selected>25</option>' in small.content.decode()


def test_an_unknown_page_size_falls_back_to_the_default_with_a_message(viewer_client):
    RecommendationFactory.create_batch(60)
    response = viewer_client.get("/recommendations/", {"per_page": "100000"})
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == 50
    assert "Select a valid choice" in response.content.decode()


# -- Saved filters -------------------------------------------------------------------------


def test_saved_filters_are_kept_per_user_and_listed_on_home(viewer_client, viewer, analyst_client):
    from tracker.models import SavedFilter

    response = viewer_client.post(
        "/filters/save/",
        {
            "list_name": "recommendations",
            "query": "status=in_progress&country=north-korea&page=3&format=csv&q=",
            "name": "Korea in progress",
        },
    )
    saved = SavedFilter.objects.get()
    assert saved.user == viewer and saved.query == "status=in_progress&country=north-korea"
    assert response["Location"] == "/recommendations/?status=in_progress&country=north-korea"
    home = viewer_client.get("/").content.decode()
    assert '<a href="/recommendations/?status=in_progress&amp;country=north-korea">Korea in' in home
    assert "Korea in progress" not in analyst_client.get("/").content.decode()

    # The same name again replaces the query rather than adding a second entry.
    viewer_client.post(
        "/filters/save/",
        {
            "list_name": "recommendations",
            "query": "status=implemented",
            "name": "Korea in progress",
        },
    )
    assert list(SavedFilter.objects.values_list("query", flat=True)) == ["status=implemented"]


def test_saved_filters_refuse_bad_input_and_change_nothing(viewer_client):
    from tracker.models import SavedFilter

    for data in [
        {"list_name": "recommendations", "query": "status=x", "name": ""},
        {"list_name": "admin", "query": "status=x", "name": "Sneaky"},
        {"list_name": "evidence", "query": "q=" + "x" * 2000, "name": "Long"},
    ]:
        response = viewer_client.post("/filters/save/", data, follow=True)
        assert "The filters were not saved" in response.content.decode()
    assert SavedFilter.objects.count() == 0


def test_only_the_owner_removes_saved_filters(viewer_client, analyst_client, viewer):
    from tracker.models import SavedFilter

    saved = SavedFilter.objects.create(user=viewer, list="evidence", name="Mine", query="q=x")
    assert analyst_client.post(f"/filters/{saved.pk}/delete/").status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    assert viewer_client.post(f"/filters/{saved.pk}/delete/").status_code == 302
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_saving_filters_needs_a_sign_in(client, db):
    from tracker.models import SavedFilter

    response = client.post("/filters/save/", {"list_name": "evidence", "name": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert SavedFilter.objects.count() == 0


def test_the_lists_offer_to_save_their_filters(viewer_client, db):
    page = viewer_client.get("/evidence/", {"source_type": "un"}).content.decode()
    assert 'name="list_name" value="evidence"' in page
    assert 'name="query" value="source_type=un"' in page


# -- The comparison opens on data ----------------------------------------------------------


@pytest.fixture
def compare_data(db):
    """Narratives for 2020 (Korea, Syria) and 2021 (Korea, Chad); a 2022 tier table only."""
    from tracker.models import TierPlacement

    korea = CountryFactory(name="North Korea", slug="north-korea", code="PRK")
    syria = CountryFactory(name="Syria", slug="syria", code="SYR")
    chad = CountryFactory(name="Chad", slug="chad", code="TCD")
    albania = CountryFactory(name="Albania", slug="albania", code="ALB")
    for country, year in [(korea, 2020), (syria, 2020), (korea, 2021), (chad, 2021)]:
        RecommendationFactory(report=ReportFactory(country=country, year=year))
    TierPlacement.objects.create(country=albania, year=2022, tier="tier_2", source="table")
    return korea, syria, chad, albania


def checked(html: str) -> list[str]:
    import re

    return re.findall(r'<input type="checkbox" name="country" value="([^"]+)"[^>]* checked', html)


def offered(html: str) -> list[str]:
    import re

    return re.findall(r'<input type="checkbox" name="country" value="([^"]+)"', html)


def test_compare_opens_on_the_latest_year_with_narratives_and_its_countries(
    viewer_client, compare_data
):
    response = viewer_client.get("/compare/")
    html = response.content.decode()
    assert response.context["form"]["year"].value() == "2021"  # not 2022, a tier table only
    assert [(row.name, row.recommendations) for row in response.context["result"].rows] == [
        ("Chad", 1),
        ("North Korea", 1),
    ]
    assert offered(html) == checked(html) == ["chad", "north-korea"]
    assert "<select multiple" not in html and 'name="country" multiple' not in html
    assert "<legend>Countries: those with a 2021 narrative</legend>" in html


def test_compare_offers_only_the_countries_with_a_narrative_in_the_year_asked(
    viewer_client, compare_data
):
    html = viewer_client.get("/compare/", {"year": 2020}).content.decode()
    assert offered(html) == ["north-korea", "syria"] and checked(html) == []
    html = viewer_client.get("/compare/", {"year": 2022}).content.decode()
    assert offered(html) == []
    assert "No country has a narrative for 2022" in html


def test_compare_keeps_its_query_parameters_so_old_links_still_open(viewer_client, compare_data):
    response = viewer_client.get(
        "/compare/", {"year": 2020, "country": ["north-korea", "chad"], "tier": ""}
    )
    rows = response.context["result"].rows
    assert [(row.name, row.report_id is not None) for row in rows] == [
        ("North Korea", True),
        ("Chad", False),  # asked for by the link, with no 2020 narrative: said so on its row
    ]
    html = response.content.decode()
    assert checked(html) == ["chad", "north-korea"]
    assert "No narrative imported for 2020." in html
    tier = viewer_client.get("/compare/", {"year": 2022, "tier": "tier_2"}).context["result"]
    assert [row.name for row in tier.rows] == ["Albania"]
    unknown = viewer_client.get("/compare/", {"year": 2021, "country": "atlantis"})
    assert unknown.status_code == 200 and unknown.context["result"] is None
    assert "Select a valid choice" in unknown.content.decode()


# -- The summaries form offers country-years that exist ------------------------------------


def test_the_summaries_form_names_each_countrys_years(viewer_client, compare_data):
    html = viewer_client.get("/summaries/").content.decode()
    assert '<option value="chad" data-years="2021">Chad</option>' in html
    assert '<option value="north-korea" data-years="2020 2021">North Korea</option>' in html
    assert '<option value="syria" data-years="2020">Syria</option>' in html
    assert "Albania" not in html  # no narrative at all
    assert "js/summary_choice.js" in html


def test_the_summaries_form_refuses_a_country_year_without_a_narrative_in_words(
    viewer_client, compare_data
):
    response = viewer_client.get("/summaries/", {"year": 2020, "country": "chad"})
    assert response.status_code == 200
    assert (
        "Chad has no narrative for 2020, so no summary; it has one for 2021. Choose another "
        "year or country." in response.content.decode()
    )
    ok = viewer_client.get("/summaries/", {"year": 2021, "country": "chad"})
    assert ok.status_code == 302 and ok["Location"] == "/summaries/2021/chad/"
    assert viewer_client.get(ok["Location"]).status_code == 200
