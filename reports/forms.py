"""The form that chooses which summary to open."""

from django import forms


class CountryYearSelect(forms.Select):
    """A country menu whose options name the report years each country has a narrative for
    (`data-years`), so the page can offer only the countries of the year chosen."""

    def __init__(self, *args, years_of=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.years_of = years_of or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["data-years"] = " ".join(str(y) for y in self.years_of.get(value, ()))
        return option


class SummaryChoiceForm(forms.Form):
    """Choose a report year and a scope (one country with a narrative that year, or all)."""

    year = forms.TypedChoiceField(label="Report year", coerce=int)
    country = forms.ChoiceField(
        label="Country",
        required=False,
        help_text="Only countries with a narrative in the chosen year have a summary.",
    )

    def __init__(self, *args, years=(), countries=(), **kwargs):
        """`countries` is (slug, name, years with a narrative) for every country that has one."""
        super().__init__(*args, **kwargs)
        self.names = {slug: name for slug, name, _ in countries}
        self.years_of = {slug: sorted(set(its_years)) for slug, _, its_years in countries}
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["country"].choices = [("", "All countries")] + [
            (slug, name) for slug, name, _ in countries
        ]
        self.fields["country"].widget = CountryYearSelect(
            choices=self.fields["country"].choices,
            years_of=self.years_of,
            attrs={"data-summary-country": ""},
        )

    def clean(self):
        cleaned = super().clean()
        year, slug = cleaned.get("year"), cleaned.get("country")
        if year and slug and year not in self.years_of[slug]:
            has = ", ".join(str(y) for y in self.years_of[slug])
            self.add_error(
                "country",
                f"{self.names[slug]} has no narrative for {year}, so no summary; "
                f"it has one for {has}. Choose another year or country.",
            )
        return cleaned
