from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Progress summaries"
    # A published summary's PDF, XLSX and CSV are built files, not the record: after a restore
    # they are rendered again from its frozen content (`tracker.backup`).
    backup_excludes = frozenset({"publishedrendering"})
    # The published summaries lived in the tracker app when backups were first made.
    backup_renamed = {"tracker.summary": "publishedsummary"}

    def ready(self):
        # Registers the summary's builder of background exports (tracker.exportjobs).
        from reports import exportjobs  # noqa: F401
