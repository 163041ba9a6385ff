"""Many analysts at once, over real HTTP: nothing is lost, nothing is doubled, nothing crashes.

The app runs under gunicorn with production settings on a database of its own (a SQLite file, or
a fresh PostgreSQL database when the suite runs on PostgreSQL). Eight clients sign in and, in
parallel, change statuses of the same few recommendations and log evidence against them, the way
a browser would: read the page, then post its form with the CSRF token and the version it shows.
"""

import ast
import http.client
import json
import random
import re
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from tests.test_deploy import manage, production_env, running_app, scratch_database_url

CLIENTS = 8
OPERATIONS_PER_CLIENT = 40
HOT_RECOMMENDATIONS = 4
PASSWORD = "concurrent-analyst-passphrase"
STATUSES = ["no_action", "in_progress", "implemented", "regressed", "cannot_assess"]

CREATE_USERS = f"""
from django.contrib.auth.models import Group, User
analysts = Group.objects.get(name="Analyst")
for n in range({CLIENTS}):
    user = User.objects.create_user(username=f"analyst{{n}}", password="{PASSWORD}")
    user.groups.add(analysts)
"""

READ_BACK = """
import json
from tracker.models import Evidence, Recommendation, StatusChange
print(json.dumps({
    "changes": list(StatusChange.objects.order_by("id").values(
        "id", "recommendation_id", "old_status", "new_status", "reason", "effective_date",
        "recorded_at")),
    "recommendations": list(Recommendation.objects.order_by("id").values(
        "id", "status", "version", "initial_status")),
    "evidence": list(Evidence.objects.order_by("id").values("id", "title", "file_sha256")),
    "links": list(Evidence.recommendations.through.objects.values_list(
        "evidence_id", "recommendation_id")),
}, default=str))
"""


@dataclass
class Response:
    status: int
    headers: dict
    body: str


