"""The risk report's look: its cell formats, and the ways its sheets lay out tables, notes and score colours.

One `Layout` is made per workbook and handed to each sheet's writer (`riskdesk.io.report.summary`, `.parts`, …).
It also counts the cells written, for progress between 250 and 700 thousandths of the whole report (before: the
scoring in `riskdesk.core.report_content.prepare`; after: saving the workbook).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from riskdesk.core.labels import BAND_COLORS, BAND_LABELS
from riskdesk.core.report_content import Steps
from riskdesk.io.xlsx import HEADER_FILL, PAPER_A4, TEXT, Column, print_setup, row_height, tint, write_columns

KG_FORMAT = "[>=100]#,##0;[>=1]#,##0.0;0.0##"
"""kg as `riskdesk.core.labels.format_kg` writes them: no decimals from 100, one from 1, up to three below."""
MONTH_FORMAT = "yyyy-mm"
"""A month: a date cell (its first day) shown as the month."""
COUNTRY_CODE_HELP = "ISO 3166-1 alpha-2 code of the country; empty where the country is not known"


def country_columns(name_width: float = 18, title: str = "Country", wrap: bool = False) -> list[Column]:
    """The two columns every sheet names a country with: its ISO code ("Country code") and its name ("Country"),
    for the values of `riskdesk.core.report_content.country_columns_of` (or `country_cells`)."""
    return [Column(f"{title} code", 8, kind=TEXT, help=COUNTRY_CODE_HELP),
            Column(title, name_width, kind=TEXT, wrap=wrap)]


@dataclass(frozen=True)
class Placed:
    """Where a table of the report was written (Excel table, filtered range or streamed alike), for the Checks
    sheet's formulas: its sheet, header row, first column, rows and headers."""

    sheet: str
    header_row: int
    first_col: int
    rows: int
    headers: tuple[str, ...]


