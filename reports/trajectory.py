"""A country's trajectory over the years, and countries side by side in one year, as plain data.

Each builder runs a fixed number of queries whatever the number of years, recommendations or
evidence rows; views only render what it returns.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models import (
    FIRST_REPORT_YEAR,
    Country,
    Recommendation,
    RecommendationStatus,
    Report,
    Tier,
    TierPlacement,
    counted_links,
    default_as_of,
    follow_up_period,
    status_on,
)

# Vertical order of the tier chart, best placement on top. Special Case sits on its own line.
TIER_ROWS = [
    Tier.TIER_1,
    Tier.TIER_2,
    Tier.TIER_2_WATCH_LIST,
    Tier.TIER_3,
    Tier.SPECIAL_CASE,
]
CARRIED_KINDS = (Recommendation.LinkKind.REPEATED, Recommendation.LinkKind.REWORDED)


# --------------------------------------------------------------------------------------------
# Tier timeline
# --------------------------------------------------------------------------------------------


# The distance between two years of the tier timeline.
TIER_STEP = 28.0
# A year with no placement on record: no tier table loaded for it, or the country not in the
# one loaded. The tier is unknown, which is not a fact about the country.
NO_TIER = _("No tier on record")


@dataclass
class TierPoint:
    """One year of the timeline: the tier (or None when none is on record) and its source."""

    year: int
    tier: str | None
    source: str = ""
    x: float = 0.0
    y: float = 0.0

    @property
    def label(self) -> str:
        return Tier(self.tier).label if self.tier else NO_TIER

    @property
    def band_x(self) -> float:
        """Return where the year's column starts, half a step before its point."""
        return self.x - TIER_STEP / 2


@dataclass
class TierChart:
    """The tier timeline drawn as SVG: geometry computed here, markup in the template."""

    points: list[TierPoint]
    width: int
    height: int
    left: int
    top: int
    row_height: int
    step: float
    paths: list[str] = field(default_factory=list)
    rows: list[tuple[str, str, float]] = field(default_factory=list)
    ticks: list[tuple[int, float]] = field(default_factory=list)
    unknown_y: float = 0.0
    band_top: float = 0.0
    band_height: float = 0.0

    @property
    def plotted(self) -> list[TierPoint]:
        return [p for p in self.points if p.tier]

    @property
    def unknown(self) -> list[TierPoint]:
        """Return the years with no tier on record, each drawn as unknown."""
        return [p for p in self.points if not p.tier]


def tier_chart(placements: dict[int, tuple[str, str]], last_year: int) -> TierChart:
    """Lay out the tier timeline from FIRST_REPORT_YEAR to `last_year`.

    A year with no tier on record is drawn as unknown: a shaded column and a mark on a row of
    its own under the tiers. The line joins neighbouring years only, so it stops at an unknown
    year, where the shading says why.
    """
    years = list(range(FIRST_REPORT_YEAR, max(last_year, FIRST_REPORT_YEAR) + 1))
    left, top, row_height, right = 130, 16, 34, 16
    step = TIER_STEP
    width = int(left + step * (len(years) - 1) + right + 8)
    height = top + row_height * len(TIER_ROWS) + 40
    row_y = {tier: top + row_height * i for i, tier in enumerate(TIER_ROWS)}
    unknown_y = top + row_height * len(TIER_ROWS)
    points = []
    for i, year in enumerate(years):
        tier, source = placements.get(year, (None, ""))
        point = TierPoint(year=year, tier=tier, source=source, x=left + step * i)
        point.y = row_y[tier] if tier else unknown_y
        points.append(point)
    paths, run = [], []
    for point in [*points, TierPoint(year=0, tier=None)]:
        if point.tier and point.tier != Tier.SPECIAL_CASE:
            run.append(f"{point.x:.0f},{point.y:.0f}")
            continue
        if len(run) > 1:
            paths.append("M" + " L".join(run))
        run = []
    ticks = [(p.year, p.x) for p in points if p.year % 2 == 1 or p.year == years[-1]]
    return TierChart(
        points=points,
        width=width,
        height=height,
        left=left,
        top=top,
        row_height=row_height,
        step=step,
        paths=paths,
        rows=[(tier, Tier(tier).label, row_y[tier]) for tier in TIER_ROWS],
        ticks=ticks,
        unknown_y=unknown_y,
        band_top=top - row_height / 2,
        band_height=row_height * (len(TIER_ROWS) + 0.5),
    )


