"""Qt table models over the core's scoring results: part scores, a part's rule hits, the control list, a comparison.

Each model is a thin adapter over plain data owned by the core (an `Evaluation`, a `PartReport`, a `ControlList`,
the rows of `compare`). Cells are formatted lazily in `data()`, only for the cells a view asks for; the one cache
(hit counts of the scores model) is explicit and dropped by `set_evaluation`. Every model answers `SortRole` with
raw numbers (or folded text) so a `QSortFilterProxyModel` with `setSortRole(SortRole)` sorts numerically.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from riskdesk.core import elements
from riskdesk.core.domain import STAGES, Effect
from riskdesk.core.evaluation import Evaluation, Hit, PartChange, PartReport, band, bands
from riskdesk.core.labels import (
    BAND_COLORS,
    BAND_LABELS,
    FACTOR_HELP,
    FACTOR_LABELS,
    KIND_HELP,
    KIND_LABELS,
    band_help,
    confidence_text,
    describe_countries,
    describe_elements,
    describe_stages,
    format_kg,
    format_money,
)
from riskdesk.core.project import FACTOR_NAMES
from riskdesk.core.rules import ControlList, ControlRule, RuleState, RuleStatus
from riskdesk.core.scenario_run import ScenarioResult
from riskdesk.core.triage import STATUS_HELP, STATUS_LABELS, STATUS_RANK, STATUSES, score_text
from riskdesk.ui.columns import ElementsRole, RegimeRole, RowRole, SortRole, StatusRole
from riskdesk.ui.palette import tint

_Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")
_ROOT = QModelIndex()

RowObjectRole = RowRole
"""The plain object behind a row: part number (scores), `Hit` (hits), `ControlRule` (rules), `PartChange`."""

_STATUS_TINT: Mapping[RuleStatus, str] = {
    RuleStatus.IN_FORCE: BAND_COLORS["red"],
    RuleStatus.SUSPENDED: BAND_COLORS["amber"],
    RuleStatus.ANNOUNCED: BAND_COLORS["amber"],
    RuleStatus.UNKNOWN: BAND_COLORS["amber"],
}
_EFFECT_RANK: Mapping[Effect, int] = {effect: rank for rank, effect in enumerate(Effect)}


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    help: str
    numeric: bool = False
    """Sorted as a number and, unless `left`, shown right-aligned."""
    left: bool = False


_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class ColumnModel(QAbstractTableModel, Generic[T]):
    """A table whose columns are described by `COLUMNS` (title and tooltip help), or by `columns()` where they
    change with the data; subclasses hold the rows.

    `data()` is written once here: a subclass says what a row's item is (`item_at`), a cell's text (`text`) and,
    where it differs from the folded text, its sort value (`sort_value`); `role_data` adds colours, fonts and
    tooltips. Subclasses with a plain list of rows keep it in `_rows`; others override `rowCount` and `item_at`.
    The models of `riskdesk.ui.mitigation_models` are built on it too.
    """

    COLUMNS: tuple[Column, ...] = ()
    _rows: Sequence[Any] = ()

    def columns(self) -> Sequence[Column]:
        """The columns, in order (`COLUMNS` unless they depend on the data)."""
        return self.COLUMNS

    def item_at(self, row: int) -> T:
        return cast(T, self._rows[row])

    def text(self, item: T, key: str) -> str:
        """A cell's text, as shown, read aloud and copied."""
        raise NotImplementedError

    def sort_value(self, item: T, key: str) -> float | str:
        """A cell's raw value for sorting: a float for numbers, folded text otherwise."""
        return self.text(item, key).casefold()

    def row_object(self, item: T) -> object:
        """The plain object behind a row (`RowObjectRole`)."""
        return item

    def role_data(self, item: T, key: str, role: int) -> Any:
        """Any other role of a cell (colours, fonts, tooltips, filter roles); None by default."""
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not (index.isValid() and index.model() is self and index.row() < self.rowCount()):
            return None
        item, column = self.item_at(index.row()), self.columns()[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(item, column.key)
        if role == SortRole:
            return self.sort_value(item, column.key)
        if role == RowObjectRole:
            return self.row_object(item)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{column.title.replace(chr(10), ' ')}: {self.text(item, column.key)}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric and not column.left:
            return _RIGHT
        return self.role_data(item, column.key, role)

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        columns = self.columns()
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return columns[section].help
        return None

    def table_text(self) -> str:
        """The table as tab-separated text with its headers, in the shown order (to paste into Excel)."""
        columns = self.columns()
        lines = ["\t".join(c.title.replace("\n", " ") for c in columns)]
        for row in range(self.rowCount()):
            item = self.item_at(row)
            lines.append("\t".join(self.text(item, c.key).replace("\t", " ").replace("\n", "; ") for c in columns))
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Part scores


class ScoresTableModel(ColumnModel[int]):
    """One row per part of an `Evaluation`: part, description, score, band, each factor, hits and watch items.

    Scores and factors are read from the evaluation's arrays when a cell is drawn. The model sorts and filters
    itself with numpy over whole columns (`sort`, `set_filter_text`) and keeps only the row order: a proxy model
    would call `data()` hundreds of thousands of times to sort 25,000 parts. Hit and watch counts come from
    `Evaluation.hit_counts` (whole columns, computed on first use); the rules named in a count's tooltip come from
    the part's report.
    """

    COLUMNS: tuple[Column, ...] = (
        Column("part", "Part", "Part number"),
        Column("description", "Description", "The part's description"),
        Column("score", "Score", "0 (no risk) … 100: the weighted mean of the factors, raised to at least 90 by a "
                "prohibited path", True),
        Column("band", "Band", band_help(), True, left=True),
        Column("status", "Status", STATUS_HELP, True, left=True),
        *(Column(name, FACTOR_LABELS[name], FACTOR_HELP[name], True) for name in FACTOR_NAMES),
        Column("hits", "Hits", "Rule hits on the date: rules in force meeting a path, stage and element", True),
        Column("watch", "Watch", "Watch items: rules announced, suspended or of unknown status on the date", True),
    )
    KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._evaluation: Evaluation | None = None
        self._counts: dict[str, np.ndarray] | None = None
        """Hits and watch items per part, computed on first use."""
        self._order = np.zeros(0, dtype=np.int64)
        """View row → part position in the evaluation."""
        self._folded_texts: np.ndarray = np.zeros(0, dtype=str)
        """Part number and description per part, case-folded, for the filter (see `_folded`)."""
        self._folded_for: object | None = None
        """The compiled project `_folded_texts` was built for."""
        self._needle = ""
        self._filters: tuple[str, str, str] = ("", "", "")
        """Band, rule id and element symbol a part must match ("" for any)."""
        self._sort: tuple[int, Qt.SortOrder] = (self.KEYS.index("status"), Qt.SortOrder.DescendingOrder)
        """By status, descending: prohibited, then possibly prohibited, then the rest, each by score."""

    # -- data

    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        """Show another evaluation (after an edit, a new date or new settings), keeping the sort and filter."""
        self.beginResetModel()
        self._evaluation = evaluation
        self._counts = None
        self._order = self._sorted(self._filtered(), *self._sort) if evaluation is not None else self._order[:0]
        self.endResetModel()

    @property
    def evaluation(self) -> Evaluation | None:
        return self._evaluation

    def column_of(self, key: str) -> int:
        return self.KEYS.index(key)

    def position_at(self, row: int) -> int:
        """The part's position in the evaluation for a view row."""
        return int(self._order[row])

    def part_number_at(self, row: int) -> str:
        assert self._evaluation is not None
        return str(self._evaluation.compiled.part_numbers[self._order[row]])

    def row_of(self, part_number: str) -> int:
        """The view row of a part, or -1 when the evaluation does not hold it or the filter hides it."""
        if self._evaluation is None:
            return -1
        try:
            position = self._evaluation.compiled.part_position(part_number)
        except KeyError:
            return -1
        rows = np.flatnonzero(self._order == position)
        return int(rows[0]) if len(rows) else -1

    def count(self, key: str) -> np.ndarray:
        """Hits (`key` "hits") or watch items ("watch") per part, in evaluation order."""
        if self._counts is None:
            assert self._evaluation is not None
            hits, watch, _possible = self._evaluation.hit_counts()
            self._counts = {"hits": hits, "watch": watch}
        return self._counts[key]

    # -- filter and sort

    @property
    def filter_text(self) -> str:
        return self._needle

    def set_filter_text(self, text: str) -> None:
        """Show only parts whose number or description contains `text` (any case)."""
        needle = text.strip().casefold()
        if needle == self._needle:
            return
        self.beginResetModel()
        self._needle = needle
        if self._evaluation is not None:
            self._order = self._sorted(self._filtered(), *self._sort)
        self.endResetModel()

    def set_filters(self, band_name: str = "", rule: str = "", element: str = "") -> None:
        """Show only parts in a band ("red", "amber", "green"), hit or watched by a rule, or holding an element;
        "" for any. Combined with the text filter."""
        filters = (band_name, rule, element)
        if filters == self._filters:
            return
        self.beginResetModel()
        self._filters = filters
        if self._evaluation is not None:
            self._order = self._sorted(self._filtered(), *self._sort)
        self.endResetModel()

    def _n_parts(self) -> int:
        return self._evaluation.compiled.n_parts if self._evaluation is not None else 0

    def _folded(self) -> np.ndarray:
        """Per part: "part number<TAB>description", casefolded, for the text filter and sorting by text. Built
        when first needed (typing a filter, sorting by part) and kept while the parts stay the same: 50 ms for
        50,000 parts that a re-score after each edit need not spend."""
        evaluation = self._evaluation
        if evaluation is None:
            return np.zeros(0, dtype=str)
        compiled = evaluation.compiled
        if self._folded_for is not compiled:
            self._folded_texts = np.array([f"{p}\t{d}".casefold() for p, d in
                                           zip(compiled.part_numbers, compiled.descriptions, strict=True)], dtype=str)
            self._folded_for = compiled
        return self._folded_texts

    def _filtered(self) -> np.ndarray:
        positions = np.arange(self._n_parts(), dtype=np.int64)
        keep = np.ones(len(positions), dtype=bool)
        if self._needle:
            keep &= np.char.find(self._folded(), self._needle) >= 0
        evaluation = self._evaluation
        band_name, rule, element = self._filters
        if evaluation is not None:
            if band_name:
                keep &= bands(evaluation.scores) == band_name
            if rule:
                keep &= evaluation.parts_hit_by(rule)
            if element:
                columns = [elements.SYMBOLS[c] for c in evaluation.columns]
                keep &= (evaluation.part_kg_c[:, columns.index(element)] > 0 if element in columns
                         else np.zeros(len(keep), dtype=bool))
        return positions[keep]

    def _column_values(self, key: str, positions: np.ndarray) -> np.ndarray:
        evaluation = self._evaluation
        assert evaluation is not None
        if key in ("score", "band"):
            return evaluation.scores[positions]
        if key == "status":
            return self._status_keys(positions)
        if key in evaluation.factors:
            return evaluation.factors[key][positions]
        if key in ("hits", "watch"):
            return self.count(key)[positions]
        column = 0 if key == "part" else 1
        return np.array([text.split("\t", 1)[column] for text in self._folded()[positions]], dtype=str)

    def _status_keys(self, positions: np.ndarray) -> np.ndarray:
        """Per part, a number that sorts descending as the triage does (`riskdesk.core.triage`): prohibited parts
        first, then possibly prohibited ones, then the rest, each group by the score as shown, then by spend, the
        larger first (`Evaluation.triage_order`)."""
        evaluation = self._evaluation
        assert evaluation is not None
        rank = np.array([len(STATUSES) - 1 - STATUS_RANK[s] for s in evaluation.statuses()[positions]], dtype=float)
        shown = np.floor(evaluation.scores[positions] + 0.5)
        spend = evaluation.compiled.spend[positions]
        largest = float(spend.max()) if len(spend) else 0.0
        by_spend = spend / (2.0 * largest) if largest > 0 else np.zeros(len(positions))  # 0–0.5: within a score
        return rank * 1000.0 + shown + by_spend

    def _sorted(self, positions: np.ndarray, column: int, order: Qt.SortOrder) -> np.ndarray:
        if not 0 <= column < len(self.KEYS) or not len(positions):
            return positions
        values = self._column_values(self.KEYS[column], positions)
        ranked = np.argsort(values, kind="stable")
        if order == Qt.SortOrder.DescendingOrder:
            # Reverse the ascending order but keep ties in their original order.
            ranked = np.argsort(values[::-1], kind="stable")[::-1]
            ranked = len(values) - 1 - ranked
        return positions[ranked]

    @property
    def sort_column(self) -> int:
        return self._sort[0]

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort[1]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.KEYS):
            return
        self._sort = (column, order)
        if self._evaluation is None:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(int(self._order[i.row()]), i.column()) for i in persistent]
        self._order = self._sorted(self._order, column, order)
        row_of = np.empty(self._n_parts(), dtype=np.int64)
        row_of[self._order] = np.arange(len(self._order))
        self.changePersistentIndexList(persistent, [self.index(int(row_of[p]), c) for p, c in held])
        self.layoutChanged.emit()

    # -- Qt interface

    def rowCount(self, parent: _Index = _ROOT) -> int:
        if parent.isValid() or self._evaluation is None:
            return 0
        return len(self._order)

    def item_at(self, row: int) -> int:
        """The part's position in the evaluation."""
        return int(self._order[row])

    def row_object(self, item: int) -> object:
        assert self._evaluation is not None
        return str(self._evaluation.compiled.part_numbers[item])

    def role_data(self, item: int, key: str, role: int) -> Any:
        evaluation = self._evaluation
        assert evaluation is not None
        if role == Qt.ItemDataRole.BackgroundRole and key in ("score", "band"):
            return tint(BAND_COLORS[band(float(evaluation.scores[item]))])
        if role == Qt.ItemDataRole.DecorationRole and key == "band":
            return QColor(BAND_COLORS[band(float(evaluation.scores[item]))])
        if role == Qt.ItemDataRole.BackgroundRole and key == "status" and evaluation.statuses()[item]:
            return tint(BAND_COLORS["red" if evaluation.statuses()[item] == STATUSES[0] else "amber"])
        if role == Qt.ItemDataRole.FontRole and key == "score" and bool(evaluation.capped[item]):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, key)
        return None

    def text(self, item: int, key: str) -> str:
        evaluation, position = self._evaluation, item
        assert evaluation is not None
        if key == "part":
            return str(evaluation.compiled.part_numbers[position])
        if key == "description":
            return str(evaluation.compiled.descriptions[position])
        if key == "score":
            return score_text(float(evaluation.scores[position]))
        if key == "band":
            return BAND_LABELS[band(float(evaluation.scores[position]))]
        if key == "status":
            return STATUS_LABELS[str(evaluation.statuses()[position])]
        if key in evaluation.factors:
            return f"{float(evaluation.factors[key][position]):.0f}"
        return str(int(self.count(key)[position]))

    def sort_value(self, item: int, key: str) -> float | str:
        evaluation, position = self._evaluation, item
        assert evaluation is not None
        if key in ("part", "description"):
            return self.text(position, key).casefold()
        if key in ("score", "band"):
            return float(evaluation.scores[position])
        if key == "status":
            return float(self._status_keys(np.array([position]))[0])
        if key in evaluation.factors:
            return float(evaluation.factors[key][position])
        return float(self.count(key)[position])

    def _tooltip(self, position: int, key: str) -> str | None:
        evaluation = self._evaluation
        assert evaluation is not None
        if key in evaluation.factors:
            inputs = evaluation.factor_inputs[key][position]
            weight = evaluation.settings.weights.get(key, 0.0)
            value = float(evaluation.factors[key][position])
            return f"{FACTOR_LABELS[key]} {value:.1f} (weight {weight:g}): {inputs}"
        if key in ("score", "band"):
            return evaluation.part_report_at(position).why()
        if key == "status":
            return evaluation.part_report_at(position).cap or STATUS_HELP
        if key in ("hits", "watch"):
            if not self.count(key)[position]:
                return "No rule hits on this date" if key == "hits" else "Nothing to watch on this date"
            report = evaluation.part_report_at(position)
            rules = ", ".join(sorted({h.rule_id for h in (report.hits if key == "hits" else report.watch)}))
            return ("Rules in force hitting this part: " if key == "hits" else "Rules to watch: ") + rules
        if key == "description":
            return str(evaluation.compiled.descriptions[position])
        return None


