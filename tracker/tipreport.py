"""Parse one country narrative of the US Trafficking in Persons (TIP) Report.

Plain Python (the standard library, and Django's gettext alone for the messages, which are said
in the active language) so that it can be tested and reused on its own.

A narrative is, in order: an optional title line ("2021 Trafficking in Persons Report: North
Korea"), an optional header naming the country and its tier ("SYRIA: Tier 3", "Burma (Tier 3)",
"SPECIAL CASE: YEMEN"), an introduction that justifies the tier, a list of prioritized
recommendations (absent for special cases), then the sections PROSECUTION, PROTECTION,
PREVENTION and TRAFFICKING PROFILE, or GOVERNMENT EFFORTS for special cases.

The texts come from PDFs, web pages and re-publications, so the list is written in many shapes:
" • " bullets inline or one per line, one item per line or paragraph without a glyph, items run
together without a separator ("repression.End the"), hard-wrapped text in which an item that lacks
its final period runs into the next ("trafficking victims Recognize and use"), and pre-2019
semicolon lists ("...; and accede to the 2000 UN TIP Protocol."). Bullets are "•" anywhere, or
"*", "-" and "–" leading a line or standing between the end of one sentence and the capital of the
next ("... prison terms. * Fully implement ..."). Items run together also after a number or an
abbreviation ("... Service 11/199.Extend ...", "... (SOPs).Train ..."). Items are split only at
such boundaries, never at an internal ";" or em dash of a bulleted item.

Items that start with an adverb. Where no bullet marks it, an item starts with a capitalised
recommendation opener ("Provide", "Criminalize"), or with an adverb in "-ly" followed by one
("Formally approve the 2021-2025 NAP.", "Fully implement the victim identification ...",
"Widely disseminate standard operating procedures ...", "Proactively identify ...", as four
copies of 2015-2025 narratives write them): such an item continues the list, or opens it when
the heading is lost, where an item starting with its verb would. A sentence that starts
with an "-ly" word and no opener after it ("Only two shelters ...", "Additionally, the
government ...") or with an "-ly" noun ("Family support centers ...") is not an item.

The list without its heading (web copies lose it). The list is the run of bullet-like items
between the introduction and the first section heading (PROSECUTION, or GOVERNMENT EFFORTS for a
special case) or the end of the text. A paragraph after the introduction opens such a list only
when it starts with a recommendation opener ("Provide", "Criminalize", optionally after a bullet
glyph) AND is shaped like a list: it is led by a glyph, or holds a bullet between two sentences,
or two items run together, or is a "...; and ..." clause list, or a line of it (or the next
paragraph) starts another item right after a sentence ends. So a paragraph that merely contains a
bullet-like character (a dash, an asterisk, a stray "•") is never a list, and neither is a lone
sentence that happens to start with an imperative. The list ends where a line that is not an
item follows a complete item; that text is kept out of the recommendations.

Sources cut off mid-list (a repost, or a stored copy, that stops inside an item). When no
section follows the list, an item at the end that does not end a sentence is kept apart as cut
off (`truncated_item`, with a warning), and every item before it comes back whole: never merged
with it, never dropped. The cut may fall inside the item's first words, which do not yet show
that an item begins: a lone word that begins an opener ("Impr", "Am", "A"), an adverb alone
("Formally") or with such a word ("Fully imp"), after the end of a sentence, or on a new line
after an item that lost its final period, is taken for the start of the cut item rather than
for body text or the rest of the item before; a capitalised word inside an item, cut after its
first letter on the same line ("... police officers N"), stays in the item. A pre-2019 clause
list cut before its closing "; and ..." (the 2018 North Korea list cut at "...; criminalize
human trafficking; investigate and prosecute trafficking case") gives its complete clauses and
the cut one apart. Body text cut after the list (the stored 2018 North Korea copy ends "The
go") is neither: it starts with no opener.

One item per line straight after the introduction. A government site's text puts the list on
the lines right after the introduction's last, with no bullet, no heading and no blank line,
while blank lines separate its other paragraphs (and sometimes its later items). Inside a
paragraph, the list starts at a line that follows a line ending a sentence when that line is a
whole item (it starts with an opener and ends a sentence) and the next line, or the next
paragraph, starts another item. A line of an introduction that merely starts like an item
("Support for victims remained limited to two shelters.") is followed by prose, so the
introduction keeps it.

No-break spaces. Reposts of the web pages put no-break spaces (U+00A0), and some their narrow
(U+202F) or figure (U+2007) kin, at line ends, between sentences, after a bullet ("*\u00a0Train
police"), before the heading's colon, and alone on the line that stands for a blank one. Every
such fixed-width space reads as a plain space, so a bullet, a blank line or a heading is one
whatever space was typed; the recommendations keep plain spaces in their place.

Headers carry footnote marks in some copies ("CURAÇAO: Tier 2†", "Tier 2 Watch List*"); they are
ignored. A header-shaped first line whose country is not in the registry (a misspelling) still
gives the tier; the country comes from the caller, else from the title or introduction, with a
warning naming what the heading said. Website chrome (the "An official website of the United
States Government" banner, share links, tags, the footer) is dropped, and the text ends at the
first chrome line after the narrative begins.

A country or year stated only in the file name. Archives and reposts name their copies
"2015_kenya.txt", "2015_south-sudan.txt", and an excerpt may state neither its country nor its
year. The caller reads them from the name (`tracker.importer.country_from_name` and
`year_from_name`) and passes them as weak defaults (`default_country`, `default_year`): each is
used only when neither the caller nor the text gives a value; when the text states another,
the text wins and a warning says so ("The file name gives the country Uganda, but the text
states Kenya; using Kenya.").

Findings: the parser records ONE FINDING PER SENTENCE of the introduction and of each section.
A sentence is the smallest unit an analyst cites as evidence, and sentence boundaries are stable
across the PDF, web and re-published copies of one narrative (paragraph breaks are not). The
splitter does not break after abbreviations ("U.S.", "e.g.", "No.", "Mr.") or initials, and works
on whitespace-normalised text, so hard line breaks and hyphenation artefacts ("COVID19") are
harmless: text is kept as written, never repaired.

Cost: parsing takes time in proportion to the size of the text, whatever its shape, because
uploads are hostile as often as they are odd. No loop or pattern reads again what was already
read: tests at a position look at the text there (never at a slice of everything before or
after it), the list is joined line by line keeping only its end, patterns that look for a name
or an abbreviation stop after as many characters as the longest one has, and no pattern can
backtrack over a run it has already tried (tests/test_parser_scaling.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop

from tracker.countries import LONGEST_NAME, CountryInfo, match_country

SECTION_KEYS = (
    "prosecution",
    "protection",
    "prevention",
    "trafficking_profile",
    "government_efforts",
)

TIER_CODES = ("tier_1", "tier_2", "tier_2_watch_list", "tier_3", "special_case")

# English, as the narratives write them; the warnings say them in the active language.
TIER_LABELS = {
    "tier_1": gettext_noop("Tier 1"),
    "tier_2": gettext_noop("Tier 2"),
    "tier_2_watch_list": gettext_noop("Tier 2 Watch List"),
    "tier_3": gettext_noop("Tier 3"),
    "special_case": gettext_noop("Special Case"),
}

# Where a weak default (`default_year`, `default_country`) was read. Each message that names
# its source is a whole sentence per source, so that a translation never joins pieces.
FROM_FILE_NAME = "the file name"
FROM_DOCUMENT = "the document"
FROM_HEADING = "its heading"


class NarrativeError(ValueError):
    """Raised with a clear, human message when text cannot be parsed."""


@dataclass(frozen=True)
class Finding:
    """One sentence of the introduction or of a section, in reading order."""

    section: str
    position: int
    text: str


@dataclass
class Narrative:
    """Everything the parser extracts from one narrative."""

    country: str
    year: int
    tier: str
    title: str
    country_heading: str
    introduction: str
    tier_statement: str
    recommendations: list[str]
    truncated_item: str | None
    sections: dict[str, str]
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    year_in_text: bool = False
    tier_in_text: bool = False
    country_in_text: bool = False


# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------

# Share of control characters above which decoded bytes are taken to be binary, not text.
_MAX_CONTROL_SHARE = 0.01


def decode_narrative(data: bytes, *, name: str = "<input>") -> str:
    """Decode bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Fall back to Latin-1 for bytes that Windows-1252 leaves undefined. Raise NarrativeError
    naming `name` for binary data (NUL bytes, many control characters) or empty input.
    """
    if not data:
        raise NarrativeError(gettext("%(name)s: the file is empty.") % {"name": name})
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise NarrativeError(
                gettext("%(name)s: invalid UTF-16 text (%(reason)s).")
                % {"name": name, "reason": exc.reason}
            ) from exc
    else:
        if b"\x00" in data:
            raise NarrativeError(
                gettext("%(name)s: looks like binary data (NUL bytes), not text.") % {"name": name}
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    if not text.strip():
        raise NarrativeError(gettext("%(name)s: the file holds only whitespace.") % {"name": name})
    controls = len(_CONTROLS.findall(text))
    if "\x00" in text or controls / len(text) > _MAX_CONTROL_SHARE:
        raise NarrativeError(
            gettext("%(name)s: looks like binary data (control characters), not text.")
            % {"name": name}
        )
    return text


# Unicode's control characters (category Cc) are exactly U+0000-U+001F and U+007F-U+009F;
# of these, tab, line feed, vertical tab, form feed and carriage return belong in text.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


# --------------------------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------------------------

# A dash, the spaces (no-break ones too) after it, the line break and the next line's indent.
_BROKEN_AT_DASH = re.compile(r"([—-])[ \t\f\v\u00a0\u2007\u202f\u2009\u200a]*\n\s*(?=\w)")
_WORD_CHAR = re.compile(r"\w")


def _join_at_dash(match: re.Match) -> str:
    # Only after a word: the pattern starts at its dash, so that the scan is quick, and the
    # character before it is checked here.
    start = match.start()
    if start and _WORD_CHAR.match(match.string, start - 1):
        return match.group(1)
    return match.group(0)


def normalize_whitespace(text: str) -> str:
    """Join lines and collapse every run of whitespace (incl. no-break spaces) to one space.

    A line broken right after an unspaced em dash or a word hyphen is joined without a space,
    because the PDF broke the line there and no space was ever written ("officials—" / "exploit").
    """
    if "\n" in text:
        text = _BROKEN_AT_DASH.sub(_join_at_dash, text)
    # str.split() knows every whitespace the pattern \s+ knows, no-break spaces included.
    return " ".join(text.split())


# Abbreviations after which a period does not end a sentence or an item. Lower-cased, no period.
_ABBREVIATION_WORDS = (
    "no nos mr mrs ms dr st jr sr gen col lt capt sgt prof rev hon art arts vol sec para "
    "e.g i.e etc vs approx est fig cf u.s u.n u.k u.s.a inc ltd co corp dept govt"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())


_ABBREVIATION_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")

# Abbreviations and dotted initialisms are short. A longer run of letters and periods
# ("x.Yzx.Yzx.Yz...") is none, and is read only this far back from each of its periods, so that
# a text of such runs is read once, not once per period.
_LONGEST_ABBREVIATION = 24


def _is_abbreviation(text: str, end: int | None = None) -> bool:
    """Tell whether `text[:end]`, which a period follows, ends with an abbreviation or initial.

    Take the end as an index rather than a slice: a slice would copy the whole text before
    every period of it.
    """
    if end is None:
        end = len(text)
    if end and text[end - 1] == "\n":
        end -= 1
    # The last run of letters and periods, from its first letter: read from the end, since a
    # pattern anchored at the end would be tried at every position of a long text.
    limit = max(0, end - _LONGEST_ABBREVIATION)
    start = end
    while start > limit and text[start - 1] in _ABBREVIATION_CHARS:
        start -= 1
    if start == limit and start and text[start - 1] in _ABBREVIATION_CHARS:
        return False
    word = text[start:end].lstrip(".")
    if not word:
        return False
    if word.lower() in _ABBREVIATIONS:
        return True
    # Single letters and dotted initialisms: "U.S", "D.C", "J" (in "John F. Kennedy").
    return bool(re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", word))


_SENTENCE_END = re.compile(r"[.!?][”\"’')\]]*\s+(?=[“\"‘'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split whitespace-normalised text into sentences without breaking after abbreviations."""
    text = normalize_whitespace(text)
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if text[match.start()] == "." and _is_abbreviation(text, match.start()):
            continue
        sentence = text[start : match.end()].strip()
        if sentence:
            sentences.append(sentence)
        start = match.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


