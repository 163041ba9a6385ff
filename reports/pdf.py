"""Typeset progress summaries as PDF with Typst.

One template per document in `reports/typst/`: `country.typ` (a country's summary) and
`all_countries.typ` (every country of a year); a published snapshot is either of them with its
publication shown. A template reads all it prints from one input, `sys.inputs.data`: a JSON text
holding the summary as `reports.published.summary_to_dict` gives it, the labels of the
vocabularies, the dates in words and the charts (the server-drawn SVG of `reports.charts` with
their text alternatives). The templates set every value of it as text and never evaluate one,
so nothing a user typed (a reason, a title, a narrative) can act as Typst markup or code; and
the compiler's root is the template folder, so no file elsewhere can be read either way.

The PDF is tagged PDF/UA-1: the compiler refuses a document that breaks it (an image without
alternative text, text no font can show). Its creation time is the publication time of a
snapshot, or the as-of day of a live summary, so the same snapshot gives the same bytes.

Fonts are Debian's Noto (`make fonts`: fonts-noto-core for Latin, Cyrillic, Greek and Arabic,
fonts-noto-cjk for Hangul and Han), loaded once per process; the system's other fonts are
ignored so that every machine with those packages makes the same bytes. Compilers are kept per
process and reused (a compiler is not safe to share between threads at once, so each thread
takes an idle one, or makes one the first time several render together).
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import threading
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

import typst
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from reports import charts, pdf_words
from reports.published import summary_to_dict
from reports.summary_shape import (
    CONFIDENCE_LABELS,
    DIRECTION_LABELS,
    LINK_KIND_LABELS,
    PILLAR_LABELS,
    RATING_LABELS,
    SOURCE_TYPE_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
    Summary,
)
from tiptracker.lib.dates import long_date
from tracker.models import Audience

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent / "typst"
COUNTRY_TEMPLATE = TEMPLATE_DIR / "country.typ"
ALL_COUNTRIES_TEMPLATE = TEMPLATE_DIR / "all_countries.typ"

# Where Debian's packages put the fonts (PDF_FONT_DIRS in the settings overrides it).
DEFAULT_FONT_DIRS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto")
FONT_PACKAGES = "fonts-noto-core fonts-noto-cjk"
# Latin, Cyrillic and Greek; Arabic; Hangul and Han. Typst falls back to any other loaded font
# for a character none of these has.
FONT_FAMILIES = ("Noto Sans", "Noto Sans Arabic", "Noto Sans CJK KR", "Noto Sans CJK SC")

PDF_STANDARDS = ["ua-1"]

# A character no loaded font can show makes a PDF/UA-1 document fail; such a character is
# printed as U+FFFD instead (at most this many different ones per document).
_MAX_REPLACED = 32
_UNSHOWABLE = re.compile(r"the text `\"(.+?)\"` could not be displayed")
_DISALLOWED = re.compile(r"disallowed codepoint `\"(.+?)\"`")
_RUST_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]+)\}")
# C0 controls other than tab and line ends: PDF/UA-1 forbids some, and none prints anything.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_lock = threading.Lock()
_fonts: typst.Fonts | None = None
_idle: list[typst.Compiler] = []


def font_dirs() -> list[str]:
    """Return the folders the renderer loads fonts from."""
    return list(getattr(settings, "PDF_FONT_DIRS", DEFAULT_FONT_DIRS))


def _load_fonts() -> typst.Fonts:
    """Return the process's fonts, loading them the first time (the caller holds the lock)."""
    global _fonts
    if _fonts is None:
        dirs = [d for d in font_dirs() if Path(d).is_dir()]
        _fonts = typst.Fonts(
            include_system_fonts=False, include_embedded_fonts=True, font_paths=dirs
        )
        missing = [f for f in FONT_FAMILIES if f not in set(_fonts.families())]
        if missing:
            logger.warning(
                "PDF fonts missing (%s) in %s: install Debian's packages %s (`make fonts`). "
                "Until then PDFs use Typst's built-in fonts, which have no Arabic, Hangul or "
                "Han: such characters are printed as a replacement mark.",
                ", ".join(missing),
                ", ".join(font_dirs()),
                FONT_PACKAGES,
            )
    return _fonts


