"""CSVs and workbooks written by `tiptracker.lib.spreadsheets`, read back as a spreadsheet would.

The list's downloads go through it, as the summary's do (tests/test_exporters.py).
"""

import codecs
import csv
import datetime
import decimal
import io
import tempfile

import pytest
from django.urls import reverse

from tests import sheets
from tests.factories import RecommendationFactory
from tiptracker.lib import spreadsheets

TRICKY = [
    "plain",
    '=HYPERLINK("http://evil.example","x")',
    "#N/A",
    "+1+1",
    "\r=1+1",
    "\t=1+1",
    " leading and trailing ",
    "line\nbreak\r\nand carriage\rreturn",
    "markup <b>&amp;</b> & < > \" '",
    "Protéger les victimes — “now” ☃",
    "".join(chr(c) for c in range(1, 0x20)) + "\x7f",
    "an escape's shape: _x0041_ and _x000D_",
    "",
    "x" * 40_000,
]


def _written(rows, columns=None) -> bytes:
    """Return the workbook of one sheet holding `rows`, written through the module."""
    out = io.BytesIO()
    columns = columns or [spreadsheets.Column(f"Column {i}") for i in range(len(rows[0]))]
    with spreadsheets.Workbook(out) as workbook:
        sheet = workbook.add_sheet("Recommendations", columns)
        for row in rows:
            sheet.append(row)
    return out.getvalue()


def test_text_reads_back_as_written_and_never_as_a_formula():
    rows = [
        [text, "Aland", 2021, None, i, True, False, text[::-1]] for i, text in enumerate(TRICKY)
    ]
    sheet = sheets.workbook(_written(rows))["Recommendations"]
    got = list(sheet.iter_rows(min_row=2))
    assert len(got) == len(TRICKY)
    for i, (text, row) in enumerate(zip(TRICKY, got, strict=True)):
        kept = spreadsheets.clean_cell(text, typed_text=True)[: spreadsheets.MAX_CELL]
        assert sheets.shown(row[0].value) == (kept or None), i
        assert [c.value for c in row[1:7]] == ["Aland", 2021, None, i, True, False]
        assert [c.data_type for c in row[1:3]] + [c.data_type for c in row[4:7]] == list("snnbb")
        if kept:
            assert row[0].data_type == "s"  # a text cell, even "=…" and "#N/A"
    assert sheets.shown(got[4][0].value) == "\r=1+1"  # the carriage return kept
    assert sheets.shown(got[11][0].value) == "an escape's shape: _x0041_ and _x000D_"
    assert len(got[-1][0].value) == spreadsheets.MAX_CELL
    assert all(cell.data_type not in ("f", "e") for row in got for cell in row)


