"""What error reports may show: never the database password, whatever DEBUG says."""

import re

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter


def _database_passwords() -> list[str]:
    return [db["PASSWORD"] for db in settings.DATABASES.values() if db.get("PASSWORD")]


class ReporterFilter(SafeExceptionReporterFilter):
    """Hide every setting, request variable and traceback variable that holds a credential.

    Django's own filter hides names with KEY, SECRET, PASS or TOKEN in them, but a database URL
    (`postgres://user:password@host/name`) has none of these; the development server copies the
    process environment, DATABASE_URL included, into every request; and a traceback through the
    database driver shows its connection parameters, password included.
    """

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|DSN", flags=re.I
    )

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        passwords = _database_passwords()
        if not passwords:
            return variables
        return [
            (name, self.cleansed_substitute if _mentions(value, passwords) else value)
            for name, value in variables
        ]


def _mentions(value, passwords: list[str]) -> bool:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - an object whose repr fails shows nothing worth hiding
        return False
    return any(password in text for password in passwords)
