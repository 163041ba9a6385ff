"""URLs of the annual progress summaries."""

from django.urls import path

from reports import views

urlpatterns = [
    path("summaries/", views.summary_index, name="summary_index"),
    path("summaries/<int:year>/", views.summary_all, name="summary_all"),
    path("summaries/<int:year>/publish/", views.summary_publish, name="summary_publish_all"),
    path("summaries/published/<int:pk>/", views.published_detail, name="published_summary_detail"),
    path(
        "summaries/published/<int:pk>/compare/",
        views.published_compare,
        name="published_summary_compare",
    ),
    path("summaries/<int:year>/<slug:slug>/", views.summary_country, name="summary_country"),
    path(
        "summaries/<int:year>/<slug:slug>/publish/",
        views.summary_publish,
        name="summary_publish_country",
    ),
]