# ---------------------------------------------------------------------------------------------------------------
# A part's hits, watch items and possible hits


class HitsTableModel(ColumnModel[tuple[str, Hit]]):
    """The rule hits, watch items and possible hits of one part (a `PartReport`), one row per `Hit`."""

    COLUMNS: tuple[Column, ...] = (
        Column("kind", "Kind", "Hit: rule in force. Watch: announced, suspended or unclear. Possible: the stage's "
                "country is unknown."),
        Column("rule", "Rule", "Rule id in the bundled control list"),
        Column("element", "Element", "The element concerned, or the whole magnet"),
        Column("stage", "Stage", "The supply-chain stage whose country triggers the rule"),
        Column("country", "Country", "Where that stage takes place"),
        Column("effect", "Effect", "What the rule does to this path"),
        Column("status", "Status", "The rule's status on the date"),
        Column("supplier", "Supplier", "The supplier of this supply path"),
        Column("share", "Share", "This path's share of the part's volume", True),
        Column("kg", "kg / year", "kg per year of the element (or the magnet) on this path", True),
        Column("value", "Value / year", "Value per year at reference prices (USD)", True),
        Column("confidence", "Confidence", "How sure the rule's facts are: C confirmed, S single secondary source, "
                "D derived, U unconfirmed, X sources disagree"),
    )
    KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
    _KIND_ORDER: Mapping[str, int] = {"hit": 0, "watch": 1, "possible": 2}

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, Hit]] = []
        self._country_name: Callable[[str], str] = str

    def set_report(self, report: PartReport | None, country_name: Callable[[str], str] | None = None) -> None:
        """Show the hits of another part (None: show nothing). `country_name` turns ISO codes into names."""
        self.beginResetModel()
        self._rows = [] if report is None else [
            *(("hit", h) for h in report.hits),
            *(("watch", h) for h in report.watch),
            *(("possible", h) for h in report.possible),
        ]
        if country_name is not None:
            self._country_name = country_name
        self.endResetModel()

    def hit_at(self, row: int) -> Hit:
        return self._rows[row][1]

    def kind_at(self, row: int) -> str:
        return self._rows[row][0]

    def row_object(self, item: tuple[str, Hit]) -> object:
        return item[1]

    def role_data(self, item: tuple[str, Hit], key: str, role: int) -> Any:
        kind, hit = item
        if role == Qt.ItemDataRole.BackgroundRole and key == "kind" and kind == "hit":
            severe = hit.effect is Effect.PROHIBITED
            return tint(BAND_COLORS["red" if severe else "amber"])
        if role == Qt.ItemDataRole.FontRole and kind == "possible":
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "confidence":
                return confidence_text(hit.confidence)
            if key == "kind":
                return KIND_HELP[kind]
            return f"{hit.explanation}\nSource: {hit.source}"
        return None

    def text(self, item: tuple[str, Hit], key: str) -> str:
        kind, hit = item
        if key == "kind":
            return KIND_LABELS[kind]
        if key == "rule":
            return hit.rule_id
        if key == "element":
            return hit.element or "whole magnet"
        if key == "stage":
            return hit.stage.label
        if key == "country":
            return self._country_name(hit.country) if hit.country else "unknown"
        if key == "effect":
            return hit.effect_label
        if key == "status":
            return hit.status
        if key == "supplier":
            return hit.supplier_id
        if key == "share":
            return f"{hit.share_pct:g} %"
        if key == "kg":
            return format_kg(hit.kg)
        if key == "value":
            return format_money(hit.value)
        return hit.confidence

    def sort_value(self, item: tuple[str, Hit], key: str) -> float | str:
        kind, hit = item
        if key == "kind":
            return float(self._KIND_ORDER[kind] * 10 + _EFFECT_RANK[hit.effect])
        if key == "stage":
            return float(STAGES.index(hit.stage))
        if key == "share":
            return hit.share_pct
        if key == "kg":
            return hit.kg
        if key == "value":
            return hit.value
        return self.text(item, key).casefold()


