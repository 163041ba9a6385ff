"""What an annual progress summary holds: plain dataclasses, the vocabularies and their labels.

`reports.summary` builds them from the database (`build_summary`), `reports.overview` counts
the all-countries figures into them, and `reports.published` converts them to and from the
JSON shape a summary is published and frozen in. Pages, exports and the PDF only read them.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy, pgettext_lazy

from tiptracker.lib.dates import long_date, period_words
from tracker.models import Assessment, Audience, Evidence, Recommendation, Tier

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

    @classmethod
    def empty(cls, year: int, tier: str = "") -> YearPoint:
        return cls(year, tier, zeros(STATUSES), zeros(RATINGS))

    def count(self, status: str, rating: str | None, n: int) -> None:
        """Count `n` items of this status and approved rating (None: no approved one)."""
        self.by_status[status] += n
        if rating:
            self.by_rating[rating] += n


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


def count_kinds(kinds) -> tuple[dict[str, int], dict[str, int]]:
    """Count pieces of evidence, given as (source type, direction) pairs, by each."""
    by_source = zeros(SOURCE_TYPES)
    by_direction = zeros(DIRECTIONS)
    for source_type, direction in kinds:
        by_source[source_type] += 1
        by_direction[direction] += 1
    return by_source, by_direction


def sum_totals(
    parts: list[Totals], *, evidence_items: int, evidence_withdrawn: int, by_source, by_direction
) -> Totals:
    """Add up the countries' totals; the evidence counts are the scope's own, since a piece of
    evidence bearing on items of several countries counts once in the scope."""

    def add(name, keys):
        result = zeros(keys)
        for part in parts:
            for key, n in getattr(part, name).items():
                result[key] += n
        return result

    return Totals(
        recommendations=sum(p.recommendations for p in parts),
        by_status=add("by_status", STATUSES),
        by_status_at_start=add("by_status_at_start", STATUSES),
        by_pillar=add("by_pillar", PILLARS),
        by_rating=add("by_rating", RATINGS),
        by_link_kind=add("by_link_kind", LINK_KINDS),
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
