"""Edits as data: a `ChangeSet` says what one edit, import or answer changes in a project, row by row.

    ChangeSet(text, source, inserts, cells, removes, wholes)

- `RowInsert` / `RowRemove`: a whole row (every stored column, its row id included) and its position in its table;
- `CellChange`: one field of one row, found by its row id, from `old` to `new`;
- `WholeChange`: a part of the project that is not a table (settings, scenarios, variants, saved mappings),
  before and after.

A change set is applied in one order — inserts (by ascending position), cells, removes (by descending position),
wholes — and `inverted()` is the change set that undoes it. The window's undo stack, the command line, the
project store (`riskdesk.io.store`: a workspace commits change sets and keeps them as its history) all use the same
change sets; `riskdesk.core.edit_rules` builds them from what the user asked, refusing what the project cannot
take. Qt-free, and free of the file format: `to_json`/`from_json` give the shape history and outboxes keep.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from riskdesk.core.fields import ROW_ID, TABLES

if TYPE_CHECKING:
    import pandas as pd

    from riskdesk.core.project import Project, ProjectTables

WHOLES: tuple[str, ...] = ("settings", "scenarios", "variants", "saved_mappings", "declarations")
"""The parts of a project a `WholeChange` replaces as a whole."""
WholeReader = Callable[[str, Any], Any]
"""(name of a whole, its JSON) → what the project holds."""


class ChangeDoesNotFit(ValueError):
    """A change set made on a project other than the one it is applied to (a row it names is not there, a value
    it changes is no longer the one it read): nothing was changed."""


class EditRefused(Exception):
    """An edit the project cannot take as a whole (a share over 100 %, a supplier still in use …): the message says
    why and what to do; nothing changed."""


@dataclass(frozen=True, slots=True)
class CellChange:
    """One field of the row `row_id` of `table` going from `old` to `new`."""

    table: str
    row_id: str
    field: str
    old: Any
    new: Any

    def inverted(self) -> CellChange:
        return CellChange(self.table, self.row_id, self.field, self.new, self.old)


@dataclass(frozen=True, slots=True)
class _RowChange:
    table: str
    position: int
    values: Mapping[str, Any]
    """The row's values by column, its row id among them."""

    @property
    def row_id(self) -> str:
        return str(self.values[ROW_ID])


@dataclass(frozen=True, slots=True)
class RowInsert(_RowChange):
    """A row put into `table` at `position`."""


@dataclass(frozen=True, slots=True)
class RowRemove(_RowChange):
    """The row at `position` of `table` taken out (its values kept, so that undo puts it back as it was)."""


@dataclass(frozen=True, slots=True)
class WholeChange:
    """A part of the project that is not a table (`WHOLES`) replaced: `old` and `new` as the project holds them
    (ProjectSettings, a list of scenarios or variants, the dict of saved mappings)."""

    name: str
    old: Any
    new: Any

    def inverted(self) -> WholeChange:
        return WholeChange(self.name, self.new, self.old)


