"""Show the reader's translation of a recommendation's official text beside it."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.inclusion_tag("translations/partials.html#beside")
def translation_beside(translations) -> dict:
    """Render the translation of `translations` (by language code) into the active language.

    Nothing when the reader reads English (the official text's language) or no one has
    translated it into theirs; the official text stays where it is, above.
    """
    language = (get_language() or "").split("-")[0]
    return {"text": (translations or {}).get(language, ""), "language": language}
