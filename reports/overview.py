"""Count the all-countries summary of a year for its page: every figure, no item listed.

The all-countries page shows, per country, its tier and the totals of its summary, and for the
scope the totals and the history by year; never an item, a change or a piece of evidence.
`build_overview` gives exactly the figures `reports.summary.build_summary` would (the same
definitions: `status_on`, the visibility rules, "dropped"), counted in a fixed number of queries
that return a row per item or per group rather than every change and piece of evidence with its
texts. `tests/test_one_truth.py` and `tests/test_summary_overview.py` compare the two.

An overview is a `Summary` with `listed` false: its countries hold no rows, and it is only ever
shown as a page, never exported, published or recorded as a read of restricted evidence (it
shows none).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from reports.summary import (
    dropped_items,
    follow_up_window,
    history_items,
    period_changes,
    period_links,
    placed_tiers,
    scope_reports,
    withdrawn_by,
)
from reports.summary_shape import (
    ALL_COUNTRIES_NAME,
    LINK_KINDS,
    PILLARS,
    RATINGS,
    STATUSES,
    CountrySummary,
    Summary,
    Totals,
    YearPoint,
    count_kinds,
    sum_totals,
    zeros,
)
from tracker.models import Assessment, Audience, LineageAncestor, Recommendation, status_on


class _Tally:
    """One country's counts, added up item by item."""

    def __init__(self):
        self.recommendations = 0
        self.by_status = zeros(STATUSES)
        self.by_status_at_start = zeros(STATUSES)
        self.by_pillar = zeros(PILLARS)
        self.by_rating = zeros(RATINGS)
        self.by_link_kind = zeros(LINK_KINDS)
        self.status_changes = 0
        self.changed_in_period = 0
        self.without_evidence = 0
        self.without_assessment = 0
        self.reasons_withheld = 0
        self.narratives_withheld = 0
        self.evidence: set[int] = set()
        self.evidence_links = 0
        self.withdrawn: set[int] = set()

    def totals(self, kinds: dict[int, tuple[str, str]]) -> Totals:
        by_source, by_direction = count_kinds(kinds[evidence_id] for evidence_id in self.evidence)
        return Totals(
            recommendations=self.recommendations,
            by_status=self.by_status,
            by_status_at_start=self.by_status_at_start,
            by_pillar=self.by_pillar,
            by_rating=self.by_rating,
            by_link_kind=self.by_link_kind,
            evidence_items=len(self.evidence),
            evidence_links=self.evidence_links,
            evidence_withdrawn=len(self.withdrawn),
            evidence_by_source_type=by_source,
            evidence_by_direction=by_direction,
            status_changes=self.status_changes,
            changed_in_period=self.changed_in_period,
            without_evidence=self.without_evidence,
            without_assessment=self.without_assessment,
        )


