"""Template context shared by every page."""

from tracker import roles as role_checks


def roles(request):
    """Expose what the signed-in user may do, so templates offer only the actions they can use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_edit": role_checks.can_edit(user),
        "can_review": role_checks.can_review(user),
        "can_publish": role_checks.can_publish(user),
        "can_import": role_checks.can_import(user),
    }
