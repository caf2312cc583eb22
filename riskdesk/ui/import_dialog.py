"""Import spreadsheets: check the proposed column mapping, preview the rows, read the problems, then apply.

Opened by File ▸ Import or by dropping files on the window. Steps, each off the GUI thread with progress and
Cancel:

1. *Propose*: RiskDesk finds each sheet's header and proposes which column is which field (remembering mappings
   the user confirmed before, by layout signature).
2. *Check*: the files are read with the mapping shown and validated; the first rows are previewed as they will
   be imported and every problem is listed (file, sheet, row, column, value, what to do). Changing a column's
   field checks again.
3. *Import* (enabled only when the check found no errors): the imported tables, merged into the project, replace
   the project's tables in one undoable step, and the confirmed mappings are saved into the project.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
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

from riskdesk.core.domain import TEMPLATE_COLUMNS
from riskdesk.core.problems import Problem
from riskdesk.ui.workers import Cancelled, Runner, TaskContext, TaskHandle

if TYPE_CHECKING:
    import pandas as pd

    from riskdesk.core.project import ProjectTables
    from riskdesk.io.mapping import SheetMapping
    from riskdesk.ui.document import Document
    from riskdesk.ui.main_window import Dialogs

log = logging.getLogger(__name__)

PREVIEW_ROWS = 200
NOT_IMPORTED = "(not imported)"
AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass
class CheckResult:
    """What a check produced: the import result, the project's tables with it merged in, and a preview."""

    result: Any
    """riskdesk.io.importer.ImportResult"""
    merged: ProjectTables | None
    preview: pd.DataFrame
    problems: list[Problem]


