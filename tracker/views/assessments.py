"""Yearly assessments: the page of one recommendation and year, its workflow, the review queue.

An assessment goes draft → submitted → approved or returned (→ submitted again). Every step is
a service call with the version the user saw, so two people acting on one assessment never
overwrite each other; an approved assessment is frozen and changes only through a correction,
a new revision that leaves the approved one in place.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from tracker import permissions, selectors, services
from tracker.forms import AssessmentForm, AssessmentStepForm, ReviewForm
from tracker.models import (
    Assessment,
    AssessmentEvent,
    Evidence,
    Recommendation,
    TextSensitivityChange,
)
from tracker.templatetags.tracker_words import sensitivity_word
from tracker.views.recommendations import say_text_sensitivity

PAGE_SIZE = 50
_EDITABLE = {Assessment.State.DRAFT, Assessment.State.RETURNED}


def _get_recommendation_and_year(pk, year) -> Recommendation:
    """Fetch the recommendation, and refuse a year it cannot be assessed for.

    A recommendation is assessed from the year of its narrative on, and not beyond next year.
    """
    recommendation = get_object_or_404(
        Recommendation.objects.select_related("report__country", "owner"), pk=pk
    )
    if not recommendation.report.year <= year <= timezone.localdate().year + 1:
        raise Http404("A recommendation is assessed from the year of its narrative on.")
    return recommendation


def _revisions(recommendation, year, user) -> list[Assessment]:
    """Return every revision for the year, newest first, with what `user` may see of them."""
    visible = Evidence.objects.visible_to(user).order_by("-published_on", "title")
    revisions = list(
        Assessment.objects.filter(recommendation=recommendation, year=year)
        .with_narrative_visibility(user)
        .select_related("author", "reviewer")
        .prefetch_related(
            Prefetch("findings", queryset=recommendation.report.findings.order_by("id")),
            Prefetch("evidence", queryset=visible, to_attr="visible_evidence"),
            Prefetch(
                "sensitivity_changes",
                queryset=TextSensitivityChange.objects.select_related("changed_by").order_by(
                    "recorded_at", "id"
                ),
                to_attr="narrative_sensitivity_changes",
            ),
        )
        .order_by("-revision")
    )
    for revision in revisions:
        revision.recommendation = recommendation
    return revisions


def _form_querysets(recommendation, user) -> dict:
    return {
        # The findings this recommendation answers come first: those are the ones to cite.
        "finding_queryset": recommendation.report.findings.annotate(
            answers=Exists(
                Recommendation.findings.through.objects.filter(
                    recommendation_id=recommendation.pk, finding_id=OuterRef("pk")
                )
            )
        ).order_by("-answers", "section", "position"),
        "evidence_queryset": selectors.citable_evidence(recommendation, user),
    }


def _initial_form(current, recommendation, user) -> AssessmentForm:
    querysets = _form_querysets(recommendation, user)
    if current is None:
        return AssessmentForm(**querysets)
    return AssessmentForm(
        initial={
            "rating": current.rating,
            "confidence": current.confidence,
            "narrative": current.narrative,
            # Who may read it now: the floor of its citations included.
            "narrative_sensitivity": current.narrative_sensitivity_now,
            "findings": [finding.pk for finding in current.findings.all()],
            "evidence": [item.public_id for item in current.visible_evidence],
            "version": current.version,
            "revision": current.revision,
        },
        **querysets,
    )


@dataclass
class Allowed:
    """What the signed-in user may do with the current revision, and why not when they may not."""

    edit: bool = False
    submit: bool = False
    review: bool = False
    review_refusal: str = ""
    edit_refusal: str = ""
    correct: bool = False


def _allowed(user, current) -> Allowed:
    may_draft = user.has_perm("tracker.add_assessment")
    may_change = user.has_perm("tracker.change_assessment")
    if current is None:
        return Allowed(edit=may_draft)
    may_edit = may_change and current.state in _EDITABLE
    if not current.narrative_visible:
        # Nobody edits, corrects or reviews a text they may not read.
        return Allowed(
            edit_refusal=gettext(
                "The narrative is %(sensitivity)s: only its author (%(author)s) and reviewers "
                "may read or edit it."
            )
            % {
                "sensitivity": sensitivity_word(current.narrative_sensitivity_now),
                "author": current.author.get_username(),
            }
        )
    if may_edit and not permissions.may_edit_assessment(current, user):
        may_edit = False
        allowed = Allowed(
            edit_refusal=gettext(
                "Only its author (%(author)s) or the recommendation's owner may edit or submit "
                "this assessment."
            )
            % {"author": current.author.get_username()}
        )
    else:
        allowed = Allowed(edit=may_edit, submit=may_edit)
    allowed.correct = may_draft and current.state == Assessment.State.APPROVED
    if current.state == Assessment.State.SUBMITTED and user.has_perm("tracker.review_assessment"):
        allowed.review_refusal = permissions.review_refusal(current, user)
        allowed.review = not allowed.review_refusal
    return allowed


def _render_page(request, recommendation, year, *, status=200, form=None, review_form=None):
    user = request.user
    revisions = _revisions(recommendation, year, user)
    current = revisions[0] if revisions else None
    allowed = _allowed(user, current)
    events = list(
        AssessmentEvent.objects.filter(
            assessment__recommendation=recommendation, assessment__year=year
        )
        .select_related("by", "assessment")
        .order_by("-at", "-id")
    )
    for revision in revisions:
        # Everyone who shaped the revision's text, in the order they first did.
        names = [
            event.by.get_username()
            for event in reversed(events)
            if event.assessment_id == revision.pk and event.action in permissions.AUTHORING_ACTIONS
        ]
        revision.editors = list(dict.fromkeys(names))
    other_years = (
        Assessment.objects.filter(recommendation=recommendation)
        .exclude(year=year)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    context = {
        "rec": recommendation,
        "report": recommendation.report,
        "year": year,
        "current": current,
        "earlier": revisions[1:],
        "events": events,
        "other_years": other_years,
        "allowed": allowed,
        "unsaved_narrative": "",
    }
    if allowed.edit:
        context["form"] = form or _initial_form(current, recommendation, user)
    elif form is not None:
        # The assessment stopped being editable while the user wrote: show their text so
        # that it is not lost, though it cannot be saved here.
        context["unsaved_narrative"] = form.data.get("narrative", "")
    if current is not None:
        step_initial = {"version": current.version, "revision": current.revision}
        context["step_form"] = AssessmentStepForm(initial=step_initial, auto_id="step_%s")
        if allowed.review:
            context["review_form"] = review_form or ReviewForm(initial=step_initial)
    return render(request, "tracker/assessment_detail.html", context, status=status)


@require_GET
@login_required
@permission_required("tracker.view_assessment", raise_exception=True)
def assessment_detail(request, pk, year):
    """Show the assessment of one recommendation for one year, its history and its forms."""
    recommendation = _get_recommendation_and_year(pk, year)
    return _render_page(request, recommendation, year)


def _current(recommendation, year) -> Assessment | None:
    rows = Assessment.objects.filter(recommendation=recommendation, year=year)
    return rows.order_by("-revision").first()


def _stale_message(request, recommendation, year):
    messages.error(
        request,
        gettext(
            "The %(year)s assessment of %(reference)s was changed by someone else after you "
            "opened this page. Nothing was saved: their version is shown below, with your input "
            "kept in the form; check it and save again to apply it."
        )
        % {"year": year, "reference": recommendation.reference},
    )


def _rebound_on(form_data, current, recommendation, user) -> AssessmentForm:
    """Rebind the user's input on the current version, so a deliberate resubmit applies it."""
    data = form_data.copy()
    data["version"] = "" if current is None else str(current.version)
    data["revision"] = "" if current is None else str(current.revision)
    form = AssessmentForm(data, **_form_querysets(recommendation, user))
    form.is_valid()
    return form


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_POST
@login_required
@permission_required(["tracker.add_assessment", "tracker.change_assessment"], raise_exception=True)
def assessment_save(request, pk, year):
    """Save the draft: start the assessment, or change a draft or returned one."""
    recommendation = _get_recommendation_and_year(pk, year)
    user = request.user
    form = AssessmentForm(request.POST, **_form_querysets(recommendation, user))
    if not form.is_valid():
        messages.error(request, gettext("The assessment was not saved: correct the form below."))
        return _render_page(request, recommendation, year, status=400, form=form)

    data = form.cleaned_data
    current = _current(recommendation, year)
    fields = {
        "rating": data["rating"],
        "confidence": data["confidence"],
        "narrative": data["narrative"],
        "narrative_sensitivity": data["narrative_sensitivity"] or None,
        "findings": data["findings"],
        "evidence": data["evidence"],
        "by": user,
    }
    try:
        if current is None and data["version"] is None:
            saved = services.assessment_draft(recommendation=recommendation, year=year, **fields)
            done = "drafted"
        elif current is None or data["version"] is None or data["revision"] != current.revision:
            # Opened on a different revision than the one there is now.
            raise services.StaleVersion("This assessment")
        else:
            if current.state not in _EDITABLE:
                messages.error(
                    request,
                    gettext(
                        "This assessment is %(state)s and can no longer be edited. Nothing was "
                        "saved; your text is shown below."
                    )
                    % {"state": current.get_state_display().lower()},
                )
                return _render_page(request, recommendation, year, status=409, form=form)
            saved = services.assessment_update(
                assessment=current, expected_version=data["version"], **fields
            )
            done = "saved"
    except (services.StaleVersion, IntegrityError):
        return _conflict(request, recommendation, year)
    except PermissionDenied as exc:
        messages.error(request, gettext("%(refusal)s Nothing was saved.") % {"refusal": exc})
        return _render_page(request, recommendation, year, status=403)
    except ValidationError as exc:
        if _is_duplicate(exc):
            # Someone started this year's assessment while the user was writing theirs.
            return _conflict(request, recommendation, year)
        _add_errors(form, exc)
        messages.error(request, gettext("The assessment was not saved: correct the form below."))
        return _render_page(request, recommendation, year, status=400, form=form)
    done_text = (
        gettext("The %(year)s assessment of %(reference)s was drafted.")
        if done == "drafted"
        else gettext("The %(year)s assessment of %(reference)s was saved.")
    )
    messages.success(request, done_text % {"year": year, "reference": recommendation.reference})
    say_text_sensitivity(
        request, "narrative", data["narrative_sensitivity"], saved.narrative_sensitivity
    )
    return redirect(_page_url(recommendation, year))


