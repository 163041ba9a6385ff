"""State changes through tracker.services: reasons, history, versions, review rules."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import EvidenceFactory, RecommendationFactory, UserFactory
from tracker import roles, services
from tracker.models import Assessment, AssessmentEvent, Recommendation, StatusChange

pytestmark = pytest.mark.django_db

Status = Recommendation.Status


@pytest.fixture
def recommendation():
    return RecommendationFactory()


def test_status_change_records_who_what_and_why(recommendation, analyst):
    evidence = EvidenceFactory(logged_by=analyst, recommendations=[recommendation])
    change = services.recommendation_set_status(
        recommendation=recommendation,
        status=Status.IN_PROGRESS,
        reason="Draft law published.",
        by=analyst,
        evidence=[evidence],
    )
    recommendation.refresh_from_db()
    assert recommendation.status == Status.IN_PROGRESS
    assert recommendation.version == 2
    assert (change.old_status, change.new_status, change.changed_by) == (
        Status.NO_ACTION,
        Status.IN_PROGRESS,
        analyst,
    )
    assert list(change.evidence.all()) == [evidence]


def test_status_change_requires_a_reason(recommendation, analyst):
    with pytest.raises(ValidationError, match="reason"):
        services.recommendation_set_status(
            recommendation=recommendation, status=Status.IN_PROGRESS, reason="  ", by=analyst
        )
    assert not StatusChange.objects.exists()


def test_a_viewer_cannot_change_a_status(recommendation, viewer):
    with pytest.raises(PermissionDenied):
        services.recommendation_set_status(
            recommendation=recommendation, status=Status.IN_PROGRESS, reason="x", by=viewer
        )
    assert not StatusChange.objects.exists()


def test_a_stale_version_is_refused_and_nothing_is_written(recommendation, analyst, other_analyst):
    opened_at = recommendation.version
    services.recommendation_set_status(
        recommendation=recommendation,
        status=Status.IN_PROGRESS,
        reason="First.",
        by=analyst,
        expected_version=opened_at,
    )
    with pytest.raises(services.StaleVersion):
        services.recommendation_set_status(
            recommendation=recommendation,
            status=Status.IMPLEMENTED,
            reason="Second.",
            by=other_analyst,
            expected_version=opened_at,
        )
    recommendation.refresh_from_db()
    assert recommendation.status == Status.IN_PROGRESS
    assert StatusChange.objects.count() == 1


def test_back_dated_change_does_not_hide_a_later_one(recommendation, analyst):
    services.recommendation_set_status(
        recommendation=recommendation,
        status=Status.IN_PROGRESS,
        reason="Now.",
        by=analyst,
    )
    services.recommendation_set_status(
        recommendation=recommendation,
        status=Status.REGRESSED,
        reason="Back then.",
        by=analyst,
        effective_date=datetime.date(2021, 6, 1),
    )
    recommendation.refresh_from_db()
    assert recommendation.status == Status.IN_PROGRESS
    assert services.status_on_date(recommendation, datetime.date(2021, 7, 1)) == Status.REGRESSED
    assert services.status_on_date(recommendation, datetime.date(2021, 5, 1)) == Status.NO_ACTION


def test_a_future_effective_date_is_refused(recommendation, analyst):
    with pytest.raises(ValidationError, match="future"):
        services.recommendation_set_status(
            recommendation=recommendation,
            status=Status.IN_PROGRESS,
            reason="Soon.",
            by=analyst,
            effective_date=datetime.date.today() + datetime.timedelta(days=2),
        )


def test_owner_and_pillar_edits_are_recorded(recommendation, analyst):
    services.recommendation_set_owner(recommendation=recommendation, owner=analyst, by=analyst)
    services.recommendation_set_pillar(
        recommendation=recommendation, pillar=Recommendation.Pillar.PROTECTION, by=analyst
    )
    recommendation.refresh_from_db()
    assert recommendation.owner == analyst
    assert recommendation.pillar == Recommendation.Pillar.PROTECTION
    edits = list(recommendation.edits.order_by("id").values_list("field", "old_value", "new_value"))
    assert edits == [("owner", "", "analyst"), ("pillar", "prosecution", "protection")]


def test_restricted_evidence_cannot_be_cited_by_someone_who_cannot_see_it(
    recommendation, analyst, other_analyst
):
    secret = EvidenceFactory(
        logged_by=other_analyst, sensitivity="restricted", recommendations=[recommendation]
    )
    with pytest.raises(PermissionDenied):
        services.recommendation_set_status(
            recommendation=recommendation,
            status=Status.IN_PROGRESS,
            reason="x",
            by=analyst,
            evidence=[secret],
        )


def _draft(recommendation, author):
    return services.assessment_draft(
        recommendation=recommendation,
        year=2021,
        by=author,
        rating=Assessment.Rating.NO_PROGRESS,
        confidence=Assessment.Confidence.MODERATE,
        narrative="Nothing changed.",
    )


def test_assessment_goes_from_draft_to_approved_and_is_then_frozen(
    recommendation, analyst, reviewer
):
    assessment = _draft(recommendation, analyst)
    assessment = services.assessment_submit(assessment=assessment, by=analyst)
    assessment = services.assessment_approve(assessment=assessment, by=reviewer, note="Agreed.")
    assert assessment.state == Assessment.State.APPROVED
    assert assessment.reviewer == reviewer
    with pytest.raises(ValidationError, match="cannot be edited"):
        services.assessment_update(
            assessment=assessment, by=analyst, rating="limited", confidence="low", narrative="x"
        )
    actions = list(
        AssessmentEvent.objects.filter(assessment=assessment)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["drafted", "submitted", "approved"]


def test_a_reviewer_may_not_approve_their_own_assessment(recommendation, reviewer):
    assessment = _draft(recommendation, reviewer)
    services.assessment_submit(assessment=assessment, by=reviewer)
    with pytest.raises(PermissionDenied, match="You wrote"):
        services.assessment_approve(assessment=assessment, by=reviewer)
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED


def test_an_analyst_cannot_approve(recommendation, analyst, other_analyst):
    assessment = _draft(recommendation, analyst)
    services.assessment_submit(assessment=assessment, by=analyst)
    with pytest.raises(PermissionDenied):
        services.assessment_approve(assessment=assessment, by=other_analyst)


def test_returned_assessment_needs_a_note_and_can_be_resubmitted(recommendation, analyst, reviewer):
    assessment = _draft(recommendation, analyst)
    services.assessment_submit(assessment=assessment, by=analyst)
    with pytest.raises(ValidationError):
        services.assessment_return(assessment=assessment, by=reviewer, note="")
    assessment = services.assessment_return(
        assessment=assessment, by=reviewer, note="Cite the UN report."
    )
    assert assessment.state == Assessment.State.RETURNED
    assessment = services.assessment_submit(assessment=assessment, by=analyst)
    assert assessment.state == Assessment.State.SUBMITTED


def test_a_correction_is_a_new_revision_and_the_approved_one_stays(
    recommendation, analyst, reviewer
):
    original = _draft(recommendation, analyst)
    services.assessment_submit(assessment=original, by=analyst)
    services.assessment_approve(assessment=original, by=reviewer)
    correction = services.assessment_correct(assessment=original, by=analyst)
    original.refresh_from_db()
    assert original.state == Assessment.State.APPROVED
    assert (correction.revision, correction.supersedes, correction.state) == (
        2,
        original,
        Assessment.State.DRAFT,
    )


def test_two_drafts_from_the_same_version_the_second_is_refused(recommendation, analyst):
    other = UserFactory(username="a3", role=roles.ANALYST)
    assessment = _draft(recommendation, analyst)
    # The owner of the recommendation may edit the author's draft too.
    services.recommendation_set_owner(recommendation=recommendation, owner=other, by=other)
    services.assessment_update(
        assessment=assessment,
        by=analyst,
        rating="limited",
        confidence="low",
        narrative="Mine.",
        expected_version=1,
    )
    with pytest.raises(services.StaleVersion):
        services.assessment_update(
            assessment=assessment,
            by=other,
            rating="substantial",
            confidence="high",
            narrative="Theirs.",
            expected_version=1,
        )
    assessment.refresh_from_db()
    assert assessment.narrative == "Mine."


def test_a_stale_form_is_told_it_is_stale_before_anything_else(recommendation, analyst):
    opened_at = recommendation.version
    services.recommendation_set_status(
        recommendation=recommendation,
        status=Status.IN_PROGRESS,
        reason="First.",
        by=analyst,
        expected_version=opened_at,
    )
    # The second person, unaware, asks for the status the first one just set.
    with pytest.raises(services.StaleVersion):
        services.recommendation_set_status(
            recommendation=recommendation,
            status=Status.IN_PROGRESS,
            reason="Same idea.",
            by=analyst,
            expected_version=opened_at,
        )
    assert StatusChange.objects.count() == 1


def test_another_analysts_draft_is_edited_only_by_its_author_or_the_owner(recommendation, analyst):
    other = UserFactory(username="a3", role=roles.ANALYST)
    assessment = _draft(recommendation, analyst)
    with pytest.raises(PermissionDenied, match="Only the author of this assessment"):
        services.assessment_update(
            assessment=assessment, by=other, rating="limited", confidence="low", narrative="X."
        )
    with pytest.raises(PermissionDenied, match="may submit it"):
        services.assessment_submit(assessment=assessment, by=other)
    assessment.refresh_from_db()
    assert (assessment.state, assessment.version) == (Assessment.State.DRAFT, 1)
    assert [e.action for e in assessment.events.all()] == ["drafted"]


def test_a_reviewer_who_edited_a_revision_may_not_approve_it(recommendation, analyst):
    reviewer = UserFactory(username="r3", role=roles.REVIEWER)
    assessment = _draft(recommendation, analyst)
    services.recommendation_set_owner(recommendation=recommendation, owner=reviewer, by=reviewer)
    services.assessment_update(
        assessment=assessment, by=reviewer, rating="limited", confidence="low", narrative="R."
    )
    services.assessment_submit(assessment=assessment, by=analyst)
    with pytest.raises(PermissionDenied, match="You edited this revision"):
        services.assessment_approve(assessment=assessment, by=reviewer)
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED and assessment.reviewer is None
