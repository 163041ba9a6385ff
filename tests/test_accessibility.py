"""Every page of the app, for every role that can open it, checked with axe-core (WCAG 2.1 A/AA).

The pages are filled with the demo data (`seed_demo`, then evidence, status changes,
assessments, notifications, a published summary and an import job made through the services),
and each page is checked once more with a flash message of every level shown. The list of pages
is held against the URL patterns, so a new page without a check fails here.
"""

import datetime
import io
import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import URLResolver, get_resolver, resolve
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.conftest import NARRATIVES
from tests.factories import UserFactory
from tests.test_two_factor import code_for
from tracker import exportjobs, roles, services
from tracker.management.commands.seed_demo import DEMO_ACCOUNTS
from tracker.models import Evidence, ImportJob, Recommendation, StatusChange

# Playwright's sync API runs its own event loop in this thread; the ORM calls made between
# browser steps are ordinary blocking calls, which Django would otherwise refuse.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ROLES = ("viewer", "analyst", "reviewer")
SIGNED_IN = ROLES
REVIEWER = ("reviewer",)
EDITORS = ("analyst", "reviewer")
POST_ONLY = "POST only: it saves and redirects to a page checked here, or answers 405 to GET."

# URL names with no page of their own to check, and why.
NOT_PAGES = {
    "logout": POST_ONLY,
    "saved_filter_save": POST_ONLY,
    "language_set": POST_ONLY,
    "saved_filter_delete": POST_ONLY,
    "notification_read_all": POST_ONLY,
    "notification_read": POST_ONLY,
    "notification_settings": POST_ONLY,
    "recommendation_status": POST_ONLY,
    "recommendation_void_change": POST_ONLY,
    "recommendation_owner": POST_ONLY,
    "recommendation_pillar": POST_ONLY,
    "recommendation_translation": POST_ONLY,
    "recommendation_translation_remove": POST_ONLY,
    "evidence_withdraw": POST_ONLY,
    "assessment_save": POST_ONLY,
    "assessment_submit": POST_ONLY,
    "assessment_review": POST_ONLY,
    "assessment_correct": POST_ONLY,
    "summary_withhold_all": POST_ONLY,
    "summary_withhold_country": POST_ONLY,
    "api:token_revoke": POST_ONLY,
    "evidence_file": "A file download (the evidence's own bytes), not a page.",
    "export_job_file": "A file download (a finished export), not a page.",
    "api:schema": "The OpenAPI document (YAML or JSON) for tools; its page is api:docs.",
    "evidence_by_id": "An old address by id: sends a reviewer on to the item's page (checked).",
    "public_root": "A redirect to the front page.",
    "language_link": "A redirect that sets the language (the public site's menu), not a page.",
    "public_feed": "An Atom feed, for feed readers.",
    "public_country_feed": "An Atom feed, for feed readers.",
    "public_data_file": "An open-data file (CSV, JSON, checksums), not a page.",
    "public_summary_file": "A published summary's file (JSON, PDF, XLSX, CSV), not a page.",
    "public_robots": "robots.txt, for crawlers.",
    "public_sitemap": "The sitemap, for search engines.",
}
# Namespaces and name patterns outside the app's own pages.
NOT_PAGE_NAMESPACES = {
    # Django's own admin: Django's templates, for administrators only.
    "admin": "Django's admin",
}
API_ROOT = "api/v1/"


@dataclass
class Demo:
    """The ids the pages are opened with."""

    rec: int = 0
    carried: int = 0
    report: int = 0
    evidence: int = 0
    restricted: int = 0
    assessment_rec: int = 0
    published: int = 0
    job: int = 0
    narrative_job: int = 0
    failed_job: int = 0
    export: int = 0
    country: str = ""
    year: int = 2021
    seen: set = field(default_factory=set)


@dataclass
class Page:
    name: str
    path: object  # a function of Demo giving the path
    roles: tuple
    status: int = 200
    ready: str = ""  # a selector that shows the page has drawn what its scripts add
    messages: bool = True  # whether the page shows flash messages (the base layout does)

    def url(self, demo: Demo) -> str:
        return self.path(demo)