# --------------------------------------------------------------------------------------------
# Country page
# --------------------------------------------------------------------------------------------


@dataclass
class YearColumn:
    """One imported narrative year of the country."""

    year: int
    report_id: int
    tier: str
    recommendations: int = 0
    evidence: int = 0
    needs_review: int = 0

    @property
    def tier_label(self) -> str:
        return Tier(self.tier).label


@dataclass
class Cell:
    """One recommendation in the grid, or a marker that the chain was dropped that year."""

    year: int
    rec_id: int | None = None
    reference: str = ""
    number: int | None = None
    text: str = ""
    status: str = ""
    needs_review: bool = False
    link_kind: str = ""
    dropped: bool = False

    @property
    def status_label(self) -> str:
        return RecommendationStatus(self.status).label if self.status else ""

    @property
    def link_kind_label(self) -> str:
        """Return the link's kind in words, in the active language, as the grid says it."""
        return str(Recommendation.LinkKind(self.link_kind).label).lower() if self.link_kind else ""


@dataclass
class Chain:
    """One row of the grid: a recommendation followed through its successors, year by year."""

    cells: dict[int, Cell] = field(default_factory=dict)

    @property
    def latest(self) -> Cell:
        return self.cells[max(y for y, c in self.cells.items() if not c.dropped)]

    def row(self, years: list[int]) -> list[Cell | None]:
        return [self.cells.get(year) for year in years]


@dataclass
class GridRow:
    """A chain as the grid shows it: its latest wording, then one cell per imported year."""

    latest: Cell
    cells: list[Cell | None]


@dataclass
class CountryTrajectory:
    """Everything the country page shows."""

    country: Country
    chart: TierChart
    years: list[YearColumn]
    chains: list[Chain]
    grid: list[GridRow]

    @property
    def year_numbers(self) -> list[int]:
        return [column.year for column in self.years]


def _evidence_counts_by_year(country, user) -> dict[int, int]:
    """Count the evidence logged against each year's items (`counted_links`), by year."""
    rows = (
        counted_links(user)
        .filter(recommendation__report__country=country)
        .values("recommendation__report__year")
        .annotate(n=Count("evidence_id", distinct=True))
        .order_by()
    )
    return {row["recommendation__report__year"]: row["n"] for row in rows}


def build_chains(recs: list[dict], years: list[int], dropped: set[int]) -> list[Chain]:
    """Group recommendations (dicts with id, year, predecessor_id…) into lineage rows.

    A recommendation continues its predecessor's row when the predecessor is the row's last
    entry; otherwise (a split) it starts a row of its own. An item in `dropped` (the
    one definition, `RecommendationQuerySet.dropped`) gets a *dropped* marker in the next
    imported year, also when a later year takes it up again after the gap.
    """
    row_of: dict[int, Chain] = {}
    chains: list[Chain] = []
    for rec in sorted(recs, key=lambda r: (r["year"], r["number"])):
        chain = row_of.get(rec["predecessor_id"]) if rec["predecessor_id"] else None
        # A row goes on only from its last entry: a second successor of an earlier item
        # (a split) starts a row of its own.
        if chain is None or chain.cells[max(chain.cells)].rec_id != rec["predecessor_id"]:
            chain = Chain()
            chains.append(chain)
        chain.cells[rec["year"]] = Cell(
            year=rec["year"],
            rec_id=rec["id"],
            reference=rec["reference"],
            number=rec["number"],
            text=rec["text"],
            status=rec["status_then"],
            needs_review=rec["needs_review"],
            link_kind=rec["link_kind"],
        )
        row_of[rec["id"]] = chain
    for chain in chains:
        for year, cell in list(chain.cells.items()):
            later = [y for y in years if y > year]
            if cell.rec_id in dropped and later and later[0] not in chain.cells:
                chain.cells[later[0]] = Cell(year=later[0], dropped=True)
    latest_year = years[-1] if years else 0

    def order(chain: Chain):
        alive = max(y for y, c in chain.cells.items() if not c.dropped)
        return (alive != latest_year, -alive, chain.latest.number or 0)

    return sorted(chains, key=order)


