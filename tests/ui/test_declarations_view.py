"""View ▸ Declarations… (issue 23): the same rows as `riskdesk requests --json` (one function for both), what each
answer changed (score before → after, as the import printed it), and the window's menu opening it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from riskdesk.cli import EXIT_OK
from riskdesk.io import userdirs
from riskdesk.io.store import open_store
from riskdesk.ui.declarations_view import COLUMNS, DeclarationsModel, answer_lines
from riskdesk.ui.document import Document
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.cli import run
from tests.helpers.dialogs import ScriptedDialogs
from tests.test_cli_declarations import JP1_ORIGINS, fill

LATER = dt.date.today() + dt.timedelta(days=60)


def _campaign(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Requests to every supplier (due in 30 days), SUP-JP1 answered: the import's output."""
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert run(capsys, "request", demo, tmp_path / "out", "--due", due)[0] == EXIT_OK
    answer = fill(tmp_path / "out" / "SUP-JP1.xlsx", tmp_path / "answer.xlsx", JP1_ORIGINS)
    code, stdout, err = run(capsys, "import", demo, answer)
    assert code == EXIT_OK, err
    return stdout


def test_the_view_shows_the_rows_riskdesk_requests_prints(demo: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str], qapp: object) -> None:
    _campaign(demo, tmp_path, capsys)
    printed = json.loads(run(capsys, "requests", demo, "--json", "--as-of", LATER.isoformat())[1])["requests"]
    model = DeclarationsModel()
    model.set_declarations(open_store(demo).read()[0].declarations, LATER)
    assert model.rows == printed and model.rowCount() == len(printed) > 1
    shown = [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]
    jp1 = next(row for row in shown if row[1] == "SUP-JP1")
    assert jp1[COLUMNS.index(("parts", "Parts answered"))] == "2 / 4" and jp1[-1] == "overdue"  # 60 days on
    assert all(row[-1] == "overdue" for row in shown if row[1] != "SUP-JP1")
    text = run(capsys, "requests", demo, "--as-of", LATER.isoformat())[1]
    assert all(re.search(rf"{row[0]} +{row[1]} .* {row[-1]}$", text, re.M) for row in shown)


def test_each_answer_says_what_it_changed_as_the_import_printed_it(demo: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    printed = _campaign(demo, tmp_path, capsys)
    project = open_store(demo).read()[0]
    request = next(r for r in project.declarations.requests if r.supplier_id == "SUP-JP1")
    lines = "\n".join(answer_lines(request))
    changes = re.findall(r"^ +(\S+) +score +(\d+) → +(\d+)$", printed, re.M)
    assert len(changes) == 2
    for part, before, after in changes:
        change = re.escape(f"({int(after) - int(before):+d})")  # the change of the scores as shown
        assert re.search(rf"^ +{part} +{before} → +{after}  {change}$", lines, re.M), lines
    assert "What it changed" in lines and "answer.xlsx" in lines and "effective 2026-11-30" in lines


def test_view_declarations_opens_the_status_of_the_windows_project(demo: Path, tmp_path: Path, qtbot: QtBot,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _campaign(demo, tmp_path, capsys)
    project = open_store(demo).read()[0]
    window = MainWindow(Document(project, runner=SynchronousRunner()), SynchronousRunner(), ScriptedDialogs(),
                        dirs=userdirs.init(), as_of=LATER)
    qtbot.addWidget(window)
    window.named_actions["declarations"].trigger()
    dialog = window.declarations.status_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.model.rows == json.loads(run(capsys, "requests", demo, "--json", "--as-of",
                                               LATER.isoformat())[1])["requests"]
    assert "overdue" in dialog.status.text()
    jp1 = next(i for i, row in enumerate(dialog.model.rows) if row["supplier_id"] == "SUP-JP1")
    dialog.table.selectRow(jp1)
    assert "What it changed" in dialog.detail.toPlainText()
    dialog.close()
