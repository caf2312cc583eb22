"""The Findings sheet (one row per part and rule: the stages, countries and suppliers where the rule meets the
part), the Findings detail sheet on request (every hit, watch item and possible hit, grouped by part) and the
Exposure sheet (kg by element, stage and country with the EU 65 % benchmark flag)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from riskdesk.core.findings import KINDS
from riskdesk.core.labels import KIND_HELP, KIND_LABELS
from riskdesk.core.report_content import FindingsSheet
from riskdesk.core.report_findings import FindingsSummary
from riskdesk.io.report.layout import Layout, country_columns
from riskdesk.io.xlsx import (
    DATE,
    LINE_HEIGHT,
    LINK,
    MAX_LINKS,
    NUMBER,
    PLAIN_COUNT_BELOW,
    TEXT,
    Column,
    fits_one_line,
    group_columns,
    wrapped_lines,
)

STREAMED_CELLS = 1_000_000
"""Above this many cells a findings sheet is written row by row straight to disk (XlsxWriter's constant_memory for
that sheet alone) with a filter instead of an Excel table: a 100,000-path project's Findings would otherwise hold
most of a gigabyte of cells in memory until the workbook is saved."""
_EPOCH = dt.date(1899, 12, 30)
"""Day 0 of Excel's dates."""
DETAIL_SHEET = "Findings detail"
"""The one-row-per-finding sheet, written after the Findings sheet when asked (`riskdesk report --detail`)."""
_KIND_HELP = " ".join(f"{KIND_LABELS[k]}: {KIND_HELP[k]}" for k in KINDS)
_CONFIDENCE_HELP = "C confirmed, S single secondary source, D derived, U unconfirmed, X sources disagree"
_RULE_HELP = ("The rule's id; the Method sheet lists every rule once, with its dates, status, sources and "
              "confidence")


def write_findings(layout: Layout, content: FindingsSummary) -> None:
    """Write the Findings sheet: one row per part and rule; the country names, and how many paths and findings a row
    covers, in collapsed outline groups ("+"), so that the sheet prints one page wide at 70 % or more on A4 and
    Letter."""
    columns = _summary_columns()
    values: list[Sequence[Any]] = [
        content.part_numbers, content.rule_ids, content.kinds, content.effects, content.statuses, content.elements,
        content.stages, content.country_codes, content.country_names, content.suppliers, content.kg,
        content.values, content.weights, content.paths, content.items]
    names, details = 8, 13
    hidden = {names, *range(details, len(columns))}
    lines = _lines(columns, values)
    sheet = _table(layout, "Findings", "Findings", content.note, columns, values, lines, hidden,
                   "Writing the findings…")
    group_columns(sheet, columns[names:names + 1], names, following=columns[names + 1])
    group_columns(sheet, columns[details:], details)
    layout.print_setup(sheet, (1, 1))


def _summary_columns() -> list[Column]:
    """The Findings sheet's columns (the rule's dates, sources and confidence are on the Method sheet, once)."""
    return [
        Column("Part", 14, kind=TEXT),
        Column("Rule", 22, format="wrap", kind=TEXT, help=_RULE_HELP),
        Column("Kind", 9, format="wrap", kind=TEXT, help=_KIND_HELP),
        Column("Effect", 16, format="wrap", kind=TEXT, help="What the rule does on the date, as riskdesk score --json "
                                                         "says it (effect_label)"),
        Column("Status on the date", 14, format="wrap", kind=TEXT),
        Column("Elements", 13, format="wrap", kind=TEXT),
        Column("Stages", 18, format="wrap", kind=TEXT, help="The stages at which the rule meets the part's supply "
                                                         "paths, in supply-chain order"),
        Column("Country codes", 9, format="wrap", kind=TEXT, help="ISO codes of the countries at those stages; "
                                                               "unknown: a stage whose country is not known (a "
                                                               "possible hit). Names: the column beside it (+)"),
        Column("Countries", 22, kind=TEXT),
        Column("Suppliers", 11, format="wrap", kind=TEXT, help="Supplier IDs; (none) for volume no supply path covers"),
        Column("kg/yr", 9, "kg", kind=NUMBER, help="kg a year the rule concerns: each path's element counted once, "
                                                   "whatever the number of stages"),
        Column("USD/yr", 10, "usd", kind=NUMBER, help="The value of those kg a year at reference prices"),
        Column("Counts", 7, "weight", kind=NUMBER, help="How much of that value counts towards the restriction "
                                                         "factor on the date (0–1; the most on any of its paths). "
                                                         "The factor combines the rules on each element; the Parts "
                                                         "sheet shows what they give together"),
        Column("Paths", 7, "count", kind=NUMBER, help="How many supply paths the rule meets"),
        Column("Findings", 8, "count", kind=NUMBER, help="How many findings (rule × path × stage × element) the row "
                                                          "summarises: the rows of the Findings detail sheet"),
    ]


