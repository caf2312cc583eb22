"""File ▸ Request declarations…: which suppliers to ask, by when, and where the workbooks go.

The suppliers listed are those that deliver a part (`riskdesk.core.declarations.suppliers_to_ask`); those whose paths
have a stage of unknown origin or an old declaration, and no request still open, are ticked. What is written and
recorded is what `riskdesk request` writes and records (`riskdesk.io.declaration_workbook`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.declarations import SupplierToAsk
from riskdesk.ui.date_field import DateField

DEFAULT_WEEKS = 6
"""The due date the dialog proposes: six weeks from today."""


@dataclass(frozen=True)
class RequestChoice:
    """What the buyer chose: the suppliers to ask, the due date (None: none), the folder for the workbooks."""

    suppliers: tuple[str, ...]
    due: dt.date | None
    folder: Path


class RequestDeclarationsDialog(QDialog):
    """The suppliers (ticked: worth asking), a due date and an output folder."""

    def __init__(self, candidates: Sequence[SupplierToAsk], today: dt.date, folder: Path,
                 choose_folder: Callable[[str], Path | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Request declarations")
        self.setObjectName("requestDeclarationsDialog")
        self._today = today
        self._choose_folder = choose_folder
        intro = QLabel("RiskDesk writes one workbook per supplier, prefilled with the parts it delivers, asking where "
                       "their rare earths come from at each stage. Ticked: suppliers whose supply paths have a stage "
                       "of unknown origin or an old declaration.")
        intro.setWordWrap(True)
        self.supplier_list = QListWidget()
        self.supplier_list.setAccessibleName("Suppliers to ask")
        for candidate in candidates:
            name = f" · {candidate.name}" if candidate.name else ""
            item = QListWidgetItem(f"{candidate.supplier_id}{name} — {candidate.parts} part"
                                   f"{'s' if candidate.parts != 1 else ''}; {candidate.reason()}")
            item.setData(Qt.ItemDataRole.UserRole, candidate.supplier_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if candidate.suggested else Qt.CheckState.Unchecked)
            self.supplier_list.addItem(item)
        self.due_check = QCheckBox("&Due by")
        self.due_check.setChecked(True)
        self.due_field = DateField(today + dt.timedelta(weeks=DEFAULT_WEEKS))
        self.due_field.setAccessibleName("Due date")
        self.due_check.toggled.connect(self.due_field.setEnabled)
        self.folder_edit = QLineEdit(str(folder))
        self.folder_edit.setAccessibleName("Folder for the workbooks")
        browse = QPushButton("&Choose…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.due_check, self.due_field)
        form.addRow("&Folder", folder_row)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Write workbooks")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.supplier_list, 1)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(640, 460)

    def _browse(self) -> None:
        chosen = self._choose_folder(self.folder_edit.text())
        if chosen is not None:
            self.folder_edit.setText(str(chosen))

    def chosen_suppliers(self) -> tuple[str, ...]:
        items = (self.supplier_list.item(i) for i in range(self.supplier_list.count()))
        return tuple(str(item.data(Qt.ItemDataRole.UserRole)) for item in items
                     if item.checkState() == Qt.CheckState.Checked)

    def choice(self) -> RequestChoice:
        due = self.due_field.date() if self.due_check.isChecked() else None
        return RequestChoice(self.chosen_suppliers(), due, Path(self.folder_edit.text().strip()))

    def _accept(self) -> None:
        choice = self.choice()
        if not choice.suppliers:
            self.problem.setText("Tick at least one supplier to ask.")
        elif choice.due is not None and choice.due < self._today:
            self.problem.setText(f"The due date {choice.due} is in the past: give the date the suppliers should "
                                 "answer by.")
        elif not self.folder_edit.text().strip():
            self.problem.setText("Choose the folder to write the workbooks into.")
        else:
            self.accept()


def ask_request(candidates: Sequence[SupplierToAsk], today: dt.date, folder: Path,
                choose_folder: Callable[[str], Path | None], parent: QWidget | None) -> RequestChoice | None:
    """Show the dialog; the buyer's choice, or None when cancelled."""
    dialog = RequestDeclarationsDialog(candidates, today, folder, choose_folder, parent)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

