"""What belongs to a user: recovery and enrolment codes, notifications and how they arrive, saved
filters."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models.vocabularies import NotificationKind


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app, stored only as a hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Recovery code of {self.user} ({'used' if self.used_at else 'unused'})"


class EnrolmentCode(models.Model):
    """A one-time code an administrator gives a user who must set up two-factor sign-in.

    Whoever has the password alone cannot attach a new authenticator to such an account: the
    setup asks for this code too. Only its hash is kept; it expires, and it is spent by the
    setup it allows.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_codes"
    )
    code_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when given on the server (`manage.py two_factor_enrolment_code`).",
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        state = "used" if self.used_at else f"valid until {self.expires_at:%Y-%m-%d %H:%M}"
        return f"Enrolment code of {self.user} ({state})"


class Notification(models.Model):
    """Something one user is told: shown in the app until read, e-mailed as they chose."""

    Kind = NotificationKind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    message = models.TextField()
    url = models.CharField(max_length=300, blank=True, help_text=_("A path inside the app."))
    key = models.CharField(
        max_length=100, blank=True, help_text=_("Set on what is sent once only (reminders).")
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~Q(key=""),
                name="notification_once_per_key",
                violation_error_message="This notification was already sent.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["emailed_at", "recipient"], name="notification_unsent_idx"),
        ]

    def __str__(self):
        return f"{self.recipient}: {self.message[:60]}"


class NotificationEmail(models.TextChoices):
    IMMEDIATE = "immediate", _("At once")
    DAILY = "daily", _("Once a day, in a digest")
    NONE = "none", _("Never: in the app only")


class NotificationPreference(models.Model):
    """How a user wants their notifications e-mailed: at once, in a daily digest, or never."""

    Email = NotificationEmail

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.IMMEDIATE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(email__in=NotificationEmail.values),
                name="notificationpreference_email_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_email_display()}"


class LanguagePreference(models.Model):
    """The language a user reads the tracker in, kept with their account (`tracker.languages`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference"
    )
    language = models.CharField(max_length=10)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.user}: {self.language}"


class SavedFilterList(models.TextChoices):
    RECOMMENDATIONS = "recommendations", _("Recommendations")
    EVIDENCE = "evidence", _("Evidence")


class SavedFilter(models.Model):
    """A user's named set of filters of a list page, kept as its query string."""

    List = SavedFilterList

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    list = models.CharField(max_length=20, choices=List.choices)
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["list", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list", "name"],
                name="savedfilter_unique_name",
                violation_error_message="You already have saved filters of that name.",
            ),
            models.CheckConstraint(
                condition=Q(list__in=SavedFilterList.values), name="savedfilter_list_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.name}"

    def get_absolute_url(self):
        path = reverse(
            "recommendation_list" if self.list == self.List.RECOMMENDATIONS else "evidence_list"
        )
        return f"{path}?{self.query}" if self.query else path
