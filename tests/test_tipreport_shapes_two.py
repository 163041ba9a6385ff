"""Narrative shapes met in a second set of real copies (reposts, a government site, archives).

Each text here is written for the test in the shape the real copies have: the layout of the
list, the spaces, the place of the cut are theirs; the wording is not copied from them.
"""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tracker.tipreport import parse_narrative

TITLE = "2015 Trafficking in Persons Report: Kenya"
HEADER = "KENYA: Tier 2 Watch List"
INTRO = (
    "The Government of Kenya does not fully meet the minimum standards for the elimination of "
    "trafficking; however, it is making significant efforts to do so. The government convicted "
    "more traffickers than in the previous year and opened a second shelter for adult victims. "
    "However, it did not finalize its national action plan, and officials continued to detain "
    "some victims for immigration offenses; therefore Kenya remained on Tier 2 Watch List."
)
HEADING = "PRIORITIZED RECOMMENDATIONS:"
PROSECUTION = (
    "PROSECUTION\n"
    "The government increased law enforcement efforts. The 2010 Counter-Trafficking in Persons "
    "Act criminalized sex trafficking and labor trafficking.\n"
)

# Items that start with an adverb, among items that start with a verb.
ADVERB_ITEMS = [
    "Increase investigations and prosecutions of trafficking offenses, including of officials.",
    "Formally approve the 2015-2019 NAP and fund its activities.",
    "Fully implement the victim identification guidelines for police and labor inspectors.",
    "Widely disseminate standard operating procedures for referring victims to care.",
    "Proactively identify trafficking victims among refugees and returning migrant workers.",
    "Train judges and prosecutors on the 2010 law.",
]
ITEMS = [
    "Increase investigations and prosecutions of trafficking offenses, including of officials.",
    "Train police to identify victims among children in commercial sex.",
    "Amend the 2010 law to remove the requirement of force for child victims.",
    "Provide shelter and care to adult victims of both sexes.",
]


def narrative(items_text: str, *, heading: bool = True, after: str = "\n" + PROSECUTION) -> str:
    """Return a web-page narrative whose list is `items_text`, as the copies lay it out."""
    opening = f"{TITLE}\n{HEADER}\n\n{INTRO}\n\n"
    if heading:
        opening += f"{HEADING}\n"
    return opening + items_text + "\n" + after


# --------------------------------------------------------------------------------------------
# Items that start with an adverb
# --------------------------------------------------------------------------------------------

LAYOUTS = {
    "one per line": "\n",
    "one per line between blank lines": "\n\n",
    "one after the other on a line": " ",
    "bullets inline": " • ",
    "bullets one per line": "\n• ",
}
# Without bullets, only the first word tells where an item starts.
UNBULLETED = ["one per line", "one per line between blank lines", "one after the other on a line"]
# Without a heading, items one after the other on a line are prose to the parser, whatever
# their first word: that layout is left out there.
WITHOUT_HEADING = [layout for layout in LAYOUTS if layout != "one after the other on a line"]


@pytest.mark.parametrize("layout", UNBULLETED)
def test_items_that_start_with_an_adverb_continue_a_list(layout):
    text = narrative(LAYOUTS[layout].join(ADVERB_ITEMS))

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == ADVERB_ITEMS
    assert parsed.truncated_item is None
    assert parsed.warnings == []


@pytest.mark.parametrize("layout", WITHOUT_HEADING)
def test_an_item_that_starts_with_an_adverb_opens_a_list_without_heading(layout):
    items = ADVERB_ITEMS[1:]
    text = narrative(LAYOUTS[layout].join(items), heading=False)

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == items
    assert parsed.introduction == INTRO
    assert parsed.warnings == []


@pytest.mark.parametrize(
    "body",
    [
        "Only two shelters served adult victims during the year.",
        "Additionally, the government did not report training officials.",
        "Family support centers remained closed for most of the year.",
    ],
)
def test_a_sentence_that_starts_with_an_adverb_but_no_imperative_still_ends_the_list(body):
    text = narrative("\n".join(ITEMS) + "\n" + body, after="")

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == ITEMS
    assert body not in " ".join(parsed.recommendations)
    assert any("without a section heading" in warning for warning in parsed.warnings)


# --------------------------------------------------------------------------------------------
# No-break spaces (U+00A0) and their narrow (U+202F) and figure (U+2007) kin in reposts
# --------------------------------------------------------------------------------------------

SPACES = {"no-break": "\u00a0", "narrow no-break": "\u202f", "figure": "\u2007"}
# The introduction in two paragraphs, so that the text has blank lines between paragraphs.
INTRO_FIRST, INTRO_REST = INTRO.split(" However, ")


