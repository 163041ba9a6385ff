"""Writes to evidence: logging it, correcting its description, direction, links or sensitivity,
withdrawing it, and recording who read a restricted item."""

import datetime
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, pgettext

from tiptracker.lib.dates import long_date
from tracker import uploads
from tracker.bulk import insert_rows
from tracker.models import (
    Assessment,
    Evidence,
    EvidenceAccess,
    EvidenceEdit,
    StatusChange,
)
from tracker.permissions import may_change_evidence
from tracker.services.base import StaleVersion, _bump_version, _clip, _require


def file_sha256(fileobj) -> str:
    """Return the SHA-256 of an open file, reading it in chunks and rewinding it."""
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


@transaction.atomic
def evidence_log(
    *,
    by,
    title: str,
    source_type: str,
    direction: str,
    recommendations,
    sensitivity: str = Evidence.Sensitivity.INTERNAL,
    summary: str = "",
    source_name: str = "",
    url: str = "",
    published_on: datetime.date | None = None,
    accessed_on: datetime.date | None = None,
    quote: str = "",
    file=None,
    file_type: str = "",
) -> Evidence:
    """Log a piece of evidence against one or more recommendations.

    `file` is checked again here (name, size, type by content), whatever the entry point; the
    type recorded is the one its content shows, whatever `file_type` says. Its bytes are stored
    under a random name and their SHA-256 recorded.
    """
    _require(by, "tracker.add_evidence", gettext("You may not log evidence."))
    recommendations = list(recommendations)
    if not recommendations:
        raise ValidationError(
            {
                "recommendations": gettext(
                    "Choose at least one recommendation this evidence bears on."
                )
            }
        )
    evidence = Evidence(
        title=title,
        summary=summary,
        source_type=source_type,
        source_name=source_name,
        url=url,
        published_on=published_on,
        accessed_on=accessed_on,
        quote=quote,
        sensitivity=sensitivity,
        direction=direction,
        logged_by=by,
    )
    if file is not None:
        file_type = uploads.check_upload(file).mime
        evidence.file_sha256 = file_sha256(file)
        evidence.file_size = file.size
        evidence.file_name = (getattr(file, "name", "") or "")[-255:]
        evidence.file_type = file_type
    # Validate before the bytes are stored, so refused input leaves no file behind.
    evidence.full_clean(exclude=["file", "recommendations"])
    if file is not None:
        evidence.file.save(evidence.file_name or "upload", file, save=False)
    try:
        evidence.save()
        evidence.recommendations.set(recommendations)
    except BaseException:
        # A rolled-back transaction does not remove files, so the stored copy goes by hand.
        if evidence.file:
            evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


def _check_evidence_changer(evidence: Evidence, by, action: str) -> None:
    _require(by, "tracker.add_evidence", _CHANGER_REFUSALS[action][0])
    if not may_change_evidence(evidence, by):
        raise PermissionDenied(str(_CHANGER_REFUSALS[action][1]))


# Who may not change an item, by change: without the role, and not its logger or a reviewer.
_CHANGER_REFUSALS = {
    "withdraw": (
        gettext_lazy("You may not withdraw evidence."),
        gettext_lazy("Only the analyst who logged it or a reviewer may withdraw it."),
    ),
    "edit": (
        gettext_lazy("You may not edit evidence."),
        gettext_lazy("Only the analyst who logged it or a reviewer may edit it."),
    ),
}


@transaction.atomic
def evidence_withdraw(
    *, evidence: Evidence, reason: str, by, expected_version: int | None = None
) -> Evidence:
    """Withdraw evidence with a reason: it is kept, marked, and stops counting from now on.

    Only the analyst who logged it or a reviewer may; a withdrawal is final.
    """
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    _check_evidence_changer(evidence, by, "withdraw")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why this evidence is withdrawn.")})
    if evidence.withdrawn_at is not None:
        raise ValidationError(gettext("This evidence was already withdrawn."))
    _bump_version(
        Evidence,
        evidence.pk,
        expected_version,
        "This evidence",
        withdrawn_at=timezone.now(),
        withdrawn_by=by,
        withdrawal_reason=reason,
    )
    evidence.refresh_from_db()
    return evidence


