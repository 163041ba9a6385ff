"""The recommendation list with its downloads, and the page of one recommendation.

The page of a recommendation shows one timeline of everything recorded about it and, for those
who may edit, the forms that change its status, owner and pillar.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from tiptracker.lib.dates import long_date
from tracker import exportjobs, exports, lineage, pagination, permissions, selectors, services
from tracker.filters import DEFAULT_PAGE_SIZE
from tracker.forms import OwnerForm, PillarForm, StatusForm
from tracker.models import (
    Audience,
    Evidence,
    Recommendation,
    Report,
    StatusChange,
)
from tracker.templatetags.tracker_words import sensitivity_word
from tracker.views import translation_parts
from tracker.views.rows import address_of, choice_label, labels_of

# The newest entries of the timeline shown on the page; `?timeline=all` shows every one. Each
# entry costs about half a millisecond to render, so a long history is one link away.
TIMELINE_SIZE = 25

# (GET value, column heading) of the sortable columns of the list, in display order; the
# recommendation's text follows the status, so reference, status and text read together.
_SORTABLE = [
    ("reference", _("Reference")),
    ("status", _("Status")),
    ("country", _("Country")),
    ("year", _("Year")),
    ("tier", _("Tier")),
    ("pillar", _("Pillar")),
    ("owner", _("Owner")),
]

# What a save of each part of the detail page says, whole sentences for the translators.
_SAVE_TEXTS = {
    "status": {
        "stale": _(
            "%(reference)s was changed by someone else while you were editing its status. "
            "Nothing was saved. Their change is in the timeline; your input is kept below: check "
            "it and save again to apply it."
        ),
        "unchanged": _("The status of %(reference)s was unchanged."),
        "saved": _("The status of %(reference)s was saved."),
        "invalid": _("The status was not saved: correct the form below."),
    },
    "owner": {
        "stale": _(
            "%(reference)s was changed by someone else while you were editing its owner. "
            "Nothing was saved. Their change is in the timeline; your input is kept below: check "
            "it and save again to apply it."
        ),
        "unchanged": _("The owner of %(reference)s was unchanged."),
        "saved": _("The owner of %(reference)s was saved."),
        "invalid": _("The owner was not saved: correct the form below."),
    },
    "pillar": {
        "stale": _(
            "%(reference)s was changed by someone else while you were editing its pillar. "
            "Nothing was saved. Their change is in the timeline; your input is kept below: check "
            "it and save again to apply it."
        ),
        "unchanged": _("The pillar of %(reference)s was unchanged."),
        "saved": _("The pillar of %(reference)s was saved."),
        "invalid": _("The pillar was not saved: correct the form below."),
    },
}

# Who may read a text the rule, not its writer, made internal or restricted.
_SENSITIVITY_TEXTS = {
    "reason": {
        "restricted": _(
            "The reason is restricted: it cites restricted evidence, and a text is never less "
            "sensitive than the evidence it cites. Only reviewers and you may read it."
        ),
        "other": _("The reason is %(sensitivity)s: staff may read it; it is not published."),
    },
    "narrative": {
        "restricted": _(
            "The narrative is restricted: it cites restricted evidence, and a text is never less "
            "sensitive than the evidence it cites. Only reviewers and you may read it."
        ),
        "other": _("The narrative is %(sensitivity)s: staff may read it; it is not published."),
    },
}


# A narrative's texts, which a row of the list never shows: reading them with each row's
# report cost more than the rest of the row (the narrative's whole source text, its sections
# parsed from JSON).
_REPORT_TEXTS_NOT_LISTED = (
    "report__introduction",
    "report__tier_statement",
    "report__sections",
    "report__source_text",
    "report__parse_warnings",
)


def _page_of(queryset, request, as_of=None, size=DEFAULT_PAGE_SIZE, *, keyset=True):
    """Return the requested page of `queryset`, its rows fetched in two steps.

    The database finds the page's primary keys alone (by keyset in the default order, see
    `tracker.pagination`), then the page's rows are read with their joins and flags.
    Each row's `shown_status` is its status today, or on `as_of` when one is asked for.
    """
    page = pagination.keyset_page(
        queryset.values_list("pk", flat=True),
        request,
        order=list(queryset.query.order_by),
        page_size=size,
        keyset=keyset,
    )
    pks = page.object_list
    rows = (
        selectors.recommendation_rows(request.user)
        .filter(pk__in=pks)
        .defer(*_REPORT_TEXTS_NOT_LISTED)
    )
    if as_of is not None:
        rows = rows.with_status_on(as_of)
    rows = rows.in_bulk()
    page.object_list = [rows[pk] for pk in pks]
    url = address_of("recommendation_detail")
    statuses = labels_of(Recommendation, "status")
    pillars = labels_of(Recommendation, "pillar")
    tiers = labels_of(Report, "tier")
    for rec in page.object_list:
        rec.shown_status = getattr(rec, "status_on", rec.status)
        rec.shown_status_label = choice_label(statuses, rec.shown_status)
        rec.url = url(rec.pk)
        rec.pillar_label = choice_label(pillars, rec.pillar)
        rec.tier_label = choice_label(tiers, rec.report.tier)
    return page


def _sort_links(current: str) -> list[dict[str, str]]:
    """Describe each sortable column: the value its heading links to and its current order."""
    columns = []
    for key, label in _SORTABLE:
        if current == key:
            columns.append({"key": key, "label": label, "next": f"-{key}", "aria": "ascending"})
        elif current == f"-{key}":
            columns.append({"key": key, "label": label, "next": key, "aria": "descending"})
        else:
            columns.append({"key": key, "label": label, "next": key, "aria": ""})
    return columns


# Parameters that change the page shown, not the rows a download holds.
_NOT_DOWNLOADED = {"format", "page", "cursor", "page_size"}


def _export_in_background(request, fmt: str, rows: int):
    """Record the download as a job for the worker and send the user to its page."""
    query = sorted(
        (name, value)
        for name, values in request.GET.lists()
        if name not in _NOT_DOWNLOADED
        for value in values
    )
    # The list holds everything its user may see: the widest audience open to them.
    audience = Audience.allowed_for(request.user)[-1]
    job, _created = services.export_job_request(
        by=request.user,
        kind=exportjobs.RECOMMENDATIONS,
        fmt=fmt,
        parameters={"query": query},
        audience=audience,
        title=ngettext(
            "Recommendation list, %(rows)s row (%(format)s)",
            "Recommendation list, %(rows)s rows (%(format)s)",
            rows,
        )
        % {"rows": f"{rows:,}", "format": fmt.upper()},
    )
    return redirect(job)


@require_GET
@login_required
@permission_required("tracker.view_recommendation", raise_exception=True)
def recommendation_list(request):
    """List recommendations by the filters in the URL; `?format=csv|xlsx` downloads them all."""
    listed = selectors.recommendation_list(user=request.user, params=request.GET)
    filterset, queryset = listed.filterset, listed.queryset

    download = None if listed.refused else request.GET.get("format")
    if download in ("csv", "xlsx"):
        rows = queryset.count()
        if exportjobs.too_big(rows):
            return _export_in_background(request, download, rows)
        if download == "csv":
            return exports.csv_response(queryset, request)
        return exports.xlsx_response(queryset, request)

    as_of = filterset.statuses_on()
    page = _page_of(queryset, request, as_of, filterset.page_size(), keyset=listed.keyset)
    current_sort = request.GET.get("sort", "") if "sort" not in filterset.errors else ""
    return render(
        request,
        "tracker/recommendation_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "count": page.count,
            "columns": _sort_links(current_sort),
            "current_sort": current_sort,
            "as_of": as_of,
        },
        status=400 if listed.refused else 200,
    )


def _get_recommendation_for_user(request, pk) -> Recommendation:
    """Fetch one recommendation with what its page shows; the caller's decorators check access."""
    return get_object_or_404(
        Recommendation.objects.select_related(
            "report__country", "owner", "predecessor__report__country"
        ),
        pk=pk,
    )


