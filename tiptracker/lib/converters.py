"""URL converters that keep numbers in the ranges the database and the calendar can hold.

Django's `int` matches any run of digits; `/summaries/99999999999999999999/` then reaches a
view with a year no date can hold. These refuse such paths at the URL, as 404s.
"""

from django.urls import register_converter
from django.urls.converters import get_converters


class IdConverter:
    """A primary key: at most 18 digits, so it always fits a 64-bit integer column."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


class YearConverter:
    """A report year: four digits from 1000 to 2999, so the periods around it are dates."""

    regex = "[12][0-9]{3}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return f"{int(value):04d}"


def register() -> None:
    """Register `<id:…>` and `<year:…>` for every URL configuration (once)."""
    registered = get_converters()
    for name, converter in (("id", IdConverter), ("year", YearConverter)):
        if name not in registered:
            register_converter(converter, name)
