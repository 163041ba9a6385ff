"""Serve one benchmark database with gunicorn and load it from a small threaded client.

Run by `bench.run` on a throwaway copy of the largest database (status changes write to it).
Three phases, each bounded by a request count and a duration: GET of the recommendation list
(signed in), GET of the public country page (anonymous), and POST of status changes through the
real form (session, CSRF token, version), each to a different recommendation so that optimistic
locking never refuses one. After the load, the number of
status changes in the database is checked against the number of successful POSTs.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def request(port, method, path, *, cookies=None, body=None, timeout=60):
    """Send one request on a fresh connection; return (status, headers, body)."""
    headers = {"Host": f"{HOST}:{port}"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        body = urllib.parse.urlencode(body, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def load(worker, *, threads: int, max_requests: int, max_seconds: float) -> dict:
    """Call `worker(i)` from `threads` threads until `max_requests` or `max_seconds`.

    `worker` returns True for a success. Return requests, errors, seconds and rate.
    """
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "errors": 0, "samples": []}
    deadline = time.perf_counter() + max_seconds

    def run():
        while True:
            with lock:
                if state["next"] >= max_requests or time.perf_counter() >= deadline:
                    return
                index = state["next"]
                state["next"] += 1
            started = time.perf_counter()
            try:
                ok = worker(index)
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                state["ok" if ok else "errors"] += 1
                state["samples"].append(elapsed)

    started = time.perf_counter()
    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - started
    done = state["ok"] + state["errors"]
    samples = sorted(state["samples"])
    return {
        "requests": done,
        "errors": state["errors"],
        "seconds": round(seconds, 2),
        "per_second": round(done / seconds, 1) if seconds else None,
        "latency_median_ms": round(samples[len(samples) // 2] * 1000, 1) if samples else None,
        "threads": threads,
        "max_requests": max_requests,
        "max_seconds": max_seconds,
    }


def _prepare(count: int):
    """Sign in an analyst and pick `count` recommendations to change; return what the load needs."""
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client

    from bench.generate import LAST_YEAR
    from tracker.models import Recommendation, StatusChange

    analyst = get_user_model().objects.get(username="bench-analyst-01")
    client = Client()
    client.force_login(analyst)
    session = client.cookies["sessionid"].value
    targets = list(
        Recommendation.objects.filter(report__year=LAST_YEAR, number__gte=2)
        .order_by("pk")
        .values_list("pk", "status", "version")[:count]
    )
    before = StatusChange.objects.count()
    connections.close_all()
    return session, targets, before


def _public_slug() -> str:
    from bench.generate import SIZES, public_country

    return public_country(SIZES[os.environ.get("BENCH_SIZE", "L")])


def _changes_recorded() -> int:
    from django.db import connections

    from tracker.models import StatusChange

    count = StatusChange.objects.count()
    connections.close_all()
    return count


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    """Start gunicorn on `port` with the bench settings; return once it answers."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "tiptracker.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        try:
            status, _, _ = request(port, "GET", "/accounts/login/", timeout=5)
            if status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(process)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run(*, workers: int, threads: int, max_requests: int, max_seconds: float) -> dict:
    """Serve the database with gunicorn, load it, and return the rates and error counts."""
    session, targets, before = _prepare(max_requests)
    public_slug = _public_slug()
    port = free_port()
    process = start_gunicorn(port, workers)
    try:
        cookies = {"sessionid": session}
        # Warm every worker (templates, URL resolver, connections) before measuring.
        for _ in range(workers * 3):
            request(port, "GET", "/recommendations/", cookies=cookies)

        def list_page(_index):
            status, _, _ = request(port, "GET", "/recommendations/", cookies=cookies)
            return status == 200

        listing = load(
            list_page, threads=threads, max_requests=max_requests, max_seconds=max_seconds
        )

        # The public country page as visitors read it: no session, kept until a publication.
        public_url = f"/public/countries/{public_slug}/"
        for _ in range(workers * 3):
            request(port, "GET", public_url)

        def public_page(_index):
            status, _, _ = request(port, "GET", public_url)
            return status == 200

        public = load(
            public_page, threads=threads, max_requests=max_requests, max_seconds=max_seconds
        )

        # One form load gives the CSRF cookie and token, as a browser tab would have them.
        status, headers, body = request(
            port, "GET", f"/recommendations/{targets[0][0]}/", cookies=cookies
        )
        token_match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        csrf_cookie = next(
            (
                value.split(";")[0].split("=", 1)[1]
                for name, value in headers
                if name.lower() == "set-cookie" and value.startswith("csrftoken=")
            ),
            None,
        )
        if status != 200 or not token_match or not csrf_cookie:
            raise RuntimeError("The recommendation page offered no status form to submit.")
        form_cookies = {**cookies, "csrftoken": csrf_cookie}
        token = token_match.group(1).decode()
        today = datetime.date.today().isoformat()
        outcomes: dict[int, int] = {}
        outcomes_lock = threading.Lock()

        def change_status(index):
            pk, current, version = targets[index]
            new = "in_progress" if current != "in_progress" else "implemented"
            status, _, _ = request(
                port,
                "POST",
                f"/recommendations/{pk}/status/",
                cookies=form_cookies,
                body={
                    "csrfmiddlewaretoken": token,
                    "status": new,
                    "reason": "Load test: a status change submitted through the form.",
                    "effective_date": today,
                    "version": version,
                },
            )
            with outcomes_lock:
                outcomes[status] = outcomes.get(status, 0) + 1
            # The page answers a saved change with a redirect back to the recommendation.
            return status == 302

        changes = load(
            change_status,
            threads=threads,
            max_requests=min(max_requests, len(targets)),
            max_seconds=max_seconds,
        )
        changes["status_codes"] = {str(k): v for k, v in sorted(outcomes.items())}
    finally:
        stop_gunicorn(process)
    recorded = _changes_recorded() - before
    changes["recorded_in_database"] = recorded
    if recorded != changes["requests"] - changes["errors"]:
        changes["note"] = (
            f"{recorded} status changes recorded for "
            f"{changes['requests'] - changes['errors']} successful POSTs"
        )
    return {"workers": workers, "list": listing, "public": public, "status_changes": changes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Throughput of the app under gunicorn.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=400)
    parser.add_argument("--max-seconds", type=float, default=30)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    data = run(
        workers=args.workers,
        threads=args.threads,
        max_requests=args.max_requests,
        max_seconds=args.max_seconds,
    )
    text = json.dumps(data, indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
