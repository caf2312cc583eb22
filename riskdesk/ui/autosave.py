"""Autosave and crash recovery.

`Autosaver` writes a copy of an edited project to the user folder every few seconds of editing (off the GUI
thread), in this process's own slot, an `AutosaveSession`: several RiskDesk windows may run at once, each with its
own. A slot is guarded by a lock file held while its process runs; on a clean exit the slot is emptied. An
autosave whose lock is free at start-up was left by a session that crashed, and `find_recovery` offers it.

The start-up (`riskdesk.ui.app`) takes the slot and hands it to the window's session (`riskdesk.ui.session`), which
autosaves into it and offers recovery; nothing here is global, so tests simulate several processes and crashes
with several slots.

A team workspace is not copied: its outbox (riskdesk.ui.workspace) keeps its unsent change sets, and the autosave
keeps that current instead (`Autosaver`).

An autosave is a full copy of the buyer's unsaved work: the folder is 0700 and every file in it 0600 (the user's
own, whatever the umask gives project files).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal

from riskdesk.io.outputs import private_folder
from riskdesk.io.store import UNCHECKED, Lease, Revision, StoreError, open_store
from riskdesk.io.store.rdproj import SUFFIX, revision_from_json, sweep_folder
from riskdesk.ui.document import Document
from riskdesk.ui.workers import TaskContext

if TYPE_CHECKING:
    from riskdesk.core.project import Project

log = logging.getLogger(__name__)


class AutosaveSession:
    """This process's autosave slot in the user folder: SESSION.rdproj (the copy) and SESSION.json (what it is),
    guarded by SESSION.lock, a QLockFile held while the process runs (so other RiskDesk processes leave it be)."""

    def __init__(self, folder: Path) -> None:
        private_folder(folder)
        self.folder = folder
        self.id = f"session-{os.getpid()}-{time.time_ns()}"
        self._lock = _session_lock(self.lock_path(folder, self.id))
        if not self._lock.tryLock(0):
            log.warning("cannot lock the autosave slot %s: a crash would not be noticed", self.id)
        with contextlib.suppress(OSError):
            os.chmod(self.lock_path(folder, self.id), PRIVATE_FILE)

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

    def find_recovery(self) -> RecoveryInfo | None:
        """The newest autosave another, crashed session left in this folder (see `find_recovery`)."""
        return find_recovery(self.folder, own=self.id)

    def recover(self, info: RecoveryInfo, without_lock_ok: bool = False) -> Recovered:
        """Read the autosave, take the lease of its original file (unless another RiskDesk has it: then it is
        recovered read-only) and move the autosave into this slot (so that it is still there if this process
        crashes too). Raises StoreError. `without_lock_ok`: the setting "work without the lock"."""
        project, _ = open_store(info.autosave).read()
        lease, read_only = None, False
        if info.original_path is not None and info.original_path.exists():
            try:  # the original is the project's file again: lock it, or say it is open elsewhere
                lease = open_store(info.original_path).lease(without_lock_ok=without_lock_ok)
            except StoreError:
                read_only = True
        with contextlib.suppress(OSError):
            os.replace(info.autosave, self.project_path)
            os.chmod(self.project_path, PRIVATE_FILE)  # an earlier version's autosave may be readable by others
            if info.info_path.exists():
                os.replace(info.info_path, self.info_path)
                os.chmod(self.info_path, PRIVATE_FILE)
        return Recovered(project, info.original_path, info.base_state(), lease, read_only)


@dataclass(frozen=True, slots=True)
class Recovered:
    """Work read back from an autosave: the project, the file it came from (None: never saved), the revision of
    that file the work started from, and the lease taken on it (None when `read_only`)."""

    project: Project
    original_path: Path | None
    base: Revision | None
    lease: Lease | None
    read_only: bool


@dataclass(frozen=True, slots=True)
class RecoveryInfo:
    """An autosave left by a session that did not exit cleanly."""

    autosave: Path
    original_path: Path | None
    name: str
    saved_at: str
    """Local date and time, ISO 8601 (as `datetime.isoformat` writes it)."""
    size_bytes: int = 0
    older: int = 0
    """How many older autosaves of crashed sessions are kept besides this one (offered after it)."""
    base: dict[str, Any] | None = None
    """The revision of the original file the autosaved work started from (riskdesk.io.store.Revision as JSON): a
    save over it refuses if someone else saved it since."""

    def base_state(self) -> Revision | None:
        return revision_from_json(self.base)

    @property
    def info_path(self) -> Path:
        return self.autosave.with_suffix(".json")

    def describe(self) -> str:
        where = f"of {self.original_path}" if self.original_path else "of an unsaved project"
        older = (f" {self.older} older autosave{'s are' if self.older > 1 else ' is'} kept too and offered "
                 "next." if self.older else "")
        return (f"RiskDesk did not close properly. An autosave {where} ({self.name}) was found, made "
                f"{_local_time(self.saved_at)} ({_size(self.size_bytes)}).{older}")

    def discard(self) -> None:
        """Delete this autosave (the user declined to recover it)."""
        _delete(self.autosave, self.info_path)


KEEP_AUTOSAVES = 5
"""Autosaves of crashed sessions kept for recovery, newest first; older ones are deleted."""


def find_recovery(folder: Path, own: str | None = None) -> RecoveryInfo | None:
    """The newest autosave in `folder` left by a session that is no longer running (another RiskDesk still
    running keeps its own, and so does the session `own`), or None; it says how many older ones are kept."""
    found = find_recoveries(folder, own)
    return replace(found[0], older=len(found) - 1) if found else None


def find_recoveries(folder: Path, own: str | None = None) -> list[RecoveryInfo]:
    """The autosaves crashed sessions left in `folder`, newest first, at most KEEP_AUTOSAVES: older ones, the
    lock files of crashed sessions and the half-written autosaves of killed ones are deleted."""
    if not folder.is_dir():
        return []
    sweep_folder(folder)
    found: list[RecoveryInfo] = []
    for autosave in sorted(folder.glob(f"*{SUFFIX}")):
        session = autosave.stem
        if session == own or _is_running(folder, session):
            continue
        try:
            info = json.loads(autosave.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            info = {}
        if not isinstance(info, dict):  # a damaged description: the autosave itself is still offered
            info = {}
        original = info.get("original_path")
        saved_at = str(info.get("saved_at", "")) or dt.datetime.fromtimestamp(autosave.stat().st_mtime).isoformat(
            timespec="seconds")
        base = info.get("base")
        found.append(RecoveryInfo(autosave, Path(original) if original else None, str(info.get("name", "")),
                                  saved_at, autosave.stat().st_size, base=base if isinstance(base, dict) else None))
    for lock in folder.glob("*.lock"):
        if not lock.with_suffix(SUFFIX).exists() and lock.stem != own:
            _is_running(folder, lock.stem)  # removes the lock files crashed sessions left
    found.sort(key=lambda info: info.saved_at, reverse=True)
    for old in found[KEEP_AUTOSAVES:]:
        old.discard()
    return found[:KEEP_AUTOSAVES]


def _local_time(iso: str) -> str:
    """ "2026-11-29T14:05:09" → "on Sunday 29 November 2026 at 14:05" (the text as stored when unreadable)."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"on {moment:%A} {moment.day} {moment:%B %Y} at {moment:%H:%M}"


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{max(n, 1) / 1000:.0f} kB" if n >= 1000 else f"{n} bytes"


