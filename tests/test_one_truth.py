"""One truth for every number: random histories, every page and export, one definition.

Hypothesis builds countries with lineage chains over several years, back-dated and same-day
status changes (through the services, so the cached status is exercised too), and evidence of
every sensitivity logged by several users. For every user and audience, the summary data, its
JSON, CSV, XLSX and HTML totals, the all-countries overview's counts, the compare page, the
country grid and the list's status filter must give the same statuses and counts, and the SQL
status-on-a-date must equal the plain Python reference below, written from the definition in
the README ("Periods, statuses and audiences").
"""

import contextlib
import csv
import datetime
import io
import json
import re
from collections import Counter
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Value
from django.db.models.functions import Least
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from reports import exporters
from reports.overview import build_overview
from reports.summary import STATUSES, build_summary
from tests.factories import CountryFactory, RecommendationFactory, ReportFactory, UserFactory
from tracker import lineage, roles, services
from tracker.models import (
    Audience,
    Evidence,
    Recommendation,
    StatusChange,
    chain_last_effective,
    default_as_of,
    follow_up_period,
    status_on,
)

pytestmark = pytest.mark.django_db

YEARS = (2018, 2019, 2020, 2021)
SENSITIVITIES = tuple(Evidence.Sensitivity.values)


# --- The reference, straight from the definition -----------------------------------------------


def reference_status(rec_id: int, day: datetime.date, recs: dict, changes: list) -> str:
    """The status on `day`: the new status of the last change effective on or before `day`
    along the lineage chain (own and predecessors'), ties by recorded time then id; else the
    status the chain started with."""
    chain, node = [], rec_id
    while node is not None:
        chain.append(node)
        node = recs[node]["predecessor_id"]
    candidates = [c for c in changes if c["recommendation_id"] in chain and c["effective"] <= day]
    if not candidates:
        return recs[chain[-1]]["initial_status"]
    last = max(candidates, key=lambda c: (c["effective"], c["recorded_at"], c["id"]))
    return last["new_status"]


def reference_may_see(user, audience: str, evidence) -> bool:
    """Who sees which evidence, from the definition: restricted only for reviewers and its
    author; no user means public only; an audience keeps only its sensitivities."""
    if evidence.sensitivity not in Audience(audience).sensitivities:
        return False
    if user is None:
        return evidence.sensitivity == Evidence.Sensitivity.PUBLIC
    if evidence.sensitivity != Evidence.Sensitivity.RESTRICTED:
        return True
    return user.has_perm("tracker.view_restricted_evidence") or evidence.logged_by_id == user.pk


# --- Random worlds ----------------------------------------------------------------------------


@st.composite
def worlds(draw):
    countries = []
    for _ in range(draw(st.integers(1, 2))):
        years = sorted(draw(st.sets(st.sampled_from(YEARS), min_size=1, max_size=4)))
        countries.append(
            {
                "years": years,
                "items": {year: draw(st.integers(1, 3)) for year in years},
                # For each item, which earlier item (by position in an earlier year) it continues.
                "links": draw(st.lists(st.integers(-1, 6), min_size=12, max_size=12)),
            }
        )
    changes = draw(
        st.lists(
            st.tuples(
                st.integers(0, 30),  # which item (modulo the number of items)
                st.sampled_from(STATUSES),
                st.integers(0, 500),  # days after the start of the item's follow-up period
                st.integers(0, 3),  # who records it
            ),
            max_size=10,
        )
    )
    evidence = draw(
        st.lists(
            st.tuples(
                st.lists(st.integers(0, 30), min_size=1, max_size=2, unique=True),
                st.sampled_from(SENSITIVITIES),
                st.integers(0, 2),  # who logs it
                st.one_of(st.none(), st.integers(-60, 420)),  # published, from the start
            ),
            max_size=6,
        )
    )
    return {"countries": countries, "changes": changes, "evidence": evidence}


