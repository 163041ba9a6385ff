"""URLs of the annual progress summaries."""

from django.urls import path

from reports import views
from tiptracker.lib import converters

converters.register()  # years and ids out of range are 404s, never 500s

urlpatterns = [
    path("summaries/", views.summary_index, name="summary_index"),
    path("summaries/<year:year>/", views.summary_all, name="summary_all"),
    path("summaries/<year:year>/publish/", views.summary_publish, name="summary_publish_all"),
    path(
        "summaries/<year:year>/publish/withhold/",
        views.summary_withhold_text,
        name="summary_withhold_all",
    ),
    path("summaries/published/<id:pk>/", views.published_detail, name="published_summary_detail"),
    path(
        "summaries/published/<id:pk>/compare/",
        views.published_compare,
        name="published_summary_compare",
    ),
    path("summaries/<year:year>/<slug:slug>/", views.summary_country, name="summary_country"),
    path(
        "summaries/<year:year>/<slug:slug>/publish/",
        views.summary_publish,
        name="summary_publish_country",
    ),
    path(
        "summaries/<year:year>/<slug:slug>/publish/withhold/",
        views.summary_withhold_text,
        name="summary_withhold_country",
    ),
]
