from django.contrib import admin

from reports.models import PublishedSummary
from tracker.admin import ReadOnlyAdmin


@admin.register(PublishedSummary)
class PublishedSummaryAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "year", "audience", "sha256", "published_by", "published_at"]
    list_select_related = ["country", "published_by"]
