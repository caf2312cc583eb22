"""The Mitigations panel of the Scenarios tab: the project's variants (copies of the project with changes: another
supplier or country for a supply path, a second source, another grade, more stock) compared side by side with the
original under the scenario the tab has selected.

    panel = MitigationsPanel(context)        # a ViewContext: the document, the scoring, the dialogs
    panel.set_scenario(scenario)             # the selected scenario (None: none)
    panel.set_evaluation(evaluation)         # the project scored on the window's as-of date, after every change

The variants are the project's (`document.project.variants`): New, Edit, Duplicate and Delete are each one
undoable step (`Document.change_variants`), and the list follows undo, redo and a new project at once. The
comparison is `riskdesk.core.mitigations.compare_variants` on a snapshot of the project with the evaluation's date
and settings: inline for small projects, in the background (the document's runner) for projects with more than
`BACKGROUND_PATHS` supply paths, a newer request dropping an older one's result. It runs while the panel is shown;
a hidden panel notes that it is out of date and compares when it is next shown.
"""

from __future__ import annotations

import dataclasses
import html
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QShowEvent, QTextDocumentFragment
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.labels import BAND_COLORS, count
from riskdesk.core.mitigations import Comparison, MitigationError, Variant, compare_variants
from riskdesk.core.scenarios import Scenario, month_label
from riskdesk.ui.document import error_text
from riskdesk.ui.mitigation_models import PartsTableModel, VariantsTableModel
from riskdesk.ui.record_table import open_with_keys, setup_record_table
from riskdesk.ui.scoring import BACKGROUND_PATHS
from riskdesk.ui.variant_list import VariantList
from riskdesk.ui.workers import Cancelled, SynchronousRunner, TaskContext, TaskHandle

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.core.project import Project
    from riskdesk.ui.analysis import ViewContext

log = logging.getLogger(__name__)

NO_SCENARIO = "Choose a scenario to compare the variants under it."
WAITING = "Scoring the project…"
NO_VARIANTS = (
    "<p><b>No variants yet.</b></p><p>A variant is a copy of the project with changes — move a supply path to "
    "another supplier or country, add a second source at a share, use another grade, hold more stock — compared "
    "side by side with the original under the scenario: scores, scenario cost, and which parts stop. The real "
    "data never changes.</p><p>Click <b>New variant…</b> to make one.</p>"
)
FIX_HINT = ("Select it and click Edit… to change it so that it names parts, suppliers and countries the project "
            "has, or delete it.")


@dataclass(frozen=True)
class _Outcome:
    """What one comparison run gives: the comparison of the variants that apply, and those that do not."""

    comparison: Comparison | None
    broken: tuple[tuple[str, str], ...]
    """(variant name, why it cannot apply) for each variant left out."""


@dataclass(frozen=True)
class _Request:
    """The inputs of a comparison, to skip a run whose inputs have not changed."""

    project: Project
    evaluation: Evaluation
    scenario: Scenario
    variants: tuple[Variant, ...]

    def same(self, other: _Request | None) -> bool:
        return (other is not None and other.project is self.project and other.evaluation is self.evaluation
                and other.scenario == self.scenario and other.variants == self.variants)


def _compare(project: Project, variants: tuple[Variant, ...], scenario: Scenario, evaluation: Evaluation,
             task: TaskContext) -> _Outcome:
    """Compare the variants that apply to `project` (scored with the evaluation's date, settings and reference
    data); list the others with the reason."""
    broken: list[tuple[str, str]] = []
    usable: list[Variant] = []
    for variant in variants:
        task.check()
        try:
            variant.apply(project)
        except MitigationError as exc:
            broken.append((variant.name, str(exc)))
        except Exception as exc:  # a variant read from a file with a bad value: say so, keep the others
            log.warning("variant %r cannot be applied", variant.name, exc_info=True)
            broken.append((variant.name, error_text(exc)))
        else:
            usable.append(variant)
    task.check()
    if not usable:
        return _Outcome(None, tuple(broken))
    comparison = compare_variants(project, usable, scenario, evaluation.as_of, evaluation.reference)
    return _Outcome(comparison, tuple(broken))


