"""A change set as history and outboxes keep it (strict JSON, its id and base revision), and applied all or
nothing: a change set made on another state of the project (a row not there, a value it changes that is no longer
the one it read) changes nothing."""

from __future__ import annotations

import json
import math

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.edits import CellChange, ChangeDoesNotFit, ChangeSet, RowInsert, RowRemove, row_values


def _suppliers_row(project, row_id: str) -> dict[str, object]:
    row = {column: "" for column in project.tables.suppliers.columns}
    row.update(row_id=row_id, supplier_id=f"SUP-{row_id}")
    return row


def test_a_blank_number_is_null_in_the_json_and_the_id_and_base_revision_come_back():
    parts = demo_project().tables.parts
    changes = ChangeSet("Clear a price", cells=(CellChange("parts", str(parts["row_id"].iat[0]), "unit_price",
                                                           math.nan, 12.5),
                                                CellChange("parts", str(parts["row_id"].iat[0]), "unit_price", 12.5,
                                                           math.nan)),
                        base_revision=7)
    text = json.dumps(changes.to_json(), allow_nan=False)  # strict JSON: PostgreSQL's jsonb refuses NaN
    again = ChangeSet.from_json(json.loads(text))
    assert json.loads(text)["cells"][0]["old"] is None and json.loads(text)["cells"][1]["new"] is None
    assert math.isnan(again.cells[0].old) and math.isnan(again.cells[1].new)
    assert again.id == changes.id and len(changes.id) == 32 and again.base_revision == 7
    assert ChangeSet("Other").id != ChangeSet("Other").id


def test_a_change_set_that_does_not_fit_changes_nothing_at_all():
    project = demo_project()
    before = project.copy()
    parts = project.tables.parts
    changes = ChangeSet("Add a supplier and edit a row that is gone",
                        inserts=(RowInsert("suppliers", len(project.tables.suppliers), _suppliers_row(project, "n1")),),
                        cells=(CellChange("parts", "no-such-row", "description", "", "x"),))
    with pytest.raises(KeyError):
        changes.apply_to(project)
    assert len(project.tables.suppliers) == len(before.tables.suppliers)  # the insert was not made either
    stale = ChangeSet("Edit what someone changed", cells=(
        CellChange("parts", str(parts["row_id"].iat[1]), "description", parts["description"].iat[1], "first"),
        CellChange("parts", str(parts["row_id"].iat[0]), "description", "not what it holds", "second")))
    with pytest.raises(ChangeDoesNotFit, match="holds"):
        stale.apply_to(project)
    assert project.tables.parts.equals(before.tables.parts)
    paths = project.tables.paths
    moved = ChangeSet("Remove a row that moved", removes=(RowRemove("paths", 1, row_values(paths, 0)),))
    with pytest.raises(ChangeDoesNotFit, match="not at position 1"):
        moved.apply_to(project)
    assert project.tables.paths.equals(before.tables.paths)


def test_cells_of_a_row_the_same_change_set_inserts_and_a_cell_changed_twice_fit():
    project = demo_project()
    suppliers = project.tables.suppliers
    parts = project.tables.parts
    row_id = str(parts["row_id"].iat[0])
    changes = ChangeSet("Paste", inserts=(RowInsert("suppliers", len(suppliers), _suppliers_row(project, "n2")),),
                        cells=(CellChange("suppliers", "n2", "supplier_name", "", "Pasted Ltd"),
                               CellChange("parts", row_id, "stock_days", parts["stock_days"].iat[0], 10.0),
                               CellChange("parts", row_id, "stock_days", 10.0, 20.0)))
    changes.apply_to(project)
    assert project.tables.suppliers["supplier_name"].iat[-1] == "Pasted Ltd"
    assert project.tables.parts["stock_days"].iat[0] == 20.0
    changes.inverted().apply_to(project)  # undo fits the project the change set left
    assert project.tables.suppliers.equals(demo_project().tables.suppliers)


