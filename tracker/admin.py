"""Django admin for administrators: it keeps the record.

History, workflow state, reviewers, timestamps, versions and statuses are read-only here. The
few corrections the admin allows (a recommendation's owner, pillar and official text; an
evidence item's sensitivity) go through `tracker.services` with a reason, so they land in the
timeline like any other change. Assessments are only ever added as drafts, by the signed-in
administrator (with the narrative's sensitivity, which the service checks against what is
cited), and move on through the app's review workflow. Evidence is listed, and reasons and
narratives are shown, by the one visibility rule, so staff who may not see restricted things
do not see them here either.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker import audit, services
from tracker.models import (
    Assessment,
    AssessmentEvent,
    Country,
    Evidence,
    EvidenceAccess,
    EvidenceEdit,
    Finding,
    Recommendation,
    RecommendationEdit,
    Report,
    StatusChange,
    TextSensitivityChange,
    TierPlacement,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Show records without any way to add, change or delete them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceChangeForm(forms.ModelForm):
    """A form of a few fields changed through services, from the version the user saw.

    A change of `reason_needed_for` needs a reason, which the service records with it.
    """

    reason_needed_for = ""
    reason_refusal = ""
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea({"rows": 2}))
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and hasattr(self.instance, "version"):
            self.fields["seen_version"].initial = self.instance.version
        self.fields[
            "reason"
        ].help_text = f"Required when the {self.reason_needed_for} changes; kept in the record."

    def clean(self):
        cleaned = super().clean()
        needed = self.reason_needed_for in self.changed_data
        if needed and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", self.reason_refusal)
        return cleaned


class ServiceChangeAdmin(admin.ModelAdmin):
    """Change a few fields through services; everything else is shown read-only.

    Subclasses name the editable fields in `fields_changed_by_services` and apply a change in
    `apply_changes`, which runs in one transaction; the form's instance is never saved as such.
    A refusal (a stale form, a missing reason) is shown on the page and changes nothing.
    """

    fields_changed_by_services: tuple[str, ...] = ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        editable = {*self.fields_changed_by_services, "reason", "seen_version"}
        return [name for name in self.get_fields(request, obj) if name not in editable]

    def save_model(self, request, obj, form, change):
        request.service_refusal = None
        seen = form.cleaned_data.get("seen_version")
        try:
            with transaction.atomic():
                if seen is not None and getattr(obj, "version", seen) != seen:
                    raise services.StaleVersion(f"This {obj._meta.verbose_name}")
                self.apply_changes(request, obj, form)
        except (ValidationError, PermissionDenied) as exc:
            request.service_refusal = " ".join(getattr(exc, "messages", [str(exc)]))

    def save_related(self, request, form, formsets, change):
        """Nothing else is saved: related rows change only through services."""

    def log_change(self, request, obj, message):
        if not getattr(request, "service_refusal", None):
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request, obj):
        refusal = getattr(request, "service_refusal", None)
        if refusal:
            messages.error(request, f"{refusal} Nothing was changed.")
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def apply_changes(self, request, obj, form):
        raise NotImplementedError


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "slug"]
    search_fields = ["name", "code", "aliases"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TierPlacement)
class TierPlacementAdmin(ReadOnlyAdmin):
    list_display = ["country", "year", "tier", "source"]
    list_filter = ["tier", "source", "year"]
    list_select_related = ["country"]
    search_fields = ["country__name"]


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    fields = ["number", "reference", "text", "pillar", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["country", "year", "tier", "imported_at", "imported_by"]
    list_filter = ["year", "tier"]
    list_select_related = ["country", "imported_by"]
    search_fields = ["country__name", "title"]
    exclude = ["source_text"]
    inlines = [RecommendationInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["report", "section", "position", "text"]
    list_filter = ["section", "report__year"]
    list_select_related = ["report__country"]
    search_fields = ["text"]


class RecommendationAdminForm(ServiceChangeForm):
    reason_needed_for = "text"
    reason_refusal = "Give the reason for correcting the official text."

    class Meta:
        model = Recommendation
        fields = ["owner", "pillar", "text"]


@admin.register(Recommendation)
class RecommendationAdmin(ServiceChangeAdmin):
    form = RecommendationAdminForm
    fields_changed_by_services = ("owner", "pillar", "text")
    fields = [
        "reference",
        "report",
        "number",
        "text",
        "reason",
        "pillar",
        "owner",
        "seen_version",
        "status",
        "initial_status",
        "needs_review",
        "predecessor",
        "link_kind",
        "similarity",
        "version",
        "created_at",
        "updated_at",
    ]
    list_display = ["reference", "short_text", "country", "year", "pillar", "status", "owner"]
    list_filter = ["status", "pillar", "report__year", "report__tier"]
    list_select_related = ["report__country", "owner"]
    search_fields = ["reference", "text"]
    raw_id_fields = ["owner"]

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:80]

    @admin.display(ordering="report__country__name")
    def country(self, obj):
        return obj.report.country

    @admin.display(ordering="report__year")
    def year(self, obj):
        return obj.report.year

    def apply_changes(self, request, obj, form):
        data, changed, by = form.cleaned_data, form.changed_data, request.user
        rec = Recommendation.objects.get(pk=obj.pk)
        if "text" in changed:
            services.recommendation_correct_text(
                recommendation=rec, text=data["text"], reason=data["reason"], by=by
            )
        if "pillar" in changed:
            services.recommendation_set_pillar(recommendation=rec, pillar=data["pillar"], by=by)
        if "owner" in changed:
            services.recommendation_set_owner(recommendation=rec, owner=data["owner"], by=by)
        obj.refresh_from_db()


WITHHELD = "(not shown: restricted, and not yours to read)"


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    """Status changes, read-only; a reason is shown by the one visibility rule, as in the app."""

    list_display = [
        "recommendation",
        "old_status",
        "new_status",
        "effective_date",
        "reason_sensitivity_now",
        "changed_by",
        "recorded_at",
    ]
    list_filter = ["new_status"]
    list_select_related = ["recommendation", "changed_by"]
    fields = [
        "recommendation",
        "old_status",
        "new_status",
        "reason_shown",
        "reason_sensitivity_now",
        "changed_by",
        "effective_date",
        "recorded_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).with_reason_visibility(request.user)

    @admin.display(description="reason")
    def reason_shown(self, obj):
        return obj.reason if obj.reason_visible else WITHHELD

    @admin.display(description="who may read the reason")
    def reason_sensitivity_now(self, obj):
        return obj.reason_sensitivity_now


@admin.register(TextSensitivityChange)
class TextSensitivityChangeAdmin(ReadOnlyAdmin):
    """Who made a reason or a narrative less public, when and why: read-only, as all history."""

    list_display = [
        "text_label",
        "old_sensitivity",
        "new_sensitivity",
        "changed_by",
        "recorded_at",
    ]
    list_filter = ["new_sensitivity"]
    list_select_related = ["changed_by"]


@admin.register(RecommendationEdit)
class RecommendationEditAdmin(ReadOnlyAdmin):
    list_display = [
        "recommendation",
        "field",
        "old_value",
        "new_value",
        "changed_by",
        "recorded_at",
    ]
    list_select_related = ["recommendation", "changed_by"]


class VisibleEvidenceMixin:
    """Keep evidence rows to those the administrator may see, by the one visibility rule."""

    evidence_lookup = "evidence__in"

    def get_queryset(self, request):
        visible = Evidence.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(**{self.evidence_lookup: visible})


class EvidenceAdminForm(ServiceChangeForm):
    reason_needed_for = "sensitivity"
    reason_refusal = "Give the reason for changing who may see this."

    class Meta:
        model = Evidence
        fields = ["sensitivity"]


@admin.register(Evidence)
class EvidenceAdmin(VisibleEvidenceMixin, ServiceChangeAdmin):
    form = EvidenceAdminForm
    evidence_lookup = "pk__in"
    fields_changed_by_services = ("sensitivity",)
    fields = [
        "title",
        "sensitivity",
        "reason",
        "seen_version",
        "summary",
        "source_type",
        "source_name",
        "url",
        "published_on",
        "accessed_on",
        "quote",
        "direction",
        "file_name",
        "file_sha256",
        "file_size",
        "file_type",
        "logged_by",
        "logged_at",
    ]
    list_display = ["title", "source_type", "sensitivity", "direction", "logged_by", "logged_at"]
    list_filter = ["source_type", "sensitivity", "direction"]
    list_select_related = ["logged_by"]
    search_fields = ["title", "summary", "source_name"]

    def apply_changes(self, request, obj, form):
        if "sensitivity" in form.changed_data:
            services.evidence_set_sensitivity(
                evidence=obj,
                sensitivity=form.cleaned_data["sensitivity"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                expected_version=form.cleaned_data.get("seen_version"),
            )
        obj.refresh_from_db()


@admin.register(EvidenceEdit)
class EvidenceEditAdmin(VisibleEvidenceMixin, ReadOnlyAdmin):
    list_display = ["evidence", "field", "old_value", "new_value", "changed_by", "recorded_at"]
    list_select_related = ["evidence", "changed_by"]


@admin.register(EvidenceAccess)
class EvidenceAccessAdmin(VisibleEvidenceMixin, ReadOnlyAdmin):
    list_display = ["evidence", "user", "action", "at"]
    list_filter = ["action"]
    list_select_related = ["evidence", "user"]


class AssessmentDraftForm(forms.ModelForm):
    narrative_sensitivity = forms.ChoiceField(
        label="Narrative sensitivity",
        choices=[("", "Automatic: internal"), *Evidence.Sensitivity.choices],
        required=False,
        help_text="Who may read the narrative: public (may be published), internal or "
        "restricted. A draft added here cites nothing, so any is allowed.",
    )

    class Meta:
        model = Assessment
        fields = [
            "recommendation",
            "year",
            "rating",
            "confidence",
            "narrative",
            "narrative_sensitivity",
        ]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    """Add an assessment only as a draft of one's own; show every assessment read-only."""

    list_display = ["recommendation", "year", "revision", "rating", "state", "author", "reviewer"]
    list_filter = ["state", "rating", "year"]
    list_select_related = ["recommendation", "author", "reviewer"]
    raw_id_fields = ["recommendation"]
    shown = [
        "recommendation",
        "year",
        "revision",
        "supersedes",
        "rating",
        "confidence",
        "narrative_shown",
        "narrative_sensitivity_now",
        "state",
        "author",
        "reviewer",
        "review_note",
        "version",
        "created_at",
        "updated_at",
        "submitted_at",
        "reviewed_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_narrative_visibility(request.user)

    @admin.display(description="narrative")
    def narrative_shown(self, obj):
        return obj.narrative if obj.narrative_visible else WITHHELD

    @admin.display(description="who may read the narrative")
    def narrative_sensitivity_now(self, obj):
        return obj.narrative_sensitivity_now

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AssessmentDraftForm
            kwargs["fields"] = AssessmentDraftForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return AssessmentDraftForm.Meta.fields if obj is None else self.shown

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.shown

    def has_change_permission(self, request, obj=None):
        # Viewing stays possible; every change goes through the app's workflow.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = services.assessment_draft(
            recommendation=data["recommendation"],
            year=data["year"],
            by=request.user,
            rating=data["rating"],
            confidence=data["confidence"],
            narrative=data["narrative"],
            narrative_sensitivity=data["narrative_sensitivity"] or None,
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Citations are chosen on the assessment's page, where visibility is applied."""


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "action", "from_state", "to_state", "by", "at"]
    list_select_related = ["assessment__recommendation", "by"]