def write_findings_detail(layout: Layout, content: FindingsSheet) -> None:
    """Write the Findings detail sheet: one row per finding."""
    columns = [
        Column("Part", 14, kind=TEXT),
        Column("Kind", 8, kind=TEXT, help=_KIND_HELP),
        Column("Rule", 27, kind=TEXT, help=_RULE_HELP),
        Column("Effect", 21, kind=TEXT),
        Column("Element", 12, kind=TEXT),
        Column("Stage", 18, kind=TEXT),
        *country_columns(16),
        Column("Supplier", 11, kind=TEXT, help="Supplier ID; (none) for volume no supply path covers"),
        Column("kg/yr", 10, "kg", kind=NUMBER),
        Column("USD/yr", 10, "usd", kind=NUMBER),
        Column("Counts", 7, "weight", kind=NUMBER, help="How much of that value counts towards the restriction "
                                                         "factor on the date (0–1)"),
        Column("Effective from", 12, "date", kind=DATE),
        Column("Effective until", 12, "date", kind=DATE),
        Column("Status on the date", 25, kind=TEXT),
        Column("Source", 46, kind=LINK if content.links else TEXT),
        Column("Confidence", 10, kind=TEXT, help=_CONFIDENCE_HELP),
    ]
    values: list[Sequence[Any]] = [
        content.part_numbers, content.kinds, content.rule_ids, content.effects, content.elements, content.stages,
        content.country_codes, content.countries, content.suppliers, content.kg, content.values, content.weights,
        content.starts, content.ends, content.statuses, content.sources, content.marks]
    sheet = _table(layout, DETAIL_SHEET, "FindingsDetail", content.note, columns, values, None, set(),
                   "Writing the findings in full detail…")
    layout.print_setup(sheet, (1, 1))


def _table(layout: Layout, name: str, table: str, note: str, columns: Sequence[Column],
           values: Sequence[Sequence[Any]], lines: np.ndarray | None, hidden: set[int], text: str) -> Any:
    """A sheet `name` with `note` above a table of `columns` (header in row 1), its rows `lines` tall (None: one
    line). Up to STREAMED_CELLS cells it is the Excel table `table`; above, a filtered range streamed to disk row
    by row."""
    rows = len(values[0]) if values else 0
    streamed = rows * len(columns) > STREAMED_CELLS
    if streamed:  # XlsxWriter takes constant_memory when it adds a sheet: this sheet alone streams its rows
        layout.book.constant_memory = True
    try:
        sheet = layout.sheet(name)
    finally:
        layout.book.constant_memory = False
    layout.caption(sheet, note, columns, hidden=hidden)
    if streamed:
        _stream(layout, sheet, 1, columns, values, lines, text)
        layout.place(table, sheet, 1, columns, rows)
    else:
        layout.columns(sheet, 1, columns, values, table, freeze_columns=1, text=text)
        if lines is not None:
            for row in np.flatnonzero(lines > 1).tolist():
                sheet.set_row(2 + row, LINE_HEIGHT * float(lines[row]))
    return sheet


