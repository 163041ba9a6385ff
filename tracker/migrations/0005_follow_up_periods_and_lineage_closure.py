"""Follow-up periods on narratives, the lineage closure, and the published summaries' move.

- Report gains the follow-up period of its recommendations (1 April Y to 31 March Y+1).
- LineageAncestor holds every item's ancestors along its lineage chain (itself at depth 0);
  it is filled from the predecessor links, every chain's items take the start status of its
  root, and the cached current status is recomputed from the history by the one definition.
- The published-summary model moves to the reports app (reports/0001): its table stays, only
  Django's idea of which app owns it changes here.
"""

import datetime

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def fill_follow_up_periods(apps, schema_editor):
    Report = apps.get_model("tracker", "Report")
    for report in Report.objects.only("year"):
        Report.objects.filter(pk=report.pk).update(
            follow_up_start=datetime.date(report.year, 4, 1),
            follow_up_end=datetime.date(report.year + 1, 3, 31),
        )


def fill_lineage(apps, schema_editor):
    Recommendation = apps.get_model("tracker", "Recommendation")
    LineageAncestor = apps.get_model("tracker", "LineageAncestor")
    StatusChange = apps.get_model("tracker", "StatusChange")
    rows = list(Recommendation.objects.values_list("pk", "predecessor_id", "initial_status"))
    predecessor = {pk: pred for pk, pred, _ in rows}
    initial = {pk: status for pk, _, status in rows}
    chains: dict[int, list[int]] = {}
    links = []
    for pk in predecessor:
        node, depth, chain = pk, 0, []
        while node is not None and node not in chain:
            links.append(LineageAncestor(recommendation_id=pk, ancestor_id=node, depth=depth))
            chain.append(node)
            node = predecessor.get(node)
            depth += 1
        chains[pk] = chain
    LineageAncestor.objects.bulk_create(links, batch_size=2000)

    latest: dict[int, tuple] = {}
    for rec_id, new_status, effective, recorded, pk in StatusChange.objects.values_list(
        "recommendation_id", "new_status", "effective_date", "recorded_at", "pk"
    ):
        key = (effective, recorded, pk)
        if rec_id not in latest or key > latest[rec_id][0]:
            latest[rec_id] = (key, new_status)
    today = timezone.localdate()
    for pk, chain in chains.items():
        start = initial[chain[-1]]
        found = [latest[a] for a in chain if a in latest and latest[a][0][0] <= today]
        status = max(found)[1] if found else start
        Recommendation.objects.filter(pk=pk).update(initial_status=start, status=status)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0004_recommendation_search_trigram")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="follow_up_start",
            field=models.DateField(
                default=datetime.date(2001, 4, 1),
                help_text="First day of its items' follow-up period.",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="report",
            name="follow_up_end",
            field=models.DateField(
                default=datetime.date(2002, 3, 31),
                help_text="Last day of its items' follow-up period.",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_follow_up_periods, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="report",
            name="period_end",
            field=models.DateField(help_text="Last day of the reporting period it describes."),
        ),
        migrations.AlterField(
            model_name="report",
            name="period_start",
            field=models.DateField(help_text="First day of the reporting period it describes."),
        ),
        migrations.CreateModel(
            name="LineageAncestor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "depth",
                    models.PositiveSmallIntegerField(
                        help_text="0 for the item itself, 1 for its predecessor…"
                    ),
                ),
                (
                    "ancestor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="descendant_links",
                        to="tracker.recommendation",
                    ),
                ),
                (
                    "recommendation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ancestor_links",
                        to="tracker.recommendation",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["ancestor"], name="lineageancestor_ancestor_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("recommendation", "ancestor"), name="lineageancestor_unique_pair"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_lineage, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Summary")],
            database_operations=[],
        ),
    ]
