"""Dates in words, as every page, export and message writes them ("1 April 2021").

In the active language: English as "1 April 2021", the other languages in their locale's long
form ("1 avril 2021", "1 de abril de 2021", "1 أبريل 2021", "2021년 4월 1일"), from Babel's CLDR
data rather than the C library's month names, so the words do not depend on the machine.
"""

import datetime

from babel.dates import format_date
from django.utils import translation


def _locale(language: str | None) -> str:
    return (language or "en").replace("-", "_")


def long_date(day: datetime.date, *, language: str | None = None) -> str:
    """Return `day` in words in `language` (default: the active one), e.g. "1 April 2021"."""
    language = language or translation.get_language()
    if language is None or language.split("-")[0] == "en":
        return f"{day.day} {format_date(day, 'MMMM y', locale='en')}"
    return format_date(day, "long", locale=_locale(language))


def period_words(start: datetime.date, end: datetime.date, *, language: str | None = None) -> str:
    """Return a period as "1 April 2021 – 31 March 2022" (in `language`, default the active)."""
    return f"{long_date(start, language=language)} – {long_date(end, language=language)}"


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
