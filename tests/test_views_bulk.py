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
    assert f"{carried[1].reference}: Changed by someone else" in text
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


# -- Bulk changes fail early: the preview runs the services' checks --------------------------


@pytest.fixture
def with_successors(db):
    """North Korea's 2021 and 2022 narratives: most 2021 items continue in 2022."""
    import_years(2021, 2022)
    continued = Recommendation.objects.filter(report__year=2021, successors__isnull=False)
    return list(continued.distinct().order_by("number")[:2]), list(
        Recommendation.objects.filter(report__year=2022).order_by("number")[:2]
    )


def test_the_list_of_items_starts_unticked(analyst_client, carried):
    page = analyst_client.get(URL, {"year": 2021}).content.decode()
    assert page.count('type="checkbox" name="item"') == 11
    assert " checked" not in page


def test_the_preview_shows_each_refusal_and_offers_only_what_would_pass(
    analyst_client, with_successors
):
    ended, current = with_successors
    data = {
        "item": _items(ended + current),
        "action": "status",
        "status": "cannot_assess",
        "reason": "No access for monitors this year.",
        "effective_date": "2022-06-01",
    }
    response = analyst_client.post(URL, data)
    assert response.status_code == 200
    text = response.content.decode()
    refused = {p.recommendation.reference: p.refusal for p in response.context["plan"]}
    for rec in ended:
        assert refused[rec.reference].startswith(
            f"The follow-up period of {rec.reference} ended on 31 March 2022"
        )
        assert refused[rec.reference] in text
    assert all(not refused[rec.reference] for rec in current)
    assert "Apply to 2 items" in text and "Apply to 4 items" not in text
    assert "2 items cannot take this change and are left out" in text
    assert not StatusChange.objects.exists()
    # Applying changes the items that passed, and only them.
    response = analyst_client.post(
        URL, {**data, "item": response.context["applicable"], "step": "apply"}
    )
    assert response.status_code == 302
    assert sorted(StatusChange.objects.values_list("recommendation_id", flat=True)) == sorted(
        r.pk for r in current
    )


def test_a_preview_where_everything_is_refused_offers_no_apply(analyst_client, with_successors):
    ended, _ = with_successors
    response = analyst_client.post(
        URL,
        {
            "item": _items(ended),
            "action": "status",
            "status": "in_progress",
            "reason": "Later news.",
            "effective_date": "2022-06-01",
        },
    )
    text = response.content.decode()
    assert "Apply to" not in text and 'name="step" value="apply"' not in text
    assert "None of the chosen items can take this change" in text


def test_a_refused_apply_shows_the_preview_again_without_the_failing_items(
    analyst_client, analyst, other_analyst, carried
):
    items = _items(carried[:3])
    services.recommendation_set_owner(
        recommendation=carried[1], owner=other_analyst, by=other_analyst
    )
    response = analyst_client.post(
        URL, {"item": items, "action": "owner", "owner": analyst.username, "step": "apply"}
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "Apply to 3 items" not in text and "Apply to 2 items" in text
    assert response.context["applicable"] == [items[0], items[2]]


def test_the_check_writes_nothing_and_tells_nobody(
    analyst, other_analyst, carried, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tracker.models import Notification

    for rec in carried[:2]:
        services.recommendation_set_owner(recommendation=rec, owner=other_analyst, by=other_analyst)
    items = [(rec, Recommendation.objects.get(pk=rec.pk).version) for rec in carried[:2]]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        refusals = services.recommendations_bulk_check(
            items=items,
            action="status",
            by=analyst,
            status="in_progress",
            reason="Checked.",
            effective_date=datetime.date(2021, 9, 1),
        )
    assert refusals == {} and callbacks == []
    assert not StatusChange.objects.exists() and not Notification.objects.exists()
    assert mail.outbox == []


def test_all_rows_shown_can_be_ticked_at_once(analyst_client, carried):
    page = analyst_client.get(URL, {"year": 2021}).content.decode()
    assert '<a href="?year=2021&amp;tick=all">Tick all 11 shown</a>' in page
    page = analyst_client.get(URL, {"year": 2021, "tick": "all"}).content.decode()
    assert page.count(" checked>") == 11
    assert '<a href="?year=2021">Untick all</a>' in page
    assert not StatusChange.objects.exists()
