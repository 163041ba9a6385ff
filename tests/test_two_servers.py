"""Two app servers on one PostgreSQL and one upload folder lose nothing, even when one dies.

Two gunicorn servers, on two ports, serve the same PostgreSQL database and write uploads to the
same folder: the deployment the design promises beyond one machine (stateless app servers).
Eight clients sign in and, each request on either server at random, change statuses, log
evidence with files and take assessments through their steps, some of them from versions they
know to be stale. Halfway through, one worker of the first server is killed with SIGKILL, as
the kernel's out-of-memory killer would. Meanwhile a reviewer uploads a whole report of a few
narratives, which one task worker (`manage.py db_worker`, beside the servers on the same
database) reads, and, once the reviewer has confirmed the preview (and confirmed it again on the
other server), imports.

Afterwards every accepted write is in the database exactly once, every refused one left no
trace, a write cut off by the kill is there whole or not at all, history chains are unbroken,
no row is half-written, no file is orphaned (once `sweep_uploads` has collected what the kill
may have left), and every stored file reads back byte for byte from both servers. The import
job was read once and written once by the worker, and its reports, recommendations, findings
and lineage rows are there once each, as the document reads.
"""

import contextlib
import hashlib
import http.client
import json
import os
import random
import re
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.importbench import report_entries
from bench.wholereport import report_text
from tests.conftest import ROOT
from tests.postgres import postgresql_database_url
from tests.test_concurrency import (
    STATUSES,
    Browser,
    Response,
    _csrf_token,
    _current_status,
    _input_value,
    assert_history_chains,
    post_evidence,
    post_status,
    sign_in,
)
from tests.test_deploy import PYTHON, gunicorn, manage, production_env, serving_env
from tracker import importer

