"""Request rates per token and per user; a caller over either limit is told when to retry.

Rates come from the settings `API_RATE_PER_TOKEN` and `API_RATE_PER_USER` (e.g. "600/minute"),
read on every request so a deployment (or a test) can change them. Counts live in the cache
named by `THROTTLE_CACHE`, the database cache, so that every app server sees the same counts.

`ApiRateCheck` is the API's one throttle: it reads both counts first and writes nothing for a
request over either limit; only an admitted request is counted, under both limits, and only
then is its token's use recorded (at most once a minute, `services.token_record_use`). A flood
of refused requests therefore writes nothing at all.
"""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from api import services
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

    def within(self, request, view) -> bool:
        """Read the caller's recent requests; return whether one more fits. Write nothing."""
        self.key = None if self.rate is None else self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) < self.num_requests

    def count(self) -> None:
        """Count the request `within` admitted."""
        if self.key is not None:
            self.throttle_success()

    def allow_request(self, request, view):
        if not self.within(request, view):
            return False
        self.count()
        return True


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


class ApiRateCheck(BaseThrottle):
    """Admit a request within both limits; count it and record its token's use only then."""

    limits = (TokenRateThrottle, UserRateThrottle)

    def allow_request(self, request, view):
        checked = [limit() for limit in self.limits]
        self.refused = [limit for limit in checked if not limit.within(request, view)]
        if self.refused:
            return False
        for limit in checked:
            limit.count()
        if isinstance(request.auth, ApiToken):
            services.token_record_use(token=request.auth, method=request.method, path=request.path)
        return True

    def wait(self):
        waits = [limit.wait() for limit in self.refused]
        return max((wait for wait in waits if wait is not None), default=None)
