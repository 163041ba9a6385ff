"""Dates in words, as every page, export and message writes them ("1 April 2021")."""

import datetime

from django.utils.translation import gettext, ngettext


def long_date(day: datetime.date) -> str:
    """Return `day` as "1 April 2021": no leading zero, the month in full."""
    return f"{day.day} {day:%B %Y}"


def period_words(start: datetime.date, end: datetime.date) -> str:
    """Return a period as "1 April 2021 – 31 March 2022"."""
    return gettext("%(start)s – %(end)s") % {"start": long_date(start), "end": long_date(end)}


def duration_words(length: datetime.timedelta) -> str:
    """Return a length of time as "15 minutes", "1 hour" or "1 day 2 hours" (whole minutes)."""
    minutes = max(int(length.total_seconds() // 60), 1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts)
