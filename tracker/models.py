"""The TIP domain: countries, narratives, recommendations and everything recorded about them.

State changes are written only by `tracker.services`; history rows are append-only.
"""

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from tiptracker.lib.storage import private_storage


class Tier(models.TextChoices):
    TIER_1 = "tier_1", "Tier 1"
    TIER_2 = "tier_2", "Tier 2"
    TIER_2_WATCH_LIST = "tier_2_watch_list", "Tier 2 Watch List"
    TIER_3 = "tier_3", "Tier 3"
    SPECIAL_CASE = "special_case", "Special Case"


def reporting_period(year: int) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of the reporting period of report year `year`.

    It is the period report `year` describes: 1 April of the year before to 31 March.
    """
    return datetime.date(year - 1, 4, 1), datetime.date(year, 3, 31)


def follow_up_period(year: int) -> tuple[datetime.date, datetime.date]:
    """Return the first and last day of the follow-up period of report year `year`'s items.

    Report `year`'s recommendations are followed up from 1 April `year` to 31 March `year`+1:
    the reporting period of the next report, which will judge whether they were acted on.
    """
    return datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)


def default_as_of(year: int, today: datetime.date | None = None) -> datetime.date:
    """Return the day report `year`'s items are judged on by default: the end of their
    follow-up period, or today while it is still running."""
    return min(follow_up_period(year)[1], today or timezone.localdate())


class Country(models.Model):
    """A country or territory that the TIP Report covers, known by several names."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    code = models.CharField(
        max_length=3, unique=True, help_text="ISO 3166-1 alpha-3 code, used in references."
    )
    aliases = models.JSONField(default=list, blank=True, help_text="Other names, as a list.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{3}$"), name="country_code_three_capitals"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            # The recommendation list sorts on a copy of the name (Recommendation.country_name).
            Recommendation.objects.filter(report__country=self).exclude(
                country_name=self.name
            ).update(country_name=self.name)

    def get_absolute_url(self):
        return reverse("country_detail", args=[self.slug])


class TierPlacement(models.Model):
    """A country's tier in one report year, from a narrative or a published tier table."""

    class Source(models.TextChoices):
        NARRATIVE = "narrative", "Narrative"
        TABLE = "table", "Tier table"

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="tier_placements")
    year = models.PositiveSmallIntegerField()
    tier = models.CharField(max_length=20, choices=Tier.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    source_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["country", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "year"],
                name="tierplacement_unique_country_year",
                violation_error_message="One tier per country per year.",
            ),
        ]

    def __str__(self):
        return f"{self.country} {self.year}: {self.get_tier_display()}"


class ReportQuerySet(models.QuerySet):
    def for_year(self, year):
        return self.filter(year=year)


class Report(models.Model):
    """One country narrative of one report year, as imported from its source text."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveSmallIntegerField(db_index=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, db_index=True)
    period_start = models.DateField(help_text="First day of the reporting period it describes.")
    period_end = models.DateField(help_text="Last day of the reporting period it describes.")
    follow_up_start = models.DateField(help_text="First day of its items' follow-up period.")
    follow_up_end = models.DateField(help_text="Last day of its items' follow-up period.")
    title = models.CharField(max_length=300, blank=True)
    country_heading = models.CharField(max_length=300, blank=True)
    introduction = models.TextField(blank=True)
    tier_statement = models.TextField(blank=True)
    sections = models.JSONField(default=dict, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    source_name = models.CharField(max_length=300, blank=True)
    source_text = models.TextField()
    source_sha256 = models.CharField(max_length=64)
    parse_warnings = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["country__name", "-year"]
        permissions = [("import_report", "Can import narratives")]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "year"],
                name="report_unique_country_year",
                violation_error_message="This country already has a narrative for that year.",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2001) & Q(year__lte=2100), name="report_year_in_range"
            ),
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="report_tier_valid"),
        ]

    def __str__(self):
        return f"{self.country} {self.year}"

    def save(self, *args, **kwargs):
        self.period_start, self.period_end = reporting_period(self.year)
        self.follow_up_start, self.follow_up_end = follow_up_period(self.year)
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            self.recommendations.exclude(report_year=self.year).update(report_year=self.year)

    def get_absolute_url(self):
        return reverse("report_detail", args=[self.pk])


class Finding(models.Model):
    """One sentence of a narrative that states a fact the recommendations answer."""

    class Section(models.TextChoices):
        INTRODUCTION = "introduction", "Introduction"
        PROSECUTION = "prosecution", "Prosecution"
        PROTECTION = "protection", "Protection"
        PREVENTION = "prevention", "Prevention"
        TRAFFICKING_PROFILE = "trafficking_profile", "Trafficking profile"
        GOVERNMENT_EFFORTS = "government_efforts", "Government efforts"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="findings")
    section = models.CharField(max_length=30, choices=Section.choices)
    position = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["report", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "section", "position"], name="finding_unique_position"
            ),
        ]

    def __str__(self):
        return f"{self.report} {self.get_section_display()} #{self.position}"

    @property
    def anchor(self):
        return f"finding-{self.section}-{self.position}"


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


# Past this many changes effective after a day, the worklist's counts ask each item for its
# status on that day rather than find the items those changes touch (`status_on_counts`).
LATER_CHANGES_LIMIT = 1000


def list_order_of(report) -> tuple[str, int]:
    """Return the copies of `report`'s country name and year a recommendation sorts on."""
    return report.country.name, report.year


