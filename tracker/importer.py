"""Map parsed narratives (`tracker.tipreport`) onto the database.

Files are text or PDF (`tiptracker.lib.pdftext` turns a PDF into text first). A batch is parsed
completely before anything is written. `import_batch` writes it in one transaction: one bad file
means nothing is imported. `import_each` writes file by file, each in its own transaction, and
reports the refused ones beside the imported ones. Importing the same text again changes
nothing; a different text for an already imported country and year is refused rather than
overwriting what analysts have built on it. Every new narrative is linked to the country's
nearest earlier year (`tracker.lineage`).
"""

import bisect
import hashlib
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from tiptracker.lib import pdftext
from tiptracker.lib.sqlite.base import refresh_statistics
from tracker import bulk, countries, lineage, search, tipdocument, tipreport
from tracker.models import (
    Country,
    Finding,
    Recommendation,
    Report,
    TierPlacement,
    follow_up_period,
    is_report_year,
    reporting_period,
)


class ImportRefused(Exception):
    """Raised with a message naming the file and the reason when a batch cannot be imported."""


@dataclass
class Parsed:
    """One narrative file, parsed and ready to be written."""

    name: str
    text: str
    sha256: str
    narrative: tipreport.Narrative
    info: countries.CountryInfo
    source_url: str = ""


@dataclass
class Outcome:
    """What happened to one file: imported, unchanged, refused, or (for a dry run) new."""

    name: str
    country: str
    year: int | None
    action: str
    report: Report | None = None
    warnings: list[str] = field(default_factory=list)
    reason: str = ""
    parsed: Parsed | None = None


@dataclass
class Refused:
    """A file that could not be parsed, with the reason (which names the file)."""

    name: str
    reason: str


# Ordered rules: the first that matches the wording proposes the pillar. Partnership verbs are
# checked first because partnership items often also mention victims or prosecution.
_PILLAR_RULES = [
    (
        Recommendation.Pillar.PARTNERSHIP,
        r"partnership|accede|protocol|transparen|international (organi[sz]ations?|human rights|"
        r"monitors?)|cooperat|collaborat|memorand",
    ),
    (
        Recommendation.Pillar.PROSECUTION,
        r"investigat|prosecut|convict|criminali[sz]|law enforcement|accountab|sentenc|penal|"
        r"judicia|court|legislat|amend",
    ),
    (
        Recommendation.Pillar.PROTECTION,
        r"victim|shelter|assistance|protection services|refer(ral)?\b|reintegrat|\bcare\b|"
        r"compensat|restitution",
    ),
]


def propose_pillar(text: str) -> str:
    """Propose the pillar a recommendation belongs to from its wording; analysts may correct it."""
    lowered = text.lower()
    for pillar, pattern in _PILLAR_RULES:
        if re.search(pattern, lowered):
            return pillar
    return Recommendation.Pillar.PREVENTION


# Content words are of four letters or more: shorter ones are never looked at.
_WORD = re.compile(r"[a-z]{4,}")
_STOP = frozenset(
    "about above after also among and any are been both but can could did does each either "
    "from had has have into its made make more most not other over such than that the their "
    "them there these they this those through under were which while with within would "
    "government trafficking efforts report reported reporting period".split()
)


def _stems(text: str) -> set[str]:
    """Return crude stems of the content words of `text` ("criminalized" ~ "criminalize")."""
    return {word[:6] for word in set(_WORD.findall(text.lower())) - _STOP}


def propose_findings(text: str, findings: list, *, limit: int = 3, min_shared: int = 2) -> list:
    """Return up to `limit` findings that share the most distinctive words with `text`.

    Words are weighted by how rare they are among the narrative's sentences, so "forced labor"
    counts for less than "garnishing". These are proposals that tell an analyst where to read;
    nothing else depends on them.
    """
    return propose_each([text], findings, limit=limit, min_shared=min_shared)[0]


