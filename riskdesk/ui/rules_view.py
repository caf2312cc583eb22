"""The Rules view: the bundled control list with each rule's status on the as-of date, filterable by regime,
element and status, and a details pane with the rule's item forms, suspensions, note and sources.

Source links open in the system browser only when the user clicks one; nothing is fetched otherwise.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core import elements
from riskdesk.core.datafile import CONFIDENCE_MARKS
from riskdesk.core.labels import confidence_text, describe_countries, describe_elements, describe_stages
from riskdesk.core.project import ProjectSettings
from riskdesk.core.rules import ALL, GROUP_PREFIX, ControlList, ControlRule, RuleState, RuleStatus, default_control_list
from riskdesk.ui.analysis import AnalysisView, ViewContext
from riskdesk.ui.record_table import setup_record_table
from riskdesk.ui.score_models import ElementsRole, RegimeRole, RulesTableModel, SortRole, StatusRole

_Index = QModelIndex | QPersistentModelIndex

ANY = ""
"""Filter value meaning "no filter"."""
STATUS_HITS = "hits"
"""Status filter value: rules that hit supply paths on the date (in force, or treated as in force)."""
STATUS_WATCH = "watch"
"""Status filter value: rules shown as watch items on the date (announced, suspended, unknown, not treated as in
force)."""


class RuleFilterProxy(QSortFilterProxyModel):
    """Filters a `RulesTableModel` by regime, element, status and free text; sorts by `SortRole`.

    The status filter takes a `RuleStatus` value, `STATUS_HITS`, `STATUS_WATCH` or `ANY`. A rule concerning the
    whole magnet matches every element.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)
        self._regime = ANY
        self._element = ANY
        self._status = ANY
        self._text = ""

    def set_regime(self, regime: str) -> None:
        self.beginFilterChange()
        self._regime = regime or ANY
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_element(self, symbol: str) -> None:
        self.beginFilterChange()
        self._element = symbol or ANY
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status(self, status: str) -> None:
        self.beginFilterChange()
        self._status = status or ANY
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        if self._regime and model.data(index, RegimeRole) != self._regime:
            return False
        if self._element:
            symbols = model.data(index, ElementsRole) or frozenset()
            if ALL not in symbols and self._element not in symbols:
                return False
        if self._status and not self._status_matches(model, source_row):
            return False
        if self._text:
            haystack = " ".join(
                str(model.data(model.index(source_row, column, source_parent)) or "")
                for column in range(model.columnCount())
            ).casefold()
            if self._text not in haystack:
                return False
        return True

    def _status_matches(self, model: Any, source_row: int) -> bool:
        status = RuleStatus(model.data(model.index(source_row, 0), StatusRole))
        if isinstance(model, RulesTableModel):
            state: RuleState = model.state_at(source_row)
            if self._status == STATUS_HITS:
                return state.effective and model.rule_at(source_row).effect.value != "info"
            if self._status == STATUS_WATCH:
                return status.watched and not state.effective
        return status.value == self._status


def rule_html(rule: ControlRule, state: RuleState, as_of: dt.date) -> str:
    """A rule's details as rich text: status on the date and why, what it concerns, dates, suspensions, item forms,
    note, confidence with its meaning, and its sources as links."""
    esc = html.escape
    rows = [
        ("Instrument", esc(rule.instrument)),
        ("Regime", esc(rule.regime)),
        (f"Status on {as_of.isoformat()}", f"<b>{esc(rule.status_words(state))}</b> — {esc(state.reason)}"
         + (" (treated as in force by the project setting)" if state.effective and not state.status.binding else "")),
        ("Effect", esc(rule.effect_label)),
        ("Elements", esc(describe_elements(rule.elements))),
        ("Magnet families", esc(", ".join(f.value for f in sorted(rule.families)) or "all rare-earth magnets")),
        ("Stages", esc(describe_stages(rule))),
        ("Countries", esc(_countries_in_words(rule))),
        ("Buyers concerned", esc(_buyers_in_words(rule))),
        ("Announced", rule.announced.isoformat()),
        ("Effective from", rule.effective_from.isoformat()),
    ]
    if rule.effective_until:
        rows.append(("Effective until", rule.effective_until.isoformat()))
    for suspension in rule.suspensions:
        rows.append(("Suspended", f"{suspension.start} to {suspension.until} by {esc(suspension.by)}"))
    if rule.suspensions and rule.after_suspension != "in_force":
        rows.append(("After the suspension", esc({"unknown": "not known", "lapsed": "lapses"}.get(
            rule.after_suspension, rule.after_suspension))))
    mark = confidence_text(rule.confidence)
    rows.append(("Confidence", f"<b>{esc(mark)}</b>" if rule.confidence in ("U", "X") else esc(mark)))
    out = [f"<h3>{esc(rule.id)}</h3><p><b>{esc(rule.title)}</b></p>",
           '<table cellspacing="0" cellpadding="2">']
    out += [f'<tr><td valign="top"><i>{label}</i>&nbsp;&nbsp;</td><td>{value}</td></tr>' for label, value in rows]
    out.append("</table>")
    if rule.item_forms:
        out.append("<p><b>Item forms</b></p><ul>" + "".join(f"<li>{esc(f)}</li>" for f in rule.item_forms) + "</ul>")
    if rule.note:
        out.append(f"<p><b>Note</b><br>{esc(rule.note)}</p>")
    out.append("<p><b>Sources</b> <small>(open in your browser when clicked)</small></p><ul>")
    for source in rule.sources:
        if source.url:
            out.append(f'<li><a href="{esc(source.url, quote=True)}">{esc(source.title)}</a><br>'
                       f"<small>{esc(source.url)}</small></li>")
        else:
            out.append(f"<li>{esc(source.title)}</li>")
    out.append("</ul>")
    return "\n".join(out)