class PreviewModel(QAbstractTableModel):
    """Read-only view of a small DataFrame (the first rows as they will be imported)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._columns: list[str] = []
        self._rows: list[list[str]] = []
        self._numeric: list[bool] = []

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        self.beginResetModel()
        if frame is None:
            self._columns, self._rows, self._numeric = [], [], []
        else:
            self._columns = [str(c) for c in frame.columns]
            self._numeric = [frame[c].dtype.kind in "fiu" for c in frame.columns]
            self._rows = [[_cell_text(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and self._numeric[index.column()]:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section] if section < len(self._columns) else None
        return str(section + 1)


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

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.problems)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        problem = self.problems[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (("error" if problem.is_error else "warning"), problem.location(), problem.message,
                    problem.value, problem.hint)[index.column()]
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


def _cell_text(value: Any) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:,.6g}"
    return str(value)


def _field_names() -> list[str]:
    from riskdesk.io.mapping import FIELDS

    template = [name for name in TEMPLATE_COLUMNS if name in FIELDS]
    return template + sorted(name for name in FIELDS if name not in template)


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


class MappingTable(QTableWidget):
    """One sheet's columns: the column in the file, the RiskDesk field it is read as (editable), confidence, why."""

    changed = Signal()

    COLUMN_HEADERS = ("Column in the file", "RiskDesk field", "Confidence", "Why")

    def __init__(self, mapping: SheetMapping, fields: list[str], parent: QWidget | None = None) -> None:
        super().__init__(len(mapping.columns), len(self.COLUMN_HEADERS), parent)
        self.mapping = mapping
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
            box.addItem(NOT_IMPORTED, None)
            for name in fields:
                box.addItem(name, name)
                box.setItemData(box.count() - 1, _field_meaning(name), Qt.ItemDataRole.ToolTipRole)
            box.setCurrentIndex(max(box.findData(choice.field), 0) if choice.field else 0)
            box.setToolTip(_field_meaning(choice.field) if choice.field else "This column is not imported")
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
        box.setToolTip(_field_meaning(field) if field else "This column is not imported")
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
                                                               f"{field} is now read from {old.header!r}")
                    other_confidence, other_reason = self.item(other, 2), self.item(other, 3)
                    assert other_confidence is not None and other_reason is not None  # __init__ fills every row
                    other_confidence.setText("")
                    other_reason.setText(self.mapping.columns[other].reason)
        self.changed.emit()


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
        self.check: CheckResult | None = None
        self._handle: TaskHandle | None = None
        self._generation = 0
        self.setWindowTitle("Import spreadsheets")
        self.setObjectName("importDialog")
        self.setAccessibleName("Import spreadsheets")
        self.setSizeGripEnabled(True)

        names = ", ".join(f.name for f in self.files)
        self.files_label = QLabel(f"<b>Importing:</b> {names}")
        self.files_label.setWordWrap(True)
        self.files_label.setToolTip("\n".join(str(f) for f in self.files))
        intro = QLabel("Check which field each column is read as; the preview and the problems update as you "
                       "change it. Imported parts replace parts with the same number, with their supply paths.")
        intro.setWordWrap(True)

        self.sheet_tabs = QTabWidget()
        self.sheet_tabs.setAccessibleName("Sheets and their column mappings")
        self.preview_model = PreviewModel(self)
        self.preview = QTableView()
        self.preview.setObjectName("importPreview")
        self.preview.setAccessibleName("Preview of the imported rows")
        self.preview.setToolTip(f"The first {PREVIEW_ROWS} supply paths as they will be imported")
        self.preview.setModel(self.preview_model)
        self.preview.setAlternatingRowColors(True)
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

        details = QTabWidget()
        details.setAccessibleName("Preview and problems")
        details.addTab(self.preview, "&Preview")
        details.addTab(self.problems, "P&roblems")
        self.details = details
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.sheet_tabs)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([320, 300])
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
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button.setToolTip("Close without importing anything")
        self.import_button.clicked.connect(self.apply)
        self.recheck_button.clicked.connect(self.run_check)
        self.report_button.clicked.connect(self.save_report)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.files_label)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.summary)
        layout.addLayout(progress_row)
        layout.addWidget(self.buttons)
        self.resize(1000, 700)
        self._set_running(False)
        self._update_buttons()

    # ---- steps ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Propose mappings (step 1), then check (step 2)."""
        files = list(self.files)
        known = dict(self.document.project.saved_mappings)

        def work(task: TaskContext) -> tuple[list[SheetMapping], list[Problem]]:
            task.report(0, 0, "Finding headers…")
            from riskdesk.io import importer, isolated  # loaded off the GUI thread: it pulls in the readers

            if isolated.worth_isolating(files):
                mappings, problems = _isolated(task, importer.inspect, files, known=known)
            else:
                mappings, problems = importer.inspect(files, known=known)
            task.check()
            return list(mappings), list(problems)

        self._run(work, self._on_proposed, "Finding headers and proposing a mapping…")

    def _on_proposed(self, proposal: tuple[list[SheetMapping], list[Problem]]) -> None:
        mappings, problems = proposal
        self.mappings = mappings
        self.sheet_tabs.clear()
        self.mapping_tables = []
        fields = _field_names()
        for mapping in mappings:
            table = MappingTable(mapping, fields)
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
        if not mappings:
            self._fill_problems(problems)
            reason = problems[0].message if problems else "no table with a header row was found in these files"
            self._show_failure(f"{reason}. See the problems below")
            self.details.setCurrentWidget(self.problems)
            return
        self.run_check()

    def run_check(self) -> None:
        """Read and validate the files with the mapping shown (step 2); the Import button waits for it."""
        from riskdesk.ui.document import snapshot

        self.check = None
        self._update_buttons()
        files = list(self.files)
        mapping_json = [m.to_json() for m in self.mappings]
        known = dict(self.document.project.saved_mappings)
        current = snapshot(self.document.project).tables

        def work(task: TaskContext) -> CheckResult:
            from riskdesk.io import importer, isolated

            options: dict[str, Any] = {"mapping": {"mappings": mapping_json} if mapping_json else None,
                                       "known": known}
            if isolated.worth_isolating(files):
                result = _isolated(task, importer.read_and_validate, files, progress=_progress_adapter(task),
                                   **options)
            else:
                result = importer.read_and_validate(files, progress=_progress_adapter(task),
                                                    cancelled=task.cancelled, **options)
            task.check()
            problems = list(result.problems)
            merged = None
            if result.ok:
                task.report(0, 0, "Merging into the project…")
                merged = current.merged_with(result.tables)
                task.check()
            return CheckResult(result, merged, preview_frame(result.tables), problems)

        self._run(work, self._on_checked, "Reading and checking…")

    def _on_checked(self, check: CheckResult) -> None:
        self.check = check
        self.preview_model.set_frame(check.preview)
        self.preview.resizeColumnsToContents()
        self._fill_problems(check.problems)
        errors = sum(1 for p in check.problems if p.is_error)
        warnings = len(check.problems) - errors
        rows = getattr(check.result, "rows_read", 0)
        tables = check.result.tables
        counts = (f"{len(tables.parts):,} parts, {len(tables.suppliers):,} suppliers, "
                  f"{len(tables.paths):,} supply paths from {rows:,} rows")
        if errors:
            self.summary.setText(f"<b style='color:#d93f3f'>{errors} error(s)</b>, {warnings} warning(s): nothing "
                                 f"can be imported until the errors are fixed (in the file or the mapping). {counts}.")
            self.details.setCurrentWidget(self.problems)
        elif warnings:
            self.summary.setText(f"Ready to import {counts}. <b>{warnings} warning(s)</b>: worth reading, the data "
                                 "is imported anyway.")
        else:
            self.summary.setText(f"Ready to import {counts}. No problems found.")
        self._update_buttons()

    def apply(self) -> None:
        """Apply the checked import (step 3) as one undoable command; refuses while errors remain."""
        check = self.check
        if check is None or check.merged is None or not check.result.ok:
            return
        saved = dict(self.document.project.saved_mappings)
        for mapping in check.result.mappings:
            if mapping.signature:
                saved[mapping.signature] = mapping.to_json()
        tables = check.result.tables
        text = (f"Import {len(tables.parts):,} parts and {len(tables.paths):,} supply paths from "
                f"{', '.join(f.name for f in self.files)}")
        self.document.apply_import(check.merged, saved, text)
        self.imported.emit(text + " (Ctrl+Z undoes it)")
        self.accept()

    def save_report(self) -> None:
        if self.check is None:
            return
        from riskdesk.io.template import write_problem_report

        suggested = self.files[0].with_name(self.files[0].stem + "-import-report.xlsx")
        target = self.dialogs.report_path(str(suggested))
        if target is None:
            return
        try:
            write_problem_report(self.check.problems, target, list(self.check.result.mappings))
        except OSError as exc:
            self.dialogs.error("Cannot save the report", f"{target}: {exc.strerror or exc}")
            return
        self.summary.setText(self.summary.text() + f"<br>Report saved to {target}.")

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
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        else:
            self.progress.setRange(0, 0)
        if text:
            self.progress_label.setText(text)

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.progress_label.setVisible(running)
        self.cancel_run_button.setVisible(running)
        self.sheet_tabs.setEnabled(not running)
        self._update_buttons(running)

    def _update_buttons(self, running: bool | None = None) -> None:
        running = bool(self._handle and self._handle.running) if running is None else running
        ok = self.check is not None and self.check.merged is not None and bool(self.check.result.ok)
        self.import_button.setEnabled(ok and not running)
        self.recheck_button.setEnabled(bool(self.mappings) and not running)
        self.report_button.setEnabled(self.check is not None and not running)

    def _show_failure(self, message: str) -> None:
        self.summary.setText(f"<b style='color:#d93f3f'>Cannot import:</b> {message}")
        self._update_buttons()

    def _fill_problems(self, problems: Sequence[Problem]) -> None:
        self.problems_model.set_problems(sorted(problems, key=lambda p: not p.is_error))
        self.problems.resizeColumnsToContents()
        for column in range(4):
            self.problems.setColumnWidth(column, min(self.problems.columnWidth(column), 320))
        self.details.setTabText(1, f"P&roblems ({len(problems)})")

    def reject(self) -> None:
        self.cancel_running()
        self._generation += 1
        super().reject()


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


def preview_frame(tables: ProjectTables, rows: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first supply paths in the template's columns (part and supplier columns joined in)."""
    import pandas as pd

    paths = tables.paths.head(rows)
    if not len(paths):
        return tables.parts.head(rows).copy()
    joined = paths.merge(tables.parts, on="part_number", how="left").merge(tables.suppliers, on="supplier_id",
                                                                              how="left")
    columns = [c for c in TEMPLATE_COLUMNS if c in joined.columns]
    return pd.DataFrame(joined[columns]).reset_index(drop=True)
