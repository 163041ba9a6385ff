"""The root URL configuration: the contracts of DESIGN.md, each app's pages under it."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("tracker.urls")),
    path("", include("reports.urls")),
    path("", include("reports.trajectory_urls")),
    path("", include("api.urls")),
]
