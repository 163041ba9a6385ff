"""Cache the latest effective date along each recommendation's chain (`status_on` reads it)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Recommendation = apps.get_model("tracker", "Recommendation")
    StatusChange = apps.get_model("tracker", "StatusChange")
    latest = (
        StatusChange.objects.filter(
            recommendation__descendant_links__recommendation=OuterRef("pk"), void__isnull=True
        )
        .order_by("-effective_date")
        .values("effective_date")[:1]
    )
    Recommendation.objects.update(chain_last_effective=Subquery(latest))


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0030_recommendation_translations"),
    ]

    operations = [
        migrations.AddField(
            model_name="recommendation",
            name="chain_last_effective",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
