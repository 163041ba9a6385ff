"""Numbers and encoded values from requests: a bad one is a 400 that says which and why, and
changes nothing; a page past the end is the last page. On SQLite and PostgreSQL alike (on
PostgreSQL past `LIST_EXACT_COUNT_LIMIT` the lists count by estimate and read by offset)."""

import base64

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import EvidenceFactory, RecommendationFactory
from tiptracker.lib import inputs
from tracker.models import Evidence, Recommendation, StatusChange

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def _client(user) -> Client:
    # As a real server answers: a failure is a 500 page, not an exception in the test.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# The helpers


@pytest.mark.parametrize(
    "value", ["", " ", "abc", "1.5", "1e3", "０", "٣", HUGE, "-1", "0", "9" * 400, "1\x00"]
)
def test_a_record_id_is_a_positive_64_bit_number_or_refused_with_a_message(value):
    with pytest.raises(inputs.BadInput, match="“id” must be a whole number"):
        inputs.record_id(value, name="id")


def test_a_record_id_keeps_what_a_database_can_hold():
    assert inputs.record_id("1", name="id") == 1
    assert inputs.record_id(str(2**63 - 1), name="id") == 2**63 - 1
    assert inputs.record_id(" 42 ", name="id") == 42


@pytest.mark.parametrize("value", ["not base64!", "c", "//79", "gA==", "=" * 2000])
def test_base64_that_is_not_utf_8_text_is_refused(value):
    with pytest.raises(inputs.BadInput, match="not a value this site gave out"):
        inputs.base64_text(value, name="cursor")


def test_base64_text_is_decoded_in_either_alphabet():
    assert inputs.base64_text("cD0yMDIxLTAxLTAx", name="cursor") == "p=2021-01-01"
    assert inputs.base64_text("cD0-Pz8", name="cursor") == "p=>??"
    assert inputs.base64_text("cD0+Pz8=", name="cursor") == "p=>??"


# The findings of the audit, each of which answered 500


