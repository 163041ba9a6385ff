"""Writes to a recommendation: its status (with reason, evidence and effective date), owner,
pillar, lineage link and official text; bulk changes; voiding a mistaken status change."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from tiptracker.lib.dates import long_date
from tracker import lineage, notifications
from tracker.models import (
    Recommendation,
    RecommendationEdit,
    StatusChange,
    StatusChangeVoid,
    status_on,
)
from tracker.permissions import owner_candidates
from tracker.services.base import (
    StaleVersion,
    _bump_version,
    _check_citations,
    _clip,
    _require,
    _text_sensitivity,
)


def status_on_date(recommendation: Recommendation, day: datetime.date) -> str:
    """Return the status `recommendation` had at the end of `day`, from its history alone.

    The services read the history itself, never the cache they are about to refresh.
    """
    return (
        Recommendation.objects.annotate(status_on=status_on(day, from_history=True))
        .values_list("status_on", flat=True)
        .get(pk=recommendation.pk)
    )


# The help of the effective date, by whether the item has a predecessor and a successor.
_BOUNDS_HELP = {
    (False, False): gettext_lazy(
        "When the new status became true: from %(first)s, the start of this recommendation's "
        "follow-up period, to today; a date after the period's end counts for the next year's "
        "item."
    ),
    (True, False): gettext_lazy(
        "When the new status became true: from %(first)s, the start of this recommendation's "
        "follow-up period (earlier facts belong to %(predecessor)s), to today; a date after the "
        "period's end counts for the next year's item."
    ),
    (False, True): gettext_lazy(
        "When the new status became true: from %(first)s, the start of this recommendation's "
        "follow-up period, to %(last)s, its end (%(successor)s holds later facts)."
    ),
    (True, True): gettext_lazy(
        "When the new status became true: from %(first)s, the start of this recommendation's "
        "follow-up period (earlier facts belong to %(predecessor)s), to %(last)s, its end "
        "(%(successor)s holds later facts)."
    ),
}


@dataclass(frozen=True)
class EffectiveDateBounds:
    """The days a status change of one item may be effective on, and why (for forms)."""

    first: datetime.date
    last: datetime.date
    predecessor: str = ""
    successor: str = ""

    @property
    def help_text(self) -> str:
        values = {
            "first": long_date(self.first),
            "last": long_date(self.last),
            "predecessor": self.predecessor,
            "successor": self.successor,
        }
        return _BOUNDS_HELP[(bool(self.predecessor), bool(self.successor))] % values


def effective_date_bounds(recommendation: Recommendation, today=None) -> EffectiveDateBounds:
    """Return the first and last day a change of `recommendation` may be effective on: THE rule.

    A change to a report-Y item is effective from 1 April of Y (earlier facts belong to its
    predecessor), never in the future, and not after its follow-up period once a successor
    continues it (the successor's history holds that). The forms show these bounds and the
    services refuse a day outside them (`_check_effective_date`).
    """
    start, end = recommendation.follow_up_period
    today = today or timezone.localdate()
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
    """Refuse an effective date outside `effective_date_bounds`, saying which bound and why."""
    if day > today:
        raise ValidationError(
            {"effective_date": gettext("The effective date cannot be in the future.")}
        )
    bounds = effective_date_bounds(recommendation, today)
    if day < bounds.first:
        values = {
            "reference": recommendation.reference,
            "first": long_date(bounds.first),
            "year": recommendation.report.year - 1,
            "predecessor": bounds.predecessor,
        }
        if bounds.predecessor:
            message = gettext(
                "A change to %(reference)s is effective no earlier than %(first)s, the start of "
                "its follow-up period: an earlier fact belongs to the %(year)s recommendation. "
                "Record it on its predecessor %(predecessor)s."
            )
        else:
            message = gettext(
                "A change to %(reference)s is effective no earlier than %(first)s, the start of "
                "its follow-up period: an earlier fact belongs to the %(year)s recommendation."
            )
        raise ValidationError({"effective_date": message % values})
    if day > bounds.last:
        raise ValidationError(
            {
                "effective_date": gettext(
                    "The follow-up period of %(reference)s ended on %(end)s; record a later "
                    "change on its successor %(successor)s."
                )
                % {
                    "reference": recommendation.reference,
                    "end": long_date(recommendation.follow_up_period[1]),
                    "successor": bounds.successor,
                }
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
    reason_sensitivity: str | None = None,
) -> StatusChange:
    """Record a change of status with its reason and evidence, and update the current status.

    The change may be back-dated within the item's follow-up period. It counts along the
    lineage chain (`models.status_on`), so the cached status of the item and of its successors
    is refreshed from the history: a back-dated entry never hides a newer one.

    `reason_sensitivity` says who may read the reason (public, internal or restricted); left
    out, it is internal, or restricted when the reason cites restricted evidence. One below the
    most sensitive evidence cited is refused.
    """
    _require(by, "tracker.change_status", gettext("You may not change statuses."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Give the reason for this change.")})
    if status not in Recommendation.Status.values:
        raise ValidationError(
            {"status": gettext("Unknown status %(value)s.") % {"value": repr(status)}}
        )
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
        raise ValidationError(
            {
                "status": gettext("The status on that date is already “%(status)s”.")
                % {"status": label}
            }
        )

    evidence = list(evidence)
    _check_citations(recommendation, by, evidence=evidence)
    reason_sensitivity = _text_sensitivity(
        reason_sensitivity,
        [item.pk for item in evidence],
        by,
        field="reason_sensitivity",
        what="reason",
    )
    change = StatusChange.objects.create(
        recommendation=recommendation,
        old_status=old_status,
        new_status=status,
        reason=reason,
        reason_sensitivity=reason_sensitivity,
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
    # The change counts for the successors too, wherever their own history does not override;
    # the item itself is refreshed for the latest effective date along its chain.
    lineage.refresh_status(Recommendation.objects.filter(ancestor_links__ancestor=recommendation))
    notifications.status_changed(change, by=by)
    return change


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
    _require(by, "tracker.change_status", gettext("You may not assign owners."))
    recommendation = Recommendation.objects.select_related("owner").get(pk=recommendation.pk)
    old_owner = recommendation.owner
    if (old_owner and old_owner.pk) == (owner and owner.pk):
        return None
    if owner is not None and not owner_candidates().filter(pk=owner.pk).exists():
        raise ValidationError(
            {
                "owner": gettext("%(username)s may not own recommendations (no analyst role).")
                % {"username": owner.get_username()}
            }
        )
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
    _require(by, "tracker.change_status", gettext("You may not correct pillars."))
    if pillar not in Recommendation.Pillar.values:
        raise ValidationError(
            {"pillar": gettext("Unknown pillar %(value)s.") % {"value": repr(pillar)}}
        )
    recommendation = Recommendation.objects.get(pk=recommendation.pk)
    if recommendation.pillar == pillar:
        return None
    _bump_version(
        Recommendation, recommendation.pk, expected_version, "This recommendation", pillar=pillar
    )
    return _record_edit(recommendation, "pillar", recommendation.pillar, pillar, by)


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
    _require(by, "tracker.change_status", gettext("You may not correct lineage links."))
    recommendation = Recommendation.objects.select_related("report", "predecessor").get(
        pk=recommendation.pk
    )
    if predecessor is None:
        if link_kind not in ("", Recommendation.LinkKind.NEW):
            raise ValidationError(
                {"link_kind": gettext("Without a predecessor the recommendation is new.")}
            )
        link_kind = Recommendation.LinkKind.NEW
        score = None
    else:
        predecessor = Recommendation.objects.select_related("report").get(pk=predecessor.pk)
        if link_kind not in (Recommendation.LinkKind.REPEATED, Recommendation.LinkKind.REWORDED):
            raise ValidationError(
                {
                    "link_kind": gettext(
                        "A recommendation with a predecessor is repeated or reworded."
                    )
                }
            )
        if (
            predecessor.report.country_id != recommendation.report.country_id
            or predecessor.report.year >= recommendation.report.year
        ):
            raise ValidationError(
                {
                    "predecessor": gettext(
                        "The predecessor must be a recommendation of the same country in an "
                        "earlier year."
                    )
                }
            )
        score = round(lineage.similarity(predecessor.text, recommendation.text), 4)
    old, old_kind = recommendation.predecessor, recommendation.link_kind or "unlinked"
    if (old and old.pk) == (predecessor and predecessor.pk) and old_kind == link_kind:
        return None
    recommendation.predecessor = predecessor
    recommendation.link_kind = link_kind
    changes = {"predecessor": predecessor, "link_kind": link_kind, "similarity": score}
    if not recommendation.status_changes.filter(void__isnull=True).exists():
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


def _bulk_check_arguments(items, action) -> list:
    items = list(items)
    if not items:
        raise ValidationError(gettext("Choose at least one recommendation."))
    if len(items) > BULK_LIMIT:
        raise ValidationError(
            gettext("Choose at most %(limit)d recommendations at a time.") % {"limit": BULK_LIMIT}
        )
    if action not in ("confirm", "status", "owner"):
        raise ValidationError(gettext("Unknown action %(value)s.") % {"value": repr(action)})
    return items


def _bulk_each(items, action, by, **arguments) -> tuple[dict[int, str], int]:
    """Run the action on each item in a savepoint of its own; return refusals and changes.

    The refusals are what each item's service refused, by the item's id.
    """
    refusals, changed = {}, 0
    for recommendation, version in items:
        try:
            with transaction.atomic():
                done = _bulk_one(recommendation, version, action, by, **arguments)
        except StaleVersion:
            refusals[recommendation.pk] = gettext(
                "Changed by someone else since the list was opened."
            )
        except ValidationError as exc:
            refusals[recommendation.pk] = " ".join(exc.messages)
        else:
            changed += done is not None
    return refusals, changed


class _DryRun(Exception):
    """Raised to roll back a bulk check's writes."""


def recommendations_bulk_check(
    *,
    items,
    action: str,
    by,
    status: str = "",
    reason: str = "",
    effective_date: datetime.date | None = None,
    owner=None,
    reason_sensitivity: str | None = None,
) -> dict[int, str]:
    """Return why each item would be refused by `recommendations_bulk_update`, by its id.

    The same services run on the same items, in the same order, inside a transaction that is
    then rolled back: the check is the refusal itself, never a copy of its rules, and nothing
    is written (nor any notification sent). An item absent from the result would pass.
    """
    _require(by, "tracker.change_status", gettext("You may not change recommendations."))
    items = _bulk_check_arguments(items, action)
    refusals: dict[int, str] = {}
    try:
        with transaction.atomic():
            refusals, _ = _bulk_each(
                items,
                action,
                by,
                status=status,
                reason=reason,
                effective_date=effective_date,
                owner=owner,
                reason_sensitivity=reason_sensitivity,
            )
            raise _DryRun
    except _DryRun:
        pass
    return refusals


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
    reason_sensitivity: str | None = None,
) -> int:
    """Apply one action to many recommendations, all or nothing; return how many changed.

    `items` are (recommendation, version it was shown at) pairs. Each item goes through its
    own service, so each gets its own record (status change or edit) and its own version
    check; if any item is refused (changed by someone else, already in that status, a date
    outside its follow-up period), nothing is saved and every refusal is listed
    (`recommendations_bulk_check` tells the same refusals beforehand, writing nothing).
    `action` is "confirm" (record that a carried-over status still holds, with `reason`),
    "status" (set `status` with `reason` and `effective_date`) or "owner" (assign `owner`).
    The reason's sensitivity (`reason_sensitivity`) is the one of every change recorded, as
    `recommendation_set_status` decides it.
    """
    _require(by, "tracker.change_status", gettext("You may not change recommendations."))
    items = _bulk_check_arguments(items, action)
    refusals, changed = _bulk_each(
        items,
        action,
        by,
        status=status,
        reason=reason,
        effective_date=effective_date,
        owner=owner,
        reason_sensitivity=reason_sensitivity,
    )
    if refusals:
        raise ValidationError(
            [
                gettext("Nothing was saved."),
                *(
                    f"{recommendation.reference}: {refusals[recommendation.pk]}"
                    for recommendation, _ in items
                    if recommendation.pk in refusals
                ),
            ]
        )
    return changed


