"""Workbooks the import writes: the blank import template (with an instructions sheet) and the validation report.

Both are written with XlsxWriter. Text that came from a user's file is always written as a string cell, never
as a formula or a link.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from riskdesk.core.domain import TEMPLATE_COLUMNS, composition_column
from riskdesk.core.problems import Problem, Severity
from riskdesk.io.mapping import FIELDS, REQUIRED_GROUPS, Kind, SheetMapping

TEMPLATE_SHEET = "Supply paths"
INSTRUCTIONS_SHEET = "Instructions"
TEMPLATE_ELEMENTS: tuple[str, ...] = ("Nd", "Pr", "Dy", "Tb", "Sm", "Co", "Gd", "Ce", "La", "Ho")
"""Elements with a composition column in the template (any other `<symbol>_pct` column is read too)."""
TEMPLATE_HEADERS: tuple[str, ...] = TEMPLATE_COLUMNS + tuple(composition_column(s) for s in TEMPLATE_ELEMENTS)
_VALIDATED_ROWS = 5000
_SAFE_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

_REQUIRED_NOTE = {
    "part_number": "yes",
    "magnet_family": "yes, unless the grade names it",
    "grade": "no (fills the family when that is empty)",
    "magnet_mass_g": "yes",
    "annual_units": "yes",
    "supplier_id": "yes, unless supplier_name is given",
    "supplier_name": "no (gives the id when that is empty)",
}


_LINE_HEIGHT = 15.0
_INSTRUCTION_WIDTHS = (22, 18, 60, 48, 24)


def _row_height(*cells: tuple[str, float]) -> float:
    """Height for a row of wrapped (text, column width) cells: spreadsheet apps do not all grow rows to fit."""
    lines = max((max(1, math.ceil(len(text) * 1.1 / max(width, 1))) for text, width in cells), default=1)
    return _LINE_HEIGHT * lines


def _print_setup(workbook: Any) -> None:
    """Every sheet prints landscape, one page wide, with its header row repeated on each page."""
    for sheet in workbook.worksheets():
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)


def write_template(path: Path) -> None:
    """Write the blank import template: a "Supply paths" sheet with the canonical headers, drop-down lists and
    number formats, and an "Instructions" sheet explaining each column."""
    import xlsxwriter

    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path), _SAFE_TEXT)
    try:
        header = workbook.add_format({"bold": True, "bg_color": "#DDE7F3", "border": 1, "text_wrap": True,
                                      "valign": "top"})
        required = workbook.add_format({"bold": True, "bg_color": "#F6D8A8", "border": 1, "text_wrap": True,
                                        "valign": "top"})
        formats = {
            Kind.MASS: workbook.add_format({"num_format": "0.###"}),
            Kind.COUNT: workbook.add_format({"num_format": "#,##0"}),
            Kind.MONEY: workbook.add_format({"num_format": "#,##0.00"}),
            Kind.DAYS: workbook.add_format({"num_format": "0"}),
            Kind.SHARE: workbook.add_format({"num_format": "0.##"}),
            Kind.COMPOSITION: workbook.add_format({"num_format": "0.###"}),
        }
        text = workbook.add_format({"num_format": "@"})
        sheet = workbook.add_worksheet(TEMPLATE_SHEET)
        required_fields = {group[0] for group in REQUIRED_GROUPS}
        for col, name in enumerate(TEMPLATE_HEADERS):
            spec = FIELDS[name]
            sheet.write_string(0, col, name, required if name in required_fields else header)
            comment = f"{spec.meaning}.\nAllowed: {spec.allowed}.\nExample: {spec.example}"
            sheet.write_comment(0, col, comment, {"x_scale": 2.2, "y_scale": 1.6})
            width = max(12, min(24, len(name) + 4))
            cell_format = formats.get(spec.kind, text)
            sheet.set_column(col, col, width, cell_format)
            if spec.enum is not None:
                sheet.data_validation(1, col, _VALIDATED_ROWS, col, {
                    "validate": "list",
                    "source": [m.value for m in spec.enum],
                    "ignore_blank": True,
                    "error_type": "warning",
                    "error_title": name,
                    "error_message": f"Use one of: {', '.join(m.value for m in spec.enum)}",
                })
            elif spec.kind in (Kind.SHARE, Kind.COMPOSITION):
                sheet.data_validation(1, col, _VALIDATED_ROWS, col, {
                    "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                    "ignore_blank": True, "error_type": "warning", "error_title": name,
                    "error_message": "A percentage between 0 and 100",
                })
        sheet.set_row(0, 32)
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, 0, len(TEMPLATE_HEADERS) - 1)
        sheet.activate()
        _write_instructions(workbook)
    finally:
        _print_setup(workbook)
        workbook.close()


def _write_instructions(workbook: Any) -> None:
    sheet = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE7F3", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, "RiskDesk import template", title)
    notes = (
        "One row per supply path: a part bought from one supplier, with the country of each stage of its magnet "
        "supply chain. A part bought from two suppliers takes two rows; its part columns (description … "
        "stock_days) repeat on both and must agree.",
        "share_pct is the part's volume bought through the path; the shares of one part add up to 100. Leave them "
        "all empty to split equally. 3.5, '3.5 %', '3,5 %' and 0.035 are all read.",
        "Countries: ISO codes (CN, JP, DE) or names in any common form. An empty stage country means unknown, "
        "which is allowed and scored pessimistically.",
        "Composition columns (<symbol>_pct, e.g. dy_pct) give the magnet's weight share of an element and "
        "override the grade's default composition; add a column for any element RiskDesk knows. Oxide contents "
        "(a column named e.g. 'Dy2O3 %') are converted to the element by stoichiometry.",
        "Masses are in grams; a header such as 'Masse (kg)' or a unit in the cell ('1,5 kg', '0.2 lb') is "
        "converted. Orange headers are required.",
        "Supplier files in other shapes can be imported as they are: RiskDesk maps their columns (see "
        "docs/import.md).",
    )
    row = 2
    for note in notes:
        sheet.merge_range(row, 0, row, len(_INSTRUCTION_WIDTHS) - 1, note, wrap)
        sheet.set_row(row, _row_height((note, sum(_INSTRUCTION_WIDTHS))))
        row += 1
    row += 1
    columns = ("Column", "Required", "Meaning", "Allowed values / unit", "Example")
    for col, name in enumerate(columns):
        sheet.write_string(row, col, name, bold)
    for name in TEMPLATE_HEADERS:
        row += 1
        spec = FIELDS[name]
        values = (name, _REQUIRED_NOTE.get(name, "no"), spec.meaning, spec.allowed, spec.example)
        for col, value in enumerate(values):
            sheet.write_string(row, col, value, wrap)
        sheet.set_row(row, _row_height(*zip(values, _INSTRUCTION_WIDTHS, strict=True)))
    for col, width in enumerate(_INSTRUCTION_WIDTHS):
        sheet.set_column(col, col, width)


def write_problem_report(problems: Sequence[Problem], path: Path, mappings: Sequence[SheetMapping] = ()) -> None:
    """Save an import's validation report: a summary, every problem, and the column mappings with their rules."""
    import xlsxwriter

    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path), _SAFE_TEXT)
    try:
        header = workbook.add_format({"bold": True, "bg_color": "#DDE7F3", "border": 1})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        top = workbook.add_format({"valign": "top"})
        title = workbook.add_format({"bold": True, "font_size": 14})
        red = workbook.add_format({"bg_color": "#F8D7DA"})
        amber = workbook.add_format({"bg_color": "#FFF3CD"})

        errors = sum(1 for p in problems if p.severity is Severity.ERROR)
        warnings_ = len(problems) - errors
        summary = workbook.add_worksheet("Summary")
        summary.write_string(0, 0, "RiskDesk import report", title)
        verdict = ("Errors block the import: nothing was changed. Fix them and import again." if errors
                   else "No errors: the import can be applied. Warnings are worth reading.")
        rows = (("Errors", errors), ("Warnings", warnings_), ("Sheets read", len(mappings)))
        for i, (label, value) in enumerate(rows, start=2):
            summary.write_string(i, 0, label, header)
            summary.write_number(i, 1, value)
        summary.write_string(6, 0, verdict)
        summary.set_column(0, 0, 16)
        summary.set_column(1, 1, 10)

        sheet = workbook.add_worksheet("Problems")
        columns = ("Severity", "File", "Sheet", "Row", "Column", "Value", "Problem", "What to do")
        widths = (9, 24, 16, 7, 22, 22, 60, 50)
        for col, (name, width) in enumerate(zip(columns, widths, strict=True)):
            sheet.write_string(0, col, name, header)
            sheet.set_column(col, col, width, wrap if name in ("Problem", "What to do") else top)
        for row, problem in enumerate(problems, start=1):
            sheet.write_string(row, 0, problem.severity.value)
            sheet.write_string(row, 1, problem.file)
            sheet.write_string(row, 2, problem.sheet)
            if problem.row is not None:
                sheet.write_number(row, 3, problem.row)
            sheet.write_string(row, 4, problem.column)
            sheet.write_string(row, 5, problem.value)
            sheet.write_string(row, 6, problem.message)
            sheet.write_string(row, 7, problem.hint)
            sheet.set_row(row, _row_height((problem.message, widths[6]), (problem.hint, widths[7])))
        last = max(len(problems), 1)
        sheet.autofilter(0, 0, last, len(columns) - 1)
        sheet.freeze_panes(1, 0)
        sheet.conditional_format(1, 0, last, len(columns) - 1, {
            "type": "formula", "criteria": '=$A2="error"', "format": red})
        sheet.conditional_format(1, 0, last, len(columns) - 1, {
            "type": "formula", "criteria": '=$A2="warning"', "format": amber})

        mapping_sheet = workbook.add_worksheet("Mapping")
        columns = ("File", "Sheet", "Header row", "Column", "Field", "Confidence", "Reason", "Unit")
        widths = (24, 16, 10, 26, 20, 11, 60, 8)
        for col, (name, width) in enumerate(zip(columns, widths, strict=True)):
            mapping_sheet.write_string(0, col, name, header)
            mapping_sheet.set_column(col, col, width)
        percent = workbook.add_format({"num_format": "0%"})
        row = 0
        for mapping in mappings:
            for choice in mapping.columns:
                row += 1
                mapping_sheet.write_string(row, 0, mapping.file)
                mapping_sheet.write_string(row, 1, mapping.sheet)
                mapping_sheet.write_number(row, 2, mapping.header_row)
                mapping_sheet.write_string(row, 3, choice.header)
                mapping_sheet.write_string(row, 4, choice.field or "(not imported)")
                mapping_sheet.write_number(row, 5, choice.confidence, percent)
                mapping_sheet.write_string(row, 6, choice.reason)
                mapping_sheet.write_string(row, 7, choice.unit)
        mapping_sheet.autofilter(0, 0, max(row, 1), len(columns) - 1)
        mapping_sheet.freeze_panes(1, 0)

        rules = workbook.add_worksheet("Rules")
        for col, (name, width) in enumerate((("File", 24), ("Sheet", 16), ("How values were read", 90))):
            rules.write_string(0, col, name, header)
            rules.set_column(col, col, width)
        row = 0
        for mapping in mappings:
            for rule in mapping.rules:
                row += 1
                rules.write_string(row, 0, mapping.file)
                rules.write_string(row, 1, mapping.sheet)
                rules.write_string(row, 2, rule)
            for header_text in mapping.ambiguous:
                row += 1
                rules.write_string(row, 0, mapping.file)
                rules.write_string(row, 1, mapping.sheet)
                rules.write_string(row, 2, f"ambiguous column: {header_text}")
        sheet.activate()
    finally:
        _print_setup(workbook)
        workbook.close()
