"""Dates in words, as every page, export and message writes them ("1 April 2021")."""

import datetime


def long_date(day: datetime.date) -> str:
    """Return `day` as "1 April 2021": no leading zero, the month in full."""
    return f"{day.day} {day:%B %Y}"


def period_words(start: datetime.date, end: datetime.date) -> str:
    """Return a period as "1 April 2021 – 31 March 2022"."""
    return f"{long_date(start)} – {long_date(end)}"