PAGES = [
    Page("login", lambda d: "/accounts/login/", ("anonymous",)),
    # The public site, for visitors who are not signed in (tests/test_public_browser.py checks
    # it at a phone's width too). Its pages are the same for everyone: no flash messages.
    *(
        Page(name, path, ("anonymous",), messages=False)
        for name, path in [
            ("home", lambda d: "/"),
            ("public_country", lambda d: f"/public/countries/{d.country}/"),
            ("public_summary", lambda d: f"/public/summaries/{d.published}/"),
            ("public_recommendation", lambda d: "/public/recommendations/PRK-2021-04/"),
            ("public_glossary", lambda d: "/public/glossary/"),
            ("public_data", lambda d: "/public/data/"),
            ("public_data_dictionary", lambda d: "/public/data/dictionary/"),
            ("public_country_chart", lambda d: f"/public/countries/{d.country}/charts/tiers/"),
        ]
    ),
    Page("home", lambda d: "/", SIGNED_IN),
    Page("password_change", lambda d: "/accounts/password_change/", SIGNED_IN),
    Page("password_change_done", lambda d: "/accounts/password_change/done/", SIGNED_IN),
    Page("two_factor_setup", lambda d: "/accounts/two-factor/", SIGNED_IN),
    Page("search", lambda d: "/search/?q=korea", SIGNED_IN),
    Page("glossary", lambda d: "/glossary/", ("anonymous", *SIGNED_IN)),
    Page("notification_list", lambda d: "/notifications/", SIGNED_IN),
    Page("recommendation_list", lambda d: "/recommendations/", SIGNED_IN),
    Page("recommendation_list", lambda d: "/recommendations/?q=wages&year=2021", SIGNED_IN),
    Page("recommendation_bulk", lambda d: "/recommendations/bulk/?year=2022", EDITORS),
    Page("recommendation_detail", lambda d: f"/recommendations/{d.rec}/", SIGNED_IN),
    Page("recommendation_detail", lambda d: f"/recommendations/{d.carried}/", EDITORS),
    Page("recommendation_lineage", lambda d: f"/recommendations/{d.carried}/lineage/", SIGNED_IN),
    Page("report_list", lambda d: "/reports/", SIGNED_IN),
    Page("report_detail", lambda d: f"/reports/{d.report}/", SIGNED_IN),
    Page("import_upload", lambda d: "/import/", REVIEWER),
    Page("import_job", lambda d: f"/import/jobs/{d.job}/", REVIEWER),
    # One narrative uploaded and read: its preview, with the form to correct and confirm it.
    Page("import_job", lambda d: f"/import/jobs/{d.narrative_job}/", REVIEWER),
    # One refused by the worker: its message and the way back to the form.
    Page("import_job", lambda d: f"/import/jobs/{d.failed_job}/", REVIEWER),
    # An export job's page is its owner's only: the reviewer's finished one.
    Page("export_job", lambda d: f"/exports/{d.export}/", REVIEWER),
    Page("evidence_list", lambda d: "/evidence/", SIGNED_IN),
    Page("evidence_new", lambda d: f"/evidence/new/?recommendation={d.rec}", EDITORS),
    Page("evidence_detail", lambda d: f"/evidence/{d.evidence}/", SIGNED_IN),
    Page("evidence_detail", lambda d: f"/evidence/{d.restricted}/", REVIEWER),
    Page("evidence_edit", lambda d: f"/evidence/{d.evidence}/edit/", EDITORS),
    Page(
        "assessment_detail",
        lambda d: f"/recommendations/{d.assessment_rec}/assessments/{d.year}/",
        SIGNED_IN,
    ),
    Page("assessment_detail", lambda d: f"/recommendations/{d.rec}/assessments/{d.year}/", EDITORS),
    Page("assessment_queue", lambda d: "/assessments/review/", REVIEWER),
    Page("summary_index", lambda d: "/summaries/", SIGNED_IN),
    Page("summary_all", lambda d: f"/summaries/{d.year}/", SIGNED_IN),
    Page("summary_country", lambda d: f"/summaries/{d.year}/{d.country}/", SIGNED_IN),
    Page("summary_publish_all", lambda d: f"/summaries/{d.year}/publish/", REVIEWER),
    Page(
        "summary_publish_country", lambda d: f"/summaries/{d.year}/{d.country}/publish/", REVIEWER
    ),
    Page("published_summary_detail", lambda d: f"/summaries/published/{d.published}/", SIGNED_IN),
    Page(
        "published_summary_compare",
        lambda d: f"/summaries/published/{d.published}/compare/",
        SIGNED_IN,
    ),
    Page("country_list", lambda d: "/countries/", SIGNED_IN),
    Page("country_detail", lambda d: f"/countries/{d.country}/", SIGNED_IN),
    Page("compare", lambda d: "/compare/", SIGNED_IN),
    Page("api:tokens", lambda d: "/accounts/tokens/", SIGNED_IN),
    # Swagger UI's own page, drawn by its script; it shows no flash messages.
    Page(
        "api:docs", lambda d: "/api/v1/docs/", SIGNED_IN, ready=".swagger-ui .info", messages=False
    ),
    # The error pages: a page that does not exist, a role refused, a malformed request.
    Page("", lambda d: "/no-such-page/", SIGNED_IN, status=404),
    Page("", lambda d: f"/evidence/{d.restricted}/", ("viewer",), status=404),
    Page("", lambda d: "/assessments/review/", ("viewer", "analyst"), status=403),
    Page("", lambda d: "/recommendations/?" + "&".join(["q=x"] * 1001), SIGNED_IN, status=400),
]
# Pages reached by submitting a form, checked in test_pages_reached_by_a_form_have_no_violation.
FORM_PAGES = {"two_factor_verify"}


