"""Writes to API tokens: create (the key is returned once, only its hash is kept), revoke, and
record their use."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from api.models import ApiToken, ApiTokenUse, token_digest

KEY_PREFIX = "tip_"
MAX_LIFETIME_DAYS = 365


@transaction.atomic
def token_create(
    *, user, name: str, scope: str, days: int, two_factor_verified: bool = False
) -> tuple[ApiToken, str]:
    """Create a token for `user` valid for `days`; return it with its key, shown only once.

    `two_factor_verified` says the request creating it came from a session signed in with a
    second factor: a user who must use one has tokens that work only if it did.
    """
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
        two_factor_verified=two_factor_verified,
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke `token` at once: its owner may, and an administrator. Twice changes nothing."""
    if token.user_id != by.pk and not by.has_perm("api.change_apitoken"):
        raise PermissionDenied(gettext("You may revoke only your own tokens."))
    because = (
        ApiToken.RevokedBecause.OWNER
        if token.user_id == by.pk
        else ApiToken.RevokedBecause.ADMINISTRATOR
    )
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_because=because
    )
    token.refresh_from_db()
    return token


@transaction.atomic
def tokens_revoke_all(*, user_ids, because: str) -> int:
    """Revoke every token of these users that still works, for `because`; return how many.

    Called when what a token stands for changes under it: the user's password, second factor,
    role or active state (`api.signals`). Tokens already revoked or expired keep their record.
    """
    if because not in ApiToken.RevokedBecause.values:
        raise ValueError(f"Unknown reason {because!r}.")
    return (
        ApiToken.objects.active()
        .filter(user_id__in=list(user_ids))
        .update(revoked_at=timezone.now(), revoked_because=because)
    )


# A token's use is recorded at most once in this long: enough to say when it was last used,
# and a busy script writes one row a minute instead of one per request.
USE_RECORD_INTERVAL = datetime.timedelta(minutes=1)


def token_record_use(*, token: ApiToken, method: str, path: str) -> bool:
    """Record a use of `token` (its time, method and path) unless one was recorded in the last
    minute; return whether this one was.

    The token as authenticated says when it was last used, so most requests write nothing.
    Of concurrent requests, the one whose conditional update moves `last_used_at` on records
    the use; the others find it moved and write nothing more.
    """
    now = timezone.now()
    since = now - USE_RECORD_INTERVAL
    if token.last_used_at is not None and token.last_used_at > since:
        return False
    with transaction.atomic():
        claimed = (
            ApiToken.objects.filter(pk=token.pk)
            .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=since))
            .update(last_used_at=now)
        )
        if claimed:
            ApiTokenUse.objects.create(token=token, at=now, method=method[:10], path=path[:300])
    token.last_used_at = now
    return bool(claimed)


def token_uses_prune(*, keep_days: int | None = None) -> int:
    """Delete the records of token uses older than `keep_days` (`API_TOKEN_USE_KEEP_DAYS`)."""
    days = settings.API_TOKEN_USE_KEEP_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _ = ApiTokenUse.objects.filter(at__lt=cutoff).delete()
    return deleted
