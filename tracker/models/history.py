"""A recommendation's status history, and THE definition of its status on a day."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from tracker.models.base import AppendOnlyModel, FieldEdit
from tracker.models.evidence import Evidence
from tracker.models.vocabularies import RecommendationStatus


def status_on(day, *, from_history: bool = False):
    """Return the expression of a recommendation's status on `day`: THE definition.

    The status on day D is the new status of the last change effective on or before D along the
    recommendation's lineage chain (its own changes and its predecessors', voided ones
    skipped), ties broken by recorded time, then id; with no such change, the status the chain
    started with (kept on every item of the chain as `initial_status`). `day` is a date, or an
    expression of the outer query (`OuterRef("report__follow_up_end")`).

    `Recommendation.status` caches the status today, and no change is effective in the future,
    so an item whose chain has no change effective after D had on D the status it has now: the
    cache answers for it, and only the items with a later change pay for the ordered lookup
    through the `LineageAncestor` closure. Either way one query, whatever the number of rows;
    the property test checks this against the definition read literally. `from_history`
    computes every row from the history alone: what refreshes the cache itself.
    """
    if not from_history and isinstance(day, datetime.date) and day >= timezone.localdate():
        return F("status")
    chain = {
        "recommendation__descendant_links__recommendation": OuterRef("pk"),
        "void__isnull": True,
    }
    latest = (
        StatusChange.objects.filter(effective_date__lte=day, **chain)
        .order_by("-effective_date", "-recorded_at", "-id")
        .values("new_status")[:1]
    )
    if from_history:
        return Coalesce(Subquery(latest), F("initial_status"))
    later = StatusChange.objects.filter(effective_date__gt=day, **chain)
    return Case(
        When(Exists(later), then=Coalesce(Subquery(latest), F("initial_status"))),
        default=F("status"),
        output_field=models.CharField(),
    )


class StatusChange(AppendOnlyModel):
    """An append-only record of one change of a recommendation's status."""

    recommendation = models.ForeignKey(
        "tracker.Recommendation", on_delete=models.PROTECT, related_name="status_changes"
    )
    old_status = models.CharField(max_length=20, choices=RecommendationStatus.choices)
    new_status = models.CharField(max_length=20, choices=RecommendationStatus.choices)
    reason = models.TextField()
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="status_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="status_changes"
    )
    effective_date = models.DateField(help_text="When the new status became true.")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-effective_date", "-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="statuschange_reason_required"),
            models.CheckConstraint(
                condition=Q(new_status__in=RecommendationStatus.values),
                name="statuschange_new_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["recommendation", "effective_date", "recorded_at"],
                name="statuschange_asof_idx",
            ),
            # The exact order of "latest changes", so it stops after a page instead of sorting.
            models.Index(fields=["-recorded_at", "-id"], name="statuschange_recent_idx"),
            # The changes effective after a day, read from the newest (`status_on_counts`).
            models.Index(fields=["effective_date"], name="statuschange_effective_idx"),
        ]

    def __str__(self):
        return f"{self.recommendation.reference}: {self.old_status} → {self.new_status}"


class StatusChangeVoid(AppendOnlyModel):
    """The correction of a mistaken status change: it voids the change, with the reason.

    History stays append-only: the change keeps its row and this one says it was a mistake;
    `status_on` skips voided changes from then on.
    """

    change = models.OneToOneField(StatusChange, on_delete=models.PROTECT, related_name="void")
    reason = models.TextField()
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = "voided status change"
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="statuschangevoid_reason_required")
        ]

    def __str__(self):
        return f"Void of {self.change}"


class RecommendationEdit(FieldEdit):
    """An append-only record of an edit to a recommendation's owner, pillar, lineage or text."""

    recommendation = models.ForeignKey(
        "tracker.Recommendation", on_delete=models.PROTECT, related_name="edits"
    )

    def __str__(self):
        return f"{self.recommendation.reference}: {self.field} {self.old_value} → {self.new_value}"