def _forms_for(recommendation, user, **bound):
    """Return the edit forms, unbound on the current version unless a bound one is given."""
    initial = {"version": recommendation.version}
    return {
        "status_form": bound.get("status_form")
        or StatusForm(
            initial={**initial, "status": recommendation.status},
            evidence_queryset=selectors.citable_evidence(recommendation, user),
            bounds=services.effective_date_bounds(recommendation),
        ),
        "owner_form": bound.get("owner_form")
        or OwnerForm(
            initial={
                **initial,
                "owner": recommendation.owner.get_username() if recommendation.owner else "",
            }
        ),
        "pillar_form": bound.get("pillar_form")
        or PillarForm(initial={**initial, "pillar": recommendation.pillar}),
    }


def _render_detail(request, recommendation, *, status=200, **bound):
    user = request.user
    context = {
        "rec": recommendation,
        "report": recommendation.report,
        "findings": recommendation.findings.select_related("report").order_by(
            "section", "position"
        ),
        "successors": recommendation.successors.select_related("report__country").order_by(
            "report__year", "number"
        ),
        "lineage_diff": (
            lineage.word_diff(recommendation.predecessor.text, recommendation.text)
            if recommendation.predecessor_id
            else []
        ),
    }
    show_all = request.GET.get("timeline") == "all"
    context["timeline"], context["timeline_cut"] = selectors.timeline(
        recommendation, user, limit=None if show_all else TIMELINE_SIZE
    )
    timeline_rows(context["timeline"], recommendation)
    assessments = list(recommendation.assessments.order_by("-year", "-revision"))
    context["assessments"] = assessments
    # The report's own year is always offered, so the first assessment can be started.
    context["assessment_years"] = sorted(
        {recommendation.report.year, *(a.year for a in assessments)}, reverse=True
    )
    if permissions.can_edit(user):
        context.update(_forms_for(recommendation, user, **bound))
    context.update(
        translation_parts.detail_context(request, recommendation, bound.get("translation_form"))
    )
    return render(request, "tracker/recommendation_detail.html", context, status=status)


