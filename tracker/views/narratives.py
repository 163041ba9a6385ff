"""The imported country narratives: a filterable list, and each narrative with its findings."""

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tracker.filters import ReportFilterSet, search_refused
from tracker.models import Finding, Recommendation, Report

PAGE_SIZE = 50

# The order in which a narrative reads; sections the parser knows but the list misses follow.
_SECTION_ORDER = [key for key, _ in Finding.Section.choices]
_SECTION_LABELS = dict(Finding.Section.choices)


@require_GET
@login_required
@permission_required("tracker.view_report", raise_exception=True)
def report_list(request):
    """List the imported narratives by country and year, filtered by the URL."""
    queryset = (
        Report.objects.select_related("country")
        .only("pk", "year", "tier", "title", "imported_at", "country__name", "country__slug")
        .annotate(recommendation_count=Count("recommendations"))
        .order_by("country__name", "-year")
    )
    filterset = ReportFilterSet(request.GET, queryset=queryset, user=request.user)
    refused = search_refused(filterset)
    rows = filterset.qs.none() if refused else filterset.qs
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tracker/report_list.html",
        {"filter": filterset, "page_obj": page, "count": page.paginator.count},
        status=400 if refused else 200,
    )


@dataclass
class Section:
    """One section of a narrative as the page shows it: its findings, or its text if none."""

    key: str
    label: str
    findings: list = field(default_factory=list)
    text: str = ""


def narrative_sections(report: Report, findings) -> list[Section]:
    """Group `findings` by section in reading order, keeping sections that have text only."""
    sections: dict[str, Section] = {}
    texts = {"introduction": report.introduction, **(report.sections or {})}
    keys = _SECTION_ORDER + [key for key in texts if key not in _SECTION_ORDER]
    for key in keys:
        label = _SECTION_LABELS.get(key, key.replace("_", " ").capitalize())
        sections[key] = Section(key=key, label=label, text=texts.get(key, ""))
    for finding in findings:
        sections.setdefault(
            finding.section, Section(key=finding.section, label=finding.get_section_display())
        ).findings.append(finding)
    return [s for s in sections.values() if s.findings or s.text.strip()]


@require_GET
@login_required
@permission_required("tracker.view_report", raise_exception=True)
def report_detail(request, pk):
    """Show a narrative with each finding anchored, and the recommendations that answer it."""
    report = get_object_or_404(Report.objects.select_related("country").defer("source_text"), pk=pk)
    recommendation_links = Recommendation.objects.only("pk", "reference", "report_id").order_by(
        "number"
    )
    findings = (
        report.findings.order_by("id")
        .only("pk", "report_id", "section", "position", "text")
        .prefetch_related(Prefetch("recommendations", queryset=recommendation_links))
    )
    other_years = (
        Report.objects.filter(country_id=report.country_id)
        .exclude(pk=report.pk)
        .only("pk", "year", "tier")
        .order_by("-year")
    )
    return render(
        request,
        "tracker/report_detail.html",
        {
            "report": report,
            "recommendations": report.recommendations.select_related("owner").order_by("number"),
            "sections": narrative_sections(report, findings),
            "other_years": other_years,
        },
    )