User = get_user_model()
admin.site.unregister(User)
# Authenticator secrets are not for anyone's eyes, administrators' included: the one thing done
# with a user's device in the admin is the reset below.
admin.site.unregister(TOTPDevice)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, with the two-factor actions: a one-time enrolment code for a user
    who must set up two-factor sign-in, and a reset for a user who lost their phone (which
    gives them a new enrolment code at once)."""

    actions = ["give_enrolment_code", "reset_two_factor"]

    @admin.action(description=_("Give a two-factor enrolment code"), permissions=["change"])
    def give_enrolment_code(self, request, queryset):
        return self._show_enrolment_codes(request, queryset, reset=False)

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            services.two_factor_reset(user=user, by=request.user)
            audit.two_factor("reset", request, user, by=request.user.get_username())
        return self._show_enrolment_codes(request, queryset, reset=True)

    def _show_enrolment_codes(self, request, queryset, *, reset: bool):
        """Issue each user an enrolment code and show them on a page of their own, once.

        The codes are in this answer only: never in a message (kept in a cookie or the
        session), a log or the admin's history.
        """
        issued = []
        for user in queryset.order_by("username"):
            code, record = services.enrolment_code_issue(user=user, by=request.user)
            audit.two_factor("enrolment-code-given", request, user, by=request.user.get_username())
            issued.append((user, code, record.expires_at))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Two-factor enrolment codes"),
            "issued": issued,
            "reset": reset,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/two_factor_enrolment_codes.html", context)
        response["Cache-Control"] = "private, no-store"
        return response
