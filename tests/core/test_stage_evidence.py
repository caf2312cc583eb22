"""How each stage's country is known (PRODUCT.md: a supply path's stage countries "and how each is known"): a stage
may have evidence of its own (`mine_evidence` …, blank: as the path's `origin_evidence`), imported in the
supplier's words, scored by the transparency factor stage by stage, explained, and cleared where an answer or an
import speaks for the whole path again. The properties (a surer stage never raises a score; a blank stage counts as
its path) are in tests/core/test_invariants.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from riskdesk.cli import EXIT_OK
from riskdesk.core.evaluation import evaluate
from riskdesk.core.quality import check_project
from riskdesk.io.store.project_file import load_project
from tests.helpers.builders import PartSpec, PathSpec, project_of
from tests.helpers.cli import run
from tests.io.helpers import write_csv

AS_OF = "2026-12-07"
HEADERS = ["Part No.", "Grade", "Magnet weight (g)", "Annual qty", "Supplier", "Mine", "Separation", "Metal",
           "Magnet country", "Evidence"]


def _write(path: Path, headers: list[str], rows: list[list[str]]) -> Path:
    return write_csv(path, [headers, *rows])


def _transparency(project: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, float]:
    code, out, err = run(capsys, "score", project, "--json", "--as-of", AS_OF)
    assert code == EXIT_OK, err
    return {p["part_number"]: p["factors"]["transparency"] for p in json.loads(out)["parts"]}


def test_a_stage_s_own_evidence_imports_in_the_supplier_s_words_and_lowers_only_its_part(tmp_path, capsys):
    source = _write(tmp_path / "origins.csv", [*HEADERS, "Nachweis Magnet"], [
        ["X-1", "N42SH", "100", "1000", "JL Mag", "CN", "CN", "CN", "JP", "declared", "verified"],
        ["X-2", "N42SH", "100", "1000", "JL Mag", "CN", "CN", "CN", "JP", "declared", ""],
    ])
    project = tmp_path / "p.rdproj"
    code, _, err = run(capsys, "import", project, source)
    assert code == EXIT_OK, err
    paths = load_project(project).tables.paths
    assert paths["magnet_evidence"].tolist() == ["verified", ""]
    assert paths["origin_evidence"].tolist() == ["declared", "declared"]
    factor = _transparency(project, capsys)
    # the magnet stage weighs 0.35; declared counts 0.25, verified 0: 8.75 points less transparency risk
    assert factor["X-2"] - factor["X-1"] == pytest.approx(100 * 0.35 * 0.25)


def test_an_import_that_says_the_path_s_evidence_again_clears_each_stage_s_own(tmp_path, capsys):
    project = tmp_path / "p.rdproj"
    first = _write(tmp_path / "first.csv", [*HEADERS, "Mine evidence"],
                   [["X-1", "N42SH", "100", "1000", "JL Mag", "AU", "CN", "CN", "CN", "declared", "inferred"]])
    assert run(capsys, "import", project, first)[0] == EXIT_OK
    no_evidence = _write(tmp_path / "countries.csv", HEADERS[:-1],
                         [["X-1", "N42SH", "100", "1000", "JL Mag", "AU", "CN", "CN", "CN"]])
    assert run(capsys, "import", project, no_evidence)[0] == EXIT_OK
    assert load_project(project).tables.paths["mine_evidence"].tolist() == ["inferred"]  # not spoken for: kept
    again = _write(tmp_path / "again.csv", HEADERS,
                   [["X-1", "N42SH", "100", "1000", "JL Mag", "AU", "CN", "CN", "CN", "verified"]])
    assert run(capsys, "import", project, again)[0] == EXIT_OK
    paths = load_project(project).tables.paths
    assert paths[["origin_evidence", "mine_evidence"]].values.tolist() == [["verified", ""]]


def _one_path(**stage_evidence: str):
    project = project_of(PartSpec("P-1", "industrial", "NdFeB-sintered", "N42SH", paths=[
        PathSpec("S1", 100.0, "AU", "MY", "JP", "JP", "declared")]))
    for column, value in stage_evidence.items():
        project.tables.paths.loc[0, column] = value
    return project


def test_the_explanation_and_the_data_checks_count_each_stage_as_it_is_known():
    mixed = _one_path(mine_evidence="inferred", magnet_evidence="verified")
    text = evaluate(mixed, dt.date(2026, 12, 7)).factor_results["transparency"].inputs[0]
    # mine 0.15 inferred, separation 0.35 + metal 0.15 declared, magnet 0.35 verified
    assert "15% inferred (counts 0.6)" in text and "50% declared (counts 0.25)" in text
    assert "35% verified (counts 0)" in text
    weak = {check.key: check for check in check_project(mixed)}["evidence"]
    assert [(cell.column, cell.value) for cell in weak.cells] == [("mine_evidence", "inferred")]
    surer = _one_path(mine_evidence="verified")  # the path declared, its one weak stage made sure: nothing to ask
    assert "evidence" not in {check.key for check in check_project(surer)}
    each_stage = _one_path(origin_evidence="inferred", mine_evidence="declared", separation_evidence="declared",
                           metal_evidence="verified", magnet_evidence="declared")  # no stage is known as its path
    assert "evidence" not in {check.key for check in check_project(each_stage)}


def test_a_stage_s_own_evidence_is_refused_unless_it_is_a_kind_of_evidence():
    project = _one_path(separation_evidence="audited by us")
    problems = project.tables.validate()
    assert [(p.column, p.value) for p in problems] == [("separation_evidence", "audited by us")]


def test_a_mitigation_that_moves_a_stage_or_sets_the_evidence_leaves_no_stale_stage_evidence():
    from riskdesk.core.variants import MovePath, Variant

    project = _one_path(mine_evidence="verified", separation_evidence="verified", magnet_evidence="inferred")
    moved = Variant("separation to Estonia", (MovePath("P-1", "S1", countries={"separation": "EE"}),)).apply(project)
    row = moved.tables.paths.iloc[0]
    # the audit was of the old separation plant: the new one is known as the path is; the other stages keep theirs
    assert (row["separation_country"], row["separation_evidence"]) == ("EE", "")
    assert (row["mine_evidence"], row["magnet_evidence"]) == ("verified", "inferred")
    declared = Variant("declared", (MovePath("P-1", "S1", evidence="declared"),)).apply(project)
    assert declared.tables.paths.loc[0, ["origin_evidence", "mine_evidence", "magnet_evidence"]].tolist() == [
        "declared", "", ""]
    assert project.tables.paths.loc[0, "magnet_evidence"] == "inferred"  # the project itself is untouched


def test_the_report_lists_each_stage_known_otherwise_and_keeps_the_paths_table_on_the_page(tmp_path):
    import openpyxl

    from riskdesk.core.demo import demo_project
    from riskdesk.io.report import ReportRequest, write_report

    def inputs(project, name: str) -> openpyxl.worksheet.worksheet.Worksheet:
        write_report(ReportRequest(project, dt.date(2026, 12, 7)), tmp_path / name)
        return openpyxl.load_workbook(tmp_path / name)["Inputs"]

    plain = inputs(demo_project(), "plain.xlsx")
    assert "InputStageEvidence" not in plain.tables  # nothing known otherwise: no table for it
    project = demo_project()
    paths = project.tables.paths
    paths.loc[2, "magnet_evidence"] = "verified"  # ACT-FIN-07's one path, DE magnet, inferred
    sheet = inputs(project, "stages.xlsx")
    rows = [[c.value for c in row] for row in sheet[sheet.tables["InputStageEvidence"].ref]]
    assert rows[1:] == [[3, "ACT-FIN-07", "SUP-DE1", "magnet making", "DE", "verified", "inferred"]]
    header = [c.value for c in sheet[sheet.tables["InputPaths"].ref][0]]
    assert not any("evidence" in h and h != "Evidence" for h in header)  # the stages' own are in the table above
    hidden = {c for d in sheet.column_dimensions.values() if d.hidden for c in range(d.min, d.max + 1)}
    assert not hidden & set(range(1, len(header) + 1))  # every column of the paths table is shown and printed
