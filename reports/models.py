"""Published annual progress summaries: frozen, with their audience and SHA-256."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tiptracker.lib.dates import long_date
from tiptracker.lib.storage import private_storage
from tracker.models import AppendOnlyModel, Audience, Country


class PublishedSummary(AppendOnlyModel):
    """A published annual progress summary, frozen as canonical JSON with its SHA-256."""

    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="summaries",
        help_text=_("Empty for the all-countries summary."),
    )
    year = models.PositiveSmallIntegerField()
    audience = models.CharField(
        max_length=10,
        choices=Audience.choices,
        default=Audience.PUBLIC,
        help_text=_("Whom it was built for, and so which evidence it holds."),
    )
    as_of = models.DateField(
        null=True, blank=True, help_text=_("The day its statuses are on (empty before audiences).")
    )
    content = models.TextField(help_text=_("The summary as canonical JSON, exactly as published."))
    sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        # The table the model had when it lived in the tracker app: existing rows stay.
        db_table = "tracker_summary"
        ordering = ["-published_at", "-id"]
        verbose_name = _("published summary")
        verbose_name_plural = _("published summaries")
        permissions = [("publish_summary", "Can publish annual summaries")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience__in=Audience.values),
                name="publishedsummary_audience_valid",
            ),
        ]

    def __str__(self):
        scope = self.country.name if self.country_id else gettext("All countries")
        return f"{scope} {self.year} ({long_date(timezone.localdate(self.published_at))})"

    def get_absolute_url(self):
        return reverse("published_summary_detail", args=[self.pk])


class PublishedRendering(models.Model):
    """The PDF, XLSX or CSV of a published summary, rendered once from its frozen content.

    Served from storage afterwards, so every download of a published summary gives the same
    bytes (checked against `sha256`).
    """

    summary = models.ForeignKey(
        PublishedSummary, on_delete=models.CASCADE, related_name="renderings"
    )
    format = models.CharField(max_length=4)
    file = models.FileField(storage=private_storage, upload_to="published/%Y")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["summary", "format"],
                name="publishedrendering_once_per_format",
                violation_error_message=_("A published summary is rendered once per format."),
            ),
        ]

    def __str__(self):
        return f"{self.summary} ({self.format})"
