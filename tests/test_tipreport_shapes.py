"""The narrative shapes found in real copies, each made by rewriting a real narrative.

Every text here is a real narrative of tests/data/narratives/ (or the seed in fixtures/) with its
layout changed into one shape: the heading dropped, the bullets rewritten, a footnote mark put on
the tier, website chrome added around it. The wording of every recommendation stays as written
there, and each test expects exactly the recommendations the manifest records for that file.
"""

import json
import re
from pathlib import Path

import pytest

from tracker.tipreport import parse_narrative

TESTS = Path(__file__).resolve().parent
NARRATIVES = TESTS / "data" / "narratives"
SEED = TESTS.parent / "fixtures" / "tip-2021-north-korea.txt"
MANIFEST = {
    entry["file"]: entry
    for entry in json.loads((NARRATIVES / "MANIFEST.json").read_text(encoding="utf-8"))
}

SYRIA_2021 = (NARRATIVES / "2021_syria.txt").read_text(encoding="utf-8")
SYRIA_ITEMS = MANIFEST["2021_syria.txt"]["recommendations"]
GAMBIA_2021 = (NARRATIVES / "2021_gambia.txt").read_text(encoding="utf-8")
GAMBIA_ITEMS = MANIFEST["2021_gambia.txt"]["recommendations"]
DPRK_2022 = (NARRATIVES / "2022_north-korea.txt").read_text(encoding="utf-8")
DPRK_2022_ITEMS = MANIFEST["2022_north-korea.txt"]["recommendations"]
SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_ITEMS = MANIFEST["../tip-2021-north-korea.txt"]["recommendations"]
HEADING = "PRIORITIZED RECOMMENDATIONS:"


def without_heading(text: str) -> str:
    assert HEADING in text
    return text.replace(HEADING + "\n\n", "").replace(HEADING + "\n", "")


def one_per_line(text: str, glyph: str) -> str:
    """Rewrite an inline " • " list as one item per line, each led by `glyph` (or nothing)."""
    lead = f"{glyph} " if glyph else ""
    return re.sub(r" • ", "\n" + lead, text).replace(HEADING + "\n\n", HEADING + "\n\n" + lead)


# --------------------------------------------------------------------------------------------
# No "Prioritized Recommendations" heading
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("glyph", ["•", "*", "-", "–", ""])
def test_a_list_without_heading_one_item_per_line_parses_exactly(glyph):
    text = without_heading(one_per_line(SYRIA_2021, glyph))
    assert HEADING not in text

    narrative = parse_narrative(text, name="syria.txt")

    assert narrative.recommendations == SYRIA_ITEMS
    assert narrative.tier == "tier_3"
    assert narrative.introduction.endswith("unlawful acts traffickers compelled them to commit.")


@pytest.mark.parametrize("glyph", ["•", "*", "-", "–"])
def test_a_web_list_without_heading_led_by_indented_glyphs_parses_exactly(glyph):
    text = without_heading(DPRK_2022).replace("  • ", f"  {glyph} ")

    narrative = parse_narrative(text, name="dprk.txt")

    assert narrative.recommendations == DPRK_2022_ITEMS
    assert narrative.truncated_item == MANIFEST["2022_north-korea.txt"]["truncated_last_item"]


def test_a_list_without_heading_inline_bullets_parses_exactly():
    narrative = parse_narrative(without_heading(SYRIA_2021), name="syria.txt")

    assert narrative.recommendations == SYRIA_ITEMS


def test_the_whole_seed_without_its_heading_parses_exactly_and_keeps_its_sections():
    narrative = parse_narrative(without_heading(SEED_TEXT), name="seed.txt")

    assert narrative.recommendations == SEED_ITEMS
    assert set(narrative.sections) == {
        "prosecution",
        "protection",
        "prevention",
        "trafficking_profile",
    }


# --------------------------------------------------------------------------------------------
# Bullets written as "*" inline
# --------------------------------------------------------------------------------------------


