"""Evidence: log a source against recommendations, list and read what was logged, download files.

Restricted evidence exists, for everyone else, only for reviewers and its author: elsewhere it
answers 404, as if it did not exist.
"""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tiptracker.lib import inputs
from tracker import pagination, permissions, services, uploads
from tracker.filters import EvidenceFilterSet, search_refused
from tracker.forms import EvidenceEditForm, EvidenceForm
from tracker.models import Assessment, Evidence, Recommendation, StatusChange
from tracker.views.rows import address_of, choice_label, labels_of

# Restricted items list the newest views and downloads on their page.
ACCESS_SHOWN = 100
logger = logging.getLogger(__name__)

# Enough to choose from by eye; a narrower reference finds the rest.
MAX_RECOMMENDATION_CHOICES = 150

_RECOMMENDATIONS_SHOWN = Prefetch(
    "recommendations",
    queryset=Recommendation.objects.select_related("report__country").order_by(
        "report__country__name", "-report__year", "number"
    ),
)

# The list shows of each recommendation its reference, its country and its year, a link to it:
# the rest of each row (its text, its report's narrative) is left unread.
_RECOMMENDATIONS_LISTED = Prefetch(
    "recommendations",
    queryset=Recommendation.objects.select_related("report__country")
    .only("pk", "reference", "report__year", "report__country__name")
    .order_by("report__country__name", "-report__year", "number"),
)


def _get_evidence_for_user(request, public_id) -> Evidence:
    """Fetch one item `request.user` may see, or answer 404 as if it did not exist."""
    return get_object_or_404(
        Evidence.objects.visible_to(request.user).select_related("logged_by"),
        public_id=public_id,
    )


@require_GET
@login_required
@permission_required("tracker.view_evidence", raise_exception=True)
def evidence_list(request):
    """List the evidence the user may see, by the filters in the URL."""
    queryset = Evidence.objects.visible_to(request.user).select_related("logged_by")
    filterset = EvidenceFilterSet(request.GET, queryset=queryset, user=request.user)
    rows = filterset.qs.prefetch_related(_RECOMMENDATIONS_LISTED)
    refused = search_refused(filterset)
    if refused:
        rows = rows.none()
    page = pagination.keyset_page(
        rows,
        request,
        order=["-logged_at", "-pk"],
        page_size=filterset.page_size(),
        cursor_field="public_id",
    )
    # The list shows each item's title and summary: the restricted ones are recorded as read.
    services.evidence_record_reads(items=page.object_list, by=request.user, action="list")
    _label_rows(page.object_list)
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
    return render(
        request,
        "tracker/evidence_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "count": page.count,
            "query": query.urlencode(),
        },
        status=400 if refused else 200,
    )


def _label_rows(items) -> None:
    """Give each listed item, and each recommendation it bears on, what its row shows."""
    evidence_url = address_of("evidence_detail", key="uuid")
    recommendation_url = address_of("recommendation_detail")
    sensitivities = labels_of(Evidence, "sensitivity")
    sources = labels_of(Evidence, "source_type")
    directions = labels_of(Evidence, "direction")
    for item in items:
        item.url = evidence_url(item.public_id)
        item.sensitivity_label = choice_label(sensitivities, item.sensitivity)
        item.source_type_label = choice_label(sources, item.source_type)
        item.direction_label = choice_label(directions, item.direction)
        for rec in item.recommendations.all():
            rec.url = recommendation_url(rec.pk)


