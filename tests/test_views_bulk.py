"""Acting on many recommendations: preview, then one record each through the services."""

import datetime

import pytest
from django.urls import reverse

from tests.test_lineage import import_years
from tracker import services
from tracker.models import Recommendation, RecommendationEdit, StatusChange

pytestmark = pytest.mark.django_db

URL = reverse("recommendation_bulk")


@pytest.fixture
def carried(db):
    """The 2020 and 2021 North Korea narratives: the 2021 items carry 2020's status over."""
    import_years(2020, 2021)
    return list(
        Recommendation.objects.filter(report__year=2021, needs_review=True).order_by("number")
    )


def _items(recs):
    return [f"{r.pk}:{r.version}" for r in recs]


def test_only_those_who_may_change_statuses_reach_the_page(client, viewer_client, carried):
    assert client.get(URL)["Location"].startswith(reverse("login"))
    assert viewer_client.get(URL).status_code == 403
    assert viewer_client.post(URL, {"item": _items(carried), "action": "owner"}).status_code == 403


def test_the_page_lists_what_the_filters_choose(analyst_client, carried):
    page = analyst_client.get(URL, {"year": 2021, "needs_review": "yes"})
    assert page.context["count"] == len(carried) == 10  # "Accede..." is new in 2021
    assert [r.pk for r in page.context["rows"]] == [r.pk for r in carried]
    assert "<legend>Action</legend>" in page.content.decode()


def test_a_preview_says_what_will_change_and_writes_nothing(analyst_client, analyst, carried):
    response = analyst_client.post(
        URL + "?year=2021",
        {"item": _items(carried[:3]), "action": "owner", "owner": analyst.username},
    )
    assert response.status_code == 200
    plan = response.context["plan"]
    assert [(p.recommendation.reference, p.before, p.after) for p in plan] == [
        (r.reference, "Nobody", analyst.username) for r in carried[:3]
    ]
    assert "Apply to 3 items" in response.content.decode()
    assert not RecommendationEdit.objects.exists()


def test_confirming_carried_items_records_one_change_each(analyst_client, analyst, carried):
    response = analyst_client.post(
        URL,
        {
            "item": _items(carried),
            "action": "confirm",
            "reason": "Checked against the 2021 narrative: unchanged.",
            "step": "apply",
        },
    )
    assert response.status_code == 302
    assert StatusChange.objects.count() == len(carried)
    for rec in carried:
        rec.refresh_from_db()
        change = rec.status_changes.get()
        assert (change.old_status, change.new_status, change.changed_by) == (
            rec.status,
            rec.status,
            analyst,
        )
        assert not rec.needs_review


def test_setting_a_status_records_it_on_each_item_with_its_reason_and_date(analyst_client, carried):
    chosen = carried[:2]
    analyst_client.post(
        URL,
        {
            "item": _items(chosen),
            "action": "status",
            "status": "cannot_assess",
            "reason": "No access for monitors this year.",
            "effective_date": "2021-09-01",
            "step": "apply",
        },
    )
    changes = StatusChange.objects.order_by("recommendation__number")
    assert [(c.recommendation_id, c.new_status, c.effective_date) for c in changes] == [
        (r.pk, "cannot_assess", datetime.date(2021, 9, 1)) for r in chosen
    ]


def test_a_change_made_meanwhile_refuses_the_whole_action_and_names_the_item(
    analyst_client, other_analyst, carried
):
    items = _items(carried[:3])  # the versions the page showed
    services.recommendation_set_owner(
        recommendation=carried[1], owner=other_analyst, by=other_analyst
    )
    response = analyst_client.post(
        URL, {"item": items, "action": "owner", "owner": "", "step": "apply"}
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "Nothing was saved." in text
    assert f"{carried[1].reference}: changed by someone else" in text
    assert RecommendationEdit.objects.count() == 1  # only the other analyst's


def test_a_date_outside_an_items_period_refuses_all(analyst_client, carried):
    response = analyst_client.post(
        URL,
        {
            "item": _items(carried[:2]),
            "action": "status",
            "status": "in_progress",
            "reason": "Back then.",
            "effective_date": "2021-01-15",
            "step": "apply",
        },
    )
    assert response.status_code == 409
    assert "no earlier than 1 April 2021" in response.content.decode()
    assert not StatusChange.objects.exists()


def test_missing_reason_or_items_are_shown_on_the_form(analyst_client, carried):
    response = analyst_client.post(URL, {"item": _items(carried[:1]), "action": "confirm"})
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode()
    response = analyst_client.post(URL, {"action": "owner"})
    assert response.status_code == 400
    assert "Tick at least one recommendation." in response.content.decode()
    assert analyst_client.post(URL, {"item": ["1:x"], "action": "owner"}).status_code == 400
