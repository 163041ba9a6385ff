"""Split the search index's words at separators with a regular expression (PostgreSQL only).

The index's document column replaced each separator by a space with `translate`, which walks
the list of separators for every character of the text: on a whole narrative most of the time
of indexing it. `regexp_replace` over a bracket expression of the same characters gives the same
text, so the same words. The column is generated, so it is dropped and added again (the rows are
indexed anew as it is added), with its GIN index. The expressions are written here as they are
at this migration, so replaying it always builds the same index. SQLite's index has no such
column: nothing to do there.
"""

from django.db import migrations


def _words(column: str, how: str) -> str:
    if how == "translate":
        spaces = " " * 16
        split = f"translate({column}, '-‐–—/._@:+#&=?~\\', '{spaces}')"
    else:
        split = f"regexp_replace({column}, '[-‐–—/._@:+#&=?~\\\\]', ' ', 'g')"
    return f"to_tsvector('simple', {split})"


def _document(how: str) -> str:
    return f"setweight({_words('title', how)}, 'A') || setweight({_words('body', how)}, 'B')"


def _rebuild(how: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("ALTER TABLE tracker_search DROP COLUMN tracker_search")
        schema_editor.execute(
            "ALTER TABLE tracker_search ADD COLUMN tracker_search tsvector "
            f"GENERATED ALWAYS AS ({_document(how)}) STORED"
        )
        schema_editor.execute(
            "CREATE INDEX tracker_search_document_idx ON tracker_search USING gin (tracker_search)"
        )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0033_search_triggers_after_remade_tables"),
    ]

    operations = [
        migrations.RunPython(_rebuild("regexp"), _rebuild("translate"), elidable=False),
    ]
