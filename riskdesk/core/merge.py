"""A keyed merge: imported tables change only what the import speaks for, row by row and field by field.

An import (a BOM, a supplier's file, a declaration answer) brings parts, suppliers, supply paths and composition
overrides. Each is matched to the project's by its key — a part by its number, a supplier by its id, a supply path
by its part and supplier, an override by its part and element — and:

- a matched row keeps its row id and its place, and takes the import's values for the fields the import speaks
  for (`MergeScope.fields`: the columns the files have, or defaults given); its other fields stay as they were;
- a row the import brings that the project lacks is added at the end of its table;
- the supply paths of a part and supplier the import brings replace that supplier's paths of that part (matched in
  order; the ones left over go); another supplier's paths of the same part are never touched — unless the import
  says it speaks for its parts' whole supply (`replace_parts`: a complete BOM), when the parts' other paths go.

Rows keep their order, new ones come last: `riskdesk.core.edits.diff_tables` then gives the change set that makes
the merge (what the window's undo and a workspace's history record).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from riskdesk.core.fields import ROW_ID, table_columns

if TYPE_CHECKING:
    import pandas as pd

    from riskdesk.core.project import ProjectTables

KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "parts": ("part_number",),
    "suppliers": ("supplier_id",),
    "paths": ("part_number", "supplier_id"),
    "composition": ("part_number", "element"),
})
"""How a row of each table is matched to the project's."""


@dataclass(frozen=True)
class MergeScope:
    """What an import speaks for. `fields`: per table, the columns whose values it brings (None: every column);
    `replace_parts`: it speaks for the whole supply of its parts, so their paths from suppliers it does not name go
    (a complete BOM re-imported); by default another supplier's paths of a part are kept."""

    fields: Mapping[str, frozenset[str]] | None = None
    replace_parts: bool = False

    def fields_of(self, table: str) -> frozenset[str]:
        every = frozenset(table_columns(table, with_id=False))
        if self.fields is None or table not in self.fields:
            return every
        return (self.fields[table] & every) | frozenset(KEYS[table])

    @classmethod
    def speaking_for(cls, spoken: Iterable[str], replace_parts: bool = False) -> MergeScope:
        """The scope of an import whose files give (or default) the fields named `spoken`."""
        names = frozenset(spoken)
        return cls({table: names for table in KEYS}, replace_parts)


def merge_tables(base: ProjectTables, incoming: ProjectTables, scope: MergeScope | None = None) -> ProjectTables:
    """`base` with `incoming` merged in (see the module docstring)."""
    from riskdesk.core.project import ProjectTables

    scope = scope or MergeScope()
    parts = _merge_keyed(base.parts, incoming.parts, "parts", scope)
    suppliers = _merge_keyed(base.suppliers, incoming.suppliers, "suppliers", scope)
    paths = _merge_paths(base.paths, incoming, scope)
    composition = _merge_keyed(base.composition, incoming.composition, "composition", scope)
    return ProjectTables.from_frames(parts, suppliers, paths, composition)


def _key_of(frame: pd.DataFrame, table: str) -> list[tuple[str, ...]]:
    return list(zip(*(frame[k].astype(str) for k in KEYS[table]), strict=True))


def _merge_keyed(base: pd.DataFrame, incoming: pd.DataFrame, table: str, scope: MergeScope) -> pd.DataFrame:
    """Rows matched one to one by key: updated in place (the fields in scope), the others appended."""
    import pandas as pd

    result = base.copy()
    if not len(incoming):
        return result
    fields = [c for c in scope.fields_of(table) if c in result.columns]
    at = {key: i for i, key in enumerate(_key_of(result, table))}
    new_rows: list[int] = []
    for key, position in zip(_key_of(incoming, table), range(len(incoming)), strict=True):
        if key in at:
            row = at[key]
            for column in fields:
                result.iat[row, result.columns.get_loc(column)] = incoming[column].iat[position]  # type: ignore[index,assignment]
        else:
            at[key] = len(result) + len(new_rows)
            new_rows.append(position)
    if new_rows:
        added = incoming.iloc[new_rows].copy()
        added[ROW_ID] = ""  # fresh ids (conform gives them): the import's ids are its own
        result = pd.concat([result, added[result.columns]], ignore_index=True)
    return result


def _merge_paths(base: pd.DataFrame, incoming: ProjectTables, scope: MergeScope) -> pd.DataFrame:
    """Supply paths keyed by (part, supplier): the import's paths of a pair replace the project's paths of that pair,
    matched in order (a matched path keeps its id and place); with `replace_parts`, paths of the imported parts from
    suppliers the import does not name go too."""
    import numpy as np
    import pandas as pd

    new = incoming.paths
    result = base.copy()
    fields = [c for c in scope.fields_of("paths") if c in result.columns]
    base_keys = _key_of(result, "paths")
    by_pair: dict[tuple[str, ...], list[int]] = {}
    for row, key in enumerate(base_keys):
        by_pair.setdefault(key, []).append(row)
    keep = np.ones(len(result), dtype=bool)
    appended: list[int] = []
    brought = _key_of(new, "paths")
    incoming_by_pair: dict[tuple[str, ...], list[int]] = {}
    for position, key in enumerate(brought):
        incoming_by_pair.setdefault(key, []).append(position)
    for key, positions in incoming_by_pair.items():
        existing = by_pair.get(key, [])
        for row, position in zip(existing, positions, strict=False):
            for column in fields:
                result.iat[row, result.columns.get_loc(column)] = new[column].iat[position]  # type: ignore[index,assignment]
        for row in existing[len(positions):]:
            keep[row] = False
        appended += positions[len(existing):]
    if scope.replace_parts:
        imported_parts = set(incoming.parts["part_number"]) | {key[0] for key in incoming_by_pair}
        for row, key in enumerate(base_keys):
            if key[0] in imported_parts and key not in incoming_by_pair:
                keep[row] = False
    result = result[keep]
    if appended:
        added = new.iloc[appended].copy()
        added[ROW_ID] = ""
        result = pd.concat([result, added[result.columns]], ignore_index=True)
    return result.reset_index(drop=True)
