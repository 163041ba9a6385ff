"""Tests for the TIP narrative parser (tracker.tipreport) and the country registry.

Plain pytest functions: no database, no Django settings needed.
"""

import csv
import json
import re
from pathlib import Path

import pytest

from tracker import countries
from tracker.countries import COUNTRIES, match_country, normalize_name
from tracker.tipreport import (
    SECTION_KEYS,
    NarrativeError,
    decode_narrative,
    parse_header_line,
    parse_narrative,
    split_sentences,
)

TESTS = Path(__file__).resolve().parent
NARRATIVES = TESTS / "data" / "narratives"
TIERS = TESTS / "data" / "tiers"
SEED = TESTS.parent / "fixtures" / "tip-2021-north-korea.txt"

MANIFEST = json.loads((NARRATIVES / "MANIFEST.json").read_text(encoding="utf-8"))
NARRATIVE_ENTRIES = [entry for entry in MANIFEST if "header_lines" not in entry]
HEADER_LINES = [line for entry in MANIFEST for line in entry.get("header_lines", [])]


def entry_path(entry: dict) -> Path:
    """Return the stored copy of a manifest entry's file (the seed lives in fixtures/)."""
    if entry["file"] == "../tip-2021-north-korea.txt":
        return SEED
    return NARRATIVES / entry["file"]


def section_key(heading: str) -> str:
    return heading.lower().replace(" ", "_")


def read(path: Path) -> str:
    return decode_narrative(path.read_bytes(), name=str(path))


def seed_text() -> str:
    return read(SEED)


def overrides_for(entry: dict) -> dict:
    """Supply what the text does not state, as an importer would from the file's source."""
    kwargs = {}
    if not entry["year_in_text"]:
        kwargs["year"] = entry["year"]
    if not entry["tier_in_text"]:
        # Section-only excerpts: no header, no intro, so the text never names the country.
        kwargs["tier"] = entry["tier"]
        kwargs["country"] = entry["country"]
    return kwargs


def synthetic(list_text: str, *, tier_line: str = "SYRIA: Tier 3") -> str:
    """Build a small narrative around `list_text` to exercise one list shape."""
    return (
        "2021 Trafficking in Persons Report: Syria\n"
        f"{tier_line}\n"
        "The Government of Syria does not fully meet the minimum standards for the elimination "
        "of trafficking; therefore Syria remained on Tier 3.\n"
        "PRIORITIZED RECOMMENDATIONS:\n"
        f"{list_text}\n"
        "PROSECUTION\n"
        "The government made no efforts.\n"
    )


# --------------------------------------------------------------------------------------------
# The real files of the manifest
# --------------------------------------------------------------------------------------------


def test_manifest_lists_every_stored_narrative_file():
    listed = {entry["file"] for entry in MANIFEST}
    stored = {path.name for path in NARRATIVES.glob("*.txt")}
    assert stored <= listed
    assert SEED.is_file()


@pytest.mark.parametrize("entry", NARRATIVE_ENTRIES, ids=lambda entry: entry["file"])
def test_each_manifest_narrative_parses_to_its_recorded_values(entry):
    narrative = parse_narrative(read(entry_path(entry)), name=entry["file"], **overrides_for(entry))

    assert narrative.country == entry["country"]
    assert narrative.year == entry["year"]
    assert narrative.tier == entry["tier"]
    assert narrative.recommendations == entry["recommendations"]
    assert narrative.truncated_item == entry["truncated_last_item"]
    for heading in entry["sections_present"]:
        assert section_key(heading) in narrative.sections, heading


@pytest.mark.parametrize("entry", NARRATIVE_ENTRIES, ids=lambda entry: entry["file"])
def test_each_manifest_narrative_reports_what_its_text_states(entry):
    narrative = parse_narrative(read(entry_path(entry)), name=entry["file"], **overrides_for(entry))

    assert narrative.year_in_text == entry["year_in_text"]
    assert narrative.tier_in_text == entry["tier_in_text"]
    assert not any("supplied" in warning for warning in narrative.warnings)


