"""What an answer's Product List, Smelter List and Mine List bring (issue 23): the smelters and mines are kept
with the answer as evidence of the paths in their countries, the Product List's grade, family and magnet mass fill
the part's blank cells, wt % the composition overrides a part lacks, and price, currency and recovery time stay
with the answer; every value is checked like the other sheets'."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from openpyxl import load_workbook

from riskdesk.core.demo import demo_project
from riskdesk.core.project import Project
from riskdesk.io.declaration_answer import AnswerCheck, check_answer
from riskdesk.io.declaration_workbook import plan_workbooks, request_changes, write_workbooks
from riskdesk.io.limits import ImportLimits
from tests.test_cli_declarations import JP1_ORIGINS, fill

TODAY = dt.date(2026, 12, 6)
SMELTERS = [  # AMRT's columns (Metal, name, country, id …) and RiskDesk's stage and elements
    {"metal": "Rare Earth Elements", "smelter_name": "Lynas Malaysia", "smelter_country": "Malaysia",
     "smelter_id": "CID004387", "stage": "separation", "elements": "Dy, NdPr"},
    {"metal": "Rare Earth Elements", "smelter_name": "Shin-Etsu Takefu", "smelter_country": "JP",
     "stage": "metal/alloy", "elements": "Dy"},
    {"metal": "Rare Earth Elements", "smelter_name": "Baotou Steel RE", "smelter_country": "CN",
     "stage": "separation"},
]
MINES = [{"metal": "Rare Earth Elements", "smelter_name": "Lynas Malaysia", "mine_name": "Mount Weld",
          "mine_id": "AU-MW-1", "mine_country": "Australia"}]
PRODUCTS = {"LDR-MIR-2": {"supplier_part_number": "HK-77", "grade": "N38EH", "magnet_mass_g": "4.2",
                          "magnet_price": "0.85", "currency": "usd", "recovery_time_weeks": 14},
            "EPS-MTR-8": {"magnet_family": "NdFeB-sintered", "grade": "N44SH"}}


def _project_with_request(tmp_path: Path) -> tuple[Project, Path]:
    project = demo_project()
    (tmp_path / "out").mkdir()
    planned = plan_workbooks(project, tmp_path / "out", ["SUP-JP1"], TODAY, None, "buyer")
    write_workbooks(planned, project=None, force=True)
    request_changes(project, planned).apply_to(project)
    return project, planned[0].target


def _answer(workbook: Path, target: Path, *, smelters: list[dict[str, object]] = SMELTERS,
            mines: list[dict[str, object]] = MINES, products: dict[str, dict[str, object]] = PRODUCTS,
            origins: list[dict[str, object]] = JP1_ORIGINS) -> Path:
    fill(workbook, target, origins)
    book = load_workbook(target)
    for name, rows in (("Smelter List", smelters), ("Mine List", mines)):
        sheet = book[name]
        keys = [c.value for c in sheet[1]]
        for offset, row in enumerate(rows):
            for key, value in row.items():
                sheet.cell(row=3 + offset, column=keys.index(key) + 1).value = value
    sheet = book["Product List"]
    keys = [c.value for c in sheet[1]]
    for row in range(3, sheet.max_row + 1):
        for key, value in products.get(sheet.cell(row=row, column=1).value, {}).items():
            sheet.cell(row=row, column=keys.index(key) + 1).value = value
    book.save(target)
    return target


def _check(project: Project, answer: Path) -> AnswerCheck:
    return check_answer(answer, project, ImportLimits(), TODAY)


def test_the_smelters_and_mines_are_kept_as_evidence_of_the_paths_in_their_countries(tmp_path):
    project, workbook = _project_with_request(tmp_path)
    check = _check(project, _answer(workbook, tmp_path / "answer.xlsx"))
    assert check.can_apply, check.errors
    assert check.answer is not None
    assert [(f.kind, f.name, f.facility_id, f.country, f.stage, f.elements) for f in check.answer.facilities] == [
        ("smelter", "Lynas Malaysia", "CID004387", "MY", "separation", ("Dy", "NdPr")),
        ("smelter", "Shin-Etsu Takefu", "", "JP", "metal/alloy", ("Dy",)),
        ("smelter", "Baotou Steel RE", "", "CN", "separation", ()),
        ("mine", "Mount Weld", "AU-MW-1", "AU", "", ())]
    # LDR-MIR-2's first path: mined in AU, separated in MY, metal in JP
    origin = next(o for o in check.answer.paths if o.countries[:3] == ("AU", "MY", "JP"))
    assert [f.name for f in check.answer.facilities_of(origin.countries)] == [
        "Lynas Malaysia", "Shin-Etsu Takefu", "Mount Weld"]
    after = project.copy()
    check.changes.apply_to(after)  # type: ignore[union-attr]
    kept = after.declarations.requests[0].answers[-1]
    assert kept.facilities == check.answer.facilities  # through the project's JSON whole too
    from riskdesk.core.declarations import Declarations

    assert Declarations.from_json(after.declarations.to_json()) == after.declarations
    assert "Lynas Malaysia (CID004387), MY" in "\n".join(after.declarations.evidence_lines(
        after.tables.paths, origin.row_id, TODAY))


def test_the_product_list_fills_the_parts_blank_cells_and_keeps_price_and_recovery_time(tmp_path):
    project, workbook = _project_with_request(tmp_path)
    parts = project.tables.parts
    ldr = parts.index[parts["part_number"] == "LDR-MIR-2"][0]
    parts.loc[ldr, "grade"] = ""
    parts.loc[ldr, "magnet_mass_g"] = math.nan
    check = _check(project, _answer(workbook, tmp_path / "answer.xlsx"))
    assert check.can_apply, check.errors
    after = project.copy()
    check.changes.apply_to(after)  # type: ignore[union-attr]
    row = after.tables.parts.set_index("part_number").loc["LDR-MIR-2"]
    assert (row["grade"], row["magnet_mass_g"]) == ("N38EH", 4.2)  # blank cells filled
    eps = after.tables.parts.set_index("part_number").loc["EPS-MTR-8"]
    assert eps["grade"] == "N44SH"
    product = check.answer.product("LDR-MIR-2")  # type: ignore[union-attr]
    assert product is not None
    assert (product.magnet_price, product.currency, product.recovery_time_weeks, product.supplier_part_number) == (
        0.85, "USD", 14.0, "HK-77")
    # the Dy figure the part already has stays (a note says so); Nd… has no override: the answer gives none
    composition = after.tables.composition
    assert composition[(composition["part_number"] == "LDR-MIR-2") & (composition["element"] == "Dy")][
        "wt_pct"].tolist() == [3.2]
    assert any("Dy at 4.5 wt %" in note for note in check.notes)


def test_a_grade_the_project_holds_stays_and_a_note_names_the_difference(tmp_path):
    project, workbook = _project_with_request(tmp_path)
    check = _check(project, _answer(workbook, tmp_path / "answer.xlsx"))
    after = project.copy()
    check.changes.apply_to(after)  # type: ignore[union-attr]
    assert after.tables.parts.set_index("part_number").loc["LDR-MIR-2", "grade"] == "N35EH"
    assert any("LDR-MIR-2: the supplier declares Grade N38EH; the project's N35EH stays" in n for n in check.notes)


def test_a_wt_pct_for_an_element_the_part_has_no_figure_for_becomes_an_override(tmp_path):
    project, workbook = _project_with_request(tmp_path)
    origins = [{**o, "wt_pct": 2.5} if o["requester_part_number"] == "EPS-MTR-8" else o for o in JP1_ORIGINS]
    origins = [{**o, "element": "Nd"} if o["requester_part_number"] == "EPS-MTR-8" else o for o in origins]
    check = _check(project, _answer(workbook, tmp_path / "answer.xlsx", origins=origins))
    assert check.can_apply, check.errors
    after = project.copy()
    check.changes.apply_to(after)  # type: ignore[union-attr]
    composition = after.tables.composition
    assert composition[composition["part_number"] == "EPS-MTR-8"][["element", "wt_pct"]].values.tolist() == [
        ["Nd", 2.5]]


def test_a_bad_value_on_the_lists_is_named_by_sheet_row_column_and_value(tmp_path):
    project, workbook = _project_with_request(tmp_path)
    answer = _answer(workbook, tmp_path / "bad.xlsx",
                     smelters=[{**SMELTERS[0], "smelter_country": "Atlantis"}, {**SMELTERS[1], "stage": "mining"},
                               {**SMELTERS[2], "elements": "Dy, Unobtainium"}],
                     mines=[{**MINES[0], "mine_country": ""}],
                     products={"LDR-MIR-2": {"magnet_price": "cheap", "currency": "US Dollar",
                                             "magnet_family": "rubber", "recovery_time_weeks": 80}})
    check = _check(project, answer)
    shown = "\n".join(str(p) for p in check.errors)
    assert not check.can_apply
    for said in ("sheet 'Smelter List', row 3, column 'E': is not a country RiskDesk knows (value 'Atlantis')",
                 "sheet 'Smelter List', row 4, column 'R': is not a stage of the list (value 'mining')",
                 "sheet 'Smelter List', row 5, column 'S': 'Unobtainium' is not an element of the list",
                 "sheet 'Mine List', row 3, column 'F': mine_country is required",
                 "sheet 'Product List', row", "is not a number (value 'cheap')",
                 "is not a currency code (value 'US Dollar')", "is not a magnet family (value 'rubber')",
                 "is not between 0 and 52 (value '80')"):
        assert said in shown, said


def test_the_part_detail_shows_a_declared_paths_evidence_with_its_smelters_and_mines(tmp_path, qtbot):
    from riskdesk.core.evaluation import evaluate
    from riskdesk.ui.part_detail import PartDetailDialog

    project, workbook = _project_with_request(tmp_path)
    check = _check(project, _answer(workbook, tmp_path / "answer.xlsx"))
    check.changes.apply_to(project)  # type: ignore[union-attr]
    dialog = PartDetailDialog(evaluate(project, TODAY), project, "LDR-MIR-2", None)
    qtbot.addWidget(dialog)
    table = dialog.paths_table
    column = next(c for c in range(table.columnCount()) if table.horizontalHeaderItem(c).text() == "Evidence")
    tips = [table.item(r, column).toolTip() for r in range(table.rowCount())]
    declared = [t for t in tips if "SUP-JP1" in t]
    assert len(declared) == 2 and "separation: Lynas Malaysia (CID004387), MY" in declared[0]
    assert "mine: Mount Weld (AU-MW-1), AU" in declared[0] and "magnet price 0.85 USD" in declared[0]
    assert all("SUP-JP1" not in t for t in tips if t not in declared)  # SUP-CN2's path: no declaration
