"""Data-quality checks: each names the cells to look at, counts what it finds, and finds nothing in clean data."""

from __future__ import annotations

import math

from riskdesk.core.quality import check_project
from tests.helpers.builders import PartSpec, PathSpec, project_of


def _by_key(project):
    return {check.key: check for check in check_project(project)}


def test_clean_data_has_nothing_to_check():
    assert _by_key(project_of(PartSpec())) == {}


def test_each_problem_is_counted_and_points_at_its_cells():
    project = project_of(
        PartSpec("P-NOPATH", paths=[]),
        PartSpec("P-SHARES", paths=[PathSpec("SUP-1", 60.0), PathSpec("SUP-2", 20.0)]),
        PartSpec("P-ZERO", mass_g=0.0, units=math.nan, stock_days=math.nan, unit_price=math.nan),
        PartSpec("P-UNKNOWN", paths=[PathSpec(mine="", separation="", evidence="inferred")]),
    )
    checks = _by_key(project)
    assert [c.part_number for c in checks["no_paths"].cells] == ["P-NOPATH"]
    assert checks["shares"].count == 1 and {c.part_number for c in checks["shares"].cells} == {"P-SHARES"}
    assert all(c.column == "share_pct" and "total 80 %" in c.value for c in checks["shares"].cells)
    assert [c.part_number for c in checks["mass"].cells] == ["P-ZERO"]
    assert [c.part_number for c in checks["volume"].cells] == ["P-ZERO"]
    assert [c.part_number for c in checks["stock"].cells] == ["P-ZERO"]
    unknown = checks["unknown_origin"]
    assert unknown.count == 1 and [c.column for c in unknown.cells] == ["mine_country", "separation_country"]
    assert checks["evidence"].cells[0].value == "inferred"
    paths = project.tables.paths
    for cell in unknown.cells:
        assert paths.loc[cell.row, "part_number"] == "P-UNKNOWN" and paths.loc[cell.row, cell.column] == ""
    assert checks["no_paths"].describe() == "1 part without a supply path"


def test_a_long_list_is_capped_but_counted_in_full():
    project = project_of(*(PartSpec(f"P-{i}", paths=[PathSpec(mine="")]) for i in range(30)))
    check = {c.key: c for c in check_project(project, max_cells=10)}["unknown_origin"]
    assert check.count == 30 and len(check.cells) == 10