def _bulk_one(
    recommendation,
    version,
    action,
    by,
    *,
    status,
    reason,
    effective_date,
    owner,
    reason_sensitivity,
):
    if action == "owner":
        return recommendation_set_owner(
            recommendation=recommendation, owner=owner, by=by, expected_version=version
        )
    if action == "confirm":
        if not recommendation.needs_review:
            raise ValidationError(gettext("Its status is not waiting for confirmation."))
        status = recommendation.status
        effective_date = effective_date_bounds(recommendation).last
    return recommendation_set_status(
        recommendation=recommendation,
        status=status,
        reason=reason,
        by=by,
        effective_date=effective_date,
        expected_version=version,
        reason_sensitivity=reason_sensitivity,
    )


@transaction.atomic
def status_change_void(
    *, change: StatusChange, reason: str, by, expected_version: int | None = None
) -> StatusChangeVoid:
    """Void a mistaken status change with a reason; the status on every day is recomputed.

    The change keeps its row (history is append-only); from now on `status_on` skips it, so the
    cached status of its recommendation and of the successors that carry it is refreshed. A
    voided change counts nowhere, not even as a confirmation: a carried-over item left with no
    live change of its own needs review again.
    """
    _require(by, "tracker.change_status", gettext("You may not correct status changes."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why this status change was a mistake.")})
    change = StatusChange.objects.select_for_update().get(pk=change.pk)
    if StatusChangeVoid.objects.filter(change=change).exists():
        raise ValidationError(gettext("This status change was already voided."))
    # A carried-over item is confirmed by its own changes; with none left it waits for
    # confirmation again, as the import left it.
    others = StatusChange.objects.filter(
        recommendation_id=change.recommendation_id, void__isnull=True
    ).exclude(pk=change.pk)
    unconfirmed = (
        Recommendation.objects.filter(pk=change.recommendation_id, predecessor__isnull=False)
        .exclude(Exists(others))
        .exists()
    )
    # The recommendation's version is the lock: voiding changes its status history.
    _bump_version(
        Recommendation,
        change.recommendation_id,
        expected_version,
        "This recommendation",
        **({"needs_review": True} if unconfirmed else {}),
    )
    void = StatusChangeVoid.objects.create(change=change, reason=reason, voided_by=by)
    lineage.refresh_status(
        Recommendation.objects.filter(ancestor_links__ancestor_id=change.recommendation_id)
    )
    return void


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
    _require(
        by, "tracker.change_recommendation", gettext("You may not correct a recommendation's text.")
    )
    text = (text or "").strip()
    reason = (reason or "").strip()
    if not text:
        raise ValidationError({"text": gettext("A recommendation cannot have an empty text.")})
    if not reason:
        raise ValidationError(
            {"reason": gettext("Give the reason for correcting the official text.")}
        )
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    old = recommendation.text
    if old == text:
        return None
    _bump_version(
        Recommendation, recommendation.pk, expected_version, "This recommendation", text=text
    )
    note = reason if len(old) <= 300 else f"{reason}\n\nThe text was: {old}"
    return _record_edit(recommendation, "text", _clip(old), _clip(text), by, note=note)
