"""SQLite, as Django provides it, plus planner statistics kept fresh.

Without statistics SQLite's planner may sort a whole table where an index would stop after one
page. SQLite's own advice for short-lived connections (Django opens one per request) is to run
`PRAGMA optimize` as each connection closes: it analyses only the tables this connection used
whose statistics are missing or stale, and `analysis_limit` bounds the work to a sample.
"""

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _close(self):
        if self.connection is not None:
            with self.wrap_database_errors:
                self.connection.execute("PRAGMA analysis_limit=1000")
                self.connection.execute("PRAGMA optimize")
        super()._close()
