"""The country and the year a file's name gives, for a narrative whose text does not state them.

Archives and reposts name their copies "2015_kenya.txt", "2015_south-sudan.txt": the name is
then the only place that says which country (and year) an excerpt is about. The texts here are
written for the test in the shape of such excerpts.
"""

import pytest

from tracker import importer
from tracker.tipreport import parse_narrative

# An excerpt that states neither its country nor its year: an introduction without the
# country's name, then a section.
EXCERPT = (
    "The government does not fully meet the minimum standards for the elimination of "
    "trafficking but is making significant efforts to do so; therefore it remained on Tier 2.\n"
    "PROSECUTION\n"
    "The government maintained law enforcement efforts.\n"
)
KENYA = (
    "KENYA: Tier 2\n"
    "The Government of Kenya does not fully meet the minimum standards for the elimination of "
    "trafficking but is making significant efforts to do so.\n"
    "PROSECUTION\n"
    "The government maintained law enforcement efforts.\n"
)


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("2015_kenya.txt", "Kenya"),
        ("2015_south-sudan.txt", "South Sudan"),
        ("2015_sudan.txt", "Sudan"),
        ("narratives/2021_guinea-bissau.txt", "Guinea-Bissau"),
        ("2014_timor-leste.pdf", "Timor-Leste"),
        ("2016_cote-d'ivoire.txt", "Cote d'Ivoire"),
        ("2021_democratic-republic-of-the-congo_profile.txt", "Democratic Republic of the Congo"),
        ("tip-2021-north-korea.txt", "North Korea"),
        ("2018 The Bahamas (web copy).txt", "The Bahamas"),
    ],
)
def test_a_file_name_gives_its_country(name, country):
    assert importer.country_from_name(name) == country


@pytest.mark.parametrize(
    "name",
    [
        "report.txt",
        "2021_header-lines.txt",
        "2015_chadwick-notes.txt",
        "2021_niger_nigeria.txt",
        "2020_sudan_south-sudan.txt",
    ],
)
def test_a_file_name_without_a_country_or_with_two_gives_none(name):
    assert importer.country_from_name(name) is None


@pytest.mark.parametrize(
    ("name", "country"), [("2015_kenya.txt", "Kenya"), ("2015_south-sudan.txt", "South Sudan")]
)
def test_a_text_that_states_no_country_or_year_takes_them_from_the_file_name(name, country):
    parsed = importer.parse_text(EXCERPT, name=name)

    assert parsed.narrative.country == country
    assert parsed.info.name == country
    assert parsed.narrative.year == 2015
    assert not parsed.narrative.country_in_text
    assert not any("file name" in warning for warning in parsed.narrative.warnings)


def test_a_file_read_from_disk_takes_its_country_from_its_name(tmp_path):
    path = tmp_path / "2015_south-sudan.txt"
    path.write_text(EXCERPT, encoding="utf-8")

    parsed = importer.parse_file(path)

    assert (parsed.narrative.country, parsed.narrative.year) == ("South Sudan", 2015)


def test_a_document_of_one_narrative_takes_its_country_from_the_file_name():
    [parsed] = importer.parse_document(EXCERPT, name="2015_kenya.txt")

    assert isinstance(parsed, importer.Parsed)
    assert parsed.narrative.country == "Kenya"


def test_the_text_wins_over_the_file_names_country_with_a_warning():
    parsed = importer.parse_text(KENYA, name="2015_uganda.txt")

    assert parsed.narrative.country == "Kenya"
    assert (
        "The file name gives the country Uganda, but the text states Kenya; using Kenya."
        in parsed.narrative.warnings
    )


def test_a_file_name_that_agrees_with_the_text_adds_no_warning():
    parsed = importer.parse_text(KENYA, name="2015_kenya.txt")

    assert parsed.narrative.country == "Kenya"
    assert not any("file name" in warning for warning in parsed.narrative.warnings)


def test_the_callers_country_wins_over_the_file_name_without_a_word_about_it():
    parsed = importer.parse_text(EXCERPT, name="2015_kenya.txt", country="Uganda")

    assert parsed.narrative.country == "Uganda"
    assert not any("file name" in warning for warning in parsed.narrative.warnings)


def test_without_a_country_in_the_text_or_the_name_the_import_is_refused_naming_the_file():
    # "chadwick" holds a country's name but is none: names are matched word by word.
    with pytest.raises(importer.ImportRefused, match=r"2015_chadwick\.txt: the country is missing"):
        importer.parse_text(EXCERPT, name="2015_chadwick.txt")


def test_a_misspelt_heading_falls_back_to_the_default_country_with_a_warning():
    text = KENYA.replace("KENYA:", "KENIA:").replace("Government of Kenya", "government")

    narrative = parse_narrative(text, name="x.txt", year=2015, default_country="Kenya")

    assert narrative.country == "Kenya"
    assert (
        "The heading names 'KENIA', which is not a known country; using Kenya, as the file name "
        "gives it." in narrative.warnings
    )
