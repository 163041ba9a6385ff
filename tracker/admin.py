"""Django admin for corrections by administrators. History rows are read-only here."""

from django.contrib import admin

from tracker.models import (
    Assessment,
    AssessmentEvent,
    Country,
    Evidence,
    Finding,
    Recommendation,
    RecommendationEdit,
    Report,
    StatusChange,
    TierPlacement,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Show append-only records without any way to add, change or delete them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "slug"]
    search_fields = ["name", "code", "aliases"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(TierPlacement)
class TierPlacementAdmin(admin.ModelAdmin):
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


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["country", "year", "tier", "imported_at", "imported_by"]
    list_filter = ["year", "tier"]
    list_select_related = ["country", "imported_by"]
    search_fields = ["country__name", "title"]
    readonly_fields = ["source_text", "source_sha256", "imported_at", "imported_by"]
    inlines = [RecommendationInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["report", "section", "position", "text"]
    list_filter = ["section", "report__year"]
    list_select_related = ["report__country"]
    search_fields = ["text"]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["reference", "short_text", "country", "year", "pillar", "status", "owner"]
    list_filter = ["status", "pillar", "report__year", "report__tier"]
    list_select_related = ["report__country", "owner"]
    search_fields = ["reference", "text"]
    readonly_fields = ["status", "initial_status", "version", "created_at", "updated_at"]
    raw_id_fields = ["report", "predecessor", "owner"]
    filter_horizontal = ["findings"]

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:80]

    @admin.display(ordering="report__country__name")
    def country(self, obj):
        return obj.report.country

    @admin.display(ordering="report__year")
    def year(self, obj):
        return obj.report.year

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "recommendation",
        "old_status",
        "new_status",
        "effective_date",
        "changed_by",
        "recorded_at",
    ]
    list_filter = ["new_status"]
    list_select_related = ["recommendation", "changed_by"]


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


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["title", "source_type", "sensitivity", "direction", "logged_by", "logged_at"]
    list_filter = ["source_type", "sensitivity", "direction"]
    list_select_related = ["logged_by"]
    search_fields = ["title", "summary", "source_name"]
    readonly_fields = ["file", "file_name", "file_sha256", "file_size", "file_type", "logged_by"]
    raw_id_fields = ["recommendations"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["recommendation", "year", "revision", "rating", "state", "author", "reviewer"]
    list_filter = ["state", "rating", "year"]
    list_select_related = ["recommendation", "author", "reviewer"]
    raw_id_fields = ["recommendation", "supersedes", "findings", "evidence"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.state == Assessment.State.APPROVED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "action", "from_state", "to_state", "by", "at"]
    list_select_related = ["assessment__recommendation", "by"]
