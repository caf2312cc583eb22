"""The Parts sheet: one row per part, riskiest first. The main table (part, description, score, band, status, the
comparison, why it is held at its floor, its findings, spend and element value) prints one page wide at 70 % or
more; the detail columns (end use, family and grade; rules gained and lost; floor, factor score and the six
factors, magnet kg, the No. 61 value test, kg and value per element) are in collapsed outline groups ("+")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from riskdesk.core.findings import KINDS
from riskdesk.core.labels import FACTOR_HELP, FACTOR_LABELS, KIND_HELP
from riskdesk.core.project import FACTOR_NAMES
from riskdesk.core.report_content import PartsSheet, band_thresholds_text
from riskdesk.core.triage import STATUS_HELP
from riskdesk.core.value_share import VALUATION
from riskdesk.io.report.layout import Layout
from riskdesk.io.xlsx import FORMULA, NUMBER, TEXT, Column, group_columns


class _Table:
    """Columns and their values, added one by one (column indices for formulas and groups)."""

    def __init__(self) -> None:
        self.columns: list[Column] = []
        self.values: list[Sequence[Any]] = []

    def add(self, column: Column, values: Sequence[Any]) -> int:
        """Add a column; returns its index."""
        self.columns.append(column)
        self.values.append(values)
        return len(self.columns) - 1

    @property
    def next(self) -> int:
        """The index the next column will have."""
        return len(self.columns)


HEADER_ROW = 1


def write_parts(layout: Layout, content: PartsSheet) -> None:
    """Write the Parts sheet: the main table (what a reader prints) with the detail columns in collapsed groups."""
    sheet = layout.sheet("Parts")
    wrap = content.full_text
    table = _Table()
    groups: list[tuple[int, int]] = []
    """(first, end) of each run of detail columns."""

    def detail(first: int) -> None:
        groups.append((first, table.next))

    table.add(Column("Part", 15, kind=TEXT, help="Part number"), content.part_numbers)
    table.add(Column("Description", 24, kind=TEXT, wrap=wrap), content.descriptions)
    # Detail columns (collapsed) never wrap: a row is only as tall as the text it shows.
    first = table.next
    table.add(Column("End use", 10, kind=TEXT), content.end_uses)
    table.add(Column("Magnet family", 13, kind=TEXT), content.families)
    table.add(Column("Grade", 9, kind=TEXT), content.grades)
    detail(first)
    score_col = table.add(Column("Score", 7, "score", kind=NUMBER, help="0 (no risk) … 100: the weighted mean of "
                                 "the factors, raised to a floor by a fatal fact"), content.scores)
    table.add(Column("Band", 8, kind=TEXT, value_formats=layout.band_formats, help=band_thresholds_text()),
              content.bands)
    table.add(Column("Status", 12, kind=TEXT, wrap=wrap, help=STATUS_HELP), content.statuses)
    after_col = -1
    if content.compare is not None:
        day = content.compare.isoformat()
        after_col = table.add(Column(f"Score on {day}", 9, "score", kind=NUMBER), content.later_scores)
        table.add(Column(f"Band on {day}", 9, kind=TEXT, value_formats=layout.band_formats), content.later_bands)
        first_row = HEADER_ROW + 2  # the first data row as Excel numbers it
        new, old = xl_col_to_name(after_col), xl_col_to_name(score_col)
        as_of = content.as_of.isoformat()
        if content.compare < content.as_of:  # always from the earlier date to the later
            new, old = old, new
        earlier, later = sorted((as_of, day))
        table.add(Column("Change", 8, "change", kind=FORMULA, help=f"Score on {later} − score on {earlier}"),
                  [(f"={new}{first_row + k}-{old}{first_row + k}", change)
                   for k, change in enumerate(content.changes)])
        first = table.next
        table.add(Column("Rules gained", 20, kind=TEXT, help=f"Rules that meet the part on {later} and "
                         f"not on {earlier}"), content.rules_gained)
        table.add(Column("Rules lost", 14, kind=TEXT, help=f"Rules that meet the part on {earlier} and "
                         f"not on {later}"), content.rules_lost)
        detail(first)
    table.add(Column("Why held at the floor", 40, kind=TEXT, wrap=wrap), content.floor_reasons)
    for k, (title, counts) in enumerate((("Hits", content.hits), ("Watch", content.watch),
                                         ("Possible", content.possible))):
        table.add(Column(title, 7, "count", kind=NUMBER, help=KIND_HELP[KINDS[k]]), counts)
    table.add(Column("Spend USD/yr", 11, "usd", kind=NUMBER), content.spend)
    table.add(Column("Element value USD/yr", 11, "usd", kind=NUMBER), content.element_value)
    first = table.next
    table.add(Column("Floor", 6, "score", kind=NUMBER, help="The floor the part is held at: 90 prohibited, 70 may "
                     "soon be prohibited, 40 no supply path"), content.floors)
    table.add(Column("Factor score", 7, "score", kind=NUMBER, help="The weighted mean of the factors, before "
                     "floors"), content.factor_scores)
    for name in FACTOR_NAMES:
        label = FACTOR_LABELS[name]
        table.add(Column(label, max(8, max(len(word) for word in label.split()) + 1), "factor", kind=NUMBER,
                         help=f"Weight {content.weights.get(name, 0.0):g}. {FACTOR_HELP[name]}"),
                  content.factors[name])
    table.add(Column("Magnet kg/yr", 10, "kg", kind=NUMBER), content.magnet_kg)
    table.add(Column("No. 61 value share %", 10, kind=NUMBER, help="MOFCOM No. 61 item (1): the Chinese-origin "
                     "value of the controlled rare earths (Sm, Dy, Gd, Tb, Lu, Sc, Y) as a % of the magnet's value; "
                     "item (1) needs 0.1 % or more. " + VALUATION), content.no61_shares)
    table.add(Column("No. 61 margin to 0.1 %", 10, kind=NUMBER, help="Value share − 0.1, in percentage points: "
                     "negative means under the threshold (item (1) does not catch the magnet)."),
              content.no61_margins)
    table.add(Column("No. 61 value test", 40, kind=TEXT), content.no61_notes)
    for symbol, kg in zip(content.symbols, content.element_kg, strict=True):
        table.add(Column(f"{symbol} kg/yr", 9, "kg", kind=NUMBER), kg)
    for symbol, value in zip(content.symbols, content.element_values, strict=True):
        table.add(Column(f"{symbol} USD/yr", 10, "usd", kind=NUMBER), value)
    detail(first)
    hidden = {c for start, end in groups for c in range(start, end)}
    layout.caption(sheet, content.note, table.columns, hidden=hidden)
    layout.columns(sheet, HEADER_ROW, table.columns, table.values, "Parts", freeze_columns=1,
                   text="Writing the parts…")
    for start, end in groups:
        group_columns(sheet, table.columns[start:end], start,
                      following=table.columns[end] if end < len(table.columns) else None)
    n = len(content.part_numbers)
    layout.score_scale(sheet, HEADER_ROW + 1, HEADER_ROW + n, score_col)
    if content.compare is not None:
        layout.score_scale(sheet, HEADER_ROW + 1, HEADER_ROW + n, after_col)
    layout.print_setup(sheet, (HEADER_ROW, HEADER_ROW))
