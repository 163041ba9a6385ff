"""The domain's pages: recommendations, narratives, evidence, assessments and accounts."""

from django.contrib.auth import views as auth_views
from django.urls import path

from tiptracker.lib import converters
from tracker.views import (
    accounts,
    assessments,
    bulk,
    evidence,
    exports,
    glossary,
    imports,
    languages,
    lineage,
    narratives,
    notifications,
    recommendations,
    saved_filters,
    search,
    translations,
)

converters.register()

urlpatterns = [
    # `/` (the worklist, or the public front page) is routed in tiptracker/urls.py.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    # No password reset by e-mail: no mail is configured, and an administrator resets passwords.
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", accounts.password_change, name="password_change"),
    path("accounts/two-factor/", accounts.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", accounts.two_factor_verify, name="two_factor_verify"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("search/", search.search_page, name="search"),
    path("glossary/", glossary.glossary, name="glossary"),
    path("language/", languages.language_set, name="language_set"),
    path("language/<str:code>/", languages.language_link, name="language_link"),
    path("exports/<id:pk>/", exports.export_job, name="export_job"),
    path("exports/<id:pk>/file/", exports.export_job_file, name="export_job_file"),
    path("filters/save/", saved_filters.saved_filter_save, name="saved_filter_save"),
    path("filters/<int:pk>/delete/", saved_filters.saved_filter_delete, name="saved_filter_delete"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read/", notifications.notification_read, name="notification_read_all"),
    path(
        "notifications/<int:pk>/read/",
        notifications.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/settings/",
        notifications.notification_settings,
        name="notification_settings",
    ),
    # Recommendations
    path("recommendations/", recommendations.recommendation_list, name="recommendation_list"),
    path("recommendations/bulk/", bulk.recommendation_bulk, name="recommendation_bulk"),
    path(
        "recommendations/<id:pk>/",
        recommendations.recommendation_detail,
        name="recommendation_detail",
    ),
    path(
        "recommendations/<id:pk>/status/",
        recommendations.recommendation_status,
        name="recommendation_status",
    ),
    path(
        "recommendations/<id:pk>/status/<id:change_pk>/void/",
        recommendations.recommendation_void_change,
        name="recommendation_void_change",
    ),
    path(
        "recommendations/<id:pk>/owner/",
        recommendations.recommendation_owner,
        name="recommendation_owner",
    ),
    path(
        "recommendations/<id:pk>/pillar/",
        recommendations.recommendation_pillar,
        name="recommendation_pillar",
    ),
    path(
        "recommendations/<id:pk>/translation/",
        translations.recommendation_translation,
        name="recommendation_translation",
    ),
    path(
        "recommendations/<id:pk>/translation/<str:language>/remove/",
        translations.recommendation_translation_remove,
        name="recommendation_translation_remove",
    ),
    path(
        "recommendations/<id:pk>/lineage/",
        lineage.recommendation_lineage,
        name="recommendation_lineage",
    ),
    # Narratives
    path("reports/", narratives.report_list, name="report_list"),
    path("import/", imports.import_upload, name="import_upload"),
    path("import/jobs/<id:pk>/", imports.import_job, name="import_job"),
    path("reports/<id:pk>/", narratives.report_detail, name="report_detail"),
    # Evidence and assessments
    path("evidence/", evidence.evidence_list, name="evidence_list"),
    path("evidence/new/", evidence.evidence_new, name="evidence_new"),
    # Evidence by its random public identifier; an old address by id only opens for those
    # who see every item (tracker/views/evidence.py, `evidence_by_id`).
    path("evidence/<uuid:public_id>/", evidence.evidence_detail, name="evidence_detail"),
    path("evidence/<uuid:public_id>/file/", evidence.evidence_file, name="evidence_file"),
    path(
        "evidence/<uuid:public_id>/withdraw/",
        evidence.evidence_withdraw,
        name="evidence_withdraw",
    ),
    path("evidence/<uuid:public_id>/edit/", evidence.evidence_edit, name="evidence_edit"),
    path("evidence/<id:pk>/", evidence.evidence_by_id, name="evidence_by_id"),
    path(
        "recommendations/<id:pk>/assessments/<year:year>/",
        assessments.assessment_detail,
        name="assessment_detail",
    ),
    path(
        "recommendations/<id:pk>/assessments/<year:year>/draft/",
        assessments.assessment_save,
        name="assessment_save",
    ),
    path(
        "recommendations/<id:pk>/assessments/<year:year>/submit/",
        assessments.assessment_submit,
        name="assessment_submit",
    ),
    path(
        "recommendations/<id:pk>/assessments/<year:year>/review/",
        assessments.assessment_review,
        name="assessment_review",
    ),
    path(
        "recommendations/<id:pk>/assessments/<year:year>/correct/",
        assessments.assessment_correct,
        name="assessment_correct",
    ),
    path("assessments/review/", assessments.assessment_queue, name="assessment_queue"),
]
