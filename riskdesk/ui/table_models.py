"""Qt table models over the project's DataFrames: thin adapters that format lazily and validate edits.

Each model shows one table of `riskdesk.core.project.ProjectTables` (parts, suppliers or supply paths). The
DataFrame stays owned by the document; the model reads it through per-column numpy arrays cached at
`set_rows()` (one vectorised pass per column, no per-row Python work) and formats only the cells Qt asks for in
`data()`. Sorting and filtering are done here with numpy on whole columns (a proxy model would call `data()`
millions of times for 100,000 rows); the view-to-frame row map is the only state they add.

Edits never change the DataFrame directly: `setData()` parses and validates the text, then hands the typed value
to the model's `editor` (the document, which pushes an undoable command). A refused value changes nothing and
emits `edit_refused` with a message that says what to enter instead.

Custom roles:
- `SortRole`: the raw value (float for numbers, NaN for blanks; str for text), for sorting and tests.
- `RowRole`: the row's position in the DataFrame (int), stable while the view is sorted or filtered.
- `RawRole`: the stored value, unformatted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from riskdesk.core.domain import (
    PART_COLUMNS,
    PATH_COLUMNS,
    SUPPLIER_COLUMNS,
    EndUse,
    Evidence,
    MagnetFamily,
    parse_enum,
)

if TYPE_CHECKING:
    import pandas as pd

AnyIndex = QModelIndex | QPersistentModelIndex

SortRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2
RawRole = Qt.ItemDataRole.UserRole + 3


class TableName(StrEnum):
    """The editable tables, named as in `ProjectTables`."""

    PARTS = "parts"
    SUPPLIERS = "suppliers"
    PATHS = "paths"

    @property
    def title(self) -> str:
        return {"parts": "Parts", "suppliers": "Suppliers", "paths": "Supply paths"}[self.value]

    @property
    def row_noun(self) -> str:
        return {"parts": "part", "suppliers": "supplier", "paths": "supply path"}[self.value]


class PartColumn(IntEnum):
    PART_NUMBER = 0
    DESCRIPTION = 1
    END_USE = 2
    MAGNET_FAMILY = 3
    GRADE = 4
    MAGNET_MASS_G = 5
    ANNUAL_UNITS = 6
    UNIT_PRICE = 7
    STOCK_DAYS = 8


class SupplierColumn(IntEnum):
    SUPPLIER_ID = 0
    SUPPLIER_NAME = 1
    SUPPLIER_COUNTRY = 2


class PathColumn(IntEnum):
    PART_NUMBER = 0
    SUPPLIER_ID = 1
    SHARE_PCT = 2
    MINE_COUNTRY = 3
    SEPARATION_COUNTRY = 4
    METAL_COUNTRY = 5
    MAGNET_COUNTRY = 6
    ORIGIN_EVIDENCE = 7


class Kind(StrEnum):
    """How a column is parsed, checked and shown."""

    KEY = "key"
    """Text that identifies the row; not empty, unique in its table."""
    TEXT = "text"
    PART_REF = "part_ref"
    SUPPLIER_REF = "supplier_ref"
    NUMBER = "number"
    SHARE = "share"
    """A percentage between 0 and 100."""
    ENUM = "enum"
    COUNTRY = "country"


@dataclass(frozen=True, slots=True)
class Column:
    """One column as the user sees it."""

    key: str
    title: str
    kind: Kind
    tooltip: str
    enum: type[StrEnum] | None = None
    required: bool = False
    decimals: int = 3
    """Most decimals shown (trailing zeros are dropped, unless `fixed`)."""
    fixed: bool = False
    blank_text: str = ""
    """Shown for an empty cell, greyed (e.g. "unknown" for a stage country nobody declared)."""

    def choices(self) -> list[str]:
        return [member.value for member in self.enum] if self.enum else []


_COUNTRY_HINT = "Type an ISO code or a name, e.g. CN, China, PRC, Burma."
_STAGE_HINT = " Leave empty when nobody knows: unknown origin is scored as a risk."

COLUMNS: dict[TableName, tuple[Column, ...]] = {
    TableName.PARTS: (
        Column("part_number", "Part number", Kind.KEY, "Your part number; unique in the project.", required=True),
        Column("description", "Description", Kind.TEXT, "What the part is."),
        Column("end_use", "End use", Kind.ENUM,
               "What the part goes into; decides which rules concern it (e.g. DFARS for defence).", EndUse,
               required=True),
        Column("magnet_family", "Magnet family", Kind.ENUM, "The kind of magnet; decides its default composition.",
               MagnetFamily, required=True),
        Column("grade", "Grade", Kind.TEXT, "Magnet grade such as N42SH or Sm2Co17; refines the composition."),
        Column("magnet_mass_g", "Magnet g/unit", Kind.NUMBER, "Magnet mass per unit of the part, in grams.",
               required=True),
        Column("annual_units", "Units/year", Kind.NUMBER, "How many units of the part you buy in a year.",
               required=True, decimals=0),
        Column("unit_price", "Unit price", Kind.NUMBER, "Price you pay per unit.", decimals=2, fixed=True),
        Column("stock_days", "Stock days", Kind.NUMBER, "Days of production covered by stock on hand.", decimals=1),
    ),
    TableName.SUPPLIERS: (
        Column("supplier_id", "Supplier ID", Kind.KEY, "Your identifier for the supplier; unique.", required=True),
        Column("supplier_name", "Name", Kind.TEXT, "The supplier's name."),
        Column("supplier_country", "Country", Kind.COUNTRY, "Where the supplier is based. " + _COUNTRY_HINT),
    ),
    TableName.PATHS: (
        Column("part_number", "Part number", Kind.PART_REF, "The part this supply path delivers (from Parts).",
               required=True),
        Column("supplier_id", "Supplier ID", Kind.SUPPLIER_REF, "The supplier on this path (from Suppliers).",
               required=True),
        Column("share_pct", "Share %", Kind.SHARE,
               "Share of the part's volume on this path, 0–100; a part's paths add up to 100.", required=True,
               decimals=2),
        Column("mine_country", "Mine", Kind.COUNTRY, "Country where the ore is mined. " + _COUNTRY_HINT + _STAGE_HINT,
               blank_text="unknown"),
        Column("separation_country", "Separation", Kind.COUNTRY,
               "Country where rare earths are separated and refined. " + _COUNTRY_HINT + _STAGE_HINT,
               blank_text="unknown"),
        Column("metal_country", "Metal/alloy", Kind.COUNTRY,
               "Country where metal or alloy is made. " + _COUNTRY_HINT + _STAGE_HINT, blank_text="unknown"),
        Column("magnet_country", "Magnet", Kind.COUNTRY,
               "Country where the magnet is made. " + _COUNTRY_HINT + _STAGE_HINT, blank_text="unknown"),
        Column("origin_evidence", "Evidence", Kind.ENUM,
               "How the stage countries are known: verified (audited), declared by the supplier, inferred, "
               "or unknown.", Evidence, required=True),
    ),
}

assert tuple(c.key for c in COLUMNS[TableName.PARTS]) == PART_COLUMNS
assert tuple(c.key for c in COLUMNS[TableName.SUPPLIERS]) == SUPPLIER_COLUMNS
assert tuple(c.key for c in COLUMNS[TableName.PATHS]) == PATH_COLUMNS
assert [c.name.lower() for c in PartColumn] == list(PART_COLUMNS)
assert [c.name.lower() for c in SupplierColumn] == list(SUPPLIER_COLUMNS)
assert [c.name.lower() for c in PathColumn] == list(PATH_COLUMNS)


class CellError(ValueError):
    """A value the user typed that cannot go into the cell; the message says what to enter."""


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")


def parse_number(text: object) -> float:
    """A number as people type it: "1,200", "1 200", "3.5", "3,5", "12 %". Blank → NaN."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("_", "").rstrip("%").strip()
    if not cleaned:
        return math.nan
    if ("," in cleaned and "." in cleaned) or _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.match(cleaned):
        raise CellError(f"{text!r} is not a number")
    return float(cleaned)