@pytest.mark.parametrize("entry", NARRATIVE_ENTRIES, ids=lambda entry: entry["file"])
def test_a_cut_off_last_item_is_reported_in_a_warning(entry):
    narrative = parse_narrative(read(entry_path(entry)), name=entry["file"], **overrides_for(entry))

    mentions_cut = any("recommendation is cut off" in warning for warning in narrative.warnings)
    assert mentions_cut == (entry["truncated_last_item"] is not None)


@pytest.mark.parametrize("header", HEADER_LINES, ids=lambda header: header["line"])
def test_each_recorded_header_line_parses_to_its_country_and_tier(header):
    assert parse_header_line(header["line"]) == (header["country"], header["tier"])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("DEMOCRATIC PEOPLE’S REPUBLIC OF KOREA: Tier 3", ("North Korea", "tier_3")),
        ("KOREA, DEMOCRATIC PEOPLE’S REPUBLIC OF: Tier 3", ("North Korea", "tier_3")),
        ("Korea, Democratic People’s Republic of (Tier 3)", ("North Korea", "tier_3")),
        ("Burma (Tier 3)", ("Burma", "tier_3")),
        ("SPECIAL CASE: YEMEN", ("Yemen", "special_case")),
        ("LIBYA: Special Case", ("Libya", "special_case")),
        (
            "DEMOCRATIC REPUBLIC OF THE CONGO: Tier 2 WATCH LIST",
            ("Democratic Republic of the Congo", "tier_2_watch_list"),
        ),
        ("GUINEA-BISSAU: Tier 3", ("Guinea-Bissau", "tier_3")),
    ],
)
def test_header_lines_in_every_written_form_parse(line, expected):
    assert parse_header_line(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "PRIORITIZED RECOMMENDATIONS:",
        "2021 Trafficking in Persons Report: North Korea",
        "ATLANTIS: Tier 1",
        "The government made no efforts; therefore Syria remained on Tier 3.",
        "",
    ],
)
def test_lines_that_are_not_headers_give_none(line):
    assert parse_header_line(line) is None


# --------------------------------------------------------------------------------------------
# The seed narrative
# --------------------------------------------------------------------------------------------


def seed_bullets() -> list[str]:
    """Read the seed's bullets independently of the parser: the text between the heading and
    PROSECUTION, split at every bullet glyph."""
    text = seed_text()
    block = text.split("PRIORITIZED RECOMMENDATIONS:", 1)[1].split("\nPROSECUTION\n", 1)[0]
    return [re.sub(r"\s+", " ", part).strip() for part in block.split("•")]


def test_seed_yields_exactly_the_eleven_bullet_texts():
    narrative = parse_narrative(seed_text(), name=SEED.name)

    assert len(narrative.recommendations) == 11
    assert narrative.recommendations == seed_bullets()
    assert narrative.truncated_item is None


def test_seed_is_north_korea_on_tier_3_in_2021_from_its_title_and_header():
    narrative = parse_narrative(seed_text(), name=SEED.name)

    assert (narrative.country, narrative.year, narrative.tier) == ("North Korea", 2021, "tier_3")
    assert narrative.title == "2021 Trafficking in Persons Report: North Korea"
    assert narrative.country_heading == "DEMOCRATIC PEOPLE’S REPUBLIC OF KOREA: Tier 3"
    assert narrative.tier_statement.endswith("therefore North Korea remained on Tier 3.")
    assert narrative.warnings == []


def test_seed_has_the_four_standard_sections_and_no_others():
    narrative = parse_narrative(seed_text(), name=SEED.name)

    assert list(narrative.sections) == [
        "prosecution",
        "protection",
        "prevention",
        "trafficking_profile",
    ]
    assert narrative.sections["prevention"].endswith("not a party to the 2000 UN TIP Protocol.")


def test_seed_findings_cover_every_section_with_consecutive_positions():
    narrative = parse_narrative(seed_text(), name=SEED.name)

    for section in ["introduction", *narrative.sections]:
        positions = [f.position for f in narrative.findings if f.section == section]
        assert positions, section
        assert positions == list(range(1, len(positions) + 1)), section
    assert {f.section for f in narrative.findings} <= {"introduction", *SECTION_KEYS}


