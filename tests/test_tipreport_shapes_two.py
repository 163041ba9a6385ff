"""Narrative shapes met in a second set of real copies (reposts, a government site, archives).

Each text here is written for the test in the shape the real copies have: the layout of the
list, the spaces, the place of the cut are theirs; the wording is not copied from them.
"""

import pytest

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

ITEMS = [
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
