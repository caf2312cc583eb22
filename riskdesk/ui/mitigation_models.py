"""Qt table models of a mitigation comparison (`riskdesk.core.mitigations.Comparison`).

- `VariantsTableModel`: the original and each variant side by side, one row each, from `VariantOutcome.summary()`
  (the same figures as `riskdesk scenario … --json` and `Comparison.to_json()`), plus the change of the scenario
  cost against the original.
- `PartsTableModel`: per part, each variant's score and first short day, read from the comparison's arrays (the
  figures of `Comparison.part_rows()`), sorted and filtered with numpy over whole columns so that a project of
  tens of thousands of parts sorts at once.

Cells are formatted when a view asks for them. Both are `riskdesk.ui.score_models.ColumnModel`s whose items are
row numbers: a column is a key, a title and a tooltip; `text` gives a cell's text (shown, read aloud, copied) and
`role_data` the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from riskdesk.core.evaluation import band
from riskdesk.core.labels import BAND_COLORS, BAND_LABELS, count, format_money
from riskdesk.core.mitigations import Comparison
from riskdesk.ui.palette import tint
from riskdesk.ui.score_models import Column, ColumnModel

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

SCORE_STEP = 0.05
"""Two scores closer than this are the same (the JSON rounds scores to 2 decimals)."""


def short_title(name: str, width: int = 16, lines: int = 2) -> str:
    """A variant's name for a column header: wrapped at spaces into at most `lines` lines of about `width`
    characters, the rest elided (the tooltip has the whole name)."""
    out: list[str] = []
    for word in name.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "…"
    return "\n".join(line if len(line) <= width + 2 else line[: width - 1] + "…" for line in out)


def _signed_money(value: float) -> str:
    if abs(value) < 0.005:
        return "±$0"
    return ("+" if value > 0 else "−") + format_money(abs(value))


def _signed(value: float, digits: int = 1) -> str:
    text = f"{abs(value):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return "±0"
    return ("+" if value > 0 else "−") + text


# ---------------------------------------------------------------------------------------------------------------
# The original and the variants side by side


class VariantsTableModel(ColumnModel[int]):
    """One row per outcome of a comparison, the original first: the figures of `VariantOutcome.summary()`."""

    COLUMNS: tuple[Column, ...] = (
        Column("name", "Variant", "The project as it is (Original), then each variant: a copy with its changes"),
        Column("portfolio_score", "Portfolio\nscore", "The portfolio score on the as-of date (0 no risk … 100)",
               True),
        Column("red_parts", "Red\nparts", "Parts scoring 70 or more", True),
        Column("scenario_cost", "Scenario\ncost", "Cost of the element content over the scenario's horizon, with "
               "its price shocks (USD)", True),
        Column("cost_change", "Cost vs\noriginal", "Scenario cost of this variant minus the original's, plus what "
               "its second sources' prices add to the parts bought over the horizon (USD); unknown while a second "
               "source has no price", True),
        Column("delta_total", "Price\neffect", "What the scenario's price shocks add over the horizon to this "
               "project's cost without them (USD)", True),
        Column("parts_short", "Parts\nshort", "Parts whose supply stops at some point in the scenario (stock "
               "runs out before the cut ends)", True),
        Column("days_short", "Days\nshort", "Days without supply, summed over the parts", True),
        Column("shortfall_cost", "Shortfall\ncost", "Value of the parts not delivered at their unit price (USD)",
               True),
        Column("changes", "Changes", "What the variant changes in its copy of the project"),
    )
    KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []

    def set_comparison(self, comparison: Comparison | None) -> None:
        self.beginResetModel()
        self._rows = [] if comparison is None else [o.summary() for o in comparison.outcomes]
        self.endResetModel()

    def item_at(self, row: int) -> int:
        return row

    def columns(self) -> Sequence[Column]:
        return self.COLUMNS

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def summary_at(self, row: int) -> dict[str, Any]:
        """The row's `VariantOutcome.summary()`."""
        return self._rows[row]

    def row_of(self, name: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r["name"] == name), -1)

    def cost_change(self, row: int) -> float | None:
        """The row's scenario cost minus the original's plus its second sources' price effect; None when a second
        source's price is unknown."""
        purchase = self._rows[row].get("purchase_change", 0.0)
        if purchase is None:
            return None
        return float(self._rows[row]["scenario_cost"] - self._rows[0]["scenario_cost"]) + float(purchase)

    def text(self, row: int, key: str) -> str:
        summary = self._rows[row]
        original = self._rows[0]
        if key == "name":
            return str(summary["name"])
        if key == "portfolio_score":
            text = f"{summary[key]:.1f}"
            if row and abs(summary[key] - original[key]) >= SCORE_STEP:
                text += f" ({_signed(summary[key] - original[key])})"
            return text
        if key == "cost_change":
            change = self.cost_change(row)
            return "—" if row == 0 else "unknown" if change is None else _signed_money(change)
        if key in ("scenario_cost", "shortfall_cost"):
            return format_money(float(summary[key]))
        if key == "delta_total":
            return _signed_money(float(summary[key]))
        if key in ("red_parts", "parts_short", "days_short"):
            return f"{int(summary[key]):,}"
        changes = summary["changes"]
        return "\n".join(changes) if changes else "the project as it is"

    def role_data(self, row: int, key: str, role: int) -> Any:
        summary = self._rows[row]
        if role == Qt.ItemDataRole.BackgroundRole and key == "portfolio_score":
            return tint(BAND_COLORS[summary["band"]])
        if role == Qt.ItemDataRole.BackgroundRole and key in ("parts_short", "days_short") and summary[key]:
            return tint(BAND_COLORS["red"])
        if role == Qt.ItemDataRole.FontRole and key == "name" and row == 0:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
        return None

    def _tooltip(self, row: int, key: str) -> str:
        summary, original = self._rows[row], self._rows[0]
        if key == "changes":
            return "\n".join(summary["changes"]) or "The project as it is: no change"
        if key == "name":
            return (f"{summary['name']}: " + ("the project as it is" if row == 0 else
                                              "\n".join(summary["changes"]) or "no change"))
        if key == "portfolio_score":
            text = f"Portfolio score {summary[key]:.2f} ({BAND_LABELS[summary['band']]})"
        elif key == "cost_change":
            if row == 0:
                return "The original is what the variants are compared with"
            scenario = (f"Scenario cost {format_money(summary['scenario_cost'])} against "
                        f"{format_money(original['scenario_cost'])} for the original")
            purchase = summary.get("purchase_change", 0.0)
            if purchase is None:
                return (f"{scenario}. What the variant costs is unknown: give each second source's unit price "
                        "(Edit the variant)")
            return f"{scenario}; the second sources' prices add {_signed_money(float(purchase))}" if purchase else (
                scenario)
        elif key in ("scenario_cost", "shortfall_cost", "delta_total"):
            text = f"{self.COLUMNS[self.KEYS.index(key)].title.replace(chr(10), ' ')}: {format_money(summary[key])}"
        else:
            text = f"{self.COLUMNS[self.KEYS.index(key)].title.replace(chr(10), ' ')}: {summary[key]:,}"
        if row:
            value = original[key]
            shown = format_money(value) if key in ("scenario_cost", "shortfall_cost", "delta_total") else (
                f"{value:.2f}" if key == "portfolio_score" else f"{value:,}")
            text += f"; {shown} in the original"
        return text


