"""View ▸ History… and History of This Part (riskdesk.ui.history_view) on a project file: the window lists the very
entries `riskdesk history --json` prints (one answer everywhere), filtered to the part selected in Parts, read
through the runner and never on the GUI thread; and the window's edits, undos and redos say what they were."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from riskdesk.cli import EXIT_OK
from riskdesk.core.demo import demo_project
from riskdesk.core.edit_rules import edit_cells
from riskdesk.core.fields import ROW_ID
from riskdesk.io import userdirs
from riskdesk.io.store import open_store
from riskdesk.ui.columns import TableName, column_position
from riskdesk.ui.document import Document
from riskdesk.ui.history_view import HistoryDialog
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.workers import SynchronousRunner, TaskContext, TaskHandle
from tests.helpers.cli import run
from tests.helpers.dialogs import ScriptedDialogs
from tests.test_cli import ROW, write_template_csv

PART = "ACT-FIN-07"


@pytest.fixture
def imported(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The demo project file with an import saved into it by `riskdesk import`, then a change set committed into
    it (one cell of one part, as a declaration answer or a command commits one)."""
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    assert run(capsys, "import", demo, source)[0] == EXIT_OK
    store = open_store(demo)
    project, revision = store.read()
    parts = project.tables.parts
    row_id = str(parts.loc[parts["part_number"] == PART, ROW_ID].iat[0])
    store.commit(edit_cells(project.tables, "parts", [(row_id, "stock_days", 45.0)]), revision)
    return demo


def _cli_entries(capsys: pytest.CaptureFixture[str], project: object, *options: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "history", project, "--json", *options)
    assert code == EXIT_OK, err
    entries: list[dict[str, Any]] = json.loads(out)["entries"]
    return entries


def test_the_windows_history_of_a_file_is_what_riskdesk_history_prints(
        qtbot: QtBot, imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    everything = _cli_entries(capsys, imported)
    of_the_part = _cli_entries(capsys, imported, "--part", PART)
    assert len(everything) == 3 and len(of_the_part) == 1
    window = MainWindow(Document(runner=SynchronousRunner()), SynchronousRunner(), ScriptedDialogs(),
                        dirs=userdirs.init())
    qtbot.addWidget(window)
    window.open_project(imported)
    window.named_actions["history"].trigger()
    dialog = window.history.dialog
    assert dialog is not None
    assert [entry.to_json() for entry in dialog.entries] == everything
    rows = dialog.rows()  # newest first
    assert [(row[0], row[2], row[3]) for row in rows] == [(str(e["revision"]), e["by"], e["text"])
                                                         for e in reversed(everything)]
    assert rows[0][4:6] == ("cell edit", PART) and rows[1][3].startswith("Import bom.csv")
    assert f"parts {PART} · stock_days: " in dialog.detail.toPlainText()  # values before → after
    assert dialog.detail.toPlainText().rstrip().endswith("→ 45.0")
    dialog.close()

    parts = window.pages[TableName.PARTS]
    window.tabs.setCurrentWidget(parts)
    model = parts.model
    row = next(r for r in range(model.rowCount()) if model.index(r, column_position(TableName.PARTS, "part_number"))
               .data() == PART)
    parts.view.setCurrentIndex(model.index(row, 0))
    window.named_actions["part_history"].trigger()
    dialog = window.history.dialog
    assert dialog is not None
    assert dialog.part == PART
    assert [entry.to_json() for entry in dialog.entries] == of_the_part
    assert [row[0] for row in dialog.rows()] == [str(of_the_part[0]["revision"])]
    window.close()


class _HeldRunner:
    """Keeps each task instead of running it: what the dialog does before the history is read."""

    def __init__(self) -> None:
        self.held: list[tuple[Callable[[TaskContext], Any], Callable[[Any], None]]] = []

    def start(self, fn: Callable[[TaskContext], Any], on_success: Callable[[Any], None],
              on_error: Callable[[BaseException], None], progress: object = None) -> TaskHandle:
        self.held.append((fn, on_success))
        return TaskHandle(TaskContext())


def test_the_history_is_read_through_the_runner_never_on_the_gui_thread(qtbot: QtBot, imported: Path) -> None:
    runner = _HeldRunner()
    dialog = HistoryDialog(open_store(imported), runner)
    qtbot.addWidget(dialog)
    assert dialog.rows() == [] and "Reading" in dialog.status.text()
    (fn, done), = runner.held
    done(fn(TaskContext()))
    assert len(dialog.rows()) >= 2 and not dialog.status.text().startswith("Reading")


def test_a_project_kept_nowhere_has_no_history_and_the_window_says_so(qtbot: QtBot) -> None:
    dialogs = ScriptedDialogs()
    window = MainWindow(Document(demo_project(), runner=SynchronousRunner()), SynchronousRunner(), dialogs,
                        dirs=userdirs.init())
    qtbot.addWidget(window)
    window.named_actions["history"].trigger()
    assert dialogs.asked == ["History"] and window.history.dialog is None
    window.close()


def test_the_windows_edit_undo_and_redo_say_what_they_were(qapp: object) -> None:
    document = Document(demo_project(), runner=SynchronousRunner())
    made: list[Any] = []
    document.edited.connect(made.append)
    model = document.models[TableName.PARTS]
    assert model.setData(model.index(0, column_position(TableName.PARTS, "stock_days")), "45")
    document.undo_stack.undo()
    document.undo_stack.redo()
    assert [(c.text, c.source) for c in made] == [
        ("Edit Stock days in Parts", {"kind": "edit", "edit": "cell"}),
        ("Undo Edit Stock days in Parts", {"kind": "undo", "edit": "cell"}),
        ("Redo Edit Stock days in Parts", {"kind": "redo", "edit": "cell"})]


def test_a_read_that_comes_back_after_a_newer_one_is_not_shown(qtbot: QtBot, imported: Path) -> None:
    runner = _HeldRunner()
    dialog = HistoryDialog(open_store(imported), runner)
    qtbot.addWidget(dialog)
    dialog.part_edit.setText(PART)
    dialog.refresh()
    (old, old_done), (new, new_done) = runner.held
    new_done(new(TaskContext()))
    old_done(old(TaskContext()))  # the whole project's history, asked for before the part was typed
    assert [entry.parts for entry in dialog.entries] == [(PART,)]