def propose_each(texts: list[str], findings: list, *, limit: int = 3, min_shared: int = 2):
    """Return `propose_findings(text, findings)` for each of `texts`, reading `findings` once.

    Only the words some text uses are kept from the findings: no other word can be shared.
    """
    if not findings:
        return [[] for _ in texts]
    wanted = [_stems(text) for text in texts]
    interest = set().union(*wanted)
    users: dict[str, list[int]] = {}
    for position, finding in enumerate(findings):
        for s in _stems(finding.text) & interest:
            users.setdefault(s, []).append(position)
    n = len(findings)
    weight = {s: math.log((n + 1) / len(positions)) for s, positions in users.items()}
    # The words no other sentence of the narrative uses: one of them is enough on its own.
    unique = {s for s, positions in users.items() if len(positions) == 1}
    proposals = []
    for stems in wanted:
        # Only the findings that share a word with the text can be proposed.
        shared: dict[int, list[str]] = {}
        for s in stems & users.keys():
            for position in users[s]:
                shared.setdefault(position, []).append(s)
        scored = [
            # fsum: the same words give the same score, whatever order they come in.
            (math.fsum(map(weight.__getitem__, words)), -position, position)
            for position, words in shared.items()
            if len(words) >= min_shared or not unique.isdisjoint(words)
        ]
        scored.sort(reverse=True)
        proposals.append([findings[position] for _, _, position in scored[:limit]])
    return proposals