@dataclass(frozen=True)
class ChangeSet:
    """One edit, import or answer as data (see the module docstring)."""

    text: str
    """What the user did, in their words ("Edit Share % in Supply paths", "Import bom.xlsx")."""
    inserts: tuple[RowInsert, ...] = ()
    cells: tuple[CellChange, ...] = ()
    removes: tuple[RowRemove, ...] = ()
    wholes: tuple[WholeChange, ...] = ()
    source: Mapping[str, Any] = field(default_factory=dict)
    """Where it came from, for history: {"kind": "edit" | "import" | "answer" | "undo" …, and e.g. "file",
    "sha256", "request"}."""
    id: str = field(default_factory=lambda: secrets.token_hex(16), compare=False)
    """This change set's identity (random), kept with it in history and outboxes: a change set sent twice (after a
    lost connection) is recognised."""
    base_revision: int | None = field(default=None, compare=False)
    """The revision of the project it was made on, where it is kept to be sent later (None: not recorded)."""
    _prepared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What `prepare` built of the inserts, with the tuple of inserts it was built from."""

    @property
    def empty(self) -> bool:
        return not (self.inserts or self.cells or self.removes or self.wholes)

    @property
    def tables(self) -> frozenset[str]:
        """The tables it touches."""
        return (frozenset(r.table for r in self.inserts) | frozenset(c.table for c in self.cells)
                | frozenset(r.table for r in self.removes))

    def inverted(self, text: str | None = None) -> ChangeSet:
        """The change set that undoes this one (applied after it, the project is as before)."""
        return ChangeSet(
            text if text is not None else self.text,
            inserts=tuple(sorted((RowInsert(r.table, r.position, r.values) for r in self.removes),
                                 key=lambda r: r.position)),
            cells=tuple(c.inverted() for c in reversed(self.cells)),
            removes=tuple(sorted((RowRemove(r.table, r.position, r.values) for r in self.inserts),
                                 key=lambda r: -r.position)),
            wholes=tuple(w.inverted() for w in reversed(self.wholes)),
            source={**self.source, "kind": "undo"},
        )

    def then(self, other: ChangeSet, text: str | None = None) -> ChangeSet:
        """This change set and `other` as one (`other`'s cells apply after this one's): only for change sets whose
        inserts and removes do not interleave (a paste adds rows, then sets cells)."""
        return ChangeSet(text if text is not None else self.text, self.inserts + other.inserts,
                         self.cells + other.cells, self.removes + other.removes, self.wholes + other.wholes,
                         dict(self.source))

    # ---- applying --------------------------------------------------------------------------------------------

    def apply_to(self, project: Project) -> Applied:
        """Make the change on `project` (its tables changed in place where a cell changes, replaced where rows come
        or go) and say what changed, for whoever shows the tables."""
        import numpy as np
        import pandas as pd

        from riskdesk.core.project import conform

        self.check_fits(project)
        applied = Applied()
        tables = project.tables
        for table, inserted in self._inserted().items():
            frame: pd.DataFrame = getattr(tables, table)
            positions = inserted.positions
            rows = inserted.frame
            if tuple(rows.columns) != tuple(frame.columns):
                rows = rows.reindex(columns=frame.columns)
            total = len(frame) + len(rows)
            is_new = np.zeros(total, dtype=bool)
            is_new[positions] = True
            order = np.empty(total, dtype=np.int64)
            order[~is_new] = np.arange(len(frame))
            order[is_new] = len(frame) + np.arange(len(rows))
            combined = pd.concat([frame, rows], ignore_index=True).take(order).reset_index(drop=True)
            if not _conformed_like(combined, frame):
                combined = conform(combined, tuple(frame.columns))
            setattr(tables, table, combined)
            applied.inserted[table] = positions
        by_table: dict[str, list[CellChange]] = {}
        for change in self.cells:
            by_table.setdefault(change.table, []).append(change)
        for table, changes in by_table.items():
            frame = getattr(tables, table)
            positions = row_positions(frame, [c.row_id for c in changes])
            touched = applied.cells.setdefault(table, [])
            for change, row in zip(changes, positions, strict=True):
                frame.iat[row, int(frame.columns.get_loc(change.field))] = change.new  # type: ignore[arg-type]
                touched.append((row, change.field))
        for table in TABLES:
            removes = sorted((r for r in self.removes if r.table == table), key=lambda r: -r.position)
            if not removes:
                continue
            frame = getattr(tables, table)
            keep = np.ones(len(frame), dtype=bool)
            keep[[r.position for r in removes]] = False
            setattr(tables, table, frame[keep].reset_index(drop=True))
            applied.removed[table] = [r.position for r in removes]
        for whole in self.wholes:
            setattr(project, whole.name, whole.new)
            applied.wholes.add(whole.name)
        return applied

    def prepare(self) -> ChangeSet:
        """Build now what applying needs of the inserted rows (each table's as one frame, in position order), so that
        the window's worker does it rather than the GUI thread: a 100,000-path import's rows take a tenth of a
        second to become frames. Applying without it builds them then. Returns this change set."""
        self._inserted()
        return self

    def _inserted(self) -> dict[str, _InsertedRows]:
        """The inserts of each table, built once per change set (`prepare`)."""
        built = self._prepared.get("inserts")
        if built is None or built[0] is not self.inserts:
            built = self._prepared["inserts"] = (self.inserts, {table: _InsertedRows.of(table, rows) for table, rows
                                                                 in _by_table(self.inserts).items()})
        rows: dict[str, _InsertedRows] = built[1]
        return rows

    def check_fits(self, project: Project) -> None:
        """Raise ChangeDoesNotFit (KeyError for a row id it does not hold) unless this change set can be made on
        `project` as it is: every insert's position and new row id, every cell's row and the value it changes from
        (cells apply in order, so a second change of one cell starts from the first one's value), every removed
        row at its position. `apply_to` checks first, so that it changes all or nothing."""
        tables = project.tables
        inserted_rows = self._inserted()
        for table in TABLES:
            frame: pd.DataFrame = getattr(tables, table)
            rows = inserted_rows.get(table)
            positions, new_ids = (rows.positions, rows.ids) if rows is not None else ([], [])
            ids = list(frame[ROW_ID]) if ROW_ID in frame.columns else []
            total = len(ids) + len(positions)
            if positions and (len(set(positions)) != len(positions) or positions[0] < 0 or positions[-1] >= total):
                raise ChangeDoesNotFit(f"{table}: rows cannot be put at positions {positions} of {total}")
            known = set(ids)
            if not known.isdisjoint(new_ids) or len(set(new_ids)) != len(new_ids):
                for row_id in new_ids:  # which one, for the message
                    if row_id in known:
                        raise ChangeDoesNotFit(f"{table} already has a row {row_id!r}")
                    known.add(row_id)
            removes = [r for r in self.removes if r.table == table]
            after: list[str] = []
            if removes:
                # the ids in order once the inserts are made: each inserted id at its position (they are sorted,
                # so none moves a later one), the table's own ids in the gaps
                placed: list[str | None] = [None] * total
                for position, row_id in zip(positions, new_ids, strict=True):
                    placed[position] = row_id
                own = iter(ids)
                after = [row_id if row_id is not None else next(own) for row_id in placed]
            cells = [c for c in self.cells if c.table == table]
            inserted = dict(zip(new_ids, rows.values, strict=True)) if cells and rows is not None else {}
            values: dict[tuple[str, str], Any] = {}
            at = dict(zip(ids, range(len(ids)), strict=True)) if cells else {}
            for cell in cells:
                if cell.field not in frame.columns:
                    raise ChangeDoesNotFit(f"{table} has no field {cell.field!r}")
                key = (cell.row_id, cell.field)
                if key in values:
                    current = values[key]
                elif cell.row_id in inserted:
                    current = _plain(inserted[cell.row_id].get(cell.field))
                elif cell.row_id in at:
                    current = _plain(frame[cell.field].iat[at[cell.row_id]])
                else:
                    raise KeyError(f"no row {cell.row_id!r}")
                if not _same_cell(current, cell.old):
                    raise ChangeDoesNotFit(f"{table} row {cell.row_id!r}: {cell.field} holds {current!r}, not "
                                           f"{cell.old!r}")
                values[key] = cell.new
            for remove in removes:
                if not 0 <= remove.position < len(after) or after[remove.position] != remove.row_id:
                    raise ChangeDoesNotFit(f"{table}: row {remove.row_id!r} is not at position {remove.position}")
            removed = [r.position for r in removes]
            if len(set(removed)) != len(removed):
                raise ChangeDoesNotFit(f"{table}: a row is removed twice")
        for whole in self.wholes:
            if whole.name not in WHOLES:
                raise ChangeDoesNotFit(f"a change set cannot replace {whole.name!r}")

    # ---- as JSON -----------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The change set as plain JSON (NaN as null), the shape history and outboxes keep."""
        data: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "source": dict(self.source),
            "inserts": [{"table": r.table, "position": r.position, "values": _plain_row(r.values)}
                        for r in self.inserts],
            "cells": [{"table": c.table, "row_id": c.row_id, "field": c.field, "old": _json_number(_plain(c.old)),
                       "new": _json_number(_plain(c.new))} for c in self.cells],
            "removes": [{"table": r.table, "position": r.position, "values": _plain_row(r.values)}
                        for r in self.removes],
            "wholes": [{"name": w.name, "old": whole_json(w.name, w.old), "new": whole_json(w.name, w.new)}
                       for w in self.wholes],
        }
        if self.base_revision is not None:
            data["base_revision"] = self.base_revision
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], read_whole: WholeReader | None = None) -> ChangeSet:
        """A change set from `to_json`'s shape; raises ValueError (or KeyError, TypeError) when it is not one.
        `read_whole(name, json)` turns a whole's JSON back into what the project holds; the default knows settings
        and mappings (scenarios and variants are read by the layer that knows them: riskdesk.io.store)."""
        reader = read_whole or whole_from_json
        made = cls(
            str(data["text"]),
            inserts=tuple(RowInsert(str(r["table"]), int(r["position"]), _numbers(r["values"]))
                          for r in data.get("inserts", [])),
            cells=tuple(CellChange(str(c["table"]), str(c["row_id"]), str(c["field"]), _number(c["field"], c["old"]),
                                   _number(c["field"], c["new"])) for c in data.get("cells", [])),
            removes=tuple(RowRemove(str(r["table"]), int(r["position"]), _numbers(r["values"]))
                          for r in data.get("removes", [])),
            wholes=tuple(WholeChange(str(w["name"]), reader(str(w["name"]), w["old"]),
                                     reader(str(w["name"]), w["new"])) for w in data.get("wholes", [])),
            source=dict(data.get("source", {})),
            base_revision=int(data["base_revision"]) if data.get("base_revision") is not None else None,
        )
        return replace(made, id=str(data["id"])) if data.get("id") else made


