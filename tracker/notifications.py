"""Telling people what concerns them: in the app, and by e-mail as each of them chose.

The services call one function here per event, inside their transaction; the rows are written
with the change and the e-mails go once it is committed. Reminders tied to the TIP cycle and
the daily digests come from `manage.py send_reminders`, run once a day; each reminder is
recorded under a key, so it reaches each person once however often the command runs.

An e-mail is claimed before it is sent (its `emailed_at` set where it was empty), so the
commit hook and a concurrent daily run never send the same one twice; a failed send releases
the claim, is logged, and the next daily run tries again.

Each text is written in its recipient's language (the one kept with their account, English
otherwise), whoever's request caused it: a notification is worded when it is recorded, an
e-mail's subject and framing when it is sent.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext, pgettext_lazy

from tiptracker.lib.dates import long_date
from tracker import languages
from tracker.models import (
    AssessmentEvent,
    LanguagePreference,
    Notification,
    NotificationPreference,
    Recommendation,
    Report,
    follow_up_period,
    visibility,
)

logger = logging.getLogger(__name__)

Email = NotificationPreference.Email
Kind = Notification.Kind

# Days before the end of a follow-up period on which its reminder goes out.
REMINDER_DAYS = (30, 7)


def email_choice(user) -> str:
    """Return how `user` wants notifications e-mailed (at once unless they chose otherwise)."""
    preference = NotificationPreference.objects.filter(user=user).values_list("email", flat=True)
    return preference.first() or Email.IMMEDIATE


def recipient_languages(users) -> dict[int, str]:
    """Return the language each of `users` reads the tracker in, by user id (English unless
    they chose another), in one query."""
    ids = [user.pk for user in users]
    chosen = dict(
        LanguagePreference.objects.filter(user_id__in=ids).values_list("user_id", "language")
    )
    known = languages.codes()
    return {pk: chosen[pk] if chosen.get(pk) in known else settings.LANGUAGE_CODE for pk in ids}


# The words for a sensitivity code inside a sentence ("the reason is internal").
_SENSITIVITY_WORDS = {
    "public": pgettext_lazy("sensitivity, in running text", "public"),
    "internal": pgettext_lazy("sensitivity, in running text", "internal"),
    "restricted": pgettext_lazy("sensitivity, in running text", "restricted"),
}


# -- Events ---------------------------------------------------------------------------------


def _notify(recipients, *, kind: str, message, url: str) -> list[Notification]:
    """Record one notification per recipient and e-mail those who want it at once, on commit.

    `message` is called once per recipient, in that recipient's language, and returns the text.
    """
    people = list({user.pk: user for user in recipients}.values())
    spoken = recipient_languages(people)
    texts = []
    for user in people:
        with translation.override(spoken[user.pk]):
            texts.append(str(message()))
    rows = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, message=text, url=url)
        for user, text in zip(people, texts, strict=True)
    )
    if rows:
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: send_immediate(ids))
    return rows


def _reviewers():
    """Return the active users who may review assessments, through their groups or their own."""
    perm = Q(groups__permissions__codename="review_assessment") | Q(
        user_permissions__codename="review_assessment"
    )
    return get_user_model().objects.filter(perm, is_active=True).distinct()


def _assessment_url(assessment) -> str:
    return reverse("assessment_detail", args=[assessment.recommendation_id, assessment.year])


def _reference(assessment) -> str:
    return Recommendation.objects.values_list("reference", flat=True).get(
        pk=assessment.recommendation_id
    )


def _clear(assessment, *kinds) -> int:
    """Mark read the unread notifications of `kinds` about `assessment`: its step is done.

    A notification asks someone to act; once the step it announced is finished (the review, or
    the revision a return asked for) it asks nothing more, whoever finished it. The rows stay,
    read, in everyone's list. Revisions of one year share the assessment's page, and so these.
    """
    return Notification.objects.filter(
        kind__in=kinds, url=_assessment_url(assessment), read_at__isnull=True
    ).update(read_at=timezone.now())


def assessment_submitted(assessment, *, by) -> None:
    """Tell the reviewers (other than its author and whoever submitted it) it awaits them.

    A resubmission ends the revision the return asked for, and says that it is one.
    """
    _clear(assessment, Kind.ASSESSMENT_SUBMITTED, Kind.ASSESSMENT_RETURNED)
    recipients = _reviewers().exclude(pk__in=[assessment.author_id, by.pk])
    returned = (
        AssessmentEvent.objects.filter(assessment=assessment, action="returned")
        .select_related("by")
        .order_by("-at", "-pk")
        .first()
    )
    values = {"name": by.get_username(), "year": assessment.year}
    values["reference"] = _reference(assessment)

    def message():
        if returned is None:
            return (
                gettext("%(name)s submitted the %(year)s assessment of %(reference)s for review.")
                % values
            )
        return gettext(
            "%(name)s resubmitted the %(year)s assessment of %(reference)s for review, after "
            "%(reviewer)s returned it."
        ) % {**values, "reviewer": returned.by.get_username()}

    _notify(
        recipients,
        kind=Kind.ASSESSMENT_SUBMITTED,
        message=message,
        url=_assessment_url(assessment),
    )


def assessment_reviewed(assessment, *, by) -> None:
    """Tell the author their assessment was approved or returned, and by whom.

    The review is done: every reviewer's notice that it was submitted is cleared.
    """
    _clear(assessment, Kind.ASSESSMENT_SUBMITTED)
    if assessment.author_id == by.pk:
        return
    returned = assessment.state == assessment.State.RETURNED
    values = {
        "name": by.get_username(),
        "year": assessment.year,
        "reference": _reference(assessment),
        "note": assessment.review_note,
    }

    def message():
        if not returned:
            return gettext("%(name)s approved your %(year)s assessment of %(reference)s.") % values
        if assessment.review_note:
            return (
                gettext(
                    "%(name)s returned your %(year)s assessment of %(reference)s. Note: %(note)s"
                )
                % values
            )
        return gettext("%(name)s returned your %(year)s assessment of %(reference)s.") % values

    _notify(
        [assessment.author],
        kind=Kind.ASSESSMENT_RETURNED if returned else Kind.ASSESSMENT_APPROVED,
        message=message,
        url=_assessment_url(assessment),
    )


def item_assigned(recommendation, *, owner, by) -> None:
    """Tell the new owner of a recommendation it is theirs, unless they took it themselves."""
    if owner is None or owner.pk == by.pk:
        return
    _notify(
        [owner],
        kind=Kind.ASSIGNED,
        message=lambda: (
            gettext("%(name)s made you the owner of %(reference)s.")
            % {"name": by.get_username(), "reference": recommendation.reference}
        ),
        url=recommendation.get_absolute_url(),
    )


def status_changed(change, *, by) -> None:
    """Tell the owner of a recommendation that someone else changed its status."""
    recommendation = Recommendation.objects.select_related("owner").get(pk=change.recommendation_id)
    owner = recommendation.owner
    if owner is None or owner.pk == by.pk or not owner.is_active:
        return
    # The reason is the owner's to read only as the one visibility rule allows.
    shown = visibility(owner).allows(change.reason_sensitivity, change.changed_by_id)

    def message():
        values = {
            "name": by.get_username(),
            "reference": recommendation.reference,
            "old": change.get_old_status_display(),
            "new": change.get_new_status_display(),
            "reason": change.reason,
        }
        if shown:
            return (
                gettext(
                    "%(name)s changed the status of %(reference)s from “%(old)s” to “%(new)s”: "
                    "%(reason)s"
                )
                % values
            )
        sensitivity = _SENSITIVITY_WORDS.get(change.reason_sensitivity, change.reason_sensitivity)
        return gettext(
            "%(name)s changed the status of %(reference)s from “%(old)s” to “%(new)s”: "
            "the reason is %(sensitivity)s, not shown to you."
        ) % {**values, "sensitivity": sensitivity}

    _notify(
        [owner],
        kind=Kind.STATUS_CHANGED,
        message=message,
        url=recommendation.get_absolute_url(),
    )


# -- Reminders tied to the TIP cycle ---------------------------------------------------------


@dataclass
class Reminder:
    year: int
    days: int
    end: datetime.date


def due_reminders(today: datetime.date) -> list[Reminder]:
    """Return the reminders due on `today`: 30 days before a follow-up period ends, then 7.

    A reminder stays due until the next one (or the end of the period), so a day the command
    did not run loses nothing; the key of each makes sure it is sent once.
    """
    due = []
    for year in Report.objects.order_by("year").values_list("year", flat=True).distinct():
        end = follow_up_period(year)[1]
        for days, until in zip(REMINDER_DAYS, [*REMINDER_DAYS[1:], 0], strict=True):
            if end - datetime.timedelta(days=days) <= today < end - datetime.timedelta(days=until):
                due.append(Reminder(year=year, days=days, end=end))
    return due


def _reminder_text(reminder: Reminder, today: datetime.date, gaps: dict) -> str:
    """Word a reminder in the active language: when the period ends, and what is missing."""
    days = (reminder.end - today).days
    ends = ngettext(
        "The follow-up period of the %(year)s recommendations ends on %(day)s, in %(days)s day.",
        "The follow-up period of the %(year)s recommendations ends on %(day)s, in %(days)s days.",
        days,
    ) % {"year": reminder.year, "day": long_date(reminder.end), "days": days}
    # Two counts, each with its own plural: each clause is chosen by its own number.
    no_evidence = ngettext(
        "%(count)s has no evidence", "%(count)s have no evidence", gaps["no_evidence"]
    ) % {"count": gaps["no_evidence"]}
    unapproved = ngettext(
        "%(count)s has no approved assessment",
        "%(count)s have no approved assessment",
        gaps["unapproved"],
    ) % {"count": gaps["unapproved"]}
    missing = gettext("Of your items, %(no_evidence)s and %(unapproved)s.") % {
        "no_evidence": no_evidence,
        "unapproved": unapproved,
    }
    return f"{ends} {missing}"


def create_reminders(today: datetime.date) -> list[Notification]:
    """Record the reminders due today for every owner whose items still lack something.

    Each owner hears about their own items of that year: those without evidence they can
    see, and those without an approved assessment. Returns the reminders new today.
    """
    created = []
    for reminder in due_reminders(today):
        key = f"follow-up-{reminder.year}-{reminder.days}d"
        owners = get_user_model().objects.filter(
            is_active=True, owned_recommendations__report__year=reminder.year
        )
        already = set(Notification.objects.filter(key=key).values_list("recipient_id", flat=True))
        pending = list(owners.exclude(pk__in=already).distinct())
        spoken = recipient_languages(pending)
        for owner in pending:
            gaps = (
                Recommendation.objects.for_year(reminder.year)
                .filter(owner=owner)
                .with_evidence_flag(owner)
                .with_approved_flag()
                .aggregate(
                    no_evidence=Count("pk", filter=Q(has_evidence=False)),
                    unapproved=Count("pk", filter=Q(has_approved_assessment=False)),
                )
            )
            if not gaps["no_evidence"] and not gaps["unapproved"]:
                continue
            with translation.override(spoken[owner.pk]):
                message = _reminder_text(reminder, today, gaps)
            try:
                with transaction.atomic():
                    created.append(
                        Notification.objects.create(
                            recipient=owner,
                            kind=Kind.REMINDER,
                            message=message,
                            url=f"{reverse('home')}?year={reminder.year}",
                            key=key,
                        )
                    )
            except IntegrityError:
                continue  # a run at the same moment recorded it first
    return created


# -- E-mail ----------------------------------------------------------------------------------


def _claim(ids) -> list[Notification]:
    """Take the notifications among `ids` that no one has e-mailed yet, marking them sent."""
    claimed = []
    now = timezone.now()
    for row in Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related(
        "recipient"
    ):
        if Notification.objects.filter(pk=row.pk, emailed_at__isnull=True).update(emailed_at=now):
            claimed.append(row)
    return claimed


def _release(rows) -> None:
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=None)


def _link(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url else settings.SITE_URL


def _send(recipient, subject: str, body: str, rows) -> bool:
    """Send one e-mail; on failure release `rows` for the next run and log why."""
    try:
        send_mail(subject, body, None, [recipient.email])
    except Exception:
        _release(rows)
        logger.exception("E-mail to %s not sent; it will be tried again.", recipient.username)
        return False
    return True


def _unsent(choice: str, ids=None):
    """Return the notifications not yet e-mailed to recipients who chose `choice` and can get
    e-mail; at once is the choice of whoever never made one."""
    chose = Q(recipient__notification_preference__email=choice)
    if choice == Email.IMMEDIATE:
        chose |= Q(recipient__notification_preference__isnull=True)
    rows = Notification.objects.filter(chose, emailed_at__isnull=True).exclude(recipient__email="")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.values_list("pk", flat=True)


def send_immediate(ids=None) -> int:
    """E-mail, one by one, the notifications (among `ids`) whose recipients want them at once."""
    sent = 0
    rows = _claim(list(_unsent(Email.IMMEDIATE, ids)))
    spoken = recipient_languages([row.recipient for row in rows])
    for row in rows:
        with translation.override(spoken[row.recipient_id]):
            subject = gettext("TIP Tracker: %(kind)s") % {"kind": row.get_kind_display()}
        sent += _send(row.recipient, subject, f"{row.message}\n\n{_link(row.url)}\n", [row])
    return sent


def send_digests() -> int:
    """E-mail each daily-digest user everything not yet e-mailed to them, in one message."""
    by_user: dict[int, list[Notification]] = {}
    for row in _claim(list(_unsent(Email.DAILY))):
        by_user.setdefault(row.recipient_id, []).append(row)
    sent = 0
    spoken = recipient_languages([rows[0].recipient for rows in by_user.values()])
    for user_id, rows in by_user.items():
        rows.sort(key=lambda row: (row.created_at, row.pk))
        lines = [f"- {row.message}\n  {_link(row.url)}" for row in rows]
        with translation.override(spoken[user_id]):
            heading = gettext("What happened in TIP Tracker that concerns you:")
            subject = ngettext(
                "TIP Tracker: %(count)s notification",
                "TIP Tracker: %(count)s notifications",
                len(rows),
            ) % {"count": len(rows)}
        body = heading + "\n\n" + "\n".join(lines) + "\n"
        sent += _send(rows[0].recipient, subject, body, rows)
    return sent


def daily_run(today: datetime.date) -> dict[str, int]:
    """Record today's reminders, e-mail them and anything a failed send left, send digests."""
    with transaction.atomic():
        reminders = create_reminders(today)
    immediate = send_immediate()
    digests = send_digests()
    return {"reminders": len(reminders), "emails": immediate, "digests": digests}
