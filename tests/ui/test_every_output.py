"""Every file RiskDesk writes for the user goes through riskdesk.io.outputs, the one rule: each command-line option
that writes and each window action that writes refuses the project (through a hard or symbolic link too) and
reaches the user's name only through `outputs._publish`. A new file option of the command line fails here until it
is classified; a module that starts writing files itself fails the source check at the bottom."""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from riskdesk.__main__ import main as entry_point
from riskdesk.cli import build_parser
from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import evaluate
from riskdesk.io import outputs
from riskdesk.io.store.project_file import save_project
from riskdesk.io.table_export import ExportTable
from riskdesk.io.template import write_problem_report
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.workers import SynchronousRunner

AS_OF = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[2]

# ---- the command line ---------------------------------------------------------------------------------------------

PROJECTS = {(c, "project") for c in ("demo", "new", "import", "score", "scenario", "report")}
"""Project files: read, or saved by riskdesk.io.store.project_file (lock, revision check, atomic save)."""
READ = {("import", "files"), ("import", "mapping"), ("score", "rules"), ("scenario", "rules"), ("report", "rules"),
        ("rules", "file"), ("rules", "diff"), ("scenario", "file")}
WRITTEN: dict[tuple[str, str], tuple[str, Callable[[Path, Path, Path], list[str]]]] = {
    ("template", "out"): (".xlsx", lambda project, source, out: ["template", str(out)]),
    ("report", "out"): (".xlsx", lambda project, source, out: ["report", str(project), str(out)]),
    ("import", "report"): (".xlsx", lambda project, source, out: ["import", str(project), str(source), "--dry-run",
                                                                  "--report", str(out)]),
    ("import", "save_mapping"): (".json", lambda project, source, out: ["import", str(project), str(source),
                                                                       "--show-mapping", "--save-mapping", str(out)]),
    ("scenario", "chart"): (".png", lambda project, source, out: ["scenario", str(project), "--preset", "dfars-2027",
                                                                  "--as-of", "2026-11-23", "--chart", str(out)]),
}
"""Options that write a file for the user, each with its suffix and a command line that writes it."""
FOLDERS = {("request", "outdir")}
"""Options naming a folder the command writes files into (`riskdesk request`: OUTDIR/<supplier_id>.xlsx), checked
below file by file."""


def _file_options() -> set[tuple[str, str]]:
    """(command, option) of every argument that names a file."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {(name, action.dest) for name, sub in commands.choices.items() for action in sub._actions
            if action.type is Path}


def test_every_file_option_of_the_command_line_is_known_as_read_or_written() -> None:
    unknown = _file_options() - PROJECTS - READ - set(WRITTEN) - FOLDERS
    assert not unknown, (f"new file options {sorted(unknown)}: add each to READ, or, when it writes, write it through "
                         "riskdesk.io.outputs and add it to WRITTEN here")
    assert set(WRITTEN) <= _file_options()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "demo.rdproj"
    save_project(demo_project(), project)
    source = tmp_path / "supplier.csv"
    source.write_text("part_number,magnet_family\nX-1,NdFeB-sintered\n", encoding="utf-8")
    return project, source


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The targets `outputs._publish` moved a finished file over."""
    seen: list[Path] = []
    original = outputs._publish

    def spy(temporary: Path, target: Path, existed: bool, force: bool) -> None:
        seen.append(target)
        original(temporary, target, existed, force)

    monkeypatch.setattr(outputs, "_publish", spy)
    return seen


