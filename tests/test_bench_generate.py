"""The benchmark's data generator builds what it promises, consistently and repeatably."""

from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Count, F

from bench import generate
from tracker.models import (
    Assessment,
    Evidence,
    Recommendation,
    StatusChange,
    chain_last_effective,
)
from tracker.services import status_on_date

TINY = generate.Size(
    "tiny", countries=3, years=2, per_report=12, evidence=60, status_changes=90, hot_timeline=25
)


def _build_and_fingerprint(seed):
    with transaction.atomic():
        generate.build(TINY, seed=seed)
        result = generate.fingerprint()
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db
def test_generator_builds_the_promised_row_counts():
    counts = generate.build(TINY, seed=7)

    assert counts["countries"] == 3
    assert counts["reports"] == 6
    assert counts["tier_placements"] == 6
    assert counts["recommendations"] == 72
    assert counts["evidence"] == 60
    assert counts["status_changes"] == 90
    assert counts["assessments"] == 72
    links_per_item = Evidence.objects.annotate(n=Count("recommendations")).values_list(
        "n", flat=True
    )
    assert set(links_per_item) <= {1, 2, 3}
    assert counts["evidence_links"] == sum(links_per_item)


@pytest.mark.django_db
def test_every_evidence_record_bears_on_recommendations_of_one_narrative():
    generate.build(TINY, seed=7)

    reports_per_item = Evidence.objects.annotate(
        n=Count("recommendations__report", distinct=True)
    ).values_list("n", flat=True)
    assert set(reports_per_item) == {1}


@pytest.mark.django_db
def test_the_hot_item_carries_the_long_timeline():
    generate.build(TINY, seed=7)

    hot = Recommendation.objects.get(reference=generate.hot_reference(TINY))
    assert hot.report.year == generate.LAST_YEAR
    assert hot.status_changes.count() == 25


@pytest.mark.django_db
def test_status_history_chains_and_ends_at_the_current_status():
    generate.build(TINY, seed=7)

    for rec in Recommendation.objects.select_related("predecessor", "report"):
        changes = list(rec.status_changes.order_by("effective_date", "recorded_at", "id"))
        # An item's own history starts where its lineage chain stood (its predecessor's).
        previous = rec.predecessor.status if rec.predecessor else "no_action"
        start, end = rec.follow_up_period
        for index, change in enumerate(changes):
            assert change.old_status == previous
            assert index == 0 or change.new_status != change.old_status
            assert start <= change.effective_date <= end
            previous = change.new_status
        assert rec.status == previous
        assert status_on_date(rec, generate.LATEST_DAY) == rec.status
    # The latest effective day along each chain is cached as the app keeps it.
    cached = dict(Recommendation.objects.values_list("pk", "chain_last_effective"))
    assert cached == dict(
        Recommendation.objects.annotate(day=chain_last_effective()).values_list("pk", "day")
    )
    assert any(cached.values())


@pytest.mark.django_db
def test_one_assessment_per_recommendation_and_only_the_last_year_is_unfinished():
    generate.build(TINY, seed=7)

    per_rec = Counter(Assessment.objects.values_list("recommendation_id", flat=True))
    assert set(per_rec.values()) == {1}
    assert len(per_rec) == Recommendation.objects.count()
    unfinished = Assessment.objects.exclude(state=Assessment.State.APPROVED)
    assert set(unfinished.values_list("year", flat=True)) <= {generate.LAST_YEAR}
    assert not StatusChange.objects.filter(effective_date__gt=generate.LATEST_DAY).exists()


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_data_and_another_seed_does_not():
    first = _build_and_fingerprint(11)
    again = _build_and_fingerprint(11)
    other = _build_and_fingerprint(12)

    assert first == again
    assert first != other


def test_sizes_match_the_brief():
    large = generate.SIZES["L"]
    assert (large.countries, large.years, large.per_report) == (200, 20, 12)
    assert large.recommendations == 48_000
    assert large.evidence == 250_000
    assert large.status_changes == 250_000
    assert large.assessments == 48_000
    assert generate.SIZES["S"].recommendations == 360
    assert generate.SIZES["M"].recommendations == 6_000
    assert len(generate.country_list(200)) == len({code for _, code in generate.country_list(200)})


@pytest.mark.django_db
def test_generated_items_carry_the_list_order_copies_of_country_and_year():
    generate.build(TINY, seed=7)
    assert not Recommendation.objects.exclude(country_name=F("report__country__name")).exists()
    assert not Recommendation.objects.exclude(report_year=F("report__year")).exists()
