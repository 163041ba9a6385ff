"""Every read of a restricted item's content is recorded in the access log, once per request:
its page and file (tests/test_evidence_access.py), the API's detail and list, the evidence
list, search results, and summaries for the restricted audience (page, download, API,
published, background export). Public and internal items are not recorded; all of a request's
rows are written in one statement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import services as report_services
from tests.factories import EvidenceFactory, RecommendationFactory, UserFactory
from tracker import roles
from tracker.models import Evidence, EvidenceAccess, ExportJob

pytestmark = pytest.mark.django_db

RESTRICTED = Evidence.Sensitivity.RESTRICTED


@pytest.fixture
def rec():
    return RecommendationFactory(
        report__year=2021, report__country__name="Freedonia", report__country__slug="freedonia"
    )


@pytest.fixture
def items(rec, analyst):
    """Three restricted items (logged by the analyst) and a public and an internal one."""
    restricted = [
        EvidenceFactory(
            recommendations=[rec],
            title=f"Defector testimony {n}",
            summary="Trafficked through the border crossing",
            sensitivity=RESTRICTED,
            logged_by=analyst,
        )
        for n in range(3)
    ]
    others = [
        EvidenceFactory(recommendations=[rec], sensitivity=sensitivity, logged_by=analyst)
        for sensitivity in (Evidence.Sensitivity.PUBLIC, Evidence.Sensitivity.INTERNAL)
    ]
    return restricted, others


def _recorded(action=None) -> list[tuple[int, int, str]]:
    rows = EvidenceAccess.objects.order_by("evidence", "id")
    if action:
        rows = rows.filter(action=action)
    return list(rows.values_list("evidence", "user", "action"))


def _access_inserts(captured) -> int:
    return sum('INSERT INTO "tracker_evidenceaccess"' in q["sql"] for q in captured)


def test_the_api_detail_of_a_restricted_item_is_recorded(items, reviewer, token_client):
    # The audit's finding: its title, summary and quote came back and nothing was recorded.
    (first, *_), (public, internal) = items
    client = token_client(reviewer, "read")
    assert client.get(f"/api/v1/evidence/{first.public_id}/").status_code == 200
    assert client.get(f"/api/v1/evidence/{public.public_id}/").status_code == 200
    assert client.get(f"/api/v1/evidence/{internal.public_id}/").status_code == 200
    assert _recorded() == [(first.pk, reviewer.pk, "api")]


def test_a_page_of_the_api_list_records_its_restricted_items_in_one_insert(
    items, reviewer, token_client
):
    restricted, _ = items
    client = token_client(reviewer, "read")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/evidence/", {"page_size": 2})
    shown = [row["id"] for row in response.json()["results"]]
    assert _access_inserts(captured) == (1 if set(shown) & {e.pk for e in restricted} else 0)
    expected = sorted(pk for pk in shown if pk in {e.pk for e in restricted})
    assert [row[0] for row in _recorded("list")] == expected
    client.get(response.json()["next"])
    client.get(client.get("/api/v1/evidence/", {"page_size": 200}).json()["next"] or "/api/v1/")
    assert {row[0] for row in _recorded("list")} == {e.pk for e in restricted}


def test_the_evidence_list_records_the_restricted_items_it_shows_in_one_insert(
    items, reviewer_client, reviewer
):
    restricted, _ = items
    with CaptureQueriesContext(connection) as captured:
        assert reviewer_client.get(reverse("evidence_list")).status_code == 200
    assert _access_inserts(captured) == 1
    assert _recorded() == [(e.pk, reviewer.pk, "list") for e in restricted]


def test_the_analyst_who_logged_them_is_recorded_too(items, analyst_client, analyst):
    restricted, _ = items
    analyst_client.get(reverse("evidence_list"))
    assert _recorded() == [(e.pk, analyst.pk, "list") for e in restricted]


def test_a_list_without_restricted_items_records_nothing(items, viewer_client):
    with CaptureQueriesContext(connection) as captured:
        assert viewer_client.get(reverse("evidence_list")).status_code == 200
    assert _access_inserts(captured) == 0
    assert _recorded() == []


def test_a_full_page_of_restricted_items_costs_one_insert(rec, reviewer, reviewer_client):
    analyst = UserFactory(username="logger", role=roles.ANALYST)
    EvidenceFactory.create_batch(
        60, recommendations=[rec], sensitivity=RESTRICTED, logged_by=analyst
    )
    with CaptureQueriesContext(connection) as captured:
        reviewer_client.get(reverse("evidence_list"), {"per_page": 50})
    assert _access_inserts(captured) == 1
    assert len(_recorded("list")) == 50


def test_search_results_record_the_restricted_evidence_they_show(items, reviewer, reviewer_client):
    restricted, _ = items
    response = reviewer_client.get(reverse("search"), {"q": "border crossing"})
    assert "Defector testimony" in response.content.decode()
    assert _recorded() == [(e.pk, reviewer.pk, "search") for e in restricted]
    reviewer_client.get(reverse("search"), {"q": "nothing matches this"})
    assert len(_recorded()) == 3


def test_a_restricted_summary_records_its_restricted_evidence(items, reviewer, reviewer_client):
    restricted, _ = items
    country = reverse("summary_country", args=[2021, "freedonia"])
    reviewer_client.get(country)  # internal, the default: no restricted evidence
    reviewer_client.get(reverse("summary_all", args=[2021]), {"audience": "public"})
    assert _recorded() == []
    with CaptureQueriesContext(connection) as captured:
        page = reviewer_client.get(country, {"audience": "restricted"})
    assert "Defector testimony 0" in page.content.decode()
    assert _access_inserts(captured) == 1
    assert _recorded() == [(e.pk, reviewer.pk, "summary") for e in restricted]
    for fmt in ("json", "csv"):
        reviewer_client.get(country, {"audience": "restricted", "format": fmt})
    assert len(_recorded("summary")) == 9


def test_the_api_summary_for_the_restricted_audience_is_recorded(items, reviewer, token_client):
    restricted, _ = items
    client = token_client(reviewer, "read")
    assert client.get("/api/v1/summaries/2021/freedonia/?audience=restricted").status_code == 200
    assert client.get("/api/v1/summaries/2021/?audience=internal").status_code == 200
    assert _recorded() == [(e.pk, reviewer.pk, "summary") for e in restricted]


def test_a_published_restricted_summary_is_recorded_each_time_it_is_read(
    items, rec, reviewer, reviewer_client, token_client
):
    restricted, _ = items
    published = report_services.summary_publish(
        year=2021, country=rec.report.country, by=reviewer, audience="restricted"
    )
    assert _recorded() == []  # publishing is not reading
    reviewer_client.get(reverse("published_summary_detail", args=[published.pk]))
    token_client(reviewer, "read").get(f"/api/v1/published-summaries/{published.pk}/")
    assert sorted(_recorded("summary")) == sorted(
        [(e.pk, reviewer.pk, "summary") for e in restricted] * 2
    )


def test_a_background_export_of_a_restricted_summary_records_for_who_asked(
    items, rec, reviewer, reviewer_client, settings
):
    from tracker import exportjobs

    restricted, _ = items
    settings.EXPORT_BACKGROUND_ROWS = 0
    response = reviewer_client.get(
        reverse("summary_country", args=[2021, "freedonia"]),
        {"audience": "restricted", "format": "xlsx"},
    )
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert _recorded() == []
    exportjobs.build(job.pk)
    assert _recorded() == [(e.pk, reviewer.pk, "summary") for e in restricted]


def test_the_access_list_on_an_items_page_names_each_way_it_was_read(
    items, reviewer, reviewer_client, token_client
):
    first = items[0][0]
    reviewer_client.get(reverse("evidence_list"))
    reviewer_client.get(reverse("search"), {"q": "border crossing"})
    token_client(reviewer, "read").get(f"/api/v1/evidence/{first.public_id}/")
    page = reviewer_client.get(reverse("evidence_detail", args=[first.public_id])).content.decode()
    for words in (
        "Saw it in a list",
        "Saw it in search results",
        "Read it through the API",
        "Viewed its page",
    ):
        assert words in page
