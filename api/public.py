"""The public record: everything the public site, its open data and the public API show.

It is read only from summaries published for the public audience, never from live data: each
fact comes from the frozen JSON of a `reports.models.PublishedSummary` whose audience is public
in its row and in its content, whose content still matches its SHA-256, read back with
`reports.published.summary_from_dict`. Where one country and year were published more than once
(on their own, or within an all-countries summary), the latest publication speaks for them.

A text the snapshot marks as withheld (`reason_withheld`, `narrative_withheld`, or a sensitivity
other than public) is shown as withheld and its words dropped, whatever the snapshot holds; an
item of evidence that is not public is dropped likewise. Snapshots published before texts had a
sensitivity carry neither mark and are shown as they were published.

The record is built once per state of publication (`current_version`) and kept in the process;
a new publication changes the version, and the next request builds the record again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max
from django.utils.translation import gettext

from reports.models import PublishedSummary
from reports.published import summary_from_dict
from reports.summary_shape import (
    PILLAR_LABELS,
    RATING_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
    CountrySummary,
    RecommendationRow,
    Summary,
)
from tracker.models import Audience

logger = logging.getLogger("tracker.public")

PUBLIC = Audience.PUBLIC.value


# --- The state of publication ----------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """Which public publications exist: changes whenever one is added."""

    count: int
    last_id: int | None
    last_published_at: datetime.datetime | None

    @property
    def key(self) -> str:
        """Return a short string naming this state, with the settings the pages show."""
        stamp = self.last_published_at.isoformat() if self.last_published_at else "-"
        raw = "|".join(
            [
                str(self.count),
                str(self.last_id),
                stamp,
                settings.ORGANISATION_NAME,
                settings.OPEN_DATA_LICENCE_NAME,
                settings.OPEN_DATA_LICENCE_URL,
                settings.SITE_URL,
            ]
        )
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def current_version() -> Version:
    """Return the state of public publication, in one query."""
    row = PublishedSummary.objects.filter(audience=PUBLIC).aggregate(
        count=Count("id"), last_id=Max("id"), last_published_at=Max("published_at")
    )
    return Version(row["count"], row["last_id"], row["last_published_at"])


# --- What the record holds -------------------------------------------------------------------


@dataclass
class Publication:
    """One summary published for the public audience, with its frozen content read back."""

    id: int
    year: int
    country_slug: str | None
    published_at: datetime.datetime
    sha256: str
    content: str
    summary: Summary

    @property
    def is_all_countries(self) -> bool:
        return self.country_slug is None

    @property
    def scope_name(self) -> str:
        return self.summary.scope_name

    @property
    def as_of(self) -> datetime.date:
        return self.summary.as_of

    @property
    def title(self) -> str:
        return gettext("%(scope)s: progress summary %(year)s") % {
            "scope": self.scope_name,
            "year": self.year,
        }


@dataclass
class YearEntry:
    """One country in one report year, as its latest publication covering it shows it."""

    year: int
    publication: Publication
    country: CountrySummary

    @property
    def tier(self) -> str:
        return self.country.tier

    @property
    def tier_label(self) -> str:
        return TIER_LABELS.get(self.country.tier, self.country.tier)


@dataclass
class Chain:
    """A recommendation followed through the published years: the same item, reworded or not."""

    members: list[tuple[int, RecommendationRow]]  # (year, row), oldest first
    # The reference of the earliest member's predecessor when no public summary holds it.
    unpublished_predecessor: str = ""

    @property
    def latest(self) -> tuple[int, RecommendationRow]:
        return self.members[-1]

    @property
    def reports_in_a_row(self) -> int:
        """Return in how many narratives in a row the item appears, as far as published."""
        return len(self.members) + (1 if self.unpublished_predecessor else 0)

    def row_in(self, year: int) -> RecommendationRow | None:
        for member_year, row in self.members:
            if member_year == year:
                return row
        return None


@dataclass
class CountryRecord:
    """A country as the public summaries show it."""

    slug: str
    name: str
    code: str
    publications: list[Publication] = field(default_factory=list)  # newest first
    years: dict[int, YearEntry] = field(default_factory=dict)
    tier_history: list[tuple[int, str]] = field(default_factory=list)
    chains: list[Chain] = field(default_factory=list)

    @property
    def published_years(self) -> list[int]:
        return sorted(self.years)

    @property
    def latest(self) -> YearEntry:
        return self.years[max(self.years)]


@dataclass
class RecommendationRecord:
    """One recommendation of one year's narrative, as the public summaries show it."""

    reference: str
    year: int
    country: CountryRecord
    row: RecommendationRow  # from the latest publication of its country and year
    chain: Chain
    # Every publication that holds it, newest first, with its row there.
    appearances: list[tuple[Publication, RecommendationRow]] = field(default_factory=list)


@dataclass
class PublicRecord:
    """Everything published for the public, indexed for the pages, the data files and the API."""

    version: Version
    publications: list[Publication]  # newest first
    by_id: dict[int, Publication]
    countries: dict[str, CountryRecord]  # by slug, in name order
    recommendations: dict[str, RecommendationRecord]

    @property
    def last_published_at(self) -> datetime.datetime | None:
        return self.version.last_published_at

    def newer_than(self, publication: Publication) -> Publication | None:
        """Return the latest publication of the same scope and year, if newer than this one."""
        for other in self.publications:
            same = (other.country_slug, other.year) == (publication.country_slug, publication.year)
            if same:
                return None if other.id == publication.id else other
        return None


# --- Reading the snapshots -------------------------------------------------------------------


def _withheld(item: dict | None, text: str) -> bool:
    """Return whether the snapshot keeps `text` of `item` from the public."""
    if not item:
        return False
    if item.get(f"{text}_withheld", False):
        return True
    return item.get(f"{text}_sensitivity", PUBLIC) != PUBLIC


