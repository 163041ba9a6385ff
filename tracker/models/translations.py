"""Translations of a recommendation's official text, written by analysts, one per language.

The official text (`Recommendation.text`) is the report's own words, in English, and is never
replaced: a translation is always shown beside it, marked as a translation, in pages, the
public site and the summaries of its language.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models.recommendations import Recommendation


def translation_languages() -> list[tuple[str, str]]:
    """Return the (code, name) of each language a recommendation may be translated into."""
    return [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class RecommendationTranslation(models.Model):
    """One language's translation of a recommendation's official text.

    Kept as the latest wording with who wrote it and when: it is a reading aid, not a record
    the summaries count, so a new wording replaces the old (`services.recommendation_translate`).
    """

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("Language"), max_length=10, choices=translation_languages())
    text = models.TextField(_("Translation"))
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    translated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recommendation", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "language"],
                name="recommendation_translation_unique_language",
                violation_error_message="One translation per recommendation and language.",
            ),
        ]

    def __str__(self):
        return f"{self.recommendation.reference} ({self.language})"