@pytest.mark.parametrize("option", sorted(WRITTEN), ids=lambda o: f"{o[0]}-{o[1]}")
def test_each_command_line_output_refuses_the_project_through_links_even_with_force(
        qapp: object, option: tuple[str, str], files: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    project, source = files
    before = project.read_bytes()
    suffix, argv = WRITTEN[option]
    hard, soft = tmp_path / f"hard{suffix}", tmp_path / f"soft{suffix}"
    os.link(project, hard)
    soft.symlink_to(project)
    for target in (hard, soft):
        for force in ([], ["--force"]):
            code = entry_point([*argv(project, source, target), *force])
            err = capsys.readouterr().err
            assert code == 1 and "would destroy it" in err, (option, target.name, err)
    assert project.read_bytes() == before


@pytest.mark.parametrize("option", sorted(WRITTEN), ids=lambda o: f"{o[0]}-{o[1]}")
def test_each_command_line_output_is_published_by_the_one_path(qapp: object, option: tuple[str, str],
                                                                files: tuple[Path, Path], tmp_path: Path,
                                                                published: list[Path], capsys) -> None:
    project, source = files
    suffix, argv = WRITTEN[option]
    out = tmp_path / f"out{suffix}"
    entry_point(argv(project, source, out))
    capsys.readouterr()
    assert published == [out] and out.stat().st_size > 0


def test_the_declaration_workbooks_refuse_the_project_through_links_and_are_published_by_the_one_path(
        qapp: object, files: tuple[Path, Path], tmp_path: Path, published: list[Path], capsys) -> None:
    project, _ = files
    before = project.read_bytes()
    out = tmp_path / "requests"
    out.mkdir()
    target = out / "SUP-CN1.xlsx"
    for link in (os.link, lambda source, name: Path(name).symlink_to(source)):
        link(project, target)
        for force in ([], ["--force"]):
            code = entry_point(["request", str(project), str(out), "--supplier", "SUP-CN1", *force])
            err = capsys.readouterr().err
            assert code == 1 and "would destroy it" in err, err
        target.unlink()
    assert project.read_bytes() == before and published == []
    assert entry_point(["request", str(project), str(out), "--supplier", "SUP-CN1", "--supplier", "SUP-JP1"]) == 0
    assert published == [out / "SUP-CN1.xlsx", out / "SUP-JP1.xlsx"]


# ---- the window ---------------------------------------------------------------------------------------------------

class _Dialogs(Dialogs):
    def __init__(self, answer: Path) -> None:
        super().__init__(None)
        self.answer = answer
        self.errors: list[str] = []

    def template_path(self, suggested: str) -> Path | None:
        return self.answer

    def report_path(self, suggested: str) -> Path | None:
        return self.answer

    def error(self, title: str, text: str) -> None:
        self.errors.append(text)

    def info(self, title: str, text: str) -> None:
        pass


def _save_chart(qtbot: QtBot, target: Path) -> list[str]:
    """A chart's "Save chart as PNG/SVG…" (every chart of the Exposure and Scenarios tabs is a ChartWidget)."""
    from riskdesk.ui.charts import ChartWidget

    chart = ChartWidget("Exposure by element")
    qtbot.addWidget(chart)
    chart.set_bars(["Dy", "Nd"], [1.0, 2.0], "kg")
    try:
        chart.save(target)
    except outputs.OutputError as exc:
        return [str(exc)]
    return []


def _export_table(qtbot: QtBot, target: Path) -> list[str]:
    """A table's "Export table…" (every table view gets it from add_export_action)."""
    from PySide6.QtWidgets import QTableView

    from riskdesk.ui.table_export_action import add_export_action

    view = QTableView()
    qtbot.addWidget(view)
    dialogs = _Dialogs(target)
    action = add_export_action(view, "Parts", dialogs, rows_getter=lambda: ExportTable("Parts", ["a"], [[1]]),
                               choose_path=lambda suggested: target)
    action.trigger()
    return dialogs.errors


def _export_report(qtbot: QtBot, target: Path) -> list[str]:
    """File ▸ Export report…"""
    from riskdesk.ui.report_dialog import ReportDialog

    project = demo_project()
    dialogs = _Dialogs(target)
    dialog = ReportDialog(lambda: project, evaluate(project, AS_OF), SynchronousRunner(), dialogs,
                          folder=target.parent, choose_path=lambda suggested: target)
    qtbot.addWidget(dialog)
    dialog.browse()
    dialog.export()
    return dialogs.errors


def _export_scenario(qtbot: QtBot, target: Path) -> list[str]:
    """Scenarios ▸ Export…"""
    from riskdesk.ui.analysis import ViewContext
    from riskdesk.ui.document import Document
    from riskdesk.ui.scenarios_view import PRESET, ScenariosView
    from riskdesk.ui.scoring import Scoring

    document = Document(demo_project(), runner=SynchronousRunner())
    scoring = Scoring(document, AS_OF)
    dialogs = _Dialogs(target)
    view = ScenariosView(ViewContext(document, scoring, dialogs))
    qtbot.addWidget(view)
    scoring.evaluated.connect(view.set_evaluation)
    scoring.refresh()
    view.select(PRESET, "dfars-2027")
    view.export_file(target)
    return dialogs.errors


def _save_template(qtbot: QtBot, target: Path) -> list[str]:
    """"Save the blank import template…": the start page, File ▸ Save Blank Import Template and the import
    dialog's button all call save_blank_template."""
    from riskdesk.ui.import_dialog import save_blank_template

    dialogs = _Dialogs(target)
    save_blank_template(dialogs, target.parent)
    return dialogs.errors


def _save_problem_report(qtbot: QtBot, target: Path) -> list[str]:
    """The import dialog's "Save report…" (ImportDialog.save_report passes the chosen name to this)."""
    try:
        write_problem_report([], target, [])
    except outputs.OutputError as exc:
        return [str(exc)]
    return []


WINDOW: dict[str, tuple[str, Callable[[QtBot, Path], list[str]]]] = {
    "save chart": (".png", _save_chart),
    "save chart as svg": (".svg", _save_chart),
    "export table xlsx": (".xlsx", _export_table),
    "export table csv": (".csv", _export_table),
    "export report": (".xlsx", _export_report),
    "export scenario": (".json", _export_scenario),
    "save template": (".xlsx", _save_template),
    "save problem report": (".xlsx", _save_problem_report),
}
"""Each window action that writes a file for the user: a suffix it writes and how to run it on a chosen name
(the file dialog said yes to replacing, which counts as --force). Returns the messages the user was shown."""


@pytest.mark.parametrize("action", sorted(WINDOW))
def test_each_window_output_refuses_any_project_through_links_and_says_so(
        qtbot: QtBot, action: str, files: tuple[Path, Path], tmp_path: Path) -> None:
    project, _ = files
    before = project.read_bytes()
    suffix, run = WINDOW[action]
    hard, soft = tmp_path / f"hard{suffix}", tmp_path / f"soft{suffix}"
    os.link(project, hard)
    soft.symlink_to(project)
    for target in (hard, soft):
        shown = run(qtbot, target)
        assert len(shown) == 1 and "is a RiskDesk project" in shown[0] and "would destroy it" in shown[0], shown
    assert project.read_bytes() == before


@pytest.mark.parametrize("action", sorted(WINDOW))
def test_each_window_output_is_published_by_the_one_path(qtbot: QtBot, action: str, tmp_path: Path,
                                                         published: list[Path]) -> None:
    suffix, run = WINDOW[action]
    out = tmp_path / f"out{suffix}"
    assert run(qtbot, out) == []
    assert published == [out] and out.stat().st_size > 0


# ---- the source: nobody writes a file any other way ----------------------------------------------------------------

_WRITE_MODES = set("wax+")
_NAMED = {("os", "replace"), ("os", "rename"), ("os", "link"), ("os", "open"), ("os", "fdopen"), ("shutil", "move"),
          ("shutil", "copy"), ("shutil", "copy2"), ("shutil", "copyfile"), ("shutil", "copytree"),
          ("tempfile", "mkstemp"), ("tempfile", "NamedTemporaryFile"), ("xlsxwriter", "Workbook"),
          ("zipfile", "ZipFile")}
_METHODS = {"write_text", "write_bytes"}
_TO_FILE = {"to_csv", "to_excel", "to_parquet"}
"""pandas' writers, when given a file (not to_json: RiskDesk's own to_json methods share its name)."""

ALLOWED: dict[str, set[str]] = {
    # the one path of every output
    "riskdesk/io/outputs.py": {"os.replace", "os.open", "open(w)", ".write_bytes"},
    # XlsxWriter writes the workbook on the temporary path atomic_output gives (xlsx.workbook)
    "riskdesk/io/xlsx.py": {"xlsxwriter.Workbook"},
    # the csv is written on the temporary path atomic_output gives
    "riskdesk/io/table_export.py": {".open(w)"},
    # projects: their own atomic save, revision check (a new project put in place with a hard link, the
    # replacement marker where a drive cannot lock) and leftovers (docs/reliability.md)
    "riskdesk/io/store/project_file.py": {"os.replace", "os.open", "open(w)", "os.link"},
    # the project lock file beside a project (opened read-only to take over another user's free lock file)
    "riskdesk/io/store/lock.py": {"os.open"},
    # RiskDesk's own settings.json in the user's config folder
    # RiskDesk's own settings.json in the user's config folder; a damaged one is moved aside (os.rename)
    "riskdesk/io/userdirs.py": {"tempfile.mkstemp", "os.fdopen", "os.replace", "os.rename"},
    # autosaves in the user's private autosave folder
    "riskdesk/ui/autosave.py": {"os.replace", "os.open", "os.fdopen"},
    # a workspace's unsent change sets (the outbox), beside the autosave in the user's private autosave folder
    "riskdesk/ui/workspace.py": {".write_text", "os.replace"},
    # recoloured icons in the user's private cache folder
    "riskdesk/ui/icons.py": {"tempfile.mkstemp", "os.fdopen", "os.replace"},
    # rotating the log file in the user's log folder
    "riskdesk/ui/app.py": {"os.replace"},
    # --selftest writes into its own temporary folder
    "riskdesk/ui/selftest.py": {"xlsxwriter.Workbook"},
    "riskdesk/core/simulation.py": {".write_text"},
}
"""Modules that write files other than through riskdesk.io.outputs, with what they call and why."""


def _mode_writes(mode: ast.expr | None) -> bool:
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and bool(set(mode.value) & _WRITE_MODES)


def _write_call(call: ast.Call) -> str | None:
    """What kind of file write `call` is, if it is one."""
    function = call.func
    keyword = {k.arg: k.value for k in call.keywords}
    if isinstance(function, ast.Name) and function.id == "open":
        return "open(w)" if _mode_writes(call.args[1] if len(call.args) > 1 else keyword.get("mode")) else None
    if not isinstance(function, ast.Attribute):
        return None
    if isinstance(function.value, ast.Name) and (function.value.id, function.attr) in _NAMED:
        first = call.args[0] if call.args else None
        if function.attr == "open" and isinstance(first, ast.Attribute) and first.attr == "devnull":
            return None
        if function.attr == "fdopen" and not _mode_writes(call.args[1] if len(call.args) > 1 else keyword.get("mode")):
            return None
        if function.attr == "ZipFile" and not _mode_writes(call.args[1] if len(call.args) > 1 else keyword.get("mode")):
            return None
        return f"{function.value.id}.{function.attr}"
    if function.attr in _METHODS or (function.attr in _TO_FILE and (call.args or "path_or_buf" in keyword)):
        return f".{function.attr}"
    if function.attr == "export" and "toBytes" not in keyword:  # pyqtgraph's exporters write to a file name
        return ".export"
    if function.attr == "open" and _mode_writes(call.args[0] if call.args else keyword.get("mode")):
        return ".open(w)"
    return None


def test_no_module_writes_a_file_except_through_the_one_path_or_for_a_reason_listed_here() -> None:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "riskdesk").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (kind := _write_call(node)) is not None:
                found.setdefault(name, set()).add(kind)
    extra = {name: kinds - ALLOWED.get(name, set()) for name, kinds in found.items()}
    extra = {name: kinds for name, kinds in extra.items() if kinds}
    assert not extra, (f"{extra}: write files for the user through riskdesk.io.outputs (atomic_output, write_output); "
                       "RiskDesk's own files (settings, caches) may be listed in ALLOWED with the reason")
    assert _write_call(ast.parse("ImageExporter(item).export('x.png')").body[0].value) == ".export"  # type: ignore
