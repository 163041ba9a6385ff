"""Country pages and the tier comparison."""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from reports import trajectory
from tracker.models import Country, Recommendation, Report, Tier

# --------------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------------


@login_required
@permission_required("tracker.view_country", raise_exception=True)
def country_list(request):
    """List the countries with their latest tier and imported narratives."""
    rows = trajectory.country_index()
    return render(request, "reports/country_list.html", {"rows": rows})


@login_required
@permission_required("tracker.view_country", raise_exception=True)
def country_detail(request, slug):
    """Show a country's tier timeline and its recommendations year by year."""
    country = get_object_or_404(Country, slug=slug)
    data = trajectory.country_trajectory(country, request.user)
    return render(request, "reports/country_detail.html", {"country": country, "data": data})


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


class ComparisonForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Report year"), coerce=int)
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("Any tier")), *Tier.choices]
    )
    country = forms.MultipleChoiceField(
        label=_("Countries"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("With a tier, only the chosen countries of that tier show."),
    )

    def __init__(self, *args, years, countries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["country"].choices = countries


def _comparison_countries(year: int | None, asked) -> list[tuple[str, str]]:
    """Return the countries to offer: those with a narrative in `year`, and any other known
    country a link asks for (so links made before the year changed still open)."""
    with_narrative = Q(reports__year=year) if year is not None else Q(pk__in=[])
    return list(
        Country.objects.filter(with_narrative | Q(slug__in=list(asked)))
        .distinct()
        .order_by("name")
        .values_list("slug", "name")
    )


@login_required
@permission_required("tracker.view_country", raise_exception=True)
def compare(request):
    """Show the countries of one tier (or the chosen ones) side by side for one report year.

    It opens on the latest year with narratives, with that year's countries chosen.
    """
    years = trajectory.comparison_years()
    narrative_years = list(Report.objects.order_by("-year").values_list("year", flat=True)[:1])
    data = request.GET.copy()
    opening = years and "year" not in data
    if opening:
        data["year"] = str(narrative_years[0] if narrative_years else years[0])
    try:
        year = int(data["year"]) if years else None
    except ValueError:
        year = None
    countries = _comparison_countries(year, data.getlist("country"))
    if opening and "country" not in data and "tier" not in data:
        if narrative_years:
            data.setlist("country", [slug for slug, _ in countries])
        else:  # tier tables only: open on the countries of Tier 3
            data["tier"] = Tier.TIER_3
    form = ComparisonForm(data, years=years, countries=countries)
    result = None
    if years and form.is_valid():
        result = trajectory.comparison(
            form.cleaned_data["year"],
            request.user,
            tier=form.cleaned_data["tier"] or None,
            slugs=form.cleaned_data["country"],
        )
    return render(
        request,
        "reports/compare.html",
        {
            "form": form,
            "result": result,
            "year": year,
            # Short headings: the full "Cannot assess (no reliable information)" is in the legend.
            "statuses": [
                (code, label.split(" (")[0]) for code, label in Recommendation.Status.choices
            ],
        },
    )
