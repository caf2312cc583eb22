"""What read-only record tables (scores, hits, rules, comparisons, checks) share: whole rows, no row numbers, Tab
leaves the table, and the keys that open a row as a double-click does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QTableView

OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_F2)
"""The keys that open the current row of a read-only table, as a double-click does."""


def setup_record_table(table: QTableView, single: bool = False) -> None:
    """Rows are selected whole (one at a time when `single`), shaded alternately, on one line each."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    leave_with_tab(table)


def leave_with_tab(table: QAbstractItemView) -> None:
    """Tab and Shift+Tab move to the next and previous control instead of from cell to cell (the arrows do that):
    a read-only table otherwise keeps the keyboard, and what is beside it cannot be reached."""
    table.setTabKeyNavigation(False)


class _OpenKeys(QObject):
    """Event filter on a table: Enter, Return, Space or F2 on the current cell calls `opened` with its index."""

    def __init__(self, table: QAbstractItemView, opened: Callable[[QModelIndex], object]) -> None:
        super().__init__(table)
        self._table = table
        self._opened = opened

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and event.key() in OPEN_KEYS
                and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)):
            index = self._table.currentIndex()
            if index.isValid():
                self._opened(index)
                return True
        return False


def open_with_keys(table: QAbstractItemView, opened: Callable[[QModelIndex], object]) -> None:
    """Enter, Return, Space or F2 on `table`'s current cell call `opened(index)`, as its double-click does, so a
    row can be opened without a mouse."""
    table.installEventFilter(_OpenKeys(table, opened))
