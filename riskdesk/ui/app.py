"""Starting the desktop application: QApplication, logging, crash dialog, icons, recovery, the main window.

`run_gui(argv)` is what `riskdesk` (no arguments) and `riskdesk gui [PROJECT]` call. Start-up comes in two steps
so that the window appears about as fast as an empty Qt window:

1. On the GUI thread, with Qt and the standard library only: the main window, showing the project's rows
   read-only (the demo's from `riskdesk.core.demo_data`, a project's from its store, `ProjectStore.preview_rows`:
   a file's read with sqlite3). No numpy, no pandas: `tests/test_architecture.py` checks it.
2. In a worker thread: numpy, pandas, scoring and the views' modules load and the project is read into
   DataFrames; back on the GUI thread the document is attached, the tables become editable and the project is
   scored (about half a second later on a typical machine).

pyqtgraph loads when a chart is first shown, the spreadsheet readers shortly after start-up (or on first import).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from riskdesk import __version__
from riskdesk.io import userdirs
from riskdesk.io.store import ProjectRows, StoreError, is_database_location, open_store, shown_location
from riskdesk.ui.analysis import ANALYSIS_TABS
from riskdesk.ui.icons import icon
from riskdesk.ui.messages import WARNING
from riskdesk.ui.wheel_guard import install_wheel_guard
from riskdesk.ui.workers import Runner, TaskContext

if TYPE_CHECKING:
    from riskdesk.core.project import Project
    from riskdesk.io.collector import Pause
    from riskdesk.io.store import Lease, Revision
    from riskdesk.ui.autosave import AutosaveSession
    from riskdesk.ui.main_window import MainWindow
    from riskdesk.ui.workspace import OpenedWorkspace

log = logging.getLogger("riskdesk")


LOG_ROTATE_BYTES = 2_000_000
LOG_BACKUPS = 3


def setup_logging(dirs: userdirs.UserDirs, level: int = logging.INFO) -> Path:
    """Log to a file in the user's log folder, started afresh at launch once it has grown past
    LOG_ROTATE_BYTES (keeping LOG_BACKUPS old ones as log.1, log.2, …); returns the file's path.

    Rotating at launch rather than with `logging.handlers.RotatingFileHandler` keeps that module (and the
    socket and pickle modules it loads, ~7 ms) off the start-up path; a session never writes megabytes."""
    path = dirs.log_file
    path.parent.mkdir(parents=True, exist_ok=True)
    _rotate_log(path)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_riskdesk", False):
            root.removeHandler(handler)
            handler.close()
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    file_handler._riskdesk = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    root.setLevel(min(root.level or logging.WARNING, level))
    return path


def _rotate_log(path: Path) -> None:
    try:
        if path.stat().st_size < LOG_ROTATE_BYTES:
            return
        for number in range(LOG_BACKUPS - 1, 0, -1):
            older = path.with_name(f"{path.name}.{number}")
            if older.exists():
                os.replace(older, path.with_name(f"{path.name}.{number + 1}"))
        os.replace(path, path.with_name(f"{path.name}.1"))
    except OSError:  # no log yet, or another RiskDesk has it open (Windows): keep appending
        return


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def make_excepthook(log_path: Path, show: Callable[[str, str], None] | None = None,
                    parent: Callable[[], QWidget | None] | None = None) -> ExceptHook:
    """A `sys.excepthook` that logs the error and shows a dialog naming the log file (never a silent crash)."""
    showing: list[bool] = []

    def show_dialog(summary: str, details: str) -> None:
        box = QMessageBox(parent() if parent else None)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("RiskDesk: unexpected error")
        box.setText(summary)
        box.setInformativeText(
            f"Your open project is autosaved regularly. Please send the log file to support:\n{log_path}")
        box.setDetailedText(details)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.exec()

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        details = "".join(traceback.format_exception(kind, value, tb))
        log.error("unexpected error\n%s", details)
        if showing or QApplication.instance() is None:
            return
        showing.append(True)
        try:
            (show or show_dialog)(f"Something went wrong: {kind.__name__}: {value}", details)
        finally:
            showing.clear()

    return hook


def create_application(argv: list[str]) -> QApplication:
    """The QApplication, set up for high-DPI and the system theme."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication([sys.argv[0] if sys.argv else "riskdesk", *argv])
    app.setApplicationName("RiskDesk")
    app.setApplicationDisplayName("RiskDesk")
    app.setOrganizationName("RiskDesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("riskdesk")
    app.setWindowIcon(icon("riskdesk"))
    # Qt follows the system colour scheme itself (Windows, macOS, GNOME/KDE portals); Fusion on other Linux
    # desktops picks its light or dark palette from the same hint.
    return app


def release_clipboard() -> None:
    """Hand the clipboard a Qt-owned copy of its text before Python exits.

    WORKAROUND: mime data put on the clipboard from Python is otherwise destroyed by a Qt global during C exit,
    after Python has finalised, and shiboken crashes (seen with PySide6 6.11 on Python 3.11, exit code 139)."""
    app = QGuiApplication.instance()
    if app is not None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(clipboard.text())


GIL_SWITCH_INTERVAL_S = 0.0002


def tune_interpreter() -> None:
    """Let the GUI thread take the interpreter back from busy workers within 0.2 ms instead of Python's 5 ms.

    Qt calls the models' data() once per cell and role while it paints, each call taking the interpreter
    back from a worker that may be importing or scoring: at 5 ms a repaint behind a busy worker stalled for
    seconds, at 1 ms for 100 to 290 ms, at 0.2 ms for 60 to 85 ms (bench/bench_gui.py, gui_stall_*). A worker
    alone is no slower: the interval only matters while two threads want the interpreter."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


PREFETCH_MODULES = ("riskdesk.io.importer", "riskdesk.io.template")
"""Loaded in the background once the window is up, so that the first import does not wait for them."""
PREFETCH_DELAY_MS = 1_500


def prefetch_modules(runner: Runner, on_done: Callable[[], None] | None = None) -> None:
    """Import the modules of later features off the GUI thread while the user looks at the window."""

    def load(_task: TaskContext) -> None:
        for name in PREFETCH_MODULES:
            importlib.import_module(name)

    def done(_result: object = None) -> None:
        if on_done is not None:
            on_done()

    def failed(exc: BaseException) -> None:
        log.warning("prefetching modules failed: %s", exc)
        done()

    runner.start(load, done, failed, None)


DATA_LAYER_MODULES = (
    "riskdesk.core.evaluation", "riskdesk.core.demo", "riskdesk.io.store.project_file", "riskdesk.ui.document",
    "riskdesk.ui.scoring", "riskdesk.ui.autosave", "riskdesk.ui.session",
    *(tab.module for tab in ANALYSIS_TABS),
)
"""What the live window needs beyond the first one (numpy, pandas, scoring): loaded by a worker at start-up."""


def demo_rows() -> ProjectRows:
    """The demo project's rows, without numpy or pandas."""
    from riskdesk.core import demo_data
    from riskdesk.core.fields import TABLES

    return ProjectRows(demo_data.NAME, {table: demo_data.table_rows(table) for table in TABLES})


PREVIEW_MAX_ROWS = 5_000
"""Larger projects open on an empty, "Loading…" window: reading and showing their rows before the data layer
loads would delay the window's first paint more than it helps."""


def first_rows(demo: bool, location: str | Path | None) -> tuple[ProjectRows | None, str]:
    """The rows to show (and the window title) before the data layer has loaded; (None, "") when the project
    cannot be read quickly: the full load then says why."""
    if demo:
        return demo_rows(), ""
    if location is not None and is_database_location(location):
        # Never talk to a server on the GUI thread: a workspace's rows come with the full load, in the worker.
        try:
            return None, open_store(location).name
        except StoreError:
            return None, ""
    if location is not None:
        try:
            store = open_store(location)
            return store.preview_rows(PREVIEW_MAX_ROWS), store.name
        except StoreError as exc:
            log.info("no quick preview of %s: %s", shown_location(location), exc)
    return None, ""


@dataclass(frozen=True, slots=True)
class LoadedProject:
    """What the start-up worker hands the GUI thread: the project (None for a new, empty one) or why not."""

    project: Project | None
    path: Path | None
    error: str = ""
    state: Revision | None = None
    """The revision it was read at: a save refuses if it changed since."""
    lock: Lease | None = None
    """The project's lease (a file's lock) taken on it, None when opened read-only."""
    in_use: str = ""
    """Why it was opened read-only: another RiskDesk has it open, or its lock cannot be taken."""
    workspace: OpenedWorkspace | None = None
    """A team workspace read for the window (riskdesk.ui.workspace), instead of a file."""


def load_data_layer(demo: bool, location: str | Path | None, without_lock_ok: bool = False
                    ) -> Callable[[TaskContext], LoadedProject]:
    """The start-up worker's task: import the data layer, then read the project at `location` into DataFrames.
    `without_lock_ok`: the preference "work without the lock" (see riskdesk.io.store.lock)."""

    def load(_task: TaskContext) -> LoadedProject:
        for name in DATA_LAYER_MODULES:
            importlib.import_module(name)
        if demo:
            from riskdesk.core.demo import demo_project

            return LoadedProject(demo_project(), None)
        if location is None:
            return LoadedProject(None, None)
        from riskdesk.io.store import CannotLockError
        from riskdesk.ui.session import open_project_file

        try:
            path = open_store(location).path
            if path is None:  # a workspace
                from riskdesk.ui.workspace import open_workspace_store

                return LoadedProject(None, None, workspace=open_workspace_store(str(location)))
            try:
                project, state, lock = open_project_file(path, without_lock_ok=without_lock_ok)
                return LoadedProject(project, path, state=state, lock=lock)
            except CannotLockError as exc:  # open elsewhere, or the lock cannot be taken: read-only, and say so
                project, state, lock = open_project_file(path, read_only=True)
                return LoadedProject(project, path, state=state, in_use=str(exc))
        except Exception as exc:  # any unreadable file: say why, start with an empty project
            log.warning("cannot open %s: %s", shown_location(location), exc)
            return LoadedProject(None, None, str(exc))

    return load


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """RiskDesk's own options, and the rest (Qt's, e.g. `-platform offscreen`)."""
    parser = argparse.ArgumentParser(prog="riskdesk gui", description="Open the RiskDesk window.")
    parser.add_argument("project", nargs="?", help="a project file (.rdproj) or a team workspace's address to open")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo project")
    parser.add_argument("--smoke", action="store_true",
                        help="print seconds from launch to the first paint of the window with the project's rows "
                             "(shown) and to the live, scored window (ready), then quit (smoke tests, benchmarks)")
    return parser.parse_known_args(argv)


def run_gui(argv: list[str], collector_pause: Pause | None = None) -> int:
    """Open the main window (optionally on a project) and run until it closes. Returns the exit code.
    `collector_pause`, if given, is ended once the window has painted (or starts loading without a paint)."""
    args, qt_args = _parse(argv)
    tune_interpreter()
    dirs = userdirs.init()
    log_path = setup_logging(dirs)
    log.info("RiskDesk %s starting (Python %s)", __version__, sys.version.split()[0])
    app = create_application(qt_args)

    from riskdesk.ui.workers import ThreadPoolRunner

    runner = ThreadPoolRunner()
    _window, startup = open_main_window(args, dirs, runner, log_path, collector_pause=collector_pause)
    code = app.exec()
    runner.wait(10_000)
    release_clipboard()
    startup.end()
    log.info("RiskDesk exited with code %s", code)
    return int(code)


SmokeReport = Callable[[str, float, int], None]
"""Told each moment of a smoke run: ("shown" or "ready", seconds since launch, rows in the first table)."""
SmokeFailure = Callable[[str, str], None]
"""Told why a smoke run failed (one line, and the details: a traceback or ""); it ends the event loop with a
non-zero code."""


def open_main_window(args: argparse.Namespace, dirs: userdirs.UserDirs, runner: Runner, log_path: Path,
                     report: SmokeReport | None = None, fail: SmokeFailure | None = None,
                     collector_pause: Pause | None = None) -> tuple[MainWindow, _Startup]:
    """Show the main window with the project's rows, and load the data layer once it has painted.

    `args` are `riskdesk gui`'s. In a smoke run (`args.smoke`), each moment goes to `report` (default: printed
    as `shown 0.2100 rows=15`) and a failure to `fail` (default: printed, exit code 1); the window closes and the
    event loop ends once the project is scored."""
    from riskdesk.ui.main_window import MainWindow

    preview, title = first_rows(args.demo, args.project)
    window = MainWindow(None, runner, dirs=dirs, preview=preview, preview_title=title,
                        start_page=not args.demo and args.project is None)
    fail = fail or _smoke_failure
    sys.excepthook = make_excepthook(log_path, show=fail if args.smoke else None, parent=lambda: window)
    startup = _Startup(args, dirs, runner, window, report=report or _print_moment, fail=fail,
                       collector_pause=collector_pause)
    # The data layer loads once the window is painted: a worker importing pandas meanwhile would compete with
    # the first paint for the interpreter. (A window that is never painted, e.g. started minimised, waits
    # LOAD_AT_LATEST_MS.)
    after_first_paint(window, startup.first_painted)
    QTimer.singleShot(LOAD_AT_LATEST_MS, startup.start_loading)
    window.show()
    return window, startup


def _print_moment(moment: str, seconds: float, rows: int) -> None:
    print(f"{moment} {seconds:.4f} rows={rows}", flush=True)


def _smoke_failure(message: str, details: str = "") -> None:
    """A smoke run has no one to read an error dialog: print the error and end with exit code 1."""
    print(details or message, file=sys.stderr, flush=True)
    QApplication.exit(1)


class _FirstPaint(QObject):
    """Calls back once the window's first paint pass is done. Watches the window alone: Qt paints a window's
    widgets in one pass that starts with the window itself."""

    def __init__(self, window: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self._callback = callback

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)  # runs once the rest of this paint pass is done
        return False


def after_first_paint(window: QWidget, callback: Callable[[], None]) -> None:
    """Call `callback` when `window` has been painted for the first time."""
    window.installEventFilter(_FirstPaint(window, callback))


LOAD_AT_LATEST_MS = 250

LAUNCH_TIME_VARIABLE = "RISKDESK_LAUNCH_TIME"
"""Set by whoever starts RiskDesk to the launch moment (`time.time()`), to time start-up from outside."""


def seconds_since_launch() -> float:
    """Seconds since $RISKDESK_LAUNCH_TIME, else since this process started (Linux), else CPU seconds used."""
    launched = float(os.environ.get(LAUNCH_TIME_VARIABLE, "0") or 0) or process_start_time()
    return time.time() - launched if launched else time.process_time()


def process_start_time() -> float | None:
    """When this process started (`time.time()` scale, to 1/100 s), where the system says (Linux); else None."""
    try:
        fields = Path("/proc/self/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text(encoding="ascii").split()[0])
        return time.time() - uptime + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class _Startup:
    """The second step of start-up (attach the loaded document, offer recovery) and the process's end."""

    def __init__(self, args: argparse.Namespace, dirs: userdirs.UserDirs, runner: Runner, window: MainWindow,
                 report: SmokeReport = _print_moment, fail: SmokeFailure = _smoke_failure,
                 collector_pause: Pause | None = None) -> None:
        self.args = args
        self.dirs = dirs
        self.runner = runner
        self.window = window
        self.report = report
        self.fail = fail
        self.autosave: AutosaveSession | None = None
        """This session's autosave slot, taken once the document loads (a crash is noticed next time)."""
        self.loading = False
        self.app_settings: userdirs.AppSettings | None = None
        self.settings_note = ""
        """RiskDesk's own settings, read when loading starts, and what to say when the file was damaged."""
        self.collector_pause = collector_pause
        """Start-up's pause of the cyclic garbage collector, ended when loading starts (after the first paint)."""

    def first_painted(self) -> None:
        if self.args.smoke:
            self.report_shown()
        self.start_loading()

    def start_loading(self) -> None:
        if self.collector_pause is not None:
            self.collector_pause.end()
        if not self.loading:
            self.loading = True
            self.app_settings, self.settings_note = userdirs.read_app_settings(self.dirs)
            task = load_data_layer(self.args.demo, self.args.project, self.app_settings.work_without_lock)
            self.runner.start(task, self.attach, self.failed, None)
            app = QApplication.instance()
            if isinstance(app, QApplication):  # after the first paint, not before: see riskdesk.ui.wheel_guard
                install_wheel_guard(app)

    def _report(self, moment: str) -> None:
        rows = self.window.pages[next(iter(self.window.pages))].model.rowCount()
        self.report(moment, seconds_since_launch(), rows)

    def report_shown(self) -> None:
        self._report("shown")

    def attach(self, loaded: LoadedProject) -> None:
        from riskdesk.ui import document as document_module
        from riskdesk.ui.autosave import AutosaveSession, find_recovery
        from riskdesk.ui.session import Session

        # A smoke run leaves the crash-recovery state alone: it must never discard a real session's autosave.
        recovery = None
        if not self.args.smoke:
            recovery = find_recovery(self.dirs.autosave)
            self.autosave = AutosaveSession(self.dirs.autosave)
        if self.app_settings is None:
            self.app_settings, self.settings_note = userdirs.read_app_settings(self.dirs)
        settings_note = self.settings_note
        document = document_module.Document(loaded.project if loaded.path is None else None,
                                            app_settings=self.app_settings, runner=self.runner)
        session = Session(document, self.window.dialogs, self.dirs, self.autosave, self.window)
        if loaded.project is not None and loaded.path is not None:
            session.adopt(loaded.project, loaded.path, loaded.state, loaded.lock, bool(loaded.in_use))
        elif loaded.workspace is not None:
            session.adopt_workspace(loaded.workspace)
        self.window.attach(document, session=session)
        if settings_note:  # a damaged settings file: the defaults hold and the file was kept aside; said once
            log.warning("%s", settings_note)
            self.window.messages.post("settings", WARNING, settings_note)
        if self.args.smoke:
            scoring = self.window.scoring
            assert scoring is not None
            if scoring.evaluation is not None:  # small projects are scored at once
                QTimer.singleShot(0, self.report_ready)
            else:
                scoring.evaluated.connect(lambda _evaluation: self.report_ready())
            if loaded.error:
                print(f"cannot open project: {loaded.error}", file=sys.stderr)
            return
        if loaded.error:
            QTimer.singleShot(0, lambda: self.window.dialogs.error("Cannot open project", loaded.error))
        if loaded.in_use:
            QTimer.singleShot(0, lambda: self.window.show_notice(f"Opened read-only: {loaded.in_use}"))
        if session.lock_notice:
            QTimer.singleShot(0, lambda: self.window.show_notice(session.lock_notice))
        if recovery is not None:
            QTimer.singleShot(0, lambda: session.offer_recovery(recovery))
        QTimer.singleShot(PREFETCH_DELAY_MS, lambda: prefetch_modules(self.runner))

    def failed(self, exc: BaseException) -> None:
        """The data layer did not load (a broken installation): say so, with the log file, and quit."""
        log.error("RiskDesk could not load", exc_info=exc)
        if self.args.smoke:
            self.fail(f"could not load: {type(exc).__name__}: {exc}", "")
            return
        self.window.dialogs.error("RiskDesk could not start",
                                  f"{type(exc).__name__}: {exc}\n\nDetails are in the log file: {self.dirs.log_file}")
        self.window.close()

    def report_ready(self) -> None:
        self._report("ready")
        self.window.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def end(self) -> None:
        if self.autosave is not None:
            # The window only closes once the user has saved or discarded their changes.
            self.autosave.end()
