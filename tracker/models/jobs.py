"""Work for the background worker: whole-report imports and large downloads."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tiptracker.lib.storage import private_storage
from tracker.models.vocabularies import Audience


class ImportJob(models.Model):
    """A file uploaded for import (one narrative or a whole report), read and written by
    background tasks.

    The upload is kept until the job is read, its text until the job is over; `kind` says,
    once the text is split, whether it holds one narrative or many. `preview` holds, per
    narrative, what was read (country, year, tier, the number of recommendations, warnings;
    for one narrative also its recommendations and sections) and what importing it would do,
    and `selected` the narratives the reviewer confirmed. `country` and `year` are what the
    reviewer gave where the text lacks them.
    """

    class Kind(models.TextChoices):
        NARRATIVE = "narrative", "One narrative"
        REPORT = "report", "A whole report"

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be read")
        READING = "reading", _("Reading")
        READY = "ready", _("Ready to confirm")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    name = models.CharField(max_length=200)
    data = models.BinaryField(help_text=_("The uploaded file, emptied once the job is over."))
    text = models.TextField(blank=True, help_text=_("The document's text, once read."))
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(
        max_length=10, choices=Kind.choices, blank=True, help_text="Empty until the text is split."
    )
    country = models.CharField(max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text=_("Narratives found in the document."))
    done = models.PositiveIntegerField(default=0, help_text=_("Narratives read so far."))
    preview = models.JSONField(default=list, blank=True)
    selected = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("import_job", args=[self.pk])

    @property
    def running(self) -> bool:
        """Return whether the worker has yet to read or write the job."""
        return self.state in (self.State.QUEUED, self.State.READING, self.State.IMPORTING)


class ExportJob(models.Model):
    """A download built by the background worker for one user, kept for a day.

    The request only records what was asked (`kind`, `format`, `parameters`, `audience`) and
    enqueues the job; the worker builds the file into private storage, with its SHA-256. An
    identical request by the same user (same `key`) while the job is unexpired reuses it.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(
        max_length=20, help_text=_("What is built: a kind registered in `tracker.exportjobs`.")
    )
    format = models.CharField(max_length=4)
    parameters = models.JSONField(default=dict, help_text=_("What the request asked for."))
    audience = models.CharField(max_length=10, choices=Audience.choices)
    key = models.CharField(
        max_length=64,
        help_text=_("SHA-256 of kind, format, parameters, audience and data version."),
    )
    title = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(storage=private_storage, upload_to="exports/%Y/%m/%d", blank=True)
    filename = models.CharField(max_length=200, blank=True, help_text=_("The download's name."))
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "key", "-created_at"], name="exportjob_reuse_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience__in=Audience.values), name="exportjob_audience_valid"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("export_job", args=[self.pk])

    @property
    def running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    def is_ready(self, now=None) -> bool:
        """Return whether the file may be downloaded: built, and not yet expired."""
        return (
            self.state == self.State.DONE
            and bool(self.file)
            and self.expires_at > (now or timezone.now())
        )