# What an edit may change: the description of the source and the direction it shows (and,
# apart, the recommendations it bears on). The file is part of the record as logged, and
# sensitivity has its own service (it decides who may see the item).
EVIDENCE_EDITABLE_FIELDS = (
    "title",
    "summary",
    "source_type",
    "source_name",
    "url",
    "published_on",
    "accessed_on",
    "quote",
    "direction",
)


def _evidence_value(evidence: Evidence, field: str) -> str:
    """Return a field's value as the edit history records it (dates in ISO 8601)."""
    value = getattr(evidence, field)
    # The record keeps the English labels, whatever language the edit was made in.
    if field == "source_type":
        with translation.override("en"):
            return str(Evidence.SourceType(value).label)
    if field == "direction":
        with translation.override("en"):
            return str(Evidence.Direction(value).label)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value or ""


def _references(recommendations) -> str:
    return ", ".join(sorted(rec.reference for rec in recommendations))


def _check_links_kept(evidence: Evidence, removed: dict) -> None:
    """Refuse to take away a link that a live status change or an assessment cites.

    Evidence is cited only about the recommendations it is logged against (the citation
    rule); a citation made stands, so its link does too until the citation goes (the change
    voided, the evidence taken out of a draft, a correction opened for an approved one).
    """
    cited: dict[int, list[str]] = {}
    for rec_id, day in StatusChange.objects.filter(
        evidence=evidence, recommendation_id__in=list(removed), void__isnull=True
    ).values_list("recommendation_id", "effective_date"):
        cited.setdefault(rec_id, []).append(
            gettext("its status change effective %(day)s") % {"day": long_date(day)}
        )
    for rec_id, year, state in Assessment.objects.filter(
        evidence=evidence, recommendation_id__in=list(removed)
    ).values_list("recommendation_id", "year", "state"):
        label = Assessment.State(state).label.lower()
        cited.setdefault(rec_id, []).append(
            gettext("its %(year)s assessment (%(state)s)") % {"year": year, "state": label}
        )
    if cited:
        refusals = [
            gettext("%(reference)s cites it in %(places)s")
            % {
                "reference": removed[rec_id].reference,
                "places": pgettext("joining places a link is cited in", " and ").join(where),
            }
            for rec_id, where in sorted(cited.items(), key=lambda kv: removed[kv[0]].reference)
        ]
        raise ValidationError(
            {
                "recommendations": gettext(
                    "A link that is cited stays: %(refusals)s. Void the status change, or take "
                    "the evidence out of the assessment (a correction, for an approved one), "
                    "first."
                )
                % {"refusals": "; ".join(refusals)}
            }
        )