def _conflict(request, recommendation, year):
    """Answer a save that lost a race: the other person's version, and the input kept."""
    current = _current(recommendation, year)
    _stale_message(request, recommendation, year)
    form = _rebound_on(request.POST, current, recommendation, request.user)
    return _render_page(request, recommendation, year, status=409, form=form)


def _is_duplicate(exc: ValidationError) -> bool:
    # The constraint's message, in English or in the language of the request.
    message = "One assessment per recommendation per year."
    return message in exc.messages or gettext(message) in exc.messages


def _page_url(recommendation, year) -> str:
    return reverse("assessment_detail", args=[recommendation.pk, year])


def _step(request, pk, year, form_class, apply, done_message):
    """Run one workflow step on the current revision, from the version the user saw."""
    recommendation = _get_recommendation_and_year(pk, year)
    current = _current(recommendation, year)
    if current is None:
        messages.error(
            request,
            gettext("There is no %(year)s assessment of %(reference)s.")
            % {"year": year, "reference": recommendation.reference},
        )
        return _render_page(request, recommendation, year, status=409)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Nothing was done: correct the form below."))
        review_form = form if form_class is ReviewForm else None
        return _render_page(request, recommendation, year, status=400, review_form=review_form)
    try:
        if form.cleaned_data["revision"] != current.revision:
            raise services.StaleVersion("This assessment")
        assessment = apply(current, form.cleaned_data)
    except services.StaleVersion:
        _stale_message(request, recommendation, year)
        review_form = None
        if form_class is ReviewForm:
            # Keep the reviewer's note, now on the version they can see.
            data = request.POST.copy()
            current = _current(recommendation, year)
            data["version"], data["revision"] = str(current.version), str(current.revision)
            review_form = ReviewForm(data)
        return _render_page(request, recommendation, year, status=409, review_form=review_form)
    except PermissionDenied as exc:
        messages.error(request, gettext("%(refusal)s Nothing was changed.") % {"refusal": exc})
        return _render_page(request, recommendation, year, status=403)
    except ValidationError as exc:
        if form_class is ReviewForm and hasattr(exc, "error_dict"):
            _add_errors(form, exc)
            messages.error(request, gettext("Nothing was done: correct the form below."))
            return _render_page(request, recommendation, year, status=400, review_form=form)
        messages.error(
            request,
            gettext("%(refusal)s Nothing was changed.") % {"refusal": " ".join(exc.messages)},
        )
        return _render_page(request, recommendation, year, status=409)
    messages.success(request, done_message(assessment, recommendation))
    return redirect(_page_url(recommendation, year))


