"""Copy and paste with Excel: TSV quoting both ways, and blocks of cells to and from a table model."""

from __future__ import annotations

from riskdesk.core.demo import demo_project
from riskdesk.ui.clipboard import copy_block, from_tsv, paste_cells, to_tsv
from riskdesk.ui.columns import TableName, column_position
from riskdesk.ui.table_models import DataFrameTableModel


def _part(key: str) -> int:
    """Where the parts column `key` stands in the window."""
    return column_position(TableName.PARTS, key)


def test_tsv_round_trip_with_tabs_quotes_and_newlines() -> None:
    rows = [["a", "b\tc", 'say "hi"'], ["line\nbreak", "", "3.5"]]
    assert from_tsv(to_tsv(rows)) == rows


def test_excel_clipboard_text_is_read() -> None:
    text = 'P-1\t"two\nlines"\t12\r\nP-2\t\t3,5\r\n'
    assert from_tsv(text) == [["P-1", "two\nlines", "12"], ["P-2", "", "3,5"]]


def test_copied_numbers_are_raw_for_excel() -> None:
    model = DataFrameTableModel(TableName.PARTS, demo_project().tables.parts)
    text = copy_block(model, 0, _part("part_number"), 0, _part("annual_units"))
    cells = from_tsv(text)[0]
    assert cells[0] == "MTR-TRAC-200"
    assert cells[-1] == "40000"


def test_paste_past_the_end_targets_new_rows_and_fills_a_selection() -> None:
    model = DataFrameTableModel(TableName.PARTS, demo_project().tables.parts)
    n = model.rowCount()
    cells = paste_cells(model, [["A"], ["B"]], n - 1, _part("description"))
    assert cells == [(n - 1, "description", "A"), (n, "description", "B")]
    filled = paste_cells(model, [["7"]], 0, _part("stock_days"), fill=(2, 1))
    assert filled == [(0, "stock_days", "7"), (1, "stock_days", "7")]
    clipped = paste_cells(model, [["x", "y", "z", "w"]], 0, _part("dfars") - 2)
    assert [key for _, key, _ in clipped] == ["unit_price", "stock_days", "dfars"]


def test_formula_like_text_is_copied_so_that_a_spreadsheet_keeps_it_as_text() -> None:
    parts = demo_project().tables.parts
    parts.loc[0, "description"] = '=HYPERLINK("http://x","y")'
    parts.loc[1, "description"] = "@SUM(A1:A9)"
    parts.loc[2, "description"] = "-12.5"
    model = DataFrameTableModel(TableName.PARTS, parts)
    text = copy_block(model, 0, _part("description"), 2, _part("description"))
    cells = [row[0] for row in from_tsv(text)]
    assert cells == ["'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1:A9)", "-12.5"]
    back = paste_cells(model, [[cells[0]]], 3, _part("description"))
    assert back == [(3, "description", '=HYPERLINK("http://x","y")')]
