"""Turn a narrative PDF into the text the narrative parser reads.

Plain Python (pypdf and pypdfium2, no Django). Text extraction gives one string per page with the
layout's artefacts in it; this module removes what the page layout added and nothing else:

- running headers and footers: lines at the top or bottom edge of a page that recur on most pages
  (digits ignored, so "Page 3" and "Page 4" count as the same line), and bare page numbers;
- page breaks: pages are joined with a plain line break, so a sentence that runs over a page break
  reads on as one paragraph (the parser already joins hard line breaks);
- hyphenation at line ends: "traf-" + "ficking" is joined only where the document itself shows the
  joined word is the right one; a real compound ("state-" + "sponsored") keeps its hyphen.

The repair is deliberately conservative: when in doubt the hyphen stays, because a wrongly joined
compound changes a recommendation's words while a kept hyphen only changes its spelling.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
import unicodedata
from collections import Counter

import pypdf
import pypdfium2
from django.utils.formats import number_format
from django.utils.translation import gettext
from pypdf import PdfReader
from pypdf.errors import LimitReachedError

logger = logging.getLogger(__name__)


class PdfTextError(ValueError):
    """Raised with a human message when a PDF cannot be read or holds no text."""


# How many lines from each edge of a page may belong to a running header or footer.
_EDGE_LINES = 3

_PAGE_NUMBER_RE = re.compile(
    r"(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s+(?:of|/)\s+\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]",
    re.IGNORECASE,
)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Compounds whose line-end hyphen is part of the word: first parts and second parts that TIP
# narratives write with a hyphen ("anti-trafficking", "state-sponsored", "government-run").
_HYPHEN_PREFIXES = _wordset(
    """anti non self co ex post pre cross multi inter intra sub semi quasi well state government
    community victim child gender labor labour sex law rule long short high low full part follow"""
)
_HYPHEN_SUFFIXES = _wordset(
    """based centered centred run owned led sponsored related affiliated funded operated specific
    sensitive informed friendly oriented level scale wide term time year old month day week up out
    off on in down making free"""
)

_LIGATURES = str.maketrans({"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl"})


# Limits for hostile or broken files. A whole annual report is about 600 pages and 10 MB of text;
# no content stream of a text PDF comes near the decompression cap.
MAX_PAGES = 2000
MAX_SECONDS = 120.0
MAX_STREAM_BYTES = 16 * 1024 * 1024
MAX_CONTENT_BYTES = 256 * 1024 * 1024
MAX_TEXT_CHARS = 30_000_000

_DECOMPRESSION_LIMITS = {
    name: MAX_STREAM_BYTES
    for name in vars(pypdf.Configuration)
    if name.endswith("_maximum_output_length")
}


class _Clock:
    """The time budget of one extraction, checked between pages."""

    def __init__(self, name: str, max_seconds: float):
        self.name, self.max_seconds, self.started = name, max_seconds, time.monotonic()

    def check(self, number: int, count: int) -> None:
        if time.monotonic() - self.started > self.max_seconds:
            raise PdfTextError(
                gettext(
                    "%(name)s: reading the PDF took longer than %(limit)s s (stopped at page "
                    "%(number)s of %(count)s); it is damaged or built to be slow."
                )
                % {
                    "name": self.name,
                    "limit": f"{self.max_seconds:g}",
                    "number": number,
                    "count": count,
                }
            )


def _check_structure(data: bytes, *, name: str, max_pages: int, clock: _Clock) -> int:
    """Read the PDF's structure and inflate every page's content within the limits (pypdf).

    Return the number of pages. This pass is what bounds memory and recursion: pypdf refuses
    a stream that inflates past MAX_STREAM_BYTES, and every failure of it is a refusal.
    """
    with pypdf.apply_configuration(**_DECOMPRESSION_LIMITS):
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PdfTextError(
                gettext("%(name)s: the PDF is encrypted; export an unprotected copy.")
                % {"name": name}
            )
        count = len(reader.pages)
        if count > max_pages:
            raise PdfTextError(
                gettext(
                    "%(name)s: the PDF has %(count)s pages, more than the %(most)s a report can "
                    "have; split it."
                )
                % {"name": name, "count": count, "most": max_pages}
            )
        total = 0
        for number, page in enumerate(reader.pages, start=1):
            contents = page.get_contents()
            total += len(contents.get_data()) if contents is not None else 0
            if total > MAX_CONTENT_BYTES:
                raise PdfTextError(
                    gettext(
                        "%(name)s: the PDF inflates past the size a narrative can have (more "
                        "than %(megabytes)s MB of page content)."
                    )
                    % {"name": name, "megabytes": MAX_CONTENT_BYTES // (1024 * 1024)}
                )
            clock.check(number, count)
    return count


# PDFium is not thread-safe: one extraction at a time per process (a threaded server).
_PDFIUM_LOCK = threading.Lock()


def _page_texts(data: bytes, *, name: str, count: int, clock: _Clock) -> list[str]:
    """Return the text of each page (pypdfium2: the same text as pypdf, many times faster)."""
    with _PDFIUM_LOCK:
        return _pdfium_texts(data, name=name, count=count, clock=clock)


def _pdfium_texts(data: bytes, *, name: str, count: int, clock: _Clock) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        if len(document) != count:
            raise PdfTextError(
                gettext("%(name)s: the PDF's page tree is inconsistent; it is damaged.")
                % {"name": name}
            )
        pages, size = [], 0
        for number in range(1, count + 1):
            page = document[number - 1]
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
            finally:
                textpage.close()
                page.close()
            # PDFium ends lines with CR LF and marks a hyphen it found at a line end with U+0002.
            text = text.replace("\r\n", "\n").replace("\x02", "\u2010")
            size += len(text)
            if size > MAX_TEXT_CHARS:
                raise PdfTextError(
                    gettext("%(name)s: the PDF holds more than %(most)s characters of text.")
                    % {"name": name, "most": number_format(MAX_TEXT_CHARS, force_grouping=True)}
                )
            pages.append(text)
            clock.check(number, count)
        return pages
    finally:
        document.close()


def extract_pages(
    data: bytes,
    *,
    name: str = "<input>",
    max_pages: int | None = None,
    max_seconds: float | None = None,
) -> list[str]:
    """Return the text of each page of the PDF in `data`; raise PdfTextError naming `name`.

    Two passes: pypdf reads the structure and inflates the page contents within limits, then
    pypdfium2 extracts the text (see bench/IMPORT.md for why). Every failure of either library
    (a damaged file, a stream that inflates past MAX_STREAM_BYTES, objects nested past the
    recursion limit, anything else they raise) becomes a PdfTextError, as do more than
    `max_pages` pages (MAX_PAGES), a reading that runs past `max_seconds` (MAX_SECONDS; checked
    after each page) and more than MAX_TEXT_CHARS of text.
    """
    max_pages = MAX_PAGES if max_pages is None else max_pages
    clock = _Clock(name, MAX_SECONDS if max_seconds is None else max_seconds)
    try:
        count = _check_structure(data, name=name, max_pages=max_pages, clock=clock)
        pages = _page_texts(data, name=name, count=count, clock=clock)
    except PdfTextError:
        raise
    except LimitReachedError as exc:
        raise PdfTextError(
            gettext("%(name)s: the PDF inflates past the size a narrative can have (%(error)s).")
            % {"name": name, "error": exc}
        ) from exc
    except RecursionError as exc:
        raise PdfTextError(
            gettext("%(name)s: the PDF nests its objects too deeply to be read.") % {"name": name}
        ) from exc
    except MemoryError as exc:
        raise PdfTextError(
            gettext("%(name)s: the PDF needs more memory than is allowed.") % {"name": name}
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any failure of the libraries is a damaged file
        logger.info("PDF refused: %s: %s: %s", name, type(exc).__name__, exc)
        raise PdfTextError(
            (
                gettext("%(name)s: the PDF cannot be read (%(error)s).")
                % {"name": name, "error": f"{type(exc).__name__}: {exc}"}
            )[:500]
        ) from exc
    if not any(page.strip() for page in pages):
        raise PdfTextError(
            gettext("%(name)s: the PDF holds no extractable text (a scan needs OCR before import).")
            % {"name": name}
        )
    return pages


def _shape(line: str) -> str:
    """Return the form in which running headers are compared: digits ignored, spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", line)).strip().casefold()


