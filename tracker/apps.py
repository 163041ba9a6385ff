from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "TIP Tracker"

    def ready(self):
        # Imported here because receivers need the app registry to be ready.
        from tracker import audit, search

        audit.connect()
        post_migrate.connect(
            search.repair_after_migrate, sender=self, dispatch_uid="tracker.search.repair"
        )
