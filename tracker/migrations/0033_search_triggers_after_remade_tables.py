"""Put back the search index's triggers on the tables SQLite remade since 0022.

On SQLite the schema editor remakes a table to add a column with a default or to alter one, and
the remade table has no triggers: 0024 remade the status changes and the assessments (their texts'
sensitivity), 0027 and 0029 the evidence (its public identifier, its fields' names). The triggers
are written here as they are at this migration, so replaying it always builds the same index.
On PostgreSQL nothing was lost.
"""

from django.db import migrations

TRIGGERS = [
    (
        "tracker_search_tracker_assessment_delete",
        "CREATE TRIGGER tracker_search_tracker_assessment_delete AFTER DELETE ON tracker_assessment BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 7; END",
    ),
    (
        "tracker_search_tracker_assessment_insert",
        "CREATE TRIGGER tracker_search_tracker_assessment_insert AFTER INSERT ON tracker_assessment WHEN NOT EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 7) BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 7, 7, NEW.id, '', NEW.narrative; END",
    ),
    (
        "tracker_search_tracker_assessment_update",
        "CREATE TRIGGER tracker_search_tracker_assessment_update AFTER UPDATE OF narrative ON tracker_assessment BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 7; INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 7, 7, NEW.id, '', NEW.narrative; END",
    ),
    (
        "tracker_search_tracker_evidence_delete",
        "CREATE TRIGGER tracker_search_tracker_evidence_delete AFTER DELETE ON tracker_evidence BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 5; END",
    ),
    (
        "tracker_search_tracker_evidence_insert",
        "CREATE TRIGGER tracker_search_tracker_evidence_insert AFTER INSERT ON tracker_evidence WHEN NOT EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 5) BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 5, 5, NEW.id, NEW.title, NEW.summary || ' ' || NEW.quote || ' ' || NEW.source_name; END",
    ),
    (
        "tracker_search_tracker_evidence_update",
        "CREATE TRIGGER tracker_search_tracker_evidence_update AFTER UPDATE OF title, summary, quote, source_name ON tracker_evidence BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 5; INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 5, 5, NEW.id, NEW.title, NEW.summary || ' ' || NEW.quote || ' ' || NEW.source_name; END",
    ),
    (
        "tracker_search_tracker_statuschange_delete",
        "CREATE TRIGGER tracker_search_tracker_statuschange_delete AFTER DELETE ON tracker_statuschange BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 6; END",
    ),
    (
        "tracker_search_tracker_statuschange_insert",
        "CREATE TRIGGER tracker_search_tracker_statuschange_insert AFTER INSERT ON tracker_statuschange WHEN NOT EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = 6) BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 6, 6, NEW.id, '', NEW.reason; END",
    ),
    (
        "tracker_search_tracker_statuschange_update",
        "CREATE TRIGGER tracker_search_tracker_statuschange_update AFTER UPDATE OF reason ON tracker_statuschange BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 6; INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT NEW.id * 8 + 6, 6, NEW.id, '', NEW.reason; END",
    ),
]


def restore_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, sql in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0032_row_estimate_function"),
    ]

    operations = [
        migrations.RunPython(restore_triggers, migrations.RunPython.noop, elidable=False),
    ]
