"""The Inputs sheet (settings and weights, then the project's tables as scored, one below the other) and the Method
sheet (factors, formulas, invariants, data files, the control list's rules, sources and confidence marks)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from riskdesk.core.domain import NUMBER_COLUMNS
from riskdesk.core.labels import field_label
from riskdesk.core.report_content import InputsSheet, MethodSheet
from riskdesk.io.report.layout import COUNTRY_CODE_HELP, Layout
from riskdesk.io.xlsx import DATE, LINK, NUMBER, TEXT, Column, fit_width, group_columns

VALUE_WIDTH = 44
"""The value column of the "what | value" tables: a SHA-256 (64 characters) takes two lines, so that the sheet's
visible columns print one page wide at 70 % or more on A4 and Letter landscape."""


class _Blocks:
    """Tables one below the other under their headings, each column as wide as its widest table needs."""

    def __init__(self, layout: Layout, sheet: Any) -> None:
        self.layout = layout
        self.sheet = sheet
        self.widths: dict[int, float] = {}
        self.row = 0
        self.breaks: list[int] = []
        """Rows that start a printed page."""
        self.header_row = 0
        """The header row of the last table added."""

    def add(self, title: str, columns: Sequence[Column], values: Sequence[Sequence[Any]], name: str,
            text: str = "", new_page: bool = False) -> None:
        if new_page and self.row:
            self.breaks.append(self.row)
        self.header_row = self.row + 1
        self.sheet.write_string(self.row, 0, title, self.layout.heading)
        for c, column in enumerate(columns):
            self.widths[c] = max(self.widths.get(c, 0.0), column.width)
        rows = self.layout.columns(self.sheet, self.row + 1, columns, values, name, freeze=False, widths=False,
                                   text=text)
        self.row += 1 + max(rows, 1) + 2


def write_inputs(layout: Layout, content: InputsSheet) -> None:
    """Write the Inputs sheet: first what names the report and what an auditor recomputes from (id, time, hashes,
    sign-off, reference prices, the exchange rate, the Monte Carlo's parameters), then the project as scored."""
    sheet = layout.sheet("Inputs")
    blocks = _Blocks(layout, sheet)
    blocks.add("This report: id, time, versions and hashes", [Column("What", 24, kind=TEXT, wrap=True),
                                                              Column("Value", VALUE_WIDTH, "date-or-text", wrap=True)],
               [[k for k, _ in content.provenance], [v for _, v in content.provenance]], "Provenance")
    sheet.write_string(blocks.row, 0, "Sign-off (fill in)", layout.heading)
    for k, title in enumerate(content.sign_off):
        sheet.write_string(blocks.row + 1 + k, 0, title, layout.label)
        sheet.write_blank(blocks.row + 1 + k, 1, None, layout.formats["sign"])
    blocks.row += len(content.sign_off) + 3
    blocks.add("Reference prices used (USD per kg of contained element; every USD figure is kg × this price)", [
        Column("Element", 24, kind=TEXT), Column("Basis", 18, kind=TEXT), Column("USD/kg", 12, "price", kind=NUMBER),
        Column("Series date", 12, "date", kind=DATE), Column("Derived from", 40, kind=TEXT, wrap=True),
        Column("Confidence", 10, kind=TEXT)], [list(column) for column in zip(*content.prices, strict=True)]
        if content.prices else [[] for _ in range(6)], "ReferencePrices")
    blocks.add("Exchange rate", [Column("Rate", 24, kind=TEXT), Column("Value", 18, "rate")],
               [[k for k, _ in content.exchange], [v for _, v in content.exchange]], "ExchangeRate")
    if content.monte_carlo:
        _key_values(blocks, "Monte Carlo parameters", "Parameter", content.monte_carlo, "MonteCarlo", width=VALUE_WIDTH)
    _key_values(blocks, "Settings and weights as used", "Setting", content.settings, "Settings")

    columns, values = _input_columns(content.suppliers)
    blocks.add(content.suppliers_title, columns, values, "InputSuppliers")
    if content.composition is not None:
        columns, values = _input_columns(content.composition, {"element": "Element", "wt_pct": "wt %"})
        blocks.add(content.composition_title, columns, values, "InputComposition")

    columns, values = _input_columns(content.parts)
    composition_columns = len(columns)
    for symbol, used in content.wt_pct_used.items():
        columns.append(Column(f"{symbol} wt % used", 8, "number", kind=NUMBER))
        values.append(used)
    # collapsed detail never wraps: a row is only as tall as the text it shows
    columns.append(Column("Composition used", 48, kind=TEXT))
    values.append(content.composition_used)
    grouped = columns[composition_columns:]  # detail, behind a "+": the sheet prints one page wide at 70 % or more
    blocks.add(content.parts_title, columns, values, "InputParts", "Writing the inputs…", new_page=True)
    if content.stage_evidence:
        blocks.add(f"Stages known otherwise than their supply path ({len(content.stage_evidence):,}): the stage's own "
                   "evidence, which transparency counts instead of the path's", [
                       Column("Supply path no.", 10, "count", kind=NUMBER,
                              help="The path's place in the Supply paths table below (1: its first row)"),
                       Column(field_label("part_number"), 16, kind=TEXT),
                       Column(field_label("supplier_id"), 14, kind=TEXT), Column("Stage", 14, kind=TEXT),
                       Column("Country code", 8, kind=TEXT, help=COUNTRY_CODE_HELP),
                       Column("Stage's evidence", 12, kind=TEXT), Column("Path's evidence", 12, kind=TEXT)],
                   [list(column) for column in zip(*content.stage_evidence, strict=True)], "InputStageEvidence")

    # The longest table last, from a new page, so that its header row can be repeated on every page it takes.
    columns, values = _input_columns(content.paths)
    columns.append(Column("Share used %", 8, "number", kind=NUMBER,
                          help="The share scoring used: shares over 100 % are scaled down; volume no path covers is "
                               "a path of unknown origin"))
    values.append(content.share_used)
    blocks.add(content.paths_title, columns, values, "InputPaths", "Writing the supply paths…", new_page=True)
    for col, width in blocks.widths.items():
        sheet.set_column(col, col, width)
    group_columns(sheet, grouped, composition_columns,
                  following=Column("", blocks.widths.get(composition_columns + len(grouped), 12)))
    sheet.set_h_pagebreaks(blocks.breaks)
    layout.print_setup(sheet, (blocks.header_row, blocks.header_row))


def _input_columns(table: Mapping[str, Sequence[Any]], labels: Mapping[str, str] | None = None
                   ) -> tuple[list[Column], list[Sequence[Any]]]:
    """Columns for a project table as entered (field name → values): the field's label, numbers as numbers,
    widths that fit; and their values."""
    columns = []
    for name, column_values in table.items():
        title = (labels or {}).get(name) or INPUT_TITLES.get(name) or field_label(name)
        number = NUMBER_COLUMNS.get(name)
        columns.append(Column(title, fit_width(title, column_values, high=30),
                              NUMBER_FORMATS.get(str(number), "number") if number else "",
                              kind=NUMBER if number else TEXT))
    return columns, list(table.values())


NUMBER_FORMATS = {"count": "count", "money": "money", "days": "days", "mass": "number", "percent": "number"}
"""The kind of a project table's numbers (`riskdesk.core.domain.NUMBER_COLUMNS`) → its format on the Inputs
sheet: units as whole numbers, prices with cents, days with one decimal, grams and percentages with up to three."""
INPUT_TITLES = {"unit_price": "Unit price USD"}
"""Headers on the Inputs sheet that say more than the field's label (the currency the spend is reckoned in)."""


def _value_format(value: Any) -> str:
    """The format of a figure in a two-column "what | value" table: whole numbers with thousands separators, other
    numbers with up to three decimals, dates as dates, text as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "date-or-text"
    return "count" if float(value).is_integer() else "number"


def _key_values(blocks: _Blocks, title: str, key: str, rows: Sequence[tuple[str, Any]], name: str,
                width: float = 18) -> None:
    """A "what | value" table whose figures each have their number format (the table is written first, then each
    figure again in its format: XlsxWriter keeps the last write of a cell)."""
    top = blocks.row + 2
    blocks.add(title, [Column(key, 24, kind=TEXT, wrap=True), Column("Value", width, "date-or-text", wrap=True)],
               [[k for k, _ in rows], [v for _, v in rows]], name)
    formats = blocks.layout.formats
    for k, (_, value) in enumerate(rows):
        if isinstance(value, int | float) and not isinstance(value, bool):
            blocks.sheet.write_number(top + k, 1, value, formats[_value_format(value)])


METHOD_WIDTHS = (27, 68, 55, 12, 12)
"""Factor or topic, what it says, a note; the sources' two dates."""


def write_method(layout: Layout, content: MethodSheet) -> None:
    """Write the Method sheet."""
    sheet = layout.sheet("Method")
    for col, width in enumerate(METHOD_WIDTHS):
        sheet.set_column(col, col, width)
    a, b, c, d, e = METHOD_WIDTHS
    sheet.write_string(0, 0, "How RiskDesk scores exposure", layout.title)
    sheet.write_string(1, 0, "Every figure on the other sheets is computed as below, from the inputs, reference "
                             "prices and exchange rate on the Inputs sheet.", layout.subtitle)
    row = layout.block(sheet, 3, "Factors and weights", [
        Column("Factor", a, kind=TEXT), Column("What it measures (0 no risk … 100)", b, wrap=True, kind=TEXT),
        Column("Weight (share of the score)", c, kind=TEXT)], content.factors, "MethodFactors")
    row = layout.block(sheet, row, "Formulas", [
        Column("Topic", a, kind=TEXT), Column("Formula", b, wrap=True, kind=TEXT),
        Column("Note", c, wrap=True, kind=TEXT)], content.formulas, "MethodFormulas")
    row = layout.block(sheet, row, "Invariants: promises the tests search counterexamples for", [
        Column("ID", a, kind=TEXT), Column("Promise", b, wrap=True, kind=TEXT),
        Column("Test (tests/core/test_invariants.py)", c, wrap=True, kind=TEXT)], content.invariants,
        "MethodInvariants")
    row = layout.block(sheet, row, "Data sources with versions", [
        Column("Data", a, kind=TEXT), Column("Title and version", b, wrap=True, kind=TEXT),
        Column("File and SHA-256", c, wrap=True, kind=TEXT)], content.data_files, "MethodData")
    row = layout.block(sheet, row, "Sources (a link opens the page cited; addresses that are not among RiskDesk's "
                                   "bundled sources are text, not links)", [
        Column("Of", a, kind=TEXT), Column("Source", b, kind=LINK), Column("Address", c, kind=TEXT, wrap=True),
        Column("Published", d, "date-or-text", help="The date the document was published, where RiskDesk's data "
               "records it; else not recorded"),
        Column("Accessed", e, "date-or-text", help="The date the page was read, where RiskDesk's data records it; "
               "else not recorded (the bundled facts were compiled from stored copies of the pages, without the "
               "date each was read)")],
        content.sources, "MethodSources")
    row = layout.block(sheet, row, "Confidence marks", [Column("Mark", a, kind=TEXT), Column("Meaning", b, kind=TEXT)],
                       content.marks, "MethodMarks")
    # The rules last, from a new page, so that their header row is repeated on every page they take.
    sheet.set_h_pagebreaks([row])
    layout.block(sheet, row, content.rules_heading, [
        Column("Rule", a, kind=TEXT), Column("What it says", b, wrap=True, kind=TEXT),
        Column("Effect, status on the date, dates, confidence", c, wrap=True, kind=TEXT)], content.rules,
        "MethodRules")
    layout.print_setup(sheet, (row + 1, row + 1))