# --------------------------------------------------------------------------------------------
# Tiers and header lines
# --------------------------------------------------------------------------------------------

_TIER_WORDS = r"(?:Tier\s*[123](?:\s*Watch\s*-?\s*List)?|Special\s+Case)"
_TIER_RE = re.compile(r"tier\s*([123])(\s*watch\s*-?\s*list)?|(special\s+case)", re.IGNORECASE)


def tier_code(label: str) -> str | None:
    """Return the tier code for a label ("Tier 2 WATCH LIST", "tier_3", "Special Case")."""
    cleaned = label.strip().lower()
    if cleaned in TIER_CODES:
        return cleaned
    cleaned = cleaned.replace("_", " ").rstrip(". ")
    match = _TIER_RE.fullmatch(cleaned)
    if not match:
        return None
    if match.group(3):
        return "special_case"
    return "tier_2_watch_list" if match.group(2) else f"tier_{match.group(1)}"


# Footnote marks that follow a tier in some copies: "CURAÇAO: Tier 2†", "Tier 2 Watch List*".
_MARKS = r"[*†‡§]*"

_HEADER_PATTERNS = (
    # "SPECIAL CASE: YEMEN"
    re.compile(
        rf"(?P<tier>Special\s+Case){_MARKS}\s*(?::|\s[-–—])\s*(?P<country>[^:()]+?){_MARKS}\.?",
        re.I,
    ),
    # "THE GAMBIA: Tier 2 Watch List."  "LIBYA: Special Case"  "CURAÇAO: Tier 2†"
    re.compile(
        rf"(?P<country>[^()]+?)\s*(?::|\s[-–—])\s*(?P<tier>{_TIER_WORDS})\s*{_MARKS}\s*\.?", re.I
    ),
    # "Korea, Democratic People’s Republic of (Tier 3)"  "Burma (Tier 3*)"
    re.compile(
        rf"(?P<country>[^()]+?)\s*\(\s*(?P<tier>{_TIER_WORDS})\s*{_MARKS}\s*\)\s*{_MARKS}\s*\.?",
        re.I,
    ),
)