class RecommendationQuerySet(models.QuerySet):
    def for_year(self, year):
        return self.filter(report__year=year)

    def open(self):
        return self.exclude(status=Recommendation.Status.IMPLEMENTED)

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
        through = Evidence.recommendations.through
        visible = through.objects.filter(
            evidence_visibility(user, audience=audience, prefix="evidence__"),
            evidence_counting(prefix="evidence__"),
            recommendation_id=OuterRef("pk"),
        )
        return self.annotate(has_evidence=Exists(visible))

    def with_approved_flag(self):
        return self.annotate(
            has_approved_assessment=Exists(
                Assessment.objects.filter(
                    recommendation_id=OuterRef("pk"), state=Assessment.State.APPROVED
                )
            )
        )

    def status_counts(self):
        return dict(self.order_by().values_list("status").annotate(n=Count("id")))


class Recommendation(models.Model):
    """One prioritized recommendation of a narrative: the item analysts track."""

    Status = RecommendationStatus
    Pillar = RecommendationPillar
    LinkKind = RecommendationLinkKind

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveSmallIntegerField(help_text="Priority order within the narrative.")
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
        help_text="Status before any recorded change (carried over from the predecessor).",
    )
    needs_review = models.BooleanField(
        default=False, help_text="Status carried over from last year and not yet re-verified."
    )
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

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="ancestor_links"
    )
    ancestor = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="descendant_links"
    )
    depth = models.PositiveSmallIntegerField(
        help_text="0 for the item itself, 1 for its predecessor…"
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


def evidence_upload_to(instance, original_name: str) -> str:
    """Return a random storage path that keeps only a short, safe extension of the upload."""
    suffix = PurePath(original_name).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 8:
        suffix = ""
    return f"evidence/{uuid.uuid4().hex}{suffix}"


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
    """Whom a summary or an export is built for, and so which evidence it may hold."""

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
            "public": "Public view: public evidence only",
            "internal": "Internal view: public and internal evidence; restricted evidence is "
            "not included",
            "restricted": "Restricted view: all evidence, restricted included",
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


class ServerOperator:
    """Whoever runs a command on the server itself (`progress_summary`): not a user account.

    The visibility rule lets the operator see everything; `audience` still decides what a
    summary built for readers holds. Use the one instance, `SERVER_OPERATOR`.
    """

    is_authenticated = True
    pk = None

    def __repr__(self) -> str:
        return "SERVER_OPERATOR"


SERVER_OPERATOR = ServerOperator()


def evidence_visibility(user=None, *, audience: str | None = None, prefix: str = "") -> Q:
    """Return the condition on evidence rows that keeps what may be shown: THE rule.

    - no user (or an anonymous one) means the public view: public evidence only;
    - the server operator (`SERVER_OPERATOR`, a command run on the server) sees everything;
    - a reviewer (permission `view_restricted_evidence`) sees everything;
    - anyone else sees public and internal evidence, and the restricted items they logged.
    With `audience` (a summary or an export built for public, internal or restricted readers)
    only that audience's sensitivities are kept, within what `user` may see: an analyst's own
    restricted item is never in an internal summary. `prefix` names the evidence in a join
    ("evidence__" from the link table).
    """

    def q(**lookups) -> Q:
        return Q(**{prefix + key: value for key, value in lookups.items()})

    if user is None or not user.is_authenticated:
        rule = q(sensitivity=EvidenceSensitivity.PUBLIC)
    elif user is SERVER_OPERATOR or user.has_perm("tracker.view_restricted_evidence"):
        rule = Q()
    else:
        rule = ~q(sensitivity=EvidenceSensitivity.RESTRICTED) | q(logged_by=user.pk)
    if audience is not None:
        rule &= q(sensitivity__in=Audience(audience).sensitivities)
    return rule


def evidence_counting(day=None, *, prefix: str = "") -> Q:
    """Return the condition that keeps evidence still counting on `day` (default: now).

    Withdrawn evidence is never deleted; it stops counting from the day it was withdrawn.
    """
    if day is None:
        return Q(**{f"{prefix}withdrawn_at__isnull": True})
    return Q(**{f"{prefix}withdrawn_at__isnull": True}) | Q(
        **{f"{prefix}withdrawn_at__date__gt": day}
    )


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user, *, audience: str | None = None):
        """Keep what `user` may see (for `audience`, if given): see `evidence_visibility`."""
        return self.filter(evidence_visibility(user, audience=audience))


