"""Build the annual progress summary of one country, or of every country, for one report year.

The summary of year Y is about report Y's recommendations over their follow-up period (1 April
Y to 31 March Y+1), as of a day: by default the end of the period, or today while it is still
running, or any day asked for. For each recommendation it holds the status at the start of the
period and on the as-of day (`tracker.models.status_on`, the one definition, along the lineage
chain), the changes effective in the period up to that day, the evidence of the period (by
publication date, else the day it was logged) and the approved assessment of year Y.

It is built for an audience (`tracker.models.Audience`): the evidence it holds is exactly what
`tracker.models.evidence_visibility` keeps for that audience and user, and the free texts (each
change's reason, the assessment's narrative) by the same rule (`tracker.models.visibility`): a
text the audience may not read is withheld, its facts kept (the statuses, the dates, the
rating) and the withholding said. "Previous year" and "dropped" are those of `tracker.lineage`.

`build_summary` reads the database in a fixed number of queries, whatever the number of
countries, recommendations and evidence rows, and returns plain dataclasses. Views, exporters and
the management command only render them; `reports.published` converts them to and from the JSON
shape in which a summary is published and frozen.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy, pgettext_lazy

from tiptracker.lib.dates import long_date, period_words
from tracker.models import (
    Assessment,
    Audience,
    Country,
    Evidence,
    LineageAncestor,
    Recommendation,
    RecommendationTranslation,
    Report,
    StatusChange,
    Tier,
    TierPlacement,
    default_as_of,
    evidence_visibility,
    follow_up_period,
    status_on,
)

# 3: each change says whether its reason is withheld, the assessment whether its narrative is.
SCHEMA_VERSION = 3
# The scope name of an all-countries summary: lazy, so a page names it in its reader's language
# (the canonical JSON names it in English, `reports.published.ALL_COUNTRIES`).
ALL_COUNTRIES_NAME = gettext_lazy("All countries")

STATUSES = tuple(Recommendation.Status.values)
PILLARS = tuple(Recommendation.Pillar.values)
RATINGS = tuple(Assessment.Rating.values)
SOURCE_TYPES = tuple(Evidence.SourceType.values)
DIRECTIONS = tuple(Evidence.Direction.values)
LINK_KINDS = ("repeated", "reworded", "new", "dropped")


class _Labels(dict):
    """Vocabulary labels by code, read as text in the active language when looked up.

    The vocabularies' labels are marked for translation (lazy); every reader of these maps
    (exports, the PDF's data, pages) gets plain text, translated once per language: a page
    of two hundred countries looks its labels up thousands of times.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self._texts: dict[str | None, dict[str, str]] = {}

    def _in_language(self) -> dict[str, str]:
        language = get_language()
        texts = self._texts.get(language)
        if texts is None:
            texts = {code: str(label) for code, label in super().items()}
            self._texts[language] = texts
        return texts

    def __getitem__(self, code):
        return self._in_language()[code]

    def get(self, code, default=None):
        return self._in_language().get(code, default)

    def items(self):
        return list(self._in_language().items())

    def values(self):
        return list(self._in_language().values())


STATUS_LABELS = _Labels(Recommendation.Status.choices)
PILLAR_LABELS = _Labels(Recommendation.Pillar.choices)
RATING_LABELS = _Labels(Assessment.Rating.choices)
CONFIDENCE_LABELS = _Labels(Assessment.Confidence.choices)
SOURCE_TYPE_LABELS = _Labels(Evidence.SourceType.choices)
DIRECTION_LABELS = _Labels(Evidence.Direction.choices)
TIER_LABELS = _Labels(Tier.choices)
LINK_KIND_LABELS = _Labels(
    {**dict(Recommendation.LinkKind.choices), "dropped": pgettext_lazy("relation", "Dropped")}
)


class NoNarratives(LookupError):
    """Raised when there is no narrative for the requested country and year."""


class BadAsOf(ValueError):
    """Raised when the as-of day asked for cannot be used (it is in the future)."""


def zeros(keys) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


@dataclass
class EvidenceItem:
    """One piece of evidence of the follow-up period (by publication, else logging date).

    `id` is the item's public identifier (an integer id in summaries published before it had
    one)."""

    id: str
    title: str
    source_type: str
    source_name: str
    url: str
    date: datetime.date
    direction: str
    sensitivity: str

    @property
    def source_type_label(self) -> str:
        return SOURCE_TYPE_LABELS.get(self.source_type, self.source_type)

    @property
    def direction_label(self) -> str:
        return DIRECTION_LABELS.get(self.direction, self.direction)


@dataclass
class ChangeItem:
    """One status change effective in the follow-up period, on the item or its predecessors.

    A reason its audience may not read is withheld: `reason` is empty, `reason_withheld` true
    and `reason_sensitivity` empty; the change itself is still stated.
    """

    reference: str
    recorded_on: datetime.date
    old_status: str
    new_status: str
    effective_date: datetime.date
    reason: str
    on_reference: str = ""
    reason_withheld: bool = False
    reason_sensitivity: str = ""
    # The status change's id, for the check before publishing; not part of the published shape.
    id: int = 0

    @property
    def old_status_label(self) -> str:
        return STATUS_LABELS.get(self.old_status, self.old_status)

    @property
    def new_status_label(self) -> str:
        return STATUS_LABELS.get(self.new_status, self.new_status)

    @property
    def on_predecessor(self) -> bool:
        """Whether it was recorded on a predecessor (after that one's own follow-up period)."""
        return bool(self.on_reference) and self.on_reference != self.reference


@dataclass
class AssessmentItem:
    """The approved assessment of the year (its highest approved revision).

    A narrative its audience may not read is withheld: `narrative` is empty,
    `narrative_withheld` true and `narrative_sensitivity` empty; the rating is still stated.
    """

    rating: str
    confidence: str
    narrative: str
    revision: int
    narrative_withheld: bool = False
    narrative_sensitivity: str = ""
    # The assessment's id, for the check before publishing; not part of the published shape.
    id: int = 0

    @property
    def rating_label(self) -> str:
        return RATING_LABELS.get(self.rating, self.rating)

    @property
    def confidence_label(self) -> str:
        return CONFIDENCE_LABELS.get(self.confidence, self.confidence)


@dataclass
class RecommendationRow:
    """One recommendation of the year's narrative over its follow-up period."""

    id: int
    reference: str
    number: int
    text: str
    pillar: str
    status_at_start: str
    status: str
    link_kind: str
    predecessor_reference: str
    assessment: AssessmentItem | None
    evidence: list[EvidenceItem] = field(default_factory=list)
    changes: list[ChangeItem] = field(default_factory=list)
    # Analysts' translations of `text` by language code: shown beside it, never instead of it.
    translations: dict[str, str] = field(default_factory=dict)

    def translation_in(self, language: str | None) -> str:
        """Return the translation of the text into `language`, or "" when there is none."""
        return self.translations.get((language or "").split("-")[0], "")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def status_at_start_label(self) -> str:
        return STATUS_LABELS.get(self.status_at_start, self.status_at_start)

    @property
    def pillar_label(self) -> str:
        return PILLAR_LABELS.get(self.pillar, self.pillar)

    @property
    def link_kind_label(self) -> str:
        return LINK_KIND_LABELS.get(self.link_kind, self.link_kind)

    @property
    def status_changed(self) -> bool:
        return self.status != self.status_at_start

    @property
    def evidence_by_source_type(self) -> dict[str, int]:
        counts = zeros(SOURCE_TYPES)
        counts.update(Counter(item.source_type for item in self.evidence))
        return counts

    @property
    def evidence_by_direction(self) -> dict[str, int]:
        counts = zeros(DIRECTIONS)
        counts.update(Counter(item.direction for item in self.evidence))
        return counts


@dataclass
class DroppedRow:
    """An item of the previous imported year that no recommendation of this year continues."""

    reference: str
    number: int
    text: str
    pillar: str
    status: str
    year: int = 0

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def pillar_label(self) -> str:
        return PILLAR_LABELS.get(self.pillar, self.pillar)


@dataclass
class YearPoint:
    """Where a country (or the whole scope) stood at the end of one year's follow-up period."""

    year: int
    tier: str
    by_status: dict[str, int]
    by_rating: dict[str, int]

    @property
    def tier_label(self) -> str:
        return TIER_LABELS.get(self.tier, self.tier)

    @property
    def recommendations(self) -> int:
        return sum(self.by_status.values())


@dataclass
class Totals:
    """The counts of a country, or of the whole scope."""

    recommendations: int
    by_status: dict[str, int]
    by_status_at_start: dict[str, int]
    by_pillar: dict[str, int]
    by_rating: dict[str, int]
    by_link_kind: dict[str, int]
    evidence_items: int
    evidence_links: int
    evidence_withdrawn: int
    evidence_by_source_type: dict[str, int]
    evidence_by_direction: dict[str, int]
    status_changes: int
    changed_in_period: int
    without_evidence: int
    without_assessment: int

    @property
    def status_rows(self) -> list[tuple[str, str, int, int]]:
        """Return (code, label, at the start of the period, on the as-of day) per status, in
        the vocabulary's order whatever the order of `by_status` (a frozen summary's JSON sorts
        its keys), so the rows line up with the columns that name them."""
        return [
            (code, label, self.by_status_at_start.get(code, 0), self.by_status.get(code, 0))
            for code, label in STATUS_LABELS.items()
        ]

    @property
    def pillar_rows(self) -> list[tuple[str, str, int]]:
        return [(code, PILLAR_LABELS[code], n) for code, n in self.by_pillar.items()]

    @property
    def rating_rows(self) -> list[tuple[str, str, int]]:
        return [(code, RATING_LABELS[code], n) for code, n in self.by_rating.items()]

    @property
    def lineage_rows(self) -> list[tuple[str, str, int]]:
        return [(code, LINK_KIND_LABELS[code], n) for code, n in self.by_link_kind.items()]

    @property
    def source_type_rows(self) -> list[tuple[str, str, int]]:
        return [
            (code, SOURCE_TYPE_LABELS[code], n) for code, n in self.evidence_by_source_type.items()
        ]

    @property
    def direction_rows(self) -> list[tuple[str, str, int]]:
        return [(code, DIRECTION_LABELS[code], n) for code, n in self.evidence_by_direction.items()]

    @property
    def evidence_words(self) -> str:
        """Say how the per-recommendation evidence column adds up to the headline count."""
        items = f"{self.evidence_items} evidence item{'s' if self.evidence_items != 1 else ''}"
        if self.evidence_links == self.evidence_items:
            return items
        return (
            f"{items}, linked {self.evidence_links} times: one item can bear on several "
            "recommendations"
        )

    def rows(self) -> list[tuple[str, str, str, int]]:
        """Return every count as (group, code, label, value), in a fixed order for exports."""
        rows = [("recommendations", "total", "Recommendations", self.recommendations)]
        for group, counts, labels in (
            ("status", self.by_status, STATUS_LABELS),
            ("status_at_start", self.by_status_at_start, STATUS_LABELS),
            ("pillar", self.by_pillar, PILLAR_LABELS),
            ("rating", self.by_rating, RATING_LABELS),
            ("lineage", self.by_link_kind, LINK_KIND_LABELS),
            ("evidence_source_type", self.evidence_by_source_type, SOURCE_TYPE_LABELS),
            ("evidence_direction", self.evidence_by_direction, DIRECTION_LABELS),
        ):
            rows.extend((group, code, labels[code], n) for code, n in counts.items())
        rows += [
            ("evidence", "items", "Evidence items", self.evidence_items),
            ("evidence", "links", "Links from recommendations to evidence", self.evidence_links),
            (
                "evidence",
                "withdrawn",
                "Evidence of the period withdrawn by the as-of day (not counted)",
                self.evidence_withdrawn,
            ),
            ("changes", "status_changes", "Status changes in the period", self.status_changes),
            (
                "changes",
                "changed_in_period",
                "Status differs from the start of the period",
                self.changed_in_period,
            ),
            ("gaps", "without_evidence", "No evidence in the period", self.without_evidence),
            ("gaps", "without_assessment", "No approved assessment", self.without_assessment),
        ]
        return rows


@dataclass
class CountrySummary:
    """The summary of one country for the year."""

    name: str
    slug: str
    code: str
    tier: str
    report_title: str
    tier_history: list[tuple[int, str]]
    history: list[YearPoint]
    recommendations: list[RecommendationRow]
    dropped: list[DroppedRow]
    totals: Totals
    previous_year: int | None = None
    # An overview (`reports.overview`) lists no items and counts what it withholds instead.
    reasons_withheld: int | None = None
    narratives_withheld: int | None = None

    @property
    def tier_label(self) -> str:
        return TIER_LABELS.get(self.tier, self.tier)

    def _previous_placement(self) -> tuple[int, str] | None:
        # The history ends with this year's own narrative, so the entry before it is the last
        # earlier placement on record.
        return self.tier_history[-2] if len(self.tier_history) > 1 else None

    @property
    def previous_tier(self) -> str:
        """Return the tier of the latest earlier year on record ('' if none)."""
        placement = self._previous_placement()
        return placement[1] if placement else ""

    @property
    def previous_tier_year(self) -> int | None:
        placement = self._previous_placement()
        return placement[0] if placement else None

    @property
    def previous_tier_label(self) -> str:
        return TIER_LABELS.get(self.previous_tier, self.previous_tier)

    @property
    def years_without_tier(self) -> tuple[int, int] | None:
        """Return the first and last years between the previous placement on record and this
        year that have none (no tier table loaded, or the country not in it), else None.

        The previous tier on record may be years old; the pages say so rather than let it
        read as last year's.
        """
        if not self.tier_history:
            return None
        year = self.tier_history[-1][0]
        before = self.previous_tier_year
        first = before + 1 if before is not None else None
        if first is None or first > year - 1:
            return None
        return (first, year - 1)

    @property
    def years_without_tier_words(self) -> str:
        """Return the years with no tier on record as "2020" or "2016–2020" ('' if none)."""
        gap = self.years_without_tier
        if gap is None:
            return ""
        return str(gap[0]) if gap[0] == gap[1] else f"{gap[0]}–{gap[1]}"

    @property
    def changes(self) -> list[ChangeItem]:
        items = [change for row in self.recommendations for change in row.changes]
        return sorted(items, key=lambda c: (c.effective_date, c.reference))

    @property
    def without_evidence(self) -> list[RecommendationRow]:
        return [row for row in self.recommendations if not row.evidence]

    @property
    def without_assessment(self) -> list[RecommendationRow]:
        return [row for row in self.recommendations if row.assessment is None]

    @property
    def evidence(self) -> list[tuple[RecommendationRow, EvidenceItem]]:
        return [(row, item) for row in self.recommendations for item in row.evidence]

    @property
    def withheld_reasons(self) -> int:
        """Count the changes stated without their reason (not for this audience)."""
        if self.reasons_withheld is not None:
            return self.reasons_withheld
        return sum(change.reason_withheld for row in self.recommendations for change in row.changes)

    @property
    def withheld_narratives(self) -> int:
        """Count the assessments stated without their narrative (not for this audience)."""
        if self.narratives_withheld is not None:
            return self.narratives_withheld
        return sum(
            bool(row.assessment and row.assessment.narrative_withheld)
            for row in self.recommendations
        )


@dataclass
class Summary:
    """The annual progress summary of a scope (one country or all) for one report year."""

    year: int
    period_start: datetime.date
    period_end: datetime.date
    as_of: datetime.date
    audience: str
    country_slug: str | None
    scope_name: str
    countries: list[CountrySummary]
    totals: Totals
    history: list[YearPoint]
    generated_at: datetime.datetime | None = None
    schema_version: int = SCHEMA_VERSION
    # False for an overview (`reports.overview`): each country's totals, tiers and the scope's
    # history, but no items, changes or evidence listed. Pages only; never exported or published.
    listed: bool = True

    @property
    def is_all_countries(self) -> bool:
        return self.country_slug is None

    def require_listed(self) -> None:
        """Refuse an overview where the items themselves are needed (a file, a snapshot)."""
        if not self.listed:
            raise ValueError("An overview counts the items but lists none: build the summary.")

    @property
    def recommendations(self) -> list[tuple[CountrySummary, RecommendationRow]]:
        return [(c, row) for c in self.countries for row in c.recommendations]

    @property
    def withheld_reasons(self) -> int:
        return sum(c.withheld_reasons for c in self.countries)

    @property
    def withheld_narratives(self) -> int:
        return sum(c.withheld_narratives for c in self.countries)

    @property
    def audience_label(self) -> str:
        return Audience(self.audience).label

    @property
    def audience_description(self) -> str:
        return Audience(self.audience).description

    @property
    def includes_restricted(self) -> bool:
        return self.audience == Audience.RESTRICTED

    @property
    def period_words(self) -> str:
        return period_words(self.period_start, self.period_end)

    @property
    def as_of_words(self) -> str:
        """Say which day the statuses are on, and why that day (in the active language)."""
        day = {"day": long_date(self.as_of)}
        if self.schema_version < 2:
            return gettext("statuses on %(day)s, the end of the reporting period") % day
        if self.as_of == self.period_end:
            return gettext("statuses on %(day)s, the end of the period") % day
        if self.as_of < self.period_start:
            return gettext("before the period began: statuses on %(day)s") % day
        if self.as_of < self.period_end:
            # Built on the day itself, while the period runs: its default. Any other day inside
            # the period is one the reader chose, the period running or not.
            built_on = timezone.localdate(self.generated_at) if self.generated_at else None
            if self.as_of == built_on:
                return (
                    gettext("period still running: statuses on %(day)s, the day this was made")
                    % day
                )
            return gettext("part-way through the period: statuses on %(day)s") % day
        return gettext("after the period: statuses on %(day)s") % day

    @property
    def no_changes_words(self) -> str:
        """Say why no change is listed: none took effect, or the period had not begun."""
        if self.as_of < self.period_start:
            return gettext(
                "The follow-up period begins on %(start)s, after the as-of day (%(day)s): "
                "no change of the period had taken effect."
            ) % {"start": long_date(self.period_start), "day": long_date(self.as_of)}
        return gettext("No status change took effect between %(start)s and %(day)s.") % {
            "start": long_date(self.period_start),
            "day": long_date(self.as_of),
        }

    @property
    def period_statement(self) -> str:
        """Return the period and the as-of day in words, as every page and export states them."""
        words = {"period": self.period_words, "as_of": self.as_of_words}
        if self.schema_version < 2:
            return gettext("Reporting period %(period)s; %(as_of)s") % words
        return gettext("Follow-up period %(period)s; %(as_of)s") % words


# --- Building from the database -------------------------------------------------------------


def _approved_rating(year_expr):
    latest = (
        Assessment.objects.filter(
            recommendation_id=OuterRef("pk"),
            year=year_expr,
            state=Assessment.State.APPROVED,
        )
        .order_by("-revision")
        .values("rating")[:1]
    )
    return Subquery(latest)


def _totals(
    rows: list[RecommendationRow],
    dropped: int,
    evidence: dict[int, EvidenceItem],
    withdrawn: int = 0,
):
    by_status = zeros(STATUSES)
    by_status_at_start = zeros(STATUSES)
    by_pillar = zeros(PILLARS)
    by_rating = zeros(RATINGS)
    by_link = zeros(LINK_KINDS)
    for row in rows:
        by_status[row.status] += 1
        by_status_at_start[row.status_at_start] += 1
        by_pillar[row.pillar] += 1
        if row.assessment:
            by_rating[row.assessment.rating] += 1
        by_link[row.link_kind or "new"] += 1
    by_link["dropped"] = dropped
    by_source = zeros(SOURCE_TYPES)
    by_direction = zeros(DIRECTIONS)
    for item in evidence.values():
        by_source[item.source_type] += 1
        by_direction[item.direction] += 1
    return Totals(
        recommendations=len(rows),
        by_status=by_status,
        by_status_at_start=by_status_at_start,
        by_pillar=by_pillar,
        by_rating=by_rating,
        by_link_kind=by_link,
        evidence_items=len(evidence),
        evidence_links=sum(len(row.evidence) for row in rows),
        evidence_withdrawn=withdrawn,
        evidence_by_source_type=by_source,
        evidence_by_direction=by_direction,
        status_changes=sum(len(row.changes) for row in rows),
        changed_in_period=sum(row.status_changed for row in rows),
        without_evidence=sum(not row.evidence for row in rows),
        without_assessment=sum(row.assessment is None for row in rows),
    )


def sum_totals(
    parts: list[Totals], *, evidence_items: int, evidence_withdrawn: int, by_source, by_direction
) -> Totals:
    """Add up the countries' totals; the evidence counts are the scope's own, since a piece of
    evidence bearing on items of several countries counts once in the scope."""

    def add(name):
        result: dict[str, int] = {}
        for part in parts:
            for key, n in getattr(part, name).items():
                result[key] = result.get(key, 0) + n
        return result

    if not parts:
        return _totals([], 0, {})
    return Totals(
        recommendations=sum(p.recommendations for p in parts),
        by_status=add("by_status"),
        by_status_at_start=add("by_status_at_start"),
        by_pillar=add("by_pillar"),
        by_rating=add("by_rating"),
        by_link_kind=add("by_link_kind"),
        evidence_items=evidence_items,
        evidence_links=sum(p.evidence_links for p in parts),
        evidence_withdrawn=evidence_withdrawn,
        evidence_by_source_type=by_source,
        evidence_by_direction=by_direction,
        status_changes=sum(p.status_changes for p in parts),
        changed_in_period=sum(p.changed_in_period for p in parts),
        without_evidence=sum(p.without_evidence for p in parts),
        without_assessment=sum(p.without_assessment for p in parts),
    )


def follow_up_window(year: int, as_of: datetime.date | None):
    """Return the follow-up period of `year`, the as-of day and the last day counted in it.

    Raise BadAsOf for a day in the future.
    """
    today = timezone.localdate()
    start, end = follow_up_period(year)
    as_of = as_of or default_as_of(year, today)
    if as_of > today:
        raise BadAsOf(f"The as-of day {long_date(as_of)} is in the future.")
    return start, end, as_of, min(end, as_of)


def scope_reports(year: int, country: Country | None):
    """Return the narratives of `year` in scope (by country name) and the scope's countries.

    Raise NoNarratives when there is none.
    """
    reports = Report.objects.filter(year=year).select_related("country").order_by("country__name")
    if country is not None:
        reports = reports.filter(country=country)
    reports = list(
        reports.only(
            "id", "year", "tier", "title", "country__name", "country__slug", "country__code"
        )
    )
    if not reports:
        scope = country.name if country is not None else "any country"
        raise NoNarratives(f"There is no narrative of {year} for {scope}.")
    if country is not None:
        return reports, Country.objects.filter(pk=country.pk).values("pk")
    return reports, Report.objects.filter(year=year).values("country_id")


def placed_tiers(year: int, scope_countries) -> list[tuple[int, int, str]]:
    """Return (country, year, tier) of this year and the years before, as placed.

    A narrative's tier wins over a tier table's when both are recorded (`tracker.tiers`,
    `tracker.importer`).
    """
    return list(
        TierPlacement.objects.filter(country__in=scope_countries, year__lte=year)
        .order_by()
        .values_list("country_id", "year", "tier")
    )


def history_items(year: int, scope_countries, as_of: datetime.date):
    """Return the scope's items of `year` and the years before, each annotated with its status
    at the end of its own follow-up period, or on `as_of` if earlier (`end_status`), and the
    rating of its approved assessment of its year (`rating`)."""
    return (
        Recommendation.objects.filter(report__country__in=scope_countries, report__year__lte=year)
        .annotate(
            end_status=status_on(Least(OuterRef("report__follow_up_end"), Value(as_of))),
            rating=_approved_rating(OuterRef("report__year")),
        )
        .order_by()
    )


def dropped_items(year: int, scope_countries):
    """Return the items dropped in `year`: of the previous imported year, continued by nothing.

    Only the items of each country's latest year before `year` can be: the others' next
    imported year is an earlier one. Reading those alone spares asking every earlier item.
    """
    previous_reports = Report.objects.filter(country__in=scope_countries, year__lt=year).exclude(
        Exists(
            Report.objects.filter(
                country_id=OuterRef("country_id"), year__gt=OuterRef("year"), year__lt=year
            )
        )
    )
    return (
        Recommendation.objects.filter(
            report__country__in=scope_countries, report__in=previous_reports
        )
        .dropped()
        .filter(next_year=year)
    )


def period_changes(this_year_ids, start: datetime.date, last_day: datetime.date):
    """Return the changes effective from `start` to `last_day` along the items' chains.

    Each change is read once (a semi-join on the chains' items), not once per descendant.
    """
    chain_items = LineageAncestor.objects.filter(recommendation__in=this_year_ids).values(
        "ancestor_id"
    )
    return StatusChange.objects.filter(
        recommendation__in=chain_items,
        effective_date__gte=start,
        effective_date__lte=last_day,
        void__isnull=True,
    )


def period_links(year, country, start, last_day, *, user, audience):
    """Return the links of `year`'s items to the evidence `user` may see for `audience`, dated
    (by publication, else logging) from `start` to `last_day`.

    Filtered by joining the evidence, so the database walks this year's links rather than
    every piece of evidence ever logged.
    """
    through = Evidence.recommendations.through
    return (
        through.objects.filter(
            recommendation__report__year=year,
            **({"recommendation__report__country": country} if country is not None else {}),
        )
        .annotate(day=Coalesce("evidence__published_on", TruncDate("evidence__logged_at")))
        .filter(
            evidence_visibility(user, audience=audience, prefix="evidence__"),
            day__gte=start,
            day__lte=last_day,
        )
    )


def build_summary(
    *,
    year: int,
    country: Country | None = None,
    as_of: datetime.date | None = None,
    audience: str = Audience.PUBLIC,
    user=None,
) -> Summary:
    """Return the progress summary of `country` (or of every country) for report year `year`.

    `as_of` is the day the statuses are on (default: `default_as_of`); it may not be in the
    future (BadAsOf). `audience` decides which evidence and which texts are held, within what
    `user` may see (`tracker.models.visibility`); no user means the public view. Raise
    NoNarratives when the scope has no narrative that year.
    """
    start, end, as_of, window_end = follow_up_window(year, as_of)
    audience = Audience(audience)
    before_start = start - datetime.timedelta(days=1)
    reports, scope_countries = scope_reports(year, country)

    tier_rows = placed_tiers(year, scope_countries)
    history_rows = list(
        history_items(year, scope_countries, as_of)
        .values_list("report__country_id", "report__year", "report__tier", "end_status", "rating")
        .annotate(n=Count("id"))
    )

    this_year = Q(report__year=year) & (Q(report__country=country) if country else Q())
    recommendations = list(
        Recommendation.objects.filter(this_year)
        .annotate(at_start=status_on(before_start), on_day=status_on(as_of))
        .order_by("report__country__name", "number")
        .values(
            "id",
            "report__country_id",
            "reference",
            "number",
            "text",
            "pillar",
            "at_start",
            "on_day",
            "link_kind",
            "predecessor__reference",
        )
    )
    this_year_ids = Recommendation.objects.filter(this_year).values("pk")

    # Dropped in `year`: items of the previous imported year that nothing of `year` continues.
    dropped_rows = list(
        dropped_items(year, scope_countries)
        .annotate(on_day=status_on(as_of))
        .order_by("report__country__name", "number")
        .values_list(
            "report__country_id",
            "reference",
            "number",
            "text",
            "pillar",
            "on_day",
            "report__year",
        )
    )

    # The changes of the period along each item's chain: its own and its predecessors'.
    ancestry = list(
        LineageAncestor.objects.filter(recommendation__in=this_year_ids).values_list(
            "ancestor_id", "recommendation_id"
        )
    )
    # Each reason with whether this audience may read it: the rule is part of the query.
    changes = list(
        period_changes(this_year_ids, start, window_end)
        .with_reason_visibility(user, audience=audience)
        .order_by("effective_date", "recorded_at", "id")
        .values_list(
            "recommendation_id",
            "recommendation__reference",
            "recorded_at",
            "old_status",
            "new_status",
            "effective_date",
            "reason",
            "id",
            "reason_sensitivity_now",
            "reason_visible",
        )
    )

    assessments: dict[int, AssessmentItem] = {}
    for rec_id, rating, confidence, narrative, revision, pk, sensitivity, visible in (
        Assessment.objects.filter(
            recommendation__in=this_year_ids, year=year, state=Assessment.State.APPROVED
        )
        .with_narrative_visibility(user, audience=audience)
        .order_by("recommendation_id", "revision")
        .values_list(
            "recommendation_id",
            "rating",
            "confidence",
            "narrative",
            "revision",
            "id",
            "narrative_sensitivity_now",
            "narrative_visible",
        )
    ):
        assessments[rec_id] = AssessmentItem(
            rating,
            confidence,
            narrative if visible else "",
            revision,
            narrative_withheld=not visible,
            narrative_sensitivity=sensitivity if visible else "",
            id=pk,
        )

    links = list(
        period_links(year, country, start, window_end, user=user, audience=audience)
        .order_by("recommendation_id", "evidence__published_on", "evidence_id")
        .values_list(
            "recommendation_id",
            "evidence_id",
            "evidence__public_id",
            "evidence__title",
            "evidence__source_type",
            "evidence__source_name",
            "evidence__url",
            "evidence__published_on",
            "evidence__logged_at",
            "evidence__direction",
            "evidence__sensitivity",
            "evidence__withdrawn_at",
        )
    )

    translations = list(
        RecommendationTranslation.objects.filter(recommendation__in=this_year_ids)
        .order_by()
        .values_list("recommendation_id", "language", "text")
    )

    return _assemble(
        year=year,
        country=country,
        as_of=as_of,
        audience=audience,
        reports=reports,
        tier_rows=tier_rows,
        history_rows=history_rows,
        recommendations=recommendations,
        dropped_rows=dropped_rows,
        ancestry=ancestry,
        changes=changes,
        assessments=assessments,
        links=links,
        translations=translations,
    )


def withdrawn_by(moment: datetime.datetime | None, as_of: datetime.date, tz) -> bool:
    """Return whether evidence withdrawn at `moment` (None: never) was withdrawn by `as_of`."""
    return moment is not None and timezone.localtime(moment, tz).date() <= as_of


def _assemble(
    *,
    year,
    country,
    as_of,
    audience,
    reports,
    tier_rows,
    history_rows,
    recommendations,
    dropped_rows,
    ancestry,
    changes,
    assessments,
    links,
    translations=(),
) -> Summary:
    start, end = follow_up_period(year)
    tz = timezone.get_current_timezone()

    evidence_by_rec: dict[int, list[EvidenceItem]] = defaultdict(list)
    items: dict[int, EvidenceItem] = {}
    withdrawn_by_rec: dict[int, set[int]] = defaultdict(set)
    for rec_id, ev_id, public_id, title, kind, name, url, published, *rest in links:
        logged, direction, sens, gone = rest
        if withdrawn_by(gone, as_of, tz):
            # Withdrawn by the as-of day: it no longer counts, and the summary says how many.
            withdrawn_by_rec[rec_id].add(ev_id)
            continue
        item = items.get(ev_id)
        if item is None:
            day = published or timezone.localtime(logged, tz).date()
            # Named by its public identifier: the summary, its files and what is published
            # show no evidence ids (tracker.models.Evidence).
            item = EvidenceItem(str(public_id), title, kind, name, url, day, direction, sens)
            items[ev_id] = item
        evidence_by_rec[rec_id].append(item)

    translations_by_rec: dict[int, dict[str, str]] = defaultdict(dict)
    for rec_id, language, text in translations:
        translations_by_rec[rec_id][language] = text

    reference_of = {rec["id"]: rec["reference"] for rec in recommendations}
    descendants: dict[int, list[int]] = defaultdict(list)
    for ancestor_id, rec_id in ancestry:
        descendants[ancestor_id].append(rec_id)
    changes_by_rec: dict[int, list[ChangeItem]] = defaultdict(list)
    for on_id, on_reference, recorded_at, old, new, effective, reason, pk, sens, shown in changes:
        recorded_on = timezone.localtime(recorded_at, tz).date()
        for target in descendants.get(on_id, ()):
            changes_by_rec[target].append(
                ChangeItem(
                    reference_of[target],
                    recorded_on,
                    old,
                    new,
                    effective,
                    reason if shown else "",
                    on_reference,
                    reason_withheld=not shown,
                    reason_sensitivity=sens if shown else "",
                    id=pk,
                )
            )

    rows_by_country: dict[int, list[RecommendationRow]] = defaultdict(list)
    for rec in recommendations:
        rows_by_country[rec["report__country_id"]].append(
            RecommendationRow(
                id=rec["id"],
                reference=rec["reference"],
                number=rec["number"],
                text=rec["text"],
                pillar=rec["pillar"],
                status_at_start=rec["at_start"],
                status=rec["on_day"],
                link_kind=rec["link_kind"] or Recommendation.LinkKind.NEW,
                predecessor_reference=rec["predecessor__reference"] or "",
                assessment=assessments.get(rec["id"]),
                evidence=evidence_by_rec.get(rec["id"], []),
                changes=changes_by_rec.get(rec["id"], []),
                translations=dict(sorted(translations_by_rec.get(rec["id"], {}).items())),
            )
        )

    dropped_by_country: dict[int, list[DroppedRow]] = defaultdict(list)
    for country_id, reference, number, text, pillar, status, dropped_year in dropped_rows:
        dropped_by_country[country_id].append(
            DroppedRow(reference, number, text, pillar, status, dropped_year)
        )

    tiers: dict[int, dict[int, str]] = defaultdict(dict)
    for country_id, tier_year, tier in tier_rows:
        tiers[country_id][tier_year] = tier
    points: dict[int, dict[int, YearPoint]] = defaultdict(dict)
    for country_id, point_year, tier, status, rating, n in history_rows:
        point = points[country_id].get(point_year)
        if point is None:
            point = YearPoint(point_year, tier, zeros(STATUSES), zeros(RATINGS))
            points[country_id][point_year] = point
        point.by_status[status] += n
        if rating:
            point.by_rating[rating] += n

    countries = []
    for report in reports:
        cid = report.country_id
        rows = rows_by_country.get(cid, [])
        dropped = dropped_by_country.get(cid, [])
        country_items = {item.id: item for row in rows for item in row.evidence}
        withdrawn = len(set().union(*(withdrawn_by_rec.get(row.id, set()) for row in rows)))
        earlier_years = [y for y in points[cid] if y < year]
        countries.append(
            CountrySummary(
                name=report.country.name,
                slug=report.country.slug,
                code=report.country.code,
                tier=report.tier,
                report_title=report.title,
                tier_history=sorted(tiers[cid].items()),
                history=[points[cid][y] for y in sorted(points[cid])],
                recommendations=rows,
                dropped=dropped,
                totals=_totals(rows, len(dropped), country_items, withdrawn),
                previous_year=max(earlier_years) if earlier_years else None,
            )
        )

    by_source = zeros(SOURCE_TYPES)
    by_direction = zeros(DIRECTIONS)
    for item in items.values():
        by_source[item.source_type] += 1
        by_direction[item.direction] += 1
    withdrawn = set().union(*withdrawn_by_rec.values())
    totals = sum_totals(
        [c.totals for c in countries],
        evidence_items=len(items),
        evidence_withdrawn=len(withdrawn),
        by_source=by_source,
        by_direction=by_direction,
    )

    return Summary(
        year=year,
        period_start=start,
        period_end=end,
        as_of=as_of,
        audience=audience.value,
        country_slug=country.slug if country is not None else None,
        scope_name=country.name if country is not None else ALL_COUNTRIES_NAME,
        countries=countries,
        totals=totals,
        history=_scope_history(countries),
        generated_at=timezone.now(),
    )


def _scope_history(countries: list[CountrySummary]) -> list[YearPoint]:
    """Add up the countries' year points; the tier of a scope-wide point is left empty."""
    merged: dict[int, YearPoint] = {}
    for summary in countries:
        for point in summary.history:
            total = merged.setdefault(
                point.year, YearPoint(point.year, "", zeros(STATUSES), zeros(RATINGS))
            )
            for key, n in point.by_status.items():
                total.by_status[key] += n
            for key, n in point.by_rating.items():
                total.by_rating[key] += n
    return [merged[y] for y in sorted(merged)]
