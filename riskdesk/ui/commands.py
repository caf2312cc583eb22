"""Undoable edits: every change to an open project is one change set (riskdesk.core.edits) on the document's
QUndoStack, made by the one command here.

The command holds the change set and the function that makes one (the document's `_apply`): redo makes it, undo
makes its inverse. Change sets are built, and refused, before they are pushed (riskdesk.core.edit_rules), so a
command never has to refuse. Consecutive changes of the same settings (a slider drag) merge into one step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from riskdesk.core.edits import ChangeSet, WholeChange
from riskdesk.core.project import ProjectSettings


class ChangeSetCommand(QUndoCommand):
    """One change set as one undoable step."""

    ID = 0x5253

    def __init__(self, changes: ChangeSet, apply: Callable[[ChangeSet], None],
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(changes.text, parent)
        self.changes = changes
        self._inverse: ChangeSet | None = None
        """What undoes it, made at the first undo (a large import's is not built while the window waits)."""
        self._apply = apply
        self._made = False

    def redo(self) -> None:
        """Make the change set: the first time as it is, again after an undo as a redo (so the history says so)."""
        if self._made:
            self._apply(dataclasses.replace(self.changes, text=f"Redo {self.changes.text}",
                                            source={**self.changes.source, "kind": "redo"}))
        else:
            self._made = True
            self._apply(self.changes)

    def undo(self) -> None:
        if self._inverse is None:
            self._inverse = _undoing(self.changes)
        self._apply(self._inverse)

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        """A settings change right after a change of the same settings (a slider drag) joins it."""
        mine, theirs = _settings_change(self.changes), (_settings_change(other.changes)
                                                        if isinstance(other, ChangeSetCommand) else None)
        if mine is None or theirs is None or (changed_fields(mine.old, mine.new)
                                              != changed_fields(theirs.old, theirs.new)):
            return False
        self.changes = dataclasses.replace(self.changes, wholes=(WholeChange("settings", mine.old, theirs.new),))
        self._inverse = None
        return True


def _undoing(changes: ChangeSet) -> ChangeSet:
    """The change set that undoes `changes`, named so in a workspace's history ("Undo Edit Stock cover in Parts",
    source kind "undo")."""
    return changes.inverted(f"Undo {changes.text}")


def _settings_change(changes: ChangeSet) -> WholeChange | None:
    """The settings change a change set is made of, when it is nothing else."""
    if changes.inserts or changes.cells or changes.removes or len(changes.wholes) != 1:
        return None
    whole = changes.wholes[0]
    return whole if whole.name == "settings" else None


def changed_fields(before: ProjectSettings, after: ProjectSettings) -> frozenset[str]:
    """Names of the settings that differ ("weights.restriction" for one weight)."""
    changed = {f.name for f in dataclasses.fields(ProjectSettings)
               if f.name != "weights" and getattr(before, f.name) != getattr(after, f.name)}
    changed |= {f"weights.{k}" for k in set(before.weights) | set(after.weights)
                if before.weights.get(k) != after.weights.get(k)}
    return frozenset(changed)
