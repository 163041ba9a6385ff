"""Set up the full-text index again after the migrations that remake tables on SQLite.

SQLite's schema editor rebuilds a table to add a non-null column (0010 on evidence, 0013 on
recommendations), which drops the search triggers on it; the index is created again and
refilled here, on both databases. A later migration that remakes an indexed table must do the
same.
"""

from django.db import migrations


def recreate(apps, schema_editor):
    from tracker import search

    search.drop_index(schema_editor)
    search.create_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0013_recommendation_list_order")]

    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]