@dataclass
class Applied:
    """What applying a change set changed: cells as (position, field) per table, inserted and removed positions per
    table (in the order they were made), and the names of the wholes replaced."""

    cells: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    inserted: dict[str, list[int]] = field(default_factory=dict)
    removed: dict[str, list[int]] = field(default_factory=dict)
    wholes: set[str] = field(default_factory=set)

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(self.cells) | frozenset(self.inserted) | frozenset(self.removed)


def diff_tables(before: ProjectTables, after: ProjectTables, text: str,
                source: Mapping[str, Any] | None = None) -> ChangeSet:
    """The change set that turns `before` into `after`, row by row (rows matched by id): rows only in `after` are
    inserts, rows only in `before` removes, and the fields that differ in rows of both are cell changes. `after`
    keeps `before`'s rows in their order with new rows at the end (as `riskdesk.core.merge` builds it); ValueError
    otherwise."""
    inserts: list[RowInsert] = []
    cells: list[CellChange] = []
    removes: list[RowRemove] = []
    for table in TABLES:
        old, new = getattr(before, table), getattr(after, table)
        old_ids, new_ids = list(old[ROW_ID]), list(new[ROW_ID])
        old_at = {row_id: i for i, row_id in enumerate(old_ids)}
        kept = [row_id for row_id in new_ids if row_id in old_at]
        kept_set = set(kept)
        if kept != [row_id for row_id in old_ids if row_id in kept_set] or new_ids[:len(kept)] != kept:
            raise ValueError(f"{table}: the rows kept are not in their order, or new rows are not last")
        inserts += [RowInsert(table, len(old) + i, values)
                    for i, values in enumerate(rows_of(new, range(len(kept), len(new_ids))))]
        gone = [i for i, row_id in enumerate(old_ids) if row_id not in kept_set]
        removes += [RowRemove(table, i, values) for i, values in zip(gone, rows_of(old, gone), strict=True)]
        if not kept:
            continue
        # each column read once (a 20,000-row import compares in a fraction of a second, not cell by cell)
        was = [old_at[row_id] for row_id in kept]
        columns = [c for c in new.columns if c != ROW_ID]
        olds = [_column_values(old[column], was) for column in columns]
        news = [_column_values(new[column], range(len(kept))) for column in columns]
        for k, row_id in enumerate(kept):
            for column, old_values, new_values in zip(columns, olds, news, strict=True):
                a, b = old_values[k], new_values[k]
                if not same_value(a, b):
                    cells.append(CellChange(table, row_id, column, a, b))
    return ChangeSet(text, inserts=tuple(inserts), cells=tuple(cells),
                     removes=tuple(sorted(removes, key=lambda r: -r.position)), source=dict(source or {}))