def missing_fonts() -> list[str]:
    """Return the font families the templates ask for that are not installed."""
    with _lock:
        families = set(_load_fonts().families())
    return [f for f in FONT_FAMILIES if f not in families]


@contextmanager
def _compiler():
    """Lend the calling thread a compiler of this process's pool, for one document."""
    with _lock:
        compiler = _idle.pop() if _idle else None
        if compiler is None:
            compiler = typst.Compiler(
                root=str(TEMPLATE_DIR), font_paths=_load_fonts(), ignore_system_fonts=True
            )
    try:
        yield compiler
    finally:
        with _lock:
            _idle.append(compiler)


def _printable(value):
    """Return `value` (JSON data) with the control characters of its texts left out."""
    if isinstance(value, Promise):
        value = str(value)  # a label marked for translation, in the active language
    if isinstance(value, str):
        return _CONTROLS.sub("", value)
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    return value


def _replace_in_svg(value, sequence: str):
    """Return `value` (JSON data) with `sequence` replaced by U+FFFD inside SVG drawings only."""
    if isinstance(value, str):
        return value.replace(sequence, "\ufffd") if value.startswith("<svg") else value
    if isinstance(value, dict):
        return {key: _replace_in_svg(item, sequence) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_in_svg(item, sequence) for item in value]
    return value


def _unescape(text: str) -> str:
    return _RUST_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def compile_pdf(
    template: Path, data: dict, *, created: datetime.datetime, standards=PDF_STANDARDS
) -> bytes:
    """Return `template` typeset with `data` (its `sys.inputs.data`) as a PDF created at `created`.

    Raise `typst.TypstError` when the compiler refuses the document.
    """
    data = _printable(data)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    replaced: list[str] = []
    with _compiler() as compiler:
        while True:
            try:
                return compiler.compile(
                    input=str(template),
                    format="pdf",
                    sys_inputs={"data": text},
                    pdf_standards=list(standards),
                    timestamp=created.astimezone(datetime.UTC).replace(microsecond=0),
                )
            except typst.TypstError as error:
                found = _UNSHOWABLE.search(error.message) or _DISALLOWED.search(error.message)
                if found is None or len(replaced) >= _MAX_REPLACED:
                    raise
                sequence = _unescape(found.group(1))
                if sequence in replaced or sequence not in text:
                    raise
                replaced.append(sequence)
                logger.warning("No PDF font has %r: printed as U+FFFD.", sequence)
                # A chart's drawing is where a shaped script can fail (its text is laid out by
                # the SVG renderer): replace there first, and in the texts only if it is not
                # there, so a report's words are never spoilt for a chart's sake.
                in_charts = _replace_in_svg(data, sequence)
                if in_charts != data:
                    data = in_charts
                    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                else:
                    text = text.replace(sequence, "\ufffd")


# --- The data a template reads -----------------------------------------------------------------

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day_words(content: dict) -> dict[str, str]:
    """Return every ISO day in `content` mapped to its words ("1 April 2021")."""
    days: dict[str, str] = {}

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value not in days and _ISO_DAY.fullmatch(value):
            days[value] = long_date(datetime.date.fromisoformat(value))

    walk(content)
    return days


def _pairs(labels: dict[str, str]) -> list[list[str]]:
    return [[code, str(label)] for code, label in labels.items()]


# Arabic's optional vowel and doubling marks (harakat, shadda). The compiler draws an SVG's text
# with no character behind a mark's glyph, which PDF/UA refuses; the words read the same
# without them, so a chart's SVG leaves them out (its table and text alternative keep them).
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")


def _chart(chart: charts.Chart) -> dict:
    """Return a chart as data: its SVG, its text alternative and the table of its numbers."""
    root = ET.fromstring(str(chart.svg))
    node = root.find("{http://www.w3.org/2000/svg}desc")
    desc = (node.text or "") if node is not None else ""
    return {
        "id": chart.id,
        "width": float(root.get("width", 640)),
        "title": chart.title,
        "alt": f"{chart.title}. {desc}".strip(),
        "svg": _ARABIC_MARKS.sub("", str(chart.svg)),
        "headers": [str(h) for h in chart.headers],
        "rows": [[str(cell) for cell in row] for row in chart.rows],
    }