def test_inline_star_bullets_separate_items():
    text = SYRIA_2021.replace(" • ", " * ")

    narrative = parse_narrative(text, name="syria.txt")

    assert narrative.recommendations == SYRIA_ITEMS


def test_inline_star_bullets_keep_the_cut_off_item_apart():
    text = GAMBIA_2021.replace(" • ", " * ")

    narrative = parse_narrative(text, name="gambia.txt")

    assert narrative.recommendations == GAMBIA_ITEMS
    assert narrative.truncated_item == "Impr"


def test_inline_star_bullets_without_heading():
    text = without_heading(SYRIA_2021.replace(" • ", " * "))

    narrative = parse_narrative(text, name="syria.txt")

    assert narrative.recommendations == SYRIA_ITEMS


# --------------------------------------------------------------------------------------------
# A footnote mark on the tier
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "header", "marked", "tier"),
    [
        ("2021_syria.txt", "SYRIA: Tier 3", "SYRIA: Tier 3†", "tier_3"),
        (
            "2021_gambia.txt",
            "THE GAMBIA: Tier 2 Watch List",
            "THE GAMBIA: Tier 2 Watch List*",
            "tier_2_watch_list",
        ),
        (
            "2022_north-korea.txt",
            "Korea, Democratic People’s Republic of (Tier 3)",
            "Korea, Democratic People’s Republic of (Tier 3*)",
            "tier_3",
        ),
    ],
)
def test_a_footnote_mark_on_the_tier_still_gives_the_header(file, header, marked, tier):
    original = (NARRATIVES / file).read_text(encoding="utf-8")
    assert header in original
    text = original.replace(header, marked)

    narrative = parse_narrative(text, name=file)

    assert narrative.country_heading == marked
    assert narrative.tier == tier
    assert narrative.country == MANIFEST[file]["country"]
    assert narrative.recommendations == MANIFEST[file]["recommendations"]
    assert marked not in narrative.introduction


def test_a_footnote_mark_gives_the_tier_when_the_introduction_does_not_state_it():
    header = "SYRIA: Tier 3"
    statement = "; therefore Syria remained on Tier 3"
    assert statement in SYRIA_2021
    text = SYRIA_2021.replace(statement, "").replace(header, "SYRIA: Tier 3†")

    narrative = parse_narrative(text, name="syria.txt")

    assert narrative.tier == "tier_3"
    assert narrative.tier_in_text


# --------------------------------------------------------------------------------------------
# Items run together after a closing number or abbreviation
# --------------------------------------------------------------------------------------------

# No item of the stored narratives ends in a number or an abbreviation, so the item before the
# real ones is a fragment of the shape real lists have, as quoted there; the real items
# that follow it must come out whole.
RUN_TOGETHER = [
    "Proclamation of National Service 11/199.",
    "(SOPs).",
]


@pytest.mark.parametrize("before", RUN_TOGETHER)
def test_items_run_together_after_a_number_or_abbreviation_are_split(before):
    items = "".join(SYRIA_ITEMS)
    region = f"{before}{items}"
    text = SYRIA_2021.replace(" • ".join(SYRIA_ITEMS), region)
    assert region in text

    narrative = parse_narrative(text, name="syria.txt")

    assert narrative.recommendations == [before, *SYRIA_ITEMS]


def test_the_seed_list_run_together_without_any_separator_splits_exactly():
    region = "".join(SEED_ITEMS)
    text = SEED_TEXT[: SEED_TEXT.index(HEADING)] + HEADING + "\n" + region + "\nPROSECUTION\nx.\n"

    narrative = parse_narrative(text, name="seed.txt")

    assert narrative.recommendations == SEED_ITEMS


# --------------------------------------------------------------------------------------------
# Website chrome around the text
# --------------------------------------------------------------------------------------------