def evidence_date_errors(published_on, accessed_on) -> dict[str, str]:
    """Return what is wrong with an item's dates, by field: neither in the future, nor the
    access before the publication. The form and the model both ask, whatever the entry point."""
    today = timezone.localdate()
    errors = {}
    for name, day, what in (
        ("published_on", published_on, "publication"),
        ("accessed_on", accessed_on, "access"),
    ):
        if day and day > today:
            errors[name] = f"The {what} date cannot be in the future."
    if published_on and accessed_on and accessed_on < published_on and not errors:
        errors["accessed_on"] = "The source cannot be accessed before it was published."
    return errors


class Evidence(models.Model):
    """A source that bears on one or more recommendations."""

    SourceType = EvidenceSourceType
    Sensitivity = EvidenceSensitivity
    Direction = EvidenceDirection

    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    source_type = models.CharField(max_length=20, choices=SourceType.choices, db_index=True)
    source_name = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True, db_index=True)
    accessed_on = models.DateField(null=True, blank=True)
    quote = models.TextField(blank=True)
    file = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True, help_text="Name as uploaded.")
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.INTERNAL, db_index=True
    )
    direction = models.CharField(max_length=20, choices=Direction.choices, db_index=True)
    recommendations = models.ManyToManyField(Recommendation, related_name="evidence")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="logged_evidence"
    )
    logged_at = models.DateTimeField(default=timezone.now, db_index=True)
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was withdrawn; it stops counting from then on."
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_reason = models.TextField(blank=True)
    # Every write after logging (an edit, a sensitivity change, a withdrawal) moves it on, so
    # two people editing the same item never silently overwrite each other (the API's ETag).
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-logged_at", "-id"]
        indexes = [
            models.Index(fields=["-logged_at", "-id"], name="evidence_recent_idx"),
            models.Index(fields=["updated_at"], name="evidence_updated_idx"),
        ]
        verbose_name_plural = "evidence"
        permissions = [("view_restricted_evidence", "Can see restricted evidence")]
        constraints = [
            models.CheckConstraint(
                condition=Q(sensitivity__in=EvidenceSensitivity.values),
                name="evidence_sensitivity_valid",
            ),
            models.CheckConstraint(
                condition=Q(source_type__in=EvidenceSourceType.values),
                name="evidence_source_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=EvidenceDirection.values), name="evidence_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(file="") | ~Q(file_sha256=""), name="evidence_file_has_sha256"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("evidence_detail", args=[self.pk])

    def clean(self):
        errors = evidence_date_errors(self.published_on, self.accessed_on)
        if errors:
            raise ValidationError(errors)

    @property
    def is_restricted(self):
        return self.sensitivity == self.Sensitivity.RESTRICTED

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None


class HistoryIsAppendOnly(Exception):
    """Raised on any attempt to change or delete a history row."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuse bulk updates and deletes, so history cannot be rewritten through the ORM."""

    def update(self, **kwargs):
        raise HistoryIsAppendOnly(f"{self.model._meta.verbose_name} rows are never changed.")

    def delete(self):
        raise HistoryIsAppendOnly(f"{self.model._meta.verbose_name} rows are never deleted.")


class AppendOnlyModel(models.Model):
    """A record that is written once and then never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryIsAppendOnly(f"{self._meta.verbose_name} rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryIsAppendOnly(f"{self._meta.verbose_name} rows are never deleted.")


class StatusChange(AppendOnlyModel):
    """An append-only record of one change of a recommendation's status."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="status_changes"
    )
    old_status = models.CharField(max_length=20, choices=Recommendation.Status.choices)
    new_status = models.CharField(max_length=20, choices=Recommendation.Status.choices)
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
                condition=Q(new_status__in=Recommendation.Status.values),
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


class FieldEdit(AppendOnlyModel):
    """An append-only record of one field changed from one value to another, by whom and why."""

    field = models.CharField(max_length=30)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-recorded_at", "-id"]


class RecommendationEdit(FieldEdit):
    """An append-only record of an edit to a recommendation's owner, pillar, lineage or text."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="edits"
    )

    def __str__(self):
        return f"{self.recommendation.reference}: {self.field} {self.old_value} → {self.new_value}"


class EvidenceEdit(FieldEdit):
    """An append-only record of a change to an item of evidence after it was logged."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="edits")

    def __str__(self):
        return f"{self.evidence}: {self.field} {self.old_value} → {self.new_value}"

    @property
    def field_label(self) -> str:
        """Return the edited field's name as the evidence pages show it ("Published on")."""
        return Evidence._meta.get_field(self.field).verbose_name.capitalize().replace("Url", "URL")


class EvidenceAccess(AppendOnlyModel):
    """An append-only record of one view or download of a restricted item of evidence."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        DOWNLOAD = "download", "Downloaded the file"

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "evidence accesses"
        indexes = [models.Index(fields=["evidence", "-at"], name="evidenceaccess_recent")]

    def __str__(self):
        return f"{self.user} {self.get_action_display().lower()} {self.evidence} at {self.at}"


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app, stored only as a hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Recovery code of {self.user} ({'used' if self.used_at else 'unused'})"


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


class Assessment(models.Model):
    """The yearly judgement of one recommendation, drafted by an analyst and reviewed."""

    Rating = AssessmentRating
    Confidence = AssessmentConfidence
    State = AssessmentState

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField()
    revision = models.PositiveSmallIntegerField(
        default=1, help_text="1 for the first assessment; a correction takes the next number."
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    rating = models.CharField(max_length=20, choices=Rating.choices)
    confidence = models.CharField(max_length=10, choices=Confidence.choices)
    narrative = models.TextField(blank=True)
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
                condition=Q(revision=1, supersedes__isnull=True)
                | Q(revision__gt=1, supersedes__isnull=False),
                name="assessment_correction_links_original",
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


class SearchDocumentField(models.Field):
    """The searchable document of an index entry: FTS5's table column, or a `tsvector`.

    Only queried (`document__match=`, see `tracker.search`), never read or written by Django.
    """

    def db_type(self, connection):
        return None


class SearchEntry(models.Model):
    """One document of the full-text index, made from one row of an indexed table.

    The table is not Django's to manage: migration `search_index` creates it for the database
    in use, and database triggers on the indexed tables keep it current (`tracker.search`).
    """

    class Kind(models.IntegerChoices):
        RECOMMENDATION = 1, "Recommendations"
        COUNTRY = 2, "Countries"
        REPORT = 3, "Narratives"
        FINDING = 4, "Findings"
        EVIDENCE = 5, "Evidence"
        STATUS_CHANGE = 6, "Status changes"
        ASSESSMENT = 7, "Assessments"

    id = models.BigIntegerField(primary_key=True, db_column="rowid")
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    object_id = models.BigIntegerField()
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    document = SearchDocumentField(db_column="tracker_search", editable=False)

    class Meta:
        managed = False
        db_table = "tracker_search"
        verbose_name_plural = "search entries"

    def __str__(self):
        return f"{self.get_kind_display()} #{self.object_id}"


class NotificationKind(models.TextChoices):
    ASSESSMENT_SUBMITTED = "assessment_submitted", "Assessment submitted"
    ASSESSMENT_RETURNED = "assessment_returned", "Assessment returned"
    ASSESSMENT_APPROVED = "assessment_approved", "Assessment approved"
    ASSIGNED = "assigned", "Item assigned"
    STATUS_CHANGED = "status_changed", "Status changed"
    REMINDER = "reminder", "Reminder"


class Notification(models.Model):
    """Something one user is told: shown in the app until read, e-mailed as they chose."""

    Kind = NotificationKind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    message = models.TextField()
    url = models.CharField(max_length=300, blank=True, help_text="A path inside the app.")
    key = models.CharField(
        max_length=100, blank=True, help_text="Set on what is sent once only (reminders)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~Q(key=""),
                name="notification_once_per_key",
                violation_error_message="This notification was already sent.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["emailed_at", "recipient"], name="notification_unsent_idx"),
        ]

    def __str__(self):
        return f"{self.recipient}: {self.message[:60]}"


class NotificationPreference(models.Model):
    """How a user wants their notifications e-mailed: at once, in a daily digest, or never."""

    class Email(models.TextChoices):
        IMMEDIATE = "immediate", "At once"
        DAILY = "daily", "Once a day, in a digest"
        NONE = "none", "Never: in the app only"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.IMMEDIATE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(email__in=["immediate", "daily", "none"]),
                name="notificationpreference_email_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_email_display()}"


class SavedFilter(models.Model):
    """A user's named set of filters of a list page, kept as its query string."""

    class List(models.TextChoices):
        RECOMMENDATIONS = "recommendations", "Recommendations"
        EVIDENCE = "evidence", "Evidence"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    list = models.CharField(max_length=20, choices=List.choices)
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["list", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list", "name"],
                name="savedfilter_unique_name",
                violation_error_message="You already have saved filters of that name.",
            ),
            models.CheckConstraint(
                condition=Q(list__in=["recommendations", "evidence"]), name="savedfilter_list_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.name}"

    def get_absolute_url(self):
        path = reverse(
            "recommendation_list" if self.list == self.List.RECOMMENDATIONS else "evidence_list"
        )
        return f"{path}?{self.query}" if self.query else path


class ImportJob(models.Model):
    """A document of many narratives uploaded for import, read and written by background tasks.

    The upload is kept until the job is imported; `preview` holds, per narrative, what was read
    (country, year, tier, the number of recommendations, warnings) and what importing it would
    do, and `selected` the narratives the reviewer confirmed.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to be read"
        READING = "reading", "Reading"
        READY = "ready", "Ready to confirm"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=200)
    data = models.BinaryField(help_text="The uploaded file, emptied once the job is over.")
    text = models.TextField(blank=True, help_text="The document's text, once read.")
    sha256 = models.CharField(max_length=64)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Narratives found in the document.")
    done = models.PositiveIntegerField(default=0, help_text="Narratives read so far.")
    preview = models.JSONField(default=list, blank=True)
    selected = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("import_job", args=[self.pk])


class ExportJob(models.Model):
    """A download built by the background worker for one user, kept for a day.

    The request only records what was asked (`kind`, `format`, `parameters`, `audience`) and
    enqueues the job; the worker builds the file into private storage, with its SHA-256. An
    identical request by the same user (same `key`) while the job is unexpired reuses it.
    """

    class Kind(models.TextChoices):
        RECOMMENDATIONS = "recommendations", "Recommendation list"
        SUMMARY = "summary", "Progress summary"
        PUBLISHED = "published", "Published summary"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Being built"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    format = models.CharField(max_length=4)
    parameters = models.JSONField(default=dict, help_text="What the request asked for.")
    audience = models.CharField(max_length=10, choices=Audience.choices)
    key = models.CharField(
        max_length=64, help_text="SHA-256 of kind, format, parameters, audience and data version."
    )
    title = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(storage=private_storage, upload_to="exports/%Y/%m/%d", blank=True)
    filename = models.CharField(max_length=200, blank=True, help_text="The download's name.")
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "key", "-created_at"], name="exportjob_reuse_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience__in=Audience.values), name="exportjob_audience_valid"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("export_job", args=[self.pk])

    @property
    def running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    def is_ready(self, now=None) -> bool:
        """Return whether the file may be downloaded: built, and not yet expired."""
        return (
            self.state == self.State.DONE
            and bool(self.file)
            and self.expires_at > (now or timezone.now())
        )
