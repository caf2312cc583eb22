"""A project table on screen: filter box, add and remove buttons, row count and the editable table view.

Before the project's document exists a page shows rows read-only (`show_rows`); `attach(document)` switches it
to the document's editable model. Cut, copy, paste and clear go through `riskdesk.ui.clipboard` and the document,
so every edit is undoable and checked like a typed one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.fields import FieldKind
from riskdesk.ui import clipboard
from riskdesk.ui.column_widths import fit_columns
from riskdesk.ui.columns import AnyIndex, ColumnTableModel, TableName
from riskdesk.ui.icons import icon

# riskdesk.core.edits (EditRefused) is imported by the commands that edit: a page shows its rows read-only
# before the window's first paint, and the edit model loads with the document, after it.

if TYPE_CHECKING:
    from riskdesk.ui.document import Document
    from riskdesk.ui.table_models import DataFrameTableModel

log = logging.getLogger(__name__)

LARGE_TABLE_ROWS = 20_000
"""Above this many rows the filter waits for typing to pause and builds its search text in the background."""
FILTER_DELAY_MS = 200
FIT_ROWS = 200
"""Rows whose texts set the columns' widths (never a pass over 100,000 rows)."""


class EnumDelegate(QStyledItemDelegate):
    """A combo box of the allowed values for enum columns (end use, magnet family, evidence)."""

    def __init__(self, choices: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._choices = choices

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> QWidget:
        box = QComboBox(parent)
        box.addItems(self._choices)
        box.setAccessibleName("Choose a value")
        return box

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(editor.findText(str(index.data(Qt.ItemDataRole.EditRole))), 0))

    def setModelData(self, editor: QWidget, model: Any, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


class CountryDelegate(QStyledItemDelegate):
    """A line edit that completes country names and codes; the model resolves what was typed."""

    def __init__(self, words: Callable[[], list[str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._words = words

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> QWidget:
        edit = QLineEdit(parent)
        completer = QCompleter(self._words(), edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        edit.setCompleter(completer)
        edit.setAccessibleName("Country")
        edit.setToolTip("ISO code or name, e.g. CN, China, PRC; empty when unknown")
        return edit


def _country_words() -> list[str]:
    try:
        from riskdesk.core.countries import default_countries

        table = default_countries()
        codes = table.codes()
        return sorted({str(table.name(code)) for code in codes} | set(codes))
    except Exception:
        log.debug("no country list for completion", exc_info=True)
        return []


class TablePage(QWidget):
    """One project table: a filter box, add/remove buttons, a row count and the table view.

    Until a document is attached the page shows rows read-only (`show_rows`); `attach` switches it to the
    document's editable model."""

    def __init__(self, table: TableName, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self.table = table
        self.model: ColumnTableModel = ColumnTableModel(table, parent=self)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(f"Filter {table.title.lower()}…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName(f"Filter {table.title}")
        self.filter_edit.setToolTip("Show only rows where a cell contains this text (Ctrl+F)")
        self._filter_icon = self.filter_edit.addAction(icon("filter"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter_edit.textChanged.connect(self._on_filter_typed)
        self._filter_delay = QTimer(self)
        self._filter_delay.setSingleShot(True)
        self._filter_delay.setInterval(FILTER_DELAY_MS)
        self._filter_delay.timeout.connect(lambda: self._on_filter(self.filter_edit.text()))
        self._search_building = False
        self._filter_waiting = False

        self.add_button = QToolButton()
        self.add_button.setIcon(icon("add-row"))
        self.add_button.setText(f"Add {table.row_noun}")
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.add_button.setToolTip(f"Add a {table.row_noun} at the end (Ctrl++)")
        self.add_button.setAccessibleName(f"Add {table.row_noun}")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button = QToolButton()
        self.remove_button.setIcon(icon("remove-row"))
        self.remove_button.setText("Remove")
        self.remove_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.remove_button.setToolTip(f"Remove the selected {table.row_noun}s (Ctrl+-)")
        self.remove_button.setAccessibleName(f"Remove selected {table.row_noun}s")
        self.remove_button.clicked.connect(self.remove_selected)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(f"Number of {table.row_noun}s")

        self.view = QTableView()
        self.view.setObjectName(f"{table.value}Table")
        self.view.setAccessibleName(f"{table.title} table")
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        vertical = self.view.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        horizontal = self.view.horizontalHeader()
        horizontal.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        horizontal.setHighlightSections(False)
        horizontal.setStretchLastSection(table is TableName.SUPPLIERS)
        self.view.setSortingEnabled(True)

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.count_label)
        bar.addSpacing(12)
        bar.addWidget(self.add_button)
        bar.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._set_editable(False)
        self._update_count()
        self._needs_fit = True

    def refresh_icons(self) -> None:
        """Redraw the icons in the palette's colours (after a switch between light and dark)."""
        self._filter_icon.setIcon(icon("filter"))
        self.add_button.setIcon(icon("add-row"))
        self.remove_button.setIcon(icon("remove-row"))

    def show_rows(self, records: list[tuple[Any, ...]]) -> None:
        """Show rows read-only (tuples in the table's column order) while the project is still loading."""
        self.model.set_records(records)
        self._update_count()
        self.refit()

    def attach(self, document: Document) -> None:
        """Show and edit the document's table from now on."""
        self.document = document
        model = document.models[self.table]
        old_selection = self.view.selectionModel()
        self.model = model
        self.view.setModel(model)
        if old_selection is not None:
            old_selection.deleteLater()
        for position, column in enumerate(model.columns):
            if column.kind is FieldKind.ENUM:
                self.view.setItemDelegateForColumn(position, EnumDelegate(column.choices(), self.view))
            elif column.kind is FieldKind.COUNTRY:
                self.view.setItemDelegateForColumn(position, CountryDelegate(_country_words, self.view))
        model.edit_refused.connect(self._show_refusal)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._update_count)
        self._set_editable(True)
        document.read_only_changed.connect(self._set_changeable)
        self._set_changeable(bool(document.read_only_reason))
        self._update_count()
        self.refit()

    @property
    def table_model(self) -> DataFrameTableModel:
        """The document's editable model of this table (once attached)."""
        assert self.document is not None, "the project is still loading"
        return self.document.models[self.table]

    def _set_editable(self, editable: bool) -> None:
        for widget in (self.filter_edit, self.add_button, self.remove_button):
            widget.setEnabled(editable)

    def _set_changeable(self, read_only: bool) -> None:
        """Rows can be added and removed unless the project may only be read here."""
        for widget in (self.add_button, self.remove_button):
            widget.setEnabled(not read_only)

    def refit(self) -> None:
        """Fit the columns to new rows now if the page is shown, else when it is first shown."""
        self._needs_fit = True
        if self.isVisible():
            self.fit_columns()

    def showEvent(self, event: QShowEvent) -> None:
        if self._needs_fit:
            self.fit_columns()
        super().showEvent(event)

    def fit_columns(self) -> None:
        """Column widths from the header and the first rows (never a pass over 100,000 rows)."""
        self._needs_fit = False
        fit_columns(self.view, [column.label for column in self.model.columns], self.model.shown_texts(FIT_ROWS),
                    cap=340, minimum=70)

    def _on_filter_typed(self, text: str) -> None:
        """Filter at once in small tables; in large ones, once typing pauses (the text to search is built in the
        background meanwhile, the first time)."""
        if self.model.stored_rows() > LARGE_TABLE_ROWS:
            self._prepare_search()
            self._filter_delay.start()
        else:
            self._on_filter(text)

    def _prepare_search(self) -> None:
        model = self.table_model
        if model.search_ready or self._search_building or self.document is None:
            return
        self._search_building = True

        def finished() -> None:
            self._search_building = False
            if self._filter_waiting:
                self._filter_waiting = False
                self._on_filter(self.filter_edit.text())

        def built(result: Any) -> None:
            model.install_search_text(result)
            finished()

        def failed(exc: BaseException) -> None:  # filtering then builds the search text itself
            log.warning("building the filter's search text failed: %s", exc)
            finished()

        self.document.runner.start(model.search_text_builder(), built, failed, None)

    def _on_filter(self, text: str) -> None:
        if self._search_building:  # filtered as soon as the search text is ready
            self._filter_waiting = True
            self.count_label.setText("Filtering…")
            return
        self.table_model.set_filter(text)
        self._update_count()

    def _update_count(self, *_args: object) -> None:
        total = self.model.stored_rows()
        shown = self.model.rowCount()
        noun = self.table.row_noun + ("" if total == 1 else "s")
        self.count_label.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")

    def _show_refusal(self, message: str) -> None:
        index = self.view.currentIndex()
        if self.isVisible() and index.isValid():
            rect = self.view.visualRect(index)
            QToolTip.showText(self.view.viewport().mapToGlobal(rect.bottomLeft()), message, self.view)

    # ---- actions ----------------------------------------------------------------------------------------------

    def selected_frame_rows(self) -> list[int]:
        rows = {i.row() for i in self.view.selectionModel().selectedIndexes()}
        if not rows and self.view.currentIndex().isValid():
            rows = {self.view.currentIndex().row()}
        return sorted(self.model.frame_row(r) for r in rows)

    def add_row(self) -> None:
        if self.document is None:
            return
        from riskdesk.core.edits import EditRefused

        current = self.view.currentIndex()
        like = self.model.frame_row(current.row()) if current.isValid() else None
        try:
            positions = self.document.add_rows(self.table, 1, like)
        except EditRefused as exc:
            self.document.refused.emit(str(exc))
            return
        row = self.table_model.view_row(positions[0])
        if row is not None:
            index = self.model.index(row, 0)
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)
            self.view.edit(index)

    def remove_selected(self) -> None:
        if self.document is None:
            return
        from riskdesk.core.edits import EditRefused

        rows = self.selected_frame_rows()
        if not rows:
            self.document.refused.emit(f"Select the {self.table.row_noun}s to remove first")
            return
        try:
            self.document.remove_rows(self.table, rows)
        except EditRefused as exc:
            self.document.refused.emit(str(exc))

    def copy(self) -> int:
        return clipboard.copy_selection(self.view)

    def cut(self) -> None:
        if self.copy():
            self.clear_selected()

    def paste(self, text: str | None = None) -> int:
        if self.document is None:
            return 0
        from riskdesk.core.edits import EditRefused

        block = clipboard.from_tsv(text) if text is not None else clipboard.clipboard_block()
        if not block:
            return 0
        top, left, fill = clipboard.paste_target(self.view)
        cells = clipboard.paste_cells(self.model, block, top, left, fill)
        try:
            count = self.document.paste(self.table, cells)
        except EditRefused as exc:
            self.table_model.refuse(str(exc))
            return 0
        return count

    def clear_selected(self) -> None:
        """Empty the selected cells (refused as a whole if a required column is among them)."""
        if self.document is None:
            return
        from riskdesk.core.edits import EditRefused

        indexes = self.view.selectionModel().selectedIndexes()
        cells = [(self.model.frame_row(i.row()), self.model.columns[i.column()].key, "") for i in indexes]
        if cells:
            try:
                self.document.paste(self.table, cells, action="clear")
            except EditRefused as exc:
                self.table_model.refuse(str(exc))
