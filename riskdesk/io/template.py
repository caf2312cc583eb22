"""Workbooks the import writes: the blank import template (with an instructions sheet) and the validation report.

Both are written with XlsxWriter. Text that came from a user's file is always written as a string cell, never
as a formula or a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from riskdesk.core.domain import TEMPLATE_COLUMNS, composition_column
from riskdesk.core.fields import by_key, field
from riskdesk.core.problems import Problem, Severity
from riskdesk.io.mapping import FIELDS, REQUIRED_GROUPS, ReadAs, SheetMapping
from riskdesk.io.xlsx import (
    ERROR_FILL,
    HEADER_FILL,
    REQUIRED_FILL,
    WARNING_FILL,
    Column,
    row_height,
    workbook,
    write_table,
)

TEMPLATE_SHEET = "Supply paths"
INSTRUCTIONS_SHEET = "Instructions"
TEMPLATE_ELEMENTS: tuple[str, ...] = ("Nd", "Pr", "Dy", "Tb", "Sm", "Co", "Gd", "Ce", "La", "Ho")
"""Elements with a composition column in the template (any other `<symbol>_pct` column is read too)."""
TEMPLATE_HEADERS: tuple[str, ...] = TEMPLATE_COLUMNS + tuple(composition_column(s) for s in TEMPLATE_ELEMENTS)
_VALIDATED_ROWS = 5000



def required_note(name: str) -> str:
    """What the template says about whether a column is required, from the importer's required groups
    (`riskdesk.io.mapping.REQUIRED_GROUPS`): "yes", "yes, unless supplier_name gives it", "no (gives supplier_id
    when that is empty)" or "no"."""
    for group in REQUIRED_GROUPS:
        if name == group[0]:
            return "yes" if len(group) == 1 else f"yes, unless {' or '.join(group[1:])} gives it"
        if name in group:
            return f"no (gives {group[0]} when that is empty)"
    return "no"


def number_format(name: str) -> str:
    """The Excel number format of a template column: its catalogue field's (`riskdesk.core.fields.Field`), so that
    a number shows the decimals it shows in the window; an element's content as a weight share."""
    spec = FIELDS[name]
    return field("composition", "wt_pct").number_format if spec.element else by_key(name).number_format


_INSTRUCTION_WIDTHS = (22, 18, 60, 48, 24)


def write_template(path: Path) -> None:
    """Write the blank import template: a "Supply paths" sheet with the canonical headers, drop-down lists and
    number formats, and an "Instructions" sheet explaining each column. Raises OutputError (riskdesk.io.outputs)
    when `path` is refused (a project, a folder …) or cannot be written."""
    with workbook(path, what="the template") as book:
        header = book.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True,
                                  "valign": "top"})
        required = book.add_format({"bold": True, "bg_color": REQUIRED_FILL, "border": 1, "text_wrap": True,
                                    "valign": "top"})
        formats = {code: book.add_format({"num_format": code}) for code in map(number_format, TEMPLATE_HEADERS)}
        sheet = book.add_worksheet(TEMPLATE_SHEET)
        required_fields = {group[0] for group in REQUIRED_GROUPS}
        for col, name in enumerate(TEMPLATE_HEADERS):
            spec = FIELDS[name]
            sheet.write_string(0, col, name, required if name in required_fields else header)
            comment = f"{spec.meaning}\nAllowed: {spec.allowed}.\nExample: {spec.example}"
            sheet.write_comment(0, col, comment, {"x_scale": 2.2, "y_scale": 1.6})
            width = max(12, min(24, len(name) + 4))
            sheet.set_column(col, col, width, formats[number_format(name)])
            if spec.enum is not None:
                sheet.data_validation(1, col, _VALIDATED_ROWS, col, {
                    "validate": "list",
                    "source": [m.value for m in spec.enum],
                    "ignore_blank": True,
                    "error_type": "warning",
                    "error_title": name,
                    "error_message": f"Use one of: {', '.join(m.value for m in spec.enum)}",
                })
            elif spec.kind in (ReadAs.SHARE, ReadAs.COMPOSITION):
                sheet.data_validation(1, col, _VALIDATED_ROWS, col, {
                    "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                    "ignore_blank": True, "error_type": "warning", "error_title": name,
                    "error_message": "A percentage between 0 and 100",
                })
        sheet.set_row(0, 32)
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, 0, len(TEMPLATE_HEADERS) - 1)
        sheet.activate()
        _write_instructions(book)


