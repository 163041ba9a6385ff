"""Copy each recommendation's country name and report year onto it, indexed in list order.

The recommendation list's default order (country, newest year, priority) then reads one index
of one table, and a deep page is reached by keyset rather than by OFFSET.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_list_order(apps, schema_editor):
    Recommendation = apps.get_model("tracker", "Recommendation")
    Report = apps.get_model("tracker", "Report")
    report = Report.objects.filter(pk=OuterRef("report_id"))
    Recommendation.objects.update(
        country_name=Subquery(report.values("country__name")[:1]),
        report_year=Subquery(report.values("year")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0012_import_job"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="recommendation",
            name="country_name",
            field=models.CharField(default="", editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="recommendation",
            name="report_year",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(copy_list_order, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="evidence",
            index=models.Index(fields=["-logged_at", "-id"], name="evidence_recent_idx"),
        ),
        migrations.AddIndex(
            model_name="recommendation",
            index=models.Index(
                fields=["country_name", "-report_year", "number", "id"], name="rec_list_order_idx"
            ),
        ),
    ]
