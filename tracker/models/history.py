"""A recommendation's status history, and THE definition of its status on a day."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models.base import AppendOnlyModel, AppendOnlyQuerySet, FieldEdit
from tracker.models.evidence import Evidence
from tracker.models.visibility import text_sensitivity, visibility
from tracker.models.vocabularies import EvidenceSensitivity, RecommendationStatus


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
    through the `LineageAncestor` closure. Whether a later change exists is cached too
    (`Recommendation.chain_last_effective`, kept with the status), so the cache's answer costs
    a comparison, not a search of the chain. Either way one query, whatever the number of rows;
    the property test checks this against the definition read literally. `from_history`
    computes every row from the history alone: what refreshes the cache itself.
    """
    if not from_history and isinstance(day, datetime.date) and day >= timezone.localdate():
        return F("status")
    latest = Coalesce(_latest_along_chain(day), F("initial_status"))
    if from_history:
        return latest
    return Case(
        When(chain_last_effective__gt=_on_the_row(day), then=latest),
        default=F("status"),
        output_field=models.CharField(),
    )


_NEWEST_FIRST = ("-effective_date", "-recorded_at", "-id")


def _latest_along_chain(day):
    """Return the new status of the last change on or before `day` along the item's chain.

    Two equal shapes, each run where it is the faster: one ordered search of the whole chain's
    changes; or, on SQLite, each chain item's own last change found by its index, then the
    last of those. The property test holds both to the definition on their databases.
    """
    # The lineage closure, reached through the relation: its module imports this one.
    item = StatusChange._meta.get_field("recommendation").related_model
    closure = item._meta.get_field("descendant_links").related_model
    whole_chain = Subquery(
        StatusChange.objects.filter(
            recommendation__descendant_links__recommendation=OuterRef("pk"),
            effective_date__lte=day,
            void__isnull=True,
        )
        .order_by(*_NEWEST_FIRST)
        .values("new_status")[:1]
    )
    # Inside the item's own last change: two queries deeper than the outer row.
    own_last = (
        StatusChange.objects.filter(
            recommendation=OuterRef("ancestor_id"),
            effective_date__lte=_deeper(day, 2),
            void__isnull=True,
        )
        .order_by(*_NEWEST_FIRST)
        .values("pk")[:1]
    )
    items_last = closure.objects.filter(recommendation=OuterRef(OuterRef("pk"))).values(
        last=Subquery(own_last)
    )
    by_item = Subquery(
        StatusChange.objects.filter(pk__in=items_last)
        .order_by(*_NEWEST_FIRST)
        .values("new_status")[:1]
    )
    return _ByBackend(whole_chain, sqlite=by_item, output_field=models.CharField())


class _ByBackend(models.Expression):
    """One of two equal expressions, chosen by the database the query is compiled for."""

    def __init__(self, default, *, sqlite, output_field):
        super().__init__(output_field=output_field)
        self.default, self.sqlite = default, sqlite

    def get_source_expressions(self):
        return [self.default, self.sqlite]

    def set_source_expressions(self, exprs):
        self.default, self.sqlite = exprs

    def as_sql(self, compiler, connection):
        return compiler.compile(self.default)

    def as_sqlite(self, compiler, connection):
        return compiler.compile(self.sqlite)


def _deeper(day, levels: int):
    """Return `day` as read from `levels` queries further in: its outer references deepened."""
    if isinstance(day, OuterRef):
        for _ in range(levels):
            day = OuterRef(day)
        return day
    if not hasattr(day, "get_source_expressions"):
        return day
    copy = day.copy()
    copy.set_source_expressions([_deeper(part, levels) for part in day.get_source_expressions()])
    return copy


def _on_the_row(day):
    """Return `day` as read on the recommendation's own row: its outer references as fields."""
    if isinstance(day, OuterRef):
        return F(day.name)
    if not hasattr(day, "get_source_expressions"):
        return day
    copy = day.copy()
    copy.set_source_expressions([_on_the_row(part) for part in day.get_source_expressions()])
    return copy


def chain_last_effective():
    """Return the expression of the latest effective date along a recommendation's chain.

    The day `Recommendation.chain_last_effective` caches: the newest effective date of the
    changes of the item and its predecessors, voided ones skipped (null with none).
    """
    return Subquery(
        StatusChange.objects.filter(
            recommendation__descendant_links__recommendation=OuterRef("pk"), void__isnull=True
        )
        .order_by("-effective_date")
        .values("effective_date")[:1]
    )