def _marking(audience: str) -> str:
    """Return the marking each page of a non-public PDF carries ('' for a public one)."""
    if audience == Audience.PUBLIC:
        return ""
    if audience == Audience.RESTRICTED:
        return _("Restricted: do not share outside the team")
    return _("Internal: not for publication")


def _time_words(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def document_data(summary: Summary, *, record=None) -> dict:
    """Return what a template prints: the summary's published shape, labels, dates and charts.

    `record` is the `PublishedSummary` the summary was read from, if any.
    """
    content = summary_to_dict(summary)
    if summary.is_all_countries:
        title = _("Progress summary %(year)s: all countries") % {"year": summary.year}
        chart_list = {"": [_chart(c) for c in charts.scope_charts(summary)]}
    else:
        country = summary.countries[0]
        title = _("%(country)s: progress summary %(year)s") % {
            "country": country.name,
            "year": summary.year,
        }
        chart_list = {
            country.slug: [_chart(c) for c in charts.country_charts(country, summary=summary)]
        }
    published = None
    if record is not None:
        published = {
            "at": _time_words(record.published_at),
            "by": record.published_by.get_username() if record.published_by_id else "",
            "sha256": record.sha256,
        }
    language = (translation.get_language() or "en").split("-")[0]
    info = get_language_info(language)
    t = pdf_words.words()
    t["translation"] = t["translation"].replace("{language}", str(info["name_translated"]))
    return {
        # The document's language and direction: Typst shapes, hyphenates and lays it out so.
        "lang": language,
        "dir": "rtl" if info["bidi"] else "ltr",
        "t": t,
        "counted": pdf_words.count_table(content),
        "title": title,
        "fonts": list(FONT_FAMILIES),
        "summary": content,
        "marking": _marking(summary.audience),
        "published": published,
        "generated": (
            None
            if record is not None or summary.generated_at is None
            else _time_words(summary.generated_at)
        ),
        "words": {
            "period_label": _("Reporting period")
            if summary.schema_version < 2
            else _("Follow-up period"),
            "period": summary.period_words,
            "period_statement": summary.period_statement,
            "as_of": summary.as_of_words[:1].upper() + summary.as_of_words[1:],
            "audience_label": summary.audience_label,
            "audience": summary.audience_description,
            "follows_up": summary.schema_version >= 2,
            "no_changes": summary.no_changes_words,
            # How each scope's evidence links add up to its count of items, keyed by country
            # slug ("" for the whole scope).
            "evidence": {
                "": summary.totals.evidence_words,
                **{c.slug: c.totals.evidence_words for c in summary.countries},
            },
        },
        "days": _day_words(content),
        "labels": {
            "status": _pairs(STATUS_LABELS),
            "pillar": _pairs(PILLAR_LABELS),
            "rating": _pairs(RATING_LABELS),
            "confidence": _pairs(CONFIDENCE_LABELS),
            "tier": _pairs(TIER_LABELS),
            "link_kind": _pairs(LINK_KIND_LABELS),
            "source_type": _pairs(SOURCE_TYPE_LABELS),
            "direction": _pairs(DIRECTION_LABELS),
        },
        "colours": {"status": charts.STATUS_COLOURS},
        "charts": chart_list,
    }


def creation_time(summary: Summary, *, record=None) -> datetime.datetime:
    """Return the PDF's creation time: the publication time, else the start of the as-of day."""
    if record is not None:
        return record.published_at
    return timezone.make_aware(
        datetime.datetime.combine(summary.as_of, datetime.time.min), datetime.UTC
    )


def summary_pdf(summary: Summary, *, record=None) -> bytes:
    """Return the summary (of a country or of every country) as a tagged PDF/UA-1 document."""
    template = ALL_COUNTRIES_TEMPLATE if summary.is_all_countries else COUNTRY_TEMPLATE
    return compile_pdf(
        template,
        document_data(summary, record=record),
        created=creation_time(summary, record=record),
    )
