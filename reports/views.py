"""Pages of the annual progress summaries: choose, read, download, publish, compare."""

import hashlib
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reports import access, exporters, exportjobs, services
from reports.checks import publication_check
from reports.forms import PublishForm, SummaryChoiceForm, SummaryParametersForm, WithholdForm
from reports.models import PublishedSummary
from reports.overview import build_overview
from reports.published import compare, summary_from_dict
from reports.summary import STATUSES, BadAsOf, NoNarratives, build_summary, default_as_of
from tiptracker.lib.dates import long_date, period_words
from tracker import services as tracker_services
from tracker.languages import in_requested_language
from tracker.models import (
    Assessment,
    Audience,
    Country,
    EvidenceSensitivity,
    Report,
    StatusChange,
    Tier,
    follow_up_period,
)

_TIER_RANK = {code: i for i, code in enumerate(Tier.values)}
_SORT_KEYS = {
    "country": lambda c: c.name.casefold(),
    "tier": lambda c: (_TIER_RANK.get(c.tier, 99), c.name.casefold()),
    "recommendations": lambda c: c.totals.recommendations,
    "changed": lambda c: c.totals.changed_in_period,
    "evidence": lambda c: c.totals.evidence_items,
    "without_evidence": lambda c: c.totals.without_evidence,
    "without_assessment": lambda c: c.totals.without_assessment,
    **{code: (lambda c, code=code: c.totals.by_status[code]) for code in STATUSES},
}


def _download(summary, fmt: str, *, content: bytes | None = None) -> HttpResponse:
    if content is None and fmt == "csv":
        # Line by line: the response never holds the whole file.
        lines = (line.encode("utf-8") for line in exporters.iter_csv(summary))
        response = StreamingHttpResponse(lines, content_type=exporters.CONTENT_TYPES[fmt])
    else:
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
        raise Http404(_("Unknown download format."))
    return fmt


class BadRequest(Exception):
    """A summary parameter the page cannot use; answered with 400 and the message."""


def _parameters(request, year: int) -> SummaryParametersForm:
    """Return the valid `as_of` and `audience` of the request, or raise BadRequest saying why."""
    form = SummaryParametersForm(request.GET, user=request.user, year=year)
    if not form.is_valid():
        raise BadRequest(form.message())
    return form


def _build_or_404(request, *, year: int, country=None, overview: bool = False):
    """Build the summary the request asks for (`as_of`, `audience`), as its user may see it.

    The restricted evidence it shows is recorded as read by the user (`reports.access`). With
    `overview`, build the all-countries figures alone (`reports.overview`): they show no
    evidence, so nothing is recorded.
    """
    asked = _parameters(request, year).cleaned_data
    options = {"as_of": asked["as_of"], "audience": asked["audience"], "user": request.user}
    try:
        if overview:
            return build_overview(year=year, **options)
        summary = build_summary(year=year, country=country, **options)
    except NoNarratives as exc:
        raise Http404(str(exc)) from exc
    except BadAsOf as exc:
        raise BadRequest(str(exc)) from exc
    access.record_summary_read(summary, by=request.user)
    return summary


def _summary_view(view):
    """Answer a BadRequest raised while building a summary with the styled 400 page saying why.

    The page links back to the same summary with its defaults, so the user is one click from
    a page that works.
    """

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return render(
                request,
                "reports/summary_refused.html",
                {"message": str(exc), "back": request.path},
                status=400,
            )

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _summary_in_background(request, *, year: int, country, fmt: str):
    """Record the summary download as a job for the worker and send the user to its page.

    What the job holds is what the request asked, resolved: the as-of day (today's, while the
    period runs) and the audience, so the same request reuses the job within the day.
    """
    if not Report.objects.filter(year=year, **({"country": country} if country else {})).exists():
        if country is None:
            raise Http404(_("There is no narrative of %(year)s for any country.") % {"year": year})
        raise Http404(
            _("There is no narrative of %(year)s for %(scope)s.")
            % {"year": year, "scope": country.name}
        )
    asked = _parameters(request, year).cleaned_data
    as_of, audience = asked["as_of"], asked["audience"]
    scope = country.name if country is not None else _("all countries")
    job, _created = tracker_services.export_job_request(
        by=request.user,
        kind=exportjobs.SUMMARY,
        fmt=fmt,
        parameters={
            "year": year,
            "country": country.slug if country is not None else "",
            "as_of": as_of.isoformat(),
            # The file's words are in the language the request was read in (`?lang=`).
            "language": translation.get_language() or "en",
        },
        audience=audience,
        title=_("Progress summary %(year)s, %(scope)s, %(audience)s view (%(format)s)")
        % {"year": year, "scope": scope, "audience": audience.label.lower(), "format": fmt.upper()},
    )
    return redirect(job)


