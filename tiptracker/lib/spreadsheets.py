"""Spreadsheets (CSV and XLSX) that hold text from narratives and users safely.

Every CSV and every workbook the project writes goes through this module:

- `csv_lines` is the one way to write a CSV: UTF-8 with a byte-order mark first (README.md,
  *Downloads*), cells cleaned by `clean_cell`, yes/no for booleans, streamed line by line.
- `Workbook` writes an XLSX workbook through XlsxWriter's documented `constant_memory` mode:
  each row goes to disk as the next one starts, however long the sheet. Text is always written
  as a text cell, which a spreadsheet never evaluates, whatever it starts with.
"""

import contextlib
import csv
import datetime
import re
from dataclasses import dataclass

import xlsxwriter
from django.utils.functional import Promise

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A spreadsheet treats a cell that starts with one of these as a formula (or, for tab and
# carriage return, as the start of one), so text from narratives and users must not.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# The control characters XML 1.0 cannot carry: all below U+0020 but tab, line feed and carriage
# return. A workbook holding one would not open, and a CSV must hold the same cells.
_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value):
    """Return `value`, with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def clean_cell(value, *, typed_text: bool = False):
    """Return `value` as every spreadsheet writer (CSV and XLSX) must hold it.

    Control characters that XML cannot carry are removed, or the workbook would not open; then
    text that would run as a formula is made inert, unless the writer stores it as an explicit
    text cell (`typed_text`), which a spreadsheet never evaluates.
    """
    if isinstance(value, Promise):
        value = str(value)  # a label marked for translation, in the active language
    # Most text is printable through and through: `isprintable` (in C) spares it the regex.
    if isinstance(value, str) and not value.isprintable():
        value = _ILLEGAL_CHARACTERS.sub("", value)
    return value if typed_text else neutralise(value)


class Echo:
    """A file-like object that hands back what the csv writer writes, for streaming."""

    def write(self, value):
        return value


# Excel reads a CSV without a byte-order mark in the computer's legacy code page, which turns
# an en dash or an accented name into mojibake; with one, it reads UTF-8. Other readers
# (Python's "utf-8-sig", pandas, R's readr, LibreOffice) skip it.
_BOM = "\ufeff"


def _csv_cell(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return clean_cell(value)


def csv_lines(header, rows):
    """Yield a CSV one line at a time: the byte-order mark and `header`, then each of `rows`.

    Every CSV the project writes starts this way. Cells are cleaned by `clean_cell` (formulas
    made inert), booleans are written yes or no, None as an empty cell; lines end in CRLF.
    """
    writer = csv.writer(Echo())
    yield _BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


# What a sheet holds at most (Excel's limits): rows, header included, and characters in a cell.
MAX_ROWS = 1_048_576
MAX_CELL = 32767

# Rows go to a temporary file as they are written: memory stays flat whatever the length.
# (Text goes through `write_string`, which writes a text cell whatever the text looks like.)
_OPTIONS = {"constant_memory": True}
_HEADER = {"bold": True, "bg_color": "#E8EDF3", "pattern": 1, "valign": "top", "text_wrap": True}
_WRAP = {"text_wrap": True, "valign": "top"}
_DATE = {"num_format": "yyyy-mm-dd"}

# In `constant_memory` mode XlsxWriter takes text of this shape for the markup of a rich
# string and writes it unescaped, so that a user could put any markup in the file; such text
# is written as a rich string of plain fragments instead, which XlsxWriter escapes (twice for
# a carriage return or escape-shaped text like "_x0041_", which then show escaped: text of
# this shape is rare, and the file stays safe).
_RICH_START, _RICH_END = "<r>", "</r>"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, its width in characters and whether its text wraps.

    `width` None leaves the spreadsheet's default width.
    """

    header: str
    width: float | None = None
    wrap: bool = False


