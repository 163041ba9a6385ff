"""Forms of the analyst workspace. They validate input; the writes happen in tracker.services."""

import html

from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import PasswordChangeForm
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BaseCSVWidget

from tiptracker.lib import inputs
from tiptracker.lib.dates import long_date
from tracker import search, uploads
from tracker.models import (
    Assessment,
    Evidence,
    Finding,
    NotificationPreference,
    Recommendation,
    SavedFilter,
    evidence_date_errors,
    translation_languages,
)
from tracker.permissions import owner_candidates


def not_in_the_future(day) -> None:
    """Refuse a day after today: a status on a future day is not known yet."""
    today = timezone.localdate()
    if day is not None and day > today:
        raise forms.ValidationError(
            gettext("%(day)s is in the future: statuses are known up to today, %(today)s.")
            % {"day": long_date(day), "today": long_date(today)}
        )


class DateInput(forms.DateInput):
    """A browser date picker; it needs ISO dates whatever the locale formats are."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)


class PlainSelect(forms.Select):
    """A single-choice <select> written out in Python rather than one template per option.

    With 200 countries in a filter, rendering each <option> through the widget templates cost
    more than every query of the list page together, and so did `format_html` per option: the
    options are joined as plain strings, each value and label escaped as the templates would
    (`conditional_escape`: text that is already safe HTML is kept as it is).
    """

    def render(self, name, value, attrs=None, renderer=None):
        # The widget's name, value and attributes, without the option dictionaries of
        # `ChoiceWidget.get_context`: the loop below reads the choices itself.
        context = forms.Widget.get_context(self, name, value, attrs)["widget"]
        chosen = context["value"]
        parts = [f'<select name="{_escaped(context["name"])}"{_attributes(context["attrs"])}>']
        selected = False  # a single choice: only the first matching option is selected
        for group, options in _groups(self.choices):
            if group is not None:
                parts.append(f'<optgroup label="{_escaped(group)}">')
            for option_value, label in options:
                option_value = "" if option_value is None else str(option_value)
                mark = ""
                if not selected and option_value in chosen:
                    selected, mark = True, " selected"
                parts.append(
                    f'<option value="{_escaped(option_value)}"{mark}>{_escaped(label)}</option>'
                )
            if group is not None:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


def _escaped(text) -> str:
    """Escape `text` as `conditional_escape` does, without its lazy-text wrapper per call."""
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return str(text.__html__())
    return html.escape(str(text))


def _attributes(attrs: dict) -> str:
    """Write a widget's attributes as Django's `attrs.html` does: True bare, False left out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{_escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _groups(choices):
    """Yield (group label or None, [(value, label)…]) as `ChoiceWidget.optgroups` reads them."""
    for option_value, label in choices:
        if isinstance(label, (list, tuple)):
            yield option_value, label
        else:
            yield None, [(option_value, label)]


class PlainCSVSelect(BaseCSVWidget, PlainSelect):
    """The sort menu (django-filter's CSV select, one value or several) with a `PlainSelect`."""


class FilterForm(forms.Form):
    """The form of a list page's filters: its single-choice menus render as `PlainSelect`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = type(field.widget)
            if widget is forms.Select:
                plain = PlainSelect(attrs=field.widget.attrs)
            elif widget.__bases__ == (BaseCSVWidget, forms.Select):
                # The class django-filter makes for an ordering's menu (`BaseCSVField`).
                plain = PlainCSVSelect(attrs=field.widget.attrs)
            else:
                continue
            plain.choices = field.widget.choices
            plain.is_required = field.widget.is_required
            field.widget = plain


class VersionedForm(forms.Form):
    """A form that carries the version of the record it was opened on, against lost updates."""

    # The bound keeps a forged value inside the database column (PositiveIntegerField).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2_147_483_647)


TEXT_SENSITIVITY_HELP = _(
    "Public: may be published. Internal: staff only. Restricted: reviewers and you. Automatic: "
    "internal, or restricted if it cites restricted evidence. Never less sensitive than the "
    "evidence it cites (its sensitivity is shown in brackets)."
)


def text_sensitivity_field(label: str) -> forms.ChoiceField:
    """Return the choice of who may read a free text; empty means the automatic default."""
    return forms.ChoiceField(
        label=label,
        choices=[
            ("", pgettext_lazy("sensitivity", "Automatic")),
            *Evidence.Sensitivity.choices,
        ],
        required=False,
        widget=PlainSelect,
        help_text=TEXT_SENSITIVITY_HELP,
    )


def evidence_with_sensitivity(item: Evidence) -> str:
    """Label a citable item with its sensitivity, which sets the floor of the citing text."""
    return f"[{item.get_sensitivity_display().lower()}] {item.title}"


class StatusForm(VersionedForm):
    """Change a recommendation's status, with the reason and the evidence behind it."""

    status = forms.ChoiceField(
        label=_("Status"), choices=Recommendation.Status.choices, widget=PlainSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the status changed: what was observed, and where."),
    )
    reason_sensitivity = text_sensitivity_field(_("Reason sensitivity"))
    # Items are named by their public identifiers: the page shows no evidence ids.
    evidence = forms.ModelMultipleChoiceField(
        label=_("Evidence"),
        queryset=Evidence.objects.none(),
        required=False,
        to_field_name="public_id",
        help_text=_(
            "Evidence already logged against this recommendation that supports the change."
        ),
    )
    effective_date = forms.DateField(
        label=_("Effective date"),
        widget=DateInput,
        help_text=_("When the new status became true; may be in the past."),
    )

    field_order = [
        "status",
        "reason",
        "reason_sensitivity",
        "evidence",
        "effective_date",
        "version",
    ]

    def __init__(self, *args, evidence_queryset=None, bounds=None, **kwargs):
        kwargs.setdefault("auto_id", "status_%s")
        super().__init__(*args, **kwargs)
        if evidence_queryset is not None:
            self.fields["evidence"].queryset = evidence_queryset
        self.fields["evidence"].label_from_instance = evidence_with_sensitivity
        self.fields["evidence"].widget.attrs["size"] = 4
        today = timezone.localdate()
        field = self.fields["effective_date"]
        if bounds is not None:
            # The service enforces the bounds; the form says them and offers a day inside.
            field.help_text = bounds.help_text
            field.widget.attrs.update(min=bounds.first.isoformat(), max=bounds.last.isoformat())
            today = max(bounds.first, min(today, bounds.last))
        if not self.is_bound:
            field.initial = today

    def clean_effective_date(self):
        day = self.cleaned_data["effective_date"]
        if day > timezone.localdate():
            raise forms.ValidationError(gettext("The effective date cannot be in the future."))
        return day


def owner_field() -> forms.ModelChoiceField:
    """Return a choice of owner by username, or nobody; the form fills in `owner_candidates`."""
    return forms.ModelChoiceField(
        label=_("Owner"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody"),
        to_field_name="username",
        widget=PlainSelect,
    )


class OwnerForm(VersionedForm):
    """Assign the analyst responsible for following a recommendation."""

    owner = owner_field()

    field_order = ["owner", "version"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "owner_%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidates()


class PillarForm(VersionedForm):
    """Correct the pillar a recommendation was filed under."""

    pillar = forms.ChoiceField(
        label=_("Pillar"), choices=Recommendation.Pillar.choices, widget=PlainSelect
    )

    field_order = ["pillar", "version"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "pillar_%s")
        super().__init__(*args, **kwargs)


# Evidence and assessments


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Choose rows by id; an id no database could hold is refused as no choice (not a query
    that fails in the driver), through the input helpers (`tiptracker.lib.inputs`)."""

    def _check_values(self, value):
        for pk in value:
            try:
                inputs.record_id(pk, name=self.label or "id")
            except inputs.BadInput:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": inputs.shown(pk)},
                ) from None
        return super()._check_values(value)


class RecommendationChoiceField(IdsChoiceField):
    """Pick recommendations by reference, shown with the start of their text."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        text = obj.text if len(obj.text) <= 140 else f"{obj.text[:139]}…"
        return f"{obj.reference} · {text}"


class EvidenceDescriptionForm(forms.Form):
    """The description of a source: what the log form asks and an edit may correct."""

    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the source says that bears on the recommendations, in your words."),
    )
    source_type = forms.ChoiceField(label=_("Source type"), choices=Evidence.SourceType.choices)
    source_name = forms.CharField(
        label=_("Source name"),
        max_length=200,
        required=False,
        help_text=_("Who published it, e.g. the UN Special Rapporteur or an NGO's name."),
    )
    url = forms.URLField(label=_("URL"), max_length=500, required=False, assume_scheme="https")
    published_on = forms.DateField(label=_("Published on"), required=False, widget=DateInput)
    accessed_on = forms.DateField(label=_("Accessed on"), required=False, widget=DateInput)
    quote = forms.CharField(
        label=_("Quote"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The passage itself, word for word."),
    )

    def clean(self):
        data = super().clean()
        dates = {name: data.get(name) for name in ("published_on", "accessed_on")}
        for name, message in evidence_date_errors(**dates).items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


class EvidenceForm(EvidenceDescriptionForm):
    """Log a source against one or more recommendations; the file is checked by its content."""

    # Empty files are refused by tracker.uploads, after the size check: an oversized upload
    # arrives here cut short, possibly to nothing, and must be reported as too big.
    file = forms.FileField(
        label=_("File"),
        required=False,
        allow_empty_file=True,
        help_text=_("Optional. PDF, image, Word, Excel, PowerPoint or plain text."),
    )
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"),
        choices=Evidence.Sensitivity.choices,
        initial=Evidence.Sensitivity.INTERNAL,
        widget=forms.RadioSelect,
        help_text=_("Restricted items are seen only by reviewers and by you."),
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Evidence.Direction.choices,
        widget=forms.RadioSelect,
        help_text=_("What the source shows about the government's action."),
    )
    find = forms.CharField(
        label=_("Find recommendations by reference"),
        required=False,
        max_length=40,
        help_text=_("Part of a reference, such as PRK-2021 or a country code."),
    )
    recommendations = RecommendationChoiceField(
        label=_("Recommendations"), queryset=Recommendation.objects.none()
    )

    def __init__(self, *args, recommendation_queryset=None, upload_record=None, **kwargs):
        kwargs.setdefault("auto_id", "evidence_%s")
        super().__init__(*args, **kwargs)
        if recommendation_queryset is not None:
            self.fields["recommendations"].queryset = recommendation_queryset
        self.upload_record = upload_record or uploads.UploadRecord()
        self.file_kind = None
        if not self.is_bound:
            self.fields["accessed_on"].initial = timezone.localdate()

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        # Django strips a folder path from the name (and drops a file named ".."); the names as
        # sent are checked too, so such an upload is refused rather than quietly renamed.
        for name in self.upload_record.raw_names:
            uploads.check_name(name)
        if upload:
            size = self.upload_record.size_of("file")
            self.file_kind = uploads.check_upload(upload, size=size)
        return upload


class EvidenceEditForm(EvidenceDescriptionForm):
    """Correct an item of evidence: its description, its direction and the recommendations it
    bears on, with the reason for the correction."""

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Evidence.Direction.choices,
        widget=forms.RadioSelect,
        help_text=_("What the source shows about the government's action."),
    )
    find = forms.CharField(
        label=_("Find recommendations by reference"),
        required=False,
        max_length=40,
        help_text=_("Part of a reference, such as PRK-2022 or a country code."),
    )
    recommendations = RecommendationChoiceField(
        label=_("Recommendations"), queryset=Recommendation.objects.none()
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why it was wrong; kept with each change in the item's history."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, recommendation_queryset=None, **kwargs):
        kwargs.setdefault("auto_id", "evidence_%s")
        super().__init__(*args, **kwargs)
        if recommendation_queryset is not None:
            self.fields["recommendations"].queryset = recommendation_queryset

    def changes(self, evidence) -> dict:
        """Return the corrected fields whose cleaned value differs from `evidence`'s.

        The recommendations count as changed when the set differs, whatever its order.
        """
        changes = {
            name: value
            for name, value in self.cleaned_data.items()
            if (name in EvidenceDescriptionForm.base_fields or name == "direction")
            and getattr(evidence, name) != value
        }
        wanted = self.cleaned_data.get("recommendations")
        if wanted is not None:
            current = set(evidence.recommendations.values_list("pk", flat=True))
            if {rec.pk for rec in wanted} != current:
                changes["recommendations"] = list(wanted)
        return changes


class AssessmentForm(forms.Form):
    """Draft or edit the yearly assessment of one recommendation."""

    # No rating or confidence is preselected: each is a judgement the analyst makes.
    rating = forms.ChoiceField(
        label=_("Rating"), choices=[("", _("Choose a rating")), *Assessment.Rating.choices]
    )
    confidence = forms.ChoiceField(
        label=_("Confidence"),
        choices=[("", _("Choose a confidence")), *Assessment.Confidence.choices],
    )
    narrative = forms.CharField(
        label=pgettext_lazy("an assessment's text", "Narrative"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The judgement and the reasons for it, citing what was observed."),
    )
    narrative_sensitivity = text_sensitivity_field(_("Narrative sensitivity"))
    findings = IdsChoiceField(
        label=_("Findings cited"),
        queryset=Finding.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = forms.ModelMultipleChoiceField(
        label=_("Evidence cited"),
        queryset=Evidence.objects.none(),
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
    )
    # Empty while no assessment exists: the first save creates it. The revision is carried
    # too: a correction starts again at version 1, so a version alone could match the wrong row.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, finding_queryset=None, evidence_queryset=None, **kwargs):
        kwargs.setdefault("auto_id", "assessment_%s")
        super().__init__(*args, **kwargs)
        if finding_queryset is not None:
            self.fields["findings"].queryset = finding_queryset
        if evidence_queryset is not None:
            self.fields["evidence"].queryset = evidence_queryset
        self.fields["findings"].label_from_instance = lambda f: (
            f"{f.get_section_display()}: {f.text}"
        )
        self.fields["evidence"].label_from_instance = lambda e: (
            f"{evidence_with_sensitivity(e)} ({long_date(e.published_on)})"
            if e.published_on
            else evidence_with_sensitivity(e)
        )


class AssessmentStepForm(VersionedForm):
    """Submit an assessment or open its correction, from the revision and version the user saw."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReviewForm(AssessmentStepForm):
    """Approve or return a submitted assessment, with a note for the author."""

    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("return", _("Return"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning: say what the author should change."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "review_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("note") or "").strip():
            self.add_error("note", gettext("Say what the author should change."))
        return data


class BulkForm(forms.Form):
    """One action for many recommendations: confirm, set a status, or assign an owner."""

    ACTIONS = [
        ("confirm", _("Confirm the carried-over status as it is")),
        ("status", _("Set a status")),
        ("owner", _("Assign an owner")),
    ]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", "—"), *Recommendation.Status.choices], required=False
    )
    effective_date = forms.DateField(
        label=_("Effective date"),
        widget=DateInput,
        required=False,
        help_text=_(
            "For a new status: when it became true. Each item's follow-up period bounds it."
        ),
    )
    owner = owner_field()
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Recorded on each item's status change (confirming or setting a status)."),
    )
    reason_sensitivity = text_sensitivity_field(_("Reason sensitivity"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["reason_sensitivity"].help_text = gettext(
            "Who may read the reason recorded on each item. Public: may be published. Internal: "
            "staff only. Restricted: reviewers and you. Automatic: internal (a bulk change cites "
            "no evidence)."
        )
        self.fields["owner"].queryset = owner_candidates()

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in ("confirm", "status") and not (data.get("reason") or "").strip():
            self.add_error("reason", gettext("Give the reason, recorded on each item."))
        if action == "status":
            if not data.get("status"):
                self.add_error("status", gettext("Choose the new status."))
            if not data.get("effective_date"):
                self.add_error("effective_date", gettext("Give the day the status became true."))
        return data


class SearchForm(forms.Form):
    """The search across everything: words, capped in length and number."""

    q = forms.CharField(
        label=_("Search"),
        max_length=search.MAX_QUERY_CHARS,
        validators=[search.validate_query],
        help_text=_("Every word must appear; a word also finds the words it begins."),
    )


class NotificationEmailForm(forms.Form):
    """How the user wants their notifications e-mailed."""

    email = forms.ChoiceField(
        label=_("E-mail me"),
        choices=NotificationPreference.Email.choices,
        widget=forms.RadioSelect,
        help_text=_("Every notification also shows here, in the app, until you mark it read."),
    )


# Parameters of a list's URL that are not filters: where one was, not what one wants.
_NOT_FILTERS = {"page", "format", "csrfmiddlewaretoken"}


class SavedFilterForm(forms.Form):
    """Save the filters of a list under a name."""

    list_name = forms.ChoiceField(choices=SavedFilter.List.choices, widget=forms.HiddenInput)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Save these filters as"), max_length=80)

    def clean_query(self):
        """Keep the filters of the query string (not its page or download), in order."""
        from django.http import QueryDict

        query = QueryDict(self.cleaned_data["query"] or "", mutable=True)
        for key in _NOT_FILTERS:
            query.pop(key, None)
        for key in [key for key, values in query.lists() if not any(values)]:
            query.pop(key)
        value = query.urlencode()
        if len(value) > SavedFilter._meta.get_field("query").max_length:
            raise forms.ValidationError(gettext("These filters are too long to save."))
        return value


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Check the current password through the sign-in's authentication, throttle included.

    Django's form compares the password directly, so wrong guesses were never counted: a stolen
    session could try passwords without limit. Going through `authenticate` counts each failure
    against the username and address exactly as a failed sign-in, and shares its lock.
    """

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
    )


class CurrentCodeForm(forms.Form):
    """A code from the authenticator, asked again before its recovery codes are replaced."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="The six digits the app shows now.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "new_codes_%s")
        super().__init__(*args, **kwargs)


class EnrolmentCodeForm(forms.Form):
    """The one-time code an administrator gives a user who must set up two-factor sign-in."""

    enrolment_code = forms.CharField(
        label=_("Enrolment code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
        help_text=_("Four groups of four letters and digits, such as k7qm-2xpd-ra4t-w5vn."),
    )


# Translations of a recommendation's text


class RecommendationTranslationForm(forms.Form):
    """Add or correct the translation of a recommendation's official text into one language."""

    language = forms.ChoiceField(label=_("Language"), widget=PlainSelect)
    text = forms.CharField(
        label=_("Translation"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10_000,
        help_text=_(
            "Shown beside the official English text, marked as a translation; it never replaces it."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "translation_%s")
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = translation_languages()
