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
from django.db import connection, transaction
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
        # One caller's requests are admitted one at a time, across every app server, so that
        # two reading the same count at once cannot both take the last place.
        with transaction.atomic(savepoint=False):
            _lock_counts([limit.get_cache_key(request, view) for limit in checked])
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


def _lock_counts(keys) -> None:
    """Hold the rows of the counts named by `keys` until the transaction ends, writing nothing.

    On SQLite the transaction itself is the lock: this project's backend begins every
    transaction IMMEDIATE, taking the write lock first. On PostgreSQL the rows are locked for
    update; a count not yet stored has no row to lock, so only a caller's very first requests
    can pass the limit together.
    """
    if connection.vendor != "postgresql":
        return
    cache = throttle_cache()
    stored = [cache.make_and_validate_key(key) for key in keys if key is not None]
    if not stored:
        return
    table = connection.ops.quote_name(cache._table)
    marks = ", ".join(["%s"] * len(stored))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cache_key FROM {table} WHERE cache_key IN ({marks}) "
            "ORDER BY cache_key FOR UPDATE",
            stored,
        )
