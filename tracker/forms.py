"""Forms of the analyst workspace. They validate input; the writes happen in tracker.services."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from tracker.models import Evidence, Recommendation


class DateInput(forms.DateInput):
    """A browser date picker; it needs ISO dates whatever the locale formats are."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)


class VersionedForm(forms.Form):
    """A form that carries the version of the record it was opened on, against lost updates."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StatusForm(VersionedForm):
    """Change a recommendation's status, with the reason and the evidence behind it."""

    status = forms.ChoiceField(label="Status", choices=Recommendation.Status.choices)
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the status changed: what was observed, and where.",
    )
    evidence = forms.ModelMultipleChoiceField(
        label="Evidence",
        queryset=Evidence.objects.none(),
        required=False,
        help_text="Evidence already logged against this recommendation that supports the change.",
    )
    effective_date = forms.DateField(
        label="Effective date",
        widget=DateInput,
        help_text="When the new status became true; may be in the past.",
    )

    field_order = ["status", "reason", "evidence", "effective_date", "version"]

    def __init__(self, *args, evidence_queryset=None, **kwargs):
        kwargs.setdefault("auto_id", "status_%s")
        super().__init__(*args, **kwargs)
        if evidence_queryset is not None:
            self.fields["evidence"].queryset = evidence_queryset
        self.fields["evidence"].widget.attrs["size"] = 4
        if not self.is_bound:
            self.fields["effective_date"].initial = timezone.localdate()

    def clean_effective_date(self):
        day = self.cleaned_data["effective_date"]
        if day > timezone.localdate():
            raise forms.ValidationError("The effective date cannot be in the future.")
        return day


def owner_candidates():
    """Return the users who may own a recommendation: those allowed to change it."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions__codename="change_status") | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


class OwnerForm(VersionedForm):
    """Assign the analyst responsible for following a recommendation."""

    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Nobody",
        to_field_name="username",
    )

    field_order = ["owner", "version"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "owner_%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidates()


class PillarForm(VersionedForm):
    """Correct the pillar a recommendation was filed under."""

    pillar = forms.ChoiceField(label="Pillar", choices=Recommendation.Pillar.choices)

    field_order = ["pillar", "version"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "pillar_%s")
        super().__init__(*args, **kwargs)