def _view_options(request, summary) -> dict:
    """Return what the page needs to offer other days and audiences of the same summary."""
    return {
        "audiences": Audience.allowed_for(request.user),
        "default_as_of": default_as_of(summary.year),
        # References link to the recommendations' pages, which every reader here may open.
        "item_links": True,
    }


@require_GET
@login_required
@permission_required("reports.view_publishedsummary", raise_exception=True)
def summary_index(request):
    """Choose a year and a scope; list the published summaries."""
    years = list(Report.objects.order_by("-year").values_list("year", flat=True).distinct())
    pairs = Report.objects.order_by("country__name", "year").values_list(
        "country__slug", "country__name", "year"
    )
    countries = {}
    for slug, name, year in pairs:
        countries.setdefault(slug, (slug, name, []))[2].append(year)
    form = SummaryChoiceForm(
        request.GET if "year" in request.GET else None,
        years=years,
        countries=countries.values(),
    )
    if form.is_bound and form.is_valid():
        year, slug = form.cleaned_data["year"], form.cleaned_data["country"]
        if slug:
            return redirect("summary_country", year=year, slug=slug)
        return redirect("summary_all", year=year)
    published = Paginator(
        _published_for(request.user).select_related("country", "published_by").defer("content"),
        50,
    ).get_page(request.GET.get("page"))
    latest_period = None
    if years:
        start, end = follow_up_period(years[0])
        latest_period = {
            "year": years[0],
            "words": period_words(start, end),
            "running": timezone.localdate() <= end,
        }
    return render(
        request,
        "reports/summary_index.html",
        {"form": form, "published": published, "years": years, "latest_period": latest_period},
    )


@require_GET
@login_required
@permission_required("reports.view_publishedsummary", raise_exception=True)
@_summary_view
@in_requested_language
def summary_all(request, year: int):
    """Show the summary of every country with a narrative in `year`, or download it."""
    fmt = _requested_format(request)
    if fmt and fmt != "json" and exportjobs.summary_in_background(year=year, country=None, fmt=fmt):
        return _summary_in_background(request, year=year, country=None, fmt=fmt)
    if fmt:
        return _download(_build_or_404(request, year=year), fmt)
    summary = _build_or_404(request, year=year, overview=True)
    sort = request.GET.get("sort", "country")
    key = _SORT_KEYS.get(sort.removeprefix("-"))
    if key is None:
        sort, key = "country", _SORT_KEYS["country"]
    summary.countries.sort(key=key, reverse=sort.startswith("-"))
    context = exporters.page_context(
        summary, sort=sort, sort_columns=True, live=True, **_view_options(request, summary)
    )
    return render(request, "reports/summary_all.html", context)


@require_GET
@login_required
@permission_required("reports.view_publishedsummary", raise_exception=True)
@_summary_view
@in_requested_language
def summary_country(request, year: int, slug: str):
    """Show the full summary of one country for `year`, or download it."""
    fmt = _requested_format(request)
    country = get_object_or_404(Country, slug=slug)
    if (
        fmt
        and fmt != "json"
        and exportjobs.summary_in_background(year=year, country=country, fmt=fmt)
    ):
        return _summary_in_background(request, year=year, country=country, fmt=fmt)
    summary = _build_or_404(request, year=year, country=country)
    if fmt:
        return _download(summary, fmt)
    context = exporters.page_context(summary, live=True, **_view_options(request, summary))
    return render(request, "reports/summary_country.html", context)


def _publish_urls(year: int, slug: str | None) -> tuple[str, str, str]:
    """Return the summary's page, its publish check and the check's withholding address."""
    if slug:
        return (
            reverse("summary_country", args=[year, slug]),
            reverse("summary_publish_country", args=[year, slug]),
            reverse("summary_withhold_country", args=[year, slug]),
        )
    return (
        reverse("summary_all", args=[year]),
        reverse("summary_publish_all", args=[year]),
        reverse("summary_withhold_all", args=[year]),
    )