def build_overview(
    *,
    year: int,
    as_of: datetime.date | None = None,
    audience: str = Audience.PUBLIC,
    user=None,
) -> Summary:
    """Return the all-countries summary of `year` with every figure counted and no item listed.

    The arguments, defaults and refusals (BadAsOf, NoNarratives) are `build_summary`'s.
    """
    start, end, as_of, window_end = follow_up_window(year, as_of)
    audience = Audience(audience)
    reports, scope_countries = scope_reports(year, None)
    tz = timezone.get_current_timezone()

    tiers = placed_tiers(year, scope_countries)

    # The scope's history, by year: the page draws it for the scope, never per country.
    points: dict[int, YearPoint] = {}
    for point_year, status, rating, n in (
        history_items(year, scope_countries, as_of)
        .values_list("report__year", "end_status", "rating")
        .annotate(n=Count("id"))
    ):
        point = points.get(point_year)
        if point is None:
            point = points[point_year] = YearPoint.empty(point_year)
        point.count(status, rating, n)

    this_year_ids = Recommendation.objects.filter(report__year=year).values("pk")
    items = list(
        Recommendation.objects.filter(report__year=year)
        .annotate(at_start=status_on(start - datetime.timedelta(days=1)), on_day=status_on(as_of))
        .order_by()
        .values_list("id", "report__country_id", "pillar", "link_kind", "at_start", "on_day")
    )
    dropped = dict(
        dropped_items(year, scope_countries)
        .order_by()
        .values_list("report__country_id")
        .annotate(n=Count("id"))
    )

    # Changes counted per chain item, then given to every item of the year whose chain holds it.
    descendants: dict[int, list[int]] = defaultdict(list)
    for ancestor_id, rec_id in LineageAncestor.objects.filter(
        recommendation__in=this_year_ids
    ).values_list("ancestor_id", "recommendation_id"):
        descendants[ancestor_id].append(rec_id)
    changes: Counter[int] = Counter()
    withheld: Counter[int] = Counter()
    for on_id, n, not_shown in (
        period_changes(this_year_ids, start, window_end)
        .with_reason_visibility(user, audience=audience)
        .order_by()
        .values("recommendation_id")
        .annotate(n=Count("id"), not_shown=Count("id", filter=Q(reason_visible=False)))
        .values_list("recommendation_id", "n", "not_shown")
    ):
        for target in descendants.get(on_id, ()):
            changes[target] += n
            withheld[target] += not_shown

    # The approved assessment of the year: its latest revision.
    assessments: dict[int, tuple[str, bool]] = {}
    for rec_id, rating, visible in (
        Assessment.objects.filter(
            recommendation__in=this_year_ids, year=year, state=Assessment.State.APPROVED
        )
        .with_narrative_visibility(user, audience=audience)
        .order_by("recommendation_id", "revision")
        .values_list("recommendation_id", "rating", "narrative_visible")
    ):
        assessments[rec_id] = (rating, visible)

    evidence_of: dict[int, set[int]] = defaultdict(set)
    withdrawn_of: dict[int, set[int]] = defaultdict(set)
    kinds: dict[int, tuple[str, str]] = {}
    for rec_id, evidence_id, source_type, direction, gone in (
        period_links(year, None, start, window_end, user=user, audience=audience)
        .order_by()
        .values_list(
            "recommendation_id",
            "evidence_id",
            "evidence__source_type",
            "evidence__direction",
            "evidence__withdrawn_at",
        )
    ):
        if withdrawn_by(gone, as_of, tz):
            withdrawn_of[rec_id].add(evidence_id)
        else:
            evidence_of[rec_id].add(evidence_id)
            kinds[evidence_id] = (source_type, direction)

    tallies: dict[int, _Tally] = defaultdict(_Tally)
    for rec_id, country_id, pillar, link_kind, at_start, on_day in items:
        tally = tallies[country_id]
        tally.recommendations += 1
        tally.by_status[on_day] += 1
        tally.by_status_at_start[at_start] += 1
        tally.by_pillar[pillar] += 1
        tally.by_link_kind[link_kind or Recommendation.LinkKind.NEW] += 1
        tally.changed_in_period += at_start != on_day
        tally.status_changes += changes[rec_id]
        tally.reasons_withheld += withheld[rec_id]
        assessment = assessments.get(rec_id)
        if assessment is None:
            tally.without_assessment += 1
        else:
            tally.by_rating[assessment[0]] += 1
            tally.narratives_withheld += not assessment[1]
        shown = evidence_of.get(rec_id, ())
        tally.evidence.update(shown)
        tally.evidence_links += len(shown)
        tally.without_evidence += not shown
        tally.withdrawn.update(withdrawn_of.get(rec_id, ()))

    countries = []
    all_evidence: set[int] = set()
    all_withdrawn: set[int] = set()
    for report in reports:
        cid = report.country_id
        tally = tallies[cid]
        tally.by_link_kind["dropped"] = dropped.get(cid, 0)
        all_evidence |= tally.evidence
        all_withdrawn |= tally.withdrawn
        countries.append(
            CountrySummary(
                name=report.country.name,
                slug=report.country.slug,
                code=report.country.code,
                tier=report.tier,
                report_title=report.title,
                tier_history=sorted(tiers[cid].items()),
                history=[],
                recommendations=[],
                dropped=[],
                totals=tally.totals(kinds),
                reasons_withheld=tally.reasons_withheld,
                narratives_withheld=tally.narratives_withheld,
            )
        )
    by_source, by_direction = count_kinds(kinds[evidence_id] for evidence_id in all_evidence)
    return Summary(
        year=year,
        period_start=start,
        period_end=end,
        as_of=as_of,
        audience=audience.value,
        country_slug=None,
        scope_name=ALL_COUNTRIES_NAME,
        countries=countries,
        totals=sum_totals(
            [c.totals for c in countries],
            evidence_items=len(all_evidence),
            evidence_withdrawn=len(all_withdrawn),
            by_source=by_source,
            by_direction=by_direction,
        ),
        history=[points[y] for y in sorted(points)],
        generated_at=timezone.now(),
        listed=False,
    )