def _app_page_names() -> set[str]:
    names = set()
    for name, route in _routes(get_resolver().url_patterns):
        if name.split(":")[0] in NOT_PAGE_NAMESPACES and ":" in name:
            continue
        if route.lstrip("^").startswith(API_ROOT) and name not in ("api:docs", "api:schema"):
            continue  # the REST API itself answers JSON, not pages
        names.add(name)
    return names


def test_every_page_of_the_app_has_an_accessibility_check_or_a_reason_why_not():
    names = _app_page_names()
    checked = {page.name for page in PAGES if page.name} | FORM_PAGES
    assert not checked & set(NOT_PAGES), "a page is both checked and excluded"
    missing = names - checked - set(NOT_PAGES)
    assert not missing, f"pages with no accessibility check (add them to PAGES): {sorted(missing)}"
    stale = (checked | set(NOT_PAGES)) - names
    assert not stale, f"checks or exclusions of URL names that no longer exist: {sorted(stale)}"


_ANY = {
    "year": "2021",
    "id": "1",
    "int": "1",
    "slug": "north-korea",
    "str": "fr",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


@pytest.mark.django_db
def test_the_pages_excluded_as_post_only_refuse_get(reviewer_client):
    routes = dict(_routes(get_resolver().url_patterns))
    for name in (n for n, why in NOT_PAGES.items() if why == POST_ONLY):
        # Any id will do: the method is refused before the record is looked up.
        path = "/" + re.sub(r"<(\w+):\w+>", lambda m: _ANY[m[1]], routes[name])
        response = reviewer_client.get(path)
        assert response.status_code == 405, (name, path, response.status_code)


def _routes(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = pattern.name or f"(no name: {prefix}{pattern.pattern})"
            yield (f"{namespace}:{name}" if namespace else name), prefix + str(pattern.pattern)


# ---- The pages in a real Chromium ----

PASSWORDS = {username: password for username, password, *_ in DEMO_ACCOUNTS}
ENROLLED = ("enrolled", "an-enrolled-passphrase-5")
LEVELS = [
    (constants.SUCCESS, "The status of PRK-2021-04 was saved."),
    (constants.INFO, "Nothing has changed since this summary was published."),
    (constants.WARNING, "You signed in with a recovery code; 9 remain."),
    (constants.ERROR, "That upload is no longer waiting; upload the file again."),
]


def _demo_data() -> Demo:
    """What `make run` prepares, then a day's work recorded through the services."""
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    from reports import services as report_services

    users = {u.username: u for u in get_user_model().objects.all()}
    analyst, reviewer = users["analyst"], users["reviewer"]
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    other = Recommendation.objects.get(reference="PRK-2021-02")
    carried = Recommendation.objects.filter(report__year=2022, needs_review=True).first()
    public = services.evidence_log(
        by=analyst,
        title="UN Panel of Experts report",
        source_type="un",
        direction="no_change",
        sensitivity="public",
        source_name="UN Security Council",
        url="https://example.org/panel",
        quote="No prosecutions were reported.",
        summary="The panel found no change in the overseas labour programme.",
        recommendations=[rec, other],
    )
    restricted = services.evidence_log(
        by=analyst,
        title="Interview with a returned worker",
        source_type="testimony",
        direction="progress",
        sensitivity="restricted",
        recommendations=[rec],
    )
    withdrawn = services.evidence_log(
        by=analyst,
        title="A duplicate",
        source_type="media",
        direction="no_change",
        recommendations=[rec],
    )
    services.evidence_withdraw(evidence=withdrawn, reason="Logged twice.", by=analyst)
    services.recommendation_set_owner(recommendation=rec, owner=analyst, by=reviewer)
    change = services.recommendation_set_status(
        recommendation=rec,
        status="regressed",
        reason="A wrong entry.",
        by=analyst,
        effective_date=datetime.date(2022, 1, 10),
    )
    services.status_change_void(change=change, reason="Recorded on the wrong item.", by=analyst)
    services.recommendation_set_status(
        recommendation=rec,
        status="in_progress",
        reason="Deductions stopped.",
        # Public, so the check before publishing lists it with its form to withhold it.
        reason_sensitivity="public",
        by=analyst,
        effective_date=datetime.date(2022, 2, 1),
        evidence=[public],
    )
    approved = services.assessment_draft(
        recommendation=other,
        year=2021,
        by=analyst,
        rating="no_progress",
        confidence="moderate",
        narrative="No sign of change.",
        narrative_sensitivity="public",
        evidence=[public],
    )
    services.assessment_submit(assessment=approved, by=analyst)
    services.assessment_approve(assessment=approved, by=reviewer, note="Agreed.")
    draft = services.assessment_draft(
        recommendation=rec,
        year=2021,
        by=analyst,
        rating="limited",
        confidence="low",
        narrative="Some reports of change.",
    )
    services.assessment_submit(assessment=draft, by=analyst)
    services.saved_filter_save(
        by=analyst, list_name="recommendations", name="North Korea", query="country=north-korea"
    )
    published = report_services.summary_publish(year=2021, country=rec.report.country, by=reviewer)
    job = ImportJob.objects.create(
        name="tip-2021-two-countries.txt",
        data=_two_narratives(),
        sha256="0" * 64,
        year=2021,
        created_by=reviewer,
    )
    from tracker import tasks

    tasks.read_import_job.call(job.pk)
    narrative_job = ImportJob.objects.create(
        name="2021_gambia.txt",
        data=(NARRATIVES / "2021_gambia.txt").read_bytes(),
        sha256="1" * 64,
        created_by=reviewer,
    )
    tasks.read_import_job.call(narrative_job.pk)
    failed_job = ImportJob.objects.create(
        name="2021_gambia.pdf",
        sha256="2" * 64,
        country="The Gambia",
        year=2021,
        state=ImportJob.State.FAILED,
        error="2021_gambia.pdf: took longer than 5 s to read; nothing was imported.",
        created_by=reviewer,
    )
    export, _ = services.export_job_request(
        by=reviewer,
        kind="recommendations",
        fmt="csv",
        parameters={"query": "year=2021"},
        audience="restricted",
        title="Recommendation list, 2021 (CSV)",
    )
    exportjobs.build(export.pk)
    _enrolled_user()
    return Demo(
        rec=rec.pk,
        carried=carried.pk,
        report=rec.report_id,
        evidence=public.public_id,
        restricted=restricted.public_id,
        assessment_rec=other.pk,
        published=published.pk,
        job=job.pk,
        narrative_job=narrative_job.pk,
        failed_job=failed_job.pk,
        export=export.pk,
        country=rec.report.country.slug,
    )


def _two_narratives() -> bytes:
    return b"\n\n".join(
        (NARRATIVES / name).read_bytes() for name in ("2021_gambia.txt", "2021_syria.txt")
    )


def _enrolled_user():
    username, password = ENROLLED
    user = UserFactory(username=username, role=roles.ANALYST)
    user.set_password(password)
    user.save()
    return user


def _messages_cookie() -> str:
    """The signed cookie Django's message framework sets after a redirect, one message a level."""
    storage = CookieStorage(HttpRequest())
    for level, text in LEVELS:
        storage.add(level, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies[storage.cookie_name].value


class Checker:
    """Run axe-core on pages and keep every violation with the page and role it was on."""

    def __init__(self, base_url):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.base_url = base_url
        self.violations: list[str] = []
        self.checked = 0

    def check(self, page, label: str) -> None:
        results = self.axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_21_AA},
                "resultTypes": ["violations"],
            },
        )
        self.checked += 1
        for violation in results.response["violations"]:
            for node in violation["nodes"]:
                self.violations.append(
                    f"{label}: {violation['id']} ({violation['impact']}) at "
                    f"{', '.join(map(str, node['target']))}: {violation['help']}"
                )

    def open(self, page, path, label, status, *, ready="", with_messages=False) -> None:
        if with_messages:
            page.context.add_cookies(
                [
                    {
                        "name": settings.MESSAGE_COOKIE_NAME
                        if hasattr(settings, "MESSAGE_COOKIE_NAME")
                        else "messages",
                        "value": _messages_cookie(),
                        "url": self.base_url,
                    }
                ]
            )
        response = page.goto(self.base_url + path)
        assert response.status == status, f"{label}: answered {response.status}, not {status}"
        if ready:
            page.locator(ready).first.wait_for()
        if with_messages:
            assert page.locator(".messages li").count() == len(LEVELS), f"{label}: no messages"
            # Every page that shows messages moves the focus to them (static/js/messages.js).
            focused = page.evaluate("document.activeElement.className")
            assert focused == "messages-region", f"{label}: the focus is on {focused!r}"
        self.check(page, label)


