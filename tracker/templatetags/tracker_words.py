"""Template tags that write settings, times and recorded values in words for people."""

import datetime

from axes.helpers import get_cool_off
from django import template
from django.db import models

from tiptracker.lib.dates import duration_words, long_date
from tracker.models import Evidence

register = template.Library()


@register.simple_tag(takes_context=True)
def lockout_wait(context) -> str:
    """Return how long a locked sign-in waits, in words ("15 minutes"), from the axes setting."""
    request = context.get("request")
    return duration_words(get_cool_off(request))


@register.filter
def sentence(text) -> str:
    """Return `text` ending with one full stop: none is added after its own punctuation."""
    text = str(text or "").rstrip()
    return text if not text or text[-1] in ".!?…" else f"{text}."


@register.filter
def recorded_value(value, field: str) -> str:
    """Return a value kept in an item of evidence's history as the pages write it.

    The history keeps a date in ISO 8601, the form exports and the API carry; a page writes
    it in words ("1 October 2021"), as it writes every other date.
    """
    try:
        is_date = isinstance(Evidence._meta.get_field(field), models.DateField)
    except Exception:  # a field the model no longer has: the value as kept
        is_date = False
    if is_date and value:
        try:
            return long_date(datetime.date.fromisoformat(value))
        except ValueError:
            return value
    return value
