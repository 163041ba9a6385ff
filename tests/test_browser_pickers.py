"""The summaries form in a real Chromium: the country menu follows the report year chosen."""

import os

import pytest

from tests.factories import CountryFactory, RecommendationFactory, ReportFactory, UserFactory
from tracker import roles

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ORM calls between browser steps

playwright = pytest.importorskip("playwright.sync_api")

PASSWORD = "a-long-test-passphrase-7"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_summaries_form_offers_only_the_countries_of_the_year_chosen(live_server, browser):
    korea = CountryFactory(name="North Korea", slug="north-korea", code="PRK")
    chad = CountryFactory(name="Chad", slug="chad", code="TCD")
    for country, year in [(korea, 2020), (korea, 2021), (chad, 2021)]:
        RecommendationFactory(report=ReportFactory(country=country, year=year))
    user = UserFactory(username="vera", role=roles.VIEWER)
    user.set_password(PASSWORD)
    user.save()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/summaries/")
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    playwright.expect(page.get_by_role("heading", name="Open a summary")).to_be_visible()

    def offered() -> list[str]:
        return page.eval_on_selector_all(
            "#id_country option:not([disabled])", "options => options.map(o => o.textContent)"
        )

    assert page.get_by_label("Report year").input_value() == "2021"
    assert offered() == ["All countries", "Chad", "North Korea"]
    page.get_by_label("Country").select_option(label="Chad")
    page.get_by_label("Report year").select_option("2020")
    assert offered() == ["All countries", "North Korea"]
    assert page.get_by_label("Country").input_value() == ""  # Chad had no 2020 narrative
    page.get_by_label("Country").select_option(label="North Korea")
    page.get_by_role("button", name="Open summary").click()
    playwright.expect(page).to_have_url(f"{live_server.url}/summaries/2020/north-korea/")
    context.close()