def test_seed_findings_are_whole_sentences_joined_across_line_and_page_breaks():
    narrative = parse_narrative(seed_text(), name=SEED.name)
    texts = [f.text for f in narrative.findings]

    # A blank line from a page break falls inside this sentence in the PDF text.
    assert (
        "Further, authorities reportedly sent more than 50 students alleged to have engaged in "
        "commercial sex acts, some of whom were likely trafficking victims, to labor camps where "
        "they were subjected to three to six months’ forced labor." in texts
    )
    # Hyphenation artefacts are kept as written, not repaired.
    assert any("COVID19 pandemic" in text for text in texts)
    assert any("statesponsored" in text for text in texts)
    assert all("\n" not in text and "  " not in text for text in texts)


def test_seed_introduction_is_the_tier_justification():
    narrative = parse_narrative(seed_text(), name=SEED.name)

    assert narrative.introduction.startswith("The Government of the Democratic People’s")
    assert narrative.introduction.endswith(
        "did not demonstrate any efforts to address human trafficking."
    )
    assert "PRIORITIZED" not in narrative.introduction


# --------------------------------------------------------------------------------------------
# Decoding and bad input
# --------------------------------------------------------------------------------------------


def test_empty_text_is_refused_with_the_file_name():
    with pytest.raises(NarrativeError, match=r"empty\.txt.*empty"):
        parse_narrative("", name="empty.txt")


def test_whitespace_only_text_is_refused():
    with pytest.raises(NarrativeError, match="blank.txt"):
        parse_narrative(" \n\t\u00a0\n", name="blank.txt")
    with pytest.raises(NarrativeError, match="blank.txt"):
        decode_narrative(b"  \r\n\t ", name="blank.txt")


def test_empty_bytes_are_refused():
    with pytest.raises(NarrativeError, match="none.txt"):
        decode_narrative(b"", name="none.txt")


def test_binary_bytes_with_nul_are_refused_as_binary():
    with pytest.raises(NarrativeError, match=r"report\.pdf.*binary"):
        decode_narrative(b"%PDF-1.7\x00\x01\x02\x03" * 50, name="report.pdf")


def test_binary_bytes_full_of_control_characters_are_refused():
    data = bytes(range(1, 32)) * 40 + b"some text"
    with pytest.raises(NarrativeError, match="binary"):
        decode_narrative(data, name="blob.bin")


def test_a_text_without_any_tier_and_no_override_names_the_file_and_the_missing_tier():
    text = (
        "2021 Trafficking in Persons Report: Syria\n\n"
        "The Government of Syria does not fully meet the minimum standards.\n"
    )
    with pytest.raises(NarrativeError) as raised:
        parse_narrative(text, name="syria-2021.txt")
    message = str(raised.value)
    assert "syria-2021.txt" in message
    assert "tier is missing" in message


def test_a_text_without_a_year_and_no_override_is_refused():
    with pytest.raises(NarrativeError, match=r"afg\.txt.*year is missing"):
        parse_narrative(read(NARRATIVES / "2023_afghanistan_gvnet.txt"), name="afg.txt")


def test_a_text_without_a_country_and_no_override_is_refused():
    text = read(NARRATIVES / "2021_gambia_protection-section.txt")
    with pytest.raises(NarrativeError, match=r"part\.txt.*country is missing"):
        parse_narrative(text, name="part.txt", year=2021, tier="tier_2_watch_list")


def test_an_unknown_country_supplied_by_the_caller_is_refused():
    with pytest.raises(NarrativeError, match=r"x\.txt.*unknown country 'Atlantis'"):
        parse_narrative(seed_text(), name="x.txt", country="Atlantis")


def test_an_unknown_tier_supplied_by_the_caller_is_refused():
    with pytest.raises(NarrativeError, match="unknown tier"):
        parse_narrative(seed_text(), name="x.txt", tier="tier_4")


def test_a_windows_1252_copy_of_the_seed_decodes_and_parses_to_the_same_items():
    data = seed_text().encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    narrative = parse_narrative(decode_narrative(data, name="cp1252.txt"), name="cp1252.txt")

    assert narrative.recommendations == seed_bullets()
    assert narrative.country_heading == "DEMOCRATIC PEOPLE’S REPUBLIC OF KOREA: Tier 3"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_copy_of_the_seed_with_bom_decodes_and_parses_to_the_same_items(encoding):
    data = seed_text().encode(encoding)
    if encoding != "utf-16":  # The -le/-be codecs write no BOM; add the one a file would have.
        data = "\ufeff".encode(encoding) + data

    narrative = parse_narrative(decode_narrative(data, name="u16.txt"), name="u16.txt")

    assert narrative.recommendations == seed_bullets()


