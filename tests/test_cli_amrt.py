"""A genuine RMI AMRT 1.3 read back as a supplier's declaration (issue 23): `riskdesk import PROJECT amrt.xlsx`
recognises it, takes its Rare Earth Elements smelter rows as separation countries and its mine rows as mine
countries (the metal/alloy and magnet stages, which it does not ask for, stay as they were), and changes only that
supplier's paths of the parts its Product List names. The workbook is written
with openpyxl as the template lays it out (tests/helpers/amrt.py says where that layout comes from)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from riskdesk.cli import EXIT_INVALID, EXIT_OK
from riskdesk.io.store import open_store
from tests.helpers.amrt import EFFECTIVE, write_amrt
from tests.helpers.cli import run

LYNAS = {"metal": "Rare Earth Elements", "lookup": "Smelter not listed", "name": "Lynas Malaysia Sdn Bhd",
         "country": "Malaysia", "id": "", "mine_country": ""}
ALUMINIUM = {"metal": "Aluminum", "lookup": "Smelter not listed", "name": "Alouette", "country": "Canada"}
MOUNT_WELD = {"metal": "Rare Earth Elements", "smelter": "Lynas Malaysia Sdn Bhd", "name": "Mount Weld",
              "country": "Australia"}
STAGES = ("share_pct", "mine_country", "separation_country", "metal_country", "magnet_country", "origin_evidence")


def _paths(project: Path) -> list[dict[str, object]]:
    return open_store(project).read()[0].tables.paths.to_dict("records")


def _of(paths: list[dict[str, object]], part: str, supplier: str) -> list[tuple[object, ...]]:
    return [tuple(p[k] for k in STAGES) for p in paths if (p["part_number"], p["supplier_id"]) == (part, supplier)]


def test_an_amrt_sets_separation_and_mine_countries_of_that_suppliers_paths_of_its_products_only(demo, tmp_path,
                                                                                                   capsys):
    before = _paths(demo)
    amrt = write_amrt(tmp_path / "hokuriku-2026-11-30.xlsx", smelters=[LYNAS, ALUMINIUM], mines=[MOUNT_WELD],
                      products=[("HK-123", "LDR-MIR-2"), ("HK-456", "EPS-MTR-8")])
    code, stdout, err = run(capsys, "import", demo, amrt)
    assert code == EXIT_OK, err
    assert "imported AMRT AMRT-" in stdout and "from SUP-JP1: 2 of 2 parts answered" in stdout
    assert "names no metal/alloy or magnet country: those stages stay as the supplier's paths had them" in stdout
    after = _paths(demo)
    # the separator in Malaysia fed by Mount Weld; the aluminium smelter is no rare-earth source
    # the metal/alloy and magnet countries, which an AMRT does not ask for, stay as they were (JP)
    assert _of(after, "LDR-MIR-2", "SUP-JP1") == [(50.0, "AU", "MY", "JP", "JP", "declared")]
    assert _of(after, "EPS-MTR-8", "SUP-JP1") == [(100.0, "AU", "MY", "JP", "JP", "declared")]
    answered = {("LDR-MIR-2", "SUP-JP1"), ("EPS-MTR-8", "SUP-JP1")}
    assert [p for p in after if (p["part_number"], p["supplier_id"]) not in answered] == \
        [p for p in before if (p["part_number"], p["supplier_id"]) not in answered]
    project = open_store(demo).read()[0]
    (request,) = project.declarations.requests  # no request was sent: the AMRT is kept under one of its own
    assert request.request_id.startswith("AMRT-") and request.supplier_id == "SUP-JP1"
    answer = request.answers[-1]
    assert (answer.kind, answer.effective_date, answer.parts) == ("AMRT", EFFECTIVE, ("LDR-MIR-2", "EPS-MTR-8"))
    assert [(f.kind, f.name, f.country) for f in answer.facilities] == [
        ("smelter", "Lynas Malaysia Sdn Bhd", "MY"), ("mine", "Mount Weld", "AU")]
    listed = json.loads(run(capsys, "requests", demo, "--json")[1])["requests"]
    assert [(r["request_id"], r["parts_answered"], r["parts_asked"]) for r in listed] == [
        (request.request_id, 2, 2)]


def test_an_amrt_without_requester_numbers_answers_the_open_request_for_every_part_of_its_supplier(demo, tmp_path,
                                                                                                    capsys):
    code, stdout, err = run(capsys, "request", demo, tmp_path / "out", "--supplier", "SUP-JP1")
    assert code == EXIT_OK, err
    before = _paths(demo)
    smelters = [LYNAS, {**LYNAS, "name": "Baotou Separation", "country": "CN", "mine_country": "China"},
                {**LYNAS, "name": "Lynas (second line)", "mine_country": "Australia; China"},
                {**LYNAS, "name": "KSM", "country": "Korea, Republic of", "mine_country": "Korea, Republic of"}]
    # the company is named otherwise here, but its unique ID is our supplier id
    amrt = write_amrt(tmp_path / "amrt.xlsx", company="Hokuriku Jiki KK", company_id="SUP-JP1", smelters=smelters,
                      products=[("HK-123", "")], effective=dt.datetime(2026, 11, 30))
    code, stdout, err = run(capsys, "import", demo, amrt)
    assert code == EXIT_OK, err
    project = open_store(demo).read()[0]
    (request,) = project.declarations.requests
    assert request.request_id.startswith("RMD-") and request.parts_answered == request.parts
    assert "gives no Requester Product Number" in stdout
    after = _paths(demo)
    # five distinct (mine, separation) sources, no quantities: the supplier's 30 % of the part split equally
    assert _of(after, "MTR-TRAC-200", "SUP-JP1") == [(6.0, "", "MY", "JP", "JP", "declared"),
                                                     (6.0, "CN", "CN", "JP", "JP", "declared"),
                                                     (6.0, "AU", "MY", "JP", "JP", "declared"),
                                                     (6.0, "CN", "MY", "JP", "JP", "declared"),
                                                     (6.0, "KR", "KR", "JP", "JP", "declared")]
    assert _of(after, "MTR-TRAC-200", "SUP-CN1") == _of(before, "MTR-TRAC-200", "SUP-CN1")


@pytest.mark.parametrize(("change", "said"), [
    ({"company": "Acme Magnets"}, "sheet 'Declaration', row 8, column 'D': is not the name of a supplier of this "
     "project (value 'Acme Magnets')"),
    ({"products": [("HK-1", "MTR-XXX")]}, "sheet 'Product List', row 6, column 'D': is not a part SUP-JP1 delivers "
     "in this project (value 'MTR-XXX')"),
    ({"smelters": [{**LYNAS, "country": "Atlantis"}]}, "sheet 'Smelter List', row 5, column 'E': is not a country "
     "RiskDesk knows (value 'Atlantis')"),
    ({"effective": "last autumn"}, "sheet 'Declaration', row 27, column 'D': is not an effective date (value "
     "'last autumn')"),
    ({"smelters": [ALUMINIUM], "mines": []}, "names no Rare Earth Elements smelter or mine"),
])
def test_an_amrt_with_a_problem_names_sheet_row_column_and_value_and_changes_nothing(demo, tmp_path, capsys, change,
                                                                                       said):
    values = {"smelters": [LYNAS], "mines": [MOUNT_WELD], "products": [("HK-123", "LDR-MIR-2")], **change}
    amrt = write_amrt(tmp_path / "amrt.xlsx", **values)
    state = open_store(demo).read()[1]
    code, _, err = run(capsys, "import", demo, amrt)
    assert code == EXIT_INVALID, err
    assert said in err and "is unchanged" in err
    assert len(err.strip().splitlines()) == 2  # the one problem, and that nothing was imported
    assert open_store(demo).read()[1] == state
