"""Give evidence a version (for edits, and the API's ETag) and the time it was last changed.

Adding a non-null column remakes the evidence table on SQLite, which drops its search
triggers; the index is set up again afterwards, as in 0014.
"""

import django.utils.timezone
from django.db import migrations, models


def recreate_index(apps, schema_editor):
    from tracker import search

    search.drop_index(schema_editor)
    search.create_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0014_search_index_again")]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="evidence",
            name="updated_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(recreate_index, migrations.RunPython.noop),
    ]