def _group(code: str) -> str:
    return f"the {code.removeprefix(GROUP_PREFIX)} group" if code.startswith(GROUP_PREFIX) else code


def _countries_in_words(rule: ControlRule) -> str:
    text = describe_countries(rule.countries, rule.not_countries)
    if rule.made_outside:
        text += "; only when the magnet is made outside " + ", ".join(_group(c) for c in sorted(rule.made_outside))
    return text


def _buyers_in_words(rule: ControlRule) -> str:
    parts = []
    if rule.end_uses:
        parts.append("end uses " + ", ".join(sorted(e.value for e in rule.end_uses)))
    if rule.import_countries:
        parts.append("importing into " + ", ".join(_group(c) for c in sorted(rule.import_countries)))
    if rule.not_import_countries:
        parts.append("not importing into " + ", ".join(_group(c) for c in sorted(rule.not_import_countries)))
    return "; ".join(parts) or "all buyers"


class RulesView(AnalysisView):
    """The control list in use on the as-of date: a filterable table and the selected rule's details; "Use a Newer
    List…" (riskdesk.ui.newer_list) when the view has its context."""

    def __init__(self, control_list: ControlList | None = None, parent: QWidget | None = None,
                 context: ViewContext | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._settings = ProjectSettings()
        self._shown_rule = ""
        control_list = control_list or default_control_list()
        self.model = RulesTableModel(control_list, self)
        self.proxy = RuleFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.list_label = QLabel()
        self.list_label.setObjectName("controlListLabel")
        self.list_label.setWordWrap(True)

        self.regime_box = QComboBox()
        self.regime_box.setAccessibleName("Filter by regime")
        self.regime_box.setToolTip("Show only the rules of one regime")
        self.element_box = QComboBox()
        self.element_box.setAccessibleName("Filter by element")
        self.element_box.setToolTip("Show only the rules concerning an element (rules on whole magnets concern all)")
        self.status_box = QComboBox()
        self.status_box.setAccessibleName("Filter by status")
        self.status_box.setToolTip("Show only rules with this status on the as-of date")
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search rules")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Search rules")
        self.search_edit.setToolTip("Show only rules whose id, title, reason or other columns contain this text")
        self._fill_filters()
        self.regime_box.currentIndexChanged.connect(lambda: self.proxy.set_regime(self.regime_box.currentData()))
        self.element_box.currentIndexChanged.connect(lambda: self.proxy.set_element(self.element_box.currentData()))
        self.status_box.currentIndexChanged.connect(lambda: self.proxy.set_status(self.status_box.currentData()))
        self.search_edit.textChanged.connect(self.proxy.set_text)

        filters = QHBoxLayout()
        for text, widget in (("Re&gime", self.regime_box), ("E&lement", self.element_box),
                             ("S&tatus", self.status_box)):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
            filters.addSpacing(8)
        filters.addWidget(self.search_edit, 1)
        self.newer_button = QPushButton("Use a &Newer List…")
        self.newer_button.setToolTip("Score this project against a newer control list file (TOML), after seeing "
                                     "what changes; as riskdesk score --rules does")
        self.newer_button.setVisible(context is not None)
        self.newer_button.clicked.connect(self._use_newer_list)
        filters.addWidget(self.newer_button)

        self.table = QTableView()
        self.table.setObjectName("rulesTable")
        self.table.setAccessibleName("Control rules")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(self.model.KEYS.index("effective_from"), Qt.SortOrder.AscendingOrder)
        setup_record_table(self.table, single=True)
        self._size_columns()
        self.table.selectionModel().currentRowChanged.connect(self._show_current)

        self.details = QTextBrowser()
        self.details.setObjectName("ruleDetails")
        self.details.setAccessibleName("Rule details")
        self.details.setOpenExternalLinks(True)
        self.details.setPlaceholderText("Select a rule to see its sources, item forms and note.")

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(self.list_label)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        self._update_label()
        if self.proxy.rowCount():
            self.table.selectRow(0)

    # -- public API

    def set_as_of(self, as_of: dt.date) -> None:
        """Show each rule's status on `as_of`."""
        self.model.set_date(as_of)
        self._update_label()
        self._show_current(self.table.currentIndex())

    def set_settings(self, settings: ProjectSettings) -> None:
        """Apply the project's "treat suspended rules as in force" setting."""
        self._settings = settings
        self.model.set_date(self.model.as_of, settings.suspended_rules_in_force)
        self._update_label()
        self._show_current(self.table.currentIndex())

    def set_control_list(self, control_list: ControlList) -> None:
        """Show another control list (e.g. a newer file the user loaded)."""
        self.model.set_control_list(control_list)
        self._fill_filters()
        self._update_label()
        if self.proxy.rowCount():
            self.table.selectRow(0)

    def _use_newer_list(self) -> None:
        from riskdesk.ui.newer_list import use_newer_list

        assert self._context is not None  # the button shows only with a context
        newer = use_newer_list(self._context, self.model.control_list, Path.home())
        if newer is not None:
            self.set_control_list(newer)

    def set_filters(self, regime: str = ANY, element: str = ANY, status: str = ANY) -> None:
        """Set the three filters (`ANY` clears one): a regime text, an element symbol, a status value."""
        for box, value in ((self.regime_box, regime), (self.element_box, element), (self.status_box, status)):
            box.setCurrentIndex(max(box.findData(value), 0))

    def visible_rule_ids(self) -> list[str]:
        """Ids of the rules the filters let through, in the table's order."""
        return [str(self.proxy.index(row, 0).data()) for row in range(self.proxy.rowCount())]

    # -- internals

    def _fill_filters(self) -> None:
        rules = self.model.control_list.rules
        for box in (self.regime_box, self.element_box, self.status_box):
            box.blockSignals(True)
            box.clear()
            box.addItem("All", ANY)
        for regime in sorted({r.regime for r in rules}):
            self.regime_box.addItem(regime, regime)
        used = {s for r in rules for s in r.elements if s != ALL}
        for symbol in (s for s in elements.SYMBOLS if s in used):
            self.element_box.addItem(f"{symbol} — {elements.BY_SYMBOL[symbol].name}", symbol)
        self.status_box.addItem("Hitting supply paths", STATUS_HITS)
        self.status_box.addItem("Watch items", STATUS_WATCH)
        for status in RuleStatus:
            self.status_box.addItem(status.value.capitalize(), status.value)
        for box in (self.regime_box, self.element_box, self.status_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.blockSignals(False)
        self.proxy.set_regime(ANY)
        self.proxy.set_element(ANY)
        self.proxy.set_status(ANY)

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        widths = {"id": "US-DFARS-7052-UPSTREAM", "regime": "China export control", "title": "x" * 26,
                  "effect": "benchmark ≤ 65 %", "elements": "Sm, Gd, Tb, Dy", "stages": "separation/refining",
                  "countries": "group DFARS_COVERED", "status": "announced, not yet in force", "reason": "x" * 40,
                  "effective_from": "Effective from", "confidence": "Confidence"}
        for column, key in enumerate(self.model.KEYS):
            header.resizeSection(column, metrics.horizontalAdvance(widths[key]) + 24)
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + 10)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)

    def _update_label(self) -> None:
        control_list = self.model.control_list
        suspended = (" · suspended rules treated as in force" if self._settings.suspended_rules_in_force else "")
        marks = ", ".join(f"{mark} {meaning.split(':')[0]}" for mark, meaning in CONFIDENCE_MARKS.items())
        bundled = control_list.sha256 == default_control_list().sha256
        source = "" if bundled or not control_list.path else f" (from {Path(control_list.path).name})"
        self.list_label.setText(
            f"{control_list.title}, version {control_list.version} of {control_list.date.isoformat()}{source} · "
            f"{len(control_list.rules)} rules · status as of {self.model.as_of.isoformat()}{suspended}"
        )
        self.list_label.setToolTip(f"Confidence marks: {marks}")

    def _show_current(self, current: QModelIndex) -> None:
        if not current.isValid():
            self.details.clear()
            return
        row = self.proxy.mapToSource(current).row()
        rule = self.model.rule_at(row)
        scroll = self.details.verticalScrollBar().value() if rule.id == self._shown_rule else 0
        self._shown_rule = rule.id
        self.details.setHtml(rule_html(rule, self.model.state_at(row), self.model.as_of))
        self.details.verticalScrollBar().setValue(scroll)


def make_view(context: ViewContext) -> RulesView:
    """The Rules tab (see `riskdesk.ui.analysis`)."""
    return RulesView(context=context)
