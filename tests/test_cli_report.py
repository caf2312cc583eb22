"""`riskdesk report` as scripts use it: the workbook it writes says exactly what `score --json` and `scenario --json`
say for the same project and date; bad input is one line and its exit code, and the old file stays as it was."""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from riskdesk.cli import EXIT_FILE, EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from riskdesk.core.domain import Stage
from riskdesk.core.reference import default_reference
from tests.helpers.cli import run
from tests.helpers.findings_rows import part_rule_rows

AS_OF = "2026-11-23"
LATER = "2027-01-01"
PATHS, SEED = 400, 5


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The demo project, its report with two scenarios and a Monte Carlo, and the JSON of score and scenario."""
    folder = tmp_path_factory.mktemp("cli-report")
    project, out = folder / "demo.rdproj", folder / "report.xlsx"
    def call(*args: object) -> tuple[int, str]:
        stream = io.StringIO()
        with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(io.StringIO()):
            code = main([str(a) for a in args])
        return code, stream.getvalue()

    assert call("demo", project)[0] == EXIT_OK
    code, line = call("report", project, out, "--as-of", AS_OF, "--compare", LATER, "--scenario",
                      "april-2025-licensing", "dfars-2027", "--monte-carlo", PATHS, "--seed", SEED)
    assert code == EXIT_OK
    score = json.loads(call("score", project, "--as-of", AS_OF, "--compare", LATER, "--json")[1])
    later = json.loads(call("score", project, "--as-of", LATER, "--json")[1])
    scenarios = [json.loads(call("scenario", project, "--preset", name, "--as-of", AS_OF, "--monte-carlo", PATHS,
                                 "--seed", SEED, "--json")[1]) for name in ("april-2025-licensing", "dfars-2027")]
    return {"out": out, "line": line, "score": score, "later": later, "scenarios": scenarios,
            "book": openpyxl.load_workbook(out, data_only=True), "project": project}


@pytest.fixture(scope="module")
def detailed(written: dict[str, object]) -> openpyxl.Workbook:
    """The same project's report on the same date with --detail."""
    out = Path(str(written["out"])).with_name("detail.xlsx")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main([str(a) for a in ("report", written["project"], out, "--as-of", AS_OF, "--detail")]) == EXIT_OK
    return openpyxl.load_workbook(out, data_only=True)


def _table(book: openpyxl.Workbook, sheet: str, name: str) -> list[dict[str, object]]:
    ws = book[sheet]
    cells = ws[ws.tables[name].ref]
    headers = [c.value for c in cells[0]]
    return [dict(zip(headers, (c.value for c in row), strict=True)) for row in cells[1:]]


def test_report_prints_what_it_wrote(written: dict[str, object]) -> None:
    assert written["line"] == f"wrote {written['out']}: 12 sheets, 15 parts, 155 findings, 2 scenarios\n"


def test_the_inputs_name_the_saved_project_file_by_its_sha256(written: dict[str, object]) -> None:
    """An auditor ties the report to the project file it was computed from (issue 22, item 4), as the window's
    report does (tests/ui/test_report_project_file.py)."""
    import hashlib

    inputs = written["book"]["Inputs"]  # type: ignore[index]
    said = {row[0]: row[1] for row in inputs.iter_rows(min_row=1, max_row=40, max_col=2, values_only=True)}
    expected = hashlib.sha256(Path(str(written["project"])).read_bytes()).hexdigest()
    assert said["Project file SHA-256"] == expected


