"""The "Compare with date…" dialog: what changes between two evaluations of the same project (for example today
and 2027-01-01, when DFARS extends to mining and separation): the portfolio score on each date and, per part that
changes, the score before and after and the rules gained or lost. The table can be copied to Excel.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.evaluation import Evaluation, band, compare, in_date_order
from riskdesk.ui.palette import score_chip
from riskdesk.ui.record_table import setup_record_table
from riskdesk.ui.score_models import CompareTableModel, SortRole


def other_date_suggestion(as_of: dt.date, today: dt.date, next_changes: Sequence[dt.date]) -> dt.date:
    """The date "Compare with ▸ Other date…" offers: never the as-of date itself, which there is no comparing
    with. Today when the project is scored on another day; else the next day a rule changes status; else a year
    on."""
    if as_of != today:
        return today
    later = [day for day in next_changes if day != as_of]
    return later[0] if later else as_of + dt.timedelta(days=365)


def _chip(score: float) -> str:
    return score_chip(score, band(score))


class CompareDialog(QDialog):
    """Scores of one project on two dates side by side, part by part, sortable, with "Copy table"."""

    def __init__(self, before: Evaluation, after: Evaluation, parent: QWidget | None = None) -> None:
        """`before` and `after` in either order: the dialog reads from the earlier date to the later."""
        super().__init__(parent)
        before, after = in_date_order(before, after)
        self.before = before
        self.after = after
        self.rows = compare(before, after)
        self.setWindowTitle(f"What changes from {before.as_of.isoformat()} to {after.as_of.isoformat()}")
        self.setAccessibleName("Compare dates")

        score_before, reason_before = before.portfolio_score()
        score_after, reason_after = after.portfolio_score()
        self.summary_label = QLabel(
            f"<b>Portfolio score</b> on {before.as_of.isoformat()}: {_chip(score_before)} &nbsp;→&nbsp; on "
            f"{after.as_of.isoformat()}: {_chip(score_after)} &nbsp; ({score_after - score_before:+.1f})<br>"
            f"<small>{len(self.rows)} of {after.compiled.n_parts} parts change. On {after.as_of.isoformat()}: "
            f"{html.escape(reason_after)}.</small>"
        )
        self.summary_label.setObjectName("compareSummary")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setWordWrap(True)
        self.summary_label.setToolTip(f"{before.as_of}: {reason_before}\n{after.as_of}: {reason_after}")

        descriptions = {str(p): str(d) for p, d in zip(after.compiled.part_numbers, after.compiled.descriptions,
                                                        strict=True)}
        self.model = CompareTableModel(self.rows, descriptions, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSortRole(SortRole)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("compareTable")
        self.table.setAccessibleName("Parts whose score or rule hits change")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(self.model.KEYS.index("delta"), Qt.SortOrder.DescendingOrder)
        setup_record_table(self.table)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self._size_columns()

        self.empty_label = QLabel("No part's score or rule hits change between these dates.")
        self.empty_label.setVisible(not self.rows)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy table")
        self.copy_button.setToolTip("Copy the table (with headers and both dates) to paste into Excel")
        self.copy_button.setAccessibleName("Copy the comparison to the clipboard")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        buttons.rejected.connect(self.reject)
        copy_shortcut = QShortcut(QKeySequence.StandardKey.Copy, self.table)
        copy_shortcut.activated.connect(self.copy_to_clipboard)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(buttons)
        self.resize(980, 480)

    def table_text(self) -> str:
        """The comparison as tab-separated text in the table's current order, headed by the two dates."""
        keys = self.model.KEYS
        titles = [c.title for c in self.model.COLUMNS]
        titles[keys.index("score_before")] = f"Score {self.before.as_of.isoformat()}"
        titles[keys.index("score_after")] = f"Score {self.after.as_of.isoformat()}"
        lines = ["\t".join(titles)]
        for proxy_row in range(self.proxy.rowCount()):
            row = self.proxy.mapToSource(self.proxy.index(proxy_row, 0)).row()
            item = self.model.row_at(row)
            cells = [self.model.text(item, key).replace("\t", " ").replace("\n", " ") for key in keys]
            lines.append("\t".join(cells))
        return "\n".join(lines) + "\n"

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.table_text())

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        samples = {"part_number": "MTR-TRAC-200XX", "description": "Missile fin actuator magnet",
                   "score_before": "Before", "score_after": "After", "delta": "+00.0",
                   "rules_gained": "US-DFARS-7052-UPSTREAM", "rules_lost": "US-DFARS-7052-UPSTREAM"}
        for column, key in enumerate(self.model.KEYS):
            header.resizeSection(column, max(metrics.horizontalAdvance(samples[key]),
                                             metrics.horizontalAdvance(self.model.COLUMNS[column].title)) + 28)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
