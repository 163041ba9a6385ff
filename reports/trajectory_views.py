"""Country pages and the tier comparison."""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, render

from reports import trajectory
from tracker.models import Country, Recommendation, Tier

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
    year = forms.TypedChoiceField(label="Report year", coerce=int)
    tier = forms.ChoiceField(
        label="Tier", required=False, choices=[("", "Any tier"), *Tier.choices]
    )
    country = forms.MultipleChoiceField(
        label="Countries",
        required=False,
        help_text="Or choose countries; with a tier, only the chosen ones of that tier show.",
    )

    def __init__(self, *args, years, countries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["country"].choices = countries


@login_required
@permission_required("tracker.view_country", raise_exception=True)
def compare(request):
    """Show the countries of one tier (or the chosen ones) side by side for one report year."""
    years = trajectory.comparison_years()
    countries = list(Country.objects.order_by("name").values_list("slug", "name"))
    data = request.GET.copy()
    if years and "year" not in data:
        data["year"] = str(years[0])
        data.setdefault("tier", Tier.TIER_3)
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
            # Short headings: the full "Cannot assess (no reliable information)" is in the legend.
            "statuses": [
                (code, label.split(" (")[0]) for code, label in Recommendation.Status.choices
            ],
        },
    )
