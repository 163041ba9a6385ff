"""Split a document that holds many country narratives into one text per narrative.

Plain Python (standard library only, no Django), beside the narrative parser (`tracker.tipreport`).
A document is the whole annual report (as text, or the text `tiptracker.lib.pdftext` extracts
from its PDF) or several country pages pasted one after another. It is read as:

- a **country heading** starts a narrative: a line the parser reads as a header of a known
  country ("BURMA: Tier 3", "Burma (Tier 3)", "SPECIAL CASE: YEMEN", "CURAÇAO: Tier 2†"), and only
  when the lines right after it open a narrative's introduction (its first sentence speaks of
  the "minimum standards" or says the country "remains a Special Case"), so a heading quoted in
  a chapter is not one.
  A title line ("2021 Trafficking in Persons Report: Syria") right before the heading belongs to
  that narrative;
- everything before the first narrative is front matter (the introduction, topical chapters, the
  tier placement lists) and is skipped;
- a narrative ends at the next country heading, or at the first line after its first section
  heading that is a heading of another kind (an upper-case line such as "RELEVANT INTERNATIONAL
  CONVENTIONS"): the appendices and chapters after the last narrative are skipped too;
- running page headers ("TRAFFICKING IN PERSONS REPORT | JUNE 2021", "COUNTRY NARRATIVES", the
  narrative's own country name standing alone) and bare page numbers are removed from each
  narrative, wherever a page break put them.

The report year is the one the document states ("2021 Trafficking in Persons Report", or the
running header's "JUNE 2021"), if any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.countries import normalize_name
from tracker.tipreport import (
    join_wrapped_tier,
    normalize_whitespace,
    parse_header_line,
    section_heading_key,
)

# How far after a heading the introduction must show that a narrative starts there: its first
# sentence, within the first few lines (a PDF wraps it), speaks of the minimum standards or of
# a special case.
_INTRO_LINES = 3
_INTRO_CHARS = 600
_INTRO_RE = re.compile(r"minimum\s+standards|\b(?:remains?|is)\s+a\s+special\s+case", re.I)

# "TRAFFICKING IN PERSONS REPORT | JUNE 2021", alone or followed by the page's country as the
# margin boxes of one page come out on one line ("... JUNE 2021 NORTH KOREA").
_RUNNING_HEADER_RE = re.compile(
    r"(?:(?:19|20)\d\d\s+)?TRAFFICKING\s+IN\s+PERSONS\s+REPORT"
    r"(?:\s*[|:–—-]?\s*(?:[A-Z]+\s+)?(?:19|20)\d\d)?(?:\s+[A-Z][A-Z’'.,() -]*)?"
    r"|COUNTRY\s+NARRATIVES",
)
_PAGE_NUMBER_RE = re.compile(r"(?:page\s+)?\d{1,4}(?:\s+(?:of|/)\s+\d{1,4})?", re.I)
_DOCUMENT_YEAR_RES = (
    re.compile(r"\b(?P<year>(?:19|20)\d\d)\s+Trafficking\s+in\s+Persons\s+Report\b", re.I),
    re.compile(
        r"TRAFFICKING\s+IN\s+PERSONS\s+REPORT\s*[|:–—-]?\s*(?:[A-Z]+\s+)?(?P<year>(?:19|20)\d\d)"
    ),
)
_TITLE_LINE_RE = re.compile(
    r"(?:19|20)\d\d\s+(?:Trafficking\s+in\s+Persons|TIP)\s+Report\s*[:\-–—]\s*.+", re.I
)
# Every heading names a tier (or a special case) after a colon or in parentheses.
_HEADING_HINT = re.compile(r"[:(].*(?:tier|special\s+case)|special\s+case\s*:", re.I)
_REC_HEADING_RE = re.compile(r"(?:PRIORITIZED\s+)?RECOMMENDATIONS\b.*", re.I)


@dataclass
class Part:
    """One country narrative of a document: its heading as written and its text."""

    heading: str
    country: str
    text: str
    line: int  # 1-based line of the document where the heading stands


@dataclass
class Document:
    """The narratives of a document, with the year the document states (or None)."""

    year: int | None
    parts: list[Part] = field(default_factory=list)


def document_year(text: str) -> int | None:
    """Return the report year a document states in its title or running header, else None."""
    head = text[:20000]
    for pattern in _DOCUMENT_YEAR_RES:
        match = pattern.search(head)
        if match:
            return int(match.group("year"))
    return None


def _is_running_line(line: str, country_names: set[str]) -> bool:
    text = normalize_whitespace(line)
    return bool(
        _RUNNING_HEADER_RE.fullmatch(text)
        or _PAGE_NUMBER_RE.fullmatch(text)
        or (text.isupper() and normalize_name(text) in country_names)
    )


def _ends_narrative(line: str) -> bool:
    """Tell whether an upper-case line after the sections is a heading of something else."""
    text = normalize_whitespace(line).rstrip(":")
    if len(text) < 4 or len(text) > 120 or not text.isupper() or text.endswith("."):
        return False
    # Two words of three capitals or more: a heading, not an acronym wrapped onto its own line.
    return bool(
        len(re.findall(r"[A-Z]{3,}", text)) >= 2
        and not section_heading_key(text)
        and not _REC_HEADING_RE.fullmatch(text)
    )


def _opening(lines: list[str], start: int) -> str:
    """Return the first few non-blank lines from `start` on, joined."""
    found: list[str] = []
    for line in lines[start : start + 4 * _INTRO_LINES]:
        if line.strip():
            found.append(line.strip())
            if len(found) == _INTRO_LINES:
                break
    return " ".join(found)[:_INTRO_CHARS]


def _headings(lines: list[str]) -> list[tuple[int, str, str]]:
    """Return (line index, heading as written, country name) of each narrative's heading."""
    found = []
    for index, line in enumerate(lines):
        if len(line) > 150 or not _HEADING_HINT.search(line):
            continue
        parsed = parse_header_line(line)
        if parsed is None:
            continue
        line = lines[index] = join_wrapped_tier(line, lines, index)
        if _INTRO_RE.search(_opening(lines, index + 1)):
            found.append((index, normalize_whitespace(line), parsed[0]))
    return found


def split_document(text: str) -> Document:
    """Split `text` into its country narratives; see the module docstring for the rules.

    A text with no narrative heading, or with one, gives one part or none: the caller then
    parses it as a single narrative.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    headings = _headings(lines)
    document = Document(year=document_year(text))
    for n, (index, heading, country) in enumerate(headings):
        end = headings[n + 1][0] if n + 1 < len(headings) else len(lines)
        start = index
        # A title line right above the heading (blank lines between allowed) is the narrative's.
        above = index - 1
        while above >= 0 and not lines[above].strip():
            above -= 1
        if above >= 0 and _TITLE_LINE_RE.fullmatch(normalize_whitespace(lines[above])):
            start = above
        if n + 1 < len(headings):
            below = headings[n + 1][0] - 1
            while below > index and not lines[below].strip():
                below -= 1
            if below > index and _TITLE_LINE_RE.fullmatch(normalize_whitespace(lines[below])):
                end = below
        names = {normalize_name(country), normalize_name(heading.split(":")[0].split("(")[0])}
        body = []
        in_sections = False
        for line in lines[start:end]:
            if line.strip() and _is_running_line(line, names):
                continue
            if section_heading_key(line):
                in_sections = True
            elif in_sections and _ends_narrative(line):
                break
            body.append(line)
        part_text = "\n".join(body).strip() + "\n"
        document.parts.append(
            Part(heading=heading, country=country, text=part_text, line=index + 1)
        )
    return document