# ---------------------------------------------------------------------------------------------------------------
# Part by part


class PartsTableModel(ColumnModel[int]):
    """Per part: its score and first short day in the original and in each variant.

    Scores and short days come from the comparison's (outcomes × parts) arrays; `only_changed` hides the parts no
    variant changes. The model sorts itself (`sort`) over whole columns and keeps the row order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._comparison: Comparison | None = None
        self._columns: list[Column] = []
        self._names: list[str] = []
        self._clear()
        self._only_changed = False
        self._order = np.zeros(0, dtype=np.int64)
        self._sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder)

    # -- data

    def set_comparison(self, comparison: Comparison | None) -> None:
        self.beginResetModel()
        self._comparison = comparison
        if comparison is None:
            self._clear()
        else:
            outcomes = comparison.outcomes
            compiled = outcomes[0].evaluation.compiled
            self._names = [o.name for o in outcomes]
            self._parts = np.asarray([str(p) for p in comparison.part_numbers], dtype=str)
            self._descriptions = np.asarray([str(d) for d in compiled.descriptions], dtype=str)
            self._scores = comparison.scores()
            self._short = comparison.first_short_days().astype(np.int64)
            self._days = np.vstack([o.result.stock_out.days_short for o in outcomes]).astype(np.int64)
            self._delta = np.vstack([o.result.part_delta_total for o in outcomes])
            self._changed = ((np.abs(self._scores - self._scores[0]) >= SCORE_STEP).any(axis=0)
                             | (self._short != self._short[0]).any(axis=0))
            self._columns = [Column("part", "Part", "Part number (its description in the tooltip)")]
            for i, name in enumerate(self._names):
                what = "the project as it is" if i == 0 else f"variant {name!r}"
                title = short_title(name)
                self._columns.append(Column(f"score:{i}", f"{title}\nscore",
                                            f"The part's score in {what} on the as-of date", True))
                self._columns.append(Column(f"short:{i}", f"{title}\nfirst short",
                                            f"The scenario day the part's supply first stops in {what} (its "
                                            "stock runs out before the cut ends); never: it does not stop", True))
        self._order = self._sorted(self._shown(), *self._sort)
        self.endResetModel()

    def _clear(self) -> None:
        self._columns = [Column("part", "Part", "Part number")]
        self._names = []
        self._parts = np.zeros(0, dtype=str)
        self._descriptions = np.zeros(0, dtype=str)
        self._scores = np.zeros((0, 0))
        self._short = np.zeros((0, 0), dtype=np.int64)
        self._days = np.zeros((0, 0), dtype=np.int64)
        self._delta = np.zeros((0, 0))
        self._changed = np.zeros(0, dtype=bool)

    @property
    def n_parts(self) -> int:
        return len(self._parts)

    @property
    def n_changed(self) -> int:
        """Parts whose score or first short day differs from the original's in some variant."""
        return int(self._changed.sum())

    @property
    def only_changed(self) -> bool:
        return self._only_changed

    def set_only_changed(self, only: bool) -> None:
        if only == self._only_changed:
            return
        self.beginResetModel()
        self._only_changed = only
        self._order = self._sorted(self._shown(), *self._sort)
        self.endResetModel()

    def part_at(self, row: int) -> str:
        return str(self._parts[self._order[row]])

    def row_of(self, part_number: str) -> int:
        rows = np.flatnonzero(self._parts[self._order] == part_number)
        return int(rows[0]) if len(rows) else -1

    def score(self, row: int, outcome: int) -> float:
        return float(self._scores[outcome, self._order[row]])

    def first_short_day(self, row: int, outcome: int) -> int | None:
        """The part's first short day in an outcome (None: never), as in `Comparison.part_rows()`."""
        return int(self._short[outcome, self._order[row]]) or None

    def column_of(self, key: str) -> int:
        return next(i for i, c in enumerate(self._columns) if c.key == key)

    # -- filter and sort

    def _shown(self) -> np.ndarray:
        positions = np.arange(len(self._parts), dtype=np.int64)
        return positions[self._changed] if self._only_changed else positions

    def _values(self, key: str, positions: np.ndarray) -> np.ndarray:
        if key == "part":
            return np.char.lower(self._parts[positions])
        kind, _, outcome = key.partition(":")
        if kind == "score":
            return self._scores[int(outcome), positions]
        short = self._short[int(outcome), positions].astype(float)
        return np.where(short > 0, short, np.inf)

    def _sorted(self, positions: np.ndarray, column: int, order: Qt.SortOrder) -> np.ndarray:
        if not len(positions) or not 0 <= column < len(self._columns):
            return positions
        values = self._values(self._columns[column].key, positions)
        if order == Qt.SortOrder.DescendingOrder:
            # Descending, with ties kept in their ascending (stable) order.
            ranked = np.argsort(values[::-1], kind="stable")[::-1]
            ranked = len(values) - 1 - ranked
        else:
            ranked = np.argsort(values, kind="stable")
        return positions[ranked]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(int(self._order[i.row()]), i.column()) for i in persistent]
        self._order = self._sorted(self._order, column, order)
        row_of = np.full(len(self._parts), -1, dtype=np.int64)
        row_of[self._order] = np.arange(len(self._order))
        self.changePersistentIndexList(
            persistent, [self.index(int(row_of[p]), c) if row_of[p] >= 0 else QModelIndex() for p, c in held])
        self.layoutChanged.emit()

    # -- Qt interface

    def item_at(self, row: int) -> int:
        return row

    def columns(self) -> Sequence[Column]:
        return self._columns

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._order)

    def text(self, row: int, key: str) -> str:
        position = int(self._order[row])
        if key == "part":
            return str(self._parts[position])
        kind, _, index = key.partition(":")
        outcome = int(index)
        if kind == "score":
            score = float(self._scores[outcome, position])
            text = f"{score:.0f}"
            change = score - float(self._scores[0, position])
            if outcome and abs(change) >= 0.5:
                text += f" ({_signed(change, 0)})"
            return text
        day = int(self._short[outcome, position])
        return f"day {day}" if day else "never"

    def role_data(self, row: int, key: str, role: int) -> Any:
        position = int(self._order[row])
        if key == "part":
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{self._parts[position]}: {self._descriptions[position]}"
            return None
        kind, _, index = key.partition(":")
        outcome = int(index)
        if kind == "score":
            score = float(self._scores[outcome, position])
            if role == Qt.ItemDataRole.BackgroundRole:
                return tint(BAND_COLORS[band(score)])
            if role == Qt.ItemDataRole.ToolTipRole:
                text = f"{self._names[outcome]}: {score:.2f} ({BAND_LABELS[band(score)]})"
                if outcome:
                    text += f"; {float(self._scores[0, position]):.2f} in the original"
                cost = _signed_money(float(self._delta[outcome, position]))
                return text + f"\nScenario cost change over the horizon: {cost}"
            return None
        day = int(self._short[outcome, position])
        if role == Qt.ItemDataRole.BackgroundRole and day:
            return tint(BAND_COLORS["red"])
        if role == Qt.ItemDataRole.ToolTipRole:
            if not day:
                return f"{self._names[outcome]}: the part's supply never stops in this scenario"
            scenario = self._comparison.scenario if self._comparison is not None else None
            when = f" ({scenario.day(day).isoformat()})" if scenario is not None else ""
            days = int(self._days[outcome, position])
            return (f"{self._names[outcome]}: first short on day {day}{when}, "
                    f"{count(days, 'day')} short in all")
        return None


__all__ = ["SCORE_STEP", "Column", "PartsTableModel", "VariantsTableModel", "short_title"]
