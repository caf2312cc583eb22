"""The command line as scripts use it: names, options, JSON keys and exit codes."""

from __future__ import annotations

import json

import pytest

from riskdesk.cli import EXIT_FILE, EXIT_INVALID, EXIT_OK, main
from riskdesk.core.domain import TEMPLATE_COLUMNS
from tests.helpers.cli import run


def test_demo_project_is_realistic(demo, capsys):
    code, out, _ = run(capsys, "score", demo, "--as-of", "2026-11-23", "--json")
    assert code == EXIT_OK
    data = json.loads(out)
    parts = data["parts"]
    assert len(parts) >= 12
    assert {"defence", "automotive", "wind", "industrial", "electronics"} <= set(
        p["end_use"] for p in _parts_table(demo)
    )
    assert data["as_of"] == "2026-11-23" and data["rules_version"]
    assert {"score", "elements_kg"} <= set(data["portfolio"])
    part = parts[0]
    assert {"part_number", "score", "factors", "elements_kg", "hits", "watch"} <= set(part)
    hit = next(h for p in parts for h in p["hits"])
    assert {"rule_id", "element", "stage", "country", "effect", "source"} <= set(hit)


def _parts_table(path):
    from riskdesk.io.store.project_file import load_project

    project = load_project(path)
    stage_countries = set(project.tables.paths[["mine_country", "separation_country", "metal_country",
                                                "magnet_country"]].to_numpy().ravel())
    assert {"CN", "JP", "DE", "US", "VN", "MM", "AU", ""} <= stage_countries
    assert len(project.tables.suppliers) >= 6
    return project.tables.parts.to_dict("records")


def test_score_prints_a_readable_table(demo, capsys):
    code, out, _ = run(capsys, "score", demo, "--as-of", "2026-11-23")
    assert code == EXIT_OK
    assert "Portfolio score" in out and "DRN-PROP-6" in out


def test_score_compare_names_what_changes_on_2027_01_01(demo, capsys):
    _, out, _ = run(capsys, "score", demo, "--as-of", "2026-11-23", "--compare", "2027-01-01", "--json")
    changes = {c["part_number"]: c for c in json.loads(out)["compare"]["changes"]}
    assert "US-DFARS-7052-UPSTREAM" in changes["ACT-FIN-07"]["rules_gained"]
    assert changes["ACT-FIN-07"]["score_after"] >= 90


def test_new_project_with_import_country(tmp_path, capsys):
    path = tmp_path / "eu.rdproj"
    assert run(capsys, "new", path, "--import-country", "Deutschland")[0] == EXIT_OK
    from riskdesk.io.store.project_file import load_project

    assert load_project(path).settings.import_country == "DE"
    code, _, err = run(capsys, "new", path)
    assert code == EXIT_FILE and "already exists" in err


def test_new_says_which_import_country_it_assumed_when_none_was_given(tmp_path, capsys):
    from riskdesk.io.store.project_file import load_project

    code, out, err = run(capsys, "new", tmp_path / "assumed.rdproj")
    assert code == EXIT_OK and "imports into US" in out
    assert err.strip() == ("riskdesk: no --import-country given: assumed US, which decides tariffs, rules and prices; "
                           "give --import-country CC for a buyer importing elsewhere")
    settings = load_project(tmp_path / "assumed.rdproj").settings
    assert settings.import_country == "US" and settings.supplies_us_defence
    code, _, err = run(capsys, "new", tmp_path / "given.rdproj", "--import-country", "US")
    assert code == EXIT_OK and err == ""


@pytest.mark.parametrize(("country", "basis"), [("DE", "ex-china"), ("US", "ex-china"), ("JP", "ex-china"),
                                                ("CN", "china")])
def test_a_new_projects_price_basis_follows_its_import_country(tmp_path, capsys, country, basis):
    from riskdesk.io.store.project_file import load_project

    path = tmp_path / f"{country}.rdproj"
    assert run(capsys, "new", path, "--import-country", country)[0] == EXIT_OK
    assert load_project(path).settings.price_basis == basis


def test_new_takes_the_buyers_us_defence_supply(tmp_path, capsys):
    from riskdesk.io.store.project_file import load_project

    path = tmp_path / "de-defence.rdproj"
    code, out, _ = run(capsys, "new", path, "--import-country", "DE", "--us-defence", "yes")
    assert code == EXIT_OK and "US defence supply: yes" in out
    settings = load_project(path).settings
    assert settings.us_defence_supply == "yes" and settings.supplies_us_defence
    with pytest.raises(SystemExit) as exit_code:
        run(capsys, "new", tmp_path / "x.rdproj", "--us-defence", "maybe")
    assert exit_code.value.code == 2 and "maybe" in capsys.readouterr().err


def test_rules_lists_status_on_a_date(capsys):
    code, out, _ = run(capsys, "rules", "--as-of", "2026-11-10", "--json")
    rules = {r["id"]: r for r in json.loads(out)["rules"]}
    assert rules["CN-MOFCOM-2025-57"]["status"] == "suspended"
    assert rules["CN-MOFCOM-2025-18"]["status"] == "in force"
    assert all(r["sources"] and r["confidence"] for r in rules.values())
    code, out, _ = run(capsys, "rules")
    assert code == EXIT_OK and "CN-MOFCOM-2025-18" in out


