"""The filter menus read from the database (year, country, owner): their query is built once.

`tracker.filters` compiles the menus' query to SQL the first time a page needs it and runs
that SQL on every page after: the menus must still show what the database holds now (a new
country's narrative, a new year, a new owner) and follow the reader's language.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import CountryFactory, RecommendationFactory, ReportFactory, UserFactory
from tracker import filters, roles
from tracker.forms import PlainCSVSelect

pytestmark = pytest.mark.django_db


def menu(html: str, name: str) -> str:
    start = html.index(f'<select name="{name}"')
    return html[start : html.index("</select>", start)]


@pytest.mark.parametrize("url", ["/recommendations/", "/evidence/", "/reports/"])
def test_a_new_narrative_moves_its_country_up_and_adds_its_year(viewer_client, url):
    RecommendationFactory(report=ReportFactory(year=2021))
    late = CountryFactory(name="Zanzibar Test", slug="zanzibar-test", code="ZZT")
    CountryFactory(name="Atlantis Test", slug="atlantis-test", code="ATT")
    before = viewer_client.get(url).content.decode()
    assert menu(before, "country").index("Zanzibar Test") > menu(before, "country").index(
        '<optgroup label="All countries">'
    )
    assert '<option value="2019">' not in menu(before, "year")
    ReportFactory(country=late, year=2019)
    after = viewer_client.get(url).content.decode()
    countries = menu(after, "country")
    rest = countries.index('<optgroup label="All countries">')
    assert countries.index("Zanzibar Test") < rest < countries.index("Atlantis Test")
    assert '<option value="2019">2019</option>' in menu(after, "year")


def test_a_new_owner_and_a_new_analyst_show_in_the_owner_menu(viewer_client):
    RecommendationFactory()
    assert "newcomer" not in menu(viewer_client.get("/recommendations/").text, "owner")
    newcomer = UserFactory(username="newcomer")
    newcomer.groups.add(Group.objects.get(name=roles.ANALYST))
    assert '<option value="newcomer">newcomer</option>' in menu(
        viewer_client.get("/recommendations/").text, "owner"
    )


def test_the_menus_follow_the_reader_s_language(viewer, viewer_client):
    RecommendationFactory()
    english = viewer_client.get("/recommendations/").text
    viewer_client.post(reverse("language_set"), {"language": "fr", "next": "/"})
    french = viewer_client.get("/recommendations/").text
    assert '<optgroup label="Countries with narratives">' in menu(english, "country")
    assert '<option value="me">Me</option>' in menu(english, "owner")
    assert "Countries with narratives" not in menu(french, "country")
    assert '<option value="me">Me</option>' not in menu(french, "owner")


def test_the_menus_query_is_built_once_and_then_only_run(viewer_client, monkeypatch):
    RecommendationFactory()
    first = viewer_client.get("/recommendations/")
    assert first.status_code == 200

    def built_again(**kwargs):
        raise AssertionError("the menus' query was built again")

    monkeypatch.setattr(filters, "_menus_query", built_again)
    again = viewer_client.get("/recommendations/", {"per_page": "25"})
    assert again.status_code == 200
    assert menu(again.text, "country") == menu(first.text, "country")


def test_the_sort_menu_is_written_plainly_and_keeps_its_choices(viewer_client):
    RecommendationFactory()
    response = viewer_client.get("/recommendations/", {"sort": "-owner"})
    assert isinstance(response.context["filter"].form.fields["sort"].widget, PlainCSVSelect)
    sort = menu(response.text, "sort")
    assert '<option value="">Country, year, priority</option>' in sort
    assert '<option value="-owner" selected>Owner (descending)</option>' in sort
    assert sort.count(" selected") == 1
    # Several orders at once (typed in the address) stay a text field, as django-filter has it.
    several = viewer_client.get("/recommendations/", {"sort": "reference,-status"}).text
    assert '<input type="text" name="sort" value="reference,-status" id="id_sort">' in several
    wrong = viewer_client.get("/recommendations/", {"sort": "bogus"}).text
    assert '<select name="sort" aria-invalid="true"' in wrong


def test_the_owner_menu_lists_who_may_own_and_who_owns_each_once():
    # Everyone the rule allows (`permissions.may_own`, through any group or as a superuser) and
    # every active owner, each once; the same users as the rule joined into the menu's query.
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef, Q

    from tracker import permissions
    from tracker.models import Recommendation

    analyst = UserFactory(username="analyst-in-two-groups")
    analyst.groups.add(*Group.objects.filter(name__in=[roles.ANALYST, roles.REVIEWER]))
    UserFactory(username="root", is_superuser=True)
    owner = UserFactory(username="viewer-who-owns")
    owner.groups.add(Group.objects.get(name=roles.VIEWER))
    gone = UserFactory(username="former-owner", is_active=False)
    UserFactory(username="inactive-analyst", is_active=False).groups.add(
        Group.objects.get(name=roles.ANALYST)
    )
    UserFactory(username="plain-viewer").groups.add(Group.objects.get(name=roles.VIEWER))
    RecommendationFactory(owner=owner)
    RecommendationFactory(owner=gone)

    listed = [key for menu, key, _, _ in filters._menu_rows(owners=True) if menu == "owner"]
    joined = (
        get_user_model()
        .objects.filter(
            Q(Exists(Recommendation.objects.filter(owner_id=OuterRef("pk"))), is_active=True)
            | permissions.may_own()
        )
        .values_list("username", flat=True)
        .distinct()
    )
    assert len(listed) == len(set(listed))
    assert set(listed) == set(joined) == {"analyst-in-two-groups", "root", "viewer-who-owns"}


def test_the_owner_menu_needs_no_distinct():
    # The rule's joins through groups and permissions sit in a subquery: the only DISTINCT
    # left is the years' (each report repeats its year).
    sql, _ = filters._menus_query(owners=True).query.sql_with_params()
    assert sql.count("DISTINCT") == 1
