"""Whole reports split into country narratives (tracker.tipdocument), as text and as PDF.

The documents are made from the real narratives of tests/data/narratives/ and the seed, laid out
as the annual report is (bench.wholereport): front matter, tier placement lists, the narratives
with running headers, page countries and page numbers, then appendices.
"""

import re

import pytest

from bench.wholereport import RUNNING_HEADER, Entry, render_pdf, report_text
from tests.test_tipreport_shapes import MANIFEST, NARRATIVES, SEED
from tiptracker.lib import pdftext
from tracker import tipdocument, tipreport

REPORT_2021 = [
    "2021_democratic-republic-of-the-congo.txt",
    "2021_gambia.txt",
    "2021_guinea-bissau.txt",
    "2021_syria.txt",
    "2021_yemen.txt",
    "../tip-2021-north-korea.txt",
]


def entry_text(file: str) -> str:
    path = SEED if file.startswith("../") else NARRATIVES / file
    return path.read_text(encoding="utf-8")


def entries(files=REPORT_2021) -> list[Entry]:
    return [Entry(MANIFEST[f]["country"], MANIFEST[f]["tier"], entry_text(f)) for f in files]


def expected() -> dict[str, dict]:
    return {MANIFEST[f]["country"]: MANIFEST[f] for f in REPORT_2021}


@pytest.fixture(scope="module")
def report_2021_text() -> str:
    return report_text(entries(), year=2021, page_lines=5)


@pytest.fixture(scope="module")
def report_2021_pdf_text() -> str:
    pdf = render_pdf(report_text(entries(), year=2021), year=2021)
    pages = pdftext.extract_pages(pdf, name="report.pdf")
    assert len(pages) >= 6
    assert all(RUNNING_HEADER.format(year=2021) in page for page in pages)
    return pdftext.pages_to_text(pages)


def assert_parts_are_the_real_narratives(document: tipdocument.Document) -> None:
    want = expected()
    assert document.year == 2021
    assert sorted(part.country for part in document.parts) == sorted(want)
    for part in document.parts:
        entry = want[part.country]
        narrative = tipreport.parse_narrative(
            part.text, name=part.heading, default_year=document.year
        )
        assert narrative.country == entry["country"]
        assert narrative.year == 2021
        assert narrative.tier == entry["tier"], part.heading
        assert narrative.recommendations == entry["recommendations"], part.heading
        assert narrative.truncated_item == entry["truncated_last_item"], part.heading
        for text in narrative.recommendations:
            assert "TRAFFICKING IN PERSONS REPORT" not in text
            assert not re.search(r"\b(?:5\d|6\d)\b", text), text  # no page number crept in
        # Front matter, tier lists and appendices stay out of every narrative.
        for stray in ("TIER PLACEMENTS", "TABLE OF CONTENTS", "GLOSSARY", "CONVENTIONS"):
            assert stray not in part.text, (part.heading, stray)


def test_the_text_report_has_page_breaks_inside_a_list(report_2021_text):
    seed_list = report_2021_text.split("PRIORITIZED RECOMMENDATIONS:")[4].split("PROSECUTION")[0]
    assert RUNNING_HEADER.format(year=2021) in seed_list  # the test document is what it claims


def test_a_text_report_splits_into_its_real_narratives(report_2021_text):
    document = tipdocument.split_document(report_2021_text)

    assert_parts_are_the_real_narratives(document)
    headings = [part.heading for part in document.parts]
    assert headings[-1] == "SPECIAL CASE: YEMEN"
    assert "DEMOCRATIC PEOPLE’S REPUBLIC OF KOREA: Tier 3" in headings


def test_a_pdf_report_splits_into_its_real_narratives(report_2021_pdf_text):
    document = tipdocument.split_document(report_2021_pdf_text)

    assert_parts_are_the_real_narratives(document)


def test_the_last_narrative_ends_before_the_appendices(report_2021_text):
    document = tipdocument.split_document(report_2021_text)
    seed = next(part for part in document.parts if part.country == "North Korea")
    assert "TRAFFICKING PROFILE" in seed.text
    assert "RELEVANT INTERNATIONAL CONVENTIONS" not in document.parts[-1].text
    assert seed.text.rstrip().endswith(SEED.read_text(encoding="utf-8").rstrip().split()[-1])


def test_pasted_web_pages_split_at_their_titles_and_keep_them():
    pages = [entry_text(f) for f in ("2021_syria.txt", "2021_gambia.txt", "2020_north-korea.txt")]
    text = "\n\n".join(pages)

    document = tipdocument.split_document(text)

    assert [part.country for part in document.parts] == ["Syria", "The Gambia", "North Korea"]
    for part, page in zip(document.parts, pages, strict=True):
        assert part.text.strip() == page.strip()
    assert document.year == 2021  # the first title states it


def test_a_heading_quoted_in_the_front_matter_does_not_start_a_narrative():
    quoted = "For example, a narrative may open with\nSYRIA: Tier 3\nas its heading.\n"
    text = quoted + report_text(entries(), year=2021)

    document = tipdocument.split_document(text)

    assert len(document.parts) == len(REPORT_2021)
    assert not document.parts[0].text.startswith("SYRIA")


def test_a_single_narrative_gives_one_part_and_a_header_list_none():
    assert len(tipdocument.split_document(SEED.read_text(encoding="utf-8")).parts) == 1
    headers = (NARRATIVES / "2021_header-lines.txt").read_text(encoding="utf-8")
    assert tipdocument.split_document(headers).parts == []


def test_the_year_comes_from_the_title_or_the_running_header():
    assert tipdocument.document_year("2019 Trafficking in Persons Report\nJune") == 2019
    assert tipdocument.document_year("x\nTRAFFICKING IN PERSONS REPORT | JUNE 2017\n") == 2017
    assert tipdocument.document_year("A text without a year.") is None


def test_a_heading_wrapped_before_watch_list_is_joined():
    text = entry_text("2021_gambia.txt").replace(
        "THE GAMBIA: Tier 2 Watch List", "THE GAMBIA: Tier 2\nWatch List"
    )

    narrative = tipreport.parse_narrative(text, name="gambia.txt")

    assert narrative.tier == "tier_2_watch_list"
    assert narrative.country_heading == "THE GAMBIA: Tier 2 Watch List"
    assert narrative.recommendations == MANIFEST["2021_gambia.txt"]["recommendations"]


def test_an_acronym_alone_on_a_line_does_not_end_a_narrative():
    seed = entry_text("../tip-2021-north-korea.txt")
    assert "PROTECTION\n" in seed
    wrapped = seed.replace("PROTECTION\n", "PROTECTION\nCOVID-19\n", 1)
    files = [f for f in REPORT_2021 if not f.startswith("../")]
    text = report_text([*entries(files), Entry("North Korea", "tier_3", wrapped)], year=2021)

    document = tipdocument.split_document(text)

    part = next(part for part in document.parts if part.country == "North Korea")
    assert "TRAFFICKING PROFILE" in part.text  # read on past the acronym to the last section