@require_GET
@login_required
@permission_required("tracker.view_evidence", raise_exception=True)
def evidence_detail(request, public_id):
    """Show one item of evidence, the recommendations it bears on and where it was cited."""
    evidence = get_object_or_404(
        Evidence.objects.visible_to(request.user)
        .select_related("logged_by")
        .prefetch_related(_RECOMMENDATIONS_SHOWN),
        public_id=public_id,
    )
    status_changes = StatusChange.objects.filter(evidence=evidence).select_related(
        "recommendation", "changed_by", "void"
    )
    assessments = (
        Assessment.objects.filter(evidence=evidence)
        .select_related("recommendation", "author")
        .order_by("-year", "recommendation__reference", "-revision")
    )
    may_change = not evidence.is_withdrawn and permissions.may_change_evidence(
        evidence, request.user
    )
    services.evidence_record_access(evidence=evidence, by=request.user, action="view")
    accesses = None
    if evidence.is_restricted and request.user.has_perm("tracker.view_restricted_evidence"):
        # Who saw it, newest first; the view just recorded is the first line.
        accesses = evidence.accesses.select_related("user").order_by("-at", "-id")[:ACCESS_SHOWN]
    return render(
        request,
        "tracker/evidence_detail.html",
        {
            "evidence": evidence,
            "status_changes": status_changes,
            "assessments": assessments,
            "may_withdraw": may_change,
            "may_edit": may_change,
            "edits": evidence.edits.select_related("changed_by").order_by("-recorded_at", "-id"),
            "accesses": accesses,
            "access_shown": ACCESS_SHOWN,
        },
    )


