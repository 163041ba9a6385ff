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
countries, recommendations and evidence rows, and returns the plain dataclasses of
`reports.summary_shape`. Views, exporters and the management command only render them;
`reports.published` converts them to and from the JSON shape in which a summary is published
and frozen.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone

from reports.summary_shape import (
    ALL_COUNTRIES_NAME,
    LINK_KINDS,
    PILLARS,
    RATINGS,
    STATUSES,
    AssessmentItem,
    ChangeItem,
    CountrySummary,
    DroppedRow,
    EvidenceItem,
    RecommendationRow,
    Summary,
    Totals,
    YearPoint,
    count_kinds,
    sum_totals,
    zeros,
)
from tiptracker.lib.dates import long_date
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
    TierPlacement,
    default_as_of,
    evidence_visibility,
    follow_up_period,
    status_on,
)


class NoNarratives(LookupError):
    """Raised when there is no narrative for the requested country and year."""


class BadAsOf(ValueError):
    """Raised when the as-of day asked for cannot be used (it is in the future)."""


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
    by_source, by_direction = count_kinds(
        (item.source_type, item.direction) for item in evidence.values()
    )
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


def placed_tiers(year: int, scope_countries) -> dict[int, dict[int, str]]:
    """Return the tiers of this year and the years before, as placed, by country then year.

    A narrative's tier wins over a tier table's when both are recorded (`tracker.tiers`,
    `tracker.importer`).
    """
    tiers: dict[int, dict[int, str]] = defaultdict(dict)
    placed = TierPlacement.objects.filter(country__in=scope_countries, year__lte=year)
    for country_id, tier_year, tier in placed.order_by().values_list("country_id", "year", "tier"):
        tiers[country_id][tier_year] = tier
    return tiers


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

    tiers = placed_tiers(year, scope_countries)
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
        tiers=tiers,
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
    tiers,
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

    points: dict[int, dict[int, YearPoint]] = defaultdict(dict)
    for country_id, point_year, tier, status, rating, n in history_rows:
        point = points[country_id].get(point_year)
        if point is None:
            point = points[country_id][point_year] = YearPoint.empty(point_year, tier)
        point.count(status, rating, n)

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

    by_source, by_direction = count_kinds(
        (item.source_type, item.direction) for item in items.values()
    )
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
            total = merged.setdefault(point.year, YearPoint.empty(point.year))
            for key, n in point.by_status.items():
                total.by_status[key] += n
            for key, n in point.by_rating.items():
                total.by_rating[key] += n
    return [merged[y] for y in sorted(merged)]
