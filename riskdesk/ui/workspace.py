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
  in the autosave folder, and are sent (or shown as conflicts) when the connection returns. An outbox a window
  left (it crashed, or the buyer chose to send later) is read back at the next opening of the workspace
  (`open_workspace_store`): the project is shown as it was when those change sets were made, with them on top,
  and they are sent as if the connection had just returned;
- a viewer's window is read-only: the document's tables are not editable and every edit is refused, with the
  reason, before anything is made (`Document.set_read_only`, set before the project is shown).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from riskdesk.core.edits import ChangeSet, RowRemove, WholeChange, row_positions, row_values, same_value
from riskdesk.io.store import (
    CommittedChange,
    Conflict,
    Revision,
    StoreConflictError,
    StoreError,
    open_store,
    read_whole,
)
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
    outbox: Outbox | None = None
    """Change sets a window left unsent, to send now: `project` and `revision` are then the workspace as it was
    when they were made, with them made on top (those in `hidden` did not fit)."""
    sent: frozenset[str] = frozenset()
    """Ids of the outbox's change sets the workspace already has."""
    hidden: frozenset[str] = frozenset()
    unsendable: tuple[Outbox, ...] = ()
    """Outboxes that cannot be sent as they are (the whole project was replaced since): kept, and the buyer told."""


@dataclass(frozen=True)
class Outbox:
    """What an outbox file holds (`WorkspaceLink._keep_outbox`): the workspace, the revision its change sets were
    made on, those change sets in order, and the ids of the ones the workspace already has."""

    path: Path
    location: str
    revision: Revision
    changes: tuple[ChangeSet, ...]
    sent: frozenset[str]
    saved_at: str = ""
    also: tuple[Path, ...] = ()
    """Other outbox files of the same workspace whose change sets were taken into this one (`_together`): removed
    with `path` once this session keeps them."""

    @property
    def unsent(self) -> int:
        return sum(1 for c in self.changes if c.id not in self.sent)


def open_workspace_store(location: str, outboxes: Sequence[Path] = ()) -> OpenedWorkspace:
    """Read the workspace at `location` (off the GUI thread: it talks to the server). StoreError with one line
    when it cannot: the server unreachable, the password refused, not a RiskDesk workspace, a newer schema.
    Every one of `outboxes` (files windows left, `left_outboxes`, oldest first) that is this workspace's is taken up
    to be sent, all at once: two sessions that crashed with unsent changes both have them sent now."""
    from riskdesk.io.store import postgres

    store = open_store(location)
    if not isinstance(store, postgres.PostgresStore):
        raise StoreError(f"{location}: not a workspace address (postgresql://USER@HOST/DATABASE?workspace=NAME)")
    project, revision = store.read()
    reason = postgres.may_write(store)
    user = store.address.user or os.environ.get("PGUSER", "") or "you"
    opened = OpenedWorkspace(store, project, revision, user, store.address.server, reason)
    found: list[Outbox] = []
    for path in outboxes:
        try:
            outbox = read_outbox(path)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.warning("cannot read the outbox %s", path, exc_info=True)
            continue
        if outbox.location == store.location and not reason:
            found.append(outbox)
    sendable: list[Outbox] = []
    unsendable: list[Outbox] = []
    for outbox in found:
        entries = [e for e in store.changes_since(outbox.revision) if e.revision.number <= revision.number]
        (unsendable if any(e.changes is None for e in entries) else sendable).append(outbox)
    opened = replace(opened, unsendable=tuple(unsendable))
    return _with_outbox(opened, _together(sendable)) if sendable else opened


def _together(outboxes: Sequence[Outbox]) -> Outbox:
    """Several outboxes of one workspace as one, to send at once: their change sets in the order they were left
    (each once: a session that crashed while taking up another's outbox left them in both), on the oldest revision
    any of them was made on (the link makes the later ones again on top, or asks when they no longer fit)."""
    first = min(outboxes, key=lambda outbox: outbox.revision.number)
    changes: list[ChangeSet] = []
    seen: set[str] = set()
    for outbox in outboxes:
        for change in outbox.changes:
            if change.id not in seen:
                seen.add(change.id)
                changes.append(change)
    paths = [outbox.path for outbox in outboxes]
    return Outbox(paths[0], first.location, first.revision, tuple(changes),
                  frozenset().union(*(outbox.sent for outbox in outboxes)),
                  max(outbox.saved_at for outbox in outboxes), tuple(paths[1:]))


