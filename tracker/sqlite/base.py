"""SQLite, as Django provides it, plus planner statistics kept fresh.

Without statistics SQLite's planner may sort a whole table where an index would stop after one
page. SQLite's own advice for short-lived connections (Django opens one per request) is to run
`PRAGMA optimize` as each connection closes: it analyses only the tables this connection used
whose statistics are missing or stale, and `analysis_limit` bounds the work to a sample.
After a bulk load (an import) `refresh_statistics` gathers full statistics at once.
"""

import logging
import sqlite3

from django.db import transaction
from django.db.backends.sqlite3 import base

logger = logging.getLogger("tracker.db")


class DatabaseWrapper(base.DatabaseWrapper):
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
