"""Checks across rows and files, the documented defaults, and the template and report workbooks."""

from __future__ import annotations

import openpyxl

from riskdesk.core.domain import TEMPLATE_COLUMNS
from riskdesk.core.problems import Severity, error, warning
from riskdesk.io.importer import propose, read_and_validate
from riskdesk.io.template import TEMPLATE_HEADERS, write_problem_report, write_template
from tests.io.helpers import template_rows, write_csv, write_openpyxl, write_xlsxwriter


def test_conflicting_part_values_on_two_rows_name_both_rows(tmp_path):
    rows = template_rows({"supplier_id": "S1", "share_pct": 50},
                         {"supplier_id": "S2", "share_pct": 50, "magnet_mass_g": 125.0})
    result = read_and_validate([write_xlsxwriter(tmp_path / "c.xlsx", rows)])
    (problem,) = result.errors
    assert problem.row == 3 and problem.column == "magnet_mass_g" and problem.value == "125"
    assert problem.message == "part P-1 has Magnet g/unit (magnet_mass_g) 125 here but 120 in row 2"
    assert result.tables.parts.empty and result.tables.paths.empty


def test_an_empty_repeat_of_a_part_value_is_no_conflict(tmp_path):
    rows = template_rows({"supplier_id": "S1", "share_pct": 50},
                         {"supplier_id": "S2", "share_pct": 50, "description": "", "unit_price": None})
    result = read_and_validate([write_xlsxwriter(tmp_path / "c.xlsx", rows)])
    assert result.ok, result.errors
    assert result.tables.parts["description"].tolist() == ["rotor magnet"]


def test_shares_missing_are_filled_over_100_is_an_error_and_under_100_a_warning(tmp_path):
    rows = template_rows({"part_number": "ONE", "share_pct": None},
                         {"part_number": "TWO", "supplier_id": "S1", "share_pct": None},
                         {"part_number": "TWO", "supplier_id": "S2", "share_pct": None},
                         {"part_number": "TRI", "supplier_id": "S1", "share_pct": 50},
                         {"part_number": "TRI", "supplier_id": "S2", "share_pct": None},
                         {"part_number": "TRI", "supplier_id": "S3", "share_pct": None})
    result = read_and_validate([write_xlsxwriter(tmp_path / "s.xlsx", rows)])
    assert result.ok, result.errors
    shares = result.tables.paths.groupby("part_number")["share_pct"].apply(list).to_dict()
    assert shares == {"ONE": [100.0], "TWO": [50.0, 50.0], "TRI": [50.0, 25.0, 25.0]}
    (note,) = [p for p in result.warnings if "Share % (share_pct) missing" in p.message]
    assert "5 rows: 1 single-path parts set to 100 %" in note.message

    rows = template_rows({"supplier_id": "S1", "share_pct": 70}, {"supplier_id": "S2", "share_pct": 40})
    result = read_and_validate([write_xlsxwriter(tmp_path / "off.xlsx", rows)])
    (problem,) = result.errors
    assert problem.message == "supply-path shares of part P-1 add up to 110 %" and problem.row == 2

    rows = template_rows({"supplier_id": "S1", "share_pct": 60})
    result = read_and_validate([write_xlsxwriter(tmp_path / "part.xlsx", rows)])
    assert result.ok, "a file may hold one supplier's share: the rest counts as of unknown origin"
    (note,) = [p for p in result.warnings if "add up to 60 %" in p.message]
    assert "unknown origin" in note.hint


def test_a_share_over_100_is_one_error_in_its_column(tmp_path):
    rows = template_rows({"supplier_id": "S1", "share_pct": 150})
    result = read_and_validate([write_xlsxwriter(tmp_path / "over.xlsx", rows)])
    (problem,) = [p for p in result.errors if p.value == "150" and "add up to" not in p.message]
    assert problem.message == "is more than 100 %" and problem.column == "share_pct" and problem.row == 2


def test_documented_defaults_are_one_warning_per_field_per_file(tmp_path):
    rows = [["Part No.", "Family", "Weight (g)", "Annual qty", "Supplier", "Mine"]]
    rows += [[f"P-{i}", "NdFeB-sintered", 10, 100, "Acme Magnets", "Australia" if i % 2 else ""] for i in range(6)]
    result = read_and_validate([write_openpyxl(tmp_path / "lean.xlsx", rows)])
    assert result.ok, result.errors
    messages = [p.message for p in result.warnings]
    assert "the file has no column for End use (end_use): 6 rows set to 'other'" in messages
    assert ("the file has no column for Stock days (stock_days): 6 rows left empty (the buffer factor assumes no "
            "stock)") in messages
    assert ("the file has no column for Evidence (origin_evidence): 3 rows with a stage country set to 'declared', "
            "3 without any set to 'unknown'") in messages
    assert sum("(supplier_id) derived" in m for m in messages) == 1
    parts = result.tables.parts
    assert set(parts["end_use"]) == {"other"} and parts["stock_days"].isna().all() and set(parts["grade"]) == {""}
    paths = result.tables.paths.sort_values("part_number")
    assert paths["origin_evidence"].tolist() == ["unknown", "declared"] * 3
    assert set(result.tables.suppliers["supplier_id"]) == {"ACME-MAGNETS"}


