"""Dates in words, as every page, export and message writes them ("1 April 2021").

In the active language: English as "1 April 2021", the other languages in their locale's long
form ("1 avril 2021", "1 de abril de 2021", "1 أبريل 2021", "2021년 4월 1일"), from Babel's CLDR
data rather than the C library's month names, so the words do not depend on the machine.
"""

import datetime

from babel.dates import format_date
from django.utils import translation
from django.utils.translation import gettext, ngettext


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
    with translation.override(language or translation.get_language()):
        return gettext("%(start)s – %(end)s") % {
            "start": long_date(start, language=language),
            "end": long_date(end, language=language),
        }


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
