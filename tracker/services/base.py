"""What every service shares: the role check, the citation rule, and the version check behind
"changed by someone else"."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from tracker.models import Evidence, EvidenceSensitivity, most_sensitive, sensitivity_rank


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


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_citations(recommendation, by, *, evidence=(), findings=None) -> None:
    """Refuse citations that break the citation rule, whatever the entry point.

    Evidence is cited only as `Evidence.objects.citable_for` allows: logged against the
    recommendation, and visible to whoever cites it. Findings are cited from the
    recommendation's own narrative. One query when every citation is allowed.
    """
    wanted = {item.pk for item in evidence}
    if wanted:
        citable = set(
            Evidence.objects.citable_for(recommendation, by)
            .filter(pk__in=wanted)
            .values_list("pk", flat=True)
        )
        if wanted - citable:
            visible = Evidence.objects.visible_to(by).filter(pk__in=wanted - citable)
            if visible.count() < len(wanted - citable):
                raise PermissionDenied("You may not cite evidence you cannot see.")
            raise ValidationError(
                {
                    "evidence": f"Only evidence logged against {recommendation.reference} may be "
                    "cited about it; log the item against it first."
                }
            )
    if findings:
        foreign = [f for f in findings if f.report_id != recommendation.report_id]
        if foreign:
            raise ValidationError(
                {"findings": f"Cite findings of {recommendation.reference}'s own narrative."}
            )


def _text_sensitivity(requested: str | None, cited_ids, by, *, field: str, what: str) -> str:
    """Return the sensitivity a free text gets, or refuse the one asked for: THE floor.

    A text is never less sensitive than the most sensitive evidence it cites (`cited_ids`).
    Not asked for (`requested` empty), it is the higher of internal and that floor; asked for
    below the floor, it is refused on `field`, naming the evidence that sets the floor when
    `by` may see it. `what` names the text in the message ("reason", "narrative").
    """
    cited = list(
        Evidence.objects.filter(pk__in=list(cited_ids))
        .order_by("title")
        .values_list("pk", "title", "sensitivity")
    )
    floor = most_sensitive(*(sensitivity for _, _, sensitivity in cited))
    if not requested:
        return most_sensitive(EvidenceSensitivity.INTERNAL, floor)
    if requested not in EvidenceSensitivity.values:
        raise ValidationError({field: f"Unknown sensitivity {requested!r}."})
    if sensitivity_rank(requested) >= sensitivity_rank(floor):
        return requested
    setting = {pk for pk, _, sensitivity in cited if sensitivity == floor}
    seen = list(Evidence.objects.visible_to(by).filter(pk__in=setting).order_by("title")[:2])
    if seen:
        named = "; ".join(f"“{item.title}”" for item in seen)
        named += " and others" if len(setting) > len(seen) else ""
        because = f"it cites {floor} evidence ({named})"
    else:
        because = f"it cites {floor} evidence"
    allowed = " or ".join(
        value
        for value in EvidenceSensitivity.values
        if sensitivity_rank(value) >= sensitivity_rank(floor)
    )
    raise ValidationError(
        {
            field: f"A {what} cannot be {requested}: {because}, and a text is never less "
            f"sensitive than the evidence it cites. Make the {what} {allowed}, or cite "
            "other evidence."
        }
    )
