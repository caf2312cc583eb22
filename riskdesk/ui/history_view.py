"""Project ▸ History…: what was changed in the project, by whom and when, and each change's values before → after;
for the whole project or for one part (Project ▸ History of This Part, on the part selected in Parts or Exposure).

It lists the entries `riskdesk history` prints (riskdesk.io.history.project_history: one answer everywhere), for a
team workspace and for a project file alike (a file's history is that of its saves and of the commands that
changed it; edits not saved yet are not in it). The history is read through the window's runner, never on the GUI
thread; Refresh reads it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from riskdesk.ui.columns import TableName
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.table_page import TablePage
from riskdesk.ui.workers import Runner

if TYPE_CHECKING:
    from riskdesk.io.history import HistoryEntry
    from riskdesk.io.store import ProjectStore
    from riskdesk.ui.document import Document

COLUMNS = ("Revision", "When", "Who", "What", "Source", "Parts", "Changed")


class HistoryDialog(QDialog):
    """The project's history in a table (newest first), the selected entry's values before → after below it, and
    a part number to show only what changed that part."""

    def __init__(self, store: ProjectStore, runner: Runner, part: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.entries: list[HistoryEntry] = []
        """What is listed, oldest first (the table shows them newest first)."""
        self._reads = 0
        self.setWindowTitle(f"History of {store.name}")
        self.resize(960, 560)
        self.part_edit = QLineEdit(part)
        self.part_edit.setPlaceholderText("all parts")
        self.part_edit.setClearButtonEnabled(True)
        self.part_edit.setToolTip("Only what changed this part: its row, its supply paths or its composition")
        self.part_edit.returnPressed.connect(self.refresh)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.status = QLabel()
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        label = QLabel("&Part:")
        label.setBuddy(self.part_edit)
        top.addWidget(label)
        top.addWidget(self.part_edit, 1)
        top.addWidget(self.refresh_button)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_change(row))
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select a change to see its values before → after")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.refresh()

    @property
    def part(self) -> str:
        """The part the history is filtered to ("" for the whole project)."""
        return self.part_edit.text().strip()

    def refresh(self) -> None:
        """Read the history again (for the part typed), off the GUI thread."""
        from riskdesk.io.history import project_history

        store, part = self.store, self.part or None
        self._reads += 1
        read = self._reads  # only the latest read is shown (the part may be changed while one is on its way)
        self.status.setText("Reading the history…")
        self.runner.start(lambda _task: project_history(store, part=part),
                          lambda entries: self._show(entries) if read == self._reads else None,
                          lambda exc: self._failed(exc) if read == self._reads else None, None)

    def rows(self) -> list[tuple[str, ...]]:
        """The table's rows as shown (newest first)."""
        return [tuple(self._text(row, column) for column in range(self.table.columnCount()))
                for row in range(self.table.rowCount())]

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _show(self, entries: list[HistoryEntry]) -> None:
        from riskdesk.io.history import change_size, source_text

        self.entries = list(entries)
        self.table.setRowCount(0)
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(reversed(entries)):
            parts = ", ".join(entry.parts[:5]) + (" …" if len(entry.parts) > 5 else "")
            size = change_size(entry.changes) if entry.changes is not None else "the whole project"
            for column, text in enumerate((str(entry.revision), entry.at or "?", entry.by or "?", entry.text,
                                           source_text(entry.source), parts, size)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        scope = f" that changed part {self.part}" if self.part else ""
        self.status.setText(f"{len(entries)} change{'' if len(entries) == 1 else 's'}{scope}, newest first"
                            if entries else f"Nothing recorded{scope}.")
        self.detail.clear()
        if entries:
            self.table.setCurrentCell(0, 0)

    def _failed(self, exc: BaseException) -> None:
        from riskdesk.ui.document import error_text

        self.status.setText(f"The history cannot be read: {error_text(exc)}")

    def _show_change(self, row: int) -> None:
        from riskdesk.io.history import change_lines, source_text

        if not 0 <= row < len(self.entries):
            self.detail.clear()
            return
        entry = self.entries[len(self.entries) - 1 - row]
        head = f"Revision {entry.revision} — {entry.text} — {entry.by or '?'} at {entry.at or '?'}"
        lines = [head, f"Source: {source_text(entry.source)}", ""]
        lines += change_lines(entry) or ["The project was saved as a whole: its values before are not kept."]
        self.detail.setPlainText("\n".join(lines))


def show_history(parent: QWidget, store: ProjectStore, runner: Runner, part: str = "") -> HistoryDialog:
    """Open the History dialog (not modal: the window stays usable) on `store`, filtered to `part` if given."""
    dialog = HistoryDialog(store, runner, part, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


class KeepsHistory(Protocol):
    """What knows where the window's project is kept (the window's session)."""

    def history_store(self) -> ProjectStore | None:
        """The store keeping the project's history; None for a project kept nowhere."""


class WindowHistory:
    """The main window's View ▸ History… and History of This Part… (the actions' slots `history.show` and
    `history.show_part`), given what knows where the project is kept (`kept`: the session, None before there is
    one) and the part selected (`selected_part`)."""

    def __init__(self, parent: QMainWindow, runner: Runner, dialogs: Dialogs, kept: Callable[[], KeepsHistory | None],
                 selected_part: Callable[[], str | None]) -> None:
        self.parent, self.runner, self.dialogs = parent, runner, dialogs
        self.kept, self.selected_part = kept, selected_part
        self.dialog: HistoryDialog | None = None
        """The History dialog last opened (deleted when closed)."""

    def show(self, part: str = "") -> None:
        """The project's history, for a workspace and for a project file alike; a project kept nowhere has none
        (the window says so)."""
        kept = self.kept()
        store = kept.history_store() if kept is not None else None
        if store is None:
            self.dialogs.info("History", "This project is not kept anywhere yet, so it has no history: save it "
                              "(File ▸ Save As…) or open a project file or a workspace")
            return
        self.dialog = show_history(self.parent, store, self.runner, part)

    def show_part(self) -> None:
        """The history of the part selected in Parts or Exposure."""
        part = self.selected_part()
        if part is None:
            self.parent.statusBar().showMessage("Select a part in Parts or Exposure first, then View ▸ History of "
                                                "This Part", 8_000)
            return
        self.show(part)


def selected_part(tabs: QTabWidget, document: Document | None, exposure: QWidget | None) -> str | None:
    """The part number selected in the Parts table or in Exposure (`exposure`: the Exposure view, once built), in
    whichever tab is shown, else None."""
    page = tabs.currentWidget()
    if isinstance(page, TablePage) and page.table is TableName.PARTS and document is not None:
        rows = page.selected_frame_rows()
        frame = document.frame("parts")
        return str(frame["part_number"].iat[rows[0]]) if rows and rows[0] < len(frame) else None
    if exposure is not None and page is not None and page.isAncestorOf(exposure):
        from riskdesk.ui.exposure_view import ExposureView  # loaded already: the view is built

        return exposure.selected_part() if isinstance(exposure, ExposureView) else None
    return None
