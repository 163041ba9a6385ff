"""URLs of the public API (under /api/v1/public/), with an OpenAPI schema of its own."""

from django.conf import settings
from django.http import Http404
from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from api import public_views as views

app_name = "public_api"


class PublicSchema(SpectacularAPIView):
    """The OpenAPI schema of the public endpoints alone, for anyone."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = None  # not itself one of the endpoints it describes
    urlconf = "api.public_urls"
    custom_settings = {
        "TITLE": "TIP Tracker public API",
        "DESCRIPTION": (
            "What is published for the public: countries with their published tiers, the "
            "published progress summaries and each recommendation's status in each published "
            "year. Read-only, no credentials; requests are limited per address. Lists are "
            'numbered pages: `{"count", "next", "previous", "results"}`.'
        ),
    }

    def get(self, request, *args, **kwargs):
        if not settings.PUBLIC_SITE:
            raise Http404("There is no public API here.")
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("api/v1/public/", views.Root.as_view(), name="root"),
    path("api/v1/public/schema/", PublicSchema.as_view(), name="schema"),
    path("api/v1/public/countries/", views.CountryList.as_view(), name="countries"),
    path(
        "api/v1/public/countries/<slug:slug>/",
        views.CountryDetail.as_view(),
        name="country",
    ),
    path("api/v1/public/summaries/", views.SummaryList.as_view(), name="summaries"),
    path("api/v1/public/summaries/<int:pk>/", views.SummaryDetail.as_view(), name="summary"),
    path("api/v1/public/statuses/", views.StatusList.as_view(), name="statuses"),
]
