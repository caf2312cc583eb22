"""The Checks sheet: Excel formulas that reconcile the report's sheets, each with the value RiskDesk computed
cached (so a viewer that does not recalculate shows TRUE too). Written last, when every sheet it reads is in the
workbook: a `Figure` (riskdesk.core.report_checks) names a sheet, an Excel table and a column header, and is found
here where the table was written. Only RiskDesk's own formulas: sheet, table and header names of this report and
RiskDesk's words (band names, element symbols, stage names) as criteria — never text from the project."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xlsxwriter.utility import xl_col_to_name, xl_range_abs, xl_rowcol_to_cell

from riskdesk.core.report_checks import CELL, COUNT, COUNT_IF, ROW, SUM, SUM_IF, ChecksSheet, Figure
from riskdesk.io.report.layout import Layout
from riskdesk.io.xlsx import ANY, FORMULA, TEXT, Column

HEADER_ROW = 1


class _Tables:
    """Where the report's tables (as the Layout placed them) and labelled cells (read from XlsxWriter's sheets)
    are."""

    def __init__(self, layout: Layout) -> None:
        self.book = layout.book
        self.placed = layout.placed
        strings = self.book.str_table.string_table
        self._text = {index: text for text, index in strings.items()}
        self._found: dict[str, dict[str, list[tuple[int, int]]]] = {}

    def _sheet(self, name: str) -> Any:
        sheet = self.book.get_worksheet_by_name(name)
        if sheet is None:
            raise LookupError(f"the report has no sheet {name!r} for the Checks sheet")
        return sheet

    def _where(self, sheet: Any) -> dict[str, list[tuple[int, int]]]:
        """Each text of `sheet` → the cells holding it, top to bottom (one pass over the sheet, kept)."""
        found = self._found.get(sheet.name)
        if found is None:
            found = self._found[sheet.name] = {}
            for row in sorted(sheet.table):
                cells = sheet.table[row]
                for col in sorted(cells):
                    cell = cells[col]
                    if type(cell).__name__ == "String" and isinstance(cell.string, int):
                        found.setdefault(self._text.get(cell.string, ""), []).append((row, col))
        return found

    def column(self, sheet_name: str, table: str, header: str) -> tuple[int, int, int]:
        """(first data row, last data row, column) of `header` in the table `table` (an Excel table, a filtered
        range or a sheet streamed to disk alike; a table without rows spans the one blank row below its header)."""
        placed = self.placed.get(table)
        if placed is None or placed.sheet != sheet_name:
            raise LookupError(f"the sheet {sheet_name} has no table {table}")
        if header not in placed.headers:
            raise LookupError(f"the table {table} on {sheet_name} has no column {header!r}")
        first = placed.header_row + 1
        return first, first + max(placed.rows, 1) - 1, placed.first_col + placed.headers.index(header)

    def labelled(self, sheet_name: str, label: str, beside: str) -> tuple[int, int]:
        """The first cell holding `label` (in the column of the cell holding `beside`, when given)."""
        where = self._where(self._sheet(sheet_name))
        column = where[beside][0][1] if beside and where.get(beside) else None
        found = next(((row, col) for row, col in where.get(label, []) if column in (None, col)), None)
        if found is None:
            raise LookupError(f"the sheet {sheet_name} has no cell {label!r} for the Checks sheet")
        return found


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def formula(tables: _Tables, figure: Figure) -> str:
    """The Excel expression (without "=") that reads `figure`."""
    sheet = f"'{figure.sheet}'!"
    if figure.how == CELL:
        row, col = tables.labelled(figure.sheet, figure.label, figure.beside)
        return sheet + xl_rowcol_to_cell(row + figure.down, col + figure.right, row_abs=True, col_abs=True)

    def span(header: str) -> str:
        first, last, col = tables.column(figure.sheet, figure.table, header)
        return sheet + xl_range_abs(first, col, last, col)

    if figure.how == ROW:
        first, _, col = tables.column(figure.sheet, figure.table, figure.column)
        return sheet + xl_rowcol_to_cell(first + figure.row, col, row_abs=True, col_abs=True)
    if figure.how == SUM:
        return f"SUM({','.join(span(header) for header in (figure.column, *figure.more_columns))})"
    if figure.how == COUNT:
        return f"COUNTA({span(figure.column)})"
    criteria = ",".join(f"{span(header)},{_quoted(value)}" for header, value in figure.criteria)
    if figure.how == COUNT_IF:
        return f"COUNTIFS({criteria})"
    if figure.how == SUM_IF:
        return f"SUMIFS({span(figure.column)},{criteria})"
    raise ValueError(f"a figure read by {figure.how!r}")


def write_checks(layout: Layout, content: ChecksSheet) -> None:
    """Write the Checks sheet (after every sheet it reads)."""
    sheet = layout.sheet("Checks")
    tables = _Tables(layout)
    columns = [
        Column("Check", 76, kind=TEXT, wrap=True),
        Column("On the sheet", 15, "decimal", kind=FORMULA, help="The first figure, read from its sheet"),
        Column("Reconciled with", 15, "decimal", kind=FORMULA, help="The same figure, read from the other sheet"),
        Column("Result", 9, "boolean", kind=FORMULA, help="TRUE when the two agree (within the tolerance)"),
        Column("Expected", 9, "boolean", kind=ANY),
        Column("Tolerance", 9, "decimal", kind=ANY),
    ]
    left: list[tuple[str, float | str]] = []
    right: list[tuple[str, float | str]] = []
    results: list[tuple[str, bool]] = []
    on, other = xl_col_to_name(1), xl_col_to_name(2)
    whats: list[str] = []
    for k, check in enumerate(content.checks):
        row = HEADER_ROW + 2 + k  # as Excel numbers it
        try:
            pair = formula(tables, check.left), formula(tables, check.right)
        except LookupError as exc:  # a sheet laid out otherwise than the check expects: say so, never a wrong TRUE
            pair = ('"not checked"', '"not checked"')
            whats.append(f"{check.what} (not checked: {exc})")
        else:
            whats.append(check.what)
        left.append((f"={pair[0]}", check.left.value if pair[0] != '"not checked"' else "not checked"))
        right.append((f"={pair[1]}", check.right.value if pair[1] != '"not checked"' else "not checked"))
        test = (f"={on}{row}={other}{row}" if check.tolerance == 0
                else f"=ABS({on}{row}-{other}{row})<={check.tolerance:g}")
        results.append((test, check.passed) if pair[0] != '"not checked"' else ("=FALSE()", False))
    values: list[Sequence[Any]] = [whats, left, right, results, [True] * len(content.checks),
              [c.tolerance for c in content.checks]]
    layout.caption(sheet, content.note, columns)
    layout.columns(sheet, HEADER_ROW, columns, values, "Checks", text="Writing the checks…")
    layout.print_setup(sheet, (HEADER_ROW, HEADER_ROW))