# What a country name in a header may look like when it is not in the registry (a misspelling):
# a few words of letters, no digits, no sentence punctuation.
_LOOSE_COUNTRY_RE = re.compile(r"[^\W\d_][\w’'., -]{0,58}", re.U)


def _header_candidates(line: str):
    """Yield (country as written, tier code) for each header pattern that `line` fits."""
    text = normalize_whitespace(line)
    if not text or len(text) > 150:
        return
    for pattern in _HEADER_PATTERNS:
        match = pattern.fullmatch(text)
        if match and (code := tier_code(match.group("tier"))) is not None:
            yield match.group("country").strip(), code


def _parse_header(line: str) -> tuple[CountryInfo, str] | None:
    for country, code in _header_candidates(line):
        info = match_country(country)
        if info is not None:
            return info, code
    return None


def _parse_unknown_header(line: str) -> tuple[str, str] | None:
    """Return (country as written, tier code) for a header whose country is not known."""
    parts = next(_header_candidates(line), None)
    if parts is None or not _LOOSE_COUNTRY_RE.fullmatch(parts[0]) or len(parts[0].split()) > 6:
        return None
    return parts


_WRAPPED_TIER_RE = re.compile(rf"watch\s*-?\s*list\s*{_MARKS}\s*\.?", re.I)


def join_wrapped_tier(line: str, lines: list[str], index: int) -> str:
    """Return a header line with "Watch List" joined back when the layout wrapped it.

    A long heading set in a narrow column comes out of a PDF as "...CONGO: Tier 2" and then
    "WATCH LIST" on the next line; the header is the two together, and the second line is
    blanked so that it is not read again.
    """
    after = index + 1
    while after < len(lines) and not lines[after].strip():
        after += 1
    if (
        after < len(lines)
        and re.search(r"tier\s*2\W*$", line, re.I)
        and _WRAPPED_TIER_RE.fullmatch(lines[after].strip())
    ):
        joined = f"{line.rstrip()} {lines[after].strip()}"
        if next(_header_candidates(joined), None):
            lines[after] = ""
            return joined
    return line


def parse_header_line(line: str) -> tuple[str, str] | None:
    """Return (country name, tier code) for a header line such as "THE GAMBIA: Tier 1.", else None.

    The country must be in the registry: a line whose "country" is unknown is not a header.
    """
    parsed = _parse_header(line)
    if parsed is None:
        return None
    info, code = parsed
    return info.name, code


_TITLE_RE = re.compile(
    r"(?P<year>(?:19|20)\d\d)\s+(?:Trafficking\s+in\s+Persons|TIP)\s+Report"
    r"(?:\s*[:\-–—]\s*(?P<country>.+?))?\s*",
    re.I,
)

# The sentence that states the tier: "therefore X remained on Tier 3", "was downgraded to
# Tier 3", "upgraded to Tier 2", "remains a Special Case".
_TIER_STATEMENT_RE = re.compile(
    r"\b(?:remain(?:ed|s)?\s+(?:on|at|in)|(?:downgraded|upgraded|moved|placed|ranked)\s+"
    r"(?:to|on|at)|(?:is|was)\s+(?:placed\s+)?on)\s+(?P<tier>Tier\s+[123](?:\s+Watch\s*-?\s*List)?)"
    r"|\bremain(?:ed|s)?\s+an?\s+(?P<special>Special\s+Case)",
    re.I,
)

# A country's name as an introduction writes it: no longer than twice the registry's longest
# name, which leaves room for "the" and other spellings. The patterns read no further after
# "Government of" or "therefore", so that a text of many of them is read once, not once each.
_NAME = rf"(?P<name>.{{1,{2 * LONGEST_NAME}}}?)"

# "The Government of the Democratic People’s Republic of Korea (DPRK ...) does not ..."
_GOVERNMENT_OF_RE = re.compile(
    rf"\bGovernment\s+of\s+{_NAME}(?=\s*\(|\s+(?:does|do|fully|is|has|did|was|remains|"
    r"demonstrated|made|continued)\b)"
)
# "Afghanistan does not fully meet ..."  "Yemen remains a Special Case ...": at the start only.
_OPENING_SUBJECT_RE = re.compile(
    rf"{_NAME}\s+(?:does\s+not\s+fully\s+meet|fully\s+meets|remains\s+a\s+Special\s+Case)"
)
_OPENING_SUBJECT_REACH = 2 * LONGEST_NAME + 40
# "...; therefore the DPRK remained on Tier 3."
_THEREFORE_RE = re.compile(rf"\btherefore,?\s+{_NAME}\s+(?:remained|remains|was|is)\b", re.I)


def _country_from_intro(intro: str) -> CountryInfo | None:
    """Return the country the introduction names as its subject, else None."""
    opening = _OPENING_SUBJECT_RE.match(intro[:_OPENING_SUBJECT_REACH])
    for matches in (
        _GOVERNMENT_OF_RE.finditer(intro),
        [opening] if opening else [],
        _THEREFORE_RE.finditer(intro),
    ):
        for match in matches:
            info = match_country(match.group("name"))
            if info is not None:
                return info
    return None


# --------------------------------------------------------------------------------------------
# Headings
# --------------------------------------------------------------------------------------------

