"""Import spreadsheets: check the proposed column mapping, preview the rows, read the problems, then apply.

Opened by File ▸ Import or by dropping files on the window. The steps are those of the command line — one import
session (riskdesk.io.import_session) — each off the GUI thread with progress and Cancel:

1. *Propose*: RiskDesk finds each sheet's header and proposes which column is which field (remembering mappings
   the user confirmed before, by layout signature, with their defaults).
2. *Check*: the included files are read with the mapping, the defaults and the "skip rows with errors" choice
   shown, and validated with the project; the first rows are previewed as read — every mapped column, element
   contents included, problem cells marked even while there are errors, guesses and defaults marked too — and
   every problem is listed (file, sheet, row, column, value, what to do). Changing anything checks again.
3. *Import* (enabled only when the check found no errors): the merged tables replace the project's in one
   undoable step, and the confirmed mappings (with their defaults) are saved into the project.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.domain import TEMPLATE_COLUMNS, EndUse, Evidence, MagnetFamily, YesNo
from riskdesk.core.fields import SUPPLIER_DEFAULTS
from riskdesk.core.labels import field_label, shorten
from riskdesk.core.problems import Problem
from riskdesk.ui.column_widths import fit_columns
from riskdesk.ui.workers import Cancelled, Runner, TaskContext, TaskHandle, show_progress

if TYPE_CHECKING:
    from riskdesk.core.edits import ChangeSet
    from riskdesk.io.import_session import ImportCheck, ImportRequest
    from riskdesk.io.importer import ImportPreview
    from riskdesk.io.mapping import SheetMapping
    from riskdesk.ui.dialogs import Dialogs
    from riskdesk.ui.document import Document

log = logging.getLogger(__name__)

NOT_IMPORTED = "(not imported)"
RECHECKED = "The project changed while this was open, so the import was checked again against it."
AnyIndex = QModelIndex | QPersistentModelIndex
MARK_COLORS: dict[str, str] = {"error": "#f4c7c3", "warning": "#fce8b2", "inferred": "#c9daf8", "default": "#d9ead3"}
"""Background of a preview cell by what is marked on it (problems, RiskDesk's guesses, the user's defaults)."""
MARK_WORDS: dict[str, str] = {"error": "Error", "warning": "Warning", "inferred": "Guessed by RiskDesk",
                              "default": "Your default"}
DEFAULT_FIELDS: tuple[str, ...] = ("magnet_family", "end_use", "grade", "stock_days", "supplier_name",
                                   "supplier_country", "origin_evidence", "dfars")
"""The fields the dialog offers defaults for (the command line takes any of DEFAULTABLE_FIELDS)."""
_ENUMS = {"magnet_family": MagnetFamily, "end_use": EndUse, "origin_evidence": Evidence, "dfars": YesNo}


class PreviewModel(QAbstractTableModel):
    """Read-only view of an import's first rows as read (`riskdesk.io.importer.ImportPreview`), headers in the
    buyer's words, with problem cells, guesses and defaults coloured and explained in their tooltips."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.preview: ImportPreview | None = None
        self._texts: list[list[str]] = []
        self._numeric: list[bool] = []
        self._files = 0

    def set_preview(self, preview: ImportPreview | None) -> None:
        self.beginResetModel()
        self.preview = preview
        if preview is None:
            self._texts, self._numeric = [], []
        else:
            self._texts = [[_cell_text(v) for v in row] for row in preview.rows]
            self._numeric = [bool(preview.rows) and all(isinstance(row[c], float) for row in preview.rows)
                             for c in range(len(preview.fields))]
            self._files = len({(f, s) for f, s, _ in preview.sources})
        self.endResetModel()

    def fields(self) -> list[str]:
        return list(self.preview.fields) if self.preview else []

    def column_texts(self) -> list[list[str]]:
        """Each column's shown texts, for sizing the columns without a call to data() per cell."""
        return [list(column) for column in zip(*self._texts[:_FIT_ROWS], strict=True)] or [[] for _ in self.fields()]

    def mark(self, row: int, column: int) -> tuple[str, str] | None:
        """(kind, message) marked on a cell, or on its whole row."""
        if self.preview is None:
            return None
        name = self.preview.fields[column]
        return self.preview.marks.get((row, name)) or self.preview.marks.get((row, ""))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._texts)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.preview is None else len(self.preview.fields)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][index.column()]
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.AccessibleTextRole):
            mark = self.mark(index.row(), index.column())
            text = self._texts[index.row()][index.column()]
            if role == Qt.ItemDataRole.BackgroundRole:
                return QColor(MARK_COLORS[mark[0]]) if mark else None
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return f"{text}. {MARK_WORDS[mark[0]]}: {mark[1]}" if mark else text
            return f"{text}\n{MARK_WORDS[mark[0]]}: {mark[1]}" if mark else (text or None)
        if role == Qt.ItemDataRole.TextAlignmentRole and self._numeric[index.column()]:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.preview is None:
            return None
        if orientation == Qt.Orientation.Horizontal and section < len(self.preview.fields):
            name = self.preview.fields[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return field_label(name)
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{field_label(name)} ({name})\n{_field_meaning(name)}"
            return None
        if orientation == Qt.Orientation.Vertical and section < len(self.preview.sources):
            file, sheet, row = self.preview.sources[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return str(row) if self._files <= 1 else f"{Path(file).name} {row}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{file}, sheet {sheet!r}, row {row}"
        return None


class ProblemsModel(QAbstractTableModel):
    """The problems found, lazily formatted (a file can hold tens of thousands of them)."""

    HEADERS = ("", "Where", "Problem", "Value", "What to do")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.problems: list[Problem] = []

    def set_problems(self, problems: Sequence[Problem]) -> None:
        self.beginResetModel()
        self.problems = list(problems)
        self.endResetModel()

    def rows_text(self, limit: int) -> list[tuple[str, str, str, str, str]]:
        """The first rows as shown."""
        return [self._row_text(problem) for problem in self.problems[:limit]]

    @staticmethod
    def _row_text(problem: Problem) -> tuple[str, str, str, str, str]:
        return (("error" if problem.is_error else "warning"), problem.location(), problem.message,
                str(problem.value), problem.hint)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.problems)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        problem = self.problems[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._row_text(problem)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(problem)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 0 and problem.is_error:
            from PySide6.QtGui import QColor

            return QColor("#d93f3f")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


_FIT_ROWS = 40
"""Rows looked at when sizing a column to its contents."""


def _cell_text(value: Any) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:,.6g}"
    return str(value)


def _field_names() -> list[str]:
    """Every field a column can be read as: the template's in order, then element contents by element."""
    from riskdesk.io.mapping import COMPOSITION_FIELDS, FIELDS

    template = [name for name in TEMPLATE_COLUMNS if name in FIELDS]
    return template + [spec.name for spec in COMPOSITION_FIELDS]


def _field_meaning(name: str) -> str:
    from riskdesk.io.mapping import FIELDS

    spec = FIELDS.get(name)
    if spec is None:
        return ""
    text = spec.meaning
    if spec.allowed:
        text += f"\nAllowed: {spec.allowed}"
    if spec.example:
        text += f"\nExample: {spec.example}"
    return text


def field_choices(fields: list[str], parent: QWidget | None = None) -> QStandardItemModel:
    """The list a mapping box offers: "(not imported)", then every field by its label, its meaning as tooltip.

    Built once per proposal and shared by every column's box, so that a file of 40 columns does not build
    40 copies of the same 60 entries on the GUI thread."""
    model = QStandardItemModel(parent)
    none = QStandardItem(NOT_IMPORTED)
    none.setData(None, Qt.ItemDataRole.UserRole)
    model.appendRow(none)
    for name in fields:
        item = QStandardItem(field_label(name))
        item.setData(name, Qt.ItemDataRole.UserRole)
        item.setToolTip(f"{name}: {_field_meaning(name)}")
        model.appendRow(item)
    return model


class MappingTable(QTableWidget):
    """One sheet's columns: the column in the file, the RiskDesk field it is read as (editable), confidence, why."""

    changed = Signal()

    COLUMN_HEADERS = ("Column in the file", "RiskDesk field", "Confidence", "Why")

    def __init__(self, mapping: SheetMapping, choices: QStandardItemModel, parent: QWidget | None = None) -> None:
        """`choices`: the fields a column can be read as (`field_choices`), shared by every sheet's table."""
        super().__init__(len(mapping.columns), len(self.COLUMN_HEADERS), parent)
        self.mapping = mapping
        widest = max((len(choices.item(i).text()) for i in range(choices.rowCount())), default=0)
        self.setHorizontalHeaderLabels(list(self.COLUMN_HEADERS))
        self.setAccessibleName(f"Column mapping of {Path(mapping.file).name} {mapping.sheet}".strip())
        self.setToolTip("Choose which RiskDesk field each column of the file is read as")
        self.verticalHeader().hide()
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.boxes: list[QComboBox] = []
        for row, choice in enumerate(mapping.columns):
            header_item = QTableWidgetItem(choice.header)
            header_item.setToolTip(choice.header)
            self.setItem(row, 0, header_item)
            box = QComboBox()
            box.setAccessibleName(f"Field for column {choice.header}")
            box.setModel(choices)
            # Sized from the longest label instead of measuring every entry of every box.
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(widest)
            box.setCurrentIndex(max(box.findData(choice.field), 0) if choice.field else 0)
            box.setToolTip(f"{choice.field}: {_field_meaning(choice.field)}" if choice.field
                           else "This column is not imported")
            box.currentIndexChanged.connect(lambda _i, r=row: self._on_choice(r))
            self.setCellWidget(row, 1, box)
            self.boxes.append(box)
            confidence = QTableWidgetItem(f"{choice.confidence:.0%}" if choice.field else "")
            confidence.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(row, 2, confidence)
            reason = QTableWidgetItem(choice.reason)
            reason.setToolTip(choice.reason)
            self.setItem(row, 3, reason)
            self._mark(row)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def _mark(self, row: int) -> None:
        from riskdesk.io.mapping import CONFIDENT

        choice = self.mapping.columns[row]
        low = choice.field is not None and choice.confidence < CONFIDENT
        item = self.item(row, 2)
        if item is not None:
            item.setToolTip("Low confidence: check this column" if low else "")
            font = item.font()
            font.setBold(low)
            item.setFont(font)

    def _on_choice(self, row: int) -> None:
        from riskdesk.io.mapping import ColumnChoice

        box = self.boxes[row]
        field = box.currentData()
        old = self.mapping.columns[row]
        self.mapping.columns[row] = ColumnChoice(old.header, field, 1.0 if field else 0.0,
                                                 "chosen by you" if field else "not imported (your choice)",
                                                 unit=old.unit if field == old.field else "",
                                                 alternatives=list(old.alternatives))
        box.setToolTip(f"{field}: {_field_meaning(field)}" if field else "This column is not imported")
        confidence = self.item(row, 2)
        if confidence is not None:
            confidence.setText("100%" if field else "")
        reason = self.item(row, 3)
        if reason is not None:
            reason.setText(self.mapping.columns[row].reason)
        self._mark(row)
        if field:
            for other, other_box in enumerate(self.boxes):
                if other != row and other_box.currentData() == field:
                    other_box.blockSignals(True)
                    other_box.setCurrentIndex(0)
                    other_box.blockSignals(False)
                    previous = self.mapping.columns[other]
                    self.mapping.columns[other] = ColumnChoice(previous.header, None, 0.0,
                                                               f"{field_label(field)} is now read from "
                                                               f"{old.header!r}")
                    other_confidence, other_reason = self.item(other, 2), self.item(other, 3)
                    assert other_confidence is not None and other_reason is not None  # __init__ fills every row
                    other_confidence.setText("")
                    other_reason.setText(self.mapping.columns[other].reason)
        self.changed.emit()


def check_summary(check: ImportCheck, skipping_rows: bool) -> str:
    """What a check found, in a line of rich text: the mapping to confirm, the errors to fix (and, unless rows with
    errors are being left out already, that they could be), or that it is ready to import."""
    errors, warnings = len(check.errors), len(check.warnings)
    counts = check.summary()
    if check.unsure:
        return ("<b>Check the column mapping:</b> a required field is unsure or contested in "
                f"{', '.join(Path(m.file).name for m in check.unsure)}. Choose the fields above. {counts}.")
    if errors:
        row_errors = any(p.row is not None for p in check.errors)
        skip = "" if skipping_rows or not row_errors else " — or leave those rows out (box on the right)"
        return (f"<b style='color:#d93f3f'>{_count(errors, 'error')}</b>, {_count(warnings, 'warning')}: nothing "
                f"can be imported until the errors are fixed (in the file, the mapping or the defaults{skip}). "
                f"{counts}.")
    if warnings:
        return f"Ready to import {counts}. <b>{_count(warnings, 'warning')}</b>: worth reading, the data is imported " \
               "anyway."
    return f"Ready to import {counts}. No problems found."


def fill_empty_defaults(widgets: dict[str, QComboBox | QLineEdit], remembered: dict[str, str]) -> dict[str, str]:
    """Fill the empty default fields with what was remembered for these layouts; the fields filled, with their
    values."""
    filled: dict[str, str] = {}
    for name, value in remembered.items():
        widget = widgets[name]
        if isinstance(widget, QComboBox):
            if not widget.currentData():
                widget.setCurrentIndex(max(widget.findData(value), 0))
                filled[name] = value
        elif not widget.text().strip():
            widget.setText(value)
            filled[name] = value
    return filled


class RememberedSupplierNote(QLabel):
    """Under the import's defaults: which supplier fields were filled from another file of the same column layout
    (two suppliers may send the same template), shown while they still hold what was remembered."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("rememberedSupplier")
        self.setWordWrap(True)
        self.hide()
        self._values: dict[str, str] = {}
        self._files: list[str] = []

    def remember(self, filled: dict[str, str], sources: dict[str, str]) -> None:
        """`filled`: the defaults just filled in from memory (field → value); `sources`: field → the file the
        mapping that remembered it was last used for."""
        self._values = {name: value for name, value in filled.items() if name in SUPPLIER_DEFAULTS and name in sources}
        self._files = sorted({sources[name] for name in self._values})

    def follow(self, defaults: dict[str, str]) -> None:
        """Show or hide the note for the defaults as they now stand."""
        still = [name for name, value in self._values.items() if defaults.get(name) == value]
        self.setVisible(bool(still))
        if still:
            what = " and ".join(f"{field_label(name)} “{self._values[name]}”" for name in still)
            self.setText(f"{what} remembered from {', '.join(self._files)} (the same columns): change it if these "
                         "files come from another supplier.")


class ImportDialog(QDialog):
    """See the module docstring."""

    imported = Signal(str)
    """Emitted with a summary once the import was applied."""

    def __init__(self, files: Sequence[Path], document: Document, runner: Runner, dialogs: Dialogs,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.files = [Path(f) for f in files]
        self.document = document
        self.runner = runner
        self.dialogs = dialogs
        self.mappings: list[SheetMapping] = []
        self.mapping_tables: list[MappingTable] = []
        self._choices: QStandardItemModel | None = None  # the mapping boxes' entries, built on first use
        self.check: ImportCheck | None = None
        self._prepared: tuple[ChangeSet | None, int] = (None, -1)
        """The checked import's change set, made in the worker, and the document's `made` count it was made at."""
        self._rechecked = False
        """The project changed after the last check, so it is being checked again (the summary says so)."""
        self._handle: TaskHandle | None = None
        self._generation = 0
        self.setWindowTitle("Import spreadsheets")
        self.setObjectName("importDialog")
        self.setAccessibleName("Import spreadsheets")
        self.setSizeGripEnabled(True)

        # Files: each can be left out of the import.
        self.file_list = QListWidget()
        self.file_list.setObjectName("importFiles")
        self.file_list.setAccessibleName("Files in this import")
        self.file_list.setToolTip("Untick a file to leave it out of the import (e.g. one RiskDesk cannot read)")
        for path in self.files:
            item = QListWidgetItem(path.name)
            item.setToolTip(str(path))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.file_list.addItem(item)
        self.file_list.setMaximumHeight(self.fontMetrics().height() * (min(len(self.files), 4) + 1) + 12)
        self.file_list.itemChanged.connect(lambda _item: self._files_changed())
        files_box = QGroupBox("Files")
        files_layout = QVBoxLayout(files_box)
        files_layout.setContentsMargins(6, 4, 6, 4)
        files_layout.addWidget(self.file_list)
        intro = QLabel("Check which field each column is read as; the preview and the problems update as you "
                       "change it. Imported parts replace parts with the same number, with their supply paths.")
        intro.setWordWrap(True)

        # Defaults for what the files do not say.
        self.default_widgets: dict[str, QComboBox | QLineEdit] = {}
        defaults_box = QGroupBox("Values for what the files do not say")
        defaults_box.setToolTip("Fill a field the files lack, or cells they leave blank, with one value; remembered "
                                "with the mapping for files of the same layout")
        defaults_form = QFormLayout(defaults_box)
        defaults_form.setContentsMargins(6, 4, 6, 4)
        for name in DEFAULT_FIELDS:
            widget: QComboBox | QLineEdit
            enum = _ENUMS.get(name)
            if enum is not None:
                box = QComboBox()
                box.addItem("", "")
                for member in enum:
                    box.addItem(member.value, member.value)
                box.currentIndexChanged.connect(lambda _i: self._defaults_changed())
                widget = box
            else:
                edit = QLineEdit()
                edit.setPlaceholderText("as in the file")
                edit.editingFinished.connect(self._defaults_changed)
                widget = edit
            widget.setAccessibleName(f"Default {field_label(name)}")
            widget.setToolTip(f"{name}: {_field_meaning(name)}")
            defaults_form.addRow(field_label(name), widget)
            self.default_widgets[name] = widget
        self.remembered_note = RememberedSupplierNote()
        defaults_form.addRow(self.remembered_note)
        self.skip_check = QCheckBox("&Leave out rows with errors (they are listed as skipped)")
        self.skip_check.setToolTip("Import the rows without errors and list each row left out in the problems and "
                                   "the report, instead of refusing the whole import")
        self.skip_check.toggled.connect(lambda _on: self.run_check())
        self.replace_check = QCheckBox("These files list &every supply path of their parts")
        self.replace_check.setToolTip("Tick for a complete BOM: the imported parts' supply paths from suppliers "
                                      "these files do not name are removed. Unticked, an import changes only the "
                                      "paths of the suppliers it names, and only the fields its columns give")
        self.replace_check.toggled.connect(lambda _on: self.run_check())
        self._applying_defaults = False

        self.sheet_tabs = QTabWidget()
        self.sheet_tabs.setAccessibleName("Sheets and their column mappings")
        self.preview_model = PreviewModel(self)
        self.preview = QTableView()
        self.preview.setObjectName("importPreview")
        self.preview.setAccessibleName("Preview of the imported rows")
        self.preview.setToolTip("The first rows as read: problem cells in red and amber, RiskDesk's guesses in "
                                "blue, your defaults in green (hover for why)")
        self.preview.setModel(self.preview_model)
        self.preview.setWordWrap(False)
        self.preview.horizontalHeader().setResizeContentsPrecision(40)
        self.preview.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.preview.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.problems_model = ProblemsModel(self)
        self.problems = QTableView()
        self.problems.setObjectName("importProblems")
        self.problems.setAccessibleName("Problems found in the files")
        self.problems.setToolTip("Every problem with its file, sheet, row, column and value, and what to do")
        self.problems.setModel(self.problems_model)
        self.problems.verticalHeader().hide()
        self.problems.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.problems.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.problems.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.problems.setWordWrap(False)
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.problems.horizontalHeader().setResizeContentsPrecision(100)
        self.summary = QLabel("Reading the files…")
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)

        legend = QLabel(" ".join(f'<span style="background-color:{MARK_COLORS[k]}">&nbsp;{MARK_WORDS[k]}&nbsp;</span>'
                                 for k in ("error", "warning", "inferred", "default"))
                        + " — hover over a cell for why")
        legend.setTextFormat(Qt.TextFormat.RichText)
        preview_page = QWidget()
        preview_layout = QVBoxLayout(preview_page)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.addWidget(self.preview, 1)
        preview_layout.addWidget(legend)
        details = QTabWidget()
        details.setAccessibleName("Preview and problems")
        details.addTab(preview_page, "&Preview")
        details.addTab(self.problems, "P&roblems")
        self.details = details
        top = QWidget()
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.sheet_tabs, 3)
        side = QVBoxLayout()
        side.addWidget(defaults_box)
        side.addWidget(self.skip_check)
        side.addWidget(self.replace_check)
        side.addStretch(1)
        top_layout.addLayout(side, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(top)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 300])
        self.splitter = splitter

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setTextVisible(True)
        self.progress_label = QLabel()
        self.cancel_run_button = QPushButton("Stop")
        self.cancel_run_button.setToolTip("Stop reading the files (nothing is imported)")
        self.cancel_run_button.setAccessibleName("Stop reading")
        self.cancel_run_button.clicked.connect(self.cancel_running)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_run_button)

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setToolTip("Apply the import to the project (Ctrl+Z undoes it)")
        self.import_button.setAccessibleName("Import")
        self.import_button.setDefault(True)
        self.recheck_button = self.buttons.addButton("Check &Again", QDialogButtonBox.ButtonRole.ActionRole)
        self.recheck_button.setToolTip("Read and check the files again with the mapping shown")
        self.report_button = self.buttons.addButton("Save &Report…", QDialogButtonBox.ButtonRole.ActionRole)
        self.report_button.setToolTip("Save the problems and the mapping as an Excel workbook")
        self.template_button = self.buttons.addButton("Blank &Template…", QDialogButtonBox.ButtonRole.HelpRole)
        self.template_button.setToolTip("Save the blank import template (every column RiskDesk reads, with "
                                        "instructions) to send to a supplier")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button.setToolTip("Close without importing anything")
        self.import_button.clicked.connect(self.apply)
        self.recheck_button.clicked.connect(self.run_check)
        self.report_button.clicked.connect(self.save_report)
        self.template_button.clicked.connect(self.save_template)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        self.files_label = QLabel(f"<b>Importing:</b> {self.files[0].name if self.files else ''}")
        self.files_label.setToolTip("\n".join(str(f) for f in self.files))
        layout.addWidget(self.files_label)
        layout.addWidget(files_box)
        self.files_label.setVisible(len(self.files) <= 1)
        files_box.setVisible(len(self.files) > 1)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.summary)
        layout.addLayout(progress_row)
        layout.addWidget(self.buttons)
        self.resize(1180, 760)
        self._recheck_timer = QTimer(self)
        self._recheck_timer.setSingleShot(True)
        self._recheck_timer.setInterval(0)
        self._recheck_timer.timeout.connect(self.run_check)
        self._set_running(False)
        self._update_buttons()

    # ---- what the user chose ----------------------------------------------------------------------------------

    def included_files(self) -> list[Path]:
        return [path for row, path in enumerate(self.files)
                if self.file_list.item(row).checkState() == Qt.CheckState.Checked]

    def set_included(self, path: Path, included: bool) -> None:
        """Include or leave out one of the files (as ticking it in the list does)."""
        row = self.files.index(Path(path))
        self.file_list.item(row).setCheckState(Qt.CheckState.Checked if included else Qt.CheckState.Unchecked)

    def defaults(self) -> dict[str, str]:
        """The defaults as set in the dialog (blank ones left out)."""
        result = {}
        for name, widget in self.default_widgets.items():
            value = widget.currentData() if isinstance(widget, QComboBox) else widget.text().strip()
            if value:
                result[name] = str(value)
        return result

    def set_default(self, name: str, value: str) -> None:
        """Set one default (as choosing or typing it does) and check again."""
        widget = self.default_widgets[name]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(widget.findData(value), 0))
        else:
            widget.setText(value)
            self._defaults_changed()

    def request(self) -> ImportRequest:
        from riskdesk.io.import_session import ImportRequest

        mapping_json = [m.to_json() for m in self.mappings]
        for item in mapping_json:
            item["defaults"] = {}
        return ImportRequest(self.included_files(),
                             mapping={"mappings": mapping_json} if mapping_json else None,
                             defaults=self.defaults(), skip_error_rows=self.skip_check.isChecked(),
                             replace_parts=self.replace_check.isChecked(),
                             limits=self.document.app_settings.import_limits())

    def _files_changed(self) -> None:
        self.start()

    def _defaults_changed(self) -> None:
        if not self._applying_defaults:
            self.remembered_note.follow(self.defaults())
        if not self._applying_defaults and self.mappings:
            self._recheck_timer.start()

    # ---- steps ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Propose mappings (step 1) for the included files, then check (step 2)."""
        from riskdesk.io.import_session import ImportRequest

        files = self.included_files()
        if not files:
            self._clear()
            self._show_failure("every file is left out. Tick at least one file")
            return
        request = ImportRequest(files, defaults=self.defaults(), limits=self.document.app_settings.import_limits())
        project = self.document.project

        def work(task: TaskContext) -> tuple[list[SheetMapping], list[Problem]]:
            task.report(0, 0, "Finding headers…")
            from riskdesk.io import import_session, importer, isolated  # loaded off the GUI thread

            if isolated.worth_isolating(files):
                mappings, problems = _isolated(task, importer.inspect, files, known=project.saved_mappings,
                                               limits=request.limits, options=request.options)
            else:
                mappings, problems = import_session.propose(request, project)
            task.check()
            return list(mappings), list(problems)

        self._run(work, self._on_proposed, "Finding headers and proposing a mapping…")

    def _clear(self) -> None:
        self.mappings = []
        self.mapping_tables = []
        self.sheet_tabs.clear()
        self.check = None
        self.preview_model.set_preview(None)
        self._fill_problems([])

    def _on_proposed(self, proposal: tuple[list[SheetMapping], list[Problem]]) -> None:
        mappings, problems = proposal
        self._clear()
        self.mappings = mappings
        if self._choices is None:
            self._choices = field_choices(_field_names(), self)
        choices = self._choices
        remembered: dict[str, str] = {}
        sources: dict[str, str] = {}
        for mapping in mappings:
            remembered.update({k: v for k, v in mapping.defaults.items() if k in self.default_widgets})
            sources.update({k: mapping.remembered_from for k in mapping.remembered if mapping.remembered_from})
            table = MappingTable(mapping, choices)
            table.changed.connect(self.run_check)
            self.mapping_tables.append(table)
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.setContentsMargins(4, 4, 4, 4)
            mapped = sum(1 for c in mapping.columns if c.field)
            note = QLabel(f"Header found on row {mapping.header_row}; {mapped} of {len(mapping.columns)} columns "
                          "are imported. Change a field to read a column differently, or not at all.")
            note.setWordWrap(True)
            page_layout.addWidget(note)
            page_layout.addWidget(table, 1)
            name = Path(mapping.file).name
            own_sheet = not mapping.sheet or mapping.sheet == Path(mapping.file).stem
            title = name if own_sheet else f"{name} ▸ {mapping.sheet}"
            self.sheet_tabs.addTab(page, title)
            position = self.sheet_tabs.count() - 1
            self.sheet_tabs.setTabToolTip(position, f"{mapping.file}, sheet {mapping.sheet!r}, header on row "
                                                    f"{mapping.header_row}")
        self._applying_defaults = True  # filled without checking again
        try:
            filled = fill_empty_defaults(self.default_widgets, remembered)
        finally:
            self._applying_defaults = False
        self.remembered_note.remember(filled, sources)
        self.remembered_note.follow(self.defaults())
        if not mappings:
            self._fill_problems(problems)
            reason = problems[0].message if problems else "no table with a header row was found in these files"
            bad = {p.file for p in problems if p.is_error and p.file}
            leave = " Untick the file to import the others." if len(self.files) > 1 and bad else ""
            self._show_failure(f"{reason}. See the problems below.{leave}")
            self.details.setCurrentIndex(1)
            return
        self.run_check()

    def run_check(self) -> None:
        """Read and validate the included files with the mapping, defaults and choices shown (step 2); the
        Import button waits for it."""

        self.check = None
        self._update_buttons()
        if not self.mappings:
            return
        request = self.request()
        files = request.files
        project = self.document.project.copy()
        made = self.document.made

        def work(task: TaskContext) -> tuple[ImportCheck, ChangeSet | None, int]:
            from riskdesk.io import import_session, importer, isolated

            reader = None
            if isolated.worth_isolating(files):
                def reader(*args: Any, **kwargs: Any) -> Any:
                    kwargs.pop("cancelled", None)
                    return _isolated(task, importer.read_and_validate, *args, **kwargs)

            check = import_session.check(request, project, progress=_progress_adapter(task),
                                         cancelled=task.cancelled, reader=reader)
            task.check()
            # the change set too, and its rows as frames, here rather than on the GUI thread: a 100,000-path import
            # compares its rows with the project's and builds its frames in about a second, which the window
            # would otherwise freeze for
            prepared = check.change_set(project, "").prepare() if check.can_apply else None
            return check, prepared, made

        self._run(work, lambda found: self._on_checked(*found), "Reading and checking…")

    def _on_checked(self, check: ImportCheck, prepared: ChangeSet | None, made: int) -> None:
        self.check = check
        self._prepared = (prepared, made)
        self.preview_model.set_preview(check.result.preview)
        model = self.preview_model
        fit_columns(self.preview, [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in
                                   range(model.columnCount())], model.column_texts(), cap=260)
        self._fill_problems(check.problems)
        self.summary.setText((f"{RECHECKED} " if self._rechecked else "")
                             + check_summary(check, self.skip_check.isChecked()))
        self._rechecked = False
        if check.errors and not check.unsure:
            self.details.setCurrentIndex(1)
        self._update_buttons()

    def apply(self) -> None:
        """Apply the checked import (step 3) as one undoable command; refuses while errors remain."""
        check = self.check
        if check is None or not check.can_apply or check.merged is None:
            return
        names = [f.name for f in self.included_files()]
        text = f"Import {shorten(names[0])}" if len(names) == 1 else f"Import {len(names)} files"
        prepared, made = self._prepared
        if made != self.document.made:
            # Checked against the project as it was: a change since (a colleague's, shown from a workspace) could
            # be undone by applying it, so check again against the project as it is; Import applies that.
            self._rechecked = True
            self.run_check()
            return
        self.document.apply_import(check, text, prepared)
        self.imported.emit(f"Imported {check.summary()} (Ctrl+Z undoes it)")
        self.accept()

    def save_report(self) -> None:
        if self.check is None:
            return
        from riskdesk.io.template import write_problem_report

        first = self.included_files()[0] if self.included_files() else self.files[0]
        target = self.dialogs.report_path(str(first.with_name(first.stem + "-import-report.xlsx")))
        if target is None:
            return
        try:
            write_problem_report(self.check.problems, target, list(self.check.result.mappings), self.files)
        except OSError as exc:  # an OutputError names the file and what to do
            self.dialogs.error("Cannot save the report", str(exc))
            return
        self.summary.setText(self.summary.text() + f"<br>Report saved to {target}.")

    def save_template(self) -> None:
        """Save the blank import template (File ▸ Save Blank Import Template does the same)."""
        save_blank_template(self.dialogs, self.files[0].parent if self.files else Path.home())

    def cancel_running(self) -> None:
        if self._handle is not None and self._handle.running:
            self._handle.cancel()

    # ---- plumbing ---------------------------------------------------------------------------------------------

    def _run(self, work: Any, on_success: Any, text: str) -> None:
        self.cancel_running()
        self._generation += 1
        generation = self._generation

        def succeeded(result: Any) -> None:
            if generation == self._generation:
                self._set_running(False)
                on_success(result)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self._set_running(False)
            if isinstance(exc, Cancelled):
                self.summary.setText("Stopped. Nothing was imported. Choose Check Again to read the files again.")
            else:
                log.warning("import step failed: %s", exc, exc_info=exc)
                self._show_failure(str(exc) or type(exc).__name__)

        self.progress_label.setText(text)
        self.progress.setRange(0, 0)
        self._set_running(True)
        self._handle = self.runner.start(work, succeeded, failed, self._on_progress)

    def _on_progress(self, done: int, total: int, text: str) -> None:
        show_progress(self.progress, self.progress_label, done, total, text)

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.progress_label.setVisible(running)
        self.cancel_run_button.setVisible(running)
        self.sheet_tabs.setEnabled(not running)
        self._update_buttons(running)

    def _update_buttons(self, running: bool | None = None) -> None:
        running = bool(self._handle and self._handle.running) if running is None else running
        ok = self.check is not None and self.check.can_apply
        self.import_button.setEnabled(ok and not running)
        self.recheck_button.setEnabled(bool(self.mappings) and not running)
        self.report_button.setEnabled(self.check is not None and not running)

    def _show_failure(self, message: str) -> None:
        self.summary.setText(f"<b style='color:#d93f3f'>Cannot import:</b> {message}")
        self._update_buttons()

    def _fill_problems(self, problems: Sequence[Problem]) -> None:
        self.problems_model.set_problems(sorted(problems, key=lambda p: not p.is_error))
        shown = self.problems_model.rows_text(_FIT_ROWS)
        fit_columns(self.problems, ProblemsModel.HEADERS[:4], [list(c) for c in zip(*shown, strict=True)][:4]
                    if shown else [], cap=320)
        self.details.setTabText(1, f"P&roblems ({len(problems)})")

    def reject(self) -> None:
        self.cancel_running()
        self._generation += 1
        super().reject()


def save_blank_template(dialogs: Dialogs, folder: Path) -> Path | None:
    """Ask where, then write the blank import template there; says why when it cannot."""
    from riskdesk.io.template import write_template

    target = dialogs.template_path(str(folder / "riskdesk-import-template.xlsx"))
    if target is None:
        return None
    try:
        write_template(target)
    except OSError as exc:
        dialogs.error("Cannot save the template", f"{target}: {exc.strerror or exc}")
        return None
    dialogs.info("Template saved", f"The blank import template is in {target}.")
    return target


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _isolated(task: TaskContext, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """`fn` run in a child process (large workbooks: the window never waits for the reader)."""
    from riskdesk.io import isolated

    try:
        return isolated.run_isolated(fn, *args, cancelled=task.cancelled, **kwargs)
    except isolated.IsolatedCancelled:
        raise Cancelled from None


def _progress_adapter(task: TaskContext) -> Any:
    """The importer's progress callback, whatever it passes: (done, total[, text]) or a fraction."""

    def report(*args: Any) -> None:
        numbers = [a for a in args if isinstance(a, int | float) and not isinstance(a, bool)]
        text = next((a for a in args if isinstance(a, str)), "")
        if len(numbers) >= 2:
            task.report(int(numbers[0]), int(numbers[1]), text)
        elif len(numbers) == 1:
            task.report(int(numbers[0] * 1000) if numbers[0] <= 1 else int(numbers[0]), 1000, text)
        else:
            task.report(0, 0, text)

    return report
