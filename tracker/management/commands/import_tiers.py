"""Load tier placements from published tier tables (CSV)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker import tiers


class Command(BaseCommand):
    help = (
        "Load tier placements per country and year from CSV tables. Names that match no "
        "country are listed, never guessed; tiers stated by imported narratives are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="CSV", help="Tier tables (CSV).")

    def handle(self, *args, **options):
        for raw in options["paths"]:
            path = Path(raw)
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
            try:
                result = tiers.load_table(path)
            except tiers.TierTableError as exc:
                raise CommandError(str(exc)) from exc
            self.report(result)

    def report(self, result: tiers.TableResult) -> None:
        if result.accounted != result.rows:
            # Every row is counted under one heading below; a difference is a loader's bug.
            raise CommandError(
                f"{result.name}: {result.rows} rows read but {result.accounted} accounted for."
            )
        self.stdout.write(
            f"{result.name}: {result.rows} rows; {result.created} placements added, "
            f"{result.updated} changed, {result.unchanged} unchanged, {result.kept_narrative} "
            f"kept from narratives, {result.not_ranked} not ranked (NA), "
            f"{result.before_first_report} before the first report ({tiers.FIRST_REPORT_YEAR})."
        )
        for name, found in sorted(result.by_slug.items()):
            self.stdout.write(
                f"  name {name!r} matched no country; its state.gov slug gives {found}"
            )
        for name, n in sorted(result.unmatched.items()):
            self.stderr.write(f"  not matched, left out: {name!r} ({n} row{'s' if n != 1 else ''})")
        for tier, n in sorted(result.unknown_tiers.items()):
            self.stderr.write(
                f"  unknown tier, left out: {tier!r} ({n} row{'s' if n != 1 else ''})"
            )
        for duplicate in result.duplicates:
            self.stderr.write(f"  duplicate, left out: {duplicate}")
