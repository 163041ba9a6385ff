"""`manage.py progress_summary`: write the annual progress summary of a year in one format."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from reports import exporters
from reports.forms import SummaryParametersForm
from reports.summary import BadAsOf, NoNarratives, build_summary
from tracker import languages
from tracker.countries import match_country, normalize_name
from tracker.models import SERVER_OPERATOR, Audience, Country

FORMATS = ("json", "csv", "xlsx", "pdf", "html")
BINARY = {"xlsx", "pdf"}


def find_country(name: str) -> Country:
    """Return the Country named `name` (its name, slug or an alias), or raise CommandError."""
    wanted = name.strip()
    by_slug = Country.objects.filter(slug=wanted.lower()).first()
    if by_slug is not None:
        return by_slug
    info = match_country(wanted)
    if info is not None:
        country = Country.objects.filter(code=info.code).first()
        if country is not None:
            return country
    # A country added by hand (not in the registry) is still found by its name or an alias.
    key = normalize_name(wanted)
    for country in Country.objects.only("name", "slug", "aliases"):
        if key in {normalize_name(n) for n in [country.name, *(country.aliases or [])]}:
            return country
    raise CommandError(f"Unknown country {name!r}: give its name, slug or another known name.")


class Command(BaseCommand):
    help = (
        "Write the annual progress summary of a report year (one country or all) as JSON, CSV, "
        "XLSX, PDF or HTML: report Y's recommendations over their follow-up period (1 April Y "
        "to 31 March Y+1), as of its end or today while it runs. The public audience by default."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Report year, e.g. 2021.")
        parser.add_argument(
            "--country", help="Country name, slug or alias (default: all countries)."
        )
        parser.add_argument(
            "--format",
            dest="fmt",
            default="json",
            help="One of: " + ", ".join(FORMATS) + " (default json).",
        )
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="Statuses on this day, YYYY-MM-DD (default: the end of the follow-up period, "
            "or today while it runs).",
        )
        parser.add_argument(
            "--audience",
            help="Which evidence to include: public (default), internal (public and internal) "
            "or restricted (everything).",
        )
        parser.add_argument(
            "-o", "--output", help="File to write; default standard output (text formats)."
        )
        languages.add_language_option(parser)

    def handle(self, *args, language=None, **options):
        with translation.override(languages.command_language(language)):
            return self._handle(*args, **options)

    def _handle(
        self,
        *args,
        year,
        country=None,
        fmt="json",
        output=None,
        as_of=None,
        audience=None,
        **options,
    ):
        fmt = (fmt or "").lower()
        if fmt not in FORMATS:
            raise CommandError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
        scope = find_country(country) if country else None
        # The command runs as nobody in particular: the audience alone decides the evidence.
        # Its parameters are read as the pages read theirs; its default audience is public.
        asked = SummaryParametersForm(
            {"as_of": as_of or "", "audience": audience or ""},
            user=SERVER_OPERATOR,
            year=year,
            default_audience=Audience.PUBLIC,
        )
        if not asked.is_valid():
            raise CommandError(asked.message())
        try:
            summary = build_summary(
                year=year,
                country=scope,
                as_of=asked.cleaned_data["as_of"],
                audience=asked.cleaned_data["audience"],
                user=SERVER_OPERATOR,
            )
        except NoNarratives as exc:
            raise CommandError(f"{exc} Import the narrative first (manage.py import_tip).") from exc
        except BadAsOf as exc:
            raise CommandError(str(exc)) from exc
        data = exporters.export(summary, fmt)
        if output:
            try:
                with open(output, "wb") as fh:
                    fh.write(data)
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from exc
            self.stderr.write(f"Wrote {output} ({len(data):,} bytes).")
            return
        if fmt in BINARY:
            stream = getattr(self.stdout, "_out", sys.stdout)
            if stream.isatty():
                raise CommandError(f"A {fmt.upper()} file is binary: give -o FILE.")
            stream.buffer.write(data)
            stream.flush()
            return
        self.stdout.write(data.decode("utf-8"), ending="" if data.endswith(b"\n") else "\n")