_SECTION_HEADINGS = {
    "prosecution": "prosecution",
    "protection": "protection",
    "prevention": "prevention",
    "trafficking profile": "trafficking_profile",
    "government efforts": "government_efforts",
}

# "PRIORITIZED RECOMMENDATIONS:", "Prioritized Recommendations" (also inline in running text) and
# the pre-2019 "RECOMMENDATIONS FOR NORTH KOREA:".
_REC_HEADING_RE = re.compile(
    r"(?:\bPRIORITIZED\s+RECOMMENDATIONS|\bPrioritized\s+Recommendations"
    r"|^[ \t]*RECOMMENDATIONS\s+FOR\s+[^\n:]+)[ \t]*:?",
    re.M,
)


def section_heading_key(line: str) -> str | None:
    """Return the section key if `line` is a section heading in upper or title case."""
    if len(line) > 60:  # Headings are short; most lines are not, and this keeps parsing fast.
        return None
    text = normalize_whitespace(line).rstrip(":").strip()
    if not (text.isupper() or text == text.title()):
        return None
    return _SECTION_HEADINGS.get(text.lower())


# --------------------------------------------------------------------------------------------
# Recommendations
# --------------------------------------------------------------------------------------------

# Capitalised words that begin a recommendation, learned from the real lists (imperative verbs
# and the adverbs that sometimes precede them). Used only to tell where an item starts when the
# text has no bullet there, so the list errs on the side of common recommendation openings.
_ITEM_OPENER_WORDS = """
    accede adopt allocate allow amend apply approve assign authorize ban bolster build cease
    clarify collaborate collect complete conduct consider continue convict coordinate create
    criminalize dedicate define demobilize designate develop devote direct disseminate draft
    educate eliminate empower enable enact encourage end enforce enhance ensure establish
    expand extend facilitate finalize forge formalize fund grant harmonize hire hold identify
    implement improve include incorporate increase inform institutionalize integrate
    investigate issue launch maintain make mandate monitor negotiate offer operate partner pass
    permit prevent prioritize proactively prohibit promote prosecute protect provide publish
    raise ratify recognize reduce refer reform regulate reinstate remove repeal require resume
    revise screen seek sensitize sentence significantly standardize stop streamline strengthen
    support systematically take train undertake update utilize vigorously cohesively
    consistently robustly thoroughly effectively urgently
"""
_ITEM_OPENERS = frozenset(_ITEM_OPENER_WORDS.split())

# Private-use characters: unlike the ASCII separators \x1c-\x1f, str.strip() keeps them.
_SEP = "\ue000"  # Marks an item boundary inside the list text.
_END = "\ue001"  # Marks where the list stops and body text without a heading begins.

# What may follow the period, question or exclamation mark that ends a sentence.
_CLOSERS = "”\"’')]"

# A capitalised word (openers are shorter than this) and the word after it. Applied at a given
# position of the text, never to a slice of the rest of it.
_CAPITALISED_WORD_RE = re.compile(r"\s*([A-Z][a-z]{1,24})\b(?:\s+([a-z]{2,24})\b)?")

# Words in "-ly" that are no adverbs and may begin a sentence of a narrative.
_NOT_ADVERBS = frozenset(("assembly", "family", "italy", "july"))


def _starts_item(text: str, pos: int = 0) -> bool:
    """Tell whether `text` at `pos` begins a recommendation ("Provide", "Fully implement")."""
    match = _CAPITALISED_WORD_RE.match(text, pos)
    if not match:
        return False
    first = match.group(1).lower()
    if first in _ITEM_OPENERS:
        return True
    return first.endswith("ly") and first not in _NOT_ADVERBS and match.group(2) in _ITEM_OPENERS


def _ends_sentence(text: str) -> bool:
    """Tell whether `text` ends a sentence: a period (not an abbreviation's), "?" or "!"."""
    text = text.rstrip()
    if text.rstrip(_CLOSERS)[-1:] not in (".", "!", "?"):
        return False
    if text.endswith("."):
        return not _is_abbreviation(text, len(text) - 1)
    return True


_LOWERCASE_OR_HYPHEN = frozenset("abcdefghijklmnopqrstuvwxyz-")


def _ends_lowercase_word(text: str) -> bool:
    """Tell whether `text` ends in a lower-case word ("trafficking", "re-open", "two-")."""
    end = len(text.rstrip())
    start = end
    while start and text[start - 1] in _LOWERCASE_OR_HYPHEN:
        start -= 1
    run = text[start:end]
    # The word starts at a lower-case letter after a hyphen of the run, or at the run's first
    # letter when no word character stands before it.
    if re.search(r"-[a-z]", run):
        return True
    return run[:1].isalpha() and not (start and _WORD_CHAR.match(text, start - 1))


# What may start the body text that follows a list.
_CAPITAL_OR_QUOTE = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZ“"')

# The joined list is tested only at its end, and every test reads less than this far back:
# keeping just this much of it makes joining the lines linear in their length.
_TAIL = 200


def _mark_line_breaks(region: str, *, bulleted: bool) -> str:
    """Join the lines of the list, marking item boundaries and the end of the list.

    Between two lines there is an item boundary when the next line starts with a recommendation
    opener and the previous one ends a sentence (or, without bullets, ends in a lower-case word:
    an item that lost its final period). A line that ends a sentence and is followed by a line
    that does not start a recommendation means the list is over and body text follows.
    """
    parts: list[str] = []
    tail = ""  # the end of the text joined so far
    for line in region.split("\n"):
        nxt = line.strip()
        if not nxt:
            continue
        if not parts or tail.endswith(_SEP) or nxt.startswith(_SEP):
            joint = ""
        elif _starts_item(nxt) and (
            _ends_sentence(tail) or (not bulleted and _ends_lowercase_word(tail))
        ):
            joint = _SEP
        elif _ends_sentence(tail) and nxt[0] in _CAPITAL_OR_QUOTE:
            return "".join(parts) + _END + nxt
        elif len(tail) > 1 and tail[-1] in "—-" and _WORD_CHAR.match(tail, len(tail) - 2):
            joint = ""
        else:
            joint = " "
        parts += (joint, nxt)
        tail = nxt[-_TAIL:] if len(nxt) >= _TAIL else (tail + joint + nxt)[-_TAIL:]
    return "".join(parts)


