"""The OpenAPI schema: generated without a single warning, valid OpenAPI 3, describing the paths
other tools rely on; and its documentation page, served by the app under the CSP."""

import os

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from api import services as api_services
from tests.factories import UserFactory
from tracker import roles

PATHS = [
    "/api/v1/countries/",
    "/api/v1/reports/",
    "/api/v1/recommendations/",
    "/api/v1/recommendations/{id}/",
    "/api/v1/recommendations/{id}/status-changes/",
    "/api/v1/evidence/",
    "/api/v1/evidence/{public_id}/",
    "/api/v1/evidence/{public_id}/withdraw/",
    "/api/v1/recommendations/{id}/status-changes/{change_id}/void/",
    "/api/v1/assessments/",
    "/api/v1/summaries/{year}/",
    "/api/v1/summaries/{year}/{slug}/",
    "/api/v1/published-summaries/",
    "/api/v1/public/countries/",
    "/api/v1/public/countries/{slug}/",
    "/api/v1/public/summaries/",
    "/api/v1/public/summaries/{id}/",
    "/api/v1/public/statuses/",
]


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    """Generate the schema as CI does: any warning fails, and it is validated as OpenAPI 3."""
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_the_schema_is_generated_without_warnings_and_validates(schema):
    assert schema["openapi"].startswith("3.")
    assert set(PATHS) <= set(schema["paths"])


def test_a_schema_warning_fails_generation(monkeypatch, tmp_path):
    from api import views

    # A view whose response cannot be described: drf-spectacular warns, and so must fail.
    monkeypatch.setattr(views.SummaryAllView, "get", lambda self, request, year: None)
    with pytest.raises(CommandError, match="warnings"):
        call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_lists_are_cursor_pages(schema):
    listed = schema["paths"]["/api/v1/recommendations/"]["get"]
    names = {p["name"] for p in listed["parameters"]}
    assert {"cursor", "page_size", "q", "country", "year", "status", "pillar", "as_of"} <= names
    assert "sort" not in names  # cursor pages keep their own order
    page = listed["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][page.rsplit("/", 1)[1]]
    assert set(component["required"]) == {"results", "next", "previous"}


def test_writes_declare_if_match_and_their_error_answers(schema):
    post = schema["paths"]["/api/v1/recommendations/{id}/status-changes/"]["post"]
    if_match = next(p for p in post["parameters"] if p["name"] == "If-Match")
    assert if_match["in"] == "header" and if_match["required"] is True
    assert {"201", "400", "401", "403", "404", "412", "428", "429"} <= set(post["responses"])
    assert "ETag" in post["responses"]["201"]["headers"]
    problem = post["responses"]["412"]["content"]
    assert list(problem) == ["application/problem+json"]


@pytest.mark.parametrize(
    "path,method",
    [
        ("/api/v1/evidence/{public_id}/", "patch"),
        ("/api/v1/evidence/{public_id}/withdraw/", "post"),
        ("/api/v1/recommendations/{id}/", "patch"),
        ("/api/v1/recommendations/{id}/status-changes/{change_id}/void/", "post"),
    ],
)
def test_corrections_declare_if_match_and_answer_an_etag(schema, path, method):
    operation = schema["paths"][path][method]
    if_match = next(p for p in operation["parameters"] if p["name"] == "If-Match")
    assert if_match["required"] is True
    assert {"200", "400", "403", "404", "412", "428"} <= set(operation["responses"])
    assert "ETag" in operation["responses"]["200"]["headers"]
    assert (
        "ETag"
        in schema["paths"]["/api/v1/evidence/{public_id}/"]["get"]["responses"]["200"]["headers"]
    )


def test_fields_use_the_design_vocabulary_and_carry_examples(schema):
    components = schema["components"]["schemas"]
    assert components["RecommendationStatus"]["enum"] == [
        "no_action",
        "in_progress",
        "implemented",
        "regressed",
        "cannot_assess",
    ]
    detail = schema["paths"]["/api/v1/recommendations/{id}/"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["examples"]


# --- The documentation page in a real Chromium ----------------------------------------------

# Playwright runs its own event loop in this thread; the ORM calls between browser steps are
# ordinary blocking calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_docs_page_renders_under_the_csp(live_server, browser):
    user = UserFactory(username="docs_viewer", role=roles.VIEWER)
    user.set_password("a-long-test-passphrase-7")
    user.save()
    problems, requests = [], []
    page = browser.new_page()
    page.set_default_timeout(20_000)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "docs_viewer")
    page.fill("input[name=password]", "a-long-test-passphrase-7")
    page.click("button[type=submit]")
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path")
    shown = page.locator(".opblock-summary-path").all_inner_texts()
    page.close()
    assert "/api/v1/recommendations/{id}/status-changes/" in [s.strip("\u200b") for s in shown]
    assert [m for m in problems if "Content Security Policy" in m or "Refused" in m] == []
    assert all(url.startswith(live_server.url) for url in requests), requests


def test_the_schema_served_over_http_matches_the_generated_paths(viewer, db):
    from django.test import Client

    _, key = api_services.token_create(user=viewer, name="n", scope="read", days=1)
    response = Client(headers={"authorization": f"Bearer {key}"}).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert set(PATHS) <= set(response.json()["paths"])


def test_the_docs_page_needs_a_signed_in_user(client, db):
    assert client.get("/api/v1/docs/").status_code == 302
    viewer = UserFactory(username="reader", role=roles.VIEWER)
    client.force_login(viewer)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert b"<script>" not in page.content and b"<style>" not in page.content


@pytest.mark.parametrize(
    ("path", "order"),
    [
        ("/api/v1/recommendations/", "by id, ascending: the order they were recorded"),
        ("/api/v1/reports/", "by id, ascending: the order they were recorded"),
        ("/api/v1/assessments/", "by id, ascending: the order they were recorded"),
        ("/api/v1/evidence/", "newest first (by the time it was logged, descending)"),
        ("/api/v1/published-summaries/", "newest first (by id, descending)"),
        ("/api/v1/countries/", "by name"),
    ],
)
def test_each_list_states_its_order(schema, path, order):
    assert (
        f"Results come {order}, whatever the filters."
        in schema["paths"][path]["get"]["description"]
    )


def test_the_stated_order_is_the_order_the_api_returns(token_client, analyst, seed_report):
    body = token_client(analyst).get("/api/v1/recommendations/", {"page_size": 5}).json()
    ids = [row["id"] for row in body["results"]]
    assert ids == sorted(ids) and len(ids) == 5
