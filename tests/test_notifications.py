"""Notifications: who is told what, in the app and by e-mail, and the reminders of the TIP cycle.

E-mail goes through Django's test outbox; the commit hooks run as they would in production
(`django_capture_on_commit_callbacks(execute=True)`); reminders run on a fixed day.
"""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tests.factories import (
    AssessmentFactory,
    EvidenceFactory,
    RecommendationFactory,
    ReportFactory,
    UserFactory,
)
from tracker import notifications, roles, services
from tracker.models import Notification, NotificationPreference

Kind = Notification.Kind


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the code given, then its commit hooks, as a committed request would."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


@pytest.fixture
def second_reviewer(db):
    return UserFactory(username="reviewer2", role=roles.REVIEWER)


def told(user, kind=None):
    rows = Notification.objects.filter(recipient=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("message", flat=True))


# -- Each event tells the right people once -------------------------------------------------


def test_a_submitted_assessment_is_announced_to_the_reviewers_but_not_its_author(
    commit, analyst, reviewer, second_reviewer, viewer
):
    assessment = AssessmentFactory(author=analyst)
    commit(services.assessment_submit, assessment=assessment, by=analyst)
    ref = assessment.recommendation.reference
    expected = [f"analyst submitted the 2021 assessment of {ref} for review."]
    assert told(reviewer, Kind.ASSESSMENT_SUBMITTED) == expected
    assert told(second_reviewer, Kind.ASSESSMENT_SUBMITTED) == expected
    assert told(analyst) == [] and told(viewer) == []
    assert sorted(message.to[0] for message in mail.outbox) == [
        "reviewer2@example.org",
        "reviewer@example.org",
    ]
    assert f"http://127.0.0.1:8000/recommendations/{assessment.recommendation_id}/" in (
        mail.outbox[0].body
    )


def test_a_reviewer_who_submits_is_not_told_of_their_own_submission(
    commit, reviewer, second_reviewer
):
    assessment = AssessmentFactory(author=reviewer)
    commit(services.assessment_submit, assessment=assessment, by=reviewer)
    assert told(reviewer) == []
    assert len(told(second_reviewer)) == 1


def test_returning_and_approving_tell_the_author(commit, analyst, reviewer):
    returned = AssessmentFactory(author=analyst, submitted=True)
    commit(services.assessment_return, assessment=returned, by=reviewer, note="Cite the UN.")
    approved = AssessmentFactory(author=analyst, submitted=True)
    commit(services.assessment_approve, assessment=approved, by=reviewer)
    assert told(analyst, Kind.ASSESSMENT_RETURNED) == [
        f"reviewer returned your 2021 assessment of {returned.recommendation.reference}. "
        "Note: Cite the UN."
    ]
    assert told(analyst, Kind.ASSESSMENT_APPROVED) == [
        f"reviewer approved your 2021 assessment of {approved.recommendation.reference}."
    ]
    assert [message.subject for message in mail.outbox] == [
        "TIP Tracker: Assessment returned",
        "TIP Tracker: Assessment approved",
    ]


def unread(user, kind=None):
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("message", flat=True))


def test_a_finished_step_clears_the_notifications_about_it(
    commit, analyst, reviewer, second_reviewer
):
    assessment = AssessmentFactory(author=analyst, state="draft")
    ref = assessment.recommendation.reference
    commit(services.assessment_submit, assessment=assessment, by=analyst)
    assert len(unread(reviewer, Kind.ASSESSMENT_SUBMITTED)) == 1
    # Returning it ends the review: nobody is still asked to review it.
    commit(services.assessment_return, assessment=assessment, by=reviewer, note="Cite a source.")
    assert unread(reviewer) == [] and unread(second_reviewer) == []
    assert len(unread(analyst, Kind.ASSESSMENT_RETURNED)) == 1
    # Submitting it again ends the author's revision, and says it is a resubmission.
    commit(services.assessment_submit, assessment=assessment, by=analyst)
    assert unread(analyst) == []
    assert unread(second_reviewer) == [
        f"analyst resubmitted the 2021 assessment of {ref} for review, after reviewer returned it."
    ]
    assert len(set(told(second_reviewer, Kind.ASSESSMENT_SUBMITTED))) == 2
    commit(services.assessment_approve, assessment=assessment, by=second_reviewer)
    assert unread(reviewer) == [] and unread(second_reviewer) == []
    # What was cleared stays in the list, read.
    assert len(told(reviewer, Kind.ASSESSMENT_SUBMITTED)) == 2


