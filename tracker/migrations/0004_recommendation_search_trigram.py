"""On PostgreSQL, trigram indexes for the word search of the recommendation list.

The search is a case-insensitive substring match (UPPER(column) LIKE UPPER('%word%')), which a
B-tree cannot serve; a GIN trigram index on the same expression can. SQLite has no such index
and scans a table of this size quickly, so nothing is done there.
"""

from django.db import migrations

INDEXES = {
    "rec_text_trgm_idx": "text",
    "rec_reference_trgm_idx": "reference",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON tracker_recommendation "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0003_statuschange_recent_order")]

    operations = [migrations.RunPython(create, drop)]