def _session_lock(path: Path) -> QLockFile:
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # stale only once its process is gone, however long it runs
    return lock


PRIVATE_FILE = 0o600
"""Autosaves, their descriptions and locks: readable by their user only."""


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, a file only its user can read (an existing file is made so first)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        if hasattr(os, "fchmod"):  # not on Windows, which has no such modes
            os.fchmod(out.fileno(), PRIVATE_FILE)
        out.write(text)


def _delete(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def session_running(folder: Path, session: str) -> bool:
    """Whether the RiskDesk session `session` that keeps files in the autosave `folder` still runs."""
    return _is_running(folder, session)


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


Origin = Callable[[], tuple[Path | None, Revision | None]]
"""Where autosaved work comes from: the project's file (None: never saved) and the revision it was read or last
saved at (a save of the recovered work over that file refuses if someone saved it since)."""


def _no_origin() -> tuple[Path | None, Revision | None]:
    return None, None


Outbox = Callable[[], Callable[[], None] | None]
"""What keeps unsent work instead of an autosave copy, when something does: a team workspace's outbox
(riskdesk.ui.workspace: its unsent change sets, sent at the workspace's next opening). Returns the function that
writes it as it is now, or None while the project is no workspace."""


def _no_outbox() -> Callable[[], None] | None:
    return None


class Autosaver(QObject):
    """Saves a copy of an edited project into `session` (off the GUI thread) `delay_s` seconds after the last
    edit, and at least every `longest_s` seconds while the user keeps editing: a crash loses a few seconds.
    `origin` says where the project is kept (riskdesk.ui.session), for the recovery offer.

    A team workspace's work is never copied: its unsent change sets are in its outbox (`outbox`), which is what
    the next opening of the workspace sends, or shows as conflicts. A copy beside it would be a second, older record
    of the same edits, offered after a crash as "an unsaved project": saved as a file, or recovered and then sent
    again from the outbox, it would fork the buyer's work. So in a workspace the autosave keeps the outbox current
    instead, and the slot holds no copy."""

    saved = Signal(object)
    """Path of the autosave, after each successful write."""

    def __init__(self, document: Document, session: AutosaveSession, longest_s: int, delay_s: int = 5,
                 parent: QObject | None = None, origin: Origin = _no_origin, outbox: Outbox = _no_outbox) -> None:
        super().__init__(parent)
        self._document = document
        self._origin = origin
        self._outbox = outbox
        self._session = session
        self._saved_revision = -1
        self._writing = False
        self._longest_s = longest_s
        self._first_unsaved: float | None = None
        """When the oldest edit not yet autosaved was made (monotonic seconds)."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(delay_s, 0) * 1000)
        self._timer.timeout.connect(self.autosave_now)
        document.dirty_changed.connect(self._on_dirty_changed)
        document.undo_stack.indexChanged.connect(self._on_edit)

    @property
    def path(self) -> Path:
        return self._session.project_path

    @property
    def pending(self) -> bool:
        """An autosave is due once the user pauses."""
        return self._timer.isActive()

    @property
    def delay_seconds(self) -> int:
        """How long after the last edit the autosave is made."""
        return self._timer.interval() // 1000

    def set_delay(self, seconds: int) -> None:
        """How long after the last edit the autosave is made."""
        self._timer.setInterval(max(seconds, 0) * 1000)

    def set_interval(self, seconds: int) -> None:
        """The longest time between autosaves while editing; 0 stops autosaving (at exit)."""
        self._longest_s = seconds
        if seconds <= 0:
            self._timer.stop()

    def _on_edit(self, _index: int = 0) -> None:
        if self._longest_s <= 0 or not self._document.is_dirty:
            return
        now = time.monotonic()
        if self._first_unsaved is None:
            self._first_unsaved = now
        if now - self._first_unsaved >= self._longest_s:
            self._timer.stop()
            self.autosave_now()
        else:
            self._timer.start()

    def _on_dirty_changed(self, dirty: bool) -> None:
        if not dirty:
            self._session.discard()
            self._saved_revision = self._document.revision

    def autosave_now(self) -> None:
        """Write the autosave if the project changed since the last one."""
        document = self._document
        if not document.is_dirty or document.revision == self._saved_revision or self._writing:
            return
        keep_outbox = self._outbox()
        if keep_outbox is not None:  # a workspace: its outbox is the one record of unsent work (see the class)
            self._session.discard()
            keep_outbox()
            self._saved_revision = document.revision
            self._first_unsaved = None
            return
        copy = document.project.copy()
        revision = document.revision
        original, base = self._origin()
        info = {
            "original_path": str(original) if original else "",
            "name": document.project.settings.name,
            "saved_at": dt.datetime.now().isoformat(timespec="seconds"),
            "base": base.to_json() if base is not None else None,
        }
        target, info_path = self._session.project_path, self._session.info_path
        self._writing = True

        def write(_task: TaskContext) -> Path:
            private_folder(target.parent)
            open_store(target).save(copy, UNCHECKED, text="Autosave")
            os.chmod(target, PRIVATE_FILE)  # the next save keeps this mode
            _write_private(info_path, json.dumps(info))
            return target

        def done(path: Path) -> None:
            self._writing = False
            self._saved_revision = revision
            if document.revision == revision:
                self._first_unsaved = None
            elif self._longest_s > 0:
                self._timer.start()  # edits made while writing: save them too once the user pauses
            self.saved.emit(path)

        def failed(exc: BaseException) -> None:
            self._writing = False
            log.warning("autosave failed: %s", exc)

        document.runner.start(write, done, failed, None)