class MitigationsPanel(QWidget):
    """The project's variants and their comparison with the original (see the module docstring)."""

    busy_changed = Signal(bool)
    compared = Signal()
    """The shown comparison (or message) changed."""

    def __init__(self, context: ViewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._document = context.document
        self._scenario: Scenario | None = None
        self._evaluation: Evaluation | None = None
        self._evaluated_project: Project | None = None
        """The project the evaluation was made of (a new project waits for its own)."""
        self._outcome: _Outcome | None = None
        self._last: _Request | None = None
        self._generation = 0
        self._handle: TaskHandle | None = None
        self._stale = False
        self._busy = False
        self.setAccessibleName("Mitigations")
        self._build()
        self._document.variants_changed.connect(self._on_variants_changed)
        self._document.project_replaced.connect(self._on_project_replaced)
        self._fill_list()
        self._request()

    # ---- layout -----------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.variants = VariantList(self._context)
        self.variants.selection_changed.connect(self._on_variant_selected)
        self.variant_list, self.new_button = self.variants.variant_list, self.variants.new_button
        self.edit_button, self.delete_button = self.variants.edit_button, self.variants.delete_button

        self.header_label = QLabel()
        self.header_label.setObjectName("mitigationsHeader")
        self.header_label.setWordWrap(True)
        self.header_label.setTextFormat(Qt.TextFormat.RichText)
        self.header_label.setAccessibleName("Scenario and date of the comparison")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setAccessibleName("Comparing")
        self.busy_bar.setToolTip("Scoring the variants and running the scenario on each in the background")
        self.busy_bar.hide()
        self.copy_button = QPushButton("&Copy tables")
        self.copy_button.setToolTip("Copy both tables (with headers, the scenario and the date) to paste into Excel")
        self.copy_button.setAccessibleName("Copy the comparison to the clipboard")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        header = QHBoxLayout()
        header.addWidget(self.header_label, 1)
        header.addWidget(self.busy_bar)
        header.addWidget(self.copy_button)

        self.message_label = QLabel()
        self.message_label.setObjectName("mitigationsMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.RichText)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setAccessibleName("Why there is no comparison")
        self.message_label.setMargin(24)

        self.broken_label = QLabel()
        self.broken_label.setObjectName("brokenVariants")
        self.broken_label.setWordWrap(True)
        self.broken_label.setTextFormat(Qt.TextFormat.RichText)
        self.broken_label.setAccessibleName("Variants left out of the comparison")
        self.broken_label.setStyleSheet(f"color: {BAND_COLORS['red']};")
        self.broken_label.hide()

        self.variants_model = VariantsTableModel(self)
        self.variants_table = QTableView()
        self.variants_table.setObjectName("variantsTable")
        self.variants_table.setAccessibleName("The original and each variant side by side")
        self.variants_table.setModel(self.variants_model)
        setup_record_table(self.variants_table, single=True)
        # A few rows: each as high as its changes, one a line, wrapped to the column (which follows the panel).
        self.variants_table.setWordWrap(True)
        self.variants_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.variants_table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.variants_table.horizontalHeader().setStretchLastSection(True)
        self.variants_table.doubleClicked.connect(self._on_summary_double_clicked)
        open_with_keys(self.variants_table, self._on_summary_double_clicked)

        self.parts_model = PartsTableModel(self)
        self.parts_table = QTableView()
        self.parts_table.setObjectName("partsTable")
        self.parts_table.setAccessibleName("Each part's score and first short day in the original and each variant")
        self.parts_table.setModel(self.parts_model)
        setup_record_table(self.parts_table)
        self.parts_table.verticalHeader().setDefaultSectionSize(self.parts_table.fontMetrics().height() + 8)
        self.parts_table.setSortingEnabled(True)
        self.parts_table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.parts_table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.only_changed_box = QCheckBox("&Only parts a variant changes")
        self.only_changed_box.setToolTip("Hide the parts whose score and first short day are the same in every "
                                         "variant as in the original")
        self.only_changed_box.setChecked(True)
        self.parts_model.set_only_changed(True)
        self.only_changed_box.toggled.connect(self._on_only_changed)
        self.parts_count_label = QLabel()
        self.parts_count_label.setObjectName("partsCount")

        parts_pane = QWidget()
        parts_layout = QVBoxLayout(parts_pane)
        parts_layout.setContentsMargins(0, 0, 0, 0)
        parts_header = QHBoxLayout()
        parts_title = QLabel("<b>Part by part</b>")
        parts_title.setBuddy(self.parts_table)
        parts_header.addWidget(parts_title)
        parts_header.addWidget(self.parts_count_label, 1)
        parts_header.addWidget(self.only_changed_box)
        parts_layout.addLayout(parts_header)
        parts_layout.addWidget(self.parts_table, 1)

        self.results_split = results_split = QSplitter(Qt.Orientation.Vertical)
        results_split.addWidget(self.variants_table)
        results_split.addWidget(parts_pane)
        results_split.setStretchFactor(0, 0)
        results_split.setStretchFactor(1, 1)
        results_split.setChildrenCollapsible(False)
        self._split_by_user = False
        results_split.splitterMoved.connect(self._on_split_moved)
        self._fit_timer = QTimer(self)
        """Fits the side-by-side table to its rows once the layout has settled (rows wrap to the column width)."""
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_summary)
        self.variants_table.verticalHeader().sectionResized.connect(lambda *_args: self._fit_timer.start())
        self.results = QWidget()
        results_layout = QVBoxLayout(self.results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.broken_label)
        results_layout.addWidget(results_split, 1)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.message_label)
        self.pages.addWidget(self.results)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(header)
        right_layout.addWidget(self.pages, 1)

        splitter = QSplitter()
        splitter.addWidget(self.variants)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 900])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._update_buttons()

    # ---- what the Scenarios tab feeds -------------------------------------------------------------------------

    def set_scenario(self, scenario: Scenario | None) -> None:
        """Compare under this scenario (None: no scenario is selected)."""
        self._scenario = scenario
        self._request()

    def set_evaluation(self, evaluation: Evaluation) -> None:
        """The project scored on the window's as-of date: the comparison uses its date and settings."""
        self._evaluation = evaluation
        self._evaluated_project = self._document.project
        self._request()

    def refresh(self) -> None:
        """Compare again now, even if hidden and nothing changed."""
        self._last = None
        self._request(force=True)

    # ---- state ------------------------------------------------------------------------------------------------

    @property
    def comparison(self) -> Comparison | None:
        """The comparison shown (None while there is none)."""
        return self._outcome.comparison if self._outcome is not None else None

    @property
    def broken(self) -> tuple[tuple[str, str], ...]:
        """(variant name, why it cannot apply) of the variants left out of the shown comparison."""
        return self._outcome.broken if self._outcome is not None else ()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def message(self) -> str:
        """The message shown instead of the tables, as plain text ("" when the tables are shown)."""
        if self.pages.currentWidget() is not self.message_label:
            return ""
        return QTextDocumentFragment.fromHtml(self.message_label.text()).toPlainText()

    def variant_names(self) -> list[str]:
        return self.variants.variant_names()

    def selected_variant(self) -> Variant | None:
        return self.variants.selected_variant()

    def select_variant(self, name: str) -> bool:
        return self.variants.select_variant(name)

    # ---- the variant list (a VariantList; the panel keeps the names tests call) -------------------------------

    def _fill_list(self) -> None:
        self.variants.fill(self.broken)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.copy_button.setEnabled(self.comparison is not None and self.pages.currentWidget() is self.results)

    def _on_variant_selected(self) -> None:
        self._update_buttons()
        variant = self.selected_variant()
        if variant is not None:
            row = self.variants_model.row_of(variant.name)
            if row >= 0:
                self.variants_table.selectRow(row)

    def _on_summary_double_clicked(self, index: QModelIndex) -> None:
        row = index.row()
        if row > 0 and self.select_variant(self.variants_model.summary_at(row)["name"]):
            self.edit_variant()

    def _on_variants_changed(self) -> None:
        self._fill_list()
        self._request()

    def _on_project_replaced(self) -> None:
        self._fill_list()
        self._request()

    def new_variant(self) -> None:
        self.variants.new_variant()

    def edit_variant(self) -> None:
        self.variants.edit_variant()

    def duplicate_variant(self) -> None:
        self.variants.duplicate_variant()

    # ---- comparing --------------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._request()

    def _show_message(self, text: str, keep_last: bool = False) -> None:
        self._cancel()
        self._set_busy(False)
        if not keep_last:
            self._last = None
        self._outcome = None
        self.variants_model.set_comparison(None)
        self.parts_model.set_comparison(None)
        self.message_label.setText(text if text.startswith("<") else f"<p>{html.escape(text)}</p>")
        self.pages.setCurrentWidget(self.message_label)
        self._update_buttons()
        self.compared.emit()

    def _cancel(self) -> None:
        self._generation += 1
        if self._handle is not None and self._handle.running:
            self._handle.cancel()
        self._handle = None

    def _set_busy(self, busy: bool) -> None:
        if busy == self._busy:
            return
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self.results.setEnabled(not busy)
        self.busy_changed.emit(busy)

    def _header(self, scenario: Scenario, evaluation: Evaluation | None, comparing: bool = False) -> None:
        last = month_label(scenario.months[-1])
        text = (f"Under <b>{html.escape(scenario.name)}</b> ({month_label(scenario.start)} to {last}, "
                f"{html.escape(scenario.price_basis)} prices)")
        if evaluation is not None:
            text += f", scored as of {evaluation.as_of.isoformat()}"
        text += ". Each variant changes a copy of the project; the real data never changes."
        if comparing:
            text += " <i>Comparing…</i>"
        self.header_label.setText(text)

    def _request(self, force: bool = False) -> None:
        """Compare (or say why not) with what the panel has now; skipped when nothing changed since the last run,
        and postponed while the panel is hidden."""
        scenario, evaluation = self._scenario, self._evaluation
        project = self._document.project
        if scenario is None:
            self.header_label.setText("")
            self._show_message(NO_SCENARIO)
            return
        current = evaluation if evaluation is not None and self._evaluated_project is project else None
        self._header(scenario, current)
        if current is None:
            self._show_message(WAITING)
            return
        variants = tuple(project.variants)
        if not variants:
            self._show_message(NO_VARIANTS)
            return
        request = _Request(project, current, scenario, variants)
        if request.same(self._last):
            return
        if not (self.isVisible() or force):
            self._stale = True
            return
        self._stale = False
        self._start(request)

    def _start(self, request: _Request) -> None:
        self._cancel()
        self._last = request
        self._generation += 1
        generation = self._generation
        evaluation, scenario, variants = request.evaluation, request.scenario, request.variants
        large = len(request.project.tables.paths) > BACKGROUND_PATHS
        copy = request.project.copy()
        source = dataclasses.replace(copy, settings=evaluation.settings.copy())

        def work(task: TaskContext) -> _Outcome:
            return _compare(source, variants, scenario, evaluation, task)

        def finished(outcome: _Outcome) -> None:
            if generation != self._generation:
                return
            self._handle = None
            self._set_busy(False)
            self._show(outcome, scenario, evaluation)

        def failed(exc: BaseException) -> None:
            if generation != self._generation or isinstance(exc, Cancelled):
                return
            self._handle = None
            self._set_busy(False)
            log.error("comparing the variants failed", exc_info=exc)
            self._show_message(f"The variants could not be compared: {error_text(exc)}")

        self._set_busy(large)
        if large:
            self._header(scenario, evaluation, comparing=True)
        runner = self._document.runner if large else SynchronousRunner()
        handle = runner.start(work, finished, failed, None)
        if generation == self._generation and handle.running:
            self._handle = handle

    def _show(self, outcome: _Outcome, scenario: Scenario, evaluation: Evaluation) -> None:
        self._header(scenario, evaluation)
        if outcome.comparison is None:
            listed = "".join(f"<li><b>{html.escape(name)}</b>: {html.escape(why)}</li>"
                             for name, why in outcome.broken)
            self._show_message(f"<p><b>No variant can be compared with the original:</b></p><ul>{listed}</ul>"
                               f"<p>{html.escape(FIX_HINT)}</p>", keep_last=True)
            self._outcome = outcome
            self.variants.mark_broken(outcome.broken)
            return
        self._outcome = outcome
        if outcome.broken:
            listed = "; ".join(f"<b>{html.escape(name)}</b>: {html.escape(why)}" for name, why in outcome.broken)
            self.broken_label.setText(f"Left out ({count(len(outcome.broken), 'variant')}): {listed}. "
                                      f"{html.escape(FIX_HINT)}")
        self.broken_label.setVisible(bool(outcome.broken))
        self.variants_model.set_comparison(outcome.comparison)
        self.parts_model.set_comparison(outcome.comparison)
        self._size_columns()
        self._show_parts_count()
        self.pages.setCurrentWidget(self.results)
        self.variants.mark_broken(outcome.broken)
        self._update_buttons()
        self.compared.emit()

    def _size_columns(self) -> None:
        table = self.variants_table
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.parts_table.resizeColumnsToContents()
        self._fit_timer.start()

    def _on_split_moved(self, _pos: int, _index: int) -> None:
        self._split_by_user = True

    def _fit_summary(self) -> None:
        """The side-by-side table as high as its rows (up to half the results), the parts table below taking the
        rest; left alone once the user has moved the splitter."""
        if self._split_by_user:
            return
        table = self.variants_table
        rows = sum(table.rowHeight(r) for r in range(self.variants_model.rowCount()))
        wanted = table.horizontalHeader().height() + rows + 2 * table.frameWidth() + 4
        if table.horizontalHeader().length() > table.viewport().width():
            wanted += table.horizontalScrollBar().sizeHint().height()
        total = sum(self.results_split.sizes())
        if total <= 0:
            return
        top = min(wanted, max(total // 2, 80))
        self.results_split.setSizes([top, max(total - top, 1)])

    def _show_parts_count(self) -> None:
        model = self.parts_model
        self.parts_count_label.setText(f"{model.n_changed:,} of {count(model.n_parts, 'part')} change in a variant")

    def _on_only_changed(self, checked: bool) -> None:
        self.parts_model.set_only_changed(checked)

    # ---- clipboard --------------------------------------------------------------------------------------------

    def table_text(self) -> str:
        """Both tables as tab-separated text, headed by the scenario and the date."""
        comparison = self.comparison
        if comparison is None:
            return ""
        head = f"Scenario\t{comparison.scenario.name}\nScored as of\t{comparison.as_of.isoformat()}\n\n"
        return head + self.variants_model.table_text() + "\n" + self.parts_model.table_text()

    def copy_to_clipboard(self) -> None:
        text = self.table_text()
        if text:
            QGuiApplication.clipboard().setText(text)


__all__ = ["MitigationsPanel"]