def timeline_rows(entries, recommendation) -> None:
    """Give the timeline's entries what the `timeline-entry` partial shows, worked out once.

    Status changes get their statuses' labels, their void (or None: asking a change without
    one for its void raises, which a template pays for by listing the object's attributes) and
    the address of their void form; evidence, logged or cited, gets its address.
    """
    statuses = labels_of(StatusChange, "new_status")
    evidence_url = address_of("evidence_detail", key="uuid")
    void_url = address_of("recommendation_void_change", recommendation.pk)
    for entry in entries:
        item = entry.item
        if entry.kind == "status":
            item.old_status_label = choice_label(statuses, item.old_status)
            item.new_status_label = choice_label(statuses, item.new_status)
            try:
                item.void_record = item.void
            except ObjectDoesNotExist:
                item.void_record = None
            item.void_url = void_url(item.pk)
            for cited in item.cited:
                cited.url = evidence_url(cited.public_id)
        elif entry.kind == "evidence":
            item.url = evidence_url(item.public_id)


@require_GET
@login_required
@permission_required("tracker.view_recommendation", raise_exception=True)
def recommendation_detail(request, pk):
    """Show one recommendation in context, with its whole history."""
    recommendation = _get_recommendation_for_user(request, pk)
    return _render_detail(request, recommendation)


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put the errors a service raised on the form fields they name, or on the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _with_current_version(form_class, data, recommendation, **kwargs):
    """Rebind the user's input on the current version, so a deliberate resubmit can apply it."""
    data = data.copy()
    data["version"] = str(recommendation.version)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