def test_a_utf8_copy_with_bom_decodes_without_the_bom():
    text = decode_narrative(b"\xef\xbb\xbf" + seed_text().encode("utf-8"), name="bom.txt")

    assert text == seed_text()


def test_crlf_line_endings_parse_like_lf():
    narrative = parse_narrative(seed_text().replace("\n", "\r\n"), name="crlf.txt")

    assert narrative.recommendations == seed_bullets()
    assert len(narrative.sections) == 4


def test_a_narrative_cut_off_before_its_list_gives_no_items_and_a_warning():
    text = seed_text()
    excerpt = text[: text.index("PRIORITIZED RECOMMENDATIONS")]

    narrative = parse_narrative(excerpt, name="excerpt.txt")

    assert narrative.recommendations == []
    assert narrative.truncated_item is None
    assert any("No prioritized recommendations" in warning for warning in narrative.warnings)
    assert narrative.tier == "tier_3"


def test_a_narrative_cut_off_right_after_the_heading_warns_that_no_items_follow():
    text = seed_text()
    excerpt = text[: text.index("End the use")]

    narrative = parse_narrative(excerpt, name="excerpt.txt")

    assert narrative.recommendations == []
    assert any("no items follow" in warning for warning in narrative.warnings)


def test_a_special_case_has_no_list_and_that_is_neither_an_error_nor_a_warning():
    narrative = parse_narrative(read(NARRATIVES / "2021_yemen.txt"), name="yemen", year=2021)

    assert narrative.tier == "special_case"
    assert narrative.recommendations == []
    assert narrative.truncated_item is None
    assert narrative.warnings == []
    assert narrative.tier_statement.startswith("Yemen remains a Special Case")


@pytest.mark.parametrize(
    ("override", "expected", "needle"),
    [
        ({"tier": "tier_2"}, ("North Korea", 2021, "tier_2"), "tier"),
        ({"year": 2020}, ("North Korea", 2020, "tier_3"), "year"),
        ({"country": "Syria"}, ("Syria", 2021, "tier_3"), "country"),
    ],
)
def test_a_caller_override_that_disagrees_with_the_text_wins_with_a_warning(
    override, expected, needle
):
    narrative = parse_narrative(seed_text(), name=SEED.name, **override)

    assert (narrative.country, narrative.year, narrative.tier) == expected
    assert any(needle in warning and "supplied" in warning for warning in narrative.warnings)


def test_a_caller_override_that_agrees_with_the_text_adds_no_warning():
    narrative = parse_narrative(
        seed_text(), name=SEED.name, year=2021, tier="Tier 3", country="DPRK"
    )

    assert narrative.warnings == []


def test_the_tier_statement_gives_the_tier_when_there_is_no_header():
    text = (
        "2021 Trafficking in Persons Report: Syria\n"
        "The Government of Syria does not fully meet the minimum standards. Because it devoted "
        "sufficient resources to a plan, Syria was granted a waiver from an otherwise required "
        "downgrade to Tier 3 and remained on Tier 2 Watch List\nfor the third year.\n"
    )

    narrative = parse_narrative(text, name="x.txt")

    assert narrative.tier == "tier_2_watch_list"
    assert narrative.tier_statement.startswith("Because it devoted")
    assert narrative.country_heading == ""


def test_header_and_tier_statement_that_disagree_give_a_warning_and_the_header_wins():
    text = synthetic("Criminalize trafficking.", tier_line="SYRIA: Tier 2 Watch List")

    narrative = parse_narrative(text, name="x.txt")

    assert narrative.tier == "tier_2_watch_list"
    assert any("header" in warning and "Tier 3" in warning for warning in narrative.warnings)


# --------------------------------------------------------------------------------------------
# List shapes
# --------------------------------------------------------------------------------------------


def test_internal_semicolons_and_em_dashes_of_bulleted_items_are_not_separators():
    text = synthetic(
        "Expand efforts to enforce the law; hold officials accountable. • "
        "Train officials—including local police—on procedures. • Fund shelters."
    )

    assert parse_narrative(text).recommendations == [
        "Expand efforts to enforce the law; hold officials accountable.",
        "Train officials—including local police—on procedures.",
        "Fund shelters.",
    ]


