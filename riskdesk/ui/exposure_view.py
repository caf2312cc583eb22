"""The Exposure view: every part's score in a sortable table, why the selected part scores what it does (factors,
rule hits, watch items, sources), and charts of the portfolio's exposure by element, country and stage.

The view shows one `Evaluation` at a time (`set_evaluation`); the caller re-evaluates after an edit, a new as-of
date or new settings. Charts are built (and pyqtgraph imported) only when the chart pane is first shown.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core import elements
from riskdesk.core.compiled import UNASSIGNED_SUPPLIER
from riskdesk.core.domain import STAGES
from riskdesk.core.evaluation import Evaluation, Hit, PartReport, band
from riskdesk.core.exposure import (
    ELEMENT_SETS,
    MEASURES,
    by_element,
    by_stage_and_country,
    by_supplier,
    element_mask,
)
from riskdesk.core.labels import (
    BAND_COLORS,
    BAND_LABELS,
    FACTOR_HELP,
    FACTOR_LABELS,
    confidence_text,
    format_kg,
    format_money,
)
from riskdesk.core.project import FACTOR_NAMES
from riskdesk.core.triage import POSSIBLY_PROHIBITED, STATUS_LABELS, score_text
from riskdesk.ui.analysis import AnalysisView, ViewContext
from riskdesk.ui.palette import chip as _chip
from riskdesk.ui.record_table import open_with_keys, setup_record_table
from riskdesk.ui.score_models import HitsTableModel, ScoresTableModel, SortRole

if TYPE_CHECKING:
    from riskdesk.ui.charts import ChartWidget
    from riskdesk.ui.part_detail import PartDetailDialog

_Index = QModelIndex | QPersistentModelIndex

TOP_PARTS = 25
TOP_SUPPLIERS = 20
"""The supplier chart shows this many suppliers, the rest as one bar."""


# ---------------------------------------------------------------------------------------------------------------
# The "why this score" text


def why_html(report: PartReport, evaluation: Evaluation) -> str:
    """The part's score explained as rich text: cap, factors with weights and inputs, composition, then its rule
    hits, watch items and possible hits grouped by rule with sources (links) and confidence marks."""
    esc = html.escape
    country_name = evaluation.reference.countries.name
    weights_total = sum(max(f.weight, 0.0) for f in report.factors.values()) or 1.0
    out = [
        f"<h3>{esc(report.part_number)} — {esc(report.description)}</h3>",
        f"<p>{_chip(report.band, f'{score_text(report.score)} · {BAND_LABELS[report.band]}')} "
        + (f"<b>{esc(STATUS_LABELS[report.status])}</b> " if report.status else "")
        + f"as of {evaluation.as_of.isoformat()}, control list {esc(evaluation.rules_version)}</p>",
    ]
    if report.cap:
        out.append(f'<p><b>{esc(report.cap)}</b></p>')
    out.append('<table cellspacing="0" cellpadding="2" width="100%">'
               "<tr><th align=left>Factor</th><th align=right>Value</th><th align=right>Weight</th>"
               "<th align=right>Points</th></tr>")
    ranked = sorted(FACTOR_NAMES, key=lambda n: -report.factors[n].value * max(report.factors[n].weight, 0.0))
    for name in ranked:
        factor = report.factors[name]
        points = factor.value * max(factor.weight, 0.0) / weights_total
        out.append(
            f'<tr><td title="{esc(FACTOR_HELP[name], quote=True)}"><b>{esc(FACTOR_LABELS[name])}</b></td>'
            f"<td align=right>{factor.value:.0f}</td><td align=right>{factor.weight:g}</td>"
            f"<td align=right>{points:.1f}</td></tr>"
            f'<tr><td colspan="4" style="padding-left:12px; padding-bottom:5px;"><small>{esc(factor.inputs)}'
            "</small></td></tr>"
        )
    out.append("</table>")
    floor = (f", here {report.factor_score:.0f}, raised to the floor stated above"
             if report.score > report.factor_score + 1e-9 else "")
    out.append(f"<p><small>Points = factor × weight / Σ weights; the score is their sum{floor}.</small></p>")
    if report.supply_note:
        out.append(f"<p><b>Supply:</b> {esc(report.supply_note)}</p>")
    if report.elements_kg:
        listed = ", ".join(
            f"{esc(symbol)} {format_kg(kg)} kg ({format_money(report.elements_value.get(symbol, 0.0))})"
            for symbol, kg in sorted(report.elements_kg.items(), key=lambda kv: -report.elements_value.get(kv[0], 0))
        )
        out.append(f"<p><b>Elements per year:</b> {listed}</p>")
    if report.composition_note:
        out.append(f"<p><b>Composition:</b> {esc(report.composition_note)}</p>")
    for title, hits, empty in (
        ("Rule hits", report.hits, "No rule in force hits this part on this date."),
        ("Watch items", report.watch, "Nothing to watch on this date."),
        ("Possible hits (stage country unknown)", report.possible, ""),
    ):
        if not hits and not empty:
            continue
        out.append(f"<h4>{esc(title)} ({len(hits)})</h4>")
        if not hits:
            out.append(f"<p>{esc(empty)}</p>")
            continue
        out.extend(_hit_groups_html(hits, evaluation, country_name))
    return "\n".join(out)


def _hit_groups_html(hits: Sequence[Hit], evaluation: Evaluation, country_name: Callable[[str], str]) -> list[str]:
    esc = html.escape
    out: list[str] = []
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.rule_id, []).append(hit)
    for rule_id, members in groups.items():
        first = members[0]
        try:
            rule = evaluation.reference.control_list.by_id(rule_id)
            sources = ", ".join(
                f'<a href="{esc(s.url, quote=True)}">{esc(s.title)}</a>' if s.url else esc(s.title)
                for s in rule.sources
            )
            heading = f"{esc(rule.instrument)} — {esc(rule.title)}"
        except KeyError:
            sources, heading = esc(first.source), ""
        mark = confidence_text(first.confidence)
        mark_html = f"<b>{esc(mark)}</b>" if first.confidence in ("U", "X") else esc(mark)
        status = "" if first.status in first.effect_label else f" · {esc(first.status)}"
        out.append(f"<p><b>{esc(rule_id)}</b> · {esc(first.effect_label)}{status}<br>{heading}<br>"
                   f"<small>Confidence: {mark_html}. Sources: {sources}</small></p><ul>")
        for hit in members:
            what = hit.element or "whole magnet"
            where = country_name(hit.country) if hit.country else "unknown country"
            out.append(
                f'<li title="{esc(hit.explanation, quote=True)}">{esc(what)} at {esc(hit.stage.label)} in '
                f"{esc(where)}, supplier {esc(hit.supplier_id)} ({hit.share_pct:g} % of the part): "
                f"{format_kg(hit.kg)} kg, {format_money(hit.value)} a year</li>"
            )
        out.append("</ul>")
    return out


# ---------------------------------------------------------------------------------------------------------------
# Widgets


class ChartsPanel(QWidget):
    """Portfolio exposure charts (by element, country, stage; part scores) with a measure and an element choice.
    The charts, and pyqtgraph, are created on first show (or `ensure_built`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._evaluation: Evaluation | None = None
        self.charts: dict[str, ChartWidget] = {}

        self.measure_box = QComboBox()
        self.measure_box.setAccessibleName("Chart measure")
        self.measure_box.setToolTip("Chart kg of contained element per year, or its value at reference prices")
        for key, (label, _) in MEASURES.items():
            self.measure_box.addItem(label, key)
        self.elements_box = QComboBox()
        self.elements_box.setAccessibleName("Elements charted")
        self.elements_box.setToolTip("Which elements the country and stage charts add up (iron and boron would "
                                     "otherwise dwarf the rare earths in kg)")
        for key, label in ELEMENT_SETS.items():
            self.elements_box.addItem(label, key)
        self.stage_box = QComboBox()
        self.stage_box.setAccessibleName("Stage charted")
        self.stage_box.setToolTip("The country chart shows one stage at a time, so that each kg counts once and the "
                                  "bars add up to the portfolio")
        for stage in STAGES:
            self.stage_box.addItem(stage.label, stage.value)
        self.stage_box.setCurrentIndex(len(STAGES) - 1)
        self.measure_box.currentIndexChanged.connect(self.refresh)
        self.elements_box.currentIndexChanged.connect(self.refresh)
        self.stage_box.currentIndexChanged.connect(self.refresh)

        controls = QHBoxLayout()
        measure_label = QLabel("&Show")
        measure_label.setBuddy(self.measure_box)
        elements_label = QLabel("&Elements")
        elements_label.setBuddy(self.elements_box)
        # Each box as wide as its longest choice when there is room, narrower (elided) when the window is not: at
        # the first-run window size the three boxes would otherwise push the chart past the window's edge.
        for box in (self.measure_box, self.elements_box, self.stage_box):
            box.setMaximumWidth(box.sizeHint().width())
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(8)
        controls.addWidget(measure_label)
        controls.addWidget(self.measure_box, 1)
        controls.addSpacing(12)
        controls.addWidget(elements_label)
        controls.addWidget(self.elements_box, 1)
        controls.addSpacing(12)
        self.stage_label = QLabel("S&tage")
        self.stage_label.setBuddy(self.stage_box)
        controls.addWidget(self.stage_label)
        controls.addWidget(self.stage_box, 1)
        controls.addStretch(0)  # space goes to the boxes first, up to their full width
        self.save_button = QToolButton()
        self.save_button.setText("Save chart…")
        self.save_button.setToolTip("Save the chart shown as a PNG image or an SVG drawing, or copy it")
        self.save_button.setAccessibleName("Save chart")
        self.save_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.save_button.setEnabled(False)
        self._save_menu = QMenu(self.save_button)
        self._save_menu.aboutToShow.connect(self._fill_save_menu)
        self.save_button.setMenu(self._save_menu)
        controls.addWidget(self.save_button)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Exposure charts")
        self.tabs.setDocumentMode(True)
        self._placeholder = QLabel("Charts appear here once the project is scored.")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self._placeholder, 1)
        self.tabs.hide()

    @property
    def built(self) -> bool:
        return bool(self.charts)

    def ensure_built(self) -> None:
        """Create the chart widgets (importing pyqtgraph) if not done yet, and draw the current evaluation."""
        if self.charts:
            return
        from riskdesk.ui.charts import ChartWidget

        specs = (
            ("element", "By element", False),
            ("country", "By country (one stage)", True),
            ("stage", "By stage and country", False),
            ("supplier", "By supplier", True),
            ("parts", "Part scores", True),
        )
        for key, title, horizontal in specs:
            chart = ChartWidget(title, horizontal=horizontal)
            chart.setObjectName(f"chart_{key}")
            self.charts[key] = chart
            self.tabs.addTab(chart, title)
        self.tabs.currentChanged.connect(lambda _i: self._show_stage_choice())
        self._show_stage_choice()
        self.tabs.show()
        self._placeholder.hide()
        self.save_button.setEnabled(True)
        self.refresh()

    def _show_stage_choice(self) -> None:
        on_country = self.current_chart() is self.charts.get("country")
        self.stage_box.setVisible(on_country)
        self.stage_label.setVisible(on_country)

    def current_chart(self) -> ChartWidget | None:
        widget = self.tabs.currentWidget()
        return next((chart for chart in self.charts.values() if chart is widget), None)

    def _fill_save_menu(self) -> None:
        self._save_menu.clear()
        chart = self.current_chart()
        if chart is not None:
            self._save_menu.addActions(chart.chart_actions())

    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        self._evaluation = evaluation
        elements_key = self.elements_box.currentData()
        self.elements_box.blockSignals(True)
        while self.elements_box.count() > len(ELEMENT_SETS):
            self.elements_box.removeItem(self.elements_box.count() - 1)
        if evaluation is not None:
            for symbol in evaluation.elements_kg():
                self.elements_box.addItem(f"{symbol} — {elements.BY_SYMBOL[symbol].name}", symbol)
        position = self.elements_box.findData(elements_key)
        self.elements_box.setCurrentIndex(max(position, 0))
        self.elements_box.blockSignals(False)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._evaluation is not None:
            self.ensure_built()

    def refresh(self) -> None:
        """Redraw every chart from the current evaluation and choices."""
        if not self.charts:
            return
        evaluation = self._evaluation
        empty = evaluation is None or evaluation.compiled.n_parts == 0
        self.tabs.setVisible(not empty)
        self._placeholder.setVisible(empty)
        if evaluation is not None and empty:
            self._placeholder.setText("No parts yet: import a spreadsheet (File ▸ Import) or type parts into the "
                                      "Parts table, and the exposure charts appear here.")
        if evaluation is None or empty:
            for chart in self.charts.values():
                chart.clear()
            return
        measure = str(self.measure_box.currentData())
        selection = str(self.elements_box.currentData())
        mask = element_mask(selection)
        label, unit = MEASURES[measure]
        formatter = _formatter(measure)
        what = self.elements_box.currentText().split(" — ")[0]
        country_name = evaluation.reference.countries.name

        per_element = by_element(evaluation, measure, mask)
        chart = self.charts["element"]
        chart.set_title(f"{label} by element ({what.lower() if selection in ELEMENT_SETS else what})")
        chart.set_bars([s for s, _ in per_element], [v for _, v in per_element], unit, formatter=formatter)

        exposure = by_stage_and_country(evaluation, measure, mask)
        names = [_column_name(code, country_name) for code in exposure.codes]
        colors = {name: _column_color(code, i) for i, (code, name) in enumerate(zip(exposure.codes, names,
                                                                                       strict=True))}
        stage_labels = [s.label for s in STAGES]
        chart = self.charts["stage"]
        chart.set_title(f"{label} of {what.lower() if selection in ELEMENT_SETS else what} passing each stage, "
                        "by country")
        chart.set_stacked(stage_labels, {name: exposure.matrix[:, i] for i, name in enumerate(names)}, unit,
                          colors=colors, formatter=formatter)
        chart = self.charts["country"]
        stage_index = max(self.stage_box.currentIndex(), 0)
        stage = STAGES[stage_index]
        row = exposure.matrix[stage_index]
        ranked = [k for k in np.argsort(-row, kind="stable") if row[k] > 0]
        chart.set_title(f"{label} of {what.lower() if selection in ELEMENT_SETS else what} at the "
                        f"{stage.label.lower()} stage, by country (each kg once: the bars add up to the portfolio)")
        chart.set_bars([names[k] for k in ranked], [float(row[k]) for k in ranked], unit,
                       colors=[colors[names[k]] for k in ranked], formatter=formatter)

        per_supplier = by_supplier(evaluation, measure, mask)
        supplier_names = dict(zip(evaluation.compiled.supplier_ids, evaluation.compiled.supplier_names, strict=True))
        shown_suppliers = [(_supplier_label(str(s), str(supplier_names.get(s, ""))), v)
                           for s, v in per_supplier[:TOP_SUPPLIERS]]
        if len(per_supplier) > TOP_SUPPLIERS:
            shown_suppliers.append((f"{len(per_supplier) - TOP_SUPPLIERS} other suppliers",
                                    sum(v for _, v in per_supplier[TOP_SUPPLIERS:])))
        chart = self.charts["supplier"]
        chart.set_title(f"{label} of {what.lower() if selection in ELEMENT_SETS else what} by supplier (each kg "
                        "once: the bars add up to the portfolio)")
        chart.set_bars([name for name, _ in shown_suppliers], [v for _, v in shown_suppliers], unit,
                       formatter=formatter)

        scores = evaluation.scores
        order = np.argsort(-scores, kind="stable")[:TOP_PARTS]
        portfolio, reason = evaluation.portfolio_score()
        chart = self.charts["parts"]
        shown = "all parts" if len(scores) <= TOP_PARTS else f"the {TOP_PARTS} highest of {len(scores)} parts"
        chart.set_title(f"Part scores ({shown}); dashed line: portfolio {portfolio:.0f}")
        chart.set_bars(
            [str(evaluation.compiled.part_numbers[i]) for i in order], [float(scores[i]) for i in order],
            "score (0–100)", colors=[BAND_COLORS[band(float(scores[i]))] for i in order],
            formatter=lambda v: f"{v:.0f}",
            legend={f"{BAND_LABELS[name]} ({label})": BAND_COLORS[name]
                    for name, label in (("red", "70 and over"), ("amber", "40–70"), ("green", "under 40"))},
        )
        chart.set_value_range(0, 102)
        chart.add_reference_line(portfolio, BAND_COLORS[band(portfolio)])
        chart.set_tooltip(f"{chart.summary}\nPortfolio score {portfolio:.0f}: {reason}")


