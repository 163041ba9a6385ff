"""Yearly assessments through the pages: who may do which step, and what each step records."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    FindingFactory,
    RecommendationFactory,
    UserFactory,
)
from tracker import roles, services
from tracker.models import Assessment, AssessmentEvent, Evidence

pytestmark = pytest.mark.django_db

YEAR = 2021


@pytest.fixture
def rec(db):
    return RecommendationFactory(text="Screen for trafficking indicators among returnees.")


@pytest.fixture
def finding(rec):
    return FindingFactory(report=rec.report, text="The government did not screen returnees.")


def page_url(rec, year=YEAR):
    return reverse("assessment_detail", args=[rec.pk, year])


def step_url(name, rec, year=YEAR):
    return reverse(f"assessment_{name}", args=[rec.pk, year])


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def draft_post(**overrides):
    data = {
        "rating": Assessment.Rating.NO_PROGRESS,
        "confidence": Assessment.Confidence.MODERATE,
        "narrative": "No screening was reported during the period.",
        "version": "",
        "revision": "",
    }
    data.update(overrides)
    return data


def step_post(assessment, **overrides):
    assessment.refresh_from_db()
    return {"version": assessment.version, "revision": assessment.revision, **overrides}


def draft(rec, author, **fields):
    return services.assessment_draft(
        recommendation=rec,
        year=YEAR,
        by=author,
        rating=fields.pop("rating", Assessment.Rating.NO_PROGRESS),
        confidence=fields.pop("confidence", Assessment.Confidence.MODERATE),
        narrative=fields.pop("narrative", "Nothing changed."),
        **fields,
    )


def submitted(rec, author):
    return services.assessment_submit(assessment=draft(rec, author), by=author)


def approved(rec, author, reviewer):
    return services.assessment_approve(assessment=submitted(rec, author), by=reviewer)


def snapshot(rec):
    """Return everything an assessment step could change, to compare before and after."""
    return (
        list(
            Assessment.objects.filter(recommendation=rec)
            .order_by("revision")
            .values_list("revision", "state", "rating", "narrative", "version", "reviewer_id")
        ),
        AssessmentEvent.objects.filter(assessment__recommendation=rec).count(),
    )


# Permissions.


@pytest.fixture
def clients(viewer, analyst, reviewer, admin_user):
    return {
        "anonymous": Client(),
        "viewer": client_for(viewer),
        "analyst": client_for(analyst),
        "reviewer": client_for(reviewer),
        "admin": client_for(admin_user),
    }


@pytest.mark.parametrize(
    ("role", "status", "has_form"),
    [("viewer", 200, False), ("analyst", 200, True), ("reviewer", 200, True), ("admin", 200, True)],
)
def test_every_role_reads_the_page_and_editors_get_the_draft_form(
    clients, rec, role, status, has_form
):
    response = clients[role].get(page_url(rec))
    assert response.status_code == status
    assert ("Save draft" in response.text) is has_form


def test_anonymous_is_sent_to_sign_in_from_every_assessment_url(clients, rec, analyst):
    assessment = submitted(rec, analyst)
    before = snapshot(rec)
    anonymous = clients["anonymous"]
    for url in (page_url(rec), reverse("assessment_queue")):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    for name in ("save", "submit", "review", "correct"):
        response = anonymous.post(step_url(name, rec), step_post(assessment, decision="approve"))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert snapshot(rec) == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 403), ("analyst", 403), ("reviewer", 200), ("admin", 200)],
)
def test_only_reviewers_see_the_review_queue(clients, role, status):
    assert clients[role].get(reverse("assessment_queue")).status_code == status


@pytest.mark.parametrize(
    ("role", "status", "drafted"),
    [("viewer", 403, False), ("analyst", 302, True), ("reviewer", 302, True), ("admin", 302, True)],
)
def test_analysts_reviewers_and_admins_draft_and_viewers_may_not(
    clients, rec, role, status, drafted
):
    response = clients[role].post(step_url("save", rec), draft_post())
    assert response.status_code == status
    assert Assessment.objects.filter(recommendation=rec).exists() is drafted
    if drafted:
        assessment = Assessment.objects.get(recommendation=rec)
        assert assessment.author.username == role
        assert assessment.state == Assessment.State.DRAFT
        assert assessment.events.get().action == "drafted"


@pytest.mark.parametrize("role", ["viewer", "analyst", "reviewer"])
def test_nobody_but_its_author_or_the_owner_submits_a_draft(clients, rec, other_analyst, role):
    assessment = draft(rec, other_analyst)
    before = snapshot(rec)
    response = clients[role].post(step_url("submit", rec), step_post(assessment))
    assert response.status_code == 403
    assert snapshot(rec) == before


@pytest.mark.parametrize("who", ["author", "owner"])
def test_the_author_or_the_recommendations_owner_submits_a_draft(rec, analyst, other_analyst, who):
    assessment = draft(rec, other_analyst)
    if who == "owner":
        services.recommendation_set_owner(recommendation=rec, owner=analyst, by=analyst)
    client = client_for(other_analyst if who == "author" else analyst)
    response = client.post(step_url("submit", rec), step_post(assessment))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED


def test_another_analyst_may_not_edit_a_draft_and_the_page_says_who_may(
    rec, other_analyst, analyst_client
):
    assessment = draft(rec, other_analyst, narrative="Their text.")
    page = analyst_client.get(page_url(rec)).text
    assert "Save draft" not in page and "Submit for review" not in page
    assert "Only its author (analyst2) or the recommendation&#x27;s owner may edit" in page
    before = snapshot(rec)
    response = analyst_client.post(
        step_url("save", rec), draft_post(narrative="Overwritten.", **step_post(assessment))
    )
    assert response.status_code == 403
    assert "Only the author of this assessment (analyst2)" in response.text
    assert snapshot(rec) == before


def test_the_owner_edits_another_analysts_draft_and_the_page_names_every_writer(
    rec, analyst, other_analyst, analyst_client
):
    assessment = draft(rec, other_analyst, narrative="Their text.")
    services.recommendation_set_owner(recommendation=rec, owner=analyst, by=analyst)
    response = analyst_client.post(
        step_url("save", rec), draft_post(narrative="The owner's text.", **step_post(assessment))
    )
    assert response.status_code == 302
    page = analyst_client.get(page_url(rec)).text
    assert re.search(r"<dt>Written by</dt><dd>analyst2, analyst</dd>", page)
    assert [e.by.username for e in assessment.events.order_by("at", "id")] == [
        "analyst2",
        "analyst",
    ]


@pytest.mark.parametrize(
    ("role", "status", "state"),
    [
        ("viewer", 403, Assessment.State.SUBMITTED),
        ("analyst", 403, Assessment.State.SUBMITTED),
        ("reviewer", 302, Assessment.State.APPROVED),
        ("admin", 302, Assessment.State.APPROVED),
    ],
)
def test_only_reviewers_approve(clients, rec, other_analyst, role, status, state):
    assessment = submitted(rec, other_analyst)
    response = clients[role].post(
        step_url("review", rec), step_post(assessment, decision="approve")
    )
    assert response.status_code == status
    assessment.refresh_from_db()
    assert assessment.state == state


@pytest.mark.parametrize(
    ("role", "status", "revisions"), [("viewer", 403, 1), ("analyst", 302, 2), ("reviewer", 302, 2)]
)
def test_a_viewer_cannot_open_a_correction(
    clients, rec, other_analyst, admin_user, role, status, revisions
):
    assessment = approved(rec, other_analyst, admin_user)
    response = clients[role].post(step_url("correct", rec), step_post(assessment))
    assert response.status_code == status
    assert Assessment.objects.filter(recommendation=rec).count() == revisions


@pytest.mark.parametrize("name", ["save", "submit", "review", "correct"])
def test_csrf_is_enforced_on_every_assessment_form(rec, analyst, reviewer, name):
    states = {
        "save": lambda: None,
        "submit": lambda: draft(rec, analyst),
        "review": lambda: submitted(rec, analyst),
        "correct": lambda: approved(rec, analyst, UserFactory(role=roles.REVIEWER)),
    }
    assessment = states[name]()
    before = snapshot(rec)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    data = step_post(assessment, decision="approve") if assessment else draft_post()
    assert client.post(step_url(name, rec), data).status_code == 403
    assert snapshot(rec) == before


def test_a_year_before_the_narrative_is_not_found(analyst_client, rec):
    assert analyst_client.get(page_url(rec, rec.report.year - 1)).status_code == 404
    assert analyst_client.post(step_url("save", rec, 2000), draft_post()).status_code == 404
    assert not Assessment.objects.exists()


# The workflow.


def test_draft_then_submit_then_approval_by_another_reviewer(
    rec, finding, analyst, analyst_client, reviewer_client
):
    evidence = EvidenceFactory(logged_by=analyst, recommendations=[rec])
    response = analyst_client.post(
        step_url("save", rec),
        draft_post(findings=[finding.pk], evidence=[evidence.public_id]),
        follow=True,
    )
    assert f"The {YEAR} assessment of {rec.reference} was drafted." in response.text
    assessment = Assessment.objects.get(recommendation=rec)
    assert assessment.author == analyst
    assert list(assessment.findings.all()) == [finding]
    assert list(assessment.evidence.all()) == [evidence]

    response = analyst_client.post(step_url("submit", rec), step_post(assessment), follow=True)
    assert "was submitted for review" in response.text
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED
    assert assessment.submitted_at is not None
    # Submitted: no longer editable by its author.
    assert "Save draft" not in response.text

    queue = reviewer_client.get(reverse("assessment_queue"))
    assert rec.reference in queue.text

    response = reviewer_client.post(
        step_url("review", rec),
        step_post(assessment, decision="approve", note="Well sourced."),
        follow=True,
    )
    assert "was approved" in response.text
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.APPROVED
    assert assessment.reviewer.username == "reviewer"
    assert assessment.review_note == "Well sourced."
    assert list(assessment.events.order_by("at", "id").values_list("action", flat=True)) == [
        "drafted",
        "submitted",
        "approved",
    ]
    assert rec.reference not in reviewer_client.get(reverse("assessment_queue")).text


def test_a_returned_assessment_carries_the_note_and_can_be_resubmitted(
    rec, analyst, analyst_client, reviewer_client
):
    assessment = submitted(rec, analyst)
    response = reviewer_client.post(
        step_url("review", rec),
        step_post(assessment, decision="return", note="Cite the rapporteur's report."),
        follow=True,
    )
    assert "was returned to analyst with your note" in response.text
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.RETURNED
    assert assessment.review_note == "Cite the rapporteur's report."

    page = analyst_client.get(page_url(rec)).text
    assert "Cite the rapporteur&#x27;s report." in page
    assert "Save draft" in page
    assert '<h2 id="draft-heading">Revise the returned assessment</h2>' in page
    analyst_client.post(
        step_url("save", rec),
        draft_post(narrative="Now citing the report.", **step_post(assessment)),
    )
    analyst_client.post(step_url("submit", rec), step_post(assessment))
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED
    assert assessment.narrative == "Now citing the report."


def test_returning_needs_a_note_and_keeps_nothing_else(rec, analyst, reviewer_client):
    assessment = submitted(rec, analyst)
    before = snapshot(rec)
    response = reviewer_client.post(
        step_url("review", rec), step_post(assessment, decision="return", note="  ")
    )
    assert response.status_code == 400
    assert "Say what the author should change." in response.text
    assert snapshot(rec) == before


def test_a_reviewer_cannot_approve_their_own_and_the_page_says_why(rec, reviewer, reviewer_client):
    assessment = submitted(rec, reviewer)
    page = reviewer_client.get(page_url(rec)).text
    assert "You wrote this assessment, so another reviewer must approve or return it." in page
    assert ">Approve<" not in page
    queue = reviewer_client.get(reverse("assessment_queue")).text
    assert "another reviewer must review it" in queue

    before = snapshot(rec)
    response = reviewer_client.post(
        step_url("review", rec), step_post(assessment, decision="approve")
    )
    assert response.status_code == 403
    assert "You wrote this assessment, so another reviewer must approve or return it." in (
        response.text
    )
    assert snapshot(rec) == before


@pytest.mark.parametrize("decision", ["approve", "return"])
def test_a_reviewer_who_edited_a_draft_may_not_approve_or_return_it(
    rec, analyst, reviewer, reviewer_client, decision
):
    assessment = draft(rec, analyst, narrative="The analyst's text.")
    # As the recommendation's owner the reviewer may edit the draft, and then did.
    services.recommendation_set_owner(recommendation=rec, owner=reviewer, by=reviewer)
    edited = reviewer_client.post(
        step_url("save", rec), draft_post(narrative="The reviewer's text.", **step_post(assessment))
    )
    assert edited.status_code == 302
    services.assessment_submit(assessment=assessment, by=analyst)

    page = reviewer_client.get(page_url(rec)).text
    assert "You edited this revision, so another reviewer must approve or return it" in page
    assert ">Approve<" not in page
    assert "You helped write it" in reviewer_client.get(reverse("assessment_queue")).text
    before = snapshot(rec)
    response = reviewer_client.post(
        step_url("review", rec), step_post(assessment, decision=decision, note="Fine.")
    )
    assert response.status_code == 403
    assert snapshot(rec) == before


def test_a_reviewer_who_opened_the_correction_may_not_review_it(rec, analyst, reviewer):
    second = UserFactory(username="reviewer2", role=roles.REVIEWER)
    original = services.assessment_approve(assessment=submitted(rec, analyst), by=second)
    correction = services.assessment_correct(assessment=original, by=reviewer)
    services.assessment_submit(assessment=correction, by=reviewer)
    before = snapshot(rec)
    response = client_for(reviewer).post(
        step_url("review", rec), step_post(correction, decision="approve")
    )
    assert response.status_code == 403
    assert "You wrote this assessment" in response.text
    assert snapshot(rec) == before


def test_a_reviewer_who_submitted_an_analysts_draft_may_not_review_it(rec, analyst, reviewer):
    services.recommendation_set_owner(recommendation=rec, owner=reviewer, by=reviewer)
    assessment = services.assessment_submit(assessment=draft(rec, analyst), by=reviewer)
    before = snapshot(rec)
    response = client_for(reviewer).post(
        step_url("review", rec), step_post(assessment, decision="approve")
    )
    assert response.status_code == 403
    assert "You submitted this revision" in response.text
    assert snapshot(rec) == before


def test_an_approved_assessment_is_frozen_and_a_forged_edit_is_refused(
    rec, analyst, reviewer, analyst_client
):
    assessment = approved(rec, analyst, reviewer)
    page = analyst_client.get(page_url(rec)).text
    assert "Save draft" not in page
    assert "Submit for review" not in page
    assert "Approved assessments are frozen." in page

    before = snapshot(rec)
    response = analyst_client.post(
        step_url("save", rec),
        draft_post(
            rating="implemented", narrative="Rewritten after approval.", **step_post(assessment)
        ),
    )
    assert response.status_code == 409
    assert "is approved and can no longer be edited" in response.text
    assert "Rewritten after approval." in response.text  # the text is shown, not lost
    assert snapshot(rec) == before
    response = analyst_client.post(step_url("submit", rec), step_post(assessment))
    assert response.status_code == 409
    assert snapshot(rec) == before


def test_a_correction_is_revision_2_and_revision_1_stays(
    rec, analyst, reviewer, other_analyst, analyst_client
):
    original = approved(rec, other_analyst, reviewer)
    response = analyst_client.post(step_url("correct", rec), step_post(original), follow=True)
    assert "Revision 2" in response.text and "stays approved" in response.text
    revisions = list(Assessment.objects.filter(recommendation=rec).order_by("revision"))
    assert [(a.revision, a.state) for a in revisions] == [(1, "approved"), (2, "draft")]
    assert revisions[1].supersedes == revisions[0]
    assert revisions[1].author == analyst
    # The page shows the correction first, the approved revision under "Earlier revisions".
    page = response.text
    assert page.index("Revision 2") < page.index("Earlier revisions") < page.index("Revision 1")
    assert "Save draft" in page
    # A second correction of the same revision is refused: the current one is a draft.
    before = snapshot(rec)
    response = analyst_client.post(step_url("correct", rec), step_post(original))
    assert response.status_code == 409
    assert snapshot(rec) == before


def test_two_forms_from_the_same_version_the_second_is_refused_with_its_input_kept(
    rec, analyst, other_analyst, analyst_client
):
    assessment = draft(rec, analyst)
    opened = step_post(assessment)
    services.recommendation_set_owner(recommendation=rec, owner=other_analyst, by=other_analyst)
    other = client_for(other_analyst)
    first = other.post(step_url("save", rec), draft_post(narrative="First save.", **opened))
    assert first.status_code == 302

    second = analyst_client.post(
        step_url("save", rec), draft_post(narrative="Second, from the old page.", **opened)
    )
    assert second.status_code == 409
    assert "was changed by someone else" in second.text
    assert "Second, from the old page." in second.text  # input kept in the form
    assessment.refresh_from_db()
    assert assessment.narrative == "First save."
    # The kept form now carries the current version: saving it again is a deliberate choice.
    version = re.search(r'name="version" value="(\d+)"', second.text).group(1)
    assert int(version) == assessment.version


def test_two_first_drafts_the_second_is_refused_with_its_input_kept(
    rec, other_analyst, analyst_client
):
    client_for(other_analyst).post(step_url("save", rec), draft_post(narrative="Mine first."))
    response = analyst_client.post(step_url("save", rec), draft_post(narrative="Also mine."))
    assert response.status_code == 409
    assert "Also mine." in response.text
    assert Assessment.objects.get(recommendation=rec).narrative == "Mine first."


def test_a_stale_submit_is_refused(rec, analyst, other_analyst, analyst_client):
    assessment = draft(rec, analyst)
    opened = step_post(assessment)
    services.recommendation_set_owner(recommendation=rec, owner=other_analyst, by=other_analyst)
    services.assessment_update(
        assessment=assessment,
        by=other_analyst,
        rating="limited",
        confidence="low",
        narrative="Changed meanwhile.",
    )
    before = snapshot(rec)
    response = analyst_client.post(step_url("submit", rec), opened)
    assert response.status_code == 409
    assert snapshot(rec) == before


def test_a_form_opened_on_revision_1_does_not_edit_the_correction(
    rec, analyst, reviewer, analyst_client
):
    original = draft(rec, analyst)
    opened = step_post(original)  # version 1 of revision 1
    services.assessment_submit(assessment=original, by=analyst)
    services.assessment_approve(assessment=original, by=reviewer)
    correction = services.assessment_correct(assessment=original, by=reviewer)
    assert correction.version == 1
    response = analyst_client.post(
        step_url("save", rec), draft_post(narrative="Old page.", **opened)
    )
    assert response.status_code == 409
    correction.refresh_from_db()
    assert correction.narrative == original.narrative


# What the form offers.


def test_the_form_offers_the_reports_findings_and_only_evidence_the_user_may_see(
    rec, finding, analyst, other_analyst, analyst_client
):
    mine = EvidenceFactory(title="My restricted note", logged_by=analyst, recommendations=[rec])
    mine.sensitivity = Evidence.Sensitivity.RESTRICTED
    mine.save()
    EvidenceFactory(
        title="Someone else's restricted note",
        logged_by=other_analyst,
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        recommendations=[rec],
    )
    EvidenceFactory(title="Public report", recommendations=[rec])
    EvidenceFactory(title="About another recommendation", recommendations=[RecommendationFactory()])
    page = analyst_client.get(page_url(rec)).text
    for label in ("Rating", "Confidence", "Narrative", "Findings cited", "Evidence cited"):
        assert re.search(rf"<label[^>]*>\s*{label}\s*</label>", page), label
    assert finding.text in page
    assert "My restricted note" in page
    assert "Public report" in page
    assert "Someone else&#x27;s restricted note" not in page
    assert "About another recommendation" not in page


def test_citing_evidence_the_user_cannot_see_is_refused(rec, other_analyst, analyst_client):
    secret = EvidenceFactory(
        logged_by=other_analyst,
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        recommendations=[rec],
    )
    response = analyst_client.post(step_url("save", rec), draft_post(evidence=[secret.public_id]))
    assert response.status_code == 400
    assert not Assessment.objects.exists()


def test_an_edit_keeps_restricted_citations_the_editor_cannot_see(
    rec, reviewer, analyst, analyst_client
):
    secret = EvidenceFactory(
        title="Reviewer's restricted source",
        logged_by=reviewer,
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        recommendations=[rec],
    )
    # The analyst drafts; the reviewer, as the item's owner, cites a restricted source of theirs
    # (which makes the narrative restricted: the analyst still reads it, as its author).
    assessment = draft(rec, analyst)
    services.recommendation_set_owner(recommendation=rec, owner=reviewer, by=reviewer)
    services.assessment_update(
        assessment=assessment,
        by=reviewer,
        rating=assessment.rating,
        confidence=assessment.confidence,
        narrative=assessment.narrative,
        evidence=[secret],
    )
    page = analyst_client.get(page_url(rec)).text
    # Restricted evidence the reader may not see does not exist for them: not even a hint.
    assert "Reviewer&#x27;s restricted source" not in page
    assert "restricted evidence you cannot see" not in page
    response = analyst_client.post(
        step_url("save", rec), draft_post(narrative="Edited.", **step_post(assessment))
    )
    assert response.status_code == 302
    assert list(assessment.evidence.all()) == [secret]


def test_user_text_is_escaped_on_the_page(rec, analyst_client):
    analyst_client.post(step_url("save", rec), draft_post(narrative="<img src=x onerror=alert(1)>"))
    page = analyst_client.get(page_url(rec)).text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# Query counts.


def test_the_page_takes_a_fixed_number_of_queries_whatever_the_history(
    rec, analyst, reviewer, django_assert_num_queries
):
    client = client_for(analyst)
    FindingFactory.create_batch(3, report=rec.report)
    EvidenceFactory.create_batch(3, recommendations=[rec])
    with django_assert_num_queries(PAGE_QUERIES) as short:
        client.get(page_url(rec))
    assessment = approved(rec, analyst, reviewer)
    correction = services.assessment_correct(assessment=assessment, by=analyst)
    services.assessment_update(
        assessment=correction,
        by=analyst,
        rating="limited",
        confidence="low",
        narrative="Corrected.",
        findings=rec.report.findings.all(),
        evidence=Evidence.objects.filter(recommendations=rec),
    )
    with django_assert_num_queries(PAGE_QUERIES + 3) as long:
        response = client.get(page_url(rec))
    assert response.status_code == 200
    assert len(short.captured_queries) < len(long.captured_queries)


# Session, user, permissions with the groups (page header), the recommendation, the revisions,
# the events, the other years, and the form's findings and evidence; once there are revisions,
# their findings, evidence and narrative sensitivity changes come in three prefetches, however
# many revisions there are.
PAGE_QUERIES = 9


@pytest.mark.parametrize("count", [2, 20])
def test_the_review_queue_takes_the_same_number_of_queries_for_any_length(
    reviewer_client, django_assert_num_queries, count
):
    author = UserFactory(username="author", role=roles.ANALYST)
    for _ in range(count):
        AssessmentFactory(author=author, submitted=True)
    with django_assert_num_queries(5):
        response = reviewer_client.get(reverse("assessment_queue"))
    assert response.status_code == 200
    assert response.text.count("/assessments/2021/") == count


def test_a_draft_needs_a_rating_and_a_confidence_chosen(rec, analyst_client):
    page = analyst_client.get(page_url(rec)).text
    assert re.search(r'<option value="" selected>Choose a rating</option>', page)
    response = analyst_client.post(step_url("save", rec), draft_post(rating="", confidence=""))
    assert response.status_code == 400
    assert response.text.count("This field is required.") == 2
    assert "No screening was reported during the period." in response.text
    assert not Assessment.objects.exists()


def test_the_findings_a_recommendation_answers_are_offered_first(analyst_client, seed_report):
    criminalize = seed_report.recommendations.get(number=6)
    answered = set(criminalize.findings.values_list("pk", flat=True))
    assert answered
    response = analyst_client.get(f"/recommendations/{criminalize.pk}/assessments/2021/")
    offered = [choice.value for choice, _ in response.context["form"].fields["findings"].choices]
    assert set(offered[: len(answered)]) == answered
    assert len(offered) == seed_report.findings.count()
