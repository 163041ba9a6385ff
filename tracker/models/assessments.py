"""The yearly assessment of a recommendation, and each step of its review."""

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models.base import AppendOnlyModel
from tracker.models.evidence import Evidence
from tracker.models.narratives import Finding
from tracker.models.visibility import text_sensitivity, visibility
from tracker.models.vocabularies import (
    AssessmentConfidence,
    AssessmentRating,
    AssessmentState,
    EvidenceSensitivity,
)


class AssessmentQuerySet(models.QuerySet):
    def with_narrative_sensitivity(self):
        """Annotate `narrative_sensitivity_now`: who may read each narrative now.

        It is the narrative's own sensitivity, never less than the most sensitive evidence it
        cites (`text_sensitivity`). Part of the same query.
        """
        citations = Assessment.evidence.through.objects.filter(assessment_id=OuterRef("pk"))
        return self.annotate(
            narrative_sensitivity_now=text_sensitivity(F("narrative_sensitivity"), citations)
        )

    def with_narrative_visibility(self, user, *, audience: str | None = None):
        """Annotate `narrative_sensitivity_now` and `narrative_visible`: whether `user` (for
        `audience`) may read each narrative, by the one visibility rule."""
        rule = visibility(user, audience=audience)
        return self.with_narrative_sensitivity().annotate(
            narrative_visible=rule.flag(sensitivity="narrative_sensitivity_now", author="author")
        )


class Assessment(models.Model):
    """The yearly judgement of one recommendation, drafted by an analyst and reviewed.

    Its narrative carries a sensitivity (`narrative_sensitivity`); each change of it after the
    draft is recorded as a `TextSensitivityChange`.
    """

    Rating = AssessmentRating
    Confidence = AssessmentConfidence
    State = AssessmentState

    recommendation = models.ForeignKey(
        "tracker.Recommendation", on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField()
    revision = models.PositiveSmallIntegerField(
        default=1, help_text=_("1 for the first assessment; a correction takes the next number.")
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    rating = models.CharField(max_length=20, choices=Rating.choices)
    confidence = models.CharField(max_length=10, choices=Confidence.choices)
    narrative = models.TextField(blank=True)
    narrative_sensitivity = models.CharField(
        max_length=20,
        choices=EvidenceSensitivity.choices,
        default=EvidenceSensitivity.INTERNAL,
        help_text=_("Who may read the narrative; never less than the evidence it cites."),
    )
    findings = models.ManyToManyField(Finding, blank=True, related_name="assessments")
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="assessments")
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_assessments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_assessments",
    )
    review_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["recommendation", "-year", "-revision"]
        permissions = [("review_assessment", "Can approve or return assessments")]
        indexes = [models.Index(fields=["updated_at"], name="assessment_updated_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "year", "revision"],
                name="assessment_unique_recommendation_year",
                violation_error_message="One assessment per recommendation per year.",
            ),
            models.CheckConstraint(
                condition=Q(rating__in=AssessmentRating.values), name="assessment_rating_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=AssessmentConfidence.values),
                name="assessment_confidence_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=AssessmentState.values), name="assessment_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(narrative_sensitivity__in=EvidenceSensitivity.values),
                name="assessment_narrative_sensitivity_valid",
            ),
            models.CheckConstraint(
                condition=Q(revision=1, supersedes__isnull=True)
                | Q(revision__gt=1, supersedes__isnull=False),
                name="assessment_correction_links_original",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[AssessmentState.APPROVED, AssessmentState.RETURNED])
                | Q(reviewer__isnull=False, reviewed_at__isnull=False),
                name="assessment_review_has_reviewer",
                violation_error_message=(
                    "An approved or returned assessment names its reviewer and the time of "
                    "the review."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.recommendation.reference} {self.year} (rev. {self.revision})"


class AssessmentEvent(AppendOnlyModel):
    """An append-only record of one step in an assessment's life (draft, submit, review)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.assessment}: {self.action}"