def test_text_shaped_like_markup_of_a_rich_string_stays_text():
    # XlsxWriter would copy this shape into the file as markup: here, a formula cell.
    payload = "<r><t>a</t></r></is><f>SUM(1,2)</f><is><r><t>b</t></r>"
    texts = [payload, "<r><t>bold?</t></r>", "<r>&amp; <not markup></r>"]
    sheet = sheets.workbook(_written([[text] for text in texts]))["Recommendations"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == texts
    assert [cell.data_type for cell in cells] == ["s", "s", "s"]


def test_dates_numbers_and_booleans_keep_their_types():
    content = _written([[datetime.date(2021, 4, 1), 3, 2.5, True, False, 0]])
    (row,) = sheets.workbook(content)["Recommendations"].iter_rows(min_row=2)
    date, *rest = row
    assert date.value == datetime.datetime(2021, 4, 1) and date.is_date
    assert date.number_format == "yyyy-mm-dd"
    assert [(c.value, c.data_type) for c in rest] == [
        (3, "n"),
        (2.5, "n"),
        (True, "b"),
        (False, "b"),
        (0, "n"),
    ]


def test_a_value_of_another_type_or_a_row_of_another_length_is_refused():
    sheet = spreadsheets.Workbook(io.BytesIO()).add_sheet("S", [spreadsheets.Column("A")])
    with pytest.raises(TypeError, match="datetime"):
        sheet.append([datetime.datetime(2021, 4, 1, 12)])
    with pytest.raises(TypeError, match="Decimal"):
        sheet.append([decimal.Decimal("1.5")])
    with pytest.raises(ValueError, match="1 cells, not 2"):
        sheet.append(["a", "b"])


def test_text_is_cut_where_a_cell_ends_counting_as_a_spreadsheet_counts():
    # Excel counts UTF-16 code units: a character beyond the Basic Multilingual Plane is two.
    wide = "😀" * 20_000
    shaped = "<r>" + "z" * 40_000 + "</r>"  # too long for a rich string, which XlsxWriter drops
    (row,) = sheets.workbook(_written([[wide, "y" * 40_000, shaped]]))["Recommendations"].iter_rows(
        min_row=2, values_only=True
    )
    assert row[0] == "😀" * (spreadsheets.MAX_CELL // 2)
    assert row[1] == "y" * spreadsheets.MAX_CELL
    assert row[2] == shaped[: spreadsheets.MAX_CELL]


def test_every_sheet_has_its_header_frozen_and_styled_and_its_widths():
    columns = [
        spreadsheets.Column("Reference", 14),
        spreadsheets.Column("Text", 60, wrap=True),
        spreadsheets.Column("Plain"),
    ]
    out = io.BytesIO()
    with spreadsheets.Workbook(out, title="A title") as workbook:
        first = workbook.add_sheet("First", columns, autofilter=True)
        for n in range(3):
            first.append([f"REF-{n}", "Long text " * 10, None])
        workbook.add_sheet("Second", columns[:1]).append(["only"])
    book = sheets.workbook(out.getvalue())
    assert book.sheetnames == ["First", "Second"]
    assert book.properties.title == "A title"
    sheet = book["First"]
    assert sheet.freeze_panes == "A2" and book["Second"].freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["Reference", "Text", "Plain"]
    header = sheet["A1"]
    assert header.font.b and header.fill.fgColor.rgb == "FFE8EDF3"
    assert header.alignment.wrap_text and header.alignment.vertical == "top"
    # A width is stored as Excel stores it: the characters, plus the cell's padding.
    assert 14 <= sheet.column_dimensions["A"].width < 15
    assert 60 <= sheet.column_dimensions["B"].width < 61
    assert sheet["B2"].alignment.wrap_text and not sheet["A2"].alignment.wrap_text
    assert sheet.auto_filter.ref == "A1:C4"
    assert book["Second"].auto_filter.ref is None


def test_a_workbook_that_fails_halfway_leaves_no_temporary_file(monkeypatch, tmp_path):
    # Rows wait in a temporary file until the workbook is closed.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    failed = pytest.raises(RuntimeError, match="the database went away")
    with failed, spreadsheets.Workbook(io.BytesIO()) as workbook:
        sheet = workbook.add_sheet("S", [spreadsheets.Column("A")])
        sheet.append(["a row"])
        assert list(tmp_path.iterdir())
        raise RuntimeError("the database went away")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_the_list_workbook_has_a_frozen_header_and_its_column_widths(viewer_client):
    RecommendationFactory(text="Investigate and prosecute trafficking cases.")
    response = viewer_client.get("/recommendations/", {"format": "xlsx"})
    sheet = sheets.workbook(response.content)["Recommendations"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    header = [c.value for c in sheet[1]]
    text = sheet.cell(row=1, column=header.index("Text") + 1).column_letter
    assert 80 <= sheet.column_dimensions[text].width < 81
    assert 24 <= sheet.column_dimensions["B"].width < 25  # Country


@pytest.mark.django_db
def test_each_link_is_the_recommendations_own_address(viewer_client):
    recs = [RecommendationFactory() for _ in range(3)]
    response = viewer_client.get("/recommendations/", {"format": "xlsx"})
    sheet = sheets.workbook(response.content)["Recommendations"]
    links = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    expected = {"http://testserver" + reverse("recommendation_detail", args=[r.pk]) for r in recs}
    assert set(links) == expected and len(links) == 3


def test_a_csv_starts_with_a_byte_order_mark_and_holds_cleaned_cells():
    rows = [["=1+1", True, False, None, 3, datetime.date(2021, 4, 1), "Côte d’Ivoire – a\x01b"]]
    lines = list(spreadsheets.csv_lines(["Text", "Yes", "No", "None", "N", "Date", "Name"], rows))
    assert lines[0] == "\ufeffText,Yes,No,None,N,Date,Name\r\n"
    assert lines[1] == "'=1+1,yes,no,,3,2021-04-01,Côte d’Ivoire – ab\r\n"
    assert "".join(lines).encode("utf-8").count(codecs.BOM_UTF8) == 1


@pytest.mark.django_db
def test_the_list_csv_starts_with_a_byte_order_mark(viewer_client):
    rec = RecommendationFactory(text="Protéger les victimes — “now”")
    response = viewer_client.get("/recommendations/", {"format": "csv"})
    content = b"".join(response.streaming_content)
    assert content.startswith(codecs.BOM_UTF8 + b"Reference,Country,Year,")
    (row,) = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    assert (row["Reference"], row["Text"]) == (rec.reference, "Protéger les victimes — “now”")
