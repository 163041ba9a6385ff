"""`manage.py publish_summary`: publish a year's public summary, through the page's checks."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from reports.checks import publication_check
from reports.forms import SummaryParametersForm
from reports.management.commands.progress_summary import find_country
from reports.services import summary_publish
from reports.summary import BadAsOf, NoNarratives, build_summary
from tiptracker.lib.dates import long_date
from tracker import languages
from tracker.models import Audience


class Command(BaseCommand):
    help = (
        "Publish the public annual progress summary of a report year (one country or all) as "
        "USERNAME, through the same service and checks as the publish page: it lists every text "
        "and evidence item the snapshot makes public, then freezes it and prints its SHA-256."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Report year, e.g. 2021.")
        parser.add_argument(
            "--country", help="Country name, slug or alias (default: all countries)."
        )
        parser.add_argument(
            "--by",
            required=True,
            metavar="USERNAME",
            help="Who publishes: an active user with the permission to publish (a reviewer).",
        )
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="Statuses on this day, YYYY-MM-DD (default: the end of the follow-up period, "
            "or today while it runs).",
        )
        languages.add_language_option(parser)

    def handle(self, *args, language=None, **options):
        with translation.override(languages.command_language(language)):
            return self._handle(*args, **options)

    def _handle(self, *args, year, by, country=None, as_of=None, **options):
        user = get_user_model().objects.filter(username=by, is_active=True).first()
        if user is None:
            raise CommandError(f"Unknown or inactive user {by!r}: give an active username.")
        if not user.has_perm("reports.publish_summary"):
            raise CommandError(f"{by} may not publish summaries (a reviewer may).")
        scope = find_country(country) if country else None
        # Its day is read as the pages read theirs; what it publishes is the public view.
        asked = SummaryParametersForm(
            {"as_of": as_of or "", "audience": Audience.PUBLIC}, user=user, year=year
        )
        if not asked.is_valid():
            raise CommandError(asked.message())
        try:
            # The same summary and check the reviewer sees on the publish page.
            summary = build_summary(
                year=year,
                country=scope,
                as_of=asked.cleaned_data["as_of"],
                audience=Audience.PUBLIC,
                user=user,
            )
            check = publication_check(summary, user=user)
            for line in check.lines():
                self.stdout.write(line)
            published = summary_publish(
                year=year,
                country=scope,
                by=user,
                audience=Audience.PUBLIC,
                as_of=summary.as_of,
                expected_sha256=check.sha256,
            )
        except NoNarratives as exc:
            raise CommandError(f"{exc} Import the narrative first (manage.py import_tip).") from exc
        except BadAsOf as exc:
            raise CommandError(str(exc)) from exc
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(
            f"Published the {year} summary of {published.country or 'all countries'} for the "
            f"public audience, statuses on {long_date(published.as_of)}, as {by}: "
            f"published summary {published.pk}."
        )
        self.stdout.write(f"SHA-256 {published.sha256}")
