"""The open project: its file, its undo stack, its table models, autosave and crash recovery, and its scores.

`Document` owns the `Project` being edited. Every edit goes through one of its public methods (`edit_cells`,
`add_rows`, `remove_rows`, `paste`, `apply_import`, `change_settings`), which validates and pushes an undoable
command (`riskdesk.ui.commands`); the commands call the low-level methods (`write_cells`, `insert_rows`,
`delete_rows`, `replace_tables`, `replace_settings`), which change the DataFrames and tell the table models
exactly what changed.

`Autosaver` writes a copy of an edited project to the user folder every few minutes (off the GUI thread), in
this process's own slot (`AutosaveSession`: several RiskDesk windows may run at once, each with its own). A slot
is guarded by a lock file held while its process runs; on a clean exit the slot is emptied. An autosave whose
lock is free at start-up was left by a session that crashed, and recovery is offered.

`Scoring` re-evaluates the project after each edit or date change: inline for small projects, in the background
for large ones, dropping results that a newer request has overtaken.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from PySide6.QtCore import QLockFile, QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from riskdesk.core.project import Project, ProjectSettings, ProjectTables, share_problem
from riskdesk.io.project_file import SUFFIX, ProjectFileError, load_project, save_project
from riskdesk.io.userdirs import AppSettings, UserDirs, save_app_settings
from riskdesk.ui.columns import COLUMNS, CellError, EditRefused, Kind, TableName, parse_cell
from riskdesk.ui.commands import (
    CellChange,
    InsertRowsCommand,
    MacroCommand,
    RemoveRowsCommand,
    ReplaceTablesCommand,
    SetCellsCommand,
    SettingsCommand,
    changed_fields,
    copy_settings,
)
from riskdesk.ui.table_models import DataFrameTableModel
from riskdesk.ui.workers import Cancelled, Runner, SynchronousRunner, TaskContext, TaskHandle

if TYPE_CHECKING:
    from riskdesk.core.evaluation import CompiledProject, Evaluation

log = logging.getLogger(__name__)

BACKGROUND_PATHS = 5_000
"""Projects with more supply paths than this are scored and saved off the GUI thread."""
BACKGROUND_DELAY_MS = 60
"""Background scoring starts this long after the last change: a burst of edits is scored once, and the window
repaints before a worker competes with it for the interpreter."""


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

    def replace_project(self, project: Project, path: Path | None, dirty: bool = False) -> None:
        """Show another project (new, opened, recovered). Clears undo history."""
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

    def open(self, path: Path) -> None:
        """Open a project file now (raises ProjectFileError with a message for the user)."""
        path = Path(path)
        self.adopt_opened(load_project(path), path)

    def adopt_opened(self, project: Project, path: Path) -> None:
        """Show a project that was read from `path` (e.g. by a worker) and add the file to the recent files."""
        self.replace_project(project, path)
        self._remember(path)

    def open_async(self, path: Path, on_done: Callable[[str | None], None]) -> TaskHandle:
        """Open a project file off the GUI thread; `on_done(None)` on success, else with the error message."""
        path = Path(path)

        def opened(project: Project) -> None:
            self.adopt_opened(project, path)
            on_done(None)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ProjectFileError) and not path.exists():
                self.app_settings.remove_recent(path)
                self._save_app_settings()
            on_done(_message(exc))

        return self.runner.start(lambda _task: load_project(path), opened, failed, None)

    def save(self, path: Path | None = None, on_done: Callable[[str | None], None] | None = None) -> None:
        """Save to `path` (default: the current file) off the GUI thread for large projects.

        `on_done(None)` once saved, or with the error message; the document is clean only if nothing changed
        while it was being written."""
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("no file name: use save_as")
        if target.suffix.lower() != SUFFIX:
            target = target.with_name(target.name + SUFFIX)
        copy = snapshot(self.project)
        index = self.undo_stack.index()
        revision = self.revision
        self.busy_saving = True

        def saved(_result: object) -> None:
            self.busy_saving = False
            self._set_path(target)
            if self.revision == revision or (self.undo_stack.index() == index and not self._forced_dirty):
                self._set_clean()
            self._remember(target)
            if on_done:
                on_done(None)

        def failed(exc: BaseException) -> None:
            self.busy_saving = False
            log.warning("saving %s failed: %s", target, exc)
            if on_done:
                on_done(_message(exc))

        self.runner.start(lambda _task: save_project(copy, target), saved, failed, None)

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
                    f"{int(used.sum())} supply path(s). Remove or reassign those paths first")
        if table is not TableName.PARTS:
            self.undo_stack.push(RemoveRowsCommand(self, table.value, positions, f"Remove {noun}"))
            return
        numbers = set(frame["part_number"].iloc[positions])
        paths = np.flatnonzero(self.frame("paths")["part_number"].isin(numbers).to_numpy())
        composition = np.flatnonzero(self.frame("composition")["part_number"].isin(numbers).to_numpy())
        text = f"Remove {noun}" + (f" and {len(paths)} supply path(s)" if len(paths) else "")
        parent = MacroCommand(text)
        if len(paths):
            parent.add(RemoveRowsCommand(self, "paths", paths.tolist(), ""))
        if len(composition):
            parent.add(RemoveRowsCommand(self, "composition", composition.tolist(), ""))
        parent.add(RemoveRowsCommand(self, "parts", positions, ""))
        self.undo_stack.push(parent)

    def paste(self, table: TableName, cells: Sequence[tuple[int, str, str]]) -> int:
        """Paste text into cells; rows at or past the end are added. All cells are checked first: any bad value
        refuses the whole paste (EditRefused listing the problems) and nothing changes. Returns cells set."""
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
            raise EditRefused("Nothing was pasted: " + "; ".join(problems[:3]) + more)
        parent = MacroCommand(f"Paste {len(typed)} cell(s) into {table.title}")
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

    def _model(self, table: str) -> DataFrameTableModel | None:
        try:
            return self.models[TableName(table)]
        except ValueError:
            return None


def _conformed(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    from riskdesk.core.domain import COMPOSITION_COLUMNS, PART_COLUMNS, PATH_COLUMNS, SUPPLIER_COLUMNS
    from riskdesk.core.project import conform

    columns = {"parts": PART_COLUMNS, "suppliers": SUPPLIER_COLUMNS, "paths": PATH_COLUMNS,
               "composition": COMPOSITION_COLUMNS}[table]
    return conform(frame, columns)


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


def _message(exc: BaseException) -> str:
    if isinstance(exc, ProjectFileError | EditRefused):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}".strip(": ")
    return f"{type(exc).__name__}: {exc}"


def _country_name(code: str) -> str:
    from riskdesk.core.countries import default_countries

    return str(default_countries().name(code))


# ---- autosave and recovery -----------------------------------------------------------------------------------


class AutosaveSession:
    """This process's autosave slot in the user folder: SESSION.rdproj (the copy) and SESSION.json (what it is),
    guarded by SESSION.lock, a QLockFile held while the process runs (so other RiskDesk processes leave it be)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.id = f"session-{os.getpid()}-{int(time.time() * 1000)}"
        self._lock = _session_lock(self.lock_path(folder, self.id))
        if not self._lock.tryLock(0):
            log.warning("cannot lock the autosave slot %s: a crash would not be noticed", self.id)

    @staticmethod
    def lock_path(folder: Path, session: str) -> Path:
        return folder / f"{session}.lock"

    @property
    def project_path(self) -> Path:
        return self.folder / f"{self.id}{SUFFIX}"

    @property
    def info_path(self) -> Path:
        return self.folder / f"{self.id}.json"

    def discard(self) -> None:
        """Delete the autosave (the project was saved, or the user closed it without saving)."""
        _delete(self.project_path, self.info_path)

    def end(self) -> None:
        """A clean exit: nothing to recover from this session."""
        self.discard()
        self.abandon()
        _delete(self.lock_path(self.folder, self.id))

    def abandon(self) -> None:
        """Let go of the slot and leave its files, as a crash does (tests simulate crashes with this)."""
        self._lock.unlock()
        if _sessions.get(self.folder) is self:
            del _sessions[self.folder]


