"""Map parsed narratives (`tracker.tipreport`) onto the database.

A batch is parsed completely before anything is written, and written in one transaction: one bad
file means nothing is imported. Importing the same text again changes nothing; a different text
for an already imported country and year is refused rather than overwriting what analysts have
built on it.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from tracker import countries, tipreport
from tracker.models import Country, Finding, Recommendation, Report, TierPlacement


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
    """What happened to one file: imported, unchanged, or (for a dry run) parsed."""

    name: str
    country: str
    year: int
    action: str
    report: Report | None = None
    warnings: list[str] = field(default_factory=list)


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
        raise ImportRefused(f"{name}: cannot be read ({exc.strerror or exc}).") from exc
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
    """Decode and parse one narrative; raise ImportRefused naming `name` on any problem."""
    try:
        text = tipreport.decode_narrative(data, name=name)
        narrative = tipreport.parse_narrative(
            text, name=name, year=year, country=country, tier=tier
        )
    except tipreport.NarrativeError as exc:
        message = str(exc)
        if name not in message:
            message = f"{name}: {message}"
        raise ImportRefused(message) from exc
    info = countries.match_country(narrative.country)
    if info is None:
        raise ImportRefused(f"{name}: the country {narrative.country!r} is not known.")
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Parsed(name=name, text=text, sha256=sha256, narrative=narrative, info=info)


def country_for(info: countries.CountryInfo) -> Country:
    """Return the Country row for a registry entry, creating it on first use."""
    country, _ = Country.objects.get_or_create(
        code=info.code,
        defaults={"name": info.name, "slug": slugify(info.name), "aliases": list(info.aliases)},
    )
    return country


def check_batch(batch: list[Parsed]) -> None:
    """Refuse a batch that names one country-year twice with different texts."""
    seen: dict[tuple[str, int], Parsed] = {}
    for parsed in batch:
        key = (parsed.info.code, parsed.narrative.year)
        other = seen.get(key)
        if other and other.sha256 != parsed.sha256:
            raise ImportRefused(
                f"{parsed.name}: {parsed.info.name} {parsed.narrative.year} is also in "
                f"{other.name} with a different text; import one of them."
            )
        seen[key] = parsed


def _existing(parsed: Parsed) -> Report | None:
    return (
        Report.objects.filter(country__code=parsed.info.code, year=parsed.narrative.year)
        .only("pk", "source_sha256")
        .first()
    )


def plan(batch: list[Parsed]) -> list[Outcome]:
    """Say what importing `batch` would do, refusing changed texts; write nothing."""
    check_batch(batch)
    outcomes = []
    for parsed in batch:
        existing = _existing(parsed)
        if existing and existing.source_sha256 != parsed.sha256:
            raise ImportRefused(
                f"{parsed.name}: {parsed.info.name} {parsed.narrative.year} was already imported "
                "from a different text. Imported narratives are never overwritten, because "
                "statuses, evidence and assessments hang on them; correct it in the admin."
            )
        action = "unchanged" if existing else "new"
        outcomes.append(
            Outcome(
                name=parsed.name,
                country=parsed.info.name,
                year=parsed.narrative.year,
                action=action,
                report=existing,
                warnings=list(parsed.narrative.warnings),
            )
        )
    return outcomes


@transaction.atomic
def import_batch(batch: list[Parsed], *, by=None) -> list[Outcome]:
    """Write every new narrative of `batch` in one transaction; return what happened to each."""
    outcomes = plan(batch)
    written: set[tuple[str, int]] = set()
    for parsed, outcome in zip(batch, outcomes, strict=True):
        key = (parsed.info.code, parsed.narrative.year)
        if outcome.action == "unchanged" or key in written:
            outcome.action = "unchanged"
            continue
        outcome.report = report_create(parsed=parsed, by=by)
        outcome.action = "imported"
        written.add(key)
    return outcomes


def report_create(*, parsed: Parsed, by=None) -> Report:
    """Create the Report, its findings and recommendations from one parsed narrative."""
    narrative = parsed.narrative
    country = country_for(parsed.info)
    report = Report.objects.create(
        country=country,
        year=narrative.year,
        tier=narrative.tier,
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
        imported_at=timezone.now(),
        imported_by=by,
    )
    Finding.objects.bulk_create(
        Finding(report=report, section=f.section, position=f.position, text=f.text)
        for f in narrative.findings
    )
    Recommendation.objects.bulk_create(
        Recommendation(
            report=report,
            number=number,
            reference=f"{country.code}-{narrative.year}-{number:02d}",
            text=text,
            pillar=propose_pillar(text),
        )
        for number, text in enumerate(narrative.recommendations, start=1)
    )
    TierPlacement.objects.update_or_create(
        country=country,
        year=narrative.year,
        defaults={
            "tier": narrative.tier,
            "source": TierPlacement.Source.NARRATIVE,
            "source_name": report.source_name,
        },
    )
    return report
