"""The project's editable tables as the user sees them: columns, how a typed value is parsed and checked, how a
stored value is shown, and a read-only Qt model that shows rows with exactly that formatting.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from riskdesk.core.cells import clean_id
from riskdesk.core.domain import (
    NUMBER_COLUMNS,
    NUMBER_LIMITS,
    PART_COLUMNS,
    PATH_COLUMNS,
    SUPPLIER_COLUMNS,
    EndUse,
    Evidence,
    MagnetFamily,
    YesNo,
    parse_enum,
)
from riskdesk.core.labels import field_label
from riskdesk.core.numbers import NumberKind, read_number

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

    @property
    def title(self) -> str:  # type: ignore[override]  # deliberately shadows str.title with a label
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
    DFARS = 9


class SupplierColumn(IntEnum):
    SUPPLIER_ID = 0
    SUPPLIER_NAME = 1
    SUPPLIER_COUNTRY = 2
    GENERAL_LICENCE = 3


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
    kind: Kind
    tooltip: str
    enum: type[StrEnum] | None = None
    required: bool = False
    decimals: int = 3
    """Most decimals shown (trailing zeros are dropped, unless `fixed`)."""
    fixed: bool = False
    blank_text: str = ""
    """Shown for an empty cell, greyed (e.g. "unknown" for a stage country nobody declared)."""
    @property
    def number(self) -> NumberKind:
        """For number columns: the units a typed value may carry ("1.5 kg" in a mass column is 1500 g), from the
        one column schema (riskdesk.core.domain.NUMBER_COLUMNS)."""
        return NUMBER_COLUMNS.get(self.key, NumberKind.PLAIN)

    @property
    def title(self) -> str:
        """The header as the user sees it: the field's label in the buyer's words (riskdesk.core.labels)."""
        return field_label(self.key)

    def choices(self) -> list[str]:
        return [member.value for member in self.enum] if self.enum else []


_COUNTRY_HINT = "Type an ISO code or a name, e.g. CN, China, PRC, Burma."
_STAGE_HINT = " Leave empty when nobody knows: unknown origin is scored as a risk."

COLUMNS: dict[TableName, tuple[Column, ...]] = {
    TableName.PARTS: (
        Column("part_number", Kind.KEY, "Your part number; unique in the project.", required=True),
        Column("description", Kind.TEXT, "What the part is."),
        Column("end_use", Kind.ENUM,
               "What the part goes into; decides which rules concern it (e.g. DFARS for defence).", EndUse,
               required=True),
        Column("magnet_family", Kind.ENUM, "The kind of magnet; decides its default composition.",
               MagnetFamily, required=True),
        Column("grade", Kind.TEXT, "Magnet grade such as N42SH or Sm2Co17; refines the composition."),
        Column("magnet_mass_g", Kind.NUMBER,
               "Magnet mass per unit of the part, in grams (type 1.5 kg, 0.2 lb … to convert).", required=True),
        Column("annual_units", Kind.NUMBER, "How many units of the part you buy in a year.",
               required=True, decimals=0),
        Column("unit_price", Kind.NUMBER, "Price you pay per unit.", decimals=2, fixed=True),
        Column("stock_days", Kind.NUMBER,
               "Days of production covered by stock on hand (type 2 weeks, 1 month … to convert).", decimals=1),
        Column("dfars", Kind.ENUM,
               "Is the part delivered into US defence contracts, so that DFARS 252.225-7052 binds it? yes / no; "
               "blank: the project setting decides for defence parts.", YesNo, blank_text="project setting"),
    ),
    TableName.SUPPLIERS: (
        Column("supplier_id", Kind.KEY, "Your identifier for the supplier; unique.", required=True),
        Column("supplier_name", Kind.TEXT, "The supplier's name."),
        Column("supplier_country", Kind.COUNTRY,
               "Where the supplier makes the parts it delivers (for DFARS end items and tariffs on the part). "
               + _COUNTRY_HINT),
        Column("general_licence", Kind.ENUM,
               "yes: the supplier holds a Chinese general export licence that names your company (reported for "
               "some magnet makers since December 2025); it halves the weight of China's magnet-export licence "
               "on its paths. Blank or no: it does not.", YesNo),
    ),
    TableName.PATHS: (
        Column("part_number", Kind.PART_REF, "The part this supply path delivers (from Parts).",
               required=True),
        Column("supplier_id", Kind.SUPPLIER_REF, "The supplier on this path (from Suppliers).",
               required=True),
        Column("share_pct", Kind.SHARE,
               "Share of the part's volume on this path, 0–100; a part's paths add up to 100.", required=True,
               decimals=2),
        Column("mine_country", Kind.COUNTRY, "Country where the ore is mined. " + _COUNTRY_HINT + _STAGE_HINT,
               blank_text="unknown"),
        Column("separation_country", Kind.COUNTRY,
               "Country where rare earths are separated and refined. " + _COUNTRY_HINT + _STAGE_HINT,
               blank_text="unknown"),
        Column("metal_country", Kind.COUNTRY,
               "Country where metal or alloy is made. " + _COUNTRY_HINT + _STAGE_HINT, blank_text="unknown"),
        Column("magnet_country", Kind.COUNTRY,
               "Country where the magnet is made. " + _COUNTRY_HINT + _STAGE_HINT, blank_text="unknown"),
        Column("origin_evidence", Kind.ENUM,
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
assert {c.key for table in COLUMNS.values() for c in table if c.kind in (Kind.NUMBER, Kind.SHARE)} == \
    set(NUMBER_COLUMNS) - {"wt_pct"}, "numeric columns follow riskdesk.core.domain.NUMBER_COLUMNS"


class CellError(ValueError):
    """A value the user typed that cannot go into the cell; the message says what to enter."""




def parse_number(text: object, kind: NumberKind = NumberKind.PLAIN) -> float:
    """A number as people type it ("1,200", "1.200,5", "3,5", "12 %", "1.5 kg" in a mass column), read by the same
    parser as the importer (riskdesk.core.numbers). Blank → NaN. Raises CellError."""
    try:
        return read_number(text, kind)
    except ValueError as exc:
        raise CellError(str(exc)) from None


def parse_cell(column: Column, raw: object) -> Any:
    """The typed value for `column` from what the user typed or pasted. Raises CellError."""
    text = "" if raw is None else str(raw).strip()
    if column.kind in (Kind.NUMBER, Kind.SHARE):
        kind = column.number
        try:
            value = parse_number(raw if isinstance(raw, int | float) else text, kind)
        except CellError as exc:
            raise CellError(f"{column.title}: {exc}. Enter a number such as 12.5"
                            + (" (units: g, kg, lb, oz)" if kind is NumberKind.MASS else "")) from None
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
        limit = NUMBER_LIMITS.get(column.key)
        if limit is not None and limit.problem(value):
            raise CellError(f"{column.title}: {limit.problem(value)}. Check the value and its unit")
        return value
    if column.kind is Kind.ENUM:
        assert column.enum is not None
        if not text and not column.required:
            return ""
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
    if column.kind in (Kind.KEY, Kind.PART_REF, Kind.SUPPLIER_REF):
        text = clean_id(text)  # invisible characters would make two ids look the same
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


class ColumnTableModel(QAbstractTableModel):
    """One project table shown read-only from per-column sequences (lists or numpy arrays), formatted lazily.

    `values[c][r]` is column `c` of row `r`: floats (NaN for blank) in number columns, str elsewhere. Subclasses
    map view rows to stored rows (`frame_row`) and add editing."""

    def __init__(self, table: TableName, country_name: Callable[[str], str] | None = None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.table = table
        self.columns: tuple[Column, ...] = COLUMNS[table]
        self._arrays: list[Sequence[Any]] = []
        self._country_name = country_name
        self._country_names: dict[str, str] = {}
        """Explicit cache of country names; cleared when the rows are replaced."""
        self._italic = QFont()
        self._italic.setItalic(True)

    def set_records(self, records: Sequence[Sequence[Any]]) -> None:
        """Show `records`, one tuple per row in the order of `self.columns` (None for a blank)."""
        self.beginResetModel()
        numeric = [c.kind in (Kind.NUMBER, Kind.SHARE) for c in self.columns]
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

    def _display_text(self, column: Column, value: Any) -> str:
        if column.kind in (Kind.NUMBER, Kind.SHARE):
            return format_number(float(value), column)
        if not value and column.blank_text:
            return column.blank_text
        if column.kind is Kind.COUNTRY:
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
