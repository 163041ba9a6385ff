"""Spreadsheets (CSV and XLSX) that hold text from narratives and users safely.

A cell must never run as a formula, and XML cannot carry most control characters: every writer
of the project cleans its cells with `clean_cell`. CSV streams line by line (`Echo`); XLSX is
written through openpyxl's write-only workbook.
"""

import datetime

from lxml import etree
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A spreadsheet treats a cell that starts with one of these as a formula (or, for tab and
# carriage return, as the start of one), so text from narratives and users must not.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return `value`, with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def clean_cell(value, *, typed_text: bool = False):
    """Return `value` as every spreadsheet writer (CSV and XLSX) must hold it.

    Control characters that XML cannot carry (all below U+0020 but tab, line feed and carriage
    return) are removed, or the workbook would not open; then text that would run as a
    formula is made inert, unless the writer stores it as an explicit text cell
    (`typed_text`), which a spreadsheet never evaluates.
    """
    # Most text is printable through and through: `isprintable` (in C) spares it the regex.
    if isinstance(value, str) and not value.isprintable():
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value if typed_text else neutralise(value)


class Echo:
    """A file-like object that hands back what the csv writer writes, for streaming."""

    def write(self, value):
        return value


# A cell holds at most this many characters; openpyxl cuts longer text there too.
_MAX_CELL = 32767


class RowElementSheet(WriteOnlyWorksheet):
    """A write-only sheet that also takes rows already built as `<row>` elements.

    openpyxl spends some 7 µs on each cell it writes (a cell object, type checks, the
    coordinate, the element), which for the whole list (48,000 rows of 14 cells) was most of
    the file's time. `xml_row` builds the same `<row>` element in lxml directly, and this sheet
    writes it into openpyxl's own stream; anything else appended (the styled header) goes
    through openpyxl as usual. tests/test_exporters.py checks that the sheet's XML is byte for
    byte what openpyxl writes for the same values.
    """

    def _write_rows(self):
        # openpyxl's loop (`WriteOnlyWorksheet._write_rows`, 3.1), with the element case added.
        xf = self._writer.xf.send(True)
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    row = yield
                    if isinstance(row, etree._Element):
                        xf.write(row)
                    else:
                        cells = self._values_to_row(row, row_idx)
                        self._writer.write_row(xf, cells, row_idx)
                    row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)

    @classmethod
    def add_to(cls, workbook: Workbook, title: str) -> "RowElementSheet":
        """Create the sheet `title` at the end of the write-only `workbook`, and return it."""
        sheet = cls(parent=workbook, title=title)
        # What `Workbook.create_sheet` does in write-only mode, with this class in its place.
        workbook._add_sheet(sheet)
        return sheet

    def append(self, row):
        if isinstance(row, etree._Element):
            self._get_writer()
            if self._rows is None:
                self._rows = self._write_rows()
                next(self._rows)
            self._rows.send(row)
        else:
            super().append(row)


# Text as XML character data: the markup characters escaped, and carriage return as a
# character reference, or the XML parser would read it back as a line feed.
_XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))


def _xml_text(value: str) -> str:
    for character, reference in _XML_ESCAPES:
        if character in value:  # most text has none: a scan is cheaper than a replace
            value = value.replace(character, reference)
    return value


def xml_row(index: int, letters: list[str], values, styles=None) -> etree._Element:
    """Return row `index` of `values` as openpyxl writes it, as a `<row>` element.

    Values are text, int, float, bool, a date (written as its serial day number) or None.
    Text is always an inline string, so a value starting with "=" (a formula) or "#" (an error
    code) stays text, which a spreadsheet never evaluates. `styles` gives each column's style
    id (`cell.style_id` of a cell styled as the column is) or None; None leaves an unstyled
    cell out. The row is put together as markup and parsed once, in C: three times faster than
    an element per node, and some ten times faster than openpyxl's cell objects.
    """
    number = str(index)
    parts = [f'<row r="{number}">']
    for column, (letter, value) in enumerate(zip(letters, values, strict=True)):
        style = styles[column] if styles else None
        attrs = f'r="{letter}{number}"' if style is None else f'r="{letter}{number}" s="{style}"'
        if value is None:
            if style is not None:
                parts.append(f'<c {attrs} t="n"/>')
            continue
        if isinstance(value, str):
            value = clean_cell(value, typed_text=True)[:_MAX_CELL]
            if not value:
                parts.append(f'<c {attrs} t="inlineStr"/>')
                continue
            space = ' xml:space="preserve"' if value != value.strip() else ""
            parts.append(f'<c {attrs} t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>')
        elif isinstance(value, bool):
            parts.append(f'<c {attrs} t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int | float):
            parts.append(f'<c {attrs} t="n"><v>{safe_string(value)}</v></c>')
        elif type(value) is datetime.date and style is not None:
            parts.append(f'<c {attrs} t="n"><v>{safe_string(to_excel(value))}</v></c>')
        else:
            raise TypeError(f"No cell is written for a {type(value).__name__} here.")
    parts.append("</row>")
    return etree.fromstring("".join(parts))
