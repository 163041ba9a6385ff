"""Build synthetic TIP data at a given size with bulk inserts: fast, seeded and repeatable.

The data has the shape of the real thing: every country has one narrative per report year with
twelve prioritized recommendations (worded like those of the real 2021 North Korea narrative and
linked to last year's), evidence bearing on one to three recommendations of one narrative,
status changes that chain (each one's old status is the previous one's new status, and the
recommendation's current status is the last one), and one assessment per recommendation.

One recommendation, the "hot" item (the first country's first recommendation of the last year),
carries a long timeline at every size, so the detail page is measured on a worst case.

Run on an empty, migrated database:  python -m bench.generate --size S
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_NARRATIVE = ROOT / "fixtures" / "tip-2021-north-korea.txt"
LAST_YEAR = 2024
DEFAULT_SEED = 2021
# No change may be dated after this day, so the data is the same whenever it is built.
LATEST_DAY = datetime.date(2025, 3, 31)
BATCH = 5000


@dataclass(frozen=True)
class Size:
    """How much to build: countries x report years x recommendations, plus the history rows."""

    name: str
    countries: int
    years: int
    per_report: int
    evidence: int
    status_changes: int
    assessments_per_recommendation: int = 1
    hot_timeline: int = 500

    @property
    def reports(self) -> int:
        return self.countries * self.years

    @property
    def recommendations(self) -> int:
        return self.reports * self.per_report

    @property
    def assessments(self) -> int:
        return self.recommendations * self.assessments_per_recommendation

    @property
    def first_year(self) -> int:
        return LAST_YEAR - self.years + 1


def _scaled(recommendations: int) -> int:
    """Keep S and M in L's proportions: 250,000 history rows for 48,000 recommendations."""
    return round(recommendations * 250_000 / 48_000)


SIZES = {
    "S": Size("S", 10, 3, 12, _scaled(360), _scaled(360)),
    "M": Size("M", 50, 10, 12, _scaled(6_000), _scaled(6_000)),
    "L": Size("L", 200, 20, 12, 250_000, 250_000),
}

STATUSES = ("no_action", "in_progress", "implemented", "regressed", "cannot_assess")
# Most recommendations of most countries see little action; weights follow that.
STATUS_WEIGHTS = (30, 35, 10, 10, 15)
SOURCE_TYPES = ("un", "ngo", "government", "media", "testimony", "academic", "other")
SOURCE_NAMES = {
    "un": "UN Special Rapporteur",
    "ngo": "Anti-Slavery Coalition",
    "government": "Ministry of Labour",
    "media": "Regional Press Agency",
    "testimony": "Interview with a returned worker",
    "academic": "University Migration Centre",
    "other": "Industry association",
}
TITLE_SHAPES = (
    "Report on forced labour in {country}",
    "Shelter and victim services survey: {country}",
    "Statement on labour inspections in {country}",
    "Prosecutions of traffickers reported in {country}",
    "Conditions of workers sent abroad from {country}",
    "Recruitment fees and wage withholding in {country}",
)
REASONS = (
    "Reported by a UN special rapporteur during the reporting period.",
    "NGO shelter data show victims were referred to care.",
    "Government statement announced the measure; no independent confirmation.",
    "Media reports describe continued abuses after the announcement.",
    "No reliable information could be obtained this year.",
    "Court records confirm convictions under the new law.",
)
FINDING_TEXTS = {
    "prosecution": "The government did not report any law enforcement efforts.",
    "protection": "The government did not identify or protect any trafficking victims.",
    "prevention": "The government did not make efforts to prevent trafficking.",
    "trafficking_profile": "Traffickers exploit domestic and foreign victims in the country.",
}
PILLAR_FINDING = {
    "prosecution": "prosecution",
    "protection": "protection",
    "prevention": "prevention",
    "partnership": "prevention",
}
REWORDINGS = (
    ", including during the reporting period",
    ", and report on the results publicly",
    ", in line with international standards",
)
TIERS = ("tier_1", "tier_2", "tier_2_watch_list", "tier_3")
ANALYSTS = 20
REVIEWERS = 4


