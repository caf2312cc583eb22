"""Supplier declarations in the window: the Data quality tab lists stale and missing ones, File ▸ Request
declarations… writes the workbooks `riskdesk request` writes, and an answer dropped on the window imports as the
command line imports it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from riskdesk.cli import EXIT_OK
from riskdesk.core.declarations import DeclarationRequest, Declarations
from riskdesk.core.demo import demo_project
from riskdesk.core.edits import ChangeSet, WholeChange
from riskdesk.core.project import Project
from riskdesk.io import userdirs
from riskdesk.ui.columns import TableName
from riskdesk.ui.document import Document
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.cli import run
from tests.helpers.dialogs import ScriptedDialogs

TODAY = dt.date(2027, 3, 15)


def _window(qtbot: QtBot, dialogs: ScriptedDialogs, document: Document | None = None) -> MainWindow:
    document = document or Document(demo_project(), runner=SynchronousRunner())
    window = MainWindow(document, SynchronousRunner(), dialogs, dirs=userdirs.init(), as_of=TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_data_quality_tab_lists_an_overdue_request_and_the_suppliers_never_asked(qtbot: QtBot) -> None:
    window = _window(qtbot, ScriptedDialogs())
    document = window.document
    before = {check.key for check in window.scoring.quality}
    assert "never_asked" in before and "overdue_declarations" not in before
    never = next(c for c in window.scoring.quality if c.key == "never_asked")
    request = DeclarationRequest("RMD-20270101-0000abcd", "SUP-JP1", dt.date(2027, 1, 1), dt.date(2027, 2, 1),
                                 ("EPS-MTR-8",))
    document.apply_changes(ChangeSet("Request declarations from 1 supplier", wholes=(
        WholeChange("declarations", document.project.declarations, Declarations((request,))),)))
    checks = {check.key: check for check in window.scoring.quality}
    assert checks["overdue_declarations"].count == 1 and "RMD-20270101-0000abcd" in \
        checks["overdue_declarations"].cells[0].value
    window.controls.quality_button.click()
    view = window.views["quality"]
    view.check_list.setCurrentRow([c.key for c in view.checks].index("overdue_declarations"))
    assert "SUP-JP1" in view.cells.item(0, 3).text()
    view.cells.cellDoubleClicked.emit(0, 0)
    page = window.pages[TableName.SUPPLIERS]
    assert window.tabs.currentWidget() is page
    row = page.table_model.frame_row(page.view.currentIndex().row())
    assert document.project.tables.suppliers.loc[row, "supplier_id"] == "SUP-JP1"
    asked = next((c for c in window.scoring.quality if c.key == "never_asked"), None)
    assert asked is None or asked.count == never.count - ("SUP-JP1" in {c.value.split(":")[0] for c in never.cells})
    document.undo_stack.undo()
    assert "overdue_declarations" not in {check.key for check in window.scoring.quality}


def _request_in_window(qtbot: QtBot, project_file: Path, folder: Path, suppliers: tuple[str, ...]
                       ) -> tuple[MainWindow, ScriptedDialogs]:
    from riskdesk.io.store import open_store
    from riskdesk.ui.declarations_dialog import RequestChoice

    dialogs = ScriptedDialogs()
    project, _ = open_store(project_file).read()
    window = _window(qtbot, dialogs, Document(project, runner=SynchronousRunner()))
    dialogs.request_answer = RequestChoice(suppliers, dt.date.today() + dt.timedelta(days=30), folder)
    window.named_actions["request_declarations"].trigger()
    return window, dialogs


def test_file_request_declarations_writes_the_workbooks_riskdesk_request_writes_and_records_the_requests(
        qtbot: QtBot, demo: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    window, dialogs = _request_in_window(qtbot, demo, tmp_path / "out", ("SUP-JP1", "SUP-CN1"))
    assert not dialogs.errors
    offered = dialogs.request_candidates
    suggested = [c.supplier_id for c in offered if c.suggested]  # type: ignore[attr-defined]
    assert suggested and all(c.unknown_paths or c.stale_paths for c in offered if c.suggested)  # type: ignore
    assert [c.supplier_id for c in offered][:len(suggested)] == suggested  # worth asking: listed first
    requests = window.document.project.declarations.requests
    assert [r.supplier_id for r in requests] == ["SUP-JP1", "SUP-CN1"]
    assert window.document.undo_stack.undoText() == "Request declarations from 2 suppliers"
    book = load_workbook(tmp_path / "out" / "SUP-JP1.xlsx")
    assert book.sheetnames[:4] == ["Instructions", "Declaration", "Product List", "Origin by Element"]
    keys = {row[0].value: row[1].value for row in book["Declaration"].iter_rows(min_row=3)}
    assert keys["request_id"] == requests[0].request_id and keys["supplier_id"] == "SUP-JP1"
    parts = [row[0].value for row in book["Product List"].iter_rows(min_row=3)]
    assert tuple(parts) == requests[0].parts
    # a second request into the same folder refuses to overwrite the workbooks and records nothing
    window.named_actions["request_declarations"].trigger()
    assert dialogs.errors and "already exists" in dialogs.errors[-1]
    assert len(window.document.project.declarations.requests) == 2


def _comparable(project: Project) -> tuple[object, ...]:
    """The project's paths and declarations with the row ids new paths are given (random) numbered instead."""
    paths = project.tables.paths
    ids = {row_id: f"row{i}" for i, row_id in enumerate(paths["row_id"])}
    frame = paths.assign(row_id=paths["row_id"].map(ids)).to_dict("records")
    declarations = json.loads(json.dumps(project.declarations.to_json()))
    for request in declarations:
        for answer in request["answers"]:
            for origin in answer["paths"]:
                origin["row_id"] = ids[origin["row_id"]]
    return frame, declarations, project.tables.parts.to_dict("records")