_NO_SPACE_BOUNDARY = re.compile(r"(?<=[a-z)”’\"])\.(?=[A-Z][a-z])")
# After a number or an upper-case abbreviation ("… Service 11/199.Extend", "… the DPRK.Provide")
# the next item must start with a recommendation opener: "U.S.Government" is not a boundary.
_NO_SPACE_BOUNDARY_AFTER_CAPS = re.compile(r"(?<=[A-Z0-9])\.(?=[A-Z][a-z])")
_SPACED_BOUNDARY = re.compile(r"(?<=[.!?])[”’\")]*\s+(?=[A-Z][a-z]+\b)")
_NO_PERIOD_BOUNDARY = re.compile(r"(?<=[a-z])\s+(?=[A-Z][a-z]+\s+[a-z])")

# Words after which a capitalised opener cannot start a new item: "under the Protect Act".
_BINDING_WORD_LIST = "a an the of to and or for in on by with under its their"
_BINDING_WORDS = frozenset(_BINDING_WORD_LIST.split())
_LONGEST_BINDING_WORD = max(map(len, _BINDING_WORDS))


def _split_inline(piece: str, *, bulleted: bool) -> tuple[list[str], bool]:
    """Split one piece at boundaries within a line; return (items, list_ended)."""
    cuts: list[tuple[int, int, str]] = []  # (start, end, kind) of each boundary
    # Every test reads the piece at a position: a slice before or after each boundary would
    # copy the piece once per boundary.
    for match in _NO_SPACE_BOUNDARY.finditer(piece):
        if not _is_abbreviation(piece, match.start()):
            cuts.append((match.end(), match.end(), "item"))
    for match in _NO_SPACE_BOUNDARY_AFTER_CAPS.finditer(piece):
        if not _is_abbreviation(piece, match.start()) and _starts_item(piece, match.end()):
            cuts.append((match.end(), match.end(), "item"))
    if not bulleted:
        for match in _SPACED_BOUNDARY.finditer(piece):
            if piece[match.start() - 1] == "." and _is_abbreviation(piece, match.start() - 1):
                continue
            kind = "item" if _starts_item(piece, match.end()) else "end"
            cuts.append((match.start(), match.end(), kind))
        for match in _NO_PERIOD_BOUNDARY.finditer(piece):
            # The word before the boundary; binding words are short, so a few characters do.
            near = piece[max(0, match.start() - _LONGEST_BINDING_WORD - 1) : match.start()]
            before = near.rsplit(" ", 1)[-1]
            if before.lower() not in _BINDING_WORDS and _starts_item(piece, match.end()):
                cuts.append((match.start(), match.end(), "item"))
    items: list[str] = []
    pos = 0
    for start, end, kind in sorted(cuts):
        if start < pos:
            continue
        items.append(piece[pos:start])
        pos = end
        if kind == "end":
            return items, True
    items.append(piece[pos:])
    return items, False


# A glyph that leads a line of the list ("• Provide", "  * Provide", "– Provide").
_LEADING_GLYPH_RE = re.compile(r"^[ \t]*[•*\-–][ \t]+", re.M)
# A glyph between two items on one line: "• " anywhere; "*", "-" or "–" only between the end
# of a sentence and a capital ("… prison terms. * Fully implement …"), so that a dash or a
# footnote mark inside an item never splits it.
# A "•" takes the spaces around it; it is looked for only where a run of spaces begins, so
# that a long run is not read again from each of its spaces.
_INLINE_GLYPH_RE = re.compile(
    r"(?:(?<![ \t])[ \t]*)?•[ \t]*|(?<=[.!?”’\")\]])[ \t]+[*\-–][ \t]+(?=[A-Z“\"])"
)


def _mark_bullets(region: str) -> tuple[str, bool]:
    """Replace every bullet glyph by an item boundary; tell whether there were any."""
    marked, leading = _LEADING_GLYPH_RE.subn(_SEP, region)
    marked, inline = _INLINE_GLYPH_RE.subn(_SEP, marked)
    return marked, bool(leading or inline)


_SEMICOLON_LIST_RE = re.compile(r";\s+and\s+[^;]+$")


def _split_semicolon_list(text: str) -> list[str]:
    """Split a pre-2019 "...; ...; and ..." list into clauses as written."""
    items = [part.strip() for part in re.split(r";\s+", text)]
    items[-1] = re.sub(r"^and\s+", "", items[-1])
    return items


# Every prefix of an opener: where a cut fell inside the first word of an item ("Impr", "Am").
_OPENER_PREFIXES = frozenset(word[:n] for word in _ITEM_OPENERS for n in range(1, len(word) + 1))

# The first word of an item, or an adverb and the next word, at the very end of a text. Searched
# for in the last characters only.
_CUT_START_RE = re.compile(r"([A-Z][a-z]{0,24})(?:\s+([a-z]{1,24}))?\s*\Z")
_CUT_REACH = 60


def _cut_item_start(text: str, *, bulleted: bool) -> int | None:
    """Return where an item cut off inside its first words begins at the end of `text`, else None.

    The item is a lone word that begins an opener ("Impr", "Am"), an adverb ("Formally"), or an
    adverb and a word that begins an opener ("Fully impl"). It follows the end of a sentence
    or, in a list without bullets, a line that ends in a lower-case word (an item that lost its
    final period) other than "the", "of" ... (a wrapped line).
    """
    base = max(0, len(text.rstrip()) - _CUT_REACH)
    match = _CUT_START_RE.search(text, base)
    if not match:
        return None
    first, second = match.group(1).lower(), match.group(2)
    adverb = first.endswith("ly") and first not in _NOT_ADVERBS
    if second is None:
        begins_item = first in _OPENER_PREFIXES or adverb  # "Impr", "Formally"
    else:
        begins_item = adverb and second in _OPENER_PREFIXES  # "Fully imp"
    if not begins_item:
        return None
    start = match.start()
    end = start  # the end of the text before the cut item
    while end and text[end - 1].isspace():
        end -= 1
    before = text[max(0, end - _TAIL) : end]
    if _ends_sentence(before):
        return start
    # Without the period, only a line break tells an item from a capitalised word inside one.
    if bulleted or "\n" not in text[end:start] or not _ends_lowercase_word(before):
        return None
    last_word = before.rsplit(None, 1)[-1] if before.strip() else ""
    return None if last_word.lower() in _BINDING_WORDS else start


def _without_closing_border(region: str) -> str:
    """Drop the stray table border ("|") that closes some web copies, with its spaces."""
    stripped = region.rstrip()
    if stripped.endswith("|"):
        return stripped.rstrip("|").rstrip()
    return region


def _clean_item(item: str) -> str:
    return normalize_whitespace(item).strip(" " + _SEP + _END)


