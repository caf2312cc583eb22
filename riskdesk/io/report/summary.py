"""The Summary sheet: the report's facts, the portfolio score, the key findings and the ten riskiest parts with
their bar chart (on the next printed page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from riskdesk.core.evaluation import band
from riskdesk.core.labels import BAND_COLORS, BAND_LABELS, KIND_HELP
from riskdesk.core.report_content import SummarySheet, TopParts
from riskdesk.core.triage import STATUS_HELP
from riskdesk.io.report.layout import Layout
from riskdesk.io.xlsx import FORMULA, NUMBER, TEXT, Column, row_height


def write_summary(layout: Layout, content: SummarySheet) -> None:
    """Write the Summary sheet."""
    sheet = layout.sheet("Summary")
    widths = [24, 40, 9, 9, 12, 52, 7, 7, 8] + ([10, 10, 9] if content.compare is not None else [])
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.write_string(0, 0, content.title, layout.title)
    sheet.write_string(1, 0, content.subtitle, layout.subtitle)
    row = 3
    for label, value in content.facts:
        sheet.write_string(row, 0, label, layout.label)
        sheet.merge_range(row, 1, row, 4, "", layout.value_left)
        if isinstance(value, dt.date):
            sheet.write_datetime(row, 1, value, layout.date_left)
        else:
            sheet.write_string(row, 1, str(value), layout.value_left)
        row += 1
    row = _portfolio(layout, sheet, row + 1, content)

    sheet.write_string(row, 0, "Key findings", layout.heading)
    row += 1
    for item in content.key_findings:
        level = layout.formats[f"level-{item.level}"]
        sheet.merge_range(row, 0, row, len(widths) - 1, "", level)
        sheet.write_string(row, 0, f"• {item.text}", level)
        sheet.set_row(row, row_height((item.text, sum(widths) - 4)))
        row += 1

    row += 1
    breaks = [row]
    sheet.write_string(row, 0, content.top_heading, layout.heading)
    if content.top is None:
        layout.print_setup(sheet)
        return
    header_row = row + 1
    _top_parts(layout, sheet, header_row, content.top, widths, content.compare)
    row = header_row + max(len(content.top.scores), 1) + 2
    if content.top.scores:
        breaks.append(row)
        _chart(layout, sheet, (row, header_row), content.top, content, widths)
    sheet.set_h_pagebreaks(breaks)
    layout.print_setup(sheet)
    layout.advance(200, "Writing the summary…")


def _portfolio(layout: Layout, sheet: Any, row: int, content: SummarySheet) -> int:
    """The portfolio score, its band and how it comes about (and on the comparison date); returns the next row."""
    sheet.write_string(row, 0, "Portfolio score", layout.heading)
    sheet.write_number(row + 1, 0, content.score, layout.big)
    sheet.write_string(row + 1, 1, BAND_LABELS[content.band], layout.formats[f"band-{content.band}"])
    sheet.set_row(row + 1, 28)
    sheet.merge_range(row + 2, 0, row + 2, 4, "", layout.note)
    sheet.write_string(row + 2, 0, content.on_as_of, layout.note)
    sheet.set_row(row + 2, row_height((content.reason, 130)))
    if content.compare is not None:
        sheet.merge_range(row + 3, 0, row + 3, 4, "", layout.note)
        sheet.write_string(row + 3, 0, content.on_compare, layout.note)
        row += 1
    return row + 4


def _top_parts(layout: Layout, sheet: Any, header_row: int, top: TopParts, widths: list[int],
               compare: dt.date | None) -> None:
    """The riskiest parts' table, its header at `header_row`, scores in colour."""
    columns = [
        Column("Part", widths[0], kind=TEXT),
        Column("Description", widths[1], kind=TEXT),
        Column("Score", widths[2], "score", kind=NUMBER),
        Column("Band", widths[3], kind=TEXT, value_formats=layout.band_formats),
        Column("Status", widths[4], wrap=True, kind=TEXT, help=STATUS_HELP),
        Column("Why", widths[5], wrap=True, kind=TEXT),
        Column("Hits", widths[6], "count", kind=NUMBER, help=KIND_HELP["hit"]),
        Column("Watch", widths[7], "count", kind=NUMBER, help=KIND_HELP["watch"]),
        Column("Possible", widths[8], "count", kind=NUMBER, help=KIND_HELP["possible"]),
    ]
    values: list[list[Any]] = [top.part_numbers, top.descriptions, top.scores, top.bands, top.statuses, top.why,
                               top.hits, top.watch, top.possible]
    later_col = len(columns)
    if compare is not None:
        day = compare.isoformat()
        columns += [Column(f"Score on {day}", widths[9], "score", kind=NUMBER),
                    Column(f"Band on {day}", widths[10], kind=TEXT, value_formats=layout.band_formats),
                    Column("Change", widths[11], "change", kind=FORMULA)]
        later = xl_col_to_name(later_col)
        values += [top.later_scores, top.later_bands,
                   [(f"={later}{header_row + 2 + k}-C{header_row + 2 + k}", change)
                    for k, change in enumerate(top.changes)]]
    layout.columns(sheet, header_row, columns, values, "TopParts", freeze=False)
    last = header_row + len(top.scores)
    layout.score_scale(sheet, header_row + 1, last, 2)
    if compare is not None:
        layout.score_scale(sheet, header_row + 1, last, later_col)


def _chart(layout: Layout, sheet: Any, rows: tuple[int, int], top: TopParts, content: SummarySheet,
           widths: list[int]) -> None:
    """The riskiest parts' scores as bars in their band's colour (grey bars on the comparison date), at the first
    of `rows`; the second is the header row of their table."""
    row, header_row = rows
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
            "values": ["Summary", first, 7, last, 7],
            "fill": {"color": "#BFBFBF"},
        })
    chart.set_title({"name": content.chart_title, "name_font": {"size": 12}})
    chart.set_x_axis({"min": 0, "max": 100, "major_unit": 10, "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"} if content.compare is not None else {"none": True})
    chart.set_size({"width": round(sum(widths) * 7), "height": 440})
    sheet.insert_chart(row, 0, chart, {"x_offset": 4, "y_offset": 4})
