"""The roles (README, "Signing in"), as the names of the Django groups that hold them.

The groups and their permissions are made by data migrations (tracker 0002, and the reports
app's for its own permissions), so `migrate` alone yields the permission model;
`tracker.permissions` holds the questions pages and services ask about a user.
"""

from django.utils.translation import gettext_lazy as _

VIEWER = "Viewer"
ANALYST = "Analyst"
REVIEWER = "Reviewer"

# The group names stay English (migrations and permissions look them up); pages show these.
LABELS = {VIEWER: _("Viewer"), ANALYST: _("Analyst"), REVIEWER: _("Reviewer")}


def label(name: str) -> str:
    """Return the role named `name` as pages show it, in the active language."""
    return str(LABELS.get(name, name))