def split_recommendations(region: str, *, at_end: bool) -> tuple[list[str], str | None, bool]:
    """Split the text of a recommendations list into items.

    `at_end` says the region runs to the end of the text (no section follows), so its last item
    may have been cut off. Return (complete items, truncated last item or None, whether body
    text without a heading follows the list).
    """
    region = _without_closing_border(region.replace(_SEP, " ").replace(_END, " "))
    region, bulleted = _mark_bullets(region)
    cut = _cut_item_start(region, bulleted=bulleted) if at_end else None
    if cut is not None:
        # The items before the cut one are complete: another item follows them.
        items, _, followed_by_body = _split_marked(region[:cut], bulleted=bulleted, at_end=False)
        if not followed_by_body:
            return items, normalize_whitespace(region[cut:]), False
    return _split_marked(region, bulleted=bulleted, at_end=at_end)


def _split_marked(
    region: str, *, bulleted: bool, at_end: bool
) -> tuple[list[str], str | None, bool]:
    """Split a list whose bullets are marked; see `split_recommendations`."""
    joined = _mark_line_breaks(region, bulleted=bulleted)
    followed_by_body = _END in joined
    joined = joined.split(_END, 1)[0]

    flat = normalize_whitespace(joined.replace(_SEP, " "))
    if (
        not bulleted
        and _SEP not in joined
        and flat.count("; ") >= 2
        and (
            _SEMICOLON_LIST_RE.search(flat.rstrip("."))
            # A source cut off before the list's closing "; and ...".
            or (at_end and not followed_by_body and not _ends_sentence(flat))
        )
    ):
        items = _split_semicolon_list(flat)
        if _ends_sentence(items[-1]):
            items[-1] = items[-1][:-1]
            return items, None, followed_by_body
        if at_end and not followed_by_body:
            return items[:-1], items[-1], followed_by_body
        return items, None, followed_by_body

    items: list[str] = []
    for piece in joined.split(_SEP):
        parts, ended = _split_inline(piece, bulleted=bulleted)
        items.extend(parts)
        if ended:
            followed_by_body = True
            break
    items = [cleaned for item in items if (cleaned := _clean_item(item))]
    items = [item for item in items if re.search(r"\w", item)]
    truncated = None
    if items and at_end and not followed_by_body and not _ends_sentence(items[-1]):
        truncated = items.pop()
    return items, truncated, followed_by_body


