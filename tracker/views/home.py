"""The signed-in user's starting page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tracker.models import Recommendation, Report


@login_required
def home(request):
    """Show the latest report year at a glance."""
    latest_year = Report.objects.order_by("-year").values_list("year", flat=True).first()
    counts = {}
    if latest_year:
        counts = Recommendation.objects.for_year(latest_year).status_counts()
    status_rows = [(label, counts.get(code, 0)) for code, label in Recommendation.Status.choices]
    return render(
        request,
        "tracker/home.html",
        {"latest_year": latest_year, "status_rows": status_rows},
    )
