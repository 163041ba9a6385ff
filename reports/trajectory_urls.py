"""URLs of the country pages and the tier comparison."""

from django.urls import path

from reports import trajectory_views

urlpatterns = [
    path("countries/", trajectory_views.country_list, name="country_list"),
    path("countries/<slug:slug>/", trajectory_views.country_detail, name="country_detail"),
    path("compare/", trajectory_views.compare, name="compare"),
]
