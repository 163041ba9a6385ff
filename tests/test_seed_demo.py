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
