"""Export a table (its headers and rows of plain values) to an Excel workbook or a CSV file, safely.

    export_table(Path("parts.xlsx"), ExportTable("Parts", headers, rows))

xlsx: one sheet holding an Excel table (filters, banded rows) under a frozen header, numbers as numbers, dates as
dates, text as text (never a formula or a link, shown as typed), sensible widths, printed landscape one page wide
with the header repeated, document properties. csv: UTF-8 with a byte-order mark (so Excel reads accents right),
comma-separated, quoted where needed; a text cell starting with = + - @ a tab or a carriage return gets an
apostrophe in front, so that a spreadsheet opening the file shows it as text instead of running it (Excel hides
that apostrophe; other programs show it). Both are written through `riskdesk.io.outputs.atomic_output` (the rule
every output obeys): never over a project or a folder, into a private temporary folder, moved over the target only
when complete; a target refused or another program holds open raises `ExportError` naming it, and the old file
stays as it was.
Qt-free: the window's "Export table…" (riskdesk.ui.table_export_action) and scripts use it alike.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

from riskdesk.io.outputs import atomic_output
from riskdesk.io.xlsx import (
    ANY,
    DATE,
    NUMBER,
    TEXT,
    Column,
    ExportError,
    document_properties,
    fit_width,
    print_setup,
    workbook,
    write_columns,
)

SUFFIXES = (".xlsx", ".csv")
CSV_RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may take for a formula at the start of a CSV field (OWASP's list)."""


@dataclass(frozen=True)
class ExportTable:
    """A table to export: what it is (the sheet's name), its column headers and its rows of plain values (str,
    int, float, bool, date; None or NaN for a blank)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]


def csv_text(value: Any) -> str:
    """A value as a CSV field: numbers as Python writes them, dates as YYYY-MM-DD, blanks empty, and text that a
    spreadsheet would run as a formula with an apostrophe in front."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Real):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(CSV_RISKY_STARTS) else text


def sheet_name(title: str) -> str:
    """A valid Excel sheet name for `title`: no [ ] : * ? / \\, at most 31 characters, not blank."""
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip().strip("'")[:31].strip()
    return name or "Table"


def export_table(path: Path, table: ExportTable) -> Path:
    """Write `table` to `path` (.xlsx or .csv, by its suffix) and return the path. Raises ExportError (an OSError)
    when the name is not .xlsx or .csv or the file cannot be written; the old file is then unchanged."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError(f"{path.name}: export to a workbook (.xlsx) or a CSV file (.csv)", path)
    if suffix == ".csv":
        _write_csv(path, table)
    else:
        _write_xlsx(path, table)
    return path


def _write_csv(path: Path, table: ExportTable) -> None:
    with atomic_output(path, what="the table") as temporary, \
            temporary.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([csv_text(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([csv_text(v) for v in row])


def _kind(values: Sequence[Any]) -> str:
    """The kind of a column from its values: numbers, dates or text when all are, else any."""
    present = [v for v in values if v is not None and v != "" and not (isinstance(v, float) and math.isnan(v))]
    if present and all(isinstance(v, Real) and not isinstance(v, bool) for v in present):
        return NUMBER
    if present and all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in present):
        return DATE
    if all(isinstance(v, str) for v in present):
        return TEXT
    return ANY


def _write_xlsx(path: Path, table: ExportTable) -> None:
    title = sheet_name(table.title)
    columns_values: list[list[Any]] = [[] for _ in table.headers]
    for row in table.rows:
        for c, values in enumerate(columns_values):
            values.append(row[c] if c < len(row) else None)
    headers = _unique([str(h) or f"Column {c + 1}" for c, h in enumerate(table.headers)])
    properties = document_properties(f"{table.title} (RiskDesk)", f"{table.title}, exported from RiskDesk on "
                                                                   f"{dt.date.today().isoformat()}")
    with workbook(path, print_header_rows=0, properties=properties, what="the table") as book:
        header = book.add_format({"bold": True, "bg_color": "#DDE7F3", "border": 1, "text_wrap": True,
                                  "valign": "top"})
        formats = {"date": book.add_format({"num_format": "yyyy-mm-dd", "align": "left"})}
        columns = []
        for name, values in zip(headers, columns_values, strict=True):
            kind = _kind(values)
            columns.append(Column(name, fit_width(name, values), "date" if kind == DATE else "", kind=kind))
        sheet = book.add_worksheet(title)
        write_columns(sheet, 0, columns, columns_values, formats, header, name="Exported", freeze=True)
        print_setup(sheet, (0, 0), f"{table.title}, exported from RiskDesk")


def _unique(headers: list[str]) -> list[str]:
    """Headers made unique (Excel tables refuse two columns of the same name, whatever their case)."""
    seen: set[str] = set()
    result = []
    for header in headers:
        name, n = header, 2
        while name.casefold() in seen:
            name, n = f"{header} ({n})", n + 1
        seen.add(name.casefold())
        result.append(name)
    return result


__all__ = ["CSV_RISKY_STARTS", "SUFFIXES", "ExportError", "ExportTable", "csv_text", "export_table", "sheet_name"]