class StatusChangeQuerySet(AppendOnlyQuerySet):
    def with_reason_sensitivity(self):
        """Annotate `reason_sensitivity_now`: who may read each reason now.

        It is the sensitivity the reason was written with, or the one of its latest change
        (`TextSensitivityChange`: the row itself is never updated), and never less than the
        most sensitive evidence it cites (`text_sensitivity`). Part of the same query.
        """
        latest = (
            TextSensitivityChange.objects.filter(status_change=OuterRef("pk"))
            .order_by("-recorded_at", "-id")
            .values("new_sensitivity")[:1]
        )
        citations = StatusChange.evidence.through.objects.filter(statuschange_id=OuterRef("pk"))
        return self.annotate(
            reason_sensitivity_now=text_sensitivity(
                Coalesce(Subquery(latest), F("reason_sensitivity")), citations
            )
        )

    def with_reason_visibility(self, user, *, audience: str | None = None):
        """Annotate `reason_sensitivity_now` and `reason_visible`: whether `user` (for
        `audience`) may read each reason, by the one visibility rule."""
        rule = visibility(user, audience=audience)
        return self.with_reason_sensitivity().annotate(
            reason_visible=rule.flag(sensitivity="reason_sensitivity_now", author="changed_by")
        )


class StatusChange(AppendOnlyModel):
    """An append-only record of one change of a recommendation's status.

    Its reason carries a sensitivity (`reason_sensitivity`, as written); a later change of who
    may read it is a `TextSensitivityChange`, and `with_reason_sensitivity` reads the two.
    """

    recommendation = models.ForeignKey(
        "tracker.Recommendation", on_delete=models.PROTECT, related_name="status_changes"
    )
    old_status = models.CharField(max_length=20, choices=RecommendationStatus.choices)
    new_status = models.CharField(max_length=20, choices=RecommendationStatus.choices)
    reason = models.TextField()
    reason_sensitivity = models.CharField(
        max_length=20,
        choices=EvidenceSensitivity.choices,
        default=EvidenceSensitivity.INTERNAL,
        help_text=_("Who may read the reason, as written; never less than the evidence it cites."),
    )
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="status_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="status_changes"
    )
    effective_date = models.DateField(help_text=_("When the new status became true."))
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_date", "-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="statuschange_reason_required"),
            models.CheckConstraint(
                condition=Q(reason_sensitivity__in=EvidenceSensitivity.values),
                name="statuschange_reason_sensitivity_valid",
            ),
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
        verbose_name = _("voided status change")
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


class TextSensitivityChange(AppendOnlyModel):
    """An append-only record of a change of who may read a free text, and why.

    The text is a status change's reason or an assessment's narrative (exactly one of the two).
    A status change is never updated, so the latest record is its reason's sensitivity
    (`StatusChangeQuerySet.with_reason_sensitivity`); an assessment keeps its own
    `narrative_sensitivity` current and this record says who changed it, when and why. Its
    reason is internal, always: it is in no summary.
    """

    status_change = models.ForeignKey(
        StatusChange,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sensitivity_changes",
    )
    assessment = models.ForeignKey(
        "tracker.Assessment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sensitivity_changes",
    )
    old_sensitivity = models.CharField(max_length=20, choices=EvidenceSensitivity.choices)
    new_sensitivity = models.CharField(max_length=20, choices=EvidenceSensitivity.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("text sensitivity change")
        indexes = [
            # The latest change of each reason, read beside every status change of a summary.
            models.Index(
                fields=["status_change", "-recorded_at", "-id"],
                name="textsensitivity_change_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status_change__isnull=False, assessment__isnull=True)
                | Q(status_change__isnull=True, assessment__isnull=False),
                name="textsensitivity_one_text",
                violation_error_message="A sensitivity change is about one text.",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="textsensitivity_reason_required"),
            models.CheckConstraint(
                condition=Q(old_sensitivity__in=EvidenceSensitivity.values)
                & Q(new_sensitivity__in=EvidenceSensitivity.values),
                name="textsensitivity_values_valid",
            ),
        ]

    def __str__(self):
        return f"{self.text_label}: {self.old_sensitivity} → {self.new_sensitivity}"

    @property
    def text_label(self) -> str:
        """Name the text without reading it: "Reason of status change 12"."""
        if self.status_change_id:
            return f"Reason of status change {self.status_change_id}"
        return f"Narrative of assessment {self.assessment_id}"
