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
