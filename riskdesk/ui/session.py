"""The session: where the open project is kept, and everything done with it as a whole.

`Session` owns, for the window's one document (`riskdesk.ui.document`, which keeps the project, its undo stack and
the edits):

- opening a project (off the GUI thread; read-only when another RiskDesk has it), New and the demo;
- saving and Save As, and a save the store refuses because someone else saved meanwhile (its revision check):
  reload theirs, save mine as, or overwrite;
- the project's revision as read or last saved, and its lease (one writer at a time);
- autosave into this process's slot and the recovery offer after a crash (`riskdesk.ui.autosave`);
- the recent projects and RiskDesk's own settings (Edit ▸ Preferences), kept in the user's settings file;
- dropped files, and the questions asked before work is closed (quit, New, Open).

It talks to projects only through the store (`riskdesk.io.store`) and to the user only through `Dialogs`
(`riskdesk.ui.dialogs`), so tests answer its questions without a window. It never imports the window: the window
listens to its signals (the title, the status bar, notices, spreadsheets to import) and keeps thin slots that call
it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from riskdesk.core.project import Project
from riskdesk.io.store import (
    UNCHECKED,
    CannotLockError,
    Lease,
    ProjectStore,
    Revision,
    StoreChangedError,
    StoreError,
    is_database_location,
    open_store,
    shown_location,
)
from riskdesk.io.store.rdproj import SUFFIX
from riskdesk.io.userdirs import UserDirs, save_app_settings
from riskdesk.ui.autosave import Autosaver, AutosaveSession, RecoveryInfo, find_recovery
from riskdesk.ui.dialogs import IMPORT_SUFFIXES, Dialogs
from riskdesk.ui.document import Document, error_text
from riskdesk.ui.save_history import edits_since_save

if TYPE_CHECKING:
    from riskdesk.ui.preferences_dialog import Preferences
    from riskdesk.ui.workspace import OpenedWorkspace, WorkspaceLink

log = logging.getLogger(__name__)

Then = Callable[[], None] | None
"""What to do once a question is answered and its work done (e.g. open another project once this one is saved)."""


class Session(QObject):
    """Where the document's project is kept, and the file commands on it (see the module docstring)."""

    location_changed = Signal()
    """The project is kept somewhere else now, or read-only changed: the window's title follows."""
    status = Signal(str, int)
    """A status-bar message and how long it shows (ms; 0: until the next); "" clears the status bar."""
    busy_changed = Signal(bool)
    """A project is being opened."""
    noticed = Signal(str)
    """Worth a word in the message strip (opened without the lock, one project at a time …)."""
    recent_changed = Signal()
    import_wanted = Signal(object)
    """list[Path]: spreadsheets the user opened or dropped, to import into the open project."""

    def __init__(self, document: Document, dialogs: Dialogs, dirs: UserDirs | None = None,
                 autosave: AutosaveSession | None = None, parent: QObject | None = None) -> None:
        """A session on `document`; RiskDesk's own settings (`document.app_settings`) are kept in `dirs` (none: not
        kept); with an `autosave` slot, edits are autosaved into it and recovery can be offered from it."""
        super().__init__(parent)
        self.document = document
        self.dialogs = dialogs
        self.dirs = dirs
        self.app_settings = document.app_settings
        self.path: Path | None = None
        """The project's file; None while it is kept nowhere (new, demo, recovered unsaved work)."""
        self.revision: Revision | None = None
        """The project's revision when read or last saved: a save refuses to replace it if it changed since
        (another program saved it), see riskdesk.io.store."""
        self.lease: Lease | None = None
        """Held while the project is open here: one writer at a time (riskdesk.io.store.lock for a file)."""
        self.read_only = False
        """Opened while another RiskDesk holds it: Save asks for another name."""
        self.workspace: WorkspaceLink | None = None
        """The team workspace the project is kept in, when it is one (riskdesk.ui.workspace): every edit is
        committed there as it is made, instead of Save."""
        self._closing_after_save = False
        self.autosave = autosave
        self.autosaver: Autosaver | None = None
        if autosave is not None:
            self.autosaver = Autosaver(document, autosave, self.app_settings.autosave_seconds,
                                       self.app_settings.autosave_delay_seconds, self, origin=self.origin,
                                       outbox=lambda: self.workspace.keep_outbox if self.workspace else None)

    # ---- what the window shows --------------------------------------------------------------------------------

    @property
    def display_name(self) -> str:
        if self.workspace is not None:
            return self.workspace.name
        return self.path.name if self.path else self.document.project.settings.name or "Untitled project"

    @property
    def title_detail(self) -> str:
        """What the title bar adds after the name: " — workspace on db:5432 as ana (offline)" in a workspace."""
        return f" — {self.workspace.title}" if self.workspace is not None else ""

    @property
    def lock_notice(self) -> str:
        """What to tell the user when the project is open without its lease (the setting "work without the lock"
        allowed it), else ""."""
        if self.lease is not None and self.lease.unavailable is not None:
            return f"Working without the project's lock: {self.lease.unavailable.reason}"
        return ""

    @property
    def recent(self) -> list[str]:
        """The recent projects, newest first."""
        return list(self.app_settings.recent_files)

    def history_store(self) -> ProjectStore | None:
        """Where the project's history is kept (View ▸ History…): the workspace, or the project file; None for a
        project kept nowhere."""
        if self.workspace is not None:
            return self.workspace.store
        return open_store(self.path) if self.path is not None else None

    def revision_text(self) -> str:
        """The workspace's or project file's revision shown, as a report's Inputs name it ("12 of the workspace eu,
        with 1 change not sent yet"); "" for a project kept nowhere."""
        from riskdesk.io.history import revision_text

        if self.workspace is not None:
            return revision_text(self.workspace.revision, self.workspace.store, self.workspace.unsent)
        if self.path is None or self.revision is None:
            return ""
        return revision_text(self.revision, open_store(self.path), unsaved=self.document.is_dirty)

    def origin(self) -> tuple[Path | None, Revision | None]:
        """Where the work is kept, for the autosave (riskdesk.ui.autosave.Origin)."""
        return self.path, self.revision

    def start_dir(self) -> str:
        """Where file choosers start: the project's folder, else the most recent project's, else home."""
        if self.path is not None:
            return str(self.path.parent)
        recent = self.app_settings.recent_files
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    # ---- showing a project ------------------------------------------------------------------------------------

    def adopt(self, project: Project, path: Path, revision: Revision | None = None, lease: Lease | None = None,
              read_only: bool = False) -> None:
        """Show `project`, read from the file `path` at `revision` under `lease` (e.g. by the start-up's worker),
        and add the file to the recent projects."""
        self._show(project, path, revision, lease, read_only)
        self._remember(path)

    def _show(self, project: Project, path: Path | None, revision: Revision | None = None,
              lease: Lease | None = None, read_only: bool = False, dirty: bool = False, locked: str = "") -> None:
        """Show `project`, kept at `path` (None: nowhere yet) at `revision` under `lease`: the previous lease is let
        go, undo history starts afresh. `dirty`: the project is not kept anywhere as it is (recovered work);
        `locked`: why it may not be changed here at all (a workspace's viewer)."""
        if self.lease is not None and self.lease is not lease:
            self.lease.release()
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None
        self.lease, self.revision, self.read_only = lease, revision, read_only
        self.path = Path(path) if path is not None else None  # before the document says so: the title reads it
        self.document.set_read_only(locked)
        self.document.replace_project(project, dirty)
        self.location_changed.emit()

    def open(self, path: Path, read_only: bool = False) -> None:
        """Open a project file now (raises StoreError with a message for the user; CannotLockError when another
        RiskDesk has it open or its lease cannot be taken, unless `read_only`)."""
        path = Path(path)
        project, revision, lease = open_project_file(path, read_only,
                                                     without_lock_ok=self.app_settings.work_without_lock)
        self.adopt(project, path, revision, lease, read_only)

    def release(self) -> None:
        """Let go of the project's lease (the window closes)."""
        if self.lease is not None:
            self.lease.release()
            self.lease = None

    def end(self) -> None:
        """The window closes: stop autosaving, stop listening to a workspace and let go of the lease."""
        if self.autosaver is not None:
            self.autosaver.set_interval(0)
        if self.workspace is not None:
            self.workspace.close()
        self.release()

    # ---- team workspaces (riskdesk.ui.workspace) ----------------------------------------------------------------

    def open_workspace_dialog(self) -> None:
        """File ▸ Open Workspace…: the address (recent ones offered, a connection test), then open it."""
        from riskdesk.ui.workspace import check_connection

        location = self.dialogs.open_workspace(self.recent, self.document.runner, check_connection)
        if location:
            self.maybe_save(lambda: self.open_workspace(location))

    def open_workspace(self, location: str, then: Then = None) -> None:
        """Open the team workspace at `location`, off the GUI thread; errors are shown (one line), nothing else
        changes."""
        from riskdesk.ui.workspace import open_workspace_store

        shown = shown_location(location)
        self.status.emit(f"Opening {shown}…", 0)
        self.busy_changed.emit(True)

        def opened(result: OpenedWorkspace) -> None:
            self.busy_changed.emit(False)
            self.adopt_workspace(result)
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            self.busy_changed.emit(False)
            self.status.emit("", 0)
            self.dialogs.error("Cannot open workspace", error_text(exc))

        outboxes = self.left_outboxes()
        self.document.runner.start(lambda _task: open_workspace_store(location, outboxes), opened, failed, None)

    def left_outboxes(self) -> list[Path]:
        """Outbox files of workspace windows that closed with changes to send later, or crashed (oldest first)."""
        from riskdesk.ui.workspace import left_outboxes

        return left_outboxes(self.autosave.folder, self.autosave.id) if self.autosave is not None else []

    def adopt_workspace(self, opened: OpenedWorkspace, listen: bool = True) -> None:
        """Show a workspace read by `open_workspace_store` and keep the document in step with it; change sets a
        window left unsent are sent (or shown as conflicts) now."""
        from riskdesk.ui.workspace import WorkspaceLink, outbox_path

        recovered = opened.outbox
        self._show(opened.project, None, opened.revision, None, bool(opened.read_only_reason),
                   dirty=recovered is not None and recovered.unsent > 0, locked=opened.read_only_reason)
        outbox = (outbox_path(self.autosave.folder, self.autosave.id, opened.store.location)
                  if self.autosave is not None else None)
        link = WorkspaceLink(self.document, opened, self.dialogs, outbox, listen=listen, parent=self)
        link.status.connect(lambda text: self.status.emit(text, 10_000))
        link.state_changed.connect(self.location_changed)
        self.workspace = link
        self._remember(opened.store.location)
        self.location_changed.emit()
        self.status.emit(f"Opened the workspace {link.name}" + (" read-only" if link.read_only else ""), 5_000)
        if link.read_only:
            self.noticed.emit(f"Opened read-only: {link.read_only_reason}")
        link.noticed.connect(self.noticed)
        link.take_up(opened)

    # ---- file commands ----------------------------------------------------------------------------------------

    def maybe_save(self, then: Callable[[], None]) -> None:
        """Run `then` once unsaved changes are saved or discarded; not at all if the user cancels."""
        if self.workspace is not None:
            self.workspace.ask_unsent(then)
            return
        if not self.document.is_dirty:
            then()
            return
        answer = self.dialogs.ask_unsaved(self.display_name)
        if answer == Dialogs.DISCARD:
            then()
        elif answer == Dialogs.SAVE:
            self.save_project(then)

    def new_project(self) -> None:
        """File ▸ New: after offering to save, ask the buyer's context (import country, US defence supply) and
        start an empty project with it; nothing happens if the buyer cancels."""
        from riskdesk.ui.new_project_dialog import create_new_project  # loads the data layer: not at start-up

        self.maybe_save(lambda: create_new_project(self.dialogs, self.start_new))

    def start_new(self, project: Project) -> None:
        """Show `project` as a new, unsaved project (no file yet)."""
        self._show(project, None)

    def open_demo(self) -> None:
        from riskdesk.core.demo import demo_project

        self.maybe_save(lambda: self._show(demo_project(), None))

    def open_project(self, path: Path | str | None = None, then: Then = None) -> None:
        """Open a project (asking for it when not given), after offering to save the current one; `then` runs
        once it is open. A spreadsheet is imported instead."""
        if isinstance(path, str) and is_database_location(path):
            self.maybe_save(lambda: self.open_workspace(path, then))
            return
        target = Path(path) if path is not None else self.dialogs.open_path(self.start_dir())
        if target is None:
            return
        if target.suffix.lower() in IMPORT_SUFFIXES:
            # A spreadsheet is not a project: import it into the open project (the import dialog says what
            # it will add, and nothing changes until the user applies it).
            self.noticed.emit(f"{target.name} is a spreadsheet, not a project: it is imported into this project")
            self.import_wanted.emit([target])
            return
        self.maybe_save(lambda: self.open_path(target, then))

    def open_path(self, path: Path, then: Then = None, read_only: bool = False) -> None:
        """Open a project file (off the GUI thread for big files); errors are shown, nothing else changes. A
        project another RiskDesk has open is offered read-only."""
        path = Path(path)
        self.status.emit(f"Opening {path}…", 0)
        self.busy_changed.emit(True)

        def opened(result: tuple[Project, Revision, Lease | None]) -> None:
            project, revision, lease = result
            self.adopt(project, path, revision, lease, read_only)
            self.busy_changed.emit(False)
            self.status.emit(f"Opened {path}" + (" read-only" if read_only else ""), 5_000)
            if self.lock_notice:
                self.noticed.emit(self.lock_notice)
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            self.busy_changed.emit(False)
            self.status.emit("", 0)
            if isinstance(exc, CannotLockError):
                if self.dialogs.ask_open_read_only(str(exc)):
                    self.open_path(path, then, read_only=True)
                return
            if isinstance(exc, StoreError) and not path.exists():
                self.app_settings.remove_recent(path)
                self._save_app_settings()
            self.dialogs.error("Cannot open project", error_text(exc))

        held = self.lease if self.lease is not None and path == self.path else None  # a reload keeps its lease
        without_lock_ok = self.app_settings.work_without_lock
        self.document.runner.start(lambda _task: open_project_file(path, read_only, held, without_lock_ok), opened,
                                   failed, None)

    def save_project(self, then: Then = None) -> None:
        """File ▸ Save: over the project's file, else (new, read-only) under a name the user chooses. A workspace
        keeps every edit as it is made: Save sends what is still unsent."""
        if self.workspace is not None and not self.workspace.read_only:
            self.workspace.sync()
            self.status.emit("Every change is kept in the workspace as you make it" if self.workspace.online
                             else "Offline: your changes are kept here and sent when the server is back", 5_000)
            if then is not None:
                then()
            return
        if self.path is None or self.read_only:
            self.save_project_as(then)
            return
        self.save(self.path, then)

    def save_project_as(self, then: Then = None) -> None:
        suggested = self.path or Path(self.start_dir()) / (_safe_name(self.document.project.settings.name) + SUFFIX)
        target = self.dialogs.save_path(str(suggested))
        if target is not None:
            self.save(target, then)

    def save(self, path: Path, then: Then = None, overwrite: bool = False) -> None:
        """Save to `path` (the project's suffix added when missing) off the GUI thread for large projects; `then`
        runs once saved. The document is clean only if nothing changed while it was being written.

        Saving over the file the project was read from refuses when another program saved it meanwhile: the user
        is asked to reload theirs, save theirs as another file or overwrite (`overwrite=True` replaces it).
        Another file (Save As) takes its lease first. Errors are shown; nothing is lost."""
        self.status.emit(f"Saving {path}…", 0)
        target = Path(path)
        if target.suffix.lower() != SUFFIX:
            target = target.with_name(target.name + SUFFIX)
        same_file = self.path is not None and target == self.path and not self.read_only
        lease = self.lease if same_file else None
        if not same_file:
            try:
                lease = open_store(target).lease(without_lock_ok=self.app_settings.work_without_lock)
            except StoreError as exc:
                self._save_failed(error_text(exc))
                return
        expected = UNCHECKED if overwrite or not same_file else self.revision
        document = self.document
        copy = document.project.copy()
        index, revision = document.undo_stack.index(), document.revision

        def saved(new_revision: Revision) -> None:
            if lease is not self.lease and self.lease is not None:
                self.lease.release()
            self.lease, self.revision, self.read_only = lease, new_revision, False
            self.path = target
            document.saved(revision, index)
            self._remember(target)
            self.location_changed.emit()
            self.status.emit(f"Saved {target}", 5_000)
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            if lease is not None and lease is not self.lease:
                lease.release()
            log.warning("saving %s failed: %s", target, exc)
            if isinstance(exc, StoreChangedError):
                self._changed_elsewhere(path, str(exc), then)
            else:
                self._save_failed(error_text(exc))

        made = edits_since_save(document) if same_file and not overwrite else []  # for the file's history
        document.runner.start(lambda _task: open_store(target).save(copy, expected, changes=made), saved, failed, None)

    def _save_failed(self, message: str) -> None:
        self.status.emit("", 0)
        self.dialogs.error("Cannot save project", message)

    def _changed_elsewhere(self, path: Path, message: str, then: Then) -> None:
        """Another program saved the file since it was opened here: never overwrite it without asking."""
        self.status.emit("", 0)
        answer = self.dialogs.ask_changed(self.display_name, message)
        if answer == Dialogs.RELOAD:
            self.open_path(path, then)
        elif answer == Dialogs.SAVE_AS:
            self.save_project_as(then)
        elif answer == Dialogs.OVERWRITE:
            self.save(path, then, overwrite=True)

    # ---- closing ------------------------------------------------------------------------------------------------

    def ready_to_close(self, close_again: Callable[[], object]) -> bool:
        """Whether the window may close now: yes without unsaved changes or once the user discards them; no if the
        user cancels, or chooses to save first (then `close_again` is called once saved)."""
        if self._closing_after_save:
            return True
        if self.workspace is not None:

            def close_when_sent() -> None:
                self._closing_after_save = True
                QTimer.singleShot(0, close_again)

            return self.workspace.ask_unsent(close_when_sent, closing=True)
        if not self.document.is_dirty:
            return True
        answer = self.dialogs.ask_unsaved(self.display_name)
        if answer == Dialogs.CANCEL:
            return False
        if answer == Dialogs.SAVE:

            def close_when_saved() -> None:
                self._closing_after_save = True
                QTimer.singleShot(0, close_again)

            self.save_project(close_when_saved)
            return False
        return True

    # ---- dropped files ------------------------------------------------------------------------------------------

    def drop(self, files: list[Path]) -> None:
        """Projects open (the first one), spreadsheets import — into the dropped project when there is one —
        and files RiskDesk cannot read are named in a message instead of being ignored."""
        projects = [f for f in files if f.suffix.lower() == SUFFIX]
        sheets = [f for f in files if f.suffix.lower() in IMPORT_SUFFIXES]
        others = [f for f in files if f not in projects and f not in sheets]
        if others:
            names = ", ".join(f.name for f in others[:5]) + (" …" if len(others) > 5 else "")
            readable = ", ".join(IMPORT_SUFFIXES)
            self.dialogs.error("Some files cannot be imported",
                               f"RiskDesk cannot read {names}. It imports {readable} spreadsheets and opens "
                               f"{SUFFIX} projects" + ("; the other files are being opened." if projects or sheets
                                                       else "."))
        if len(projects) > 1:
            self.noticed.emit(f"Opening {projects[0].name}: one project at a time (the others were not opened)")
        if projects:
            then = (lambda: self.import_wanted.emit(sheets)) if sheets else None
            QTimer.singleShot(0, lambda: self.open_project(projects[0], then))
        elif sheets:
            QTimer.singleShot(0, lambda: self.import_wanted.emit(sheets))

    # ---- recovery -----------------------------------------------------------------------------------------------

    def offer_recovery(self, info: RecoveryInfo) -> bool:
        """Ask whether to open the autosave a crashed session left; returns True when it was recovered."""
        if self.autosave is None:
            return False
        answer = self.dialogs.ask_recover(info)
        if answer == Dialogs.DISCARD_AUTOSAVE:
            info.discard()
            older = find_recovery(self.autosave.folder, own=self.autosave.id)
            return self.offer_recovery(older) if older is not None else False  # the next older one, by date
        if answer != Dialogs.RECOVER:
            return False  # kept: offered again at the next start
        try:
            self.recover(info)
        except Exception as exc:
            log.warning("recovery failed", exc_info=True)
            self.dialogs.error("Cannot recover", f"The autosave could not be read: {exc}")
            return False
        self.status.emit("Recovered unsaved work from the autosave: save it to keep it", 0)
        return True

    def recover(self, info: RecoveryInfo) -> None:
        """Open the autosave `info`, named after its original file and marked unsaved, into this session's slot
        (raises StoreError)."""
        if self.autosave is None:
            raise RuntimeError("no autosave slot to recover into")
        recovered = self.autosave.recover(info, self.app_settings.work_without_lock)
        self._show(recovered.project, recovered.original_path, recovered.base, recovered.lease,
                   recovered.read_only, dirty=True)

    # ---- RiskDesk's own settings --------------------------------------------------------------------------------

    def edit_preferences(self) -> None:
        """Edit ▸ Preferences: RiskDesk's own settings, kept for the next start (the command line reads them too);
        autosave timing applies at once, the row limit from the next import."""
        from riskdesk.ui.preferences_dialog import Preferences

        chosen = self.dialogs.edit_preferences(Preferences.of(self.app_settings))
        if chosen is not None:
            self.set_preferences(chosen)

    def set_preferences(self, chosen: Preferences) -> None:
        settings = self.app_settings
        settings.autosave_delay_seconds = chosen.autosave_delay_seconds
        settings.autosave_seconds = chosen.autosave_seconds
        settings.import_max_rows = chosen.import_max_rows
        settings.work_without_lock = chosen.work_without_lock
        self._save_app_settings()
        if self.autosaver is not None:
            self.autosaver.set_delay(chosen.autosave_delay_seconds)
            self.autosaver.set_interval(chosen.autosave_seconds)

    def _remember(self, path: Path | str) -> None:
        self.app_settings.add_recent(path)
        self._save_app_settings()
        self.recent_changed.emit()

    def _save_app_settings(self) -> None:
        if self.dirs is not None:
            try:
                save_app_settings(self.app_settings, self.dirs)
            except OSError:
                log.warning("could not save application settings", exc_info=True)


def open_project_file(path: Path, read_only: bool = False, held: Lease | None = None,
                      without_lock_ok: bool = False) -> tuple[Project, Revision, Lease | None]:
    """Take the lease (unless `read_only`, or `held` already) and read a project file: the project, its revision
    and the lease held. Raises CannotLockError when another RiskDesk has it open or its lease cannot be taken
    (unless `without_lock_ok`: the setting "work without the lock"), StoreError when it cannot be read."""
    store = open_store(path)
    lease = held or (None if read_only else store.lease(without_lock_ok=without_lock_ok))
    try:
        project, revision = store.read()
    except BaseException:
        if lease is not None and lease is not held:
            lease.release()
        raise
    return project, revision, lease


def _safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in " -_." else "_" for ch in name).strip()
    return cleaned or "project"
