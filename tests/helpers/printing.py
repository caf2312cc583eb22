"""How a written workbook prints, estimated from what it says (openpyxl): the scale a sheet set to fit its pages
prints at, on A4 or Letter landscape, from its visible column widths, row heights and margins, as Excel sizes a
column (a digit of the default 11-point font is 7 pixels; XlsxWriter stores a width with the column's 5 pixels of
padding in it; 96 pixels an inch)."""

from __future__ import annotations

from typing import Any

from openpyxl.utils import column_index_from_string, range_boundaries  # type: ignore[import-untyped]

PAPERS = {"A4": (11.69, 8.27), "Letter": (11.0, 8.5)}
"""Landscape width and height in inches."""
DEFAULT_PIXELS = 64
DEFAULT_HEIGHT = 15.0


def column_pixels(ws: Any, first: int, last: int) -> float:
    """The width of the visible columns `first`…`last` (1-based), in pixels."""
    pixels: dict[int, tuple[float, bool]] = {}
    for key, dim in ws.column_dimensions.items():
        low, high = dim.min or column_index_from_string(key), dim.max or column_index_from_string(key)
        for col in range(low, high + 1):
            pixels[col] = (round(dim.width * 7) if dim.width else DEFAULT_PIXELS, bool(dim.hidden))
    return sum(width for col in range(first, last + 1)
               for width, hidden in [pixels.get(col, (DEFAULT_PIXELS, False))] if not hidden)


def row_points(ws: Any, first: int, last: int) -> float:
    """The height of rows `first`…`last` (1-based), in points."""
    return sum((ws.row_dimensions[r].height or DEFAULT_HEIGHT) if r in ws.row_dimensions else DEFAULT_HEIGHT
               for r in range(first, last + 1))


def print_scale(ws: Any, paper: str) -> float:
    """The scale (1.0 = 100 %) the sheet prints at when fitted to its pages' width (and height, when it is set to
    one page tall), landscape on `paper`; never above 1."""
    width_in, height_in = PAPERS[paper]
    margins = ws.page_margins
    area = ws.print_area
    if area:
        ref = area[0] if isinstance(area, list | tuple) else str(area)
        first_col, first_row, last_col, last_row = range_boundaries(ref.split("!")[-1].replace("$", ""))
    else:
        first_col, first_row, last_col, last_row = 1, 1, ws.max_column, ws.max_row
    scale = (width_in - margins.left - margins.right) * 96 / column_pixels(ws, first_col, last_col)
    if ws.page_setup.fitToHeight in (1, None, "1"):
        usable = (height_in - margins.top - margins.bottom) * 72
        scale = min(scale, usable / row_points(ws, first_row, last_row))
    return min(scale, 1.0)
