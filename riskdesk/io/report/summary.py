"""The Summary sheet, one printed landscape page: the report's facts beside the portfolio score, what is prohibited
and the spend at risk by band; what changes next; the chosen scenarios' cost, shortfall and Monte Carlo tail; the
key findings; the ten riskiest parts. Their bar chart sits to the right of the printed area (on screen only: it
repeats the table)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from riskdesk.core.evaluation import band
from riskdesk.core.labels import BAND_COLORS, BAND_LABELS, KIND_HELP
from riskdesk.core.report_content import CountryCells, ScenarioLine, SummarySheet, TopParts
from riskdesk.core.triage import STATUS_HELP
from riskdesk.io.report.layout import Layout
from riskdesk.io.xlsx import DATE, FORMULA, NUMBER, TEXT, Column, row_height

WIDTHS = (19, 21, 7, 11, 11, 38, 11, 11, 11, 12, 12, 12)
"""The Summary's column widths: the top-10 table and the scenarios' table share them (narrow columns where both
have short values), so that the page prints at 70 % or more on A4 and Letter landscape."""
COMPARE_WIDTHS = (8,)
"""With a comparison, the change column after the twelve."""
RIGHT = 6
"""The column where the portfolio block starts, beside the facts."""


def write_summary(layout: Layout, content: SummarySheet) -> None:
    """Write the Summary sheet."""
    sheet = layout.sheet("Summary")
    widths = list(WIDTHS) + (list(COMPARE_WIDTHS) if content.compare is not None else [])
    last_col = len(widths) - 1
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.write_string(0, 0, content.title, layout.title)
    sheet.write_string(1, 0, content.subtitle, layout.subtitle)
    facts_end = _facts(layout, sheet, 3, content)
    glance_end = _portfolio(layout, sheet, 3, content, widths)
    row = max(facts_end, glance_end) + 1

    span = sum(widths) - 4
    # No blank rows between the sections below: their headings are underlined, and the page must print at 70 %.
    if content.changes_next:
        sheet.write_string(row, 0, "What changes next", layout.heading)
        row = _lines(layout, sheet, row + 1, [(k.text, k.level) for k in content.changes_next], last_col, span)
    if content.scenarios:
        sheet.write_string(row, 0, "The chosen scenarios (Scenarios sheet)", layout.heading)
        row = _scenarios(layout, sheet, row + 1, content.scenarios)
    if content.key_findings:
        sheet.write_string(row, 0, "Key findings", layout.heading)
        row = _lines(layout, sheet, row + 1, [(k.text, k.level) for k in content.key_findings], last_col, span)

    sheet.write_string(row, 0, content.top_heading, layout.heading)
    if content.top is None:
        _one_page(layout, sheet, row, last_col)
        return
    header_row = row + 1
    _top_parts(layout, sheet, header_row, content.top, widths, content)
    row = header_row + max(len(content.top.scores), 1)
    if content.top.scores:
        _chart(layout, sheet, header_row, content.top, content, len(widths) + 1)
    _one_page(layout, sheet, row, last_col)
    layout.advance(200, "Writing the summary…")


def _one_page(layout: Layout, sheet: Any, last_row: int, last_col: int) -> None:
    """Print the Summary (not the chart beside it) on one landscape page."""
    layout.print_setup(sheet)
    sheet.print_area(0, 0, last_row, last_col)
    sheet.fit_to_pages(1, 1)


def _facts(layout: Layout, sheet: Any, row: int, content: SummarySheet) -> int:
    """The report's facts in columns A–F from `row` (a country's ISO code in B, its name in C–F); returns the row
    after them."""
    for label, value in content.facts:
        sheet.write_string(row, 0, label, layout.label)
        if isinstance(value, CountryCells):
            sheet.write_string(row, 1, value.code, layout.value_left)
            sheet.merge_range(row, 2, row, RIGHT - 1, "", layout.value_left)
            sheet.write_string(row, 2, value.name, layout.value_left)
            row += 1
            continue
        sheet.merge_range(row, 1, row, RIGHT - 1, "", layout.value_left)
        if isinstance(value, dt.date):
            sheet.write_datetime(row, 1, value, layout.date_left)
        else:
            sheet.write_string(row, 1, str(value), layout.value_left)
            lines = row_height((str(value), sum(WIDTHS[1:RIGHT])))
            if lines > 15:
                sheet.set_row(row, lines)
        row += 1
    return row


def _portfolio(layout: Layout, sheet: Any, row: int, content: SummarySheet, widths: list[int]) -> int:
    """Beside the facts: the portfolio score and band, how it comes about (and on both dates), the prohibited and
    possibly prohibited parts with their spend, the spend by band; returns the row after them. Each line spans the
    block, so that it takes one or two printed lines."""
    right, last = RIGHT, len(widths) - 1
    whole = sum(widths[right:])
    sheet.write_string(row, right, "Portfolio score", layout.heading)
    sheet.write_number(row + 1, right, content.score, layout.big)
    sheet.write_string(row + 1, right + 1, BAND_LABELS[content.band], layout.formats[f"band-{content.band}"])
    sheet.set_row(row + 1, 28)
    row += 2

    def line(parts: tuple[str, str], cell: Any) -> None:
        nonlocal row
        label, text = parts
        sheet.merge_range(row, right, row, last, "", cell)
        if label:
            sheet.write_rich_string(row, right, layout.label, f"{label}: ", text, cell)
        else:
            sheet.write_string(row, right, text, cell)
        height = row_height((f"{label}: {text}" if label else text, whole))
        if height > 15:
            sheet.set_row(row, height)
        row += 1

    for text in (content.on_as_of, content.on_compare):
        if text:
            line(("", text), layout.note)
    for group in content.statuses:
        named = ", ".join(group.part_numbers[:6]) + (f" and {len(group.part_numbers) - 6:,} more"
                                                      if len(group.part_numbers) > 6 else "")
        line((group.label, f"{len(group.part_numbers):,} (spend {group.spend:,.0f} USD/yr): {named}"),
             layout.value_left)
    if not content.statuses:
        line(("Prohibited", "none on the date"), layout.value_left)
    sheet.write_string(row, right, "Spend at risk by band", layout.label)
    row += 1
    for col, title in enumerate(("Band", "Parts", "USD/yr", "Share")):
        sheet.write_string(row, right + col, title, layout.header)
    row += 1
    for item in content.spend_by_band:
        sheet.write_string(row, right, BAND_LABELS[item.band], layout.formats[f"band-{item.band}"])
        sheet.write_number(row, right + 1, item.parts, layout.formats["count"])
        sheet.write_number(row, right + 2, item.spend, layout.formats["usd"])
        sheet.write_number(row, right + 3, item.share, layout.formats["share"])
        row += 1
    sheet.write_string(row, right, "All parts", layout.label)
    sheet.write_number(row, right + 1, sum(b.parts for b in content.spend_by_band), layout.formats["count"])
    sheet.write_number(row, right + 2, content.total_spend, layout.formats["usd"])
    return row + 1


def _lines(layout: Layout, sheet: Any, row: int, items: list[tuple[str, str]], last_col: int, span: float) -> int:
    """Sentences tinted by level, one merged row each; returns the row after them."""
    for text, level in items:
        cell = layout.formats[f"level-{level}"]
        sheet.merge_range(row, 0, row, last_col, "", cell)
        sheet.write_string(row, 0, f"• {text}", cell)
        height = row_height((text, span))
        if height > 15:
            sheet.set_row(row, height)
        row += 1
    return row


def _scenarios(layout: Layout, sheet: Any, header_row: int, lines: list[ScenarioLine]) -> int:
    """One row per chosen scenario: cost change, who runs short, the Monte Carlo tail; returns the row after."""
    level = lines[0].level
    columns = [
        Column("Scenario", WIDTHS[0], wrap=True, kind=TEXT),
        Column("Horizon and price basis", WIDTHS[1], wrap=True, kind=TEXT),
        Column("Change %", WIDTHS[2], "share", kind=NUMBER, help="Of the baseline over the horizon"),
        Column("Cost change USD", WIDTHS[3], "usd", kind=NUMBER, help="Over the horizon, on the scenario's price "
                                                                     "basis: scenario − baseline"),
        Column("Other basis USD", WIDTHS[4], "usd", kind=NUMBER, help="The cost change on the other price basis"),
        Column("Who runs short", WIDTHS[5], wrap=True, kind=TEXT),
        Column("Value short USD", WIDTHS[6], "usd", kind=NUMBER, help="Units short × unit price"),
        Column("Units short", WIDTHS[7], "count", kind=NUMBER),
        Column("First short on", WIDTHS[8], "date", kind=DATE),
        Column("MC P50 USD", WIDTHS[9], "usd", kind=NUMBER, help="Monte Carlo: median of the total cost over the "
                                                                 "horizon"),
        Column("MC P95 USD", WIDTHS[10], "usd", kind=NUMBER, help="Monte Carlo: 95th percentile of the total cost"),
        Column(f"Cost at risk ({level} %) USD", WIDTHS[11], "usd", kind=NUMBER,
               help=f"Monte Carlo: the P{level} of the total cost over the horizon minus its mean"),
    ]
    values: list[list[Any]] = [
        [s.name for s in lines], [f"{s.horizon}, {s.basis} prices" for s in lines],
        [s.change_share for s in lines], [s.change for s in lines], [s.other_change for s in lines],
        [f"{s.parts_losing:,} lose supply, {s.parts_short:,} run short" for s in lines],
        [s.value_short for s in lines], [s.units_short for s in lines], [s.first_short for s in lines],
        [s.p50 for s in lines], [s.p95 for s in lines], [s.cost_at_risk for s in lines]]
    layout.columns(sheet, header_row, columns, values, "SummaryScenarios", freeze=False, widths=False)
    return header_row + 1 + len(lines)


def _top_parts(layout: Layout, sheet: Any, header_row: int, top: TopParts, widths: list[int],
               content: SummarySheet) -> None:
    """The riskiest parts' table, its header at `header_row`, scores in colour."""
    columns = [
        Column("Part", widths[0], kind=TEXT),
        Column("Description", widths[1], kind=TEXT),
        Column("Score", widths[2], "score", kind=NUMBER),
        Column("Band", widths[3], kind=TEXT, value_formats=layout.band_formats),
        Column("Status", widths[4], wrap=True, kind=TEXT, help=STATUS_HELP),
        Column("Why", widths[5], kind=TEXT),
        Column("Spend USD/yr", widths[6], "usd", kind=NUMBER, help="Annual units × unit price"),
        Column("Hits", widths[7], "count", kind=NUMBER, help=KIND_HELP["hit"]),
        Column("Watch", widths[8], "count", kind=NUMBER, help=KIND_HELP["watch"]),
        Column("Possible", widths[9], "count", kind=NUMBER, help=KIND_HELP["possible"]),
    ]
    values: list[list[Any]] = [top.part_numbers, top.descriptions, top.scores, top.bands, top.statuses, top.why,
                               top.spend, top.hits, top.watch, top.possible]
    later_col = len(columns)
    compare = content.compare
    if compare is not None:
        day = compare.isoformat()
        later, score = xl_col_to_name(later_col), "C"
        if compare < content.as_of:  # always from the earlier date to the later
            later, score = score, later
        columns += [Column(f"Score on {day}", widths[10], "score", kind=NUMBER),
                    Column(f"Band on {day}", widths[11], kind=TEXT, value_formats=layout.band_formats),
                    Column("Change", widths[12], "change", kind=FORMULA,
                           help="Score on the later date − score on the earlier")]
        values += [top.later_scores, top.later_bands,
                   [(f"={later}{header_row + 2 + k}-{score}{header_row + 2 + k}", change)
                    for k, change in enumerate(top.changes)]]
    layout.columns(sheet, header_row, columns, values, "TopParts", freeze=False, widths=False)
    last = header_row + len(top.scores)
    layout.score_scale(sheet, header_row + 1, last, 2)
    if compare is not None:
        layout.score_scale(sheet, header_row + 1, last, later_col)