def spaced(space: str) -> dict[str, str]:
    """Return the list written in the layouts where reposts put `space`."""
    return {
        "after a star bullet": narrative("\n".join(f"*{space}{item}" for item in ITEMS)),
        "after a leading dash": narrative("\n".join(f"-{space}{item}" for item in ITEMS)),
        "between a star bullet and the sentence before": narrative(
            ITEMS[0] + "".join(f" *{space}{item}" for item in ITEMS[1:])
        ),
        "before the heading's colon": narrative("\n".join(ITEMS)).replace(
            HEADING, HEADING.replace(":", f"{space}:")
        ),
        "at line ends and alone on the line before the list": (
            f"{TITLE}\n{HEADER}\n\n{INTRO_FIRST}\n\nHowever, {INTRO_REST}\n{space}\n"
            + "\n".join(f"{item}{space}" for item in ITEMS)
            + f"\n\n{PROSECUTION}"
        ),
    }


CASES = [(name, layout) for name in SPACES for layout in spaced(" ")]


@pytest.mark.parametrize(("space", "layout"), CASES)
def test_no_break_spaces_in_a_list_read_as_spaces(space, layout):
    text = spaced(SPACES[space])[layout]

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == ITEMS
    assert parsed.introduction == INTRO
    assert parsed.warnings == []


# --------------------------------------------------------------------------------------------
# One item per line straight after the introduction: no bullet, no blank line, no heading
# --------------------------------------------------------------------------------------------


def government_site(items: list[str], *, glued: int) -> str:
    """Return the text of a government site: paragraphs between blank lines, except that the
    first `glued` items follow the introduction's last line directly, one per line."""
    return (
        f"{HEADER}\n\n{INTRO_FIRST}\n\nHowever, {INTRO_REST}\n"
        + "\n".join(items[:glued])
        + "".join(f"\n\n{item}" for item in items[glued:])
        + f"\n\n{PROSECUTION}"
    )


@pytest.mark.parametrize("glued", [len(ITEMS), 2, 1], ids=["all", "two", "one"])
def test_items_one_per_line_straight_after_the_introduction_are_the_list(glued):
    text = government_site(ITEMS, glued=glued)

    parsed = parse_narrative(text, name="kenya.txt", year=2015)

    assert parsed.recommendations == ITEMS
    assert parsed.introduction == INTRO
    assert parsed.warnings == []


def test_a_line_of_the_introduction_that_starts_like_an_item_stays_in_it():
    # A PDF's hard-wrapped introduction, one sentence of which starts with a word that also
    # opens recommendations and happens to fill its own line.
    intro = (
        "The Government of Kenya does not fully meet the minimum standards for the\n"
        "elimination of trafficking; however, it is making significant efforts to do so.\n"
        "Support for victims remained limited to two shelters in the capital.\n"
        "Officials continued to detain some victims for immigration offenses; therefore\n"
        "Kenya remained on Tier 2 Watch List.\n"
    )
    text = f"{HEADER}\n\n{intro}\n" + "\n\n".join(ITEMS) + f"\n\n{PROSECUTION}"

    parsed = parse_narrative(text, name="kenya.txt", year=2015)

    assert parsed.recommendations == ITEMS
    assert "Support for victims remained limited" in parsed.introduction
    assert parsed.introduction.endswith("Kenya remained on Tier 2 Watch List.")


# --------------------------------------------------------------------------------------------
# Sources cut off mid-list (reposts that stop inside an item)
# --------------------------------------------------------------------------------------------

# Where the cut falls inside the item's first words, which do not yet say that it is an item.
CUTS = {
    "inside its first word": "Am",
    "after its first letter": "A",
    "right after an adverb": "Formally",
    "after an adverb": "Fully imp",
}
CUT_LAYOUTS = {
    "one per line": "\n",
    "one per line between blank lines": "\n\n",
    "one after the other on a line": " ",
}
NO_PERIODS = [item.rstrip(".") for item in ITEMS]
CUT_CASES = [
    pytest.param(layout, cut, heading, complete, id=f"{layout}-{cut}-{name}")
    for layout in CUT_LAYOUTS
    for cut in CUTS
    for heading, complete, name in [
        (True, ITEMS[:2], "heading"),
        (True, NO_PERIODS[:2], "items without final periods"),
        (False, ITEMS[:2], "no heading"),
    ]
    # Without a heading, items one after the other on a line are prose, cut or not; without
    # their periods, only line breaks separate them.
    if layout != "one after the other on a line" or name == "heading"
]


@pytest.mark.parametrize(("layout", "cut", "heading", "complete"), CUT_CASES)
def test_a_cut_off_source_returns_its_complete_items_and_flags_the_cut_one(
    layout, cut, heading, complete
):
    text = narrative(CUT_LAYOUTS[layout].join([*complete, CUTS[cut]]), heading=heading, after="")

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == complete
    assert parsed.truncated_item == CUTS[cut]
    assert f"The last recommendation is cut off: {CUTS[cut]!r}" in " ".join(parsed.warnings)
    assert parsed.introduction == INTRO


