"""Starting the desktop application: QApplication, logging, crash dialog, icons, recovery, the main window.

`run_gui(argv)` is what `riskdesk` (no arguments) and `riskdesk gui [PROJECT]` call. It keeps start-up short:
numpy and pandas load before Qt (see the WORKAROUND below), pyqtgraph only when a chart is first shown, the
spreadsheet readers only when something is imported.

Icons are SVG files in `resources/icons/` drawn with `currentColor`, recoloured here with the palette's text
colour so that they follow the system's light or dark theme.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import logging.handlers
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

# WORKAROUND for https://github.com/napari/napari/issues/8584: PySide6's import hook reads the source of every
# module imported after it (for `__feature__`). numpy and pandas are needed for the first window anyway; loading
# them before Qt saves ~0.1 s of start-up.
import numpy  # noqa: F401
import pandas  # noqa: F401
from PySide6.QtCore import QByteArray, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from riskdesk import __version__
from riskdesk.core.resources import resource_path
from riskdesk.io import userdirs
from riskdesk.ui.workers import Runner, TaskContext

log = logging.getLogger("riskdesk")

ICON_SIZES = (16, 24)
"""Menus and tabs use 16 px, toolbars 24 px; other sizes scale from these (each drawn at 1× and 2× for high DPI)."""


def icon(name: str, color: str | None = None) -> QIcon:
    """A bundled icon (`resources/icons/NAME.svg`) drawn in `color` (default: the palette's text colour)."""
    path = resource_path("icons", f"{name}.svg")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return QIcon()
    if "currentColor" not in text:
        return QIcon(str(path))
    if color is None:
        app = QGuiApplication.instance()
        palette = QGuiApplication.palette() if app is not None else QPalette()
        color = palette.color(QPalette.ColorRole.WindowText).name()
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(text.replace("currentColor", color).encode("utf-8")))
    result = QIcon()
    for size in ICON_SIZES:
        for ratio in (1.0, 2.0):
            pixmap = QPixmap(QSize(round(size * ratio), round(size * ratio)))
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter, QRectF(0, 0, size * ratio, size * ratio))
            painter.end()
            pixmap.setDevicePixelRatio(ratio)
            result.addPixmap(pixmap)
    return result


def setup_logging(dirs: userdirs.UserDirs, level: int = logging.INFO) -> Path:
    """Log to a rotating file in the user's log folder (and warnings to stderr); returns the file's path."""
    path = dirs.log_file
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_riskdesk", False):
            root.removeHandler(handler)
            handler.close()
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    file_handler._riskdesk = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    root.setLevel(min(root.level or logging.WARNING, level))
    return path


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


GIL_SWITCH_INTERVAL_S = 0.001


def tune_interpreter() -> None:
    """Let the GUI thread take the interpreter back from busy workers within 1 ms instead of Python's 5 ms:
    halves the longest GUI stall while a large import or scoring runs (bench/bench_gui.py)."""
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


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """RiskDesk's own options, and the rest (Qt's, e.g. `-platform offscreen`)."""
    parser = argparse.ArgumentParser(prog="riskdesk gui", description="Open the RiskDesk window.")
    parser.add_argument("project", nargs="?", type=Path, help="a project file (.rdproj) to open")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo project")
    parser.add_argument("--smoke", action="store_true",
                        help="print seconds from launch to a shown window with the project, then quit (smoke tests)")
    return parser.parse_known_args(argv)


def run_gui(argv: list[str]) -> int:
    """Open the main window (optionally on a project) and run until it closes. Returns the exit code."""
    args, qt_args = _parse(argv)
    tune_interpreter()
    dirs = userdirs.init()
    log_path = setup_logging(dirs)
    log.info("RiskDesk %s starting (Python %s)", __version__, sys.version.split()[0])
    app = create_application(qt_args)

    from riskdesk.ui import document as document_module
    from riskdesk.ui.main_window import MainWindow
    from riskdesk.ui.workers import ThreadPoolRunner

    # A smoke run leaves the crash-recovery state alone: it must never discard a real session's autosave.
    recovery = None if args.smoke else document_module.find_recovery(dirs)
    if not args.smoke:
        document_module.mark_session_started(dirs)
    settings = userdirs.load_app_settings(dirs)
    runner = ThreadPoolRunner()
    document = document_module.Document(app_settings=settings, dirs=dirs, runner=runner)
    window = MainWindow(document, runner, dirs=dirs)
    sys.excepthook = make_excepthook(log_path, parent=lambda: window)

    open_error = ""
    if args.demo:
        from riskdesk.core.demo import demo_project

        document.new(demo_project())
    elif args.project is not None:
        try:
            document.open(args.project)
        except Exception as exc:  # any unreadable file: say why, start with an empty project
            log.warning("cannot open %s: %s", args.project, exc)
            open_error = str(exc)
    window.show()
    if open_error:
        if args.smoke:
            print(f"cannot open project: {open_error}", file=sys.stderr)
        else:
            QTimer.singleShot(0, lambda: window.dialogs.error("Cannot open project", open_error))

    if args.smoke:
        def report() -> None:
            started = float(os.environ.get("RISKDESK_LAUNCH_TIME", "0") or 0)
            elapsed = time.time() - started if started else time.process_time()
            print(f"shown {elapsed:.4f} rows={document.models[next(iter(document.models))].rowCount()}", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, report)
    else:
        if recovery is not None:
            QTimer.singleShot(0, lambda: window.offer_recovery(recovery))
        QTimer.singleShot(PREFETCH_DELAY_MS, lambda: prefetch_modules(runner))

    code = app.exec()
    runner.wait(10_000)
    release_clipboard()
    if not args.smoke:
        # The window only closes once the user has saved or discarded their changes.
        document_module.mark_clean_exit(dirs)
    log.info("RiskDesk exited with code %s", code)
    return int(code)
