"""The window on a team workspace (docs/workspace.md): every edit committed as it is made, colleagues' commits shown
as they come, conflicts resolved by the buyer, and nothing lost while the server is away.

`open_workspace_store(location)` reads a workspace off the GUI thread (the project, its revision, who this is and
whether they may change it). `WorkspaceLink` then keeps the open document and the workspace in step:

- every change set the buyer makes (an edit, an undo, a redo: `Document.edited`) joins `local`, the change sets
  shown here beyond the workspace revision the document reflects, and is committed in order, one at a time,
  against that revision (off the GUI thread);
- a listener (`riskdesk.io.store.postgres.WorkspaceListener`: LISTEN on its own connection) says when anyone
  commits; the link then reads `changes_since` and shows them: its own unsent change sets are taken back, the
  workspace's change sets made in order (its own included, as the workspace kept them), and the unsent ones made
  again on top (`Document.apply_remote`: not on the undo stack). The status bar says who changed what;
- a commit refused because someone changed the same rows first (`StoreConflictError`) is shown with both values
  (`Dialogs.ask_conflict`): keep theirs (the change set is dropped, theirs is shown) or keep mine (made again on
  the workspace as it is now, and committed on the new revision);
- when the server cannot be reached the link is offline: unsent change sets stay in `local` and in an outbox file
  in the autosave folder, and are sent (or shown as conflicts) when the connection returns;
- a viewer's window is read-only: an edit is taken back at once and the reason said.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from riskdesk.core.edits import ChangeSet, RowRemove, WholeChange, row_positions, row_values
from riskdesk.io.store import CommittedChange, Revision, StoreConflictError, StoreError, open_store, read_whole
from riskdesk.ui.dialogs import Dialogs

if TYPE_CHECKING:
    from riskdesk.core.project import Project
    from riskdesk.io.store import ProjectStore
    from riskdesk.ui.document import Document

log = logging.getLogger(__name__)

RETRY_MS = 5_000
"""How often an offline window tries the server again (the listener also says when it is back)."""


@dataclass(frozen=True)
class OpenedWorkspace:
    """A workspace read for the window: the store, the project and its revision, the database user, and why the
    user may only read it ("" when they may change it)."""

    store: ProjectStore
    project: Project
    revision: Revision
    user: str
    server: str
    read_only_reason: str = ""


def open_workspace_store(location: str) -> OpenedWorkspace:
    """Read the workspace at `location` (off the GUI thread: it talks to the server). StoreError with one line
    when it cannot: the server unreachable, the password refused, not a RiskDesk workspace, a newer schema."""
    from riskdesk.io.store import postgres

    store = open_store(location)
    if not isinstance(store, postgres.PostgresStore):
        raise StoreError(f"{location}: not a workspace address (postgresql://USER@HOST/DATABASE?workspace=NAME)")
    project, revision = store.read()
    reason = postgres.may_write(store)
    user = store.address.user or os.environ.get("PGUSER", "") or "you"
    return OpenedWorkspace(store, project, revision, user, store.address.server, reason)


def check_connection(location: str) -> str:
    """What File ▸ Open workspace…'s connection test says when it works ("workspace eu: revision 12, last change
    by bob …; you may change it"); StoreError with the one-line reason when it does not."""
    from riskdesk.io.store import postgres

    store = open_store(location)
    if not isinstance(store, postgres.PostgresStore):
        raise StoreError(f"{location}: not a workspace address (postgresql://USER@HOST/DATABASE?workspace=NAME)")
    revision = store.revision()
    if revision is None:
        store.read()  # says why: no workspace of that name, or one without a project yet
        raise StoreError(f"{store.location} holds no project yet")
    reason = postgres.may_write(store)
    last = f", last change {revision.describe().removeprefix('saved ')}" if revision.by else ""
    return (f"Connected: workspace {store.name}, revision {revision.number}{last}; "
            + (reason if reason else "you may change it"))