def test_a_capitalised_word_inside_an_item_cut_after_its_first_letter_stays_in_the_item():
    # "... officers N" was cut inside "Nairobi", a word of the item, not the start of another.
    cut = "Train police officers N"
    text = narrative("\n\n".join([ITEMS[0], cut]), after="")

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == ITEMS[:1]
    assert parsed.truncated_item == cut


def test_items_run_together_cut_after_the_first_letter_of_the_next_keep_the_last_whole():
    text = narrative("".join([*ITEMS[:2], "A"]), after="")

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == ITEMS[:2]
    assert parsed.truncated_item == "A"


def test_a_list_without_heading_cut_after_its_first_item_is_still_found():
    text = narrative(f"{ITEMS[0]}\nTra", heading=False, after="")

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == ITEMS[:1]
    assert parsed.truncated_item == "Tra"
    assert parsed.introduction == INTRO


# A pre-2019 list: clauses between semicolons, the last after "; and".
CLAUSES = [
    "Increase investigations and prosecutions of trafficking offenses",
    "train police to identify victims among children in commercial sex",
    "amend the 2010 law to remove the requirement of force for child victims",
]


@pytest.mark.parametrize("heading", [True, False], ids=["heading", "no heading"])
def test_a_clause_list_cut_before_its_closing_and_returns_the_complete_clauses(heading):
    cut = "provide shelter and care to adult vic"
    text = narrative("; ".join([*CLAUSES, cut]), heading=heading, after="")

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == CLAUSES
    assert parsed.truncated_item == cut
    assert parsed.introduction == INTRO


@pytest.mark.parametrize("body", ["The go", "The government", "In 2014, the"])
def test_body_text_cut_off_after_the_list_is_not_taken_for_an_item(body):
    text = narrative("\n".join(ITEMS) + "\n" + body, after="")

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == ITEMS
    assert parsed.truncated_item is None
    assert any("without a section heading" in warning for warning in parsed.warnings)


def test_items_run_together_after_a_number_open_a_list_without_heading():
    items = ["Enforce the minimum wage of Legal Notice 115.", ITEMS[1]]
    text = narrative("".join(items), heading=False)

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == items
    assert parsed.introduction == INTRO


# --------------------------------------------------------------------------------------------
# Every layout, every cut: generated lists
# --------------------------------------------------------------------------------------------

GENERATED_LAYOUTS = {
    "one per line": "\n",
    "one per line between blank lines": "\n\n",
    "one after the other on a line": " ",
    "bullets inline": " • ",
    "run together": "",
}
VERBS = ["Increase", "Train", "Amend", "Provide", "Investigate", "Establish", "Strengthen"]
ADVERB_OPENERS = ["Fully implement", "Formally approve", "Widely disseminate", "Proactively fund"]
WORDS = (
    "the law victims of trafficking and police shelters for children 2010 officials labor "
    "inspectors national plan care in commercial sex Kenya Nairobi NGOs (SOPs) 2015-2019 judges "
    "migrant workers including"
).split()
generated_item = st.builds(
    lambda opener, words: " ".join([opener, *words]) + ".",
    st.sampled_from(VERBS + ADVERB_OPENERS),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=10),
)


@settings(max_examples=150, deadline=None, database=None)
@given(
    items=st.lists(generated_item, min_size=2, max_size=6, unique=True),
    layout=st.sampled_from(list(GENERATED_LAYOUTS)),
    heading=st.booleans(),
    data=st.data(),
)
def test_a_list_in_any_layout_comes_back_item_for_item_whole_or_cut_anywhere(
    items, layout, heading, data
):
    # Without a heading, items one after the other on a line are prose to the parser.
    assume(heading or layout != "one after the other on a line")
    separator = GENERATED_LAYOUTS[layout]
    cut = data.draw(st.none() | st.integers(min_value=1, max_value=len(items) - 1))
    if cut is None:
        text = narrative(separator.join(items), heading=heading)
        complete, partial = items, None
    else:
        # Cut inside item `cut`, anywhere but inside its adverb (nothing shows an item there).
        words = items[cut].split()
        opener = words[0] if words[0] + " " + words[1] in ADVERB_OPENERS else ""
        end = data.draw(st.integers(min_value=len(opener) or 1, max_value=len(items[cut]) - 2))
        partial = items[cut][:end].rstrip()
        text = narrative(separator.join([*items[:cut], partial]), heading=heading, after="")
        complete = items[:cut]

    parsed = parse_narrative(text, name="kenya.txt")

    assert parsed.recommendations == complete
    assert parsed.truncated_item == partial
    assert parsed.introduction == INTRO
