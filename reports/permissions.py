"""Who may publish: the question the summary pages and the header ask."""


def can_publish(user) -> bool:
    """Return whether `user` may publish annual progress summaries."""
    return user.has_perm("reports.publish_summary")
