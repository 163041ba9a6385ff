"""The prioritized recommendations: the items analysts track, and their lineage chains."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models.assessments import Assessment
from tracker.models.evidence import counted_links
from tracker.models.history import StatusChange, status_on
from tracker.models.narratives import Finding, Report
from tracker.models.periods import follow_up_period
from tracker.models.vocabularies import (
    RecommendationLinkKind,
    RecommendationPillar,
    RecommendationStatus,
)

# Past this many changes effective after a day, the worklist's counts ask each item for its
# status on that day rather than find the items those changes touch (`status_on_counts`).
LATER_CHANGES_LIMIT = 1000


def list_order_of(report) -> tuple[str, int]:
    """Return the copies of `report`'s country name and year a recommendation sorts on."""
    return report.country.name, report.year


class RecommendationQuerySet(models.QuerySet):
    def for_year(self, year):
        return self.filter(report__year=year)

    def with_report(self):
        return self.select_related("report__country", "owner")

    def with_status_on(self, day, *, name: str = "status_on"):
        """Annotate `name` with each recommendation's status on `day` (see `status_on`)."""
        return self.annotate(**{name: status_on(day)})

    def status_on_counts(self, day) -> dict[str, int]:
        """Return {status: number of recommendations} on `day`, every status present.

        Counted by `status_on`, the one definition, asked of each item; or, for a past day
        with few changes effective after it (the end of a follow-up period that has just
        ended), by finding once the items those changes touch: only they can have had on `day`
        another status than their cached one, and only they pay for the ordered lookup. Both
        give the same counts; the second does not grow with the number of items counted.
        """
        counts = dict.fromkeys(RecommendationStatus.values, 0)
        rows = self._statuses_on(day).order_by().values_list("status_on").annotate(n=Count("id"))
        counts.update(dict(rows))
        return counts

    def _statuses_on(self, day):
        if not isinstance(day, datetime.date) or day >= timezone.localdate():
            return self.with_status_on(day)
        later = StatusChange.objects.filter(effective_date__gt=day, void__isnull=True)
        if later.order_by().values("pk")[: LATER_CHANGES_LIMIT + 1].count() > LATER_CHANGES_LIMIT:
            return self.with_status_on(day)
        touched = LineageAncestor.objects.filter(
            ancestor_id__in=later.values("recommendation_id")
        ).values("recommendation_id")
        return self.annotate(
            status_on=Case(
                When(pk__in=touched, then=status_on(day, from_history=True)),
                default=F("status"),
                output_field=models.CharField(),
            )
        )

    def with_next_year(self):
        """Annotate `next_year`: the country's next imported report year after the item's."""
        later = (
            Report.objects.filter(
                country_id=OuterRef("report__country_id"), year__gt=OuterRef("report__year")
            )
            .order_by("year")
            .values("year")[:1]
        )
        return self.annotate(next_year=Subquery(later))

    def dropped(self):
        """Keep the items that were dropped: THE definition of "dropped".

        An item of year Y is dropped when the country has a later imported year and no item of
        the next one (the nearest later year) continues it, i.e. has it as predecessor. An item
        linked again after a gap (2018 -> 2021, absent from 2020) was still dropped in 2020.
        """
        continued = Recommendation.objects.filter(
            predecessor_id=OuterRef("pk"), report__year=OuterRef("next_year")
        )
        return self.with_next_year().filter(next_year__isnull=False).exclude(Exists(continued))

    def with_evidence_flag(self, user=None, *, audience=None):
        """Annotate `has_evidence`: whether any evidence `user` may see bears on the item.

        Counting only visible evidence, so a restricted item never reveals itself by turning
        the flag on; no user means the public view. Withdrawn evidence does not count.
        """
        visible = counted_links(user, audience=audience).filter(recommendation_id=OuterRef("pk"))
        return self.annotate(has_evidence=Exists(visible))

    def with_approved_flag(self):
        return self.annotate(
            has_approved_assessment=Exists(
                Assessment.objects.filter(
                    recommendation_id=OuterRef("pk"), state=Assessment.State.APPROVED
                )
            )
        )


