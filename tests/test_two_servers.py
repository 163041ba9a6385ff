"""Two app servers on one PostgreSQL and one upload folder lose nothing, even when one dies.

Two gunicorn servers, on two ports, serve the same PostgreSQL database and write uploads to the
same folder: the deployment the design promises beyond one machine (stateless app servers).
Eight clients sign in and, each request on either server at random, change statuses, log
evidence with files and take assessments through their steps, some of them from versions they
know to be stale. Halfway through, one worker of the first server is killed with SIGKILL, as
the kernel's out-of-memory killer would. There is no background task worker yet: nothing here
runs off the request.

Afterwards every accepted write is in the database exactly once, every refused one left no
trace, a write cut off by the kill is there whole or not at all, history chains are unbroken,
no row is half-written, no file is orphaned (once `sweep_uploads` has collected what the kill
may have left), and every stored file reads back byte for byte from both servers.
"""

import hashlib
import http.client
import json
import os
import random
import re
import signal
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.postgres import postgresql_database_url
from tests.test_concurrency import (
    STATUSES,
    Browser,
    _csrf_token,
    _current_status,
    _input_value,
    assert_history_chains,
    post_evidence,
    post_status,
    sign_in,
)
from tests.test_deploy import gunicorn, manage, production_env, serving_env

CLIENTS = 8
OPERATIONS_PER_CLIENT = 12
HOT_RECOMMENDATIONS = 4
ASSESSMENT_YEARS = (2022, 2023, 2024)
PASSWORD = "two-servers-analyst-passphrase"
# Anything that means the connection died with the worker, not an answer from the app.
DROPPED = (ConnectionError, http.client.HTTPException, OSError)

# One process for the whole set-up: each start of Django costs seconds on a busy machine.
SET_UP = f"""
import json
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from tracker.models import Recommendation
call_command("collectstatic", "--noinput", verbosity=0)
call_command("migrate", "--noinput", verbosity=0)
call_command("seed_demo", "--no-accounts", verbosity=0)
for n in range({CLIENTS}):
    user = User.objects.create_user(username=f"analyst{{n}}", password="{PASSWORD}")
    user.groups.add(Group.objects.get(name="Analyst"))
reviewer = User.objects.create_user(username="reviewer", password="{PASSWORD}")
reviewer.groups.add(Group.objects.get(name="Reviewer"))
# The 2022 items have a predecessor: their changes count along a lineage chain.
hot = Recommendation.objects.filter(report__year=2022, report__country__code="PRK")
print(json.dumps(dict(hot.order_by("number").values_list("id", "version")[:{HOT_RECOMMENDATIONS}])))
"""

READ_BACK = """
import json
from tracker.models import Assessment, AssessmentEvent, Evidence, Recommendation, StatusChange
print(json.dumps({
    "changes": list(StatusChange.objects.order_by("id").values(
        "id", "recommendation_id", "old_status", "new_status", "reason", "effective_date",
        "recorded_at")),
    "recommendations": list(Recommendation.objects.order_by("id").values(
        "id", "status", "version", "initial_status")),
    "evidence": list(Evidence.objects.order_by("id").values(
        "id", "title", "file", "file_sha256", "file_size")),
    "links": list(Evidence.recommendations.through.objects.values_list(
        "evidence_id", "recommendation_id")),
    "assessments": list(Assessment.objects.order_by("id").values(
        "id", "recommendation_id", "year", "revision", "version", "state", "narrative")),
    "events": list(AssessmentEvent.objects.order_by("id").values("assessment_id", "action")),
}, default=str))
"""


class SpreadBrowser(Browser):
    """A browser whose every request goes to one of several servers, chosen at random."""

    def __init__(self, ports: list[int], rng: random.Random):
        super().__init__(ports[0])
        self.ports = ports
        self.rng = rng

    def request(self, method, path, body=None, headers=None):
        self.port = self.rng.choice(self.ports)
        return super().request(method, path, body=body, headers=headers)


@dataclass
class Outcome:
    """One write a client attempted: what it was, and how the servers answered."""

    kind: str
    token: str
    recommendation: int
    status: int = 0
    accepted: bool = False
    dropped: bool = False
    stale: bool = False
    new_status: str = ""
    year: int = 0
    content: bytes = b""
    problems: list[str] = field(default_factory=list)


