"""Read back the workbooks the project writes, as a spreadsheet shows their cells."""

import io
import re

from openpyxl import load_workbook

# A character a cell's text cannot hold as itself, written as its escape (ECMA-376 ST_Xstring,
# `_x000D_` for a carriage return; `_x005F_` escapes an underscore that would start one).
# Excel and LibreOffice read it as the character; openpyxl hands back the escape.
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def shown(value):
    """Return a cell's value as a spreadsheet shows it: escaped characters read as themselves."""
    if isinstance(value, str):
        return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), value)
    return value


def workbook(content: bytes):
    """Return the workbook `content` (the bytes of an XLSX file), read by openpyxl."""
    return load_workbook(io.BytesIO(content))


def values(sheet, min_row: int = 1) -> list[list]:
    """Return the values of `sheet` from `min_row` on, row by row, as a spreadsheet shows them."""
    return [[shown(v) for v in row] for row in sheet.iter_rows(min_row=min_row, values_only=True)]