@transaction.atomic
def evidence_edit(
    *,
    evidence: Evidence,
    by,
    expected_version: int | None,
    reason: str,
    recommendations=None,
    **fields,
) -> list[EvidenceEdit]:
    """Correct an item of evidence, with the reason; return the edits.

    What may be corrected: its description, the direction it shows, and the recommendations
    it bears on (`recommendations`: the whole new set, to add a link or take off a mistaken
    one, without withdrawing and logging it again). Each changed field is recorded with its
    old and new value (a value too long for the record is kept whole in the edit's note); the
    links as the references before and after. Fields left out, or given unchanged, stay as
    they are; nothing changed records nothing. At least one link stays, a cited link stays
    (`_check_links_kept`), and withdrawn evidence is never edited.
    """
    unknown = sorted(set(fields) - set(EVIDENCE_EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(
            dict.fromkeys(unknown, gettext("This field cannot be edited here.")),
            code="not_editable",
        )
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    _check_evidence_changer(evidence, by, "edit")
    if evidence.withdrawn_at is not None:
        raise ValidationError(gettext("Withdrawn evidence cannot be edited: it is kept as it was."))
    if expected_version is not None and evidence.version != expected_version:
        raise StaleVersion("This evidence")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why this evidence is corrected.")})
    before = {name: _evidence_value(evidence, name) for name in fields}
    for name, value in fields.items():
        setattr(evidence, name, value.strip() if isinstance(value, str) else value)
    evidence.full_clean(exclude=["file", "recommendations"])
    after = {name: _evidence_value(evidence, name) for name in fields}
    changed = [name for name in EVIDENCE_EDITABLE_FIELDS if name in fields]
    changed = [name for name in changed if before[name] != after[name]]
    links = None
    if recommendations is not None:
        wanted = {rec.pk: rec for rec in recommendations}
        if not wanted:
            raise ValidationError(
                {
                    "recommendations": gettext(
                        "Keep at least one recommendation this evidence bears on."
                    )
                }
            )
        current = {rec.pk: rec for rec in evidence.recommendations.only("pk", "reference")}
        if wanted.keys() != current.keys():
            removed = {pk: current[pk] for pk in current.keys() - wanted.keys()}
            _check_links_kept(evidence, removed)
            links = (_references(current.values()), _references(wanted.values()))
    if not changed and links is None:
        return []
    _bump_version(
        Evidence,
        evidence.pk,
        expected_version,
        "This evidence",
        **{name: getattr(evidence, name) for name in changed},
    )
    values = [(name, before[name], after[name]) for name in changed]
    if links is not None:
        evidence.recommendations.set(list(wanted))
        values.append(("recommendations", *links))
    edits = []
    for name, old, new in values:
        note = reason if len(old) <= 300 else f"{reason}\n\nIt was: {old}"
        edits.append(
            EvidenceEdit.objects.create(
                evidence=evidence,
                field=name,
                old_value=_clip(old),
                new_value=_clip(new),
                note=note,
                changed_by=by,
            )
        )
    return edits


@transaction.atomic
def evidence_set_sensitivity(
    *, evidence: Evidence, sensitivity: str, reason: str, by, expected_version: int | None = None
):
    """Change who may see an item of evidence, with the reason, on the item's own record."""
    _require(
        by, "tracker.change_evidence", gettext("You may not change the sensitivity of evidence.")
    )
    if sensitivity not in Evidence.Sensitivity.values:
        raise ValidationError(
            {
                "sensitivity": gettext("Unknown sensitivity %(value)s.")
                % {"value": repr(sensitivity)}
            }
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Give the reason for changing who may see this.")})
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.sensitivity == sensitivity:
        return None
    old = evidence.sensitivity
    _bump_version(Evidence, evidence.pk, expected_version, "This evidence", sensitivity=sensitivity)
    # The record keeps the English labels, whatever language the change was made in.
    with translation.override("en"):
        old_label = str(Evidence.Sensitivity(old).label)
        new_label = str(Evidence.Sensitivity(sensitivity).label)
    return EvidenceEdit.objects.create(
        evidence=evidence,
        field="sensitivity",
        old_value=old_label,
        new_value=new_label,
        note=reason,
        changed_by=by,
    )


def evidence_record_access(*, evidence: Evidence, by, action: str) -> int:
    """Record that `by` read `evidence` (`action`: its page, its file…), if it is restricted."""
    return evidence_record_reads(items=[evidence], by=by, action=action)


def evidence_record_reads(*, by, action: str, items=(), restricted_ids=()) -> int:
    """Record that `by` was shown each restricted item among `items` (evidence rows), and the
    items whose ids are `restricted_ids` (shown as restricted); return how many.

    One row per item, so that each item's page lists who saw it and the admin filters by item;
    all of a request's rows in one statement (one prepared insert, whatever their number), so
    that a page of restricted items costs one query, not one per row. Reads by the server
    itself (no user, a command) are not recorded.
    """
    if action not in EvidenceAccess.Action.values:
        raise ValueError(f"Unknown action {action!r}.")
    user_id = getattr(by, "pk", None)
    if user_id is None:
        return 0
    restricted = Evidence.Sensitivity.RESTRICTED
    ids = sorted(
        {item.pk for item in items if item.sensitivity == restricted}.union(restricted_ids)
    )
    if not ids:
        return 0
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    insert_rows(
        EvidenceAccess,
        ["evidence", "user", "action", "at"],
        [(pk, user_id, action, at) for pk in ids],
    )
    return len(ids)
