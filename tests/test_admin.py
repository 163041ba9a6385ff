"""The Django admin keeps the record: no workflow, history or status is rewritten there, the
corrections it allows go through services into the timeline, and evidence follows the one
visibility rule."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.factories import EvidenceFactory, RecommendationFactory, UserFactory
from tracker import services
from tracker.models import (
    Assessment,
    AssessmentEvent,
    Evidence,
    EvidenceEdit,
    Recommendation,
    RecommendationEdit,
    StatusChange,
)

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:tracker_{obj._meta.model_name}_change", args=[obj.pk])


def rec_post(rec, **overrides):
    data = {
        "text": rec.text,
        "pillar": rec.pillar,
        "owner": rec.owner_id or "",
        "reason": "",
        "seen_version": rec.version,
        # Read-only fields a forged form might still send: all ignored.
        "status": rec.status,
        "version": rec.version,
    }
    data.update(overrides)
    return data


def test_an_assessment_added_in_the_admin_is_a_draft_of_the_admin_whatever_is_posted(
    admin_client, admin_user, analyst, reviewer
):
    rec = RecommendationFactory()
    response = admin_client.post(
        reverse("admin:tracker_assessment_add"),
        {
            "recommendation": rec.pk,
            "year": 2021,
            "rating": Assessment.Rating.LIMITED,
            "confidence": Assessment.Confidence.LOW,
            "narrative": "Entered by hand.",
            # A forged approval: state, author, reviewer and times are not fields of the form.
            "state": Assessment.State.APPROVED,
            "author": analyst.pk,
            "reviewer": reviewer.pk,
            "reviewed_at_0": "2021-01-01",
            "reviewed_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.state == Assessment.State.DRAFT
    assert assessment.author == admin_user
    assert assessment.reviewer is None and assessment.reviewed_at is None
    assert [(e.action, e.by) for e in assessment.events.all()] == [("drafted", admin_user)]


def test_a_submitted_assessment_cannot_be_approved_or_changed_in_the_admin(admin_client, analyst):
    rec = RecommendationFactory()
    draft = services.assessment_draft(
        recommendation=rec, year=2021, by=analyst, rating="limited", confidence="low"
    )
    assessment = services.assessment_submit(assessment=draft, by=analyst)
    page = admin_client.get(change_url(assessment))
    assert page.status_code == 200
    assert 'name="state"' not in page.text and 'name="reviewer"' not in page.text
    response = admin_client.post(
        change_url(assessment), {"state": Assessment.State.APPROVED, "narrative": "Rewritten."}
    )
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED and assessment.reviewer is None
    assert AssessmentEvent.objects.filter(assessment=assessment).count() == 2


def test_a_recommendations_status_and_version_are_read_only_in_the_admin(admin_client):
    rec = RecommendationFactory()
    response = admin_client.post(
        change_url(rec), rec_post(rec, status=Recommendation.Status.IMPLEMENTED, version=99)
    )
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.status == Recommendation.Status.NO_ACTION and rec.version == 1
    assert not StatusChange.objects.exists()
    assert not RecommendationEdit.objects.exists()


def test_correcting_the_official_text_needs_a_reason_and_shows_in_the_timeline(
    admin_client, admin_user, analyst_client
):
    rec = RecommendationFactory(text="Screen for trafficking indicatros.")
    refused = admin_client.post(change_url(rec), rec_post(rec, text="Screen for indicators."))
    assert refused.status_code == 200
    assert "Give the reason for correcting the official text." in refused.text
    rec.refresh_from_db()
    assert rec.text == "Screen for trafficking indicatros." and rec.version == 1

    response = admin_client.post(
        change_url(rec),
        rec_post(
            rec,
            text="Screen for trafficking indicators.",
            reason="Transcription error against the PDF.",
        ),
    )
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.text == "Screen for trafficking indicators." and rec.version == 2
    edit = rec.edits.get()
    assert (edit.field, edit.changed_by, edit.note) == (
        "text",
        admin_user,
        "Transcription error against the PDF.",
    )
    timeline = analyst_client.get(rec.get_absolute_url()).text
    assert "Transcription error against the PDF." in timeline
    assert "Screen for trafficking indicatros." in timeline  # what it was


def test_owner_and_pillar_changed_in_the_admin_go_into_the_timeline(
    admin_client, admin_user, analyst
):
    rec = RecommendationFactory()
    response = admin_client.post(
        change_url(rec),
        rec_post(rec, owner=analyst.pk, pillar=Recommendation.Pillar.PROTECTION),
    )
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.owner == analyst and rec.pillar == Recommendation.Pillar.PROTECTION
    assert sorted(rec.edits.values_list("field", "new_value", "changed_by")) == [
        ("owner", "analyst", admin_user.pk),
        ("pillar", Recommendation.Pillar.PROTECTION, admin_user.pk),
    ]


def test_a_stale_admin_form_is_refused_and_changes_nothing(admin_client, analyst):
    rec = RecommendationFactory()
    opened = rec_post(rec)
    services.recommendation_set_owner(recommendation=rec, owner=analyst, by=analyst)
    response = admin_client.post(
        change_url(rec), {**opened, "pillar": Recommendation.Pillar.PREVENTION}, follow=True
    )
    assert "was changed by someone else" in response.text
    rec.refresh_from_db()
    assert rec.pillar == Recommendation.Pillar.PROSECUTION and rec.owner == analyst


def test_a_sensitivity_form_opened_before_an_edit_of_the_evidence_is_refused(admin_client, analyst):
    item = EvidenceFactory(sensitivity=Evidence.Sensitivity.PUBLIC, logged_by=analyst)
    opened = {
        "sensitivity": Evidence.Sensitivity.RESTRICTED,
        "reason": "Names a witness.",
        "seen_version": item.version,
    }
    services.evidence_edit(
        evidence=item, by=analyst, expected_version=1, reason="Typo.", title="Corrected"
    )
    response = admin_client.post(change_url(item), opened, follow=True)
    assert "was changed by someone else" in response.text
    item.refresh_from_db()
    assert item.sensitivity == Evidence.Sensitivity.PUBLIC
    assert list(item.edits.values_list("field", flat=True)) == ["title"]


def test_sensitivity_changed_in_the_admin_needs_a_reason_and_is_recorded(admin_client, admin_user):
    item = EvidenceFactory(sensitivity=Evidence.Sensitivity.PUBLIC)
    post = {"sensitivity": Evidence.Sensitivity.RESTRICTED, "reason": "", "title": "Forged"}
    refused = admin_client.post(change_url(item), post)
    assert refused.status_code == 200
    assert "Give the reason for changing who may see this." in refused.text
    item.refresh_from_db()
    assert item.sensitivity == Evidence.Sensitivity.PUBLIC

    post["reason"] = "Names a witness."
    assert admin_client.post(change_url(item), post).status_code == 302
    item.refresh_from_db()
    assert item.sensitivity == Evidence.Sensitivity.RESTRICTED
    assert item.title != "Forged"
    edit = EvidenceEdit.objects.get()
    assert (edit.old_value, edit.new_value, edit.note, edit.changed_by) == (
        "Public",
        "Restricted",
        "Names a witness.",
        admin_user,
    )


def test_staff_who_may_not_see_restricted_evidence_do_not_see_it_in_the_admin(db):
    staff = UserFactory(username="helpdesk", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_evidence", "change_evidence"])
    )
    hidden = EvidenceFactory(
        title="Survivor testimony", sensitivity=Evidence.Sensitivity.RESTRICTED
    )
    EvidenceFactory(title="Public report")
    client = Client()
    client.force_login(staff)
    listing = client.get(reverse("admin:tracker_evidence_changelist"))
    assert listing.status_code == 200
    assert "Public report" in listing.text
    assert "Survivor testimony" not in listing.text
    detail = client.get(change_url(hidden))
    assert detail.status_code == 302  # the admin's "does not exist" answer
    assert "Survivor testimony" not in client.get(detail["Location"]).text


@pytest.mark.parametrize(
    "model", ["statuschange", "recommendationedit", "assessmentevent", "report", "finding"]
)
def test_history_and_narratives_cannot_be_added_changed_or_deleted_in_the_admin(
    admin_client, model
):
    assert admin_client.get(reverse(f"admin:tracker_{model}_add")).status_code == 403