def _answered(outcome: Outcome, response, redirect_to: str) -> Outcome:
    outcome.status = response.status
    outcome.accepted = response.status == 302 and response.headers.get("Location", "").endswith(
        redirect_to
    )
    if response.status >= 500 or not outcome.accepted and response.status not in {400, 409}:
        outcome.problems.append(f"{outcome.kind} {outcome.token}: HTTP {response.status}")
    if outcome.stale and outcome.accepted:
        outcome.problems.append(f"{outcome.kind} {outcome.token}: a stale write was accepted")
    return outcome


def _status_change(browser, rng, rec, token) -> Outcome:
    outcome = Outcome("status", token, rec, stale=rng.random() < 0.25)
    page = browser.get(f"/recommendations/{rec}/")
    current = _current_status(page.body)
    outcome.new_status = rng.choice([s for s in STATUSES if s != current])
    version = int(_input_value(page.body, "status_version"))
    response = post_status(
        browser,
        rec,
        page,
        outcome.new_status,
        f"Observed change {token}",
        version - 1 if outcome.stale else version,
    )
    return _answered(outcome, response, f"/recommendations/{rec}/")


def _evidence(browser, rng, rec, token) -> Outcome:
    # Restricted items would be readable afterwards only by their authors and reviewers.
    outcome = Outcome("evidence", token, rec)
    files = []
    if rng.random() < 0.6:
        outcome.content = f"Interview notes {token}\n{uuid.uuid4().hex * rng.randint(1, 64)}\n"
        outcome.content = outcome.content.encode()
        files = [("file", f"{token}.txt", outcome.content)]
    _page, response, outcome.accepted = post_evidence(
        browser, rng, rec, token, files, sensitivities=("public", "internal")
    )
    outcome.status = response.status
    if not outcome.accepted:
        outcome.problems.append(f"evidence {token}: HTTP {response.status}")
    return outcome


def _assessment_step(browser, rng, rec, token) -> Outcome:
    """Draft, edit or submit the assessment of `rec` for a year, whichever its state allows."""
    year = rng.choice(ASSESSMENT_YEARS)
    base = f"/recommendations/{rec}/assessments/{year}/"
    page = browser.get(base)
    outcome = Outcome("draft", token, rec, year=year, stale=rng.random() < 0.25)
    if 'id="assessment_version"' not in page.body:
        # Submitted: only a reviewer acts on it now. The step is a read, and nothing more.
        outcome.kind = "none"
        return outcome
    csrf = _csrf_token(page.body)
    version = _input_value(page.body, "assessment_version")
    if version and rng.random() < 0.3:
        outcome.kind = "submit"
        version = int(_input_value(page.body, "step_version"))
        response = browser.post(
            base + "submit/",
            [
                ("csrfmiddlewaretoken", csrf),
                ("version", str(version - 1 if outcome.stale else version)),
                ("revision", _input_value(page.body, "step_revision")),
            ],
        )
        return _answered(outcome, response, base)
    if version:
        outcome.kind = "edit"
        version = str(int(version) - 1 if outcome.stale else int(version))
    else:
        outcome.stale = False
    response = browser.post(
        base + "draft/",
        [
            ("csrfmiddlewaretoken", csrf),
            ("rating", rng.choice(["no_progress", "limited", "substantial"])),
            ("confidence", rng.choice(["high", "moderate", "low"])),
            ("narrative", f"Assessed {token}"),
            ("version", version),
            ("revision", _input_value(page.body, "assessment_revision")),
        ],
    )
    return _answered(outcome, response, base)