def _supplier_label(supplier_id: str, name: str) -> str:
    """A supplier as the chart names it: "SUP-DE1 · Vacuumschmelze"; volume no supply path covers says so."""
    if supplier_id == UNASSIGNED_SUPPLIER:
        return "no supply path (supplier unknown)"
    return f"{supplier_id} · {name}" if name and name != supplier_id else supplier_id


def _formatter(measure: str) -> Callable[[float], str]:
    if measure == "value":
        return format_money
    return lambda v: f"{format_kg(v)} kg"


def _column_name(code: str, country_name: Callable[[str], str]) -> str:
    if code == "":
        return "Unknown"
    if code == "*":
        return "Other countries"
    return country_name(code)


def _column_color(code: str, position: int) -> str:
    from riskdesk.ui.charts import OTHER_COLOR, UNKNOWN_COLOR, series_color

    if code == "":
        return UNKNOWN_COLOR
    if code == "*":
        return OTHER_COLOR
    return series_color(position)


class ExposureView(AnalysisView):
    """Scores of every part, why the selected part scores what it does, its rule hits, and exposure charts.

    `set_evaluation` shows a new evaluation and keeps the selected part; `part_selected` is emitted with the part
    number whenever the selection moves to another part.
    """

    part_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None, context: ViewContext | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._evaluation: Evaluation | None = None
        self._selected: str | None = None
        self.detail: PartDetailDialog | None = None
        """The open part detail (double-click a part)."""
        self._shown: tuple[Evaluation | None, str | None] = (None, None)

        self.portfolio_label = QLabel("No project scored yet")
        self.portfolio_label.setObjectName("portfolioScore")
        self.portfolio_label.setAccessibleName("Portfolio score")
        self.portfolio_label.setTextFormat(Qt.TextFormat.RichText)
        self.portfolio_label.setWordWrap(True)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by part number or description")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter parts")
        self.filter_edit.setToolTip("Show only parts whose number or description contains this text")

        self.scores_model = ScoresTableModel(self)
        self.filter_edit.textChanged.connect(self._on_filter)
        self.band_filter = QComboBox()
        self.band_filter.setAccessibleName("Band")
        self.band_filter.setToolTip("Show only the parts of one band")
        self.band_filter.addItem("Any band", "")
        for name in ("red", "amber", "green"):
            self.band_filter.addItem(BAND_LABELS[name], name)
        self.rule_filter = QComboBox()
        self.rule_filter.setAccessibleName("Rule")
        self.rule_filter.setToolTip("Show only the parts a rule hits or that it is a watch item for")
        self.rule_filter.addItem("Any rule", "")
        self.element_filter = QComboBox()
        self.element_filter.setAccessibleName("Element")
        self.element_filter.setToolTip("Show only the parts whose magnets hold an element")
        self.element_filter.addItem("Any element", "")
        for box in (self.band_filter, self.rule_filter, self.element_filter):
            box.currentIndexChanged.connect(self._on_filters)

        self.table = QTableView()
        self.table.setObjectName("scoresTable")
        self.table.setAccessibleName("Part scores")
        self.table.setModel(self.scores_model)  # the model sorts and filters itself, with numpy
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(self.scores_model.column_of("status"), Qt.SortOrder.DescendingOrder)
        setup_record_table(self.table, single=True)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self._size_score_columns()
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.table.doubleClicked.connect(lambda index: self.show_detail(self.scores_model.part_number_at(index.row())))
        open_with_keys(self.table, lambda index: self.show_detail(self.scores_model.part_number_at(index.row())))
        self.table.setToolTip("Double-click a part (or press Enter) to see its supply paths, hits and factors, and go "
                              "to the cells behind them")

        self.why_browser = QTextBrowser()
        self.why_browser.setObjectName("whyBrowser")
        self.why_browser.setAccessibleName("Why this score")
        self.why_browser.setOpenExternalLinks(True)
        self.why_browser.setPlaceholderText("Select a part to see why it scores what it does.")

        self.hits_model = HitsTableModel(self)
        self.hits_proxy = QSortFilterProxyModel(self)
        self.hits_proxy.setSortRole(SortRole)
        self.hits_proxy.setSourceModel(self.hits_model)
        self.hits_table = QTableView()
        self.hits_table.setObjectName("hitsTable")
        self.hits_table.setAccessibleName("Rule hits and watch items of the selected part")
        self.hits_table.setModel(self.hits_proxy)
        self.hits_table.setSortingEnabled(True)
        self.hits_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        setup_record_table(self.hits_table)
        self._size_hit_columns()

        self.detail_tabs = QTabWidget()
        self.detail_tabs.setAccessibleName("Selected part")
        self.detail_tabs.addTab(self.why_browser, "&Why this score")
        self.detail_tabs.addTab(self.hits_table, "&Hits && watch items")

        self.charts = ChartsPanel()

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        filters.addWidget(self.filter_edit, 2)
        filters.addWidget(self.band_filter)
        filters.addWidget(self.rule_filter, 1)
        filters.addWidget(self.element_filter)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.table, 1)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.setChildrenCollapsible(False)
        bottom.addWidget(self.detail_tabs)
        bottom.addWidget(self.charts)
        bottom.setStretchFactor(0, 1)
        bottom.setStretchFactor(1, 1)
        bottom.setSizes([560, 640])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)

        layout = QVBoxLayout(self)
        layout.addWidget(self.portfolio_label)
        layout.addWidget(self.splitter, 1)
        if context is not None:
            from riskdesk.ui.table_export_action import add_export_action

            add_export_action(self.table, "Scores", context.dialogs)
            add_export_action(self.hits_table, "Findings", context.dialogs)

    # -- public API

    @property
    def evaluation(self) -> Evaluation | None:
        return self._evaluation

    def _on_filters(self, _index: int = 0) -> None:
        self.scores_model.set_filters(str(self.band_filter.currentData() or ""),
                                      str(self.rule_filter.currentData() or ""),
                                      str(self.element_filter.currentData() or ""))

    def _fill_filters(self, evaluation: Evaluation) -> None:
        """The rules that hit a part and the elements the parts hold, keeping the current choices."""
        for box, entries in ((self.rule_filter, [(r, r) for r in evaluation.rules_hitting()]),
                             (self.element_filter, [(f"{s} — {elements.BY_SYMBOL[s].name}", s)
                                                    for s in evaluation.elements_kg()])):
            current = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for text, data in entries:
                box.addItem(text, data)
            box.setCurrentIndex(max(box.findData(current), 0))
            box.blockSignals(False)

    def set_evaluation(self, evaluation: Evaluation) -> None:
        """Show `evaluation`, keeping the selected part selected when it still exists."""
        previous = self._selected
        self._evaluation = evaluation
        self._fill_filters(evaluation)
        self.scores_model.set_evaluation(evaluation)
        self._update_header()
        self.charts.set_evaluation(evaluation)
        if self.charts.isVisible():
            self.charts.ensure_built()
        target = previous if previous is not None and self.scores_model.row_of(previous) >= 0 else None
        if target is None and self.scores_model.rowCount() > 0:
            target = self.scores_model.part_number_at(0)
        if target is None or not self.select_part(target):
            self._show_part(None)

    def selected_part(self) -> str | None:
        return self._selected

    def select_part(self, part_number: str) -> bool:
        """Select a part's row (clearing the filter if it hides it); False when the evaluation has no such part."""
        evaluation = self._evaluation
        if evaluation is None:
            return False
        try:
            evaluation.compiled.part_position(part_number)
        except KeyError:
            return False
        row = self.scores_model.row_of(part_number)
        if row < 0:
            self.filter_edit.clear()
            row = self.scores_model.row_of(part_number)
        index = self.scores_model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)
        self._show_part(part_number)  # no-op when the current-row signal already showed it
        return True

    def show_detail(self, part_number: str) -> PartDetailDialog | None:
        """Open the part's detail: its supply paths, hits and factors, with jumps to the cells behind them."""
        from riskdesk.ui.part_detail import PartDetailDialog

        if self._evaluation is None:
            return None
        project = self._context.document.project if self._context is not None else None
        if project is None:
            return None
        if self.detail is not None:
            self.detail.close()
        dialog = PartDetailDialog(self._evaluation, project, part_number,
                                  self._context.go_to if self._context is not None else None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "detail", None))
        self.detail = dialog
        dialog.show()
        return dialog

    def ensure_charts(self) -> None:
        """Build and draw the charts now (they are otherwise built when first shown)."""
        self.charts.ensure_built()

    # -- internals

    def _size_score_columns(self) -> None:
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSortIndicatorShown(True)
        for column, spec in enumerate(self.scores_model.COLUMNS):
            sample = {"part": "MTR-TRAC-200XX", "description": "Direct-drive generator magnet",
                      "status": STATUS_LABELS[POSSIBLY_PROHIBITED]}.get(spec.key, "")
            width = max(metrics.horizontalAdvance(spec.title), metrics.horizontalAdvance(sample)) + 34
            if spec.key == "band":
                width += 16
            header.resizeSection(column, width)
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + 10)

    def _size_hit_columns(self) -> None:
        header = self.hits_table.horizontalHeader()
        metrics = self.hits_table.fontMetrics()
        samples = {"rule": "US-DFARS-7052-UPSTREAM", "stage": "separation/refining", "country": "United States",
                   "effect": "licence required", "status": "in force", "element": "whole magnet"}
        for column, spec in enumerate(self.hits_model.COLUMNS):
            width = max(metrics.horizontalAdvance(spec.title), metrics.horizontalAdvance(samples.get(spec.key, "")))
            header.resizeSection(column, width + 28)
        header.setStretchLastSection(True)
        self.hits_table.verticalHeader().setDefaultSectionSize(metrics.height() + 10)

    def _update_header(self) -> None:
        evaluation = self._evaluation
        if evaluation is None:
            self.portfolio_label.setText("No project scored yet")
            return
        if evaluation.compiled.n_parts == 0:  # no score exists: not "0 · Green"
            self.portfolio_label.setText("<b>No parts yet</b>: import a spreadsheet (File ▸ Import Spreadsheets…) "
                                         "or type parts into the Parts table")
            self.portfolio_label.setToolTip("The portfolio score appears once the project has parts")
            return
        score, reason = evaluation.portfolio_score()
        name = band(score)
        self.portfolio_label.setText(
            f"<b>Portfolio score</b> {_chip(name, f'{score_text(score)} · {BAND_LABELS[name]}')} "
            f"&nbsp; {evaluation.compiled.n_parts} parts · as of <b>{evaluation.as_of.isoformat()}</b> · control "
            f"list {html.escape(evaluation.rules_version)}<br><small>{html.escape(reason)}</small>"
        )
        self.portfolio_label.setToolTip(f"Portfolio score {score:.1f}: {reason}")

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        self._show_part(self.scores_model.part_number_at(current.row()))

    def _on_filter(self, text: str) -> None:
        self.scores_model.set_filter_text(text)
        if self._selected is not None and self.scores_model.row_of(self._selected) >= 0:
            index = self.scores_model.index(self.scores_model.row_of(self._selected), 0)
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().setCurrentIndex(index, flags)
            self.table.scrollTo(index)

    def _show_part(self, part_number: str | None) -> None:
        """Show a part's explanation and hits; emits `part_selected` when the part (not just the evaluation)
        changes."""
        evaluation = self._evaluation
        if self._shown[0] is evaluation and self._shown[1] == part_number:
            return
        self._shown = (evaluation, part_number)
        changed = part_number != self._selected
        self._selected = part_number
        if evaluation is None or part_number is None:
            self.why_browser.clear()
            self.hits_model.set_report(None)
            self.detail_tabs.setTabText(1, "&Hits && watch items")  # not the counts of a part no longer shown
            return
        report = evaluation.part_report(part_number)
        scroll = self.why_browser.verticalScrollBar().value() if not changed else 0
        self.why_browser.setHtml(why_html(report, evaluation))
        self.why_browser.verticalScrollBar().setValue(scroll)
        self.hits_model.set_report(report, evaluation.reference.countries.name)
        self.detail_tabs.setTabText(1, f"&Hits {len(report.hits)} · watch {len(report.watch)} · possible "
                                       f"{len(report.possible)}")
        if changed:
            self.part_selected.emit(part_number)


def make_view(context: ViewContext) -> ExposureView:
    """The Exposure tab (see `riskdesk.ui.analysis`)."""
    return ExposureView(context=context)
