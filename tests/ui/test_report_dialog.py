"""File ▸ Export report…: the choices it offers, the report it writes through the runner, progress, Stop (nothing
written, the old file kept), errors said in a message, and the folder offered when done."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import Evaluation, evaluate
from riskdesk.core.project import Project
from riskdesk.core.scenarios import PriceShock, Scenario
from riskdesk.io.report import SHEETS
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.report_dialog import ReportDialog
from riskdesk.ui.workers import Cancelled, SynchronousRunner
from tests.helpers.runners import DeferredRunner

AS_OF = dt.date(2026, 11, 23)


class _Dialogs(Dialogs):
    def __init__(self) -> None:
        super().__init__(None)
        self.errors: list[tuple[str, str]] = []

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))


@pytest.fixture
def project() -> Project:
    project = demo_project()
    project.scenarios.append(Scenario("Dy doubles", dt.date(2026, 11, 1),
                                      price_shocks=(PriceShock(("Dy",), multiplier=2.0, months=6),)))
    return project


@pytest.fixture
def evaluation(project: Project) -> Evaluation:
    return evaluate(project, AS_OF)


def _dialog(qtbot: QtBot, project: Project, evaluation: Evaluation | None, runner: object, folder: Path,
            opened: list[Path] | None = None) -> tuple[ReportDialog, _Dialogs]:
    dialogs = _Dialogs()
    dialog = ReportDialog(lambda: project, evaluation, runner, dialogs, folder=folder,  # type: ignore[arg-type]
                          choose_path=lambda suggested: folder / "chosen.xlsx",
                          open_folder=(opened.append if opened is not None else lambda path: None))
    qtbot.addWidget(dialog)
    return dialog, dialogs


def test_it_offers_the_presets_and_the_projects_scenarios_and_a_file_beside_the_project(
        qtbot: QtBot, project: Project, evaluation: Evaluation, tmp_path: Path) -> None:
    dialog, _ = _dialog(qtbot, project, evaluation, SynchronousRunner(), tmp_path)
    names = [dialog.scenario_list.item(i).text() for i in range(dialog.scenario_list.count())]
    assert names[-1] == "Dy doubles" and len(names) == 6
    assert names[0].endswith("(preset)")
    assert dialog.as_of_edit.date() == dt.date(2026, 11, 23) and not dialog.compare_edit.isEnabled()
    assert dialog.target() == tmp_path / "Demo  US motor and sensor buyer risk report 2026-11-23.xlsx"
    dialog.browse()
    assert dialog.target() == tmp_path / "chosen.xlsx"
    dialog.path_edit.setText(str(tmp_path / "no-suffix"))
    assert dialog.target() == tmp_path / "no-suffix.xlsx"


def test_export_writes_the_report_and_offers_its_folder(qtbot: QtBot, project: Project, evaluation: Evaluation,
                                                       tmp_path: Path) -> None:
    opened: list[Path] = []
    dialog, dialogs = _dialog(qtbot, project, evaluation, SynchronousRunner(), tmp_path, opened)
    dialog.compare_check.setChecked(True)
    dialog.compare_edit.set_date(dt.date(2027, 1, 1))
    dialog.set_scenario_checked(0, True)
    dialog.set_scenario_checked(5, True)
    dialog.paths_spin.setValue(200)
    dialog.path_edit.setText(str(tmp_path / "out.xlsx"))
    dialog.export_button.click()
    assert not dialogs.errors
    request = dialog.last_request
    assert request is not None and request.evaluation is evaluation, "the window's scores are reused"
    assert request.project is not project and request.project.tables.parts is not project.tables.parts
    assert [s.name for s in request.scenarios] == ["April 2025 licensing, again", "Dy doubles"]
    assert request.compare == dt.date(2027, 1, 1) and request.monte_carlo_paths == 200
    book = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)
    assert tuple(book.sheetnames) == SHEETS
    book.close()
    assert dialog.progress.value() == dialog.progress.maximum() == 1000
    assert "Written:" in dialog.status_label.text() and not dialog.open_folder_button.isHidden()
    dialog.open_folder_button.click()
    assert opened == [tmp_path]


def test_another_date_is_scored_afresh(qtbot: QtBot, project: Project, evaluation: Evaluation,
                                       tmp_path: Path) -> None:
    dialog, _ = _dialog(qtbot, project, evaluation, SynchronousRunner(), tmp_path)
    dialog.as_of_edit.set_date(dt.date(2027, 2, 1))
    request = dialog.request()
    assert request.as_of == dt.date(2027, 2, 1) and request.evaluation is None
    assert request.monte_carlo_paths == 0, "no scenario, no simulation"


def test_the_author_is_named_unless_the_user_unticks_it(qtbot: QtBot, project: Project, evaluation: Evaluation,
                                                       tmp_path: Path) -> None:
    dialog, dialogs = _dialog(qtbot, project, evaluation, SynchronousRunner(), tmp_path)
    assert dialog.author_check.isChecked() and dialog.request().author
    dialog.author_check.setChecked(False)
    dialog.path_edit.setText(str(tmp_path / "anonymous.xlsx"))
    dialog.export_button.click()
    assert not dialogs.errors and dialog.last_request is not None and not dialog.last_request.author
    book = openpyxl.load_workbook(tmp_path / "anonymous.xlsx")
    assert not book.properties.creator


def test_stop_cancels_the_report_and_keeps_the_old_file(qtbot: QtBot, project: Project, evaluation: Evaluation,
                                                        tmp_path: Path) -> None:
    runner = DeferredRunner()
    dialog, dialogs = _dialog(qtbot, project, evaluation, runner, tmp_path)
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"last week's report")
    dialog.path_edit.setText(str(target))
    dialog.export_button.click()
    assert dialog.running and not dialog.export_button.isEnabled() and dialog.close_button.text() == "&Stop"
    assert not dialog.progress.isHidden()
    with qtbot.assertNotEmitted(dialog.rejected):  # Stop stops, it does not close
        dialog.close_button.click()
    assert dialog.progress_label.text() == "Stopping…"
    runner.finish()
    assert not dialog.running and dialog.export_button.isEnabled()
    assert dialog.status_label.text().startswith("Stopped: nothing was written")
    assert target.read_bytes() == b"last week's report" and not dialogs.errors
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_a_report_open_elsewhere_is_reported_and_left_untouched(qtbot: QtBot, project: Project,
                                                                 evaluation: Evaluation, tmp_path: Path) -> None:
    dialog, dialogs = _dialog(qtbot, project, evaluation, SynchronousRunner(), tmp_path)
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    (tmp_path / ".~lock.out.xlsx#").write_text("lo")
    dialog.path_edit.setText(str(target))
    dialog.export_button.click()
    assert dialogs.errors and dialogs.errors[0][0] == "Cannot write the report"
    assert "out.xlsx is open in another program" in dialogs.errors[0][1]
    assert target.read_bytes() == b"old" and dialog.open_folder_button.isHidden()


def test_no_file_is_asked_for(qtbot: QtBot, project: Project, evaluation: Evaluation, tmp_path: Path) -> None:
    runner = SynchronousRunner()
    dialog, dialogs = _dialog(qtbot, project, evaluation, runner, tmp_path)
    dialog.path_edit.setText("  ")
    dialog.export_button.click()
    assert dialogs.errors == [("No file chosen", "Choose where to save the report (an .xlsx file).")]
    assert runner.started == 0


def test_the_project_is_copied_when_export_is_pressed(qtbot: QtBot, project: Project, evaluation: Evaluation,
                                                      tmp_path: Path) -> None:
    runner = DeferredRunner()
    dialog, _ = _dialog(qtbot, project, evaluation, runner, tmp_path)
    dialog.path_edit.setText(str(tmp_path / "out.xlsx"))
    dialog.export_button.click()
    project.tables.parts.loc[0, "description"] = "edited while the report was written"
    runner.finish()
    rows = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)["Inputs"].iter_rows(values_only=True)
    assert not any("edited while the report was written" in str(v) for row in rows for v in row)


def test_a_worker_thread_writes_it_and_reports_back_on_the_gui_thread(qtbot: QtBot, project: Project,
                                                                       evaluation: Evaluation, tmp_path: Path) -> None:
    from riskdesk.ui.workers import ThreadPoolRunner

    runner = ThreadPoolRunner()
    dialog, dialogs = _dialog(qtbot, project, evaluation, runner, tmp_path)
    dialog.path_edit.setText(str(tmp_path / "threaded.xlsx"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    assert dialog.written is not None and dialog.written.path == tmp_path / "threaded.xlsx"
    assert not dialogs.errors and (tmp_path / "threaded.xlsx").exists()
    runner.wait(10_000)


def test_stop_pressed_once_the_file_is_written_says_it_was_written(qtbot: QtBot, project: Project,
                                                                   evaluation: Evaluation, tmp_path: Path) -> None:
    runner = DeferredRunner()
    dialog, _ = _dialog(qtbot, project, evaluation, runner, tmp_path)
    target = tmp_path / "out.xlsx"
    dialog.path_edit.setText(str(target))
    dialog.export_button.click()
    fn, _, on_error, context, handle = runner.pending.pop(0)
    fn(context)  # the worker finishes and moves the file into place …
    dialog.stop()  # … just before Stop reaches it: the runner then reports Cancelled, as workers do
    assert context.cancelled()
    handle._finish()
    on_error(Cancelled())
    assert target.exists()
    assert dialog.status_label.text() == f"Stopped too late: the report was already written to {target}."


def test_findings_in_full_detail_writes_the_workbook_of_report_detail(qtbot: QtBot, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from riskdesk.io.report import report_sheets
    from tests.helpers.cli import run

    saved = tmp_path / "demo.rdproj"
    assert run(capsys, "demo", saved)[0] == 0
    assert run(capsys, "report", saved, tmp_path / "cli.xlsx", "--as-of", AS_OF, "--detail", "--no-author")[0] == 0
    dialog, dialogs = _dialog(qtbot, demo_project(), None, SynchronousRunner(), tmp_path)
    assert not dialog.detail_check.isChecked() and not dialog.request().detail
    dialog.as_of_edit.set_date(AS_OF)
    dialog.detail_check.setChecked(True)
    dialog.author_check.setChecked(False)
    dialog.path_edit.setText(str(tmp_path / "window.xlsx"))
    dialog.export_button.click()
    assert not dialogs.errors and dialog.written is not None
    assert dialog.written.sheets == report_sheets(detail=True)
    window, cli = (openpyxl.load_workbook(tmp_path / name) for name in ("window.xlsx", "cli.xlsx"))
    assert window.sheetnames == cli.sheetnames == [*SHEETS[:3], "Findings detail", *SHEETS[3:]]
    for sheet in ("Parts", "Findings", "Findings detail", "Exposure"):
        assert [[c.value for c in row] for row in window[sheet].iter_rows()] == \
            [[c.value for c in row] for row in cli[sheet].iter_rows()], sheet
    assert window["Findings detail"].max_row == 2 + 155
