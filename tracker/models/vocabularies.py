"""The vocabularies: stored codes with their labels, shared by every model.

The codes never change (tests, exports and the API use them); the labels may.
"""

from django.db import models


class Tier(models.TextChoices):
    TIER_1 = "tier_1", "Tier 1"
    TIER_2 = "tier_2", "Tier 2"
    TIER_2_WATCH_LIST = "tier_2_watch_list", "Tier 2 Watch List"
    TIER_3 = "tier_3", "Tier 3"
    SPECIAL_CASE = "special_case", "Special Case"


class RecommendationStatus(models.TextChoices):
    NO_ACTION = "no_action", "No action"
    IN_PROGRESS = "in_progress", "In progress"
    IMPLEMENTED = "implemented", "Implemented"
    REGRESSED = "regressed", "Regressed"
    CANNOT_ASSESS = "cannot_assess", "Cannot assess (no reliable information)"


class RecommendationPillar(models.TextChoices):
    PROSECUTION = "prosecution", "Prosecution"
    PROTECTION = "protection", "Protection"
    PREVENTION = "prevention", "Prevention"
    PARTNERSHIP = "partnership", "Partnership"


class RecommendationLinkKind(models.TextChoices):
    REPEATED = "repeated", "Repeated"
    REWORDED = "reworded", "Reworded"
    NEW = "new", "New"


class EvidenceSourceType(models.TextChoices):
    UN = "un", "UN"
    NGO = "ngo", "NGO"
    GOVERNMENT = "government", "Government"
    MEDIA = "media", "Media"
    TESTIMONY = "testimony", "Testimony"
    ACADEMIC = "academic", "Academic"
    OTHER = "other", "Other"


class EvidenceSensitivity(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    RESTRICTED = "restricted", "Restricted"


class EvidenceDirection(models.TextChoices):
    PROGRESS = "progress", "Progress"
    NO_CHANGE = "no_change", "No change"
    REGRESSION = "regression", "Regression"


class Audience(models.TextChoices):
    """Whom a summary or an export is built for, and so which evidence and texts it may hold."""

    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    RESTRICTED = "restricted", "Restricted"

    @property
    def sensitivities(self) -> tuple[str, ...]:
        return {
            "public": (EvidenceSensitivity.PUBLIC,),
            "internal": (EvidenceSensitivity.PUBLIC, EvidenceSensitivity.INTERNAL),
            "restricted": tuple(EvidenceSensitivity.values),
        }[self.value]

    @property
    def description(self) -> str:
        return {
            "public": "Public view: public evidence only, and only the reasons and narratives "
            "marked public",
            "internal": "Internal view: public and internal evidence; restricted evidence is "
            "not included, nor restricted reasons and narratives",
            "restricted": "Restricted view: all evidence, restricted included, and every reason "
            "and narrative",
        }[self.value]

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
    REGRESSION = "regression", "Regression"
    NO_PROGRESS = "no_progress", "No progress"
    LIMITED = "limited", "Limited progress"
    SUBSTANTIAL = "substantial", "Substantial progress"
    IMPLEMENTED = "implemented", "Implemented"
    CANNOT_ASSESS = "cannot_assess", "Cannot assess"


class AssessmentConfidence(models.TextChoices):
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"


class AssessmentState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


class NotificationKind(models.TextChoices):
    ASSESSMENT_SUBMITTED = "assessment_submitted", "Assessment submitted"
    ASSESSMENT_RETURNED = "assessment_returned", "Assessment returned"
    ASSESSMENT_APPROVED = "assessment_approved", "Assessment approved"
    ASSIGNED = "assigned", "Item assigned"
    STATUS_CHANGED = "status_changed", "Status changed"
    REMINDER = "reminder", "Reminder"