class Browser:
    """A minimal browser over http.client: keeps cookies, reads forms, follows no redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.lock = threading.Lock()

    def request(self, method: str, path: str, body=None, headers=None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        all_headers = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=all_headers)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", errors="replace")
            for header in raw.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return Response(raw.status, dict(raw.headers), text)
        finally:
            conn.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]]) -> Response:
        return self.request(
            "POST",
            path,
            body=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_multipart(self, path: str, fields, files=()) -> Response:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, filename, content in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            body=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


def _input_value(html: str, input_id: str) -> str:
    tag = re.search(rf'<input[^>]*\bid="{re.escape(input_id)}"[^>]*>', html)
    assert tag, f"no input #{input_id} in the page"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def _current_status(html: str) -> str:
    select = re.search(r'<select[^>]*id="status_status".*?</select>', html, re.S)
    assert select, "no status field in the page"
    chosen = re.search(r'<option value="([a-z_]+)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else ""


@dataclass
class Outcome:
    kind: str
    token: str
    recommendation: int
    status: int
    accepted: bool
    new_status: str = ""
    problems: list[str] = field(default_factory=list)


def _check(response: Response, where: str) -> list[str]:
    problems = []
    if response.status >= 500:
        problems.append(f"{where}: HTTP {response.status}")
    if "database is locked" in response.body.lower():
        problems.append(f"{where}: database is locked")
    return problems


def sign_in(browser: Browser, username: str, password: str) -> None:
    """Sign in through the login form, as a browser would."""
    login_page = browser.get("/accounts/login/")
    assert login_page.status == 200
    signed_in = browser.post(
        "/accounts/login/",
        [
            ("csrfmiddlewaretoken", _csrf_token(login_page.body)),
            ("username", username),
            ("password", password),
        ],
    )
    assert signed_in.status == 302, f"{username} could not sign in: {signed_in.status}"


def post_status(browser: Browser, rec: int, page: Response, status: str, reason: str, version):
    """Post the status form of the recommendation page `page`, from `version`."""
    return browser.post(
        f"/recommendations/{rec}/status/",
        [
            ("csrfmiddlewaretoken", _csrf_token(page.body)),
            ("status", status),
            ("reason", reason),
            ("effective_date", _input_value(page.body, "status_effective_date")),
            ("version", str(version)),
        ],
    )


def post_evidence(
    browser: Browser,
    rng: random.Random,
    rec: int,
    token: str,
    files,
    sensitivities=("public", "internal", "restricted"),
):
    """Open the evidence form for `rec` and post an item titled after `token` with `files`."""
    page = browser.get(f"/evidence/new/?recommendation={rec}")
    response = browser.post_multipart(
        f"/evidence/new/?recommendation={rec}",
        [
            ("csrfmiddlewaretoken", _csrf_token(page.body)),
            ("title", f"Evidence {token}"),
            ("source_type", rng.choice(["un", "ngo", "media", "testimony"])),
            ("direction", rng.choice(["progress", "no_change", "regression"])),
            ("sensitivity", rng.choice(sensitivities)),
            ("recommendations", str(rec)),
        ],
        files,
    )
    accepted = response.status == 302 and "/evidence/" in response.headers.get("Location", "")
    return page, response, accepted


def assert_history_chains(data: dict, initial_versions: dict[int, int]) -> None:
    """Check each item's history is one unbroken chain that its status and version match.

    Each change's old status is the one before's new status (none was based on a stale page),
    the status is that of the last change, and the version counts every change.
    """
    recommendations = {r["id"]: r for r in data["recommendations"]}
    for rec_id, initial_version in initial_versions.items():
        history = sorted(
            (c for c in data["changes"] if c["recommendation_id"] == rec_id),
            key=lambda c: (c["effective_date"], c["recorded_at"], c["id"]),
        )
        rec = recommendations[rec_id]
        expected_old = rec["initial_status"]
        for change in history:
            assert change["old_status"] == expected_old, "a change was based on a stale status"
            expected_old = change["new_status"]
        assert rec["status"] == expected_old
        assert rec["version"] == initial_version + len(history)


def _client_run(port: int, number: int, recommendation_ids: list[int]) -> list[Outcome]:
    rng = random.Random(number)
    browser = Browser(port)
    sign_in(browser, f"analyst{number}", PASSWORD)
    outcomes = []
    for op in range(OPERATIONS_PER_CLIENT):
        rec = rng.choice(recommendation_ids)
        token = f"c{number}-op{op}-{uuid.uuid4().hex[:8]}"
        if rng.random() < 0.7:
            page = browser.get(f"/recommendations/{rec}/")
            problems = _check(page, "recommendation page")
            current = _current_status(page.body)
            new_status = rng.choice([s for s in STATUSES if s != current])
            version = _input_value(page.body, "status_version")
            response = post_status(
                browser, rec, page, new_status, f"Observed change {token}", version
            )
            accepted = response.status == 302 and response.headers.get("Location", "").endswith(
                f"/recommendations/{rec}/"
            )
            problems += _check(response, "status change")
            if not accepted and response.status not in {400, 409}:
                problems.append(f"status change answered {response.status}")
            outcomes.append(
                Outcome("status", token, rec, response.status, accepted, new_status, problems)
            )
        else:
            files = []
            if rng.random() < 0.3:
                files = [("file", f"{token}.txt", f"Interview notes {token}\n".encode())]
            page, response, accepted = post_evidence(browser, rng, rec, token, files)
            problems = _check(page, "evidence form") + _check(response, "evidence")
            if not accepted:
                problems.append(f"evidence answered {response.status}")
            outcomes.append(
                Outcome("evidence", token, rec, response.status, accepted, "", problems)
            )
    return outcomes


@pytest.mark.slow
def test_parallel_analysts_lose_and_double_nothing_over_http(tmp_path):
    with scratch_database_url(tmp_path) as database_url:
        env = production_env(tmp_path, DATABASE_URL=database_url)
        setup = [("seed_demo", "--no-accounts"), ("shell", "-v", "0", "-c", CREATE_USERS)]
        with running_app(env, tmp_path, setup=setup, workers=2) as port:
            ids = manage(
                env,
                "shell",
                "-v",
                "0",
                "-c",
                "from tracker.models import Recommendation; print(dict(Recommendation.objects"
                ".filter(report__year=2021, report__country__code='PRK')"
                f".order_by('number').values_list('id', 'version')[:{HOT_RECOMMENDATIONS}]))",
            )
            assert ids.returncode == 0, ids.stderr
            # Importing links each year to the one before, which may already bump a version.
            initial_versions = {int(k): v for k, v in ast.literal_eval(ids.stdout.strip()).items()}
            recommendation_ids = sorted(initial_versions)
            assert len(recommendation_ids) == HOT_RECOMMENDATIONS
            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                futures = [
                    pool.submit(_client_run, port, n, recommendation_ids) for n in range(CLIENTS)
                ]
                outcomes = [o for f in futures for o in f.result()]
        state = manage(env, "shell", "-v", "0", "-c", READ_BACK)
        assert state.returncode == 0, state.stderr
        data = json.loads(state.stdout)

    assert len(outcomes) == CLIENTS * OPERATIONS_PER_CLIENT
    problems = [p for o in outcomes for p in o.problems]
    assert problems == []

    status_posts = [o for o in outcomes if o.kind == "status"]
    accepted_changes = [o for o in status_posts if o.accepted]
    refused_changes = [o for o in status_posts if not o.accepted]
    print(
        f"{len(outcomes)} posts: {len(accepted_changes)} status changes accepted, "
        f"{Counter(o.status for o in refused_changes)} refused; "
        f"{sum(o.kind == 'evidence' for o in outcomes)} evidence logged"
    )
    # Contention must really have happened, and work must still have got through.
    assert accepted_changes and refused_changes
    assert {o.status for o in refused_changes} <= {400, 409}

    # Every accepted change is in the history exactly once; no refused one is.
    reasons = Counter(change["reason"] for change in data["changes"])
    assert all(count == 1 for count in reasons.values())
    assert set(reasons) == {f"Observed change {o.token}" for o in accepted_changes}
    by_token = {f"Observed change {o.token}": o for o in accepted_changes}
    for change in data["changes"]:
        outcome = by_token[change["reason"]]
        assert change["recommendation_id"] == outcome.recommendation
        assert change["new_status"] == outcome.new_status

    # Each recommendation's history is an unbroken chain, its version counts every accepted
    # change, and its status is that of the last accepted change.
    assert_history_chains(data, initial_versions)

    # Every accepted piece of evidence is stored once, linked to its recommendation.
    evidence_posts = [o for o in outcomes if o.kind == "evidence"]
    assert evidence_posts and all(o.accepted for o in evidence_posts)
    titles = Counter(e["title"] for e in data["evidence"])
    assert titles == Counter(f"Evidence {o.token}" for o in evidence_posts)
    evidence_ids = {e["title"]: e["id"] for e in data["evidence"]}
    links = {tuple(link) for link in data["links"]}
    for outcome in evidence_posts:
        assert (evidence_ids[f"Evidence {outcome.token}"], outcome.recommendation) in links