def _client_run(ports, number, recommendation_ids, progress) -> list[Outcome]:
    rng = random.Random(1000 + number)
    browser = SpreadBrowser(ports, rng)
    sign_in(browser, f"analyst{number}", PASSWORD)
    outcomes = []
    for op in range(OPERATIONS_PER_CLIENT):
        rec = rng.choice(recommendation_ids)
        token = f"c{number}-op{op}-{uuid.uuid4().hex[:8]}"
        roll = rng.random()
        action = _status_change if roll < 0.45 else _evidence if roll < 0.7 else _assessment_step
        try:
            outcomes.append(action(browser, rng, rec, token))
        except DROPPED as exc:
            # The worker died under this request: whether the write happened is not known.
            kind = {_status_change: "status", _evidence: "evidence"}.get(action, "assessment")
            outcomes.append(Outcome(kind, token, rec, dropped=True, problems=[]))
            print(f"{token}: connection lost ({exc!r})")
        progress.release()
    return outcomes


def _worker_pids(log: Path) -> list[int]:
    return [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", log.read_text())]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _kill_a_worker_halfway(progress: threading.Semaphore, log: Path, killed: list[int]) -> None:
    for _ in range(CLIENTS * OPERATIONS_PER_CLIENT // 2):
        progress.acquire()
    pid = next(pid for pid in _worker_pids(log) if _alive(pid))
    os.kill(pid, signal.SIGKILL)
    killed.append(pid)


def _download(browser: Browser, evidence_id: int) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", browser.port, timeout=60)
    conn.request(
        "GET",
        f"/evidence/{evidence_id}/file/",
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())},
    )
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 200, f"file of evidence {evidence_id}: HTTP {response.status}"
    return body


