"""The access log names every way a restricted item is read: its page, file, the API, lists,
search results and summaries."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0025_two_factor_enrolment_codes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evidenceaccess",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "Viewed its page"),
                    ("download", "Downloaded the file"),
                    ("api", "Read it through the API"),
                    ("list", "Saw it in a list"),
                    ("search", "Saw it in search results"),
                    ("summary", "Saw it in a summary or its download"),
                ],
                max_length=10,
            ),
        ),
    ]