def test_bad_arguments_and_files_give_one_line_and_no_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["score", str(tmp_path / "x.rdproj"), "--as-of", "23/11/2026"])
    assert info.value.code == 2
    assert "not a date" in capsys.readouterr().err
    code, _, err = run(capsys, "score", tmp_path / "missing.rdproj")
    assert code == EXIT_FILE and "does not exist" in err and "Traceback" not in err
    junk = tmp_path / "junk.rdproj"
    junk.write_text("not a project", encoding="utf-8")
    code, _, err = run(capsys, "score", junk)
    assert code == EXIT_FILE and "is damaged" in err
    bad_list = tmp_path / "list.toml"
    bad_list.write_text("title = 1", encoding="utf-8")
    code, _, err = run(capsys, "rules", "--file", bad_list)
    assert code == EXIT_INVALID and "list.toml" in err


def write_template_csv(path, rows):
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(TEMPLATE_COLUMNS) + ["dy_pct"])
        writer.writeheader()
        writer.writerows(rows)


ROW = {
    "part_number": "X-1", "description": "rotor", "end_use": "Defence", "magnet_family": "NdFeB-sintered",
    "grade": "N42SH", "magnet_mass_g": "100", "annual_units": "1000", "unit_price": "5", "stock_days": "30",
    "supplier_id": "S1", "supplier_name": "Supplier One", "supplier_country": "CN", "share_pct": "100",
    "mine_country": "CN", "separation_country": "CN", "metal_country": "CN", "magnet_country": "CN",
    "origin_evidence": "declared", "dy_pct": "4",
}


def test_import_template_csv_creates_the_project_and_scores_it(tmp_path, capsys):
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    project = tmp_path / "new.rdproj"
    code, out, err = run(capsys, "import", project, source)
    assert code == EXIT_OK, err
    assert "is a new project: assumed import country US" in err  # said, never silently assumed
    code, out, _ = run(capsys, "score", project, "--json", "--as-of", "2026-11-23")
    part = json.loads(out)["parts"][0]
    assert part["elements_kg"]["Dy"] == pytest.approx(1000 * 0.1 * 0.04)
    assert part["score"] >= 90


def test_the_dfars_answer_and_a_general_licence_import_in_the_suppliers_words(tmp_path, capsys):
    import csv

    source = tmp_path / "declaration.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Part No.", "Application", "Grade", "Magnet weight (g)", "Annual qty", "Supplier",
                         "Country of origin", "US defense contract", "China general license"])
        writer.writerow(["X-1", "industrial", "N42SH", "100", "1000", "JL Mag", "CN", "Yes", "ja"])
        writer.writerow(["X-2", "defence", "N42SH", "100", "1000", "Other", "CN", "no", ""])
    project = tmp_path / "p.rdproj"
    code, _, err = run(capsys, "import", project, source)
    assert code == EXIT_OK, err
    from riskdesk.io.store.project_file import load_project

    tables = load_project(project).tables
    assert list(tables.parts["dfars"]) == ["yes", "no"]
    assert dict(zip(tables.suppliers["supplier_name"], tables.suppliers["general_licence"], strict=True)) == {
        "JL Mag": "yes", "Other": ""}
    code, out, _ = run(capsys, "score", project, "--json", "--as-of", "2026-11-29")
    floors = {p["part_number"]: p["floor"] for p in json.loads(out)["parts"]}
    assert floors["X-1"] == 90 and floors["X-2"] != 90  # the part's own answer beats its end use


def test_invalid_import_exits_3_and_leaves_the_project_unchanged(demo, tmp_path, capsys):
    before = demo.read_bytes()
    source = tmp_path / "bad.csv"
    write_template_csv(source, [dict(ROW, magnet_mass_g="heavy"), dict(ROW, part_number="X-2", share_pct="50")])
    code, _, err = run(capsys, "import", demo, source)
    assert code == EXIT_INVALID
    assert "magnet_mass_g" in err and "heavy" in err
    assert demo.read_bytes() == before


def test_dry_run_changes_nothing(demo, tmp_path, capsys):
    before = demo.read_bytes()
    source = tmp_path / "ok.csv"
    write_template_csv(source, [ROW])
    code, out, _ = run(capsys, "import", demo, source, "--dry-run")
    assert code == EXIT_OK and "dry run" in out
    assert demo.read_bytes() == before


def test_template_has_the_canonical_headers_and_instructions(tmp_path, capsys):
    from python_calamine import CalamineWorkbook

    out = tmp_path / "t.xlsx"
    assert run(capsys, "template", out)[0] == EXIT_OK
    book = CalamineWorkbook.from_path(str(out))
    assert "Instructions" in book.sheet_names
    first = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    header = [str(c) for c in first[0] if c != ""]
    assert header[: len(TEMPLATE_COLUMNS)] == list(TEMPLATE_COLUMNS)
    assert "dy_pct" in header


def test_saved_mapping_proposal_round_trips_through_mapping(tmp_path, capsys):
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    mapping = tmp_path / "m.json"
    project = tmp_path / "p.rdproj"
    code, _, _ = run(capsys, "import", project, source, "--show-mapping", "--save-mapping", mapping)
    assert code == EXIT_OK and not project.exists()
    data = json.loads(mapping.read_text(encoding="utf-8"))
    assert data["mappings"][0]["columns"]
    assert run(capsys, "import", project, source, "--mapping", mapping)[0] == EXIT_OK


def test_canonical_template_headers_are_exactly_those_users_scripts_rely_on():
    """The first release's headers keep their names and positions; later columns only ever come after them."""
    assert ", ".join(TEMPLATE_COLUMNS) == (
        "part_number, description, end_use, magnet_family, grade, magnet_mass_g, annual_units, unit_price, "
        "stock_days, supplier_id, supplier_name, supplier_country, share_pct, mine_country, separation_country, "
        "metal_country, magnet_country, origin_evidence, dfars, general_licence, feedstock, mine_evidence, "
        "separation_evidence, metal_evidence, magnet_evidence"
    )