@pytest.mark.parametrize("path", ["/api/v1/evidence/", "/api/v1/recommendations/"])
@pytest.mark.parametrize("cursor", ["cD0yMDIxLTAxLTAx", "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "***"])
def test_a_crafted_api_cursor_is_a_400_naming_the_cursor(viewer, path, cursor):
    RecommendationFactory()
    EvidenceFactory()
    response = _client(viewer).get(path, {"cursor": cursor})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["cursor"]


def test_an_api_cursor_given_out_still_pages(viewer):
    RecommendationFactory.create_batch(3)
    client = _client(viewer)
    first = client.get("/api/v1/recommendations/", {"page_size": 2}).json()
    second = client.get(first["next"])
    assert second.status_code == 200
    assert len(first["results"]) + len(second.json()["results"]) == 3


def test_a_bulk_item_beyond_any_id_is_a_400_and_changes_nothing(analyst):
    recommendation = RecommendationFactory()
    response = _client(analyst).post(
        reverse("recommendation_bulk"),
        {
            "item": [f"{recommendation.pk}:1", f"{HUGE}:1"],
            "action": "status",
            "status": "in_progress",
            "reason": "Reported by an NGO.",
            "step": "apply",
        },
    )
    assert response.status_code == 400
    assert f"“item” must be a whole number from 1 to {2**63 - 1}" in response.content.decode()
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize("item", ["1:99999999999", "1", "one:1", "1:-1", "1:1:1"])
def test_other_malformed_bulk_items_are_400s(analyst, item):
    RecommendationFactory()
    response = _client(analyst).post(
        reverse("recommendation_bulk"), {"item": item, "action": "confirm", "step": "apply"}
    )
    assert response.status_code == 400
    assert "“item” must be" in response.content.decode()
    assert not StatusChange.objects.exists()


def test_evidence_for_a_recommendation_beyond_any_id_is_a_400_and_logs_nothing(analyst):
    RecommendationFactory()
    response = _client(analyst).post(
        reverse("evidence_new"),
        {
            "title": "A report",
            "source_type": "un",
            "direction": "progress",
            "sensitivity": "public",
            "recommendations": HUGE,
        },
    )
    assert response.status_code == 400
    assert "“recommendations” must be a whole number" in response.content.decode()
    assert not Evidence.objects.exists()
    preselected = _client(analyst).get(reverse("evidence_new"), {"recommendation": HUGE})
    assert preselected.status_code == 400


# Pages past the end


@pytest.fixture
def estimated(settings):
    """Lists of 30 rows, counted by estimate on PostgreSQL (exactly on SQLite)."""
    settings.LIST_EXACT_COUNT_LIMIT = 5
    recommendations = RecommendationFactory.create_batch(30)
    for recommendation in recommendations:
        EvidenceFactory(recommendations=[recommendation])
    return recommendations


LISTS = [
    "/recommendations/?per_page=25",
    "/recommendations/?per_page=25&sort=reference",
    "/evidence/?per_page=25",
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("number", ["99999999", HUGE, "9" * 30, str(2**63 - 1)])
def test_a_page_past_the_end_is_the_last_page(viewer, estimated, path, number):
    client = _client(viewer)
    # The numbered last page (counted exactly) or the last rows read backwards (by estimate).
    last = client.get(f"{path}&page=2").context["page_obj"].object_list
    response = client.get(f"{path}&page={number}")
    assert response.status_code == 200
    page = response.context["page_obj"]
    assert page.object_list and page.object_list[-1] == last[-1]
    assert not page.has_next()


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "query",
    ["page=0", "page=-1", "page=abc", "page=1.5", "after=abc", "before=-3", f"after={HUGE}"],
)
def test_a_page_or_cursor_that_is_none_is_a_400_with_a_message(viewer, estimated, path, query):
    response = _client(viewer).get(f"{path}&{query}")
    if "sort" in path and query.startswith(("after", "before")):
        assert response.status_code == 200  # a sorted list pages by number only
        return
    assert response.status_code == 400
    # Evidence pages by public identifiers, the other lists by ids.
    expected = (
        "must be an identifier"
        if path.startswith("/evidence/") and "page" not in query
        else "must be a whole number"
    )
    assert expected in response.content.decode()
    assert "Nothing was changed." in response.content.decode()


def test_the_first_and_an_inner_page_still_read_as_before(viewer, estimated):
    client = _client(viewer)
    first = client.get("/recommendations/?per_page=25&sort=reference")
    second = client.get("/recommendations/?per_page=25&sort=reference&page=2")
    assert first.status_code == second.status_code == 200
    references = [r.reference for r in first.context["page_obj"].object_list]
    later = [r.reference for r in second.context["page_obj"].object_list]
    assert references and later and references[-1] < later[0]
    assert Recommendation.objects.count() == 30


def test_a_message_quotes_a_long_value_cut_short():
    with pytest.raises(inputs.BadInput) as refused:
        inputs.record_id("x" * 500, name="id")
    assert len(str(refused.value)) < 120


def test_base64_is_never_decoded_from_more_than_it_may_hold():
    with pytest.raises(inputs.BadInput):
        inputs.base64_text(base64.b64encode(b"p=" + b"1" * 2000).decode(), name="cursor")


def test_a_finding_beyond_any_id_in_an_assessment_is_a_400_and_drafts_nothing(analyst):
    # Found by tests/test_fuzz_endpoints.py: the form's query of the chosen findings failed.
    from tracker.models import Assessment

    recommendation = RecommendationFactory(report__year=2021)
    response = _client(analyst).post(
        reverse("assessment_save", args=[recommendation.pk, 2021]),
        {"rating": "limited", "confidence": "low", "findings": [HUGE]},
    )
    assert response.status_code == 400
    assert f"“{HUGE}” is not a valid value." in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_json_body_nested_too_deeply_is_a_400(analyst, token_client):
    response = token_client(analyst).generic(
        "POST", "/api/v1/assessments/", b"[" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
