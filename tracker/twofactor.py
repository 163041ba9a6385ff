"""Two-factor sign-in with TOTP (django-otp): who must use it, and what the pages show.

A user who has confirmed an authenticator app enters a code from it after their password, in
every new session; reviewers and administrators must set one up before anything else when the
deployment requires it (`TWO_FACTOR_REQUIRED`). Ten one-time recovery codes, stored hashed,
stand in for a lost phone. The writes are services (`tracker.services`); this module reads.
"""

import base64

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker.models import Notification

# Sent with `user` once their authenticator and recovery codes are removed by an administrator
# (`services.two_factor_reset`): whatever else trusted that second factor (the API's tokens,
# which the API app revokes) must stop trusting it.
two_factor_reset = Signal()


class UserBackend(ModelBackend):
    """Django's model backend; the user of a session comes with `has_totp` in the same query.

    Every request of a signed-in user asks whether they have a confirmed device, and every page
    shows their unread notifications; answering both in the query that loads the user keeps
    those questions free. Their permissions and groups (the page header names the groups) are
    read together, in one query rather than Django's two.
    """

    def get_user(self, user_id):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        unread = (
            Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        users = get_user_model()._default_manager.annotate(
            has_totp=Exists(confirmed), unread_notifications=Coalesce(Subquery(unread), 0)
        )
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser or hasattr(user_obj, "_perm_cache"):
            return super().get_all_permissions(user_obj, obj)
        via_groups = (
            Group.objects.filter(user=user_obj)
            .order_by()
            .values_list("name", "permissions__content_type__app_label", "permissions__codename")
        )
        own = (
            Permission.objects.filter(user=user_obj)
            .order_by()
            .annotate(no_group=Value(""))
            .values_list("no_group", "content_type__app_label", "codename")
        )
        rows = list(via_groups.union(own, all=True))
        user_obj._perm_cache = {f"{app}.{code}" for _, app, code in rows if code}
        user_obj.group_names = sorted({name for name, _, _ in rows if name})
        return user_obj._perm_cache


def has_device(user) -> bool:
    """Return whether `user` has confirmed an authenticator app."""
    known = getattr(user, "has_totp", None)
    if known is not None:
        return known
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def required_for(user) -> bool:
    """Return whether the deployment requires `user` to sign in with a second factor."""
    mode = settings.TWO_FACTOR_REQUIRED
    if mode == "all":
        return True
    if mode == "reviewers":
        return user.is_staff or user.has_perm("tracker.review_assessment")
    return False


def secret_text(device: TOTPDevice) -> str:
    """Return the device's secret in base32, in groups of four, for typing into an app."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """Return the device's setup address as an SVG QR code, drawn here (no script, no style)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=gettext("QR code of the setup key")
    )
