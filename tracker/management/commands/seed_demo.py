"""Prepare the local demo: import the narratives and tier tables in fixtures/, create accounts,
and give the demo analyst a day's work."""

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from tracker import importer, notifications, roles, services, tiers
from tracker.models import Assessment, Notification, Recommendation, Report, follow_up_period

FIXTURES = settings.BASE_DIR / "fixtures"

# Sent once the demo accounts and their work exist, with the command's `stdout`: other apps add
# their part of the demo through it (the public site publishes the 2021 North Korea summary,
# public/demo.py) without the domain naming them.
demo_prepared = Signal()

# (username, password, group, is_superuser). Demo only: refused when DEBUG is off. Each gets
# the address username@example.org, a domain reserved for examples: nothing reaches anyone.
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
        accounts = {}
        for username, password, group_name, is_superuser in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = is_superuser
            user.is_superuser = is_superuser
            user.email = user.email or f"{username}@example.org"
            user.save()
            if group_name:
                user.groups.set([Group.objects.get(name=group_name)])
            role = group_name or "Admin"
            self.stdout.write(f"  {role:<9} username {username:<9} password {password}")
            accounts[username] = user
        if _seed_worklist(analyst=accounts["analyst"], reviewer=accounts["reviewer"]):
            self.stdout.write(
                "The demo analyst owns items of the latest years, with an assessment returned "
                "for changes, one waiting for review and a reminder."
            )
        demo_prepared.send(sender=self.__class__, stdout=self.stdout)


# Texts of the demo's own records: plainly the demo's, never presented as findings.
DEMO_DRAFT = (
    "Demo draft. No source read so far shows the authorities acting on this recommendation "
    "during the follow-up period; sources remain scarce."
)
DEMO_RETURN_NOTE = (
    "Say which sources you checked and cite at least one of them, then submit it again."
)


def _seed_worklist(*, analyst, reviewer) -> bool:
    """Give the demo analyst what a working day starts from; return whether it was new.

    Items of the latest year and some carried over from the year before, assigned by the
    reviewer; one assessment returned for changes and one waiting for review; the reminder the
    daily run sent 30 days before the latest follow-up period ended. It goes through the
    services, as real work would, once: a second run finds the analyst's work and adds nothing.
    """
    if Recommendation.objects.filter(owner=analyst).exists():
        return False
    years = list(Report.objects.order_by("-year").values_list("year", flat=True).distinct()[:2])
    if not years:
        return False
    latest = list(Recommendation.objects.for_year(years[0]).order_by("reference")[:4])
    carried = list(
        Recommendation.objects.filter(needs_review=True).order_by("-report__year", "reference")[:3]
    )
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for recommendation in [*latest, *carried]:
        services.recommendation_set_owner(recommendation=recommendation, owner=analyst, by=reviewer)
    # The hand-over is old news: its notices are read, and what still asks for action is not.
    Notification.objects.filter(
        pk__gt=before, recipient=analyst, kind=Notification.Kind.ASSIGNED
    ).update(read_at=timezone.now())

    returned = services.assessment_draft(
        recommendation=latest[1],
        year=years[0],
        by=analyst,
        rating=Assessment.Rating.NO_PROGRESS,
        confidence=Assessment.Confidence.LOW,
        narrative=DEMO_DRAFT,
    )
    services.assessment_submit(assessment=returned, by=analyst)
    services.assessment_return(assessment=returned, by=reviewer, note=DEMO_RETURN_NOTE)

    # An earlier year's assessment waits for review: the review queue is every year's.
    earlier = Recommendation.objects.filter(report__year__lt=years[0]).order_by(
        "-report__year", "reference"
    )
    waiting = services.assessment_draft(
        recommendation=earlier.first() or latest[0],
        year=(earlier.first() or latest[0]).report.year,
        by=analyst,
        rating=Assessment.Rating.CANNOT_ASSESS,
        confidence=Assessment.Confidence.LOW,
        narrative=DEMO_DRAFT,
    )
    services.assessment_submit(assessment=waiting, by=analyst)

    end = follow_up_period(years[0])[1]
    day = end - datetime.timedelta(days=notifications.REMINDER_DAYS[0])
    reminders = notifications.create_reminders(day)
    sent = timezone.make_aware(datetime.datetime.combine(day, datetime.time(6)))
    Notification.objects.filter(pk__in=[r.pk for r in reminders]).update(created_at=sent)
    # This history happened before the demo began: none of it is e-mailed now.
    Notification.objects.filter(pk__gt=before, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    return True