def _render_check(request, *, year, country, audience, as_of, back, form=None, status=200):
    """Show the check before publishing: what the snapshot holds, and the confirmation."""
    try:
        summary = build_summary(
            year=year, country=country, as_of=as_of, audience=audience, user=request.user
        )
    except NoNarratives as exc:
        raise Http404(str(exc)) from exc
    except BadAsOf as exc:
        messages.error(request, str(exc))
        return redirect(back)
    check = publication_check(summary, user=request.user)
    if form is None:
        form = PublishForm(initial={"sha256": check.sha256}, audience=summary.audience)
    else:
        # The confirmation always names what is shown now, whatever was posted.
        form.data = form.data.copy()
        form.data["sha256"] = check.sha256
    withhold = _publish_urls(year, country.slug if country else None)[2]
    context = exporters.page_context(
        summary,
        live=False,
        back=back,
        confirming=True,
        check=check,
        form=form,
        withhold_url=withhold,
        withhold_choices=WithholdForm.base_fields["sensitivity"].choices,
    )
    return render(request, "reports/publish_confirm.html", context, status=status)


def _publish_parameters(request, data, year: int, back):
    """Return the audience and the as-of day asked for, or a redirect saying what is wrong.

    Read by the one parser of a summary's parameters; a publication is public unless the
    reviewer chooses another audience.
    """
    asked = SummaryParametersForm(
        data, user=request.user, year=year, default_audience=Audience.PUBLIC
    )
    if not asked.is_valid():
        messages.error(request, _("Nothing was published. %(why)s") % {"why": asked.message()})
        return None, None, redirect(back)
    return asked.cleaned_data["audience"], asked.cleaned_data["as_of"], None


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("reports.publish_summary", raise_exception=True)
def summary_publish(request, year: int, slug: str | None = None):
    """Check what a summary would make public, then publish it once the reviewer confirms.

    GET lists every text and evidence item the snapshot would hold (for the public audience:
    make public), with who wrote or logged each and what it cites, then the summary itself.
    A POST publishes only with the confirmation ticked and the SHA-256 of the snapshot that
    was checked: a missing confirmation, or anything changed since, publishes nothing and
    shows the check again.
    """
    country = get_object_or_404(Country, slug=slug) if slug else None
    back = _publish_urls(year, slug)[0]
    data = request.POST if request.method == "POST" else request.GET
    audience, as_of, refusal = _publish_parameters(request, data, year, back)
    if refusal is not None:
        return refusal
    check = {"year": year, "country": country, "audience": audience, "as_of": as_of, "back": back}
    if request.method == "GET":
        return _render_check(request, **check)
    form = PublishForm(request.POST, audience=audience)
    if not form.is_valid():
        messages.info(request, _("Nothing was published: check what it holds, then confirm below."))
        return _render_check(request, **check, form=form, status=400)
    try:
        published = services.summary_publish(
            year=year,
            country=country,
            by=request.user,
            audience=audience,
            as_of=as_of,
            expected_sha256=form.cleaned_data["sha256"],
        )
    except NoNarratives as exc:
        raise Http404(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if getattr(exc, "code", None) == services.CHANGED_SINCE_CHECKED:
            return _render_check(request, **check, status=409)
        return redirect(back)
    except BadAsOf as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(
        request,
        _(
            "Published the %(year)s summary of %(scope)s for the %(audience)s audience, statuses "
            "on %(day)s (SHA-256 %(sha256)s…). It can no longer be changed."
        )
        % {
            "year": year,
            "scope": published.country or _("all countries"),
            "audience": published.get_audience_display().lower(),
            "day": long_date(published.as_of),
            "sha256": published.sha256[:12],
        },
    )
    return redirect("published_summary_detail", pk=published.pk)


@require_POST
@login_required
@permission_required("reports.publish_summary", raise_exception=True)
def summary_withhold_text(request, year: int, slug: str | None = None):
    """Make one text of the summary being checked less public, then show the check again.

    The text's own service decides (a reviewer or its author may; never more public, never
    below the evidence it cites) and records who, when, from what, to what and why.
    """
    country = get_object_or_404(Country, slug=slug) if slug else None
    form = WithholdForm(request.POST)
    here = _publish_urls(year, slug)[1]
    if not form.is_valid():
        # The hidden fields come from the page itself: a fault there is the request's.
        problems = "; ".join(
            _("%(field)s: %(errors)s")
            % {
                "field": (form.fields[name].label if name in form.fields else "")
                or _("The request"),
                "errors": " ".join(errors),
            }
            for name, errors in form.errors.items()
        )
        messages.error(request, _("Nothing was changed. %(why)s") % {"why": problems})
        return redirect(_check_address(here, request.POST))
    kind, pk = form.target
    data = form.cleaned_data
    try:
        if kind == "reason":
            change = get_object_or_404(StatusChange.objects.select_related("recommendation"), pk=pk)
            what = _("The reason of the %(reference)s status change") % {
                "reference": change.recommendation.reference
            }
            tracker_services.status_change_set_reason_sensitivity(
                change=change,
                sensitivity=data["sensitivity"],
                reason=data["reason"],
                by=request.user,
            )
        else:
            assessment = get_object_or_404(
                Assessment.objects.select_related("recommendation"), pk=pk
            )
            what = _("The narrative of the %(reference)s assessment") % {
                "reference": assessment.recommendation.reference
            }
            tracker_services.assessment_set_narrative_sensitivity(
                assessment=assessment,
                sensitivity=data["sensitivity"],
                reason=data["reason"],
                by=request.user,
            )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(
            request,
            _("Nothing was changed. %(why)s")
            % {"why": " ".join(getattr(exc, "messages", [str(exc)]))},
        )
    else:
        scope = country.name if country else _("all countries")
        messages.success(
            request,
            _(
                "%(what)s is now %(sensitivity)s: the %(year)s summary of %(scope)s states the "
                "change without its words. The change is recorded with your reason."
            )
            % {
                "what": what,
                "sensitivity": EvidenceSensitivity(data["sensitivity"]).label.lower(),
                "year": year,
                "scope": scope,
            },
        )
    return redirect(_check_address(here, request.POST))


def _check_address(url: str, data) -> str:
    """Return the check's address with the audience and day the reviewer was checking."""
    query = {key: data[key] for key in ("audience", "as_of") if data.get(key)}
    return f"{url}?{urlencode(query)}" if query else url


def _published_for(user):
    """Return the published summaries `user` may read: those of an audience open to them."""
    return PublishedSummary.objects.filter(audience__in=Audience.allowed_for(user))


def _published(request, pk: int):
    record = get_object_or_404(
        _published_for(request.user).select_related("country", "published_by"), pk=pk
    )
    summary = summary_from_dict(json.loads(record.content))
    verified = hashlib.sha256(record.content.encode("utf-8")).hexdigest() == record.sha256
    return record, summary, verified


@require_GET
@login_required
@permission_required("reports.view_publishedsummary", raise_exception=True)
@in_requested_language
def published_detail(request, pk: int):
    """Show a published summary from its frozen content, or download it."""
    record, summary, verified = _published(request, pk)
    access.record_summary_read(summary, by=request.user)
    fmt = _requested_format(request)
    if fmt == "json":
        # The frozen bytes themselves, so anyone can check them against the SHA-256.
        return _download(summary, fmt, content=record.content.encode("utf-8"))
    if fmt:
        # Rendered once, by the worker, and served from storage: the same bytes on every
        # download. Until it is stored (published before renderings were kept, or its task not
        # run yet) the download is a job for the worker: nothing is rendered in the request.
        if not exportjobs.in_stored_language():
            # The stored files are the English ones; another language is rendered on request.
            return _download(
                summary, fmt, content=exporters.export(summary, fmt) if fmt != "csv" else None
            )
        rendering = exportjobs.stored_rendering(record, fmt)
        if rendering is None:
            job, _created = tracker_services.export_job_request(
                by=request.user,
                kind=exportjobs.PUBLISHED,
                fmt=fmt,
                parameters={"published": record.pk},
                audience=record.audience,
                title=_("Published summary, %(summary)s (%(format)s)")
                % {"summary": record, "format": fmt.upper()},
            )
            return redirect(job)
        return _file_response(
            rendering.file, exporters.filename(summary, fmt), exporters.CONTENT_TYPES[fmt]
        )
    context = exporters.page_context(
        summary, record=record, verified=verified, live=False, item_links=True
    )
    return render(request, "reports/published_detail.html", context)


@require_GET
@login_required
@permission_required("reports.view_publishedsummary", raise_exception=True)
def published_compare(request, pk: int):
    """Compare a published summary with today's figures for the same scope, day and audience."""
    record, published, verified = _published(request, pk)
    try:
        current = build_summary(
            year=record.year,
            country=record.country,
            as_of=published.as_of if published.schema_version >= 2 else None,
            audience=published.audience,
            user=request.user,
        )
    except NoNarratives as exc:
        raise Http404(str(exc)) from exc
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


def _file_response(fieldfile, name: str, content_type: str) -> FileResponse:
    response = FileResponse(fieldfile.open("rb"), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