def _build(world, users):
    """Write the world through the factories and the services; return the recommendations."""
    recs: list[Recommendation] = []
    for c_index, country_plan in enumerate(world["countries"]):
        country = CountryFactory()
        earlier: list[Recommendation] = []
        link_iter = iter(country_plan["links"])
        for year in country_plan["years"]:
            report = ReportFactory(country=country, year=year)
            made = []
            for number in range(1, country_plan["items"][year] + 1):
                pick = next(link_iter, -1)
                taken = {r.predecessor_id for r in made}
                predecessor = None
                if earlier and pick >= 0:
                    candidate = earlier[pick % len(earlier)]
                    if candidate.pk not in taken:
                        predecessor = candidate
                made.append(
                    RecommendationFactory(
                        report=report,
                        number=number,
                        predecessor=predecessor,
                        link_kind="repeated" if predecessor else "new",
                        text=f"Recommendation {c_index}-{year}-{number}",
                    )
                )
            earlier = made + earlier
            recs += made
        lineage.rebuild_ancestry(country.pk)
    analysts = [users["analyst"], users["analyst2"], users["reviewer"], users["analyst"]]
    today = timezone.localdate()
    for index, status, offset, who in world["changes"]:
        rec = Recommendation.objects.select_related("report").get(pk=recs[index % len(recs)].pk)
        bounds = services.effective_date_bounds(rec)
        day = min(bounds.first + datetime.timedelta(days=offset), bounds.last, today)
        # The same status on that day is refused by the service, as it should be.
        with contextlib.suppress(ValidationError):
            services.recommendation_set_status(
                recommendation=rec,
                status=status,
                reason="Random history.",
                by=analysts[who],
                effective_date=day,
            )
    loggers = [users["analyst"], users["analyst2"], users["reviewer"]]
    for targets, sensitivity, who, published in world["evidence"]:
        linked = [recs[t % len(recs)] for t in targets]
        start = follow_up_period(linked[0].report.year)[0]
        services.evidence_log(
            by=loggers[who],
            title=f"Source {len(targets)}-{sensitivity}-{who}",
            source_type=Evidence.SourceType.NGO,
            direction=Evidence.Direction.PROGRESS,
            sensitivity=sensitivity,
            recommendations=linked,
            published_on=(
                min(start + datetime.timedelta(days=published), today)
                if published is not None
                else None
            ),
        )
    return recs


def _snapshot():
    recs = {
        row["id"]: row
        for row in Recommendation.objects.values(
            "id", "predecessor_id", "initial_status", "status", "reference", "report__year"
        )
    }
    changes = list(
        StatusChange.objects.values(
            "id", "recommendation_id", "new_status", "recorded_at", effective=F("effective_date")
        )
    )
    return recs, changes


def _html_status_totals(html: str) -> dict[str, int]:
    """Read the on-the-as-of-day column of the 'Recommendations by status' table."""
    section = html.split("<caption>Recommendations by status</caption>", 1)[1].split("</table>")[0]
    counts = {}
    for code in STATUSES:
        match = re.search(
            rf'status-{code}">[^<]*</span></th><td class="num">\d+</td><td class="num">(\d+)</td>',
            section,
        )
        counts[code] = int(match.group(1))
    return counts


def _list_refs(client, params) -> set[str]:
    found, page = set(), 1
    while True:
        response = client.get(reverse("recommendation_list"), {**params, "page": page})
        found |= {rec.reference for rec in response.context["page_obj"].object_list}
        if not response.context["page_obj"].has_next():
            return found
        page += 1


@pytest.fixture
def users(db):
    return {
        "viewer": UserFactory(username="p-viewer", role=roles.VIEWER),
        "analyst": UserFactory(username="p-analyst", role=roles.ANALYST),
        "analyst2": UserFactory(username="p-analyst2", role=roles.ANALYST),
        "reviewer": UserFactory(username="p-reviewer", role=roles.REVIEWER),
    }


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_every_page_and_export_gives_the_statuses_and_counts_of_the_one_definition(world, users):
    with transaction.atomic():
        _check_world(world, users)
        transaction.set_rollback(True)


