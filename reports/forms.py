"""The form that chooses which summary to open."""

from django import forms


class SummaryChoiceForm(forms.Form):
    """Choose a report year and a scope (one country, or all countries)."""

    year = forms.TypedChoiceField(label="Report year", coerce=int)
    country = forms.ChoiceField(label="Country", required=False)

    def __init__(self, *args, years=(), countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["country"].choices = [("", "All countries")] + [
            (slug, name) for slug, name in countries
        ]
