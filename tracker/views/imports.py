"""Import narratives from the browser: upload, check the parsed preview, correct, confirm.

Nothing is read during a request. The upload is kept as an `ImportJob` (its bytes, and the
country and year the reviewer gave) and the background worker (`tracker.tasks`) reads it: it
extracts the text, finds whether it holds one narrative or a whole report, parses it under a
time limit and stores what the preview shows on the job. The job's page refreshes itself
while it waits, then shows the stored preview, so reloading it costs a query, never a parse.

One narrative: the preview shows what was read; a correction of the country or the year sends
the file back to the worker, and the confirmation queues the write (`tasks.write_import_job`),
which parses the stored text again and imports it only if it reads as previewed. A whole
report: the page shows one row per narrative, each of which can be left out before confirming.
Only the reviewer who uploaded a file sees its job.
"""

import hmac
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from tiptracker.lib import pdftext
from tracker import importer, services
from tracker.models import FIRST_REPORT_YEAR, LAST_REPORT_YEAR, Finding, ImportJob, Tier

# A whole annual report as PDF is a few megabytes; a single narrative far less.
MAX_UPLOAD_BYTES = 40 * 1024 * 1024
# What a request carries besides the file: the form's other fields and the multipart framing.
FORM_ROOM_BYTES = 64 * 1024
NOT_WAITING = gettext_lazy("This import is not waiting for a confirmation.")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Narrative file"),
        help_text=gettext_lazy(
            "A country narrative, or a whole report of many, as text (.txt) or PDF."
        ),
    )
    country = forms.CharField(
        label=gettext_lazy("Country"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Only if the text does not name it (or names it wrongly)."),
    )
    year = forms.IntegerField(
        label=gettext_lazy("Report year"),
        required=False,
        min_value=FIRST_REPORT_YEAR,
        max_value=LAST_REPORT_YEAR,
        help_text=gettext_lazy("Only if the text does not state it (or states it wrongly)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is %(size)s; at most %(limit)s can be uploaded here.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload


def max_upload_bytes() -> int:
    """Return the largest file the upload form takes: what a signed-in user's request may
    carry (`REQUEST_MAX_BODY_BYTES`, refused before it is read) less the form around it, and
    never more than `MAX_UPLOAD_BYTES`."""
    return max(min(MAX_UPLOAD_BYTES, settings.REQUEST_MAX_BODY_BYTES - FORM_ROOM_BYTES), 0)


class ConfirmForm(forms.Form):
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
    country = forms.CharField(label=gettext_lazy("Country"), required=False, max_length=100)
    year = forms.IntegerField(
        label=gettext_lazy("Report year"),
        required=False,
        min_value=FIRST_REPORT_YEAR,
        max_value=LAST_REPORT_YEAR,
    )


@login_required
@permission_required("tracker.import_report", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Take a narrative file (or a whole report), keep it and queue its reading.

    The form starts with the country and year of `?country=` and `?year=`, as a failed
    job's page links back here with what the reviewer gave.
    """
    form = UploadForm(initial=_given(request.GET))
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            name = (upload.name or "upload")[-200:]
            data = upload.read()
            if not pdftext.is_pdf(data):
                # Decoding is quick and refuses an empty or binary file here, on the form; the
                # worker decodes it again and does the rest.
                try:
                    importer.narrative_text(data, name=name)
                except importer.ImportRefused as exc:
                    form.add_error("file", str(exc))
            if not form.errors:
                job = services.import_job_start(
                    by=request.user,
                    name=name,
                    data=data,
                    country=form.cleaned_data["country"].strip(),
                    year=form.cleaned_data["year"],
                )
                return redirect(job)
    return _render_upload(request, form)


def _given(query) -> dict:
    """Return the country and year in `query` that the upload form can show again."""
    given = {"country": query.get("country", "")[:100]}
    year = query.get("year", "")
    if year.isdigit() and FIRST_REPORT_YEAR <= int(year) <= LAST_REPORT_YEAR:
        given["year"] = int(year)
    return given


def _upload_again(job: ImportJob) -> dict:
    """Return the upload form's address holding the country and year given with `job`, and
    the country it holds.

    A whole report is refused when a country comes with it, so its country is left out.
    """
    country = job.country if job.kind != ImportJob.Kind.REPORT else ""
    given = {key: value for key, value in (("country", country), ("year", job.year)) if value}
    url = reverse("import_upload") + (f"?{urlencode(given)}" if given else "")
    return {"url": url, "country": country}


class SelectionForm(forms.Form):
    narrative = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Narratives to import"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["narrative"].choices = [
            (entry["index"], entry["name"]) for entry in job.preview
        ]
        self.job = job

    def clean_narrative(self):
        chosen = self.cleaned_data["narrative"]
        refused = [
            entry["name"]
            for entry in self.job.preview
            if entry["index"] in chosen and entry["action"] == "refused"
        ]
        if refused:
            raise forms.ValidationError(
                gettext("Leave out the narratives that cannot be imported: %(names)s.")
                % {"names": ", ".join(refused)}
            )
        return sorted(chosen)


@login_required
@permission_required("tracker.import_report", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_job(request, pk: int):
    """Show an uploaded file's import: its reading, then its preview; correct and confirm it."""
    # The file and its text (megabytes) stay in the database: the pages show only the preview.
    job = get_object_or_404(ImportJob.objects.defer("data", "text"), pk=pk, created_by=request.user)
    if job.kind == ImportJob.Kind.REPORT:
        return _report_page(request, job)
    return _narrative_page(request, job)


def _report_page(request, job: ImportJob):
    """The page of a whole report: progress, then one row per narrative; confirm a selection."""
    form = None
    if job.state == ImportJob.State.READY:
        form = SelectionForm(
            request.POST or None,
            job=job,
            initial={"narrative": [e["index"] for e in job.preview if e["action"] != "refused"]},
        )
        if request.method == "POST" and form.is_valid():
            if not services.import_job_confirm(
                job=job, by=request.user, selected=form.cleaned_data["narrative"]
            ):
                messages.error(request, NOT_WAITING)
            return redirect(job)
    elif request.method == "POST":
        messages.error(request, NOT_WAITING)
        return redirect(job)
    # The tier in the reader's language, from its code when the worker recorded one.
    rows = [
        {**row, "tier": Tier(row["tier_code"]).label} if row.get("tier_code") else row
        for row in job.preview
    ]
    counts = {
        action: sum(1 for e in rows if e["action"] == action)
        for action in ("new", "unchanged", "refused", "imported")
    }
    return render(
        request,
        "tracker/import_job.html",
        {
            "job": job,
            "form": form,
            "rows": rows,
            "counts": counts,
            "selected": set(job.selected),
            "running": job.running,
            "upload_again": _upload_again(job),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _narrative_page(request, job: ImportJob):
    """The page of one narrative (or of a file not yet split): the stored preview; on "Check
    again" or a corrected country or year, read again by the worker; on "Import", queue the
    write of exactly the text previewed."""
    if request.method == "GET":
        return _render_narrative(request, job)
    if job.state != ImportJob.State.READY:
        messages.error(request, NOT_WAITING)
        return redirect(job)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _render_narrative(request, job, form=form, status=400)
    if not hmac.compare_digest(form.cleaned_data["sha256"], job.sha256):
        messages.error(
            request,
            gettext(
                "The confirmation does not match the uploaded narrative; nothing was imported. "
                "Upload the file again."
            ),
        )
        form = UploadForm(initial={"country": job.country, "year": job.year})
        return _render_upload(request, form, status=400)
    entry = job.preview[0]
    given = (form.cleaned_data["country"].strip(), form.cleaned_data["year"])
    shown = (job.country or entry["country"], job.year or entry["year"])
    if request.POST.get("action") != "import" or given != shown:
        if request.POST.get("action") == "import":
            messages.info(
                request,
                gettext(
                    "The country or the year was changed, so the file is read again with them: "
                    "check what is read before importing."
                ),
            )
        if not services.import_job_recheck(
            job=job, by=request.user, country=given[0], year=given[1]
        ):
            messages.error(request, NOT_WAITING)
        return redirect(job)
    if entry["action"] == "refused":
        return _render_narrative(request, job, form=form, status=400)
    if not services.import_job_confirm(job=job, by=request.user, selected=[0]):
        messages.error(request, NOT_WAITING)
    return redirect(job)


def _render_upload(request, form, status=200):
    return render(
        request,
        "tracker/import_upload.html",
        {"form": form, "max_size": filesizeformat(max_upload_bytes())},
        status=status,
    )


def _render_narrative(request, job: ImportJob, form=None, status=200):
    """Render the stored preview of one narrative: no parse, only what the worker recorded."""
    entry = job.preview[0] if job.preview and job.state != ImportJob.State.FAILED else None
    if form is None and entry is not None and job.state == ImportJob.State.READY:
        form = ConfirmForm(
            initial={
                "sha256": job.sha256,
                "country": job.country or entry["country"],
                "year": job.year or entry["year"],
            }
        )
    read = entry is not None and entry.get("read")
    return render(
        request,
        "tracker/import_preview.html",
        {
            "job": job,
            "entry": entry,
            "read": read,
            "form": form if job.state == ImportJob.State.READY else None,
            "tier_label": Tier(entry["tier_code"]).label if read else "",
            "sections": [
                (
                    Finding.Section(s["key"]).label
                    if s["key"] in Finding.Section.values
                    else s["key"],
                    s["words"],
                    s["start"],
                )
                for s in (entry["sections"] if read else ())
            ],
            "running": job.running,
            "upload_again": _upload_again(job),
        },
        status=status,
    )