# --------------------------------------------------------------------------------------------
# The narrative
# --------------------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """Return (offset, text) of the paragraphs of `text`.

    With blank lines, paragraphs are separated by them. Without any (PDF text, some web copies),
    a paragraph runs until a line that ends a sentence.
    """
    if re.search(r"\S\n[ \t]*\n\s*\S", text):
        pattern = re.compile(r"\S(?:.|\n(?![ \t]*\n))*")
        return [(m.start(), m.group()) for m in pattern.finditer(text)]
    paragraphs: list[tuple[int, str]] = []
    start = None
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            if start is None:
                start = offset
            if _ends_sentence(line):
                paragraphs.append((start, text[start : offset + len(line)]))
                start = None
        offset += len(line) + 1
    if start is not None:
        paragraphs.append((start, text[start:]))
    return paragraphs


def _looks_like_list(paragraph: str, next_is_item: bool, *, cut_off: bool = False) -> bool:
    """Tell whether `paragraph`, which follows the introduction, opens a list (see the module).

    `next_is_item` tells whether the paragraph after it starts an item; `cut_off`, that the
    paragraph is where the text was cut.
    """
    glyph = _LEADING_GLYPH_RE.match(paragraph)
    first = paragraph[glyph.end() :] if glyph else paragraph
    if not _starts_item(first):
        return False
    if glyph or _mark_bullets(paragraph)[1]:
        return True
    flat = normalize_whitespace(paragraph)
    if flat.count("; ") >= 2 and ("; and " in flat or (cut_off and not _ends_sentence(flat))):
        return True  # A pre-2019 list: "...; ...; and accede to ...", or cut before its "and"
    if any(
        not _is_abbreviation(flat, m.start()) and _starts_item(flat, m.end())
        for pattern in (_NO_SPACE_BOUNDARY, _NO_SPACE_BOUNDARY_AFTER_CAPS)
        for m in pattern.finditer(flat)
    ):
        return True  # Items run together: "...repression.End the ...", "...11/199.Extend ..."
    lines = [line for line in paragraph.split("\n") if line.strip()]
    # One item per line: a line that ends a sentence followed by one that starts an item.
    return any(
        _ends_sentence(prev) and _starts_item(nxt)
        for prev, nxt in zip(lines, lines[1:], strict=False)
    ) or (next_is_item and _ends_sentence(lines[-1]))


def _list_start_inside(paragraph: str, next_is_item: bool) -> int | None:
    """Return the offset of a list of one item per line that starts inside `paragraph`.

    Such a list follows a line that ends a sentence (the introduction's last) with no blank
    line between; its first line is a whole item (it starts with an opener and ends a
    sentence), and the next line, or the next paragraph (`next_is_item`), starts another.
    """
    lines = paragraph.split("\n")
    offset = len(lines[0]) + 1
    for k in range(1, len(lines)):
        line = lines[k]
        nxt_is_item = _starts_item(lines[k + 1]) if k + 1 < len(lines) else next_is_item
        if (
            nxt_is_item
            and _starts_item(line)
            and _ends_sentence(line)
            and _ends_sentence(lines[k - 1])
        ):
            return offset
        offset += len(line) + 1
    return None


def _headingless_list_start(text: str, *, at_end: bool) -> int | None:
    """Return the offset of a list that follows the introduction without a heading, else None.

    `at_end` says the text is the end of the narrative, so it may stop inside an item.
    """
    cut = _cut_item_start(text, bulleted=False) if at_end else None
    if cut is not None:
        text = text[:cut]  # the last paragraph left is followed by the cut item
    paragraphs = _paragraphs(text)
    for k, (offset, paragraph) in enumerate(paragraphs):
        last = k + 1 == len(paragraphs)
        next_is_item = cut is not None if last else _starts_item(paragraphs[k + 1][1])
        if k and _looks_like_list(paragraph, next_is_item, cut_off=last and at_end):
            return offset
        inside = _list_start_inside(paragraph, next_is_item)
        if inside is not None:
            return offset + inside
    return None


# Website chrome that copies of state.gov pages carry before the narrative and after it: the
# banner, the skip link, share links, tags and the footer. Compared with whole lines only.
_CHROME_LINE_RE = re.compile(
    r"an official website of the united states government(?:\s+here['’]?s how you know)?"
    r"|here['’]?s how you know|official websites use \.gov|secure \.gov websites use https"
    r"|a \.gov website belongs to an official government organization in the united states\.?"
    r"|a lock \(.*\) or https:// means you['’]?ve safely connected to the \.gov website\..*"
    r"|share sensitive information only on official, secure websites\.?"
    r"|skip to (?:main )?content|share(?: this page)?|facebook|twitter|linkedin|e-?mail|print"
    r"|copy link|tags|related articles|back to top|white house|usa\.gov"
    r"|office of the inspector general|archives|contact us|privacy policy"
    r"|accessibility statement|copyright information|foia|no fear act(?: data)?"
    r"|external link policy|subscribe to updates|u\.s\. department of state",
    re.I,
)


def _is_chrome(line: str) -> bool:
    if len(line) > 200:
        return False
    return bool(_CHROME_LINE_RE.fullmatch(normalize_whitespace(line)))


def _without_chrome(lines: list[str]) -> list[str]:
    """Drop the website chrome before the text, and everything from the first chrome line on."""
    start = 0
    while start < len(lines) and (not lines[start].strip() or _is_chrome(lines[start])):
        start += 1
    for end in range(start, len(lines)):
        if lines[end].strip() and _is_chrome(lines[end]):
            return lines[start:end]
    return lines[start:]


# The no-break (U+00A0, U+202F), figure (U+2007) and other fixed-width spaces that reposts put
# at line ends, between sentences and after bullets read as plain spaces, so that every rule
# written with a space (a bullet's, a blank line's, a heading's) holds for them too. Replaced
# with a pattern: str.translate with a table takes about twice as long as the whole parse.
_FIXED_SPACE_RE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


# The messages of `_resolve`, one whole sentence for each of the values it picks.
_SUPPLIED_DIFFERS = {
    "country": gettext_noop(
        "The text gives the country as %(stated)s, but %(supplied)s was supplied; "
        "using %(supplied)s."
    ),
    "year": gettext_noop(
        "The text gives the year as %(stated)s, but %(supplied)s was supplied; using %(supplied)s."
    ),
    "tier": gettext_noop(
        "The text gives the tier as %(stated)s, but %(supplied)s was supplied; using %(supplied)s."
    ),
}
_MISSING = {
    "country": gettext_noop(
        "%(name)s: the country is missing: the text does not state it and none was supplied."
    ),
    "year": gettext_noop(
        "%(name)s: the year is missing: the text does not state it and none was supplied."
    ),
    "tier": gettext_noop(
        "%(name)s: the tier is missing: the text does not state it and none was supplied."
    ),
}
# A weak default that the text contradicts, by what it is and where it was read.
_DEFAULT_DIFFERS = {
    ("country", FROM_FILE_NAME): gettext_noop(
        "The file name gives the country %(default)s, but the text states %(stated)s; "
        "using %(stated)s."
    ),
    ("country", FROM_HEADING): gettext_noop(
        "Its heading gives the country %(default)s, but the text states %(stated)s; "
        "using %(stated)s."
    ),
    ("year", FROM_FILE_NAME): gettext_noop(
        "The file name gives the year %(default)s, but the text states %(stated)s; "
        "using %(stated)s."
    ),
    ("year", FROM_DOCUMENT): gettext_noop(
        "The document gives the year %(default)s, but the text states %(stated)s; using %(stated)s."
    ),
}
_DEFAULT_COUNTRY_UNKNOWN = {
    FROM_FILE_NAME: gettext_noop("%(name)s: unknown country %(country)s (from the file name)."),
    FROM_HEADING: gettext_noop("%(name)s: unknown country %(country)s (from its heading)."),
}
_UNKNOWN_HEADING_USING_DEFAULT = {
    FROM_FILE_NAME: gettext_noop(
        "The heading names %(heading)s, which is not a known country; using %(country)s, "
        "as the file name gives it."
    ),
    FROM_HEADING: gettext_noop(
        "The heading names %(heading)s, which is not a known country; using %(country)s, "
        "as its heading gives it."
    ),
}


def _tier_label(code: str) -> str:
    return gettext(TIER_LABELS[code])


def _resolve(
    label: str,
    stated: str | int | None,
    supplied: str | int | None,
    warnings: list[str],
    name: str,
    show=str,
) -> str | int:
    """Pick the caller's value over the text's, warning when both are given and differ.

    `label` is "country", "year" or "tier": each has its own sentences.
    """
    if supplied is not None:
        if stated is not None and stated != supplied:
            warnings.append(
                gettext(_SUPPLIED_DIFFERS[label])
                % {"stated": show(stated), "supplied": show(supplied)}
            )
        return supplied
    if stated is None:
        raise NarrativeError(gettext(_MISSING[label]) % {"name": name})
    return stated


def parse_narrative(
    text: str,
    *,
    name: str = "<input>",
    year: int | None = None,
    country: str | None = None,
    tier: str | None = None,
    default_year: int | None = None,
    default_year_from: str = FROM_FILE_NAME,
    default_country: str | None = None,
    default_country_from: str = FROM_FILE_NAME,
) -> Narrative:
    """Parse one narrative; see the module docstring for the shapes it understands.

    Use the caller's year, country and tier when the text does not state them; when it does and
    the caller supplies a different value, the caller's value wins and a warning is added.
    `default_year` and `default_country` (read from `default_year_from` and
    `default_country_from`: FROM_FILE_NAME, FROM_DOCUMENT for the year, FROM_HEADING for the
    country) are weaker: each is used only when neither
    the caller nor the text gives a value, and a text stating another value wins with a
    warning. Raise NarrativeError naming `name` for empty text, a missing country, year or tier
    with no value supplied, or an unknown country or tier supplied.
    """
    if text is None or not text.strip():
        raise NarrativeError(gettext("%(name)s: the text is empty.") % {"name": name})
    supplied_info = None
    if country is not None:
        supplied_info = match_country(country)
        if supplied_info is None:
            raise NarrativeError(
                gettext("%(name)s: unknown country %(country)s.")
                % {"name": name, "country": repr(country)}
            )
    default_info = None
    if default_country is not None:
        default_info = match_country(default_country)
        if default_info is None:
            raise NarrativeError(
                gettext(_DEFAULT_COUNTRY_UNKNOWN[default_country_from])
                % {"name": name, "country": repr(default_country)}
            )
    supplied_tier = None
    if tier is not None:
        supplied_tier = tier_code(tier)
        if supplied_tier is None:
            raise NarrativeError(
                gettext("%(name)s: unknown tier %(tier)s; use one of %(codes)s.")
                % {"name": name, "tier": repr(tier), "codes": ", ".join(TIER_CODES)}
            )

    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _FIXED_SPACE_RE.sub(" ", text.replace(_SEP, " ").replace(_END, " "))
    lines = _without_chrome(text.split("\n"))
    warnings: list[str] = []

    # Title and header come first, in either order, possibly between blank lines.
    title = heading = ""
    title_year = None
    title_info = header_info = None
    header_tier = None
    unknown_heading = ""
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if not line:
            index += 1
            continue
        title_match = None if title else _TITLE_RE.fullmatch(normalize_whitespace(line))
        if title_match:
            title = normalize_whitespace(line)
            title_year = int(title_match.group("year"))
            if title_match.group("country"):
                title_info = match_country(title_match.group("country"))
            index += 1
            continue
        if not heading:
            line = join_wrapped_tier(line, lines, index)
        parsed = None if heading else _parse_header(line)
        if parsed:
            heading = normalize_whitespace(line)
            header_info, header_tier = parsed
            index += 1
            continue
        unknown = None if heading else _parse_unknown_header(line)
        if unknown:
            heading = normalize_whitespace(line)
            unknown_heading, header_tier = unknown
            index += 1
            continue
        break

    # Section headings split the rest; everything before the first is intro and list.
    section_starts = [
        (i, key) for i in range(index, len(lines)) if (key := section_heading_key(lines[i]))
    ]
    first_section = section_starts[0][0] if section_starts else len(lines)
    front = "\n".join(lines[index:first_section])

    recommendations: list[str] = []
    truncated = None
    body_follows = False
    heading_match = _REC_HEADING_RE.search(front)
    if heading_match:
        intro_text = front[: heading_match.start()]
        region = front[heading_match.end() :]
        list_found = True
    else:
        start = _headingless_list_start(front, at_end=not section_starts)
        intro_text = front if start is None else front[:start]
        region = "" if start is None else front[start:]
        list_found = start is not None
    if region.strip():
        recommendations, truncated, body_follows = split_recommendations(
            region, at_end=not section_starts
        )
        if body_follows:
            warnings.append(
                gettext(
                    "Text follows the recommendations without a section heading; "
                    "it was not assigned to a section."
                )
            )
    introduction = normalize_whitespace(intro_text)

    # A heading met again continues its section; the bodies are joined once, at the end.
    bodies: dict[str, list[str]] = {}
    for n, (line_no, key) in enumerate(section_starts):
        end = section_starts[n + 1][0] if n + 1 < len(section_starts) else len(lines)
        bodies.setdefault(key, []).append(normalize_whitespace("\n".join(lines[line_no + 1 : end])))
    sections = {key: " ".join(part for part in parts if part) for key, parts in bodies.items()}

    # Tier: the header first, else the statement in the introduction.
    intro_sentences = split_sentences(introduction)
    tier_statement = ""
    statement_tier = None
    for sentence in intro_sentences:
        matches = list(_TIER_STATEMENT_RE.finditer(sentence))
        if matches:
            # The last placement named is the outcome: "...was downgraded to Tier 3 but, with a
            # waiver, remained on Tier 2 Watch List" ends on the tier actually given.
            match = matches[-1]
            tier_statement = sentence
            statement_tier = tier_code(match.group("tier") or match.group("special"))
            break
    if header_tier and statement_tier and header_tier != statement_tier:
        warnings.append(
            gettext(
                "The header gives %(header)s but the introduction says %(stated)s; "
                "using the header."
            )
            % {"header": _tier_label(header_tier), "stated": _tier_label(statement_tier)}
        )
    stated_tier = header_tier or statement_tier

    # Country: the header, else the title, else the introduction's subject.
    if header_info and title_info and header_info is not title_info:
        warnings.append(
            gettext("The title names %(title)s but the header names %(header)s; using the header.")
            % {"title": title_info.name, "header": header_info.name}
        )
    stated_info = header_info or title_info or _country_from_intro(introduction)
    # The default country (the file name's) stands in only where the text states none.
    fallback_info = None
    if supplied_info is None and default_info is not None:
        if stated_info is None:
            fallback_info = default_info
        elif stated_info is not default_info:
            warnings.append(
                gettext(_DEFAULT_DIFFERS["country", default_country_from])
                % {"default": default_info.name, "stated": stated_info.name}
            )
    if unknown_heading:
        values = {"heading": repr(unknown_heading)}
        if supplied_info is not None:
            warning = gettext(
                "The heading names %(heading)s, which is not a known country; using %(country)s."
            ) % {**values, "country": supplied_info.name}
        elif stated_info is not None:
            warning = gettext(
                "The heading names %(heading)s, which is not a known country; using %(country)s, "
                "as the text names it elsewhere."
            ) % {**values, "country": stated_info.name}
        elif fallback_info is not None:
            warning = gettext(_UNKNOWN_HEADING_USING_DEFAULT[default_country_from]) % {
                **values,
                "country": fallback_info.name,
            }
        else:
            raise NarrativeError(
                gettext(
                    "%(name)s: the heading names %(heading)s, which is not a known country; "
                    "give the country."
                )
                % {**values, "name": name}
            )
        warnings.append(warning)

    given_info = supplied_info or fallback_info
    info = _resolve("country", stated_info, given_info, warnings, name, show=lambda c: c.name)
    if year is None and default_year is not None:
        if title_year is None:
            year = default_year
        elif title_year != default_year:
            warnings.append(
                gettext(_DEFAULT_DIFFERS["year", default_year_from])
                % {"default": default_year, "stated": title_year}
            )
    final_year = _resolve("year", title_year, year, warnings, name)
    final_tier = _resolve("tier", stated_tier, supplied_tier, warnings, name, show=_tier_label)

    if truncated is not None:
        warnings.append(
            gettext("The last recommendation is cut off: %(item)s; it was left out.")
            % {"item": repr(truncated)}
        )
    elif recommendations and not section_starts and not body_follows:
        warnings.append(
            gettext("The recommendations run to the end of the text; later items may be missing.")
        )
    if not recommendations and truncated is None and final_tier != "special_case":
        if list_found:
            warnings.append(
                gettext("The recommendations heading is present but no items follow it.")
            )
        else:
            warnings.append(
                gettext(
                    "No prioritized recommendations found; the text may be an excerpt cut off "
                    "before the list."
                )
            )

    findings = [
        Finding("introduction", position, sentence)
        for position, sentence in enumerate(intro_sentences, start=1)
    ]
    for key, body in sections.items():
        findings.extend(
            Finding(key, position, sentence)
            for position, sentence in enumerate(split_sentences(body), start=1)
        )

    return Narrative(
        country=info.name,
        year=int(final_year),
        tier=str(final_tier),
        title=title,
        country_heading=heading,
        introduction=introduction,
        tier_statement=tier_statement,
        recommendations=recommendations,
        truncated_item=truncated,
        sections=sections,
        findings=findings,
        warnings=warnings,
        year_in_text=title_year is not None,
        tier_in_text=stated_tier is not None,
        country_in_text=stated_info is not None,
    )
