"""The workday's pages in a real Chromium: the summaries form's country menu follows the year
chosen, and the summary tables read at 1366 and 820 px."""

import os

import pytest

from reports import services as report_services
from tests.factories import CountryFactory, RecommendationFactory, ReportFactory, UserFactory
from tracker import roles

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ORM calls between browser steps

playwright = pytest.importorskip("playwright.sync_api")

PASSWORD = "a-long-test-passphrase-7"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _sign_in(browser, live_server, username, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Signed in: the main navigation shows (only signed-in users have it).
    playwright.expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    return context, page


def test_the_summaries_form_offers_only_the_countries_of_the_year_chosen(live_server, browser):
    korea = CountryFactory(name="North Korea", slug="north-korea", code="PRK")
    chad = CountryFactory(name="Chad", slug="chad", code="TCD")
    for country, year in [(korea, 2020), (korea, 2021), (chad, 2021)]:
        RecommendationFactory(report=ReportFactory(country=country, year=year))
    user = UserFactory(username="vera", role=roles.VIEWER)
    user.set_password(PASSWORD)
    user.save()

    context, page = _sign_in(browser, live_server, "vera")
    page.goto(f"{live_server.url}/summaries/")

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


# Each table of the page, as [class, its width, the width of the box it sits in].
TABLE_WIDTHS = """() => [...document.querySelectorAll('main table')].map(
    t => [t.className, t.getBoundingClientRect().width, t.parentElement.clientWidth])"""


@pytest.mark.parametrize("width", [1366, 820])
def test_the_summary_tables_fit_the_screen_with_the_status_beside_the_reference(
    live_server, browser, fixture_narratives, width
):
    reviewer = UserFactory(username="rhea", role=roles.REVIEWER)
    reviewer.set_password(PASSWORD)
    reviewer.save()
    korea = next(r for r in fixture_narratives.values() if r.country.slug == "north-korea")
    published = report_services.summary_publish(year=2021, country=korea.country, by=reviewer)
    published_all = report_services.summary_publish(year=2021, country=None, by=reviewer)
    context, page = _sign_in(browser, live_server, "rhea", width=width)
    urls = {
        "country": "/summaries/2021/north-korea/",
        "all": "/summaries/2021/",
        "published": published.get_absolute_url(),
        "published-all": published_all.get_absolute_url(),
    }
    for name, url in urls.items():
        page.goto(live_server.url + url)
        page.screenshot(path=f"/tmp/tip-summary-{name}-{width}.png", full_page=True)
        too_wide = [t for t in page.evaluate(TABLE_WIDTHS) if t[1] > t[2] + 1]
        assert too_wide == [], (url, too_wide)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, url
        if name in ("country", "published"):
            first = page.locator("table.rec-table tbody tr").first
            ref = first.locator("th.ref-cell").bounding_box()
            status = first.locator("td.status").bounding_box()
            text = first.locator("td.text").bounding_box()
            assert abs(ref["y"] - status["y"]) < 4 and status["x"] > ref["x"], url
            if width == 1366:  # the text column is the widest
                cells = first.locator("td, th").all()
                assert text["width"] == max(c.bounding_box()["width"] for c in cells)
            else:  # a stacked card: the text has the card's whole width, under the status
                assert text["y"] > status["y"] and text["width"] > 0.9 * (width - 48)
    context.close()


def _overflowing(page, width: int) -> list:
    """Return the tables of the page wider than their box or past the viewport's right edge."""
    return [
        t
        for t in page.evaluate(
            """() => [...document.querySelectorAll('main table')].map(t => [
                t.className, t.getBoundingClientRect().width, t.parentElement.clientWidth,
                t.getBoundingClientRect().right])"""
        )
        if t[1] > t[2] + 1 or t[3] > width + 1
    ]


@pytest.mark.parametrize("width", [1366, 820])
def test_no_table_of_the_home_compare_and_summary_pages_overflows_the_screen(
    live_server, browser, fixture_narratives, width
):
    import datetime

    from tracker import services
    from tracker.models import Recommendation

    reviewer = UserFactory(username="rhea", role=roles.REVIEWER)
    reviewer.set_password(PASSWORD)
    reviewer.save()
    long_reason = (
        "No reliable information reached us during the period; the border stayed closed to "
        "monitors throughout, and the reports we read were second-hand accounts."
    )
    for reference, status in [("PRK-2021-04", "cannot_assess"), ("PRK-2021-05", "regressed")]:
        services.recommendation_set_status(
            recommendation=Recommendation.objects.get(reference=reference),
            status=status,
            reason=long_reason,
            by=reviewer,
            effective_date=datetime.date(2022, 2, 15),
        )
    context, page = _sign_in(browser, live_server, "rhea", width=width)
    for url in [
        "/",
        "/?year=2021",
        "/compare/",
        "/compare/?year=2021&tier=tier_3",
        "/compare/?year=2021&tier=tier_2_watch_list",
        "/summaries/2021/north-korea/",
        "/summaries/2021/",
    ]:
        page.goto(live_server.url + url)
        assert page.locator("main table").count() > 0, url
        assert _overflowing(page, width) == [], url
        assert page.evaluate("document.documentElement.scrollWidth") <= width, url
    context.close()