def _is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER_RE.fullmatch(line.strip()))


def strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove running headers, footers and page numbers from the edges of each page's lines.

    A line is running when the same line (digits ignored) stands at the same place from the top
    or from the bottom on more than half of the pages, or among the edge lines (top and bottom
    together) of more than three quarters of them, or when it is a bare page number. The second
    rule is for margin boxes that text extraction puts before a page's body on some pages and
    after it on others; its higher bar keeps a section heading that happens to stand near an
    edge on many short pages.
    """
    recurring: set[tuple] = set()
    if len(pages) >= 2:
        placed: Counter[tuple] = Counter()
        anywhere: Counter[tuple] = Counter()
        for lines in pages:
            content = [line for line in lines if line.strip()]
            top = [("top", k, _shape(line)) for k, line in enumerate(content[:_EDGE_LINES])]
            bottom = [
                ("bottom", k, _shape(line))
                for k, line in enumerate(reversed(content[-_EDGE_LINES:]))
            ]
            placed.update(top + bottom)
            anywhere.update({("edge", shape) for _, _, shape in top + bottom})
        recurring = {key for key, n in placed.items() if n >= len(pages) // 2 + 1}
        recurring |= {key for key, n in anywhere.items() if n * 4 > len(pages) * 3}

    def running(line: str) -> bool:
        return _is_page_number(line) or ("edge", _shape(line)) in recurring

    def placed_running(edge: str, k: int, line: str) -> bool:
        return running(line) or (edge, k, _shape(line)) in recurring

    cleaned = []
    for lines in pages:
        lines = [line for line in lines if line.strip()]
        # Peel from each edge only while lines are running ones, so a body line that happens to
        # look like a header (a section title in mid-page) is never touched.
        top = 0
        while top < min(len(lines), _EDGE_LINES) and placed_running("top", top, lines[top]):
            top += 1
        bottom = 0
        while bottom < min(len(lines) - top, _EDGE_LINES) and placed_running(
            "bottom", bottom, lines[-1 - bottom]
        ):
            bottom += 1
        cleaned.append(lines[top : len(lines) - bottom])
    return cleaned


def _word_forms(text: str) -> tuple[set[str], set[str]]:
    """Return the words of `text` written whole and those written with an inner hyphen."""
    whole = set(re.findall(r"[a-z]+", text.casefold()))
    hyphenated = set(re.findall(r"[a-z]+-[a-z]+", text.casefold()))
    return whole, hyphenated


def keep_hyphen(
    first: str, second: str, whole: set[str], hyphenated: set[str], *, typeset: bool = False
) -> bool:
    """Decide whether the line-end hyphen between `first` and `second` belongs to the word.

    Keep it for a known compound pattern, for capitals or digits (names, "COVID-19"), and when
    the document writes the pair with a hyphen elsewhere; join only when the document writes the
    joined word elsewhere. Otherwise keep it: a real hyphen is more common in these texts than a
    typesetter's soft break. A `typeset` hyphen (U+2010, which authors do not type but
    hyphenating typesetters insert) is joined unless one of the keeping rules above holds.
    """
    a, b = first.casefold(), second.casefold()
    if not (first.isalpha() and second.isalpha()) or not second.islower():
        return True
    if a in _HYPHEN_PREFIXES or b in _HYPHEN_SUFFIXES:
        return True
    if f"{a}-{b}" in hyphenated:
        return True
    if typeset:
        return False
    return (a + b) not in whole


# The ASCII hyphen-minus and U+2010 HYPHEN, which typesetters insert when they hyphenate.
_LINE_END_HYPHEN_RE = re.compile(r"(\w+)([-\u2010])[ \t]*\n[ \t]*(\w+)")


def repair_hyphenation(text: str) -> str:
    """Join words split by a soft hyphen at a line end; decide real hyphens by `keep_hyphen`."""
    text = re.sub(r"\u00ad[ \t]*\n[ \t]*", "", text).replace("\u00ad", "")
    # The rest of the document, with the split pairs themselves left out, is the evidence.
    evidence = _LINE_END_HYPHEN_RE.sub(" ", text)
    whole, hyphenated = _word_forms(evidence)

    def fix(match: re.Match) -> str:
        first, second = match.group(1), match.group(3)
        typeset = match.group(2) == "\u2010"
        if keep_hyphen(first, second, whole, hyphenated, typeset=typeset):
            return f"{first}-{second}"
        return first + second

    return _LINE_END_HYPHEN_RE.sub(fix, text)


def pages_to_text(pages: list[str]) -> str:
    """Join extracted pages into one narrative text, repairing the layout's artefacts."""
    split = [
        [line.rstrip() for line in page.translate(_LIGATURES).replace("\r", "\n").split("\n")]
        for page in pages
    ]
    body = strip_running_lines(split)
    # A plain line break between pages: the parser reads a mid-sentence break as a wrapped line.
    text = "\n".join("\n".join(lines) for lines in body if lines)
    text = unicodedata.normalize("NFC", text)
    return repair_hyphenation(text).strip() + "\n"


def pdf_to_text(data: bytes, *, name: str = "<input>") -> str:
    """Return the narrative text of the PDF in `data`; raise PdfTextError naming `name`."""
    return pages_to_text(extract_pages(data, name=name))


def is_pdf(data: bytes) -> bool:
    """Tell whether `data` is a PDF by its signature (the first bytes), not by a file name."""
    return data.lstrip(b"\r\n\t \x00")[:5] == b"%PDF-"