def parse_file(
    path: Path,
    *,
    year: int | None = None,
    country: str | None = None,
    tier: str | None = None,
    source_url: str = "",
) -> Parsed:
    """Read and parse one narrative file; raise ImportRefused naming the file on any problem."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportRefused(
            gettext("%(name)s: cannot be read (%(error)s).")
            % {"name": name, "error": exc.strerror or exc}
        ) from exc
    parsed = parse_bytes(data, name=name, year=year, country=country, tier=tier)
    parsed.source_url = source_url
    return parsed


def parse_bytes(
    data: bytes,
    *,
    name: str,
    year: int | None = None,
    country: str | None = None,
    tier: str | None = None,
) -> Parsed:
    """Decode (or extract, for a PDF) and parse one narrative; raise ImportRefused naming `name`."""
    text = narrative_text(data, name=name)
    return parse_text(text, name=name, year=year, country=country, tier=tier)


def narrative_text(data: bytes, *, name: str) -> str:
    """Return the text of a narrative file, text or PDF; raise ImportRefused naming `name`."""
    try:
        if pdftext.is_pdf(data):
            return pdftext.pdf_to_text(data, name=name)
        return tipreport.decode_narrative(data, name=name)
    except (tipreport.NarrativeError, pdftext.PdfTextError) as exc:
        raise ImportRefused(str(exc)) from exc


_NAME_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def year_from_name(name: str) -> int | None:
    """Return the report year a file name gives ("2022_bahamas.txt" -> 2022), else None."""
    match = _NAME_YEAR_RE.search(Path(name).name)
    year = int(match.group(1)) if match else None
    return year if year is not None and is_report_year(year) else None


# The words of a file name: letters, with an apostrophe inside ("cote-d'ivoire").
_NAME_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# The most words a country's name has ("united-kingdom-of-great-britain-and-northern-ireland").
_MOST_NAME_WORDS = 8


def country_from_name(name: str) -> str | None:
    """Return the country a file name gives ("2015_south-sudan.txt" -> "South Sudan"), else None.

    Runs of the name's words, joined by spaces or hyphens, are looked up in the registry
    (exactly, as `countries.match_country` does): the longest run that names a country wins
    over the shorter ones inside it ("south-sudan", not "sudan"), and a name that gives two
    countries ("2021_niger_nigeria.txt") gives none.
    """
    words = _NAME_WORD_RE.findall(Path(name).stem)
    found: list[tuple[int, int, countries.CountryInfo]] = []
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + _MOST_NAME_WORDS) + 1):
            run = words[start:end]
            info = countries.match_country(" ".join(run)) or countries.match_country("-".join(run))
            if info is not None:
                found.append((start, end, info))
    named = {
        info.name
        for start, end, info in found
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in found)
    }
    return named.pop() if len(named) == 1 else None


def parse_text(
    text: str,
    *,
    name: str,
    year: int | None = None,
    country: str | None = None,
    tier: str | None = None,
    default_year: int | None = None,
    default_year_from: str = tipreport.FROM_FILE_NAME,
    default_country: str | None = None,
    default_country_from: str = tipreport.FROM_FILE_NAME,
) -> Parsed:
    """Parse one narrative's text; raise ImportRefused naming `name` on any problem.

    Without `default_year` and `default_country`, the year and the country the file name gives
    are used where neither the caller (`year`, `country`) nor the text states one; a text that
    states another year or country wins, with a warning.
    """
    if default_year is None:
        default_year = year_from_name(name)
    if default_country is None:
        default_country = country_from_name(name)
    try:
        narrative = tipreport.parse_narrative(
            text,
            name=name,
            year=year,
            country=country,
            tier=tier,
            default_year=default_year,
            default_year_from=default_year_from,
            default_country=default_country,
            default_country_from=default_country_from,
        )
    except tipreport.NarrativeError as exc:
        message = str(exc)
        if name not in message:
            message = f"{name}: {message}"
        raise ImportRefused(message) from exc
    info = countries.match_country(narrative.country)
    if info is None:
        raise ImportRefused(
            gettext("%(name)s: the country %(country)s is not known.")
            % {"name": name, "country": repr(narrative.country)}
        )
    others = _other_country_headers(text, info.name)
    if others:
        raise ImportRefused(
            gettext(
                "%(name)s: the text holds the headers of several countries (%(others)s), "
                "so it is not one narrative; import one narrative per file."
            )
            % {"name": name, "others": ", ".join(others)}
        )
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Parsed(name=name, text=text, sha256=sha256, narrative=narrative, info=info)


def parse_document(
    text: str,
    *,
    name: str,
    year: int | None = None,
    country: str | None = None,
    tier: str | None = None,
    source_url: str = "",
    progress=None,
    found=None,
) -> list[Parsed | Refused]:
    """Parse a text that holds one narrative or many (a whole report, pasted country pages).

    A text with several country narratives (`tracker.tipdocument`) gives one item per narrative,
    named "FILE [HEADING]", each parsed or refused on its own; the year is the caller's, else the
    document's, else the file name's. `country` and `tier` describe one narrative, so a document
    of several is refused when they are given. `found(total)`, if given, is called with the
    number of narratives once the text is split, and `progress(done, total, name)` after each
    narrative.
    """
    document = tipdocument.split_document(text)
    if found is not None:
        found(max(len(document.parts), 1))
    if len(document.parts) < 2:
        try:
            parsed = parse_text(text, name=name, year=year, country=country, tier=tier)
        except ImportRefused as exc:
            item: Parsed | Refused = Refused(name, str(exc))
        else:
            parsed.source_url = source_url
            item = parsed
        if progress is not None:
            progress(1, 1, name)
        return [item]
    total = len(document.parts)
    if country or tier:
        values = {"name": name, "total": total, "country": repr(country), "tier": repr(tier)}
        if country and tier:
            message = gettext(
                "%(name)s: holds %(total)s country narratives, so the country %(country)s and "
                "tier %(tier)s given for one narrative cannot apply; leave them out."
            )
        elif country:
            message = gettext(
                "%(name)s: holds %(total)s country narratives, so the country %(country)s given "
                "for one narrative cannot apply; leave them out."
            )
        else:
            message = gettext(
                "%(name)s: holds %(total)s country narratives, so the tier %(tier)s given for "
                "one narrative cannot apply; leave them out."
            )
        return [Refused(name, message % values)]
    if document.year is not None:
        default_year, default_from = document.year, tipreport.FROM_DOCUMENT
    else:
        default_year, default_from = year_from_name(name), tipreport.FROM_FILE_NAME
    items: list[Parsed | Refused] = []
    for done, part in enumerate(document.parts, start=1):
        part_name = f"{name} [{part.heading}]"
        try:
            parsed = parse_text(
                part.text,
                name=part_name,
                year=year,
                default_year=default_year,
                default_year_from=default_from,
                # Each narrative's heading names its country, not the file's name.
                default_country=part.country,
                default_country_from=tipreport.FROM_HEADING,
            )
        except ImportRefused as exc:
            items.append(Refused(part_name, str(exc)))
        else:
            parsed.source_url = source_url
            if year is not None and document.year not in (None, year):
                parsed.narrative.warnings.append(
                    gettext(
                        "The document states the year %(stated)s, but %(year)s was supplied; "
                        "using %(year)s."
                    )
                    % {"stated": document.year, "year": year}
                )
            items.append(parsed)
        if progress is not None:
            progress(done, total, part_name)
    return items


def parse_document_file(path: Path, *, source_url: str = "", **overrides) -> list[Parsed | Refused]:
    """Read a file of one narrative or many and parse it; see `parse_document`."""
    name = str(path)
    try:
        text = narrative_text(path.read_bytes(), name=name)
    except OSError as exc:
        return [
            Refused(
                name,
                gettext("%(name)s: cannot be read (%(error)s).")
                % {"name": name, "error": exc.strerror or exc},
            )
        ]
    except ImportRefused as exc:
        return [Refused(name, str(exc))]
    return parse_document(text, name=name, source_url=source_url, **overrides)


# Every header line names a tier; lines that do not are skipped before the full parse.
_HEADER_HINT = re.compile(r"tier|special\s+case", re.I)


def _other_country_headers(text: str, country: str) -> list[str]:
    """Return the other countries whose header line ("SERBIA: Tier 2.") stands in `text`."""
    lines = text.splitlines()
    # The lines holding a hint, found in one scan of the whole text: each line that holds one
    # holds the start of a match there (a match across lines only ends in the next line).
    ends = list(itertools.accumulate(len(line) for line in text.splitlines(keepends=True)))
    hinted = sorted({bisect.bisect_right(ends, m.start()) for m in _HEADER_HINT.finditer(text)})
    others = []
    for line in (lines[i] for i in hinted):
        if len(line) >= 150 or not _HEADER_HINT.search(line):
            continue
        header = tipreport.parse_header_line(line)
        if header and header[0] != country and header[0] not in others:
            others.append(header[0])
    return others


def countries_for(infos: list[countries.CountryInfo]) -> dict[str, Country]:
    """Return the Country rows of registry entries by code, creating those not there yet."""
    found = {c.code: c for c in Country.objects.filter(code__in={info.code for info in infos})}
    missing = {info.code: info for info in infos if info.code not in found}
    created = Country.objects.bulk_create(
        Country(code=info.code, name=info.name, slug=slugify(info.name), aliases=list(info.aliases))
        for info in missing.values()
    )
    found.update((country.code, country) for country in created)
    return found


def batch_conflicts(batch: list[Parsed]) -> dict[str, str]:
    """Return, by file name, why files naming one country-year with different texts conflict.

    Both files of such a pair are named: which of them is right is for a person to decide.
    """
    seen: dict[tuple[str, int], Parsed] = {}
    conflicts: dict[str, str] = {}
    for parsed in batch:
        key = (parsed.info.code, parsed.narrative.year)
        other = seen.get(key)
        if other and other.sha256 != parsed.sha256:
            what = f"{parsed.info.name} {parsed.narrative.year}"
            conflict = gettext(
                "%(name)s: %(what)s is also in %(other)s with a different text; import one of them."
            )
            conflicts[parsed.name] = conflict % {
                "name": parsed.name,
                "what": what,
                "other": other.name,
            }
            conflicts.setdefault(
                other.name, conflict % {"name": other.name, "what": what, "other": parsed.name}
            )
        seen.setdefault(key, parsed)
    return conflicts


def check_batch(batch: list[Parsed]) -> None:
    """Refuse a batch that names one country-year twice with different texts."""
    conflicts = batch_conflicts(batch)
    for parsed in batch:
        if parsed.name in conflicts:
            raise ImportRefused(conflicts[parsed.name])


def _existing(parsed: Parsed) -> Report | None:
    return (
        Report.objects.filter(country__code=parsed.info.code, year=parsed.narrative.year)
        .only("pk", "source_sha256")
        .first()
    )


_LOOK_UP = object()


def _existing_by_key(batch: list[Parsed]) -> dict[tuple[str, int], Report]:
    """Return the already imported Reports of the batch's country-years, in one query."""
    codes = {parsed.info.code for parsed in batch}
    years = {parsed.narrative.year for parsed in batch}
    found = Report.objects.filter(country__code__in=codes, year__in=years).only(
        "pk", "source_sha256", "year", "country__code"
    )
    return {(r.country.code, r.year): r for r in found.select_related("country")}


