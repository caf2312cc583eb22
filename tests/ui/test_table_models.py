"""Table models without widgets: lazy formatting, custom roles, validation, sorting, filtering, partial updates;
then Qt's own model checker over each table."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QAbstractItemModelTester

from riskdesk.core.demo import demo_project, synthetic_project
from riskdesk.core.project import ProjectTables
from riskdesk.ui.columns import RawRole, RowRole, SortRole, TableName, column_position
from riskdesk.ui.table_models import DataFrameTableModel


def _part(key: str) -> int:
    """Where the parts column `key` stands in the window."""
    return column_position(TableName.PARTS, key)


def _supplier(key: str) -> int:
    """Where the suppliers column `key` stands in the window."""
    return column_position(TableName.SUPPLIERS, key)


def _path(key: str) -> int:
    """Where the paths column `key` stands in the window."""
    return column_position(TableName.PATHS, key)

DISPLAY = Qt.ItemDataRole.DisplayRole
EDIT = Qt.ItemDataRole.EditRole


def _model(table: TableName, tables: ProjectTables | None = None, **kwargs: object) -> DataFrameTableModel:
    tables = tables or demo_project().tables
    return DataFrameTableModel(table, getattr(tables, table.value), **kwargs)  # type: ignore[arg-type]


def _find(model: DataFrameTableModel, column: int, text: str) -> int:
    return next(r for r in range(model.rowCount()) if model.data(model.index(r, column), RawRole) == text)


# ---- reading ---------------------------------------------------------------------------------------------------

def test_cells_are_formatted_lazily_and_sort_role_gives_raw_numbers() -> None:
    model = _model(TableName.PARTS)
    row = _find(model, _part("part_number"), "MTR-TRAC-200")
    units = model.index(row, _part("annual_units"))
    assert model.data(units, DISPLAY) == "40,000"
    assert model.data(units, SortRole) == 40_000.0
    assert model.data(units, EDIT) == "40000"
    price = model.index(row, _part("unit_price"))
    assert model.data(price, DISPLAY) == "210.00"
    assert model.data(units, Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)
    assert model.data(units, RowRole) == row


def test_unknown_stage_countries_read_unknown_and_codes_carry_names() -> None:
    model = _model(TableName.PATHS, country_name=lambda code: {"CN": "China"}.get(code, code))
    row = next(r for r in range(model.rowCount())
               if model.data(model.index(r, _path("mine_country")), RawRole) == "")
    blank = model.index(row, _path("mine_country"))
    assert model.data(blank, DISPLAY) == "unknown"
    assert model.data(blank, Qt.ItemDataRole.FontRole).italic()
    china = model.index(_find(model, _path("separation_country"), "CN"), _path("separation_country"))
    assert model.data(china, DISPLAY) == "CN · China"
    assert model.data(china, Qt.ItemDataRole.ToolTipRole) == "China (CN)"


def test_headers_explain_each_column() -> None:
    model = _model(TableName.SUPPLIERS)
    assert model.headerData(_supplier("supplier_country"), Qt.Orientation.Horizontal, DISPLAY) == "Supplier country"
    tip = model.headerData(_supplier("supplier_country"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "supplier_country" in tip and "ISO code" in tip


# ---- editing ---------------------------------------------------------------------------------------------------

def test_valid_edit_goes_to_the_editor_typed() -> None:
    calls: list[tuple[TableName, list[tuple[int, str, object]]]] = []
    model = _model(TableName.PARTS, editor=lambda table, changes: calls.append((table, changes)))
    index = model.index(0, _part("magnet_mass_g"))
    assert model.setData(index, "2,500")
    assert calls == [(TableName.PARTS, [(0, "magnet_mass_g", 2500.0)])]


def test_refused_edit_changes_nothing_and_says_why() -> None:
    refusals: list[str] = []
    model = _model(TableName.PARTS)
    model.edit_refused.connect(refusals.append)
    index = model.index(0, _part("annual_units"))
    before = model.data(index, RawRole)
    assert not model.setData(index, "-5")
    assert model.data(index, RawRole) == before
    assert refusals and "must not be negative" in refusals[0]


def test_checker_refusals_reach_the_user() -> None:
    model = _model(TableName.PARTS, checker=lambda table, row, key, value: "already used" if value == "X" else None)
    refusals: list[str] = []
    model.edit_refused.connect(refusals.append)
    assert not model.setData(model.index(0, _part("part_number")), "X")
    assert refusals == ["already used"]


def test_direct_edit_emits_a_targeted_data_changed() -> None:
    model = _model(TableName.SUPPLIERS)
    changed: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda top, bottom, roles: changed.append(
        (top.row(), top.column(), bottom.row(), bottom.column())))
    index = model.index(2, _supplier("supplier_country"))
    assert model.setData(index, "Germany")
    assert model.data(index, RawRole) == "DE"
    assert changed == [(2, _supplier("supplier_country"), 2, _supplier("supplier_country"))]


# ---- sorting and filtering ---------------------------------------------------------------------------------------

def test_sorting_numbers_keeps_blanks_last_and_maps_rows_back() -> None:
    tables = demo_project().tables
    tables.parts.loc[3, "stock_days"] = math.nan
    model = _model(TableName.PARTS, tables)
    model.sort(_part("stock_days"), Qt.SortOrder.DescendingOrder)
    values = [model.data(model.index(r, _part("stock_days")), SortRole) for r in range(model.rowCount())]
    assert math.isnan(values[-1])
    assert values[:-1] == sorted(values[:-1], reverse=True)
    top = model.index(0, _part("part_number"))
    assert model.view_row(model.data(top, RowRole)) == 0


def test_filter_shows_matching_rows_only() -> None:
    model = _model(TableName.PATHS)
    model.set_filter("sup-jp1")
    assert model.rowCount() == 4
    assert all(model.data(model.index(r, _path("supplier_id")), RawRole) == "SUP-JP1"
               for r in range(model.rowCount()))
    model.set_filter("")
    assert model.rowCount() == len(model.frame)


def test_a_search_text_built_off_the_gui_thread_is_used_unless_cells_changed_since() -> None:
    model = _model(TableName.PATHS)
    stale = model.search_text_builder()(None)
    model.frame.iat[0, model.frame.columns.get_loc("supplier_id")] = "SUP-XX1"
    model.cells_changed([(0, "supplier_id")])
    assert not model.install_search_text(stale)
    assert not model.search_ready
    assert model.install_search_text(model.search_text_builder()(None))
    assert model.search_ready
    model.set_filter("sup-xx1")
    assert model.rowCount() == 1


def test_sorting_a_large_table_is_vectorised() -> None:
    project = synthetic_project(20_000)
    model = DataFrameTableModel(TableName.PATHS, project.tables.paths)
    model.sort(_path("share_pct"), Qt.SortOrder.AscendingOrder)
    shares = [model.data(model.index(r, _path("share_pct")), SortRole) for r in (0, 10_000, 19_999)]
    assert shares == sorted(shares)
    model.sort(_path("supplier_id"), Qt.SortOrder.DescendingOrder)
    first, last = (model.data(model.index(r, _path("supplier_id")), SortRole) for r in (0, 19_999))
    assert first >= last


def test_set_rows_resets_and_reapplies_the_filter() -> None:
    model = _model(TableName.SUPPLIERS)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.set_filter("CN")
    shown = model.rowCount()
    frame = model.frame.copy()
    model.set_rows(pd.concat([frame, frame.head(1).assign(supplier_id="SUP-CN9")], ignore_index=True))
    assert resets and model.rowCount() == shown + 1


# ---- Qt's checker --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("table", list(TableName))
def test_qt_model_tester_accepts_every_table(qapp: object, table: TableName) -> None:
    model = _model(table)
    # The tester checks every signal the model emits; its complaints are Qt warnings, which fail the test
    # (qt_log_level_fail in pyproject.toml).
    tester = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    model.set_filter("a")
    model.set_filter("")
    model.cells_changed([(0, model.columns[0].key)])
    del tester
    assert model.rowCount(model.index(0, 0)) == 0
    assert not model.index(-1, 0).isValid()
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags


def test_qtmodeltester_fixture(qtmodeltester: object) -> None:
    model = _model(TableName.PATHS)
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]