@require_POST
@login_required
@permission_required("tracker.change_assessment", raise_exception=True)
def assessment_submit(request, pk, year):
    """Send the draft or returned assessment for review."""

    def apply(current, data):
        return services.assessment_submit(
            assessment=current, by=request.user, expected_version=data["version"]
        )

    return _step(
        request,
        pk,
        year,
        AssessmentStepForm,
        apply,
        lambda a, rec: (
            gettext("The %(year)s assessment of %(reference)s was submitted for review.")
            % {"year": a.year, "reference": rec.reference}
        ),
    )


@require_POST
@login_required
@permission_required("tracker.review_assessment", raise_exception=True)
def assessment_review(request, pk, year):
    """Approve the submitted assessment, or return it to its author with a note."""

    def apply(current, data):
        if data["decision"] == "approve":
            return services.assessment_approve(
                assessment=current,
                by=request.user,
                note=data["note"],
                expected_version=data["version"],
            )
        return services.assessment_return(
            assessment=current,
            by=request.user,
            note=data["note"],
            expected_version=data["version"],
        )

    def done(assessment, rec):
        if assessment.state == Assessment.State.APPROVED:
            return gettext("The %(year)s assessment of %(reference)s was approved.") % {
                "year": assessment.year,
                "reference": rec.reference,
            }
        return gettext(
            "The %(year)s assessment of %(reference)s was returned to %(author)s with your note."
        ) % {
            "year": assessment.year,
            "reference": rec.reference,
            "author": assessment.author.get_username(),
        }

    return _step(request, pk, year, ReviewForm, apply, done)


