"""The roles of DESIGN.md as Django groups, and the questions views ask about a user."""

VIEWER = "Viewer"
ANALYST = "Analyst"
REVIEWER = "Reviewer"

_VIEW = [
    "tracker.view_country",
    "tracker.view_tierplacement",
    "tracker.view_report",
    "tracker.view_finding",
    "tracker.view_recommendation",
    "tracker.view_statuschange",
    "tracker.view_recommendationedit",
    "tracker.view_evidence",
    "tracker.view_assessment",
    "tracker.view_assessmentevent",
    "reports.view_publishedsummary",
]
_ANALYST = [
    "tracker.change_status",
    "tracker.add_evidence",
    "tracker.add_assessment",
    "tracker.change_assessment",
]
_REVIEWER = [
    "tracker.review_assessment",
    "reports.publish_summary",
    "tracker.view_restricted_evidence",
    "tracker.import_report",
]

GROUP_PERMISSIONS = {
    VIEWER: _VIEW,
    ANALYST: _VIEW + _ANALYST,
    REVIEWER: _VIEW + _ANALYST + _REVIEWER,
}


def can_edit(user) -> bool:
    """Return whether `user` may change statuses, log evidence and draft assessments."""
    return user.has_perm("tracker.change_status")


def can_review(user) -> bool:
    """Return whether `user` may approve or return assessments."""
    return user.has_perm("tracker.review_assessment")


def can_publish(user) -> bool:
    return user.has_perm("reports.publish_summary")


def can_import(user) -> bool:
    return user.has_perm("tracker.import_report")
