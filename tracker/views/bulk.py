"""Acting on many recommendations at once: choose, preview what will change, then apply.

The list's filters choose the items (at most `services.BULK_LIMIT`); each selected item carries
the version it was shown at, so a change made by someone else meanwhile refuses the whole
action. Every item still gets its own record through the services.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
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
            before = rec.owner.get_username() if rec.owner_id else "Nobody"
            after = owner.get_username() if owner else "Nobody"
            skipped = "already so" if before == after else ""
        elif action == "confirm":
            before = f"{rec.get_status_display()} (needs review)" if rec.needs_review else ""
            after = f"{rec.get_status_display()}, confirmed"
            skipped = "" if rec.needs_review else "not waiting for confirmation"
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
    listed = selectors.recommendation_list(user=request.user, params=request.GET)
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
        "query": request.GET.urlencode(),
    }
    if request.method == "GET":
        return render(request, "tracker/recommendation_bulk.html", context)
    pairs = _selected(request)
    if not form.is_valid() or not pairs:
        if not pairs:
            form.add_error(None, "Tick at least one recommendation.")
        context["selected"] = {pk for pk, _ in pairs}
        return render(request, "tracker/recommendation_bulk.html", context, status=400)
    data = form.cleaned_data
    plan = _plan(pairs, data)
    if request.POST.get("step") != "apply":
        context.update(plan=plan, step="preview")
        return render(request, "tracker/recommendation_bulk.html", context)
    items = [(p.recommendation, p.version) for p in plan if not p.skipped]
    try:
        changed = services.recommendations_bulk_update(
            items=items,
            action=data["action"],
            by=request.user,
            status=data.get("status") or "",
            reason=data.get("reason") or "",
            effective_date=data.get("effective_date"),
            owner=data.get("owner"),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        context.update(plan=plan, step="preview")
        return render(request, "tracker/recommendation_bulk.html", context, status=409)
    messages.success(
        request,
        f"{changed} recommendation{'s' if changed != 1 else ''} changed, each with its own "
        "record in its timeline.",
    )
    return redirect(
        reverse("recommendation_list") + (f"?{context['query']}" if context["query"] else "")
    )
