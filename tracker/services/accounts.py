"""What a user keeps for themselves: notifications read, e-mail choice, saved filters, and
two-factor sign-in (the authenticator and recovery codes)."""

import base64
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker.models import (
    LanguagePreference,
    Notification,
    NotificationPreference,
    RecoveryCode,
    SavedFilter,
)
from tracker.services.base import _require


@transaction.atomic
def notification_mark_read(*, by, notification: Notification | None = None) -> int:
    """Mark one of `by`'s notifications read, or all of them when none is given."""
    rows = Notification.objects.filter(recipient=by, read_at__isnull=True)
    if notification is not None:
        rows = rows.filter(pk=notification.pk)
    return rows.update(read_at=timezone.now())


@transaction.atomic
def notification_set_email(*, by, email: str) -> NotificationPreference:
    """Choose how `by` is e-mailed: at once, in a daily digest, or never."""
    if email not in NotificationPreference.Email.values:
        raise ValidationError(
            {"email": gettext("Unknown choice %(value)s.") % {"value": repr(email)}}
        )
    preference, _ = NotificationPreference.objects.update_or_create(
        user=by, defaults={"email": email}
    )
    return preference


@transaction.atomic
def language_choose(*, by, language: str) -> LanguagePreference:
    """Keep `language` as the one `by` reads the tracker in, on any browser they sign in from."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(
            {"language": gettext("Unknown language %(value)s.") % {"value": repr(language)}}
        )
    preference, _ = LanguagePreference.objects.update_or_create(
        user=by, defaults={"language": language, "updated_at": timezone.now()}
    )
    return preference


@transaction.atomic
def saved_filter_save(*, by, list_name: str, name: str, query: str) -> SavedFilter:
    """Save `by`'s filters of a list under `name`, replacing any of theirs of that name."""
    saved = SavedFilter(user=by, list=list_name, name=(name or "").strip(), query=query)
    saved.full_clean(validate_unique=False, validate_constraints=False)
    saved, _ = SavedFilter.objects.update_or_create(
        user=by, list=saved.list, name=saved.name, defaults={"query": saved.query}
    )
    return saved


@transaction.atomic
def saved_filter_delete(*, by, saved_filter: SavedFilter) -> None:
    """Forget one of `by`'s saved filters."""
    if saved_filter.user_id != by.pk:
        raise PermissionDenied(gettext("You may delete only your own saved filters."))
    SavedFilter.objects.filter(pk=saved_filter.pk).delete()


RECOVERY_CODES = 10


def _recovery_hash(code: str) -> str:
    # Codes carry 80 random bits, beyond guessing even from a stolen hash: a fast hash serves.
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _new_recovery_codes(user) -> list[str]:
    """Replace `user`'s recovery codes with ten new ones; return them (they are not kept)."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_sha256=_recovery_hash(code)) for code in codes
    )
    return codes


@transaction.atomic
def totp_device_start(*, user) -> TOTPDevice:
    """Return the user's authenticator being set up (unconfirmed), creating it if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str, by) -> list[str] | None:
    """Confirm `by`'s authenticator with a code from it; return the new recovery codes.

    Return None if the code is wrong (or the device is throttled after wrong codes).
    """
    if device.user_id != by.pk:
        raise PermissionDenied(gettext("You may set up two-factor sign-in only for yourself."))
    if not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=by).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _new_recovery_codes(by)


@transaction.atomic
def recovery_codes_issue(*, user) -> list[str]:
    """Give `user` ten new recovery codes in place of the old ones."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(
            gettext("Set up two-factor sign-in before asking for recovery codes.")
        )
    return _new_recovery_codes(user)


@transaction.atomic
def recovery_code_use(*, user, code: str) -> int | None:
    """Spend one of `user`'s recovery codes; return how many are left, or None if it is wrong."""
    used = RecoveryCode.objects.filter(
        user=user, code_sha256=_recovery_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if not used:
        return None
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def two_factor_reset(*, user, by) -> None:
    """Remove `user`'s authenticator and recovery codes (a lost phone); they set it up again."""
    _require(by, "auth.change_user", gettext("You may not reset two-factor sign-in."))
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
