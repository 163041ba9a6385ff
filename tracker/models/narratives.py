"""Countries and their narratives: the tier of each year, and the findings a narrative states."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.models.periods import (
    FIRST_REPORT_YEAR,
    LAST_REPORT_YEAR,
    follow_up_period,
    reporting_period,
)
from tracker.models.vocabularies import Tier


class Country(models.Model):
    """A country or territory that the TIP Report covers, known by several names."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    code = models.CharField(
        max_length=3, unique=True, help_text=_("ISO 3166-1 alpha-3 code, used in references.")
    )
    aliases = models.JSONField(default=list, blank=True, help_text=_("Other names, as a list."))

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{3}$"), name="country_code_three_capitals"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            # The recommendation list sorts on a copy of the name (Recommendation.country_name).
            # Looked up by name: the recommendations' module builds on this one.
            Recommendation = apps.get_model("tracker", "Recommendation")
            Recommendation.objects.filter(report__country=self).exclude(
                country_name=self.name
            ).update(country_name=self.name)

    def get_absolute_url(self):
        return reverse("country_detail", args=[self.slug])


class TierPlacement(models.Model):
    """A country's tier in one report year, from a narrative or a published tier table."""

    class Source(models.TextChoices):
        NARRATIVE = "narrative", _("Narrative")
        TABLE = "table", _("Tier table")

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="tier_placements")
    year = models.PositiveSmallIntegerField()
    tier = models.CharField(max_length=20, choices=Tier.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    source_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["country", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "year"],
                name="tierplacement_unique_country_year",
                violation_error_message="One tier per country per year.",
            ),
        ]

    def __str__(self):
        return f"{self.country} {self.year}: {self.get_tier_display()}"


class Report(models.Model):
    """One country narrative of one report year, as imported from its source text."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveSmallIntegerField(db_index=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, db_index=True)
    period_start = models.DateField(help_text=_("First day of the reporting period it describes."))
    period_end = models.DateField(help_text=_("Last day of the reporting period it describes."))
    follow_up_start = models.DateField(help_text=_("First day of its items' follow-up period."))
    follow_up_end = models.DateField(help_text=_("Last day of its items' follow-up period."))
    title = models.CharField(max_length=300, blank=True)
    country_heading = models.CharField(max_length=300, blank=True)
    introduction = models.TextField(blank=True)
    tier_statement = models.TextField(blank=True)
    sections = models.JSONField(default=dict, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    source_name = models.CharField(max_length=300, blank=True)
    source_text = models.TextField()
    source_sha256 = models.CharField(max_length=64)
    parse_warnings = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["country__name", "-year"]
        permissions = [("import_report", "Can import narratives")]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "year"],
                name="report_unique_country_year",
                violation_error_message="This country already has a narrative for that year.",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_REPORT_YEAR) & Q(year__lte=LAST_REPORT_YEAR),
                name="report_year_in_range",
            ),
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="report_tier_valid"),
        ]

    def __str__(self):
        return f"{self.country} {self.year}"

    def save(self, *args, **kwargs):
        self.period_start, self.period_end = reporting_period(self.year)
        self.follow_up_start, self.follow_up_end = follow_up_period(self.year)
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            self.recommendations.exclude(report_year=self.year).update(report_year=self.year)

    def get_absolute_url(self):
        return reverse("report_detail", args=[self.pk])


class Finding(models.Model):
    """One sentence of a narrative that states a fact the recommendations answer."""

    class Section(models.TextChoices):
        INTRODUCTION = "introduction", _("Introduction")
        PROSECUTION = "prosecution", _("Prosecution")
        PROTECTION = "protection", _("Protection")
        PREVENTION = "prevention", _("Prevention")
        TRAFFICKING_PROFILE = "trafficking_profile", _("Trafficking profile")
        GOVERNMENT_EFFORTS = "government_efforts", _("Government efforts")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="findings")
    section = models.CharField(max_length=30, choices=Section.choices)
    position = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["report", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "section", "position"], name="finding_unique_position"
            ),
        ]

    def __str__(self):
        return f"{self.report} {self.get_section_display()} #{self.position}"

    @property
    def anchor(self):
        return f"finding-{self.section}-{self.position}"
