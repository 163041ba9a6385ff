"""Create the Viewer, Analyst and Reviewer groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The groups as this migration first made them; later migrations change them (the published
# summaries moved to the reports app in reports/0002), so the list is frozen here.
_VIEW = [
    "tracker.view_country",
    "tracker.view_tierplacement",
    "tracker.view_report",
    "tracker.view_finding",
    "tracker.view_recommendation",
    "tracker.view_statuschange",
    "tracker.view_recommendationedit",
    "tracker.view_evidence",
    "tracker.view_assessment",
    "tracker.view_assessmentevent",
    "tracker.view_summary",
]
_ANALYST = [
    "tracker.change_status",
    "tracker.add_evidence",
    "tracker.add_assessment",
    "tracker.change_assessment",
]
_REVIEWER = [
    "tracker.review_assessment",
    "tracker.publish_summary",
    "tracker.view_restricted_evidence",
    "tracker.import_report",
]
GROUP_PERMISSIONS = {
    "Viewer": _VIEW,
    "Analyst": _VIEW + _ANALYST,
    "Reviewer": _VIEW + _ANALYST + _REVIEWER,
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so the groups can
    # hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