def _only_public(summary: Summary, data: dict) -> None:
    """Mark the texts the snapshot withholds and drop their words; drop non-public evidence."""
    for country_data, country in zip(data["countries"], summary.countries, strict=True):
        rows = zip(country_data["recommendations"], country.recommendations, strict=True)
        for row_data, row in rows:
            if row.assessment is not None:
                withheld = _withheld(row_data.get("assessment"), "narrative")
                row.assessment.narrative_withheld = withheld
                if withheld:
                    row.assessment.narrative = ""
            for change_data, change in zip(row_data["changes"], row.changes, strict=True):
                withheld = _withheld(change_data, "reason")
                change.reason_withheld = withheld
                if withheld:
                    change.reason = ""
            row.evidence = [item for item in row.evidence if item.sensitivity == PUBLIC]


def read_publication(record: PublishedSummary | tuple) -> Publication | None:
    """Return the publication of a public snapshot, or None when it may not be shown.

    A snapshot is shown only if its row and its content both say public, its content is of the
    follow-up-period schema (earlier ones held internal evidence) and it still matches its
    SHA-256.
    """
    pk, year, slug, published_at, sha256, content, audience = record
    if audience != PUBLIC:
        return None
    if hashlib.sha256(content.encode("utf-8")).hexdigest() != sha256:
        logger.warning("public-snapshot-mismatch id=%s: content does not match its SHA-256", pk)
        return None
    data = json.loads(content)
    if data.get("audience") != PUBLIC or data.get("schema_version", 1) < 2:
        logger.warning("public-snapshot-refused id=%s: its content is not the public view", pk)
        return None
    summary = summary_from_dict(data)
    _only_public(summary, data)
    return Publication(pk, year, slug, published_at, sha256, content, summary)


_FIELDS = ("id", "year", "country__slug", "published_at", "sha256", "content", "audience")


def _chains(years: dict[int, YearEntry]) -> list[Chain]:
    """Link each year's recommendations to their published predecessors, into chains."""
    rows: dict[str, tuple[int, RecommendationRow]] = {}
    for year in sorted(years):
        for row in years[year].country.recommendations:
            rows[row.reference] = (year, row)
    continued = {row.predecessor_reference for _, row in rows.values()} & set(rows)
    chains = []
    for reference, (year, row) in rows.items():
        if reference in continued:
            continue  # a later member heads its chain
        members = [(year, row)]
        seen = {reference}
        while members[0][1].predecessor_reference in rows:
            earlier = members[0][1].predecessor_reference
            if earlier in seen:
                break
            seen.add(earlier)
            members.insert(0, rows[earlier])
        first = members[0][1].predecessor_reference
        chains.append(Chain(members, first if first and first not in rows else ""))
    # The items of the latest year first, in their priority order; then those dropped earlier.
    chains.sort(key=lambda c: (-c.latest[0], c.latest[1].number, c.latest[1].reference))
    return chains


def build_record(version: Version) -> PublicRecord:
    """Read every public snapshot and index what they show; see the module's docstring."""
    publications = []
    rows = (
        PublishedSummary.objects.filter(audience=PUBLIC)
        .order_by("published_at", "id")
        .values_list(*_FIELDS)
        .iterator(chunk_size=200)
    )
    for row in rows:
        publication = read_publication(row)
        if publication is not None:
            publications.append(publication)

    countries: dict[str, CountryRecord] = {}
    appearances: dict[str, list] = defaultdict(list)
    # Oldest first, so a later publication of the same country and year takes its place.
    for publication in publications:
        for country in publication.summary.countries:
            record = countries.get(country.slug)
            if record is None:
                record = countries[country.slug] = CountryRecord(
                    country.slug, country.name, country.code
                )
            record.name, record.code = country.name, country.code
            record.publications.insert(0, publication)
            record.years[publication.year] = YearEntry(publication.year, publication, country)
            for row in country.recommendations:
                appearances[row.reference].insert(0, (publication, row))

    recommendations: dict[str, RecommendationRecord] = {}
    for record in countries.values():
        tiers: dict[int, str] = {}
        for year in record.published_years:
            tiers.update(record.years[year].country.tier_history)
        record.tier_history = sorted(tiers.items())
        record.chains = _chains(record.years)
        for chain in record.chains:
            for year, row in chain.members:
                recommendations[row.reference] = RecommendationRecord(
                    row.reference, year, record, row, chain, appearances[row.reference]
                )
    ordered = dict(sorted(countries.items(), key=lambda item: item[1].name.casefold()))
    publications.reverse()
    return PublicRecord(
        version=version,
        publications=publications,
        by_id={p.id: p for p in publications},
        countries=ordered,
        recommendations=recommendations,
    )


_lock = threading.Lock()
_kept: dict[str, PublicRecord] = {}


def public_record(version: Version | None = None) -> PublicRecord:
    """Return the public record of the current state of publication, built once per state."""
    version = version or current_version()
    key = version.key
    record = _kept.get(key)
    if record is not None:
        return record
    with _lock:
        record = _kept.get(key)
        if record is None:
            record = build_record(version)
            _kept.clear()
            _kept[key] = record
    return record


def latest_rows(record: PublicRecord):
    """Yield (country, year entry, row) for each recommendation of each published year, from
    the latest publication of that country and year: the rows of the open data and the API."""
    for country in record.countries.values():
        for year in country.published_years:
            entry = country.years[year]
            for row in entry.country.recommendations:
                yield country, entry, row


# --- Labels the pages, data files and API share ----------------------------------------------

VOCABULARIES = {
    "tier": TIER_LABELS,
    "status": STATUS_LABELS,
    "pillar": PILLAR_LABELS,
    "rating": RATING_LABELS,
}
