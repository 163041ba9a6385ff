"""The assessment workflow: draft, edit, submit, approve or return, and correct."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from tracker import notifications
from tracker.models import (
    Assessment,
    AssessmentEvent,
    Evidence,
    Recommendation,
    TextSensitivityChange,
    visibility,
)
from tracker.permissions import may_edit_assessment, review_refusal
from tracker.services.base import (
    SENSITIVITY_WORDS,
    _bump_version,
    _check_citations,
    _require,
    _text_sensitivity,
)


def _assessment_event(assessment, action, from_state, by, note="") -> None:
    AssessmentEvent.objects.create(
        assessment=assessment,
        action=action,
        from_state=from_state,
        to_state=assessment.state,
        note=note,
        by=by,
    )


def _set_citations(assessment, findings, evidence, by) -> None:
    findings = None if findings is None else list(findings)
    evidence = None if evidence is None else list(evidence)
    _check_citations(assessment.recommendation, by, evidence=evidence or (), findings=findings)
    if findings is not None:
        assessment.findings.set(findings)
    if evidence is not None:
        # Citations the editor cannot see were made by someone who could: an edit keeps them.
        hidden = assessment.evidence.exclude(pk__in=Evidence.objects.visible_to(by).values("pk"))
        assessment.evidence.set([*evidence, *hidden])


@transaction.atomic
def assessment_draft(
    *,
    recommendation: Recommendation,
    year: int,
    by,
    rating: str,
    confidence: str,
    narrative: str = "",
    findings=None,
    evidence=None,
    narrative_sensitivity: str | None = None,
) -> Assessment:
    """Start the assessment of `recommendation` for `year` as a draft by `by`.

    `narrative_sensitivity` says who may read the narrative; left out, it is internal, or
    restricted when the narrative cites restricted evidence. One below the most sensitive
    evidence cited is refused.
    """
    _require(by, "tracker.add_assessment", gettext("You may not draft assessments."))
    evidence = None if evidence is None else list(evidence)
    assessment = Assessment(
        recommendation=recommendation,
        year=year,
        rating=rating,
        confidence=confidence,
        narrative=narrative,
        narrative_sensitivity=_text_sensitivity(
            narrative_sensitivity,
            [item.pk for item in evidence or ()],
            by,
            field="narrative_sensitivity",
            what="narrative",
        ),
        author=by,
    )
    assessment.full_clean()
    assessment.save()
    _set_citations(assessment, findings, evidence, by)
    _assessment_event(assessment, "drafted", "", by)
    return assessment


_EDITABLE_STATES = {Assessment.State.DRAFT, Assessment.State.RETURNED}


@transaction.atomic
def assessment_update(
    *,
    assessment: Assessment,
    by,
    rating: str,
    confidence: str,
    narrative: str,
    findings=None,
    evidence=None,
    expected_version: int | None = None,
    narrative_sensitivity: str | None = None,
) -> Assessment:
    """Change a draft or returned assessment; submitted and approved ones are not editable.

    `narrative_sensitivity` is decided as in `assessment_draft`, over every citation the
    assessment keeps (those the editor cannot see included); a change of it is recorded.
    """
    _require(by, "tracker.change_assessment", gettext("You may not edit assessments."))
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("author", "recommendation")
        .get(pk=assessment.pk)
    )
    _check_editor(assessment, by, "edit")
    _check_narrative_readable(assessment, by)
    if assessment.state not in _EDITABLE_STATES:
        raise ValidationError(
            gettext("This assessment is %(state)s and cannot be edited.")
            % {"state": assessment.get_state_display().lower()}
        )
    probe = Assessment(
        recommendation_id=assessment.recommendation_id,
        year=assessment.year,
        revision=assessment.revision,
        supersedes_id=assessment.supersedes_id,
        rating=rating,
        confidence=confidence,
        narrative=narrative,
        author_id=assessment.author_id,
        state=assessment.state,
    )
    probe.full_clean(validate_unique=False, validate_constraints=False)
    _bump_version(
        Assessment,
        assessment.pk,
        expected_version,
        "This assessment",
        rating=rating,
        confidence=confidence,
        narrative=narrative,
    )
    assessment.refresh_from_db()
    _set_citations(assessment, findings, evidence, by)
    old_sensitivity = assessment.narrative_sensitivity
    sensitivity = _text_sensitivity(
        narrative_sensitivity,
        assessment.evidence.values_list("pk", flat=True),
        by,
        field="narrative_sensitivity",
        what="narrative",
    )
    if sensitivity != old_sensitivity:
        Assessment.objects.filter(pk=assessment.pk).update(narrative_sensitivity=sensitivity)
        assessment.narrative_sensitivity = sensitivity
        TextSensitivityChange.objects.create(
            assessment=assessment,
            old_sensitivity=old_sensitivity,
            new_sensitivity=sensitivity,
            reason="Set in the assessment's own form, with the narrative.",
            changed_by=by,
        )
    _assessment_event(assessment, "edited", assessment.state, by)
    return assessment


def _check_narrative_readable(assessment: Assessment, by) -> None:
    """Refuse an edit by someone who may not read the narrative they would overwrite."""
    current = (
        Assessment.objects.with_narrative_sensitivity()
        .values_list("narrative_sensitivity_now", flat=True)
        .get(pk=assessment.pk)
    )
    if not visibility(by).allows(current, assessment.author_id):
        raise PermissionDenied(
            gettext(
                "This narrative is %(sensitivity)s: only its author (%(author)s) or a reviewer "
                "may edit it."
            )
            % {
                "sensitivity": SENSITIVITY_WORDS[current],
                "author": assessment.author.get_username(),
            }
        )


def _transition(
    assessment, *, by, to_state, allowed_from, action, expected_version, note="", **changes
) -> Assessment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    from_state = assessment.state
    if from_state not in allowed_from:
        raise ValidationError(
            _TRANSITION_REFUSALS[action] % {"state": assessment.get_state_display().lower()}
        )
    _bump_version(
        Assessment, assessment.pk, expected_version, "This assessment", state=to_state, **changes
    )
    assessment.refresh_from_db()
    _assessment_event(assessment, action, from_state, by, note)
    return assessment


@transaction.atomic
def assessment_submit(
    *, assessment: Assessment, by, expected_version: int | None = None
) -> Assessment:
    """Send a draft or returned assessment for review."""
    _require(by, "tracker.change_assessment", gettext("You may not submit assessments."))
    current = Assessment.objects.select_related("author", "recommendation").get(pk=assessment.pk)
    _check_editor(current, by, "submit")
    assessment = _transition(
        assessment,
        by=by,
        to_state=Assessment.State.SUBMITTED,
        allowed_from=_EDITABLE_STATES,
        action="submitted",
        expected_version=expected_version,
        submitted_at=timezone.now(),
    )
    notifications.assessment_submitted(assessment, by=by)
    return assessment


def _check_reviewer(assessment, by) -> None:
    _require(by, "tracker.review_assessment", gettext("You may not review assessments."))
    refusal = review_refusal(Assessment.objects.get(pk=assessment.pk), by)
    if refusal:
        raise PermissionDenied(refusal)


def _review(assessment, by, to_state, action, note, expected_version) -> Assessment:
    assessment = _transition(
        assessment,
        by=by,
        to_state=to_state,
        allowed_from={Assessment.State.SUBMITTED},
        action=action,
        expected_version=expected_version,
        note=note,
        reviewer=by,
        review_note=note,
        reviewed_at=timezone.now(),
    )
    notifications.assessment_reviewed(assessment, by=by)
    return assessment


@transaction.atomic
def assessment_approve(
    *, assessment: Assessment, by, note: str = "", expected_version: int | None = None
) -> Assessment:
    """Approve a submitted assessment; it is frozen from then on."""
    _check_reviewer(assessment, by)
    return _review(assessment, by, Assessment.State.APPROVED, "approved", note, expected_version)


@transaction.atomic
def assessment_return(
    *, assessment: Assessment, by, note: str, expected_version: int | None = None
) -> Assessment:
    """Return a submitted assessment to its author with a note saying what to change."""
    _check_reviewer(assessment, by)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"review_note": gettext("Say what the author should change.")})
    return _review(assessment, by, Assessment.State.RETURNED, "returned", note, expected_version)


@transaction.atomic
def assessment_correct(*, assessment: Assessment, by) -> Assessment:
    """Open a correction of an approved assessment: a new draft revision; the original stays."""
    _require(by, "tracker.add_assessment", gettext("You may not correct assessments."))
    original = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("author")
        .get(pk=assessment.pk)
    )
    # Its author is whoever opens it, so only someone who may read the narrative may.
    _check_narrative_readable(original, by)
    if original.state != Assessment.State.APPROVED:
        raise ValidationError(
            gettext("Only an approved assessment is corrected; edit this one instead.")
        )
    if Assessment.objects.filter(supersedes=original).exists():
        raise ValidationError(gettext("A correction of this assessment already exists."))
    correction = Assessment.objects.create(
        recommendation=original.recommendation,
        year=original.year,
        revision=original.revision + 1,
        supersedes=original,
        rating=original.rating,
        confidence=original.confidence,
        narrative=original.narrative,
        narrative_sensitivity=original.narrative_sensitivity,
        author=by,
    )
    correction.findings.set(original.findings.all())
    correction.evidence.set(original.evidence.all())
    _assessment_event(
        correction, "correction opened", "", by, f"Corrects revision {original.revision}."
    )
    return correction


def _check_editor(assessment: Assessment, by, action: str) -> None:
    if not may_edit_assessment(assessment, by):
        raise PermissionDenied(
            _EDITOR_REFUSALS[action] % {"author": assessment.author.get_username()}
        )


# The refusals of a step from the wrong state, by step (the audit's word for it).
_TRANSITION_REFUSALS = {
    "submitted": gettext_lazy("An assessment that is %(state)s cannot be submitted."),
    "approved": gettext_lazy("An assessment that is %(state)s cannot be approved."),
    "returned": gettext_lazy("An assessment that is %(state)s cannot be returned."),
}
_EDITOR_REFUSALS = {
    "edit": gettext_lazy(
        "Only the author of this assessment (%(author)s) or the recommendation's owner may edit it."
    ),
    "submit": gettext_lazy(
        "Only the author of this assessment (%(author)s) or the recommendation's owner may "
        "submit it."
    ),
}