@pytest.mark.slow
def test_two_servers_on_one_postgresql_lose_nothing_when_a_worker_is_killed(tmp_path):
    started = time.monotonic()
    uploads = tmp_path / "uploads"
    with postgresql_database_url(tmp_path) as database_url:
        env = production_env(tmp_path, DATABASE_URL=database_url, MEDIA_ROOT=str(uploads))
        env = serving_env(env, tmp_path)
        ready = manage(env, "shell", "-v", "0", "-c", SET_UP)
        assert ready.returncode == 0, ready.stderr
        initial_versions = {int(k): v for k, v in json.loads(ready.stdout.splitlines()[-1]).items()}
        recommendation_ids = sorted(initial_versions)
        assert len(recommendation_ids) == HOT_RECOMMENDATIONS

        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        with (
            gunicorn(env, tmp_path / "a", workers=2) as (port_a, _, log_a),
            gunicorn(env, tmp_path / "b", workers=2) as (port_b, _, _),
        ):
            progress = threading.Semaphore(0)
            killed: list[int] = []
            # A daemon: if a client fails early, the killer must not keep the run alive.
            killer = threading.Thread(
                target=_kill_a_worker_halfway, args=(progress, log_a, killed), daemon=True
            )
            killer.start()
            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                futures = [
                    pool.submit(_client_run, [port_a, port_b], n, recommendation_ids, progress)
                    for n in range(CLIENTS)
                ]
                outcomes = [o for f in futures for o in f.result()]
            killer.join(timeout=30)
            state = manage(env, "shell", "-v", "0", "-c", READ_BACK)
            assert state.returncode == 0, state.stderr
            data = json.loads(state.stdout)
            sweep = manage(env, "sweep_uploads", "--older-than", "0")
            assert sweep.returncode == 0, sweep.stderr

            # Every stored file reads back, byte for byte, from either server.
            readers = []
            for port in (port_a, port_b):
                # A reviewer may see every item, but must sign in with a second factor first.
                reader = Browser(port)
                sign_in(reader, "analyst0", PASSWORD)
                readers.append(reader)
            with_files = [e for e in data["evidence"] if e["file"]]
            served = {
                (reader.port, e["id"]): _download(reader, e["id"])
                for reader in readers
                for e in with_files
            }
        a_log = log_a.read_text()
    elapsed = time.monotonic() - started

    assert len(outcomes) == CLIENTS * OPERATIONS_PER_CLIENT
    assert [p for o in outcomes for p in o.problems] == []
    assert len(killed) == 1 and not _alive(killed[0])
    assert f"Worker (pid:{killed[0]}) was sent SIGKILL" in a_log
    dropped = [o for o in outcomes if o.dropped]
    by_kind = Counter((o.kind, o.accepted, o.stale) for o in outcomes if not o.dropped)
    print(f"{elapsed:.0f} s; outcomes {dict(by_kind)}; {len(dropped)} cut off by the kill")
    print(f"sweep_uploads: {sweep.stdout.strip()}")

    # Status changes: each accepted one recorded once; refused ones (stale or not) not at all;
    # one cut off by the kill at most once.
    status_posts = [o for o in outcomes if o.kind == "status"]
    accepted = {f"Observed change {o.token}": o for o in status_posts if o.accepted}
    unknown = {f"Observed change {o.token}" for o in status_posts if o.dropped}
    reasons = Counter(c["reason"] for c in data["changes"] if c["reason"].startswith("Observed"))
    assert all(count == 1 for count in reasons.values())
    assert set(accepted) <= set(reasons) <= set(accepted) | unknown
    assert any(o.stale and not o.accepted for o in status_posts)
    for change in data["changes"]:
        if change["reason"] in accepted:
            assert change["recommendation_id"] == accepted[change["reason"]].recommendation
            assert change["new_status"] == accepted[change["reason"]].new_status

    # History chains are unbroken and versions count every recorded change.
    assert_history_chains(data, initial_versions)

    # Evidence: every accepted item once, linked, with its file whole; nothing half-written.
    evidence_posts = [o for o in outcomes if o.kind == "evidence"]
    sent = {f"Evidence {o.token}": o for o in evidence_posts if o.accepted}
    unknown = {f"Evidence {o.token}" for o in evidence_posts if o.dropped}
    stored = {e["title"]: e for e in data["evidence"]}
    assert len(stored) == len(data["evidence"])
    assert set(sent) <= set(stored) <= set(sent) | unknown
    links = Counter(evidence_id for evidence_id, _rec in data["links"])
    for title, row in stored.items():
        assert links[row["id"]] == 1, f"{title} is not linked to exactly one recommendation"
        if title in sent:
            content = sent[title].content
            assert row["file_sha256"] == (hashlib.sha256(content).hexdigest() if content else "")
        if row["file"]:
            on_disk = (uploads / row["file"]).read_bytes()
            assert hashlib.sha256(on_disk).hexdigest() == row["file_sha256"]
            assert len(on_disk) == row["file_size"]
            for reader in readers:
                assert served[(reader.port, row["id"])] == on_disk
        else:
            assert row["file_sha256"] == "" and not row["file_size"]
    # No orphan: every file in the shared folder belongs to exactly one evidence row.
    files = {str(p.relative_to(uploads)) for p in uploads.rglob("*") if p.is_file()}
    assert files == {e["file"] for e in data["evidence"] if e["file"]}

    # Assessments: each accepted step is one event and one version; refused steps left nothing.
    steps = [o for o in outcomes if o.kind in {"draft", "edit", "submit"}]
    assert any(o.accepted for o in steps) and any(o.stale and not o.accepted for o in steps)
    dropped_steps = Counter((o.recommendation, o.year) for o in dropped if o.kind == "assessment")
    dropped_narratives = {f"Assessed {o.token}" for o in dropped if o.kind == "assessment"}
    events = Counter(e["assessment_id"] for e in data["events"])
    assessments = {(a["recommendation_id"], a["year"]): a for a in data["assessments"]}
    for key in {(o.recommendation, o.year) for o in steps} | set(assessments):
        done = [o for o in steps if (o.recommendation, o.year) == key and o.accepted]
        row = assessments.get(key)
        if row is None:
            assert not done, f"assessment {key}: accepted steps but no assessment"
            continue
        assert row["revision"] == 1
        # Only the kill leaves steps whose year the client did not get to record.
        extra = events[row["id"]] - len(done)
        assert 0 <= extra <= sum(dropped_steps.values()), f"assessment {key}: {extra} extra events"
        assert sum(o.kind == "draft" for o in done) <= 1
        # A draft starts at version 1; every later accepted step adds one.
        assert row["version"] == events[row["id"]]
        if any(o.kind == "submit" for o in done):
            assert row["state"] == "submitted"
        elif row["state"] == "submitted":
            assert extra > 0, f"assessment {key} is submitted but no submit was accepted"
        written = {f"Assessed {o.token}" for o in done if o.kind in {"draft", "edit"}}
        assert row["narrative"] in written | dropped_narratives
