"""The Scenarios sheet: for each chosen scenario what it is and its month table with a line chart, each scenario
starting a printed page; then, from a new page, the parts each scenario cuts off (one table per scenario, alike in
columns, under a header row repeated on every printed page)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from riskdesk.core.labels import BAND_COLORS
from riskdesk.core.report_content import ScenarioBlock, StockOuts
from riskdesk.io.report.layout import MONTH_FORMAT, Layout
from riskdesk.io.xlsx import DATE, FORMULA, NUMBER, TEXT, Column, row_height

WIDTHS = (16, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13)
"""The sheet's column widths (its tables lie one below the other)."""


def write_scenarios(layout: Layout, blocks: Sequence[ScenarioBlock]) -> None:
    """Write the Scenarios sheet ("No scenario chosen." and how to choose one, without scenarios)."""
    sheet = layout.sheet("Scenarios")
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    if not blocks:
        sheet.write_string(0, 0, "No scenario chosen.", layout.heading)
        sheet.write_string(1, 0, "Choose scenarios with --scenario NAME (riskdesk scenario --list shows the "
                                 "presets) or in File ▸ Export report…", layout.subtitle)
        layout.print_setup(sheet)
        return
    row = 0
    breaks: list[int] = []
    for block in blocks:
        if block.number > 1:
            breaks.append(row)
        row = _scenario(layout, sheet, row, block, breaks) + 2
    # The parts that lose supply, every scenario's after the last month table, from a new page: their tables have
    # the same columns, so the first one's header row is repeated on every page that follows.
    breaks.append(row)
    header_row: int | None = None
    for block in blocks:
        sheet.write_string(row, 0, block.stops_heading, layout.heading)
        row += 1
        if block.stops is None:
            sheet.write_string(row, 0, "No part loses supply in this scenario.", layout.subtitle)
            row += 2
            continue
        header_row = row if header_row is None else header_row
        row = _stops(layout, sheet, row, block.number, block.stops) + 1
    sheet.set_h_pagebreaks(breaks)
    layout.print_setup(sheet, (header_row, header_row) if header_row is not None else None)


def _columns(titles: Sequence[tuple[str, str, str]]) -> list[Column]:
    """(title, format, kind) → columns of the sheet's fixed widths."""
    return [Column(title, WIDTHS[c], fmt, kind=kind) for c, (title, fmt, kind) in enumerate(titles)]


def _scenario(layout: Layout, sheet: Any, row: int, block: ScenarioBlock, breaks: list[int]) -> int:
    """One scenario's block from `row`: what it is, the monthly table and its chart. Adds the rows to start a
    printed page at to `breaks`; returns the row after the block."""
    span = sum(WIDTHS[:10])
    sheet.write_string(row, 0, block.heading, layout.heading)
    row += 1
    for line in block.lines:
        sheet.merge_range(row, 0, row, 9, "", layout.wrap)
        sheet.write_string(row, 0, line, layout.wrap)
        sheet.set_row(row, row_height((line, span)))
        row += 1
    return _months(layout, sheet, row + 1, block, breaks)


def _months(layout: Layout, sheet: Any, header: int, block: ScenarioBlock, breaks: list[int]) -> int:
    """The month table from row `header` and its line chart (beside it, or below it with a Monte Carlo, on a new
    printed page); returns the row after them."""
    monte_carlo = block.mean is not None
    titles = [("Month", "month", DATE), ("Baseline USD", "usd", NUMBER), ("Scenario USD", "usd", NUMBER),
              ("Change USD", "usd", FORMULA)]
    values: list[list[Any]] = [
        block.months, block.baseline, block.scenario,
        [(f"=C{header + 2 + t}-B{header + 2 + t}", change) for t, change in enumerate(block.changes)]]
    if block.mean is not None:
        for q, percentile in block.percentiles.items():
            titles.append((f"MC P{q} USD", "usd", NUMBER))
            values.append(percentile)
        titles.append(("MC mean USD", "usd", NUMBER))
        values.append(block.mean)
    columns = _columns(titles)
    k = block.number
    layout.columns(sheet, header, columns, values, f"Scenario{k}Months", freeze=False, widths=False)
    first, last = header + 1, header + len(block.months)
    chart = layout.book.add_chart({"type": "line"})
    series = [("Baseline", 1, "#7F7F7F", "dash"), ("Scenario", 2, BAND_COLORS["red"], "solid")]
    if monte_carlo:
        series += [("Monte Carlo P5", 4, "#5B9BD5", "round_dot"), ("Monte Carlo P50", 6, "#2E75B6", "solid"),
                   ("Monte Carlo P95", 8, "#5B9BD5", "round_dot")]
    for name, col, color, dash in series:
        chart.add_series({"name": name, "categories": ["Scenarios", first, 0, last, 0],
                          "values": ["Scenarios", first, col, last, col],
                          "line": {"color": color, "width": 2.0, "dash_type": dash}, "marker": {"type": "none"}})
    chart.set_title({"name": f"Scenario {k}: monthly cost of the element content, USD", "name_font": {"size": 11}})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}, "min": 0})
    chart.set_x_axis({"date_axis": True, "num_format": MONTH_FORMAT, "num_font": {"rotation": -45},
                      "major_unit": 3, "major_unit_type": "months"})
    chart.set_legend({"position": "bottom"})
    if not monte_carlo:
        sheet.insert_chart(header, len(columns) + 1, chart)
        return max(last + 2, header + 18)
    row = last + 2
    breaks.append(row)
    chart.set_size({"width": 900, "height": 340})
    sheet.insert_chart(row, 0, chart, {"x_offset": 4, "y_offset": 4})
    return row + 19


def _stops(layout: Layout, sheet: Any, row: int, k: int, stops: StockOuts) -> int:
    """The parts that lose supply from row `row`; returns the row after them."""
    titles = [("Part", "", TEXT), ("Share lost", "share", NUMBER), ("Counted as unknown origin", "share", NUMBER),
              ("Stock days", "days", NUMBER), ("Time to survive the first cut, days", "days", NUMBER),
              ("Time to recover, days", "days", NUMBER), ("First short day", "count", NUMBER),
              ("First short on", "date", DATE), ("Days short", "count", NUMBER),
              ("Units short", "count", NUMBER), ("Value short USD", "usd", NUMBER)]
    values: list[list[Any]] = [stops.part_numbers, stops.loss_shares, stops.unknown_origin_shares, stops.stock_days,
                               stops.survive_days, stops.recover_days, stops.first_short_days,
                               stops.first_short_dates, stops.days_short, stops.units_short, stops.value_short]
    if stops.run_out_probabilities is not None:
        titles.append(("Monte Carlo: probability of running out", "share", NUMBER))
        values.append(stops.run_out_probabilities)
    layout.columns(sheet, row, _columns(titles), values, f"Scenario{k}Stops", freeze=False, widths=False)
    return row + len(stops.part_numbers) + 1