def _save(request, pk, *, form_class, form_key, apply, what, **form_kwargs):
    """Validate `form_class`, apply it through the service, and answer as the page would.

    On success: a message and a redirect to the page. On a conflict: the page again, showing the
    other person's change, with the user's input kept. On invalid input: the page again with the
    errors next to the fields.
    """
    recommendation = _get_recommendation_for_user(request, pk)
    if callable(form_kwargs.get("evidence_queryset")):
        form_kwargs["evidence_queryset"] = form_kwargs["evidence_queryset"](
            recommendation, request.user
        )
    if callable(form_kwargs.get("bounds")):
        form_kwargs["bounds"] = form_kwargs["bounds"](recommendation)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            done = apply(recommendation, form.cleaned_data)
        except services.StaleVersion as exc:
            recommendation = _get_recommendation_for_user(request, pk)
            form = _with_current_version(form_class, request.POST, recommendation, **form_kwargs)
            form.add_error(None, exc.messages)
            messages.error(
                request, str(_SAVE_TEXTS[what]["stale"]) % {"reference": recommendation.reference}
            )
            return _render_detail(request, recommendation, status=409, **{form_key: form})
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            if done is None:
                messages.info(
                    request,
                    str(_SAVE_TEXTS[what]["unchanged"]) % {"reference": recommendation.reference},
                )
            else:
                messages.success(
                    request,
                    str(_SAVE_TEXTS[what]["saved"]) % {"reference": recommendation.reference},
                )
            return redirect(recommendation)
    messages.error(request, str(_SAVE_TEXTS[what]["invalid"]))
    return _render_detail(request, recommendation, status=400, **{form_key: form})


def say_text_sensitivity(request, what: str, asked: str, got: str) -> None:
    """Tell who may read the text just saved when the rule, not the user, decided it."""
    if asked:
        return
    if got == Evidence.Sensitivity.RESTRICTED:
        messages.info(request, str(_SENSITIVITY_TEXTS[what]["restricted"]))
    else:
        messages.info(
            request,
            str(_SENSITIVITY_TEXTS[what]["other"]) % {"sensitivity": sensitivity_word(got)},
        )


@require_POST
@login_required
@permission_required("tracker.change_status", raise_exception=True)
def recommendation_status(request, pk):
    """Record a status change with its reason, evidence and effective date."""

    def apply(recommendation, data):
        change = services.recommendation_set_status(
            recommendation=recommendation,
            status=data["status"],
            reason=data["reason"],
            reason_sensitivity=data["reason_sensitivity"] or None,
            evidence=data["evidence"],
            effective_date=data["effective_date"],
            by=request.user,
            expected_version=data["version"],
        )
        say_text_sensitivity(
            request, "reason", data["reason_sensitivity"], change.reason_sensitivity
        )
        return change

    return _save(
        request,
        pk,
        form_class=StatusForm,
        form_key="status_form",
        apply=apply,
        what="status",
        evidence_queryset=selectors.citable_evidence,
        bounds=services.effective_date_bounds,
    )


@require_POST
@login_required
@permission_required("tracker.change_status", raise_exception=True)
def recommendation_owner(request, pk):
    """Assign the recommendation to an owner, or to nobody."""

    def apply(recommendation, data):
        return services.recommendation_set_owner(
            recommendation=recommendation,
            owner=data["owner"],
            by=request.user,
            expected_version=data["version"],
        )

    return _save(
        request, pk, form_class=OwnerForm, form_key="owner_form", apply=apply, what="owner"
    )


@require_POST
@login_required
@permission_required("tracker.change_status", raise_exception=True)
def recommendation_pillar(request, pk):
    """Correct the pillar of the recommendation."""

    def apply(recommendation, data):
        return services.recommendation_set_pillar(
            recommendation=recommendation,
            pillar=data["pillar"],
            by=request.user,
            expected_version=data["version"],
        )

    return _save(
        request, pk, form_class=PillarForm, form_key="pillar_form", apply=apply, what="pillar"
    )


@require_POST
@login_required
@permission_required("tracker.change_status", raise_exception=True)
def recommendation_void_change(request, pk, change_pk):
    """Void a mistaken status change of this recommendation, with the reason."""
    recommendation = _get_recommendation_for_user(request, pk)
    change = get_object_or_404(StatusChange, pk=change_pk, recommendation=recommendation)
    try:
        services.status_change_void(
            change=change, reason=request.POST.get("reason", ""), by=request.user
        )
    except ValidationError as exc:
        messages.error(
            request,
            gettext("The status change was not voided: %(why)s") % {"why": " ".join(exc.messages)},
        )
    else:
        messages.success(
            request,
            gettext(
                "The status change of %(reference)s effective %(day)s was voided; the history "
                "keeps it, marked."
            )
            % {"reference": recommendation.reference, "day": long_date(change.effective_date)},
        )
    return redirect(recommendation)
