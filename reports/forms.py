"""The forms that choose a summary: which one to open, and the day and audience it is for."""

from django import forms
from django.utils import timezone

from tiptracker.lib.dates import long_date
from tracker.models import Audience, default_as_of


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


class SummaryParametersForm(forms.Form):
    """What a summary is asked for: the day its statuses are on and the audience it is built for.

    The one parser of these parameters: the summary pages and their downloads (`?as_of=`,
    `?audience=`), the API and `manage.py progress_summary` (`--as-of`, `--audience`) all read
    them through this form, so each refuses the same input with the same message. Valid, its
    `cleaned_data` holds the resolved `as_of` (the end of the follow-up period, or today while
    it runs, when none is asked) and `audience` (the user's default when none is asked).
    """

    as_of = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Give the as-of day as a date in the form YYYY-MM-DD."},
    )
    audience = forms.CharField(required=False)

    def __init__(self, data, *, user, year: int, default_audience: str | None = None):
        super().__init__(data)
        self.user = user
        self.year = year
        self.default_audience = default_audience

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        today = timezone.localdate()
        if day is None:
            return default_as_of(self.year, today)
        if day > today:
            raise forms.ValidationError(
                f"The as-of day {long_date(day)} is in the future: statuses are known up to "
                f"today, {long_date(today)}."
            )
        return day

    def clean_audience(self):
        asked = (self.cleaned_data.get("audience") or "").strip()
        allowed = Audience.allowed_for(self.user)
        if not asked:
            if self.default_audience in allowed:
                return Audience(self.default_audience)
            return Audience.for_user(self.user)
        if asked not in allowed:
            names = ", ".join(audience.value for audience in allowed)
            known = asked in Audience.values
            raise forms.ValidationError(
                f"You may not read the {asked} view of a summary; you may read: {names}."
                if known
                else f"There is no {asked!r} view of a summary; choose one of: {names}."
            )
        return Audience(asked)

    def message(self) -> str:
        """Return the errors as one sentence, for a page, a command or an API problem."""
        return " ".join(error for errors in self.errors.values() for error in errors)
