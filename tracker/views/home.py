"""The signed-in user's starting page."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tracker import roles
from tracker.models import (
    Assessment,
    Recommendation,
    Report,
    StatusChange,
    default_as_of,
    follow_up_period,
)

MY_ITEMS = 20
RECENT_CHANGES = 10
REVIEW_QUEUE = 20


@require_GET
@login_required
def home(request):
    """Show the user's own items, the latest year by status, recent changes and what awaits."""
    user = request.user
    latest_year = Report.objects.order_by("-year").values_list("year", flat=True).first()
    as_of = default_as_of(latest_year) if latest_year else None
    counts = (
        Recommendation.objects.for_year(latest_year).status_on_counts(as_of) if latest_year else {}
    )
    status_rows = [
        {"code": code, "label": label, "count": counts.get(code, 0)}
        for code, label in Recommendation.Status.choices
    ]
    totals = Recommendation.objects.aggregate(
        mine=Count("pk", filter=Q(owner=user)),
        carried_over=Count("pk", filter=Q(needs_review=True)),
    )
    my_items = (
        Recommendation.objects.with_report()
        .filter(owner=user)
        .order_by("-report__year", "report__country__name", "number")[:MY_ITEMS]
    )
    # The newest ids come from the (recorded_at, id) index alone; joining first would let the
    # planner start from the reports and sort every change.
    newest = StatusChange.objects.order_by("-recorded_at", "-id").values("pk")[:RECENT_CHANGES]
    recent_changes = (
        StatusChange.objects.filter(pk__in=newest)
        .select_related("recommendation__report__country", "changed_by")
        .order_by("-recorded_at", "-id")
    )
    context = {
        "latest_year": latest_year,
        "latest_as_of": as_of,
        "latest_period": follow_up_period(latest_year) if latest_year else None,
        "status_rows": status_rows,
        "latest_total": sum(counts.values()),
        "my_items": my_items,
        "my_count": totals["mine"],
        "carried_over": totals["carried_over"],
        "recent_changes": recent_changes,
    }
    if roles.can_review(user):
        waiting = Assessment.objects.filter(state=Assessment.State.SUBMITTED)
        context["awaiting_review"] = waiting.select_related(
            "recommendation__report__country", "author"
        ).order_by("submitted_at", "pk")[:REVIEW_QUEUE]
        context["awaiting_count"] = waiting.count()
    return render(request, "tracker/home.html", context)
