"""Typical supplier and ERP files import without editing them, the same way on the command line and in the window
(files in tests/io/data were saved by LibreOffice Calc; see make_libreoffice_files.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from riskdesk.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from riskdesk.core.demo import demo_project
from riskdesk.core.project import Project
from riskdesk.io import import_session
from riskdesk.io.import_session import ImportRequest
from riskdesk.io.importer import ImportOptions, read_and_validate
from riskdesk.io.store.project_file import load_project, save_project
from tests.helpers.builders import shown
from tests.helpers.cli import run

DATA = Path(__file__).parent / "data"
DECLARATIONS = [DATA / "lo_declaration.ods", DATA / "lo_declaration.xlsx", DATA / "lo_declaration.xls"]
SUPPLIER = {"supplier_name": "Hokuriku Magnet Works", "supplier_country": "JP"}


@pytest.mark.parametrize("path", DECLARATIONS, ids=lambda p: p.suffix)
def test_a_declaration_without_a_family_column_imports_with_the_family_inferred(path: Path) -> None:
    result = read_and_validate([path], options=ImportOptions(defaults=SUPPLIER))
    assert result.ok, result.errors
    families = dict(zip(result.tables.parts["part_number"], result.tables.parts["magnet_family"], strict=True))
    assert families == {"HM-1001": "NdFeB-sintered", "HM-1002": "NdFeB-sintered", "HM-2001": "Sm2Co17",
                        "HM-3001": "NdFeB-sintered", "HM-4001": "ferrite"}
    notes = [p.message for p in result.warnings if "inferred" in p.message]
    assert any("element contents" in n and "rows 5, 6, 7, 8" in n for n in notes)
    assert any("description" in n and "row 9" in n and "Ferrit-Segment" in n for n in notes)
    assert result.preview is not None
    kinds = {result.preview.marks[(i, "magnet_family")][0] for i in range(5)}
    assert kinds == {"inferred"}
    assert {"nd_pct", "dy_pct", "sm_pct"} <= set(result.preview.fields)


def test_libreoffice_repeating_empty_cells_to_the_sheets_edge_is_not_hostile(tmp_path: Path) -> None:
    """Calc writes a formatted row's empty cells as one cell repeated 16,384 times: normal output."""
    import zipfile

    with zipfile.ZipFile(DATA / "lo_declaration.ods") as archive:
        assert b'number-columns-repeated="16383"' in archive.read("content.xml")
    assert read_and_validate([DATA / "lo_declaration.ods"], options=ImportOptions(defaults=SUPPLIER)).ok


def test_an_excel_sheet_formatted_to_its_last_column_imports(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["part_number", "magnet_family", "magnet_mass_g", "annual_units", "supplier_id"])
    sheet.append(["P-1", "NdFeB-sintered", 10, 100, "S1"])
    sheet["XFD1"].fill = PatternFill("solid", fgColor="FFFF00")  # a whole row formatted, as people do
    for row in range(3, 3000):
        sheet.cell(row=row, column=2).fill = PatternFill("solid", fgColor="EEEEEE")
    path = tmp_path / "formatted.xlsx"
    book.save(path)
    result = read_and_validate([path])
    assert result.ok, result.errors
    assert list(result.tables.parts["part_number"]) == ["P-1"]


