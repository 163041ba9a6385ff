"""Writes to API tokens: create (the key is returned once, only its hash is kept) and revoke."""

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from api.models import ApiToken, ApiTokenUse, token_digest

KEY_PREFIX = "tip_"
MAX_LIFETIME_DAYS = 365


@transaction.atomic
def token_create(*, user, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
    """Create a token for `user` valid for `days`; return it with its key, shown only once."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": gettext("Name the token after what will use it.")})
    if scope not in ApiToken.Scope.values:
        raise ValidationError(
            {"scope": gettext("Unknown scope %(value)s.") % {"value": repr(scope)}}
        )
    if not 1 <= days <= MAX_LIFETIME_DAYS:
        raise ValidationError(
            {
                "days": gettext("A token lasts between 1 and %(max)d days.")
                % {"max": MAX_LIFETIME_DAYS}
            }
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        scope=scope,
        prefix=key[:12],
        key_sha256=token_digest(key),
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke `token` at once: its owner may, and an administrator. Twice changes nothing."""
    if token.user_id != by.pk and not by.has_perm("api.change_apitoken"):
        raise PermissionDenied(gettext("You may revoke only your own tokens."))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def token_record_use(*, token: ApiToken, method: str, path: str) -> None:
    """Record one use of `token`, with its time, and keep the time of its latest use."""
    now = timezone.now()
    with transaction.atomic():
        ApiTokenUse.objects.create(token=token, at=now, method=method[:10], path=path[:300])
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
