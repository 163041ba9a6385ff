"""Evidence pages: who may log and read what, the form, the filters, and constant query counts."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CountryFactory,
    EvidenceFactory,
    RecommendationFactory,
    ReportFactory,
    UserFactory,
)
from tracker import roles
from tracker.models import Evidence

pytestmark = pytest.mark.django_db

LIST = "/evidence/"
NEW = "/evidence/new/"


def titles(response) -> list[str]:
    """Return the titles listed in the evidence table, in order."""
    return re.findall(r'<td>\s*<a href="/evidence/[0-9a-f-]{36}/">([^<]+)</a>', response.text)


@pytest.fixture
def rec(db):
    return RecommendationFactory(text="Cease the forced repatriation of North Korean nationals.")


@pytest.fixture
def clients(viewer, analyst, reviewer, admin_user):
    """A signed-in client for each role, and an anonymous one."""
    result = {"anonymous": Client()}
    for name, user in {
        "viewer": viewer,
        "analyst": analyst,
        "reviewer": reviewer,
        "admin": admin_user,
    }.items():
        result[name] = Client()
        result[name].force_login(user)
    return result


def evidence_post(rec, **overrides):
    data = {
        "title": "Report of the Special Rapporteur on the DPRK",
        "summary": "Forced returns continued from the border provinces.",
        "source_type": Evidence.SourceType.UN,
        "source_name": "UN Special Rapporteur",
        "url": "https://example.org/a-hrc-46-51",
        "published_on": "2021-03-01",
        "accessed_on": "2021-03-05",
        "quote": "Returnees were detained and interrogated.",
        "sensitivity": Evidence.Sensitivity.PUBLIC,
        "direction": Evidence.Direction.REGRESSION,
        "recommendations": [rec.pk],
    }
    data.update(overrides)
    return data


# Permissions, page by page.


@pytest.mark.parametrize(
    ("role", "expected"),
    [("viewer", 200), ("analyst", 200), ("reviewer", 200), ("admin", 200)],
)
def test_every_signed_in_role_reads_the_list_and_detail(clients, rec, role, expected):
    evidence = EvidenceFactory(recommendations=[rec])
    client = clients[role]
    assert client.get(LIST).status_code == expected
    assert client.get(reverse("evidence_detail", args=[evidence.public_id])).status_code == expected


@pytest.mark.parametrize("url_name", ["evidence_list", "evidence_new", "evidence_detail", "file"])
def test_anonymous_is_sent_to_sign_in(clients, rec, url_name):
    evidence = EvidenceFactory(recommendations=[rec])
    url = {
        "evidence_list": LIST,
        "evidence_new": NEW,
        "evidence_detail": reverse("evidence_detail", args=[evidence.public_id]),
        "file": reverse("evidence_file", args=[evidence.public_id]),
    }[url_name]
    response = clients["anonymous"].get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_post_is_sent_to_sign_in_and_writes_nothing(clients, rec):
    response = clients["anonymous"].post(NEW, evidence_post(rec))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("role", "get_status", "post_status", "logged"),
    [
        ("viewer", 403, 403, False),
        ("analyst", 200, 302, True),
        ("reviewer", 200, 302, True),
        ("admin", 200, 302, True),
    ],
)
def test_only_analysts_and_reviewers_log_evidence(
    clients, rec, role, get_status, post_status, logged
):
    client = clients[role]
    assert client.get(NEW).status_code == get_status
    response = client.post(NEW, evidence_post(rec))
    assert response.status_code == post_status
    assert Evidence.objects.exists() is logged
    if logged:
        evidence = Evidence.objects.get()
        assert evidence.logged_by.username == role
        assert list(evidence.recommendations.all()) == [rec]
        assert response["Location"] == reverse("evidence_detail", args=[evidence.public_id])


def test_logging_records_every_field_and_confirms_it(analyst_client, rec, analyst):
    other = RecommendationFactory(report=rec.report)
    response = analyst_client.post(
        NEW, evidence_post(rec, recommendations=[rec.pk, other.pk]), follow=True
    )
    evidence = Evidence.objects.get()
    assert evidence.title == "Report of the Special Rapporteur on the DPRK"
    assert evidence.summary == "Forced returns continued from the border provinces."
    assert evidence.source_type == Evidence.SourceType.UN
    assert evidence.source_name == "UN Special Rapporteur"
    assert evidence.url == "https://example.org/a-hrc-46-51"
    assert evidence.published_on == datetime.date(2021, 3, 1)
    assert evidence.accessed_on == datetime.date(2021, 3, 5)
    assert evidence.quote == "Returnees were detained and interrogated."
    assert evidence.sensitivity == Evidence.Sensitivity.PUBLIC
    assert evidence.direction == Evidence.Direction.REGRESSION
    assert evidence.logged_by == analyst
    assert set(evidence.recommendations.all()) == {rec, other}
    assert evidence.file.name == ""
    assert "was logged against 2 recommendations" in response.text
    # The new item shows at once in the recommendation's timeline.
    assert evidence.title in analyst_client.get(rec.get_absolute_url()).text


def test_csrf_is_enforced_on_the_evidence_form(analyst, rec):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert client.post(NEW, evidence_post(rec)).status_code == 403
    assert not Evidence.objects.exists()
    # With the token from the page, the same post goes through.
    page = client.get(NEW)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(NEW, {**evidence_post(rec), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Evidence.objects.count() == 1


# The form.


def test_every_field_has_a_visible_label_named_as_the_domain_names_it(analyst_client, rec):
    page = analyst_client.get(f"{NEW}?recommendation={rec.pk}").text
    for label in (
        "Title",
        "Summary",
        "Source type",
        "Source name",
        "URL",
        "Published on",
        "Accessed on",
        "Quote",
        "File",
        "Sensitivity",
        "Direction",
        "Recommendations",
    ):
        assert re.search(rf"<label[^>]*>\s*{label}\s*</label>", page), label
    assert 'enctype="multipart/form-data"' in page


def test_a_preselected_recommendation_is_ticked_and_its_country_offered(analyst_client, rec):
    same_country = RecommendationFactory(
        report=ReportFactory(country=rec.report.country, year=2020)
    )
    elsewhere = RecommendationFactory()
    page = analyst_client.get(f"{NEW}?recommendation={rec.pk}").text
    assert re.search(rf'value="{rec.pk}"[^>]*checked', page)
    assert same_country.reference in page
    assert not re.search(rf'value="{same_country.pk}"[^>]*checked', page)
    assert elsewhere.reference not in page


def test_without_a_preselection_the_form_lists_no_recommendations_until_asked(analyst_client):
    rec = RecommendationFactory()
    page = analyst_client.get(NEW).text
    assert rec.reference not in page
    assert "choose Find" in page


def test_finding_by_reference_keeps_the_input_and_the_ticked_recommendations(analyst_client, rec):
    wanted = RecommendationFactory(report=ReportFactory(country=CountryFactory(code="SYR")))
    response = analyst_client.post(
        f"{NEW}?recommendation={rec.pk}",
        evidence_post(rec, find="SYR-", find_recommendations="1"),
    )
    assert response.status_code == 200
    page = response.text
    assert wanted.reference in page  # the match is offered
    assert re.search(rf'value="{rec.pk}"[^>]*checked', page)  # the choice made is kept
    assert "Report of the Special Rapporteur on the DPRK" in page  # so is the typed input
    assert "errorlist" not in page  # finding is not saving: no errors shown
    assert not Evidence.objects.exists()


def test_the_choice_list_is_cut_at_a_sensible_length(analyst_client):
    country = CountryFactory(code="ABC")
    report = ReportFactory(country=country)
    recs = [RecommendationFactory(report=report, number=n) for n in range(1, 160)]
    page = analyst_client.get(f"{NEW}?recommendation={recs[-1].pk}").text
    # The first 150 in priority order, and the preselected one, which comes after them.
    assert page.count('name="recommendations"') == 151
    assert re.search(rf'value="{recs[-1].pk}"[^>]*checked', page)  # the chosen one stays
    assert "Only the first 150 matches are listed" in page


def test_invalid_input_is_kept_and_explained(analyst_client, rec):
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = analyst_client.post(
        NEW, evidence_post(rec, title="", published_on=future, url="not a url")
    )
    assert response.status_code == 400
    page = response.text
    assert "This field is required." in page
    assert "The publication date cannot be in the future." in page
    assert "Enter a valid URL." in page
    assert "UN Special Rapporteur" in page  # other input kept
    assert "The evidence was not saved" in page
    assert not Evidence.objects.exists()


def test_evidence_needs_at_least_one_recommendation(analyst_client, rec):
    response = analyst_client.post(NEW, evidence_post(rec, recommendations=[]))
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_user_text_is_escaped(analyst_client, rec):
    analyst_client.post(NEW, evidence_post(rec, title="<script>alert(1)</script>"))
    evidence = Evidence.objects.get()
    page = analyst_client.get(reverse("evidence_detail", args=[evidence.public_id])).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Restricted evidence.


@pytest.fixture
def restricted(analyst, rec):
    return EvidenceFactory(
        title="Restricted testimony",
        logged_by=analyst,
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        recommendations=[rec],
    )


@pytest.fixture
def public(rec, other_analyst):
    return EvidenceFactory(title="Public UN report", logged_by=other_analyst, recommendations=[rec])


def test_restricted_evidence_is_hidden_from_a_viewer_and_another_analyst(
    restricted, public, viewer_client, other_analyst
):
    other = Client()
    other.force_login(other_analyst)
    for client in (viewer_client, other):
        assert titles(client.get(LIST)) == ["Public UN report"]
        assert (
            client.get(reverse("evidence_detail", args=[restricted.public_id])).status_code == 404
        )
        assert "Restricted testimony" not in client.get(f"{LIST}?q=testimony").text
        assert "Restricted testimony" not in client.get(f"{LIST}?sensitivity=restricted").text


def test_restricted_evidence_shows_to_its_author_and_a_reviewer(
    restricted, public, analyst_client, reviewer_client
):
    for client in (analyst_client, reviewer_client):
        assert set(titles(client.get(LIST))) == {"Public UN report", "Restricted testimony"}
        page = client.get(reverse("evidence_detail", args=[restricted.public_id]))
        assert page.status_code == 200
        assert "Restricted: only reviewers and " in page.text


# The list and its filters.


@pytest.fixture
def catalogue(analyst, other_analyst):
    prk = CountryFactory(name="North Korea", slug="north-korea", code="PRK")
    syr = CountryFactory(name="Syria", slug="syria", code="SYR")
    prk21 = RecommendationFactory(report=ReportFactory(country=prk, year=2021))
    prk20 = RecommendationFactory(report=ReportFactory(country=prk, year=2020))
    syr21 = RecommendationFactory(report=ReportFactory(country=syr, year=2021))
    EvidenceFactory(
        title="Rapporteur report",
        summary="Forced labour in detention.",
        source_type=Evidence.SourceType.UN,
        direction=Evidence.Direction.REGRESSION,
        logged_by=analyst,
        recommendations=[prk21],
    )
    EvidenceFactory(
        title="NGO survey",
        source_name="Walk Free",
        source_type=Evidence.SourceType.NGO,
        direction=Evidence.Direction.NO_CHANGE,
        sensitivity=Evidence.Sensitivity.INTERNAL,
        logged_by=other_analyst,
        recommendations=[prk20],
    )
    EvidenceFactory(
        title="Ministry statement",
        quote="The ministry opened two shelters.",
        source_type=Evidence.SourceType.GOVERNMENT,
        direction=Evidence.Direction.PROGRESS,
        logged_by=analyst,
        recommendations=[syr21, prk20],
    )
    # Linked to North Korea 2020 and Syria 2021, never to one recommendation of both.
    return {"prk21": prk21, "prk20": prk20, "syr21": syr21}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Rapporteur report", "NGO survey", "Ministry statement"}),
        ("source_type=ngo", {"NGO survey"}),
        ("direction=progress", {"Ministry statement"}),
        ("sensitivity=internal", {"NGO survey"}),
        ("sensitivity=public", {"Rapporteur report", "Ministry statement"}),
        ("country=north-korea", {"Rapporteur report", "NGO survey", "Ministry statement"}),
        ("country=syria", {"Ministry statement"}),
        ("year=2021", {"Rapporteur report", "Ministry statement"}),
        ("year=2020", {"NGO survey", "Ministry statement"}),
        ("country=north-korea&year=2021", {"Rapporteur report"}),
        ("country=syria&year=2020", set()),
        ("logged_by=analyst2", {"NGO survey"}),
        ("logged_by=ANALYST", {"Rapporteur report", "Ministry statement"}),
        ("q=detention", {"Rapporteur report"}),  # summary
        ("q=walk free", {"NGO survey"}),  # source name, every word
        ("q=shelters ministry", {"Ministry statement"}),  # quote and title
        ("q=ministry ngo", set()),  # every word must match
    ],
)
def test_each_filter_gives_the_right_rows(viewer_client, catalogue, query, expected):
    response = viewer_client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    listed = titles(response)
    assert set(listed) == expected
    assert len(listed) == len(expected)  # no item twice, whatever the joins
    assert f"<strong>{len(expected)}</strong>" in response.text


def test_an_unknown_filter_value_is_refused_on_the_form_not_with_an_error_page(viewer_client):
    response = viewer_client.get(f"{LIST}?source_type=rumour&year=1850")
    assert response.status_code == 200
    assert "Select a valid choice" in response.text


def test_the_list_is_paginated(viewer_client, rec):
    EvidenceFactory.create_batch(55, recommendations=[rec])
    first = viewer_client.get(LIST)
    second = viewer_client.get(f"{LIST}?page=2")
    assert len(titles(first)) == 50
    assert len(titles(second)) == 5
    assert not set(titles(first)) & set(titles(second))
    assert "Page 1 of 2" in first.text


def _make_rows(count: int):
    """Create `count` items over several recommendations and authors, in bulk."""
    author = UserFactory(username="bulk-author", role=roles.ANALYST)
    recs = [RecommendationFactory() for _ in range(3)]
    items = Evidence.objects.bulk_create(
        Evidence(
            title=f"Item {n}",
            source_type=Evidence.SourceType.MEDIA,
            direction=Evidence.Direction.NO_CHANGE,
            sensitivity=Evidence.Sensitivity.RESTRICTED if n % 7 == 0 else "public",
            logged_by=author,
        )
        for n in range(count)
    )
    through = Evidence.recommendations.through
    through.objects.bulk_create(
        through(evidence_id=item.pk, recommendation_id=recs[(n + k) % 3].pk)
        for n, item in enumerate(items)
        for k in range(2)
    )


# Session, user (with the unread count), the user's permissions with their groups, the count
# with the page (one statement; on PostgreSQL the planner's estimate too), its recommendations,
# the year and country menus (one union): the same for any number of rows, on either database.
LIST_QUERIES = 6
# A reviewer's page shows restricted items too, recorded as read in one insert.
REVIEWER_LIST_QUERIES = LIST_QUERIES + 1


@pytest.mark.parametrize("count", [10, 500])
def test_the_list_takes_the_same_number_of_queries_for_10_and_500_rows(
    viewer_client, django_assert_num_queries, count
):
    _make_rows(count)
    with django_assert_num_queries(LIST_QUERIES):
        response = viewer_client.get(LIST)
    assert response.status_code == 200
    assert len(titles(response)) == min(count - (count + 6) // 7, 50)


@pytest.mark.parametrize("count", [10, 500])
def test_a_filtered_list_takes_the_same_number_of_queries(
    reviewer_client, django_assert_num_queries, count
):
    _make_rows(count)
    with django_assert_num_queries(REVIEWER_LIST_QUERIES):
        response = reviewer_client.get(f"{LIST}?q=item&source_type=media&year=2021")
    assert response.status_code == 200
    assert len(titles(response)) == min(count, 50)


def test_the_detail_page_takes_a_fixed_number_of_queries(
    viewer_client, rec, django_assert_max_num_queries
):
    evidence = EvidenceFactory(recommendations=[rec, *RecommendationFactory.create_batch(5)])
    # Nine for the page, one for the item's own change history (sensitivity changes).
    with django_assert_max_num_queries(10):
        response = viewer_client.get(reverse("evidence_detail", args=[evidence.public_id]))
    assert response.status_code == 200
    assert rec.reference in response.text