def test_the_difference_of_two_projects_names_each_changed_cell_added_and_removed_row_and_makes_one_the_other():
    import pandas as pd

    from riskdesk.core.edits import diff_tables
    from riskdesk.core.tables import new_row_ids

    before = demo_project()
    after = before.copy()
    parts, paths = after.tables.parts, after.tables.paths
    parts.loc[1, "description"] = "Renamed"
    parts.loc[2, "unit_price"] = math.nan  # a number cleared
    parts.loc[4, "stock_days"] = 61.0
    kept = paths.drop(index=[0, 3]).reset_index(drop=True)  # two paths removed
    extra = paths.iloc[[5, 6]].copy()
    extra["row_id"] = new_row_ids(2)
    extra["share_pct"] = [10.0, 20.0]
    after.tables.paths = pd.concat([kept, extra], ignore_index=True)  # two added, last
    changes = diff_tables(before.tables, after.tables, "Import")
    part_id = [str(r) for r in parts["row_id"]]
    assert [(c.row_id, c.field) for c in changes.cells] == [(part_id[1], "description"), (part_id[2], "unit_price"),
                                                            (part_id[4], "stock_days")]
    assert changes.cells[1].old == before.tables.parts["unit_price"].iat[2] and math.isnan(changes.cells[1].new)
    assert [r.position for r in changes.removes] == [3, 0]
    assert [r.values for r in changes.removes] == [row_values(before.tables.paths, 3),
                                                   row_values(before.tables.paths, 0)]
    assert [(r.position, r.values) for r in changes.inserts] == [
        (len(before.tables.paths) + i, row_values(after.tables.paths, len(kept) + i)) for i in range(2)]
    made = before.copy()
    changes.apply_to(made)
    for table in ("parts", "paths", "suppliers", "composition"):
        pd.testing.assert_frame_equal(getattr(made.tables, table), getattr(after.tables, table), check_dtype=False)
    changes.inverted().apply_to(made)
    pd.testing.assert_frame_equal(made.tables.paths, before.tables.paths, check_dtype=False)
    pd.testing.assert_frame_equal(made.tables.parts, before.tables.parts, check_dtype=False)


def _paths_rows(project, positions: list[int]) -> tuple[RowInsert, ...]:
    """Copies of the first paths with new ids, put in at `positions` (counted in the table with them put in)."""
    from riskdesk.core.tables import new_row_ids

    paths = project.tables.paths
    rows = []
    for i, (position, row_id) in enumerate(zip(positions, new_row_ids(len(positions)), strict=True)):
        values = row_values(paths, i)
        values.update(row_id=row_id, share_pct=float(i), mine_country="" if i % 2 else values["mine_country"])
        rows.append(RowInsert("paths", position, values))
    return tuple(rows)


@pytest.mark.parametrize("where", ["end", "between"])
def test_a_prepared_change_set_makes_exactly_what_the_same_one_unprepared_makes(where: str) -> None:
    """The import dialog prepares its change set in a worker (`ChangeSet.prepare`) so that the GUI thread only puts
    the rows in; the project must come out the same, dtypes and all, and undo must give it back."""
    import dataclasses

    import pandas as pd

    project = demo_project()
    n = len(project.tables.paths)
    positions = [n, n + 1, n + 2] if where == "end" else [0, 2, n + 1]
    changes = ChangeSet("Import", inserts=_paths_rows(project, positions),
                        cells=(CellChange("parts", str(project.tables.parts["row_id"].iat[0]), "stock_days",
                                          project.tables.parts["stock_days"].iat[0], 33.0),))
    plain, prepared = project.copy(), project.copy()
    changes.apply_to(plain)
    again = dataclasses.replace(changes, _prepared={})
    assert again.prepare() is again
    dataclasses.replace(again, text="Import bom.xlsx").apply_to(prepared)  # as the dialog renames it
    for table in ("parts", "suppliers", "paths", "composition"):
        pd.testing.assert_frame_equal(getattr(prepared.tables, table), getattr(plain.tables, table))
    assert [prepared.tables.paths["row_id"].iat[p] for p in positions] == [r.row_id for r in changes.inserts]
    again.inverted().apply_to(prepared)
    pd.testing.assert_frame_equal(prepared.tables.paths, project.tables.paths)


def test_a_prepared_change_set_refuses_what_does_not_fit_and_a_changed_copy_uses_its_own_rows() -> None:
    import dataclasses

    project = demo_project()
    n = len(project.tables.paths)
    twice = _paths_rows(project, [n, n + 1])
    clash = ChangeSet("Import", inserts=(twice[0], dataclasses.replace(twice[1], values={
        **twice[1].values, "row_id": twice[0].row_id}))).prepare()
    with pytest.raises(ChangeDoesNotFit, match="already has a row"):
        clash.apply_to(project)
    same_place = ChangeSet("Import", inserts=(twice[0], dataclasses.replace(twice[1], position=n))).prepare()
    with pytest.raises(ChangeDoesNotFit, match="cannot be put at positions"):
        same_place.apply_to(project)
    assert len(project.tables.paths) == n
    one = ChangeSet("Import", inserts=twice).prepare()
    fewer = dataclasses.replace(one, inserts=twice[:1])  # shares the first one's preparation, not its rows
    fewer.apply_to(project)
    assert len(project.tables.paths) == n + 1 and project.tables.paths["row_id"].iat[n] == twice[0].row_id
