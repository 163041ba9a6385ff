"""What the recommendation page shows of the translations of its official text."""

from django.utils.translation import get_language, get_language_info

from tracker import permissions
from tracker.forms import RecommendationTranslationForm
from tracker.models import translation_languages


def language_name(code: str) -> str:
    """Return the name of language `code` in the active language ("French", "Français")."""
    return get_language_info(code)["name_translated"]


def detail_context(request, recommendation, form=None) -> dict:
    """Return what the recommendation page shows of its translations (one query)."""
    translations = list(recommendation.translations.select_related("translated_by"))
    active = (get_language() or "").split("-")[0]
    context = {
        "translations": translations,
        "translation_beside": next((t for t in translations if t.language == active), None),
    }
    if permissions.can_edit(request.user):
        if form is None:
            codes = [code for code, _name in translation_languages()]
            chosen = active if active in codes else codes[0]
            current = next((t for t in translations if t.language == chosen), None)
            form = RecommendationTranslationForm(
                initial={"language": chosen, "text": current.text if current else ""}
            )
        context["translation_form"] = form
    return context
