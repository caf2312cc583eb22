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

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core import elements
from riskdesk.core.labels import BASIS_NAMES, PRICE_BASES, count, format_money, tail_cost_words
from riskdesk.core.presets import Preset
from riskdesk.core.project import ProjectSettings
from riskdesk.core.scenario_run import ScenarioResult, element_sensitivity, run_scenario
from riskdesk.core.scenarios import Scenario, ScenarioError
from riskdesk.core.simulation import TAIL, MonteCarloResult, SimulationCancelled, run_monte_carlo
from riskdesk.ui.analysis import AnalysisView, ViewContext
from riskdesk.ui.mitigations_panel import MitigationsPanel
from riskdesk.ui.monte_carlo_box import MonteCarloBox
from riskdesk.ui.monte_carlo_choice import SEED_MAX
from riskdesk.ui.scenario_list import OWN, PRESET, ScenarioList
from riskdesk.ui.scenario_parts_table import ScenarioPartsTable
from riskdesk.ui.workers import Cancelled, TaskContext, TaskHandle

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.ui.charts import ChartWidget

log = logging.getLogger(__name__)

DEFAULT_SWING = 0.5
TORNADO_ROWS = 10
"""The tornado shows the elements whose price moves the cost most; the rest are smaller still."""


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
        self.result: ScenarioResult | None = None
        self.other_basis: ScenarioResult | None = None
        self.monte_carlo: MonteCarloResult | None = None
        self._mc_handle: TaskHandle | None = None
        self._mc_generation = 0
        self._charts_built = False
        self._stale = False
        """A new evaluation or scenario list arrived while the tab was hidden: run it when shown."""
        self._problem = ""
        """Why the selected scenario cannot be run ("" when it can or none is selected)."""
        self._dirty: set[str] = set()
        """Charts to redraw when they are next shown."""
        self.charts: dict[str, ChartWidget] = {}

        self._build_main()
        self._build_side()  # after the mitigations panel: it hears of a new project before the scenario reruns
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.scenarios)
        splitter.addWidget(self.main)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

    # ---- building ---------------------------------------------------------------------------------------------

    def _build_side(self) -> None:
        self.scenarios = ScenarioList(self._context, self._run_dialog)
        self.scenarios.setMinimumWidth(280)
        self.scenarios.selection_changed.connect(self._rerun)
        self.scenarios.scenarios_changed.connect(self._on_scenarios_changed)

        self.details = QLabel()
        self.details.setObjectName("scenarioDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setOpenExternalLinks(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.details.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)

        mc_box = MonteCarloBox()
        self.paths_spin, self.seed_spin, self.mc_label = mc_box.paths_spin, mc_box.seed_spin, mc_box.mc_label
        self.run_button, self.cancel_button, self.progress = mc_box.run_button, mc_box.cancel_button, mc_box.progress
        choice = self._document.monte_carlo
        self.paths_spin.setValue(choice.paths)
        self.seed_spin.setRange(0, SEED_MAX)
        self.seed_spin.setValue(choice.seed)
        self.seed_spin.setToolTip("The same seed gives the same numbers: say it when you share a result. The report "
                                  "(File ▸ Export report…) uses the same paths and seed")
        self.paths_spin.valueChanged.connect(lambda value: choice.set(paths=value))
        self.seed_spin.valueChanged.connect(lambda value: choice.set(seed=value))
        choice.changed.connect(self._show_monte_carlo_choice)
        self.run_button.clicked.connect(self.run_monte_carlo)
        self.cancel_button.clicked.connect(self.cancel_monte_carlo)

        details_scroll = QScrollArea()
        details_scroll.setWidgetResizable(True)
        details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        details_scroll.setWidget(self.details)
        self.scenarios.add_below(details_scroll, 4)
        self.scenarios.add_below(mc_box)

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

        self.parts_table = ScenarioPartsTable(self._context.dialogs)
        self.parts_model = self.parts_table.parts_model
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
        self.scenarios.set_evaluation(evaluation)
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
        self.scenarios.set_as_of(as_of)

    # ---- the list (a ScenarioList; the tab keeps the names tests call) ----------------------------------------

    def _on_scenarios_changed(self) -> None:
        if self._behind_another_tab():
            self._stale = True
            return
        self._rerun()

    @property
    def edit_button(self) -> QPushButton:
        return self.scenarios.edit_button

    def select(self, kind: str, key: str) -> bool:
        """Show a preset (by id) or one of the project's scenarios (by name)."""
        return self.scenarios.select(kind, key)

    def selected_preset(self) -> Preset | None:
        return self.scenarios.selected_preset()

    def selected_scenario(self) -> Scenario | None:
        return self.scenarios.selected_scenario()

    def new_scenario(self) -> None:
        self.scenarios.new_scenario()

    def duplicate_selected(self) -> None:
        self.scenarios.duplicate_selected()

    def edit_selected(self) -> None:
        self.scenarios.edit_selected()

    def delete_selected(self) -> None:
        self.scenarios.delete_selected()

    def import_file(self, path: Path | None = None) -> None:
        self.scenarios.import_file(path)

    def export_file(self, path: Path | None = None) -> Path | None:
        return self.scenarios.export_file(path)

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
            self._problem = self.scenarios.scenario_problem()
        else:
            try:
                self.result = run_scenario(self._evaluation, scenario)
                other = next(b for b in PRICE_BASES if b != scenario.price_basis)
                self.other_basis = run_scenario(self._evaluation, scenario.with_basis(other))
            except ScenarioError as exc:  # beyond the bounds: refused, as the CLI and the report refuse it
                self.result = self.other_basis = None
                self._problem = str(exc)
        self.parts_table.set_result(self.result)
        self.mitigations.set_scenario(self.result.scenario if self.result is not None else None)
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
        settings = self._document.monte_carlo.settings()

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

    def _show_monte_carlo_choice(self) -> None:
        """The paths and seed changed elsewhere (the report dialog): show them here too."""
        choice = self._document.monte_carlo
        for spin, value in ((self.paths_spin, choice.paths), (self.seed_spin, choice.seed)):
            if spin.value() != value:
                spin.setValue(value)

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
                 + (f" (first on day {int(so.first_short_day[so.stops].min())}), value of the units short "
                    f"{format_money(float(so.shortfall_cost.sum()))}" if short else ""))
        mc = self.monte_carlo
        if mc is not None:
            tail = tail_cost_words(mc.cost_at_risk, mc.expected_shortfall, TAIL)
            text += (f"<br>Monte Carlo ({mc.paths:,} paths, seed {mc.seed}): {tail}; median total "
                     f"{format_money(float(mc.p50.sum()))}")
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


__all__ = ["OWN", "PRESET", "ScenariosView", "make_view"]
