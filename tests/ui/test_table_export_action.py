"""“Export table…” on a plain table view: in its context menu, writes what the view shows (sorted, numbers as
numbers, text as text), says where, and reports a file open elsewhere without touching it."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableView

from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import evaluate
from riskdesk.io.table_export import ExportTable
from riskdesk.ui.columns import TableName
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.score_models import ScoresTableModel
from riskdesk.ui.table_export_action import ROWS_IN_BACKGROUND, add_export_action, view_table
from riskdesk.ui.table_models import DataFrameTableModel
from tests.helpers.runners import DeferredRunner


class _Dialogs(Dialogs):
    def __init__(self) -> None:
        super().__init__(None)
        self.errors: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))

    def info(self, title: str, text: str) -> None:
        self.infos.append((title, text))


@pytest.fixture
def scores(qapp: QApplication) -> QTableView:
    project = demo_project()
    project.tables.parts.loc[0, "description"] = '=HYPERLINK("http://x","y")'
    model = ScoresTableModel()
    model.set_evaluation(evaluate(project, dt.date(2026, 11, 23)))
    view = QTableView()
    view.setModel(model)
    return view


def test_the_action_is_in_the_views_context_menu(scores: QTableView) -> None:
    action = add_export_action(scores, "Scores", _Dialogs(), choose_path=lambda suggested: None)
    assert action in scores.actions() and action.text() == "Export table…"
    assert scores.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    action.trigger()  # cancelled in the file chooser: nothing happens


def test_it_writes_the_table_as_the_view_shows_it(scores: QTableView, tmp_path: Path) -> None:
    model = scores.model()
    assert isinstance(model, ScoresTableModel)
    model.sort(model.column_of("score"), Qt.SortOrder.AscendingOrder)
    scores.setColumnHidden(model.column_of("description"), True)
    dialogs = _Dialogs()
    suggested: list[str] = []
    target = tmp_path / "scores.xlsx"
    action = add_export_action(scores, "Scores", dialogs, folder=lambda: tmp_path,
                               choose_path=lambda s: suggested.append(s) or target)
    action.trigger()
    assert suggested == [str(tmp_path / "scores.xlsx")]
    assert dialogs.infos == [("Table exported", f"The scores table is in {target}.")] and not dialogs.errors
    ws = openpyxl.load_workbook(target).worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["Part", "Score", "Band"] and "Description" not in headers
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 15
    assert [r[1] for r in rows] == sorted(r[1] for r in rows), "in the view's order"
    assert all(isinstance(r[1], int | float) for r in rows) and {r[2] for r in rows} <= {"Red", "Amber", "Green"}
    assert rows[0][0] == model.data(model.index(0, 0))


def test_csv_keeps_formula_like_text_inert(scores: QTableView, tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    add_export_action(scores, "Scores", _Dialogs(), choose_path=lambda s: target).trigger()
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert "'=HYPERLINK(\"http://x\",\"y\")" in [row[1] for row in rows]


def test_a_file_open_elsewhere_is_reported_and_left_as_it_was(scores: QTableView, tmp_path: Path) -> None:
    target = tmp_path / "scores.xlsx"
    target.write_text("old")
    (tmp_path / "~$scores.xlsx").write_text("excel")
    dialogs = _Dialogs()
    add_export_action(scores, "Scores", dialogs, choose_path=lambda s: target).trigger()
    assert dialogs.errors and dialogs.errors[0][0] == "Cannot export the table"
    assert "scores.xlsx is open in another program" in dialogs.errors[0][1] and not dialogs.infos
    assert target.read_text() == "old"


def test_project_tables_export_their_stored_values(qapp: QApplication, tmp_path: Path) -> None:
    parts = demo_project().tables.parts
    view = QTableView()
    view.setModel(DataFrameTableModel(TableName.PARTS, parts))
    table = view_table(view, "Parts")
    mass = table.headers.index("Magnet g/unit")
    assert [row[mass] for row in table.rows] == parts["magnet_mass_g"].tolist()
    assert table.rows[0][0] == parts["part_number"][0]


def test_large_tables_are_written_in_the_background(scores: QTableView, tmp_path: Path) -> None:
    rows = [[f"P{i}", float(i)] for i in range(ROWS_IN_BACKGROUND + 1)]
    runner = DeferredRunner()
    done: list[Path] = []
    target = tmp_path / "big.csv"
    add_export_action(scores, "Big", _Dialogs(), rows_getter=lambda: ExportTable("Big", ["Part", "N"], rows),
                      choose_path=lambda s: target, runner=runner, on_exported=done.append).trigger()
    assert not target.exists() and len(runner.pending) == 1
    runner.finish()
    assert done == [target]
    assert len(pd.read_csv(target)) == ROWS_IN_BACKGROUND + 1
