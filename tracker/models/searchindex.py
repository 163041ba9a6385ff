"""The full-text index, one table kept by database triggers (see `tracker.search`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocumentField(models.Field):
    """The searchable document of an index entry: FTS5's table column, or a `tsvector`.

    Only queried (`document__match=`, see `tracker.search`), never read or written by Django.
    """

    def db_type(self, connection):
        return None


class SearchEntry(models.Model):
    """One document of the full-text index, made from one row of an indexed table.

    The table is not Django's to manage: migration `search_index` creates it for the database
    in use, and database triggers on the indexed tables keep it current (`tracker.search`).
    """

    class Kind(models.IntegerChoices):
        RECOMMENDATION = 1, "Recommendations"
        COUNTRY = 2, "Countries"
        REPORT = 3, "Narratives"
        FINDING = 4, "Findings"
        EVIDENCE = 5, "Evidence"
        STATUS_CHANGE = 6, "Status changes"
        ASSESSMENT = 7, "Assessments"

    id = models.BigIntegerField(primary_key=True, db_column="rowid")
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    object_id = models.BigIntegerField()
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    document = SearchDocumentField(db_column="tracker_search", editable=False)

    class Meta:
        managed = False
        db_table = "tracker_search"
        verbose_name_plural = _("search entries")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.object_id}"