def _write_instructions(book: Any) -> None:
    sheet = book.add_worksheet(INSTRUCTIONS_SHEET)
    title = book.add_format({"bold": True, "font_size": 14})
    bold = book.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
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
        sheet.set_row(row, row_height((note, sum(_INSTRUCTION_WIDTHS))))
        row += 1
    row += 1
    columns = ("Column", "Required", "Meaning", "Allowed values / unit", "Example")
    for col, name in enumerate(columns):
        sheet.write_string(row, col, name, bold)
    for name in TEMPLATE_HEADERS:
        row += 1
        spec = FIELDS[name]
        values = (name, required_note(name), spec.meaning, spec.allowed, spec.example)
        for col, value in enumerate(values):
            sheet.write_string(row, col, value, wrap)
        sheet.set_row(row, row_height(*zip(values, _INSTRUCTION_WIDTHS, strict=True)))
    for col, width in enumerate(_INSTRUCTION_WIDTHS):
        sheet.set_column(col, col, width)


def write_problem_report(problems: Sequence[Problem], path: Path, mappings: Sequence[SheetMapping] = (),
                         inputs: Sequence[Path] = ()) -> None:
    """Save an import's validation report: a summary, every problem, and the column mappings with their rules.
    Raises OutputError (riskdesk.io.outputs) when `path` is refused (one of the imported files `inputs`, a
    project …) or cannot be written."""
    with workbook(path, what="the import report", inputs=inputs) as book:
        header = book.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1})
        formats = {"wrap": book.add_format({"text_wrap": True, "valign": "top"}),
                   "top": book.add_format({"valign": "top"}),
                   "percent": book.add_format({"num_format": "0%"})}
        title = book.add_format({"bold": True, "font_size": 14})

        errors = sum(1 for p in problems if p.severity is Severity.ERROR)
        warnings_ = len(problems) - errors
        summary = book.add_worksheet("Summary")
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

        sheet = book.add_worksheet("Problems")
        columns = (Column("Severity", 9, "top"), Column("File", 24, "top"), Column("Sheet", 16, "top"),
                   Column("Row", 7, "top"), Column("Column", 22, "top"), Column("Value", 22, "top"),
                   Column("Problem", 60, "wrap", wrap=True), Column("What to do", 50, "wrap", wrap=True))
        write_table(sheet, columns, ((p.severity.value, p.file, p.sheet, p.row, p.column, p.value, p.message, p.hint)
                                     for p in problems), formats, header)
        last = max(len(problems), 1)
        for severity, fill in (("error", ERROR_FILL), ("warning", WARNING_FILL)):
            sheet.conditional_format(1, 0, last, len(columns) - 1, {
                "type": "formula", "criteria": f'=$A2="{severity}"', "format": book.add_format({"bg_color": fill})})

        write_table(book.add_worksheet("Mapping"),
                    (Column("File", 24), Column("Sheet", 16), Column("Header row", 10), Column("Column", 26),
                     Column("Field", 20), Column("Confidence", 11, "percent"), Column("Reason", 60),
                     Column("Unit", 8)),
                    ((m.file, m.sheet, m.header_row, c.header, c.field or "(not imported)", c.confidence, c.reason,
                      c.unit) for m in mappings for c in m.columns),
                    formats, header)

        write_table(book.add_worksheet("Rules"),
                    (Column("File", 24), Column("Sheet", 16), Column("How values were read", 90)),
                    ((m.file, m.sheet, text) for m in mappings
                     for text in (*m.rules, *(f"ambiguous column: {a}" for a in m.ambiguous))),
                    formats, header)
        sheet.activate()