CLIENTS = 8
OPERATIONS_PER_CLIENT = 12
HOT_RECOMMENDATIONS = 4
ASSESSMENT_YEARS = (2022, 2023, 2024)
PASSWORD = "two-servers-analyst-passphrase"
# Anything that means the connection died with the worker, not an answer from the app.
DROPPED = (ConnectionError, http.client.HTTPException, OSError)
# The whole report the reviewer imports: narratives of a year the demo data does not hold.
IMPORT_NARRATIVES = 3
IMPORT_YEAR = 2025
IMPORT_WAIT_SECONDS = 240

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
# Reviewers sign in with a second factor: enrolled here, used over HTTP as a recovery code.
from django_otp.oath import TOTP
from tracker import services
device = services.totp_device_start(user=reviewer)
code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
_, given = services.enrolment_code_issue(user=reviewer, by=None)
codes = services.totp_device_confirm(
    device=device, token=f"{{code:06d}}", by=reviewer, enrolment_code=given
)
# The 2022 items have a predecessor: their changes count along a lineage chain.
hot = Recommendation.objects.filter(report__year=2022, report__country__code="PRK")
hot = dict(hot.order_by("number").values_list("id", "version")[:{HOT_RECOMMENDATIONS}])
print(json.dumps({{"hot": hot, "codes": codes}}))
"""

READ_BACK = """
import json
from django_tasks_db.models import DBTaskResult
from tracker.models import (
    Assessment, AssessmentEvent, Evidence, ImportJob, LineageAncestor, Recommendation, Report,
    StatusChange,
)
print(json.dumps({
    "changes": list(StatusChange.objects.order_by("id").values(
        "id", "recommendation_id", "old_status", "new_status", "reason", "effective_date",
        "recorded_at")),
    "recommendations": list(Recommendation.objects.order_by("id").values(
        "id", "status", "version", "initial_status")),
    "evidence": list(Evidence.objects.order_by("id").values(
        "id", "public_id", "title", "file", "file_sha256", "file_size")),
    "links": list(Evidence.recommendations.through.objects.values_list(
        "evidence_id", "recommendation_id")),
    "assessments": list(Assessment.objects.order_by("id").values(
        "id", "recommendation_id", "year", "revision", "version", "state", "narrative")),
    "events": list(AssessmentEvent.objects.order_by("id").values("assessment_id", "action")),
    "jobs": list(ImportJob.objects.order_by("id").values(
        "id", "state", "error", "selected", "preview", "finished_at")),
    "tasks": list(DBTaskResult.objects.order_by("enqueued_at").values(
        "task_path", "status", "args_kwargs", "worker_ids")),
    "imported": [
        {
            "country": report.country.code,
            "sha256": report.source_sha256,
            "recommendations": list(report.recommendations.order_by("number").values_list(
                "id", "reference", "text")),
            "findings": list(report.findings.order_by("section", "position").values_list(
                "section", "position", "text")),
            "closure": list(LineageAncestor.objects.filter(
                recommendation__report=report).values_list(
                "recommendation_id", "ancestor_id", "depth")),
        }
        for report in Report.objects.filter(year=IMPORT_YEAR).select_related("country")
    ],
}, default=str))
""".replace("IMPORT_YEAR", str(IMPORT_YEAR))


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


def _assessment_step(browser, rng, rec, token, year, tried_stale) -> Outcome:
    """Draft, edit or submit the assessment of `rec` for `year`, whichever its state allows.

    Only a draft's author (or the item's owner) may go on with it, so each client works on an
    assessment of its own. Its first step on an existing draft is always stale (`tried_stale`
    remembers it), so every run proves that a stale edit or submission is refused; later steps
    are stale one time in four.
    """
    base = f"/recommendations/{rec}/assessments/{year}/"
    page = browser.get(base)
    outcome = Outcome("draft", token, rec, year=year, stale=rng.random() < 0.25)
    if 'id="assessment_version"' not in page.body:
        # Submitted: only a reviewer acts on it now. The step is a read, and nothing more.
        outcome.kind = "none"
        return outcome
    csrf = _csrf_token(page.body)
    version = _input_value(page.body, "assessment_version")
    if version and not tried_stale:
        outcome.stale = True
        tried_stale.append(token)
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
    # The client's own assessment: one recommendation and year that no other client drafts.
    hot = len(recommendation_ids)
    own = (recommendation_ids[number % hot], ASSESSMENT_YEARS[number // hot])
    tried_stale = []
    for op in range(OPERATIONS_PER_CLIENT):
        rec = rng.choice(recommendation_ids)
        token = f"c{number}-op{op}-{uuid.uuid4().hex[:8]}"
        roll = rng.random()
        action = _status_change if roll < 0.45 else _evidence if roll < 0.7 else _assessment_step
        try:
            if action is _assessment_step:
                outcomes.append(_assessment_step(browser, rng, own[0], token, own[1], tried_stale))
            else:
                outcomes.append(action(browser, rng, rec, token))
        except DROPPED as exc:
            # The worker died under this request: whether the write happened is not known.
            kind = {_status_change: "status", _evidence: "evidence"}.get(action, "assessment")
            if kind == "assessment":
                rec = own[0]
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


def _download(browser: Browser, evidence_id: str) -> bytes:
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


@contextlib.contextmanager
def task_worker(env: dict[str, str], tmp_path: Path):
    """Run `manage.py db_worker` beside the servers; yield its log; stop it with SIGTERM."""
    log = tmp_path / "worker.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [PYTHON, "manage.py", "db_worker", "--no-reload", "--interval", "0.5"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, log
    finally:
        # SIGTERM lets the worker finish the task it holds, as a deployment's stop would.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class ImportRun:
    """What the reviewer saw of the import job: its id, the states read and any problem."""

    job: int = 0
    states: list[str] = field(default_factory=list)
    second_confirm: int = 0
    problems: list[str] = field(default_factory=list)


def _retried_get(browser: Browser, path: str) -> Response:
    # A read is safe to send again when the kill cut it off.
    for _ in range(5):
        try:
            return browser.get(path)
        except DROPPED:
            time.sleep(0.5)
    return browser.get(path)


_JOB_STATE = re.compile(r"SHA-256 <code[^>]*>[0-9a-f]{64}</code> · ([^<]+)</p>")


def _wait_for_job(browser: Browser, path: str, until: str, run: ImportRun) -> Response:
    """Read the job's page (on either server) until it shows the state `until`, or failed."""
    deadline = time.monotonic() + IMPORT_WAIT_SECONDS
    while True:
        page = _retried_get(browser, path)
        match = _JOB_STATE.search(page.body)
        state = match.group(1).strip() if match else f"HTTP {page.status}"
        if not run.states or run.states[-1] != state:
            run.states.append(state)
        if state in (until, "Failed") or page.status != 200:
            return page
        if time.monotonic() > deadline:
            run.problems.append(f"import job: still {state!r} after {IMPORT_WAIT_SECONDS} s")
            return page
        time.sleep(0.5)