class Layout:
    """The report's formats and layout helpers for one workbook, with progress counted in cells written."""

    def __init__(self, book: Any, steps: Steps, footer: str, cells_total: int, paper: int = PAPER_A4) -> None:
        self.book = book
        self.steps = steps
        self.footer = footer
        """The printed footer's text: the project and the date."""
        self.paper = paper
        """The paper the sheets print on (`riskdesk.io.xlsx.paper_for` the buyer's import country)."""
        add = book.add_format
        self.title = add({"bold": True, "font_size": 16})
        self.subtitle = add({"italic": True, "font_color": "#555555"})
        self.heading = add({"bold": True, "font_size": 13, "bottom": 1})
        self.label = add({"bold": True, "valign": "top"})
        self.header = add({"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True, "valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.note = add({"text_wrap": True, "valign": "top", "italic": True, "font_color": "#555555"})
        self.value_left = add({"align": "left", "valign": "top", "text_wrap": True})
        self.date_left = add({"num_format": "yyyy-mm-dd", "align": "left", "valign": "top"})
        self.big = add({"bold": True, "font_size": 20, "num_format": "0", "align": "left"})
        top = {"valign": "top"}
        self.formats: dict[str, Any] = {
            "score": add({**top, "num_format": "0"}),
            "factor": add({**top, "num_format": "0"}),
            "change": add({**top, "num_format": "+0.0;-0.0;0"}),
            "kg": add({**top, "num_format": KG_FORMAT}),
            "usd": add({**top, "num_format": "#,##0"}),
            "count": add({**top, "num_format": "#,##0"}),
            "days": add({**top, "num_format": "#,##0.0"}),
            "share": add({**top, "num_format": "0.0%"}),
            "weight": add({**top, "num_format": "0.00"}),
            "date": add({**top, "num_format": "yyyy-mm-dd", "align": "left"}),
            "month": add({**top, "num_format": MONTH_FORMAT, "align": "left"}),
            "number": add({**top, "num_format": "#,##0.0##"}),
            "money": add({**top, "num_format": "#,##0.00"}),
            "wrap": self.wrap,
            "link": add({**top, "font_color": "#1F5FAD", "underline": 1}),
            "flag": add({**top, "bg_color": tint(BAND_COLORS["red"], 0.35), "bold": True, "align": "center"}),
            "center": add({**top, "align": "center"}),
            "decimal": add({**top, "num_format": "#,##0.###"}),
            "price": add({**top, "num_format": "#,##0.00"}),
            "rate": add({**top, "num_format": "0.0000", "align": "left"}),
            "date-or-text": add({**top, "num_format": "yyyy-mm-dd", "align": "left", "text_wrap": True}),
            "sign": add({**top, "bottom": 1, "bg_color": "#FFFDE7"}),
            # TRUE/FALSE cells: Excel shows a boolean as such; LibreOffice shows its number unless told.
            "boolean": add({**top, "num_format": '"TRUE";"TRUE";"FALSE"', "align": "center"}),
        }
        for name, color in BAND_COLORS.items():
            self.formats[f"band-{name}"] = add({"bg_color": tint(color, 0.45), "bold": True, "align": "center",
                                                "valign": "top"})
            self.formats[f"level-{name}"] = add({"bg_color": tint(color, 0.25), "text_wrap": True, "valign": "top"})
        self.formats["level-info"] = add({"text_wrap": True, "valign": "top"})
        self.band_formats = {BAND_LABELS[name]: f"band-{name}" for name in BAND_COLORS}
        """A band's words → its cell format (a column's `value_formats`)."""
        self.cells_total = max(cells_total, 1)
        self.cells_done = 0
        self.placed: dict[str, Placed] = {}
        """Each table written, by its name (`place`)."""

    def advance(self, cells: int, text: str) -> None:
        """Count `cells` as written and say so (stopping here if the report was cancelled)."""
        self.cells_done += cells
        self.steps.report(250 + 450 * self.cells_done / self.cells_total, text)

    def sheet(self, name: str) -> Any:
        """A new sheet (the Summary and Method without gridlines), unless the report was cancelled."""
        self.steps.check()
        sheet = self.book.add_worksheet(name)
        if name in ("Summary", "Method"):
            sheet.hide_gridlines(2)
        return sheet

    def print_setup(self, sheet: Any, header_rows: tuple[int, int] | None = None) -> None:
        """Print `sheet` landscape, one page wide, with the report's footer (and `header_rows` on every page from
        the first on which they appear)."""
        print_setup(sheet, header_rows, self.footer, self.paper)

    def columns(self, sheet: Any, top: int, columns: Sequence[Column], data: Sequence[Sequence[Any]], name: str,
                *, freeze: bool = True, freeze_columns: int = 0, text: str = "", widths: bool = True) -> int:
        """A table from row `top` (`riskdesk.io.xlsx.write_columns` in the report's formats); returns its rows."""
        rows = write_columns(sheet, top, columns, data, self.formats, self.header, name=name, freeze=freeze,
                             freeze_columns=freeze_columns, wrap_format=self.wrap, widths=widths, lean=True,
                             cancelled=self.steps.cancelled)
        self.place(name, sheet, top, columns, rows)
        self.advance(rows * len(columns), text or f"Writing {sheet.name}…")
        return rows

    def place(self, name: str, sheet: Any, top: int, columns: Sequence[Column], rows: int) -> None:
        """Record that the table `name` has its header in row `top` of `sheet` (from column A) and `rows` rows."""
        if name:
            self.placed[name] = Placed(sheet.name, top, 0, rows, tuple(column.title for column in columns))

    def block(self, sheet: Any, row: int, title: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]],
              name: str) -> int:
        """A small table under a heading, in the sheet's own column widths; returns the row after a blank one."""
        sheet.write_string(row, 0, title, self.heading)
        values = [[r[c] for r in rows] for c in range(len(columns))]
        self.columns(sheet, row + 1, columns, values, name, freeze=False, widths=False)
        return row + 2 + max(len(rows), 1) + 1

    def score_scale(self, sheet: Any, first: int, last: int, col: int) -> None:
        """Green 0, amber 55, red 100 over the scores in rows `first`…`last` of column `col`."""
        if last < first:
            return
        sheet.conditional_format(first, col, last, col, {
            "type": "3_color_scale",
            "min_type": "num", "min_value": 0, "min_color": tint(BAND_COLORS["green"], 0.55),
            "mid_type": "num", "mid_value": 55, "mid_color": tint(BAND_COLORS["amber"], 0.55),
            "max_type": "num", "max_value": 100, "max_color": tint(BAND_COLORS["red"], 0.55)})

    def caption(self, sheet: Any, text: str, columns: Sequence[Column], row: int = 0,
                hidden: Collection[int] = ()) -> None:
        """A note above a table, across its first twelve shown columns (not the `hidden` ones), wrapped."""
        shown = [c for c in range(len(columns)) if c not in hidden][:12]
        last = shown[-1] if shown else 0
        width = sum(columns[c].width for c in shown)
        if last > 0:
            sheet.merge_range(row, 0, row, last, "", self.note)
        sheet.write_string(row, 0, text, self.note)
        sheet.set_row(row, row_height((text, width)))

