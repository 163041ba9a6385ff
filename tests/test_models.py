"""Invariants the database itself enforces."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import (
    AssessmentFactory,
    RecommendationFactory,
    ReportFactory,
    StatusChangeFactory,
    UserFactory,
)
from tracker.models import (
    Assessment,
    HistoryIsAppendOnly,
    Recommendation,
    RecommendationEdit,
    StatusChange,
)

pytestmark = pytest.mark.django_db


def test_a_second_assessment_for_the_same_recommendation_and_year_is_refused():
    first = AssessmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            recommendation=first.recommendation,
            year=first.year,
            rating=Assessment.Rating.LIMITED,
            confidence=Assessment.Confidence.LOW,
            author=first.author,
        )
    assert Assessment.objects.count() == 1


def test_an_assessment_for_another_year_is_allowed():
    first = AssessmentFactory(year=2021)
    AssessmentFactory(recommendation=first.recommendation, year=2022)
    assert Assessment.objects.count() == 2


def test_a_correction_must_point_to_the_assessment_it_corrects():
    first = AssessmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            recommendation=first.recommendation,
            year=first.year,
            revision=2,
            rating=first.rating,
            confidence=first.confidence,
            author=first.author,
        )


@pytest.mark.parametrize("state", [Assessment.State.APPROVED, Assessment.State.RETURNED])
@pytest.mark.parametrize("missing", ["reviewer", "reviewed_at"])
def test_an_approved_or_returned_assessment_names_its_reviewer_and_review_time(state, missing):
    draft = AssessmentFactory()
    review = {"reviewer": UserFactory(), "reviewed_at": timezone.now()}
    partial = {field: value for field, value in review.items() if field != missing}
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            recommendation=RecommendationFactory(report=draft.recommendation.report),
            year=draft.year,
            rating=draft.rating,
            confidence=draft.confidence,
            author=draft.author,
            state=state,
            **partial,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=draft.pk).update(state=state, **partial)
    reviewed = AssessmentFactory(**{str(state): True})
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=reviewed.pk).update(**{missing: None})
    assert Assessment.objects.filter(pk=draft.pk, state=Assessment.State.DRAFT).exists()
    # With both, the database takes the row; the model says what is missing before it is sent.
    Assessment.objects.filter(pk=draft.pk).update(state=state, **review)
    unnamed = Assessment(recommendation=draft.recommendation, state=state, **partial)
    with pytest.raises(ValidationError, match="names its reviewer and the time of the review"):
        unnamed.validate_constraints()


def test_one_narrative_per_country_and_year():
    report = ReportFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportFactory(country=report.country, year=report.year)


def test_status_change_requires_a_reason():
    recommendation = RecommendationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusChange.objects.create(
            recommendation=recommendation,
            old_status=Recommendation.Status.NO_ACTION,
            new_status=Recommendation.Status.IN_PROGRESS,
            reason="",
            changed_by=UserFactory(),
            effective_date=datetime.date(2021, 12, 1),
        )


def test_status_must_be_one_of_the_vocabulary():
    recommendation = RecommendationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Recommendation.objects.filter(pk=recommendation.pk).update(status="done")


def test_recommendation_numbers_are_unique_within_a_narrative():
    recommendation = RecommendationFactory(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecommendationFactory(report=recommendation.report, number=1, reference="XXX-2021-99")


def test_reporting_period_runs_from_april_to_march():
    report = ReportFactory(year=2021)
    assert (str(report.period_start), str(report.period_end)) == ("2020-04-01", "2021-03-31")


@pytest.mark.parametrize(
    "make",
    [
        StatusChangeFactory,
        lambda: RecommendationEdit.objects.create(
            recommendation=RecommendationFactory(),
            field="pillar",
            old_value="prosecution",
            new_value="protection",
            changed_by=UserFactory(),
        ),
    ],
    ids=["status change", "recommendation edit"],
)
def test_history_rows_cannot_be_changed_or_deleted_through_the_orm(make):
    row = make()
    model = type(row)
    with pytest.raises(HistoryIsAppendOnly):
        row.save()
    with pytest.raises(HistoryIsAppendOnly):
        row.delete()
    with pytest.raises(HistoryIsAppendOnly):
        model.objects.filter(pk=row.pk).update(recorded_at=row.recorded_at)
    with pytest.raises(HistoryIsAppendOnly):
        model.objects.filter(pk=row.pk).delete()
    assert model.objects.filter(pk=row.pk).exists()