def parse_cell(column: Column, raw: object) -> Any:
    """The typed value for `column` from what the user typed or pasted. Raises CellError."""
    text = "" if raw is None else str(raw).strip()
    if column.kind in (Kind.NUMBER, Kind.SHARE):
        try:
            value = parse_number(raw if isinstance(raw, int | float) else text)
        except CellError:
            raise CellError(f"{column.title}: {text!r} is not a number. Enter a number such as 12.5") from None
        if math.isnan(value):
            if column.required:
                raise CellError(f"{column.title} is required. Enter a number")
            return math.nan
        if not math.isfinite(value):
            raise CellError(f"{column.title}: enter a finite number")
        if value < 0:
            raise CellError(f"{column.title} must not be negative. Enter zero or a positive number")
        if column.kind is Kind.SHARE and value > 100:
            raise CellError(f"{column.title} is a share of the part's volume: enter 0 to 100")
        return value
    if column.kind is Kind.ENUM:
        assert column.enum is not None
        member = parse_enum(column.enum, text) if text or not column.required else None
        if member is None:
            raise CellError(f"{column.title}: {text!r} is not one of {', '.join(column.choices())}")
        return member.value
    if column.kind is Kind.COUNTRY:
        if not text:
            return ""
        from riskdesk.core.countries import resolve_country

        code = resolve_country(text)
        if code is None:
            raise CellError(f"{column.title}: no country is called {text!r}. {_COUNTRY_HINT}")
        return code
    if column.required and not text:
        raise CellError(f"{column.title} must not be empty")
    return text


