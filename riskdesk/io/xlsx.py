"""Writing Excel workbooks with XlsxWriter: one safe way to open a workbook, write a cell and lay out a table.

Used by the import template, the import's problem report and the risk report. Every workbook is opened with
XlsxWriter's string conversions off, and `write_cell` writes text as a string cell: a supplier's "=HYPERLINK(…)"
or "+1 (555)" stays text, never a formula, a link or a number. Every sheet prints landscape, one page wide, with
its header row repeated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

SAFE_TEXT: Mapping[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
"""XlsxWriter options that keep every string a string."""

LINE_HEIGHT = 15.0
"""Points per wrapped line of the default 11-point font."""

HEADER_FILL = "#DDE7F3"
REQUIRED_FILL = "#F6D8A8"
ERROR_FILL = "#F8D7DA"
WARNING_FILL = "#FFF3CD"


@contextlib.contextmanager
def workbook(path: Path, print_header_rows: int = 1) -> Iterator[Any]:
    """An XlsxWriter workbook at `path` with safe string handling, closed (and its sheets set up for printing:
    landscape, one page wide, the first `print_header_rows` rows repeated) when the block ends."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(Path(path)), dict(SAFE_TEXT))
    try:
        yield book
    finally:
        for sheet in book.worksheets():
            sheet.set_landscape()
            sheet.fit_to_pages(1, 0)
            if print_header_rows:
                sheet.repeat_rows(0, print_header_rows - 1)
        book.close()


def row_height(*cells: tuple[str, float]) -> float:
    """Height for a row of wrapped (text, column width) cells: spreadsheet apps do not all grow rows to fit."""
    lines = max((max(1, math.ceil(len(text) * 1.1 / max(width, 1))) for text, width in cells), default=1)
    return LINE_HEIGHT * lines


def write_cell(sheet: Any, row: int, col: int, value: object, cell_format: Any = None) -> None:
    """Write one value as what it is: text as a string cell (never a formula), numbers as numbers, a blank for
    None and NaN, dates as dates (give a date `cell_format`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, Real):
        number = float(value)
        if math.isfinite(number):
            sheet.write_number(row, col, number, cell_format)
        else:
            sheet.write_string(row, col, str(value), cell_format)
    elif isinstance(value, dt.datetime | dt.date):
        sheet.write_datetime(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a table sheet: its header, width (characters), cell format name and whether it wraps."""

    title: str
    width: float = 14
    format: str = ""
    """A key of the `formats` given to `write_table` ("" for none)."""
    wrap: bool = False
    help: str = ""
    """A comment on the header cell."""


def write_table(sheet: Any, columns: Sequence[Column], rows: Iterable[Sequence[object]], formats: Mapping[str, Any],
                header_format: Any, top: int = 0, freeze_columns: int = 0, wrap_format: Any = None) -> int:
    """Write a header row at `top` and the rows below it, with widths, formats, a filter and frozen panes; rows
    with wrapped text grow to fit. Returns the number of rows written."""
    for col, column in enumerate(columns):
        sheet.write_string(top, col, column.title, header_format)
        if column.help:
            sheet.write_comment(top, col, column.help, {"x_scale": 2.0, "y_scale": 1.4})
        sheet.set_column(col, col, column.width)
    count = 0
    for count, values in enumerate(rows, start=1):
        row = top + count
        wrapped: list[tuple[str, float]] = []
        for col, (column, value) in enumerate(zip(columns, values, strict=True)):
            cell_format = formats.get(column.format) if column.format else None
            if column.wrap:
                cell_format = cell_format or wrap_format
                wrapped.append((str(value or ""), column.width))
            write_cell(sheet, row, col, value, cell_format)
        if wrapped:
            height = row_height(*wrapped)
            if height > LINE_HEIGHT:
                sheet.set_row(row, height)
    sheet.autofilter(top, 0, top + max(count, 1), len(columns) - 1)
    sheet.freeze_panes(top + 1, freeze_columns)
    return count
