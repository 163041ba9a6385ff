"""History that is written once: append-only records, and the shape of a field's edit."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class HistoryIsAppendOnly(Exception):
    """Raised on any attempt to change or delete a history row."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuse bulk updates and deletes, so history cannot be rewritten through the ORM."""

    def update(self, **kwargs):
        raise HistoryIsAppendOnly(f"{self.model._meta.verbose_name} rows are never changed.")

    def delete(self):
        raise HistoryIsAppendOnly(f"{self.model._meta.verbose_name} rows are never deleted.")


class AppendOnlyModel(models.Model):
    """A record that is written once and then never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryIsAppendOnly(f"{self._meta.verbose_name} rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryIsAppendOnly(f"{self._meta.verbose_name} rows are never deleted.")


class FieldEdit(AppendOnlyModel):
    """An append-only record of one field changed from one value to another, by whom and why."""

    field = models.CharField(max_length=30)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-recorded_at", "-id"]
