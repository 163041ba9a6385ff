"""What a caller may do: the role's permissions, and no more than the token's scope allows."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from api.models import ApiToken


class RolePermission(permissions.BasePermission):
    """Require the Django permission the view names for the method: `read_permission` for safe
    methods, `write_permissions[action]` for the others. Writes with a read-only token are refused.

    The services check the same permissions again; checking here first refuses before any input
    is read, and answers the same way on every endpoint.
    """

    message = _("Your role does not allow this.")

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if not hasattr(view, request.method.lower()):
            return True  # the view answers 405 Method Not Allowed, the same for every role
        if request.method in permissions.SAFE_METHODS:
            return request.user.has_perm(view.read_permission)
        token = request.auth
        if isinstance(token, ApiToken) and not token.may_write:
            self.message = _("This token may only read; create a read-write token to make changes.")
            return False
        needed = view.write_permissions.get(getattr(view, "action", None) or request.method)
        return needed is not None and request.user.has_perm(needed)