def test_missing_required_column_and_values_are_errors(tmp_path):
    rows = [["Part No.", "Family", "Annual qty", "Supplier"], ["P-1", "NdFeB", 100, "Acme"],
            ["", "NdFeB", 100, "Acme"], ["P-3", "NdFeB", None, ""]]
    result = read_and_validate([write_openpyxl(tmp_path / "req.xlsx", rows)])
    messages = {(p.row, p.message) for p in result.errors}
    assert (None, "no column for Magnet g/unit (magnet_mass_g), which every import needs") in messages
    assert (3, "part number is missing") in messages
    assert (4, "annual units is missing") in messages
    assert (4, "supplier is missing (neither id nor name)") in messages


def test_supplier_with_two_countries_is_an_error(tmp_path):
    rows = template_rows({"part_number": "A", "supplier_country": "CN"}, {"part_number": "B", "supplier_country": "JP"})
    result = read_and_validate([write_xlsxwriter(tmp_path / "sup.xlsx", rows)])
    (problem,) = result.errors
    assert problem.message == "supplier S1 has Supplier country (supplier_country) 'JP' here but 'CN' in row 2"
    assert problem.row == 3


def test_garbage_never_raises(tmp_path):
    import random

    rng = random.Random(3)
    files = []
    for i, suffix in enumerate((".csv", ".xlsx", ".xls", ".ods", ".txt", ".tsv")):
        path = tmp_path / f"noise{i}{suffix}"
        path.write_bytes(bytes(rng.randrange(256) for _ in range(3000)))
        files.append(path)
    (tmp_path / "empty.csv").write_bytes(b"")
    files.append(tmp_path / "empty.csv")
    (tmp_path / "one.csv").write_text("just one line of text\n")
    files.append(tmp_path / "one.csv")
    files.append(tmp_path / "missing.xlsx")
    result = read_and_validate(files)
    assert not result.ok
    assert {p.file for p in result.errors} >= {f.name for f in files[:-1]} | {str(files[-1])}


def test_progress_reaches_one_and_cancel_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "p.csv", template_rows({}))
    seen: list[float] = []
    result = read_and_validate([path], progress=seen.append)
    assert result.ok and seen[-1] == 1.0 and seen == sorted(seen)
    cancelled = read_and_validate([path], cancelled=lambda: True)
    assert [p.message for p in cancelled.errors] == ["the import was cancelled"]
    assert cancelled.tables.parts.empty


def test_template_has_the_canonical_headers_and_instructions(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Supply paths", "Instructions"]
    headers = [c.value for c in workbook["Supply paths"][1]]
    assert tuple(headers[: len(TEMPLATE_COLUMNS)]) == TEMPLATE_COLUMNS
    assert tuple(headers) == TEMPLATE_HEADERS and "dy_pct" in headers and "nd_pct" in headers
    instructions = [row for row in workbook["Instructions"].iter_rows(values_only=True)]
    described = {row[0] for row in instructions if row and row[0] in TEMPLATE_HEADERS}
    assert described == set(TEMPLATE_HEADERS)
    end_use = next(row for row in instructions if row and row[0] == "end_use")
    assert "defence, automotive" in end_use[3]
    (mapping,) = propose([path])
    assert mapping.is_confident() and mapping.sheet == "Supply paths"


def test_problem_report_lists_problems_and_keeps_formula_text_as_text(tmp_path):
    rows = template_rows({"end_use": "=HYPERLINK(\"http://x\",\"click\")"})
    result = read_and_validate([write_csv(tmp_path / "f.csv", rows)])
    problems = result.problems + [warning("a warning", "do this", file="f.csv", row=9, column="c", value="v")]
    out = tmp_path / "report.xlsx"
    write_problem_report(problems, out, result.mappings)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Summary", "Problems", "Mapping", "Rules"]
    sheet = workbook["Problems"]
    assert [c.value for c in sheet[1]] == ["Severity", "File", "Sheet", "Row", "Column", "Value", "Problem",
                                          "What to do"]
    formula_row = next(r for r in sheet.iter_rows(min_row=2) if str(r[5].value).startswith("=HYPERLINK"))
    assert formula_row[5].data_type == "s" and formula_row[0].value == "error" and formula_row[3].value == 2
    assert any(r[6].value == "a warning" for r in sheet.iter_rows(min_row=2))
    summary = {r[0].value: r[1].value for r in workbook["Summary"].iter_rows(min_row=3, max_row=5)}
    assert summary["Errors"] == sum(p.severity is Severity.ERROR for p in problems)
    mapping_fields = [r[4].value for r in workbook["Mapping"].iter_rows(min_row=2)]
    assert "part_number" in mapping_fields


def test_problem_report_without_mappings(tmp_path):
    out = tmp_path / "r.xlsx"
    write_problem_report([error("x")], out)
    assert openpyxl.load_workbook(out)["Problems"]["A2"].value == "error"
