"""`riskdesk --selftest`: check that an installed RiskDesk works, on the machine it is installed on.

IT runs it after deploying (and CI after building): it opens the main window offscreen on the demo project,
draws and saves its charts, scores the demo as the command line does, saves and re-opens it as a project file,
reads it back from a workbook as an import would, runs a scenario and writes a report, all in a temporary folder
that is removed afterwards, leaving the user's settings, autosaves and logs alone. It prints one line per step
and exits 0, or prints `self-test FAILED at STEP: why` (one line, on stderr) and exits 1.

Steps for features that are still being built plug in when their module appears: if `riskdesk.core.simulation`
or `riskdesk.io.report` exists, it must have a function `selftest(project: Project, folder: Path) -> str` that
does its job on the demo project (writing any files into `folder`), raises if anything is wrong, and returns
one line saying what it did. While the module is absent, the step prints "not built yet (skipped)".
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from riskdesk import __version__
from riskdesk.io import userdirs

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.core.project import Project
    from riskdesk.ui.main_window import MainWindow

WINDOW_LIMIT_S = 60
"""The window must be shown, loaded and scored within this many seconds (about one second is usual)."""
DETAILS_VARIABLE = "RISKDESK_SELFTEST_TRACEBACK"
"""Set to 1 to print the traceback of a failed step after its one-line message."""

PLUGGABLE_STEPS = {"scenario": "riskdesk.core.simulation", "report": "riskdesk.io.report"}
"""Steps whose modules other features add: each module's `selftest(project, folder) -> str` is called."""


class SelfTestHook(Protocol):
    def __call__(self, project: Project, folder: Path) -> str: ...


class SelfTestFailure(Exception):
    """A step found something wrong (its message is the one line printed)."""


@dataclass
class _Run:
    """What the steps hand on to each other."""

    folder: Path
    project: Project | None = None
    window: MainWindow | None = None
    window_evaluation: Evaluation | None = None
    as_of: dt.date = field(default_factory=dt.date.today)

    def demo(self) -> Project:
        if self.project is None:
            from riskdesk.core.demo import demo_project

            self.project = demo_project()
        return self.project


def run_selftest() -> int:
    """Run every step, print what each did, and return the exit code (0 all passed, 1 a step failed)."""
    started = time.perf_counter()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no screen needed, and no window pops up on the user's
    frozen = getattr(sys, "frozen", False)
    where = f"installed at {Path(sys.executable).parent}" if frozen else f"from {Path(__file__).parents[2]}"
    print(f"RiskDesk {__version__} self-test ({where}; Python {platform.python_version()}, "
          f"{platform.system()} {platform.machine()})", flush=True)
    step = "setup"
    with tempfile.TemporaryDirectory(prefix="riskdesk-selftest-", ignore_cleanup_errors=True) as temp:
        run = _Run(Path(temp))
        previous_user_dir = os.environ.get(userdirs.ENV_OVERRIDE)
        os.environ[userdirs.ENV_OVERRIDE] = str(run.folder / "user")
        try:
            for step, action in _STEPS:
                print(f"{step}: {action(run)}", flush=True)
        except Exception as exc:
            message = str(exc) if isinstance(exc, SelfTestFailure) else f"{type(exc).__name__}: {exc}"
            print(f"self-test FAILED at {step}: {' '.join(message.split())}", file=sys.stderr, flush=True)
            if os.environ.get(DETAILS_VARIABLE) == "1":
                traceback.print_exc()
            return 1
        finally:
            _close_log()
            if previous_user_dir is None:
                os.environ.pop(userdirs.ENV_OVERRIDE, None)
            else:
                os.environ[userdirs.ENV_OVERRIDE] = previous_user_dir
    print(f"self-test passed in {time.perf_counter() - started:.1f} s (temporary folder removed)", flush=True)
    return 0


def _window(run: _Run) -> str:
    """The start-up a user sees: the window with the demo's rows, then live and scored (as `gui --demo`)."""
    from PySide6.QtCore import QTimer, qVersion

    from riskdesk.ui.app import create_application, open_main_window, setup_logging, tune_interpreter
    from riskdesk.ui.workers import ThreadPoolRunner

    tune_interpreter()
    dirs = userdirs.init()
    log_path = setup_logging(dirs)
    app = create_application([])
    runner = ThreadPoolRunner()
    moments: dict[str, tuple[float, int]] = {}
    failures: list[str] = []

    def fail(message: str, _details: str = "") -> None:
        failures.append(message)
        app.exit(1)

    def report(moment: str, seconds: float, rows: int) -> None:
        moments[moment] = (seconds, rows)

    args = argparse.Namespace(project=None, demo=True, smoke=True)
    hook = sys.excepthook
    try:
        window, _session = open_main_window(args, dirs, runner, log_path, report=report, fail=fail)
        limit = QTimer()
        limit.setSingleShot(True)
        limit.timeout.connect(lambda: fail(f"the window was not live and scored within {WINDOW_LIMIT_S} s"))
        limit.start(WINDOW_LIMIT_S * 1000)
        code = app.exec()
        limit.stop()
        runner.wait(10_000)
    finally:
        sys.excepthook = hook
    if failures or code:
        raise SelfTestFailure(failures[0] if failures else f"the window's event loop ended with code {code}")
    if window.document is None or window.scoring is None or window.scoring.evaluation is None:
        raise SelfTestFailure("the window closed before the demo project was scored")
    run.window = window
    run.project = window.document.project
    run.window_evaluation = window.scoring.evaluation
    run.as_of = run.window_evaluation.as_of
    (shown, rows), (ready, _rows) = moments["shown"], moments["ready"]
    return (f"shown {shown:.2f} s after launch with the demo's {rows} parts, live and scored at {ready:.2f} s "
            f"(Qt {qVersion()}, offscreen)")


