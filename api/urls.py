"""URLs of the API (under /api/v1/) and of the page where users manage their tokens."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer

from api import tokens, views

app_name = "api"

_LIST = {"get": "list"}
_ITEM = {"get": "retrieve"}


def _step(viewset, name):
    return viewset.as_view({"post": name}, filter_backends=[])


urlpatterns = [
    path("accounts/tokens/", tokens.token_list, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", tokens.api_docs, name="docs"),
    path("api/v1/countries/", views.CountryViewSet.as_view(_LIST), name="country-list"),
    path(
        "api/v1/countries/<slug:slug>/",
        views.CountryViewSet.as_view(_ITEM),
        name="country-detail",
    ),
    path("api/v1/reports/", views.ReportViewSet.as_view(_LIST), name="report-list"),
    path("api/v1/reports/<int:pk>/", views.ReportViewSet.as_view(_ITEM), name="report-detail"),
    path(
        "api/v1/recommendations/",
        views.RecommendationViewSet.as_view(_LIST),
        name="recommendation-list",
    ),
    path(
        "api/v1/recommendations/<int:pk>/",
        views.RecommendationViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="recommendation-detail",
    ),
    path(
        "api/v1/recommendations/<int:pk>/status-changes/",
        views.RecommendationViewSet.as_view(
            {"get": "status_changes", "post": "status_changes"}, filter_backends=[]
        ),
        name="recommendation-status-changes",
    ),
    path(
        "api/v1/recommendations/<int:pk>/status-changes/<int:change_id>/void/",
        _step(views.RecommendationViewSet, "void_change"),
        name="recommendation-status-change-void",
    ),
    path(
        "api/v1/evidence/",
        views.EvidenceViewSet.as_view({"get": "list", "post": "create"}),
        name="evidence-list",
    ),
    path(
        "api/v1/evidence/<uuid:public_id>/",
        views.EvidenceViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="evidence-detail",
    ),
    path(
        "api/v1/evidence/<uuid:public_id>/withdraw/",
        _step(views.EvidenceViewSet, "withdraw"),
        name="evidence-withdraw",
    ),
    path(
        "api/v1/evidence/<uuid:public_id>/file/",
        views.EvidenceViewSet.as_view(
            {"get": "file"},
            filter_backends=[],
            renderer_classes=[JSONRenderer, views.AnyMediaRenderer],
        ),
        name="evidence-file",
    ),
    path(
        "api/v1/assessments/",
        views.AssessmentViewSet.as_view({"get": "list", "post": "create"}),
        name="assessment-list",
    ),
    path(
        "api/v1/assessments/<int:pk>/",
        views.AssessmentViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="assessment-detail",
    ),
    path("api/v1/assessments/<int:pk>/submit/", _step(views.AssessmentViewSet, "submit")),
    path("api/v1/assessments/<int:pk>/approve/", _step(views.AssessmentViewSet, "approve")),
    path("api/v1/assessments/<int:pk>/return/", _step(views.AssessmentViewSet, "return_")),
    path("api/v1/summaries/<int:year>/", views.SummaryAllView.as_view(), name="summary-all"),
    path(
        "api/v1/summaries/<int:year>/<slug:slug>/",
        views.SummaryCountryView.as_view(),
        name="summary-country",
    ),
    path(
        "api/v1/published-summaries/",
        views.PublishedSummaryViewSet.as_view(_LIST),
        name="published-summary-list",
    ),
    path(
        "api/v1/published-summaries/<int:pk>/",
        views.PublishedSummaryViewSet.as_view(_ITEM),
        name="published-summary-detail",
    ),
    # Last: whatever no pattern above matched, answered as a problem document.
    re_path(r"^api/v1/", views.NoSuchPath.as_view()),
]