def test_items_run_together_split_at_a_period_before_a_capital_but_not_in_abbreviations():
    text = synthetic(
        "Work with the U.S. Embassy and the St. Louis office.Provide shelter.Raise awareness."
    )

    assert parse_narrative(text).recommendations == [
        "Work with the U.S. Embassy and the St. Louis office.",
        "Provide shelter.",
        "Raise awareness.",
    ]


def test_a_pre_2019_semicolon_list_keeps_clauses_as_written():
    text = synthetic(
        "Criminalize trafficking; provide care, including shelter; and accede to the 2000 UN TIP "
        "Protocol."
    )

    assert parse_narrative(text).recommendations == [
        "Criminalize trafficking",
        "provide care, including shelter",
        "accede to the 2000 UN TIP Protocol",
    ]


def test_a_hard_wrapped_item_without_final_period_is_split_before_the_next_imperative():
    text = synthetic(
        "Cease the harassment of civil society organizations, including trafficking\n"
        "victims Recognize and use existing laws. Ensure the re-opening of\n"
        "shelters. |"
    )

    assert parse_narrative(text).recommendations == [
        "Cease the harassment of civil society organizations, including trafficking victims",
        "Recognize and use existing laws.",
        "Ensure the re-opening of shelters.",
    ]


def test_an_item_cut_off_at_the_end_of_the_text_is_kept_apart_with_a_warning():
    text = synthetic("Fund shelters. • Train police. • Impr").split("\nPROSECUTION")[0]

    narrative = parse_narrative(text)

    assert narrative.recommendations == ["Fund shelters.", "Train police."]
    assert narrative.truncated_item == "Impr"
    assert any("'Impr'" in warning for warning in narrative.warnings)


def test_no_break_spaces_become_spaces_while_curly_quotes_and_em_dashes_stay():
    text = synthetic("Protect workers’\u00a0rights—especially\u00a0migrants’. • Fund “shelters”.")

    assert parse_narrative(text).recommendations == [
        "Protect workers’ rights—especially migrants’.",
        "Fund “shelters”.",
    ]


# --------------------------------------------------------------------------------------------
# Sentences (findings)
# --------------------------------------------------------------------------------------------


def test_sentences_do_not_break_after_abbreviations_or_initials():
    text = (
        "The U.S. Embassy, e.g. its staff, met Mr. Smith at No. 5 Main Street. "
        "He said “enough.” Then he left"
    )

    assert split_sentences(text) == [
        "The U.S. Embassy, e.g. its staff, met Mr. Smith at No. 5 Main Street.",
        "He said “enough.”",
        "Then he left",
    ]


def test_sentences_are_joined_across_hard_line_breaks():
    assert split_sentences("The govern-\nment acted.\n\nIt then\nstopped.") == [
        "The govern-ment acted.",
        "It then stopped.",
    ]


# --------------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("North Korea", "PRK"),
        ("Korea, North", "PRK"),
        ("Korea, Democratic People's Republic of", "PRK"),
        ("KOREA, DEMOCRATIC PEOPLE’S REPUBLIC OF", "PRK"),
        ("Democratic People’s Republic of Korea", "PRK"),
        ("DPRK", "PRK"),
        ("the DPRK", "PRK"),
        ("Korea, South", "KOR"),
        ("The Gambia", "GMB"),
        ("THE GAMBIA", "GMB"),
        ("Gambia", "GMB"),
        ("Gambia, The", "GMB"),
        ("The Bahamas", "BHS"),
        ("Bahamas, The", "BHS"),
        ("Congo, Democratic Republic of the", "COD"),
        ("Congo, the Democratic Republic of the", "COD"),
        ("Congo (Kinshasa)", "COD"),
        ("DRC", "COD"),
        ("Congo, Republic of the", "COG"),
        ("Congo (Brazzaville)", "COG"),
        ("Burma", "MMR"),
        ("Myanmar", "MMR"),
        ("Syrian Arab Republic", "SYR"),
        ("Cote D’Ivoire", "CIV"),
        ("Côte d'Ivoire", "CIV"),
        ("Curaçao", "CUW"),
        ("Laos&nbsp;", "LAO"),
        ("Kosovo", "XKX"),
        ("Sint Maarten (Dutch part)", "SXM"),
        ("  trinidad   and tobago. ", "TTO"),
    ],
)
def test_match_country_accepts_every_alias_form(name, expected):
    info = match_country(name)

    assert info is not None, name
    assert info.code == expected