def _chart(layout: Layout, sheet: Any, header_row: int, top: TopParts, content: SummarySheet, col: int) -> None:
    """The riskiest parts' scores as bars in their band's colour (grey bars on the comparison date), beside the
    page from the top-10 table's header row, in column `col`."""
    chart = layout.book.add_chart({"type": "bar"})
    first, last = header_row + 1, header_row + len(top.scores)
    chart.add_series({
        "name": f"Score on {content.as_of.isoformat()}",
        "categories": ["Summary", first, 0, last, 0],
        "values": ["Summary", first, 2, last, 2],
        "fill": {"color": "#595959"},
        "points": [{"fill": {"color": BAND_COLORS[band(s)]}} for s in top.scores],
        "data_labels": {"value": True, "num_format": "0"},
    })
    if content.compare is not None:
        chart.add_series({
            "name": f"Score on {content.compare.isoformat()}",
            "categories": ["Summary", first, 0, last, 0],
            "values": ["Summary", first, 10, last, 10],
            "fill": {"color": "#BFBFBF"},
        })
    chart.set_title({"name": content.chart_title, "name_font": {"size": 12}})
    chart.set_x_axis({"min": 0, "max": 100, "major_unit": 10, "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"} if content.compare is not None else {"none": True})
    chart.set_size({"width": 620, "height": 440})
    sheet.insert_chart(header_row, col, chart, {"x_offset": 4, "y_offset": 4})
