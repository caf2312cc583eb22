"""From a score to its cause: one part's supply paths (stage by stage), its rule hits with their sources, and its
factors with their inputs, with a jump to the supply path or cell that causes each.

Opened by double-clicking a part in the Exposure tab. The window gives it `go_to(table, frame_row, column)`, which
shows that cell in its table (the dialog stays open beside it).
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.domain import STAGES
from riskdesk.core.evaluation import Evaluation, Hit
from riskdesk.core.fields import by_key
from riskdesk.core.labels import BAND_LABELS, FACTOR_LABELS, count, field_label
from riskdesk.core.project import FACTOR_NAMES, Project
from riskdesk.core.triage import STATUS_LABELS
from riskdesk.core.value_share import VALUATION, ValueShare
from riskdesk.ui.columns import TableName
from riskdesk.ui.palette import score_chip
from riskdesk.ui.record_table import leave_with_tab, open_with_keys
from riskdesk.ui.score_models import HitsTableModel, RowObjectRole

GoTo = Callable[[TableName, int, str], None]
"""Show a cell: (table, row in the project's table, column key)."""


class PartDetailDialog(QDialog):
    """One part, from its score to the supply paths and rules behind it (see the module docstring)."""

    def __init__(self, evaluation: Evaluation, project: Project, part_number: str, go_to: GoTo | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("partDetail")
        self.setWindowTitle(f"{part_number} — why it scores what it does")
        self.resize(1100, 640)
        self._go_to = go_to
        self._project = project
        self.part_number = part_number
        report = evaluation.part_report(part_number)
        country_name = evaluation.reference.countries.name

        status = (f"<b>{html.escape(STATUS_LABELS[report.status])}</b> · " if report.status else "")
        header = QLabel(
            f"<h2>{html.escape(part_number)} <small>{html.escape(report.description)}</small></h2>"
            f"<p>{score_chip(report.score, report.band)} {BAND_LABELS[report.band]} · {status}"
            f"{count(len(report.hits), 'hit')}, {count(len(report.watch), 'watch item')}, "
            f"{count(len(report.possible), 'possible hit')} "
            f"as of {evaluation.as_of.isoformat()}</p>"
            + (f"<p>{html.escape(report.cap)}</p>" if report.cap else "")
            + value_test_html(report.value_share))
        header.setObjectName("partHeader")
        header.setWordWrap(True)
        header.setTextFormat(Qt.TextFormat.RichText)

        # -- supply paths
        paths = project.tables.paths
        mine = paths["part_number"].to_numpy(dtype=object) == part_number
        self.path_rows: list[int] = [int(r) for r in np.flatnonzero(mine)]
        """Rows of the project's supply paths table, in the order shown."""
        hit_rules: dict[str, set[str]] = {}
        for hit in report.hits:
            hit_rules.setdefault(hit.supplier_id, set()).add(hit.rule_id)
        stage_keys = [stage.column for stage in STAGES]
        own_evidence = {stage.column: stage.evidence_column for stage in STAGES}
        columns = ["supplier_id", "share_pct", stage_keys[0], "feedstock", *stage_keys[1:], "origin_evidence"]
        self.paths_table = QTableWidget(len(self.path_rows), len(columns) + 1)
        self.paths_table.setObjectName("partPaths")
        self.paths_table.setAccessibleName("Supply paths of the part")
        self.paths_table.setHorizontalHeaderLabels([field_label(c) for c in columns] + ["Rules in force"])
        self.paths_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.paths_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        for shown, frame_row in enumerate(self.path_rows):
            row = paths.iloc[frame_row]
            for column, key in enumerate(columns):
                value = row[key]
                if key in stage_keys:
                    text = country_name(str(value)) if value else "unknown"
                    own = str(row[own_evidence[key]] or "")
                    if own:  # a stage known otherwise than the path: said beside its country
                        text += f" ({own})"
                elif key == "share_pct":
                    text = "" if value != value else f"{float(value):g} %"
                elif key == "feedstock":
                    text = str(value) or by_key(key).blank_text
                else:
                    text = str(value)
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, (frame_row, key))
                declared = project.declarations.evidence_lines(paths, str(row["row_id"]), evaluation.as_of) \
                    if key == "origin_evidence" and project.declarations.requests else []
                item.setToolTip("\n".join([*declared, "Double-click (or press Enter) to show this cell in the Supply "
                                           "paths table"]))
                self.paths_table.setItem(shown, column, item)
            rules = ", ".join(sorted(hit_rules.get(str(row["supplier_id"]), set()))) or "none"
            rules_item = QTableWidgetItem(rules)
            rules_item.setData(Qt.ItemDataRole.UserRole, (frame_row, "supplier_id"))
            self.paths_table.setItem(shown, len(columns), rules_item)
        self.paths_table.resizeColumnsToContents()
        self.paths_table.horizontalHeader().setStretchLastSection(True)
        self.paths_table.cellDoubleClicked.connect(self._on_path_cell)
        open_with_keys(self.paths_table, lambda index: self._on_path_cell(index.row(), index.column()))
        leave_with_tab(self.paths_table)
        paths_note = QLabel("Double-click a cell (or press Enter) to show it in the Supply paths table and change it "
                            "there."
                            if self.path_rows else "This part has no supply path: add one in the Supply paths "
                            "table (an unknown origin is scored as the worst case).")
        paths_note.setWordWrap(True)
        paths_page = QWidget()
        paths_layout = QVBoxLayout(paths_page)
        paths_layout.addWidget(self.paths_table, 1)
        paths_layout.addWidget(paths_note)

        # -- hits
        self.hits_model = HitsTableModel(self)
        self.hits_model.set_report(report, country_name)
        self.hits_view = QTableView()
        self.hits_view.setObjectName("partHits")
        self.hits_view.setAccessibleName("Rule hits of the part")
        self.hits_view.setModel(self.hits_model)
        self.hits_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.hits_view.verticalHeader().setVisible(False)
        self.hits_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.hits_view.doubleClicked.connect(self._on_hit)
        open_with_keys(self.hits_view, self._on_hit)
        leave_with_tab(self.hits_view)
        self.hits_view.selectionModel().currentRowChanged.connect(self._on_hit_selected)
        self.hit_source = QLabel()
        self.hit_source.setObjectName("hitSource")
        self.hit_source.setWordWrap(True)
        self.hit_source.setTextFormat(Qt.TextFormat.RichText)
        self.hit_source.setOpenExternalLinks(True)
        hits_page = QWidget()
        hits_layout = QVBoxLayout(hits_page)
        hits_layout.addWidget(self.hits_view, 1)
        hits_layout.addWidget(self.hit_source)
        hits_layout.addWidget(QLabel("Double-click a hit (or press Enter) to show the supply path and stage country "
                                     "that cause it."))

        # -- factors
        self.factors_table = QTableWidget(len(FACTOR_NAMES), 4)
        self.factors_table.setObjectName("partFactors")
        leave_with_tab(self.factors_table)
        self.factors_table.setHorizontalHeaderLabels(["Factor", "Value", "Weight", "From"])
        self.factors_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for position, name in enumerate(FACTOR_NAMES):
            factor = report.factors[name]
            for column, text in enumerate((FACTOR_LABELS[name], f"{factor.value:.0f}", f"{factor.weight:g}",
                                           factor.inputs)):
                cell = QTableWidgetItem(text)
                if column in (1, 2):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.factors_table.setItem(position, column, cell)
        self.factors_table.resizeColumnsToContents()
        self.factors_table.horizontalHeader().setStretchLastSection(True)
        self.factors_table.setWordWrap(True)
        self.factors_table.resizeRowsToContents()

        self.why = QTextBrowser()
        self.why.setObjectName("partWhy")
        self.why.setPlainText(report.why())
        self.tabs = QTabWidget()
        self.tabs.addTab(paths_page, f"Supply paths ({len(self.path_rows)})")
        self.tabs.addTab(hits_page, f"Hits {len(report.hits)} · watch {len(report.watch)} · possible "
                                    f"{len(report.possible)}")
        self.tabs.addTab(self.factors_table, "Factors")
        self.tabs.addTab(self.why, "Why, in words")

        self.part_button = QPushButton("Show the part in the Parts table")
        self.part_button.clicked.connect(self.go_to_part)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.part_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        for button in (self.part_button,):
            button.setEnabled(go_to is not None)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    # ---- jumps ------------------------------------------------------------------------------------------------

    def go_to_part(self) -> None:
        parts = self._project.tables.parts
        rows = np.flatnonzero(parts["part_number"].to_numpy(dtype=object) == self.part_number)
        if self._go_to is not None and len(rows):
            self._go_to(TableName.PARTS, int(rows[0]), "part_number")

    def _on_path_cell(self, row: int, column: int) -> None:
        item = self.paths_table.item(row, column)
        if item is None or self._go_to is None:
            return
        frame_row, key = item.data(Qt.ItemDataRole.UserRole)
        self._go_to(TableName.PATHS, int(frame_row), str(key))

    def path_row_of(self, hit: Hit) -> int | None:
        """The supply-path row behind a hit (None for volume no path covers)."""
        paths = self._project.tables.paths
        match = np.flatnonzero((paths["part_number"].to_numpy(dtype=object) == self.part_number)
                               & (paths["supplier_id"].to_numpy(dtype=object) == hit.supplier_id))
        return int(match[0]) if len(match) else None

    def _on_hit(self, index: QModelIndex) -> None:
        hit = self.hits_model.hit_at(index.row())
        frame_row = self.path_row_of(hit)
        if frame_row is None or self._go_to is None:
            return
        stage_keys = {stage: stage.column for stage in STAGES}
        self._go_to(TableName.PATHS, frame_row, stage_keys.get(hit.stage, "supplier_id"))

    def _on_hit_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        hit = current.data(RowObjectRole)
        if isinstance(hit, Hit):
            self.hit_source.setText(f"<b>{html.escape(hit.rule_id)}</b>: {html.escape(hit.explanation)}<br>"
                                    f"<small>Source: {_linked(hit.source)} · confidence {html.escape(hit.confidence)}"
                                    "</small>")


def value_test_html(test: ValueShare | None) -> str:
    """The No. 61 value test of a part as a paragraph: the share, the margin to the threshold, what follows, and the
    valuation assumed ("" when the control list has none)."""
    if test is None:
        return ""
    esc = html.escape
    return (f"<p><b>No. 61 value test:</b> {test.share_pct:.4g} % of the magnet's value (threshold "
            f"{test.threshold_pct:g} %, margin {test.margin_pct:+.4g} points) — {esc(test.note)}<br>"
            f"<small>{esc(VALUATION)}</small></p>")


def _linked(source: str) -> str:
    """Sources as text, with each http(s) address a link."""
    parts = []
    for piece in source.split(" "):
        if piece.startswith(("http://", "https://")):
            url = piece.rstrip(";,)")
            parts.append(f"<a href='{html.escape(url, quote=True)}'>{html.escape(url)}</a>"
                         + html.escape(piece[len(url):]))
        else:
            parts.append(html.escape(piece))
    return " ".join(parts)
