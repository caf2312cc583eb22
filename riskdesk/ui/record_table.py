"""The look shared by read-only record tables (scores, hits, rules, comparisons): whole rows, no row numbers."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QTableView


def setup_record_table(table: QTableView, single: bool = False) -> None:
    """Rows are selected whole (one at a time when `single`), shaded alternately, on one line each."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
