"""Template context shared by every page: what the signed-in user may do, and their header."""

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import SimpleLazyObject

from reports.permissions import can_publish
from tracker import permissions
from tracker.models import Notification
from tracker.roles import label as role_label


def _header(user) -> dict:
    """Return what the header shows of `user`: their groups and unread notifications.

    One query for both (a row per group, each carrying the count), so the count costs a page
    nothing beyond the groups it already showed; none when the session's user came with the
    count and its permission check read the groups (`tracker.twofactor.UserBackend`).
    """
    unread = getattr(user, "unread_notifications", None)
    if unread is not None and not user.is_superuser:
        user.get_all_permissions()
        groups = getattr(user, "group_names", None)
        if groups is not None:
            return {"unread": unread, "groups": groups}
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(unread=Coalesce(Subquery(unread), 0))
        .order_by("groups__name")
        .values_list("unread", "groups__name")
    )
    return {
        "unread": rows[0][0] if rows else 0,
        "groups": [role_label(name) for _, name in rows if name],
    }


def roles(request):
    """Expose what the signed-in user may do, so templates offer only the actions they can use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_edit": permissions.can_edit(user),
        "can_review": permissions.can_review(user),
        "can_publish": can_publish(user),
        "can_import": permissions.can_import(user),
        # Read only when a page shows the header.
        "header": SimpleLazyObject(lambda: _header(user)),
    }
