"""Pages of the public site, for visitors who are not signed in.

Every page is built from the public record (`api.public`): summaries published for the public
audience and nothing else. Pages are rendered without the request, so they are the same bytes
for every visitor, cached until the next publication (`public.caching`) and written as they are
by `export_public_site`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from api.public import CountryRecord, PublicRecord, YearEntry, current_version, public_record
from public import opendata
from public.caching import conditional, mark_public, public_page, record_for, site_is_on
from public.sitemaps import PublicSitemap
from reports import charts, exporters
from reports.models import PublishedRendering
from reports.summary_shape import YearPoint
from tracker.lineage import word_diff
from tracker.views.glossary import glossary_sections

# Frozen files never change under their address: caches may keep them for a long time.
FROZEN_MAX_AGE = 60 * 60 * 24 * 30
CHARTS = {
    "tiers": gettext_lazy("%(name)s: tier by report year"),
    "statuses": gettext_lazy("%(name)s: status of the recommendations in each published year"),
}


def _site() -> dict:
    return {
        "organisation": settings.ORGANISATION_NAME,
        "licence_name": settings.OPEN_DATA_LICENCE_NAME,
        "licence_url": settings.OPEN_DATA_LICENCE_URL,
        "site_url": settings.SITE_URL,
    }


def _page(template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """Render a public template without the request: the same bytes for every visitor."""
    return HttpResponse(render_to_string(template, {**_site(), **context}), status=status)


def _country_or_404(record: PublicRecord, slug: str) -> CountryRecord:
    country = record.countries.get(slug)
    if country is None:
        raise Http404(gettext("No summary of this country has been published."))
    return country


def _points(country: CountryRecord) -> list[YearPoint]:
    return [
        YearPoint(
            year,
            entry.tier,
            dict(entry.country.totals.by_status),
            dict(entry.country.totals.by_rating),
        )
        for year, entry in sorted(country.years.items())
    ]


def _country_chart(country: CountryRecord, name: str) -> charts.Chart:
    chart_id = f"chart-{country.slug}-{name}"
    title = str(CHARTS[name]) % {"name": country.name}
    if name == "tiers":
        return charts.tier_timeline(country.tier_history, chart_id=chart_id, title=title)
    return charts.status_over_years(_points(country), chart_id=chart_id, title=title)


@public_page
def front(request):
    """Say what the tracker is, and list the countries with their latest summary and tier."""
    record = record_for(request)
    rows = []
    for country in record.countries.values():
        latest: YearEntry = country.latest
        strip = charts.status_strip(latest.country.totals.by_status, label=country.name)
        rows.append((country, latest, strip))
    return _page(
        "public/front.html",
        {"record": record, "rows": rows, "recent": record.publications[:5], "section": "home"},
    )


@login_not_required
@require_safe
@site_is_on
def public_root(request):
    """Send /public/ to the front page, which lists what is published."""
    return redirect("home")


@public_page
def country(request, slug: str):
    """Show a country's tiers, its published summaries and each recommendation over the years."""
    record = record_for(request)
    country = _country_or_404(record, slug)
    years = country.published_years
    rows = [(chain, [chain.row_in(year) for year in years]) for chain in country.chains]
    return _page(
        "public/country.html",
        {
            "country": country,
            "years": years,
            "latest": country.latest,
            "rows": rows,
            "current": {entry.publication.id for entry in country.years.values()},
            "charts": [(name, _country_chart(country, name)) for name in CHARTS],
        },
    )


@public_page
@xframe_options_exempt
def country_chart(request, slug: str, name: str):
    """Show one chart of a country with its numbers, for a partner site to embed in a frame."""
    if name not in CHARTS:
        raise Http404(gettext("No such chart."))
    country = _country_or_404(record_for(request), slug)
    response = _page(
        "public/embed.html", {"country": country, "chart": _country_chart(country, name)}
    )
    # This page alone may be framed, by the sites `PUBLIC_EMBED_ANCESTORS` names.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
        f"form-action 'none'; frame-ancestors {settings.PUBLIC_EMBED_ANCESTORS}"
    )
    return response


def _downloads(publication) -> list[dict]:
    stored = dict(
        PublishedRendering.objects.filter(summary_id=publication.id).values_list("format", "sha256")
    )
    stored["json"] = publication.sha256
    names = {
        "json": gettext("JSON (the frozen content)"),
        "pdf": "PDF",
        "xlsx": gettext("Excel (XLSX)"),
        "csv": "CSV",
    }
    return [
        {
            "format": fmt,
            "label": label,
            "url": reverse(
                "public_summary_file",
                args=[publication.id, exporters.filename(publication.summary, fmt)],
            ),
            "sha256": stored.get(fmt, ""),
        }
        for fmt, label in names.items()
    ]