_sessions: dict[Path, AutosaveSession] = {}


def _session_lock(path: Path) -> QLockFile:
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # stale only once its process is gone, however long it runs
    return lock


def _delete(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def session_for(dirs: UserDirs) -> AutosaveSession:
    """This process's autosave slot in `dirs` (taken on first use)."""
    session = _sessions.get(dirs.autosave)
    if session is None:
        session = _sessions[dirs.autosave] = AutosaveSession(dirs.autosave)
    return session


@dataclass(frozen=True, slots=True)
class RecoveryInfo:
    """An autosave left by a session that did not exit cleanly."""

    autosave: Path
    original_path: Path | None
    name: str
    saved_at: str

    @property
    def info_path(self) -> Path:
        return self.autosave.with_suffix(".json")

    def describe(self) -> str:
        where = f"of {self.original_path}" if self.original_path else "of an unsaved project"
        return f"RiskDesk did not close properly. An autosave {where} ({self.name}) from {self.saved_at} was found."


def find_recovery(dirs: UserDirs) -> RecoveryInfo | None:
    """The newest autosave left by a session that is no longer running (another RiskDesk still running keeps
    its own), or None."""
    own = _sessions.get(dirs.autosave)
    found: list[RecoveryInfo] = []
    for autosave in sorted(dirs.autosave.glob(f"*{SUFFIX}")) if dirs.autosave.is_dir() else []:
        session = autosave.stem
        if (own is not None and session == own.id) or _is_running(dirs.autosave, session):
            continue
        try:
            info = json.loads(autosave.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
        original = info.get("original_path")
        saved_at = str(info.get("saved_at", "")) or dt.datetime.fromtimestamp(autosave.stat().st_mtime).isoformat(
            timespec="seconds")
        found.append(RecoveryInfo(autosave, Path(original) if original else None, str(info.get("name", "")),
                                  saved_at))
    for lock in dirs.autosave.glob("*.lock") if dirs.autosave.is_dir() else []:
        if not lock.with_suffix(SUFFIX).exists() and (own is None or lock.stem != own.id):
            _is_running(dirs.autosave, lock.stem)  # removes the lock files crashed sessions left
    return max(found, key=lambda info: info.saved_at) if found else None


def _is_running(folder: Path, session: str) -> bool:
    """Whether the session that owns this slot still runs (its lock is held)."""
    path = AutosaveSession.lock_path(folder, session)
    if not path.exists():
        return False
    lock = _session_lock(path)
    if not lock.tryLock(0):
        return True
    lock.unlock()  # it was stale: the process is gone
    _delete(path)
    return False


def mark_session_started(dirs: UserDirs) -> None:
    """Take this process's autosave slot: from now until a clean exit, its autosave means a crash."""
    session_for(dirs)


def mark_clean_exit(dirs: UserDirs) -> None:
    session = _sessions.get(dirs.autosave)
    if session is not None:
        session.end()


def discard_autosave(dirs: UserDirs, info: RecoveryInfo | None = None) -> None:
    """Delete a crashed session's autosave (`info`), or this process's own."""
    if info is None:
        session_for(dirs).discard()
    else:
        _delete(info.autosave, info.info_path)


def recover(document: Document, info: RecoveryInfo) -> None:
    """Open the autosave in `document`, named after its original file, marked unsaved, and move it into this
    session's slot (so that it is still there if this session crashes too). Raises ProjectFileError."""
    project = load_project(info.autosave)
    document.replace_project(project, info.original_path, dirty=True)
    if document.dirs is not None:
        own = session_for(document.dirs)
        with contextlib.suppress(OSError):
            os.replace(info.autosave, own.project_path)
            if info.info_path.exists():
                os.replace(info.info_path, own.info_path)


class Autosaver(QObject):
    """Saves a copy of an edited project to the user folder every `interval_s` seconds (off the GUI thread)."""

    saved = Signal(object)
    """Path of the autosave, after each successful write."""

    def __init__(self, document: Document, dirs: UserDirs, interval_s: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._dirs = dirs
        self._saved_revision = -1
        self._writing = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.autosave_now)
        self.set_interval(interval_s)
        document.dirty_changed.connect(self._on_dirty_changed)

    @property
    def path(self) -> Path:
        return session_for(self._dirs).project_path

    def set_interval(self, seconds: int) -> None:
        self._timer.stop()
        if seconds > 0:
            self._timer.start(seconds * 1000)

    def _on_dirty_changed(self, dirty: bool) -> None:
        if not dirty:
            session_for(self._dirs).discard()
            self._saved_revision = self._document.revision

    def autosave_now(self) -> None:
        """Write the autosave if the project changed since the last one."""
        document = self._document
        if not document.is_dirty or document.revision == self._saved_revision or self._writing:
            return
        copy = snapshot(document.project)
        revision = document.revision
        info = {
            "original_path": str(document.path) if document.path else "",
            "name": document.project.settings.name,
            "saved_at": dt.datetime.now().isoformat(timespec="seconds"),
        }
        session = session_for(self._dirs)
        target, info_path = session.project_path, session.info_path
        self._writing = True

        def write(_task: TaskContext) -> Path:
            target.parent.mkdir(parents=True, exist_ok=True)
            save_project(copy, target)
            info_path.write_text(json.dumps(info), encoding="utf-8")
            return target

        def done(path: Path) -> None:
            self._writing = False
            self._saved_revision = revision
            self.saved.emit(path)

        def failed(exc: BaseException) -> None:
            self._writing = False
            log.warning("autosave failed: %s", exc)

        document.runner.start(write, done, failed, None)


# ---- scoring --------------------------------------------------------------------------------------------------


class Scoring(QObject):
    """Keeps an evaluation of the document as of a date up to date (see the module docstring)."""

    evaluated = Signal(object)
    """The new Evaluation."""
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, document: Document, as_of: dt.date | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self.as_of = as_of or dt.date.today()
        self.evaluation: Evaluation | None = None
        self._compiled: CompiledProject | None = None
        self._generation = 0
        self._handle: TaskHandle | None = None
        self._pending: Callable[[], None] | None = None
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(BACKGROUND_DELAY_MS)
        self._delay.timeout.connect(self._start_pending)
        document.tables_changed.connect(self._on_tables_changed)
        document.project_replaced.connect(self._on_tables_changed)
        document.settings_changed.connect(lambda _settings: self.refresh())

    def _on_tables_changed(self, *_args: object) -> None:
        self._compiled = None
        self.refresh()

    def set_as_of(self, day: dt.date) -> None:
        if day != self.as_of:
            self.as_of = day
            self.refresh()

    @property
    def busy(self) -> bool:
        return self._delay.isActive() or (self._handle is not None and self._handle.running)

    def _start_pending(self) -> None:
        start, self._pending = self._pending, None
        if start is not None:
            start()

    def refresh(self) -> None:
        """Score again now (inline when small, else in the background; an older run's result is dropped)."""
        self._generation += 1
        generation = self._generation
        project = self._document.project
        as_of = self.as_of
        settings = copy_settings(project.settings)
        compiled = self._compiled
        large = len(project.tables.paths) > BACKGROUND_PATHS
        source = snapshot(project) if compiled is None and large else project
        if self._handle is not None and self._handle.running:
            self._handle.cancel()

        def work(task: TaskContext) -> tuple[CompiledProject, Evaluation]:
            from riskdesk.core.evaluation import compile_project, evaluate

            done = compiled or compile_project(source)
            task.check()
            return done, evaluate(done, as_of, settings)

        def finished(result: tuple[CompiledProject, Evaluation]) -> None:
            if generation != self._generation:
                return
            self._compiled, self.evaluation = result
            self._handle = None
            self.busy_changed.emit(False)
            self.evaluated.emit(self.evaluation)

        def failed(exc: BaseException) -> None:
            if generation != self._generation or isinstance(exc, Cancelled):
                return
            self._handle = None
            self.busy_changed.emit(False)
            log.exception("scoring failed", exc_info=exc)
            self.failed.emit(_message(exc))

        if large:
            self.busy_changed.emit(True)

            def start() -> None:
                self._handle = self._document.runner.start(work, finished, failed, None)

            self._pending = start
            self._delay.start()
        else:
            self._delay.stop()
            self._pending = None
            self._handle = SynchronousRunner().start(work, finished, failed, None)

    def evaluate_on(self, day: dt.date, on_done: Callable[[Evaluation], None],
                    on_error: Callable[[str], None]) -> TaskHandle:
        """Another evaluation of the same project on `day` (for "compare with date"), off the GUI thread when
        the project is large."""
        project = self._document.project
        settings = copy_settings(project.settings)
        compiled = self._compiled
        large = len(project.tables.paths) > BACKGROUND_PATHS
        source = snapshot(project) if compiled is None and large else project

        def work(_task: TaskContext) -> Evaluation:
            from riskdesk.core.evaluation import compile_project, evaluate

            return evaluate(compiled or compile_project(source), day, settings)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, Cancelled):
                on_error(_message(exc))

        runner = self._document.runner if large else SynchronousRunner()
        return runner.start(work, on_done, failed, None)
