"""Import a narrative from the browser: upload, check the parsed preview, correct, confirm.

One narrative: the uploaded file is never stored as a file: its text (extracted first, for a
PDF) is kept in the user's server-side session under a random token, with its SHA-256. The
confirmation form carries the token and the SHA-256; both must match the session before anything
is written, so a confirmation cannot import a text other than the one previewed.

A whole report (a document of several narratives, or a PDF too large to read during the
request) becomes an `ImportJob` that background tasks (`tracker.tasks`) read and then import:
its page shows the progress, then one row per narrative, each of which can be left out before
confirming. Only the reviewer who uploaded it sees the job.
"""

import hashlib
import hmac
import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from tiptracker.lib import pdftext
from tracker import importer, services, tasks, tipdocument
from tracker.models import FIRST_REPORT_YEAR, LAST_REPORT_YEAR, Finding, ImportJob, Report, Tier

SESSION_KEY = "narrative_uploads"
# Uploads waiting for confirmation per session; the oldest is forgotten beyond this.
MAX_PENDING = 3
# A whole annual report as PDF is a few megabytes; a single narrative far less.
MAX_UPLOAD_BYTES = 40 * 1024 * 1024
# What a request carries besides the file: the form's other fields and the multipart framing.
FORM_ROOM_BYTES = 64 * 1024
# A PDF larger than this is read by the background task, not during the request.
MAX_SYNC_PDF_BYTES = 512 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Narrative file",
        help_text="A country narrative, or a whole report of many, as text (.txt) or PDF.",
    )
    country = forms.CharField(
        label="Country",
        required=False,
        max_length=100,
        help_text="Only if the text does not name it (or names it wrongly).",
    )
    year = forms.IntegerField(
        label="Report year",
        required=False,
        min_value=FIRST_REPORT_YEAR,
        max_value=LAST_REPORT_YEAR,
        help_text="Only if the text does not state it (or states it wrongly).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; at most {filesizeformat(limit)} "
                "can be uploaded here."
            )
        return upload


def max_upload_bytes() -> int:
    """Return the largest file the upload form takes: what a signed-in user's request may
    carry (`REQUEST_MAX_BODY_BYTES`, refused before it is read) less the form around it, and
    never more than `MAX_UPLOAD_BYTES`."""
    return max(min(MAX_UPLOAD_BYTES, settings.REQUEST_MAX_BODY_BYTES - FORM_ROOM_BYTES), 0)


class ConfirmForm(forms.Form):
    upload = forms.CharField(widget=forms.HiddenInput, max_length=64)
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
    country = forms.CharField(label="Country", required=False, max_length=100)
    year = forms.IntegerField(
        label="Report year",
        required=False,
        min_value=FIRST_REPORT_YEAR,
        max_value=LAST_REPORT_YEAR,
    )


