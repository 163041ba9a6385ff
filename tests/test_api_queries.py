"""Query counts of every list endpoint, pinned, and the same at 10 rows as at 500."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import PublishedSummary
from tests.factories import CountryFactory, RecommendationFactory, ReportFactory, UserFactory
from tracker import roles
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


def _once(ctx, key, make):
    """Return ctx[key], made on first use (setdefault would make a new one on every call)."""
    if key not in ctx:
        ctx[key] = make()
    return ctx[key]


def _countries(n, start, ctx):
    countries = Country.objects.bulk_create(
        Country(
            name=f"Land {i:04d}",
            slug=f"land-{i:04d}",
            code="".join(chr(65 + (i // 26**k) % 26) for k in (2, 1, 0)),
        )
        for i in range(start, start + n)
    )
    TierPlacement.objects.bulk_create(
        TierPlacement(country=c, year=year, tier="tier_2", source="table")
        for c in countries
        for year in (2020, 2021)
    )
    return countries


def _reports(n, start, ctx):
    return Report.objects.bulk_create(
        Report(
            country=c,
            year=2021,
            tier="tier_2",
            period_start=datetime.date(2020, 4, 1),
            period_end=datetime.date(2021, 3, 31),
            follow_up_start=datetime.date(2021, 4, 1),
            follow_up_end=datetime.date(2022, 3, 31),
            source_text="text",
            source_sha256=f"{c.pk:064x}",
        )
        for c in _countries(n, start, ctx)
    )


def _recommendations(n, start, ctx):
    report = _once(ctx, "report", lambda: ReportFactory())
    previous = _once(
        ctx, "previous", lambda: RecommendationFactory(report=ReportFactory(year=2020))
    )
    rows = Recommendation.objects.bulk_create(
        Recommendation(
            report=report,
            number=i + 1,
            reference=f"ZZZ-2021-{i:04d}",
            text=f"Recommendation {i}",
            pillar="protection",
            predecessor=previous,
            link_kind="reworded",
            owner=ctx["user"],
        )
        for i in range(start, start + n)
    )
    finding = _once(
        ctx,
        "finding",
        lambda: Finding.objects.create(
            report=report, section="prosecution", position=1, text="A fact."
        ),
    )
    Recommendation.findings.through.objects.bulk_create(
        Recommendation.findings.through(recommendation=r, finding=finding) for r in rows
    )
    _evidence_for(rows, ctx)
    return rows


def _evidence_for(recommendations, ctx):
    evidence = Evidence.objects.bulk_create(
        Evidence(
            title=f"Source {r.pk}",
            source_type="ngo",
            direction="progress",
            sensitivity="restricted" if i % 3 == 0 else "public",
            logged_by=ctx["user"],
        )
        for i, r in enumerate(recommendations)
    )
    Evidence.recommendations.through.objects.bulk_create(
        Evidence.recommendations.through(evidence=e, recommendation=r)
        for e, r in zip(evidence, recommendations, strict=True)
    )
    return evidence


def _evidence(n, start, ctx):
    recommendation = _once(ctx, "rec", lambda: RecommendationFactory())
    return _evidence_for([recommendation] * n, ctx)


def _status_changes(n, start, ctx):
    recommendation = _once(ctx, "rec", lambda: RecommendationFactory())
    evidence = _once(ctx, "cited", lambda: _evidence_for([recommendation], ctx)[0])
    changes = StatusChange.objects.bulk_create(
        StatusChange(
            recommendation=recommendation,
            old_status="no_action",
            new_status="in_progress",
            reason=f"Change {i}",
            changed_by=ctx["user"],
            effective_date=datetime.date(2021, 5, 1),
        )
        for i in range(start, start + n)
    )
    StatusChange.evidence.through.objects.bulk_create(
        StatusChange.evidence.through(statuschange=c, evidence=evidence) for c in changes
    )
    ctx["path"] = f"/api/v1/recommendations/{recommendation.pk}/status-changes/"
    return changes


def _assessments(n, start, ctx):
    report = _once(ctx, "report", lambda: ReportFactory())
    recommendations = Recommendation.objects.bulk_create(
        Recommendation(
            report=report, number=i + 1, reference=f"YYY-{i:04d}", text="t", pillar="prevention"
        )
        for i in range(start, start + n)
    )
    evidence = _evidence_for(recommendations, ctx)
    rows = Assessment.objects.bulk_create(
        Assessment(
            recommendation=r,
            year=2021,
            rating="limited",
            confidence="low",
            author=ctx["user"],
            reviewer=ctx["user"],
        )
        for r in recommendations
    )
    Assessment.evidence.through.objects.bulk_create(
        Assessment.evidence.through(assessment=a, evidence=e)
        for a, e in zip(rows, evidence, strict=True)
    )
    return rows


def _published(n, start, ctx):
    country = _once(ctx, "country", lambda: CountryFactory())
    return PublishedSummary.objects.bulk_create(
        PublishedSummary(
            country=country if i % 2 else None,
            year=2021,
            content="{}",
            sha256=f"{i:064x}",
            published_by=ctx["user"],
        )
        for i in range(start, start + n)
    )


# (path, row maker, the pinned number of queries for one page). Fourteen of them are the same
# on every request: the token (1), the role (1) and the two rate counters, shared by every app
# server in the database cache (6 each: read the count, then count the table, look up and write
# the row inside a savepoint). The record of the token's use (4, savepoints included) is written
# at most once a minute, by the request before the counts. The evidence list records the
# restricted items on its page as read: one insert, however many. On PostgreSQL the two counts'
# rows are locked for the admission (one more statement); SQLite's transaction is the lock.
LISTS = [
    ("/api/v1/countries/", _countries, 16),
    ("/api/v1/reports/?year=2021", _reports, 16),
    ("/api/v1/recommendations/?year=2021&status=no_action&as_of=2021-12-31", _recommendations, 18),
    (None, _status_changes, 17),
    ("/api/v1/evidence/?source_type=ngo", _evidence, 17),
    ("/api/v1/assessments/?year=2021", _assessments, 17),
    ("/api/v1/published-summaries/", _published, 15),
]


@pytest.mark.parametrize("path,make,pinned", LISTS, ids=[m.__name__[1:] for _, m, _ in LISTS])
def test_list_queries_are_pinned_and_do_not_grow_with_rows(token_client, db, path, make, pinned):
    user = UserFactory(username="counted", role=roles.ANALYST)
    client = token_client(user, "read")
    ctx = {"user": user}

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path or ctx["path"])
        assert response.status_code == 200, response.content
        return len(queries), len(response.json()["results"])

    assert client.get("/api/v1/").status_code == 404  # records the token's use of this minute
    make(10, 0, ctx)
    small, shown_small = count()
    make(490, 10, ctx)
    large, shown_large = count()
    assert shown_small >= 10 and shown_large == 50
    assert small == large == pinned + (connection.vendor == "postgresql")
