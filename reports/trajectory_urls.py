"""URLs of the country pages, the tier comparison, lineage and the narrative upload."""

from django.urls import path

from reports import trajectory_views
from tracker.views import imports

urlpatterns = [
    path("countries/", trajectory_views.country_list, name="country_list"),
    path("countries/<slug:slug>/", trajectory_views.country_detail, name="country_detail"),
    path("compare/", trajectory_views.compare, name="compare"),
    path(
        "recommendations/<int:pk>/lineage/",
        trajectory_views.recommendation_lineage,
        name="recommendation_lineage",
    ),
    path("import/", imports.import_upload, name="import_upload"),
    path("import/preview/", imports.import_preview, name="import_preview"),
]