def test_parts_are_the_scores_factors_counts_and_elements_of_score_json(written: dict[str, object]) -> None:
    book, score, later = written["book"], written["score"], written["later"]
    rows = {r["Part"]: r for r in _table(book, "Parts", "Parts")}
    assert set(rows) == {p["part_number"] for p in score["parts"]}
    labels = {"restriction": "Restriction", "concentration": "Concentration", "transparency": "Transparency",
              "price": "Price", "buffer": "Buffer", "single_source": "Single source"}
    after = {p["part_number"]: p for p in later["parts"]}
    changes = {c["part_number"]: c for c in score["compare"]["changes"]}
    for part in score["parts"]:
        row = rows[part["part_number"]]
        assert row["Score"] == pytest.approx(part["score"], abs=0.005)
        assert row["Band"] == part["band"].capitalize()
        assert row["Factor score"] == pytest.approx(part["factor_score"], abs=0.005)
        assert (row["Floor"] or None) == part["floor"]
        for name, value in part["factors"].items():
            assert row[labels[name]] == pytest.approx(value, abs=0.005)
        assert (row["Hits"], row["Watch"], row["Possible"]) == (len(part["hits"]), len(part["watch"]),
                                                                 len(part["possible"]))
        for symbol, kg in part["elements_kg"].items():
            assert row[f"{symbol} kg/yr"] == pytest.approx(kg, abs=1e-6)
        for symbol, value in part["elements_value"].items():
            assert row[f"{symbol} USD/yr"] == pytest.approx(value, abs=0.0051)  # JSON rounds to the cent
        assert row[f"Score on {LATER}"] == pytest.approx(after[part["part_number"]]["score"], abs=0.005)
        change = changes.get(part["part_number"])
        assert row["Change"] == pytest.approx(change["delta"] if change else 0.0, abs=0.01)
        assert (row["Rules gained"] or "") == ", ".join(change["rules_gained"] if change else [])


def test_the_summary_has_the_portfolio_score_of_score_json(written: dict[str, object]) -> None:
    ws = written["book"]["Summary"]
    heading = next(cell for row in ws.iter_rows() for cell in row if cell.value == "Portfolio score")
    score = ws.cell(heading.row + 1, heading.column)
    assert score.value == pytest.approx(written["score"]["portfolio"]["score"], abs=0.005)
    assert ws.cell(score.row, score.column + 1).value == written["score"]["portfolio"]["band"].capitalize()


def test_findings_are_one_row_per_part_and_rule_saying_what_score_json_says(written: dict[str, object]) -> None:
    rows = _table(written["book"], "Findings", "Findings")
    expected = part_rule_rows(written["score"]["parts"])
    assert len(rows) == len(expected) and "Findings detail" not in written["book"].sheetnames
    countries = default_reference().countries
    for row in rows:
        want = expected[(row["Part"], row["Rule"])]
        rounding = 0.005 * want["Findings"] + 1e-6  # the JSON rounds each item's kg and USD
        for title, value in want.items():
            got = row[title]
            assert got == (pytest.approx(value, abs=rounding) if isinstance(value, float) else value), (row, title)
        assert row["Countries"] == ", ".join(countries.name(c) if c != "unknown" else c
                                                 for c in row["Country codes"].split(", "))
    assert [r["Part"] for r in rows] == sorted((r["Part"] for r in rows), key=[
        r["Part"] for r in _table(written["book"], "Parts", "Parts")].index)


def test_detail_adds_the_findings_detail_sheet_with_every_item_of_score_json(written: dict[str, object],
                                                                            detailed: openpyxl.Workbook) -> None:
    assert detailed.sheetnames[2:4] == ["Findings", "Findings detail"]
    rows = _table(detailed, "Findings detail", "FindingsDetail")
    kinds = {"hits": "Hit", "watch": "Watch", "possible": "Possible"}
    expected: Counter[tuple[object, ...]] = Counter()
    for part in written["score"]["parts"]:
        for key, kind in kinds.items():
            for item in part[key]:
                expected[(part["part_number"], kind, item["rule_id"], item["element"] or "whole magnet",
                          Stage(item["stage"]).label, item["country"] or None, item["supplier_id"] or "(none)",
                          round(item["kg"], 6), round(item["value"], 2), item["effective_from"])] += 1
    found = Counter((r["Part"], r["Kind"], r["Rule"], r["Element"], r["Stage"], r["Country code"],
                     r["Supplier"], round(r["kg/yr"], 6), round(r["USD/yr"], 2), r["Effective from"].date().isoformat())
                    for r in rows)
    assert found == expected


