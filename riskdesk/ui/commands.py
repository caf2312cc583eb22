"""Undoable edits: every change to an open project is one of these commands on the document's QUndoStack.

Commands hold only what they need to redo and undo (old and new values, removed rows, whole tables for an
import) and change the project through the document's low-level methods, which keep the table models in step.
They are built by the document (`Document.edit_cells`, `add_rows`, `remove_rows`, `paste`, `apply_import`,
`change_settings`, `change_scenarios`, `change_variants`), which validates first: a command never has to refuse.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from riskdesk.core.labels import setting_label
from riskdesk.core.project import ProjectSettings, ProjectTables

if TYPE_CHECKING:
    import pandas as pd

    from riskdesk.ui.document import Document


@dataclass(frozen=True, slots=True)
class CellChange:
    """One cell of one table (composition included) going from `old` to `new`."""

    table: str
    row: int
    """Position in the DataFrame."""
    key: str
    old: Any
    new: Any


class SetCellsCommand(QUndoCommand):
    """Set cells, in one or several tables (a renamed part number also renames its supply paths)."""

    def __init__(self, document: Document, changes: Sequence[CellChange], text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self._document = document
        self.changes = list(changes)

    def redo(self) -> None:
        self._document.write_cells([(c.table, c.row, c.key, c.new) for c in self.changes])

    def undo(self) -> None:
        self._document.write_cells([(c.table, c.row, c.key, c.old) for c in reversed(self.changes)])


class InsertRowsCommand(QUndoCommand):
    """Insert rows so that they end up at `positions` (sorted) of the table."""

    def __init__(self, document: Document, table: str, positions: Sequence[int], rows: pd.DataFrame, text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self._document = document
        self._table = table
        self._positions = list(positions)
        self._rows = rows.reset_index(drop=True)

    def redo(self) -> None:
        self._document.insert_rows(self._table, self._positions, self._rows)

    def undo(self) -> None:
        self._document.delete_rows(self._table, self._positions)


class RemoveRowsCommand(QUndoCommand):
    """Remove the rows at `positions`; undo puts them back where they were."""

    def __init__(self, document: Document, table: str, positions: Sequence[int], text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self._document = document
        self._table = table
        self._positions = sorted(set(positions))
        self._removed: pd.DataFrame | None = None

    def redo(self) -> None:
        self._removed = self._document.delete_rows(self._table, self._positions)

    def undo(self) -> None:
        assert self._removed is not None
        self._document.insert_rows(self._table, self._positions, self._removed)


class ReplaceTablesCommand(QUndoCommand):
    """Swap all tables (and the saved import mappings) at once: an import, applied completely or not at all."""

    def __init__(self, document: Document, tables: ProjectTables, saved_mappings: dict[str, dict[str, Any]],
                 text: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self._document = document
        self._before = (document.project.tables, dict(document.project.saved_mappings))
        self._after = (tables, dict(saved_mappings))

    def redo(self) -> None:
        self._document.replace_tables(*self._after)

    def undo(self) -> None:
        self._document.replace_tables(*self._before)


class SettingsCommand(QUndoCommand):
    """Change the project settings. Consecutive changes of the same setting (a slider drag) merge into one."""

    ID = 0x5253

    def __init__(self, document: Document, settings: ProjectSettings, parent: QUndoCommand | None = None) -> None:
        self._document = document
        self._before = copy_settings(document.project.settings)
        self._after = copy_settings(settings)
        self.fields = changed_fields(self._before, self._after)
        names = sorted(setting_label(name) for name in self.fields)
        text = f"Change {names[0]}" if len(names) == 1 else f"Change {len(names)} settings" if names else "Settings"
        super().__init__(text, parent)

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SettingsCommand) or other.fields != self.fields:
            return False
        self._after = other._after
        return True

    def redo(self) -> None:
        self._document.replace_settings(copy_settings(self._after))

    def undo(self) -> None:
        self._document.replace_settings(copy_settings(self._before))


class ListCommand(QUndoCommand):
    """Replace the project's scenarios or its mitigation variants (`what`: "scenarios" or "variants") with a new
    list: add, edit, rename, duplicate, delete and reorder are all this one command, with its own text."""

    def __init__(self, document: Document, what: str, items: Sequence[Any], text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self._document = document
        self._what = what
        self._before = list(getattr(document.project, what))
        self._after = list(items)

    def redo(self) -> None:
        self._document.replace_list(self._what, list(self._after))

    def undo(self) -> None:
        self._document.replace_list(self._what, list(self._before))


def copy_settings(settings: ProjectSettings) -> ProjectSettings:
    return dataclasses.replace(settings, weights=dict(settings.weights))


def changed_fields(before: ProjectSettings, after: ProjectSettings) -> frozenset[str]:
    """Names of the settings that differ ("weights.restriction" for one weight)."""
    changed = {f.name for f in dataclasses.fields(ProjectSettings)
               if f.name != "weights" and getattr(before, f.name) != getattr(after, f.name)}
    changed |= {f"weights.{k}" for k in set(before.weights) | set(after.weights)
                if before.weights.get(k) != after.weights.get(k)}
    return frozenset(changed)


class MacroCommand(QUndoCommand):
    """Several commands run as one step (paste = add rows + set cells), undone in reverse order.

    The steps are held here in Python, not as Qt child commands: a Qt child whose Python wrapper is collected
    would leave the parent with a dangling pointer."""

    def __init__(self, text: str, steps: Sequence[QUndoCommand] = ()) -> None:
        super().__init__(text)
        self.steps: list[QUndoCommand] = list(steps)

    def add(self, step: QUndoCommand) -> None:
        self.steps.append(step)

    def redo(self) -> None:
        for step in self.steps:
            step.redo()

    def undo(self) -> None:
        for step in reversed(self.steps):
            step.undo()