def classify(parsed: Parsed, *, existing=_LOOK_UP) -> Outcome:
    """Say what importing one parsed file would do: new or unchanged; refuse a changed text.

    `existing` is the Report already imported for the country-year (or None), when the caller
    looked it up for a whole batch.
    """
    if existing is _LOOK_UP:
        existing = _existing(parsed)
    if existing and existing.source_sha256 != parsed.sha256:
        raise ImportRefused(
            gettext(
                "%(name)s: %(country)s %(year)s was already imported from a different text. "
                "Imported narratives are never overwritten, because statuses, evidence and "
                "assessments hang on them."
            )
            % {"name": parsed.name, "country": parsed.info.name, "year": parsed.narrative.year}
        )
    return Outcome(
        name=parsed.name,
        country=parsed.info.name,
        year=parsed.narrative.year,
        action="unchanged" if existing else "new",
        report=existing,
        warnings=list(parsed.narrative.warnings),
        parsed=parsed,
    )


def plan(batch: list[Parsed]) -> list[Outcome]:
    """Say what importing `batch` would do, refusing changed texts; write nothing."""
    check_batch(batch)
    existing = _existing_by_key(batch)
    return [
        classify(parsed, existing=existing.get((parsed.info.code, parsed.narrative.year)))
        for parsed in batch
    ]


