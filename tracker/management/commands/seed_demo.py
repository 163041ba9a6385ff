"""Prepare the local demo: import the narratives and tier tables in fixtures/, create accounts."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.dispatch import Signal

from tracker import importer, roles, tiers

FIXTURES = settings.BASE_DIR / "fixtures"

# Sent once the demo accounts exist, with the command's `stdout`: other apps add their part of
# the demo through it (the public site publishes the 2021 North Korea summary, public/demo.py)
# without the domain naming them.
demo_prepared = Signal()

# (username, password, group, is_superuser). Demo only: refused when DEBUG is off.
DEMO_ACCOUNTS = [
    ("analyst", "analyst-demo-pass", roles.ANALYST, False),
    ("reviewer", "reviewer-demo-pass", roles.REVIEWER, False),
    ("viewer", "viewer-demo-pass", roles.VIEWER, False),
    ("admin", "admin-demo-pass", None, True),
]


def load_fixture_batch(index_path: Path = FIXTURES / "index.json") -> list[importer.Parsed]:
    """Parse every narrative listed in the fixtures index, with the overrides it records."""
    entries = json.loads(index_path.read_text(encoding="utf-8"))["narratives"]
    return [
        importer.parse_file(
            index_path.parent / entry["file"],
            year=entry.get("year"),
            country=entry.get("country"),
            tier=entry.get("tier"),
            source_url=entry.get("source") or "",
        )
        for entry in entries
    ]


class Command(BaseCommand):
    help = "Import the fixture narratives and create the demo accounts (local use only)."

    def add_arguments(self, parser):
        parser.add_argument("--no-accounts", action="store_true", help="Import the fixtures only.")

    @transaction.atomic
    def handle(self, *args, **options):
        if not options["no_accounts"] and not settings.DEBUG:
            raise CommandError(
                "Demo accounts are for the local demo database only; they are never created "
                "with DEBUG off."
            )
        try:
            batch = load_fixture_batch()
            outcomes = importer.import_batch(batch)
        except importer.ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        imported = sum(o.action == "imported" for o in outcomes)
        self.stdout.write(
            f"Fixtures: {imported} narrative(s) imported, {len(outcomes) - imported} unchanged."
        )
        for table in sorted((FIXTURES / "tiers").glob("*.csv")):
            try:
                result = tiers.load_table(table)
            except tiers.TierTableError as exc:
                raise CommandError(str(exc)) from exc
            left_out = sum(result.unmatched.values()) + sum(result.unknown_tiers.values())
            self.stdout.write(
                f"Tier table {table.name}: {result.created} added, {result.updated} changed, "
                f"{result.kept_narrative} kept from narratives, {left_out} row(s) not matched."
            )
        if options["no_accounts"]:
            return
        User = get_user_model()
        self.stdout.write("Demo accounts (local use only):")
        for username, password, group_name, is_superuser in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = is_superuser
            user.is_superuser = is_superuser
            user.save()
            if group_name:
                user.groups.set([Group.objects.get(name=group_name)])
            role = group_name or "Admin"
            self.stdout.write(f"  {role:<9} username {username:<9} password {password}")
        demo_prepared.send(sender=self.__class__, stdout=self.stdout)
