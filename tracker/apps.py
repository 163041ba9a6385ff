from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "TIP Tracker"

    def ready(self):
        # Imported here because receivers need the app registry to be ready.
        from tracker import audit

        audit.connect()
