"""Narratives as PDF: the seed rendered to a real PDF imports like its text."""

import html

import pytest
from django.core.management import CommandError, call_command
from weasyprint import HTML

from tests.conftest import SEED
from tiptracker.lib import pdftext
from tracker import importer, tipreport
from tracker.models import Report

RUNNING_HEADER = "2021 TRAFFICKING IN PERSONS REPORT"


def render_pdf(text: str, *, hyphenate: bool = False) -> bytes:
    """Render `text` line by line onto small pages with a running header and page numbers."""
    body = "".join(
        f"<p>{html.escape(line)}</p>" if line.strip() else "<p>&#160;</p>"
        for line in text.split("\n")
    )
    hyphens = "auto" if hyphenate else "manual"
    css = (
        "@page { size: A5; margin: 2cm 1.5cm;"
        f' @top-center {{ content: "{RUNNING_HEADER}"; font-size: 8pt }}'
        " @bottom-center { content: counter(page); font-size: 8pt } }"
        # A named font, not the machine's default serif: where a line breaks (and so which
        # words are hyphenated) must not change with the fonts a machine has installed.
        f' p {{ margin: 0; font: 10pt "DejaVu Serif", serif; hyphens: {hyphens};'
        " text-align: justify }"
    )
    document = f"<html lang='en'><head><style>{css}</style></head><body>{body}</body></html>"
    return HTML(string=document).write_pdf()


@pytest.fixture(scope="module")
def seed_text():
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_pdf(seed_text):
    return render_pdf(seed_text)


def test_the_rendered_seed_spans_several_pages_with_running_headers(seed_pdf):
    pages = pdftext.extract_pages(seed_pdf)
    assert len(pages) > 3
    assert all(RUNNING_HEADER in page for page in pages)


def test_seed_pdf_yields_the_same_eleven_recommendations_as_the_text(seed_pdf, seed_text):
    from_pdf = importer.parse_bytes(seed_pdf, name="seed.pdf").narrative
    from_text = tipreport.parse_narrative(seed_text)
    assert len(from_text.recommendations) == 11
    assert from_pdf.recommendations == from_text.recommendations
    assert (from_pdf.country, from_pdf.year, from_pdf.tier) == ("North Korea", 2021, "tier_3")
    assert set(from_pdf.sections) == set(from_text.sections)


def test_running_headers_and_page_numbers_are_removed(seed_pdf):
    text = pdftext.pdf_to_text(seed_pdf)
    assert RUNNING_HEADER not in text
    assert not any(line.strip().isdigit() for line in text.splitlines())
    # The page break inside recommendation 5 no longer interrupts it.
    assert "North Korean victims returned" in " ".join(text.split())


def test_a_hyphenated_pdf_is_repaired_to_the_same_recommendations(seed_text):
    pdf = render_pdf(seed_text, hyphenate=True)
    pages = pdftext.extract_pages(pdf)
    assert any("\u2010\n" in page for page in pages), "the renderer hyphenated nothing"
    narrative = importer.parse_bytes(pdf, name="hyphenated.pdf").narrative
    assert narrative.recommendations == tipreport.parse_narrative(seed_text).recommendations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A real compound keeps its hyphen: "state" is a known first part.
        ("the state-\nsponsored labor and statesponsored", "the state-sponsored labor"),
        # Joined where the document writes the joined word elsewhere.
        ("traf-\nficking and trafficking", "trafficking and trafficking"),
        # Kept where the document writes the pair with a hyphen elsewhere.
        ("re-\neducation and re-education", "re-education and re-education"),
        # Kept when nothing says which: a typed hyphen is usually real.
        ("cross-\nborder", "cross-border"),
        ("COVID-\n19", "COVID-19"),
        # A typesetter's U+2010 hyphen is joined unless a keeping rule holds.
        ("govern\u2010\nment", "government"),
        ("soft\u00ad\nhyphen", "softhyphen"),
    ],
)
def test_line_end_hyphens_are_repaired_conservatively(text, expected):
    assert pdftext.repair_hyphenation(text).startswith(expected)


def test_running_lines_are_peeled_only_from_page_edges():
    pages = [
        ["REPORT HEADER", "Body line one.", "PROSECUTION", "more text", "Page 1"],
        ["REPORT HEADER", "Body line two.", "PROSECUTION", "more text", "Page 2"],
        ["REPORT HEADER", "Body line three.", "final text", "Page 3"],
        ["REPORT HEADER", "PROSECUTION", "Body line four.", "Page 4"],
    ]
    cleaned = pdftext.strip_running_lines(pages)
    # "PROSECUTION" and "more text" stand at the same edge place on only two pages of four.
    assert cleaned == [
        ["Body line one.", "PROSECUTION", "more text"],
        ["Body line two.", "PROSECUTION", "more text"],
        ["Body line three.", "final text"],
        ["PROSECUTION", "Body line four."],
    ]


@pytest.mark.django_db
def test_import_tip_imports_a_pdf_file_and_a_second_run_changes_nothing(tmp_path, seed_pdf):
    path = tmp_path / "north-korea-2021.pdf"
    path.write_bytes(seed_pdf)
    call_command("import_tip", str(tmp_path), "--no-progress")
    report = Report.objects.get()
    assert report.recommendations.count() == 11
    assert report.source_name == "north-korea-2021.pdf"
    assert RUNNING_HEADER not in report.source_text
    call_command("import_tip", str(path), "--no-progress")
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_a_pdf_without_text_is_refused_with_its_name(tmp_path):
    blank = HTML(string="<html><body></body></html>").write_pdf()
    path = tmp_path / "scan.pdf"
    path.write_bytes(blank)
    with pytest.raises(CommandError, match="scan.pdf: the PDF holds no extractable text"):
        call_command("import_tip", str(path), "--no-progress")
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_corrupt_pdf_is_refused_with_its_name(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"garbage " * 50)
    with pytest.raises(CommandError, match="broken.pdf"):
        call_command("import_tip", str(path), "--no-progress")
    assert not Report.objects.exists()
