"""Reads that take a user: what a list, a page or a count shows to that user.

Pages, bulk edits, the background worker's downloads and the API all read through these, so
they show the same rows, in the same order, by the same visibility rule. They take a user and
plain parameters, never a request: the worker builds a list's download with no request at all.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from tracker.filters import RecommendationFilterSet, search_refused
from tracker.models import (
    Assessment,
    AssessmentEvent,
    Evidence,
    Recommendation,
    follow_up_period,
)

# Rows that tie on the chosen sort keep a stable order, so paging never repeats or skips one.
LIST_TIEBREAK = ["report__country__name", "-report__year", "number", "pk"]
# The same order on the recommendation's own indexed copies (`rec_list_order_idx`).
LIST_ORDER = ["country_name", "-report_year", "number", "pk"]


def recommendation_rows(user) -> QuerySet:
    """Return the recommendations with what the list shows, flags counted as `user` sees them."""
    return Recommendation.objects.with_report().with_approved_flag().with_evidence_flag(user)


@dataclass
class RecommendationList:
    """The recommendation list for one user and one set of filters.

    `queryset` is ordered as the list shows it; `keyset` says whether that order is the
    default one on indexed copies (pages found by keyset) rather than a chosen column
    (numbered pages). A refused search (`refused`) lists nothing.
    """

    filterset: RecommendationFilterSet
    queryset: QuerySet
    keyset: bool
    refused: bool


def recommendation_list(*, user, params) -> RecommendationList:
    """Return the recommendations `user` may list for the filters in `params`, in list order.

    `params` is the list's GET parameters (a QueryDict, or any mapping the FilterSet reads).
    """
    filterset = RecommendationFilterSet(params, queryset=recommendation_rows(user), user=user)
    queryset = filterset.qs
    # The default order reads the indexed copies of country and year (one table, keyset
    # pages); a chosen column sorts across tables, with numbered pages.
    keyset = not queryset.query.order_by
    if keyset:
        queryset = queryset.order_by(*LIST_ORDER)
    else:
        queryset = queryset.order_by(*queryset.query.order_by, *LIST_TIEBREAK)
    refused = search_refused(filterset)
    if refused:
        queryset = queryset.none()
    return RecommendationList(filterset, queryset, keyset, refused)


def citable_evidence(recommendation, user) -> QuerySet:
    """Return the evidence `user` may cite about `recommendation` (see `citable_for`)."""
    return (
        Evidence.objects.citable_for(recommendation, user)
        .only("pk", "public_id", "title", "published_on", "sensitivity")
        .order_by("-published_on", "title")
    )


@dataclass
class TimelineEntry:
    """One event in a recommendation's history, whatever the record it comes from."""

    kind: str
    at: datetime.datetime
    by: Any
    item: Any
    after_period: bool = False


def timeline(recommendation, user, limit: int | None = None) -> tuple[list[TimelineEntry], bool]:
    """Merge status changes, edits, evidence and assessment events, newest first.

    Return the entries (the newest `limit` of them, or all) and whether older ones were left
    out. Five queries whatever the length: one per kind of record, and one for the evidence
    cited by the status changes. Evidence `user` may not see is left out, also where it was
    cited; each status change says whether `user` may read its reason (`reason_visible`).
    """
    visible = Evidence.objects.visible_to(user)
    sources = [
        (
            "status",
            "recorded_at",
            "changed_by",
            recommendation.status_changes.select_related("changed_by", "void__voided_by")
            .with_reason_visibility(user)
            .prefetch_related(
                Prefetch("evidence", queryset=visible.order_by("title"), to_attr="cited")
            )
            .order_by("-recorded_at", "-id"),
        ),
        (
            "edit",
            "recorded_at",
            "changed_by",
            recommendation.edits.select_related("changed_by").order_by("-recorded_at", "-id"),
        ),
        (
            "evidence",
            "logged_at",
            "logged_by",
            visible.filter(recommendations=recommendation)
            .select_related("logged_by")
            .order_by("-logged_at", "-id"),
        ),
        (
            "assessment",
            "at",
            "by",
            AssessmentEvent.objects.filter(assessment__recommendation=recommendation)
            .select_related("by", "assessment")
            .order_by("-at", "-id"),
        ),
    ]
    period_end = follow_up_period(recommendation.report.year)[1]
    entries = []
    for kind, when, who, queryset in sources:
        # The newest `limit` of each kind hold the newest `limit` overall; one more tells
        # whether anything older exists.
        rows = queryset if limit is None else queryset[: limit + 1]
        entries += [
            TimelineEntry(
                kind,
                getattr(r, when),
                getattr(r, who),
                r,
                after_period=kind == "status" and r.effective_date > period_end,
            )
            for r in rows
        ]
    entries.sort(key=lambda entry: (entry.at, entry.item.pk), reverse=True)
    if limit is not None and len(entries) > limit:
        return entries[:limit], True
    return entries, False


def worklist_counts(*, user, year: int, as_of: datetime.date) -> dict:
    """Count the year's items by status on `as_of` and the worklist's questions, in two queries.

    The evidence flag is the one the list filters on, so each count is what its link lists. The
    statuses are counted by grouping, apart from the flags: PostgreSQL folds the status-on-a-date
    expression into every filtered count that names it and so evaluates it once per status per
    item.
    """
    mine = Q(owner=user)
    counts = (
        Recommendation.objects.for_year(year)
        .with_evidence_flag(user)
        .with_approved_flag()
        .aggregate(
            total=Count("pk"),
            carried_over=Count("pk", filter=Q(needs_review=True)),
            no_evidence=Count("pk", filter=Q(has_evidence=False)),
            mine=Count("pk", filter=mine),
            mine_carried_over=Count("pk", filter=mine & Q(needs_review=True)),
            mine_no_evidence=Count("pk", filter=mine & Q(has_evidence=False)),
            mine_unapproved=Count("pk", filter=mine & Q(has_approved_assessment=False)),
        )
    )
    by_status = Recommendation.objects.for_year(year).status_on_counts(as_of)
    counts.update({f"status_{code}": n for code, n in by_status.items()})
    return counts


def assessment_counts(*, user, year: int) -> dict:
    """Count the year's recommendations by the state of their assessments (as the list does)."""
    return Assessment.objects.filter(recommendation__report__year=year).aggregate(
        my_drafts=Count(
            "recommendation", distinct=True, filter=Q(author=user, state=Assessment.State.DRAFT)
        ),
        my_returned=Count(
            "recommendation",
            distinct=True,
            filter=Q(author=user, state=Assessment.State.RETURNED),
        ),
        waiting=Count("recommendation", distinct=True, filter=Q(state=Assessment.State.SUBMITTED)),
    )
