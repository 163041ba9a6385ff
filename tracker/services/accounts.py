"""What a user keeps for themselves: notifications read, e-mail choice, saved filters, and
two-factor sign-in (the authenticator, recovery codes, and the enrolment codes administrators
give)."""

import base64
import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker import twofactor
from tracker.models import (
    EnrolmentCode,
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
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_sha256=_recovery_hash(code)) for code in codes
    )
    return codes


# How long an enrolment code an administrator gives stays good.
ENROLMENT_CODE_LIFETIME = datetime.timedelta(days=3)


def _new_code() -> str:
    """Return 80 random bits as four groups of four letters and digits (base32)."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@transaction.atomic
def enrolment_code_issue(*, user, by) -> tuple[str, EnrolmentCode]:
    """Give `user` a one-time code that lets them set up two-factor sign-in; return it (shown
    once; only its hash is kept) with its record. Earlier unused codes of theirs stop working.

    `by` is the administrator, or None for the server's operator (a command run on the server).
    """
    if by is not None:
        _require(by, "auth.change_user", "give two-factor enrolment codes")
    now = timezone.now()
    EnrolmentCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    code = _new_code()
    record = EnrolmentCode.objects.create(
        user=user,
        code_sha256=_recovery_hash(code),
        created_by=by,
        expires_at=now + ENROLMENT_CODE_LIFETIME,
    )
    return code, record


def enrolment_code_find(*, user, code: str) -> EnrolmentCode | None:
    """Return `user`'s unused, unexpired enrolment code matching `code`, or None."""
    return EnrolmentCode.objects.filter(
        user=user,
        code_sha256=_recovery_hash(code),
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()


@transaction.atomic
def totp_device_start(*, user) -> TOTPDevice:
    """Return the user's authenticator being set up (unconfirmed), creating it if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)


@transaction.atomic
def totp_device_confirm(
    *, device: TOTPDevice, token: str, by, enrolment_code: EnrolmentCode | None = None
) -> list[str] | None:
    """Confirm `by`'s authenticator with a code from it; return the new recovery codes.

    A user who must use two-factor sign-in also needs an enrolment code an administrator gave
    them (`enrolment_code`, from `enrolment_code_find`), which this spends: the password alone
    never attaches a device to their account. Return None if the code from the authenticator
    is wrong (or the device is throttled after wrong codes).
    """
    if device.user_id != by.pk:
        raise PermissionDenied(gettext("You may set up two-factor sign-in only for yourself."))
    needs_code = twofactor.required_for(by)
    if needs_code and (enrolment_code is None or enrolment_code.user_id != by.pk):
        raise PermissionDenied(_ENROLMENT_CODE_NEEDED)
    if not device.verify_token(token):
        return None  # the enrolment code stays good for the next try
    if needs_code and not _spend_enrolment_code(enrolment_code):
        raise PermissionDenied(_ENROLMENT_CODE_NEEDED)
    TOTPDevice.objects.filter(user=by).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _new_recovery_codes(by)


_ENROLMENT_CODE_NEEDED = gettext_lazy(
    "Setting up two-factor sign-in for your account needs a current enrolment code from an "
    "administrator."
)


def _spend_enrolment_code(code: EnrolmentCode) -> bool:
    """Mark `code` used, if it still may be; return whether it was."""
    return bool(
        EnrolmentCode.objects.filter(
            pk=code.pk, used_at__isnull=True, expires_at__gt=timezone.now()
        ).update(used_at=timezone.now())
    )


@transaction.atomic
def recovery_codes_issue(*, user, token: str) -> list[str] | None:
    """Give `user` ten new recovery codes in place of the old ones, on a current code from
    their authenticator (`token`); return None, changing nothing, if it is wrong.

    A session left open must not be enough to take over the second factor's fallback.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        raise ValidationError(
            gettext("Set up two-factor sign-in before asking for recovery codes.")
        )
    if not device.verify_token(token):
        return None
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
    """Remove `user`'s authenticator and recovery codes (a lost phone); they set it up again.

    Whatever trusted the second factor is told (`twofactor.two_factor_reset`): the API revokes
    the user's tokens.
    """
    _require(by, "auth.change_user", gettext("You may not reset two-factor sign-in."))
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    twofactor.two_factor_reset.send(sender=TOTPDevice, user=user)