def recommendation_templates() -> list[str]:
    """Return twelve recommendation wordings, eleven from the real seed narrative."""
    from tracker import tipreport

    narrative = tipreport.parse_narrative(
        SEED_NARRATIVE.read_text(encoding="utf-8"), name=SEED_NARRATIVE.name
    )
    wordings = list(narrative.recommendations)
    wordings.append(
        "Train officials to identify trafficking victims among vulnerable groups and refer them "
        "to care."
    )
    return wordings[:12]


def _for_country(text: str, country: str) -> str:
    return (
        text.replace("North Koreans", f"nationals of {country}")
        .replace("North Korean", f"{country}'s")
        .replace("the DPRK", country)
        .replace("North Korea", country)
    )


def country_list(count: int):
    """Return `count` (name, code) pairs: registry countries first, then synthetic territories."""
    from tracker.countries import COUNTRIES

    pairs = [(info.name, info.code) for info in sorted(COUNTRIES, key=lambda c: c.name)]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    extra = 0
    while len(pairs) < count:
        # QAA-QZZ is the ISO range reserved for private use, so no real country collides.
        pairs.append((f"Synthetic Territory {extra + 1}", f"QZ{letters[extra]}"))
        extra += 1
    return pairs[:count]


def hot_reference(size: Size) -> str:
    """Return the reference of the recommendation that carries the long timeline."""
    _, code = country_list(size.countries)[0]
    return f"{code}-{LAST_YEAR}-01"


def _aware(day: datetime.date, seconds: int = 0) -> datetime.datetime:
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
    return start + datetime.timedelta(seconds=seconds)


def _period(year: int) -> tuple[datetime.date, datetime.date]:
    """Return the follow-up period of report `year`'s items: where their history happens."""
    return datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)


def _random_day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    end = min(end, LATEST_DAY)
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _bulk(model, objects, batch_size: int = BATCH):
    """Insert `objects` in batches and return them with their primary keys set."""
    created = []
    chunk = []
    for obj in objects:
        chunk.append(obj)
        if len(chunk) >= batch_size:
            created.extend(model.objects.bulk_create(chunk, batch_size=batch_size))
            chunk = []
    if chunk:
        created.extend(model.objects.bulk_create(chunk, batch_size=batch_size))
    return created


def _bulk_pks(model, objects) -> list[int]:
    return [obj.pk for obj in _bulk(model, objects)]


def _users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from tracker import roles

    user_model = get_user_model()
    joined = _aware(datetime.date(2020, 1, 1))
    specs = (
        [(f"bench-analyst-{i:02d}", roles.ANALYST, False) for i in range(1, ANALYSTS + 1)]
        + [(f"bench-reviewer-{i:02d}", roles.REVIEWER, False) for i in range(1, REVIEWERS + 1)]
        + [("bench-viewer", roles.VIEWER, False), ("bench-admin", None, True)]
    )
    users = _bulk(
        user_model,
        (
            user_model(
                username=name,
                email=f"{name}@example.org",
                password="!",  # unusable: bench users are signed in by the harness only
                is_staff=superuser,
                is_superuser=superuser,
                date_joined=joined,
            )
            for name, _, superuser in specs
        ),
    )
    groups = {g.name: g.pk for g in Group.objects.all()}
    _bulk(
        user_model.groups.through,
        (
            user_model.groups.through(user_id=user.pk, group_id=groups[role])
            for user, (_, role, _) in zip(users, specs, strict=True)
            if role
        ),
    )
    analysts = [u.pk for u in users[:ANALYSTS]]
    reviewers = [u.pk for u in users[ANALYSTS : ANALYSTS + REVIEWERS]]
    return analysts, reviewers


def _plan_status_chains(size: Size, rng: random.Random, hot: int) -> list[int]:
    """Spread the status changes over the recommendations; the hot item gets its long timeline."""
    counts = [0] * size.recommendations
    counts[hot] = size.hot_timeline
    others = size.recommendations - 1
    for _ in range(size.status_changes - size.hot_timeline):
        index = rng.randrange(others)
        counts[index + (index >= hot)] += 1
    return counts