def _lines(columns: Sequence[Column], values: Sequence[Sequence[Any]]) -> np.ndarray:
    """How many lines each row takes for its wrapped cells (the columns in the "wrap" format). The lists repeat a
    few texts many times, so each text's lines are counted once: a large project's sheet is written as quickly as
    its cells."""
    lines = np.ones(len(values[0]) if values else 0)
    for column, cells in zip(columns, values, strict=True):
        if column.format != "wrap":
            continue
        counted: dict[Any, int] = {}
        np.maximum(lines, [counted[cell] if cell in counted else
                           counted.setdefault(cell, wrapped_lines(str(cell or ""), column.width)) for cell in cells],
                   out=lines)
    return lines


def _stream(layout: Layout, sheet: Any, top: int, columns: Sequence[Column], values: Sequence[Sequence[Any]],
            lines: np.ndarray | None, text: str) -> None:
    """Write a header row at `top` and the rows below it in order, as `riskdesk.io.xlsx.write_columns` writes a
    table's columns (kinds, formats, header notes, widths, a filter, frozen panes), for a sheet that streams its
    rows (XlsxWriter's constant_memory: each row goes to disk once the next one starts)."""
    formats = layout.formats
    cell_formats = [formats.get(c.format) if c.format else formats.get("cell") for c in columns]
    plain, count = formats.get("cell"), formats.get("count")
    # as write_columns(lean=True): a wrapped text that fits on one line, and a count under 1,000, need no format
    text_formats = [{text: plain for text in set(cells) if text and fits_one_line(text, column.width)}
                    if cell_formats[c] is layout.wrap else {}
                    for c, (column, cells) in enumerate(zip(columns, values, strict=True))]
    kinds = [c.kind for c in columns]
    write_string, write_number, write_url = sheet.write_string, sheet.write_number, sheet.write_url
    rows = len(values[0]) if values else 0
    sheet.set_row(top, LINE_HEIGHT * max(wrapped_lines(c.title, c.width, 1.0) for c in columns))
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column.width)
        write_string(top, col, column.title, layout.header)
        if column.help:
            sheet.write_comment(top, col, column.help, {"x_scale": 2.0, "y_scale": 1.4})
    sheet.autofilter(top, 0, top + max(rows, 1), len(columns) - 1)
    sheet.freeze_panes(top + 1, 1)
    links = 0
    step = 20_000
    heights = lines.tolist() if lines is not None else [1.0] * rows
    serials: dict[dt.date, int] = {}
    specs = list(zip(range(len(columns)), kinds, cell_formats, text_formats, strict=True))
    for i, cells in enumerate(zip(*values, strict=True)):
        row = top + 1 + i
        if heights[i] > 1:
            sheet.set_row(row, LINE_HEIGHT * heights[i])
        for (col, kind, cell_format, by_text), value in zip(specs, cells, strict=True):
            if kind == TEXT:
                if value:
                    write_string(row, col, value, by_text.get(value, cell_format))
            elif kind == NUMBER:
                if value is None or value != value:
                    continue
                if isinstance(value, str) or value in (math.inf, -math.inf):
                    write_string(row, col, str(value), cell_format)
                elif cell_format is count and type(value) is int and abs(value) < PLAIN_COUNT_BELOW:
                    write_number(row, col, value, plain)
                else:
                    write_number(row, col, value, cell_format)
            elif kind == DATE:
                if value is not None:
                    serial = serials.get(value)
                    if serial is None:
                        serial = serials[value] = (value - _EPOCH).days
                    write_number(row, col, serial, cell_format)
            elif value:  # LINK
                url, words = value
                if url and links < MAX_LINKS and url.startswith(("https://", "http://")) and len(url) < 2000:
                    write_url(row, col, url, formats["link"], words, url)
                    links += 1
                elif words:
                    write_string(row, col, words, cell_format)
        if i % step == step - 1:
            layout.advance(step * len(columns), text)
    layout.advance(rows % step * len(columns), text)
