"""The analysis can be done without a mouse: Enter, Space or F2 opens what a double-click opens (a part's "why
this score", a hit's supply path, a data-quality cell), and Tab leaves the read-only tables for what is beside
them. Real key presses on the demo window; synchronous runner."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from riskdesk.ui.columns import TableName
from riskdesk.ui.main_window import MainWindow
from tests.helpers.windows import demo_window

TODAY = dt.date(2026, 11, 23)
DEFENCE_PART = "ACT-FIN-07"


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    window = demo_window(qtbot, TODAY)
    window.tabs.setCurrentWidget(window._slots["exposure"])
    return window


def _focus(qtbot: QtBot, widget: QWidget) -> None:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(widget.hasFocus)


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_F2],
                         ids=["Return", "Enter", "Space", "F2"])
def test_a_key_on_an_exposure_row_opens_why_this_score(qtbot: QtBot, window: MainWindow, key: Qt.Key) -> None:
    exposure = window.exposure_view
    assert exposure.select_part(DEFENCE_PART)
    _focus(qtbot, exposure.table)
    qtbot.keyClick(exposure.table, key)
    assert exposure.detail is not None and exposure.detail.part_number == DEFENCE_PART
    exposure.detail.close()


def test_enter_on_a_hit_shows_its_supply_path_cell(qtbot: QtBot, window: MainWindow) -> None:
    exposure = window.exposure_view
    assert exposure.select_part(DEFENCE_PART)
    detail = exposure.show_detail(DEFENCE_PART)
    assert detail is not None
    first = window.scoring.evaluation.part_report(DEFENCE_PART).hits[0]
    hit_row = next(r for r in range(detail.hits_model.rowCount()) if detail.hits_model.hit_at(r) == first)
    detail.tabs.setCurrentIndex(1)
    detail.hits_view.setCurrentIndex(detail.hits_model.index(hit_row, 0))
    _focus(qtbot, detail.hits_view)
    qtbot.keyClick(detail.hits_view, Qt.Key.Key_Return)
    page = window.pages[TableName.PATHS]
    assert window.tabs.currentWidget() is page
    frame_row = page.table_model.frame_row(page.view.currentIndex().row())
    paths = window.document.project.tables.paths
    assert (paths.loc[frame_row, "part_number"], paths.loc[frame_row, "supplier_id"]) == (DEFENCE_PART,
                                                                                          first.supplier_id)
    # And a supply-path cell of the part, from its own table.
    window.tabs.setCurrentWidget(window._slots["exposure"])
    detail.tabs.setCurrentIndex(0)
    detail.paths_table.setCurrentCell(0, 0)
    _focus(qtbot, detail.paths_table)
    qtbot.keyClick(detail.paths_table, Qt.Key.Key_Enter)
    assert window.tabs.currentWidget() is page
    assert page.table_model.frame_row(page.view.currentIndex().row()) == detail.path_rows[0]
    detail.close()


def test_enter_on_a_data_quality_row_shows_the_cell(qtbot: QtBot, window: MainWindow) -> None:
    window.controls.quality_button.click()
    view = window.views["quality"]
    view.check_list.setCurrentRow([c.key for c in view.checks].index("unknown_origin"))
    cell = view.checks[view.check_list.currentRow()].cells[1]
    view.cells.setCurrentCell(1, 0)
    _focus(qtbot, view.cells)
    qtbot.keyClick(view.cells, Qt.Key.Key_Return)
    page = window.pages[TableName.PATHS]
    assert window.tabs.currentWidget() is page
    assert page.table_model.frame_row(page.view.currentIndex().row()) == cell.row
    assert page.model.columns[page.view.currentIndex().column()].key == cell.column


def _tab_from(qtbot: QtBot, start: QWidget, presses: int = 40) -> list[QWidget]:
    _focus(qtbot, start)
    reached: list[QWidget] = []
    for _ in range(presses):
        widget = QApplication.focusWidget()
        assert widget is not None
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        assert now is not None
        reached.append(now)
    return reached


def test_tab_leaves_the_scores_table_for_the_why_panel_and_the_charts(qtbot: QtBot, window: MainWindow) -> None:
    exposure = window.exposure_view
    exposure.ensure_charts()
    assert exposure.charts.save_button.isEnabled()
    reached = _tab_from(qtbot, exposure.table)
    assert reached[0] is not exposure.table, "Tab moves on at once"
    assert exposure.why_browser in reached
    assert exposure.charts.save_button in reached
    # and Tab leaves the hit table too (shown under its own tab of the detail)
    exposure.detail_tabs.setCurrentWidget(exposure.hits_table)
    assert _tab_from(qtbot, exposure.hits_table, 1)[0] is not exposure.hits_table


def test_tab_leaves_the_data_quality_cells(qtbot: QtBot, window: MainWindow) -> None:
    window.controls.quality_button.click()
    view = window.views["quality"]
    view.cells.setCurrentCell(0, 0)
    assert _tab_from(qtbot, view.cells, 1)[0] is not view.cells
