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
    assert korea.context["count"] == 1
    albania = viewer_client.get("/recommendations/", {"country": "albania"})
    assert albania.status_code == 200 and albania.context["count"] == 0
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
    assert small.context["page_obj"].paginator.num_pages == 2
    assert '<option value="25" selected>25</option>' in small.content.decode()


def test_an_unknown_page_size_falls_back_to_the_default_with_a_message(viewer_client):
    RecommendationFactory.create_batch(3)
    response = viewer_client.get("/recommendations/", {"per_page": "100000"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.per_page == 50
    assert "Select a valid choice" in response.content.decode()
