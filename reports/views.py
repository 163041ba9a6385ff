"""Pages of the annual progress summaries: choose, read, download, publish, compare."""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from reports import exporters
from reports.forms import SummaryChoiceForm
from reports.published import compare, summary_from_dict
from reports.summary import STATUSES, NoNarratives, build_summary
from tracker import services
from tracker.models import Country, Report, Summary, Tier

_TIER_RANK = {code: i for i, code in enumerate(Tier.values)}
_SORT_KEYS = {
    "country": lambda c: c.name.casefold(),
    "tier": lambda c: (_TIER_RANK.get(c.tier, 99), c.name.casefold()),
    "recommendations": lambda c: c.totals.recommendations,
    "changed": lambda c: c.totals.changed_since_last_year,
    "evidence": lambda c: c.totals.evidence_items,
    "without_evidence": lambda c: c.totals.without_evidence,
    "without_assessment": lambda c: c.totals.without_assessment,
    **{code: (lambda c, code=code: c.totals.by_status[code]) for code in STATUSES},
}


def _download(summary, fmt: str, *, content: bytes | None = None) -> HttpResponse:
    if content is None:
        content = exporters.export(summary, fmt)
    response = HttpResponse(content, content_type=exporters.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exporters.filename(summary, fmt)}"'
    return response


def _requested_format(request) -> str | None:
    fmt = request.GET.get("format")
    if fmt is None or fmt == "html":
        return None
    if fmt not in exporters.FORMATS:
        raise Http404("Unknown download format.")
    return fmt


def _build_or_404(*, year: int, country=None, user=None):
    try:
        return build_summary(year=year, country=country, user=user)
    except NoNarratives as exc:
        raise Http404(str(exc)) from exc


@require_GET
@login_required
@permission_required("tracker.view_summary", raise_exception=True)
def summary_index(request):
    """Choose a year and a scope; list the published summaries."""
    years = list(Report.objects.order_by("-year").values_list("year", flat=True).distinct())
    countries = list(
        Country.objects.filter(reports__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("slug", "name")
    )
    form = SummaryChoiceForm(
        request.GET if "year" in request.GET else None, years=years, countries=countries
    )
    if form.is_bound and form.is_valid():
        year, slug = form.cleaned_data["year"], form.cleaned_data["country"]
        if slug:
            return redirect("summary_country", year=year, slug=slug)
        return redirect("summary_all", year=year)
    published = Paginator(
        Summary.objects.select_related("country", "published_by").defer("content"), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/summary_index.html",
        {"form": form, "published": published, "years": years},
    )


@require_GET
@login_required
@permission_required("tracker.view_summary", raise_exception=True)
def summary_all(request, year: int):
    """Show the summary of every country with a narrative in `year`, or download it."""
    fmt = _requested_format(request)
    summary = _build_or_404(year=year, user=request.user)
    if fmt:
        return _download(summary, fmt)
    sort = request.GET.get("sort", "country")
    key = _SORT_KEYS.get(sort.removeprefix("-"))
    if key is None:
        sort, key = "country", _SORT_KEYS["country"]
    summary.countries.sort(key=key, reverse=sort.startswith("-"))
    context = exporters.page_context(summary, sort=sort, sort_columns=True, live=True)
    return render(request, "reports/summary_all.html", context)


@require_GET
@login_required
@permission_required("tracker.view_summary", raise_exception=True)
def summary_country(request, year: int, slug: str):
    """Show the full summary of one country for `year`, or download it."""
    fmt = _requested_format(request)
    country = get_object_or_404(Country, slug=slug)
    summary = _build_or_404(year=year, country=country, user=request.user)
    if fmt:
        return _download(summary, fmt)
    context = exporters.page_context(summary, live=True)
    return render(request, "reports/summary_country.html", context)


@require_POST
@login_required
@permission_required("tracker.publish_summary", raise_exception=True)
def summary_publish(request, year: int, slug: str | None = None):
    """Freeze the public view of a summary as published JSON."""
    country = get_object_or_404(Country, slug=slug) if slug else None
    back = (
        reverse("summary_country", args=[year, slug])
        if slug
        else reverse("summary_all", args=[year])
    )
    try:
        published = services.summary_publish(year=year, country=country, by=request.user)
    except NoNarratives as exc:
        raise Http404(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        f"Published the {year} summary of {published.country or 'all countries'} "
        f"(SHA-256 {published.sha256[:12]}…). It can no longer be changed.",
    )
    return redirect("published_summary_detail", pk=published.pk)


def _published(pk: int):
    record = get_object_or_404(Summary.objects.select_related("country", "published_by"), pk=pk)
    summary = summary_from_dict(json.loads(record.content))
    verified = hashlib.sha256(record.content.encode("utf-8")).hexdigest() == record.sha256
    return record, summary, verified


@require_GET
@login_required
@permission_required("tracker.view_summary", raise_exception=True)
def published_detail(request, pk: int):
    """Show a published summary from its frozen content, or download it."""
    record, summary, verified = _published(pk)
    fmt = _requested_format(request)
    if fmt == "json":
        # The frozen bytes themselves, so anyone can check them against the SHA-256.
        return _download(summary, fmt, content=record.content.encode("utf-8"))
    if fmt:
        return _download(summary, fmt)
    context = exporters.page_context(summary, record=record, verified=verified, live=False)
    return render(request, "reports/published_detail.html", context)


@require_GET
@login_required
@permission_required("tracker.view_summary", raise_exception=True)
def published_compare(request, pk: int):
    """Compare a published summary with the figures the same scope and year give today."""
    record, published, verified = _published(pk)
    current = _build_or_404(year=record.year, country=record.country)
    counts, statuses = compare(published, current)
    return render(
        request,
        "reports/published_compare.html",
        {
            "record": record,
            "summary": published,
            "verified": verified,
            "count_differences": counts,
            "status_differences": statuses,
        },
    )