@require_POST
@login_required
@permission_required("tracker.add_assessment", raise_exception=True)
def assessment_correct(request, pk, year):
    """Open a correction of the approved assessment: a new draft revision."""

    def apply(current, data):
        if current.version != data["version"]:
            raise services.StaleVersion("This assessment")
        return services.assessment_correct(assessment=current, by=request.user)

    return _step(
        request,
        pk,
        year,
        AssessmentStepForm,
        apply,
        lambda a, rec: (
            gettext(
                "Revision %(revision)s of the %(year)s assessment of %(reference)s was opened as "
                "a draft; revision %(previous)s stays approved until this one is."
            )
            % {
                "revision": a.revision,
                "year": a.year,
                "reference": rec.reference,
                "previous": a.revision - 1,
            }
        ),
    )


@require_GET
@login_required
@permission_required("tracker.review_assessment", raise_exception=True)
def assessment_queue(request):
    """List the assessments waiting for review, oldest submission first."""
    took_part = AssessmentEvent.objects.filter(
        assessment=OuterRef("pk"), by=request.user, action__in=permissions.AUTHORING_ACTIONS
    )
    rows = (
        Assessment.objects.filter(state=Assessment.State.SUBMITTED)
        .annotate(took_part=Exists(took_part))
        .select_related("recommendation__report__country", "author")
        .order_by("submitted_at", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tracker/assessment_queue.html",
        {"page_obj": page, "count": page.paginator.count},
    )
