"""What a project file's history records when the window saves it: the change sets made since the last save (an
import with each file's name and SHA-256, a cell edit, an undo …), each an entry of its own, as a workspace keeps
them, rather than one "saved as a whole". The store checks that they do make the project saved from the revision
the file was at (`riskdesk.io.store.rdproj`), and records a whole save otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from riskdesk.core.edits import ChangeSet

if TYPE_CHECKING:
    from riskdesk.ui.document import Document


def edits_since_save(document: Document) -> list[ChangeSet]:
    """The change sets that took the document from where it was last kept (the undo stack's clean index) to where
    it is now, in order: those made since, or the undoing of those undone since. [] when the undo stack cannot say
    (its clean state is gone, or a step is not a change set)."""
    stack = document.undo_stack
    clean, index = stack.cleanIndex(), stack.index()
    if clean < 0:
        return []
    made: list[ChangeSet] = []
    steps = range(clean, index) if index >= clean else reversed(range(index, clean))
    for step in steps:
        changes = getattr(stack.command(step), "changes", None)
        if not isinstance(changes, ChangeSet):
            return []
        made.append(changes if index >= clean else changes.inverted(f"Undo {changes.text}"))
    return made
