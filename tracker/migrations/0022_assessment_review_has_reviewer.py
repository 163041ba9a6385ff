"""The database refuses an approved or returned assessment without a reviewer and a review time.

The rows that lacked them were mended by 0021. Adding (or removing) a check constraint remakes
the assessments' table on SQLite, which drops the search triggers on it; they are created
again here, with the SQL `tracker.search` wrote for them when this migration was added.
PostgreSQL alters the table in place and keeps them.
"""

from django.db import migrations, models

# The search index's triggers on the assessments' table, by database.
ASSESSMENT_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS tracker_search_tracker_assessment_insert",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_assessment_update",
        "DROP TRIGGER IF EXISTS tracker_search_tracker_assessment_delete",
        (
            "CREATE TRIGGER tracker_search_tracker_assessment_insert AFTER INSERT ON "
            "tracker_assessment WHEN NOT EXISTS (SELECT 1 FROM tracker_search_pause WHERE kind = "
            "7) BEGIN INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) "
            "SELECT NEW.id * 8 + 7, 7, NEW.id, '', NEW.narrative; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_assessment_update AFTER UPDATE OF narrative ON "
            "tracker_assessment BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 7; "
            "INSERT OR REPLACE INTO tracker_search (rowid, kind, object_id, title, body) SELECT "
            "NEW.id * 8 + 7, 7, NEW.id, '', NEW.narrative; END"
        ),
        (
            "CREATE TRIGGER tracker_search_tracker_assessment_delete AFTER DELETE ON "
            "tracker_assessment BEGIN DELETE FROM tracker_search WHERE rowid = OLD.id * 8 + 7; END"
        ),
    ],
    "postgresql": [],
}


def restore_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ASSESSMENT_TRIGGERS:
        raise NotImplementedError(
            f"The search index is built for SQLite and PostgreSQL, not for {vendor}."
        )
    for statement in ASSESSMENT_TRIGGERS[vendor]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0021_assessment_reviews_named")]

    operations = [
        # Unapplied, removing the constraint remakes the table: the triggers come back after.
        migrations.RunPython(migrations.RunPython.noop, restore_triggers),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state__in", ["approved", "returned"]), _negated=True),
                    models.Q(("reviewed_at__isnull", False), ("reviewer__isnull", False)),
                    _connector="OR",
                ),
                name="assessment_review_has_reviewer",
                violation_error_message=(
                    "An approved or returned assessment names its reviewer and the time of "
                    "the review."
                ),
            ),
        ),
        migrations.RunPython(restore_triggers, migrations.RunPython.noop),
    ]