# ---------------------------------------------------------------------------------------------------------------
# The control list


class RulesTableModel(ColumnModel[tuple[ControlRule, RuleState]]):
    """The rules of a `ControlList`, with each rule's status on a date (`set_date`)."""

    COLUMNS: tuple[Column, ...] = (
        Column("id", "ID", "Rule id"),
        Column("title", "Title", "What the rule says"),
        Column("status", "Status", "The rule's status on the chosen date"),
        Column("effect", "Effect", "What the rule does to a supply path it meets"),
        Column("elements", "Elements", "Elements concerned, or the whole magnet"),
        Column("effective_from", "Effective from", "The date the rule takes (or took) effect", True, left=True),
        Column("confidence", "Confidence", "How sure the facts are: C confirmed, S single secondary source, "
                "D derived, U unconfirmed, X sources disagree"),
        Column("stages", "Stages", "Stages whose country triggers the rule"),
        Column("countries", "Countries", "Countries (or groups) that trigger the rule at those stages"),
        Column("regime", "Regime", "The legal regime the rule belongs to"),
        Column("reason", "Reason", "Why the rule has that status, with dates"),
    )
    KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)

    def __init__(self, control_list: ControlList, parent: Any = None) -> None:
        super().__init__(parent)
        self._list = control_list
        self._as_of = dt.date.today()
        self._suspended_in_force = False
        self._states: list[RuleState] = self._compute_states()

    @property
    def control_list(self) -> ControlList:
        return self._list

    @property
    def as_of(self) -> dt.date:
        return self._as_of

    def set_control_list(self, control_list: ControlList) -> None:
        self.beginResetModel()
        self._list = control_list
        self._states = self._compute_states()
        self.endResetModel()

    def set_date(self, as_of: dt.date, suspended_in_force: bool | None = None) -> None:
        """Re-evaluate every rule's status on `as_of` (and, if given, with suspended rules treated as in force)."""
        self._as_of = as_of
        if suspended_in_force is not None:
            self._suspended_in_force = suspended_in_force
        self._states = self._compute_states()
        if self._list.rules:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._list.rules) - 1, len(self.COLUMNS) - 1))

    def _compute_states(self) -> list[RuleState]:
        return [rule.state_on(self._as_of, self._suspended_in_force) for rule in self._list.rules]

    def rule_at(self, row: int) -> ControlRule:
        return self._list.rules[row]

    def state_at(self, row: int) -> RuleState:
        return self._states[row]

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._list.rules)

    def item_at(self, row: int) -> tuple[ControlRule, RuleState]:
        return self._list.rules[row], self._states[row]

    def row_object(self, item: tuple[ControlRule, RuleState]) -> object:
        return item[0]

    def sort_value(self, item: tuple[ControlRule, RuleState], key: str) -> float | str:
        rule = item[0]
        if key == "effective_from":
            return float(rule.effective_from.toordinal())
        if key == "effect":
            return float(_EFFECT_RANK[rule.effect])
        return self.text(item, key).casefold()

    def role_data(self, item: tuple[ControlRule, RuleState], key: str, role: int) -> Any:
        rule, state = item
        if role == StatusRole:
            return state.status.value
        if role == ElementsRole:
            return rule.elements
        if role == RegimeRole:
            return rule.regime
        if (role == Qt.ItemDataRole.BackgroundRole and key == "status" and state.status in _STATUS_TINT
                and rule.effect is not Effect.INFO):
            return tint(_STATUS_TINT[state.status])
        if role == Qt.ItemDataRole.BackgroundRole and key == "confidence" and rule.confidence in ("U", "X"):
            return tint(BAND_COLORS["amber"])
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "confidence":
                return confidence_text(rule.confidence)
            if key == "status":
                return state.reason
            if key in ("title", "reason", "countries"):
                return self.text(item, key)
            return f"{rule.instrument}: {rule.title}"
        return None

    def text(self, item: tuple[ControlRule, RuleState], key: str) -> str:
        rule, state = item
        if key == "id":
            return rule.id
        if key == "regime":
            return rule.regime
        if key == "title":
            return rule.title
        if key == "effect":
            return rule.effect_label
        if key == "elements":
            return describe_elements(rule.elements)
        if key == "stages":
            return describe_stages(rule)
        if key == "countries":
            return describe_countries(rule.countries, rule.not_countries)
        if key == "status":
            return rule.status_words(state) + (" (treated as in force)" if state.effective
                                               and not state.status.binding else "")
        if key == "reason":
            return state.reason
        if key == "effective_from":
            return rule.effective_from.isoformat()
        return rule.confidence


