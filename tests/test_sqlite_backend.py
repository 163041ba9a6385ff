"""The SQLite backend keeps the planner's statistics fresh as connections close."""

import os
import sqlite3
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import sys
import django
django.setup()
from django.db import connection
engine = connection.settings_dict["ENGINE"]
assert engine == "tiptracker.lib.sqlite", engine
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, kind TEXT)")
    cursor.execute("CREATE INDEX item_kind ON item (kind)")
    cursor.executemany("INSERT INTO item (kind) VALUES (%s)", [(f"k{i % 7}",) for i in range(500)])
    cursor.execute("SELECT count(*) FROM item WHERE kind = %s", ["k3"])
if sys.argv[1] == "close":
    connection.close()
elif sys.argv[1] == "close-while-locked":
    import logging
    import sqlite3
    logging.basicConfig(level=logging.INFO)
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    connection.close()  # must not raise
    other.rollback()
else:
    # Leave without closing: any statistics would then come from somewhere else.
    import os
    os._exit(0)
"""


def _item_statistics(tmp_path, how: str) -> int:
    path = tmp_path / "stats.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tiptracker.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{path}",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, how], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    db = sqlite3.connect(path)
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        return 0
    return db.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'item'").fetchone()[0]


def test_closing_a_connection_gathers_statistics_for_the_tables_it_queried(tmp_path):
    assert _item_statistics(tmp_path, "close") > 0


def test_without_the_close_no_statistics_are_gathered(tmp_path):
    assert _item_statistics(tmp_path, "exit") == 0


def test_a_busy_database_skips_the_refresh_without_an_error(tmp_path):
    assert _item_statistics(tmp_path, "close-while-locked") == 0
