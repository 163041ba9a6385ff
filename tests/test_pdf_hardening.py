"""Hostile PDFs are refused with a message naming the file, from the command and from the web.

The files are built here, byte by byte: a 100 KB PDF whose page content inflates to 100 MB, and
PDFs whose objects nest arrays 50,000 deep (in the page content, the page dictionary and the page's
list of contents), far past any recursion limit. Page and time caps are tried on the
real seed rendered to PDF. From the web, the worker that reads uploads refuses them.
"""

import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.conftest import SEED
from tests.test_pdf_import import render_pdf
from tiptracker.lib import pdftext
from tracker import tasks
from tracker.models import ImportJob, Report

CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
    b" /Resources << /Font << /F1 5 0 R >> >> %s>>"
)
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
DEPTH = 50_000


def pdf_file(objects: list[bytes]) -> bytes:
    """Return a PDF holding `objects` as objects 1..n (1 the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def stream(data: bytes, *, compress: bool) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(data), data)
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


def one_page(content: bytes, *, compress: bool = False, page_extra: bytes = b"") -> bytes:
    return pdf_file([CATALOG, PAGES, PAGE % page_extra, stream(content, compress=compress), FONT])


@pytest.fixture(scope="module")
def inflating_pdf() -> bytes:
    content = b"BT /F1 12 Tf 72 712 Td (Trafficking) Tj ET\n" + b" " * 100_000_000
    data = one_page(content, compress=True)
    assert len(data) < 150_000  # small on disk, 100 MB once inflated
    return data


NESTED_CONTENT = b"BT /F1 12 Tf 72 712 Td " + b"[" * DEPTH + b"]" * DEPTH + b" (Hi) Tj ET"
NESTED_PAGE = b"/Deep " + b"[" * DEPTH + b"]" * DEPTH + b" "


@pytest.fixture(scope="module")
def hostile(inflating_pdf) -> dict[str, tuple[bytes, str]]:
    """Each hostile file, with the words its refusal must say."""
    return {
        "inflating.pdf": (inflating_pdf, "inflates past the size"),
        # The text extractor skips a nesting it cannot follow: nothing is left to read.
        "nested-content.pdf": (one_page(NESTED_CONTENT), "holds no extractable text"),
        "nested-page.pdf": (
            one_page(b"BT /F1 12 Tf 72 712 Td (Hi) Tj ET", page_extra=NESTED_PAGE),
            "cannot be read",
        ),
        "nested-contents.pdf": (
            pdf_file(
                [
                    CATALOG,
                    PAGES,
                    (PAGE % b"").replace(b"4 0 R", b"[" * DEPTH + b"4 0 R" + b"]" * DEPTH),
                    stream(b"BT /F1 12 Tf 72 712 Td (Hi) Tj ET", compress=False),
                    FONT,
                ]
            ),
            "cannot be read",
        ),
    }


KINDS = ["inflating.pdf", "nested-content.pdf", "nested-page.pdf", "nested-contents.pdf"]


@pytest.mark.parametrize("name", KINDS)
def test_a_hostile_pdf_is_a_refusal_naming_the_file(hostile, name):
    data, words = hostile[name]
    with pytest.raises(pdftext.PdfTextError) as refusal:
        pdftext.extract_pages(data, name=name)
    assert str(refusal.value).startswith(f"{name}: ")
    assert words in str(refusal.value)


@pytest.mark.django_db
@pytest.mark.parametrize("name", KINDS)
def test_import_tip_refuses_a_hostile_pdf_with_exit_code_1(hostile, name, tmp_path):
    data, words = hostile[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError) as failure:
        call_command("import_tip", str(path), "--no-progress")
    assert f"{path}: " in str(failure.value) and words in str(failure.value)
    assert not Report.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", KINDS)
def test_the_web_import_refuses_a_hostile_pdf_on_its_page(hostile, name, reviewer_client):
    data, words = hostile[name]
    response = reviewer_client.post(
        reverse("import_upload"), {"file": SimpleUploadedFile(name, data)}
    )
    # The upload is kept and read by the worker, never during the request.
    assert response.status_code == 302
    job = ImportJob.objects.get()
    tasks.read_import_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and job.error.startswith(f"{name}: ")
    html = reviewer_client.get(response["Location"]).content.decode()
    assert f"{name}: " in html and words in html
    assert not Report.objects.exists()


@pytest.fixture(scope="module")
def seed_pdf() -> bytes:
    return render_pdf(SEED.read_text(encoding="utf-8"))


def test_a_pdf_with_more_pages_than_the_cap_is_refused(seed_pdf):
    assert len(pdftext.extract_pages(seed_pdf)) > 2
    with pytest.raises(pdftext.PdfTextError, match=r"seed.pdf: the PDF has \d+ pages, more"):
        pdftext.extract_pages(seed_pdf, name="seed.pdf", max_pages=2)


def test_an_extraction_past_the_time_cap_is_stopped(seed_pdf):
    with pytest.raises(pdftext.PdfTextError, match=r"seed.pdf: reading the PDF took longer"):
        pdftext.extract_pages(seed_pdf, name="seed.pdf", max_seconds=0)


@pytest.mark.django_db
def test_the_command_applies_the_page_cap(seed_pdf, tmp_path, monkeypatch):
    monkeypatch.setattr(pdftext, "MAX_PAGES", 2)
    path = tmp_path / "seed.pdf"
    path.write_bytes(seed_pdf)
    with pytest.raises(CommandError, match="more than the 2 a report can have"):
        call_command("import_tip", str(path), "--no-progress")
    assert not Report.objects.exists()
