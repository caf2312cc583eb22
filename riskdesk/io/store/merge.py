"""A change set made on an older revision of a project, made on top of the commits kept since: what the project
file's commit does (`riskdesk.io.store.rdproj`) with the change sets its history holds, by the same rules as a team
workspace's commit (`riskdesk.io.store.postgres`), so that both backends keep or refuse the same edits:

- a cell conflicts only when the field's value is no longer the one the change set read (`CellChange.old`): an
  edit to another field of the same row, or to another row, is kept;
- a row it removes conflicts when they changed that row; a row it edits or removes that they removed conflicts;
- a whole (settings, scenarios …) conflicts when they replaced it;
- rows it puts in or takes out go where they are now (after the rows they added before them).

A conflict refuses the whole change set with `StoreConflictError`, naming each value: theirs (who, when) and yours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from riskdesk.io.store.base import CommittedChange, Conflict, Revision, StoreConflictError, StoreError, row_name

if TYPE_CHECKING:
    from riskdesk.core.edits import ChangeSet
    from riskdesk.core.project import Project

__all__ = ["changes_on_top"]


def changes_on_top(changes: ChangeSet, project: Project, theirs: Sequence[CommittedChange], location: str,
                   now: Revision) -> ChangeSet:
    """`changes` as it is made on `project` (the revision `now`, reached from the one `changes` was made on by the
    change sets `theirs`, oldest first): its inserts and removes at their positions now. StoreConflictError when it
    changes what they changed (see the module docstring); StoreError when it does not fit at all."""
    from riskdesk.core.edits import RowInsert, RowRemove, row_values, whole_json
    from riskdesk.core.fields import ROW_ID, TABLES

    fields: dict[tuple[str, str, str], tuple[str, str]] = {}
    rows: dict[tuple[str, str], tuple[str, str]] = {}
    removed: dict[tuple[str, str], tuple[str, str, Any]] = {}
    wholes: dict[str, tuple[str, str]] = {}
    for entry in theirs:
        assert entry.changes is not None
        who = (entry.revision.by, entry.revision.at)
        for cell in entry.changes.cells:
            fields[(cell.table, cell.row_id, cell.field)] = who
            rows[(cell.table, cell.row_id)] = who
        for insert in entry.changes.inserts:
            rows[(insert.table, insert.row_id)] = who
        for remove in entry.changes.removes:
            removed[(remove.table, remove.row_id)] = (*who, remove.values)
        for whole in entry.changes.wholes:
            wholes[whole.name] = who

    def refuse(reason: str) -> StoreError:
        return StoreError(f"{location}: {changes.text!r} cannot be made on the project as it is kept ({reason}); "
                          "nothing was changed")

    positions = {table: {str(row_id): i for i, row_id in enumerate(getattr(project.tables, table)[ROW_ID])}
                 for table in TABLES}
    inserted = {(r.table, r.row_id): r.values for r in changes.inserts}
    conflicts: list[Conflict] = []
    values: dict[tuple[str, str, str], Any] = {}
    for cell in changes.cells:
        key = (cell.table, cell.row_id, cell.field)
        if key in values:
            current = values[key]
        elif (cell.table, cell.row_id) in inserted:
            current = inserted[(cell.table, cell.row_id)].get(cell.field)
        elif cell.row_id in positions.get(cell.table, {}):
            frame = getattr(project.tables, cell.table)
            if cell.field not in frame.columns:
                raise refuse(f"{cell.table} has no field {cell.field!r}")
            current = _plain(frame[cell.field].iat[positions[cell.table][cell.row_id]])
        elif (cell.table, cell.row_id) in removed:
            by, at, gone = removed[(cell.table, cell.row_id)]
            conflicts.append(Conflict(cell.table, cell.row_id, row_name(cell.table, gone), cell.field, None, cell.new,
                                      by, at))
            continue
        else:
            raise refuse(f"there is no {cell.table} row {cell.row_id!r}")
        values[key] = cell.new
        if _holds(current, cell.old):
            continue
        if key not in fields:
            raise refuse(f"{cell.table} row {cell.row_id!r}, {cell.field} holds {current!r}, not {cell.old!r}")
        frame = getattr(project.tables, cell.table)
        shown = row_values(frame, positions[cell.table][cell.row_id]) if cell.row_id in positions[cell.table] else {}
        conflicts.append(Conflict(cell.table, cell.row_id, row_name(cell.table, shown), cell.field, current, cell.new,
                                  *fields[key]))
    for remove in changes.removes:
        row = (remove.table, remove.row_id)
        if row in removed:
            by, at, gone = removed[row]
            conflicts.append(Conflict(remove.table, remove.row_id, row_name(remove.table, gone), "", None, None, by,
                                      at))
        elif remove.row_id not in positions.get(remove.table, {}):
            raise refuse(f"there is no {remove.table} row {remove.row_id!r}")
        elif row in rows:
            now_values = row_values(getattr(project.tables, remove.table), positions[remove.table][remove.row_id])
            conflicts.append(Conflict(remove.table, remove.row_id, row_name(remove.table, now_values), "",
                                      dict(now_values), None, *rows[row]))
    for whole in changes.wholes:
        if whole.name in wholes:
            conflicts.append(Conflict("wholes", whole.name, whole.name, "",
                                      whole_json(whole.name, getattr(project, whole.name)),
                                      whole_json(whole.name, whole.new), *wholes[whole.name]))
    if conflicts:
        raise StoreConflictError(location, now, tuple(conflicts))

    new_inserts: list[RowInsert] = []
    new_removes: list[RowRemove] = []
    for table in TABLES:
        ids = list(positions[table])
        ordered = sorted((r for r in changes.inserts if r.table == table), key=lambda r: r.position)
        after = list(ids)
        for i, insert in enumerate(ordered):  # after the rows that were before it when it was made, as near as kept
            before = min(max(insert.position - i, 0), len(ids))
            new_inserts.append(RowInsert(table, before + i, insert.values))
            after.insert(before + i, insert.row_id)
        index = {row_id: i for i, row_id in enumerate(after)}
        new_removes += [RowRemove(table, index[r.row_id], r.values) for r in changes.removes if r.table == table]
    return replace(changes, inserts=tuple(new_inserts), removes=tuple(new_removes))


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") and not isinstance(value, str | bytes) else value


def _holds(current: Any, old: Any) -> bool:
    """Whether a cell holds the value a change set read: a blank number (NaN, None) or text ("") is blank, numbers
    compare as numbers (as `ChangeSet.check_fits` does)."""
    current, old = _plain(current), _plain(old)
    blank = (None, "")
    current = None if isinstance(current, float) and math.isnan(current) else current
    old = None if isinstance(old, float) and math.isnan(old) else old
    if current in blank and old in blank:
        return True
    if isinstance(current, int | float) and isinstance(old, int | float) and not isinstance(current, bool):
        return float(current) == float(old)
    return bool(current == old)