@dataclass(frozen=True)
class _InsertedRows:
    """The rows a change set inserts into one table, in position order: where they go, their ids, their values
    and the values as one frame with RiskDesk's columns and dtypes (`riskdesk.core.tables.conform`)."""

    positions: list[int]
    ids: list[str]
    values: list[Mapping[str, Any]]
    frame: pd.DataFrame

    @classmethod
    def of(cls, table: str, inserts: Iterable[RowInsert]) -> _InsertedRows:
        import pandas as pd

        from riskdesk.core.domain import STORED_COLUMNS
        from riskdesk.core.tables import conform

        rows = sorted(inserts, key=lambda r: r.position)
        values = [r.values for r in rows]
        frame = pd.DataFrame([v if type(v) is dict else dict(v) for v in values])
        return cls([r.position for r in rows], [r.row_id for r in rows], values,
                   conform(frame, STORED_COLUMNS[table]))


def _conformed_like(combined: pd.DataFrame, frame: pd.DataFrame) -> bool:
    """Whether `combined` (a conformed `frame` with conformed rows put in) is as `conform` would leave it: the same
    columns and dtypes, and every row with an id (`conform` gives one to a row without)."""
    return (list(combined.columns) == list(frame.columns) and list(combined.dtypes) == list(frame.dtypes)
            and (ROW_ID not in combined.columns or not (combined[ROW_ID] == "").any()))


