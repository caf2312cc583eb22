"""The Data quality tab: what in the project makes its scores less sure than they could be, with a count per kind and
a jump to each cell (`riskdesk.core.quality`). Updated with the scores, from the same tables."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.labels import count, field_label
from riskdesk.core.quality import ERROR, INFO, WARNING, QualityCheck
from riskdesk.ui.analysis import AnalysisView, ViewContext
from riskdesk.ui.columns import TableName
from riskdesk.ui.record_table import leave_with_tab, open_with_keys

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation

_SYMBOL = {ERROR: "✖", WARNING: "⚠", INFO: "ℹ"}
_TABLE_TITLES = {"parts": "Parts", "suppliers": "Suppliers", "paths": "Supply paths"}


def summary(checks: list[QualityCheck]) -> str:
    """ "12 things to check" for the status bar ("" when there is nothing)."""
    if not checks:
        return ""
    total = sum(check.count for check in checks)
    return f"{count(total, 'thing')} to check in the data"


class QualityView(AnalysisView):
    """The checks on the left, the cells of the selected one on the right (double-click: show the cell)."""

    def __init__(self, context: ViewContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.checks: list[QualityCheck] = []
        self._waiting: list[QualityCheck] | None = None
        self.headline = QLabel()
        self.headline.setObjectName("qualityHeadline")
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.check_list = QListWidget()
        self.check_list.setObjectName("qualityChecks")
        self.check_list.setAccessibleName("Data-quality checks")
        self.check_list.currentRowChanged.connect(self._show_check)
        self.what_to_do = QLabel()
        self.what_to_do.setWordWrap(True)
        self.cells = QTableWidget(0, 4)
        self.cells.setObjectName("qualityCells")
        self.cells.setAccessibleName("Cells to check")
        self.cells.setHorizontalHeaderLabels(["Table", "Row", "Column", "Part / value"])
        self.cells.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cells.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cells.verticalHeader().setVisible(False)
        self.cells.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.cells.horizontalHeader().setStretchLastSection(True)
        self.cells.cellDoubleClicked.connect(self._on_cell)
        open_with_keys(self.cells, lambda index: self._on_cell(index.row(), index.column()))
        leave_with_tab(self.cells)
        self.cells.setToolTip("Double-click a row (or press Enter) to show the cell in its table")
        self.more = QLabel()
        self.more.setWordWrap(True)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.what_to_do)
        right_layout.addWidget(self.cells, 1)
        right_layout.addWidget(self.more)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.check_list)
        splitter.addWidget(right)
        splitter.setSizes([420, 700])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.headline)
        top = QHBoxLayout()
        top.addWidget(splitter)
        layout.addLayout(top, 1)
        if context is not None:
            context.scoring.quality_changed.connect(self.set_checks)
            self.set_checks(context.scoring.quality)

    def set_evaluation(self, evaluation: Evaluation) -> None:
        """The checks arrive with the scores (`Scoring.quality_changed`); nothing else to do."""

    def set_checks(self, checks: list[QualityCheck]) -> None:
        if self.window() is not self and self.window().isVisible() and not self.isVisible():
            self._waiting = list(checks)  # shown when the tab is: an edit elsewhere should not wait for it
            return
        self._waiting = None
        current = self.check_list.currentItem()
        key = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self.checks = list(checks)
        self.check_list.blockSignals(True)
        self.check_list.clear()
        for check in self.checks:
            item = QListWidgetItem(f"{_SYMBOL[check.severity]}  {check.describe()}")
            item.setData(Qt.ItemDataRole.UserRole, check.key)
            item.setToolTip(check.what_to_do)
            self.check_list.addItem(item)
        self.check_list.blockSignals(False)
        if not self.checks:
            self.headline.setText("<b>Nothing to check:</b> every part has supply paths whose shares add up to "
                                  "100 %, a mass and a volume, and every stage's country is known.")
            self._show_check(-1)
            return
        total = sum(check.count for check in self.checks)
        self.headline.setText(f"<b>{html.escape(summary(self.checks))}</b>: none of it stops the scoring (an unknown "
                              "origin counts as the worst case), but each makes a score less sure. "
                              f"{count(total, 'item')} in {count(len(self.checks), 'kind')}.")
        keys = [c.key for c in self.checks]
        self.check_list.setCurrentRow(keys.index(key) if key in keys else 0)
        self._show_check(self.check_list.currentRow())

    def _show_check(self, position: int) -> None:
        self.cells.setRowCount(0)
        if not 0 <= position < len(self.checks):
            self.what_to_do.setText("")
            self.more.setText("")
            return
        check = self.checks[position]
        self.what_to_do.setText(f"<b>{html.escape(check.describe())}.</b> {html.escape(check.what_to_do)}")
        self.cells.setRowCount(len(check.cells))
        for row, cell in enumerate(check.cells):
            values = (_TABLE_TITLES[cell.table], f"{cell.row + 1:,}", field_label(cell.column),
                      " · ".join(v for v in dict.fromkeys((cell.part_number, cell.value)) if v))
            for column, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row)
                self.cells.setItem(row, column, item)
        shown = len(check.cells)
        self.more.setText("" if shown >= check.count else
                          f"The first {shown:,} are listed; filter the {_TABLE_TITLES[check.cells[0].table]} table "
                          "to find the rest.")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._waiting is not None:
            self.set_checks(self._waiting)

    def _on_cell(self, row: int, _column: int) -> None:
        position = self.check_list.currentRow()
        if self._context is None or self._context.go_to is None or not 0 <= position < len(self.checks):
            return
        cell = self.checks[position].cells[row]
        self._context.go_to(TableName(cell.table), cell.row, cell.column)


def make_view(context: ViewContext) -> QualityView:
    """The Data quality tab (see `riskdesk.ui.analysis`)."""
    return QualityView(context)
