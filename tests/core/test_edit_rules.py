"""The project's integrity rules as pure functions of its tables (riskdesk.core.edit_rules): each edit is a change
set or a refusal, the same for the window, the command line and a workspace. Properties: applying a change set
and then its inverse gives the tables back; whatever edits are made, no supply path names a missing part or
supplier and no part's shares exceed 100 %."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskdesk.core import edit_rules
from riskdesk.core.demo import demo_project
from riskdesk.core.edits import ChangeSet, EditRefused
from riskdesk.core.project import Project


@pytest.fixture
def project() -> Project:
    return demo_project()


def _id(project: Project, table: str, column: str, value: str, nth: int = 0) -> str:
    frame = getattr(project.tables, table)
    return str(frame.loc[frame[column] == value, "row_id"].iloc[nth])


def _made(project: Project, changes: ChangeSet) -> Project:
    changes.apply_to(project)
    return project


def test_renaming_a_part_renames_its_paths_and_composition_and_the_inverse_undoes_it(project):
    before = copy.deepcopy(project.tables)
    changes = edit_rules.edit_cells(project.tables, "parts",
                                    [(_id(project, "parts", "part_number", "LDR-MIR-2"), "part_number", "LDR-MIR-3")])
    assert changes.text == "Edit Part number in Parts" and len(changes.cells) == 1 + 2 + 2
    _made(project, changes)
    assert (project.tables.paths["part_number"] == "LDR-MIR-3").sum() == 2
    assert (project.tables.composition["part_number"] == "LDR-MIR-3").sum() == 2
    _made(project, changes.inverted())
    for name in ("parts", "paths", "composition"):
        pd.testing.assert_frame_equal(getattr(project.tables, name), getattr(before, name))


def test_a_key_used_twice_and_a_reference_to_nothing_are_refused(project):
    first = _id(project, "parts", "part_number", "MTR-TRAC-200")
    assert "already used" in str(edit_rules.cell_refusal(project.tables, "parts", first, "part_number", "ACT-FIN-07"))
    path = str(project.tables.paths["row_id"].iat[0])
    assert "There is no part 'NO-SUCH'" in str(edit_rules.cell_refusal(project.tables, "paths", path, "part_number",
                                                                        "NO-SUCH"))
    assert "no supplier" in str(edit_rules.cell_refusal(project.tables, "paths", path, "supplier_id", "NOPE"))
    assert edit_rules.cell_refusal(project.tables, "parts", first, "part_number", "MTR-TRAC-200") is None


def test_removing_a_part_removes_its_paths_and_composition_and_undo_puts_them_back_in_place(project):
    before = copy.deepcopy(project.tables)
    changes = edit_rules.remove_rows(project.tables, "parts", [_id(project, "parts", "part_number", "LDR-MIR-2")])
    assert changes.text == "Remove part and 2 supply paths"
    _made(project, changes)
    for name in ("parts", "paths", "composition"):
        assert "LDR-MIR-2" not in set(getattr(project.tables, name)["part_number"])
    _made(project, changes.inverted())
    for name in ("parts", "paths", "composition"):
        pd.testing.assert_frame_equal(getattr(project.tables, name), getattr(before, name))


def test_a_supplier_still_named_by_paths_cannot_be_removed(project):
    with pytest.raises(EditRefused, match="still named by"):
        edit_rules.remove_rows(project.tables, "suppliers", [str(project.tables.suppliers["row_id"].iat[0])])


def test_a_paste_adds_rows_and_one_bad_value_refuses_all_of_it(project):
    n = len(project.tables.suppliers)
    changes = edit_rules.paste(project.tables, "suppliers",
                               [(n, "supplier_id", "SUP-KR1"), (n, "supplier_name", "Seoul Magnet"),
                                (0, "supplier_name", "Renamed")])
    assert changes.text == "Paste 3 cells into Suppliers" and len(changes.inserts) == 1 and len(changes.cells) == 1
    with pytest.raises(EditRefused, match="Nothing was pasted: row 1: bad country; row 3: there is no"):
        edit_rules.paste(project.tables, "paths", [(2, "part_number", "NOPE")], problems=["row 1: bad country"])
    with pytest.raises(EditRefused, match="Supplier ID 'SUP-CN1' would appear more than once"):
        edit_rules.paste(project.tables, "suppliers", [(n, "supplier_id", "SUP-CN1")])


def test_shares_over_100_pct_are_refused_naming_the_part_and_short_ones_reported(project):
    paths = project.tables.paths
    ids = list(paths.loc[paths["part_number"] == "MTR-TRAC-200", "row_id"])  # 70 % + 30 %
    with pytest.raises(EditRefused, match=r"MTR-TRAC-200 would add up to 110 %"):
        edit_rules.edit_cells(project.tables, "paths", [(ids[0], "share_pct", 80.0)])
    assert edit_rules.short_shares(project.tables, [(ids[0], "share_pct", 50.0)]) == [("MTR-TRAC-200", 80.0)]


def test_a_part_number_already_used_is_refused_whoever_asks(project):
    first = str(project.tables.parts["row_id"].iat[0])
    used = project.tables.parts["part_number"].iat[1]
    with pytest.raises(EditRefused, match="already used"):
        edit_rules.edit_cells(project.tables, "parts", [(first, "part_number", used)])
    with pytest.raises(EditRefused, match="no part"):
        edit_rules.edit_cells(project.tables, "paths", [(str(project.tables.paths["row_id"].iat[0]), "part_number",
                                                         "NO-SUCH-PART")])


def test_a_new_supply_path_copies_its_neighbour_and_refuses_without_parts_or_suppliers(project):
    like = str(project.tables.paths["row_id"].iat[3])
    changes = edit_rules.add_rows(project.tables, "paths", 1, like)
    row = changes.inserts[0].values
    assert row["part_number"] == project.tables.paths["part_number"].iat[3] and row["origin_evidence"] == "unknown"
    with pytest.raises(EditRefused, match="add at least one of each"):
        edit_rules.add_rows(Project().tables, "paths")


# ---- properties ----------------------------------------------------------------------------------------------------

_EDITS = st.sampled_from(["rename part", "rename supplier", "share", "add part", "add path", "remove part",
                          "remove path", "paste supplier"])


@given(st.lists(st.tuples(_EDITS, st.integers(0, 50), st.floats(0, 100)), max_size=8))
def test_any_sequence_of_edits_undone_in_reverse_gives_the_project_back_and_keeps_it_whole(edits):
    project = demo_project()
    before = copy.deepcopy(project.tables)
    made: list[ChangeSet] = []
    for kind, pick, number in edits:
        tables = project.tables
        try:
            changes = _edit(tables, kind, pick, number)
        except EditRefused:
            continue
        changes.apply_to(project)
        made.append(changes)
        paths = project.tables.paths
        assert paths["part_number"].isin(project.tables.parts["part_number"]).all()
        assert paths["supplier_id"].isin(project.tables.suppliers["supplier_id"]).all()
        assert (paths.groupby("part_number")["share_pct"].sum() <= 100.5).all()
        assert project.tables.parts["part_number"].is_unique and project.tables.suppliers["supplier_id"].is_unique
    for changes in reversed(made):
        changes.inverted().apply_to(project)
    for name in ("parts", "suppliers", "paths", "composition"):
        pd.testing.assert_frame_equal(getattr(project.tables, name), getattr(before, name))


def _edit(tables, kind: str, pick: int, number: float) -> ChangeSet:
    def row_id(table: str) -> str:
        frame = getattr(tables, table)
        if not len(frame):
            raise EditRefused("empty")
        return str(frame["row_id"].iat[pick % len(frame)])

    if kind == "rename part":
        return edit_rules.edit_cells(tables, "parts", [(row_id("parts"), "part_number", f"R-{pick}")])
    if kind == "rename supplier":
        return edit_rules.edit_cells(tables, "suppliers", [(row_id("suppliers"), "supplier_id", f"S-{pick}")])
    if kind == "share":
        return edit_rules.edit_cells(tables, "paths", [(row_id("paths"), "share_pct", number)])
    if kind == "add part":
        return edit_rules.add_rows(tables, "parts")
    if kind == "add path":
        return edit_rules.add_rows(tables, "paths", 1, row_id("paths"))
    if kind == "remove part":
        return edit_rules.remove_rows(tables, "parts", [row_id("parts")])
    if kind == "remove path":
        return edit_rules.remove_rows(tables, "paths", [row_id("paths")])
    n = len(tables.suppliers)
    return edit_rules.paste(tables, "suppliers", [(n, "supplier_id", f"P-{pick}"), (pick % n, "supplier_name", "x")])
