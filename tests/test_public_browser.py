"""The public site in a real Chromium: WCAG 2.1 AA (axe) at a phone's and a laptop's width,
nothing wider than the screen, and the print styles."""

import datetime
import os

import pytest

from reports import exportjobs
from reports import services as report_services
from tests.public_site import NORTH_KOREA, SYRIA_2021, forget_public_caches, import_narratives
from tests.test_accessibility import Checker
from tracker import services
from tracker.models import Country, Evidence, Recommendation

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _published(analyst, reviewer) -> dict:
    forget_public_caches()
    import_narratives(*NORTH_KOREA, SYRIA_2021)
    korea = Country.objects.get(slug="north-korea")
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    item = services.evidence_log(
        by=analyst,
        title="UN Panel of Experts report on overseas workers",
        source_type=Evidence.SourceType.UN,
        direction=Evidence.Direction.PROGRESS,
        sensitivity="public",
        source_name="UN Security Council",
        url="https://example.org/panel",
        published_on=datetime.date(2021, 9, 1),
        recommendations=[rec],
    )
    services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="The panel reports that deductions from wages stopped.",
        reason_sensitivity="public",
        by=analyst,
        effective_date=datetime.date(2021, 10, 1),
        evidence=[item],
    )
    older = report_services.summary_publish(year=2020, country=korea, by=reviewer)
    country = report_services.summary_publish(year=2021, country=korea, by=reviewer)
    everyone = report_services.summary_publish(year=2021, country=None, by=reviewer)
    exportjobs.render_published(older.pk)
    return {"country": country.pk, "all": everyone.pk, "older": older.pk}


def _pages(ids) -> list[str]:
    return [
        "/",
        "/public/countries/north-korea/",
        f"/public/summaries/{ids['country']}/",
        f"/public/summaries/{ids['all']}/",
        f"/public/summaries/{ids['older']}/",
        "/public/recommendations/PRK-2021-02/",
        "/public/recommendations/PRK-2021-04/",
        "/public/glossary/",
        "/public/data/",
        "/public/data/dictionary/",
        "/public/countries/north-korea/charts/tiers/",
        "/public/countries/north-korea/charts/statuses/",
    ]


WIDEST = "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"


def test_the_public_pages_pass_axe_and_fit_a_phone_and_a_laptop(
    live_server, browser, analyst, reviewer
):
    ids = _published(analyst, reviewer)
    checker = Checker(live_server.url)
    too_wide = []
    for width in (360, 1366):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        for path in _pages(ids):
            checker.open(page, path, f"{path} at {width} px", 200)
            # Wide tables scroll inside their own region; the page itself never does.
            if page.evaluate(WIDEST) > width:
                too_wide.append(f"{path} at {width} px: {page.evaluate(WIDEST)} px wide")
        context.close()
    # The page a not-yet-rendered download answers, too.
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    checker.open(
        page,
        f"/public/summaries/{ids['country']}/"
        f"progress-summary-2021-north-korea-2022-03-31-public.pdf",
        "a file not ready yet at 360 px",
        404,
    )
    context.close()
    assert checker.checked == 2 * len(_pages(ids)) + 1
    assert not checker.violations, "\n".join(checker.violations)
    assert not too_wide, "\n".join(too_wide)


def test_printing_a_public_page_leaves_out_the_site_furniture(
    live_server, browser, analyst, reviewer
):
    _published(analyst, reviewer)
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(f"{live_server.url}/public/countries/north-korea/")
    assert page.locator(".public-header").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".public-header").is_visible()
    assert not page.locator(".public-footer").is_visible()
    assert not page.locator(".embed-note").first.is_visible()
    assert page.locator("table.public-matrix").is_visible()
