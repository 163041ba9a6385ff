"""`manage.py db_worker`: django-tasks' database worker, which first queues the daily reminders.

Everything else (options, behaviour) is the worker of `django_tasks_db`; this command takes its
name because `tracker` comes before it in INSTALLED_APPS.
"""

from django_tasks_db.management.commands.db_worker import Command as WorkerCommand

from tracker import tasks


class Command(WorkerCommand):
    help = (
        "Run the background worker (imports of whole reports, the daily reminders). As it "
        "starts, it queues a run of the daily reminders unless one is already waiting; each "
        "run queues the next for the following day."
    )

    def handle(self, *args, **options):
        tasks.schedule_reminders()
        return super().handle(*args, **options)