def _check_world(world, users):
    _build(world, users)
    recs, changes = _snapshot()
    today = timezone.localdate()

    # The SQL status on a date is the reference, on the days that matter and in between.
    days = {today, datetime.date(2019, 3, 31), datetime.date(2020, 4, 1)}
    for year in YEARS:
        start, end = follow_up_period(year)
        days |= {start, end, start - datetime.timedelta(days=1), start + datetime.timedelta(99)}
    for day in days:
        want = {pk: reference_status(pk, day, recs, changes) for pk in recs}
        # As the pages read it (the cache answering where no later change exists) and from
        # the history alone: both are the definition.
        sql = dict(Recommendation.objects.with_status_on(day).values_list("id", "status_on"))
        literal = dict(
            Recommendation.objects.annotate(s=status_on(day, from_history=True)).values_list(
                "id", "s"
            )
        )
        assert sql == literal == want, day
    # A day read from each row, as the summaries' history asks it: the end of each item's own
    # period, or an earlier day while it runs.
    cap = datetime.date(2020, 4, 1)
    own_end = Least(OuterRef("report__follow_up_end"), Value(cap))
    want = {
        pk: reference_status(pk, min(follow_up_period(r["report__year"])[1], cap), recs, changes)
        for pk, r in recs.items()
    }
    sql = dict(Recommendation.objects.annotate(s=status_on(own_end)).values_list("id", "s"))
    literal = dict(
        Recommendation.objects.annotate(s=status_on(own_end, from_history=True)).values_list(
            "id", "s"
        )
    )
    assert sql == literal == want
    # The latest effective day along each chain, which `status_on` reads, is the history's.
    assert dict(Recommendation.objects.values_list("id", "chain_last_effective")) == dict(
        Recommendation.objects.annotate(day=chain_last_effective()).values_list("id", "day")
    )
    # The cached current status is the status today.
    assert {pk: r["status"] for pk, r in recs.items()} == {
        pk: reference_status(pk, today, recs, changes) for pk in recs
    }

    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    evidence = list(Evidence.objects.prefetch_related("recommendations"))
    years = sorted({r["report__year"] for r in recs.values()})
    for year in years:
        start, end = follow_up_period(year)
        as_of = default_as_of(year)
        in_year = {pk: r for pk, r in recs.items() if r["report__year"] == year}
        expected_status = {
            r["reference"]: reference_status(pk, as_of, recs, changes) for pk, r in in_year.items()
        }
        expected_start = {
            r["reference"]: reference_status(pk, start - datetime.timedelta(days=1), recs, changes)
            for pk, r in in_year.items()
        }
        expected_counts = Counter(expected_status.values())
        by_status = {code: expected_counts.get(code, 0) for code in STATUSES}

        for name, user in [("nobody", None), *users.items()]:
            for audience in Audience.allowed_for(user):
                summary = build_summary(year=year, as_of=as_of, audience=audience, user=user)
                rows = {r.reference: r for _, r in summary.recommendations}
                assert {ref: r.status for ref, r in rows.items()} == expected_status
                assert {ref: r.status_at_start for ref, r in rows.items()} == expected_start
                assert summary.totals.by_status == by_status
                assert summary.audience == audience
                # The all-countries page counts in SQL what the summary lists: the same figures.
                overview = build_overview(year=year, as_of=as_of, audience=audience, user=user)
                assert overview.totals == summary.totals
                assert overview.history == summary.history
                assert [
                    (c.name, c.totals, c.withheld_reasons, c.withheld_narratives)
                    for c in overview.countries
                ] == [
                    (c.name, c.totals, c.withheld_reasons, c.withheld_narratives)
                    for c in summary.countries
                ]
                # Summaries name evidence by its public identifier.
                want_evidence = {
                    ref: {
                        str(e.public_id)
                        for e in evidence
                        if in_year_pk(ref, in_year) in {r.pk for r in e.recommendations.all()}
                        and reference_may_see(user, audience, e)
                        and start <= _day_of(e) <= min(end, as_of)
                    }
                    for ref in expected_status
                }
                assert {ref: {e.id for e in r.evidence} for ref, r in rows.items()} == want_evidence
                data = json.loads(exporters.to_json(summary))
                assert data["totals"]["by_status"] == by_status
                assert data["audience"] == audience
                assert data["follow_up_period"] == {
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                }
                csv_rows = list(csv.DictReader(io.StringIO(exporters.to_csv(summary))))
                assert Counter(r["Status code"] for r in csv_rows) == +Counter(by_status)
                assert {r["Audience"] for r in csv_rows} == {audience}
                if name in ("nobody", "analyst"):
                    workbook = load_workbook(io.BytesIO(exporters.to_xlsx(summary)))
                    xlsx = {
                        code: value
                        for scope, group, code, _label, value in workbook["Totals"].iter_rows(
                            min_row=2, values_only=True
                        )
                        if scope == "All countries" and group == "status"
                    }
                    assert xlsx == by_status
                if user is not None:
                    html = (
                        clients[name]
                        .get(reverse("summary_all", args=[year]), {"audience": audience})
                        .content.decode()
                    )
                    assert _html_status_totals(html) == by_status
                    assert Audience(audience).description in html

        # The compare page counts the same statuses per country.
        compare = clients["viewer"].get(reverse("compare"), {"year": year}).context["result"]
        compared = Counter()
        for row in compare.rows:
            compared.update({code: n for code, n in row.statuses.items() if n})
        assert compared == +Counter(by_status)
        # The list's status filter, on the summary's day, keeps the same items.
        for code in STATUSES:
            listed = _list_refs(clients["viewer"], {"year": year, "status": code, "as_of": as_of})
            assert listed == {ref for ref, s in expected_status.items() if s == code}

    # The country grid shows each year's items as that year's summary does, and marks the
    # dropped ones where the summaries list them.
    for country_id in {r["id"] for r in _countries()}:
        page = clients["viewer"].get(reverse("country_detail", args=[_slug(country_id)]))
        data = page.context["data"]
        for chain in data.chains:
            for cell_year, cell in chain.cells.items():
                if cell.dropped:
                    continue
                assert cell.status == reference_status(
                    cell.rec_id, default_as_of(cell_year), recs, changes
                )
        grid_dropped = {
            (year, chain.cells[prev].reference)
            for chain in data.chains
            for year, cell in chain.cells.items()
            if cell.dropped
            for prev in [max(y for y in chain.cells if y < year)]
        }
        summary_dropped = set()
        for year in data.year_numbers:
            country_summary = build_summary(year=year, country=_country(country_id)).countries[0]
            summary_dropped |= {(year, d.reference) for d in country_summary.dropped}
        assert grid_dropped == summary_dropped


