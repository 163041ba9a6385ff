"""Moving a team's tracker from SQLite to PostgreSQL: `backup`, then `restore`, loses nothing.

A SQLite tracker is built in its own process with a row in every table (the real narratives and
tier tables, users of each role, evidence with files, status changes, edits, an assessment taken
through return, approval and correction, published summaries), backed up with `backup`, and
restored with `restore` into an empty, migrated PostgreSQL database, as the README's Deploying
section says. Every table is then compared row by row, every timestamp to the microsecond, and
every uploaded file byte for byte.
"""

import datetime
import hashlib
import json
from pathlib import Path

import pytest

from tests import moving
from tests.postgres import postgresql_database_url
from tests.test_deploy import manage, production_env


def _files(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _run(env, *args) -> str:
    result = manage(env, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _dump(env) -> dict:
    out = _run(env, "shell", "-v", "0", "-c", "from tests import moving; moving.dump()")
    return json.loads(out.splitlines()[-1])


@pytest.mark.slow
def test_a_sqlite_tracker_moves_to_postgresql_with_every_row_and_file(tmp_path):
    archive = tmp_path / "move.zip"
    sqlite = production_env(
        tmp_path / "sqlite",
        DATABASE_URL=f"sqlite:///{tmp_path / 'team.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "sqlite-uploads"),
    )
    _run(sqlite, "shell", "-v", "0", "-c", "from tests import moving; moving.fill()")
    _run(sqlite, "backup", str(archive))
    before = _dump(sqlite)

    with postgresql_database_url(tmp_path) as database_url:
        postgres = production_env(
            tmp_path / "postgres",
            DATABASE_URL=database_url,
            MEDIA_ROOT=str(tmp_path / "postgres-uploads"),
        )
        _run(postgres, "migrate", "--noinput")
        _run(postgres, "restore", "--check", str(archive))
        restored = _run(postgres, "restore", str(archive))
        after = _dump(postgres)

    assert (before["vendor"], after["vendor"]) == ("sqlite", "postgresql")
    assert "Restored" in restored
    # Every table the app has is either compared here or left out of backups on purpose: a
    # feature that adds a table must decide which.
    assert set(before["models"]) == set(before["backed_up"]) | moving.NOT_BACKED_UP
    assert not set(before["backed_up"]) & moving.NOT_BACKED_UP
    empty = sorted(label for label, table in before["tables"].items() if not table["rows"])
    assert empty == [], f"the SQLite tracker should fill every table; empty: {empty}"

    assert before["tables"].keys() == after["tables"].keys()
    for label, table in before["tables"].items():
        assert after["tables"][label] == table, f"{label} differs after the move"
    # The comparison is to the microsecond: the history holds times that are not whole seconds.
    recorded = before["tables"]["tracker.statuschange"]
    at = recorded["fields"].index("recorded_at")
    assert any(datetime.datetime.fromisoformat(row[at]).microsecond for row in recorded["rows"])

    files = _files(tmp_path / "sqlite-uploads")
    assert len(files) == 2
    assert _files(tmp_path / "postgres-uploads") == files
    for name in files:
        assert (tmp_path / "postgres-uploads" / name).read_bytes() == (
            tmp_path / "sqlite-uploads" / name
        ).read_bytes()