def country_trajectory(country: Country, user) -> CountryTrajectory:
    """Build the country page's data in a fixed number of queries."""
    placements = {
        year: (tier, source)
        for year, tier, source in TierPlacement.objects.filter(country=country).values_list(
            "year", "tier", "source"
        )
    }
    reports = list(
        Report.objects.filter(country=country).order_by("year").values_list("id", "year", "tier")
    )
    columns = {year: YearColumn(year=year, report_id=pk, tier=tier) for pk, year, tier in reports}
    today = timezone.localdate()
    # Each year's items as they stood at the end of their follow-up period, or today.
    recs = list(
        Recommendation.objects.filter(report__country=country)
        .annotate(status_then=status_on(Least(OuterRef("report__follow_up_end"), Value(today))))
        .values(
            "id",
            "reference",
            "number",
            "text",
            "needs_review",
            "link_kind",
            "predecessor_id",
            "status_then",
            year=F("report__year"),
        )
    )
    dropped = set(
        Recommendation.objects.filter(report__country=country)
        .dropped()
        .values_list("pk", flat=True)
    )
    for rec in recs:
        column = columns[rec["year"]]
        column.recommendations += 1
        column.needs_review += rec["needs_review"]
    for year, n in _evidence_counts_by_year(country, user).items():
        if year in columns:
            columns[year].evidence = n
    years = sorted(columns)
    for year, column in columns.items():
        placements.setdefault(year, (column.tier, TierPlacement.Source.NARRATIVE))
    last_year = max([*placements, *years, FIRST_REPORT_YEAR])
    chains = build_chains(recs, years, dropped)
    return CountryTrajectory(
        country=country,
        chart=tier_chart(placements, last_year),
        years=[columns[y] for y in years],
        chains=chains,
        grid=[GridRow(latest=chain.latest, cells=chain.row(years)) for chain in chains],
    )


# --------------------------------------------------------------------------------------------
# Country index
# --------------------------------------------------------------------------------------------


@dataclass
class CountryRow:
    """One line of the country index."""

    name: str
    slug: str
    latest_tier: str | None
    latest_tier_year: int | None
    reports: int
    latest_report_year: int | None

    @property
    def latest_tier_label(self) -> str:
        return Tier(self.latest_tier).label if self.latest_tier else ""


def country_index() -> list[CountryRow]:
    """List every country with its latest tier and imported narratives, in one query."""
    latest = TierPlacement.objects.filter(country=OuterRef("pk")).order_by("-year")
    rows = (
        Country.objects.annotate(
            report_count=Count("reports", distinct=True),
            latest_report_year=Max("reports__year"),
            latest_tier=Subquery(latest.values("tier")[:1]),
            latest_tier_year=Subquery(latest.values("year")[:1]),
        )
        .order_by("name")
        .values_list(
            "name",
            "slug",
            "latest_tier",
            "latest_tier_year",
            "report_count",
            "latest_report_year",
        )
    )
    return [CountryRow(*row) for row in rows]


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


@dataclass
class ComparisonRow:
    """One country in one report year."""

    name: str
    slug: str
    tier: str | None
    report_id: int | None = None
    recommendations: int = 0
    carried: int = 0
    needs_review: int = 0
    evidence: int = 0
    dropped: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def tier_label(self) -> str:
        return Tier(self.tier).label if self.tier else NO_TIER

    @property
    def carried_share(self) -> float | None:
        return self.carried / self.recommendations if self.recommendations else None

    def status_cells(self) -> list[tuple[str, str, int]]:
        return [
            (code, label, self.statuses.get(code, 0))
            for code, label in RecommendationStatus.choices
        ]


