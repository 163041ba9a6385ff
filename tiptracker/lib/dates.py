"""Dates in words, as every page, export and message writes them ("1 April 2021")."""

import datetime


def long_date(day: datetime.date) -> str:
    """Return `day` as "1 April 2021": no leading zero, the month in full."""
    return f"{day.day} {day:%B %Y}"


def period_words(start: datetime.date, end: datetime.date) -> str:
    """Return a period as "1 April 2021 – 31 March 2022"."""
    return f"{long_date(start)} – {long_date(end)}"


def duration_words(length: datetime.timedelta) -> str:
    """Return a length of time as "15 minutes", "1 hour" or "1 day 2 hours" (whole minutes)."""
    minutes = max(int(length.total_seconds() // 60), 1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in [(days, "day"), (hours, "hour"), (minutes, "minute")]
        if n
    ]
    return " ".join(parts)
