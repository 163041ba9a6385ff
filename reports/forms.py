"""The forms of the summary pages: which summary to open, the day and audience it is for,
and confirming a publication."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tiptracker.lib.dates import long_date
from tracker.models import Audience, EvidenceSensitivity, default_as_of


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

    year = forms.TypedChoiceField(label=_("Report year"), coerce=int)
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        help_text=_("Only countries with a narrative in the chosen year have a summary."),
    )

    def __init__(self, *args, years=(), countries=(), **kwargs):
        """`countries` is (slug, name, years with a narrative) for every country that has one."""
        super().__init__(*args, **kwargs)
        self.names = {slug: name for slug, name, _ in countries}
        self.years_of = {slug: sorted(set(its_years)) for slug, _, its_years in countries}
        self.fields["year"].choices = [(y, y) for y in years]
        self.fields["country"].choices = [("", gettext("All countries"))] + [
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
                gettext(
                    "%(name)s has no narrative for %(year)s, so no summary; it has one for "
                    "%(years)s. Choose another year or country."
                )
                % {"name": self.names[slug], "year": year, "years": has},
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
        error_messages={"invalid": _("Give the as-of day as a date in the form YYYY-MM-DD.")},
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
                gettext(
                    "The as-of day %(day)s is in the future: statuses are known up to today, "
                    "%(today)s."
                )
                % {"day": long_date(day), "today": long_date(today)}
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
                gettext(
                    "You may not read the %(audience)s view of a summary; you may read: %(names)s."
                )
                % {"audience": asked, "names": names}
                if known
                else gettext(
                    "There is no %(audience)s view of a summary; choose one of: %(names)s."
                )
                % {"audience": repr(asked), "names": names}
            )
        return Audience(asked)

    def message(self) -> str:
        """Return the errors as one sentence, for a page, a command or an API problem."""
        return " ".join(error for errors in self.errors.values() for error in errors)


class PublishForm(forms.Form):
    """Confirm a publication, naming the SHA-256 of the snapshot that was checked.

    The audience and the as-of day travel beside it, as on the publish page's address."""

    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_(
            "I have checked every text and evidence item listed above: each may be read by "
            "anyone, and the summary is published with them."
        ),
        error_messages={
            "required": _(
                "Tick the confirmation once you have checked what the summary makes "
                "public. Nothing was published."
            )
        },
    )

    def __init__(self, *args, audience: str = Audience.PUBLIC, **kwargs):
        kwargs.setdefault("auto_id", "publish_%s")
        super().__init__(*args, **kwargs)
        if audience != Audience.PUBLIC:
            self.fields["confirm"].label = gettext(
                "I have checked every text and evidence item listed above: each may be read "
                "by the %(audience)s audience this summary is for."
            ) % {"audience": Audience(audience).label.lower()}


class WithholdForm(forms.Form):
    """Make a text of a summary less public before it is published, with the reason."""

    text = forms.RegexField(
        regex=r"^(reason|narrative):[1-9][0-9]{0,18}$", widget=forms.HiddenInput
    )
    # Where to go back to: the check of this audience and day.
    audience = forms.ChoiceField(choices=Audience.choices, widget=forms.HiddenInput, required=False)
    as_of = forms.DateField(widget=forms.HiddenInput, required=False)
    sensitivity = forms.ChoiceField(
        label=_("Make it"),
        choices=[
            (EvidenceSensitivity.INTERNAL, _("Internal (staff only)")),
            (EvidenceSensitivity.RESTRICTED, _("Restricted (reviewers and its author)")),
        ],
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the text's record; never published."),
    )

    @property
    def target(self) -> tuple[str, int]:
        kind, _, pk = self.cleaned_data["text"].partition(":")
        return kind, int(pk)
