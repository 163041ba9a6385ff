"""Personal API tokens: named, scoped, expiring, stored only as a hash, every use recorded."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def token_digest(key: str) -> str:
    """Return the SHA-256 under which a token is stored; the key itself is never kept."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Keep the tokens that are neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A personal token with which a user's scripts call the API, never above the user's role.

    A token of a user who must sign in with a second factor works only if they have one and
    the token was created from a session verified with it; changing the user's credentials or
    role revokes their tokens (`api.signals`).
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        READ_WRITE = "read_write", _("Read and write")

    class RevokedBecause(models.TextChoices):
        OWNER = "owner", "by its owner"
        ADMINISTRATOR = "administrator", "by an administrator"
        PASSWORD = "password", "when the password was changed"
        TWO_FACTOR_RESET = "two_factor_reset", "when two-factor sign-in was reset"
        ROLE = "role", "when the role was changed"
        DEACTIVATED = "deactivated", "when the account was deactivated"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100, help_text=_("What the token is for, e.g. “R notebook”.")
    )
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, help_text=_("The start of the key, to recognise it."))
    key_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_because = models.CharField(
        max_length=20, choices=RevokedBecause.choices, blank=True, help_text="Why it was revoked."
    )
    two_factor_verified = models.BooleanField(
        default=False,
        help_text="Created from a session signed in with a second factor.",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["read", "read_write"]), name="apitoken_scope_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="apitoken_name_required"),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE


class ApiTokenUse(models.Model):
    """One request made with a token: when, and what it asked for."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["token", "-at"], name="apitokenuse_token_at_idx")]

    def __str__(self):
        return f"{self.token} {self.method} {self.path} at {self.at:%Y-%m-%d %H:%M}"