def _pending(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _remember(request, *, name: str, text: str, country: str, year: int | None) -> str:
    token = secrets.token_urlsafe(16)
    pending = dict(_pending(request))
    while len(pending) >= MAX_PENDING:
        pending.pop(next(iter(pending)))
    pending[token] = {
        "name": name,
        "text": text,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "country": country,
        "year": year,
    }
    request.session[SESSION_KEY] = pending
    return token


def _parse(entry: dict) -> tuple[importer.Parsed | None, str]:
    try:
        parsed = importer.parse_text(
            entry["text"],
            name=entry["name"],
            country=entry["country"] or None,
            year=entry["year"],
        )
    except importer.ImportRefused as exc:
        return None, str(exc)
    return parsed, ""


@login_required
@permission_required("tracker.import_report", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Take a narrative file and show what would be imported from it."""
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            name = (upload.name or "upload")[-200:]
            data = upload.read()
            if pdftext.is_pdf(data) and len(data) > MAX_SYNC_PDF_BYTES:
                return _start_job(request, form, name=name, data=data)
            try:
                text = importer.narrative_text(data, name=name)
            except importer.ImportRefused as exc:
                form.add_error("file", str(exc))
            else:
                if len(tipdocument.split_document(text).parts) > 1:
                    return _start_job(request, form, name=name, data=data)
                token = _remember(
                    request,
                    name=name,
                    text=text,
                    country=form.cleaned_data["country"].strip(),
                    year=form.cleaned_data["year"],
                )
                return redirect(f"{reverse('import_preview')}?upload={token}")
    return _render_upload(request, form)


def _start_job(request, form, *, name: str, data: bytes):
    """Keep a whole report as an import job, queue its reading and show its page."""
    if form.cleaned_data["country"].strip():
        form.add_error(
            "country",
            "A whole report holds many countries; leave the country empty, each narrative "
            "names its own.",
        )
        return _render_upload(request, form)
    job = ImportJob.objects.create(
        name=name,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        year=form.cleaned_data["year"],
        created_by=request.user,
    )
    tasks.read_import_job.enqueue(job.pk)
    return redirect(job)


class SelectionForm(forms.Form):
    narrative = forms.TypedMultipleChoiceField(
        label="Narratives to import", coerce=int, widget=forms.CheckboxSelectMultiple
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
                f"Leave out the narratives that cannot be imported: {', '.join(refused)}."
            )
        return sorted(chosen)


@login_required
@permission_required("tracker.import_report", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_job(request, pk: int):
    """Show a whole report's import: progress, then the per-country preview; confirm it."""
    job = get_object_or_404(ImportJob, pk=pk, created_by=request.user)
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
                messages.error(request, "This import is not waiting for a confirmation.")
            return redirect(job)
    elif request.method == "POST":
        messages.error(request, "This import is not waiting for a confirmation.")
        return redirect(job)
    rows = job.preview
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
            "running": job.state
            in (ImportJob.State.QUEUED, ImportJob.State.READING, ImportJob.State.IMPORTING),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _render_upload(request, form, status=200):
    return render(
        request,
        "tracker/import_upload.html",
        {"form": form, "max_size": filesizeformat(max_upload_bytes())},
        status=status,
    )


def _render_preview(request, token: str, entry: dict, form=None, error: str = ""):
    parsed, refusal = _parse(entry)
    outcome = None
    imported = None
    if parsed is not None:
        try:
            outcome = importer.classify(parsed)
        except importer.ImportRefused as exc:
            refusal = str(exc)
            # Read well, but its country and year hold another text: the one kept.
            imported = (
                Report.objects.filter(country__code=parsed.info.code, year=parsed.narrative.year)
                .select_related("country")
                .first()
            )
    if form is None:
        form = ConfirmForm(
            initial={
                "upload": token,
                "sha256": entry["sha256"],
                "country": entry["country"] or (parsed.info.name if parsed else ""),
                "year": entry["year"] or (parsed.narrative.year if parsed else None),
            }
        )
    return render(
        request,
        "tracker/import_preview.html",
        {
            "form": form,
            "entry": entry,
            "parsed": parsed,
            "outcome": outcome,
            "refusal": error or refusal,
            "imported": imported,
            "tier_label": Tier(parsed.narrative.tier).label if parsed else "",
            "sections": [
                (Finding.Section(key).label if key in Finding.Section.values else key, body)
                for key, body in (parsed.narrative.sections.items() if parsed else ())
            ],
        },
        status=400 if error else 200,
    )


@login_required
@permission_required("tracker.import_report", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_preview(request):
    """Show the parsed preview; on confirmation, import exactly the text that was previewed."""
    if request.method == "GET":
        token = request.GET.get("upload", "")
        entry = _pending(request).get(token)
        if entry is None:
            messages.error(request, "That upload is no longer waiting; upload the file again.")
            return redirect("import_upload")
        return _render_preview(request, token, entry)

    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("The confirmation is incomplete; upload the file again.")
    token = form.cleaned_data["upload"]
    entry = _pending(request).get(token)
    expected = entry and hashlib.sha256(entry["text"].encode("utf-8")).hexdigest()
    if (
        entry is None
        or not hmac.compare_digest(expected, entry["sha256"])
        or not hmac.compare_digest(form.cleaned_data["sha256"], entry["sha256"])
    ):
        messages.error(
            request,
            "The confirmation does not match the uploaded narrative; nothing was imported. "
            "Upload the file again.",
        )
        return _render_upload(request, UploadForm(), status=400)

    entry = {
        **entry,
        "country": form.cleaned_data["country"].strip(),
        "year": form.cleaned_data["year"],
    }
    pending = dict(_pending(request))
    pending[token] = entry
    request.session[SESSION_KEY] = pending
    if request.POST.get("action") != "import":
        return redirect(f"{reverse('import_preview')}?upload={token}")

    parsed, refusal = _parse(entry)
    if parsed is None:
        return _render_preview(request, token, entry, error=refusal)
    try:
        (outcome,) = importer.import_batch([parsed], by=request.user)
    except importer.ImportRefused as exc:
        return _render_preview(request, token, entry, error=str(exc))
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    report = outcome.report
    if outcome.action == "imported":
        n = report.recommendations.count()
        messages.success(
            request,
            f"Imported {report.country} {report.year} with {n} recommendation"
            f"{'s' if n != 1 else ''}.",
        )
    else:
        messages.info(
            request, f"{report.country} {report.year} was already imported from this text."
        )
    return redirect(report.get_absolute_url())
