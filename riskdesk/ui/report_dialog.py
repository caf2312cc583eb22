"""File ▸ Export report…: choose the date, a comparison date, scenarios and the file, then write the Excel risk
report in the background with progress and a Stop button, and offer to open its folder.

    dialog = ReportDialog(lambda: document.project, window.evaluation, runner, dialogs, window,
                          folder=document.path.parent if document.path else None)
    dialog.open()

The report is `riskdesk.io.report.write_report`, as on the command line (`riskdesk report`). The worker gets a
copy of the project taken when Export is pressed, never the live document; the evaluation the window shows is
reused when it is for the chosen date. File choosers and opening the folder are injectable, so tests open nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.evaluation import Evaluation
from riskdesk.core.presets import default_presets
from riskdesk.core.project import Project
from riskdesk.core.scenarios import Scenario
from riskdesk.io.report import ReportCancelled, ReportError, ReportRequest, ReportSummary, write_report
from riskdesk.io.store import Revision, StoreError, open_store, unchanged_file
from riskdesk.ui.date_field import DateField
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.monte_carlo_choice import SEED_MAX, MonteCarloChoice
from riskdesk.ui.workers import Cancelled, Runner, TaskContext, TaskHandle, show_progress

ChoosePath = Callable[[str], Path | None]
"""Asks where to save the report (given a suggested path); None when the user cancels."""
OpenFolder = Callable[[Path], None]

MONTE_CARLO_MAX = 100_000
"""The most Monte Carlo paths the dialog offers (the command line takes up to 1,000,000)."""


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class _Kept(Protocol):
    @property
    def is_dirty(self) -> bool: ...


class ProjectOrigin(Protocol):
    """Where the window's project is kept (the window's session, read only here): its file and the revision read
    or last saved, whether it has changes not saved, and how a report names that revision."""

    @property
    def path(self) -> Path | None: ...

    @property
    def revision(self) -> Revision | None: ...

    @property
    def workspace(self) -> object | None: ...

    @property
    def document(self) -> _Kept: ...

    def revision_text(self) -> str: ...


def saved_project_file(origin: ProjectOrigin) -> Path | None:
    """The project file the window's project is, byte for byte: kept in a file (not a workspace), with no change
    since it was read or saved, and the file still at that revision (no other program saved it since). None
    otherwise: the report's Inputs then say the project was not read from a saved file."""
    path, revision = origin.path, origin.revision
    if origin.workspace is not None or path is None or revision is None or origin.document.is_dirty:
        return None
    try:
        store = open_store(path)
    except StoreError:
        return None
    return unchanged_file(store, revision)


