"""Evidence, and THE rule of who may see it; the edits and the reads recorded about it."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models.base import AppendOnlyModel, FieldEdit
from tracker.models.visibility import visibility
from tracker.models.vocabularies import (
    EvidenceDirection,
    EvidenceSensitivity,
    EvidenceSourceType,
)


def evidence_upload_to(instance, original_name: str) -> str:
    """Return a random storage path that keeps only a short, safe extension of the upload."""
    suffix = PurePath(original_name).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 8:
        suffix = ""
    return f"evidence/{uuid.uuid4().hex}{suffix}"


def evidence_visibility(user=None, *, audience: str | None = None, prefix: str = "") -> Q:
    """Return the condition on evidence rows that keeps what may be shown: THE rule.

    The rule is `tracker.models.visibility`'s, the same for evidence and for the free texts
    about it: no user means public evidence only; the server operator and reviewers see
    everything; anyone else sees public and internal evidence and the restricted items they
    logged. With `audience` only that audience's sensitivities are kept, within what `user` may
    see. `prefix` names the evidence in a join ("evidence__" from the link table).
    """
    return visibility(user, audience=audience).q(
        sensitivity=f"{prefix}sensitivity", author=f"{prefix}logged_by"
    )


def evidence_counting(day=None, *, prefix: str = "") -> Q:
    """Return the condition that keeps evidence still counting on `day` (default: now).

    Withdrawn evidence is never deleted; it stops counting from the day it was withdrawn.
    """
    if day is None:
        return Q(**{f"{prefix}withdrawn_at__isnull": True})
    return Q(**{f"{prefix}withdrawn_at__isnull": True}) | Q(
        **{f"{prefix}withdrawn_at__date__gt": day}
    )


def counted_links(user=None, *, audience: str | None = None):
    """Return the links from recommendations to the evidence that counts: THE definition of
    "evidence logged" against an item, as `user` (and `audience`) may see it.

    An item counts while it is visible to the reader and not withdrawn, whatever its date: the
    list's "has evidence" flag, the country page and the comparison count these. A summary
    counts a narrower set, the evidence OF ITS PERIOD (dated within the follow-up period,
    `reports.summary`), and says so.
    """
    return Evidence.recommendations.through.objects.filter(
        evidence_visibility(user, audience=audience, prefix="evidence__"),
        evidence_counting(prefix="evidence__"),
    )


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user, *, audience: str | None = None):
        """Keep what `user` may see (for `audience`, if given): see `evidence_visibility`."""
        return self.filter(evidence_visibility(user, audience=audience))

    def citable_for(self, recommendation, user):
        """Keep what `user` may cite about `recommendation`: THE citation rule.

        A status change or an assessment of a recommendation cites evidence logged against
        that recommendation and visible to whoever cites it. The services refuse anything
        else, whatever the entry point (page, bulk edit, API, admin).
        """
        return self.visible_to(user).filter(recommendations=recommendation)


def evidence_date_errors(published_on, accessed_on) -> dict[str, str]:
    """Return what is wrong with an item's dates, by field: neither in the future, nor the
    access before the publication. The form and the model both ask, whatever the entry point."""
    today = timezone.localdate()
    errors = {}
    for name, day, message in (
        ("published_on", published_on, _("The publication date cannot be in the future.")),
        ("accessed_on", accessed_on, _("The access date cannot be in the future.")),
    ):
        if day and day > today:
            errors[name] = str(message)
    if published_on and accessed_on and accessed_on < published_on and not errors:
        errors["accessed_on"] = str(_("The source cannot be accessed before it was published."))
    return errors


class Evidence(models.Model):
    """A source that bears on one or more recommendations.

    Its pages, files and API address it by `public_id`, a random identifier: its id, given in
    sequence and never reused, would let anyone who may not see every item count the restricted
    ones by the gaps between the ids they do see, and date each by its neighbours.
    """

    SourceType = EvidenceSourceType
    Sensitivity = EvidenceSensitivity
    Direction = EvidenceDirection

    public_id = models.UUIDField(
        _("public identifier"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_(
            "Names the item in addresses and the API; random, so it says nothing of others."
        ),
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    source_type = models.CharField(
        _("source type"), max_length=20, choices=SourceType.choices, db_index=True
    )
    source_name = models.CharField(_("source name"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True, db_index=True)
    accessed_on = models.DateField(_("accessed on"), null=True, blank=True)
    quote = models.TextField(_("quote"), blank=True)
    file = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True, help_text=_("Name as uploaded."))
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.INTERNAL, db_index=True
    )
    direction = models.CharField(
        _("direction"), max_length=20, choices=Direction.choices, db_index=True
    )
    recommendations = models.ManyToManyField(
        "tracker.Recommendation", related_name="evidence", verbose_name=_("recommendations")
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="logged_evidence"
    )
    logged_at = models.DateTimeField(default=timezone.now, db_index=True)
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When it was withdrawn; it stops counting from then on.")
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawal_reason = models.TextField(blank=True)
    # Every write after logging (an edit, a sensitivity change, a withdrawal) moves it on, so
    # two people editing the same item never silently overwrite each other (the API's ETag).
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-logged_at", "-id"]
        indexes = [
            models.Index(fields=["-logged_at", "-id"], name="evidence_recent_idx"),
            models.Index(fields=["updated_at"], name="evidence_updated_idx"),
        ]
        verbose_name_plural = _("evidence")
        permissions = [("view_restricted_evidence", "Can see restricted evidence")]
        constraints = [
            models.CheckConstraint(
                condition=Q(sensitivity__in=EvidenceSensitivity.values),
                name="evidence_sensitivity_valid",
            ),
            models.CheckConstraint(
                condition=Q(source_type__in=EvidenceSourceType.values),
                name="evidence_source_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=EvidenceDirection.values), name="evidence_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(file="") | ~Q(file_sha256=""), name="evidence_file_has_sha256"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("evidence_detail", args=[self.public_id])

    def clean(self):
        errors = evidence_date_errors(self.published_on, self.accessed_on)
        if errors:
            raise ValidationError(errors)

    @property
    def is_restricted(self):
        return self.sensitivity == self.Sensitivity.RESTRICTED

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None


class EvidenceEdit(FieldEdit):
    """An append-only record of a change to an item of evidence after it was logged."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="edits")

    def __str__(self):
        return f"{self.evidence}: {self.field} {self.old_value} → {self.new_value}"

    @property
    def field_label(self) -> str:
        """Return the edited field's name as the evidence pages show it ("Published on")."""
        label = str(Evidence._meta.get_field(self.field).verbose_name)
        return label.capitalize().replace("Url", "URL")


class EvidenceAccess(AppendOnlyModel):
    """An append-only record of one read of a restricted item of evidence: who, when, and how.

    Every answer that shows a restricted item's content records one row per item it showed,
    all of a request's rows in one statement (`services.evidence_record_reads`).
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed its page")
        DOWNLOAD = "download", _("Downloaded the file")
        API = "api", _("Read it through the API")
        LIST = "list", _("Saw it in a list")
        SEARCH = "search", _("Saw it in search results")
        SUMMARY = "summary", _("Saw it in a summary or its download")

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = _("evidence accesses")
        indexes = [models.Index(fields=["evidence", "-at"], name="evidenceaccess_recent")]

    def __str__(self):
        return f"{self.user} {self.get_action_display().lower()} {self.evidence} at {self.at}"