class WorkspaceLink(QObject):
    """The open document kept in step with its workspace (see the module docstring)."""

    status = Signal(str)
    """For the status bar: who changed what, offline, sent."""
    state_changed = Signal()
    """Online or offline, or the number of unsent change sets, changed: the title follows."""
    _noticed = Signal(object)
    _connection = Signal(bool)

    def __init__(self, document: Document, opened: OpenedWorkspace, dialogs: Dialogs, outbox: Path | None = None,
                 listen: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.store = opened.store
        self.user = opened.user
        self.server = opened.server
        self.read_only_reason = opened.read_only_reason
        self.revision = opened.revision
        """The workspace revision the document shows (before the change sets in `local`)."""
        self.dialogs = dialogs
        self.local: list[ChangeSet] = []
        """The buyer's change sets beyond `revision`, oldest first: committed ones until the document has caught up
        with their revision, then the unsent ones."""
        self._sent: set[str] = set()
        """Ids of the change sets in `local` the workspace has already kept."""
        self._hidden: set[str] = set()
        """Ids of the change sets in `local` not shown, because they do not fit what others committed (a conflict
        to come)."""
        self.online = True
        self.listening = False
        """Whether the listener is connected (colleagues' commits are shown as they come)."""
        self._busy = False
        self._again = False
        self._outbox = outbox
        self._closed = False
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self.sync)
        document.edited.connect(self._edited)
        self._noticed.connect(self._on_notice)
        self._connection.connect(self._on_connection)
        self._listener: Any = None
        if listen:
            from riskdesk.io.store.postgres import PostgresStore, WorkspaceListener

            if isinstance(self.store, PostgresStore):
                self._listener = WorkspaceListener(self.store, self._noticed.emit, self._connection.emit)
                self._listener.start()

    # ---- what the window shows ----------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.store.name

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    @property
    def unsent(self) -> int:
        return sum(1 for c in self.local if c.id not in self._sent)

    @property
    def title(self) -> str:
        """ "workspace on db.example.com as ana" and whether it is offline, for the title bar."""
        text = f"workspace on {self.server} as {self.user}"
        if not self.online:
            text += f" (offline: {self.unsent} unsent)" if self.unsent else " (offline)"
        return text

    def close(self) -> None:
        """The window shows something else, or closes: stop listening (unsent change sets stay in the outbox)."""
        self._closed = True
        self._retry.stop()
        with contextlib.suppress(RuntimeError, TypeError):
            self.document.edited.disconnect(self._edited)
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    # ---- the buyer's edits ----------------------------------------------------------------------------------------

    def _edited(self, changes: ChangeSet) -> None:
        if self._closed:
            return
        if self.read_only:
            self.status.emit(f"Not changed: {self.read_only_reason}")
            QTimer.singleShot(0, self._take_back)
            return
        # a fresh id each time: redoing an edit sends the same change set again, as a change of its own
        self.local.append(replace(changes, id=secrets.token_hex(16)))
        self._keep_outbox()
        self.sync()

    def _take_back(self) -> None:
        if self.document.undo_stack.canUndo():
            with contextlib.suppress(RuntimeError):
                self.document.edited.disconnect(self._edited)
            self.document.undo_stack.undo()
            self.document.undo_stack.clear()
            self.document.mark_kept()
            self.document.edited.connect(self._edited)

    # ---- talking to the workspace: one step at a time ---------------------------------------------------------

    def sync(self) -> None:
        """Catch up with the workspace and send what is unsent (what a notice, a retry and an edit start)."""
        if self._closed:
            return
        if self._busy:
            self._again = True
            return
        self._busy, self._again = True, False
        pending = next((c for c in self.local if c.id not in self._sent and c.id not in self._hidden), None)
        if pending is not None and not any(c.id in self._sent for c in self.local):
            revision = self.revision
            self.document.runner.start(lambda _task: self.store.commit(pending, revision),
                                       lambda new: self._committed(pending, new), self._failed, None)
        else:
            revision = self.revision
            self.document.runner.start(lambda _task: self.store.changes_since(revision), self._caught_up,
                                       self._failed, None)

    def _next(self) -> None:
        self._busy = False
        if self._again or any(c.id not in self._sent for c in self.local if c.id not in self._hidden) \
                or any(c.id in self._sent for c in self.local):
            self.sync()
        elif not self.local:
            QTimer.singleShot(0, self._kept_all)  # after the undo stack has taken the edit that is being made

    def _kept_all(self) -> None:
        if not self.local and not self._closed:
            self.document.mark_kept()

    def _committed(self, changes: ChangeSet, new: Revision) -> None:
        self._set_online(True)
        if new.number == self.revision.number + 1 and self.local and self.local[0].id == changes.id:
            self.local.pop(0)  # nobody committed in between: the document already shows this revision
            self.revision = new
        else:
            self._sent.add(changes.id)
        self._keep_outbox()
        self._next()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, StoreConflictError):
            self._busy = False
            self._conflict(exc)
            return
        self._busy = False
        if isinstance(exc, StoreError):
            log.info("workspace %s: %s", self.name, exc)
            self._set_online(False)
            return
        raise exc

    def _set_online(self, online: bool) -> None:
        if online == self.online:
            return
        self.online = online
        if online:
            self._retry.stop()
            self.status.emit(f"Connected to {self.name} again")
        else:
            self._retry.start()
            self.status.emit(f"Offline: {self.server} cannot be reached. Your changes are kept here and sent when "
                             "it is back")
        self.state_changed.emit()

    def _on_notice(self, payload: object) -> None:
        if self._closed or not isinstance(payload, dict):
            return
        number = payload.get("revision")
        if isinstance(number, int) and number <= self.revision.number:
            return
        self.sync()

    def _on_connection(self, connected: bool) -> None:
        self.listening = connected
        if connected:
            self.sync()  # NOTIFY is not kept for a client that was away: catch up
        else:
            self._set_online(False)

    # ---- colleagues' change sets ------------------------------------------------------------------------------

    def _caught_up(self, entries: list[CommittedChange]) -> None:
        self._set_online(True)
        self.integrate(entries)
        self._next()

    def integrate(self, entries: list[CommittedChange]) -> None:
        """Show the workspace's change sets after `revision` (see the module docstring)."""
        entries = [e for e in entries if e.revision.number > self.revision.number]
        if not entries:
            return
        document = self.document
        if any(e.changes is None for e in entries):
            self._reload()
            return
        for changes in reversed([c for c in self.local if c.id not in self._hidden]):
            document.apply_remote(changes.inverted())
        ours = {c.id for c in self.local}
        others: list[CommittedChange] = []
        for entry in entries:
            assert entry.changes is not None
            document.apply_remote(entry.changes)
            self.revision = entry.revision
            if entry.changes.id in ours:
                self.local = [c for c in self.local if c.id != entry.changes.id]
                self._sent.discard(entry.changes.id)
            else:
                others.append(entry)
        self._hidden.clear()
        for changes in self.local:
            try:
                document.apply_remote(changes)
            except (ValueError, KeyError):
                self._hidden.add(changes.id)
        if others and self._touches_undo(others):
            document.clear_undo()
        if others:
            last = others[-1]
            more = f" (and {len(others) - 1} more changes)" if len(others) > 1 else ""
            self.status.emit(f"{last.revision.by or 'Someone'}: {last.text}{more}")
        self._keep_outbox()

    def _touches_undo(self, entries: list[CommittedChange]) -> bool:
        stack = self.document.undo_stack
        mine: set[tuple[str, str]] = set()
        for i in range(stack.count()):
            command = stack.command(i)
            changes = getattr(command, "changes", None)
            if isinstance(changes, ChangeSet):
                mine |= _touched(changes)
        return any(_touched(e.changes) & mine for e in entries if e.changes is not None)

    def _reload(self) -> None:
        """A whole save came in: read the project again and make the unsent change sets on it."""
        project, revision = self.store.read()
        unsent = [c for c in self.local if c.id not in self._sent]
        self.local, self._sent, self._hidden = [], set(), set()
        self.revision = revision
        self.document.replace_project(project)
        for changes in unsent:
            try:
                self.document.apply_remote(changes)
            except (ValueError, KeyError):
                self._hidden.add(changes.id)
            self.local.append(changes)
        self.status.emit(f"{revision.by or 'Someone'} replaced the whole project: read again")

    # ---- conflicts ----------------------------------------------------------------------------------------------

    def _conflict(self, exc: StoreConflictError) -> None:
        """Catch up first (so that theirs is shown), then ask which to keep."""
        revision = self.revision

        def caught_up(entries: list[CommittedChange]) -> None:
            self.integrate(entries)
            self._resolve(exc)

        self._busy = True
        self.document.runner.start(lambda _task: self.store.changes_since(revision), caught_up, self._failed, None)

    def _resolve(self, exc: StoreConflictError) -> None:
        refused = next((c for c in self.local if c.id not in self._sent), None)
        if refused is None:
            self._next()
            return
        answer = self.dialogs.ask_conflict(self.name, exc.conflicts)
        shown = refused.id not in self._hidden
        index = self.local.index(refused)
        later = [c for c in self.local[index + 1:] if c.id not in self._hidden]
        for changes in reversed(later):
            self.document.apply_remote(changes.inverted())
        if shown:
            self.document.apply_remote(refused.inverted())
        self._hidden.discard(refused.id)
        if answer == Dialogs.KEEP_MINE:
            again = rebased(refused, self.document.project)
            self.local[index] = again
            self.document.apply_remote(again)
            self.status.emit(f"Keeping yours: {refused.text}")
        else:
            del self.local[index]
            self.status.emit(f"Kept theirs: {refused.text} was not made")
        for changes in later:
            try:
                self.document.apply_remote(changes)
            except (ValueError, KeyError):
                self._hidden.add(changes.id)
        self.document.clear_undo()  # the undo stack held the refused change set
        self._keep_outbox()
        self._next()

    # ---- the outbox ---------------------------------------------------------------------------------------------

    def _keep_outbox(self) -> None:
        """The unsent change sets, in a private file beside the autosave: kept until the workspace has them."""
        if self._outbox is None:
            return
        unsent = [c for c in self.local if c.id not in self._sent]
        try:
            if not unsent:
                self._outbox.unlink(missing_ok=True)
                return
            data = {"location": self.store.location, "revision": self.revision.to_json(),
                    "changes": [c.to_json() for c in unsent]}
            temporary = self._outbox.with_suffix(".tmp")
            temporary.write_text(json.dumps(data, ensure_ascii=False, allow_nan=True), encoding="utf-8")
            os.chmod(temporary, 0o600)
            os.replace(temporary, self._outbox)
        except OSError:
            log.warning("cannot keep the outbox %s", self._outbox, exc_info=True)


