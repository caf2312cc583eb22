"""The open project: the project, its undo stack of change sets and its table models.

`Document` owns the `Project` being edited. Every edit goes through one of its public methods (`edit_cells`,
`add_rows`, `remove_rows`, `paste`, `apply_import`, `change_settings`, `change_scenarios`, `change_variants`): the
project's rules (`riskdesk.core.edit_rules`) turn it into a change set (`riskdesk.core.edits`) or refuse it, and the
change set is pushed on the undo stack as one command (`riskdesk.ui.commands`). Making a change set, or undoing
one, goes through `_apply`, which emits `changed`: the table models follow exactly what changed.

Where the project is kept (opening, saving, its revision and lease, recent projects) is the session's:
`riskdesk.ui.session`. Autosave and crash recovery are in `riskdesk.ui.autosave`, the scores kept up to date in
`riskdesk.ui.scoring`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from riskdesk.core import edit_rules
from riskdesk.core.edits import ChangeSet, EditRefused, WholeChange
from riskdesk.core.fields import ROW_ID
from riskdesk.core.labels import setting_label
from riskdesk.core.project import Project, ProjectSettings
from riskdesk.io.store import ProjectFileError
from riskdesk.io.userdirs import AppSettings
from riskdesk.ui.columns import COLUMNS, CellError, TableName, parse_cell
from riskdesk.ui.commands import ChangeSetCommand, changed_fields
from riskdesk.ui.monte_carlo_choice import MonteCarloChoice
from riskdesk.ui.table_models import DataFrameTableModel
from riskdesk.ui.workers import Runner, SynchronousRunner

if TYPE_CHECKING:
    from riskdesk.core.mitigations import Variant
    from riskdesk.core.scenarios import Scenario
    from riskdesk.io.import_session import ImportCheck

log = logging.getLogger(__name__)


class Document(QObject):
    """The open project (see the module docstring)."""

    tables_changed = Signal(object)
    """frozenset of the table names ("parts", "suppliers", "paths", "composition") that changed."""
    settings_changed = Signal(object)
    project_replaced = Signal()
    """A different project is open (new, open, recover): everything derived must be rebuilt."""
    dirty_changed = Signal(bool)
    refused = Signal(str)
    """An edit was refused; the message is for the status bar."""
    noticed = Signal(str)
    """An edit was applied but is worth a word (e.g. a part's shares now add up to less than 100 %)."""
    scenarios_changed = Signal()
    """The project's scenarios changed (added, edited, renamed, deleted, or an undo of one of those)."""
    variants_changed = Signal()
    """The project's mitigation variants changed."""
    declarations_changed = Signal()
    """The project's supplier declarations changed (a request sent, an answer read back, or an undo of one)."""
    changed = Signal(object, object)
    """A change set was made (ChangeSet, Applied), undo and redo included: the table models follow it."""
    read_only_changed = Signal(bool)
    """The project may, or may no longer, be changed here (`read_only_reason`)."""
    edited = Signal(object)
    """A change set the user made here (an edit, an undo or a redo of one): a workspace commits it. Not for
    colleagues' change sets shown with `apply_remote`."""

    def __init__(self, project: Project | None = None, app_settings: AppSettings | None = None,
                 runner: Runner | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project or Project()
        self.app_settings = app_settings or AppSettings()
        """RiskDesk's own settings this project is edited under (an import's row limit); the session keeps them."""
        self.runner: Runner = runner or SynchronousRunner()
        self.monte_carlo = MonteCarloChoice(self)
        """The Monte Carlo paths and seed chosen for this window: the Scenarios tab and the report dialog share it."""
        self.undo_stack = QUndoStack(self)
        self.revision = 0
        """Goes up with every change (undo and redo included); the autosaver compares it."""
        self.made = 0
        """Goes up with every change set made on the project (the user's, an undo or redo, a colleague's shown from
        a workspace) and every project shown: work done on a copy (an import checked in a worker) is still good
        while it stays the same."""
        self._forced_dirty = False
        self._was_dirty = False
        self.read_only_reason = ""
        """Why the project may not be changed here (a workspace's viewer), "" when it may: no edit is made then."""
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

    # ---- the project as a whole ---------------------------------------------------------------------------------

    def replace_project(self, project: Project, dirty: bool = False) -> None:
        """Show another project (new, opened, recovered: riskdesk.ui.session decides which). Clears undo history;
        `dirty`: the project is not kept anywhere as it is (recovered work)."""
        self.project = project
        self.made += 1
        self.undo_stack.clear()
        for table, model in self.models.items():
            model.set_rows(self.frame(table.value))
        self.revision += 1
        self._set_clean(forced_dirty=dirty)
        self.project_replaced.emit()

    def set_read_only(self, reason: str) -> None:
        """Whether the project may be changed here: with a `reason`, the tables are not editable and every edit is
        refused with it (before anything is made); "" lifts that."""
        if reason == self.read_only_reason:
            return
        self.read_only_reason = reason
        for model in self.models.values():
            model.set_read_only(reason)
        self.read_only_changed.emit(bool(reason))

    def mark_kept(self) -> None:
        """Every change is kept where the project is (a workspace that committed them all): clean."""
        self._set_clean()

    def clear_undo(self) -> None:
        """Forget the undo history (it no longer fits the project: others changed the rows it would undo)."""
        self.undo_stack.clear()
        self._set_clean(forced_dirty=self._forced_dirty)

    def saved(self, revision: int, index: int) -> None:
        """The project as it stood at edit `revision` (undo position `index`) has been kept: it is clean unless it
        changed since."""
        if self.revision == revision or (self.undo_stack.index() == index and not self._forced_dirty):
            self._set_clean()

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
        """Make `changes` as one undoable step (nothing happens for an empty change set, or when the project may
        not be changed here: then the reason is given as a refusal)."""
        if self.read_only_reason:
            self.refused.emit(f"Not changed: {self.read_only_reason}")
            return
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

    def apply_import(self, check: ImportCheck, text: str, prepared: ChangeSet | None = None) -> None:
        """Apply a checked import (riskdesk.io.import_session) as one undoable step called `text`: the rows and
        fields it changes and the column mappings it confirmed, as `ImportCheck.change_set` gives them (the CLI's
        import too). `prepared`: that change set made beforehand (in a worker) against the project as it is now.
        Raises ValueError if the check does not allow applying."""
        changes = dataclasses.replace(prepared, text=text) if prepared is not None else \
            check.change_set(self.project, text)
        self.apply_changes(changes)

    def change_settings(self, settings: ProjectSettings) -> None:
        fields = changed_fields(self.project.settings, settings)
        if fields:
            names = sorted(setting_label(name) for name in fields)
            text = f"Change {names[0]}" if len(names) == 1 else f"Change {len(names)} settings"
            self.apply_changes(ChangeSet(text, wholes=(WholeChange("settings", self.project.settings.copy(),
                                                                   settings.copy()),),
                                         source={"kind": "edit", "edit": "settings"}))

    def change_scenarios(self, scenarios: Sequence[Scenario], text: str) -> None:
        """Replace the project's scenarios (one undoable step called `text`, e.g. "Delete scenario 'X'")."""
        if list(scenarios) != list(self.project.scenarios):
            self.apply_changes(ChangeSet(text, wholes=(WholeChange("scenarios", list(self.project.scenarios),
                                                                   list(scenarios)),),
                                         source={"kind": "edit", "edit": "scenarios"}))

    def change_variants(self, variants: Sequence[Variant], text: str) -> None:
        """Replace the project's mitigation variants (one undoable step called `text`)."""
        if list(variants) != list(self.project.variants):
            self.apply_changes(ChangeSet(text, wholes=(WholeChange("variants", list(self.project.variants),
                                                                   list(variants)),),
                                         source={"kind": "edit", "edit": "variants"}))

    # ---- low level: a change set made (undo and redo included) ----------------------------------------------

    def apply_remote(self, changes: ChangeSet) -> None:
        """Show a change set made elsewhere (a colleague's commit in a workspace, or taking back one of ours while
        theirs are shown): the project and its views change, the undo stack and `edited` do not. Raises
        ChangeDoesNotFit (nothing changed) when it does not fit the project as it is."""
        self._make(changes)

    def _apply(self, changes: ChangeSet) -> None:
        """A change set of the undo stack (made, undone or redone): made, and announced as the user's own."""
        self._make(changes)
        self.edited.emit(changes)

    def _make(self, changes: ChangeSet) -> None:
        """Make `changes` on the project and tell whoever shows it: the table models follow what changed, then the
        signals say which tables, settings, scenarios or variants did."""
        applied = changes.apply_to(self.project)
        self.made += 1
        self.changed.emit(changes, applied)
        if applied.tables:
            self.tables_changed.emit(applied.tables)
        if "settings" in applied.wholes:
            self.settings_changed.emit(self.project.settings)
        if "scenarios" in applied.wholes:
            self.scenarios_changed.emit()
        if "variants" in applied.wholes:
            self.variants_changed.emit()
        if "declarations" in applied.wholes:
            self.declarations_changed.emit()


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
