"""The project's integrity rules for edits, as pure functions of its tables that return change sets.

What the buyer asks — set cells, add rows, remove rows, paste, import — becomes a `ChangeSet`
(`riskdesk.core.edits`) here, or an `EditRefused` saying why the project cannot take it; nothing here changes the
tables. The rules:

- keys (part number, supplier id) are unique and not empty;
- a supply path names a part and a supplier that exist; renaming a part or supplier renames the references to it
  (supply paths, composition overrides) in the same change set;
- a supplier that supply paths still name cannot be removed; removing a part removes its supply paths and
  composition overrides;
- a part's supply-path shares never add up to more than 100 % (under 100 % is allowed: the rest counts as of
  unknown origin, and `short_shares` says which parts are short);
- a paste is checked whole: one bad value refuses all of it.

The window (its undo stack), the command line and a shared workspace use the same functions, so the same edit is
refused or made the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from riskdesk.core.cells import count
from riskdesk.core.edits import (
    CellChange,
    ChangeSet,
    EditRefused,
    RowInsert,
    RowRemove,
    row_positions,
    row_values,
    same_value,
)
from riskdesk.core.fields import ROW_ID, FieldKind, field, table_fields
from riskdesk.core.project import ProjectTables, share_problem

if TYPE_CHECKING:
    import pandas as pd

TABLE_TITLES: Mapping[str, tuple[str, str]] = {
    "parts": ("Parts", "part"),
    "suppliers": ("Suppliers", "supplier"),
    "paths": ("Supply paths", "supply path"),
    "composition": ("Composition", "composition override"),
}
"""Table → (its title, the noun for one row), in the buyer's words."""

EDITABLE: tuple[str, ...] = ("parts", "suppliers", "paths")
"""The tables the buyer edits cell by cell."""

_RENAMES: Mapping[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("parts", "part_number"): (("paths", "part_number"), ("composition", "part_number")),
    ("suppliers", "supplier_id"): (("paths", "supplier_id"),),
}
"""A key renamed in its table → the (table, field) pairs that refer to it."""

Cell = tuple[str, str, Any]
"""(row id, field, typed value): one cell as an edit names it."""


def _frame(tables: ProjectTables, table: str) -> pd.DataFrame:
    frame: pd.DataFrame = getattr(tables, table)
    return frame


def _key(table: str) -> str | None:
    """The field that identifies a row of `table` for the buyer (None for supply paths)."""
    return next((f.key for f in table_fields(table) if f.kind is FieldKind.KEY), None)


# ---- one cell ------------------------------------------------------------------------------------------------------

def cell_refusal(tables: ProjectTables, table: str, row_id: str | None, key: str, value: Any) -> str | None:
    """Why this typed value cannot go into the cell (a key used by another row, a part or supplier that does not
    exist, shares over 100 %), or None. `row_id` None: a row about to be added."""
    spec = field(table, key)
    noun = TABLE_TITLES[table][1]
    if spec.kind is FieldKind.KEY:
        frame = _frame(tables, table)
        same = frame.index[(frame[key] == value) & (frame[ROW_ID] != row_id)]
        if len(same):
            return (f"{spec.label} {value!r} is already used on row {int(same[0]) + 1}. "
                    f"Each {noun} needs its own {spec.label.lower()}")
    elif spec.kind is FieldKind.PART_REF and value not in set(tables.parts["part_number"]):
        return f"There is no part {value!r}. Add it on the Parts tab first, or import it"
    elif spec.kind is FieldKind.SUPPLIER_REF and value not in set(tables.suppliers["supplier_id"]):
        return f"There is no supplier {value!r}. Add it on the Suppliers tab first, or import it"
    if table == "paths" and key in ("share_pct", "part_number") and row_id is not None:
        return share_refusal(tables, [(row_id, key, value)])
    return None


_CHECKED_ALONE = (FieldKind.KEY, FieldKind.PART_REF, FieldKind.SUPPLIER_REF)
"""Kinds of field whose every value is checked before a change set is made of it, whoever calls (a key used twice
would merge two parts into one; a reference to nothing leaves a supply path without its part)."""


def edit_cells(tables: ProjectTables, table: str, cells: Sequence[Cell], text: str | None = None) -> ChangeSet:
    """Set typed values (already parsed and checked cell by cell) as one change set: references to a renamed key
    renamed too. Raises EditRefused when a part's shares would add up to more than 100 %."""
    for row_id, key, value in cells:
        if field(table, key).kind in _CHECKED_ALONE:
            refusal = cell_refusal(tables, table, row_id, key, value)
            if refusal:
                raise EditRefused(refusal)
    if table == "paths":
        refusal = share_refusal(tables, cells)
        if refusal:
            raise EditRefused(refusal)
    if text is None:
        title = TABLE_TITLES[table][0]
        text = (f"Edit {field(table, cells[0][1]).label} in {title}" if len(cells) == 1
                else f"Edit {len(cells)} cells in {title}")
    return ChangeSet(text, cells=tuple(_cascade(tables, table, cells)), source={"kind": "edit", "edit": "cell"})


