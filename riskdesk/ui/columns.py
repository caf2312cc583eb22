"""The project's editable tables as the user sees them: the columns (the catalogue's fields, `riskdesk.core.fields`,
which also says how a typed value is parsed and checked and how a stored value is shown), and a read-only Qt model
that shows rows with exactly that formatting.

Kept free of numpy and pandas: the window shows a project's rows with `ColumnTableModel` before the data layer
has loaded (see `riskdesk.ui.app`), and `riskdesk.ui.table_models.DataFrameTableModel` extends it with editing,
sorting and filtering over the project's DataFrames once it has.

Custom roles:
- `SortRole`: the raw value (float for numbers, NaN for blanks; str for text), for sorting and tests.
- `RowRole`: the row's position in the table (int), stable while the view is sorted or filtered.
- `RawRole`: the stored value, unformatted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from riskdesk.core.fields import CellError, Field, FieldKind, parse_value, table_fields

__all__ = [
    "COLUMNS", "AnyIndex", "CellError", "ColumnTableModel", "ElementsRole", "Kind", "RawRole", "RegimeRole",
    "RowRole", "SortRole", "StatusRole", "TableName", "column_position", "parse_cell",
]

AnyIndex = QModelIndex | QPersistentModelIndex

# The item-data roles of RiskDesk's table models, all here so that no two mean different things.
SortRole = Qt.ItemDataRole.UserRole + 1
"""Raw value of a cell for sorting: float for numbers, folded str for text."""
RowRole = Qt.ItemDataRole.UserRole + 2
"""The plain object behind a row (a part number, a `Hit`, a `ControlRule` …)."""
RawRole = Qt.ItemDataRole.UserRole + 3
"""Project tables: a cell's stored value (float NaN for a blank number)."""
StatusRole = Qt.ItemDataRole.UserRole + 4
"""Rules table: the value of the rule's `RuleStatus` on the model's date."""
ElementsRole = Qt.ItemDataRole.UserRole + 5
"""Rules table: the rule's element symbols (frozenset, "*" for the whole magnet)."""
RegimeRole = Qt.ItemDataRole.UserRole + 6
"""Rules table: the rule's regime text."""


class TableName(StrEnum):
    """The editable tables, named as in `ProjectTables`."""

    PARTS = "parts"
    SUPPLIERS = "suppliers"
    PATHS = "paths"
    COMPOSITION = "composition"

    @property
    def title(self) -> str:  # type: ignore[override]  # deliberately shadows str.title with a label
        return {"parts": "Parts", "suppliers": "Suppliers", "paths": "Supply paths",
                "composition": "Composition"}[self.value]

    @property
    def row_noun(self) -> str:
        return {"parts": "part", "suppliers": "supplier", "paths": "supply path",
                "composition": "composition override"}[self.value]


Kind = FieldKind
"""How a column is parsed, checked and shown: the catalogue's `FieldKind` (the name ui/table_models.py reads)."""

COLUMNS: Mapping[TableName, tuple[Field, ...]] = MappingProxyType(
    {table: table_fields(table.value, with_id=False) for table in TableName})
"""Each editable table's columns as the window shows them: the catalogue's fields (`riskdesk.core.fields`), in its
order, without the row id. A column's header is its field's label, its tooltip the field's help."""


def column_position(table: TableName, key: str) -> int:
    """Where the column `key` stands in `table` as the window shows it; StopIteration when it has none."""
    return next(i for i, c in enumerate(COLUMNS[table]) if c.key == key)


def parse_cell(column: Field, raw: object) -> Any:
    """The typed value for `column` from what the user typed or pasted (`riskdesk.core.fields.parse_value`).
    Raises CellError."""
    return parse_value(column, raw)


class ColumnTableModel(QAbstractTableModel):
    """One project table shown read-only from per-column sequences (lists or numpy arrays), formatted lazily.

    `values[c][r]` is column `c` of row `r`: floats (NaN for blank) in number columns, str elsewhere. Subclasses
    map view rows to stored rows (`frame_row`) and add editing."""

    def __init__(self, table: TableName, country_name: Callable[[str], str] | None = None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.table = table
        self.columns: tuple[Field, ...] = COLUMNS[table]
        self._arrays: list[Sequence[Any]] = []
        self._country_name = country_name
        self._country_names: dict[str, str] = {}
        """Explicit cache of country names; cleared when the rows are replaced."""
        self._italic = QFont()
        self._italic.setItalic(True)

    def set_records(self, records: Sequence[Sequence[Any]]) -> None:
        """Show `records`, one tuple per row in the order of `self.columns` (None for a blank)."""
        self.beginResetModel()
        numeric = [c.numeric for c in self.columns]
        self._arrays = [
            [_as_float(row[i]) if numeric[i] else ("" if row[i] is None else str(row[i])) for row in records]
            for i in range(len(self.columns))
        ]
        self._country_names.clear()
        self.endResetModel()

    def stored_rows(self) -> int:
        """Rows in the table, shown or not."""
        return len(self._arrays[0]) if self._arrays else 0

    def frame_row(self, view_row: int) -> int:
        return view_row

    def column_index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def raw_value(self, frame_row: int, column: int) -> Any:
        return self._arrays[column][frame_row]

    # ---- QAbstractTableModel ----------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.stored_rows()

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.columns):
                return None
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.label
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{column.help}\n({column.key} in the import template)"
            return None
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < self.rowCount():
            return str(self.frame_row(section) + 1)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        frame_row = self.frame_row(index.row())
        value = self._arrays[index.column()][frame_row]
        numeric = column.numeric
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display_text(column, value)
        if role == Qt.ItemDataRole.EditRole:
            if numeric:
                return "" if math.isnan(value) else f"{float(value):g}" if abs(value) < 1e15 else repr(float(value))
            return str(value)
        if role == SortRole:
            return float(value) if numeric else str(value)
        if role == RawRole:
            return float(value) if numeric else str(value)
        if role == RowRole:
            return frame_row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.kind is FieldKind.COUNTRY and value:
                return f"{self._country_name_of(str(value))} ({value})"
            if not numeric and not value and column.blank_text:
                return f"{column.label}: {column.blank_text}. {column.help}"
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self._italic if (not numeric and not value and column.blank_text) else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if not numeric and not value and column.blank_text:
                from PySide6.QtGui import QPalette
                from PySide6.QtWidgets import QApplication

                return QApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            return None
        return None

    def _display_text(self, column: Field, value: Any) -> str:
        if column.numeric:
            return column.format(value)
        if not value and column.blank_text:
            return column.blank_text
        if column.kind is FieldKind.COUNTRY:
            return self._country_label(str(value))
        return str(value)

    def shown_texts(self, rows: int) -> list[list[str]]:
        """The texts of the first `rows` rows as shown, column by column (for sizing the columns)."""
        frame_rows = [self.frame_row(r) for r in range(min(rows, self.rowCount()))]
        return [[self._display_text(column, values[r]) for r in frame_rows]
                for column, values in zip(self.columns, self._arrays, strict=False)]

    def _country_name_of(self, code: str) -> str:
        if code not in self._country_names:
            name = code
            if self._country_name is not None:
                try:
                    name = self._country_name(code) or code
                except (KeyError, ValueError):
                    name = code
            self._country_names[code] = name
        return self._country_names[code]

    def _country_label(self, code: str) -> str:
        if not code:
            return ""
        name = self._country_name_of(code)
        return code if name == code else f"{code} · {name}"


def _as_float(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
