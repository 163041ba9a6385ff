"""What every service shares: the role check, the citation rule, and the version check behind
"changed by someone else"."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tracker.models import Evidence, EvidenceSensitivity, most_sensitive, sensitivity_rank

_STALE = {
    "This item": _(
        "This item was changed by someone else after you opened it. Nothing was saved: "
        "reload the page to see their change, then apply yours again."
    ),
    "This assessment": _(
        "This assessment was changed by someone else after you opened it. Nothing was saved: "
        "reload the page to see their change, then apply yours again."
    ),
    "This evidence": _(
        "This evidence was changed by someone else after you opened it. Nothing was saved: "
        "reload the page to see their change, then apply yours again."
    ),
    "This recommendation": _(
        "This recommendation was changed by someone else after you opened it. Nothing was "
        "saved: reload the page to see their change, then apply yours again."
    ),
}


class StaleVersion(ValidationError):
    """Raised when a record changed after the form the user is submitting was opened.

    `what` names the record in English ("This evidence"); the known ones are said whole in
    the reader's language.
    """

    def __init__(self, what: str = "This item"):
        message = _STALE.get(what) or gettext(
            "%(what)s was changed by someone else after you opened it. Nothing was saved: "
            "reload the page to see their change, then apply yours again."
        ) % {"what": what}
        super().__init__(str(message), code="stale")


def _require(user, perm: str, refusal) -> None:
    """Refuse `user` without `perm`, saying `refusal` ("You may not …", a whole sentence)."""
    if not user.has_perm(perm):
        raise PermissionDenied(str(refusal))


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
                raise PermissionDenied(gettext("You may not cite evidence you cannot see."))
            raise ValidationError(
                {
                    "evidence": gettext(
                        "Only evidence logged against %(reference)s may be cited about it; "
                        "log the item against it first."
                    )
                    % {"reference": recommendation.reference}
                }
            )
    if findings:
        foreign = [f for f in findings if f.report_id != recommendation.report_id]
        if foreign:
            raise ValidationError(
                {
                    "findings": gettext("Cite findings of %(reference)s's own narrative.")
                    % {"reference": recommendation.reference}
                }
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
        raise ValidationError(
            {field: gettext("Unknown sensitivity %(value)s.") % {"value": repr(requested)}}
        )
    if sensitivity_rank(requested) >= sensitivity_rank(floor):
        return requested
    setting = {pk for pk, _, sensitivity in cited if sensitivity == floor}
    seen = list(Evidence.objects.visible_to(by).filter(pk__in=setting).order_by("title")[:2])
    values = {
        "requested": SENSITIVITY_WORDS[requested],
        "floor": SENSITIVITY_WORDS[floor],
        "allowed": _ALLOWED_FROM[floor],
    }
    if seen:
        named = "; ".join(f"“{item.title}”" for item in seen)
        if len(setting) > len(seen):
            named = gettext("%(titles)s and others") % {"titles": named}
        message = _FLOOR_NAMED[what] % {**values, "named": named}
    else:
        message = _FLOOR[what] % values
    raise ValidationError({field: message})


# The sensitivities as words inside a sentence ("a reason cannot be public").
SENSITIVITY_WORDS = {
    "public": pgettext_lazy("sensitivity in a sentence", "public"),
    "internal": pgettext_lazy("sensitivity in a sentence", "internal"),
    "restricted": pgettext_lazy("sensitivity in a sentence", "restricted"),
}
# What a text may be made when the evidence it cites sets the floor.
_ALLOWED_FROM = {
    "internal": _("internal or restricted"),
    "restricted": pgettext_lazy("sensitivity in a sentence", "restricted"),
}
_FLOOR_NAMED = {
    "reason": _(
        "A reason cannot be %(requested)s: it cites %(floor)s evidence (%(named)s), and a text "
        "is never less sensitive than the evidence it cites. Make the reason %(allowed)s, or "
        "cite other evidence."
    ),
    "narrative": _(
        "A narrative cannot be %(requested)s: it cites %(floor)s evidence (%(named)s), and a "
        "text is never less sensitive than the evidence it cites. Make the narrative "
        "%(allowed)s, or cite other evidence."
    ),
}
_FLOOR = {
    "reason": _(
        "A reason cannot be %(requested)s: it cites %(floor)s evidence, and a text is never "
        "less sensitive than the evidence it cites. Make the reason %(allowed)s, or cite other "
        "evidence."
    ),
    "narrative": _(
        "A narrative cannot be %(requested)s: it cites %(floor)s evidence, and a text is never "
        "less sensitive than the evidence it cites. Make the narrative %(allowed)s, or cite "
        "other evidence."
    ),
}