def _sign_in(page, base_url, username, password):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_page_for_every_role_has_no_wcag_violation(live_server, browser):
    demo = _demo_data()
    checker = Checker(live_server.url)
    expected = 0
    # Every role at a laptop's width, with messages once a page; the reviewer, who has every
    # page, again at a tablet's, where tables scroll and the header stacks.
    for role, width in [*((role, 1366) for role in ("anonymous", *ROLES)), ("reviewer", 820)]:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        if role != "anonymous":
            _sign_in(page, live_server.url, role, PASSWORDS[role])
        for spec in (p for p in PAGES if role in p.roles):
            path = spec.url(demo)
            label = f"{path[:80]} as {role} at {width} px"
            checker.open(page, path, label, spec.status, ready=spec.ready)
            expected += 1
            if spec.name:
                assert resolve(urlsplit(page.url).path).view_name == spec.name, label
            if spec.messages and role == spec.roles[-1] and width == 1366:
                checker.open(
                    page,
                    path,
                    f"{label}, with messages",
                    spec.status,
                    ready=spec.ready,
                    with_messages=True,
                )
                expected += 1
        context.close()
    assert checker.checked == expected > 100
    assert not checker.violations, "\n".join(
        [f"{len(checker.violations)} WCAG 2.1 AA violation(s):", *checker.violations]
    )