def in_year_pk(reference, in_year):
    return next(pk for pk, r in in_year.items() if r["reference"] == reference)


def _day_of(evidence) -> datetime.date:
    return evidence.published_on or timezone.localtime(evidence.logged_at).date()


def _countries():
    from tracker.models import Country

    return Country.objects.filter(reports__isnull=False).distinct().values("id")


def _slug(country_id):
    return _country(country_id).slug


def _country(country_id):
    from tracker.models import Country

    return Country.objects.get(pk=country_id)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds(), future=st.lists(st.integers(0, 30), max_size=2))
def test_the_worklist_counts_by_status_are_those_of_the_one_definition(world, future, users):
    with transaction.atomic():
        _check_counts(world, future, users)
        transaction.set_rollback(True)


def _check_counts(world, future, users):
    recs = _build(world, users)
    today = timezone.localdate()
    # Rows the services would refuse, effective after today, written as a bad import might:
    # no day before them may count them, and the cache of today's status ignores them.
    StatusChange.objects.bulk_create(
        StatusChange(
            recommendation=recs[index % len(recs)],
            old_status="no_action",
            new_status="implemented",
            reason="Dated in the future.",
            changed_by=users["analyst"],
            effective_date=today + datetime.timedelta(days=30),
        )
        for index in future
    )
    snapshot, changes = _snapshot()
    days = {today}
    for year in YEARS:
        start, end = follow_up_period(year)
        days |= {end, start - datetime.timedelta(days=1), start + datetime.timedelta(99)}
    for year in {r["report__year"] for r in snapshot.values()}:
        for day in days:
            want = Counter(
                reference_status(pk, day, snapshot, changes)
                for pk, r in snapshot.items()
                if r["report__year"] == year
            )
            want = {code: want.get(code, 0) for code in STATUSES}
            items = Recommendation.objects.for_year(year)
            # Whichever way they are counted: from the items the later changes touch, or (with
            # no room for later changes) by asking each item.
            assert items.status_on_counts(day) == want, (year, day)
            with mock.patch("tracker.models.LATER_CHANGES_LIMIT", -1):
                assert items.status_on_counts(day) == want, (year, day, "per item")
