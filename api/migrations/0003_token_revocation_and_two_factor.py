"""Tokens keep why they were revoked, and whether a verified session created them.

Tokens made before this have `two_factor_verified` false: those of users who must sign in with
a second factor stop working, and their owners create them again from a verified session.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_throttle_cache"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="revoked_because",
            field=models.CharField(
                blank=True,
                choices=[
                    ("owner", "by its owner"),
                    ("administrator", "by an administrator"),
                    ("password", "when the password was changed"),
                    ("two_factor_reset", "when two-factor sign-in was reset"),
                    ("role", "when the role was changed"),
                    ("deactivated", "when the account was deactivated"),
                ],
                help_text="Why it was revoked.",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="two_factor_verified",
            field=models.BooleanField(
                default=False, help_text="Created from a session signed in with a second factor."
            ),
        ),
    ]