def _path_is(page, name) -> None:
    assert resolve(urlsplit(page.url).path).view_name == name, page.url


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_reached_by_a_form_have_no_wcag_violation(live_server, browser):
    """The pages a form answers with: previews, the two-factor steps, the lock-out."""
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    user = _enrolled_user()
    checker = Checker(live_server.url)
    base = live_server.url

    def messages_next(page):
        page.context.add_cookies([{"name": "messages", "value": _messages_cookie(), "url": base}])

    # A reviewer's import preview and an analyst's bulk preview.
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _sign_in(page, base, "reviewer", PASSWORDS["reviewer"])
    page.goto(f"{base}/import/")
    page.get_by_label("Narrative file").set_input_files(
        str(NARRATIVES / "2021_gambia_protection-section.txt")
    )
    page.get_by_role("button", name=re.compile("Preview|Upload|Read")).click()
    page.wait_for_load_state()
    _path_is(page, "import_job")
    expect(page.locator("#progress")).to_contain_text("Waiting for the worker")
    checker.check(page, "import waiting for the worker as reviewer")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    # No reload here: the page follows the worker by itself and shows the preview once read.
    expect(page.get_by_role("button", name="Check again")).to_be_visible(timeout=15_000)
    checker.check(page, "import preview as reviewer")
    page.goto(f"{base}/recommendations/bulk/?year=2022")
    page.get_by_role("link", name=re.compile(r"Tick all \d+ shown")).click()
    page.check("input[name=action][value=owner]")
    page.select_option("select[name=owner]", label="analyst")
    messages_next(page)
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name=re.compile(r"Apply to \d+ items"))).to_be_visible()
    checker.check(page, "bulk preview as reviewer, with messages")
    context.close()

    # Two-factor sign-in: the set-up page, the recovery codes, the code asked at sign-in.
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    _sign_in(page, base, *ENROLLED)
    page.goto(f"{base}/accounts/two-factor/")
    checker.check(page, "two-factor set-up as analyst")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Code").fill(code_for(device))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".recovery-codes")).to_be_visible()
    checker.check(page, "two-factor recovery codes as analyst")
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=device.last_t - 1)
    _sign_in(page, base, *ENROLLED)
    _path_is(page, "two_factor_verify")
    checker.check(page, "two-factor code at sign-in as analyst")
    page.get_by_label("Code").fill(code_for(device))
    page.get_by_role("button", name=re.compile("Sign in|Verify|Continue")).click()
    page.wait_for_load_state()
    messages_next(page)
    page.goto(f"{base}/accounts/two-factor/")
    assert page.locator(".messages li").count() == len(LEVELS)
    checker.check(page, "two-factor set-up, turned on, as analyst, with messages")
    context.close()

    # Where it is required, a reviewer first gives the enrolment code an administrator gave.
    with override_settings(TWO_FACTOR_REQUIRED="reviewers"):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        _sign_in(page, base, "reviewer", PASSWORDS["reviewer"])
        page.goto(f"{base}/accounts/two-factor/")
        expect(page.get_by_label("Enrolment code")).to_be_visible()
        checker.check(page, "two-factor enrolment code as reviewer")
        page.get_by_label("Enrolment code").fill("aaaa-bbbb-cccc-dddd")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".errorlist")).to_contain_text("not right")
        checker.check(page, "two-factor enrolment code refused, as reviewer")
        context.close()

    # Anonymous: the lock-out after failed sign-ins.
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(page, base, "viewer", "not-the-password")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("lock", re.I))
    checker.check(page, "lock-out page as anonymous")
    context.close()

    assert checker.checked == 10
    assert not checker.violations, "\n".join(
        [f"{len(checker.violations)} WCAG 2.1 AA violation(s):", *checker.violations]
    )


