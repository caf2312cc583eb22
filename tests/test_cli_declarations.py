"""Supplier declarations end to end (issue 23): `riskdesk request` writes one workbook per supplier, a supplier
fills it in (with openpyxl, as its tools would, and once through LibreOffice), `riskdesk import` reads it back and
changes only that supplier's paths of the parts it answered, `riskdesk requests` says where the campaign stands."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from riskdesk.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from riskdesk.io.store import open_store
from tests.helpers.cli import run
from tests.helpers.needs import need

SHEETS = ["Instructions", "Declaration", "Product List", "Origin by Element", "Smelter List", "Mine List", "Lists"]
PRODUCT_KEYS = ["requester_part_number", "requester_part_name", "supplier_part_number", "magnet_family", "grade",
                "magnet_mass_g", "magnet_price", "currency", "magnet_maker_country", "recovery_time_weeks",
                "comments"]
ORIGIN_KEYS = ["requester_part_number", "element", "wt_pct", "share_pct", "mine_country", "separation_country",
               "metal_alloy_country", "recycled", "evidence", "evidence_document", "comments"]
JP1_ORIGINS = [
    # LDR-MIR-2: Dy from two sources (the paths follow Dy), NdPr from one
    {"requester_part_number": "LDR-MIR-2", "element": "Dy", "share_pct": 60, "mine_country": "AU",
     "separation_country": "MY", "metal_alloy_country": "JP", "evidence": "verified", "wt_pct": 4.5},
    {"requester_part_number": "LDR-MIR-2", "element": "Dy", "share_pct": 40, "mine_country": "Vietnam",
     "separation_country": "VN", "metal_alloy_country": "JP", "evidence": "declared"},
    {"requester_part_number": "LDR-MIR-2", "element": "NdPr", "share_pct": 100, "mine_country": "AU",
     "separation_country": "CN", "metal_alloy_country": "JP"},
    {"requester_part_number": "EPS-MTR-8", "element": "NdPr", "share_pct": "100 %", "mine_country": "unknown",
     "separation_country": "CN", "metal_alloy_country": "JP", "evidence": "declared"},
]


def _paths(project: Path) -> list[dict[str, object]]:
    loaded, _ = open_store(project).read()
    return loaded.tables.paths.to_dict("records")


def _request(capsys: pytest.CaptureFixture[str], demo: Path, out: Path, *extra: object) -> dict[str, str]:
    code, stdout, err = run(capsys, "request", demo, out, *extra)
    assert code == EXIT_OK, err
    return dict(re.findall(r"request (RMD-\S+) to (\S+),", stdout)[i][::-1] for i in range(stdout.count("wrote")))


def fill(workbook: Path, answer: Path, origins: list[dict[str, object]], *, effective: object = "2026-11-30",
         declaration: dict[str, object] | None = None, makers: dict[str, str] | None = None,
         reverse: bool = False, relabel: bool = False) -> Path:
    """What a supplier does: open the workbook sent, fill the Declaration, Product List and Origin by Element by
    their keys in row 1, save it under another name. `reverse` writes rows and columns in the reverse order;
    `relabel` translates the labels of row 2."""
    book = load_workbook(workbook)
    values = {"company_legal_name": "Hokuriku Magnet Works K.K.", "country": "JP", "contact_name": "Aiko Tanaka",
              "contact_email": "a.tanaka@example.jp", "effective_date": effective, "q1_contains_re_magnets": "Yes",
              **(declaration or {})}
    sheet = book["Declaration"]
    for row in range(3, sheet.max_row + 1):
        key = sheet.cell(row=row, column=1).value
        if key in values:
            sheet.cell(row=row, column=2).value = values[key]
    products = book["Product List"]
    keys = [c.value for c in products[1]]
    for row in range(3, products.max_row + 1):
        part = products.cell(row=row, column=1).value
        if makers and part in makers:
            products.cell(row=row, column=keys.index("magnet_maker_country") + 1).value = makers[part]
    origin = book["Origin by Element"]
    keys = [c.value for c in origin[1]]
    order = list(reversed(keys)) if reverse else keys
    if reverse:  # the supplier's tool wrote the columns the other way round
        for index, key in enumerate(order, start=1):
            origin.cell(row=1, column=index).value = key
            origin.cell(row=2, column=index).value = key
    rows = list(reversed(origins)) if reverse else origins
    for offset, values_of in enumerate(rows):
        for key, value in values_of.items():
            origin.cell(row=3 + offset, column=order.index(key) + 1).value = value
    if relabel:
        for ws in (products, origin):
            for cell in ws[2]:
                cell.value = f"Spalte {cell.column}"
    book.save(answer)
    return answer


def _demo_request(capsys: pytest.CaptureFixture[str], demo: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    out = tmp_path / "out"
    ids = _request(capsys, demo, out, "--due", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    return out, ids


# ---- the request ----------------------------------------------------------------------------------------------------

def test_request_writes_one_workbook_per_supplier_with_the_sheets_and_keys_of_the_template(demo, tmp_path, capsys):
    out, ids = _demo_request(capsys, demo, tmp_path)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s}.xlsx" for s in ids) and len(ids) == 7
    book = load_workbook(out / "SUP-JP1.xlsx")
    assert book.sheetnames == SHEETS
    assert book["Lists"].sheet_state == "hidden" and book["Instructions"].protection.sheet
    declaration = {book["Declaration"].cell(row=r, column=1).value: book["Declaration"].cell(row=r, column=2).value
                   for r in range(3, book["Declaration"].max_row + 1)}
    assert declaration["template_id"] == "RiskDesk-RMD" and declaration["template_version"] == "1"
    assert declaration["request_id"] == ids["SUP-JP1"] and declaration["supplier_id"] == "SUP-JP1"
    assert {"company_legal_name", "country", "contact_name", "contact_email", "effective_date",
            "q3_cn_general_licence", "q4_cn_part1_inputs_abroad", "q7_dfars_2027_ok",
            "q8_traceability_system"} <= set(declaration)
    assert [c.value for c in book["Product List"][1]] == PRODUCT_KEYS
    assert [c.value for c in book["Origin by Element"][1]] == ORIGIN_KEYS
    assert [c.value for c in book["Smelter List"][1]][:5] == ["smelter_id_input", "metal", "smelter_lookup",
                                                                "smelter_name", "smelter_country"]
    assert book["Smelter List"]["A2"].value == "Smelter Identification Number Input Column"
    prefilled = [(r[0].value, r[1].value) for r in book["Product List"].iter_rows(min_row=3)]
    assert [p for p, _ in prefilled] == ["MTR-TRAC-200", "SRV-ROB-40", "EPS-MTR-8", "LDR-MIR-2"]
    assert all(name for _, name in prefilled)
    with zipfile.ZipFile(out / "SUP-JP1.xlsx") as archive:
        sheets = {n: archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")}
    assert not any("<f>" in xml or "<f " in xml for xml in sheets.values())  # no formula anywhere
    validated = [xml for xml in sheets.values() if "<dataValidations" in xml]
    assert len(validated) >= 5 and any("Lists" in xml for xml in validated)


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(demo, tmp_path, capsys):
    project, state = open_store(demo).read()
    hostile = ['=HYPERLINK("http://x","y")', "+1 (555)", "@SUM(A1)", "-2+3"]
    parts = project.tables.parts
    for part, text in zip(["MTR-TRAC-200", "GEN-WTG-DD5", "DRN-PROP-6", "HDD-VCM-2"], hostile, strict=True):
        parts.loc[parts["part_number"] == part, "description"] = text
    open_store(demo).save(project, state)
    out = tmp_path / "out"
    _request(capsys, demo, out, "--supplier", "SUP-CN1")
    names = {r[1].value: r[1].data_type for r in load_workbook(out / "SUP-CN1.xlsx")["Product List"].iter_rows(
        min_row=3)}
    assert set(names) == set(hostile) and set(names.values()) == {"s"}
    with zipfile.ZipFile(out / "SUP-CN1.xlsx") as archive:
        assert not any(b"<f>" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))


def test_the_requests_are_recorded_in_the_project_and_listed(demo, tmp_path, capsys):
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    ids = _request(capsys, demo, tmp_path / "out", "--supplier", "SUP-JP1", "--supplier", "SUP-US1", "--due", due)
    code, out, _ = run(capsys, "requests", demo, "--json")
    assert code == EXIT_OK
    requests = json.loads(out)["requests"]
    assert [(r["request_id"], r["supplier_id"]) for r in requests] == [(ids["SUP-JP1"], "SUP-JP1"),
                                                                        (ids["SUP-US1"], "SUP-US1")]
    first = requests[0]
    assert first["sent"] == dt.date.today().isoformat() and first["due"] == due and first["answered"] is None
    assert (first["parts_answered"], first["parts_asked"], first["overdue"]) == (0, 4, False)
    later = (dt.date.today() + dt.timedelta(days=31)).isoformat()
    assert json.loads(run(capsys, "requests", demo, "--json", "--as-of", later)[1])["requests"][0]["overdue"]
    assert "SUP-US1" in run(capsys, "requests", demo)[1]


def test_a_request_to_a_supplier_the_project_lacks_is_refused_and_records_nothing(demo, tmp_path, capsys):
    code, _, err = run(capsys, "request", demo, tmp_path / "out", "--supplier", "SUP-XX")
    assert code == EXIT_USAGE and "SUP-XX" in err and err.startswith("riskdesk: ")
    assert open_store(demo).read()[0].declarations.requests == ()
    code, _, err = run(capsys, "request", demo, tmp_path / "out2", "--due", "2001-01-01")
    assert code == EXIT_USAGE and "past" in err


def test_supplier_ids_become_safe_file_names():
    from riskdesk.io.declaration_workbook import file_name

    taken: set[str] = set()
    assert file_name("SUP/017:a", taken) == "SUP_017_a.xlsx"
    assert file_name("sup/017:A", taken) == "sup_017_A-2.xlsx"  # the same name on Windows and macOS
    assert file_name("../..", taken) == "supplier.xlsx" and file_name("CON", taken) == "_CON.xlsx"


# ---- the answer ---------------------------------------------------------------------------------------------------

def _score(capsys: pytest.CaptureFixture[str], project: Path, part: str) -> float:
    data = json.loads(run(capsys, "score", project, "--json")[1])
    return next(p["score"] for p in data["parts"] if p["part_number"] == part)


def test_an_answer_changes_only_that_suppliers_paths_of_the_parts_it_answered(demo, tmp_path, capsys):
    out, ids = _demo_request(capsys, demo, tmp_path)
    before = _paths(demo)
    score_before = _score(capsys, demo, "LDR-MIR-2")
    answer = fill(out / "SUP-JP1.xlsx", tmp_path / "answer.xlsx", JP1_ORIGINS, makers={"LDR-MIR-2": "Japan"})
    code, stdout, err = run(capsys, "import", demo, answer)
    assert code == EXIT_OK, err
    assert f"declaration {ids['SUP-JP1']} from SUP-JP1: 2 of 4 parts answered" in stdout
    assert "note: part LDR-MIR-2: NdPr's separation country (CN) differs from Dy's" in stdout
    assert re.search(r"LDR-MIR-2 +score +\d+ → +\d+", stdout)  # what the answer did to the score
    after = _paths(demo)
    answered = {("LDR-MIR-2", "SUP-JP1"), ("EPS-MTR-8", "SUP-JP1")}
    untouched = [p for p in before if (p["part_number"], p["supplier_id"]) not in answered]
    assert [p for p in after if (p["part_number"], p["supplier_id"]) not in answered] == untouched
    ldr = [p for p in after if (p["part_number"], p["supplier_id"]) == ("LDR-MIR-2", "SUP-JP1")]
    assert [(p["share_pct"], p["mine_country"], p["separation_country"], p["metal_country"], p["magnet_country"],
             p["origin_evidence"]) for p in ldr] == [(30.0, "AU", "MY", "JP", "JP", "verified"),
                                                     (20.0, "VN", "VN", "JP", "JP", "declared")]
    old_ldr = next(p for p in before if (p["part_number"], p["supplier_id"]) == ("LDR-MIR-2", "SUP-JP1"))
    assert ldr[0]["row_id"] == old_ldr["row_id"]  # the path kept its identity; the second is new
    eps = [p for p in after if (p["part_number"], p["supplier_id"]) == ("EPS-MTR-8", "SUP-JP1")]
    assert [(p["share_pct"], p["mine_country"], p["separation_country"], p["magnet_country"]) for p in eps] == [
        (100.0, "", "CN", "JP")]  # no maker country given: the magnet country stays as it was
    project = open_store(demo).read()[0]
    request = project.declarations.find(ids["SUP-JP1"])
    assert request is not None and request.parts_answered == ("EPS-MTR-8", "LDR-MIR-2")
    answer_kept = request.answers[-1]
    import hashlib

    assert answer_kept.sha256 == hashlib.sha256(answer.read_bytes()).hexdigest()
    history = run(capsys, "history", demo, "--part", "LDR-MIR-2")[1]  # the history names the answer and its hash
    assert f"(declaration {ids['SUP-JP1']}: answer.xlsx (sha256 {answer_kept.sha256[:12]}…))" in history
    assert answer_kept.effective_date == dt.date(2026, 11, 30) and answer_kept.received == dt.date.today()
    from riskdesk.core.declarations import path_evidence

    evidence = path_evidence(project.declarations, project.tables.paths)
    assert {evidence[p["row_id"]].evidence for p in ldr} == {"verified", "declared"}
    assert {e.request_id for e in evidence.values()} == {ids["SUP-JP1"]} and len(evidence) == 3
    # the inferred Myanmar/China path became declared and verified sources outside China: the score falls
    assert _score(capsys, demo, "LDR-MIR-2") < score_before
    listed = json.loads(run(capsys, "requests", demo, "--json")[1])["requests"]
    jp1 = next(r for r in listed if r["supplier_id"] == "SUP-JP1")
    assert (jp1["answered"], jp1["parts_answered"], jp1["effective_date"]) == (
        dt.date.today().isoformat(), 2, "2026-11-30")


def test_an_answer_speaks_for_every_stage_of_its_paths_so_a_stage_s_own_evidence_goes(demo, tmp_path, capsys):
    out, _ = _demo_request(capsys, demo, tmp_path)
    store = open_store(demo)
    project, revision = store.read()
    paths = project.tables.paths
    own = (paths["supplier_id"] == "SUP-JP1") | (paths["supplier_id"] == "SUP-US1")
    paths.loc[own, "magnet_evidence"] = "inferred"
    store.save(project, revision)
    answer = fill(out / "SUP-JP1.xlsx", tmp_path / "answer.xlsx", JP1_ORIGINS, makers={"LDR-MIR-2": "Japan"})
    assert run(capsys, "import", demo, answer)[0] == EXIT_OK
    after = {(p["part_number"], p["supplier_id"], p["magnet_evidence"]) for p in _paths(demo)}
    assert ("LDR-MIR-2", "SUP-JP1", "") in after and ("EPS-MTR-8", "SUP-JP1", "") in after  # the answer's paths
    assert {e for part, supplier, e in after if supplier == "SUP-US1"} == {"inferred"}  # another supplier's: kept


def test_an_answer_with_rows_and_columns_reordered_and_labels_translated_imports_the_same(demo, tmp_path, capsys):
    out, _ = _demo_request(capsys, demo, tmp_path)
    shutil.copy(demo, tmp_path / "twin.rdproj")
    plain = fill(out / "SUP-JP1.xlsx", tmp_path / "plain.xlsx", JP1_ORIGINS[:2] + JP1_ORIGINS[3:])
    mixed = fill(out / "SUP-JP1.xlsx", tmp_path / "mixed.xlsx", JP1_ORIGINS[:2] + JP1_ORIGINS[3:], reverse=True,
                 relabel=True)
    assert run(capsys, "import", demo, plain)[0] == EXIT_OK
    assert run(capsys, "import", tmp_path / "twin.rdproj", mixed)[0] == EXIT_OK

    def shown(path: Path) -> list[tuple[object, ...]]:
        return sorted((p["part_number"], p["supplier_id"], p["share_pct"], p["mine_country"],
                       p["separation_country"]) for p in _paths(path))

    assert shown(demo) == shown(tmp_path / "twin.rdproj")


def test_an_answer_with_errors_names_each_and_changes_nothing(demo, tmp_path, capsys):
    out, _ = _demo_request(capsys, demo, tmp_path)
    bad = [{**JP1_ORIGINS[0], "share_pct": 50},  # Dy adds up to 90 %
           JP1_ORIGINS[1],
           {**JP1_ORIGINS[2], "separation_country": "Atlantis"},
           {**JP1_ORIGINS[3], "requester_part_number": "MTR-XXX"}]
    answer = fill(out / "SUP-JP1.xlsx", tmp_path / "bad.xlsx", bad, effective="last autumn")
    state = open_store(demo).read()[1]
    code, _, err = run(capsys, "import", demo, answer)
    assert code == EXIT_INVALID
    assert "sheet 'Origin by Element', row 5, column 'F': is not a country RiskDesk knows (value 'Atlantis')" in err
    assert "MTR-XXX" in err and "add up to 90 %" in err
    assert "sheet 'Declaration'" in err and "'last autumn'" in err and "is unchanged" in err
    assert open_store(demo).read()[1] == state


@pytest.mark.parametrize(("key", "value", "said"), [("request_id", "RMD-20000101-00000000", "not a request sent"),
                                                     ("supplier_id", "SUP-CN1", "not the supplier"),
                                                     ("template_version", "7", "template version 7")])
def test_an_answer_to_another_request_or_template_is_refused(demo, tmp_path, capsys, key, value, said):
    out, _ = _demo_request(capsys, demo, tmp_path)
    answer = fill(out / "SUP-JP1.xlsx", tmp_path / "other.xlsx", JP1_ORIGINS, declaration={key: value})
    state = open_store(demo).read()[1]
    code, _, err = run(capsys, "import", demo, answer)
    assert code == EXIT_INVALID and said in err and "sheet 'Declaration'" in err
    assert open_store(demo).read()[1] == state


def test_a_hostile_answer_workbook_is_refused_like_any_hostile_file(demo, tmp_path, capsys):
    out, _ = _demo_request(capsys, demo, tmp_path)
    answer = fill(out / "SUP-JP1.xlsx", tmp_path / "answer.xlsx", JP1_ORIGINS)
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(answer) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":  # an entity expansion in the Declaration sheet
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + data
            target.writestr(item, data)
    state = open_store(demo).read()[1]
    code, _, err = run(capsys, "import", demo, hostile)
    assert code == EXIT_INVALID and "hostile.xlsx" in err and "entit" in err.lower()
    assert open_store(demo).read()[1] == state


def test_an_answer_saved_by_libreoffice_imports_as_the_supplier_filled_it(demo, tmp_path, capsys):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    need(soffice is not None, "LibreOffice (soffice) is not installed: installer/ci-deps.sh installs "
         "libreoffice-calc-nogui")
    assert soffice is not None
    out, ids = _demo_request(capsys, demo, tmp_path)
    (tmp_path / "filled").mkdir()
    answer = fill(out / "SUP-JP1.xlsx", tmp_path / "filled" / "answer.xlsx", JP1_ORIGINS, makers={"LDR-MIR-2": "JP"},
                  effective=dt.date(2026, 11, 30))
    saved = tmp_path / "saved"
    done = subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                           "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(saved), str(answer)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0 and (saved / "answer.xlsx").exists(), done.stdout + done.stderr
    with zipfile.ZipFile(saved / "answer.xlsx") as archive:  # LibreOffice kept the dropdowns
        assert any(b"<dataValidation" in archive.read(n) for n in archive.namelist()
                   if n.startswith("xl/worksheets/"))
    shutil.copy(demo, tmp_path / "twin.rdproj")
    assert run(capsys, "import", tmp_path / "twin.rdproj", answer)[0] == EXIT_OK
    code, stdout, err = run(capsys, "import", demo, saved / "answer.xlsx")
    assert code == EXIT_OK, err
    assert f"declaration {ids['SUP-JP1']}" in stdout

    def shown(path: Path) -> list[tuple[object, ...]]:
        return [tuple(v for k, v in p.items() if k != "row_id") for p in _paths(path)]

    assert shown(demo) == shown(tmp_path / "twin.rdproj")
    request = open_store(demo).read()[0].declarations.find(ids["SUP-JP1"])
    assert request is not None and request.answers[-1].effective_date == dt.date(2026, 11, 30)


def test_an_answers_score_changes_are_computed_against_the_control_list_in_use(demo, tmp_path, capsys):
    """The window passes the newer control list it scores with (Rules ▸ Use a Newer List…): the answer's "score
    before → after" then agrees with the scores the window shows."""
    import dataclasses

    from riskdesk.core.evaluation import evaluate
    from riskdesk.core.reference import default_reference
    from riskdesk.core.resources import resource_path
    from riskdesk.core.rules import load_control_list
    from riskdesk.io.declaration_answer import check_answer
    from riskdesk.io.limits import ImportLimits

    text = resource_path("rules", "control_list.toml").read_text(encoding="utf-8")
    newer_file = tmp_path / "newer.toml"
    newer_file.write_text(text.replace("date = 2026-12-06", "date = 2026-12-20", 1).replace(
        "rate_pct = 25.0", "rate_pct = 50.0", 1), encoding="utf-8")
    newer = dataclasses.replace(default_reference(), control_list=load_control_list(newer_file))
    out, _ids = _demo_request(capsys, demo, tmp_path)
    answer = fill(out / "SUP-JP1.xlsx", tmp_path / "answer.xlsx", JP1_ORIGINS, makers={"LDR-MIR-2": "Japan"})
    project = open_store(demo).read()[0]

    check = check_answer(answer, project, ImportLimits(), dt.date.today(), newer)

    assert check.answer is not None and check.can_apply, check.errors
    (change,) = [s for s in check.answer.scores if s.part_number == "LDR-MIR-2"]
    as_scored = evaluate(project, dt.date.today(), reference=newer).part_report("LDR-MIR-2").score
    bundled = evaluate(project, dt.date.today()).part_report("LDR-MIR-2").score
    assert change.before == pytest.approx(as_scored) and as_scored != pytest.approx(bundled)
