"""Give the roles the published-summary permissions under their new app.

Viewers, analysts and reviewers read summaries; reviewers publish them. The permissions of the
model's old home (tracker.summary) go with its content type.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = "view_publishedsummary"
PUBLISH = "publish_summary"
GRANTS = {"Viewer": [READ], "Analyst": [READ], "Reviewer": [READ, PUBLISH]}


def move_permissions(apps, schema_editor):
    app_config = apps.get_app_config("reports")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="reports", codename__in=codenames)
        )
    ContentType.objects.filter(app_label="tracker", model="summary").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("tracker", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(move_permissions, migrations.RunPython.noop)]
