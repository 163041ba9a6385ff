"""Evidence files: checked by content, refused with a reason, stored privately, sent back intact."""

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import EvidenceFactory, RecommendationFactory
from tracker import services, uploads
from tracker.models import Evidence

pytestmark = pytest.mark.django_db


# Real files of each kind, built here so the tests need no binary fixtures.


def make_pdf(text: str = "Evidence") -> bytes:
    """Return a small, valid one-page PDF with `text` on it, cross-reference table included."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def make_png() -> bytes:
    """Return a valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def make_ooxml(main_part: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    """Return a minimal Office Open XML package whose main part is `main_part`."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{main_part}"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr(main_part, "<document>Witness statement</document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_docx() -> bytes:
    return make_ooxml("word/document.xml")


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# The checks themselves.


def test_the_built_pdf_is_a_real_pdf():
    assert "Evidence" in PdfReader(io.BytesIO(make_pdf())).pages[0].extract_text()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("report.pdf", make_pdf(), uploads.PDF),
        ("photo.png", make_png(), uploads.PNG),
        ("photo.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, uploads.JPEG),
        ("anim.gif", b"GIF89a" + b"\x00" * 20, uploads.GIF),
        ("image.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, uploads.WEBP),
        ("statement.docx", make_docx(), uploads.DOCX),
        ("figures.xlsx", make_ooxml("xl/workbook.xml"), uploads.XLSX),
        ("slides.pptx", make_ooxml("ppt/presentation.xml"), uploads.PPTX),
        ("old.doc", OLE2, uploads.OLE2),
        ("old.xls", OLE2, uploads.OLE2),
        ("notes.txt", "Témoignage recueilli à Séoul.\n".encode(), uploads.TEXT),
        ("table.csv", b"country,year\nPRK,2021\n", uploads.TEXT),
    ],
)
def test_accepted_files_are_recognised_by_their_content(name, content, kind):
    assert uploads.check_upload(upload(name, content)) == kind


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("report.pdf", make_png(), "its content is a PNG image"),
        ("report.docx", make_pdf(), "its content is a PDF document"),
        ("notes.txt", make_pdf(), "its content is a PDF document"),
        ("photo.png", b"just some text", "its content is a plain text file"),
        ("tool.exe", EXE, "not a type the tracker accepts"),
        ("report.pdf", ELF, "not a type the tracker accepts"),
        ("archive.zip", make_ooxml("other/thing.xml"), "not a type the tracker accepts"),
        (
            "macro.docx",
            make_ooxml("word/document.xml", extra={"word/vbaProject.bin": b"x"}),
            "not a type",
        ),
        ("binary.txt", b"text\x00with a NUL", "not a type the tracker accepts"),
        ("latin1.txt", "caf\u00e9".encode("latin-1"), "not a type the tracker accepts"),
        (
            "page.html",
            b"<html><script>alert(1)</script></html>",
            ".html, which the tracker does not accept",
        ),
        ("empty.pdf", b"", "is empty"),
        ("noextension", make_pdf(), "has no extension"),
    ],
)
def test_files_whose_content_is_not_what_the_name_says_are_refused(name, content, says):
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_upload(upload(name, content))
    assert says in refused.value.messages[0]


@pytest.mark.parametrize(
    "name", ["../x.pdf", "a/b.pdf", "C:\\x.pdf", "C:x.pdf", "..", "evil\x00.pdf", "a\\b.pdf"]
)
def test_names_with_a_path_are_refused(name):
    with pytest.raises(uploads.UploadRefused):
        uploads.check_name(name)


def test_plain_names_with_spaces_and_accents_are_accepted():
    assert uploads.check_name("Rapport spécial 2021 (v2).PDF") == "pdf"


def test_the_size_limit_comes_from_the_settings(settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100
    with pytest.raises(uploads.UploadRefused, match="at most 100"):
        uploads.check_upload(upload("notes.txt", b"a" * 101))
    assert uploads.check_upload(upload("notes.txt", b"a" * 100)) == uploads.TEXT


def test_an_oversized_upload_is_not_stored_past_the_limit_but_its_size_is_known(settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 200 * 1024
    content = b"a" * (1024 * 1024)
    body, content_type = multipart({"title": "Big"}, "file", "big.txt", content)
    request = RequestFactory().post("/evidence/new/", body, content_type=content_type)
    record = uploads.record_upload(request)
    stored = request.FILES["file"]
    assert request.POST["title"] == "Big"
    assert record.size_of("file") == len(content)
    # Stored bytes stop within one chunk of the limit, far short of the megabyte sent.
    assert stored.size <= settings.EVIDENCE_MAX_UPLOAD_BYTES + 64 * 1024
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.check_upload(stored, size=record.size_of("file"))
    assert "is 1.0\xa0MB; files may be at most 200.0\xa0KB" in refused.value.messages[0]


# Through the page.


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """Point uploads at an empty folder of this test's own, so what is written can be seen."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.fixture
def recommendation():
    return RecommendationFactory()


def form_data(recommendation, **extra):
    return {
        "title": "Special Rapporteur report",
        "source_type": Evidence.SourceType.UN,
        "source_name": "United Nations",
        "sensitivity": Evidence.Sensitivity.INTERNAL,
        "direction": Evidence.Direction.NO_CHANGE,
        "recommendations": [recommendation.pk],
        **extra,
    }


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("report.pdf", make_png(), "its content is a PNG image"),
        ("program.exe", EXE, "not a type the tracker accepts"),
        ("report.pdf", ELF, "not a type the tracker accepts"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_written(
    analyst_client, recommendation, media, name, content, says
):
    response = analyst_client.post(
        reverse("evidence_new"), form_data(recommendation, file=upload(name, content))
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page
    assert "choose it again" in page  # a file input cannot be kept, and the page says so
    assert "Special Rapporteur report" in page  # the rest of the input is kept
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_an_oversized_file_is_refused_and_nothing_is_written(
    analyst_client, recommendation, media, settings
):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    big = make_pdf() + b"%" + b"x" * 1024
    response = analyst_client.post(
        reverse("evidence_new"), form_data(recommendation, file=upload("big.pdf", big))
    )
    assert response.status_code == 400
    assert f"is {len(big) / 1024:.1f}\xa0KB; files may be at most 1.0" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def multipart(fields: dict, file_field: str, file_name: str, content: bytes):
    """Encode a form by hand, so the file name goes out exactly as given (paths included)."""
    boundary = "----evidence-test-boundary"
    lines = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            lines += [
                f"--{boundary}".encode(),
                f'Content-Disposition: form-data; name="{key}"'.encode(),
                b"",
                str(item).encode(),
            ]
    lines += [
        f"--{boundary}".encode(),
        f'Content-Disposition: form-data; name="{file_field}"; filename="{file_name}"'.encode(),
        b"Content-Type: application/octet-stream",
        b"",
        content,
        f"--{boundary}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("name", ["../x.pdf", "a/b.pdf", "C:\\x.pdf", "..\\..\\x.pdf", ".."])
def test_a_file_named_with_a_path_is_refused_and_nothing_is_written(
    analyst_client, recommendation, media, name
):
    body, content_type = multipart(form_data(recommendation), "file", name, make_pdf())
    response = analyst_client.post(reverse("evidence_new"), body, content_type=content_type)
    assert response.status_code == 400
    assert "contains a folder path" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_the_hand_encoded_form_is_accepted_with_a_plain_name(analyst_client, recommendation, media):
    # The same encoding with a plain name goes through, so the refusal above is the name's.
    body, content_type = multipart(form_data(recommendation), "file", "x.pdf", make_pdf())
    response = analyst_client.post(reverse("evidence_new"), body, content_type=content_type)
    assert response.status_code == 302
    assert Evidence.objects.get().file_name == "x.pdf"


def test_csrf_is_still_checked_on_the_upload_form(analyst, recommendation, media):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    response = client.post(
        reverse("evidence_new"), form_data(recommendation, file=upload("x.pdf", make_pdf()))
    )
    assert response.status_code == 403
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("UN report 2021.pdf", make_pdf("Detention camps"), "application/pdf"),
        (
            "statement.docx",
            make_docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("notes.txt", b"Interview notes, 3 March 2021.\n", "text/plain"),
    ],
)
def test_an_accepted_file_is_stored_privately_and_downloads_byte_identical(
    analyst_client, recommendation, media, name, content, mime
):
    response = analyst_client.post(
        reverse("evidence_new"), form_data(recommendation, file=upload(name, content))
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.file_name == name
    assert evidence.file_size == len(content)
    assert evidence.file_type == mime
    assert evidence.file_sha256 == hashlib.sha256(content).hexdigest()
    # Stored under a random name inside MEDIA_ROOT, not under the name it came with.
    [stored] = stored_files(media)
    assert stored.name != name and stored.suffix == Path(name).suffix
    assert stored.read_bytes() == content

    download = analyst_client.get(reverse("evidence_file", args=[evidence.public_id]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body == content
    assert hashlib.sha256(body).hexdigest() == evidence.file_sha256
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == mime


def test_uploaded_files_have_no_public_url(analyst_client, recommendation, media):
    analyst_client.post(
        reverse("evidence_new"),
        form_data(recommendation, file=upload("report.pdf", make_pdf())),
    )
    stored = Evidence.objects.get().file.name
    for url in (f"/media/{stored}", f"/{stored}", f"/uploads/{stored}", f"/static/{stored}"):
        assert analyst_client.get(url).status_code == 404


@pytest.fixture
def restricted_with_file(analyst, recommendation, media):
    return services.evidence_log(
        by=analyst,
        title="Testimony of a survivor",
        source_type=Evidence.SourceType.TESTIMONY,
        direction=Evidence.Direction.NO_CHANGE,
        sensitivity=Evidence.Sensitivity.RESTRICTED,
        recommendations=[recommendation],
        file=upload("testimony.txt", b"Names withheld.\n"),
        file_type=uploads.TEXT.mime,
    )


def test_a_restricted_file_is_hidden_from_a_viewer_and_another_analyst(
    restricted_with_file, viewer_client, other_analyst
):
    url = reverse("evidence_file", args=[restricted_with_file.public_id])
    other = Client()
    other.force_login(other_analyst)
    assert viewer_client.get(url).status_code == 404
    assert other.get(url).status_code == 404


def test_a_restricted_file_downloads_for_its_author_and_a_reviewer(
    restricted_with_file, analyst_client, reviewer_client
):
    url = reverse("evidence_file", args=[restricted_with_file.public_id])
    for client in (analyst_client, reviewer_client):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"Names withheld.\n"


def test_evidence_without_a_file_has_no_download(analyst_client, recommendation):
    evidence = EvidenceFactory(recommendations=[recommendation])
    assert (
        analyst_client.get(reverse("evidence_file", args=[evidence.public_id])).status_code == 404
    )


def test_a_failed_write_leaves_no_file_behind(analyst, media):
    with pytest.raises(ValidationError, match="at most 300 characters"):
        services.evidence_log(
            by=analyst,
            title="x" * 301,
            source_type=Evidence.SourceType.UN,
            direction=Evidence.Direction.NO_CHANGE,
            recommendations=[RecommendationFactory()],
            file=upload("report.pdf", make_pdf()),
            file_type=uploads.PDF.mime,
        )
    assert stored_files(media) == []


def test_the_service_checks_the_file_whatever_the_entry_point(analyst, media):
    with pytest.raises(uploads.UploadRefused, match="PNG image"):
        services.evidence_log(
            by=analyst,
            title="Disguised",
            source_type=Evidence.SourceType.UN,
            direction=Evidence.Direction.NO_CHANGE,
            recommendations=[RecommendationFactory()],
            file=upload("report.pdf", make_png()),
            file_type="application/pdf",
        )
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


# Zip bombs dressed as Office files.


def make_zero_bomb_docx(megabytes: int) -> bytes:
    """Return a .docx whose extra part is `megabytes` MB of zeros, streamed into the archive."""
    buffer = io.BytesIO(make_docx())
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/filler.bin", "w", force_zip64=True) as part,
    ):
        zeros = b"\x00" * (1024 * 1024)
        for _ in range(megabytes):
            part.write(zeros)
    return buffer.getvalue()


def test_a_docx_that_inflates_two_hundred_times_is_refused_and_nothing_is_written(
    analyst_client, recommendation, media
):
    bomb = make_zero_bomb_docx(200)
    assert len(bomb) < 300 * 1024  # 200 MB of zeros stored in a few hundred KB
    response = analyst_client.post(
        reverse("evidence_new"), form_data(recommendation, file=upload("statement.docx", bomb))
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "“statement.docx” would unpack to more than 100.0\xa0MB" in page
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_an_office_part_with_a_bomb_ratio_is_refused_below_the_size_limit(
    analyst_client, recommendation, media
):
    response = analyst_client.post(
        reverse("evidence_new"),
        form_data(recommendation, file=upload("sheet.docx", make_zero_bomb_docx(8))),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "has a part (word/media/filler.bin) that unpacks" in page
    assert "times larger than it is stored (at most 100 is accepted)" in page
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_the_unpacked_size_limit_comes_from_the_settings(settings):
    settings.OFFICE_MAX_UNCOMPRESSED_BYTES = 100_000
    text = "".join(f"{n:08x}" for n in range(20_000)).encode()  # 160 KB that hardly compresses
    docx = make_ooxml("word/document.xml", extra={"word/notes.xml": text})
    with pytest.raises(ValidationError, match="would unpack to more than 97.7"):
        uploads.check_upload(upload("notes.docx", docx))
    settings.OFFICE_MAX_UNCOMPRESSED_BYTES = 1_000_000
    assert uploads.check_upload(upload("notes.docx", docx)) == uploads.DOCX


def make_many_part_docx(parts: int, part_bytes: int) -> bytes:
    """Return a .docx with `parts` extra parts of zeros, each below the ratio check's floor."""
    buffer = io.BytesIO(make_docx())
    zeros = b"\x00" * part_bytes
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for number in range(parts):
            archive.writestr(f"word/media/part{number}.bin", zeros)
    return buffer.getvalue()


def test_a_docx_of_1580_small_parts_unpacking_to_99_mb_is_refused(
    analyst_client, recommendation, media
):
    # The audit's file: every part under the size where the ratio check of one part starts.
    bomb = make_many_part_docx(1580, 63_000)
    assert 99_000_000 < 1583 * 63_000 < 100 * 1024 * 1024  # under the unpacked limit
    response = analyst_client.post(
        reverse("evidence_new"), form_data(recommendation, file=upload("parts.docx", bomb))
    )
    assert response.status_code == 400
    assert "“parts.docx” holds 1583 parts; an Office file may hold at most 1000." in (
        response.content.decode()
    )
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_small_parts_that_inflate_together_are_refused_under_the_part_limit():
    bomb = make_many_part_docx(900, 63_000)
    with pytest.raises(ValidationError, match=r"over its 903 parts \(at most 100 is accepted\)"):
        uploads.check_upload(upload("parts.docx", bomb))


def test_the_part_limit_comes_from_the_settings(settings):
    docx = make_many_part_docx(20, 100)
    settings.OFFICE_MAX_PARTS = 22
    with pytest.raises(ValidationError, match="holds 23 parts; an Office file may hold at most 22"):
        uploads.check_upload(upload("parts.docx", docx))
    settings.OFFICE_MAX_PARTS = 23
    assert uploads.check_upload(upload("parts.docx", docx)) == uploads.DOCX