def test_exposure_adds_up_to_the_portfolios_kg_and_top_shares(written: dict[str, object]) -> None:
    rows = _table(written["book"], "Exposure", "Exposure")
    portfolio = written["score"]["portfolio"]
    for row in portfolio["concentration"]:
        mine = [r for r in rows if r["Element"] == row["element"] and r["Stage"] == Stage(row["stage"]).label]
        assert sum(r["kg/yr"] for r in mine) == pytest.approx(portfolio["elements_kg"][row["element"]], abs=1e-4)
        known = [r["Share of the element at this stage"] for r in mine if r["Country"] != "unknown"]
        assert max(known) == pytest.approx(row["top_share"], abs=5e-5)
        assert all(r["EU 65 % benchmark"] == "n/a" for r in mine)


def test_the_concentration_table_is_score_jsons_element_by_element(written: dict[str, object]) -> None:
    """Per element and stage: the largest country, its share, the unknown share and the governance-weighted HHI
    that `score --json` gives (PRODUCT: concentration per element and stage), element by element."""
    rows = _table(written["book"], "Concentration", "Concentration")
    expected = written["score"]["portfolio"]["concentration"]
    assert len(rows) == len(expected) > 0
    by_key = {(r["Element"], r["Stage"]): r for r in rows}
    for row in expected:
        mine = by_key[(row["element"], Stage(row["stage"]).label)]
        assert mine["Largest country code"] == row["top_country"]
        assert mine["Its share"] == pytest.approx(row["top_share"], abs=5e-5)
        assert mine["Unknown origin"] == pytest.approx(row["unknown_share"], abs=5e-5)
        assert mine["Concentration (0–10)"] == pytest.approx(row["hhi_governance"], abs=5e-5)
    elements = [r["Element"] for r in rows]
    assert elements == sorted(elements, key=elements.index), "each element's stages together"


def test_scenarios_are_the_months_and_stock_outs_of_scenario_json(written: dict[str, object]) -> None:
    book = written["book"]
    for k, data in enumerate(written["scenarios"], start=1):
        months = _table(book, "Scenarios", f"Scenario{k}Months")
        assert [f"{r['Month']:%Y-%m}" for r in months] == data["months"]  # dates, shown as the month
        portfolio, mc = data["portfolio"], data["monte_carlo"]
        for t, row in enumerate(months):
            assert row["Baseline USD"] == pytest.approx(portfolio["baseline_cost"][t], abs=0.005)
            assert row["Scenario USD"] == pytest.approx(portfolio["scenario_cost"][t], abs=0.005)
            assert row["Change USD"] == pytest.approx(portfolio["delta"][t], abs=0.01)
            for q in (5, 25, 50, 75, 95):
                assert row[f"MC P{q} USD"] == pytest.approx(mc[f"p{q}"][t], abs=0.005)
            assert row["MC mean USD"] == pytest.approx(mc["mean"][t], abs=0.005)
        stops = {r["Part"]: r for r in _table(book, "Scenarios", f"Scenario{k}Stops")}
        for part in data["parts"]:
            so = part["stock_out"]
            if so["loss_share"] == 0:
                assert part["part_number"] not in stops
                continue
            row = stops[part["part_number"]]
            assert row["Share lost"] == pytest.approx(so["loss_share"], abs=5e-5)
            assert row["First short day"] == so["first_short_day"]
            assert row["Days short"] == so["days_short"]
            assert (row["Time to survive the first cut, days"] is None) == (so["tts_days"] is None)
            if so["tts_days"] is not None:
                assert row["Time to survive the first cut, days"] == pytest.approx(so["tts_days"], abs=0.005)
            assert row["Units short"] == pytest.approx(so["units_short"], abs=0.005)
            assert row["Value short USD"] == pytest.approx(so["shortfall_cost"], abs=0.005)
            assert row["Monte Carlo: probability of running out"] == pytest.approx(
                mc["stop_probability"][part["part_number"]], abs=5e-5)


