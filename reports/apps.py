from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Progress summaries"

    def ready(self):
        # Registers the summary's builder of background exports (tracker.exportjobs).
        from reports import exportjobs  # noqa: F401