def read_outbox(path: Path) -> tuple[str, list[ChangeSet]]:
    """The workspace and unsent change sets an outbox file holds (`WorkspaceLink`'s)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return str(data["location"]), [ChangeSet.from_json(item, read_whole) for item in data["changes"]]


def _touched(changes: ChangeSet) -> set[tuple[str, str]]:
    rows = {(c.table, c.row_id) for c in changes.cells}
    rows |= {(r.table, r.row_id) for r in (*changes.inserts, *changes.removes)}
    rows |= {("wholes", w.name) for w in changes.wholes}
    return rows


def rebased(changes: ChangeSet, project: Project) -> ChangeSet:
    """`changes` made again on `project` as it is now (keep mine): each cell from the value it holds now, each
    removed row as it is now, each whole from what it is now; cells of rows someone removed are dropped."""
    cells = []
    for cell in changes.cells:
        frame = getattr(project.tables, cell.table)
        try:
            (position,) = row_positions(frame, [cell.row_id])
        except (KeyError, ValueError):
            continue
        cells.append(replace(cell, old=frame[cell.field].iat[position]))
    removes = []
    for remove in changes.removes:
        frame = getattr(project.tables, remove.table)
        try:
            (position,) = row_positions(frame, [remove.row_id])
        except (KeyError, ValueError):
            continue
        removes.append(RowRemove(remove.table, position, row_values(frame, position)))
    wholes = tuple(WholeChange(w.name, _whole(project, w.name), w.new) for w in changes.wholes)
    return replace(changes, cells=tuple(cells), removes=tuple(removes), wholes=wholes)


def _whole(project: Project, name: str) -> object:
    value = getattr(project, name)
    return value.copy() if hasattr(value, "copy") and not isinstance(value, list) else (
        list(value) if isinstance(value, list) else value)


def outbox_path(folder: Path, session_id: str) -> Path:
    return folder / f"{session_id}.outbox.json"


Then = Callable[[], None] | None