# ---- Journey 1 with the keyboard alone ----

FOCUSED = """() => {
  const e = document.activeElement;
  const label = e.labels && e.labels.length ? e.labels[0].textContent.trim() : "";
  return {tag: e.tagName.toLowerCase(), name: e.name || "", id: e.id || "", type: e.type || "",
          text: (e.textContent || "").trim().slice(0, 300), label: label,
          role: e.getAttribute("role") || "", cls: e.className || ""};
}"""


def _focused(page) -> dict:
    return page.evaluate(FOCUSED)


def _tab_to(page, wanted, limit=150) -> dict:
    """Press Tab until the focused element is the one `wanted` accepts (the current one counts)."""
    seen = []
    for _ in range(limit):
        now = _focused(page)
        if wanted(now):
            return now
        seen.append(f"{now['tag']}#{now['id']}[{now['name']}] {now['text'][:30]!r}")
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the element; it went through: {seen}")


def _choose(page, key, text, limit=30) -> None:
    """Move through a focused select or radio group with an arrow key until `text` is chosen."""
    for _ in range(limit):
        chosen = page.evaluate(
            """() => { const e = document.activeElement;
              if (e.tagName === "SELECT") return e.selectedOptions[0].text;
              return e.checked && e.labels.length ? e.labels[0].textContent.trim() : ""; }"""
        )
        if chosen.strip() == text:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{text!r} could not be chosen with {key}")


