"""Template filters of the public pages."""

from django import template

register = template.Library()


@register.filter
def web_link(url: str) -> str:
    """Return `url` if it is an http(s) address a visitor may follow, else ''."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""