def _cascade(tables: ProjectTables, table: str, cells: Sequence[Cell]) -> list[CellChange]:
    """The cells as CellChanges (unchanged ones left out), plus the references they rename in other tables."""
    frame = _frame(tables, table)
    positions = row_positions(frame, [row_id for row_id, _, _ in cells])
    changes: list[CellChange] = []
    for (row_id, key, new), position in zip(cells, positions, strict=True):
        old = row_values(frame, position)[key]
        if same_value(old, new):
            continue
        changes.append(CellChange(table, row_id, key, old, new))
        if old in (None, ""):
            continue
        for other, other_key in _RENAMES.get((table, key), ()):
            referring = _frame(tables, other)
            hits = referring.index[referring[other_key] == old]
            changes += [CellChange(other, str(referring[ROW_ID].iat[int(r)]), other_key, old, new) for r in hits]
    return changes


# ---- shares ------------------------------------------------------------------------------------------------------

def _shares_after(tables: ProjectTables, cells: Sequence[Cell], new_rows: pd.DataFrame | None = None
                  ) -> dict[str, float]:
    """Each touched part's supply-path share total (%) once `cells` of the Supply paths table are set (and
    `new_rows` added to it)."""
    import pandas as pd

    paths = tables.paths[[ROW_ID, "part_number", "share_pct"]].copy()
    if new_rows is not None and len(new_rows):
        paths = pd.concat([paths, new_rows[[ROW_ID, "part_number", "share_pct"]]], ignore_index=True)
    touched: set[str] = set()
    positions = dict(zip(paths[ROW_ID], range(len(paths)), strict=True))
    for row_id, key, value in cells:
        if key not in ("share_pct", "part_number") or row_id not in positions:
            continue
        row = positions[row_id]
        touched.add(str(paths["part_number"].iat[row]))
        paths.iat[row, 1 if key == "part_number" else 2] = value
        touched.add(str(paths["part_number"].iat[row]))
    if new_rows is not None:
        touched |= set(new_rows["part_number"].astype(str))
    totals = paths[paths["part_number"].isin(touched)].groupby("part_number")["share_pct"].sum()
    return {str(k): float(v) for k, v in totals.items()}


def share_refusal(tables: ProjectTables, cells: Sequence[Cell], new_rows: pd.DataFrame | None = None) -> str | None:
    """Why these supply-path cells (and added rows) are refused — a part's shares over 100 % — or None."""
    for part, total in _shares_after(tables, cells, new_rows).items():
        problem = share_problem(part, total)
        if problem is not None and problem.is_error:
            return (f"The supply-path shares of part {part} would add up to {total:g} %. Shares of one part must "
                    "add up to 100 %: lower another path's share first")
    return None


def short_shares(tables: ProjectTables, cells: Sequence[Cell]) -> list[tuple[str, float]]:
    """The parts these supply-path cells touch whose shares now add up to less than 100 % (part, total %)."""
    return [(part, total) for part, total in _shares_after(tables, cells).items()
            if (problem := share_problem(part, total)) is not None and not problem.is_error]


# ---- rows ----------------------------------------------------------------------------------------------------------

def default_rows(tables: ProjectTables, table: str, count_: int, like: str | None = None) -> pd.DataFrame:
    """`count_` new rows of `table` with the values a new row starts with (riskdesk.core.fields `new_row`): fresh
    keys ("NEW-1" …), and for supply paths the part and supplier of row `like` (by row id), else the last part and
    the first supplier. Raises EditRefused when a supply path has no part or supplier to name."""
    import pandas as pd

    from riskdesk.core.project import conform, new_row_ids

    frame = _frame(tables, table)
    data: dict[str, Any] = {spec.key: spec.new_row for spec in table_fields(table, with_id=False)}
    key = _key(table)
    if key is not None:
        prefix = "NEW-" if table == "parts" else "SUP-NEW-"
        data[key] = _fresh_keys(prefix, set(frame[key]), count_)
    if table == "paths":
        parts, suppliers = tables.parts, tables.suppliers
        if not len(parts) or not len(suppliers):
            raise EditRefused("A supply path names a part and a supplier: add at least one of each first")
        if like is not None and like in set(frame[ROW_ID]):
            position = row_positions(frame, [like])[0]
            data["part_number"], data["supplier_id"] = frame["part_number"].iat[position], frame["supplier_id"].iat[
                position]
        else:
            data["part_number"], data["supplier_id"] = parts["part_number"].iat[-1], suppliers["supplier_id"].iat[0]
    data[ROW_ID] = new_row_ids(count_)
    rows = pd.DataFrame({k: (v if isinstance(v, list) else [v] * count_) for k, v in data.items()})
    return conform(rows, tuple(frame.columns))


