"""URL configuration: the contracts of DESIGN.md."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker.views import (
    assessments,
    bulk,
    evidence,
    home,
    imports,
    lineage,
    narratives,
    recommendations,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    # No password reset by e-mail: no mail is configured, and an administrator resets passwords.
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    # Recommendations
    path("recommendations/", recommendations.recommendation_list, name="recommendation_list"),
    path("recommendations/bulk/", bulk.recommendation_bulk, name="recommendation_bulk"),
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
        "recommendations/<int:pk>/status/<int:change_pk>/void/",
        recommendations.recommendation_void_change,
        name="recommendation_void_change",
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
    path(
        "recommendations/<int:pk>/lineage/",
        lineage.recommendation_lineage,
        name="recommendation_lineage",
    ),
    # Narratives
    path("reports/", narratives.report_list, name="report_list"),
    path("import/", imports.import_upload, name="import_upload"),
    path("import/preview/", imports.import_preview, name="import_preview"),
    path("reports/<int:pk>/", narratives.report_detail, name="report_detail"),
    # Evidence and assessments
    path("evidence/", evidence.evidence_list, name="evidence_list"),
    path("evidence/new/", evidence.evidence_new, name="evidence_new"),
    path("evidence/<int:pk>/", evidence.evidence_detail, name="evidence_detail"),
    path("evidence/<int:pk>/file/", evidence.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/withdraw/", evidence.evidence_withdraw, name="evidence_withdraw"),
    path(
        "recommendations/<int:pk>/assessments/<int:year>/",
        assessments.assessment_detail,
        name="assessment_detail",
    ),
    path(
        "recommendations/<int:pk>/assessments/<int:year>/draft/",
        assessments.assessment_save,
        name="assessment_save",
    ),
    path(
        "recommendations/<int:pk>/assessments/<int:year>/submit/",
        assessments.assessment_submit,
        name="assessment_submit",
    ),
    path(
        "recommendations/<int:pk>/assessments/<int:year>/review/",
        assessments.assessment_review,
        name="assessment_review",
    ),
    path(
        "recommendations/<int:pk>/assessments/<int:year>/correct/",
        assessments.assessment_correct,
        name="assessment_correct",
    ),
    path("assessments/review/", assessments.assessment_queue, name="assessment_queue"),
    # (end of evidence and assessments)
    path("", include("reports.urls")),
    path("", include("reports.trajectory_urls")),
    path("", include("api.urls")),
]
