"""Acting on many recommendations at once: choose, preview what will change, then apply.

The list's filters choose the items (at most `services.BULK_LIMIT`), none ticked until the user
ticks them; each selected item carries the version it was shown at, so a change made by someone
else meanwhile refuses the whole action. Every item still gets its own record through the
services. The preview asks the services themselves what they would refuse
(`services.recommendations_bulk_check`), shows each refusal on its row, and offers to apply the
action only to the items that would pass: never the same failing action again.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from tiptracker.lib import inputs
from tracker import selectors, services
from tracker.forms import BulkForm
from tracker.models import Recommendation


@dataclass
class Planned:
    """What the action will do to one item, for the preview."""

    recommendation: Recommendation
    version: int
    before: str
    after: str
    skipped: str = ""
    refusal: str = ""

    @property
    def item(self) -> str:
        return f"{self.recommendation.pk}:{self.version}"


def _selected(request) -> list[tuple[int, int]]:
    """Return the (pk, version) pairs ticked on the page; refuse malformed ones (BadInput)."""
    pairs = []
    for value in request.POST.getlist("item"):
        pk, colon, version = value.partition(":")
        if not colon:
            raise inputs.BadInput(
                f"“item” must be a recommendation and its version, such as 12:3, not "
                f"“{inputs.shown(value)}”.",
                name="item",
            )
        pairs.append(
            (
                inputs.record_id(pk, name="item"),
                inputs.whole_number(
                    version, name="item", minimum=1, maximum=inputs.MAX_POSITIVE_INT
                ),
            )
        )
    return pairs


def _plan(pairs, data) -> list[Planned]:
    recs = Recommendation.objects.select_related("report__country", "owner").in_bulk(
        [pk for pk, _ in pairs]
    )
    plan = []
    action = data["action"]
    for pk, version in pairs:
        rec = recs.get(pk)
        if rec is None:
            continue
        if action == "owner":
            owner = data.get("owner")
            before = rec.owner.get_username() if rec.owner_id else gettext("Nobody")
            after = owner.get_username() if owner else gettext("Nobody")
            skipped = gettext("already so") if before == after else ""
        elif action == "confirm":
            status = rec.get_status_display()
            before = gettext("%(status)s (needs review)") % {"status": status}
            before = before if rec.needs_review else ""
            after = gettext("%(status)s, confirmed") % {"status": status}
            skipped = "" if rec.needs_review else gettext("not waiting for confirmation")
            before = before or rec.get_status_display()
        else:
            before = rec.get_status_display()
            after = Recommendation.Status(data["status"]).label
            skipped = ""
        plan.append(Planned(rec, version, before, after, skipped))
    return plan


@login_required
@permission_required("tracker.change_status", raise_exception=True)
@require_http_methods(["GET", "POST"])
def recommendation_bulk(request):
    """Choose recommendations by the list's filters, preview an action, then apply it."""
    params = request.GET.copy()
    # `?tick=all` ticks every row shown; otherwise none is ticked until the user chooses.
    tick_all = params.pop("tick", [""])[0] == "all"
    listed = selectors.recommendation_list(user=request.user, params=params)
    filterset = listed.filterset
    # Always the list's default order, whatever column the list was sorted by.
    queryset = listed.queryset.order_by(*selectors.LIST_ORDER)
    count = queryset.count()
    rows = list(queryset[: services.BULK_LIMIT])
    form = BulkForm(request.POST or None)
    context = {
        "filter": filterset,
        "rows": rows,
        "count": count,
        "limit": services.BULK_LIMIT,
        "form": form,
        "query": params.urlencode(),
    }
    if request.method == "GET":
        context["selected"] = {rec.pk for rec in rows} if tick_all else set()
        return render(request, "tracker/recommendation_bulk.html", context)
    pairs = _selected(request)
    if not form.is_valid() or not pairs:
        if not pairs:
            form.add_error(None, gettext("Tick at least one recommendation."))
        context["selected"] = {pk for pk, _ in pairs}
        return render(request, "tracker/recommendation_bulk.html", context, status=400)
    data = form.cleaned_data
    plan = _plan(pairs, data)
    arguments = {
        "action": data["action"],
        "by": request.user,
        "status": data.get("status") or "",
        "reason": data.get("reason") or "",
        "effective_date": data.get("effective_date"),
        "owner": data.get("owner"),
        "reason_sensitivity": data.get("reason_sensitivity") or None,
    }
    if request.POST.get("step") != "apply":
        return _preview(request, context, plan, arguments)
    items = [(p.recommendation, p.version) for p in plan if not p.skipped]
    try:
        changed = services.recommendations_bulk_update(items=items, **arguments)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        # What changed meanwhile is refused on its row; the rest may still be applied.
        return _preview(request, context, plan, arguments, status=409)
    messages.success(
        request,
        ngettext(
            "%(count)s recommendation changed, each with its own record in its timeline.",
            "%(count)s recommendations changed, each with its own record in its timeline.",
            changed,
        )
        % {"count": changed},
    )
    return redirect(
        reverse("recommendation_list") + (f"?{context['query']}" if context["query"] else "")
    )


def _preview(request, context, plan, arguments, status=200):
    """Render the preview: each item's change, or why the services would refuse it."""
    items = [(p.recommendation, p.version) for p in plan if not p.skipped]
    refusals = services.recommendations_bulk_check(items=items, **arguments) if items else {}
    for planned in plan:
        planned.refusal = refusals.get(planned.recommendation.pk, "")
    applicable = [p.item for p in plan if not (p.skipped or p.refusal)]
    context.update(
        plan=plan,
        step="preview",
        applicable=applicable,
        refused=sum(bool(p.refusal) for p in plan),
    )
    return render(request, "tracker/recommendation_bulk.html", context, status=status)
