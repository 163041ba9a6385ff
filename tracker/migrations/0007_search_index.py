"""The full-text index: an FTS5 table on SQLite, a tsvector under a GIN index on PostgreSQL.

Database triggers on the indexed tables keep it current; the rows already there are indexed
here. The SQL lives in `tracker.search`, beside the queries that read it.
"""

import tracker.models
from django.db import migrations, models


def create(apps, schema_editor):
    from tracker import search

    search.create_index(schema_editor)


def drop(apps, schema_editor):
    from tracker import search

    search.drop_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0006_corrections")]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "id",
                    models.BigIntegerField(db_column="rowid", primary_key=True, serialize=False),
                ),
                (
                    "kind",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "Recommendations"),
                            (2, "Countries"),
                            (3, "Narratives"),
                            (4, "Findings"),
                            (5, "Evidence"),
                            (6, "Status changes"),
                            (7, "Assessments"),
                        ]
                    ),
                ),
                ("object_id", models.BigIntegerField()),
                ("title", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                (
                    "document",
                    tracker.models.SearchDocumentField(db_column="tracker_search", editable=False),
                ),
            ],
            options={
                "verbose_name_plural": "search entries",
                "db_table": "tracker_search",
                "managed": False,
            },
        ),
        migrations.RunPython(create, drop),
    ]
