"""The signed-in user's starting page: a worklist for one report year."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from tracker import permissions, selectors
from tracker.models import (
    Assessment,
    Evidence,
    Recommendation,
    Report,
    StatusChange,
    default_as_of,
    follow_up_period,
)

MY_ITEMS = 20
MY_ASSESSMENTS = 10
MY_EVIDENCE = 5
RECENT_CHANGES = 10
REVIEW_QUEUE = 20

_WORK_STATES = [Assessment.State.RETURNED, Assessment.State.DRAFT]


def _list_url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def _chosen_year(request, years: list[int]) -> int | None:
    """Return the year asked for in `?year=`, if narratives exist for it, else the latest."""
    asked = request.GET.get("year", "")
    if asked.isdigit() and int(asked) in years:
        return int(asked)
    return years[0] if years else None


@require_GET
@login_required
def home(request):
    """Show the user's work for a year: items, assessments, evidence, what awaits, what changed."""
    user = request.user
    years = list(Report.objects.order_by("-year").values_list("year", flat=True).distinct())
    year = _chosen_year(request, years)
    can_edit = permissions.can_edit(user)
    context = {"years": years, "year": year}
    # The newest ids come from the (recorded_at, id) index alone; joining first would let the
    # planner start from the reports and sort every change. A voided change is left out: it
    # counts nowhere, and the item's timeline keeps it, marked, with the reason it was voided.
    newest = (
        StatusChange.objects.filter(void__isnull=True)
        .order_by("-recorded_at", "-id")
        .values("pk")[:RECENT_CHANGES]
    )
    context["recent_changes"] = (
        StatusChange.objects.filter(pk__in=newest)
        .with_reason_visibility(user)
        .select_related("recommendation__report__country", "changed_by")
        .order_by("-recorded_at", "-id")
    )
    context["saved_filters"] = user.saved_filters.all()
    if year is None:
        return render(request, "tracker/home.html", context)

    # Statuses are those on the last day of the year's follow-up period, or today while it runs.
    as_of = default_as_of(year)
    counts = selectors.worklist_counts(user=user, year=year, as_of=as_of)
    link = {"year": year}
    context.update(counts=counts, as_of=as_of, period=follow_up_period(year))
    context["status_rows"] = [
        {
            "code": code,
            "label": label,
            "count": counts[f"status_{code}"],
            "url": _list_url("recommendation_list", **link, status=code, as_of=f"{as_of:%Y-%m-%d}"),
        }
        for code, label in Recommendation.Status.choices
    ]
    context["links"] = {
        "all": _list_url("recommendation_list", **link),
        "carried_over": _list_url("recommendation_list", **link, needs_review="yes"),
        "no_evidence": _list_url("recommendation_list", **link, has_evidence="no"),
    }
    if can_edit:
        mine = {**link, "owner": "me"}
        context["links"].update(
            mine=_list_url("recommendation_list", **mine),
            mine_carried_over=_list_url("recommendation_list", **mine, needs_review="yes"),
            mine_no_evidence=_list_url("recommendation_list", **mine, has_evidence="no"),
            mine_unapproved=_list_url("recommendation_list", **mine, has_approved_assessment="no"),
            my_drafts=_list_url(
                "recommendation_list", **link, assessment="draft", assessment_by="me"
            ),
            my_returned=_list_url(
                "recommendation_list", **link, assessment="returned", assessment_by="me"
            ),
            my_evidence=_list_url("evidence_list", logged_by=user.get_username()),
        )
        context["assessment_counts"] = selectors.assessment_counts(user=user, year=year)
        context["my_items"] = (
            Recommendation.objects.with_report()
            .for_year(year)
            .filter(owner=user)
            .order_by("report__country__name", "number")[:MY_ITEMS]
        )
        context["my_assessments"] = (
            Assessment.objects.filter(
                recommendation__report__year=year, author=user, state__in=_WORK_STATES
            )
            .select_related("recommendation__report__country")
            .order_by("-state", "-updated_at", "-pk")[:MY_ASSESSMENTS]
        )
        context["my_evidence"] = Evidence.objects.filter(logged_by=user).only(
            "pk", "public_id", "title", "logged_at", "sensitivity"
        )[:MY_EVIDENCE]
    if permissions.can_review(user):
        if "assessment_counts" not in context:
            context["assessment_counts"] = selectors.assessment_counts(user=user, year=year)
        # The review queue is every year's: an assessment of an earlier year waits as much as
        # one of the year shown, and the year chosen above is for the worklist.
        waiting = Assessment.objects.filter(state=Assessment.State.SUBMITTED)
        by_year = list(waiting.order_by("-year").values_list("year").annotate(count=Count("pk")))
        context["review_waiting"] = {
            "total": sum(count for _, count in by_year),
            "by_year": by_year,
        }
        context["awaiting_review"] = waiting.select_related(
            "recommendation__report__country", "author"
        ).order_by("submitted_at", "pk")[:REVIEW_QUEUE]
    return render(request, "tracker/home.html", context)
