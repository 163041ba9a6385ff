"""Audit lines for authentication: every sign-in, failed attempt, sign-out and lockout.

Lines go to the `tracker.audit` logger, one per event, as `event key=value …`. Only the username
and the client address are recorded: credentials are never passed to the logger.
"""

import ipaddress
import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

logger = logging.getLogger("tracker.audit")

_MAX_FIELD = 150


def _clean(value) -> str:
    """Return `value` as one short token, so crafted input cannot forge or split log lines."""
    text = str(value or "-")[:_MAX_FIELD]
    text = "".join(ch if ch.isprintable() and not ch.isspace() else "_" for ch in text)
    return text or "-"


def client_ip(request) -> str | None:
    """Return the client's address: the proxy's word for it exactly when behind the TLS proxy.

    Behind the proxy every connection comes from the proxy itself, so REMOTE_ADDR would lump
    all clients together. The proxy appends the address it saw to X-Forwarded-For; only that
    last entry is trusted (one hop), since anything before it is whatever the client sent.
    Without the proxy the header is the client's own claim and is ignored. Axes throttles by
    this address, and the audit log records it.
    """
    remote = request.META.get("REMOTE_ADDR")
    if not settings.BEHIND_TLS_PROXY:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return remote


def _client_address(request) -> str:
    if request is None:
        return "-"
    return _clean(client_ip(request))


def on_logged_in(sender, request, user, **kwargs) -> None:
    """Record a successful sign-in."""
    logger.info("sign-in user=%s ip=%s", _clean(user.get_username()), _client_address(request))


def on_logged_out(sender, request, user, **kwargs) -> None:
    """Record a sign-out (user is None when the session had already expired)."""
    username = user.get_username() if user is not None else None
    logger.info("sign-out user=%s ip=%s", _clean(username), _client_address(request))


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Record a failed sign-in with the username tried; the other credentials stay out."""
    logger.warning(
        "sign-in-failed user=%s ip=%s",
        _clean(credentials.get("username")),
        _client_address(request),
    )


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Record that repeated failures locked a username out."""
    logger.warning(
        "locked-out user=%s ip=%s",
        _clean(username),
        _clean(ip_address) if ip_address else _client_address(request),
    )


def connect() -> None:
    """Connect the receivers; safe to call more than once."""
    user_logged_in.connect(on_logged_in, dispatch_uid="tracker.audit.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="tracker.audit.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="tracker.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="tracker.audit.locked_out")


def two_factor(event: str, request, user, **extra) -> None:
    """Record a two-factor event: enrolled, verified, failed, recovery-code-used or reset."""
    details = "".join(f" {key}={_clean(value)}" for key, value in extra.items())
    level = logging.WARNING if event in {"failed", "reset"} else logging.INFO
    logger.log(
        level,
        "two-factor-%s user=%s ip=%s%s",
        event,
        _clean(user.get_username()),
        _client_address(request),
        details,
    )
