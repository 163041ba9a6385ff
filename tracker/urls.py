"""URL configuration: the contracts of DESIGN.md."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker.views import home, narratives, recommendations

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # Recommendations
    path("recommendations/", recommendations.recommendation_list, name="recommendation_list"),
    path(
        "recommendations/<int:pk>/",
        recommendations.recommendation_detail,
        name="recommendation_detail",
    ),
    path(
        "recommendations/<int:pk>/status/",
        recommendations.recommendation_status,
        name="recommendation_status",
    ),
    path(
        "recommendations/<int:pk>/owner/",
        recommendations.recommendation_owner,
        name="recommendation_owner",
    ),
    path(
        "recommendations/<int:pk>/pillar/",
        recommendations.recommendation_pillar,
        name="recommendation_pillar",
    ),
    # Narratives
    path("reports/", narratives.report_list, name="report_list"),
    path("reports/<int:pk>/", narratives.report_detail, name="report_detail"),
    # Evidence and assessments
    # (end of evidence and assessments)
    path("", include("reports.urls")),
    path("", include("reports.trajectory_urls")),
]