def test_show_mapping_on_a_file_it_cannot_read_says_why_and_exits_3(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.ods"
    bad.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    code, _, err = run(capsys, "import", tmp_path / "p.rdproj", bad, "--show-mapping")
    assert code == EXIT_INVALID and "broken.ods" in err and "Traceback" not in err


def test_an_sap_export_maps_with_confidence_and_imports_without_asking(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p.rdproj"
    code, out, err = run(capsys, "import", project, DATA / "sap_export.xlsx")
    assert code == EXIT_OK, err
    assert "'Material'                       -> part_number" in out
    assert "'Vendor'                         -> supplier_id" in out
    tables = load_project(project).tables
    assert set(tables.parts["part_number"]) == {"400012345", "400012346", "400012399"}
    assert set(tables.suppliers["supplier_id"]) == {"100234", "100877"}
    assert dict(zip(tables.suppliers["supplier_id"], tables.suppliers["supplier_country"], strict=True)) == {
        "100234": "CN", "100877": "US"}


def test_defaults_on_the_command_line_are_checked_applied_and_remembered(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p.rdproj"
    code, _, err = run(capsys, "import", project, DATA / "lo_declaration.ods", "--default", "magnet_family=bogus")
    assert code == EXIT_USAGE and "magnet_family" in err and not project.exists()
    code, _, err = run(capsys, "import", project, DATA / "lo_declaration.ods")
    assert code == EXIT_INVALID and "--default supplier_id" in err
    code, out, err = run(capsys, "import", project, DATA / "lo_declaration.ods", "--default",
                         "supplier_name=Hokuriku Magnet Works", "--default", "end_use=Automobil")
    assert code == EXIT_OK, err
    parts = load_project(project).tables.parts
    assert set(parts["end_use"]) == {"automotive"}
    # The next file of the same layout gets the same defaults without being told…
    code, out, err = run(capsys, "import", project, DATA / "lo_declaration.xlsx")
    assert code == EXIT_OK, err
    assert "default: supplier_name = 'Hokuriku Magnet Works'" in out
    # …and is told that its supplier was remembered from the other file, not given for this one (two suppliers may
    # send the same template), with how to give its own
    (said,) = [line for line in out.splitlines() if "Supplier name (supplier_name) set to" in line]
    assert "remembered with the mapping of this column layout (last used for lo_declaration.ods)" in said
    assert "--default supplier_name=… --replace-parts" in said
    # the end use is no supplier's: the remembered default is said as the user's, and no other line contradicts it
    (end_use,) = [line for line in out.splitlines() if "End use" in line]
    assert "set to 'automotive' (your default) for 5 rows" in end_use
    # A supplier given for the file is the user's own default again
    code, out, err = run(capsys, "import", project, DATA / "lo_declaration.xls", "--default",
                         "supplier_name=Hokuriku Magnet Works")
    assert code == EXIT_OK, err
    assert "remembered" not in out and "set to 'Hokuriku Magnet Works' (your default)" in out


def test_skipping_rows_with_errors_imports_the_rest_and_lists_each_row_left_out(tmp_path: Path) -> None:
    source = tmp_path / "mixed.csv"
    source.write_text("part_number,magnet_family,magnet_mass_g,annual_units,supplier_id\n"
                      "OK-1,NdFeB-sintered,10,100,S1\nBAD-1,NdFeB-sintered,heavy,100,S1\nOK-2,ferrite,5,10,S1\n",
                      encoding="utf-8")
    refused = read_and_validate([source])
    assert not refused.ok
    result = read_and_validate([source], options=ImportOptions(skip_error_rows=True))
    assert result.ok, result.errors
    assert set(result.tables.parts["part_number"]) == {"OK-1", "OK-2"} and result.skipped_rows == 1
    (note,) = [p for p in result.warnings if p.message.startswith("row skipped")]
    assert note.row == 3 and "heavy" in note.value


def test_formula_like_text_is_kept_as_text_and_flagged(tmp_path: Path) -> None:
    source = tmp_path / "formula.csv"
    source.write_text('part_number,description,magnet_family,magnet_mass_g,annual_units,supplier_id,supplier_name\n'
                      'P-1,"=HYPERLINK(""http://x"",""y"")",NdFeB-sintered,10,100,S1,@SUM(A1:A9)\n',
                      encoding="utf-8")
    result = read_and_validate([source])
    assert result.ok
    assert result.tables.parts.loc[0, "description"] == '=HYPERLINK("http://x","y")'
    assert result.tables.suppliers.loc[0, "supplier_name"] == "@SUM(A1:A9)"
    flagged = {p.value for p in result.warnings if "formula" in p.message}
    assert flagged == {'=HYPERLINK("http://x","y")', "@SUM(A1:A9)"}


def _project_with_an_old_problem() -> Project:
    """The demo with one part whose shares add up to 140 % (a mistake made long before the import)."""
    project = demo_project()
    paths = project.tables.paths
    first = paths.index[paths["part_number"] == "ELV-DRV-15"][0]
    paths.loc[first, "share_pct"] = 140.0
    return project


def test_a_problem_in_a_part_the_import_does_not_touch_is_a_warning_on_both_front_ends(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project_with_an_old_problem()
    path = tmp_path / "p.rdproj"
    save_project(project, path)
    check = import_session.check(ImportRequest([DATA / "sap_export.xlsx"]), project)
    assert check.can_apply, check.errors
    (old,) = [p for p in check.warnings if "ELV-DRV-15" in p.message]
    assert "not in this import" in old.message
    code, out, err = run(capsys, "import", path, DATA / "sap_export.xlsx")
    assert code == EXIT_OK, err
    assert "ELV-DRV-15 add up to 140 %" in out and "not in this import" in out


def test_the_command_line_and_the_import_session_build_the_same_project(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    files = [DATA / "lo_declaration.ods", DATA / "sap_export.xlsx"]
    path = tmp_path / "cli.rdproj"
    save_project(demo_project(), path)
    code, _, err = run(capsys, "import", path, *files, "--default", "supplier_name=Hokuriku Magnet Works")
    assert code == EXIT_OK, err
    check = import_session.check(ImportRequest(files, defaults={"supplier_name": "Hokuriku Magnet Works"}),
                                 demo_project())
    direct = check.applied_to(demo_project())
    by_cli = load_project(path)
    for name in ("parts", "suppliers", "paths", "composition"):
        assert shown(getattr(by_cli.tables, name)).equals(shown(getattr(direct.tables, name))), name
    assert json.dumps(by_cli.saved_mappings, sort_keys=True) == json.dumps(direct.saved_mappings, sort_keys=True)
