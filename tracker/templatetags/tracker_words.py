"""Template tags that write settings and times in words for people."""

from axes.helpers import get_cool_off
from django import template

from tiptracker.lib.dates import duration_words

register = template.Library()


@register.simple_tag(takes_context=True)
def lockout_wait(context) -> str:
    """Return how long a locked sign-in waits, in words ("15 minutes"), from the axes setting."""
    request = context.get("request")
    return duration_words(get_cool_off(request))
