"""One search across recommendations, narratives, findings, evidence, statuses and assessments."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tracker import search, services
from tracker.forms import SearchForm


@require_GET
@login_required
def search_page(request):
    """Search everything the user may see; results grouped by kind, best first."""
    form = SearchForm(request.GET if "q" in request.GET else None)
    groups, status = [], 200
    if form.is_bound:
        if form.is_valid():
            groups = search.search(form.cleaned_data["q"], user=request.user)
            shown = [item for group in groups for item in group.evidence_shown]
            services.evidence_record_reads(items=shown, by=request.user, action="search")
        else:
            status = 400
    return render(
        request,
        "tracker/search.html",
        {
            "form": form,
            "q": form.cleaned_data["q"] if form.is_bound and form.is_valid() else "",
            "groups": groups,
            "total": sum(group.count for group in groups),
            "capped": any(group.capped for group in groups),
        },
        status=status,
    )