def _write_order(batch: list[Parsed]) -> list[int]:
    # By country, earlier years first: the order importing them one by one would take, which
    # the lineage pass follows; the outcomes keep the order the files were given in.
    return sorted(range(len(batch)), key=lambda i: (batch[i].info.code, batch[i].narrative.year))


@transaction.atomic
def import_batch(batch: list[Parsed], *, by=None) -> list[Outcome]:
    """Write every new narrative of `batch` in one transaction; return what happened to each."""
    outcomes = plan(batch)
    new: list[int] = []
    seen: set[tuple[str, int]] = set()
    for index in _write_order(batch):
        parsed, outcome = batch[index], outcomes[index]
        key = (parsed.info.code, parsed.narrative.year)
        if outcome.action == "unchanged" or key in seen:
            outcome.action = "unchanged"
            continue
        seen.add(key)
        new.append(index)
    with search.merging_deferred():
        created = reports_create(batch=[batch[i] for i in new], by=by)
    for index, report in zip(new, created, strict=True):
        outcomes[index].report = report
        outcomes[index].action = "imported"
    if new:
        transaction.on_commit(after_import)
    return outcomes


def after_import() -> None:
    """Merge the search index's segments an import wrote unmerged, then gather statistics.

    Run once the import's transaction has committed, each step in short transactions of its
    own, so the import holds the write lock only while it writes.
    """
    search.merge_segments(connection)
    refresh_statistics(connection)