def test_assigning_an_item_tells_the_new_owner_unless_they_took_it(commit, analyst, other_analyst):
    rec = RecommendationFactory()
    commit(services.recommendation_set_owner, recommendation=rec, owner=other_analyst, by=analyst)
    assert told(other_analyst, Kind.ASSIGNED) == [f"analyst made you the owner of {rec.reference}."]
    commit(services.recommendation_set_owner, recommendation=rec, owner=analyst, by=analyst)
    assert told(analyst) == []
    assert len(mail.outbox) == 1


def test_a_status_change_by_someone_else_tells_the_owner(commit, analyst, other_analyst):
    rec = RecommendationFactory(owner=analyst)
    commit(
        services.recommendation_set_status,
        recommendation=rec,
        status="in_progress",
        reason="A decree was issued.",
        by=other_analyst,
    )
    assert told(analyst, Kind.STATUS_CHANGED) == [
        f"analyst2 changed the status of {rec.reference} from “No action” to “In progress”: "
        "A decree was issued."
    ]
    commit(
        services.recommendation_set_status,
        recommendation=rec,
        status="implemented",
        reason="Done, by myself.",
        by=analyst,
    )
    assert len(told(analyst)) == 1


def test_a_refused_change_tells_nobody(commit, analyst, other_analyst):
    rec = RecommendationFactory(owner=analyst)
    with pytest.raises(ValidationError):
        commit(
            services.recommendation_set_status,
            recommendation=rec,
            status="in_progress",
            reason="",
            by=other_analyst,
        )
    assert told(analyst) == [] and mail.outbox == []


def test_nothing_is_emailed_before_the_change_is_committed(
    django_capture_on_commit_callbacks, analyst, other_analyst
):
    rec = RecommendationFactory()
    with django_capture_on_commit_callbacks(execute=False) as hooks:
        services.recommendation_set_owner(recommendation=rec, owner=other_analyst, by=analyst)
    assert mail.outbox == [] and len(hooks) == 1


# -- E-mail preferences ------------------------------------------------------------------


def test_daily_digest_users_get_one_email_a_day_and_none_users_none(
    commit, analyst, reviewer, second_reviewer
):
    services.notification_set_email(by=reviewer, email=NotificationPreference.Email.DAILY)
    services.notification_set_email(by=second_reviewer, email=NotificationPreference.Email.NONE)
    for _ in range(3):
        commit(services.assessment_submit, assessment=AssessmentFactory(author=analyst), by=analyst)
    assert mail.outbox == []
    assert len(told(reviewer)) == 3 and len(told(second_reviewer)) == 3  # still in the app

    notifications.daily_run(datetime.date(2026, 12, 1))
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["reviewer@example.org"]
    assert digest.subject == "TIP Tracker: 3 notifications"
    assert digest.body.count("analyst submitted the 2021 assessment") == 3

    notifications.daily_run(datetime.date(2026, 12, 1))
    notifications.daily_run(datetime.date(2026, 12, 2))
    assert len(mail.outbox) == 1


