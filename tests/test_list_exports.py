"""The recommendation list's XLSX rows, written as elements, are the cells openpyxl writes."""

import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from tests.factories import RecommendationFactory
from tiptracker.lib import spreadsheets

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
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
    "",
    "x" * 40_000,
]


def _sheet_data(content: bytes) -> bytes:
    """Return the sheet's rows as canonical XML (C14N: one spelling for equal markup)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    (data,) = etree.fromstring(xml).iter(f"{{{_MAIN}}}sheetData")
    return etree.tostring(data, method="c14n")


def _rows():
    """Rows of every type the list holds, with text that tries every escape."""
    rows = []
    for i, text in enumerate(TRICKY):
        rows.append([text, "Aland", 2021, None, i + 1, True, False, text[::-1]])
    return rows


def _by_openpyxl(rows) -> bytes:
    """Return the workbook openpyxl itself writes: every text an explicit text cell."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Recommendations")
    sheet.append(["Header"])
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=spreadsheets.clean_cell(value, typed_text=True))
                cell.data_type = "s"
                value = cell
            cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _as_elements(rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = spreadsheets.RowElementSheet(parent=workbook, title="Recommendations")
    workbook._add_sheet(sheet)
    sheet.append(["Header"])
    letters = [get_column_letter(i) for i in range(1, len(rows[0]) + 1)]
    for index, row in enumerate(rows, start=2):
        sheet.append(spreadsheets.xml_row(index, letters, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_rows_written_as_elements_are_the_xml_openpyxl_writes():
    rows = _rows()
    written = _sheet_data(_as_elements(rows))
    assert written == _sheet_data(_by_openpyxl(rows))
    assert written.count(b"<row ") == len(TRICKY) + 1


def _cells(content: bytes) -> list[list[tuple]]:
    sheet = load_workbook(io.BytesIO(content))["Recommendations"]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)]


def test_text_reads_back_intact_and_never_as_a_formula():
    got = _cells(_as_elements(_rows()))
    assert got == _cells(_by_openpyxl(_rows()))
    for i, (text, row) in enumerate(zip(TRICKY, got, strict=True)):
        cleaned = spreadsheets.clean_cell(text, typed_text=True)[: spreadsheets._MAX_CELL]
        assert row[0][0] == (cleaned or None)
        assert [value for value, _ in row[1:3]] == ["Aland", 2021]
        assert [value for value, _ in row[4:7]] == [i + 1, True, False]
    assert got[4][0][0] == "\r=1+1"  # the carriage return kept, not read as a line feed
    assert len(got[-1][0][0]) == 32767
    assert all(data_type != "f" for row in got for _, data_type in row)


def test_a_value_of_another_type_is_refused_rather_than_written_wrong():
    with pytest.raises(TypeError, match="date"):
        spreadsheets.xml_row(2, ["A"], [datetime.date(2021, 4, 1)])  # a date needs its format
    with pytest.raises(TypeError, match="datetime"):
        spreadsheets.xml_row(2, ["A"], [datetime.datetime(2021, 4, 1, 12)], styles=[1])


@pytest.mark.django_db
def test_each_link_is_the_recommendations_own_address(viewer_client):
    recs = [RecommendationFactory() for _ in range(3)]
    response = viewer_client.get("/recommendations/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content))["Recommendations"]
    links = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    expected = {"http://testserver" + reverse("recommendation_detail", args=[r.pk]) for r in recs}
    assert set(links) == expected and len(links) == 3
