"""Let a bulk insert index its rows in one statement: the pause table and the insert triggers.

The insert triggers now skip a kind while the writing transaction holds a row for it in
`tracker_search_pause` (`tracker.search.indexed_together`, used by the importer for findings).
The index is created again from `tracker.search` and refilled, on both databases.
"""

from django.db import migrations


def recreate(apps, schema_editor):
    from tracker import search

    search.drop_index(schema_editor)
    search.create_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0015_evidence_version")]

    operations = [migrations.RunPython(recreate, recreate)]
