"""`seed_demo`: the fixtures and demo accounts that `make run` prepares."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory, override_settings

from tracker.models import Recommendation, Report

pytestmark = pytest.mark.django_db


def test_demo_accounts_are_never_created_with_debug_off():
    with pytest.raises(CommandError, match="never created with DEBUG off"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
    assert not Report.objects.exists()


@override_settings(DEBUG=True)
def test_seed_demo_imports_the_fixtures_and_creates_one_account_per_role(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    seed = Report.objects.get(country__name="North Korea", year=2021)
    assert seed.recommendations.count() == 11
    assert Report.objects.filter(country__name="North Korea").count() >= 3
    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(users) == {"analyst", "reviewer", "viewer", "admin"}
    assert [g.name for g in users["analyst"].groups.all()] == ["Analyst"]
    assert users["admin"].is_superuser
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="analyst", password="analyst-demo-pass")
    assert "analyst-demo-pass" in out


@override_settings(DEBUG=True)
def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    before = (Report.objects.count(), Recommendation.objects.count())
    call_command("seed_demo")
    assert (Report.objects.count(), Recommendation.objects.count()) == before


def test_fixtures_alone_load_with_debug_off():
    call_command("seed_demo", "--no-accounts")
    assert Report.objects.filter(country__name="North Korea", year=2021).exists()
    assert not get_user_model().objects.exists()


@override_settings(DEBUG=True)
def test_the_demo_analyst_has_a_worklist_and_every_account_an_address(client):
    from tracker.models import Assessment, Notification

    call_command("seed_demo")
    users = {u.username: u for u in get_user_model().objects.all()}
    assert all(user.email.endswith("@example.org") for user in users.values())
    analyst = users["analyst"]
    latest = Report.objects.order_by("-year").values_list("year", flat=True)[0]
    owned = Recommendation.objects.filter(owner=analyst)
    assert owned.filter(report__year=latest).count() >= 3
    assert owned.filter(needs_review=True).exists()  # carried over, to confirm
    returned = Assessment.objects.get(author=analyst, state="returned")
    assert returned.review_note and returned.recommendation.report.year == latest
    assert Assessment.objects.filter(state="submitted").count() == 1
    reminders = Notification.objects.filter(recipient=analyst, kind="reminder", read_at=None)
    assert reminders.count() == 1
    # What asks for action is unread: the return and the reminder, not the old hand-over.
    unread = Notification.objects.filter(recipient=analyst, read_at=None)
    assert sorted(unread.values_list("kind", flat=True)) == ["assessment_returned", "reminder"]
    # Signed in, the analyst's first look shows the work.
    client.force_login(analyst)
    home = client.get("/")
    assert home.context["counts"]["mine"] >= 3
    assert home.context["assessment_counts"]["my_returned"] == 1
    # Seeding again adds nothing.
    before = (Assessment.objects.count(), Notification.objects.count(), owned.count())
    call_command("seed_demo")
    assert (Assessment.objects.count(), Notification.objects.count(), owned.count()) == before
