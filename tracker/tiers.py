"""Load published tier placements (CSV tables) into TierPlacement.

Each table spells countries and tiers its own way (see fixtures/tiers/README.md). Names are matched
through `tracker.countries.match_country`, exactly; a row whose name matches no country is counted
and reported by name, never guessed. Where a table also carries the state.gov URL slug of the
country (`statedotgov_slug`), a name that does not match is looked up by that slug instead, and
the substitution is reported too.

Precedence: a tier stated by an imported narrative (`source = narrative`) is never overwritten by
a table. Between tables, the file loaded last wins, and each change is counted.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from tracker import countries
from tracker.models import FIRST_REPORT_YEAR, Country, Tier, TierPlacement

_YEAR_COLUMNS = ("year", "report_year", "report_year_inferred")
_COUNTRY_COLUMNS = ("countryname", "country")
_TIER_COLUMNS = ("tier_normalized", "tier")
_NOT_RANKED = {"", "na", "n/a", "none", "not ranked", "unranked"}

_TIER_WORDS = {
    "tier 1": Tier.TIER_1,
    "tier 2": Tier.TIER_2,
    "tier 2 watch list": Tier.TIER_2_WATCH_LIST,
    "tier 2 watchlist": Tier.TIER_2_WATCH_LIST,
    "watch list": Tier.TIER_2_WATCH_LIST,
    "watchlist": Tier.TIER_2_WATCH_LIST,
    "tier 3": Tier.TIER_3,
    "special case": Tier.SPECIAL_CASE,
    "special case(s)": Tier.SPECIAL_CASE,
}


class TierTableError(ValueError):
    """Raised, naming the file, when a table cannot be read at all."""


def tier_from_table(value: str) -> str | None:
    """Return the tier code for a table's spelling ("Tier 2    ", "Watchlist"), else None."""
    key = re.sub(r"\s+", " ", value.replace("\u00a0", " ")).strip().casefold()
    return _TIER_WORDS.get(key)


@dataclass
class Row:
    """One usable row: a matched country, a report year and a tier."""

    line: int
    info: countries.CountryInfo
    year: int
    tier: str


@dataclass
class TableResult:
    """What loading one table did, and every row it could not use, by reason."""

    name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_narrative: int = 0
    not_ranked: int = 0
    before_first_report: int = 0
    unmatched: Counter = field(default_factory=Counter)
    unknown_tiers: Counter = field(default_factory=Counter)
    by_slug: dict[str, str] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.updated

    @property
    def accounted(self) -> int:
        """Return how many rows this result explains; it equals `rows` for every table."""
        return (
            self.created
            + self.updated
            + self.unchanged
            + self.kept_narrative
            + self.not_ranked
            + self.before_first_report
            + sum(self.unmatched.values())
            + sum(self.unknown_tiers.values())
            + len(self.duplicates)
        )


def _column(header: list[str], choices: tuple[str, ...], name: str, what: str) -> str:
    for choice in choices:
        if choice in header:
            return choice
    raise TierTableError(
        f"{name}: no {what} column (expected one of {', '.join(choices)}); found "
        f"{', '.join(header)}."
    )


def read_table(data: str, *, name: str) -> tuple[list[Row], TableResult]:
    """Parse one table's text into usable rows and a result listing the rows left out."""
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    year_col = _column(header, _YEAR_COLUMNS, name, "year")
    country_col = _column(header, _COUNTRY_COLUMNS, name, "country")
    tier_col = _column(header, _TIER_COLUMNS, name, "tier")
    slug_col = "statedotgov_slug" if "statedotgov_slug" in header else None

    result = TableResult(name=name)
    rows: list[Row] = []
    seen: dict[tuple[str, int], Row] = {}
    for line, record in enumerate(reader, start=2):
        result.rows += 1
        raw_tier = (record.get(tier_col) or "").strip()
        raw_name = (record.get(country_col) or "").strip()
        try:
            year = int((record.get(year_col) or "").strip())
        except ValueError as exc:
            raise TierTableError(
                f"{name}, line {line}: the year {record.get(year_col)!r} is not a number."
            ) from exc
        if year < FIRST_REPORT_YEAR:
            result.before_first_report += 1
            continue
        if raw_tier.casefold() in _NOT_RANKED:
            result.not_ranked += 1
            continue
        tier = tier_from_table(raw_tier)
        if tier is None:
            result.unknown_tiers[raw_tier] += 1
            continue
        info = countries.match_country(raw_name)
        if info is None and slug_col and record.get(slug_col):
            slug = record[slug_col].strip()
            info = countries.match_country(slug.replace("-", " "))
            if info is not None:
                result.by_slug[raw_name] = info.name
        if info is None:
            result.unmatched[raw_name] += 1
            continue
        key = (info.code, year)
        if key in seen:
            other = seen[key]
            result.duplicates.append(
                f"line {line}: {info.name} {year} again (first on line {other.line}"
                + ("" if other.tier == tier else f", with {Tier(other.tier).label}")
                + "); the first row is used"
            )
            continue
        row = Row(line=line, info=info, year=year, tier=tier)
        seen[key] = row
        rows.append(row)
    return rows, result


def _countries_for(infos: list[countries.CountryInfo]) -> dict[str, Country]:
    """Return Country rows by code for `infos`, creating the missing ones in one statement."""
    codes = {info.code for info in infos}
    existing = {c.code: c for c in Country.objects.filter(code__in=codes)}
    missing = {info.code: info for info in infos if info.code not in existing}
    if missing:
        Country.objects.bulk_create(
            [
                Country(
                    name=info.name,
                    slug=slugify(info.name),
                    code=info.code,
                    aliases=list(info.aliases),
                )
                for info in missing.values()
            ]
        )
        existing = {c.code: c for c in Country.objects.filter(code__in=codes)}
    return existing


@transaction.atomic
def load_rows(rows: list[Row], result: TableResult) -> TableResult:
    """Write the rows of one table: create, update table placements, never touch narratives."""
    by_code = _countries_for([row.info for row in rows])
    country_ids = [c.pk for c in by_code.values()]
    current = {
        (p.country_id, p.year): p
        for p in TierPlacement.objects.filter(
            country_id__in=country_ids, year__in={row.year for row in rows}
        )
    }
    source_name = Path(result.name).name[:200]
    new, changed = [], []
    for row in rows:
        country = by_code[row.info.code]
        placement = current.get((country.pk, row.year))
        if placement is None:
            new.append(
                TierPlacement(
                    country=country,
                    year=row.year,
                    tier=row.tier,
                    source=TierPlacement.Source.TABLE,
                    source_name=source_name,
                )
            )
        elif placement.source == TierPlacement.Source.NARRATIVE:
            result.kept_narrative += 1
        elif placement.tier == row.tier:
            result.unchanged += 1
        else:
            placement.tier = row.tier
            placement.source_name = source_name
            changed.append(placement)
    TierPlacement.objects.bulk_create(new, batch_size=500)
    TierPlacement.objects.bulk_update(changed, ["tier", "source_name"], batch_size=500)
    result.created = len(new)
    result.updated = len(changed)
    return result


def load_table(path: Path) -> TableResult:
    """Read and load one CSV table; raise TierTableError naming the file if it is unreadable."""
    name = str(path)
    try:
        data = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise TierTableError(f"{name}: cannot be read ({exc.strerror or exc}).") from exc
    except UnicodeDecodeError as exc:
        raise TierTableError(f"{name}: not UTF-8 text ({exc.reason}).") from exc
    rows, result = read_table(data, name=name)
    return load_rows(rows, result)