def refused_outcome(name: str, reason: str, parsed: Parsed | None = None) -> Outcome:
    return Outcome(
        name=name,
        country=parsed.info.name if parsed else "",
        year=parsed.narrative.year if parsed else None,
        action="refused",
        reason=reason,
        parsed=parsed,
    )


def _screen(items: list[Parsed | Refused]) -> dict[int, Outcome]:
    """Return the outcomes of the items refused before any write: parse errors and conflicts."""
    conflicts = batch_conflicts([item for item in items if isinstance(item, Parsed)])
    outcomes: dict[int, Outcome] = {}
    for index, item in enumerate(items):
        if isinstance(item, Refused):
            outcomes[index] = refused_outcome(item.name, item.reason)
        elif item.name in conflicts:
            outcomes[index] = refused_outcome(item.name, conflicts[item.name], item)
    return outcomes


def import_atomic(
    items: list[Parsed | Refused], *, by=None, dry_run: bool = False
) -> list[Outcome]:
    """Import every item in one transaction, or nothing if any is refused; list every refusal."""
    outcomes = _screen(items)
    # The already imported country-years of every item, in one query rather than one each.
    existing = _existing_by_key([item for i, item in enumerate(items) if i not in outcomes])
    for index, item in enumerate(items):
        if index not in outcomes:
            key = (item.info.code, item.narrative.year)
            try:
                outcomes[index] = classify(item, existing=existing.get(key))
            except ImportRefused as exc:
                outcomes[index] = refused_outcome(item.name, str(exc), item)
    result = [outcomes[i] for i in range(len(items))]
    if dry_run or any(o.action == "refused" for o in result):
        return result
    return import_batch(list(items), by=by)


def import_each(
    items: list[Parsed | Refused], *, by=None, dry_run: bool = False, progress=None
) -> list[Outcome]:
    """Import file by file, each in its own transaction; refused files do not stop the others.

    `items` are parsed files or the parse refusals that stand for them, in the order given;
    the outcomes keep that order. Files naming one country-year with different texts are both
    refused. `progress(done, total, name)`, if given, is called after each file.
    """
    outcomes = _screen(items)
    pending = [i for i in range(len(items)) if i not in outcomes]
    order = sorted(pending, key=lambda i: (items[i].info.code, items[i].narrative.year))
    written: set[tuple[str, int]] = set()
    done = len(outcomes)
    for index in order:
        parsed = items[index]
        key = (parsed.info.code, parsed.narrative.year)
        try:
            with transaction.atomic():
                outcome = classify(parsed)
                if outcome.action == "new" and key in written:
                    outcome.action = "unchanged"
                elif outcome.action == "new" and not dry_run:
                    outcome.report = report_create(parsed=parsed, by=by)
                    outcome.action = "imported"
                    written.add(key)
                elif outcome.action == "new":
                    written.add(key)
        except ImportRefused as exc:
            outcome = refused_outcome(parsed.name, str(exc), parsed)
        outcomes[index] = outcome
        done += 1
        if progress is not None:
            progress(done, len(items), parsed.name)
    if written and not dry_run:
        transaction.on_commit(lambda: refresh_statistics(connection))
    return [outcomes[i] for i in range(len(items))]