def test_the_same_answer_through_the_command_line_and_the_window_gives_the_same_project(
        qtbot: QtBot, demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from riskdesk.io.store import open_store
    from tests.test_cli_declarations import JP1_ORIGINS, fill

    code, _, err = run(capsys, "request", demo, tmp_path / "out", "--supplier", "SUP-JP1")
    assert code == EXIT_OK, err
    answer = fill(tmp_path / "out" / "SUP-JP1.xlsx", tmp_path / "answer.xlsx", JP1_ORIGINS,
                  makers={"LDR-MIR-2": "Japan"})
    shutil.copy(demo, tmp_path / "window.rdproj")
    code, _, err = run(capsys, "import", demo, answer)
    assert code == EXIT_OK, err
    by_cli, _ = open_store(demo).read()

    dialogs = ScriptedDialogs()
    project, _ = open_store(tmp_path / "window.rdproj").read()
    window = _window(qtbot, dialogs, Document(project, runner=SynchronousRunner()))
    window.session.drop([answer])  # as if dropped on the window
    qtbot.waitUntil(lambda: window.document.project.declarations.requests[0].answers != ())
    assert not dialogs.errors
    assert _comparable(window.document.project) == _comparable(by_cli)
    assert window.document.undo_stack.undoText().startswith("Declaration RMD-")
    window.document.undo_stack.undo()
    assert window.document.project.declarations.requests[0].answers == ()


def test_an_amrt_dropped_on_the_window_imports_as_the_command_line_imports_it(
        qtbot: QtBot, demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from riskdesk.io.store import open_store
    from tests.helpers.amrt import write_amrt
    from tests.test_cli_amrt import LYNAS, MOUNT_WELD

    assert run(capsys, "request", demo, tmp_path / "out", "--supplier", "SUP-JP1")[0] == EXIT_OK
    amrt = write_amrt(tmp_path / "amrt.xlsx", smelters=[LYNAS], mines=[MOUNT_WELD],
                      products=[("HK-123", "LDR-MIR-2")])
    shutil.copy(demo, tmp_path / "window.rdproj")
    code, _, err = run(capsys, "import", demo, amrt)
    assert code == EXIT_OK, err
    by_cli, _ = open_store(demo).read()
    dialogs = ScriptedDialogs()
    project, _ = open_store(tmp_path / "window.rdproj").read()
    window = _window(qtbot, dialogs, Document(project, runner=SynchronousRunner()))
    window.session.drop([amrt])
    qtbot.waitUntil(lambda: window.document.project.declarations.requests[0].answers != ())
    assert not dialogs.errors and dialogs.asked[-1] == "Declaration imported"
    assert _comparable(window.document.project) == _comparable(by_cli)
    assert window.document.undo_stack.undoText().startswith("AMRT RMD-")


def test_an_answer_with_errors_is_refused_in_the_window_and_changes_nothing(
        qtbot: QtBot, demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from riskdesk.io.store import open_store
    from tests.test_cli_declarations import JP1_ORIGINS, fill

    assert run(capsys, "request", demo, tmp_path / "out", "--supplier", "SUP-JP1")[0] == EXIT_OK
    answer = fill(tmp_path / "out" / "SUP-JP1.xlsx", tmp_path / "answer.xlsx", JP1_ORIGINS,
                  declaration={"contact_email": "not an address"})
    dialogs = ScriptedDialogs()
    project, _ = open_store(demo).read()
    window = _window(qtbot, dialogs, Document(project, runner=SynchronousRunner()))
    before = window.document.project.tables.paths.copy()
    window.import_files([answer])
    assert dialogs.errors and "e-mail address" in dialogs.errors[0] and "Nothing was imported" in dialogs.errors[0]
    assert window.document.project.tables.paths.equals(before) and window.import_dialog is None


def test_the_request_dialog_ticks_the_suppliers_worth_asking_and_refuses_a_past_due_date(qtbot: QtBot,
                                                                                        tmp_path: Path) -> None:
    from riskdesk.core.declarations import suppliers_to_ask
    from riskdesk.ui.declarations_dialog import RequestDeclarationsDialog

    project = demo_project()
    candidates = suppliers_to_ask(project.tables, project.declarations, TODAY, project.settings.stale_months)
    dialog = RequestDeclarationsDialog(candidates, TODAY, tmp_path, lambda _current: tmp_path / "chosen")
    qtbot.addWidget(dialog)
    assert dialog.chosen_suppliers() == tuple(c.supplier_id for c in candidates if c.suggested)
    assert dialog.supplier_list.count() == len(candidates)
    dialog.due_field.set_date(TODAY - dt.timedelta(days=1))
    dialog._accept()
    assert "in the past" in dialog.problem.text() and dialog.result() == 0
    dialog.due_check.setChecked(False)
    dialog._browse()
    assert dialog.choice().due is None and dialog.choice().folder == tmp_path / "chosen"
