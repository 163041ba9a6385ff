"""The background exports at one size: the request only enqueues, the worker builds the file.

`make bench-exports` (`python -m bench.exports --size L`) works on a copy of the cached bench
database (`bench.run.sqlite_database`), signed in as the bench reviewer:

- **request**: the time `django.test.Client` takes to answer each export URL (the whole list
  as XLSX and CSV, the all-countries summary as PDF, XLSX and CSV), which only records a job
  and redirects to its page; and the same request again, which reuses the job.
- **worker**: each job built in a fresh process by the task's own function, its wall time, the
  processor time the process spent on it (user and system: on a shared machine the wall time
  grows with the load, the processor time much less) and the process's peak resident memory
  (`ru_maxrss`), with the same process's memory after Django started for comparison.

The figures go to `bench/EXPORTS.md` and `bench/results/exports-sqlite.json`, each run with the
code it measured (the commit, `--note`) and the load average before it; the runs before it are
kept there too, so that a change is read beside the figures it changed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
# Targets: the request hands the work over; the worker stays in bounds.
REQUEST_LIMIT_S = 2.0
XLSX_LIMIT_S = 5.0
XLSX_MEMORY_LIMIT_MB = 150


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _setup() -> None:
    import django

    django.setup()


def phase_requests() -> dict:
    """Time each export request; return the timings and the ids of the jobs they recorded."""
    _setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tracker.models import ExportJob, Report

    year = Report.objects.order_by("-year").values_list("year", flat=True).first()
    reviewer = get_user_model().objects.get(username="bench-reviewer-01")
    # A database kept between runs (PostgreSQL) holds the last run's jobs, which the same
    # requests on the same data would reuse: the first request of each must build its file.
    ExportJob.objects.filter(user=reviewer).delete()
    client = Client()
    client.force_login(reviewer)
    assert client.get("/recommendations/").status_code == 200  # warm-up, not counted
    urls = {
        "list_xlsx": "/recommendations/?format=xlsx",
        "list_csv": "/recommendations/?format=csv",
        "summary_all_pdf": f"/summaries/{year}/?format=pdf",
        "summary_all_xlsx": f"/summaries/{year}/?format=xlsx",
        "summary_all_csv": f"/summaries/{year}/?format=csv",
    }
    out = {"year": year, "requests": {}, "jobs": {}}
    for again in (False, True):
        for name, url in urls.items():
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                seconds = time.perf_counter() - started
            assert response.status_code == 302, (url, response.status_code)
            job = ExportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
            key = f"{name}_again" if again else name
            out["requests"][key] = {"url": url, "seconds": seconds, "queries": len(queries)}
            out["jobs"][name] = job.pk
    return out


def phase_worker(job_id: int) -> dict:
    """Build one job as the worker's task does, in this process; return time and memory."""
    _setup()
    from tracker.models import ExportJob
    from tracker.tasks import build_export_job

    baseline = _peak_mb()
    cpu = _cpu_seconds()
    started = time.perf_counter()
    build_export_job.call(job_id)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    job = ExportJob.objects.get(pk=job_id)
    assert job.state == ExportJob.State.DONE, job.error
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mb": _peak_mb(),
        "baseline_mb": baseline,
        "rows": job.total,
        "bytes": job.size,
        "format": job.format,
    }


