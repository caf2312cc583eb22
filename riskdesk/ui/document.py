"""The open project: its file, its undo stack and its table models.

`Document` owns the `Project` being edited. Every edit goes through one of its public methods (`edit_cells`,
`add_rows`, `remove_rows`, `paste`, `apply_import`, `change_settings`, `change_scenarios`, `change_variants`): the
project's rules (`riskdesk.core.edit_rules`) turn it into a change set (`riskdesk.core.edits`) or refuse it, and the
change set is pushed on the undo stack as one command (`riskdesk.ui.commands`). Making a change set, or undoing
one, goes through `_apply`, which emits `changed`: the table models follow exactly what changed.

Autosave and crash recovery are in `riskdesk.ui.autosave`, the scores kept up to date in `riskdesk.ui.scoring`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from riskdesk.core import edit_rules
from riskdesk.core.edits import ChangeSet, EditRefused, WholeChange, diff_tables
from riskdesk.core.fields import ROW_ID
from riskdesk.core.labels import setting_label
from riskdesk.core.project import Project, ProjectSettings, ProjectTables
from riskdesk.io.store import (
    UNCHECKED,
    CannotLockError,
    Lease,
    ProjectChangedError,
    ProjectFileError,
    Revision,
    open_store,
)
from riskdesk.io.store.rdproj import SUFFIX
from riskdesk.io.userdirs import AppSettings, UserDirs, save_app_settings
from riskdesk.ui.columns import COLUMNS, CellError, TableName, parse_cell
from riskdesk.ui.commands import ChangeSetCommand, changed_fields
from riskdesk.ui.table_models import DataFrameTableModel
from riskdesk.ui.workers import Runner, SynchronousRunner, TaskHandle

if TYPE_CHECKING:
    from riskdesk.core.mitigations import Variant
    from riskdesk.core.scenarios import Scenario

log = logging.getLogger(__name__)

class Document(QObject):
    """The open project (see the module docstring)."""

    tables_changed = Signal(object)
    """frozenset of the table names ("parts", "suppliers", "paths", "composition") that changed."""
    settings_changed = Signal(object)
    project_replaced = Signal()
    """A different project is open (new, open, recover): everything derived must be rebuilt."""
    dirty_changed = Signal(bool)
    path_changed = Signal(object)
    refused = Signal(str)
    """An edit was refused; the message is for the status bar."""
    noticed = Signal(str)
    """An edit was applied but is worth a word (e.g. a part's shares now add up to less than 100 %)."""
    recent_changed = Signal()
    scenarios_changed = Signal()
    """The project's scenarios changed (added, edited, renamed, deleted, or an undo of one of those)."""
    variants_changed = Signal()
    """The project's mitigation variants changed."""
    changed = Signal(object, object)
    """A change set was made (ChangeSet, Applied), undo and redo included: the table models follow it."""

    def __init__(self, project: Project | None = None, path: Path | None = None,
                 app_settings: AppSettings | None = None, dirs: UserDirs | None = None,
                 runner: Runner | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project or Project()
        self.path: Path | None = Path(path) if path else None
        self.app_settings = app_settings or AppSettings()
        self.dirs = dirs
        self.runner: Runner = runner or SynchronousRunner()
        self.undo_stack = QUndoStack(self)
        self.revision = 0
        """Goes up with every change (undo and redo included); the autosaver compares it."""
        self._forced_dirty = False
        self._was_dirty = False
        self.busy_saving = False
        self.file_state: Revision | None = None
        """The project's revision when read or last saved: a save refuses to replace it if it changed since
        (another program saved it), see riskdesk.io.store."""
        self.lock: Lease | None = None
        """Held while the project file is open here: one writer at a time (riskdesk.io.store.lock)."""
        self.read_only = False
        """Opened while another RiskDesk holds it: Save asks for another name."""
        self.models: dict[TableName, DataFrameTableModel] = {}
        for table in TableName:
            model = DataFrameTableModel(table, getattr(self.project.tables, table.value), editor=self.edit_cells,
                                        checker=self.check_cell, country_name=_country_name, parent=self)
            model.edit_refused.connect(self.refused)
            self.changed.connect(lambda _changes, applied, model=model: model.follow(applied, self.frame(
                model.table.value)))
            self.models[table] = model
        self.undo_stack.indexChanged.connect(self._on_index_changed)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    # ---- state ------------------------------------------------------------------------------------------------

    @property
    def is_dirty(self) -> bool:
        return self._forced_dirty or not self.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else self.project.settings.name or "Untitled project"

    @property
    def lock_notice(self) -> str:
        """What to tell the user when the project is open without its lock (the setting "work without the lock"
        allowed it), else ""."""
        if self.lock is not None and self.lock.unavailable is not None:
            return f"Working without the project's lock: {self.lock.unavailable.reason}"
        return ""

    def frame(self, table: str) -> pd.DataFrame:
        frame: pd.DataFrame = getattr(self.project.tables, table)
        return frame

    def _on_index_changed(self, _index: int) -> None:
        self.revision += 1
        self._emit_dirty()

    def _on_clean_changed(self, _clean: bool) -> None:
        self._emit_dirty()

    def _emit_dirty(self) -> None:
        dirty = self.is_dirty
        if dirty != self._was_dirty:
            self._was_dirty = dirty
            self.dirty_changed.emit(dirty)

    def _set_clean(self, forced_dirty: bool = False) -> None:
        self._forced_dirty = forced_dirty
        self.undo_stack.setClean()
        self._emit_dirty()

    # ---- files ------------------------------------------------------------------------------------------------

    def replace_project(self, project: Project, path: Path | None, dirty: bool = False,
                        state: Revision | None = None, lock: Lease | None = None,
                        read_only: bool = False) -> None:
        """Show another project (new, opened, recovered). Clears undo history. `state` and `lock`: the file's
        state when read and the lock taken on it (the previous lock is let go)."""
        if self.lock is not None and self.lock is not lock:
            self.lock.release()
        self.lock, self.file_state, self.read_only = lock, state, read_only
        self.project = project
        self.undo_stack.clear()
        for table, model in self.models.items():
            model.set_rows(self.frame(table.value))
        self.revision += 1
        self._set_clean(forced_dirty=dirty)
        self._set_path(path)
        self.project_replaced.emit()

    def new(self, project: Project | None = None) -> None:
        self.replace_project(project or Project(), None)

    def open(self, path: Path, read_only: bool = False) -> None:
        """Open a project file now (raises ProjectFileError with a message for the user; CannotLockError when
        another RiskDesk has it open or its lock cannot be taken, unless `read_only`)."""
        path = Path(path)
        project, state, lock = open_project_file(path, read_only,
                                                 without_lock_ok=self.app_settings.work_without_lock)
        self.adopt_opened(project, path, state, lock, read_only)

    def adopt_opened(self, project: Project, path: Path, state: Revision | None = None,
                     lock: Lease | None = None, read_only: bool = False) -> None:
        """Show a project that was read from `path` (e.g. by a worker) and add the file to the recent files."""
        self.replace_project(project, path, state=state, lock=lock, read_only=read_only)
        self._remember(path)

    def open_async(self, path: Path, on_done: Callable[[str | None], None], read_only: bool = False,
                   on_locked: Callable[[CannotLockError], None] | None = None) -> TaskHandle:
        """Open a project file off the GUI thread; `on_done(None)` on success, else with the error message. When
        another RiskDesk has it open, or its lock cannot be taken, `on_locked(error)` is called instead (it may
        open it `read_only`)."""
        path = Path(path)

        def opened(result: tuple[Project, Revision, Lease | None]) -> None:
            project, state, lock = result
            self.adopt_opened(project, path, state, lock, read_only)
            on_done(None)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, CannotLockError) and on_locked is not None:
                on_locked(exc)
                return
            if isinstance(exc, ProjectFileError) and not path.exists():
                self.app_settings.remove_recent(path)
                self._save_app_settings()
            on_done(error_text(exc))

        held = self.lock if self.lock is not None and path == self.path else None  # a reload keeps its lock
        without_lock_ok = self.app_settings.work_without_lock
        return self.runner.start(lambda _task: open_project_file(path, read_only, held, without_lock_ok), opened,
                                 failed, None)

    def release(self) -> None:
        """Let go of the project file's lock (the window closes)."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def save(self, path: Path | None = None, on_done: Callable[[str | None], None] | None = None,
             on_changed: Callable[[str], None] | None = None, overwrite: bool = False) -> None:
        """Save to `path` (default: the current file) off the GUI thread for large projects.

        `on_done(None)` once saved, or with the error message; the document is clean only if nothing changed
        while it was being written. Saving over the file it was read from refuses when another program saved
        it meanwhile: `on_changed(message)` is then called (the caller asks to reload, save as or overwrite, and
        `overwrite=True` replaces it). Another file (Save As) is locked first, and replaced as the user chose."""
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("no file name: use save_as")
        if target.suffix.lower() != SUFFIX:
            target = target.with_name(target.name + SUFFIX)
        same_file = self.path is not None and target == self.path and not self.read_only
        lock = self.lock if same_file else None
        if not same_file:
            try:
                lock = open_store(target).lease(without_lock_ok=self.app_settings.work_without_lock)
            except ProjectFileError as exc:
                if on_done:
                    on_done(error_text(exc))
                return
        expected = UNCHECKED if overwrite or not same_file else self.file_state
        copy = self.project.copy()
        index = self.undo_stack.index()
        revision = self.revision
        self.busy_saving = True

        def saved(state: Revision) -> None:
            self.busy_saving = False
            if lock is not self.lock and self.lock is not None:
                self.lock.release()
            self.lock, self.file_state, self.read_only = lock, state, False
            self._set_path(target)
            if self.revision == revision or (self.undo_stack.index() == index and not self._forced_dirty):
                self._set_clean()
            self._remember(target)
            if on_done:
                on_done(None)

        def failed(exc: BaseException) -> None:
            self.busy_saving = False
            if lock is not None and lock is not self.lock:
                lock.release()
            log.warning("saving %s failed: %s", target, exc)
            if isinstance(exc, ProjectChangedError) and on_changed is not None:
                on_changed(str(exc))
            elif on_done:
                on_done(error_text(exc))

        self.runner.start(lambda _task: open_store(target).save(copy, expected), saved, failed, None)

    def _set_path(self, path: Path | None) -> None:
        if path != self.path:
            self.path = path
            self.path_changed.emit(path)
        elif path is not None:
            self.path_changed.emit(path)

    def _remember(self, path: Path) -> None:
        self.app_settings.add_recent(path)
        self._save_app_settings()
        self.recent_changed.emit()

    def set_app_preferences(self, autosave_delay_seconds: int, autosave_seconds: int, import_max_rows: int,
                            work_without_lock: bool = False) -> None:
        """Change RiskDesk's own settings and keep them in the user's settings file (the command line reads them
        too)."""
        settings = self.app_settings
        settings.autosave_delay_seconds = autosave_delay_seconds
        settings.autosave_seconds = autosave_seconds
        settings.import_max_rows = import_max_rows
        settings.work_without_lock = work_without_lock
        self._save_app_settings()

    def _save_app_settings(self) -> None:
        if self.dirs is not None:
            try:
                save_app_settings(self.app_settings, self.dirs)
            except OSError:
                log.warning("could not save application settings", exc_info=True)

    # ---- checks -----------------------------------------------------------------------------------------------

    def check_cell(self, table: TableName, frame_row: int, key: str, value: Any) -> str | None:
        """Cross-table checks of one typed value (riskdesk.core.edit_rules.cell_refusal): unique keys, references to
        existing parts and suppliers, shares."""
        return edit_rules.cell_refusal(self.project.tables, table.value, self._row_id(table.value, frame_row), key,
                                       value)

    def _row_id(self, table: str, frame_row: int) -> str | None:
        frame = self.frame(table)
        return str(frame[ROW_ID].iat[frame_row]) if 0 <= frame_row < len(frame) else None

    def _notice_shares(self, cells: Sequence[tuple[str, str, Any]]) -> None:
        """After an edit: say which parts' shares now add up to less than 100 % (the rest counts as unknown)."""
        short = edit_rules.short_shares(self.project.tables, cells)
        if short:
            listed = ", ".join(f"{part} ({total:g} %)" for part, total in short[:3])
            self.noticed.emit(f"Supply-path shares add up to less than 100 % for {listed}: the rest counts as "
                              "of unknown origin until you add its paths")

    # ---- edits: each a change set (riskdesk.core.edit_rules), pushed as one undoable step ---------------------

    def apply_changes(self, changes: ChangeSet) -> None:
        """Make `changes` as one undoable step (nothing happens for an empty change set)."""
        if not changes.empty:
            self.undo_stack.push(ChangeSetCommand(changes, self._apply))

    def edit_cells(self, table: TableName, changes: list[tuple[int, str, Any]]) -> None:
        """Set typed, checked values (the models' editor): one undoable step, renames cascading. Raises EditRefused
        when a part's shares would go over 100 %."""
        cells = [(str(self.frame(table.value)[ROW_ID].iat[row]), key, value) for row, key, value in changes]
        changeset = edit_rules.edit_cells(self.project.tables, table.value, cells)
        self.apply_changes(changeset)
        if table is TableName.PATHS and not changeset.empty:
            self._notice_shares(cells)

    def add_rows(self, table: TableName, count: int = 1, like: int | None = None) -> list[int]:
        """Append `count` rows with sensible defaults (copying part and supplier from row `like` for paths).

        Returns the new rows' positions. Raises EditRefused when a supply path has no part or supplier to name."""
        like_id = self._row_id(table.value, like) if like is not None else None
        changeset = edit_rules.add_rows(self.project.tables, table.value, count, like_id)
        self.apply_changes(changeset)
        return [insert.position for insert in changeset.inserts]

    def remove_rows(self, table: TableName, frame_rows: Sequence[int]) -> None:
        """Remove rows as one undoable step. Removing parts removes their supply paths and composition too;
        a supplier that supply paths still name is refused (EditRefused)."""
        frame = self.frame(table.value)
        ids = [str(frame[ROW_ID].iat[int(r)]) for r in sorted({int(r) for r in frame_rows})]
        if ids:
            self.apply_changes(edit_rules.remove_rows(self.project.tables, table.value, ids))

    def paste(self, table: TableName, cells: Sequence[tuple[int, str, str]], action: str = "paste") -> int:
        """Paste text into cells; rows at or past the end are added. All cells are checked first: any bad value
        refuses the whole paste (EditRefused listing the problems) and nothing changes. Returns cells set.
        `action` "clear" words the refusal and the Undo text for emptying cells (Delete, Cut)."""
        model = self.models[table]
        problems: list[str] = []
        typed: list[tuple[int, str, Any]] = []
        pasted = {(row, key) for row, key, _ in cells}
        for row, key, text in cells:
            try:
                typed.append((row, key, parse_cell(COLUMNS[table][model.column_index(key)], text)))
                typed += [cell for cell in model.implied(row, key, text) if cell[:2] not in pasted]
            except CellError as exc:
                problems.append(f"row {row + 1}: {exc}")
        changeset = edit_rules.paste(self.project.tables, table.value, typed, problems, action)
        self.apply_changes(changeset)
        if table is TableName.PATHS:
            frame = self.frame("paths")
            self._notice_shares([(str(frame[ROW_ID].iat[row]), key, value) for row, key, value in typed
                                 if row < len(frame)])
        return len(typed)

    def apply_import(self, tables: ProjectTables, saved_mappings: dict[str, dict[str, Any]], text: str) -> None:
        """Apply an import (tables already merged and validated, riskdesk.io.import_session) as one undoable step:
        the rows and fields it changes, and the column mappings it confirmed."""
        changes = diff_tables(self.project.tables, tables, text, {"kind": "import"})
        if saved_mappings != self.project.saved_mappings:
            changes = dataclasses.replace(changes, wholes=(
                WholeChange("saved_mappings", dict(self.project.saved_mappings), dict(saved_mappings)),))
        self.apply_changes(changes)

    def change_settings(self, settings: ProjectSettings) -> None:
        fields = changed_fields(self.project.settings, settings)
        if fields:
            names = sorted(setting_label(name) for name in fields)
            text = f"Change {names[0]}" if len(names) == 1 else f"Change {len(names)} settings"
            self.apply_changes(ChangeSet(text, wholes=(WholeChange("settings", self.project.settings.copy(),
                                                                   settings.copy()),),
                                         source={"kind": "edit"}))

    def change_scenarios(self, scenarios: Sequence[Scenario], text: str) -> None:
        """Replace the project's scenarios (one undoable step called `text`, e.g. "Delete scenario 'X'")."""
        if list(scenarios) != list(self.project.scenarios):
            self.apply_changes(ChangeSet(text, wholes=(WholeChange("scenarios", list(self.project.scenarios),
                                                                   list(scenarios)),), source={"kind": "edit"}))

    def change_variants(self, variants: Sequence[Variant], text: str) -> None:
        """Replace the project's mitigation variants (one undoable step called `text`)."""
        if list(variants) != list(self.project.variants):
            self.apply_changes(ChangeSet(text, wholes=(WholeChange("variants", list(self.project.variants),
                                                                   list(variants)),), source={"kind": "edit"}))

    # ---- low level: a change set made (undo and redo included) ----------------------------------------------

    def _apply(self, changes: ChangeSet) -> None:
        """Make `changes` on the project and tell whoever shows it: the table models follow what changed, then the
        signals say which tables, settings, scenarios or variants did."""
        applied = changes.apply_to(self.project)
        self.changed.emit(changes, applied)
        if applied.tables:
            self.tables_changed.emit(applied.tables)
        if "settings" in applied.wholes:
            self.settings_changed.emit(self.project.settings)
        if "scenarios" in applied.wholes:
            self.scenarios_changed.emit()
        if "variants" in applied.wholes:
            self.variants_changed.emit()


def open_project_file(path: Path, read_only: bool = False, held: Lease | None = None,
                      without_lock_ok: bool = False) -> tuple[Project, Revision, Lease | None]:
    """Lock (unless `read_only`, or `held` already) and read a project file: the project, its revision and
    the lock held. Raises CannotLockError when another RiskDesk has it open or its lock cannot be taken (unless
    `without_lock_ok`: the setting "work without the lock"), ProjectFileError when it cannot be read."""
    store = open_store(path)
    lock = held or (None if read_only else store.lease(without_lock_ok=without_lock_ok))
    try:
        project, state = store.read()
    except BaseException:
        if lock is not None and lock is not held:
            lock.release()
        raise
    return project, state, lock


def error_text(exc: BaseException) -> str:
    """What to tell the user about a failed load, save or scoring."""
    if isinstance(exc, ProjectFileError | EditRefused):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}".strip(": ")
    return f"{type(exc).__name__}: {exc}"


def _country_name(code: str) -> str:
    from riskdesk.core.countries import default_countries

    return str(default_countries().name(code))
