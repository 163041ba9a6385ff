"""The analyst's journey in a real Chromium: sign in, find, change the status, log evidence."""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.factories import UserFactory
from tracker import importer, roles
from tracker.management.commands.seed_demo import DEMO_ACCOUNTS
from tracker.models import Evidence, Recommendation, StatusChange

# Playwright's sync API runs its own event loop in this thread; the ORM calls made here between
# browser steps are ordinary blocking calls, which Django would otherwise refuse.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

playwright = pytest.importorskip("playwright.sync_api")

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "tip-2021-north-korea.txt"
SCREENSHOTS = Path("/tmp")
PASSWORD = "a-long-test-passphrase-7"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _user(username, role):
    user = UserFactory(username=username, role=role)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_the_demo_analyst_finds_a_recommendation_changes_its_status_and_logs_evidence(
    live_server, page
):
    # What `make run` prepares: every fixture narrative and the demo accounts.
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    username, password = next((u, p) for u, p, *_ in DEMO_ACCOUNTS if u == "analyst")
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    expect = playwright.expect

    # Sign in through the form; the list asks for it first.
    page.goto(f"{live_server.url}/recommendations/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Recommendations")).to_be_visible()

    # Filter the list by words, as an analyst would.
    page.get_by_label("Search", exact=True).fill("wages")
    page.get_by_label("Country").select_option(label="North Korea")
    page.get_by_label("Year", exact=True).select_option("2021")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"q=wages"))
    expect(page.locator("p.count")).to_contain_text("1 recommendation matches")
    page.screenshot(path=str(SCREENSHOTS / "tip-recommendation-list.png"), full_page=True)

    # Open it and change its status with a reason.
    page.get_by_role("link", name="PRK-2021-04").click()
    expect(page.get_by_role("heading", name=re.compile("PRK-2021-04"))).to_be_visible()
    page.get_by_label("Status", exact=True).select_option("in_progress")
    page.get_by_label("Reason", exact=True).fill(
        "Returning workers report that wage deductions stopped."
    )
    page.get_by_role("button", name="Save status").click()
    expect(page.locator(".messages")).to_contain_text("The status of PRK-2021-04 was saved.")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Returning workers report that wage deductions stopped.")

    # Log evidence against it from its page.
    page.get_by_role("link", name="Log evidence for this recommendation").click()
    expect(page.get_by_role("heading", name="Log evidence")).to_be_visible()
    page.get_by_label("Title").fill("NGO survey of returned overseas workers")
    page.get_by_label("Source type").select_option(label="NGO")
    page.get_by_label("Progress", exact=True).check()
    page.get_by_label("Internal", exact=True).check()
    page.get_by_label(re.compile("PRK-2021-04")).check()
    page.get_by_role("button", name="Log evidence").click()
    expect(page.locator(".messages")).to_be_visible()

    # Both show in the recommendation's timeline, newest first.
    page.goto(f"{live_server.url}/recommendations/{rec.pk}/")
    entries = page.locator("ol.timeline > li")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("NGO survey of returned overseas workers")
    expect(entries.nth(1)).to_contain_text("wage deductions stopped")
    page.screenshot(path=str(SCREENSHOTS / "tip-recommendation-detail.png"), full_page=True)

    change = StatusChange.objects.get(recommendation=rec)
    assert change.changed_by.username == "analyst"
    assert Evidence.objects.get(recommendations=rec).logged_by.username == "analyst"
    rec.refresh_from_db()
    assert rec.status == "in_progress"


def test_the_list_and_the_page_fit_a_tablet(live_server, browser):
    importer.import_batch([importer.parse_file(SEED)])
    _user("tomas", roles.VIEWER)
    rec = Recommendation.objects.get(reference="PRK-2021-01")
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("tomas")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/recommendations/{rec.pk}/")
    # Nothing on the page is wider than the screen: no sideways scrolling on a tablet.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768
    page.screenshot(path=str(SCREENSHOTS / "tip-recommendation-detail-tablet.png"), full_page=True)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    context.close()
