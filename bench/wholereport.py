"""Build whole-report documents from the real narratives: as text, and as a PDF.

The annual report is one document: front matter and topical chapters, the tier placement lists,
then the country narratives in alphabetical order with the special cases last, then appendices;
every page carries a running header ("TRAFFICKING IN PERSONS REPORT | JUNE 2021"), the country of
the page and a page number. The documents made here have that layout around the texts of real
narratives, so the splitter and the importer are tried on the shape of the real thing without
downloading it. The front matter, tier lists and appendices are short stand-ins written for these
documents; only the narratives are real.

Used by the tests (small documents) and by the bench (about 190 narratives, about 500 pages).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

RUNNING_HEADER = "TRAFFICKING IN PERSONS REPORT | JUNE {year}"

FRONT_MATTER = """{year} Trafficking in Persons Report
June {year}
TABLE OF CONTENTS
Introduction 3
Tier Placements 40
Country Narratives 52
Relevant International Conventions 600
INTRODUCTION
This document has the layout of the annual report: an introduction, topical chapters and the
tier placement lists come first, the country narratives follow in alphabetical order, and the
appendices close it. Each narrative opens with a heading that names the country and its tier,
written as the country's name, a colon and the tier.
TOPICAL CHAPTER
Governments are placed on tiers according to the efforts they make. Tier 1 is the highest
ranking and Tier 3 the lowest; countries whose situation does not allow an assessment are
special cases.
TIER PLACEMENTS
{tier_lists}
COUNTRY NARRATIVES
"""

APPENDICES = """RELEVANT INTERNATIONAL CONVENTIONS
The conventions each country has ratified are listed in a table in the report.
STOPPING HUMAN TRAFFICKING, SEXUAL EXPLOITATION, AND ABUSE BY INTERNATIONAL PEACEKEEPERS
An appendix of the report describes the reports received during the year.
GLOSSARY OF ACRONYMS
NGO Non-governmental organization
"""

TIER_TITLES = {
    "tier_1": "TIER 1",
    "tier_2": "TIER 2",
    "tier_2_watch_list": "TIER 2 WATCH LIST",
    "tier_3": "TIER 3",
    "special_case": "SPECIAL CASES",
}


@dataclass
class Entry:
    """One narrative to put in a document: its text from the heading on, and its facts."""

    country: str
    tier: str
    text: str


_TITLE_LINE = re.compile(r"\A\s*(?:19|20)\d\d Trafficking in Persons Report: [^\n]*\n+")


def report_body(text: str) -> str:
    """Return a narrative's text as the report prints it: without a web copy's title line."""
    return _TITLE_LINE.sub("", text, count=1).strip("\n")


def tier_lists(entries: list[Entry]) -> str:
    lines = []
    for code, title in TIER_TITLES.items():
        names = sorted(entry.country for entry in entries if entry.tier == code)
        if names:
            lines.append(title)
            lines.extend(names)
    return "\n".join(lines)


def report_text(
    entries: list[Entry], *, year: int, page_lines: int = 0, page_headers: bool = True
) -> str:
    """Return the whole report as one text.

    With `page_lines`, a page break is simulated every `page_lines` lines inside the narratives:
    the running header, the country of the page and a page number, as a text copied from the PDF
    keeps them.
    """
    ordered = sorted(
        entries, key=lambda entry: (entry.tier == "special_case", entry.country.casefold())
    )
    out = FRONT_MATTER.format(year=year, tier_lists=tier_lists(entries)).split("\n")
    page = 52
    for entry in ordered:
        for n, line in enumerate(report_body(entry.text).split("\n"), start=1):
            out.append(line)
            if page_lines and page_headers and n % page_lines == 0:
                page += 1
                out.extend([str(page), RUNNING_HEADER.format(year=year), entry.country.upper()])
    out.extend(APPENDICES.split("\n"))
    return "\n".join(out).strip() + "\n"


def render_pdf(text: str, *, year: int, page_size: str = "A4", font_pt: float = 10) -> bytes:
    """Render a report text line by line with a running header, the page's country and numbers.

    The country of each page comes from the narrative heading that last stood on or before it
    (CSS `string-set`), as in the printed report.
    """
    from weasyprint import HTML

    from tracker.tipreport import parse_header_line

    paragraphs = []
    for line in text.split("\n"):
        if not line.strip():
            paragraphs.append("<p>&#160;</p>")
            continue
        header = parse_header_line(line)
        css_class = ' class="heading"' if header else ""
        country = f' data-country="{html.escape(header[0].upper())}"' if header else ""
        paragraphs.append(f"<p{css_class}{country}>{html.escape(line)}</p>")
    running = RUNNING_HEADER.format(year=year)
    css = (
        f"@page {{ size: {page_size}; margin: 2cm 1.5cm;"
        f' @top-left {{ content: "{running}"; font-size: 7pt }}'
        " @top-right { content: string(country); font-size: 7pt }"
        " @bottom-center { content: counter(page); font-size: 7pt } }"
        # A named font rather than the machine's default serif, so the layout (and the text a
        # PDF reader extracts) is the same on every machine.
        f' p {{ margin: 0; font: {font_pt}pt "DejaVu Serif", serif; text-align: justify }}'
        " p.heading { string-set: country attr(data-country); font-weight: bold }"
    )
    body = "".join(paragraphs)
    document = f"<html lang='en'><head><style>{css}</style></head><body>{body}</body></html>"
    return HTML(string=document).write_pdf()
