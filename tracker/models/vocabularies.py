"""The vocabularies: stored codes with their labels, shared by every model.

The codes never change (tests, exports and the API use them); the labels may.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Tier(models.TextChoices):
    TIER_1 = "tier_1", _("Tier 1")
    TIER_2 = "tier_2", _("Tier 2")
    TIER_2_WATCH_LIST = "tier_2_watch_list", _("Tier 2 Watch List")
    TIER_3 = "tier_3", _("Tier 3")
    SPECIAL_CASE = "special_case", _("Special Case")


class RecommendationStatus(models.TextChoices):
    NO_ACTION = "no_action", _("No action")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", pgettext_lazy("status", "Implemented")
    REGRESSED = "regressed", _("Regressed")
    CANNOT_ASSESS = "cannot_assess", _("Cannot assess (no reliable information)")


class RecommendationPillar(models.TextChoices):
    PROSECUTION = "prosecution", pgettext_lazy("pillar", "Prosecution")
    PROTECTION = "protection", pgettext_lazy("pillar", "Protection")
    PREVENTION = "prevention", pgettext_lazy("pillar", "Prevention")
    PARTNERSHIP = "partnership", pgettext_lazy("pillar", "Partnership")


class RecommendationLinkKind(models.TextChoices):
    REPEATED = "repeated", _("Repeated")
    REWORDED = "reworded", _("Reworded")
    NEW = "new", pgettext_lazy("relation", "New")


class EvidenceSourceType(models.TextChoices):
    UN = "un", _("UN")
    NGO = "ngo", _("NGO")
    GOVERNMENT = "government", pgettext_lazy("source type", "Government")
    MEDIA = "media", _("Media")
    TESTIMONY = "testimony", _("Testimony")
    ACADEMIC = "academic", _("Academic")
    OTHER = "other", pgettext_lazy("source type", "Other")


class EvidenceSensitivity(models.TextChoices):
    PUBLIC = "public", pgettext_lazy("sensitivity", "Public")
    INTERNAL = "internal", pgettext_lazy("sensitivity", "Internal")
    RESTRICTED = "restricted", pgettext_lazy("sensitivity", "Restricted")


class EvidenceDirection(models.TextChoices):
    PROGRESS = "progress", _("Progress")
    NO_CHANGE = "no_change", _("No change")
    REGRESSION = "regression", pgettext_lazy("direction", "Regression")


class Audience(models.TextChoices):
    """Whom a summary or an export is built for, and so which evidence and texts it may hold."""

    PUBLIC = "public", pgettext_lazy("audience", "Public")
    INTERNAL = "internal", pgettext_lazy("audience", "Internal")
    RESTRICTED = "restricted", pgettext_lazy("audience", "Restricted")

    @property
    def sensitivities(self) -> tuple[str, ...]:
        return {
            "public": (EvidenceSensitivity.PUBLIC,),
            "internal": (EvidenceSensitivity.PUBLIC, EvidenceSensitivity.INTERNAL),
            "restricted": tuple(EvidenceSensitivity.values),
        }[self.value]

    @property
    def description(self) -> str:
        return str(
            {
                "public": _(
                    "Public view: public evidence only, and only the reasons and narratives "
                    "marked public"
                ),
                "internal": _(
                    "Internal view: public and internal evidence; restricted evidence is "
                    "not included, nor restricted reasons and narratives"
                ),
                "restricted": _(
                    "Restricted view: all evidence, restricted included, and every reason "
                    "and narrative"
                ),
            }[self.value]
        )

    @classmethod
    def allowed_for(cls, user) -> list["Audience"]:
        """Return the audiences `user` may build a summary for, narrowest first."""
        if user is None or not user.is_authenticated:
            return [cls.PUBLIC]
        if user.has_perm("tracker.view_restricted_evidence"):
            return [cls.PUBLIC, cls.INTERNAL, cls.RESTRICTED]
        return [cls.PUBLIC, cls.INTERNAL]

    @classmethod
    def for_user(cls, user, requested: str | None = None) -> "Audience":
        """Return the audience `requested` if `user` may have it, else their default.

        The default is internal for every signed-in user (reviewers choose restricted
        explicitly) and public with no user.
        """
        allowed = cls.allowed_for(user)
        if requested in allowed:
            return cls(requested)
        return cls.INTERNAL if cls.INTERNAL in allowed else cls.PUBLIC


class AssessmentRating(models.TextChoices):
    REGRESSION = "regression", pgettext_lazy("rating", "Regression")
    NO_PROGRESS = "no_progress", _("No progress")
    LIMITED = "limited", _("Limited progress")
    SUBSTANTIAL = "substantial", _("Substantial progress")
    IMPLEMENTED = "implemented", pgettext_lazy("rating", "Implemented")
    CANNOT_ASSESS = "cannot_assess", _("Cannot assess")


class AssessmentConfidence(models.TextChoices):
    HIGH = "high", pgettext_lazy("confidence", "High")
    MODERATE = "moderate", pgettext_lazy("confidence", "Moderate")
    LOW = "low", pgettext_lazy("confidence", "Low")


class AssessmentState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("assessment state", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("assessment state", "Submitted")
    APPROVED = "approved", pgettext_lazy("assessment state", "Approved")
    RETURNED = "returned", pgettext_lazy("assessment state", "Returned")


class NotificationKind(models.TextChoices):
    ASSESSMENT_SUBMITTED = "assessment_submitted", _("Assessment submitted")
    ASSESSMENT_RETURNED = "assessment_returned", _("Assessment returned")
    ASSESSMENT_APPROVED = "assessment_approved", _("Assessment approved")
    ASSIGNED = "assigned", _("Item assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    REMINDER = "reminder", _("Reminder")