class Recommendation(models.Model):
    """One prioritized recommendation of a narrative: the item analysts track."""

    Status = RecommendationStatus
    Pillar = RecommendationPillar
    LinkKind = RecommendationLinkKind

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveSmallIntegerField(help_text=_("Priority order within the narrative."))
    reference = models.CharField(max_length=20, unique=True)
    text = models.TextField()
    pillar = models.CharField(max_length=20, choices=Pillar.choices, db_index=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NO_ACTION, db_index=True
    )
    initial_status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.NO_ACTION,
        help_text=_("Status before any recorded change (carried over from the predecessor)."),
    )
    needs_review = models.BooleanField(
        default=False, help_text=_("Status carried over from last year and not yet re-verified.")
    )
    # The latest effective date of the changes along the lineage chain (voided ones skipped),
    # kept with `status` by `tracker.lineage.refresh_status`: on any later day the chain's
    # status is the cached one, so `status_on` pays its ordered lookup only before this day.
    chain_last_effective = models.DateField(null=True, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_recommendations",
    )
    predecessor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors"
    )
    link_kind = models.CharField(max_length=10, choices=LinkKind.choices, blank=True)
    similarity = models.FloatField(null=True, blank=True)
    findings = models.ManyToManyField(Finding, blank=True, related_name="recommendations")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Copies of the report's country name and year, so the list's default order (country,
    # newest year, priority) is one index on one table and a deep page costs what the first
    # does. Set on save and by the importer; Country.save and Report.save keep them current.
    country_name = models.CharField(max_length=100, editable=False, default="")
    report_year = models.PositiveSmallIntegerField(editable=False, default=0)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["report__country__name", "-report__year", "number"]
        permissions = [("change_status", "Can change a recommendation's status, owner or pillar")]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "number"], name="recommendation_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="recommendation_number_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RecommendationStatus.values),
                name="recommendation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(pillar__in=RecommendationPillar.values),
                name="recommendation_pillar_valid",
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("id")), name="recommendation_not_own_predecessor"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "report"], name="rec_status_report_idx"),
            models.Index(
                fields=["country_name", "-report_year", "number", "id"], name="rec_list_order_idx"
            ),
            # The latest write, read in one index step (`exportjobs.data_version`).
            models.Index(fields=["updated_at"], name="rec_updated_idx"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.text[:60]}"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        if adding:
            self.country_name, self.report_year = list_order_of(self.report)
        super().save(*args, **kwargs)
        if adding:
            # A new item is a leaf: its ancestry is itself plus its predecessor's. Relinking
            # later goes through `tracker.lineage`, which rebuilds the whole country's.
            links = [LineageAncestor(recommendation=self, ancestor=self, depth=0)]
            if self.predecessor_id:
                links += [
                    LineageAncestor(recommendation=self, ancestor_id=ancestor, depth=depth + 1)
                    for ancestor, depth in LineageAncestor.objects.filter(
                        recommendation_id=self.predecessor_id
                    ).values_list("ancestor_id", "depth")
                ]
            LineageAncestor.objects.bulk_create(links)

    def get_absolute_url(self):
        return reverse("recommendation_detail", args=[self.pk])

    @property
    def follow_up_period(self) -> tuple[datetime.date, datetime.date]:
        return follow_up_period(self.report.year)


class LineageAncestor(models.Model):
    """One ancestor of a recommendation along its lineage chain, the item itself at depth 0.

    A closure of the `predecessor` links, kept by `tracker.lineage.rebuild_ancestry` whenever
    links change, so the status on a date along a chain (`status_on`) is one indexed join.
    """

    # No index of their own: the unique pair leads with the recommendation, and the ancestor
    # has its named index below. Each index more is one more write per closure row.
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="ancestor_links", db_index=False
    )
    ancestor = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="descendant_links", db_index=False
    )
    depth = models.PositiveSmallIntegerField(
        help_text=_("0 for the item itself, 1 for its predecessor…")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "ancestor"], name="lineageancestor_unique_pair"
            ),
        ]
        indexes = [models.Index(fields=["ancestor"], name="lineageancestor_ancestor_idx")]

    def __str__(self):
        return f"{self.ancestor_id} is an ancestor of {self.recommendation_id} ({self.depth})"
