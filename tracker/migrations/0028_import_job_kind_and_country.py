"""An import job says whether it holds one narrative or a whole report, and the country given.

One narrative uploaded from the web now becomes a job too, read by the worker.
"""

from django.db import migrations, models


def earlier_jobs_are_reports(apps, schema_editor):
    # Before this migration only whole reports became import jobs.
    apps.get_model("tracker", "ImportJob").objects.filter(kind="").update(kind="report")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0027_evidence_public_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="country",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="importjob",
            name="kind",
            field=models.CharField(
                blank=True,
                choices=[("narrative", "One narrative"), ("report", "A whole report")],
                help_text="Empty until the text is split.",
                max_length=10,
            ),
        ),
        migrations.RunPython(earlier_jobs_are_reports, migrations.RunPython.noop),
    ]