@dataclass
class Comparison:
    """Countries side by side in one report year, with column totals."""

    year: int
    rows: list[ComparisonRow]
    as_of: datetime.date | None = None

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        return follow_up_period(self.year)

    @property
    def totals(self) -> ComparisonRow:
        total = ComparisonRow(name=_("All shown"), slug="", tier=None)
        for row in self.rows:
            total.recommendations += row.recommendations
            total.carried += row.carried
            total.needs_review += row.needs_review
            total.evidence += row.evidence
            total.dropped += row.dropped
            for code, n in row.statuses.items():
                total.statuses[code] = total.statuses.get(code, 0) + n
        return total


def comparison(year: int, user, *, tier: str | None = None, slugs=()) -> Comparison:
    """Compare the countries of one tier (or the chosen ones) in `year`, in six queries.

    Statuses are those on the day the year's summary is as of (`default_as_of`); "dropped"
    counts the previous year's items that nothing of `year` continues.

    A country is in a tier that year by its tier placement (narrative or table), so countries
    with no imported narrative still appear, with empty counts.
    """
    placements = TierPlacement.objects.filter(year=year)
    countries = Country.objects.all()
    if tier:
        countries = countries.filter(
            Q(tier_placements__year=year, tier_placements__tier=tier)
            | Q(reports__year=year, reports__tier=tier)
        )
    if slugs:
        countries = countries.filter(slug__in=list(slugs))
    tier_of = Subquery(placements.filter(country=OuterRef("pk")).values("tier")[:1])
    found = list(
        countries.distinct()
        .annotate(year_tier=tier_of)
        .values_list("pk", "name", "slug", "year_tier")
    )
    rows = {pk: ComparisonRow(name=name, slug=slug, tier=t) for pk, name, slug, t in found}
    reports = (
        Report.objects.filter(year=year, country_id__in=list(rows))
        .annotate(
            n=Count("recommendations"),
            carried=Count(
                "recommendations", filter=Q(recommendations__link_kind__in=CARRIED_KINDS)
            ),
            review=Count("recommendations", filter=Q(recommendations__needs_review=True)),
        )
        .values("id", "country_id", "tier", "n", "carried", "review")
    )
    by_report = {}
    for report in reports:
        row = rows[report["country_id"]]
        row.report_id = report["id"]
        row.tier = report["tier"]  # the narrative's tier wins
        row.recommendations = report["n"]
        row.carried = report["carried"]
        row.needs_review = report["review"]
        row.statuses = dict.fromkeys(RecommendationStatus.values, 0)
        by_report[report["id"]] = row
    # Statuses on the day the year's summary is as of (`models.status_on`), not the cache.
    as_of = default_as_of(year)
    for report_id, status, n in (
        Recommendation.objects.filter(report_id__in=list(by_report))
        .with_status_on(as_of)
        .order_by()
        .values_list("report_id", "status_on")
        .annotate(n=Count("id"))
    ):
        by_report[report_id].statuses[status] = n
    for country_id, n in (
        Recommendation.objects.filter(report__country_id__in=list(rows))
        .dropped()
        .filter(next_year=year)
        .order_by()
        .values_list("report__country_id")
        .annotate(n=Count("id"))
    ):
        rows[country_id].dropped = n
    evidence = (
        counted_links(user)
        .filter(recommendation__report_id__in=list(by_report))
        .values("recommendation__report_id")
        .annotate(n=Count("evidence_id", distinct=True))
        .order_by()
    )
    for entry in evidence:
        by_report[entry["recommendation__report_id"]].evidence = entry["n"]
    ordered = sorted(rows.values(), key=lambda r: (r.report_id is None, r.name))
    return Comparison(year=year, rows=ordered, as_of=as_of)


def comparison_years() -> list[int]:
    """Return the report years that have a narrative or a tier placement, newest first."""
    years = set(Report.objects.values_list("year", flat=True).distinct()) | set(
        TierPlacement.objects.values_list("year", flat=True).distinct()
    )
    return sorted(years, reverse=True)
