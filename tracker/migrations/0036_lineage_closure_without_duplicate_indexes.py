"""Drop the two indexes of the lineage closure that others already give.

The recommendation's own index repeats the first column of the unique pair (recommendation,
ancestor), and the ancestor's own index repeats `lineageancestor_ancestor_idx`: every closure row
an import writes paid for both. Only the indexes are dropped (by their names, the same on both
databases), so SQLite does not remake the table.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [
    ("tracker_lineageancestor_ancestor_id_6e1fce2d", "ancestor_id"),
    ("tracker_lineageancestor_recommendation_id_6b10c638", "recommendation_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0035_narrative_texts_compressed_with_lz4"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "tracker_lineageancestor" ("{column}")',
                )
                for name, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="lineageancestor",
                    name="ancestor",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="descendant_links",
                        to="tracker.recommendation",
                    ),
                ),
                migrations.AlterField(
                    model_name="lineageancestor",
                    name="recommendation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ancestor_links",
                        to="tracker.recommendation",
                    ),
                ),
            ],
        ),
    ]
