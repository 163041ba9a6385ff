"""The annual progress summary: the follow-up period, as of a day, evidence, lineage, queries."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import published
from reports.published import canonical_json
from reports.summary import BadAsOf, NoNarratives, build_summary
from tests.factories import (
    AssessmentFactory,
    CountryFactory,
    EvidenceFactory,
    RecommendationFactory,
    ReportFactory,
    StatusChangeFactory,
    UserFactory,
)
from tracker import lineage, roles, services
from tracker.models import Assessment, Evidence, Recommendation, Tier, TierPlacement

pytestmark = pytest.mark.django_db

Status = Recommendation.Status
D = datetime.date


def _change(rec, new, day, *, old=Status.NO_ACTION):
    return StatusChangeFactory(
        recommendation=rec, old_status=old, new_status=new, effective_date=day
    )


def _row(summary, reference):
    return next(r for c in summary.countries for r in c.recommendations if r.reference == reference)


def test_status_is_the_one_at_the_end_of_the_follow_up_period_not_the_current_one():
    rec = RecommendationFactory(report__year=2021)
    _change(rec, Status.IN_PROGRESS, D(2021, 6, 1))
    _change(rec, Status.IMPLEMENTED, D(2022, 3, 31), old=Status.IN_PROGRESS)
    _change(rec, Status.REGRESSED, D(2022, 4, 1), old=Status.IMPLEMENTED)
    Recommendation.objects.filter(pk=rec.pk).update(status=Status.REGRESSED)

    summary = build_summary(year=2021)
    row = _row(summary, rec.reference)

    assert (summary.period_start, summary.period_end, summary.as_of) == (
        D(2021, 4, 1),
        D(2022, 3, 31),
        D(2022, 3, 31),
    )
    assert row.status == Status.IMPLEMENTED
    assert row.status_at_start == Status.NO_ACTION
    assert [c.new_status for c in row.changes] == [Status.IN_PROGRESS, Status.IMPLEMENTED]
    assert summary.period_statement == (
        "Follow-up period 1 April 2021 – 31 March 2022; statuses on 31 March 2022, "
        "the end of the period"
    )


def test_as_of_a_day_inside_the_period_gives_the_statuses_and_changes_up_to_it():
    rec = RecommendationFactory(report__year=2021)
    _change(rec, Status.IN_PROGRESS, D(2021, 6, 1))
    _change(rec, Status.IMPLEMENTED, D(2022, 1, 10), old=Status.IN_PROGRESS)

    summary = build_summary(year=2021, as_of=D(2021, 12, 31))
    row = _row(summary, rec.reference)

    assert (row.status_at_start, row.status) == (Status.NO_ACTION, Status.IN_PROGRESS)
    assert [c.new_status for c in row.changes] == [Status.IN_PROGRESS]
    assert summary.as_of_words == "part-way through the period: statuses on 31 December 2021"


def test_a_running_period_is_as_of_today_by_default():
    today = datetime.date.today()
    year = today.year if today >= D(today.year, 4, 1) else today.year - 1
    RecommendationFactory(report__year=year)

    summary = build_summary(year=year)

    assert summary.as_of == today
    assert "period still running" in summary.period_statement


def test_an_as_of_day_in_the_future_is_refused():
    RecommendationFactory(report__year=2021)
    with pytest.raises(BadAsOf, match="future"):
        build_summary(year=2021, as_of=datetime.date.today() + datetime.timedelta(days=1))


def test_a_back_dated_change_counts_for_the_date_it_became_true():
    old = RecommendationFactory(report__year=2020)
    # Recorded today on last year's item, effective before this year's period began.
    _change(old, Status.IN_PROGRESS, D(2020, 12, 1))
    rec = RecommendationFactory(
        report__year=2021, report__country=old.report.country, predecessor=old
    )
    _change(rec, Status.IMPLEMENTED, D(2022, 1, 15), old=Status.IN_PROGRESS)

    row = _row(build_summary(year=2021), rec.reference)

    assert (row.status_at_start, row.status) == (Status.IN_PROGRESS, Status.IMPLEMENTED)
    assert row.status_changed


def test_ties_on_the_same_effective_date_go_to_the_later_recording():
    rec = RecommendationFactory(report__year=2021)
    _change(rec, Status.IN_PROGRESS, D(2022, 2, 1))
    _change(rec, Status.IMPLEMENTED, D(2022, 2, 1), old=Status.IN_PROGRESS)

    assert _row(build_summary(year=2021), rec.reference).status == Status.IMPLEMENTED


def test_without_history_the_initial_status_is_used():
    rec = RecommendationFactory(
        report__year=2021, initial_status=Status.IN_PROGRESS, status=Status.IN_PROGRESS
    )

    row = _row(build_summary(year=2021), rec.reference)

    assert (row.status, row.status_at_start) == (Status.IN_PROGRESS, Status.IN_PROGRESS)


def test_the_status_follows_the_lineage_chain_when_the_item_has_no_history():
    old = RecommendationFactory(report__year=2020)
    country = old.report.country
    _change(old, Status.IN_PROGRESS, D(2020, 5, 10))
    # Recorded on last year's item after its own period, before this one was imported.
    _change(old, Status.IMPLEMENTED, D(2021, 9, 1), old=Status.IN_PROGRESS)
    new = RecommendationFactory(
        report__year=2021, report__country=country, predecessor=old, link_kind="reworded"
    )
    # As importing a successor does: its cached status continues its chain's history.
    lineage.refresh_status(Recommendation.objects.filter(pk=new.pk))

    row = _row(build_summary(year=2021, country=country), new.reference)

    assert (row.status_at_start, row.status) == (Status.IN_PROGRESS, Status.IMPLEMENTED)
    assert row.predecessor_reference == old.reference
    assert row.link_kind == "reworded"
    # The change recorded against its predecessor during the period is shown with this one.
    assert [(c.reference, c.on_reference, c.new_status) for c in row.changes] == [
        (new.reference, old.reference, Status.IMPLEMENTED)
    ]
    assert row.changes[0].on_predecessor


def test_dropped_recommendations_are_last_years_items_that_nothing_continues():
    kept = RecommendationFactory(report__year=2020, number=1)
    country = kept.report.country
    gone = RecommendationFactory(report=kept.report, number=2)
    report = ReportFactory(year=2021, country=country)
    RecommendationFactory(report=report, number=1, predecessor=kept)
    RecommendationFactory(report=report, number=2, link_kind="new")

    result = build_summary(year=2021, country=country).countries[0]

    assert [d.reference for d in result.dropped] == [gone.reference]
    assert result.totals.by_link_kind == {"repeated": 0, "reworded": 0, "new": 2, "dropped": 1}


def test_evidence_is_counted_inside_the_period_by_source_and_direction():
    rec = RecommendationFactory(report__year=2021)
    inside = EvidenceFactory(
        recommendations=[rec],
        published_on=D(2021, 4, 1),
        source_type=Evidence.SourceType.NGO,
        direction=Evidence.Direction.PROGRESS,
    )
    EvidenceFactory(recommendations=[rec], published_on=D(2022, 3, 31))
    EvidenceFactory(recommendations=[rec], published_on=D(2021, 3, 31))
    EvidenceFactory(recommendations=[rec], published_on=D(2022, 4, 1))
    # No publication date: the day it was logged decides.
    EvidenceFactory(
        recommendations=[rec],
        published_on=None,
        logged_at=datetime.datetime(2021, 12, 24, 12, tzinfo=datetime.UTC),
        source_type=Evidence.SourceType.MEDIA,
    )
    EvidenceFactory(
        recommendations=[rec],
        published_on=None,
        logged_at=datetime.datetime(2022, 4, 2, tzinfo=datetime.UTC),
    )

    result = build_summary(year=2021)
    row = _row(result, rec.reference)

    assert len(row.evidence) == 3
    # Summaries name evidence by public identifier, never by id.
    assert str(inside.public_id) in {e.id for e in row.evidence}
    assert row.evidence_by_source_type["ngo"] == 1
    assert row.evidence_by_source_type["media"] == 1
    assert row.evidence_by_source_type["un"] == 1
    assert row.evidence_by_direction == {"progress": 1, "no_change": 2, "regression": 0}
    assert result.totals.evidence_items == 3


def test_each_audience_holds_exactly_its_sensitivities(viewer, reviewer):
    rec = RecommendationFactory(report__year=2021)
    author = UserFactory(username="author", role="Analyst")
    public = EvidenceFactory(recommendations=[rec], sensitivity=Evidence.Sensitivity.PUBLIC)
    internal = EvidenceFactory(recommendations=[rec], sensitivity=Evidence.Sensitivity.INTERNAL)
    secret = EvidenceFactory(
        recommendations=[rec], sensitivity=Evidence.Sensitivity.RESTRICTED, logged_by=author
    )

    def ids(user, audience):
        summary = build_summary(year=2021, user=user, audience=audience)
        shown = {e.id for e in _row(summary, rec.reference).evidence}
        return set(Evidence.objects.filter(public_id__in=shown).values_list("pk", flat=True))

    assert ids(None, "public") == {public.pk}
    # No user means the public view, whatever audience is asked for.
    assert ids(None, "internal") == {public.pk}
    assert ids(viewer, "internal") == {public.pk, internal.pk}
    assert ids(reviewer, "restricted") == {public.pk, internal.pk, secret.pk}
    # The analyst who logged the restricted item never finds it in a public or internal summary.
    assert ids(author, "internal") == {public.pk, internal.pk}
    assert ids(author, "public") == {public.pk}
    # Asking for more than one may see gives no more.
    assert ids(viewer, "restricted") == {public.pk, internal.pk}
    assert build_summary(year=2021, user=author, audience="internal").audience == "internal"
    assert not build_summary(year=2021, user=author, audience="internal").includes_restricted
    assert build_summary(year=2021, user=reviewer, audience="restricted").includes_restricted


def test_only_the_highest_approved_revision_of_the_year_counts(reviewer):
    rec = RecommendationFactory(report__year=2021)
    first = AssessmentFactory(recommendation=rec, year=2021, rating="no_progress", approved=True)
    AssessmentFactory(
        recommendation=rec,
        year=2021,
        revision=2,
        supersedes=first,
        rating="limited",
        approved=True,
    )
    AssessmentFactory(
        recommendation=rec,
        year=2021,
        revision=3,
        supersedes=Assessment.objects.get(revision=2),
        rating="implemented",
    )
    AssessmentFactory(recommendation=rec, year=2020, rating="regression", approved=True)

    result = build_summary(year=2021)
    row = _row(result, rec.reference)

    assert (row.assessment.rating, row.assessment.revision) == ("limited", 2)
    assert result.totals.by_rating["limited"] == 1
    assert sum(result.totals.by_rating.values()) == 1
    assert result.totals.without_assessment == 0


def test_gaps_list_items_without_evidence_or_approved_assessment():
    a = RecommendationFactory(report__year=2021, number=1)
    b = RecommendationFactory(report=a.report, number=2)
    EvidenceFactory(recommendations=[a])
    AssessmentFactory(recommendation=b, submitted=True)

    country = build_summary(year=2021).countries[0]

    assert [r.reference for r in country.without_evidence] == [b.reference]
    assert [r.reference for r in country.without_assessment] == [a.reference, b.reference]


def test_tiers_come_from_narratives_and_tier_tables():
    report = ReportFactory(year=2021, tier=Tier.TIER_3)
    RecommendationFactory(report=report)
    ReportFactory(year=2019, country=report.country, tier=Tier.TIER_2_WATCH_LIST)
    TierPlacement.objects.create(
        country=report.country, year=2018, tier=Tier.TIER_2, source="table"
    )
    TierPlacement.objects.create(
        country=report.country, year=2022, tier=Tier.TIER_1, source="table"
    )

    country = build_summary(year=2021).countries[0]

    assert country.tier == Tier.TIER_3
    assert country.tier_history == [
        (2018, Tier.TIER_2),
        (2019, Tier.TIER_2_WATCH_LIST),
        (2021, Tier.TIER_3),
    ]
    assert country.previous_tier == Tier.TIER_2_WATCH_LIST


def test_history_gives_each_years_status_mix_as_that_years_summary_does():
    old = RecommendationFactory(report__year=2020)
    country = old.report.country
    _change(old, Status.IN_PROGRESS, D(2021, 3, 1))
    _change(old, Status.IMPLEMENTED, D(2021, 5, 1), old=Status.IN_PROGRESS)
    RecommendationFactory(report__year=2021, report__country=country)

    history = build_summary(year=2021, country=country).countries[0].history

    assert [p.year for p in history] == [2020, 2021]
    assert history[0].by_status == build_summary(year=2020).totals.by_status
    assert history[0].by_status["in_progress"] == 1
    assert history[1].by_status["no_action"] == 1


def test_a_scope_without_narratives_is_refused():
    country = CountryFactory()
    with pytest.raises(NoNarratives):
        build_summary(year=2021, country=country)
    with pytest.raises(NoNarratives):
        build_summary(year=1999)


def test_all_countries_totals_add_up_the_countries():
    for n in range(3):
        report = ReportFactory(year=2021)
        for i in range(n + 1):
            RecommendationFactory(report=report, number=i + 1)

    result = build_summary(year=2021)

    assert [len(c.recommendations) for c in result.countries] == [1, 2, 3]
    assert result.totals.recommendations == 6
    assert result.totals.by_status["no_action"] == 6


def _populate(countries: int):
    user = UserFactory(username="logger", role=roles.ANALYST)
    for _ in range(countries):
        previous = ReportFactory(year=2020)
        report = ReportFactory(year=2021, country=previous.country)
        old = RecommendationFactory(report=previous, number=1)
        RecommendationFactory(report=previous, number=2)
        for i in range(3):
            rec = RecommendationFactory(
                report=report, number=i + 1, predecessor=old if i == 0 else None
            )
            _change(rec, Status.IN_PROGRESS, D(2021, 10, 1))
            EvidenceFactory(recommendations=[rec], logged_by=user)
            AssessmentFactory(recommendation=rec, approved=True, author=user)
        TierPlacement.objects.create(
            country=report.country, year=2019, tier=Tier.TIER_2, source="table"
        )


def _queries_for(user=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        build_summary(year=2021, user=user)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("countries", [2, 50])
def test_build_summary_takes_a_fixed_number_of_queries(countries, django_assert_num_queries):
    _populate(countries)
    # One of them reads the translations of the recommendations' texts.
    with django_assert_num_queries(10):
        result = build_summary(year=2021)
    assert len(result.countries) == countries
    assert result.totals.recommendations == 3 * countries
    assert result.totals.by_link_kind["dropped"] == countries


def test_the_query_count_does_not_grow_with_a_signed_in_user(viewer):
    _populate(2)
    small = _queries_for(viewer)
    _populate(10)
    viewer = type(viewer).objects.get(pk=viewer.pk)
    assert _queries_for(viewer) == small


def test_the_real_seed_lists_its_eleven_recommendations_at_the_end_of_the_follow_up_period(
    seed_report, analyst
):
    recs = list(seed_report.recommendations.order_by("number"))
    assert len(recs) == 11
    services.recommendation_set_status(
        recommendation=recs[2],
        status=Status.IN_PROGRESS,
        reason="Reports of fewer checks on overseas workers.",
        by=analyst,
        effective_date=D(2022, 2, 1),
    )
    services.recommendation_set_status(
        recommendation=recs[5],
        status=Status.IN_PROGRESS,
        reason="A draft law was announced.",
        by=analyst,
        effective_date=D(2022, 5, 1),
    )

    result = build_summary(year=2021, country=seed_report.country)
    (country,) = result.countries

    assert country.name == "North Korea"
    assert country.tier == Tier.TIER_3
    assert [r.number for r in country.recommendations] == list(range(1, 12))
    statuses = {r.number: r.status for r in country.recommendations}
    assert statuses[3] == Status.IN_PROGRESS
    assert statuses[6] == Status.NO_ACTION  # became true only after 31 March 2022
    assert result.totals.by_status == {
        "no_action": 10,
        "in_progress": 1,
        "implemented": 0,
        "regressed": 0,
        "cannot_assess": 0,
    }
    assert result.totals.status_changes == 1


def test_canonical_json_is_stable_and_round_trips():
    rec = RecommendationFactory(report__year=2021, text="Protéger les victimes — “now”")
    EvidenceFactory(recommendations=[rec], title="Rapport")
    first = canonical_json(build_summary(year=2021))
    second = canonical_json(build_summary(year=2021))

    assert first == second
    data = json.loads(first)
    assert data["schema_version"] == published.SCHEMA_VERSION
    assert "generated" not in first
    assert "Protéger" in first  # kept as text, not \u escapes
    rebuilt = published.summary_from_dict(data)
    assert json.loads(json.dumps(published.summary_to_dict(rebuilt), sort_keys=True)) == json.loads(
        first
    )


def test_compare_reports_count_and_status_differences():
    rec = RecommendationFactory(report__year=2021)
    before = build_summary(year=2021)
    _change(rec, Status.IN_PROGRESS, D(2022, 1, 1))
    after = build_summary(year=2021)

    counts, statuses = published.compare(before, after)

    assert [(s.reference, s.published, s.current) for s in statuses] == [
        (rec.reference, Status.NO_ACTION, Status.IN_PROGRESS)
    ]
    changed = {(c.group, c.label): (c.published, c.current) for c in counts}
    assert changed[("status", "No action")] == (1, 0)
    assert changed[("status", "In progress")] == (0, 1)