def _assert_the_message_has_the_focus(page, text) -> None:
    page.wait_for_load_state()  # the deferred script has run by then
    focused = _focused(page)
    assert "messages-region" in focused["cls"], focused
    assert focused["role"] == "status", focused
    assert text in focused["text"], focused
    expect(page.get_by_role("status")).to_contain_text(text)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("width", [1366, 820])
def test_journey_1_by_keyboard_alone_with_the_focus_on_each_confirmation(
    live_server, browser, width
):
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    rec = Recommendation.objects.get(reference="PRK-2021-04")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    keys = page.keyboard

    # Sign in: the skip link comes first, then the form.
    page.goto(f"{live_server.url}/recommendations/")
    _tab_to(page, lambda f: f["name"] == "username")
    keys.type("analyst")
    keys.press("Tab")
    keys.type(PASSWORDS["analyst"])
    keys.press("Enter")
    page.wait_for_url(f"{live_server.url}/recommendations/")

    # Find the recommendation by words in its text and open it.
    _tab_to(page, lambda f: f["name"] == "q" and f["label"] == "Search")
    keys.type("wages")
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/recommendations/\?.*q=wages"))
    _tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "PRK-2021-04")
    keys.press("Enter")
    page.wait_for_url(f"{live_server.url}/recommendations/{rec.pk}/")

    # Log the evidence behind the change from the recommendation's page.
    _tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "Log evidence for this recommendation")
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/evidence/new/\?"))
    _tab_to(page, lambda f: f["label"] == "Title")
    keys.type("NGO survey of returned overseas workers")
    _tab_to(page, lambda f: f["label"] == "Source type")
    _choose(page, "ArrowDown", "NGO")
    _tab_to(page, lambda f: f["name"] == "sensitivity")
    _choose(page, "ArrowDown", "Internal")
    _tab_to(page, lambda f: f["name"] == "direction")
    _choose(page, "ArrowDown", "Progress")
    # The recommendation it was opened from is ticked already; Space would untick it.
    assert page.evaluate(
        f"document.querySelector('input[name=recommendations][value=\"{rec.pk}\"]').checked"
    )
    _tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Log evidence")
    with page.expect_navigation(url=re.compile(r"/evidence/[0-9a-f-]{36}/$")):
        keys.press("Enter")
    _assert_the_message_has_the_focus(page, "NGO survey of returned overseas workers")
    evidence = Evidence.objects.get(title="NGO survey of returned overseas workers")

    # Back to the recommendation: change its status with a reason, citing that evidence.
    _tab_to(page, lambda f: f["tag"] == "a" and f["text"].startswith("PRK-2021-04"))
    keys.press("Enter")
    page.wait_for_url(f"{live_server.url}/recommendations/{rec.pk}/")
    _tab_to(page, lambda f: f["id"] == "status_status")
    _choose(page, "ArrowDown", "In progress")
    _tab_to(page, lambda f: f["label"] == "Reason")  # past the status glossary's link
    keys.type("Returning workers report that wage deductions stopped.")
    _tab_to(page, lambda f: f["label"] == "Evidence")
    _choose_in_listbox(page, evidence.title)
    _tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Save status")
    with page.expect_navigation(url=f"{live_server.url}/recommendations/{rec.pk}/"):
        keys.press("Space")
    _assert_the_message_has_the_focus(page, "The status of PRK-2021-04 was saved.")
    expect(page.locator("ol.timeline")).to_contain_text("wage deductions stopped")

    # From the message, the keyboard goes on through the page, not from its top.
    keys.press("Tab")
    assert _focused(page)["text"] != "Skip to content"
    context.close()

    change = StatusChange.objects.get(recommendation=rec)
    assert change.new_status == "in_progress"
    assert list(change.evidence.all()) == [evidence]
    assert evidence.logged_by.username == "analyst"
    assert list(evidence.recommendations.all()) == [rec]


def _choose_in_listbox(page, text) -> None:
    """Select the option `text` of the focused multiple select with the arrow keys alone."""
    for _ in range(20):
        page.keyboard.press("ArrowDown")
        selected = page.evaluate(
            "Array.from(document.activeElement.selectedOptions).map(o => o.text.trim())"
        )
        if any(text in option for option in selected):
            return
    raise AssertionError(f"{text!r} could not be selected in the list")