def format_number(value: float, column: Column) -> str:
    if math.isnan(value):
        return ""
    if column.fixed:
        return f"{value:,.{column.decimals}f}"
    text = f"{value:,.{column.decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


Editor = Callable[[TableName, list[tuple[int, str, Any]]], None]
"""Applies typed cell values: (table, [(frame row, column key, value), …]). The document pushes a command."""
Checker = Callable[[TableName, int, str, Any], str | None]
"""Cross-table checks of one typed value (uniqueness, references); returns a refusal message or None."""


class DataFrameTableModel(QAbstractTableModel):
    """One project table (parts, suppliers or supply paths) as a Qt model. See the module docstring."""

    edit_refused = Signal(str)
    """A value was refused; the message says why and what to enter."""

    def __init__(self, table: TableName, frame: pd.DataFrame | None = None, editor: Editor | None = None,
                 checker: Checker | None = None, country_name: Callable[[str], str] | None = None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.table = table
        self.columns: tuple[Column, ...] = COLUMNS[table]
        self._editor = editor
        self._checker = checker
        self._country_name = country_name
        self._country_names: dict[str, str] = {}
        """Explicit cache of country names; cleared in set_rows()."""
        self._frame: pd.DataFrame | None = None
        self._arrays: list[np.ndarray] = []
        self._order: np.ndarray | None = None
        """View row → frame row, when sorted or filtered; None means the frame's own order."""
        self._inverse: np.ndarray | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._filter = ""
        self._haystack: pd.Series | None = None
        """Explicit cache for filtering: each row's cells joined and case-folded; cleared on any change."""
        self._italic = QFont()
        self._italic.setItalic(True)
        self.last_refusal = ""
        if frame is not None:
            self.set_rows(frame)

    # ---- plain data -------------------------------------------------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        assert self._frame is not None
        return self._frame

    def set_rows(self, frame: pd.DataFrame) -> None:
        """Show `frame` (a new or replaced DataFrame): a model reset, re-applying the sort and filter."""
        self.beginResetModel()
        self._load(frame)
        self._reorder()
        self.endResetModel()

    def _load(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        # Copies (pandas hands out read-only views), so that cells_changed() can patch them in place.
        self._arrays = [frame[c.key].to_numpy(dtype=float if c.kind in (Kind.NUMBER, Kind.SHARE) else object,
                                              copy=True)
                        for c in self.columns]
        self._country_names.clear()
        self._haystack = None

    def frame_row(self, view_row: int) -> int:
        return int(self._order[view_row]) if self._order is not None else view_row

    def view_row(self, frame_row: int) -> int | None:
        """Where a frame row is shown, or None when it is filtered out."""
        if self._order is None:
            return frame_row
        if self._inverse is None:
            self._inverse = np.full(len(self._arrays[0]) if self._arrays else 0, -1, dtype=np.int64)
            self._inverse[self._order] = np.arange(len(self._order))
        found = int(self._inverse[frame_row])
        return None if found < 0 else found

    def column_index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def raw_value(self, frame_row: int, column: int) -> Any:
        return self._arrays[column][frame_row]

    # ---- partial updates --------------------------------------------------------------------------------------

    def cells_changed(self, cells: Iterable[tuple[int, str]]) -> None:
        """The document changed these (frame row, column key) cells in place: refresh caches, emit dataChanged."""
        assert self._frame is not None
        touched: dict[int, list[int]] = {}
        self._haystack = None
        for frame_row, key in cells:
            column = self.column_index(key)
            self._arrays[column][frame_row] = self._frame[key].iat[frame_row]
            view = self.view_row(frame_row)
            if view is not None:
                touched.setdefault(column, []).append(view)
        roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole, SortRole,
                 RawRole, Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ForegroundRole]
        for column, rows in touched.items():
            self.dataChanged.emit(self.index(min(rows), column), self.index(max(rows), column), roles)

    def rows_appended(self, frame: pd.DataFrame) -> None:
        """`frame` is the old frame with rows added at its end."""
        old = self.rowCount()
        added = len(frame) - len(self._arrays[0]) if self._arrays else len(frame)
        if self._order is not None or added <= 0:
            self.set_rows(frame)
            return
        self.beginInsertRows(QModelIndex(), old, old + added - 1)
        self._load(frame)
        self.endInsertRows()

    # ---- sorting and filtering --------------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        frame_rows = [self.frame_row(i.row()) for i in persistent]
        self._sort = (column, order)
        self._reorder()
        self.changePersistentIndexList(
            persistent,
            [self._moved(index, frame_row) for index, frame_row in zip(persistent, frame_rows, strict=True)],
        )
        self.layoutChanged.emit()

    def _moved(self, index: QModelIndex, frame_row: int) -> QModelIndex:
        view = self.view_row(frame_row)
        return QModelIndex() if view is None else self.index(view, index.column())

    def set_filter(self, text: str) -> None:
        """Show only rows where some cell contains `text` (case-insensitive); "" shows all."""
        if text == self._filter:
            return
        self.beginResetModel()
        self._filter = text
        self._reorder()
        self.endResetModel()

    @property
    def filter_text(self) -> str:
        return self._filter

    def _search_text(self) -> pd.Series:
        if self._haystack is None:
            assert self._frame is not None
            parts = []
            for column in self.columns:
                series = self._frame[column.key]
                parts.append(series.astype("str") if column.kind in (Kind.NUMBER, Kind.SHARE) else series)
            joined = parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]
            self._haystack = joined.str.casefold()
        return self._haystack

    def _reorder(self) -> None:
        self._inverse = None
        if self._frame is None:
            self._order = None
            return
        rows = np.arange(len(self._frame))
        if self._filter:
            keep = self._search_text().str.contains(self._filter.casefold(), regex=False)
            rows = rows[keep.to_numpy(dtype=bool, na_value=False)]
        if self._sort is not None:
            column, order = self._sort
            values = self._arrays[column][rows]
            if self.columns[column].kind in (Kind.NUMBER, Kind.SHARE):
                keys = np.where(np.isnan(values), np.inf, values)
                ranked = np.argsort(keys, kind="stable")
                if order == Qt.SortOrder.DescendingOrder:
                    # Descending, blanks still last, ties in their original order.
                    ranked = np.argsort(np.where(np.isnan(values), np.inf, -values), kind="stable")
            else:
                keys = np.array([str(v).casefold() for v in values], dtype=object) if len(values) < 2_000 \
                    else np.char.lower(values.astype(str))
                ranked = np.argsort(keys, kind="stable")
                if order == Qt.SortOrder.DescendingOrder:
                    ranked = ranked[::-1]
            rows = rows[ranked]
        identity = not self._filter and self._sort is None
        self._order = None if identity else rows.astype(np.int64)

    # ---- QAbstractTableModel ----------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._frame is None:
            return 0
        return len(self._order) if self._order is not None else len(self._frame)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.columns):
                return None
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.title
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{column.tooltip}\n({column.key} in the import template)"
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
        numeric = column.kind in (Kind.NUMBER, Kind.SHARE)
        if role == Qt.ItemDataRole.DisplayRole:
            if numeric:
                return format_number(float(value), column)
            if not value and column.blank_text:
                return column.blank_text
            if column.kind is Kind.COUNTRY:
                return self._country_label(str(value))
            return str(value)
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
            if column.kind is Kind.COUNTRY and value:
                return f"{self._country_name_of(str(value))} ({value})"
            if not numeric and not value and column.blank_text:
                return f"{column.title}: {column.blank_text}. {column.tooltip}"
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

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        frame_row = self.frame_row(index.row())
        column = self.columns[index.column()]
        try:
            typed = self.check_value(frame_row, column.key, value)
        except CellError as exc:
            self.refuse(str(exc))
            return False
        if self._same(self._arrays[index.column()][frame_row], typed):
            return True
        self.apply([(frame_row, column.key, typed)])
        return True

    # ---- validation and editing -------------------------------------------------------------------------------

    def check_value(self, frame_row: int, key: str, raw: Any) -> Any:
        """The typed value for a cell, checked on its own and against the other tables. Raises CellError."""
        column = self.columns[self.column_index(key)]
        typed = parse_cell(column, raw)
        if self._checker is not None:
            problem = self._checker(self.table, frame_row, key, typed)
            if problem:
                raise CellError(problem)
        return typed

    def refuse(self, message: str) -> None:
        self.last_refusal = message
        self.edit_refused.emit(message)

    def apply(self, changes: list[tuple[int, str, Any]]) -> None:
        """Hand typed values to the editor (the document's undo stack), or set them directly without one."""
        if self._editor is not None:
            self._editor(self.table, changes)
            return
        for frame_row, key, typed in changes:
            self.frame.iat[frame_row, self.frame.columns.get_loc(key)] = typed
        self.cells_changed((frame_row, key) for frame_row, key, _ in changes)

    @staticmethod
    def _same(old: Any, new: Any) -> bool:
        if isinstance(old, float) and isinstance(new, float):
            return old == new or (math.isnan(old) and math.isnan(new))
        return bool(old == new)


def changed_cells(changes: Sequence[tuple[int, str, Any]]) -> list[tuple[int, str]]:
    return [(row, key) for row, key, _ in changes]