# ---------------------------------------------------------------------------------------------------------------
# What changes between two dates


class CompareTableModel(ColumnModel[PartChange]):
    """The rows of `riskdesk.core.evaluation.compare`: per changed part, score before and after and rules gained or
    lost."""

    COLUMNS: tuple[Column, ...] = (
        Column("part_number", "Part", "Part number"),
        Column("description", "Description", "The part's description"),
        Column("score_before", "Before", "Score on the first date", True),
        Column("score_after", "After", "Score on the second date", True),
        Column("delta", "Change", "After minus before", True),
        Column("rules_gained", "Rules gained", "Rules that hit the part on the second date but not the first"),
        Column("rules_lost", "Rules lost", "Rules that hit the part on the first date but not the second"),
    )
    KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)

    def __init__(self, rows: Sequence[PartChange] = (), descriptions: Mapping[str, str] | None = None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PartChange] = list(rows)
        self._descriptions: Mapping[str, str] = descriptions or {}

    def set_rows(self, rows: Sequence[PartChange], descriptions: Mapping[str, str] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if descriptions is not None:
            self._descriptions = descriptions
        self.endResetModel()

    def row_at(self, row: int) -> PartChange:
        return self._rows[row]

    def sort_value(self, item: PartChange, key: str) -> float | str:
        if key in ("score_before", "score_after", "delta"):
            return float(getattr(item, key))
        return self.text(item, key).casefold()

    def role_data(self, item: PartChange, key: str, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and key in ("score_before", "score_after"):
            return tint(BAND_COLORS[band(float(getattr(item, key)))])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.text(item, key) or None
        return None

    def text(self, item: PartChange, key: str) -> str:
        """A cell's text, as shown and as copied to the clipboard."""
        if key == "description":
            return self._descriptions.get(item.part_number, "")
        value = getattr(item, key)
        if key == "delta":
            return f"{float(value):+.1f}"
        if key in ("score_before", "score_after"):
            return f"{float(value):.1f}"
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return str(value)


# ---------------------------------------------------------------------------------------------------------------
# A scenario's parts


class ScenarioPartsModel(ColumnModel[int]):
    """The parts of a `ScenarioResult` by cost impact: baseline and scenario cost over the horizon, the change,
    and what the scenario's supply cuts do to each (time to survive, time to recover, first day short, units
    short and their cost). Rows are positions in the result, sorted by the change, largest first."""

    COLUMNS: tuple[Column, ...] = (
        Column("part", "Part", "Part number"),
        Column("description", "Description", "The part's description"),
        Column("baseline", "Baseline", "Cost of the magnets' element content over the horizon at reference "
                "prices (USD)", True),
        Column("scenario", "Scenario", "The same content at the scenario's prices (USD)", True),
        Column("delta", "Change", "Scenario minus baseline cost (USD)", True),
        Column("loss", "Lost", "Largest share of the part's supply the scenario's cuts take on any day",
                True),
        Column("tts", "Stock lasts (first cut)", "Time to survive the first cut: stock days ÷ the share lost on "
                "the part's first day of loss. With overlapping cuts the part may run short sooner: "
                "'Short from' is exact", True),
        Column("ttr", "Back after", "Time to recover: days from the first to the last day of loss", True),
        Column("first_short", "Short from", "The scenario's day (day 1 = its first day) the part runs "
                "short; blank when it never does", True),
        Column("units_short", "Units short", "Units not delivered while short", True),
        Column("shortfall", "Shortfall", "Units short × unit price (USD)", True),
    )
    KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._result: ScenarioResult | None = None
        self._rows: list[int] = []

    @property
    def result(self) -> ScenarioResult | None:
        return self._result

    def set_result(self, result: ScenarioResult | None) -> None:
        self.beginResetModel()
        self._result = result
        if result is None:
            self._rows = []
        else:
            delta = result.part_delta_total
            shortfall = result.stock_out.shortfall_cost
            self._rows = sorted(range(len(result.part_numbers)),
                                key=lambda i: (-delta[i], -shortfall[i], str(result.part_numbers[i])))
        self.endResetModel()

    def _value(self, item: int, key: str) -> float:
        result = self._result
        assert result is not None
        so = result.stock_out
        values: dict[str, Callable[[], float]] = {
            "baseline": lambda: float(result.part_baseline[item].sum()),
            "scenario": lambda: float(result.part_scenario[item].sum()),
            "delta": lambda: float(result.part_delta_total[item]),
            "loss": lambda: float(so.loss_share[item]),
            "tts": lambda: float(so.tts_days[item]),
            "ttr": lambda: float(so.ttr_days[item]),
            "first_short": lambda: float(so.first_short_day[item]) or math.nan,
            "units_short": lambda: float(so.units_short[item]),
            "shortfall": lambda: float(so.shortfall_cost[item]),
        }
        return values[key]()

    def text(self, item: int, key: str) -> str:
        result = self._result
        assert result is not None
        if key == "part":
            return str(result.part_numbers[item])
        if key == "description":
            return str(result.evaluation.compiled.descriptions[item])
        value = self._value(item, key)
        if math.isnan(value):
            return ""
        if key == "loss":
            return f"{value:.0%}" if value else ""
        if key in ("tts", "ttr"):
            return f"{value:,.0f} d"
        if key == "first_short":
            return f"day {value:.0f}"
        if key == "units_short":
            return f"{value:,.0f}" if value else ""
        if key == "delta":
            return f"{value:+,.0f}" if round(value) else "0"
        return f"{value:,.0f}"

    def sort_value(self, item: int, key: str) -> float | str:
        if key in ("part", "description"):
            return self.text(item, key).casefold()
        value = self._value(item, key)
        return math.inf if math.isnan(value) else value

    def row_object(self, item: int) -> object:
        assert self._result is not None
        return str(self._result.part_numbers[item])

    def role_data(self, item: int, key: str, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and key == "first_short" and not math.isnan(self._value(item, key)):
            return tint(BAND_COLORS["red"])
        if role == Qt.ItemDataRole.BackgroundRole and key == "delta" and self._value(item, key) > 0:
            return tint(BAND_COLORS["amber"])
        if role == Qt.ItemDataRole.ToolTipRole and key in ("tts", "ttr", "first_short", "units_short"):
            return self.COLUMNS[self.KEYS.index(key)].help
        return None
