"""The Scenarios tab: what a price or supply shock would cost, and when each line would stop.

On the left, the scenarios: the bundled presets (from what happened, with sources and confidence marks) and the
project's own, which the user creates, duplicates, edits, renames, imports, exports and deletes (each an undoable
step; they are saved in the project file). Below them, the Monte Carlo run (paths, seed, progress and cancel).

On the right, the selected scenario run on the project as scored on the window's date (`run_scenario`, the same
code as `riskdesk scenario`): a headline with the cost on both price bases and the stop-outs, and the charts —
monthly cost with the Monte Carlo fan, the stock-out timeline, an element's price history with the control list's
key dates, the tornado of cost sensitivity by element — and the parts by cost impact. Every chart has hover
values and saves as PNG or SVG from its context menu.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core import elements
from riskdesk.core.labels import BASIS_NAMES, PRICE_BASES, count, format_money
from riskdesk.core.presets import Preset, default_presets
from riskdesk.core.project import ProjectSettings
from riskdesk.core.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioResult,
    check_bounds,
    element_sensitivity,
    run_scenario,
    unique_name,
)
from riskdesk.core.simulation import MonteCarloResult, MonteCarloSettings, SimulationCancelled, run_monte_carlo
from riskdesk.ui.analysis import AnalysisView, ViewContext
from riskdesk.ui.mitigations_panel import MitigationsPanel
from riskdesk.ui.scenario_dialog import edit_scenario, new_scenario_template
from riskdesk.ui.score_models import ScenarioPartsModel, SortRole
from riskdesk.ui.workers import Cancelled, TaskContext, TaskHandle

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.ui.charts import ChartWidget

log = logging.getLogger(__name__)

DEFAULT_PATHS = 10_000
DEFAULT_SWING = 0.5
TORNADO_ROWS = 10
"""The tornado shows the elements whose price moves the cost most; the rest are smaller still."""
_KindRole = Qt.ItemDataRole.UserRole + 1
_KeyRole = Qt.ItemDataRole.UserRole + 2
PRESET, OWN = "preset", "own"


class ScenariosView(AnalysisView):
    """The Scenarios tab (see the module docstring)."""

    def __init__(self, context: ViewContext, parent: QWidget | None = None,
                 run_dialog: Callable[[QDialog], int] | None = None) -> None:
        """`run_dialog` executes the scenario editor (default: modal `exec`; tests script it)."""
        super().__init__(parent)
        self._context = context
        self._document = context.document
        self._run_dialog = run_dialog
        self._evaluation: Evaluation | None = None
        self._as_of = dt.date.today()
        self._presets = default_presets()
        self._selected: tuple[str, str] = (PRESET, self._presets.presets[0].id) if self._presets.presets else (OWN, "")
        self.result: ScenarioResult | None = None
        self.other_basis: ScenarioResult | None = None
        self.monte_carlo: MonteCarloResult | None = None
        self._mc_handle: TaskHandle | None = None
        self._mc_generation = 0
        self._charts_built = False
        self._stale = False
        """A new evaluation or scenario list arrived while the tab was hidden: run it when shown."""
        self._parts_sized = False
        self._problem = ""
        """Why the selected scenario cannot be run ("" when it can or none is selected)."""
        self._dirty: set[str] = set()
        """Charts to redraw when they are next shown."""
        self.charts: dict[str, ChartWidget] = {}

        self._build_side()
        self._build_main()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.side)
        splitter.addWidget(self.main)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

        self._document.scenarios_changed.connect(self._on_scenarios_changed)
        self._document.project_replaced.connect(self._on_scenarios_changed)
        self._fill_list()

    # ---- building ---------------------------------------------------------------------------------------------

    def _build_side(self) -> None:
        self.side = QWidget()
        self.side.setMinimumWidth(280)
        self.scenario_list = QListWidget()
        self.scenario_list.setObjectName("scenarioList")
        self.scenario_list.setAccessibleName("Scenarios")
        self.scenario_list.setToolTip("Presets come from what happened, with their sources; your own scenarios "
                                      "are saved in the project")
        self.scenario_list.currentItemChanged.connect(self._on_current_changed)
        self.scenario_list.itemDoubleClicked.connect(lambda _item: self.edit_selected())

        self.new_button = QPushButton("New…")
        self.new_button.setToolTip("A new scenario of your own")
        self.new_button.clicked.connect(self.new_scenario)
        self.duplicate_button = QPushButton("Duplicate")
        self.duplicate_button.setToolTip("A copy of the selected scenario (of a preset too) that you can edit")
        self.duplicate_button.clicked.connect(self.duplicate_selected)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Change the selected scenario: name, months, price basis, shocks and cuts")
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected scenario (Undo brings it back)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Add a scenario from a scenario file (JSON)")
        self.import_button.clicked.connect(self.import_file)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the selected scenario as a scenario file (JSON), e.g. for "
                                      "riskdesk scenario --file")
        self.export_button.clicked.connect(self.export_file)
        rows = QVBoxLayout()
        for buttons in ((self.new_button, self.duplicate_button, self.edit_button),
                        (self.delete_button, self.import_button, self.export_button)):
            row = QHBoxLayout()
            for button in buttons:
                row.addWidget(button)
            rows.addLayout(row)

        self.details = QLabel()
        self.details.setObjectName("scenarioDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setOpenExternalLinks(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.details.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)

        self.paths_spin = QSpinBox()
        self.paths_spin.setRange(100, 100_000)
        self.paths_spin.setSingleStep(1_000)
        self.paths_spin.setValue(DEFAULT_PATHS)
        self.paths_spin.setGroupSeparatorShown(True)
        self.paths_spin.setAccessibleName("Monte Carlo paths")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_000_000_000)
        self.seed_spin.setValue(1)
        self.seed_spin.setAccessibleName("Seed")
        self.seed_spin.setToolTip("The same seed gives the same numbers: say it when you share a result")
        self.run_button = QPushButton("Run Monte Carlo")
        self.run_button.setObjectName("runMonteCarlo")
        self.run_button.setToolTip("Simulate correlated price paths with jumps, a controls regime and random "
                                   "supply disruptions around the scenario (docs/scenarios.md)")
        self.run_button.clicked.connect(self.run_monte_carlo)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_monte_carlo)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName("Monte Carlo progress")
        self.progress.hide()
        self.mc_label = QLabel()
        self.mc_label.setObjectName("monteCarloSummary")
        self.mc_label.setWordWrap(True)
        mc_box = QGroupBox("Monte Carlo")
        mc_form = QFormLayout(mc_box)
        mc_form.addRow("&Paths", self.paths_spin)
        mc_form.addRow("S&eed", self.seed_spin)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        mc_form.addRow(run_row)
        mc_form.addRow(self.progress)
        mc_form.addRow(self.mc_label)

        details_scroll = QScrollArea()
        details_scroll.setWidgetResizable(True)
        details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        details_scroll.setWidget(self.details)
        layout = QVBoxLayout(self.side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Scenarios</b>"))
        layout.addWidget(self.scenario_list, 3)
        layout.addLayout(rows)
        layout.addWidget(details_scroll, 4)
        layout.addWidget(mc_box)

    def _build_main(self) -> None:
        self.main = QWidget()
        self.headline = QLabel("Not scored yet")
        self.headline.setObjectName("scenarioHeadline")
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("scenarioCharts")
        self.tabs.setDocumentMode(True)
        self._chart_pages: dict[str, QVBoxLayout] = {}
        for name, title, tip in (
            ("cost", "Cost", "Monthly cost of the magnets' element content: baseline, scenario, Monte Carlo fan"),
            ("stock_out", "Stock-out", "How long each part's stock lasts against when its supply comes back"),
            ("prices", "Prices", "An element's bundled price history with the rules' key dates and the "
                                 "scenario's path"),
            ("sensitivity", "Sensitivity", "Which element's price moves the cost most (tornado)"),
        ):
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.setContentsMargins(0, 4, 0, 0)
            self._chart_pages[name] = page_layout
            self.tabs.addTab(page, title)
            self.tabs.setTabToolTip(self.tabs.count() - 1, tip)
        self.element_box = QComboBox()
        self.element_box.setAccessibleName("Element")
        self.element_box.currentIndexChanged.connect(lambda _i: self._draw_prices())
        element_row = QHBoxLayout()
        element_row.addWidget(QLabel("Element"))
        element_row.addWidget(self.element_box)
        element_row.addStretch(1)
        self._chart_pages["prices"].addLayout(element_row)
        self.swing_spin = QDoubleSpinBox()
        self.swing_spin.setRange(5, 200)
        self.swing_spin.setSingleStep(5)
        self.swing_spin.setDecimals(0)
        self.swing_spin.setSuffix(" %")
        self.swing_spin.setValue(DEFAULT_SWING * 100)
        self.swing_spin.setAccessibleName("Price swing")
        self.swing_spin.valueChanged.connect(lambda _v: self._draw_sensitivity())
        swing_row = QHBoxLayout()
        swing_row.addWidget(QLabel("Each element's price alone ±"))
        swing_row.addWidget(self.swing_spin)
        swing_row.addStretch(1)
        self._chart_pages["sensitivity"].addLayout(swing_row)

        self.parts_model = ScenarioPartsModel(self)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.parts_model)
        proxy.setSortRole(SortRole)
        self.parts_table = QTableView()
        self.parts_table.setObjectName("scenarioParts")
        self.parts_table.setAccessibleName("Parts by cost impact")
        self.parts_table.setModel(proxy)
        self.parts_table.setSortingEnabled(True)
        self.parts_table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.parts_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.parts_table.setAlternatingRowColors(True)
        self.parts_table.verticalHeader().setVisible(False)
        self.parts_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.parts_table.horizontalHeader().setResizeContentsPrecision(100)  # widths from the first 100 rows
        from riskdesk.ui.table_export_action import add_export_action

        add_export_action(self.parts_table, "Scenario parts", self._context.dialogs)
        self.tabs.addTab(self.parts_table, "Parts")
        self.tabs.setTabToolTip(self.tabs.count() - 1, "Each part's cost change and stock-out, largest change first")
        self.mitigations = MitigationsPanel(self._context)
        self.mitigations.setObjectName("mitigations")
        self.tabs.addTab(self.mitigations, "Mitigations")
        self.tabs.setTabToolTip(self.tabs.count() - 1, "Variants of the project (another supplier or country, a "
                                "second source, another grade, more stock) compared with it under this scenario")
        self.tabs.currentChanged.connect(lambda _i: self._on_chart_tab())

        layout = QVBoxLayout(self.main)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.headline)
        layout.addWidget(self.tabs, 1)

    def _on_chart_tab(self) -> None:
        self._ensure_charts()
        self._draw_shown()

    def _ensure_charts(self) -> None:
        """Build the charts (importing pyqtgraph) the first time they are shown."""
        if self._charts_built:
            return
        from riskdesk.ui.charts import ChartWidget
        from riskdesk.ui.scenario_chart import MoneyAxis, MonthAxis

        self._charts_built = True
        self.charts = {
            "cost": ChartWidget("Monthly cost", axis_items={"left": MoneyAxis("left"),
                                                            "bottom": MonthAxis("bottom")}),
            "stock_out": ChartWidget("Stock-out", axis_items={"bottom": MonthAxis("bottom")}),
            "prices": ChartWidget("Prices", axis_items={"left": MoneyAxis("left"), "bottom": MonthAxis("bottom")}),
            "sensitivity": ChartWidget("Cost sensitivity by element", axis_items={"bottom": MoneyAxis("bottom")}),
        }
        for name, chart in self.charts.items():
            chart.setObjectName(f"{name}Chart")
            chart.legend.setColumnCount(2 if name == "prices" else 3)
            self._chart_pages[name].addWidget(chart, 1)
        self._draw()

    # ---- the analysis-view protocol ---------------------------------------------------------------------------

    def set_evaluation(self, evaluation: Evaluation) -> None:
        self._evaluation = evaluation
        self._as_of = evaluation.as_of
        self.mitigations.set_evaluation(evaluation)
        if self._behind_another_tab():
            self._stale = True  # run when the tab is shown: an edit elsewhere should not wait for it
            return
        self._fill_elements()
        self._rerun()

    def _behind_another_tab(self) -> bool:
        """The window is shown but another tab is in front of this one."""
        return self.window() is not self and self.window().isVisible() and not self.isVisible()

    def set_settings(self, settings: ProjectSettings) -> None:
        """Scenarios use the evaluation's settings; nothing to do until it arrives."""

    def set_as_of(self, as_of: dt.date) -> None:
        self._as_of = as_of

    # ---- the list ---------------------------------------------------------------------------------------------

    def own_scenarios(self) -> list[Scenario]:
        return list(self._document.project.scenarios)

    def _fill_list(self) -> None:
        self.scenario_list.blockSignals(True)
        self.scenario_list.clear()
        current: QListWidgetItem | None = None
        for title, kind, entries in (
            ("Presets: what happened, with sources", PRESET,
             [(p.id, p.name, p.summary) for p in self._presets.presets]),
            ("This project's scenarios", OWN,
             [(s.name, s.name, s.description) for s in self.own_scenarios()]),
        ):
            header = QListWidgetItem(title)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.scenario_list.addItem(header)
            if kind == OWN and not entries:
                hint = QListWidgetItem("   none yet: New… or Duplicate a preset")
                hint.setFlags(Qt.ItemFlag.NoItemFlags)
                self.scenario_list.addItem(hint)
            for key, name, tip in entries:
                item = QListWidgetItem(f"   {name}")
                item.setData(_KindRole, kind)
                item.setData(_KeyRole, key)
                item.setToolTip(tip)
                self.scenario_list.addItem(item)
                if (kind, key) == self._selected:
                    current = item
        if current is None:
            current = next((self.scenario_list.item(i) for i in range(self.scenario_list.count())
                            if self.scenario_list.item(i).data(_KindRole)), None)
            if current is not None:
                self._selected = (str(current.data(_KindRole)), str(current.data(_KeyRole)))
        if current is not None:
            self.scenario_list.setCurrentItem(current)
        self.scenario_list.blockSignals(False)
        self._update_buttons()

    def select(self, kind: str, key: str) -> bool:
        """Show a preset (by id) or one of the project's scenarios (by name)."""
        for i in range(self.scenario_list.count()):
            item = self.scenario_list.item(i)
            if item.data(_KindRole) == kind and item.data(_KeyRole) == key:
                self.scenario_list.setCurrentItem(item)
                return True
        return False

    def _on_current_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None or not current.data(_KindRole):
            return
        self._selected = (str(current.data(_KindRole)), str(current.data(_KeyRole)))
        self._update_buttons()
        self._rerun()

    def _on_scenarios_changed(self) -> None:
        self._fill_list()
        if self._behind_another_tab():
            self._stale = True
            return
        self._rerun()

    def _update_buttons(self) -> None:
        own = self._selected[0] == OWN and self.selected_scenario() is not None
        self.edit_button.setEnabled(own)
        self.delete_button.setEnabled(own)
        self.duplicate_button.setEnabled(self.selected_scenario() is not None)
        self.export_button.setEnabled(self.selected_scenario() is not None)

    def selected_preset(self) -> Preset | None:
        kind, key = self._selected
        if kind != PRESET:
            return None
        try:
            return self._presets.get(key)
        except KeyError:
            return None

    def selected_scenario(self) -> Scenario | None:
        """The scenario selected; None when there is none, or when a preset cannot start in the as-of date's month
        (`scenario_problem` says why)."""
        kind, key = self._selected
        if kind == PRESET:
            preset = self.selected_preset()
            try:
                return preset.scenario(self._as_of) if preset is not None else None
            except ScenarioError:
                return None
        return next((s for s in self.own_scenarios() if s.name == key), None)

    def scenario_problem(self) -> str:
        """Why the selected scenario cannot be run ("" when it can): a preset starting in an as-of month beyond
        the scenarios' bounds, or a saved scenario beyond them (checked again here: a project may hold one saved
        before the bounds)."""
        preset = self.selected_preset()
        try:
            if preset is not None:
                preset.scenario(self._as_of)
            elif (scenario := self.selected_scenario()) is not None:
                check_bounds(scenario)
        except ScenarioError as exc:
            return str(exc)
        return ""

    # ---- editing ----------------------------------------------------------------------------------------------

    def _known_rules(self) -> list[str]:
        reference = self._evaluation.reference if self._evaluation is not None else None
        if reference is None:
            from riskdesk.core.rules import default_control_list

            return [r.id for r in default_control_list().rules]
        return [r.id for r in reference.control_list.rules]

    def _edit(self, scenario: Scenario, title: str, taken: list[str]) -> Scenario | None:
        return edit_scenario(scenario, taken, self._known_rules(), self, title, self._run_dialog)

    def _names(self, but: str = "") -> list[str]:
        return [s.name for s in self.own_scenarios() if s.name != but]

    def _add(self, scenario: Scenario, text: str) -> None:
        self._selected = (OWN, scenario.name)
        self._document.change_scenarios([*self.own_scenarios(), scenario], text)

    def new_scenario(self) -> None:
        template = new_scenario_template(self._as_of)
        template = template.renamed(unique_name(template.name, self._names()))
        made = self._edit(template, "New scenario", self._names())
        if made is not None:
            self._add(made, f"Add scenario '{made.name}'")

    def duplicate_selected(self) -> None:
        scenario = self.selected_scenario()
        if scenario is None:
            return
        copy = scenario.renamed(unique_name(scenario.name, self._names()))
        self._add(copy, f"Duplicate scenario '{scenario.name}'")

    def edit_selected(self) -> None:
        scenario = self.selected_scenario()
        if scenario is None:
            return
        if self._selected[0] == PRESET:
            self._context.dialogs.info("Presets are not edited",
                                       "A preset says what happened, with its sources. Duplicate it and edit the "
                                       "copy.")
            return
        edited = self._edit(scenario, f"Edit scenario '{scenario.name}'", self._names(but=scenario.name))
        if edited is None or edited == scenario:
            return
        self._selected = (OWN, edited.name)
        self._document.change_scenarios([edited if s.name == scenario.name else s for s in self.own_scenarios()],
                                        f"Edit scenario '{scenario.name}'")

    def delete_selected(self) -> None:
        scenario = self.selected_scenario()
        if scenario is None or self._selected[0] != OWN:
            return
        remaining = [s for s in self.own_scenarios() if s.name != scenario.name]
        self._document.change_scenarios(remaining, f"Delete scenario '{scenario.name}'")

    def import_file(self, path: Path | None = None) -> None:
        from riskdesk.io.scenario_file import ScenarioFileError, read_scenario

        if path is None:
            name, _ = QFileDialog.getOpenFileName(self, "Import a scenario file", str(Path.home()),
                                                  "Scenario files (*.json)")
            if not name:
                return
            path = Path(name)
        try:
            scenario = read_scenario(path, frozenset(self._known_rules()))
        except ScenarioFileError as exc:
            self._context.dialogs.error("Cannot import the scenario", str(exc))
            return
        scenario = scenario.renamed(unique_name(scenario.name, self._names()))
        self._add(scenario, f"Import scenario '{scenario.name}'")

    def export_file(self, path: Path | None = None) -> Path | None:
        from riskdesk.io.scenario_file import write_scenario

        scenario = self.selected_scenario()
        if scenario is None:
            return None
        if path is None:
            stem = "".join(ch if ch.isalnum() else "-" for ch in scenario.name.lower()).strip("-") or "scenario"
            name, _ = QFileDialog.getSaveFileName(self, "Export the scenario", str(Path.home() / f"{stem}.json"),
                                                  "Scenario files (*.json)")
            if not name:
                return None
            path = Path(name)
        try:
            write_scenario(scenario, path)
        except OSError as exc:  # riskdesk.io.outputs.OutputError: names the file and says what to do
            self._context.dialogs.error("Cannot export the scenario", str(exc))
            return None
        return path

    # ---- running ----------------------------------------------------------------------------------------------

    def _rerun(self) -> None:
        """Run the selected scenario on the current evaluation (fast: no worker needed) and redraw."""
        self.cancel_monte_carlo()
        self.monte_carlo = None
        self.mc_label.setText("")
        scenario = self.selected_scenario()
        self._show_details(scenario)
        self._problem = ""
        if scenario is None or self._evaluation is None:
            self.result = self.other_basis = None
            self._problem = self.scenario_problem()
        else:
            try:
                self.result = run_scenario(self._evaluation, scenario)
                other = next(b for b in PRICE_BASES if b != scenario.price_basis)
                self.other_basis = run_scenario(self._evaluation, scenario.with_basis(other))
            except ScenarioError as exc:  # beyond the bounds: refused, as the CLI and the report refuse it
                self.result = self.other_basis = None
                self._problem = str(exc)
        self.parts_model.set_result(self.result)
        self.mitigations.set_scenario(self.result.scenario if self.result is not None else None)
        if self.result is not None and not self._parts_sized:
            self.parts_table.resizeColumnsToContents()  # once: after that the user's widths stay
            self._parts_sized = True
        self.run_button.setEnabled(self.result is not None)
        self._show_headline()
        self._draw()

    def run_monte_carlo(self) -> None:
        """Simulate around the current result off the GUI thread, with progress and cancel."""
        result = self.result
        if result is None:
            return
        self.cancel_monte_carlo()
        self._mc_generation += 1
        generation = self._mc_generation
        settings = MonteCarloSettings(paths=self.paths_spin.value(), seed=self.seed_spin.value())

        def work(task: TaskContext) -> MonteCarloResult:
            return run_monte_carlo(result, settings, progress=lambda f: task.report(round(f * 1000), 1000),
                                   cancelled=task.cancelled)

        def done(mc: MonteCarloResult) -> None:
            if generation != self._mc_generation:
                return
            self._mc_finished()
            self.monte_carlo = mc
            self._show_headline()
            self._draw()

        def failed(exc: BaseException) -> None:
            if generation != self._mc_generation:
                return
            self._mc_finished()
            if isinstance(exc, SimulationCancelled | Cancelled):
                self.mc_label.setText("Cancelled.")
                return
            log.error("Monte Carlo failed", exc_info=exc)
            self.mc_label.setText(f"The simulation failed: {exc}")

        def progress(done_: int, total: int, _text: str) -> None:
            if generation == self._mc_generation:
                self.progress.setValue(done_)

        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.run_button.setEnabled(False)
        self.mc_label.setText(f"Simulating {settings.paths:,} paths…")
        self._mc_handle = self._document.runner.start(work, done, failed, progress)

    def cancel_monte_carlo(self) -> None:
        if self._mc_handle is not None and self._mc_handle.running:
            self._mc_handle.cancel()
            self._mc_generation += 1
            self.mc_label.setText("Cancelled.")
        self._mc_finished()

    def _mc_finished(self) -> None:
        self._mc_handle = None
        self.progress.hide()
        self.cancel_button.hide()
        self.run_button.setEnabled(self.result is not None)

    # ---- showing ----------------------------------------------------------------------------------------------

    def _show_details(self, scenario: Scenario | None) -> None:
        if scenario is None:
            self.details.setText("")
            return
        preset = self.selected_preset()
        lines = [f"<b>{html.escape(scenario.name)}</b>"]
        if preset is not None:
            lines.append(html.escape(preset.summary) + f" <i>(marks {html.escape(preset.marks())})</i>")
        elif scenario.description:
            lines.append(html.escape(scenario.description))
        basis = BASIS_NAMES[scenario.price_basis]
        lines.append(f"From {scenario.month_labels[0]} for {scenario.horizon_months} months, on {basis} prices.")
        items: list[str] = []
        for shock in scenario.price_shocks:
            items.append(_with_provenance("Price", shock.describe(), shock.provenance))
        for cut in scenario.supply_cuts:
            items.append(_with_provenance("Supply", cut.describe(), cut.provenance))
        if items:
            lines.append("<ul style='margin-left:-20px'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
        else:
            lines.append("No shock and no cut: the baseline.")
        if preset is not None and preset.note:
            lines.append(f"<i>{html.escape(preset.note)}</i>")
        self.details.setText("<br>".join(lines))

    def _show_headline(self) -> None:
        result = self.result
        if result is None:
            problem = f"This scenario cannot be run: {html.escape(self._problem, quote=False)}"
            self.headline.setText("Not scored yet" if self._evaluation is None else
                                  problem if self._problem else "Choose a scenario")
            return
        scenario = result.scenario
        so = result.stock_out
        short = int(so.stops.sum())
        text = (f"<b>{html.escape(scenario.name)}</b>: {_signed_money(result.delta_total)} over "
                f"{scenario.horizon_months} months on {BASIS_NAMES[scenario.price_basis]} prices")
        if self.other_basis is not None:
            other = self.other_basis
            text += (f" (the scenario's basis); {_signed_money(other.delta_total)} on "
                     f"{BASIS_NAMES[other.scenario.price_basis]} prices")
        text += f" · scored as of {result.evaluation.as_of.isoformat()}<br>"
        lost = int((so.first_affected_day > 0).sum())
        text += (f"{count(lost, 'part')} lose supply, <b>{count(short, 'part')} run short</b>"
                 + (f" (first on day {int(so.first_short_day[so.stops].min())}), shortfall "
                    f"{format_money(float(so.shortfall_cost.sum()))}" if short else ""))
        mc = self.monte_carlo
        if mc is not None:
            text += (f"<br>Monte Carlo ({mc.paths:,} paths, seed {mc.seed}): cost at risk "
                     f"{format_money(mc.cost_at_risk)}, expected shortfall {format_money(mc.expected_shortfall)}, "
                     f"median total {format_money(float(mc.p50.sum()))}")
            running_out = int((mc.stop_probability > 0).sum())
            self.mc_label.setText(f"{count(running_out, 'part')} may run out; the most likely "
                                  + _likeliest(mc) + ".")
        self.headline.setText(text)

    def _fill_elements(self) -> None:
        evaluation = self._evaluation
        if evaluation is None:
            return
        held = [elements.SYMBOLS[c] for c in evaluation.columns if evaluation.part_kg_c[:, list(
            evaluation.columns).index(c)].sum() > 0]
        book = evaluation.reference.prices
        symbols = [s for s in held if book.for_element(s)]
        current = self.element_box.currentText() or "Dy"
        self.element_box.blockSignals(True)
        self.element_box.clear()
        self.element_box.addItems(symbols)
        self.element_box.setCurrentIndex(max(self.element_box.findText(current), 0))
        self.element_box.blockSignals(False)

    def _draw(self) -> None:
        """Redraw the chart in front now and the others when they are shown (each costs tens of milliseconds on
        a large project, and a new evaluation arrives after every edit)."""
        if not self._charts_built:
            return
        self._dirty = set(self.charts)
        self._draw_shown()

    def _draw_shown(self) -> None:
        names = list(self.charts)  # in the order of the first sub-tabs
        front = names[self.tabs.currentIndex()] if 0 <= self.tabs.currentIndex() < len(names) else ""
        for name in names:
            if name in self._dirty and (name == front or not self.isVisible()):
                self._dirty.discard(name)
                {"cost": self._draw_cost, "stock_out": self._draw_stock_out, "prices": self._draw_prices,
                 "sensitivity": self._draw_sensitivity}[name]()

    def _draw_cost(self) -> None:
        from riskdesk.ui.scenario_chart import describe_cost, plot_cost

        chart = self.charts["cost"]
        chart.clear()
        result, mc = self.result, self.monte_carlo
        if result is None:
            return
        drawn = plot_cost(chart.plot_item, chart.legend, result, mc)
        chart.adopt(drawn.items)
        chart.legend.setVisible(True)
        chart.set_title(f"{result.scenario.name}: monthly cost of the magnets' element content "
                        f"({result.scenario.price_basis} prices)")
        chart.set_summary(drawn.summary)
        chart.set_hover(lambda x, _y: describe_cost(result, mc, x))

    def _draw_stock_out(self) -> None:
        from riskdesk.ui.scenario_chart import describe_stock_out, plot_stock_out, timeline_rows

        chart = self.charts["stock_out"]
        chart.clear()
        result = self.result
        if result is None:
            return
        drawn = plot_stock_out(chart.plot_item, chart.legend, result)
        chart.adopt(drawn.items)
        chart.legend.setVisible(bool(drawn.items))
        chart.set_title("Each part that loses supply: how long its stock lasts, when it is short, and when its "
                        "supply comes back")
        chart.set_summary(drawn.summary)
        rows, _ = timeline_rows(result)
        chart.set_hover(lambda _x, y: describe_stock_out(rows, y))

    def _draw_prices(self) -> None:
        if not self._charts_built or self._evaluation is None:
            return
        from riskdesk.ui.scenario_chart import describe_prices, plot_prices

        chart = self.charts["prices"]
        chart.clear()
        symbol = self.element_box.currentText()
        if not symbol:
            return
        book = self._evaluation.reference.prices
        key_dates = self._evaluation.reference.control_list.key_dates()
        result = self.result
        drawn = plot_prices(chart.plot_item, chart.legend, book, symbol, key_dates, result)
        chart.adopt(drawn.items)
        chart.legend.setVisible(bool(drawn.items))
        chart.set_title(f"{elements.BY_SYMBOL[symbol].name.capitalize() if symbol in elements.BY_SYMBOL else symbol}"
                        f" ({symbol}): bundled prices, USD per kg of element, with the rules' key dates")
        chart.set_summary(drawn.summary)
        chart.set_hover(lambda x, y: describe_prices(book, symbol, result, x, y))

    def _draw_sensitivity(self) -> None:
        if not self._charts_built:
            return
        from riskdesk.ui.scenario_chart import describe_tornado, plot_tornado

        chart = self.charts["sensitivity"]
        chart.clear()
        result = self.result
        if result is None:
            return
        swing = self.swing_spin.value() / 100.0
        rows = element_sensitivity(result, swing)[:TORNADO_ROWS]
        drawn = plot_tornado(chart.plot_item, chart.legend, rows, swing, result.scenario.horizon_months)
        chart.adopt(drawn.items)
        chart.legend.setVisible(bool(drawn.items))
        chart.set_title(f"Cost sensitivity by element: each price alone ±{swing:.0%} from the scenario's, over "
                        f"{result.scenario.horizon_months} months")
        chart.set_summary(drawn.summary)
        chart.set_hover(lambda _x, y: describe_tornado(rows, swing, y))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._fill_elements()
            self._rerun()
        self._ensure_charts()


def _with_provenance(kind: str, text: str, provenance: Any) -> str:
    shown = f"{kind}: {html.escape(text)}"
    marks = provenance.marks()
    if marks:
        shown += f" <i>({html.escape(marks)})</i>"
    links = [f"<a href='{html.escape(s.url, quote=True)}'>{html.escape(s.title)}</a>" for s in provenance.sources
             if getattr(s, "url", "")]
    if links:
        shown += "<br><small>" + "; ".join(links) + "</small>"
    return shown


def _signed_money(value: float) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "") + format_money(abs(value))


def _likeliest(mc: MonteCarloResult) -> str:
    order = sorted(range(len(mc.part_numbers)), key=lambda i: -mc.stop_probability[i])[:3]
    shown = [f"{mc.part_numbers[i]} ({mc.stop_probability[i]:.0%})" for i in order if mc.stop_probability[i] > 0]
    return ", ".join(shown) if shown else "none"


def make_view(context: ViewContext) -> ScenariosView:
    """The Scenarios tab (see `riskdesk.ui.analysis`)."""
    return ScenariosView(context)


__all__ = ["ScenariosView", "make_view"]