class Workbook:
    """An XLSX workbook written to `out` (a path or a binary file) sheet by sheet, row by row.

    Each sheet starts with a styled header row, frozen in place; add the sheets in order and
    fill each before the next (`add_sheet`), then `close` the workbook (or use it in a `with`
    block). Nothing of the file is complete before `close`.
    """

    def __init__(self, out, *, title: str = ""):
        self._book = xlsxwriter.Workbook(out, _OPTIONS)
        if title:
            self._book.set_properties({"title": title})
        self._header = self._book.add_format(_HEADER)
        self._wrap = self._book.add_format(_WRAP)
        self._date = self._book.add_format(_DATE)
        self._plain = self._book.add_format()
        self._sheets = []

    def add_sheet(self, title: str, columns: list[Column], *, autofilter: bool = False):
        """Add the sheet `title` with a header row of `columns`, and return it.

        With `autofilter`, the header gets the spreadsheet's filter buttons over every row
        written.
        """
        sheet = Sheet(self, self._book.add_worksheet(title), columns, autofilter=autofilter)
        self._sheets.append(sheet)
        return sheet

    def close(self) -> None:
        """Finish every sheet and write the workbook out."""
        for sheet in self._sheets:
            sheet._finish()
        self._book.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.close()
            return
        # Closed all the same, as that is when XlsxWriter removes each sheet's temporary file
        # of rows; the error that stopped the writing is the one raised.
        with contextlib.suppress(Exception):
            self._book.close()


class Sheet:
    """A sheet of a `Workbook`, filled row by row with `append`."""

    def __init__(self, workbook: Workbook, worksheet, columns: list[Column], *, autofilter: bool):
        self._workbook = workbook
        self._worksheet = worksheet
        self._width = len(columns)
        self._autofilter = autofilter
        for index, column in enumerate(columns):
            # A column's format styles its cells that have none of their own (all but dates).
            fmt = workbook._wrap if column.wrap else None
            if column.width is not None or fmt is not None:
                worksheet.set_column(index, index, column.width, fmt)
        worksheet.freeze_panes(1, 0)
        header = workbook._header
        for index, column in enumerate(columns):
            worksheet.write_string(0, index, column.header, header)
        self.rows = 1  # rows written, the header included

    def append(self, values) -> None:
        """Write `values` as the next row: text, int, float, bool, a date or None (empty).

        Text is cleaned of the control characters XML cannot carry, cut at the `MAX_CELL`
        characters a cell holds, and written as a text cell. Any other type is refused rather
        than written wrong.
        """
        row = self.rows
        if row >= MAX_ROWS:
            raise ValueError(f"A sheet holds at most {MAX_ROWS:,} rows.")
        if len(values) != self._width:
            raise ValueError(f"A row of this sheet has {self._width} cells, not {len(values)}.")
        worksheet = self._worksheet
        for column, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, Promise):
                # A label marked for translation, written in the active language.
                value = str(value)
            if isinstance(value, str):
                # `clean_cell` for a text cell, inline: this runs for every cell of the sheet.
                if not value.isprintable():
                    value = _ILLEGAL_CHARACTERS.sub("", value)
                if len(value) > MAX_CELL // 2:
                    value = _cut(value, MAX_CELL)
                if value.startswith(_RICH_START) and value.endswith(_RICH_END):
                    # Split after "<": each fragment is escaped as text, read as written.
                    plain = self._workbook._plain
                    worksheet.write_rich_string(row, column, "<", plain, value[1:])
                elif value:
                    worksheet.write_string(row, column, value)
            elif isinstance(value, bool):
                worksheet.write_boolean(row, column, value)
            elif isinstance(value, (int, float)):
                worksheet.write_number(row, column, value)
            elif type(value) is datetime.date:
                worksheet.write_datetime(row, column, value, self._workbook._date)
            else:
                raise TypeError(f"No cell is written for a {type(value).__name__} here.")
        self.rows = row + 1

    def _finish(self) -> None:
        if self._autofilter:
            self._worksheet.autofilter(0, 0, self.rows - 1, self._width - 1)


def _cut(text: str, limit: int) -> str:
    """Return `text` cut to `limit` UTF-16 code units, as Excel counts a cell's characters."""
    units = text.encode("utf-16-le")
    if len(units) <= 2 * limit:
        return text
    return units[: 2 * limit].decode("utf-16-le", "ignore")
