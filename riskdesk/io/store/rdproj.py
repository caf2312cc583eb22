"""The `.rdproj` backend of the project store: one project in one SQLite file, behind the `ProjectStore` protocol.

`RdprojStore` puts today's file code behind the seam without changing what it does: `riskdesk.io.store.schema`
(the layout, the quick row reader), `riskdesk.io.store.project_file` (atomic save, revision check, migrations,
leftovers, the history table) and `riskdesk.io.store.lock` (one writer: the lock beside the file). Its revision's
token is the file's save id, size and time (`project_file.FileState`); its lease is the `ProjectLock`.

A commit is a read, the change set applied in memory, and a save expecting the revision that was read: the save's
own check under the lock on the replaced file makes the three one step, so a commit racing another save is refused
whole. A commit made against an older revision is made on top of the commits the file's history holds since, as a
workspace does (`riskdesk.io.store.merge`): refused whole with StoreConflictError when it changes a field, row or
whole they changed, and with StoreChangedError when the file was saved as a whole since. The change set goes into
the file's history (`changes_since`).

This module needs neither numpy nor pandas until a project is read or saved (the first window previews rows with
it). Besides the store, it is the file backend's public face for what only files have: `SUFFIX`, the header that
recognises a project by its content, the sweep of an autosave folder.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskdesk.io.store.base import (
    CommittedChange,
    Expected,
    ProjectRows,
    Revision,
    StoreChangedError,
    StoreError,
    read_whole,
)
from riskdesk.io.store.merge import changes_on_top
from riskdesk.io.store.schema import APPLICATION_ID, SQLITE_HEADER, SUFFIX, read_rows

if TYPE_CHECKING:
    from riskdesk.core.edits import ChangeSet
    from riskdesk.core.project import Project
    from riskdesk.io.store.lock import ProjectLock
    from riskdesk.io.store.project_file import FileState, HistoryEntry

__all__ = ["APPLICATION_ID", "SQLITE_HEADER", "SUFFIX", "RdprojStore", "revision_from_json", "sweep_folder"]


class RdprojStore:
    """A project kept in one `.rdproj` file (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)

    def __repr__(self) -> str:
        return f"RdprojStore({str(self._path)!r})"

    @property
    def location(self) -> str:
        return str(self._path)

    @property
    def name(self) -> str:
        return self._path.name

    @property
    def project_name(self) -> str:
        return self._path.stem

    @property
    def path(self) -> Path:
        return self._path

    def exists(self) -> bool:
        return self._path.exists()

    def read(self) -> tuple[Project, Revision]:
        from riskdesk.io.store.project_file import read_project

        project, state = read_project(self._path)
        return project, state.as_revision()

    def revision(self) -> Revision | None:
        from riskdesk.io.store.project_file import file_state

        state = file_state(self._path)
        return state.as_revision() if state is not None else None

    def save(self, project: Project, expected: Expected, *, text: str = "",
             changes: ChangeSet | Sequence[ChangeSet] | None = None) -> Revision:
        from riskdesk.io.store.project_file import save_project

        if isinstance(changes, list | tuple):
            changes = self._made_by(project, expected, changes)
        return save_project(project, self._path, expected=expected, text=text, change=changes).as_revision()

    def _made_by(self, project: Project, expected: Expected, changes: Sequence[ChangeSet]
                 ) -> tuple[ChangeSet, ...] | None:
        """`changes` when they make `project` from the revision `expected` kept here (so that the history may hold
        them in place of a whole save), else None: the history then says "saved as a whole", never what is not
        so."""
        from riskdesk.io.store.project_file import read_project

        if not changes or not isinstance(expected, Revision):
            return None
        try:
            before, state = read_project(self._path)
            if not state.as_revision().same_as(expected):
                return None  # the save refuses
            for change in changes:
                change.apply_to(before)
        except (StoreError, KeyError, IndexError, ValueError, TypeError):
            return None
        return tuple(changes) if _same_project(before, project) else None

    def commit(self, changes: ChangeSet, expected: Revision) -> Revision:
        from riskdesk.io.store.project_file import read_project, save_project

        project, state = read_project(self._path)
        if not state.as_revision().same_as(expected):
            changes = self._on_top(changes, project, state, expected)
        try:
            changes.apply_to(project)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise StoreError(f"{self.location}: {changes.text!r} cannot be made on the project as it is kept ({exc}); "
                             "nothing was changed") from None
        return save_project(project, self._path, expected=state, change=changes).as_revision()

    def _on_top(self, changes: ChangeSet, project: Project, state: FileState, expected: Revision) -> ChangeSet:
        """`changes`, made on the revision `expected`, made on top of the commits kept since (`project` at `state`),
        its rows put in and taken out where they are now: StoreConflictError when it changes what those commits
        changed (`ProjectStore.commit`), StoreChangedError when the file was saved as a whole since, or is not the
        one `expected` was read from."""
        from riskdesk.io.store.project_file import FileState, read_history

        now = state.as_revision()
        entries, read_at = read_history(self._path, max(expected.number - 1, 0))
        if not read_at.same_file(state):  # saved again meanwhile: the save below refuses too
            raise StoreChangedError(self.location, read_at.as_revision())
        numbers = [entry.revision for entry in entries]
        lineage = (0 < expected.number < now.number and numbers == list(range(expected.number, now.number + 1))
                   and entries[0].save_id == FileState.from_revision(expected).save_id
                   and entries[-1].save_id == state.save_id)
        if not lineage or any(entry.change is None for entry in entries[1:]):
            raise StoreChangedError(self.location, now)
        theirs = [self._committed(entry) for entry in entries[1:]]
        return changes_on_top(changes, project, theirs, self.location, now)

    def changes_since(self, revision: Revision) -> list[CommittedChange]:
        from riskdesk.io.store.project_file import read_history

        entries, state = read_history(self._path, revision.number)
        now = state.as_revision()
        if now.same_as(revision):
            return []
        whole = (not entries or [e.revision for e in entries] != list(range(revision.number + 1, now.number + 1))
                 or entries[-1].save_id != state.save_id)
        if whole:  # a history that does not reach back to `revision` (an older file, or another file put here)
            return [CommittedChange(now, "Changed by another program: read the project again")]
        changes = [self._committed(entry) for entry in entries]
        return [*changes[:-1], CommittedChange(now, changes[-1].text, changes[-1].changes)]

    def _committed(self, entry: HistoryEntry) -> CommittedChange:
        revision = Revision(entry.revision, entry.saved_by, entry.saved_at)
        if entry.change is None:
            return CommittedChange(revision, entry.text)
        from riskdesk.core.edits import ChangeSet

        try:
            changes = ChangeSet.from_json(json.loads(entry.change), read_whole)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise StoreError(f"{self.location} is damaged: the change of revision {entry.revision} in its history "
                             f"cannot be read ({str(exc)[:120]}). Open a backup or the autosave") from None
        return CommittedChange(revision, entry.text, changes)

    def lease(self, wait_s: float = 0.0, without_lock_ok: bool = False) -> ProjectLock:
        from riskdesk.io.store.lock import ProjectLock

        return ProjectLock(self._path).acquire(wait_s, without_lock_ok=without_lock_ok)

    def preview_rows(self, max_rows: int | None = None) -> ProjectRows:
        return read_rows(self._path, max_rows)


def _same_project(a: Project, b: Project) -> bool:
    """Whether two projects hold the same (tables cell by cell, with their types; everything else as JSON)."""
    from riskdesk.core.edits import WHOLES, whole_json

    return (all(getattr(a.tables, t).equals(getattr(b.tables, t)) for t in ("parts", "suppliers", "paths",
                                                                            "composition"))
            and all(whole_json(n, getattr(a, n)) == whole_json(n, getattr(b, n)) for n in WHOLES)
            and a.created == b.created)


def revision_from_json(data: object) -> Revision | None:
    """A revision as `Revision.to_json` wrote it, or as autosaves made before the store recorded a file's state
    (the fields of `project_file.FileState`); None when `data` is neither."""
    revision = Revision.from_json(data)
    if revision is not None or not isinstance(data, dict):
        return revision
    from riskdesk.io.store.project_file import FileState

    fields: dict[str, Any] = data
    try:
        return FileState(**fields).as_revision()
    except TypeError:
        return None


def sweep_folder(folder: Path) -> list[Path]:
    """Delete the temporary files interrupted saves left in `folder` (e.g. the autosave folder); returns them."""
    from riskdesk.io.store.project_file import sweep_folder as sweep

    return sweep(folder)
