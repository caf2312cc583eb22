"""The report's Suppliers, Variants, Declarations and Checks sheets, reopened: Excel tables whose header row repeats
on every printed page, landscape at 70 % or more; project text as text; the Checks sheet's formulas cached TRUE,
and TRUE again when LibreOffice recalculates the workbook (FALSE where a cell they read was changed)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.report_variants import NONE_SAVED
from riskdesk.io.report import SHEETS, ReportRequest, resolve_scenarios, write_report
from tests.helpers.builders import project_for_new_sheets
from tests.helpers.needs import need

AS_OF = dt.date(2026, 11, 23)
LATER = dt.date(2027, 1, 1)
NEW_TABLES = {"Suppliers": ["Suppliers"], "Variants": ["Variants"],
              "Declarations": ["DeclarationRequests", "EvidenceAge"], "Checks": ["Checks"]}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = project_for_new_sheets()
    path = tmp_path_factory.mktemp("sheets") / "rich report.xlsx"
    scenarios = resolve_scenarios(["april-2025-licensing", "dfars-2027"], project, AS_OF)
    write_report(ReportRequest(project, AS_OF, compare=LATER, scenarios=scenarios, monte_carlo_paths=200, seed=3),
                 path)
    return path


@pytest.fixture(scope="module")
def book(report: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(report)


def _table(ws: object, name: str) -> list[dict[str, object]]:
    cells = ws[ws.tables[name].ref]  # type: ignore[attr-defined,index]
    headers = [c.value for c in cells[0]]
    return [dict(zip(headers, (c.value for c in row), strict=True)) for row in cells[1:]]


def test_the_new_sheets_come_after_the_scenarios_and_the_checks_last(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == list(SHEETS)
    assert SHEETS[5:9] == ("Scenarios", "Suppliers", "Variants", "Declarations") and SHEETS[-1] == "Checks"
    for sheet, tables in NEW_TABLES.items():
        assert set(tables) <= set(book[sheet].tables), sheet


def test_each_new_table_repeats_its_header_and_prints_landscape_at_70_percent_or_more(
        book: openpyxl.Workbook) -> None:
    from openpyxl.utils import range_boundaries

    from tests.helpers.printing import print_scale

    for sheet, tables in NEW_TABLES.items():
        ws = book[sheet]
        last = tables[-1]  # the table that can run over many pages
        header = range_boundaries(ws.tables[last].ref)[1]
        assert ws.print_title_rows == f"${header}:${header}", sheet
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth in (1, None), sheet
        assert ws.page_setup.fitToHeight == 0, sheet
        for paper in ("A4", "Letter"):
            assert print_scale(ws, paper) >= 0.70, (sheet, paper, print_scale(ws, paper))
    declarations = book["Declarations"]
    evidence = range_boundaries(declarations.tables["EvidenceAge"].ref)[1]
    assert [b.id for b in declarations.row_breaks.brk] == [evidence - 2]  # the long table starts a page


def test_the_suppliers_sheet_keeps_the_iso_code_and_the_country_name_apart(book: openpyxl.Workbook) -> None:
    rows = _table(book["Suppliers"], "Suppliers")
    cn = next(r for r in rows if r["Supplier"] == "SUP-CN1")
    assert (cn["Country code"], cn["Country"], cn["Request"], cn["Request status"]) == (
        "CN", "China", "RMD-20260901-aaaa0001", "overdue")
    assert cn["Sent"] == dt.datetime(2026, 9, 1) and book["Suppliers"].column_dimensions["S"].hidden


def test_variants_and_declarations_are_tables_a_reader_can_filter(book: openpyxl.Workbook) -> None:
    variants = _table(book["Variants"], "Variants")
    assert [r["Variant"] for r in variants][:3] == ["The project as it is", "Second source in Japan", "More stock"]
    requests = _table(book["Declarations"], "DeclarationRequests")
    assert [(r["Request"], r["Overdue"]) for r in requests] == [("RMD-20260901-aaaa0001", True),
                                                               ("RMD-20261101-bbbb0002", False)]
    ages = _table(book["Declarations"], "EvidenceAge")
    assert len(ages) == 15 and sum(1 for r in ages if r["Stale"] == "stale") == 1


def test_a_project_without_variants_gets_one_line_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    write_report(ReportRequest(demo_project(), AS_OF), path)
    ws = openpyxl.load_workbook(path)["Variants"]
    assert ws["A2"].value == NONE_SAVED and not ws.tables


def test_the_checks_formulas_carry_true_as_their_values(report: Path, book: openpyxl.Workbook) -> None:
    values = openpyxl.load_workbook(report, data_only=True)["Checks"]
    rows = _table(values, "Checks")
    formulas = _table(book["Checks"], "Checks")
    assert len(rows) >= 20 and all(r["Result"] is True and r["Expected"] is True for r in rows)
    for row in formulas:
        assert str(row["On the sheet"]).startswith("=") and str(row["Result"]).startswith(("=B", "=ABS(B"))
    findings = [r for r in formulas if "'Findings'!" in str(r["On the sheet"])]
    assert [r["Check"] for r in findings] == [
        "Findings: those the Findings sheet's rows summarise = the hits, watch items and possible hits on the Parts "
        "sheet"]
    assert str(findings[0]["Reconciled with"]).count("'Parts'!") == 3  # hits + watch + possible
    assert all(isinstance(r["On the sheet"], int | float) for r in rows)


def _recalculated_checks(workbook: Path, out: Path) -> list[list[str]]:
    """The Checks sheet as LibreOffice shows it after recalculating every formula on load (CSV)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    need(soffice is not None, "LibreOffice (soffice) is not installed: installer/ci-deps.sh installs "
         "libreoffice-calc-nogui")
    assert soffice is not None
    profile = out / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    # Recalculate on load always (LibreOffice otherwise trusts the cached values of a file Excel "wrote").
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">'
        "<value>0</value></prop></item></oor:items>\n", encoding="utf-8")
    sheet = SHEETS.index("Checks") + 1
    done = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                           f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet}",
                           "--outdir", str(out), str(workbook)], capture_output=True, text=True, timeout=180,
                          check=False)
    assert done.returncode == 0, done.stderr
    with (out / f"{workbook.stem}-Checks.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows.index(["Check", "On the sheet", "Reconciled with", "Result", "Expected", "Tolerance"])
    return rows[header + 1:]


def _with_parts_cell_changed(report: Path, target: Path, header: str) -> None:
    """A copy of `report` with the first part's value in the Parts column `header` raised by 1,000 (its cached
    values elsewhere left as they were)."""
    book = openpyxl.load_workbook(report, read_only=True)
    headers = [c.value for c in next(book["Parts"].iter_rows(min_row=2, max_row=2))]
    book.close()
    column = openpyxl.utils.get_column_letter(headers.index(header) + 1)
    sheet = f"xl/worksheets/sheet{SHEETS.index('Parts') + 1}.xml"
    with zipfile.ZipFile(report) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == sheet:
                text = data.decode()
                cell = re.search(rf'<c r="{column}3"[^>]*><v>([^<]+)</v>', text)
                assert cell is not None
                raised = cell.group(0).replace(f"<v>{cell.group(1)}</v>", f"<v>{float(cell.group(1)) + 1000}</v>")
                data = text.replace(cell.group(0), raised).encode()
            copy.writestr(item, data)


def test_libreoffice_recalculates_every_check_to_true_and_a_changed_cell_to_false(report: Path,
                                                                                 tmp_path: Path) -> None:
    rows = _recalculated_checks(report, tmp_path / "as-written")
    assert len(rows) >= 20 and [r[3] for r in rows] == ["TRUE"] * len(rows), [r for r in rows if r[3] != "TRUE"]
    changed = tmp_path / "changed.xlsx"
    _with_parts_cell_changed(report, changed, "Spend USD/yr")
    failed = [r[0] for r in _recalculated_checks(changed, tmp_path / "changed") if r[3] == "FALSE"]
    assert "Spend per year: all parts on the Summary = the sum of the Parts sheet's spend" in failed
    assert any(what.startswith("Spend per year: through the suppliers") for what in failed)
    assert not any(what.startswith("Parts:") or " kg/yr " in what for what in failed)


def test_a_check_whose_column_cannot_be_found_says_not_checked_never_true(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from riskdesk.core import report_checks
    from riskdesk.io import report as report_module

    def renamed(*args: object, **kwargs: object) -> report_checks.ChecksSheet:
        sheet = report_checks.checks_sheet(*args, **kwargs)  # type: ignore[arg-type]
        check = sheet.checks[1]
        sheet.checks[1] = dataclasses.replace(check, right=dataclasses.replace(check.right, column="Spend renamed"))
        return sheet

    monkeypatch.setattr(report_module, "checks_sheet", renamed)
    path = tmp_path / "renamed.xlsx"
    write_report(ReportRequest(demo_project(), AS_OF), path)
    rows = _table(openpyxl.load_workbook(path, data_only=True)["Checks"], "Checks")
    assert "not checked: the table Parts on Parts has no column 'Spend renamed'" in str(rows[1]["Check"])
    assert (rows[1]["On the sheet"], rows[1]["Result"]) == ("not checked", False)
    assert all(r["Result"] is True for k, r in enumerate(rows) if k != 1)


def test_the_checks_find_tables_written_as_plain_filtered_ranges_too(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Above TABLE_CELL_LIMIT a sheet gets a filter instead of an Excel table (a 100,000-path project's Parts): the
    checks find its columns by their header cells, and LibreOffice still recalculates every one to TRUE."""
    from riskdesk.io import xlsx

    monkeypatch.setattr(xlsx, "TABLE_CELL_LIMIT", 60)
    path = tmp_path / "plain ranges.xlsx"
    project = project_for_new_sheets()
    write_report(ReportRequest(project, AS_OF, scenarios=resolve_scenarios(["dfars-2027"], project, AS_OF)), path)
    book = openpyxl.load_workbook(path)
    assert "Parts" not in book["Parts"].tables and "Checks" not in book["Checks"].tables
    rows = [[c.value for c in row] for row in book["Checks"].iter_rows(min_row=3)]
    assert len(rows) >= 20 and not any("not checked" in str(r[0]) for r in rows)
    assert any("'Parts'!$" in str(r[2]) for r in rows)
    recalculated = _recalculated_checks(path, tmp_path / "lo")
    assert [r[3] for r in recalculated] == ["TRUE"] * len(rows)