def _child(database_url: str, exports_root: Path, *args: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "EXPORTS_ROOT": str(exports_root),
        "PYTHONPATH": str(ROOT),
        # The bench reviewer signs in with force_login, and has no authenticator to verify.
        "TWO_FACTOR_REQUIRED": "none",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.exports", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def markdown(size: str, result: dict, backend: str = "sqlite") -> str:
    """Return EXPORTS.md: the request and worker figures, each against its target."""
    if backend == "sqlite":
        how = (
            f"`make bench-exports` (`python -m bench.exports --size {size}`), size {size} on SQLite"
        )
    else:
        how = (
            f"`python -m bench.exports --database-url postgres://…`, on a PostgreSQL database "
            f"generated at size {size} (`python -m bench.generate --size {size}`)"
        )
    lines = [
        "# Background exports" + ("" if backend == "sqlite" else " on PostgreSQL"),
        "",
        f"Written by {how}, report year {result['year']}, signed in as the bench reviewer; "
        f"{_run_label(result)}; load average {result.get('load', '?')} before the run. The "
        "requests are timed after "
        "one warm-up request (a list page), so that a fresh process's first request, which "
        "loads the URL configuration and templates, is not counted as the export's. Nothing "
        "here is typed by hand.",
        "",
        "## The request only enqueues",
        "",
        f"| export | request time | queries | ≤ {REQUEST_LIMIT_S:.0f} s |",
        "|---|---:|---:|---|",
    ]
    for name, r in result["requests"].items():
        met = "yes" if r["seconds"] <= REQUEST_LIMIT_S else "**no**"
        lines.append(
            f"| `{r['url']}`{' (again: reused)' if name.endswith('_again') else ''} | "
            f"{r['seconds'] * 1000:.0f} ms | {r['queries']} | {met} |"
        )
    lines += [
        "",
        "## The worker builds the file",
        "",
        "Each job in a fresh process; time is the wall time, processor time what the process "
        "spent on it (user and system); peak memory is the process's peak resident set, beside "
        "its size once Django has started.",
        "",
        "| job | rows | file | time | processor time | peak memory | after start-up |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, w in result["worker"].items():
        lines.append(
            f"| {name} | {w['rows']:,} | {w['bytes'] / 1e6:.1f} MB | {w['seconds']:.1f} s | "
            f"{_cpu(w)} | {w['peak_mb']:.0f} MB | {w['baseline_mb']:.0f} MB |"
        )
    xlsx = result["worker"].get("list_xlsx")
    if xlsx:
        lines += [
            "",
            f"Whole-list XLSX: {xlsx['seconds']:.1f} s (target ≤ {XLSX_LIMIT_S:.0f} s: "
            f"{'met' if xlsx['seconds'] <= XLSX_LIMIT_S else 'missed'}), peak "
            f"{xlsx['peak_mb']:.0f} MB (target ≤ {XLSX_MEMORY_LIMIT_MB} MB: "
            f"{'met' if xlsx['peak_mb'] <= XLSX_MEMORY_LIMIT_MB else 'missed'}).",
        ]
    earlier = result.get("earlier", [])
    if earlier:
        jobs = list(result["worker"])
        lines += [
            "",
            "## This run beside the earlier ones",
            "",
            "Each job's time, processor time (where measured) and peak memory, newest run first. "
            "On a loaded machine the wall time grows with the load: compare runs made under "
            "similar loads, or their processor times.",
            "",
            "| run | load average before | " + " | ".join(jobs) + " |",
            "|---|---|" + "---:|" * len(jobs),
        ]
        for run in [result, *earlier]:
            cells = [_brief(run["worker"].get(job)) for job in jobs]
            lines.append(
                f"| {_run_label(run)} | {run.get('load', '?')} | " + " | ".join(cells) + " |"
            )
    return "\n".join(lines) + "\n"


def _cpu(worker: dict) -> str:
    return f"{worker['cpu_seconds']:.1f} s" if "cpu_seconds" in worker else "not measured"


def _brief(worker: dict | None) -> str:
    if worker is None:
        return ""
    cpu = f" (processor {worker['cpu_seconds']:.1f} s)" if "cpu_seconds" in worker else ""
    return f"{worker['seconds']:.1f} s{cpu}, {worker['peak_mb']:.0f} MB"


def _run_label(result: dict) -> str:
    code = result.get("code")
    if code:
        label = f"code at {code}"
    elif result.get("recorded_in"):
        label = f"figures recorded in commit {result['recorded_in']}"
    else:
        label = "code not recorded"
    if result.get("date"):
        label = f"{result['date']}, {label}"
    if result.get("note"):
        label += f" ({result['note']})"
    return label


def _code_version() -> str:
    """Return the commit the measured code is at, marked if the app's files differ from it."""
    git = ["git", "-C", str(ROOT)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], check=True, capture_output=True, text=True
        ).stdout.strip()
        # The bench's own files may differ (a bench run on an older commit): not the app's.
        changed = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f"{commit} with uncommitted changes" if changed else commit


def _earlier_runs(path: Path, size: str) -> list[dict]:
    """Return the runs of `size` recorded in `path` before this one, newest first."""
    if not path.exists():
        return []
    last = json.loads(path.read_text()).get(size)
    if not last:
        return []
    earlier = last.pop("earlier", [])
    if "code" not in last:
        # A run from before the bench recorded its code: the commit that holds its figures.
        log = ["git", "-C", str(ROOT), "log", "-1", "--format=%h", "--", str(path)]
        done = subprocess.run(log, capture_output=True, text=True)
        last["recorded_in"] = done.stdout.strip()
    keep = ("date", "code", "recorded_in", "note", "load", "worker")
    return [{k: last[k] for k in keep if last.get(k)}, *earlier]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="L", choices=["S", "M", "L"])
    parser.add_argument("--phase", choices=["requests", "worker"])
    parser.add_argument("--job", type=int)
    parser.add_argument("--jobs", default="list_xlsx,list_csv,summary_all_xlsx,summary_all_pdf")
    parser.add_argument("--note", default="", help="what the run measures, said beside its figures")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database already generated at the size (its jobs are left in it); "
        "by default a copy of the cached SQLite database",
    )
    args = parser.parse_args(argv)
    if args.phase == "requests":
        print(json.dumps(phase_requests()))
        return 0
    if args.phase == "worker":
        print(json.dumps(phase_worker(args.job)))
        return 0

    from bench.run import say, sqlite_database

    exports_root = DATA / f"exports-{args.size}-files"
    shutil.rmtree(exports_root, ignore_errors=True)
    if args.database_url:
        backend, database_url = "postgresql", args.database_url
    else:
        url, _ = sqlite_database(args.size)
        cached = Path(url.removeprefix("sqlite:///"))
        copy = DATA / f"exports-{args.size}.sqlite3"
        for leftover in DATA.glob(copy.name + "*"):
            leftover.unlink()
        shutil.copyfile(cached, copy)
        backend, database_url = "sqlite", f"sqlite:///{copy}"
    load = " / ".join(f"{n:.2f}" for n in os.getloadavg())
    say(f"{args.size}: timing the export requests (load average {load})")
    result = _child(database_url, exports_root, "--phase", "requests")
    result["load"] = load
    result["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    result["code"] = _code_version()
    result["note"] = args.note
    result["worker"] = {}
    for name in args.jobs.split(","):
        say(f"{args.size}: building {name} in a worker process")
        result["worker"][name] = _child(
            database_url, exports_root, "--phase", "worker", "--job", str(result["jobs"][name])
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = RESULTS / f"exports-{backend}.json"
    result["earlier"] = _earlier_runs(results, args.size)
    results.write_text(json.dumps({args.size: result}, indent=2) + "\n")
    name = "EXPORTS.md" if backend == "sqlite" else "EXPORTS-postgresql.md"
    (ROOT / "bench" / name).write_text(markdown(args.size, result, backend))
    print(markdown(args.size, result, backend))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
