"""No input of a fuzzed set gives a server error on any page, form or API endpoint.

Every URL of the app (the admin's aside) is asked with each value of a fuzzed set (huge
numbers, negative ones, numbers that are not whole, non-numeric text, bad base64, bad UTF-8,
crafted cursors, ids that are not identifiers) in every query parameter and form field the app
reads, by GET and by POST, as a reviewer's session and with a read-write token of an
administrator; its path ids are fuzzed as well. Hypothesis then draws more values and
combinations. Whatever is refused is refused with a 4xx; nothing answers 500. The suite runs
on SQLite and PostgreSQL (tests/postgres.py), so this holds on both.
"""

import itertools
import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import services as api_services
from reports import services as report_services
from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    FindingFactory,
    RecommendationFactory,
    StatusChangeFactory,
    UserFactory,
)
from tracker import roles, services
from tracker.models import Evidence

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
FUZZED = [
    HUGE,
    "9" * 40,
    str(2**63),
    str(2**63 - 1),
    "-1",
    "-" + HUGE,
    "0",
    "1.5",
    "1e9",
    "NaN",
    "abc",
    "",
    " ",
    "０１",
    "null",
    "[]",
    "\x00",
    "'; drop table tracker_evidence; --",
    "<script>alert(1)</script>",
    "2021-02-30",
    "9999-12-31",
    "00000000-0000-0000-0000-000000000000",
    "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    # Cursors: base64 of a date, a negative and a huge position, a huge offset, a bad
    # direction, text that is not UTF-8, and what is not base64 at all.
    "cD0yMDIxLTAxLTAx",
    "cD0tMQ==",
    "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
    "bz05OTk5OTk5OTk5OTk5OTk5OTk5OTk5JnA9MQ==",
    "cj0yJnA9MQ",
    "cD0AAA==",
    "gICA",
    "////",
    "====",
    "x" * 3000,
]
# Bad UTF-8, as a client sends it: percent-encoded in a query, raw in a body.
BAD_UTF8 = ["%FF%FE", "%C0%AF", "%ED%A0%80"]
PARAMETERS = [
    "page",
    "after",
    "before",
    "cursor",
    "page_size",
    "per_page",
    "year",
    "country",
    "status",
    "pillar",
    "tier",
    "owner",
    "as_of",
    "q",
    "format",
    "audience",
    "sort",
    "lang",
    "recommendation",
    "find",
    "next",
    "logged_by",
    "source_type",
    "direction",
    "sensitivity",
    "has_evidence",
    "has_approved_assessment",
    "needs_review",
    "assessment",
    "assessment_by",
    "id",
    "item",
    "version",
    "revision",
    "evidence",
    "findings",
    "recommendations",
    "days",
    "scope",
    "name",
    "action",
    "step",
    "effective_date",
    "published_on",
    "accessed_on",
    "reason",
    "title",
    "url",
    "code",
    "enrolment_code",
    "rating",
    "confidence",
    "narrative",
    "note",
    "pk",
    "selected",
    "narrative_index",
]
# Routes not asked: the admin is Django's own; signing out would end the session asked with.
SKIPPED = re.compile(r"^(admin/|accounts/logout/)")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


ROUTES = sorted(
    route
    for route in set(_routes(get_resolver().url_patterns))
    if not SKIPPED.match(route.lstrip("^")) and not route.lstrip("^").startswith("api/v1/")
)


@pytest.fixture
def world(db, reviewer, analyst):
    """One of everything the routes name, and the clients that ask."""
    rec = RecommendationFactory(
        report__year=2021, report__country__name="Freedonia", report__country__slug="freedonia"
    )
    FindingFactory(report=rec.report)
    evidence = EvidenceFactory(recommendations=[rec], logged_by=analyst)
    EvidenceFactory(
        recommendations=[rec], logged_by=analyst, sensitivity=Evidence.Sensitivity.RESTRICTED
    )
    change = StatusChangeFactory(recommendation=rec, changed_by=analyst)
    assessment = AssessmentFactory(recommendation=rec, year=2021, author=analyst)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    published = report_services.summary_publish(year=2021, country=rec.report.country, by=root)
    saved = services.saved_filter_save(
        by=reviewer, list_name="recommendations", name="mine", query="status=no_action"
    )
    token, _ = api_services.token_create(user=reviewer, name="fuzz", scope="read", days=7)
    session = Client(raise_request_exception=False)
    session.force_login(reviewer)
    _, key = api_services.token_create(user=root, name="fuzz", scope="read_write", days=7)
    api = Client(raise_request_exception=False, headers={"authorization": f"Bearer {key}"})
    UserFactory(username="someone", role=roles.VIEWER)
    return {
        "rec": rec,
        "report": rec.report,
        "evidence": evidence,
        "change": change,
        "assessment": assessment,
        "published": published,
        "saved": saved,
        "token": token,
        "session": session,
        "api": api,
    }


