"""The report's Findings sheet, reopened with openpyxl and printed by LibreOffice: one row per part and rule in an
Excel table that prints one page wide at 70 % or more on A4 and Letter with its header repeated; the Findings
detail sheet (one row per finding) only when asked for, right after it."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from riskdesk.core.demo import demo_project
from riskdesk.io.report import DETAIL_SHEET, SHEETS, ReportRequest, report_sheets, resolve_scenarios, write_report
from tests.helpers.needs import need
from tests.helpers.printing import column_pixels, print_scale

AS_OF = dt.date(2026, 11, 23)
LATER = dt.date(2027, 1, 1)
DETAIL = ["Countries", "Paths", "Findings"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's report as `riskdesk report --compare --scenario …` writes it (no detail)."""
    project = demo_project()
    path = tmp_path_factory.mktemp("findings") / "demo report.xlsx"
    write_report(ReportRequest(project, AS_OF, compare=LATER,
                               scenarios=resolve_scenarios(["april-2025-licensing"], project, AS_OF)), path)
    return path


@pytest.fixture(scope="module")
def book(report: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(report)


def _headers(ws: object) -> dict[str, int]:
    return {c.value: c.column for c in ws[2] if c.value}  # type: ignore[index]


def test_without_detail_the_sheets_are_the_seven_and_findings_has_one_row_per_part_and_rule(
        book: openpyxl.Workbook) -> None:
    assert tuple(book.sheetnames) == SHEETS == report_sheets() and DETAIL_SHEET not in book.sheetnames
    ws = book["Findings"]
    assert "Findings" in ws.tables
    keys = [(row[0], row[1]) for row in ws.iter_rows(min_row=3, values_only=True)]
    assert len(keys) == len(set(keys)) == 97
    headers = _headers(ws)
    assert {"Country codes", "Countries", "Suppliers", "Stages", "Elements"} <= headers.keys()
    codes = [ws.cell(r, headers["Country codes"]).value for r in range(3, ws.max_row + 1)]
    assert "CN" in codes and all(" · " not in str(c) for c in codes)


def test_findings_print_one_page_wide_at_70_percent_or_more_with_their_header_repeated(
        book: openpyxl.Workbook) -> None:
    ws = book["Findings"]
    assert ws.print_title_rows == "$2:$2" and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0
    for paper in ("A4", "Letter"):
        assert print_scale(ws, paper) >= 0.70, paper
    headers = _headers(ws)
    hidden = {col for key, dim in ws.column_dimensions.items() if dim.hidden
              for col in range(dim.min or 1, (dim.max or dim.min or 1) + 1)}
    assert {headers[title] for title in DETAIL} <= hidden
    assert not hidden & {headers[t] for t in ("Part", "Rule", "Kind", "Stages", "Country codes", "Suppliers", "USD/yr")}


def test_detail_adds_the_findings_detail_sheet_after_the_findings_one_row_per_finding(tmp_path: Path) -> None:
    path = tmp_path / "detail.xlsx"
    summary = write_report(ReportRequest(demo_project(), AS_OF, detail=True), path)
    sheets = (*SHEETS[:3], DETAIL_SHEET, *SHEETS[3:])
    assert summary.sheets == report_sheets(detail=True) == sheets
    book = openpyxl.load_workbook(path)
    assert tuple(book.sheetnames) == sheets
    ws = book[DETAIL_SHEET]
    assert "FindingsDetail" in ws.tables and ws.print_title_rows == "$2:$2"
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == summary.findings == 155
    headers = _headers(ws)
    pairs = {(row[headers["Country code"] - 1], row[headers["Country"] - 1]) for row in rows}
    assert pairs >= {("CN", "China"), (None, "unknown")}  # an unknown country: no code, the name says so
    findings = book["Findings"]
    counted = _headers(findings)["Findings"]
    assert sum(row[counted - 1] for row in findings.iter_rows(min_row=3, values_only=True)) == len(rows)


def _words(pdf: Path, page: int) -> list[tuple[str, float, float]]:
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return [(html.unescape(w), float(x), float(y)) for x, y, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>', xml)]


def test_libreoffice_prints_the_findings_at_70_percent_or_more(report: Path, book: openpyxl.Workbook,
                                                               tmp_path: Path) -> None:
    """Printed by LibreOffice (Carlito standing in for Calibri): the distance on the page between the header cells
    "Part" and "Suppliers" against their columns' widths is the scale; the header is on the next page too."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    need(soffice is not None, "LibreOffice (soffice) is not installed: installer/ci-deps.sh installs "
         "libreoffice-calc-nogui")
    need(shutil.which("pdftotext") is not None, "poppler's pdftotext is not installed: installer/ci-deps.sh "
         "installs poppler-utils")
    assert soffice is not None
    done = subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(report)], capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / f"{report.stem}.pdf"
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                             check=True, timeout=60).stdout).group(1))
    ws = book["Findings"]
    headers = _headers(ws)
    scales = []
    for page in range(1, pages + 1):
        words = _words(pdf, page)
        lines = {round(y) for text, _, y in words if text == "Suppliers"}
        start = next(((x, y) for text, x, y in words if text == "Part" and round(y) in lines), None)
        if start is None:
            continue
        end = next(x for text, x, y in words if text == "Suppliers" and abs(y - start[1]) < 2)
        scales.append((end - start[0]) / (column_pixels(ws, 1, headers["Suppliers"] - 1) * 0.75))
    assert len(scales) >= 2, "the Findings' header on each of their pages"
    assert min(scales) >= 0.70, scales


def test_a_findings_sheet_too_large_for_a_table_is_streamed_with_the_same_cells_and_a_filter(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from riskdesk.io.report import findings as findings_module

    request = ReportRequest(demo_project(), AS_OF, detail=True)
    write_report(request, tmp_path / "table.xlsx")
    monkeypatch.setattr(findings_module, "STREAMED_CELLS", 10)
    write_report(request, tmp_path / "streamed.xlsx")
    table, streamed = (openpyxl.load_workbook(tmp_path / name) for name in ("table.xlsx", "streamed.xlsx"))
    for name in ("Findings", DETAIL_SHEET):
        kept, written = table[name], streamed[name]
        assert [[c.value for c in row] for row in written.iter_rows()] == \
            [[c.value for c in row] for row in kept.iter_rows()], name
        assert [[c.number_format for c in row] for row in written.iter_rows()] == \
            [[c.number_format for c in row] for row in kept.iter_rows()], name
        assert not written.tables and kept.tables and written.auto_filter.ref == kept.tables[
            next(iter(kept.tables))].ref, name
        assert written.freeze_panes == kept.freeze_panes == "B3" and written.print_title_rows == "$2:$2"
        assert [written.row_dimensions[r].height for r in range(1, 20)] == \
            [kept.row_dimensions[r].height for r in range(1, 20)]
    assert streamed.sheetnames == table.sheetnames
    # The Checks sheet reconciles the streamed Findings as it does the table: the same formula over the same cells.
    checks = {str(r[0].value): (r[1].value, r[3].value) for r in streamed["Checks"].iter_rows(min_row=3)}
    summarised = next(v for what, v in checks.items() if what.startswith("Findings: those the Findings sheet"))
    rows = streamed["Findings"].max_row
    letter = openpyxl.utils.get_column_letter(_headers(streamed["Findings"])["Findings"])
    assert summarised[0] == f"=SUM('Findings'!${letter}$3:${letter}${rows})" and summarised[1] == "=B{0}=C{0}".format(
        next(k for k, what in enumerate(checks) if what.startswith("Findings: those")) + 3)


def test_a_cell_goes_without_its_style_only_where_the_style_would_not_show(book: openpyxl.Workbook) -> None:
    # A large report leaves the wrap format off texts that fit their column and the thousands format off counts
    # under 1,000 (fewer styled cells to save): no text may be cut off for it, and nothing may look different.
    from openpyxl.utils import get_column_letter

    ws = book["Findings"]
    headers = _headers(ws)
    seen = {"wrapped": 0, "plain": 0}
    for title in ("Rule", "Kind", "Effect", "Stages", "Country codes", "Suppliers"):
        col = headers[title]
        width = ws.column_dimensions[get_column_letter(col)].width
        for row in range(3, ws.max_row + 1):
            cell = ws.cell(row, col)
            if not cell.value:
                continue
            assert cell.alignment.vertical == "top", (title, row)
            if cell.alignment.wrap_text:
                seen["wrapped"] += 1
            else:
                seen["plain"] += 1
                assert len(cell.value) <= width, (title, cell.value, width)  # it fits: nothing is cut off
    assert seen["wrapped"] and seen["plain"]
    counts = [ws.cell(row, headers[title]) for title in ("Paths", "Findings") for row in range(3, ws.max_row + 1)]
    assert counts and all(c.number_format == "#,##0" or (c.number_format == "General" and isinstance(c.value, int)
                                                          and abs(c.value) < 1000) for c in counts)