@public_page
def summary(request, pk: int):
    """Show a published summary from its frozen content, with its files and their SHA-256."""
    record = record_for(request)
    publication = record.by_id.get(pk)
    if publication is None:
        raise Http404(gettext("No such summary has been published."))
    summary = publication.summary
    context = {
        "publication": publication,
        "summary": summary,
        "newer": record.newer_than(publication),
        "downloads": _downloads(publication),
        "known": record.recommendations,
    }
    if summary.is_all_countries:
        context["charts"] = charts.scope_charts(summary)
        context["country_rows"] = [
            (c, charts.status_strip(c.totals.by_status, label=c.name), c.slug in record.countries)
            for c in summary.countries
        ]
    else:
        country = summary.countries[0]
        context["country"] = country
        context["charts"] = charts.country_charts(country, summary=summary)
    return _page("public/summary.html", context)


@login_not_required
@require_safe
@site_is_on
def summary_file(request, pk: int, filename: str):
    """Send a published summary's JSON, or its PDF, XLSX or CSV as stored when it was published.

    The files are never rendered here: one not stored yet (the worker renders it after
    publication) is answered 404 with a page that says so.
    """
    version = current_version()
    publication = public_record(version).by_id.get(pk)
    if publication is None:
        raise Http404(gettext("No such summary has been published."))
    fmt = filename.rsplit(".", 1)[-1]
    if fmt not in exporters.FORMATS or filename != exporters.filename(publication.summary, fmt):
        raise Http404(gettext("No such file."))
    if fmt == "json":
        response = HttpResponse(
            publication.content.encode("utf-8"), content_type=exporters.CONTENT_TYPES[fmt]
        )
        etag = f'"{publication.sha256}"'
    else:
        rendering = PublishedRendering.objects.filter(summary_id=pk, format=fmt).first()
        if rendering is None:
            return _page(
                "public/unavailable.html",
                {"publication": publication, "format": fmt.upper()},
                status=404,
            )
        etag = f'"{rendering.sha256}"'
        if request.headers.get("If-None-Match", "").strip() == etag:
            response = HttpResponse(content_type=exporters.CONTENT_TYPES[fmt])
        else:
            response = FileResponse(
                rendering.file.open("rb"), content_type=exporters.CONTENT_TYPES[fmt]
            )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    mark_public(response, etag=etag, last_modified=publication.published_at, max_age=FROZEN_MAX_AGE)
    return conditional(request, response, publication.published_at)


@public_page
def recommendation(request, reference: str):
    """Show a recommendation: its text, its lineage with word diffs, its published statuses."""
    record = record_for(request)
    item = record.recommendations.get(reference)
    if item is None:
        raise Http404(gettext("No summary holding this recommendation has been published."))
    lineage = []
    previous = None
    for year, row in item.chain.members:
        diff = word_diff(previous.text, row.text) if previous is not None else []
        lineage.append({"year": year, "row": row, "diff": diff, "current": row is item.row})
        previous = row
    return _page(
        "public/recommendation.html",
        {"item": item, "row": item.row, "country": item.country, "lineage": lineage},
    )


@public_page
def glossary(request):
    """Explain the words of the public pages: statuses, ratings, tiers, periods."""
    return _page("public/glossary.html", {"sections": glossary_sections(), "section": "glossary"})


@public_page
def data_index(request):
    """List the open-data files with their licence, sizes and checksums."""
    record = record_for(request)
    files = opendata.data_files(record)
    rows = [
        (dataset, [files[f"{dataset.name}.{fmt}"] for fmt in opendata.FORMATS])
        for dataset in opendata.DATASETS
    ]
    return _page(
        "public/data.html",
        {
            "record": record,
            "rows": rows,
            "checksums": files[opendata.CHECKSUMS],
            "api_root": reverse("public_api:root"),
            "schema": reverse("public_api:schema"),
            "section": "data",
        },
    )


@public_page
def data_dictionary(request):
    """Describe every column of every open-data file, and every code they use."""
    codes = [(name, sorted(labels.items())) for name, labels in opendata.CODE_LISTS.items()]
    return _page(
        "public/dictionary.html",
        {"datasets": opendata.DATASETS, "code_lists": codes, "section": "data"},
    )


@public_page
def data_file(request, name: str):
    """Send one open-data file."""
    files = opendata.data_files(record_for(request))
    data = files.get(name)
    if data is None:
        raise Http404(gettext("No such file."))
    return HttpResponse(data.content, content_type=data.content_type)


@public_page
def robots(request):
    """Let crawlers read the public site and its sitemap, and nothing else."""
    lines = [
        "User-agent: *",
        "Allow: /$",
        "Allow: /public/",
        "Allow: /sitemap.xml",
        "Disallow: /",
        "",
        f"Sitemap: {settings.SITE_URL}{reverse('public_sitemap')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@public_page
def sitemap(request):
    """List every public page for search engines, at the address `SITE_URL` names."""
    urls = PublicSitemap().get_urls()
    return HttpResponse(
        render_to_string("sitemap.xml", {"urlset": urls}), content_type="application/xml"
    )