def _with_outbox(opened: OpenedWorkspace, outbox: Outbox) -> OpenedWorkspace:
    """`opened` taken back to the outbox's revision (the workspace's change sets since then undone), with the
    outbox's change sets made on top: the link then sends them as it does after a lost connection."""
    entries = [e for e in opened.store.changes_since(outbox.revision) if e.revision.number <= opened.revision.number]
    if any(e.changes is None for e in entries):
        return replace(opened, unsendable=(*opened.unsendable, outbox))
    project = opened.project.copy()
    try:
        for entry in reversed(entries):
            assert entry.changes is not None
            entry.changes.inverted().apply_to(project)
    except (ValueError, KeyError):
        return replace(opened, unsendable=(*opened.unsendable, outbox))
    hidden: set[str] = set()
    for changes in outbox.changes:
        try:
            changes.apply_to(project)
        except (ValueError, KeyError):
            hidden.add(changes.id)
    committed = {e.changes.id for e in entries if e.changes is not None}
    return replace(opened, project=project, revision=outbox.revision, outbox=outbox,
                   sent=frozenset(outbox.sent | committed), hidden=frozenset(hidden))


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
    noticed = Signal(str)
    """Worth a word in the message strip (change sets left unsent when the workspace was last open)."""
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
        self._changed_by: dict[tuple[str, str], tuple[str, str]] = {}
        """Who last changed each row shown (table, row id), and when: for a conflict asked here."""
        self._waiting: list[Callable[[bool], None]] = []
        """Told once the unsent change sets are all kept (True) or the server cannot be reached (False)."""
        if opened.outbox is not None:
            self.local = list(opened.outbox.changes)
            self._sent = set(opened.sent) & {c.id for c in self.local}
            self._hidden = set(opened.hidden)
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

    @property
    def outbox_path(self) -> Path | None:
        return self._outbox

    def send_then(self, then: Callable[[bool], None]) -> None:
        """Send what is unsent now; `then(True)` once the workspace has it all, `then(False)` if the server cannot
        be reached (it stays unsent, in the outbox)."""
        if not self.unsent:
            then(True)
            return
        self._waiting.append(then)
        self.sync()

    def discard_unsent(self) -> None:
        """The buyer chose to drop what is unsent: forgotten here and in the outbox file."""
        self.local = [c for c in self.local if c.id in self._sent]
        self._hidden.clear()
        self.keep_outbox()

    def take_up(self, opened: OpenedWorkspace) -> None:
        """Send the change sets a window left unsent (`opened.outbox`), now that they are shown; say so, and say
        when an outbox cannot be sent (`opened.unsendable`: it is kept)."""
        for left in opened.unsendable:
            self.noticed.emit(f"{left.unsent} unsent changes to {self.name} (from {left.saved_at or 'earlier'}) "
                              "cannot be sent: the whole project was replaced in the workspace since. They are "
                              f"kept in {left.path}")
        recovered = opened.outbox
        if recovered is None:
            return
        self.keep_outbox()  # in this session's outbox first, so that a crash now loses nothing either
        for path in (recovered.path, *recovered.also):
            if path != self._outbox:
                with contextlib.suppress(OSError):
                    path.unlink()
        sessions = f" by {len(recovered.also) + 1} sessions" if recovered.also else ""
        self.noticed.emit(f"Sending {recovered.unsent} changes to {self.name} that were not sent{sessions} when it "
                          f"was last open{f' ({recovered.saved_at})' if recovered.saved_at else ''}")
        self.sync()

    def ask_unsent(self, then: Callable[[], None], closing: bool = False) -> bool:
        """The window closes, or shows something else, with change sets the workspace does not have yet: send them
        now, later (kept in the outbox, sent at the next opening of the workspace) or discard them (`Dialogs`).
        Returns whether the window may close at once; `then` runs once it may (at once too, unless `closing`)."""
        if not self.unsent:
            if not closing:
                then()
            return True
        answer = self.dialogs.ask_unsent(self.name, self.unsent, self.online)
        if answer == Dialogs.CANCEL:
            return False
        if answer == Dialogs.DISCARD:
            self.discard_unsent()
        elif answer == Dialogs.SAVE:

            def sent(done: bool) -> None:
                if done:
                    then()
                else:
                    self.dialogs.error("Not sent", f"{self.server} cannot be reached: your changes to {self.name} "
                                       "are kept here. Choose Send later to send them when you next open it.")

            self.send_then(sent)
            return False
        if not closing:
            then()
        return True

    def _tell_waiting(self, sent: bool) -> None:
        waiting, self._waiting = self._waiting, []
        for then in waiting:
            then(sent)

    def close(self) -> None:
        """The window shows something else, or closes: stop listening (unsent change sets stay in the outbox)."""
        if self._closed:  # the window's session ends once more as a test, or Qt, closes it again
            return
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
        if self.read_only:  # the document refuses every edit first (Document.set_read_only)
            return
        # a fresh id each time: redoing an edit sends the same change set again, as a change of its own
        self.local.append(replace(changes, id=secrets.token_hex(16)))
        self.keep_outbox()
        self.sync()

    # ---- talking to the workspace: one step at a time ---------------------------------------------------------

    def sync(self) -> None:
        """Catch up with the workspace and send what is unsent (what a notice, a retry and an edit start)."""
        if self._closed:
            return
        if self._busy:
            self._again = True
            return
        self._busy, self._again = True, False
        first = next((c for c in self.local if c.id not in self._sent), None)
        if first is not None and first.id in self._hidden and not any(c.id in self._sent for c in self.local):
            # it does not fit what others committed since it was made: a conflict, asked here (the workspace,
            # which has moved on, cannot tell)
            self._resolve(StoreConflictError(self.store.location, self.revision, self._conflicts(first)))
            return
        pending = next((c for c in self.local if c.id not in self._sent and c.id not in self._hidden), None)
        if pending is not None and not any(c.id in self._sent for c in self.local):
            revision = self.revision
            self.document.runner.start(lambda _task: self.store.commit(pending, revision),
                                       lambda new: self._committed(pending, new), self._failed, None)
        else:
            revision = self.revision
            self.document.runner.start(lambda _task: _prepared(self.store.changes_since(revision)), self._caught_up,
                                       self._failed, None)

    def _next(self) -> None:
        self._busy = False
        if self._again or self.local:
            self.sync()
        elif not self.local:
            QTimer.singleShot(0, self._kept_all)  # after the undo stack has taken the edit that is being made

    def _kept_all(self) -> None:
        if not self.local and not self._closed:
            self.document.mark_kept()
            self._tell_waiting(True)

    def _committed(self, changes: ChangeSet, new: Revision) -> None:
        self._set_online(True)
        if new.number == self.revision.number + 1 and self.local and self.local[0].id == changes.id:
            self.local.pop(0)  # nobody committed in between: the document already shows this revision
            self.revision = new
        else:
            self._sent.add(changes.id)
        self.keep_outbox()
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
            self._tell_waiting(False)
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
        self.integrate(entries, self._next)

    def integrate(self, entries: list[CommittedChange], then: Callable[[], None] | None = None) -> None:
        """Show the workspace's change sets after `revision` (see the module docstring), then run `then`. A whole
        save among them (no change set to make) reads the project again, off the GUI thread."""
        entries = [e for e in entries if e.revision.number > self.revision.number]
        if any(e.changes is None for e in entries):
            self.document.runner.start(lambda _task: self.store.read(), lambda read: self._reload(read, then),
                                       self._failed, None)
            return
        if entries:
            self._integrate(entries)
        if then is not None:
            then()

    def _integrate(self, entries: list[CommittedChange]) -> None:
        document = self.document
        for changes in reversed([c for c in self.local if c.id not in self._hidden]):
            document.apply_remote(changes.inverted())
        ours = {c.id for c in self.local}
        others: list[CommittedChange] = []
        for entry in entries:
            assert entry.changes is not None
            document.apply_remote(entry.changes)
            self.revision = entry.revision
            for row in _touched(entry.changes):
                self._changed_by[row] = (entry.revision.by, entry.revision.at)
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
        self.keep_outbox()

    def _touches_undo(self, entries: list[CommittedChange]) -> bool:
        stack = self.document.undo_stack
        mine: set[tuple[str, str]] = set()
        for i in range(stack.count()):
            command = stack.command(i)
            changes = getattr(command, "changes", None)
            if isinstance(changes, ChangeSet):
                mine |= _touched(changes)
        return any(_touched(e.changes) & mine for e in entries if e.changes is not None)

    def _reload(self, read: tuple[Project, Revision], then: Callable[[], None] | None) -> None:
        """A whole save came in: show the project read again and make the unsent change sets on it."""
        if self._closed:
            return
        project, revision = read
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
        self.keep_outbox()
        if then is not None:
            then()

    # ---- conflicts ----------------------------------------------------------------------------------------------

    def _conflict(self, exc: StoreConflictError) -> None:
        """Catch up first (so that theirs is shown), then ask which to keep."""
        revision = self.revision

        def caught_up(entries: list[CommittedChange]) -> None:
            self.integrate(entries, lambda: self._resolve(exc))

        self._busy = True
        self.document.runner.start(lambda _task: _prepared(self.store.changes_since(revision)), caught_up,
                                   self._failed, None)

    def _conflicts(self, changes: ChangeSet) -> tuple[Conflict, ...]:
        """What of `changes` others changed first, theirs (as shown now) and yours, value by value."""
        project = self.document.project
        found: list[Conflict] = []
        for cell in changes.cells:
            by, at = self._changed_by.get((cell.table, cell.row_id), ("", ""))
            frame = getattr(project.tables, cell.table)
            try:
                (position,) = row_positions(frame, [cell.row_id])
            except (KeyError, ValueError):
                found.append(Conflict(cell.table, cell.row_id, cell.table, cell.field, None, cell.new, by, at))
                continue
            values = row_values(frame, position)
            if not same_value(values[cell.field], cell.old):
                found.append(Conflict(cell.table, cell.row_id, _row_name(cell.table, values), cell.field,
                                      values[cell.field], cell.new, by, at))
        for remove in changes.removes:
            by, at = self._changed_by.get((remove.table, remove.row_id), ("", ""))
            found.append(Conflict(remove.table, remove.row_id, _row_name(remove.table, remove.values), "", "", None,
                                  by, at))
        for whole in changes.wholes:
            by, at = self._changed_by.get(("wholes", whole.name), ("", ""))
            found.append(Conflict("wholes", whole.name, whole.name, "", "", whole.new, by, at))
        return tuple(found) or (Conflict("", "", changes.text, "", "", changes.text),)

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
        self.keep_outbox()
        self._next()

    # ---- the outbox ---------------------------------------------------------------------------------------------

    def keep_outbox(self) -> None:
        """The unsent change sets, in a private file beside the autosave: kept until the workspace has them."""
        if self._outbox is None:
            return
        try:
            if not self.unsent:
                self._outbox.unlink(missing_ok=True)
                return
            # all of `local`, the committed ones too: the unsent ones were made on top of them
            data = {"location": self.store.location, "revision": self.revision.to_json(),
                    "changes": [c.to_json() for c in self.local], "sent": sorted(self._sent),
                    "saved_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
            temporary = self._outbox.with_suffix(".tmp")
            temporary.write_text(json.dumps(data, ensure_ascii=False, allow_nan=True), encoding="utf-8")
            os.chmod(temporary, 0o600)
            os.replace(temporary, self._outbox)
        except OSError:
            log.warning("cannot keep the outbox %s", self._outbox, exc_info=True)


def _prepared(entries: list[CommittedChange]) -> list[CommittedChange]:
    """Colleagues' change sets made ready to apply (`ChangeSet.prepare`) in the worker that read them: a colleague's
    100,000-path import would otherwise hold this window's GUI thread for a fifth of a second."""
    for entry in entries:
        if entry.changes is not None:  # None: read the project again
            entry.changes.prepare()
    return entries


def read_outbox(path: Path) -> Outbox:
    """What an outbox file holds (`WorkspaceLink`'s). OSError, ValueError, KeyError or TypeError when it cannot be
    read."""
    data = json.loads(path.read_text(encoding="utf-8"))
    revision = Revision.from_json(data["revision"])
    if revision is None:
        raise ValueError(f"{path}: no revision")
    changes = tuple(ChangeSet.from_json(item, read_whole) for item in data["changes"])
    return Outbox(path, str(data["location"]), revision, changes, frozenset(str(i) for i in data.get("sent", ())),
                  str(data.get("saved_at", "")))


def left_outboxes(folder: Path, own: str) -> list[Path]:
    """The outbox files in the autosave `folder` that no running window is keeping (left by a window that closed
    with changes to send later, or crashed; this session's `own` ones too), oldest first."""
    from riskdesk.ui.autosave import session_running

    found = []
    for path in folder.glob("*.outbox.json"):
        session = path.name.split(".", 1)[0]
        if session == own or not session_running(folder, session):
            with contextlib.suppress(OSError):
                found.append((path.stat().st_mtime, path))
    return [path for _, path in sorted(found)]


def _row_name(table: str, values: Mapping[str, Any]) -> str:
    from riskdesk.io.store import row_name

    return row_name(table, values)


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


def outbox_path(folder: Path, session_id: str, location: str) -> Path:
    """This session's outbox for the workspace at `location` (one per workspace: a window may open several in
    turn, each leaving its own unsent change sets)."""
    key = hashlib.sha256(location.encode()).hexdigest()[:12]
    return folder / f"{session_id}.{key}.outbox.json"


Then = Callable[[], None] | None
