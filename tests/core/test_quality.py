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


def test_stale_and_missing_declarations_are_listed():
    import datetime as dt

    from riskdesk.core.declarations import DeclarationAnswer, DeclarationRequest, Declarations, PathOrigin

    project = project_of(
        PartSpec("P-OLD", paths=[PathSpec("SUP-OLD")]),
        PartSpec("P-LATE", paths=[PathSpec("SUP-LATE", mine="")]),
        PartSpec("P-NEVER", paths=[PathSpec("SUP-NEVER", separation=""), PathSpec("SUP-KNOWN", 0.0)]),
    )
    paths = project.tables.paths
    old_row = paths[paths["part_number"] == "P-OLD"].iloc[0]
    answer = DeclarationAnswer(dt.date(2026, 2, 1), dt.date(2026, 1, 15), "a.xlsx", "00", parts=("P-OLD",),
                               paths=(PathOrigin(old_row["row_id"], "P-OLD", "declared", ("AU", "MY", "JP", "JP")),))
    project.declarations = Declarations((
        DeclarationRequest("RMD-OLD", "SUP-OLD", dt.date(2026, 1, 2), None, ("P-OLD",), (answer,)),
        DeclarationRequest("RMD-LATE", "SUP-LATE", dt.date(2027, 1, 2), dt.date(2027, 2, 1), ("P-LATE",)),
    ))
    checks = {check.key: check for check in check_project(project, as_of=dt.date(2027, 3, 1))}
    stale = checks["stale_declarations"]
    assert stale.count == 1 and [(c.table, c.part_number, c.column) for c in stale.cells] == [
        ("paths", "P-OLD", "origin_evidence")]
    assert "2026-01-15" in stale.cells[0].value and "RMD-OLD" in stale.cells[0].value
    late = checks["overdue_declarations"]
    assert late.count == 1 and "RMD-LATE" in late.cells[0].value and late.cells[0].table == "suppliers"
    assert project.tables.suppliers.loc[late.cells[0].row, "supplier_id"] == "SUP-LATE"
    never = checks["never_asked"]
    assert [project.tables.suppliers.loc[c.row, "supplier_id"] for c in never.cells] == ["SUP-NEVER"]
    # a year earlier nothing is stale or overdue; a longer setting keeps the declaration fresh
    earlier = {check.key for check in check_project(project, as_of=dt.date(2026, 12, 1))}
    assert "stale_declarations" not in earlier and "overdue_declarations" not in earlier
    project.settings.stale_months = 24.0
    assert "stale_declarations" not in {c.key for c in check_project(project, as_of=dt.date(2027, 3, 1))}
