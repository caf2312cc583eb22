"""The open project: its file, its undo stack and its table models.

`Document` owns the `Project` being edited. Every edit goes through one of its public methods (`edit_cells`,
`add_rows`, `remove_rows`, `paste`, `apply_import`, `change_settings`), which validates and pushes an undoable
command (`riskdesk.ui.commands`); the commands call the low-level methods (`write_cells`, `insert_rows`,
`delete_rows`, `replace_tables`, `replace_settings`), which change the DataFrames and tell the table models
exactly what changed.

Autosave and crash recovery are in `riskdesk.ui.autosave`, the scores kept up to date in `riskdesk.ui.scoring`.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from riskdesk.core.labels import count
from riskdesk.core.project import Project, ProjectSettings, ProjectTables, share_problem
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
from riskdesk.ui.columns import COLUMNS, CellError, EditRefused, Kind, TableName, parse_cell
from riskdesk.ui.commands import (
    CellChange,
    InsertRowsCommand,
    ListCommand,
    MacroCommand,
    RemoveRowsCommand,
    ReplaceTablesCommand,
    SetCellsCommand,
    SettingsCommand,
    changed_fields,
    copy_settings,
)
from riskdesk.ui.table_models import DataFrameTableModel
from riskdesk.ui.workers import Runner, SynchronousRunner, TaskHandle

if TYPE_CHECKING:
    from riskdesk.core.mitigations import Variant
    from riskdesk.core.scenarios import Scenario

log = logging.getLogger(__name__)

BACKGROUND_PATHS = 5_000
"""Projects with more supply paths than this are saved off the GUI thread."""


def snapshot(project: Project) -> Project:
    """An independent copy a worker thread can read while the user goes on editing."""
    return Project(
        settings=copy_settings(project.settings),
        tables=project.tables.copy(),
        saved_mappings=json.loads(json.dumps(project.saved_mappings)),
        created=project.created,
        scenarios=list(project.scenarios),  # frozen dataclasses: copying the lists is enough
        variants=list(project.variants),
    )


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
        copy = snapshot(self.project)
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
        """Cross-table checks of one typed value: unique keys, references to existing parts and suppliers."""
        column = COLUMNS[table][self.models[table].column_index(key)]
        if column.kind is Kind.KEY:
            series = self.frame(table.value)[key]
            clash = np.flatnonzero(series.to_numpy(dtype=object) == value)
            clash = clash[clash != frame_row]
            if len(clash):
                return (f"{column.title} {value!r} is already used on row {int(clash[0]) + 1}. "
                        f"Each {table.row_noun} needs its own {column.title.lower()}")
        elif column.kind is Kind.PART_REF and value not in set(self.frame("parts")["part_number"]):
            return f"There is no part {value!r}. Add it on the Parts tab first, or import it"
        elif column.kind is Kind.SUPPLIER_REF and value not in set(self.frame("suppliers")["supplier_id"]):
            return f"There is no supplier {value!r}. Add it on the Suppliers tab first, or import it"
        if table is TableName.PATHS and key in ("share_pct", "part_number"):
            return self._share_refusal([(frame_row, key, value)])
        return None

    def _shares_after(self, changes: Sequence[tuple[int, str, Any]], new_rows: pd.DataFrame | None = None
                      ) -> dict[str, float]:
        """Each touched part's supply-path share total (%) once `changes` to the Supply paths table (and
        `new_rows` appended to it) are applied."""
        paths = self.frame("paths")[["part_number", "share_pct"]].copy()
        if new_rows is not None and len(new_rows):
            paths = pd.concat([paths, new_rows[["part_number", "share_pct"]]], ignore_index=True)
        touched: set[str] = set()
        for row, key, value in changes:
            if key not in ("share_pct", "part_number") or row >= len(paths):
                continue
            touched.add(str(paths["part_number"].iat[row]))
            paths.iat[row, 0 if key == "part_number" else 1] = value
            touched.add(str(paths["part_number"].iat[row]))
        if new_rows is not None:
            touched |= set(new_rows["part_number"].astype(str))
        totals = paths[paths["part_number"].isin(touched)].groupby("part_number")["share_pct"].sum()
        return {str(k): float(v) for k, v in totals.items()}

    def _share_refusal(self, changes: Sequence[tuple[int, str, Any]], new_rows: pd.DataFrame | None = None
                       ) -> str | None:
        """Why these changes to supply paths are refused (a part's shares over 100 %), or None."""
        for part, total in self._shares_after(changes, new_rows).items():
            problem = share_problem(part, total)
            if problem is not None and problem.is_error:
                return (f"The supply-path shares of part {part} would add up to {total:g} %. Shares of one part "
                        "must add up to 100 %: lower another path's share first")
        return None

    def _notice_shares(self, changes: Sequence[tuple[int, str, Any]]) -> None:
        """After an edit: say which parts' shares now add up to less than 100 % (the rest counts as unknown)."""
        short = [(part, total) for part, total in self._shares_after(changes).items()
                 if (p := share_problem(part, total)) is not None and not p.is_error]
        if short:
            listed = ", ".join(f"{part} ({total:g} %)" for part, total in short[:3])
            self.noticed.emit(f"Supply-path shares add up to less than 100 % for {listed}: the rest counts as "
                              "of unknown origin until you add its paths")

    # ---- edits (validated, undoable) --------------------------------------------------------------------------

    def edit_cells(self, table: TableName, changes: list[tuple[int, str, Any]]) -> None:
        """Set typed, checked values (the models' editor): one undoable step, renames cascading."""
        cells = self._cascade(table, changes)
        if not cells:
            return
        if len(changes) == 1:
            column = COLUMNS[table][self.models[table].column_index(changes[0][1])]
            text = f"Edit {column.title} in {table.title}"
        else:
            text = f"Edit {len(changes)} cells in {table.title}"
        if table is TableName.PATHS:
            refusal = self._share_refusal(changes)
            if refusal:
                raise EditRefused(refusal)
        self.undo_stack.push(SetCellsCommand(self, cells, text))
        if table is TableName.PATHS:
            self._notice_shares(changes)

    def _cascade(self, table: TableName, changes: Sequence[tuple[int, str, Any]]) -> list[CellChange]:
        """The changes as CellChanges, plus the references they rename in other tables."""
        cells: list[CellChange] = []
        frame = self.frame(table.value)
        for row, key, new in changes:
            old = _plain(frame[key].iat[row]) if row < len(frame) else None
            if old is not None and _same(old, new):
                continue
            cells.append(CellChange(table.value, row, key, old, new))
            if old is None or old == "":
                continue
            renames: list[tuple[str, str]] = []
            if table is TableName.PARTS and key == "part_number":
                renames = [("paths", "part_number"), ("composition", "part_number")]
            elif table is TableName.SUPPLIERS and key == "supplier_id":
                renames = [("paths", "supplier_id")]
            for other, other_key in renames:
                hits = np.flatnonzero(self.frame(other)[other_key].to_numpy(dtype=object) == old)
                cells += [CellChange(other, int(r), other_key, old, new) for r in hits]
        return cells

    def add_rows(self, table: TableName, count: int = 1, like: int | None = None) -> list[int]:
        """Append `count` rows with sensible defaults (copying part and supplier from row `like` for paths).

        Returns the new rows' positions. Raises EditRefused when a supply path has no part or supplier to name."""
        frame = self.frame(table.value)
        rows = self._default_rows(table, count, like)
        positions = list(range(len(frame), len(frame) + count))
        noun = table.row_noun if count == 1 else f"{count} {table.row_noun}s"
        self.undo_stack.push(InsertRowsCommand(self, table.value, positions, rows, f"Add {noun}"))
        return positions

    def _default_rows(self, table: TableName, count: int, like: int | None = None) -> pd.DataFrame:
        frame = self.frame(table.value)
        if table is TableName.PARTS:
            keys = _fresh_keys("NEW-", set(frame["part_number"]), count)
            data: dict[str, Any] = {"part_number": keys, "description": "", "end_use": "other",
                                    "magnet_family": "NdFeB-sintered", "grade": "", "magnet_mass_g": 0.0,
                                    "annual_units": 0.0, "unit_price": math.nan, "stock_days": math.nan}
        elif table is TableName.SUPPLIERS:
            keys = _fresh_keys("SUP-NEW-", set(frame["supplier_id"]), count)
            data = {"supplier_id": keys, "supplier_name": "", "supplier_country": ""}
        else:
            parts, suppliers = self.frame("parts"), self.frame("suppliers")
            if not len(parts) or not len(suppliers):
                raise EditRefused("A supply path names a part and a supplier: add at least one of each first")
            if like is not None and 0 <= like < len(frame):
                part, supplier = frame["part_number"].iat[like], frame["supplier_id"].iat[like]
            else:
                part, supplier = parts["part_number"].iat[-1], suppliers["supplier_id"].iat[0]
            data = {"part_number": part, "supplier_id": supplier, "share_pct": 0.0, "mine_country": "",
                    "separation_country": "", "metal_country": "", "magnet_country": "",
                    "origin_evidence": "unknown"}
        rows = pd.DataFrame({k: (v if isinstance(v, list) else [v] * count) for k, v in data.items()})
        return _conformed(table.value, rows)

    def remove_rows(self, table: TableName, frame_rows: Sequence[int]) -> None:
        """Remove rows as one undoable step. Removing parts removes their supply paths and composition too;
        a supplier that supply paths still name is refused (EditRefused)."""
        positions = sorted({int(r) for r in frame_rows})
        if not positions:
            return
        frame = self.frame(table.value)
        noun = table.row_noun if len(positions) == 1 else f"{len(positions)} {table.row_noun}s"
        if table is TableName.SUPPLIERS:
            ids = set(frame["supplier_id"].iloc[positions])
            used = self.frame("paths")["supplier_id"].isin(ids)
            if used.any():
                named = sorted(set(self.frame("paths")["supplier_id"][used]))
                raise EditRefused(
                    f"Supplier {', '.join(named[:3])}{' …' if len(named) > 3 else ''} is still named by "
                    f"{count(int(used.sum()), 'supply path')}. Remove or reassign those paths first")
        if table is not TableName.PARTS:
            self.undo_stack.push(RemoveRowsCommand(self, table.value, positions, f"Remove {noun}"))
            return
        numbers = set(frame["part_number"].iloc[positions])
        paths = np.flatnonzero(self.frame("paths")["part_number"].isin(numbers).to_numpy())
        composition = np.flatnonzero(self.frame("composition")["part_number"].isin(numbers).to_numpy())
        text = f"Remove {noun}" + (f" and {count(len(paths), 'supply path')}" if len(paths) else "")
        parent = MacroCommand(text)
        if len(paths):
            parent.add(RemoveRowsCommand(self, "paths", paths.tolist(), ""))
        if len(composition):
            parent.add(RemoveRowsCommand(self, "composition", composition.tolist(), ""))
        parent.add(RemoveRowsCommand(self, "parts", positions, ""))
        self.undo_stack.push(parent)

    def paste(self, table: TableName, cells: Sequence[tuple[int, str, str]], action: str = "paste") -> int:
        """Paste text into cells; rows at or past the end are added. All cells are checked first: any bad value
        refuses the whole paste (EditRefused listing the problems) and nothing changes. Returns cells set.
        `action` "clear" words the refusal and the Undo text for emptying cells (Delete, Cut)."""
        refused, verb = ("Nothing was cleared", "Clear") if action == "clear" else ("Nothing was pasted", "Paste")
        frame = self.frame(table.value)
        model = self.models[table]
        n = len(frame)
        added = max((row for row, _, _ in cells), default=-1) + 1 - n
        new_rows = self._default_rows(table, added) if added > 0 else None
        problems: list[str] = []
        typed: list[tuple[int, str, Any]] = []
        for row, key, text in cells:
            column = COLUMNS[table][model.column_index(key)]
            try:
                value = parse_cell(column, text)
            except CellError as exc:
                problems.append(f"row {row + 1}: {exc}")
                continue
            if column.kind is Kind.PART_REF and value not in set(self.frame("parts")["part_number"]):
                problems.append(f"row {row + 1}: there is no part {value!r}")
            elif column.kind is Kind.SUPPLIER_REF and value not in set(self.frame("suppliers")["supplier_id"]):
                problems.append(f"row {row + 1}: there is no supplier {value!r}")
            typed.append((row, key, value))
        key_column = COLUMNS[table][0]
        if key_column.kind is Kind.KEY:
            final = frame[key_column.key].to_numpy(dtype=object).copy()
            if new_rows is not None:
                final = np.concatenate([final, new_rows[key_column.key].to_numpy(dtype=object)])
            for row, key, value in typed:
                if key == key_column.key:
                    final[row] = value
            values, counts = np.unique(final.astype(str), return_counts=True)
            for value in values[counts > 1][:3]:
                problems.append(f"{key_column.title} {value!r} would appear more than once")
        if table is TableName.PATHS and not problems:
            existing = [c for c in typed if c[0] < n]
            added_frame = None
            if new_rows is not None:
                added_frame = new_rows.copy()
                for row, key, value in typed:
                    if row >= n:
                        added_frame.iat[row - n, cast(int, added_frame.columns.get_loc(key))] = value
            refusal = self._share_refusal(existing, added_frame)
            if refusal:
                problems.append(refusal)
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise EditRefused(f"{refused}: " + "; ".join(problems[:3]) + more)
        parent = MacroCommand(f"{verb} {count(len(typed), 'cell')}" + (" in " if action == "clear" else " into ")
                              + table.title)
        if new_rows is not None:
            parent.add(InsertRowsCommand(self, table.value, list(range(n, n + added)), new_rows, ""))
        changes = self._cascade(table, [c for c in typed if c[0] < n])
        for row, key, value in typed:
            if row >= n and new_rows is not None:
                changes.append(CellChange(table.value, row, key, _plain(new_rows[key].iat[row - n]), value))
        parent.add(SetCellsCommand(self, changes, ""))
        self.undo_stack.push(parent)
        if table is TableName.PATHS:
            self._notice_shares(typed)
        return len(typed)

    def apply_import(self, tables: ProjectTables, saved_mappings: dict[str, dict[str, Any]], text: str) -> None:
        """Replace the tables with imported (already merged and validated) ones, as one undoable step."""
        self.undo_stack.push(ReplaceTablesCommand(self, tables, saved_mappings, text))

    def change_settings(self, settings: ProjectSettings) -> None:
        if changed_fields(self.project.settings, settings):
            self.undo_stack.push(SettingsCommand(self, settings))

    def change_scenarios(self, scenarios: Sequence[Scenario], text: str) -> None:
        """Replace the project's scenarios (one undoable step called `text`, e.g. "Delete scenario 'X'")."""
        if list(scenarios) != list(self.project.scenarios):
            self.undo_stack.push(ListCommand(self, "scenarios", scenarios, text))

    def change_variants(self, variants: Sequence[Variant], text: str) -> None:
        """Replace the project's mitigation variants (one undoable step called `text`)."""
        if list(variants) != list(self.project.variants):
            self.undo_stack.push(ListCommand(self, "variants", variants, text))

    # ---- low level (commands only) ----------------------------------------------------------------------------

    def write_cells(self, cells: Sequence[tuple[str, int, str, Any]]) -> None:
        touched: dict[str, list[tuple[int, str]]] = {}
        for table, row, key, value in cells:
            frame = self.frame(table)
            # Column labels are unique, so get_loc gives a position (the stubs also allow a slice or a mask).
            frame.iat[row, cast(int, frame.columns.get_loc(key))] = value
            touched.setdefault(table, []).append((row, key))
        for table, changed in touched.items():
            model = self._model(table)
            if model is not None:
                model.cells_changed(changed)
        self.tables_changed.emit(frozenset(touched))

    def insert_rows(self, table: str, positions: Sequence[int], rows: pd.DataFrame) -> None:
        frame = self.frame(table)
        total = len(frame) + len(rows)
        is_new = np.zeros(total, dtype=bool)
        is_new[list(positions)] = True
        order = np.empty(total, dtype=np.int64)
        order[~is_new] = np.arange(len(frame))
        order[is_new] = len(frame) + np.arange(len(rows))
        combined = pd.concat([frame, rows[list(frame.columns)]], ignore_index=True)
        result = _conformed(table, combined.take(order).reset_index(drop=True))
        setattr(self.project.tables, table, result)
        model = self._model(table)
        if model is not None:
            appended = list(positions) == list(range(len(frame), total))
            model.rows_appended(result) if appended else model.set_rows(result)
        self.tables_changed.emit(frozenset({table}))

    def delete_rows(self, table: str, positions: Sequence[int]) -> pd.DataFrame:
        frame = self.frame(table)
        keep = np.ones(len(frame), dtype=bool)
        keep[list(positions)] = False
        removed = frame.iloc[list(positions)].reset_index(drop=True)
        result = frame[keep].reset_index(drop=True)
        setattr(self.project.tables, table, result)
        model = self._model(table)
        if model is not None:
            model.set_rows(result)
        self.tables_changed.emit(frozenset({table}))
        return removed

    def replace_tables(self, tables: ProjectTables, saved_mappings: dict[str, dict[str, Any]]) -> None:
        self.project.tables = tables
        self.project.saved_mappings = dict(saved_mappings)
        for table, model in self.models.items():
            model.set_rows(self.frame(table.value))
        self.tables_changed.emit(frozenset({"parts", "suppliers", "paths", "composition"}))

    def replace_settings(self, settings: ProjectSettings) -> None:
        self.project.settings = settings
        self.settings_changed.emit(settings)

    def replace_list(self, what: str, items: list[Any]) -> None:
        setattr(self.project, what, items)
        (self.scenarios_changed if what == "scenarios" else self.variants_changed).emit()

    def _model(self, table: str) -> DataFrameTableModel | None:
        try:
            return self.models[TableName(table)]
        except ValueError:
            return None


def _conformed(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    from riskdesk.core.domain import STORED_COLUMNS
    from riskdesk.core.project import conform

    return conform(frame, STORED_COLUMNS[table])


def _fresh_keys(prefix: str, taken: set[str], count: int) -> list[str]:
    keys: list[str] = []
    n = 1
    while len(keys) < count:
        candidate = f"{prefix}{n}"
        if candidate not in taken:
            keys.append(candidate)
        n += 1
    return keys


def _plain(value: Any) -> Any:
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return old == new or (math.isnan(old) and math.isnan(new))
    return bool(old == new)


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
