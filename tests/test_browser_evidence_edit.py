"""Fixing a mistake in a real Chromium: an analyst corrects the evidence they logged."""

import os
import re

import pytest

from tests.factories import EvidenceFactory, RecommendationFactory, UserFactory
from tracker import roles
from tracker.models import Evidence, EvidenceEdit

# Playwright's sync API runs its own event loop in this thread; the ORM calls between browser
# steps are ordinary blocking calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

playwright = pytest.importorskip("playwright.sync_api")

PASSWORD = "a-long-test-passphrase-7"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_analyst_corrects_evidence_sees_the_change_and_finds_it_in_the_history(
    live_server, browser
):
    analyst = UserFactory(username="amina", role=roles.ANALYST)
    analyst.set_password(PASSWORD)
    analyst.save()
    item = EvidenceFactory(
        recommendations=[RecommendationFactory()],
        logged_by=analyst,
        title="Report of the Special Raporteur",
        source_name="UN",
    )
    expect = playwright.expect
    context = browser.new_context(viewport={"width": 820, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("amina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    page.get_by_role("link", name="Correct the description").click()
    expect(page.get_by_role("heading", name="Correct evidence")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Report of the Special Raporteur")
    page.get_by_label("Title").fill("Report of the Special Rapporteur")
    page.get_by_label("Source name").fill("UN Special Rapporteur on the DPRK")
    page.get_by_label("Reason").fill("Both were mistyped when it was logged.")
    page.get_by_role("button", name="Review the changes").click()

    changes = page.locator(".evidence-changes")
    expect(changes).to_contain_text("Report of the Special Raporteur")
    expect(changes).to_contain_text("UN Special Rapporteur on the DPRK")
    assert Evidence.objects.get().version == 1  # shown, not yet saved
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 820
    page.screenshot(path="/tmp/tip-evidence-edit-preview.png", full_page=True)
    page.get_by_role("button", name="Save these changes").click()

    expect(page.locator(".messages")).to_contain_text("The evidence was corrected (2 fields)")
    expect(page.get_by_role("heading", name="Report of the Special Rapporteur")).to_be_visible()
    history = page.locator("section[aria-labelledby=edits-heading]")
    expect(history).to_contain_text(re.compile(r"Source name\s+changed from “UN”"))
    expect(history).to_contain_text("Both were mistyped when it was logged.")
    page.screenshot(path="/tmp/tip-evidence-edit-history.png", full_page=True)
    context.close()
    assert sorted(EvidenceEdit.objects.values_list("field", flat=True)) == ["source_name", "title"]