def build(size: Size, *, seed: int = DEFAULT_SEED, log=None) -> dict[str, int]:
    """Write the synthetic data of `size` into the (empty, migrated) default database.

    Each table is written in one transaction with bulk inserts. Return the row count per table.
    """
    from django.db import transaction
    from django.utils.text import slugify

    from tracker.importer import propose_pillar
    from tracker.models import (
        Assessment,
        Country,
        Evidence,
        Finding,
        LineageAncestor,
        Recommendation,
        Report,
        StatusChange,
        TierPlacement,
    )

    if size.status_changes < size.hot_timeline:
        raise ValueError("A size needs at least as many status changes as the hot timeline.")
    say = log or (lambda message: None)
    rng = random.Random(seed)
    templates = recommendation_templates()
    countries = country_list(size.countries)
    years = list(range(size.first_year, LAST_YEAR + 1))
    per = size.per_report
    created_at = _aware(datetime.date(2020, 1, 1))

    with transaction.atomic():
        analysts, reviewers = _users()
        country_ids = _bulk_pks(
            Country,
            (
                Country(name=name, slug=slugify(name), code=code, aliases=[])
                for name, code in countries
            ),
        )

    # Reports and tier placements, in (year, country) order: report index = y * countries + c.
    tiers = []
    for year_index in range(len(years)):
        for _ in range(size.countries):
            if year_index == 0 or rng.random() < 0.2:
                tiers.append(rng.choice(TIERS))
            else:
                tiers.append(tiers[-size.countries])
    with transaction.atomic():
        report_objs = []
        for year_index, year in enumerate(years):
            start, end = _period(year)
            for country_index, (name, code) in enumerate(countries):
                text = f"{year} Trafficking in Persons Report: {name}\nSynthetic narrative."
                report_objs.append(
                    Report(
                        country_id=country_ids[country_index],
                        year=year,
                        tier=tiers[year_index * size.countries + country_index],
                        period_start=datetime.date(year - 1, 4, 1),
                        period_end=datetime.date(year, 3, 31),
                        follow_up_start=start,
                        follow_up_end=end,
                        title=f"{year} Trafficking in Persons Report: {name}",
                        country_heading=f"{name.upper()}: Tier 3",
                        introduction=f"The Government of {name} is assessed for {year}.",
                        source_name=f"bench-{code}-{year}.txt",
                        source_text=text,
                        source_sha256=hashlib.sha256(text.encode()).hexdigest(),
                        imported_at=_aware(datetime.date(year, 6, 1)),
                    )
                )
        report_ids = _bulk_pks(Report, report_objs)
        del report_objs
        _bulk(
            TierPlacement,
            (
                TierPlacement(
                    country_id=country_ids[i % size.countries],
                    year=years[i // size.countries],
                    tier=tiers[i],
                    source=TierPlacement.Source.NARRATIVE,
                    source_name="synthetic",
                )
                for i in range(size.reports)
            ),
        )
    say(f"{size.reports} reports")

    with transaction.atomic():
        finding_objs = [
            Finding(report_id=report_id, section=section, position=1, text=text)
            for report_id in report_ids
            for section, text in FINDING_TEXTS.items()
        ]
        finding_pks = _bulk_pks(Finding, finding_objs)
        sections = list(FINDING_TEXTS)
        finding_ids = {
            (i // len(sections), sections[i % len(sections)]): pk
            for i, pk in enumerate(finding_pks)
        }
        del finding_objs, finding_pks

    # Recommendations, one year at a time so each can point at last year's counterpart.
    # The hot item is the first country's first recommendation of the last year.
    hot = (len(years) - 1) * size.countries * per
    counts = _plan_status_chains(size, rng, hot)
    chains: list[list[tuple[str, str, datetime.date, int]]] = []
    for index in range(size.recommendations):
        year = years[index // per // size.countries]
        start, end = _period(year)
        # Sorted by (effective date, recorded time): the order in which history is replayed.
        moments = sorted(
            (_random_day(rng, start, end), rng.randrange(86400)) for _ in range(counts[index])
        )
        chain = []
        old = "no_action"
        for day, second in moments:
            options = [(s, w) for s, w in zip(STATUSES, STATUS_WEIGHTS, strict=True) if s != old]
            new = rng.choices([s for s, _ in options], [w for _, w in options])[0]
            chain.append((old, new, day, second))
            old = new
        chains.append(chain)

    rec_ids: list[int] = []
    rec_pillars: list[str] = []
    # The index of each item's predecessor, and the status its chain ends on: an item's own
    # history starts from where its predecessor's left off (`models.status_on`).
    predecessor_of: dict[int, int] = {}
    final_status: list[str] = []
    last_effective: list[datetime.date | None] = []
    with transaction.atomic():
        previous_texts: list[str] = []
        for year_index, year in enumerate(years):
            objs = []
            texts = []
            for country_index, (name, code) in enumerate(countries):
                report_index = year_index * size.countries + country_index
                for number in range(1, per + 1):
                    index = report_index * per + number - 1
                    base = _for_country(
                        templates[(number - 1 + country_index) % len(templates)], name
                    )
                    predecessor = None
                    link_kind = Recommendation.LinkKind.NEW
                    similarity = None
                    text = base
                    if year_index:
                        roll = rng.random()
                        previous = index - size.countries * per
                        if roll < 0.75:
                            predecessor_of[index] = previous
                            predecessor = rec_ids[previous]
                            link_kind = Recommendation.LinkKind.REPEATED
                            text = previous_texts[index - year_index * size.countries * per]
                            similarity = 1.0
                        elif roll < 0.95:
                            predecessor_of[index] = previous
                            predecessor = rec_ids[previous]
                            link_kind = Recommendation.LinkKind.REWORDED
                            text = base.rstrip(".") + rng.choice(REWORDINGS) + "."
                            similarity = 0.85
                    texts.append(text)
                    chain = chains[index]
                    start_status = (
                        final_status[predecessor_of[index]]
                        if index in predecessor_of
                        else "no_action"
                    )
                    if chain:
                        first_old, first_new, first_day, first_second = chain[0]
                        chain[0] = (start_status, first_new, first_day, first_second)
                    final_status.append(chain[-1][1] if chain else start_status)
                    # The latest effective day along the chain, as the app caches it.
                    last_days = [day for _, _, day, _ in chain]
                    if index in predecessor_of and last_effective[predecessor_of[index]]:
                        last_days.append(last_effective[predecessor_of[index]])
                    last_effective.append(max(last_days, default=None))
                    pillar = propose_pillar(text)
                    rec_pillars.append(pillar)
                    objs.append(
                        Recommendation(
                            report_id=report_ids[report_index],
                            country_name=name,
                            report_year=year,
                            number=number,
                            reference=f"{code}-{year}-{number:02d}",
                            text=text,
                            pillar=pillar,
                            status=final_status[index],
                            chain_last_effective=last_effective[index],
                            initial_status="no_action",
                            needs_review=index in predecessor_of and not chain,
                            owner_id=rng.choice(analysts) if rng.random() < 0.5 else None,
                            predecessor_id=predecessor,
                            link_kind=link_kind,
                            similarity=similarity,
                            created_at=created_at,
                            updated_at=created_at,
                        )
                    )
            rec_ids.extend(_bulk_pks(Recommendation, objs))
            previous_texts = texts
        # The lineage closure: each item, its predecessor, and so on back.
        ancestry = []
        for index, rec_id in enumerate(rec_ids):
            node, depth = index, 0
            while node is not None:
                ancestry.append(
                    LineageAncestor(
                        recommendation_id=rec_id, ancestor_id=rec_ids[node], depth=depth
                    )
                )
                node, depth = predecessor_of.get(node), depth + 1
        _bulk(LineageAncestor, ancestry)
        through = Recommendation.findings.through
        _bulk(
            through,
            (
                through(
                    recommendation_id=rec_id,
                    finding_id=finding_ids[(index // per, PILLAR_FINDING[rec_pillars[index]])],
                )
                for index, rec_id in enumerate(rec_ids)
            ),
        )
    say(f"{size.recommendations} recommendations")

    # Evidence: each item bears on one to three recommendations of one narrative.
    rec_evidence: dict[int, list[int]] = {}
    with transaction.atomic():
        through = Evidence.recommendations.through
        made = 0
        while made < size.evidence:
            chunk = min(BATCH * 4, size.evidence - made)
            objs, links = [], []
            for _ in range(chunk):
                report_index = rng.randrange(size.reports)
                year = years[report_index // size.countries]
                name = countries[report_index % size.countries][0]
                start, end = _period(year)
                published = _random_day(rng, start, end)
                source_type = rng.choice(SOURCE_TYPES)
                roll = rng.random()
                sensitivity = "public" if roll < 0.7 else "internal" if roll < 0.9 else "restricted"
                numbers = rng.sample(range(per), rng.choice((1, 1, 2, 2, 3)))
                links.append([report_index * per + n for n in numbers])
                objs.append(
                    Evidence(
                        title=rng.choice(TITLE_SHAPES).format(country=name),
                        summary=rng.choice(REASONS),
                        source_type=source_type,
                        source_name=SOURCE_NAMES[source_type],
                        url=f"https://example.org/sources/{made + len(objs) + 1}",
                        published_on=published,
                        accessed_on=published + datetime.timedelta(days=rng.randrange(30)),
                        sensitivity=sensitivity,
                        direction=rng.choice(("progress", "no_change", "regression")),
                        logged_by_id=rng.choice(analysts),
                        logged_at=_aware(published, rng.randrange(30 * 86400)),
                    )
                )
            pks = _bulk_pks(Evidence, objs)
            rows = []
            for pk, indexes in zip(pks, links, strict=True):
                for index in indexes:
                    rows.append(through(evidence_id=pk, recommendation_id=rec_ids[index]))
                    rec_evidence.setdefault(index, []).append(pk)
            _bulk(through, rows)
            made += chunk
    say(f"{size.evidence} evidence records")

    with transaction.atomic():
        through = StatusChange.evidence.through
        pending, cited = [], []
        for index, chain in enumerate(chains):
            for old, new, day, second in chain:
                pending.append(
                    StatusChange(
                        recommendation_id=rec_ids[index],
                        old_status=old,
                        new_status=new,
                        reason=rng.choice(REASONS),
                        changed_by_id=rng.choice(analysts),
                        effective_date=day,
                        recorded_at=_aware(day, second),
                    )
                )
                options = rec_evidence.get(index)
                cited.append(rng.choice(options) if options and rng.random() < 0.2 else None)
            if len(pending) >= BATCH * 4 or index == len(chains) - 1:
                pks = _bulk_pks(StatusChange, pending)
                _bulk(
                    through,
                    (
                        through(statuschange_id=pk, evidence_id=evidence_id)
                        for pk, evidence_id in zip(pks, cited, strict=True)
                        if evidence_id
                    ),
                )
                pending, cited = [], []
    del chains
    say(f"{size.status_changes} status changes")

    with transaction.atomic():
        through = Assessment.evidence.through
        pending, cited = [], []
        for index, rec_id in enumerate(rec_ids):
            year = years[index // per // size.countries]
            _, end = _period(year)
            state = "approved"
            if year == LAST_YEAR:
                state = rng.choice(("draft", "submitted", "approved", "returned"))
            reviewed = state in ("approved", "returned")
            when = _aware(min(end + datetime.timedelta(days=30), LATEST_DAY))
            pending.append(
                Assessment(
                    recommendation_id=rec_id,
                    year=year,
                    rating=rng.choice(
                        ("regression", "no_progress", "limited", "substantial", "implemented")
                    ),
                    confidence=rng.choice(("high", "moderate", "low")),
                    narrative="Assessed against the evidence logged during the reporting period.",
                    state=state,
                    author_id=rng.choice(analysts),
                    reviewer_id=rng.choice(reviewers) if reviewed else None,
                    review_note="Cite the shelter data." if state == "returned" else "",
                    created_at=when,
                    updated_at=when,
                    submitted_at=when if state != "draft" else None,
                    reviewed_at=when if reviewed else None,
                )
            )
            options = rec_evidence.get(index, [])
            cited.append(rng.sample(options, min(len(options), 2)) if reviewed else [])
            if len(pending) >= BATCH * 4 or index == len(rec_ids) - 1:
                pks = _bulk_pks(Assessment, pending)
                _bulk(
                    through,
                    (
                        through(assessment_id=pk, evidence_id=evidence_id)
                        for pk, evidence_ids in zip(pks, cited, strict=True)
                        for evidence_id in evidence_ids
                    ),
                )
                pending, cited = [], []
    say(f"{size.assessments} assessments")
    published = _publish(size)
    say(f"{published} summaries published for the public")
    return row_counts()


def public_country(size: Size) -> str:
    """Return the slug of the country whose every year is published for the public: the same
    country `bench.measure` times the summary pages on, the middle one by name."""
    from django.utils.text import slugify

    names = sorted(name for name, _ in country_list(size.countries))
    return slugify(names[size.countries // 2])


def _publish(size: Size) -> int:
    """Publish for the public, through the app's service, every year of one country and the
    last year of every country, as an organisation publishing yearly would have by now."""
    from django.contrib.auth import get_user_model

    from reports import services as report_services
    from tracker.models import Country

    reviewer = get_user_model().objects.get(username="bench-reviewer-01")
    chosen = Country.objects.get(slug=public_country(size))
    count = 0
    for year in range(size.first_year, LAST_YEAR):
        report_services.summary_publish(year=year, country=chosen, by=reviewer)
        count += 1
    for country in Country.objects.order_by("name"):
        report_services.summary_publish(year=LAST_YEAR, country=country, by=reviewer)
        count += 1
    return count


def row_counts() -> dict[str, int]:
    """Return the number of rows of each table the generator writes."""
    from reports.models import PublishedSummary
    from tracker.models import (
        Assessment,
        Country,
        Evidence,
        Finding,
        Recommendation,
        Report,
        StatusChange,
        TierPlacement,
    )

    return {
        "countries": Country.objects.count(),
        "reports": Report.objects.count(),
        "tier_placements": TierPlacement.objects.count(),
        "findings": Finding.objects.count(),
        "recommendations": Recommendation.objects.count(),
        "evidence": Evidence.objects.count(),
        "evidence_links": Evidence.recommendations.through.objects.count(),
        "status_changes": StatusChange.objects.count(),
        "assessments": Assessment.objects.count(),
        "published_summaries": PublishedSummary.objects.count(),
    }


def fingerprint() -> str:
    """Return a SHA-256 of the generated content, by natural keys (never by primary keys)."""
    from tracker.models import Assessment, Evidence, Recommendation, StatusChange

    digest = hashlib.sha256()

    def feed(rows):
        for row in rows:
            digest.update(repr(row).encode())

    feed(
        Recommendation.objects.order_by("reference").values_list(
            "reference", "text", "pillar", "status", "predecessor__reference", "owner__username"
        )
    )
    evidence_refs: dict[int, list[str]] = {}
    for evidence_id, reference in Evidence.recommendations.through.objects.values_list(
        "evidence_id", "recommendation__reference"
    ):
        evidence_refs.setdefault(evidence_id, []).append(reference)
    feed(
        sorted(
            (url, title, str(published), sensitivity, user, sorted(evidence_refs.get(pk, [])))
            for pk, url, title, published, sensitivity, user in Evidence.objects.values_list(
                "pk", "url", "title", "published_on", "sensitivity", "logged_by__username"
            )
        )
    )
    feed(
        sorted(
            (ref, old, new, str(day), str(at), reason)
            for ref, old, new, day, at, reason in StatusChange.objects.values_list(
                "recommendation__reference",
                "old_status",
                "new_status",
                "effective_date",
                "recorded_at",
                "reason",
            )
        )
    )
    feed(
        Assessment.objects.order_by("recommendation__reference").values_list(
            "recommendation__reference", "year", "rating", "confidence", "state"
        )
    )
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Migrate the database named by DATABASE_URL and fill it at the requested size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), required=True)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import time

    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)

    def log(message):
        print(f"  [{args.size}] {message} ({time.perf_counter() - started:.1f} s)", flush=True)

    counts = build(SIZES[args.size], seed=args.seed, log=log)
    from django.db import connection

    from tracker.importer import after_import

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The generated rows stand for imports, after which the app merges the search
            # index's segments and gathers full planner statistics (the bulk rows left the
            # index in pieces no import leaves it in); then fold the write-ahead log into the
            # file, so the cache is one file.
            after_import()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            # PostgreSQL's autovacuum would gather statistics soon after a load this size.
            cursor.execute("ANALYZE")
    log(", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
