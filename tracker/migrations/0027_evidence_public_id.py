"""Evidence gets a random public identifier, for its addresses and the API.

Sequential ids, never reused, let a reader who may not see every item count the restricted
ones from the gaps between those they see. The column is added empty, each existing row is
given a random UUID (in one prepared statement per ten thousand rows), and only then made
required and unique. The integer keys stay, for every link inside the database.
"""

import uuid

from django.db import migrations, models

CHUNK = 10_000


def fill(apps, schema_editor):
    Evidence = apps.get_model("tracker", "Evidence")
    connection = schema_editor.connection
    field = Evidence._meta.get_field("public_id")
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Evidence._meta.db_table)} SET {quote(field.column)} = %s "
        f"WHERE {quote('id')} = %s"
    )
    ids = list(Evidence.objects.filter(public_id__isnull=True).values_list("id", flat=True))
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            cursor.executemany(
                sql,
                [
                    (field.get_db_prep_value(uuid.uuid4(), connection), pk)
                    for pk in ids[start : start + CHUNK]
                ],
            )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0026_evidence_reads_recorded")]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="public identifier"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="evidence",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4,
                editable=False,
                help_text=(
                    "Names the item in addresses and the API; random, so it says nothing of "
                    "others."
                ),
                unique=True,
                verbose_name="public identifier",
            ),
        ),
    ]