@require_POST
@login_required
@permission_required("tracker.add_evidence", raise_exception=True)
def evidence_withdraw(request, public_id):
    """Withdraw an item of evidence with a reason: it stays, marked, and stops counting."""
    evidence = _get_evidence_for_user(request, public_id)
    try:
        services.evidence_withdraw(
            evidence=evidence, reason=request.POST.get("reason", ""), by=request.user
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(
            request,
            gettext("The evidence was not withdrawn: %(why)s") % {"why": " ".join(exc.messages)},
        )
    else:
        messages.success(
            request,
            gettext("The evidence was withdrawn. It is kept, marked, and no longer counted."),
        )
    return redirect(evidence)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("tracker.add_evidence", raise_exception=True)
def evidence_edit(request, public_id):
    """Correct an item: its description, direction and links; what will change; the write."""
    evidence = _get_evidence_for_user(request, public_id)
    if not permissions.may_change_evidence(evidence, request.user):
        raise PermissionDenied(gettext("Only the analyst who logged it or a reviewer may edit it."))
    if evidence.is_withdrawn:
        messages.error(
            request, gettext("Withdrawn evidence cannot be edited: it is kept as it was.")
        )
        return redirect(evidence)
    linked = list(evidence.recommendations.select_related("report__country"))
    # The choices: what it is linked to, the other items of their country, and what is found.
    around = linked[0] if linked else None
    if request.method != "POST":
        initial = {name: getattr(evidence, name) for name in services.EVIDENCE_EDITABLE_FIELDS}
        choices, cut = recommendation_choices(
            preselected=around,
            find=request.GET.get("find", ""),
            selected=[rec.pk for rec in linked],
        )
        form = EvidenceEditForm(
            initial={
                **initial,
                "recommendations": [rec.pk for rec in linked],
                "version": evidence.version,
                "reason": "",
            },
            recommendation_queryset=choices,
        )
        return _render_edit(request, evidence, form, cut=cut)

    selected = _selected_ids(request.POST.getlist("recommendations"))
    choices, cut = recommendation_choices(
        preselected=around,
        find=request.POST.get("find", ""),
        selected=[*selected, *(rec.pk for rec in linked)],
    )
    if "find_recommendations" in request.POST:
        # Finding recommendations is not saving: show the form again with what was typed.
        initial = {name: request.POST.get(name, "") for name in EvidenceEditForm.base_fields}
        initial["recommendations"] = selected
        form = EvidenceEditForm(initial=initial, recommendation_queryset=choices)
        return _render_edit(request, evidence, form, cut=cut)
    form = EvidenceEditForm(request.POST, recommendation_queryset=choices)
    if not form.is_valid():
        messages.error(request, gettext("The evidence was not changed: correct the form below."))
        return _render_edit(request, evidence, form, cut=cut, status=400)
    changes = form.changes(evidence)
    if not changes:
        messages.info(
            request, gettext("Nothing differs from what is recorded, so nothing was changed.")
        )
        return _render_edit(request, evidence, form, cut=cut)
    if "confirm" not in request.POST:
        # Show, field by field, what saving would change; the reader confirms or goes back.
        return _render_edit(
            request, evidence, form, cut=cut, changes=_change_rows(form, evidence, linked, changes)
        )
    try:
        edits = services.evidence_edit(
            evidence=evidence,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            **changes,
        )
    except ValidationError as exc:
        _add_service_errors(form, exc)
        messages.error(
            request,
            gettext("The evidence was not changed: %(why)s") % {"why": " ".join(exc.messages)},
        )
        stale = isinstance(exc, services.StaleVersion)
        return _render_edit(request, evidence, form, cut=cut, status=409 if stale else 400)
    count = len(edits)
    messages.success(
        request,
        ngettext(
            "The evidence was corrected (%(count)s field); the change is in its history below.",
            "The evidence was corrected (%(count)s fields); the change is in its history below.",
            count,
        )
        % {"count": count},
    )
    return redirect(evidence)


def _change_rows(form, evidence, linked, changes) -> list[tuple[str, list[str], list[str]]]:
    """Return what saving would change, as (field, lines now, lines after) for the preview."""
    rows = []
    for name, value in changes.items():
        if name == "recommendations":
            before = {rec.pk: rec.reference for rec in linked}
            after = {rec.pk: rec.reference for rec in value}
            added = sorted(after[pk] for pk in after.keys() - before.keys())
            removed = sorted(before[pk] for pk in before.keys() - after.keys())
            lines = [gettext("Added: %(items)s") % {"items": ", ".join(added)}] if added else []
            if removed:
                lines.append(gettext("Removed: %(items)s") % {"items": ", ".join(removed)})
            rows.append((form.fields[name].label, sorted(before.values()), lines))
            continue
        old = getattr(evidence, name)
        field = form.fields[name]
        if isinstance(field, forms.ChoiceField):
            labels = dict(field.choices)
            old, value = labels.get(old, old), labels.get(value, value)
        rows.append((field.label, [old] if old else [], [value] if value else []))
    return rows


def _render_edit(request, evidence, form, *, cut=False, changes=None, status=200):
    return render(
        request,
        "tracker/evidence_edit.html",
        {
            "evidence": evidence,
            "form": form,
            "changes": changes,
            "choices_cut": cut,
            "max_choices": MAX_RECOMMENDATION_CHOICES,
        },
        status=status,
    )


@require_GET
@login_required
@permission_required("tracker.view_evidence", raise_exception=True)
def evidence_file(request, public_id):
    """Send the file of an item the user may see, always as a download, never shown inline."""
    evidence = _get_evidence_for_user(request, public_id)
    response = uploads.download_response(evidence)
    services.evidence_record_access(evidence=evidence, by=request.user, action="download")
    return response


@require_GET
@login_required
@permission_required("tracker.view_evidence", raise_exception=True)
def evidence_by_id(request, pk):
    """Open an item by the id its old address carried, for those who see every item only.

    For anyone else every such address is not found, whether or not the item exists: a reader
    who may not see restricted items could otherwise count them by trying ids in turn.
    """
    if not request.user.has_perm("tracker.view_restricted_evidence"):
        raise Http404("Evidence is found by its public identifier.")
    evidence = get_object_or_404(Evidence.objects.only("public_id"), pk=pk)
    return redirect(evidence)


def _selected_ids(values) -> list[int]:
    """Return the recommendation ids posted; refuse one that is no id (BadInput)."""
    return [inputs.record_id(value, name="recommendations") for value in values if value]


def recommendation_choices(*, preselected=None, find="", selected=()):
    """Return the recommendations the evidence form offers, and whether the list was cut.

    They are those already chosen, those of the preselected recommendation's country, and
    those whose reference (or country) contains `find`; never the whole table, which at full
    scale holds tens of thousands.
    """
    condition = Q(pk__in=list(selected))
    if preselected is not None:
        condition |= Q(report__country_id=preselected.report.country_id)
    find = find.strip()
    if find:
        condition |= Q(reference__icontains=find) | Q(report__country__name__icontains=find)
    if condition == Q(pk__in=[]):
        return Recommendation.objects.none(), False
    queryset = (
        Recommendation.objects.filter(condition)
        .select_related("report__country")
        .order_by("report__country__name", "-report__year", "number")
    )
    count = queryset.count()
    if count <= MAX_RECOMMENDATION_CHOICES:
        return queryset, False
    keep = [*selected, *queryset.values_list("pk", flat=True)[:MAX_RECOMMENDATION_CHOICES]]
    return queryset.filter(pk__in=keep), True


def _preselected(request) -> Recommendation | None:
    value = request.GET.get("recommendation", "")
    if not value:
        return None
    pk = inputs.record_id(value, name="recommendation")
    return Recommendation.objects.select_related("report__country").filter(pk=pk).first()


@csrf_exempt
def evidence_new(request):
    """Take the upload names as sent before anything parses the form; then the real view.

    CSRF is checked by `_evidence_new` itself: the middleware would parse the upload first.
    """
    record = uploads.record_upload(request)
    return _evidence_new(request, record)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("tracker.add_evidence", raise_exception=True)
@csrf_protect
def _evidence_new(request, record):
    """Log evidence: the form, and on POST the check of the file and the write."""
    preselected = _preselected(request)
    if request.method != "POST":
        selected = [preselected.pk] if preselected else []
        choices, cut = recommendation_choices(
            preselected=preselected, find=request.GET.get("find", ""), selected=selected
        )
        form = EvidenceForm(
            initial={"recommendations": selected, "find": request.GET.get("find", "")},
            recommendation_queryset=choices,
        )
        return _render_new(request, form, preselected, cut)

    selected = _selected_ids(request.POST.getlist("recommendations"))
    choices, cut = recommendation_choices(
        preselected=preselected, find=request.POST.get("find", ""), selected=selected
    )
    form = EvidenceForm(
        request.POST,
        request.FILES,
        recommendation_queryset=choices,
        upload_record=record,
    )
    if "find_recommendations" in request.POST:
        # Finding recommendations is not saving: show the form again with what was typed.
        if request.FILES or record.raw_names:
            messages.info(
                request,
                gettext(
                    "Browsers cannot keep a chosen file across a page load: choose the file "
                    "again before you save."
                ),
            )
        form = EvidenceForm(initial=_initial_from(request.POST), recommendation_queryset=choices)
        return _render_new(request, form, preselected, cut)

    if form.is_valid():
        data = form.cleaned_data
        try:
            evidence = services.evidence_log(
                by=request.user,
                title=data["title"],
                summary=data["summary"],
                source_type=data["source_type"],
                source_name=data["source_name"],
                url=data["url"],
                published_on=data["published_on"],
                accessed_on=data["accessed_on"],
                quote=data["quote"],
                sensitivity=data["sensitivity"],
                direction=data["direction"],
                recommendations=data["recommendations"],
                file=data["file"],
                file_type=form.file_kind.mime if form.file_kind else "",
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            count = len(data["recommendations"])
            messages.success(
                request,
                ngettext(
                    "Evidence “%(title)s” was logged against %(count)s recommendation.",
                    "Evidence “%(title)s” was logged against %(count)s recommendations.",
                    count,
                )
                % {"title": evidence.title, "count": count},
            )
            return redirect(evidence)

    message = gettext("The evidence was not saved: correct the form below.")
    if request.FILES or record.raw_names:
        message = gettext(
            "The evidence was not saved: correct the form below. Browsers cannot keep a chosen "
            "file across a page load: choose it again."
        )
    messages.error(request, message)
    return _render_new(request, form, preselected, cut, status=400)


def _add_service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _initial_from(data) -> dict:
    """Return posted input as a form's initial values, to show it again without errors."""
    initial = {name: data.get(name, "") for name in EvidenceForm.base_fields}
    initial["recommendations"] = _selected_ids(data.getlist("recommendations"))
    initial.pop("file")
    return initial


def _render_new(request, form, preselected, cut, *, status=200):
    return render(
        request,
        "tracker/evidence_form.html",
        {
            "form": form,
            "preselected": preselected,
            "choices_cut": cut,
            "max_choices": MAX_RECOMMENDATION_CHOICES,
        },
        status=status,
    )
