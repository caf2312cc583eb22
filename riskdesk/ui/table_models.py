"""Qt table models over the project's DataFrames: thin adapters that format lazily and validate edits.

Each model shows one table of `riskdesk.core.project.ProjectTables` (parts, suppliers or supply paths). The
DataFrame stays owned by the document; the model reads it through per-column numpy arrays cached at
`set_rows()` (one vectorised pass per column, no per-row Python work) and formats only the cells Qt asks for in
`data()` (shared with the read-only `riskdesk.ui.columns.ColumnTableModel`). Sorting and filtering are done here
with numpy on whole columns (a proxy model would call `data()` millions of times for 100,000 rows); the
view-to-frame row map is the only state they add.

Edits never change the DataFrame directly: `setData()` parses and validates the text, then hands the typed value
to the model's `editor` (the document, which pushes an undoable command). A refused value changes nothing and
emits `edit_refused` with a message that says what to enter instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from PySide6.QtCore import QModelIndex, Qt, Signal

from riskdesk.core.fields import declares_recycled
from riskdesk.core.vocabulary import Feedstock
from riskdesk.ui.columns import (
    AnyIndex,
    CellError,
    ColumnTableModel,
    Kind,
    RawRole,
    SortRole,
    TableName,
    parse_cell,
)

if TYPE_CHECKING:
    import pandas as pd

    from riskdesk.core.edits import Applied

Editor = Callable[[TableName, list[tuple[int, str, Any]]], None]
"""Applies typed cell values: (table, [(frame row, column key, value), …]). The document pushes a command."""
FEEDSTOCK = "feedstock"
Checker = Callable[[TableName, int, str, Any], str | None]
"""Cross-table checks of one typed value (uniqueness, references); returns a refusal message or None."""


class DataFrameTableModel(ColumnTableModel):
    """One project table (parts, suppliers or supply paths) as a Qt model. See the module docstring."""

    edit_refused = Signal(str)
    """A value was refused; the message says why and what to enter."""

    def __init__(self, table: TableName, frame: pd.DataFrame | None = None, editor: Editor | None = None,
                 checker: Checker | None = None, country_name: Callable[[str], str] | None = None,
                 parent: Any = None) -> None:
        super().__init__(table, country_name, parent)
        self._editor = editor
        self._checker = checker
        self._frame: pd.DataFrame | None = None
        self._arrays: list[np.ndarray] = []  # type: ignore[assignment]
        self._order: np.ndarray | None = None
        """View row → frame row, when sorted or filtered; None means the frame's own order."""
        self._inverse: np.ndarray | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._filter = ""
        self._haystack: pd.Series | None = None
        """Explicit cache for filtering: each row's cells joined and case-folded; cleared on any change."""
        self._generation = 0
        """Goes up whenever the cells change, so that a search text built from older cells is not used."""
        self.last_refusal = ""
        self.read_only_reason = ""
        """Why the cells may not be edited ("" when they may): the view offers no editor then."""
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
        self._generation += 1

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

    # ---- partial updates --------------------------------------------------------------------------------------

    def cells_changed(self, cells: Iterable[tuple[int, str]]) -> None:
        """The document changed these (frame row, column key) cells in place: refresh caches, emit dataChanged."""
        assert self._frame is not None
        touched: dict[int, list[int]] = {}
        self._haystack = None
        self._generation += 1
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

    def follow(self, applied: Applied, frame: pd.DataFrame) -> None:
        """The document made a change set (riskdesk.core.edits.Applied says what changed): show `frame`, the
        table as it is now, touching no more than changed."""
        table = self.table.value
        if table in applied.removed or table in applied.inserted:
            only_appended = table not in applied.removed and applied.inserted[table] == list(
                range(len(frame) - len(applied.inserted[table]), len(frame)))
            self.rows_appended(frame) if only_appended else self.set_rows(frame)
        elif table in applied.cells:
            self.cells_changed(applied.cells[table])

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

    @property
    def search_ready(self) -> bool:
        """Whether the text that filtering searches is built (filtering is then fast: ~10 ms for 100,000 rows)."""
        return self._haystack is not None

    def search_text_builder(self) -> Callable[[object], tuple[int, pd.Series]]:
        """A task that builds the search text off the GUI thread (~0.15 s for 100,000 rows); hand its result to
        `install_search_text`."""
        assert self._frame is not None
        generation = self._generation
        columns = [(self._frame[c.key], c.kind in (Kind.NUMBER, Kind.SHARE)) for c in self.columns]
        return lambda _task: (generation, _search_text_of(columns))

    def install_search_text(self, built: tuple[int, pd.Series]) -> bool:
        """Use a search text built by `search_text_builder`, unless the cells have changed since."""
        generation, haystack = built
        if generation != self._generation:
            return False
        self._haystack = haystack
        return True

    def _search_text(self) -> pd.Series:
        if self._haystack is None:
            assert self._frame is not None
            self._haystack = _search_text_of(
                [(self._frame[c.key], c.kind in (Kind.NUMBER, Kind.SHARE)) for c in self.columns])
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

    def stored_rows(self) -> int:
        return 0 if self._frame is None else len(self._frame)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._frame is None:
            return 0
        return len(self._order) if self._order is not None else len(self._frame)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags if self.read_only_reason else flags | Qt.ItemFlag.ItemIsEditable

    def set_read_only(self, reason: str) -> None:
        """No cell is editable while there is a `reason` (the document's, e.g. a workspace's viewer)."""
        self.read_only_reason = reason
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        if self.read_only_reason:
            self.refuse(f"Not changed: {self.read_only_reason}")
            return False
        frame_row = self.frame_row(index.row())
        column = self.columns[index.column()]
        try:
            typed = self.check_value(frame_row, column.key, value)
        except CellError as exc:
            self.refuse(str(exc))
            return False
        changes = [(frame_row, column.key, typed), *self.implied(frame_row, column.key, value)]
        if self._same(self._arrays[index.column()][frame_row], typed) and len(changes) == 1:
            return True
        self.apply(changes)
        return True

    def implied(self, frame_row: int, key: str, raw: Any) -> list[tuple[int, str, Any]]:
        """Other cells of the row that a typed value also sets: "US (recycled)" as a mine country also makes the
        supply path's feedstock recycled."""
        column = self.columns[self.column_index(key)]
        if not declares_recycled(column, raw) or FEEDSTOCK not in self.frame.columns:
            return []
        if frame_row < len(self.frame) and self.frame[FEEDSTOCK].iat[frame_row] == Feedstock.RECYCLED.value:
            return []
        return [(frame_row, FEEDSTOCK, Feedstock.RECYCLED.value)]

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
            # Column labels are unique, so get_loc gives a position (the stubs also allow a slice or a mask).
            self.frame.iat[frame_row, cast(int, self.frame.columns.get_loc(key))] = typed
        self.cells_changed((frame_row, key) for frame_row, key, _ in changes)

    @staticmethod
    def _same(old: Any, new: Any) -> bool:
        if isinstance(old, float) and isinstance(new, float):
            return old == new or (math.isnan(old) and math.isnan(new))
        return bool(old == new)


def changed_cells(changes: Sequence[tuple[int, str, Any]]) -> list[tuple[int, str]]:
    return [(row, key) for row, key, _ in changes]


def _search_text_of(columns: Sequence[tuple[pd.Series, bool]]) -> pd.Series:
    """Each row's cells (series, is-number) joined and case-folded, for filtering."""
    parts = [series.astype("str") if numeric else series for series, numeric in columns]
    # pandas documents a list of Series for `others`; pandas-stubs only accepts a list of str.
    joined = parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]  # type: ignore[arg-type]
    return joined.str.casefold()
