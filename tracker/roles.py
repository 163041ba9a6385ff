"""The roles (README, "Signing in"), as the names of the Django groups that hold them.

The groups and their permissions are made by data migrations (tracker 0002, and the reports
app's for its own permissions), so `migrate` alone yields the permission model;
`tracker.permissions` holds the questions pages and services ask about a user.
"""

VIEWER = "Viewer"
ANALYST = "Analyst"
REVIEWER = "Reviewer"
