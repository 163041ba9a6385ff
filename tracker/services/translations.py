"""Translations of a recommendation's official text (`RecommendationTranslation`).

A translation is kept as its latest wording with who wrote it and when; the official text is
never touched. Analysts and reviewers (who may change a recommendation) write them.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.models import Recommendation, RecommendationTranslation, translation_languages
from tracker.services.base import _require

TRANSLATION_MAX_LENGTH = 10_000


def _check_language(language: str) -> None:
    if language not in dict(translation_languages()):
        raise ValidationError(
            {"language": _("Choose a language other than English (the official text's).")}
        )


@transaction.atomic
def recommendation_translate(
    *, recommendation: Recommendation, language: str, text: str, by
) -> RecommendationTranslation | None:
    """Record `text` as the translation of `recommendation` into `language`, or replace it.

    Return the translation, or None when it already reads exactly so.
    """
    _require(by, "tracker.change_status", _("translate a recommendation"))
    _check_language(language)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the translation, or remove it.")})
    if len(text) > TRANSLATION_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("A translation is at most %(limit)s characters.")
                % {"limit": TRANSLATION_MAX_LENGTH}
            }
        )
    current = (
        RecommendationTranslation.objects.select_for_update()
        .filter(recommendation=recommendation, language=language)
        .first()
    )
    if current is not None and current.text == text:
        return None
    if current is None:
        return RecommendationTranslation.objects.create(
            recommendation=recommendation, language=language, text=text, translated_by=by
        )
    current.text = text
    current.translated_by = by
    current.translated_at = timezone.now()
    current.save(update_fields=["text", "translated_by", "translated_at"])
    return current


@transaction.atomic
def recommendation_translation_remove(*, recommendation: Recommendation, language: str, by) -> bool:
    """Remove the translation of `recommendation` into `language`; return whether there was one."""
    _require(by, "tracker.change_status", _("remove a translation"))
    _check_language(language)
    deleted, _rows = RecommendationTranslation.objects.filter(
        recommendation=recommendation, language=language
    ).delete()
    return bool(deleted)
