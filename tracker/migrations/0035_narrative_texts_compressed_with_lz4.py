"""Compress the long texts of narratives and their search documents with LZ4 (PostgreSQL only).

A narrative is stored whole (its source text, its sections, its introduction) and indexed whole,
so every imported narrative is compressed several times over as it is written; PostgreSQL's own
compression (pglz) costs several times LZ4's for about the same size. Rows already stored keep
their compression until rewritten; both read alike. A server built without LZ4 refuses the
setting: the columns then keep pglz, which changes nothing else. SQLite has no such setting.
"""

from django.db import migrations, transaction

COLUMNS = [
    ("tracker_report", "source_text"),
    ("tracker_report", "introduction"),
    ("tracker_report", "tier_statement"),
    ("tracker_report", "sections"),
    ("tracker_search", "body"),
    ("tracker_search", "tracker_search"),
]


def _compress(method: str):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        try:
            with transaction.atomic(using=connection.alias):
                for table, column in COLUMNS:
                    schema_editor.execute(
                        f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}"
                    )
        except Exception as exc:  # a server built without LZ4: "unsupported LZ4 compression method"
            if "lz4" not in str(exc).lower():
                raise

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0034_search_words_by_regular_expression"),
    ]

    operations = [
        migrations.RunPython(_compress("lz4"), _compress("pglz"), elidable=False),
    ]
