"""The root URL configuration: each app's pages under it, at the addresses the README lists."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("tracker.urls")),
    path("", include("reports.urls")),
    path("", include("reports.trajectory_urls")),
    path("", include("api.urls")),
]
