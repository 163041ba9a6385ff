"""Template tags that write settings, times and recorded values in words for people."""

import datetime

from axes.helpers import get_cool_off
from django import template
from django.db import models
from django.utils.translation import pgettext_lazy

from tiptracker.lib.dates import duration_words, long_date
from tracker.models import Evidence

register = template.Library()

# The words a page writes for a sensitivity code in running text ("The reason is internal"); the
# code itself stays in class names and links.
_SENSITIVITY_WORDS = {
    "public": pgettext_lazy("sensitivity, in running text", "public"),
    "internal": pgettext_lazy("sensitivity, in running text", "internal"),
    "restricted": pgettext_lazy("sensitivity, in running text", "restricted"),
}

# The words for the events of an assessment's history; the code is what the record keeps.
_ASSESSMENT_ACTIONS = {
    "drafted": pgettext_lazy("assessment event", "drafted"),
    "edited": pgettext_lazy("assessment event", "edited"),
    "submitted": pgettext_lazy("assessment event", "submitted"),
    "approved": pgettext_lazy("assessment event", "approved"),
    "returned": pgettext_lazy("assessment event", "returned"),
    "correction opened": pgettext_lazy("assessment event", "correction opened"),
}


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


# The words for the fields a recommendation's timeline records edits of; the code is what the
# record keeps.
_RECOMMENDATION_FIELDS = {
    "owner": pgettext_lazy("recommendation field", "Owner"),
    "pillar": pgettext_lazy("recommendation field", "Pillar"),
    "predecessor": pgettext_lazy("recommendation field", "Predecessor"),
    "text": pgettext_lazy("recommendation field", "Text"),
}


@register.filter
def recommendation_field(code) -> str:
    """Return the name of an edited recommendation field, capitalised, in the page's language."""
    word = _RECOMMENDATION_FIELDS.get(code)
    if word is None:
        code = str(code or "")
        return code[:1].upper() + code[1:]
    return str(word)


@register.filter
def sensitivity_word(code) -> str:
    """Return a sensitivity code as a lower-case word in the page's language ("internal")."""
    return str(_SENSITIVITY_WORDS.get(code, code or ""))


@register.filter
def assessment_action(code) -> str:
    """Return an assessment event's action in the page's language ("submitted")."""
    return str(_ASSESSMENT_ACTIONS.get(code, code or ""))


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
