"""View ▸ Declarations…: where the declaration campaign stands, and what each answer changed.

One row per request (the rows `riskdesk requests --json` prints: `riskdesk.core.declaration_status.request_status`, one
function for both): request, supplier, sent, due, answered (date of the latest answer), parts answered / asked,
status (overdue, answered, partly answered, waiting) on the window's as-of date. Below, the selected request's
answers: when each was read, from which file (and its SHA-256), the effective date, the smelters and mines it named,
and what it changed — each part it answered, its score before → after, as of the day it was imported (computed when
the answer was read and kept with it: `DeclarationAnswer.scores`). The dialog is not modal; Refresh reads the
project again (after an import, an undo, or a change of the as-of date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.declaration_status import request_status
from riskdesk.core.declarations import DeclarationRequest, Declarations
from riskdesk.core.triage import score_change_text, score_text

COLUMNS: tuple[tuple[str, str], ...] = (
    ("request_id", "Request"), ("supplier_id", "Supplier"), ("sent", "Sent"), ("due", "Due"),
    ("answered", "Answered"), ("parts", "Parts answered"), ("status", "Status"))
"""The table's columns: the `RequestStatus.to_json` key each shows (`parts`: answered / asked), and its header."""
_Index = QModelIndex | QPersistentModelIndex


class DeclarationsModel(QAbstractTableModel):
    """The requests' status rows (`request_status`), as of a date; overdue rows in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.declarations = Declarations()
        self.as_of = dt.date.today()

    def set_declarations(self, declarations: Declarations, as_of: dt.date) -> None:
        self.beginResetModel()
        self.declarations, self.as_of = declarations, as_of
        self.rows = [s.to_json() for s in request_status(declarations, as_of)]
        self.endResetModel()

    def request_at(self, row: int) -> DeclarationRequest | None:
        return self.declarations.find(self.rows[row]["request_id"]) if 0 <= row < len(self.rows) else None

    def text(self, row: int, column: int) -> str:
        values, key = self.rows[row], COLUMNS[column][0]
        if key == "parts":
            return f"{values['parts_answered']} / {values['parts_asked']}"
        return str(values[key] or "—")

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.ForegroundRole and self.rows[index.row()]["overdue"]:
            return QBrush(QColor("#b3261e"))
        if role == Qt.ItemDataRole.ToolTipRole:
            values = self.rows[index.row()]
            missing = [p for p in values["parts"] if p not in values["answered_parts"]]
            return "Parts not answered yet: " + ", ".join(missing) if missing else "Every part asked is answered"
        return None


def answer_lines(request: DeclarationRequest) -> list[str]:
    """What the selected request's answers were and changed, oldest first, for the buyer to read."""
    due = f", due {request.due}" if request.due else ""
    lines = [f"{request.request_id} to {request.supplier_id}, sent {request.sent}{due}: "
             f"{len(request.parts)} part{'s' if len(request.parts) != 1 else ''} asked ({', '.join(request.parts)})"]
    if not request.answers:
        lines.append("No answer yet.")
    for answer in request.answers:
        lines += ["", f"{answer.kind} read {answer.received} from {answer.file} (sha256 {answer.sha256[:12]}…), "
                  f"effective {answer.effective_date}" + (f", by {answer.company}" if answer.company else ""),
                  f"  {len(answer.parts)} part{'s' if len(answer.parts) != 1 else ''} answered, {len(answer.paths)} "
                  f"supply path{'s' if len(answer.paths) != 1 else ''} set"]
        if answer.scores:
            lines.append("  What it changed (score before → after, as of the day it was read):")
            lines += [f"    {c.part_number:16} {score_text(c.before):>4} → {score_text(c.after):>4}  "
                      f"({score_change_text(c.before, c.after)})" for c in answer.scores]
        lines += [f"  {facility.describe()}" for facility in answer.facilities]
    return lines


class DeclarationsDialog(QDialog):
    """The campaign's requests in a table, the selected one's answers and what they changed below it."""

    def __init__(self, read: Callable[[], tuple[Declarations, dt.date] | None], parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.read = read
        self.setWindowTitle("Declarations")
        self.resize(980, 560)
        self.model = DeclarationsModel(self)
        self.table = QTableView()
        self.table.setObjectName("declarationsTable")
        self.table.setAccessibleName("Declaration requests")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("declarationAnswers")
        self.detail.setReadOnly(True)
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.detail.setAccessibleName("The selected request's answers and what they changed")
        self.status = QLabel()
        self.status.setWordWrap(True)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([280, 240])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refresh_button = QPushButton("&Refresh")
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.clicked.connect(self.refresh)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _: self._show(current.row()))
        self.refresh()

    def refresh(self) -> None:
        found = self.read()
        declarations, as_of = found if found is not None else (Declarations(), dt.date.today())
        self.model.set_declarations(declarations, as_of)
        overdue = sum(1 for row in self.model.rows if row["overdue"])
        self.status.setText(
            f"{len(self.model.rows)} request{'s' if len(self.model.rows) != 1 else ''} as of {as_of}"
            + (f", {overdue} overdue" if overdue else "")
            + ". Ask with File ▸ Request Declarations…; import an answer with File ▸ Import Spreadsheets… or by "
              "dropping it on the window." if self.model.rows else
            "No declaration has been requested yet: File ▸ Request Declarations… asks the suppliers.")
        if self.model.rows:
            self.table.selectRow(len(self.model.rows) - 1)
            self._show(len(self.model.rows) - 1)
        else:
            self.detail.clear()

    def _show(self, row: int) -> None:
        request = self.model.request_at(row)
        self.detail.setPlainText("\n".join(answer_lines(request)) if request is not None else "")


def show_declarations(parent: QWidget, read: Callable[[], tuple[Declarations, dt.date] | None]
                      ) -> DeclarationsDialog:
    """Open the Declarations dialog (not modal: the window stays usable); `read` gives the project's declarations
    and the as-of date each time it refreshes."""
    dialog = DeclarationsDialog(read, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


__all__ = ["COLUMNS", "DeclarationsDialog", "DeclarationsModel", "answer_lines", "show_declarations"]
