from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "TIP Tracker"
    # What a backup (`tracker.backup`) keeps out of this app. Two-factor recovery and enrolment
    # codes: an archive that leaked would otherwise hand over the second factor with the
    # password hashes (the authenticator devices, in django-otp's tables, are not backed up
    # either). Export jobs: built files that last a day, not the record.
    backup_excludes = frozenset({"recoverycode", "enrolmentcode", "exportjob"})

    def ready(self):
        # Imported here because receivers need the app registry to be ready.
        from tracker import audit, languages, search

        audit.connect()
        languages.connect()
        post_migrate.connect(
            search.repair_after_migrate, sender=self, dispatch_uid="tracker.search.repair"
        )
