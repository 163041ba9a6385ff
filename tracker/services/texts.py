"""Who may read a free text after it was written: a status change's reason, an assessment's
narrative. A text is made public only where it is written (its own form); afterwards its author
or a reviewer may make it less public, for instance at the check before publishing."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from tracker.models import (
    Assessment,
    EvidenceSensitivity,
    StatusChange,
    TextSensitivityChange,
    sensitivity_rank,
)
from tracker.services.base import SENSITIVITY_WORDS, _bump_version, _require, _text_sensitivity


def _check_change(*, current: str, sensitivity: str, reason: str, author_id, by, what, cited):
    """Refuse a change of a text's sensitivity that the rules do not allow; return the reason.

    Only its author or a reviewer may change it; a reason for the change is required; it
    never goes below the floor of the evidence cited, and never becomes more public here.
    """
    if by.pk != author_id and not by.has_perm("tracker.review_assessment"):
        raise PermissionDenied(str(_TEXT_REFUSALS[what]["author"]))
    if sensitivity not in EvidenceSensitivity.values:
        raise ValidationError(
            {
                "sensitivity": gettext("Unknown sensitivity %(value)s.")
                % {"value": repr(sensitivity)}
            }
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": str(_TEXT_REFUSALS[what]["reason"])})
    _text_sensitivity(sensitivity, cited, by, field="sensitivity", what=what)
    if sensitivity_rank(sensitivity) < sensitivity_rank(current):
        raise ValidationError(
            {
                "sensitivity": _TEXT_REFUSALS[what]["more public"]
                % {"sensitivity": SENSITIVITY_WORDS[current]}
            }
        )
    return reason


@transaction.atomic
def status_change_set_reason_sensitivity(
    *, change: StatusChange, sensitivity: str, reason: str, by
) -> TextSensitivityChange | None:
    """Make a status change's reason less public (internal or restricted), with the reason.

    The change itself is never updated: the record of this one is what every read of the
    reason's sensitivity finds from now on (`StatusChange.objects.with_reason_sensitivity`).
    Return None when it already has that sensitivity.
    """
    _require(by, "tracker.change_status", gettext("You may not change who may read a reason."))
    change = (
        StatusChange.objects.select_for_update(of=("self",))
        .with_reason_sensitivity()
        .get(pk=change.pk)
    )
    current = change.reason_sensitivity_now
    reason = _check_change(
        current=current,
        sensitivity=sensitivity,
        reason=reason,
        author_id=change.changed_by_id,
        by=by,
        what="reason",
        cited=change.evidence.values_list("pk", flat=True),
    )
    if sensitivity == current:
        return None
    return TextSensitivityChange.objects.create(
        status_change=change,
        old_sensitivity=current,
        new_sensitivity=sensitivity,
        reason=reason,
        changed_by=by,
    )


@transaction.atomic
def assessment_set_narrative_sensitivity(
    *,
    assessment: Assessment,
    sensitivity: str,
    reason: str,
    by,
    expected_version: int | None = None,
) -> TextSensitivityChange | None:
    """Make an assessment's narrative less public (internal or restricted), with the reason.

    Whatever the assessment's state: an approved one keeps its words and its rating, and only
    who may read them changes. Return None when it already has that sensitivity.
    """
    _require(by, "tracker.change_status", gettext("You may not change who may read a narrative."))
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .with_narrative_sensitivity()
        .get(pk=assessment.pk)
    )
    current = assessment.narrative_sensitivity_now
    reason = _check_change(
        current=current,
        sensitivity=sensitivity,
        reason=reason,
        author_id=assessment.author_id,
        by=by,
        what="narrative",
        cited=assessment.evidence.values_list("pk", flat=True),
    )
    if sensitivity == current:
        return None
    _bump_version(
        Assessment,
        assessment.pk,
        expected_version,
        "This assessment",
        narrative_sensitivity=sensitivity,
    )
    return TextSensitivityChange.objects.create(
        assessment=assessment,
        old_sensitivity=current,
        new_sensitivity=sensitivity,
        reason=reason,
        changed_by=by,
    )


# What is refused about a text's readers, by text ("reason", "narrative").
_TEXT_REFUSALS = {
    "reason": {
        "author": gettext_lazy(
            "Only the author of this reason or a reviewer may change who may read it."
        ),
        "reason": gettext_lazy("Say why this reason should be read by fewer people."),
        "more public": gettext_lazy(
            "This reason is %(sensitivity)s. A text is made more public only where it is "
            "written, in its own form; here it can only be made less public."
        ),
    },
    "narrative": {
        "author": gettext_lazy(
            "Only the author of this narrative or a reviewer may change who may read it."
        ),
        "reason": gettext_lazy("Say why this narrative should be read by fewer people."),
        "more public": gettext_lazy(
            "This narrative is %(sensitivity)s. A text is made more public only where it is "
            "written, in its own form; here it can only be made less public."
        ),
    },
}