def _import_run(ports: list[int], code: str, document: bytes) -> ImportRun:
    """Sign in as the reviewer, upload the report, confirm its preview twice, wait for it.

    The writes (upload, confirmations) go to the second server, whose workers are never
    killed: a write cut off by the kill would leave unknown whether the job exists, which the
    analysts' writes already cover. The reads go to either server.
    """
    run = ImportRun()
    rng = random.Random(99)
    reads = SpreadBrowser(ports, rng)
    writes = Browser(ports[1])
    sign_in(writes, "reviewer", PASSWORD)
    verify = writes.get("/accounts/two-factor/verify/")
    signed_in = writes.post(
        "/accounts/two-factor/verify/",
        [("csrfmiddlewaretoken", _csrf_token(verify.body)), ("code", code)],
    )
    if signed_in.status != 302:
        run.problems.append(f"reviewer's second factor: HTTP {signed_in.status}")
        return run
    reads.cookies = writes.cookies
    form = writes.get("/import/")
    uploaded = writes.post_multipart(
        "/import/",
        [("csrfmiddlewaretoken", _csrf_token(form.body)), ("country", ""), ("year", "")],
        [("file", f"tip-{IMPORT_YEAR}.txt", document)],
    )
    where = uploaded.headers.get("Location", "")
    match = re.fullmatch(r"/import/jobs/(\d+)/", where)
    if uploaded.status != 302 or not match:
        run.problems.append(f"upload: HTTP {uploaded.status} to {where!r}")
        return run
    run.job = int(match.group(1))
    page = _wait_for_job(reads, where, "Ready to confirm", run)
    chosen = re.findall(r'name="narrative" value="(\d+)"', page.body)
    if len(chosen) != IMPORT_NARRATIVES:
        run.problems.append(f"preview: {len(chosen)} narratives offered")
        return run
    fields = [("csrfmiddlewaretoken", _csrf_token(page.body))] + [("narrative", i) for i in chosen]
    confirmed = writes.post(where, fields)
    if confirmed.status != 302:
        run.problems.append(f"confirmation: HTTP {confirmed.status}")
        return run
    # The same confirmation again (a double click, a resent form): refused, nothing queued.
    run.second_confirm = writes.post(where, fields).status
    _wait_for_job(reads, where, "Imported", run)
    return run


