"""Background tasks of the reports app: the files of a published summary, rendered once."""

from django_tasks import task

from reports import exportjobs


@task()
def render_published_summary(summary_id: int) -> None:
    """Render and store the PDF, XLSX and CSV of a newly published summary."""
    exportjobs.render_published(summary_id)
