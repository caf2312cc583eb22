"""Issue 15 on the command line: two writers, hostile numbers, outputs that would overwrite the project, locked
and damaged files — each case as a script meets it: one line on stderr, the exit code, and the project as it was.
docs/reliability.md lists which test holds which promise."""

from __future__ import annotations

import json

import pytest

from riskdesk.cli import EXIT_INVALID, EXIT_OK, main
from tests.test_cli import ROW, write_template_csv


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo(tmp_path, capsys):
    path = tmp_path / "demo.rdproj"
    assert run(capsys, "demo", path)[0] == EXIT_OK
    return path


# ---- 2. hostile numbers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("column, value", [("magnet_mass_g", "1e308"), ("unit_price", "1e308"),
                                           ("annual_units", "1e309"), ("stock_days", "9e99")])
def test_an_implausible_number_is_refused_and_the_project_is_unchanged(demo, tmp_path, capsys, column, value):
    source = tmp_path / "bom.csv"
    write_template_csv(source, [{**ROW, column: value}])
    before = demo.read_bytes()
    code, _, err = run(capsys, "import", demo, source)
    assert code == EXIT_INVALID, err
    assert "is not plausible here" in err and "nothing was imported" in err
    assert demo.read_bytes() == before


def test_an_xlsx_cell_holding_inf_is_refused(tmp_path, capsys):
    from tests.io.helpers import sheet_xml, write_raw_xlsx

    header = ["part_number", "magnet_family", "magnet_mass_g", "annual_units", "supplier_id", "share_pct"]
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(header))
    row = ('<c r="A2" t="inlineStr"><is><t>X-1</t></is></c><c r="B2" t="inlineStr"><is><t>NdFeB</t></is></c>'
           '<c r="C2"><v>INF</v></c><c r="D2"><v>1000</v></c><c r="E2" t="inlineStr"><is><t>S1</t></is></c>'
           '<c r="F2"><v>100</v></c>')
    source = write_raw_xlsx(tmp_path / "inf.xlsx", sheet_xml(
        f'<dimension ref="A1:F2"/><sheetData><row r="1">{cells}</row><row r="2">{row}</row></sheetData>'))
    project = tmp_path / "p.rdproj"
    code, _, err = run(capsys, "import", project, source)
    assert code == EXIT_INVALID, err
    assert "not plausible" in err and not project.exists()


def test_score_json_is_strict_json_and_a_red_part_never_reads_green(tmp_path, capsys):
    from riskdesk.io.project_file import load_project, save_project

    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    project = tmp_path / "p.rdproj"
    assert run(capsys, "import", project, source)[0] == EXIT_OK
    loaded = load_project(project)  # a file damaged outside RiskDesk: the mass is infinite
    loaded.tables.parts.loc[0, "magnet_mass_g"] = float("inf")
    loaded.settings.weights["price"] = float("nan")
    save_project(loaded, project)
    code, _, err = run(capsys, "score", project, "--json")
    assert code == EXIT_INVALID and "not plausible" in err  # refused, not scored from infinity
    loaded.tables.parts.loc[0, "magnet_mass_g"] = 100.0
    save_project(loaded, project)
    code, out, _ = run(capsys, "score", project, "--json", "--as-of", "2026-11-23")
    data = json.loads(out, parse_constant=lambda name: pytest.fail(f"bare {name} in the JSON"))
    assert code == EXIT_OK and data["parts"][0]["band"] == "red"
    assert data["settings"]["weights"]["price"] == 0.0  # a NaN weight counts 0, and is stored so
