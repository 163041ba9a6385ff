"""The background worker runs the reminders once a day: a run sends, then queues the next.

The runs go through django-tasks' database backend and its worker (`db_worker --batch`), in the
test process, on committed data; the day acted on is fixed with the task's `today`.
"""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import RecommendationFactory, ReportFactory
from tracker import tasks
from tracker.models import Notification

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.fixture
def lacking_item(analyst):
    """An item of report 2025 (follow-up period ends 31 March 2026) with nothing logged."""
    return RecommendationFactory(report=ReportFactory(year=2025), owner=analyst)


def tomorrow_morning() -> datetime.datetime:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, tasks.REMINDERS_AT))


def test_a_run_sends_each_reminder_once_and_leaves_one_next_run_queued(lacking_item, analyst):
    tasks.daily_reminders.enqueue(today="2026-03-01")
    run_worker()

    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (analyst.pk, Notification.Kind.REMINDER)
    ]
    assert [message.to for message in mail.outbox] == [["analyst@example.org"]]
    done = DBTaskResult.objects.get(args_kwargs__kwargs__today="2026-03-01")
    assert done.status == "SUCCESSFUL"
    assert done.return_value == {
        "reminders": 1,
        "emails": 1,
        "digests": 0,
        "token_uses_pruned": 0,
    }
    (queued,) = tasks.pending_reminder_runs()
    assert queued.run_after == tomorrow_morning()
    assert queued.args_kwargs == {"args": [], "kwargs": {}}

    # A second run on the same day (a restart, a run queued by hand) sends nothing again and
    # still leaves one next run, not two.
    tasks.daily_reminders.enqueue(today="2026-03-01")
    run_worker()
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1
    assert list(tasks.pending_reminder_runs()) == [queued]


def test_the_worker_queues_a_first_run_as_it_starts_and_only_one(db):
    assert tasks.schedule_reminders() is True
    assert tasks.schedule_reminders() is False
    (first,) = tasks.pending_reminder_runs()
    assert first.task.run_after is None  # due at once

    # Starting the worker runs it (nothing is due on a real day here) and queues tomorrow's.
    run_worker()
    first.refresh_from_db()
    assert first.status == "SUCCESSFUL"
    (queued,) = tasks.pending_reminder_runs()
    assert queued.run_after == tomorrow_morning()

    # Starting it again while tomorrow's run waits queues nothing more.
    run_worker()
    assert list(tasks.pending_reminder_runs()) == [queued]
    assert DBTaskResult.objects.count() == 2


def test_the_next_run_is_due_the_following_morning():
    now = timezone.make_aware(datetime.datetime(2026, 3, 31, 23, 59))
    assert tasks.next_reminders_at(now) == timezone.make_aware(datetime.datetime(2026, 4, 1, 6))