def _open_folder(folder: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _ask_report_path(parent: QWidget | None) -> ChoosePath:
    def choose(suggested: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(parent, "Save the risk report", suggested, "Excel workbook (*.xlsx)")
        return Path(name) if name else None

    return choose


class ReportDialog(QDialog):
    """Export report…: the as-of date, a comparison date, scenarios (the presets and the project's own), Monte
    Carlo paths and seed, the target file, the author and the Findings in full detail or not; Export writes it
    through `runner` with progress, Stop cancels (the old file stays as it was), and when it is written "Open
    Folder" shows it."""

    def __init__(self, project_getter: Callable[[], Project], evaluation: Evaluation | None, runner: Runner,
                 dialogs: Dialogs, parent: QWidget | None = None, *, as_of: dt.date | None = None,
                 folder: Path | None = None, choose_path: ChoosePath | None = None,
                 open_folder: OpenFolder | None = None, monte_carlo: MonteCarloChoice | None = None,
                 revision_getter: Callable[[], str] | None = None, origin: ProjectOrigin | None = None) -> None:
        """`monte_carlo`: the window's paths and seed (the document's), shown here and changed with this dialog's
        so the report's figures are the window's; without it, the defaults. `origin`: where the project is kept
        (the window's session), so that the report's Inputs name its revision and, when it is a saved file
        unchanged, the file's SHA-256 as `riskdesk report` does; `revision_getter` names the revision without
        it ("" or none: not said)."""
        super().__init__(parent)
        self.project_getter = project_getter
        self.origin = origin
        self.revision_getter = revision_getter or (origin.revision_text if origin is not None else None)
        self.evaluation = evaluation
        self.runner = runner
        self.dialogs = dialogs
        self.choose_path = choose_path or _ask_report_path(self)
        self.open_folder_with = open_folder or _open_folder
        self.folder = folder or Path.home()
        self.written: ReportSummary | None = None
        self.last_request: ReportRequest | None = None
        self._handle: TaskHandle | None = None
        self._target: tuple[Path, int | None] = (Path(), None)
        """The file being written, and its modification time before (None: it did not exist)."""
        project = project_getter()
        day = as_of or (evaluation.as_of if evaluation is not None else dt.date.today())
        self.setWindowTitle("Export risk report")
        self.setAccessibleName("Export risk report")

        self.as_of_edit = DateField(day)
        self.as_of_edit.setAccessibleName("As-of date")
        self.as_of_edit.setToolTip("Score the parts as of this date (rules in force, announced or suspended then)")
        self.compare_check = QCheckBox("Compare with")
        self.compare_check.setToolTip("Also score on another date: the Summary and Parts sheets show both dates "
                                      "and the change")
        self.compare_edit = DateField(dt.date(day.year + 1, 1, 1))
        self.compare_edit.setAccessibleName("Comparison date")
        self.compare_edit.setEnabled(False)
        self.compare_check.toggled.connect(self.compare_edit.setEnabled)
        compare_row = QHBoxLayout()
        compare_row.addWidget(self.compare_check)
        compare_row.addWidget(self.compare_edit, 1)

        self.scenario_list = QListWidget()
        self.scenario_list.setAccessibleName("Scenarios to include")
        self.scenario_list.setToolTip("Tick the scenarios to include: their monthly cost, the parts that run short "
                                      "and, with Monte Carlo paths, the P5–P95 range")
        self._scenario_items: list[tuple[QListWidgetItem, str, int]] = []
        for preset in default_presets().presets:
            item = QListWidgetItem(f"{preset.name} (preset)")
            item.setToolTip(f"{preset.id}: {preset.summary}")
            self._add_scenario(item, preset.id, -1)
        for index, scenario in enumerate(project.scenarios):
            item = QListWidgetItem(scenario.name)
            item.setToolTip(scenario.description or "A scenario saved in the project")
            self._add_scenario(item, "", index)

        self.paths_spin = QSpinBox()
        self.paths_spin.setRange(0, MONTE_CARLO_MAX)
        self.paths_spin.setSingleStep(1_000)
        self.paths_spin.setSpecialValueText("none")
        self.paths_spin.setAccessibleName("Monte Carlo paths")
        self.paths_spin.setToolTip("Simulate this many paths of prices and disruptions for each scenario "
                                   "(0: none); the same as the Scenarios tab's unless you change it")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, SEED_MAX)
        self.seed_spin.setAccessibleName("Monte Carlo seed")
        self.seed_spin.setToolTip("The same seed gives the same numbers: the Scenarios tab's seed")
        self.monte_carlo = monte_carlo or MonteCarloChoice(self)
        self.paths_spin.setValue(self.monte_carlo.paths)
        self.seed_spin.setValue(self.monte_carlo.seed)
        self.paths_spin.valueChanged.connect(lambda value: self.monte_carlo.set(paths=value) if value else None)
        self.seed_spin.valueChanged.connect(lambda value: self.monte_carlo.set(seed=value))
        simulation = QHBoxLayout()
        simulation.addWidget(self.paths_spin, 1)
        simulation.addWidget(QLabel("seed"))
        simulation.addWidget(self.seed_spin)

        self.path_edit = QLineEdit(str(self.folder / self._suggested_name(project, day)))
        self.path_edit.setAccessibleName("Report file")
        self.path_edit.setToolTip("The workbook to write; an existing file is replaced only once the report is "
                                  "complete")
        self.browse_button = QPushButton("&Choose…")
        self.browse_button.setToolTip("Choose where to save the report")
        self.browse_button.clicked.connect(self.browse)
        target = QHBoxLayout()
        target.addWidget(self.path_edit, 1)
        target.addWidget(self.browse_button)

        form = QFormLayout()
        form.addRow("&As of", self.as_of_edit)
        form.addRow("", compare_row)
        form.addRow("&Scenarios", self.scenario_list)
        form.addRow(_label("&Monte Carlo paths", self.paths_spin), simulation)
        form.addRow(_label("Save &to", self.path_edit), target)
        self.author_check = QCheckBox("Name me as the &author")
        self.author_check.setChecked(True)
        self.author_check.setToolTip("Write your login name into the workbook's author and on the Summary's "
                                     "\"Written\" line; untick to leave it out (riskdesk report --no-author)")
        form.addRow("", self.author_check)
        self.detail_check = QCheckBox("&Findings in full detail")
        self.detail_check.setToolTip("Add the Findings detail sheet: one row per finding (rule, supply path, stage "
                                     "and element) beside the Findings' one row per part and rule; a large project's "
                                     "report takes longer (riskdesk report --detail)")
        form.addRow("", self.detail_check)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Report progress")
        self.progress_label = QLabel()
        self.status_label = QLabel()
        self.status_label.setObjectName("reportStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setToolTip("Write the report")
        self.export_button.setDefault(True)
        self.open_folder_button = self.buttons.addButton("&Open Folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder_button.setToolTip("Show the folder the report was written to")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.export)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.close_button.clicked.connect(self.close_or_stop)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self.open_folder_button.setVisible(False)
        self._set_running(False)
        self.resize(620, 520)

    # ---- what the user chose ----------------------------------------------------------------------------------

    def _add_scenario(self, item: QListWidgetItem, preset_id: str, saved_index: int) -> None:
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        self.scenario_list.addItem(item)
        self._scenario_items.append((item, preset_id, saved_index))

    @staticmethod
    def _suggested_name(project: Project, day: dt.date) -> str:
        name = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', " ", project.settings.name).strip() or "project"
        return f"{name} risk report {day.isoformat()}.xlsx"

    def scenario_names(self) -> list[str]:
        """The ticked scenarios, as listed."""
        return [item.text() for item, _, _ in self._scenario_items if item.checkState() == Qt.CheckState.Checked]

    def set_scenario_checked(self, row: int, checked: bool) -> None:
        self._scenario_items[row][0].setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _scenarios(self, project: Project, as_of: dt.date) -> tuple[Scenario, ...]:
        presets = default_presets()
        chosen = []
        for item, preset_id, index in self._scenario_items:
            if item.checkState() != Qt.CheckState.Checked:
                continue
            chosen.append(presets.get(preset_id).scenario(as_of) if preset_id else project.scenarios[index])
        return tuple(chosen)

    def request(self) -> ReportRequest:
        """What Export writes, from the dialog and a copy of the project as it is now."""
        project = self.project_getter().copy()
        as_of = self.as_of_edit.date()
        evaluation = self.evaluation if self.evaluation is not None and self.evaluation.as_of == as_of else None
        return ReportRequest(
            project, as_of,
            compare=self.compare_edit.date() if self.compare_check.isChecked() else None,
            scenarios=self._scenarios(project, as_of),
            monte_carlo_paths=self.paths_spin.value() if self._has_scenarios() else 0,
            seed=self.seed_spin.value(),
            evaluation=evaluation,
            author=self.author_check.isChecked(),
            detail=self.detail_check.isChecked(),
            revision=self.revision_getter() if self.revision_getter is not None else "",
            project_file=saved_project_file(self.origin) if self.origin is not None else None)

    def _has_scenarios(self) -> bool:
        return any(item.checkState() == Qt.CheckState.Checked for item, _, _ in self._scenario_items)

    def target(self) -> Path | None:
        """The file to write: the path typed or chosen, ".xlsx" added when it has no such suffix."""
        text = self.path_edit.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        return path if path.suffix.lower() == ".xlsx" else path.with_name(path.name + ".xlsx")

    def browse(self) -> None:
        chosen = self.choose_path(self.path_edit.text())
        if chosen is not None:
            self.path_edit.setText(str(chosen))

    # ---- running ----------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._handle is not None and self._handle.running

    def export(self) -> None:
        """Write the report in the background (progress below, Stop cancels)."""
        if self.running:
            return
        path = self.target()
        if path is None:
            self.dialogs.error("No file chosen", "Choose where to save the report (an .xlsx file).")
            return
        self.path_edit.setText(str(path))
        self._target = (path, path.stat().st_mtime_ns if path.exists() else None)
        request = self.request()
        self.last_request = request
        self.written = None
        self.open_folder_button.setVisible(False)
        self.status_label.setText("")

        def work(task: TaskContext) -> ReportSummary:
            return write_report(request, path, progress=task.report, cancelled=task.cancelled)

        self._set_running(True)
        self._on_progress(0, 0, "Starting…")
        self._handle = self.runner.start(work, self._succeeded, self._failed, self._on_progress)

    def stop(self) -> None:
        if self._handle is not None and self._handle.running:
            self._handle.cancel()
            self.progress_label.setText("Stopping…")

    def close_or_stop(self) -> None:
        """Close, or while the report is being written, stop it."""
        if self.running:
            self.stop()
        else:
            self.reject()

    def reject(self) -> None:
        self.stop()
        super().reject()

    def _on_progress(self, done: int, total: int, text: str) -> None:
        show_progress(self.progress, self.progress_label, done, total, text)

    def _succeeded(self, summary: ReportSummary) -> None:
        self._handle = None
        self._set_running(False)
        self.written = summary
        self.status_label.setText(f"Written: {summary.path} ({len(summary.sheets)} sheets, {summary.parts:,} parts, "
                                  f"{summary.findings:,} findings, {summary.scenarios} scenario(s), "
                                  f"{summary.seconds:.1f} s).")
        self.open_folder_button.setVisible(True)
        self.open_folder_button.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self._handle = None
        self._set_running(False)
        if isinstance(exc, Cancelled | ReportCancelled):
            path, before = self._target
            if path.exists() and path.stat().st_mtime_ns != before:  # Stop came after the file was in place
                self.status_label.setText(f"Stopped too late: the report was already written to {path}.")
            else:
                self.status_label.setText("Stopped: nothing was written, and any file that was there is unchanged.")
        elif isinstance(exc, ReportError | OSError):  # io.xlsx.ExportError is an OSError naming the file
            self.status_label.setText("")
            self.dialogs.error("Cannot write the report", str(exc))
        else:
            self.dialogs.error("Cannot write the report", f"{type(exc).__name__}: {exc}")

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.progress_label.setVisible(running)
        self.export_button.setEnabled(not running)
        self.browse_button.setEnabled(not running)
        self.close_button.setText("&Stop" if running else "Close")
        self.close_button.setToolTip("Stop writing the report (nothing is written)" if running else
                                     "Close this dialog")

    def open_folder(self) -> None:
        """Show the folder of the report just written."""
        if self.written is not None:
            self.open_folder_with(self.written.path.parent)


def show_report_dialog(parent: QWidget | None, project_getter: Callable[[], Project], evaluation: Evaluation | None,
                       runner: Runner, dialogs: Dialogs, *, folder: Path | None = None,
                       monte_carlo: MonteCarloChoice | None = None,
                       revision_getter: Callable[[], str] | None = None,
                       origin: ProjectOrigin | None = None) -> ReportDialog:
    """Open the Export report dialog (window-modal, deleted when closed) and return it."""
    dialog = ReportDialog(project_getter, evaluation, runner, dialogs, parent, folder=folder, monte_carlo=monte_carlo,
                          revision_getter=revision_getter, origin=origin)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


__all__ = ["MONTE_CARLO_MAX", "ChoosePath", "OpenFolder", "ProjectOrigin", "ReportDialog", "saved_project_file",
           "show_report_dialog"]


def _label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose &-letter moves to `buddy` (a row holding a layout has no buddy of its own, and would show
    the & itself)."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label