def test_republic_and_democratic_republic_of_the_congo_are_told_apart():
    republic = match_country("REPUBLIC OF THE CONGO")
    democratic = match_country("DEMOCRATIC REPUBLIC OF THE CONGO")

    assert republic.name == "Republic of the Congo"
    assert democratic.name == "Democratic Republic of the Congo"


@pytest.mark.parametrize("name", ["Atlantis", "Korea", "Guinea Republic of", "Nigeri", "", "  "])
def test_unknown_or_partial_names_return_none(name):
    assert match_country(name) is None


def test_prefixes_of_other_countries_match_only_themselves():
    assert match_country("Guinea").code == "GIN"
    assert match_country("Niger").code == "NER"
    assert match_country("Sudan").code == "SDN"
    assert match_country("Dominica").code == "DMA"


def test_normalize_name_casefolds_straightens_quotes_and_strips_the_and_punctuation():
    assert normalize_name("  The  Gambia. ") == "gambia"
    assert normalize_name("Cote D’Ivoire") == "cote d'ivoire"


def test_no_two_countries_share_a_normalised_name_or_alias():
    owners: dict[str, set[str]] = {}
    for info in COUNTRIES:
        for form in (info.name, *info.aliases):
            owners.setdefault(normalize_name(form), set()).add(info.code)
    shared = {form: codes for form, codes in owners.items() if len(codes) > 1}

    assert shared == {}


def test_every_iso_code_is_unique_and_three_upper_case_letters():
    codes = [info.code for info in COUNTRIES]

    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in codes)


def test_canonical_names_are_unique_and_match_themselves():
    names = [info.name for info in COUNTRIES]

    assert len(names) == len(set(names))
    assert all(match_country(name).name == name for name in names)
    assert len(COUNTRIES) >= 190


# Names in the tier tables that are not country names at all.
NOT_COUNTRIES = {
    # tiers_2024-2025_cia-factbook-by-country.csv: placeholder for a name missing in the Factbook
    # file; the row's state.gov slug is central-african-republic.
    "none",
    # Same file: a clipped "The Dominican Republic" (slug dominican-republic). Not mapped,
    # because "Dominican" is also the demonym of Dominica, a different country.
    "The Dominican",
}

TIER_TABLES = {
    "tiers_2001-2015_heiss-kelley.csv": "countryname",
    "tiers_2021_all_discerning-islam.csv": "country",
    "tiers_2022-2025_t2wl-t3_cia-factbook-world.csv": "country",
    "tiers_2024-2025_cia-factbook-by-country.csv": "country",
}


def tier_table_names() -> set[str]:
    names = set()
    for filename, column in TIER_TABLES.items():
        with open(TIERS / filename, encoding="utf-8", newline="") as handle:
            names.update(row[column] for row in csv.DictReader(handle))
    return names


def test_every_country_name_in_the_tier_tables_matches_the_registry():
    unmatched = sorted(
        name for name in tier_table_names() - NOT_COUNTRIES if match_country(name) is None
    )

    assert unmatched == []


def test_the_names_excused_as_not_countries_really_occur_and_really_do_not_match():
    names = tier_table_names()

    for name in NOT_COUNTRIES:
        assert name in names
        assert match_country(name) is None


def test_iso_codes_of_the_heiss_kelley_table_agree_with_the_registry_except_kosovo():
    mismatches = set()
    with open(TIERS / "tiers_2001-2015_heiss-kelley.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if match_country(row["countryname"]).code != row["iso"]:
                mismatches.add((row["countryname"], row["iso"]))

    # The table uses KOS; the registry uses XKX, the code in common use for Kosovo.
    assert mismatches == {("Kosovo", "KOS")}


def test_every_manifest_country_is_a_canonical_registry_name():
    for entry in NARRATIVE_ENTRIES:
        assert match_country(entry["country"]).name == entry["country"]
    assert countries.by_code("prk").name == "North Korea"
