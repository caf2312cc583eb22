"""A keyed merge changes only what an import speaks for; its change set, applied and undone, gives the merged and
the original tables back."""

from __future__ import annotations

import copy

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from riskdesk.core.edits import diff_tables
from riskdesk.core.merge import MergeScope, merge_tables
from riskdesk.core.project import Project, ProjectTables
from tests.helpers.builders import PartSpec, PathSpec, project_of, shown


def _two_suppliers() -> ProjectTables:
    """Part P1 bought 60 % from supplier A (Chinese mine) and 40 % from supplier B (Australian)."""
    return project_of(PartSpec("P1", paths=[PathSpec("A", 60.0, mine="CN"), PathSpec("B", 40.0, mine="AU")]),
                      PartSpec("P2", paths=[PathSpec("B", 100.0)])).tables


def _answer(mine: str = "MY", share: float = 60.0) -> ProjectTables:
    """Supplier A's answer for P1: its path only."""
    return project_of(PartSpec("P1", paths=[PathSpec("A", share, mine=mine)])).tables


def test_an_answer_from_one_supplier_never_deletes_another_suppliers_path_of_the_part():
    base = _two_suppliers()
    merged = merge_tables(base, _answer())
    p1 = merged.paths[merged.paths["part_number"] == "P1"].set_index("supplier_id")
    assert sorted(p1.index) == ["A", "B"]
    assert p1.loc["A", "mine_country"] == "MY" and p1.loc["B", "mine_country"] == "AU"
    assert p1.loc["B", "row_id"] == base.paths.loc[1, "row_id"]  # B's path untouched, id and all
    assert p1.loc["A", "row_id"] == base.paths.loc[0, "row_id"]  # A's path updated in place, keeping its id
    assert merged.validate() == []


def test_a_complete_bom_may_say_it_replaces_its_parts_whole_supply():
    merged = merge_tables(_two_suppliers(), _answer(share=100.0), MergeScope(replace_parts=True))
    assert merged.paths[merged.paths["part_number"] == "P1"]["supplier_id"].tolist() == ["A"]
    assert set(merged.paths["part_number"]) == {"P1", "P2"}  # P2 was not in the file: kept


def test_fields_the_import_does_not_bring_keep_their_values():
    base = _two_suppliers()
    incoming = _answer()
    incoming.parts.loc[0, "unit_price"] = float("nan")  # the file had no price column
    merged = merge_tables(base, incoming, MergeScope.speaking_for({"part_number", "supplier_id", "mine_country",
                                                                 "share_pct"}))
    assert merged.parts.loc[0, "unit_price"] == base.parts.loc[0, "unit_price"] == 10.0
    assert merged.parts.loc[0, "row_id"] == base.parts.loc[0, "row_id"]


def test_the_merge_as_a_change_set_applied_and_undone_gives_both_tables_back():
    base = _two_suppliers()
    merged = merge_tables(base, _answer())
    changes = diff_tables(base, merged, "Import A's answer")
    assert len(changes.cells) == 1 and not changes.inserts and not changes.removes  # one mine country
    project = Project(tables=base.copy())
    changes.apply_to(project)
    _same_tables(project.tables, merged)
    changes.inverted().apply_to(project)
    _same_tables(project.tables, base)


def _same_tables(a: ProjectTables, b: ProjectTables) -> None:
    for name in ("parts", "suppliers", "paths", "composition"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False, obj=name)


_countries = st.sampled_from(["CN", "AU", "MY", "JP", "US", ""])


@st.composite
def _paths(draw: st.DrawFn, suppliers: list[str]) -> list[PathSpec]:
    chosen = draw(st.lists(st.sampled_from(suppliers), min_size=0, max_size=3))
    share = 100.0 / max(1, len(chosen))
    return [PathSpec(s, share, mine=draw(_countries), magnet=draw(_countries) or "JP") for s in chosen]


@st.composite
def _tables(draw: st.DrawFn, parts: list[str]) -> ProjectTables:
    specs = [PartSpec(p, mass_g=draw(st.floats(1, 500)), paths=draw(_paths(["A", "B", "C"]))) for p in parts]
    return project_of(*specs).tables


@given(st.data())
def test_any_merge_is_a_change_set_that_applies_and_undoes_exactly(data):
    base = data.draw(_tables(["P1", "P2", "P3"]))
    incoming = data.draw(_tables(data.draw(st.lists(st.sampled_from(["P1", "P3", "P4"]), unique=True))))
    replace = data.draw(st.booleans())
    merged = merge_tables(base, incoming, MergeScope(replace_parts=replace))
    # Another supplier's paths survive unless the import replaces its parts' whole supply.
    brought = set(zip(incoming.paths["part_number"], incoming.paths["supplier_id"], strict=True))
    for part, supplier in zip(base.paths["part_number"], base.paths["supplier_id"], strict=True):
        if (part, supplier) not in brought and not (replace and part in set(incoming.parts["part_number"])):
            assert ((merged.paths["part_number"] == part) & (merged.paths["supplier_id"] == supplier)).any()
    changes = diff_tables(base, merged, "merge")
    project = Project(tables=copy.deepcopy(base))
    changes.apply_to(project)
    _same_tables(project.tables, merged)
    changes.inverted().apply_to(project)
    _same_tables(project.tables, base)
    assert shown(merged.parts)["part_number"].is_unique
