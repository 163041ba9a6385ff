"""The published summaries, moved here from the tracker app with their table and rows.

The model takes over the table `tracker_summary` as it is (state only), then gains the
audience it was built for and the day its statuses are on. Rows published before audiences
held public and internal evidence: they are marked internal, truthfully.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("tracker", "0005_follow_up_periods_and_lineage_closure"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PublishedSummary",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("year", models.PositiveSmallIntegerField()),
                        (
                            "content",
                            models.TextField(
                                help_text="The summary as canonical JSON, exactly as published."
                            ),
                        ),
                        ("sha256", models.CharField(max_length=64)),
                        (
                            "published_at",
                            models.DateTimeField(default=django.utils.timezone.now),
                        ),
                        (
                            "country",
                            models.ForeignKey(
                                blank=True,
                                help_text="Empty for the all-countries summary.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="summaries",
                                to="tracker.country",
                            ),
                        ),
                        (
                            "published_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "published summary",
                        "verbose_name_plural": "published summaries",
                        "db_table": "tracker_summary",
                        "ordering": ["-published_at", "-id"],
                        "permissions": [("publish_summary", "Can publish annual summaries")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="publishedsummary",
            name="audience",
            field=models.CharField(
                choices=[
                    ("public", "Public"),
                    ("internal", "Internal"),
                    ("restricted", "Restricted"),
                ],
                default="internal",
                help_text="Whom it was built for, and so which evidence it holds.",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="publishedsummary",
            name="audience",
            field=models.CharField(
                choices=[
                    ("public", "Public"),
                    ("internal", "Internal"),
                    ("restricted", "Restricted"),
                ],
                default="public",
                help_text="Whom it was built for, and so which evidence it holds.",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="publishedsummary",
            name="as_of",
            field=models.DateField(
                blank=True,
                help_text="The day its statuses are on (empty before audiences).",
                null=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="publishedsummary",
            constraint=models.CheckConstraint(
                condition=models.Q(("audience__in", ["public", "internal", "restricted"])),
                name="publishedsummary_audience_valid",
            ),
        ),
    ]
