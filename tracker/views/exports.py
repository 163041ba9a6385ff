"""The page of a background export and its file, for the user who asked for it only."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tracker import exportjobs
from tracker.models import ExportJob


def _export_job_for(request, pk: int) -> ExportJob:
    """Return the export job `pk` if it is the user's own (anyone else's is a 404)."""
    job = get_object_or_404(ExportJob, pk=pk, user=request.user)
    if not request.user.has_perm(exportjobs.BUILDERS[job.kind].permission):
        raise PermissionDenied
    return job


@require_GET
@login_required
def export_job(request, pk: int):
    """Show a background export's progress (the page refreshes itself), then its file."""
    job = _export_job_for(request, pk)
    return render(
        request,
        "tracker/export_job.html",
        {
            "job": job,
            "ready": job.is_ready(),
            "running": job.running,
            "ready_note": exportjobs.BUILDERS[job.kind].ready_note,
        },
    )


@require_GET
@login_required
def export_job_file(request, pk: int):
    """Download the file of a finished export job, to its owner only, until it expires."""
    job = _export_job_for(request, pk)
    if not job.is_ready():
        raise Http404("This export is not ready, or has expired.")
    response = FileResponse(
        job.file.open("rb"), content_type=exportjobs.BUILDERS[job.kind].content_types[job.format]
    )
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response