def _by_table(changes: Iterable[RowInsert]) -> dict[str, list[RowInsert]]:
    grouped: dict[str, list[RowInsert]] = {}
    for change in changes:
        grouped.setdefault(change.table, []).append(change)
    return grouped


def row_positions(frame: pd.DataFrame, row_ids: Sequence[str]) -> list[int]:
    """Where the rows with these ids are in `frame`; KeyError naming the first id it does not hold."""
    import pandas as pd

    index = pd.Index(frame[ROW_ID])
    found = index.get_indexer(list(row_ids))
    missing = [row_id for row_id, at in zip(row_ids, found, strict=True) if at < 0]
    if missing:
        raise KeyError(f"no row {missing[0]!r}")
    return [int(at) for at in found]


def row_values(frame: pd.DataFrame, position: int) -> dict[str, Any]:
    """The stored values of one row, as plain Python values."""
    return {column: _plain(frame[column].iat[position]) for column in frame.columns}


def rows_of(frame: pd.DataFrame, positions: Iterable[int]) -> list[dict[str, Any]]:
    """The stored values of these rows (as `row_values` gives each), each column read once."""
    positions = list(positions)
    if not positions:
        return []
    columns = list(frame.columns)
    values = [_column_values(frame[column], positions) for column in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _column_values(series: pd.Series, positions: Iterable[int]) -> list[Any]:
    """A column's values at `positions`, as plain Python values."""
    return [_plain(value) for value in series.iloc[list(positions)].tolist()]


def same_value(old: Any, new: Any) -> bool:
    """Whether two cell values are the same (NaN equals NaN: a blank number stays blank)."""
    if isinstance(old, float) and isinstance(new, float):
        return old == new or (math.isnan(old) and math.isnan(new))
    return bool(old == new)


def _same_cell(current: Any, old: Any) -> bool:
    """Whether a cell holds the value a change set read (a blank number is NaN or None, a blank text "")."""
    blank = (None, "")
    current = None if isinstance(current, float) and math.isnan(current) else current
    old = None if isinstance(old, float) and math.isnan(old) else _plain(old)
    if current in blank and old in blank:
        return True
    if isinstance(current, int | float) and isinstance(old, int | float) and not isinstance(current, bool):
        return float(current) == float(old)
    return bool(current == old)


def _plain(value: Any) -> Any:
    """A cell value as plain Python (numpy scalars unwrapped; NaN kept as float NaN)."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    return value


def _plain_row(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _json_number(_plain(v)) for k, v in values.items()}


def _json_number(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _number(field_name: str, value: Any) -> Any:
    """A value read back from JSON: null in a numeric field is a blank number (NaN)."""
    from riskdesk.core.fields import NUMBER_FIELDS

    if field_name in NUMBER_FIELDS:
        return math.nan if value is None else float(value)
    return value


def _numbers(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _number(k, v) for k, v in values.items()}


def whole_json(name: str, value: Any) -> Any:
    """A whole part of the project (`WHOLES`) as JSON, as change sets and the workspace keep it."""
    if name == "settings":
        return value.to_json()
    if name in ("scenarios", "variants"):
        return [item.to_json() for item in value]
    if name == "declarations":
        return value.to_json()
    return value


def whole_from_json(name: str, value: Any) -> Any:
    """A whole part of a project from a change set's JSON: the settings, saved mappings and declarations (the store's
    `read_whole` adds scenarios and variants, which the core's lower layers cannot read)."""
    if name == "settings":
        from riskdesk.core.project import ProjectSettings

        return ProjectSettings.from_json(value)
    if name == "saved_mappings":
        return dict(value)
    if name == "declarations":
        from riskdesk.core.declarations import Declarations

        return Declarations.from_json(value)
    raise ValueError(f"a change set cannot replace {name!r}")


__all__ = ["WHOLES", "Applied", "CellChange", "ChangeDoesNotFit", "ChangeSet", "EditRefused", "RowInsert",
           "RowRemove", "WholeChange", "WholeReader", "diff_tables", "row_positions", "row_values", "rows_of",
           "same_value", "whole_json"]