def add_rows(tables: ProjectTables, table: str, count_: int = 1, like: str | None = None) -> ChangeSet:
    """`count_` rows with sensible values, at the end of `table`."""
    rows = default_rows(tables, table, count_, like)
    start = len(_frame(tables, table))
    noun = TABLE_TITLES[table][1]
    return ChangeSet(f"Add {noun}" if count_ == 1 else f"Add {count_} {noun}s",
                     inserts=tuple(RowInsert(table, start + i, row_values(rows, i)) for i in range(count_)),
                     source={"kind": "edit", "edit": "rows added"})


def remove_rows(tables: ProjectTables, table: str, row_ids: Iterable[str]) -> ChangeSet:
    """Remove rows as one change set: a part with its supply paths and composition overrides. A supplier that
    supply paths still name is refused (EditRefused)."""
    frame = _frame(tables, table)
    positions = sorted(set(row_positions(frame, list(row_ids))))
    noun = TABLE_TITLES[table][1]
    text = f"Remove {noun}" if len(positions) == 1 else f"Remove {len(positions)} {noun}s"
    if table == "suppliers":
        ids = set(frame["supplier_id"].iloc[positions])
        used = tables.paths["supplier_id"].isin(ids)
        if used.any():
            named = sorted(set(tables.paths["supplier_id"][used]))
            raise EditRefused(f"Supplier {', '.join(named[:3])}{' …' if len(named) > 3 else ''} is still named by "
                              f"{count(int(used.sum()), 'supply path')}. Remove or reassign those paths first")
    removes = [RowRemove(table, p, row_values(frame, p)) for p in positions]
    if table == "parts":
        numbers = set(frame["part_number"].iloc[positions])
        for other in ("paths", "composition"):
            referring = _frame(tables, other)
            hits = [int(p) for p in referring.index[referring["part_number"].isin(numbers)]]
            removes += [RowRemove(other, p, row_values(referring, p)) for p in hits]
            if other == "paths" and hits:
                text += f" and {count(len(hits), 'supply path')}"
    return ChangeSet(text, removes=tuple(sorted(removes, key=lambda r: -r.position)),
                     source={"kind": "edit", "edit": "rows removed"})


def paste(tables: ProjectTables, table: str, typed: Sequence[tuple[int, str, Any]], problems: Sequence[str] = (),
          action: str = "paste") -> ChangeSet:
    """Pasted (or cleared) values, already parsed: (position in the table, field, value), positions at or past
    the end adding rows. Checked whole: any problem — one met parsing (`problems`), a reference to a part or
    supplier that does not exist, a key twice, shares over 100 % — refuses all of it (EditRefused listing up to
    three). `action` "clear" words the refusal and the change's text for emptying cells (Delete, Cut)."""
    import numpy as np

    refused, verb = ("Nothing was cleared", "Clear") if action == "clear" else ("Nothing was pasted", "Paste")
    frame = _frame(tables, table)
    n = len(frame)
    added = max((row for row, _, _ in typed), default=-1) + 1 - n
    new_rows = default_rows(tables, table, added) if added > 0 else None
    found = list(problems)
    for row, key, value in typed:
        kind = field(table, key).kind
        if kind is FieldKind.PART_REF and value not in set(tables.parts["part_number"]):
            found.append(f"row {row + 1}: there is no part {value!r}")
        elif kind is FieldKind.SUPPLIER_REF and value not in set(tables.suppliers["supplier_id"]):
            found.append(f"row {row + 1}: there is no supplier {value!r}")
    key_field = _key(table)
    if key_field is not None:
        final = frame[key_field].to_numpy(dtype=object).copy()
        if new_rows is not None:
            final = np.concatenate([final, new_rows[key_field].to_numpy(dtype=object)])
        for row, key, value in typed:
            if key == key_field:
                final[row] = value
        values, counts = np.unique(final.astype(str), return_counts=True)
        label = field(table, key_field).label
        found += [f"{label} {str(value)!r} would appear more than once" for value in values[counts > 1][:3]]
    if new_rows is not None:
        for row, key, value in typed:
            if row >= n:
                new_rows.iat[row - n, int(new_rows.columns.get_loc(key))] = value  # type: ignore[arg-type]
    existing = [(str(frame[ROW_ID].iat[row]), key, value) for row, key, value in typed if row < n]
    if table == "paths" and not found:
        refusal = share_refusal(tables, existing, new_rows)
        if refusal:
            found.append(refusal)
    if found:
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        raise EditRefused(f"{refused}: " + "; ".join(found[:3]) + more)
    text = f"{verb} {count(len(typed), 'cell')}" + (" in " if action == "clear" else " into ") + TABLE_TITLES[table][0]
    inserts = tuple(RowInsert(table, n + i, row_values(new_rows, i)) for i in range(added)) if new_rows is not None \
        else ()
    return ChangeSet(text, inserts=inserts, cells=tuple(_cascade(tables, table, existing)),
                     source={"kind": "edit", "edit": "paste"})


def _fresh_keys(prefix: str, taken: set[str], count_: int) -> list[str]:
    keys: list[str] = []
    n = 1
    while len(keys) < count_:
        candidate = f"{prefix}{n}"
        if candidate not in taken:
            keys.append(candidate)
        n += 1
    return keys
