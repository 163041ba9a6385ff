"""Open data: everything published for the public, as one CSV and one JSON file per kind.

The four datasets, their columns and what each column means are defined once, here
(`DATASETS`): the files, the data dictionary page and the checksums all come from it. Values
keep the vocabularies' codes and the columns their English names, whatever the language of the
pages; the dictionary lists every code with its label. Each file is built from the public record
(`api.public`) and so only from published public snapshots; where a country and year were
published more than once, the rows come from the latest publication.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from api.public import VOCABULARIES, PublicRecord, latest_rows
from reports.summary_shape import (
    CONFIDENCE_LABELS,
    DIRECTION_LABELS,
    LINK_KIND_LABELS,
    SOURCE_TYPE_LABELS,
    STATUSES,
)
from tiptracker.lib.spreadsheets import csv_lines


@dataclass(frozen=True)
class Column:
    """One column of a dataset: its name in every file, its type and what it holds."""

    name: str
    kind: str  # text, integer, date, date-time, code, URL
    meaning: str  # in English, marked for the catalogue; `described` gives it in the language
    codes: str = ""  # the vocabulary whose codes it holds, if any
    params: tuple[tuple[str, str], ...] = ()  # values of the meaning's placeholders

    @property
    def described(self) -> str:
        """Return what the column holds, in the active language."""
        return gettext(self.meaning) % dict(self.params) if self.params else gettext(self.meaning)


@dataclass(frozen=True)
class Dataset:
    """One kind of published fact, with one row per …"""

    name: str
    title: str  # the title and the row stay English in the files; pages translate them
    row: str  # what one row is
    columns: tuple[Column, ...]
    rows: Callable[[PublicRecord], Iterator[list]]


def _url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _country_rows(record: PublicRecord):
    for country in record.countries.values():
        sources = {}
        for year in country.published_years:
            entry = country.years[year]
            for placement_year, _tier in entry.country.tier_history:
                sources[placement_year] = entry.publication.id
        for year, tier in country.tier_history:
            yield [country.slug, country.name, country.code, year, tier, sources[year]]


def _summary_rows(record: PublicRecord):
    for publication in sorted(record.publications, key=lambda p: p.id):
        summary = publication.summary
        totals = summary.totals
        yield [
            publication.id,
            publication.year,
            publication.country_slug or "",
            publication.scope_name,
            summary.period_start.isoformat(),
            summary.period_end.isoformat(),
            summary.as_of.isoformat(),
            publication.published_at.isoformat(),
            publication.sha256,
            totals.recommendations,
            *(totals.by_status.get(code, 0) for code in STATUSES),
            totals.changed_in_period,
            totals.evidence_items,
            _url("public_summary", publication.id),
        ]


def _status_rows(record: PublicRecord):
    for country, entry, row in latest_rows(record):
        a = row.assessment
        yield [
            entry.publication.id,
            country.slug,
            entry.year,
            row.reference,
            row.number,
            row.pillar,
            row.status_at_start,
            row.status,
            entry.publication.as_of.isoformat(),
            row.link_kind,
            row.predecessor_reference,
            a.rating if a else "",
            a.confidence if a else "",
            len(row.evidence),
            len(row.changes),
            row.text,
        ]


def _evidence_rows(record: PublicRecord):
    for country, entry, row in latest_rows(record):
        for item in row.evidence:
            yield [
                entry.publication.id,
                country.slug,
                entry.year,
                row.reference,
                item.id,
                item.date.isoformat(),
                item.title,
                item.source_type,
                item.source_name,
                item.url,
                item.direction,
            ]


_SUMMARY_ID = Column(
    "summary_id",
    "integer",
    gettext_noop("The published summary the row comes from (its page and files)."),
)
_COUNTRY = Column(
    "country", "code", gettext_noop("The country's short name in addresses (its slug).")
)
_YEAR = Column("year", "integer", gettext_noop("The report year: the year of the narrative."))

DATASETS = (
    Dataset(
        "countries",
        gettext_noop("Countries and tiers"),
        gettext_noop("a country's tier in one report year"),
        (
            _COUNTRY,
            Column("country_name", "text", gettext_noop("The country's name.")),
            Column("country_code", "text", gettext_noop("The country's three-letter code.")),
            _YEAR,
            Column(
                "tier", "code", gettext_noop("The tier the report placed the country on."), "tier"
            ),
            Column(
                "summary_id",
                "integer",
                gettext_noop("The published summary that states this tier (the latest that does)."),
            ),
        ),
        _country_rows,
    ),
    Dataset(
        "summaries",
        gettext_noop("Published summaries"),
        gettext_noop("one summary published for the public"),
        (
            Column("summary_id", "integer", gettext_noop("The published summary's number.")),
            _YEAR,
            Column(
                "country",
                "code",
                gettext_noop("The country's slug; empty for an all-countries summary."),
            ),
            Column("scope", "text", gettext_noop("The country's name, or “All countries”.")),
            Column(
                "follow_up_start",
                "date",
                gettext_noop("First day of the follow-up period (1 April)."),
            ),
            Column(
                "follow_up_end",
                "date",
                gettext_noop("Last day of the follow-up period (31 March)."),
            ),
            Column("as_of", "date", gettext_noop("The day its statuses are on.")),
            Column(
                "published_at", "date-time", gettext_noop("When it was published (UTC, ISO 8601).")
            ),
            Column(
                "sha256",
                "text",
                gettext_noop("SHA-256 of its frozen JSON, to check a copy against."),
            ),
            Column("recommendations", "integer", gettext_noop("Recommendations it covers.")),
            *(
                Column(
                    f"status_{code}",
                    "integer",
                    gettext_noop("Recommendations with the status %(code)s on as_of."),
                    params=(("code", code),),
                )
                for code in STATUSES
            ),
            Column(
                "changed_in_period",
                "integer",
                gettext_noop("Recommendations whose status changed."),
            ),
            Column(
                "evidence_items", "integer", gettext_noop("Public evidence items of the period.")
            ),
            Column("url", "URL", gettext_noop("Its page on the public site.")),
        ),
        _summary_rows,
    ),
    Dataset(
        "statuses",
        gettext_noop("Recommendation statuses per published year"),
        gettext_noop("one recommendation in the latest publication of its country and year"),
        (
            _SUMMARY_ID,
            _COUNTRY,
            _YEAR,
            Column(
                "reference",
                "text",
                gettext_noop("The recommendation's reference, e.g. PRK-2021-03."),
            ),
            Column(
                "number",
                "integer",
                gettext_noop("Its place in the narrative's list (priority order)."),
            ),
            Column(
                "pillar",
                "code",
                gettext_noop("Prosecution, protection, prevention or partnership."),
                "pillar",
            ),
            Column(
                "status_at_start",
                "code",
                gettext_noop("Its status on 1 April, as the period began."),
                "status",
            ),
            Column("status", "code", gettext_noop("Its status on the as_of day."), "status"),
            Column("as_of", "date", gettext_noop("The day `status` is on.")),
            Column(
                "link_kind",
                "code",
                gettext_noop(
                    "How it relates to the previous narrative: repeated, reworded or new."
                ),
                "link_kind",
            ),
            Column(
                "predecessor", "text", gettext_noop("The reference it continues; empty when new.")
            ),
            Column(
                "rating",
                "code",
                gettext_noop("The rating of the approved assessment, if any."),
                "rating",
            ),
            Column(
                "confidence",
                "code",
                gettext_noop("The confidence of that assessment."),
                "confidence",
            ),
            Column(
                "evidence_items",
                "integer",
                gettext_noop("Public evidence items of the period on it."),
            ),
            Column("status_changes", "integer", gettext_noop("Status changes in the period.")),
            Column("text", "text", gettext_noop("The recommendation as the report words it.")),
        ),
        _status_rows,
    ),
    Dataset(
        "evidence",
        gettext_noop("Published evidence"),
        gettext_noop(
            "one public evidence item bearing on one recommendation (an item bearing on several "
            "has a row for each)"
        ),
        (
            _SUMMARY_ID,
            _COUNTRY,
            _YEAR,
            Column("reference", "text", gettext_noop("The recommendation it bears on.")),
            Column(
                "evidence_id",
                "integer",
                gettext_noop("The item's number (the same on every row of it)."),
            ),
            Column(
                "date", "date", gettext_noop("Its publication date, else the day it was logged.")
            ),
            Column("title", "text", gettext_noop("Its title.")),
            Column(
                "source_type", "code", gettext_noop("What kind of source it is."), "source_type"
            ),
            Column("source_name", "text", gettext_noop("Who published it.")),
            Column("url", "URL", gettext_noop("Where it can be read; may be empty.")),
            Column(
                "direction",
                "code",
                gettext_noop("What it shows about the recommendation."),
                "direction",
            ),
        ),
        _evidence_rows,
    ),
)

CODE_LISTS = {
    **VOCABULARIES,
    "link_kind": {k: v for k, v in LINK_KIND_LABELS.items() if k != "dropped"},
    "confidence": CONFIDENCE_LABELS,
    "source_type": SOURCE_TYPE_LABELS,
    "direction": DIRECTION_LABELS,
}

CHECKSUMS = "sha256sums.txt"
FORMATS = ("csv", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}


def _csv(dataset: Dataset, rows: list[list]) -> bytes:
    return "".join(csv_lines([c.name for c in dataset.columns], rows)).encode("utf-8")


def _json(dataset: Dataset, rows: list[list]) -> bytes:
    names = [c.name for c in dataset.columns]
    document = {
        "dataset": dataset.name,
        "title": dataset.title,
        "row": dataset.row,
        "publisher": settings.ORGANISATION_NAME,
        "licence": {
            "name": settings.OPEN_DATA_LICENCE_NAME,
            "url": settings.OPEN_DATA_LICENCE_URL,
        },
        "dictionary": _url("public_data_dictionary") + f"#{dataset.name}",
        "columns": names,
        "rows": [dict(zip(names, row, strict=True)) for row in rows],
    }
    # Labels marked for translation are lazy strings: written as their (English) text.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str).encode(
        "utf-8"
    )


@dataclass
class DataFile:
    name: str
    dataset: Dataset | None
    content: bytes
    rows: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.name.rsplit(".", 1)[1]]


def build_files(record: PublicRecord) -> dict[str, DataFile]:
    """Return every open-data file by name, with the checksums file last.

    The files are written in English whatever the reader's language, so that their bytes and
    checksums depend on the publications alone; pages describe them in the reader's language.
    """
    with translation.override("en"):
        return _build_files(record)


def _build_files(record: PublicRecord) -> dict[str, DataFile]:
    files: dict[str, DataFile] = {}
    for dataset in DATASETS:
        rows = list(dataset.rows(record))
        files[f"{dataset.name}.csv"] = DataFile(
            f"{dataset.name}.csv", dataset, _csv(dataset, rows), len(rows)
        )
        files[f"{dataset.name}.json"] = DataFile(
            f"{dataset.name}.json", dataset, _json(dataset, rows), len(rows)
        )
    sums = "".join(f"{f.sha256}  {name}\n" for name, f in files.items())
    files[CHECKSUMS] = DataFile(CHECKSUMS, None, sums.encode("ascii"), len(files))
    return files


_lock = threading.Lock()
_kept: dict[str, dict[str, DataFile]] = {}


def data_files(record: PublicRecord) -> dict[str, DataFile]:
    """Return the open-data files of `record`, built once per state of publication."""
    key = record.version.key
    files = _kept.get(key)
    if files is None:
        with _lock:
            files = _kept.get(key)
            if files is None:
                files = build_files(record)
                _kept.clear()
                _kept[key] = files
    return files