CHROME_BEFORE = (
    "An official website of the United States Government Here's how you know\n"
    "Official websites use .gov\n"
    "A .gov website belongs to an official government organization in the United States.\n"
    "Secure .gov websites use HTTPS\n"
    "Skip to content\n"
)
CHROME_AFTER = (
    "\nShare\nFacebook\nTwitter\nLinkedIn\nEmail\n"
    "TAGS\nHuman Trafficking\nOffice to Monitor and Combat Trafficking in Persons\n"
    "White House\nUSA.gov\nOffice of the Inspector General\nArchives\nContact Us\n"
    "Privacy Policy\nAccessibility Statement\nCopyright Information\nFOIA\n"
)


def test_website_chrome_before_and_after_the_seed_is_left_out():
    text = CHROME_BEFORE + SEED_TEXT + CHROME_AFTER

    narrative = parse_narrative(text, name="web.txt")

    assert narrative.recommendations == SEED_ITEMS
    assert narrative.country == "North Korea"
    assert narrative.year == 2021
    assert "website" not in narrative.introduction
    profile = narrative.sections["trafficking_profile"]
    assert profile.endswith(SEED_TEXT.split()[-1])
    for word in ("Facebook", "USA.gov", "Privacy Policy", "TAGS"):
        assert word not in profile


def test_website_chrome_before_a_list_without_heading_is_left_out():
    text = CHROME_BEFORE + without_heading(SYRIA_2021)

    narrative = parse_narrative(text, name="web.txt")

    assert narrative.recommendations == SYRIA_ITEMS
    assert narrative.country_heading == "SYRIA: Tier 3"


# --------------------------------------------------------------------------------------------
# A misspelt or unknown country heading when the country is given
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("heading", ["SYRA: Tier 3", "SYRIAN ARAB REPUBLC: Tier 3"])
def test_the_given_country_wins_over_a_misspelt_heading_with_a_warning(heading):
    text = SYRIA_2021.replace("SYRIA: Tier 3", heading)

    narrative = parse_narrative(text, name="syria.txt", country="Syria")

    assert narrative.country == "Syria"
    assert narrative.tier == "tier_3"
    assert narrative.country_heading == heading
    assert narrative.recommendations == SYRIA_ITEMS
    assert heading not in narrative.introduction
    named = heading.split(":")[0]
    assert any(named in warning and "Syria" in warning for warning in narrative.warnings)


def test_a_misspelt_heading_without_a_given_country_falls_back_to_the_introduction():
    text = SYRIA_2021.replace("SYRIA: Tier 3", "SYRA: Tier 3")

    narrative = parse_narrative(text, name="syria.txt")

    assert narrative.country == "Syria"
    assert any("SYRA" in warning for warning in narrative.warnings)


# --------------------------------------------------------------------------------------------
# A paragraph with a bullet-like character is not a list
# --------------------------------------------------------------------------------------------


def seed_without_list() -> str:
    start = SEED_TEXT.index(HEADING)
    return SEED_TEXT[:start] + SEED_TEXT[SEED_TEXT.index("PROSECUTION\n") :]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # A dash, an en dash, an asterisk and a bullet inside or between sentences of the body.
        ("law enforcement efforts. It is", "law enforcement efforts. – It is"),
        ("law enforcement efforts. It is", "law enforcement efforts. • It is"),
        ("law enforcement efforts. It is", "law enforcement efforts.* It is"),
        ("law enforcement efforts. It is", "law enforcement efforts - It is"),
    ],
)
def test_a_body_paragraph_with_a_bullet_like_character_is_never_a_list(old, new):
    text = seed_without_list()
    assert old in text
    text = text.replace(old, new)
    # The body paragraph follows the introduction directly: no heading, no list.
    text = text.replace("PROSECUTION\n", "", 1)

    narrative = parse_narrative(text, name="seed.txt")

    assert narrative.recommendations == []
    assert narrative.truncated_item is None
    assert any("No prioritized recommendations" in warning for warning in narrative.warnings)


def test_an_introduction_with_dashes_followed_by_sections_has_no_list():
    text = seed_without_list().replace(
        "in labor training centers, and", "in labor training centers – and", 1
    )

    narrative = parse_narrative(text, name="seed.txt")

    assert narrative.recommendations == []
    assert "labor training centers – and" in narrative.introduction