def reports_create(*, batch: list[Parsed], by=None) -> list[Report]:
    """Create the Reports of `batch` (none imported yet, one per country-year) in bulk, linked.

    The same rows as creating them one by one, earliest year first, in a fixed number of
    queries for the whole batch: one INSERT per table (more when a table's rows exceed what one
    statement may carry) and one lineage pass per country (`lineage.link_new`).
    """
    if not batch:
        return []
    country_rows = countries_for([parsed.info for parsed in batch])
    now = timezone.now()
    reports = []
    for parsed in batch:
        narrative = parsed.narrative
        # bulk_create skips Report.save, which derives the periods from the year: so here.
        start, end = reporting_period(narrative.year)
        follow_up_start, follow_up_end = follow_up_period(narrative.year)
        reports.append(
            Report(
                country=country_rows[parsed.info.code],
                year=narrative.year,
                tier=narrative.tier,
                period_start=start,
                period_end=end,
                follow_up_start=follow_up_start,
                follow_up_end=follow_up_end,
                title=narrative.title[:300],
                country_heading=narrative.country_heading[:300],
                introduction=narrative.introduction,
                tier_statement=narrative.tier_statement,
                sections=dict(narrative.sections),
                source_url=parsed.source_url,
                source_name=Path(parsed.name).name[:300],
                source_text=parsed.text,
                source_sha256=parsed.sha256,
                parse_warnings=list(narrative.warnings),
                imported_at=now,
                imported_by=by,
            )
        )
    reports = Report.objects.bulk_create(reports)
    with search.indexed_together(Finding, report_id__in=[report.pk for report in reports]):
        bulk.insert_rows(
            Finding,
            ["report", "section", "position", "text"],
            [
                (report.pk, f.section, f.position, f.text)
                for report, parsed in zip(reports, batch, strict=True)
                for f in parsed.narrative.findings
            ],
        )
    recommendations = [
        Recommendation(
            report=report,
            number=number,
            reference=f"{report.country.code}-{report.year}-{number:02d}",
            text=text,
            pillar=propose_pillar(text),
            country_name=report.country.name,
            report_year=report.year,
        )
        for report, parsed in zip(reports, batch, strict=True)
        for number, text in enumerate(parsed.narrative.recommendations, start=1)
    ]
    lineage.link_new(recommendations)
    parsed_findings = {
        report.pk: parsed.narrative.findings for report, parsed in zip(reports, batch, strict=True)
    }
    _link_findings(recommendations, parsed_findings)
    _place_tiers(reports)
    return reports


def _link_findings(recommendations: list[Recommendation], findings: dict[int, list]) -> None:
    """Store the proposed findings of each recommendation (`propose_findings`).

    `findings` holds each report's parsed findings, by report id, as they were written.
    """
    finding_id = {
        (report_id, section, position): pk
        for pk, report_id, section, position in Finding.objects.filter(
            report_id__in=list(findings)
        ).values_list("pk", "report_id", "section", "position")
    }
    by_report: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        by_report.setdefault(rec.report_id, []).append(rec)
    rows = []
    for report_id, recs in by_report.items():
        proposed = propose_each([rec.text for rec in recs], findings[report_id])
        for rec, found in zip(recs, proposed, strict=True):
            rows.extend(
                (rec.pk, finding_id[report_id, finding.section, finding.position])
                for finding in found
            )
    bulk.insert_rows(Recommendation.findings.through, ["recommendation", "finding"], rows)


def _place_tiers(reports: list[Report]) -> None:
    """Record each report's tier as its country's placement for the year (from the narrative)."""
    existing = {
        (p.country_id, p.year): p
        for p in TierPlacement.objects.filter(
            country__in={r.country_id for r in reports}, year__in={r.year for r in reports}
        )
    }
    changed, created = [], []
    for report in reports:
        placement = existing.get((report.country_id, report.year))
        if placement is None:
            placement = TierPlacement(country_id=report.country_id, year=report.year)
            created.append(placement)
        else:
            changed.append(placement)
        placement.tier = report.tier
        placement.source = TierPlacement.Source.NARRATIVE
        placement.source_name = report.source_name
    TierPlacement.objects.bulk_create(created)
    TierPlacement.objects.bulk_update(changed, ["tier", "source", "source_name"])


def report_create(*, parsed: Parsed, by=None) -> Report:
    """Create the Report, its findings and recommendations from one parsed narrative."""
    return reports_create(batch=[parsed], by=by)[0]