def _value(world, route: str, converter: str, name: str) -> str:
    """Return a real value for a path parameter of `route`, so the view is reached."""
    if converter == "uuid":
        return str(world["evidence"].public_id)
    if converter == "slug":
        return world["report"].country.slug
    if name == "year" or converter == "year":
        return "2021"
    if name == "change_pk" or name == "change_id":
        return str(world["change"].pk)
    by_prefix = [
        ("recommendations/", "rec"),
        ("reports/", "report"),
        ("assessments/", "assessment"),
        ("published", "published"),
        ("filters/", "saved"),
        ("accounts/tokens/", "token"),
    ]
    for prefix, key in by_prefix:
        if prefix in route:
            return str(world[key].pk)
    return "1"


def _path(world, route: str, fuzz: str | None = None) -> str:
    """Return `route` as a path: its parameters real, or the number ones set to `fuzz`."""

    def replace(match):
        converter, name = match[1], match[2]
        if fuzz is not None and converter in {"int", "id"}:
            return fuzz
        return _value(world, route, converter, name)

    path = re.sub(r"<(\w+):(\w+)>", replace, route.lstrip("^").rstrip("$"))
    return "/" + path.replace("\\", "")


def _ask(client, method: str, path: str, value: str):
    """Send `value` in every parameter, as a query (GET) or a form (POST)."""
    data = dict.fromkeys(PARAMETERS, value)
    if method == "GET":
        return client.get(path, data)
    return client.post(path, data)


def _ask_raw(client, method: str, path: str, raw: str):
    """Send bytes that are not UTF-8 in every parameter."""
    query = "&".join(f"{name}={raw}" for name in PARAMETERS)
    if method == "GET":
        return client.get(path, QUERY_STRING=query)
    body = query.encode() + b"&title=\xff\xfe&reason=\xc0\xaf"
    return client.generic("POST", path, body, content_type="application/x-www-form-urlencoded")


def _assert_no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


def _api_routes():
    routes = sorted(set(_routes(get_resolver().url_patterns)))
    return [route for route in routes if route.lstrip("^").startswith("api/v1/")]


@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES)
def test_no_fuzzed_query_or_form_value_gives_a_server_error_on_a_page(world, route):
    client = world["session"]
    path = _path(world, route)
    for method, value in itertools.product(("GET", "POST"), FUZZED):
        _assert_no_server_error(_ask(client, method, path, value), f"{method} {path} {value!r}")
    for method, raw in itertools.product(("GET", "POST"), BAD_UTF8):
        _assert_no_server_error(_ask_raw(client, method, path, raw), f"{method} {path} {raw}")
    if "<int:" in route or "<id:" in route:
        for value in (HUGE, str(2**63), "0"):
            fuzzed = _path(world, route, fuzz=value)
            for method in ("GET", "POST"):
                _assert_no_server_error(_ask(client, method, fuzzed, "1"), f"{method} {fuzzed}")


@pytest.mark.slow
@pytest.mark.parametrize("route", _api_routes())
def test_no_fuzzed_value_gives_a_server_error_on_the_api(world, route):
    client = world["api"]
    path = _path(world, route)
    for value in FUZZED:
        _assert_no_server_error(_ask(client, "GET", path, value), f"GET {path} {value!r}")
        body = dict.fromkeys(PARAMETERS, value)
        for lists in (False, True):
            sent = {k: [v] if lists else v for k, v in body.items()}
            for method in ("post", "patch"):
                response = getattr(client, method)(
                    path, sent, content_type="application/json", headers={"if-match": "*"}
                )
                _assert_no_server_error(response, f"{method} {path} {value!r} lists={lists}")
    for raw in BAD_UTF8:
        _assert_no_server_error(_ask_raw(client, "GET", path, raw), f"GET {path} {raw}")
    for body in (b"\xff\xfe{", b'{"evidence": ["\xff"]}', b"[" * 5000, b'{"a": 1e999999}'):
        response = client.generic("POST", path, body, content_type="application/json")
        _assert_no_server_error(response, f"POST {path} {body[:20]!r}")
    if "<int:" in route:
        for value in (HUGE, str(2**63), "0"):
            fuzzed = _path(world, route, fuzz=value)
            _assert_no_server_error(client.get(fuzzed), f"GET {fuzzed}")


LISTS = [
    "/recommendations/",
    "/recommendations/?sort=reference",
    "/evidence/",
    "/reports/",
    "/search/",
    "/notifications/",
    "/summaries/",
    "/api/v1/recommendations/",
    "/api/v1/evidence/",
    "/api/v1/countries/",
    "/api/v1/reports/",
    "/api/v1/assessments/",
    "/api/v1/published-summaries/",
]
values = (
    st.sampled_from(FUZZED)
    | st.integers(min_value=-(10**30), max_value=10**30).map(str)
    | st.text(max_size=40)
    | st.binary(max_size=24).map(lambda b: b.decode("utf-8", "surrogateescape"))
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(LISTS),
    query=st.dictionaries(st.sampled_from(PARAMETERS), values, min_size=1, max_size=4),
)
def test_no_drawn_combination_of_list_parameters_gives_a_server_error(world, path, query):
    client = world["api"] if path.startswith("/api/") else world["session"]
    # Text a browser could not send (lone surrogates) is sent percent-encoded as its bytes.
    query = {k: v.encode("utf-8", "surrogateescape").decode("latin-1") for k, v in query.items()}
    _assert_no_server_error(client.get(path, query), f"GET {path} {query!r}")
