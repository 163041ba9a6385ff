"""SQLite, as Django provides it, plus planner statistics kept fresh.

Without statistics SQLite's planner may sort a whole table where an index would stop after one
page. SQLite's own advice for short-lived connections (Django opens one per request) is to run
`PRAGMA optimize` as each connection closes: it analyses only the tables this connection used
whose statistics are missing or stale, and `analysis_limit` bounds the work to a sample.
After a bulk load (an import) `refresh_statistics` gathers full statistics at once.
"""

import logging
import os
import sqlite3
from pathlib import Path

from django.db import transaction
from django.db.backends.sqlite3 import base

logger = logging.getLogger("tracker.db")


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        _make_private(conn_params["database"])
        return super().get_new_connection(conn_params)

    def _close(self):
        if self.connection is not None:
            try:
                self.connection.execute("PRAGMA analysis_limit=1000")
                self.connection.execute("PRAGMA optimize")
            except sqlite3.OperationalError as exc:
                # Writing statistics needs the write lock. When another connection holds it,
                # the refresh waits for the next connection to close rather than for the lock:
                # the request has been answered and nothing of it is lost.
                logger.info("Planner statistics not refreshed this time: %s", exc)
        super()._close()


def _make_private(name) -> None:
    """Create the database file owner-only (0600) before SQLite opens it, or make it so.

    SQLite creates the -wal and -shm files with the permissions of the database file, so these
    follow. A file that is already there is narrowed, for a database made before this rule.
    """
    name = str(name)
    if name == ":memory:" or name.startswith("file:") or not name:
        return
    path = Path(name)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for member in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if member.stat().st_mode & 0o077:
                member.chmod(0o600)
        except FileNotFoundError:
            continue
        except PermissionError as exc:
            logger.warning("Could not make %s owner-only: %s", member, exc)


def refresh_statistics(connection) -> None:
    """Gather full planner statistics now, after a bulk load; PostgreSQL's autovacuum does its own.

    A sampled `PRAGMA optimize` leaves small tables unanalysed and estimates the large ones
    roughly, which is enough to keep plans sane between loads but not to pick the best one.
    """
    if connection.vendor != "sqlite":
        return
    # In a transaction, which this backend begins IMMEDIATE: the write lock is taken first and
    # waited for, where a bare ANALYZE could fail at once beside another writer.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=0")
        cursor.execute("ANALYZE")