@pytest.mark.slow
def test_two_servers_on_one_postgresql_lose_nothing_when_a_worker_is_killed(tmp_path):
    started = time.monotonic()
    uploads = tmp_path / "uploads"
    with postgresql_database_url(tmp_path) as database_url:
        env = production_env(tmp_path, DATABASE_URL=database_url, MEDIA_ROOT=str(uploads))
        env = serving_env(env, tmp_path)
        ready = manage(env, "shell", "-v", "0", "-c", SET_UP)
        assert ready.returncode == 0, ready.stderr
        prepared = json.loads(ready.stdout.splitlines()[-1])
        initial_versions = {int(k): v for k, v in prepared["hot"].items()}
        recommendation_ids = sorted(initial_versions)
        assert len(recommendation_ids) == HOT_RECOMMENDATIONS
        document = report_text(report_entries(IMPORT_NARRATIVES), year=IMPORT_YEAR).encode()

        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        with (
            gunicorn(env, tmp_path / "a", workers=2) as (port_a, _, log_a),
            gunicorn(env, tmp_path / "b", workers=2) as (port_b, _, _),
            task_worker(env, tmp_path) as (worker, worker_log),
        ):
            progress = threading.Semaphore(0)
            killed: list[int] = []
            # A daemon: if a client fails early, the killer must not keep the run alive.
            killer = threading.Thread(
                target=_kill_a_worker_halfway, args=(progress, log_a, killed), daemon=True
            )
            killer.start()
            with ThreadPoolExecutor(max_workers=CLIENTS + 1) as pool:
                importing = pool.submit(
                    _import_run, [port_a, port_b], prepared["codes"][0], document
                )
                futures = [
                    pool.submit(_client_run, [port_a, port_b], n, recommendation_ids, progress)
                    for n in range(CLIENTS)
                ]
                outcomes = [o for f in futures for o in f.result()]
                run = importing.result()
            killer.join(timeout=30)
            worker_alive = worker.poll() is None
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
                (reader.port, e["id"]): _download(reader, e["public_id"])
                for reader in readers
                for e in with_files
            }
        a_log = log_a.read_text()
        worker_output = worker_log.read_text()
    elapsed = time.monotonic() - started

    assert len(outcomes) == CLIENTS * OPERATIONS_PER_CLIENT
    assert [p for o in outcomes for p in o.problems] == []
    assert len(killed) == 1 and not _alive(killed[0])
    assert f"Worker (pid:{killed[0]}) was sent SIGKILL" in a_log
    dropped = [o for o in outcomes if o.dropped]
    by_kind = Counter((o.kind, o.accepted, o.stale) for o in outcomes if not o.dropped)
    print(f"{elapsed:.0f} s; outcomes {dict(by_kind)}; {len(dropped)} cut off by the kill")
    print(f"sweep_uploads: {sweep.stdout.strip()}")
    print(f"import job {run.job}: {' → '.join(run.states)}")

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

    # The import job: read once and written once by the one worker, which outlived the kill;
    # the second confirmation was refused and queued nothing.
    assert worker_alive, worker_output[-3000:]
    assert run.problems == [], (run.problems, worker_output[-3000:])
    assert run.states[-1] == "Imported" and "Ready to confirm" in run.states
    assert run.second_confirm == 302
    (job,) = data["jobs"]
    assert (job["id"], job["state"], job["error"]) == (run.job, "done", "")
    assert job["finished_at"]
    assert [e["action"] for e in job["preview"]] == ["imported"] * IMPORT_NARRATIVES
    job_tasks = Counter(
        (t["task_path"], t["status"], len(t["worker_ids"]))
        for t in data["tasks"]
        if t["args_kwargs"]["args"] == [run.job]
    )
    assert job_tasks == {
        ("tracker.tasks.read_import_job", "SUCCESSFUL", 1): 1,
        ("tracker.tasks.write_import_job", "SUCCESSFUL", 1): 1,
    }
    assert {t["status"] for t in data["tasks"]} <= {"SUCCESSFUL", "READY"}, data["tasks"]

    # Its rows, once each, as the document reads: reports, recommendations, findings, closure.
    items = importer.parse_document(document.decode(), name=f"tip-{IMPORT_YEAR}.txt")
    expected = {item.info.code: item for item in items}
    assert len(expected) == IMPORT_NARRATIVES
    imported = {row["country"]: row for row in data["imported"]}
    assert len(data["imported"]) == IMPORT_NARRATIVES and set(imported) == set(expected)
    for code, parsed in expected.items():
        row = imported[code]
        recommendations = parsed.narrative.recommendations
        assert row["sha256"] == parsed.sha256
        assert [(reference, text) for _id, reference, text in row["recommendations"]] == [
            (f"{code}-{IMPORT_YEAR}-{number:02d}", text)
            for number, text in enumerate(recommendations, start=1)
        ]
        assert sorted(map(tuple, row["findings"])) == sorted(
            (f.section, f.position, f.text) for f in parsed.narrative.findings
        )
        closure = [tuple(link) for link in row["closure"]]
        assert len(closure) == len(set(closure))
        own = sorted((rec, ancestor) for rec, ancestor, depth in closure if depth == 0)
        assert own == sorted((rec_id, rec_id) for rec_id, _ref, _text in row["recommendations"])
