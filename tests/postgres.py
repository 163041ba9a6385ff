"""A PostgreSQL database for the tests that need one whatever database the suite runs on.

When the suite runs on PostgreSQL, a fresh database on the suite's own server is used (and
dropped afterwards). When it runs on SQLite, a throwaway server is initialised in a temporary
folder and started the way `.ci/run` starts its own: as the `postgres` user when the tests run
as root (the server refuses root), listening on a Unix socket in that folder only, so it can
clash with no other server's port.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from tests.test_deploy import scratch_database_url

_BINARIES = ("initdb", "pg_ctl", "createdb")
_SEARCH = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"]


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in _SEARCH:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    return None


def _run_as_server_user(argv: list[str], home: Path) -> None:
    if os.geteuid() == 0:
        argv = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{a}'" for a in argv)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=home)
    if result.returncode != 0:
        log = home / "server.log"
        raise RuntimeError(
            f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            + (log.read_text() if log.exists() else "")
        )


@contextlib.contextmanager
def _throwaway_server():
    """Start a PostgreSQL server in a temporary folder; yield the URL of its empty database."""
    binaries = {name: _binary(name) for name in _BINARIES}
    missing = [name for name, path in binaries.items() if path is None]
    if missing:
        # The suite runs on SQLite here; its PostgreSQL pass (`.ci/run`) runs this test for real.
        pytest.skip(
            f"this test needs PostgreSQL: {', '.join(missing)} not found on PATH or in "
            "/usr/lib/postgresql/*/bin. Install the PostgreSQL server, or run the suite with "
            "DATABASE_URL pointing at a PostgreSQL server."
        )
    home = Path(tempfile.mkdtemp(prefix="tiptracker-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
    data = home / "data"
    port = "5432"  # Only names the socket file: the server listens on no TCP port.
    _run_as_server_user(
        [binaries["initdb"], "-D", str(data), "-A", "trust", "-U", "postgres"], home
    )
    options = f"-p {port} -k {home} -c listen_addresses= -c fsync=off"
    _run_as_server_user(
        [binaries["pg_ctl"], "-D", str(data), "-l", str(home / "server.log"), "-w", "-o", options]
        + ["start"],
        home,
    )
    try:
        _run_as_server_user(
            [binaries["createdb"], "-h", str(home), "-p", port, "-U", "postgres", "tiptracker"],
            home,
        )
        yield f"postgres://postgres@{str(home).replace('/', '%2F')}:{port}/tiptracker"
    finally:
        with contextlib.suppress(RuntimeError):
            _run_as_server_user(
                [binaries["pg_ctl"], "-D", str(data), "-m", "immediate", "stop"], home
            )
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def postgresql_database_url(tmp_path: Path):
    """Yield the URL of a fresh, empty PostgreSQL database, whatever the suite runs on."""
    if connection.vendor == "postgresql":
        with scratch_database_url(tmp_path) as url:
            yield url
    else:
        with _throwaway_server() as url:
            yield url
