"""The lineage page of a recommendation: where it comes from, and its correction by hand."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from tracker import lineage, permissions, services
from tracker.models import Recommendation


class LineageForm(forms.Form):
    predecessor = forms.TypedChoiceField(
        label=_("Predecessor"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A recommendation of this country in an earlier year, or none if it is new."),
    )
    link_kind = forms.ChoiceField(label=_("Link kind"), choices=Recommendation.LinkKind.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["predecessor"].choices = [
            ("", gettext("None (a new recommendation)")),
            *candidates,
        ]


def _lineage_context(recommendation):
    """Gather the chain, candidates and diff of one recommendation in a fixed number of queries.

    All recommendations of the country are read once (a country has at most a few hundred), and
    the chain is walked in memory rather than one query per year.
    """
    rows = list(
        Recommendation.objects.filter(report__country_id=recommendation.report.country_id)
        .order_by("-report__year", "number")
        .values("id", "reference", "text", "predecessor_id", "link_kind", "report__year")
    )
    by_id = {row["id"]: row for row in rows}
    chain, seen = [], set()
    current = by_id.get(recommendation.predecessor_id)
    while current and current["id"] not in seen:
        seen.add(current["id"])
        chain.append(current)
        current = by_id.get(current["predecessor_id"])
    successors = [row for row in rows if row["predecessor_id"] == recommendation.pk]
    year = recommendation.report.year
    earlier_years = sorted({r["report__year"] for r in rows if r["report__year"] < year})
    previous_year = earlier_years[-1] if earlier_years else None
    # Dropped by the one definition: not continued by the country's next imported year.
    dropped_ids = set(
        Recommendation.objects.filter(report__country_id=recommendation.report.country_id)
        .dropped()
        .values_list("pk", flat=True)
    )
    dropped = [r for r in rows if r["report__year"] == previous_year and r["id"] in dropped_ids]
    candidates = [
        (
            r["id"],
            f"{r['reference']} ({r['report__year']}): {r['text'][:90]}"
            + (" [dropped]" if r["id"] in dropped_ids else ""),
        )
        for r in rows
        if r["report__year"] < year
    ]
    predecessor = by_id.get(recommendation.predecessor_id)
    diff = lineage.word_diff(predecessor["text"], recommendation.text) if predecessor else []
    return {
        "chain": chain,
        "successors": successors,
        "dropped": dropped,
        "previous_year": previous_year,
        "candidates": candidates,
        "predecessor": predecessor,
        "diff": diff,
    }


@login_required
@permission_required("tracker.view_recommendation", raise_exception=True)
@require_http_methods(["GET", "POST"])
def recommendation_lineage(request, pk):
    """Show where a recommendation comes from, word by word, and let an analyst correct it."""
    recommendation = get_object_or_404(
        Recommendation.objects.select_related("report__country", "predecessor__report"), pk=pk
    )
    context = _lineage_context(recommendation)
    initial = {
        "predecessor": recommendation.predecessor_id,
        "link_kind": recommendation.link_kind or Recommendation.LinkKind.NEW,
        "version": recommendation.version,
    }
    form = LineageForm(initial=initial, candidates=context["candidates"])
    if request.method == "POST":
        if not permissions.can_edit(request.user):
            raise PermissionDenied(gettext("You may not correct lineage links."))
        form = LineageForm(request.POST, candidates=context["candidates"])
        if form.is_valid():
            predecessor_id = form.cleaned_data["predecessor"]
            predecessor = Recommendation.objects.get(pk=predecessor_id) if predecessor_id else None
            try:
                edit = services.recommendation_set_predecessor(
                    recommendation=recommendation,
                    predecessor=predecessor,
                    link_kind=form.cleaned_data["link_kind"],
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                if edit is None:
                    messages.info(
                        request, gettext("The lineage link was already so; nothing changed.")
                    )
                else:
                    messages.success(
                        request, gettext("Lineage link saved: %(link)s.") % {"link": edit.new_value}
                    )
                return redirect("recommendation_lineage", pk=recommendation.pk)
        if not form.errors:
            return HttpResponseBadRequest("Invalid form.")
    return render(
        request,
        "tracker/recommendation_lineage.html",
        {"recommendation": recommendation, "form": form, **context},
    )
