"""Checks on uploaded evidence files: a safe name, a size limit, and a type read from the content.

The name a browser sends is untrusted, and so is the extension: a file is accepted only when its
bytes are one of the formats below and its extension agrees with what the bytes are. Accepted files
are stored under a random name (see `tracker.models.evidence_upload_to`) and only ever served as
downloads (`download_response`), by a page or the API that has checked access.
"""

import codecs
import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse, Http404
from django.http.multipartparser import MultiPartParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileKind:
    """A file format the tracker accepts, with the extensions a file of that format may carry."""

    label: str  # lazily translated
    mime: str
    extensions: tuple[str, ...]


PDF = FileKind(_("PDF document"), "application/pdf", ("pdf",))
PNG = FileKind(_("PNG image"), "image/png", ("png",))
JPEG = FileKind(_("JPEG image"), "image/jpeg", ("jpg", "jpeg"))
GIF = FileKind(_("GIF image"), "image/gif", ("gif",))
WEBP = FileKind(_("WebP image"), "image/webp", ("webp",))
DOCX = FileKind(
    _("Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = FileKind(
    _("Excel workbook"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ("xlsx",),
)
PPTX = FileKind(
    _("PowerPoint presentation"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx",),
)
# Legacy Office files share one container format; telling a .doc from a .xls would mean parsing
# the container's directory, and either is acceptable evidence.
OLE2 = FileKind(_("legacy Office document"), "application/x-ole-storage", ("doc", "xls"))
TEXT = FileKind(_("plain text file"), "text/plain", ("txt", "csv", "md"))

ACCEPTED = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, OLE2, TEXT)
ACCEPTED_DESCRIPTION = _(
    "PDF, PNG, JPEG, GIF, WebP, Word (.docx, .doc), Excel (.xlsx, .xls), PowerPoint (.pptx) "
    "or plain text (.txt, .csv, .md)"
)

# The part that names each OOXML flavour, beside the [Content_Types].xml every package has.
_OOXML_MAIN_PARTS = {
    "word/document.xml": DOCX,
    "xl/workbook.xml": XLSX,
    "ppt/presentation.xml": PPTX,
}
_OOXML_KINDS = (DOCX, XLSX, PPTX)
# Below this many uncompressed bytes a member's ratio says nothing: small XML parts compress
# far beyond any limit that would let a real document through.
_RATIO_FLOOR = 64 * 1024
# The same for the parts together: a small package of XML may compress very well.
_TOTAL_RATIO_FLOOR = 1024 * 1024
_READ_CHUNK = 1024 * 1024
_HEAD_BYTES = 16
_TEXT_CHUNK = 64 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class UploadRefused(ValidationError):
    """Raised when an uploaded file may not be stored; the message says why, for the user."""

    def __init__(self, message: str):
        super().__init__(str(message), code="upload_refused")


def path_in_name(name: str) -> bool:
    """Return whether `name` carries a folder path or a drive, not just a file name."""
    return (
        "/" in name
        or "\\" in name
        or _DRIVE.match(name) is not None
        or name in {".", ".."}
        or any(not char.isprintable() for char in name)
    )


def check_name(name: str) -> str:
    """Return the lower-case extension of `name`, or refuse a name that is not a plain file name."""
    if not name or not name.strip():
        raise UploadRefused(gettext("The file has no name; upload it under its plain file name."))
    if path_in_name(name):
        raise UploadRefused(
            gettext(
                "“%(name)s” contains a folder path or special characters; upload the file under "
                "its plain name, such as report.pdf."
            )
            % {"name": name}
        )
    if len(name) > 255:
        raise UploadRefused(gettext("The file name is longer than 255 characters; shorten it."))
    suffix = PurePosixPath(name).suffix.lower()
    if not suffix:
        raise UploadRefused(
            gettext(
                "“%(name)s” has no extension; name it for its type, such as report.pdf "
                "(accepted: %(accepted)s)."
            )
            % {"name": name, "accepted": ACCEPTED_DESCRIPTION}
        )
    return suffix[1:]


def _is_utf8_text(fileobj) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    fileobj.seek(0)
    try:
        for chunk in iter(lambda: fileobj.read(_TEXT_CHUNK), b""):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        fileobj.seek(0)
    return True


def _ooxml_kind(fileobj) -> FileKind | None:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        # Macro-enabled packages run code when opened; they are not accepted as evidence.
        return None
    kinds = {kind for part, kind in _OOXML_MAIN_PARTS.items() if part in names}
    return kinds.pop() if len(kinds) == 1 else None


def check_office_package(fileobj, name: str) -> None:
    """Refuse an Office package that inflates beyond the limits: a zip bomb.

    The number of parts is capped; every part is checked for its uncompressed size and its
    compression ratio, and the parts together for theirs (thousands of small parts each pass
    on its own), then every part is read through to its end, so one whose directory entry
    understates its size fails its CRC check instead of passing as small. The limits come from
    the settings.
    """
    total_limit = settings.OFFICE_MAX_UNCOMPRESSED_BYTES
    ratio_limit = settings.OFFICE_MAX_COMPRESSION_RATIO
    member_limit = settings.OFFICE_MAX_PARTS
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            if len(members) > member_limit:
                raise UploadRefused(
                    gettext(
                        "“%(name)s” holds %(parts)d parts; an Office file may hold at most "
                        "%(limit)d."
                    )
                    % {"name": name, "parts": len(members), "limit": member_limit}
                )
            total = stored = 0
            for member in members:
                total += member.file_size
                stored += member.compress_size
                if total > total_limit:
                    raise UploadRefused(
                        gettext(
                            "“%(name)s” would unpack to more than %(limit)s; it is refused as "
                            "a possible zip bomb."
                        )
                        % {"name": name, "limit": filesizeformat(total_limit)}
                    )
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > _RATIO_FLOOR and ratio > ratio_limit:
                    raise UploadRefused(
                        gettext(
                            "“%(name)s” has a part (%(part)s) that unpacks %(ratio)s times "
                            "larger than it is stored (at most %(limit)s is accepted); it is "
                            "refused as a possible zip bomb."
                        )
                        % {
                            "name": name,
                            "part": member.filename[:80],
                            "ratio": f"{ratio:,.0f}",
                            "limit": ratio_limit,
                        }
                    )
            ratio = total / max(stored, 1)
            if total > _TOTAL_RATIO_FLOOR and ratio > ratio_limit:
                raise UploadRefused(
                    f"“{name}” unpacks {ratio:,.0f} times larger than it is stored, over its "
                    f"{len(members)} parts (at most {ratio_limit} is accepted); it is refused "
                    "as a possible zip bomb."
                )
            for member in members:
                with archive.open(member) as part:
                    while part.read(_READ_CHUNK):
                        pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise UploadRefused(
            gettext("“%(name)s” is a damaged Office file: %(error)s.")
            % {"name": name, "error": exc}
        ) from exc
    except (RuntimeError, ValueError) as exc:  # an encrypted or malformed member
        raise UploadRefused(
            gettext("“%(name)s” is an Office file that cannot be read: %(error)s.")
            % {"name": name, "error": exc}
        ) from exc
    finally:
        fileobj.seek(0)


def detect_kind(fileobj) -> FileKind | None:
    """Return the accepted format of the file's content, or None if it is none of them."""
    fileobj.seek(0)
    head = fileobj.read(_HEAD_BYTES)
    fileobj.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE2
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(fileobj)
    if head and _is_utf8_text(fileobj):
        return TEXT
    return None


def check_upload(upload, *, size: int | None = None) -> FileKind:
    """Return the format of `upload`, or raise UploadRefused saying why it may not be stored.

    `size` is the size the client sent, when known (what is stored stops at the limit); it
    defaults to the upload's own size.
    """
    name = upload.name
    extension = check_name(name)
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
    size = upload.size if size is None else size
    if size > limit:
        raise UploadRefused(
            gettext("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if upload.size == 0:
        raise UploadRefused(gettext("“%(name)s” is empty.") % {"name": name})
    kind = detect_kind(upload)
    if kind is None:
        raise UploadRefused(
            gettext("The content of “%(name)s” is not a type the tracker accepts (%(accepted)s).")
            % {"name": name, "accepted": ACCEPTED_DESCRIPTION}
        )
    if kind in _OOXML_KINDS:
        check_office_package(upload, name)
    if extension not in kind.extensions:
        named_as = next((k for k in ACCEPTED if extension in k.extensions), None)
        if named_as is None:
            raise UploadRefused(
                gettext(
                    "“%(name)s” has the extension .%(extension)s, which the tracker does not "
                    "accept; its content is a %(kind)s, so name it .%(right)s."
                )
                % {
                    "name": name,
                    "extension": extension,
                    "kind": kind.label,
                    "right": kind.extensions[0],
                }
            )
        raise UploadRefused(
            gettext(
                "“%(name)s” is named as a %(named_as)s (.%(extension)s) but its content is a "
                "%(kind)s. Upload the right file, or give it the extension .%(right)s."
            )
            % {
                "name": name,
                "named_as": named_as.label,
                "extension": extension,
                "kind": kind.label,
                "right": kind.extensions[0],
            }
        )
    return kind


@dataclass
class UploadRecord:
    """What the request's upload looked like before Django tidied it: names as sent, true sizes."""

    raw_names: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)

    def size_of(self, field_name: str) -> int | None:
        """Return the bytes the client sent for `field_name`, or None if it sent no file."""
        return self.sizes.get(field_name)


class _NameRecordingParser(MultiPartParser):
    """A multipart parser that keeps every file name exactly as the client sent it."""

    def __init__(self, *args, record: UploadRecord, **kwargs):
        super().__init__(*args, **kwargs)
        self._record = record

    def sanitize_file_name(self, file_name):
        self._record.raw_names.append(file_name)
        return super().sanitize_file_name(file_name)


class _SizeLimitHandler(FileUploadHandler):
    """Count each file's bytes and stop storing them past the limit.

    The handlers after this one (memory, then temporary file) receive nothing beyond the limit,
    so an oversized upload never fills the disk; the true size is kept for the message.
    """

    def __init__(self, request, *, limit: int, record: UploadRecord):
        super().__init__(request)
        self._limit = limit
        self._record = record

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self._record.sizes[field_name] = 0

    def receive_data_chunk(self, raw_data, start):
        received = self._record.sizes[self.field_name] + len(raw_data)
        self._record.sizes[self.field_name] = received
        if received > self._limit:
            return None
        return raw_data

    def file_complete(self, file_size):
        return None


def record_upload(request) -> UploadRecord:
    """Make `request` record its uploads as sent, and cap what is stored of each file.

    Django reduces `../x.pdf` to `x.pdf` (and drops a file named `..`) while parsing, which is
    safe for storage but hides a client that sent a path; the tracker refuses such uploads
    instead. Call this before anything reads `request.POST` or `request.FILES` (so the view must
    be CSRF-exempt and check CSRF itself afterwards); the record fills when they are read.
    """
    record = UploadRecord()
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
    request.upload_handlers.insert(0, _SizeLimitHandler(request, limit=limit, record=record))

    def parse_file_upload(meta, post_data):
        parser = _NameRecordingParser(
            meta, post_data, request.upload_handlers, request.encoding, record=record
        )
        return parser.parse()

    request.parse_file_upload = parse_file_upload
    return record


logger = logging.getLogger(__name__)


def download_response(evidence) -> FileResponse:
    """Return the file of `evidence` as a download, never shown inline; Http404 if it has none.

    The caller has checked that its user may see `evidence`, and records the download of a
    restricted item (`services.evidence_record_access`) once this has found the file.
    """
    if not evidence.file:
        raise Http404(gettext("This evidence has no file."))
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        logger.error("Evidence %s: stored file %s is missing", evidence.pk, evidence.file.name)
        raise Http404(gettext("The file of this evidence is missing from storage.")) from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.file_name or evidence.file.name.rsplit("/", 1)[-1],
        content_type=evidence.file_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser rendered it, the file could run nothing and reach nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
