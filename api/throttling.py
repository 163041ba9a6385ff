"""Request rates per token and per user; a caller over either limit is told when to retry.

Rates come from the settings `API_RATE_PER_TOKEN` and `API_RATE_PER_USER` (e.g. "600/minute"),
read on every request so a deployment (or a test) can change them. Counts live in the cache
named by `THROTTLE_CACHE`, the database cache, so that every app server sees the same counts.
"""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


def throttle_cache():
    """Return the cache the request counters live in, shared by every app server."""
    return caches[settings.THROTTLE_CACHE]


class _SettingsRateThrottle(SimpleRateThrottle):
    setting = ""

    @property
    def cache(self):
        return throttle_cache()

    def get_rate(self):
        return getattr(settings, self.setting)


class TokenRateThrottle(_SettingsRateThrottle):
    """Limit each token on its own, so one script cannot use up its owner's allowance alone."""

    scope = "token"
    setting = "API_RATE_PER_TOKEN"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(_SettingsRateThrottle):
    """Limit each user across the session and all their tokens together."""

    scope = "user"
    setting = "API_RATE_PER_USER"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