def test_a_failed_send_is_logged_and_retried_by_the_daily_run(
    commit, analyst, other_analyst, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.test_notifications.BrokenBackend"
    rec = RecommendationFactory()
    commit(services.recommendation_set_owner, recommendation=rec, owner=other_analyst, by=analyst)
    assert "will be tried again" in caplog.text
    assert Notification.objects.get().emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notifications.daily_run(datetime.date(2026, 12, 1))
    notifications.daily_run(datetime.date(2026, 12, 1))
    assert [message.to for message in mail.outbox] == [["analyst2@example.org"]]


class BrokenBackend:
    """An e-mail backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


# -- Reminders of the TIP cycle ------------------------------------------------------------


@pytest.fixture
def year_2025(commit, analyst, other_analyst, reviewer):
    """Report 2025: its follow-up period ends on 31 March 2026."""
    report = ReportFactory(year=2025)
    lacking = RecommendationFactory(report=report, owner=analyst)
    complete = RecommendationFactory(report=report, owner=other_analyst)
    EvidenceFactory(recommendations=[complete])
    # Submitted and approved long before the reminders: whoever was told by e-mail was told then.
    commit(AssessmentFactory, recommendation=complete, year=2025, approved=True)
    mail.outbox.clear()
    return lacking


def reminders(user):
    return told(user, Kind.REMINDER)


@pytest.mark.parametrize(
    ("today", "days"),
    [(datetime.date(2026, 3, 1), 30), (datetime.date(2026, 3, 24), 7)],
)
def test_a_reminder_goes_out_30_and_7_days_before_the_period_ends(
    year_2025, analyst, other_analyst, today, days
):
    call_command("send_reminders", "--today", f"{today:%Y-%m-%d}")
    assert reminders(analyst) == [
        f"The follow-up period of the 2025 recommendations ends on 31 March 2026, in {days} "
        "days. Of your items, 1 has no evidence and 1 has no approved assessment."
    ]
    assert reminders(other_analyst) == []  # nothing of theirs is missing
    assert [message.to for message in mail.outbox] == [["analyst@example.org"]]


def test_each_reminder_is_sent_once_however_often_the_command_runs(year_2025, analyst):
    days = [datetime.date(2026, 2, 27), datetime.date(2026, 2, 28)]
    days += [datetime.date(2026, 3, d) for d in range(1, 32)]
    days += [datetime.date(2026, 4, 1), datetime.date(2026, 4, 2)]
    for day in days:
        call_command("send_reminders", "--today", f"{day:%Y-%m-%d}")
        call_command("send_reminders", "--today", f"{day:%Y-%m-%d}")
    assert [row.split(", in ")[1][:7] for row in reminders(analyst)] == ["7 days.", "30 days"]
    assert len(mail.outbox) == 2


def test_a_missed_day_still_sends_the_reminder_once(year_2025, analyst):
    call_command("send_reminders", "--today", "2026-03-05")  # the 1st was missed
    assert len(reminders(analyst)) == 1 and "in 26 days" in reminders(analyst)[0]


def test_the_reminder_counts_only_evidence_the_owner_can_see(year_2025, analyst, reviewer):
    EvidenceFactory(recommendations=[year_2025], sensitivity="restricted", logged_by=reviewer)
    notifications.daily_run(datetime.date(2026, 3, 1))
    assert "1 has no evidence" in reminders(analyst)[0]


def test_send_reminders_refuses_a_malformed_day(db):
    with pytest.raises(Exception, match="--today must be a date as YYYY-MM-DD"):
        call_command("send_reminders", "--today", "tomorrow")


# -- The pages ------------------------------------------------------------------------------


def test_notification_pages_need_a_sign_in(client, db):
    for url in ["/notifications/"]:
        assert client.get(url).status_code == 302
    for url in ["/notifications/read/", "/notifications/1/read/", "/notifications/settings/"]:
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Notification.objects.count() == 0


def test_the_header_counts_unread_and_the_page_marks_them_read(
    commit, analyst_client, analyst, reviewer
):
    for _ in range(2):
        assessment = AssessmentFactory(author=analyst, submitted=True)
        commit(services.assessment_approve, assessment=assessment, by=reviewer)
    page = analyst_client.get("/").text
    assert '2<span class="visually-hidden"> unread</span>' in page
    listed = analyst_client.get("/notifications/")
    assert listed.text.count("reviewer approved your") == 2

    first = Notification.objects.filter(recipient=analyst).first()
    response = analyst_client.post(f"/notifications/{first.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == first.url
    assert Notification.objects.filter(recipient=analyst, read_at__isnull=True).count() == 1
    analyst_client.post("/notifications/read/")
    assert not Notification.objects.filter(recipient=analyst, read_at__isnull=True).exists()
    assert "unread</span>" not in analyst_client.get("/").text


def test_nobody_reads_or_marks_another_users_notifications(
    commit, analyst_client, other_analyst, reviewer
):
    assessment = AssessmentFactory(author=other_analyst, submitted=True)
    commit(services.assessment_approve, assessment=assessment, by=reviewer)
    theirs = Notification.objects.get(recipient=other_analyst)
    assert analyst_client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert "reviewer approved" not in analyst_client.get("/notifications/").text
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_email_choice_is_saved_and_a_bad_one_refused(viewer_client, viewer):
    assert viewer_client.post("/notifications/settings/", {"email": "daily"}).status_code == 302
    assert notifications.email_choice(viewer) == "daily"
    response = viewer_client.post("/notifications/settings/", {"email": "hourly"})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert notifications.email_choice(viewer) == "daily"


def test_the_notification_forms_need_the_csrf_token(viewer, db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    assert client.post("/notifications/settings/", {"email": "none"}).status_code == 403
    assert notifications.email_choice(viewer) == "immediate"


def test_opening_a_notification_only_redirects_inside_the_app(analyst_client, analyst):
    hostile = Notification.objects.create(
        recipient=analyst, kind=Kind.REMINDER, message="x", url="//evil.example/"
    )
    response = analyst_client.post(f"/notifications/{hostile.pk}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_the_reminder_counts_every_item_of_the_owner(year_2025, analyst):
    RecommendationFactory(report=year_2025.report, owner=analyst)
    EvidenceFactory(recommendations=[year_2025])
    notifications.daily_run(datetime.date(2026, 3, 1))
    assert reminders(analyst)[0].endswith(
        "Of your items, 1 has no evidence and 2 have no approved assessment."
    )