def test_an_unknown_scenario_is_a_usage_error_and_writes_nothing(tmp_path: Path, capsys) -> None:
    project, out = tmp_path / "demo.rdproj", tmp_path / "r.xlsx"
    run(capsys, "demo", project)
    code, out_text, err = run(capsys, "report", project, out, "--scenario", "no-such-thing")
    assert code == EXIT_USAGE and not out.exists() and not out_text
    assert err.startswith("riskdesk: no preset or saved scenario 'no-such-thing' (presets: april-2025-licensing")
    assert err.count("\n") == 1


def test_bad_files_and_names_say_what_to_do_in_one_line(tmp_path: Path, capsys) -> None:
    project = tmp_path / "demo.rdproj"
    run(capsys, "demo", project)
    code, _, err = run(capsys, "report", tmp_path / "missing.rdproj", tmp_path / "r.xlsx")
    assert code == EXIT_FILE and "missing.rdproj" in err and err.count("\n") == 1
    code, _, err = run(capsys, "report", project, tmp_path / "r.csv")
    assert code == EXIT_USAGE and "ending in .xlsx" in err
    code, _, err = run(capsys, "report", project, tmp_path / "r.xlsx", "--monte-carlo", "100")
    assert code == EXIT_USAGE and "--scenario" in err
    code, _, err = run(capsys, "report", project, tmp_path / "no" / "r.xlsx")
    assert code == EXIT_FILE and "does not exist" in err and "Traceback" not in err


def test_a_report_open_in_excel_is_left_untouched(tmp_path: Path, capsys) -> None:
    project, out = tmp_path / "demo.rdproj", tmp_path / "r.xlsx"
    run(capsys, "demo", project)
    assert run(capsys, "report", project, out, "--as-of", AS_OF)[0] == EXIT_OK
    before = out.read_bytes()
    code, _, err = run(capsys, "report", project, out, "--as-of", LATER)
    assert code == EXIT_FILE and "already exists" in err and "--force" in err  # not replaced by accident
    (tmp_path / "~$r.xlsx").write_text("owner")
    code, _, err = run(capsys, "report", project, out, "--as-of", LATER, "--force")
    assert code == EXIT_FILE and err == ("riskdesk: r.xlsx is open in another program (it keeps ~$r.xlsx): close it "
                                         "there and try again, or choose another name; the file was not changed\n")
    assert out.read_bytes() == before


def test_no_author_leaves_the_login_name_out(tmp_path: Path, capsys) -> None:
    project, out = tmp_path / "demo.rdproj", tmp_path / "r.xlsx"
    run(capsys, "demo", project)
    assert run(capsys, "report", project, out, "--no-author")[0] == EXIT_OK
    book = openpyxl.load_workbook(out)
    assert not book.properties.creator and not book.properties.lastModifiedBy
    written = next(row[1].value for row in book["Summary"].iter_rows() if row[0].value == "Written")
    assert " by " not in written and "with RiskDesk" in written


def test_a_project_with_errors_is_invalid_input(tmp_path: Path, capsys) -> None:
    from riskdesk.core.demo import demo_project
    from riskdesk.io.store.project_file import save_project

    project = demo_project()
    project.tables.paths.loc[0, "share_pct"] = 300.0
    save_project(project, tmp_path / "bad.rdproj")
    code, _, err = run(capsys, "report", tmp_path / "bad.rdproj", tmp_path / "r.xlsx")
    assert code == EXIT_INVALID and "fix them before making a report" in err
    assert not (tmp_path / "r.xlsx").exists()


def test_the_template_and_an_imports_problem_report_say_in_one_line_when_they_cannot_be_written(
        tmp_path: Path, capsys) -> None:
    project, template = tmp_path / "demo.rdproj", tmp_path / "t.xlsx"
    run(capsys, "demo", project)
    code, _, err = run(capsys, "template", tmp_path / "missing" / "t.xlsx")
    assert code == EXIT_FILE and err.startswith("riskdesk: cannot write ") and "t.xlsx: the folder" in err
    assert err.count("\n") == 1
    assert run(capsys, "template", template)[0] == EXIT_OK
    code, _, err = run(capsys, "import", project, template, "--dry-run", "--report", tmp_path / "missing" / "r.xlsx")
    assert code == EXIT_FILE and "r.xlsx: the folder" in err and "Traceback" not in err