def _charts(run: _Run) -> str:
    """The Exposure tab's charts (pyqtgraph, loaded on first show), drawn and saved as PNG and SVG."""
    from PySide6.QtWidgets import QApplication

    if run.window is None:
        raise SelfTestFailure("no window to draw charts in")
    panel = run.window.exposure_view.charts
    panel.ensure_built()
    QApplication.processEvents()
    saved = []
    for suffix in ("png", "svg"):
        path = panel.charts["element"].save(run.folder / f"exposure-by-element.{suffix}")
        if not path.exists() or path.stat().st_size < 1000:
            raise SelfTestFailure(f"the chart saved as {path.name} is empty")
        saved.append(f"{path.name} ({path.stat().st_size / 1024:.0f} KB)")
    return f"{len(panel.charts)} exposure charts drawn; saved {' and '.join(saved)}"


def _score(run: _Run) -> str:
    """Score the demo as `riskdesk score` does; it must agree with what the window showed."""
    from riskdesk.core.evaluation import band

    project = run.demo()
    evaluation = _evaluate(project, run.as_of)
    score, _reason = evaluation.portfolio_score()
    if run.window_evaluation is not None:
        shown, _ = run.window_evaluation.portfolio_score()
        if abs(shown - score) > 1e-9:
            raise SelfTestFailure(f"the window shows portfolio score {shown:.2f}, the command line {score:.2f}")
    reports = evaluation.part_reports()
    red = sum(1 for report in reports if report.band == "red")
    return (f"{len(reports)} parts as of {run.as_of}, control list {evaluation.rules_version}: portfolio "
            f"{score:.0f} ({band(score)}), {red} red; the window shows the same")


def _project_file(run: _Run) -> str:
    """Save the demo as a .rdproj file, open it again and score it: the same score."""
    from riskdesk.io.store import open_store

    project = run.demo()
    path = run.folder / "demo.rdproj"
    store = open_store(path)
    store.save(project, None, text="Self-test")
    reopened, _ = store.read()
    before, after = project.tables, reopened.tables
    for table in ("parts", "suppliers", "paths"):
        if len(getattr(before, table)) != len(getattr(after, table)):
            raise SelfTestFailure(f"{path.name} re-opened with {len(getattr(after, table))} {table}, "
                                  f"saved with {len(getattr(before, table))}")
    score, _ = _evaluate(project, run.as_of).portfolio_score()
    again, _ = _evaluate(reopened, run.as_of).portfolio_score()
    if abs(score - again) > 1e-9:
        raise SelfTestFailure(f"{path.name} scores {again:.2f} re-opened, {score:.2f} before saving")
    return f"saved, re-opened and scored the same ({path.name}, {path.stat().st_size / 1024:.0f} KB)"


def _import(run: _Run) -> str:
    """Write the demo's supply paths into a workbook in the template's columns and import it (nothing saved)."""
    import xlsxwriter

    from riskdesk.core.domain import TEMPLATE_COLUMNS
    from riskdesk.io.importer import read_and_validate

    tables = run.demo().tables
    rows = tables.paths.merge(tables.parts, on="part_number").merge(tables.suppliers, on="supplier_id")
    rows = rows[list(TEMPLATE_COLUMNS)]
    path = run.folder / "supply-paths.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Supply paths")
    sheet.write_row(0, 0, list(TEMPLATE_COLUMNS))
    for number, values in enumerate(rows.itertuples(index=False), start=1):
        for column, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(number, column, value)
            elif value == value and value is not None:  # NaN stays an empty cell
                sheet.write_number(number, column, float(value))
    workbook.close()
    result = read_and_validate([path])
    if not result.ok:
        raise SelfTestFailure(f"importing {path.name} failed: {result.errors[0]}")
    counts = {name: len(getattr(result.tables, name)) for name in ("parts", "suppliers", "paths")}
    wanted = {name: len(getattr(tables, name)) for name in counts}
    if counts != wanted:
        raise SelfTestFailure(f"importing {path.name} read {counts}, the demo has {wanted}")
    return (f"{counts['paths']} supply paths of {counts['parts']} parts and {counts['suppliers']} suppliers "
            f"written to {path.name} and imported back without errors")


def _pluggable(step: str) -> Callable[[_Run], str]:
    """The step that calls `selftest(project, folder)` in the module PLUGGABLE_STEPS names, if it exists."""

    def action(run: _Run) -> str:
        module_name = PLUGGABLE_STEPS[step]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:  # the module is there but something it imports is not
                raise
            return "not built yet (skipped)"
        hook: SelfTestHook | None = getattr(module, "selftest", None)
        if hook is None:
            raise SelfTestFailure(f"{module_name} has no selftest(project, folder) function")
        folder = run.folder / step
        folder.mkdir()
        return hook(run.demo(), folder)

    return action


def _evaluate(project: Project, as_of: dt.date) -> Evaluation:
    from riskdesk.core.evaluation import compile_project, evaluate
    from riskdesk.core.reference import default_reference

    reference = default_reference()
    return evaluate(compile_project(project, reference), as_of, project.settings, reference)


def _close_log() -> None:
    """Let go of the log file in the temporary folder, so that it can be removed (Windows)."""
    import logging

    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_riskdesk", False):
            root.removeHandler(handler)
            handler.close()


_STEPS: list[tuple[str, Callable[[_Run], str]]] = [
    ("window", _window),
    ("charts", _charts),
    ("score", _score),
    ("project file", _project_file),
    ("import", _import),
    ("scenario", _pluggable("scenario")),
    ("report", _pluggable("report")),
]
