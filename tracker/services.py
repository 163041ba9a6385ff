"""Every write to the tracker's state: one keyword-only function per action, one transaction each.

Views, admin actions, management commands and tests all call these functions, so the rules (a
reason for every status change, no lost updates, append-only history) hold whatever the entry
point.
"""

import base64
import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tiptracker.lib.dates import long_date
from tracker import exportjobs, lineage, notifications, uploads
from tracker.models import (
    Assessment,
    AssessmentEvent,
    Audience,
    Evidence,
    EvidenceAccess,
    EvidenceEdit,
    ExportJob,
    ImportJob,
    Notification,
    NotificationPreference,
    Recommendation,
    RecommendationEdit,
    RecoveryCode,
    SavedFilter,
    StatusChange,
    StatusChangeVoid,
    status_on,
)


class StaleVersion(ValidationError):
    """Raised when a record changed after the form the user is submitting was opened."""

    def __init__(self, what: str = "This item"):
        super().__init__(
            f"{what} was changed by someone else after you opened it. Nothing was saved: "
            "reload the page to see their change, then apply yours again.",
            code="stale",
        )


def _require(user, perm: str, action: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(f"You may not {action}.")


def _bump_version(model, pk: int, expected_version: int | None, what: str, **changes) -> int:
    """Apply `changes` to row `pk` if its version is still `expected_version`; return the new one.

    The compare-and-swap happens in one UPDATE, so two writers holding the same version cannot
    both succeed, whatever the database.
    """
    rows = model.objects.filter(pk=pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    updated = rows.update(version=F("version") + 1, updated_at=timezone.now(), **changes)
    if not updated:
        raise StaleVersion(what)
    return model.objects.values_list("version", flat=True).get(pk=pk)


def status_on_date(recommendation: Recommendation, day: datetime.date) -> str:
    """Return the status `recommendation` had at the end of `day`, from its history alone.

    The services read the history itself, never the cache they are about to refresh.
    """
    return (
        Recommendation.objects.annotate(status_on=status_on(day, from_history=True))
        .values_list("status_on", flat=True)
        .get(pk=recommendation.pk)
    )


@dataclass(frozen=True)
class EffectiveDateBounds:
    """The days a status change of one item may be effective on, and why (for forms)."""

    first: datetime.date
    last: datetime.date
    predecessor: str = ""
    successor: str = ""

    @property
    def help_text(self) -> str:
        text = (
            f"When the new status became true: from {long_date(self.first)}, the start of "
            "this recommendation's follow-up period"
        )
        if self.predecessor:
            text += f" (earlier facts belong to {self.predecessor})"
        if self.successor:
            text += f", to {long_date(self.last)}, its end ({self.successor} holds later facts)"
        else:
            text += ", to today; a date after the period's end counts for the next year's item"
        return text + "."


def effective_date_bounds(recommendation: Recommendation) -> EffectiveDateBounds:
    """Return the first and last day a change of `recommendation` may be effective on."""
    start, end = recommendation.follow_up_period
    today = timezone.localdate()
    successor = (
        recommendation.successors.order_by("report__year", "number")
        .values_list("reference", flat=True)
        .first()
    )
    return EffectiveDateBounds(
        first=start,
        last=min(end, today) if successor else today,
        predecessor=recommendation.predecessor.reference if recommendation.predecessor_id else "",
        successor=successor or "",
    )


def _check_effective_date(recommendation: Recommendation, day: datetime.date, today) -> None:
    """Refuse an effective date outside what the item's history may hold.

    A change to a report-Y item is effective from 1 April of Y (earlier facts belong to its
    predecessor), never in the future, and not after its follow-up period once a successor
    continues it (the successor's history holds that).
    """
    if day > today:
        raise ValidationError({"effective_date": "The effective date cannot be in the future."})
    start, end = recommendation.follow_up_period
    if day < start:
        earlier = (
            f" Record it on its predecessor {recommendation.predecessor.reference}."
            if recommendation.predecessor_id
            else ""
        )
        raise ValidationError(
            {
                "effective_date": f"A change to {recommendation.reference} is effective no "
                f"earlier than {long_date(start)}, the start of its follow-up period: an earlier "
                f"fact belongs to the {recommendation.report.year - 1} recommendation.{earlier}"
            }
        )
    if day > end:
        successor = (
            recommendation.successors.select_related("report")
            .order_by("report__year", "number")
            .first()
        )
        if successor is not None:
            raise ValidationError(
                {
                    "effective_date": f"The follow-up period of {recommendation.reference} "
                    f"ended on {long_date(end)}; record a later change on its successor "
                    f"{successor.reference}."
                }
            )


@transaction.atomic
def recommendation_set_status(
    *,
    recommendation: Recommendation,
    status: str,
    reason: str,
    by,
    evidence=(),
    effective_date: datetime.date | None = None,
    expected_version: int | None = None,
) -> StatusChange:
    """Record a change of status with its reason and evidence, and update the current status.

    The change may be back-dated within the item's follow-up period. It counts along the
    lineage chain (`models.status_on`), so the cached status of the item and of its successors
    is refreshed from the history: a back-dated entry never hides a newer one.
    """
    _require(by, "tracker.change_status", "change statuses")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for this change."})
    if status not in Recommendation.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    today = timezone.localdate()
    effective_date = effective_date or today

    recommendation = (
        # Lock the item's own row only: PostgreSQL cannot lock the nullable side of the join.
        Recommendation.objects.select_for_update(of=("self",))
        .select_related("report", "predecessor")
        .get(pk=recommendation.pk)
    )
    # A stale form is told so first: comparing with a status it never saw would mislead.
    if expected_version is not None and recommendation.version != expected_version:
        raise StaleVersion("This recommendation")
    _check_effective_date(recommendation, effective_date, today)
    old_status = status_on_date(recommendation, effective_date)
    if status == old_status and not recommendation.needs_review:
        label = Recommendation.Status(status).label
        raise ValidationError({"status": f"The status on that date is already “{label}”."})

    evidence = list(evidence)
    _check_evidence_visible(evidence, by)
    change = StatusChange.objects.create(
        recommendation=recommendation,
        old_status=old_status,
        new_status=status,
        reason=reason,
        changed_by=by,
        effective_date=effective_date,
    )
    if evidence:
        change.evidence.set(evidence)
    _bump_version(
        Recommendation,
        recommendation.pk,
        expected_version,
        "This recommendation",
        status=status_on_date(recommendation, today),
        needs_review=False,
    )
    # The change counts for the successors too, wherever their own history does not override.
    lineage.refresh_status(
        Recommendation.objects.filter(ancestor_links__ancestor=recommendation).exclude(
            pk=recommendation.pk
        )
    )
    notifications.status_changed(change, by=by)
    return change


def _check_evidence_visible(evidence, user) -> None:
    """Refuse citations of evidence `user` may not see (`models.evidence_visibility`)."""
    wanted = {item.pk for item in evidence}
    if not wanted:
        return
    visible = set(
        Evidence.objects.visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    if wanted - visible:
        raise PermissionDenied("You may not cite evidence you cannot see.")


def _record_edit(recommendation, field, old, new, by, note="") -> RecommendationEdit:
    return RecommendationEdit.objects.create(
        recommendation=recommendation,
        field=field,
        old_value=str(old or ""),
        new_value=str(new or ""),
        note=note,
        changed_by=by,
    )


@transaction.atomic
def recommendation_set_owner(
    *, recommendation: Recommendation, owner, by, expected_version: int | None = None
) -> RecommendationEdit | None:
    """Assign `owner` (a user, or None) to the recommendation and record the edit."""
    _require(by, "tracker.change_status", "assign owners")
    recommendation = Recommendation.objects.select_related("owner").get(pk=recommendation.pk)
    old_owner = recommendation.owner
    if (old_owner and old_owner.pk) == (owner and owner.pk):
        return None
    _bump_version(
        Recommendation, recommendation.pk, expected_version, "This recommendation", owner=owner
    )
    notifications.item_assigned(recommendation, owner=owner, by=by)
    return _record_edit(
        recommendation,
        "owner",
        old_owner.get_username() if old_owner else "",
        owner.get_username() if owner else "",
        by,
    )


@transaction.atomic
def recommendation_set_pillar(
    *, recommendation: Recommendation, pillar: str, by, expected_version: int | None = None
) -> RecommendationEdit | None:
    """Correct the recommendation's pillar and record the edit."""
    _require(by, "tracker.change_status", "correct pillars")
    if pillar not in Recommendation.Pillar.values:
        raise ValidationError({"pillar": f"Unknown pillar {pillar!r}."})
    recommendation = Recommendation.objects.get(pk=recommendation.pk)
    if recommendation.pillar == pillar:
        return None
    _bump_version(
        Recommendation, recommendation.pk, expected_version, "This recommendation", pillar=pillar
    )
    return _record_edit(recommendation, "pillar", recommendation.pillar, pillar, by)


@transaction.atomic
def notification_mark_read(*, by, notification: Notification | None = None) -> int:
    """Mark one of `by`'s notifications read, or all of them when none is given."""
    rows = Notification.objects.filter(recipient=by, read_at__isnull=True)
    if notification is not None:
        rows = rows.filter(pk=notification.pk)
    return rows.update(read_at=timezone.now())


@transaction.atomic
def notification_set_email(*, by, email: str) -> NotificationPreference:
    """Choose how `by` is e-mailed: at once, in a daily digest, or never."""
    if email not in NotificationPreference.Email.values:
        raise ValidationError({"email": f"Unknown choice {email!r}."})
    preference, _ = NotificationPreference.objects.update_or_create(
        user=by, defaults={"email": email}
    )
    return preference


@transaction.atomic
def saved_filter_save(*, by, list_name: str, name: str, query: str) -> SavedFilter:
    """Save `by`'s filters of a list under `name`, replacing any of theirs of that name."""
    saved = SavedFilter(user=by, list=list_name, name=(name or "").strip(), query=query)
    saved.full_clean(validate_unique=False, validate_constraints=False)
    saved, _ = SavedFilter.objects.update_or_create(
        user=by, list=saved.list, name=saved.name, defaults={"query": saved.query}
    )
    return saved


@transaction.atomic
def saved_filter_delete(*, by, saved_filter: SavedFilter) -> None:
    """Forget one of `by`'s saved filters."""
    if saved_filter.user_id != by.pk:
        raise PermissionDenied("You may delete only your own saved filters.")
    SavedFilter.objects.filter(pk=saved_filter.pk).delete()


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
    _require(by, "tracker.add_evidence", "log evidence")
    recommendations = list(recommendations)
    if not recommendations:
        raise ValidationError(
            {"recommendations": "Choose at least one recommendation this evidence bears on."}
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
    if findings is not None:
        assessment.findings.set(findings)
    if evidence is not None:
        evidence = list(evidence)
        _check_evidence_visible(evidence, by)
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
) -> Assessment:
    """Start the assessment of `recommendation` for `year` as a draft by `by`."""
    _require(by, "tracker.add_assessment", "draft assessments")
    assessment = Assessment(
        recommendation=recommendation,
        year=year,
        rating=rating,
        confidence=confidence,
        narrative=narrative,
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
) -> Assessment:
    """Change a draft or returned assessment; submitted and approved ones are not editable."""
    _require(by, "tracker.change_assessment", "edit assessments")
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("author", "recommendation")
        .get(pk=assessment.pk)
    )
    _check_editor(assessment, by, "edit")
    if assessment.state not in _EDITABLE_STATES:
        raise ValidationError(
            f"This assessment is {assessment.get_state_display().lower()} and cannot be edited."
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
    _assessment_event(assessment, "edited", assessment.state, by)
    return assessment


def _transition(
    assessment, *, by, to_state, allowed_from, action, expected_version, note="", **changes
) -> Assessment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    from_state = assessment.state
    if from_state not in allowed_from:
        raise ValidationError(
            f"An assessment that is {assessment.get_state_display().lower()} cannot be {action}."
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
    _require(by, "tracker.change_assessment", "submit assessments")
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
    _require(by, "tracker.review_assessment", "review assessments")
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
        raise ValidationError({"review_note": "Say what the author should change."})
    return _review(assessment, by, Assessment.State.RETURNED, "returned", note, expected_version)


@transaction.atomic
def assessment_correct(*, assessment: Assessment, by) -> Assessment:
    """Open a correction of an approved assessment: a new draft revision; the original stays."""
    _require(by, "tracker.add_assessment", "correct assessments")
    original = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if original.state != Assessment.State.APPROVED:
        raise ValidationError("Only an approved assessment is corrected; edit this one instead.")
    if Assessment.objects.filter(supersedes=original).exists():
        raise ValidationError("A correction of this assessment already exists.")
    correction = Assessment.objects.create(
        recommendation=original.recommendation,
        year=original.year,
        revision=original.revision + 1,
        supersedes=original,
        rating=original.rating,
        confidence=original.confidence,
        narrative=original.narrative,
        author=by,
    )
    correction.findings.set(original.findings.all())
    correction.evidence.set(original.evidence.all())
    _assessment_event(
        correction, "correction opened", "", by, f"Corrects revision {original.revision}."
    )
    return correction


@transaction.atomic
def recommendation_set_predecessor(
    *,
    recommendation: Recommendation,
    predecessor: Recommendation | None,
    link_kind: str,
    by,
    expected_version: int | None = None,
) -> RecommendationEdit | None:
    """Correct a recommendation's lineage link by hand and record the edit.

    `predecessor` must be a recommendation of the same country in an earlier year (any earlier
    year: a list cut off in one year can skip it), or None for a *new* recommendation. A link set
    here is kept when narratives are imported later. A recommendation with no status history
    starts again from its new predecessor's status, flagged for review.
    """
    _require(by, "tracker.change_status", "correct lineage links")
    recommendation = Recommendation.objects.select_related("report", "predecessor").get(
        pk=recommendation.pk
    )
    if predecessor is None:
        if link_kind not in ("", Recommendation.LinkKind.NEW):
            raise ValidationError({"link_kind": "Without a predecessor the recommendation is new."})
        link_kind = Recommendation.LinkKind.NEW
        score = None
    else:
        predecessor = Recommendation.objects.select_related("report").get(pk=predecessor.pk)
        if link_kind not in (Recommendation.LinkKind.REPEATED, Recommendation.LinkKind.REWORDED):
            raise ValidationError(
                {"link_kind": "A recommendation with a predecessor is repeated or reworded."}
            )
        if (
            predecessor.report.country_id != recommendation.report.country_id
            or predecessor.report.year >= recommendation.report.year
        ):
            raise ValidationError(
                {
                    "predecessor": "The predecessor must be a recommendation of the same "
                    "country in an earlier year."
                }
            )
        score = round(lineage.similarity(predecessor.text, recommendation.text), 4)
    old, old_kind = recommendation.predecessor, recommendation.link_kind or "unlinked"
    if (old and old.pk) == (predecessor and predecessor.pk) and old_kind == link_kind:
        return None
    recommendation.predecessor = predecessor
    recommendation.link_kind = link_kind
    changes = {"predecessor": predecessor, "link_kind": link_kind, "similarity": score}
    if not recommendation.status_changes.exists():
        # It starts again from its new chain's status, which an analyst should confirm.
        changes["needs_review"] = predecessor is not None
        if predecessor is None:
            changes["initial_status"] = Recommendation.Status.NO_ACTION
    _bump_version(
        Recommendation, recommendation.pk, expected_version, "This recommendation", **changes
    )
    lineage.rebuild_ancestry(recommendation.report.country_id)
    return _record_edit(
        recommendation,
        "predecessor",
        f"{old.reference} ({old_kind})" if old else old_kind,
        f"{predecessor.reference} ({link_kind})" if predecessor else link_kind,
        by,
    )


BULK_LIMIT = 200


@transaction.atomic
def recommendations_bulk_update(
    *,
    items,
    action: str,
    by,
    status: str = "",
    reason: str = "",
    effective_date: datetime.date | None = None,
    owner=None,
) -> int:
    """Apply one action to many recommendations, all or nothing; return how many changed.

    `items` are (recommendation, version it was shown at) pairs. Each item goes through its
    own service, so each gets its own record (status change or edit) and its own version
    check; if any item is refused (changed by someone else, already in that status, a date
    outside its follow-up period), nothing is saved and every refusal is listed.
    `action` is "confirm" (record that a carried-over status still holds, with `reason`),
    "status" (set `status` with `reason` and `effective_date`) or "owner" (assign `owner`).
    """
    _require(by, "tracker.change_status", "change recommendations")
    items = list(items)
    if not items:
        raise ValidationError("Choose at least one recommendation.")
    if len(items) > BULK_LIMIT:
        raise ValidationError(f"Choose at most {BULK_LIMIT} recommendations at a time.")
    if action not in ("confirm", "status", "owner"):
        raise ValidationError(f"Unknown action {action!r}.")
    problems, changed = [], 0
    for recommendation, version in items:
        try:
            with transaction.atomic():
                done = _bulk_one(
                    recommendation, version, action, by, status, reason, effective_date, owner
                )
        except StaleVersion:
            problems.append(
                f"{recommendation.reference}: changed by someone else since the list was opened."
            )
        except ValidationError as exc:
            problems.append(f"{recommendation.reference}: {' '.join(exc.messages)}")
        else:
            changed += done is not None
    if problems:
        raise ValidationError(["Nothing was saved.", *problems])
    return changed


def _bulk_one(recommendation, version, action, by, status, reason, effective_date, owner):
    if action == "owner":
        return recommendation_set_owner(
            recommendation=recommendation, owner=owner, by=by, expected_version=version
        )
    if action == "confirm":
        if not recommendation.needs_review:
            raise ValidationError("its status is not waiting for confirmation.")
        status = recommendation.status
        effective_date = effective_date_bounds(recommendation).last
    return recommendation_set_status(
        recommendation=recommendation,
        status=status,
        reason=reason,
        by=by,
        effective_date=effective_date,
        expected_version=version,
    )


@transaction.atomic
def status_change_void(
    *, change: StatusChange, reason: str, by, expected_version: int | None = None
) -> StatusChangeVoid:
    """Void a mistaken status change with a reason; the status on every day is recomputed.

    The change keeps its row (history is append-only); from now on `status_on` skips it, so the
    cached status of its recommendation and of the successors that carry it is refreshed.
    """
    _require(by, "tracker.change_status", "correct status changes")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this status change was a mistake."})
    change = StatusChange.objects.select_for_update().get(pk=change.pk)
    if StatusChangeVoid.objects.filter(change=change).exists():
        raise ValidationError("This status change was already voided.")
    # The recommendation's version is the lock: voiding changes its status history.
    _bump_version(Recommendation, change.recommendation_id, expected_version, "This recommendation")
    void = StatusChangeVoid.objects.create(change=change, reason=reason, voided_by=by)
    lineage.refresh_status(
        Recommendation.objects.filter(ancestor_links__ancestor_id=change.recommendation_id)
    )
    return void


def may_change_evidence(evidence: Evidence, user) -> bool:
    """Return whether `user` may edit or withdraw `evidence`: who logged it, or a reviewer.

    As with assessments, the author answers for what they wrote; reviewers may put any item
    right. Viewers never may.
    """
    if not user.has_perm("tracker.add_evidence"):
        return False
    return evidence.logged_by_id == user.pk or user.has_perm("tracker.review_assessment")


def _check_evidence_changer(evidence: Evidence, by, action: str) -> None:
    _require(by, "tracker.add_evidence", f"{action} evidence")
    if not may_change_evidence(evidence, by):
        raise PermissionDenied(f"Only the analyst who logged it or a reviewer may {action} it.")


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
        raise ValidationError({"reason": "Say why this evidence is withdrawn."})
    if evidence.withdrawn_at is not None:
        raise ValidationError("This evidence was already withdrawn.")
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


# What an edit may change: the description of the source. The file is part of the record as
# logged, and sensitivity has its own service (it decides who may see the item).
EVIDENCE_EDITABLE_FIELDS = (
    "title",
    "summary",
    "source_type",
    "source_name",
    "url",
    "published_on",
    "accessed_on",
    "quote",
)


def _evidence_value(evidence: Evidence, field: str) -> str:
    """Return a field's value as the edit history shows it."""
    value = getattr(evidence, field)
    if field == "source_type":
        return Evidence.SourceType(value).label
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value or ""


@transaction.atomic
def evidence_edit(
    *, evidence: Evidence, by, expected_version: int | None, reason: str, **fields
) -> list[EvidenceEdit]:
    """Correct the description of an item of evidence, with the reason; return the edits.

    Each changed field is recorded with its old and new value (a value too long for the
    record is kept whole in the edit's note). Fields left out, or given unchanged, stay as
    they are; nothing changed records nothing. Withdrawn evidence is never edited.
    """
    unknown = sorted(set(fields) - set(EVIDENCE_EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(
            dict.fromkeys(unknown, "This field cannot be edited here."), code="not_editable"
        )
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    _check_evidence_changer(evidence, by, "edit")
    if evidence.withdrawn_at is not None:
        raise ValidationError("Withdrawn evidence cannot be edited: it is kept as it was.")
    if expected_version is not None and evidence.version != expected_version:
        raise StaleVersion("This evidence")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this evidence is corrected."})
    before = {name: _evidence_value(evidence, name) for name in fields}
    for name, value in fields.items():
        setattr(evidence, name, value.strip() if isinstance(value, str) else value)
    evidence.full_clean(exclude=["file", "recommendations"])
    after = {name: _evidence_value(evidence, name) for name in fields}
    changed = [name for name in EVIDENCE_EDITABLE_FIELDS if name in fields]
    changed = [name for name in changed if before[name] != after[name]]
    if not changed:
        return []
    _bump_version(
        Evidence,
        evidence.pk,
        expected_version,
        "This evidence",
        **{name: getattr(evidence, name) for name in changed},
    )
    edits = []
    for name in changed:
        old, new = before[name], after[name]
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


# The events by which someone shaped a revision's text; whoever has one may not review it.
AUTHORING_ACTIONS = ("drafted", "edited", "submitted", "correction opened")


def may_edit_assessment(assessment: Assessment, user) -> bool:
    """Return whether `user` may edit or submit `assessment`: its author or the item's owner.

    Another analyst's draft is theirs to finish; the recommendation's owner answers for the
    item and may take it over. Reviewers comment by returning a submission, not by editing it.
    """
    if not user.has_perm("tracker.change_assessment"):
        return False
    if assessment.author_id == user.pk:
        return True
    owner_id = assessment.recommendation.owner_id
    return owner_id is not None and owner_id == user.pk


def _check_editor(assessment: Assessment, by, action: str) -> None:
    if not may_edit_assessment(assessment, by):
        raise PermissionDenied(
            f"Only the author of this assessment ({assessment.author.get_username()}) or the "
            f"recommendation's owner may {action} it."
        )


def review_refusal(assessment: Assessment, user) -> str:
    """Return why `user` may not review `assessment` because they helped write it, or ""."""
    if assessment.author_id == user.pk:
        return "You wrote this assessment, so another reviewer must approve or return it."
    actions = set(
        AssessmentEvent.objects.filter(
            assessment=assessment, by=user, action__in=AUTHORING_ACTIONS
        ).values_list("action", flat=True)
    )
    if not actions:
        return ""
    done = ", ".join(action for action in AUTHORING_ACTIONS if action in actions)
    return (
        f"You {done} this revision, so another reviewer must approve or return it: "
        "review is independent of writing."
    )


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@transaction.atomic
def recommendation_correct_text(
    *,
    recommendation: Recommendation,
    text: str,
    reason: str,
    by,
    expected_version: int | None = None,
) -> RecommendationEdit | None:
    """Correct the recommendation's official text (a transcription error), with the reason.

    The edit shows in the recommendation's timeline; a text longer than the edit's fields is
    kept whole in its note, so the record always holds what the text was.
    """
    _require(by, "tracker.change_recommendation", "correct a recommendation's text")
    text = (text or "").strip()
    reason = (reason or "").strip()
    if not text:
        raise ValidationError({"text": "A recommendation cannot have an empty text."})
    if not reason:
        raise ValidationError({"reason": "Give the reason for correcting the official text."})
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    old = recommendation.text
    if old == text:
        return None
    _bump_version(
        Recommendation, recommendation.pk, expected_version, "This recommendation", text=text
    )
    note = reason if len(old) <= 300 else f"{reason}\n\nThe text was: {old}"
    return _record_edit(recommendation, "text", _clip(old), _clip(text), by, note=note)


@transaction.atomic
def evidence_set_sensitivity(
    *, evidence: Evidence, sensitivity: str, reason: str, by, expected_version: int | None = None
):
    """Change who may see an item of evidence, with the reason, on the item's own record."""
    _require(by, "tracker.change_evidence", "change the sensitivity of evidence")
    if sensitivity not in Evidence.Sensitivity.values:
        raise ValidationError({"sensitivity": f"Unknown sensitivity {sensitivity!r}."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for changing who may see this."})
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.sensitivity == sensitivity:
        return None
    old = evidence.sensitivity
    _bump_version(Evidence, evidence.pk, expected_version, "This evidence", sensitivity=sensitivity)
    return EvidenceEdit.objects.create(
        evidence=evidence,
        field="sensitivity",
        old_value=Evidence.Sensitivity(old).label,
        new_value=Evidence.Sensitivity(sensitivity).label,
        note=reason,
        changed_by=by,
    )


def evidence_record_access(*, evidence: Evidence, by, action: str):
    """Record that `by` viewed or downloaded `evidence`, if it is restricted."""
    if evidence.sensitivity != Evidence.Sensitivity.RESTRICTED:
        return None
    return EvidenceAccess.objects.create(evidence=evidence, user=by, action=action)


RECOVERY_CODES = 10


def _recovery_hash(code: str) -> str:
    # Codes carry 80 random bits, beyond guessing even from a stolen hash: a fast hash serves.
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _new_recovery_codes(user) -> list[str]:
    """Replace `user`'s recovery codes with ten new ones; return them (they are not kept)."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_sha256=_recovery_hash(code)) for code in codes
    )
    return codes


@transaction.atomic
def totp_device_start(*, user) -> TOTPDevice:
    """Return the user's authenticator being set up (unconfirmed), creating it if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str, by) -> list[str] | None:
    """Confirm `by`'s authenticator with a code from it; return the new recovery codes.

    Return None if the code is wrong (or the device is throttled after wrong codes).
    """
    if device.user_id != by.pk:
        raise PermissionDenied("You may set up two-factor sign-in only for yourself.")
    if not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=by).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _new_recovery_codes(by)


@transaction.atomic
def recovery_codes_issue(*, user) -> list[str]:
    """Give `user` ten new recovery codes in place of the old ones."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError("Set up two-factor sign-in before asking for recovery codes.")
    return _new_recovery_codes(user)


@transaction.atomic
def recovery_code_use(*, user, code: str) -> int | None:
    """Spend one of `user`'s recovery codes; return how many are left, or None if it is wrong."""
    used = RecoveryCode.objects.filter(
        user=user, code_sha256=_recovery_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if not used:
        return None
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def two_factor_reset(*, user, by) -> None:
    """Remove `user`'s authenticator and recovery codes (a lost phone); they set it up again."""
    _require(by, "auth.change_user", "reset two-factor sign-in")
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


@transaction.atomic
def export_job_request(
    *, by, kind: str, fmt: str, parameters: dict, audience: str, title: str
) -> tuple[ExportJob, bool]:
    """Return the export job for this request of `by`, and whether it is a new one.

    An unexpired job of the same user with the same kind, format, parameters and audience
    (queued, being built or built), asked while the data was as it is now
    (`exportjobs.data_version`), is reused, so asking again never builds the same file twice
    within the day; otherwise a job is recorded and enqueued for the worker.
    """
    builder = exportjobs.BUILDERS.get(kind)
    if builder is None or fmt not in builder.formats:
        raise ValidationError(f"There is no {fmt!r} download of this kind.")
    if audience not in Audience.allowed_for(by):
        raise PermissionDenied(f"You may not read the {audience} view.")
    # A finished file is reused only while the data it was built from is unchanged.
    version = exportjobs.data_version() if builder.follows_data else ""
    key = exportjobs.job_key(
        kind=kind, fmt=fmt, parameters=parameters, audience=audience, data_version=version
    )
    now = timezone.now()
    reusable = (
        ExportJob.objects.filter(user=by, key=key, expires_at__gt=now)
        .filter(state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING, ExportJob.State.DONE])
        .order_by("-created_at", "-id")
        .first()
    )
    if reusable is not None:
        return reusable, False
    job = ExportJob.objects.create(
        user=by,
        kind=kind,
        format=fmt,
        parameters=parameters,
        audience=audience,
        key=key,
        title=title,
        created_at=now,
        expires_at=now + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    from tracker import tasks  # the tasks import the importer, which imports this module

    transaction.on_commit(lambda: tasks.build_export_job.enqueue(job.pk))
    return job, True


def import_job_confirm(*, job, by, selected) -> bool:
    """Queue the write of the narratives `selected` from a whole report's preview.

    Only a job still waiting for its confirmation moves on, by one conditional UPDATE: of two
    confirmations arriving at once, both having read the job as ready, one queues the write and
    the other is told False. The job's owner alone may confirm it.
    """
    if job.created_by_id != by.pk:
        raise PermissionDenied("Only the reviewer who uploaded the report may confirm it.")
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.READY).update(
        selected=list(selected), state=ImportJob.State.IMPORTING
    )
    if not claimed:
        return False
    job.selected, job.state = list(selected), ImportJob.State.IMPORTING
    from tracker import tasks  # the tasks import the importer, which imports this module

    tasks.write_import_job.enqueue(job.pk)
    return True


def export_jobs_sweep(*, now=None) -> int:
    """Remove the files of expired export jobs and mark them expired; return how many."""
    now = now or timezone.now()
    swept = 0
    expired = ExportJob.objects.filter(expires_at__lte=now).exclude(state=ExportJob.State.EXPIRED)
    for job in expired.iterator():
        with transaction.atomic():
            if job.file:
                job.file.delete(save=False)
            job.state = ExportJob.State.EXPIRED
            job.save(update_fields=["file", "state"])
        swept += 1
    return swept
