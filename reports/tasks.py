"""Background tasks of the reports app: exports built off the request, published renderings."""

from django_tasks import task

from reports import exportjobs


@task()
def build_export_job(job_id: int) -> None:
    """Build the file of an export job (see `reports.exportjobs.build`)."""
    exportjobs.build(job_id)


@task()
def render_published_summary(summary_id: int) -> None:
    """Render and store the PDF, XLSX and CSV of a newly published summary."""
    exportjobs.render_published(summary_id)
