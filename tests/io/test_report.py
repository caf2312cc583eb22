"""The Excel risk report, reopened with openpyxl: sheets in order, tables, charts, formats, print set-up and
properties; text from the project arrives as text; formulas carry their values; a failed, cancelled or refused
write leaves the old file as it was; LibreOffice converts it to PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.project import Project
from riskdesk.core.scenarios import PriceShock, Scenario
from riskdesk.core.triage import shown_score
from riskdesk.io import report as report_module
from riskdesk.io.report import (
    DETAIL_SHEET,
    KG_FORMAT,
    SHEETS,
    ReportCancelled,
    ReportError,
    ReportRequest,
    UnknownScenario,
    resolve_scenarios,
    scenario_choices,
    write_report,
)
from riskdesk.io.xlsx import ExportError, os_user
from tests.helpers.needs import need

AS_OF = dt.date(2026, 11, 23)
LATER = dt.date(2027, 1, 1)
CHECK_WORDS = {"Red", "Amber", "Green", "mine", "separation/refining", "metal/alloy", "magnet making", "Nd", "Pr",
               "Dy", "Tb", "Sm", "Ho", "Co"}
"""The only text in the Checks sheet's formulas: band names, stage names and element symbols."""
HOSTILE = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "{=1+1}", "+1 (555) 0100", "-2", "\tTab first",
           "\rCR first", "http://example.com/not-a-link"]


def _request(project: Project | None = None, **changes: object) -> ReportRequest:
    project = project or demo_project()
    scenarios = resolve_scenarios(["april-2025-licensing", "dfars-2027"], project, AS_OF)
    request = ReportRequest(project, AS_OF, compare=LATER, scenarios=scenarios, monte_carlo_paths=300, seed=3)
    return dataclasses.replace(request, **changes)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "demo report.xlsx"
    write_report(_request(), path)
    return path


@pytest.fixture(scope="module")
def book(report: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(report)


def _hostile_project() -> Project:
    project = demo_project()
    suppliers = project.tables.suppliers
    for i, name in enumerate(HOSTILE[: len(suppliers)]):
        suppliers.loc[i, "supplier_name"] = name
    parts = project.tables.parts
    for i, text in enumerate(HOSTILE):
        parts.loc[i, "description"] = text
    project.settings.name = '=HYPERLINK("http://x","y") & co'
    project.scenarios.append(Scenario('=HYPERLINK("http://x","y")', dt.date(2026, 11, 1),
                                      price_shocks=(PriceShock(("Dy",), multiplier=2.0, months=3),)))
    return project


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.xlsx"
    project = _hostile_project()
    write_report(ReportRequest(project, AS_OF, scenarios=resolve_scenarios([project.scenarios[0].name], project,
                                                                           AS_OF)), path)
    return path


def _rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(c.value for c in row) for row in book[sheet].iter_rows()]
    finally:
        book.close()


def _table(book: openpyxl.Workbook, sheet: str, name: str) -> list[dict[str, object]]:
    """An Excel table's rows as dicts by header."""
    ws = book[sheet]
    cells = ws[ws.tables[name].ref]
    headers = [c.value for c in cells[0]]
    return [dict(zip(headers, (c.value for c in row), strict=True)) for row in cells[1:]]


# ---------------------------------------------------------------------------------------------------------------
# Structure


def test_sheets_are_named_so_and_in_this_order(book: openpyxl.Workbook) -> None:
    assert tuple(book.sheetnames) == SHEETS == ("Summary", "Parts", "Findings", "Exposure", "Concentration",
                                                "Scenarios", "Suppliers", "Variants", "Declarations", "Inputs",
                                                "Method", "Checks")


def test_data_sheets_are_excel_tables_with_filters_and_frozen_headers(book: openpyxl.Workbook) -> None:
    for sheet, name in (("Parts", "Parts"), ("Findings", "Findings"), ("Exposure", "Exposure")):
        ws = book[sheet]
        assert name in ws.tables, sheet
        table = ws.tables[name]
        assert table.ref.startswith("A2:") and table.autoFilter is not None
        assert ws.freeze_panes in ("A3", "B3"), sheet
    assert {"TopParts"} <= set(book["Summary"].tables)
    assert {"Scenario1Months", "Scenario1Stops", "Scenario2Months"} <= set(book["Scenarios"].tables)
    assert {"Settings", "InputParts", "InputSuppliers", "InputPaths"} <= set(book["Inputs"].tables)
    assert {"MethodFactors", "MethodFormulas", "MethodInvariants", "MethodData", "MethodRules",
            "MethodSources"} <= set(book["Method"].tables)


def test_numbers_and_dates_have_their_formats(book: openpyxl.Workbook) -> None:
    parts = book["Parts"]
    headers = {c.value: c.column for c in parts[2]}
    assert parts.cell(3, headers["Score"]).number_format == "0"
    assert parts.cell(3, headers["Magnet kg/yr"]).number_format == KG_FORMAT
    assert parts.cell(3, headers["Spend USD/yr"]).number_format == "#,##0"
    findings = book["Findings"]
    headers = {c.value: c.column for c in findings[2]}
    assert findings.cell(3, headers["USD/yr"]).number_format == "#,##0"
    method = book["Method"]
    start = next(c for row in method.iter_rows() for c in row if isinstance(c.value, dt.datetime))
    assert start.number_format == "yyyy-mm-dd"
    exposure = book["Exposure"]
    headers = {c.value: c.column for c in exposure[2]}
    assert exposure.cell(3, headers["Share of the element at this stage"]).number_format == "0.0%"


def test_scores_have_a_colour_scale_and_bands_the_windows_colours(book: openpyxl.Workbook) -> None:
    from riskdesk.core.labels import BAND_COLORS
    from riskdesk.io.xlsx import tint

    parts = book["Parts"]
    rules = [rule for cf in parts.conditional_formatting for rule in cf.rules]
    assert any(rule.type == "colorScale" for rule in rules)
    headers = {c.value: c.column for c in parts[2]}
    band = parts.cell(3, headers["Band"])
    assert band.value == "Red"
    assert band.fill.fgColor.rgb.endswith(tint(BAND_COLORS["red"], 0.45).lstrip("#"))


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_repeated(book: openpyxl.Workbook) -> None:
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        tall = (1, None) if ws.title == "Summary" else (0,)  # the Summary is one page (1 is the default, left out)
        assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight in tall, ws.title
        assert "&A" in ws.oddFooter.left.text and "&P" in ws.oddFooter.right.text
    for sheet in ("Parts", "Findings", "Exposure"):
        assert book[sheet].print_title_rows == "$2:$2", sheet


def _table_rows(ws: object, name: str) -> tuple[int, int, list[object]]:
    """An Excel table's first and last row (1-based) and its header's cells."""
    from openpyxl.utils import range_boundaries

    _, first, _, last = range_boundaries(ws.tables[name].ref)  # type: ignore[attr-defined]
    return first, last, [c.value for c in ws[first] if c.value is not None]  # type: ignore[index]


def test_every_table_that_can_span_pages_has_its_header_row_repeated(book: openpyxl.Workbook) -> None:
    """A sheet repeats one header row, from the page where it first appears: the table it heads (and those below it,
    alike in columns) starts a page, and every table above it ends before that page."""
    for sheet in ("Parts", "Findings", "Exposure", "Scenarios", "Inputs", "Method"):
        ws = book[sheet]
        assert ws.print_title_rows, sheet
        title = int(ws.print_title_rows.split(":")[0].strip("$"))
        header = [c.value for c in ws[title] if c.value is not None]
        breaks = [b.id for b in ws.row_breaks.brk]
        below = 0
        for name in ws.tables:
            first, last, cells = _table_rows(ws, name)
            if first >= title:
                assert cells == header, (sheet, name)
                below += 1
            else:
                assert any(last <= b < title for b in breaks), f"{sheet}: {name} shares a page with the header"
        assert below >= 1, sheet
    stops = [_table_rows(book["Scenarios"], f"Scenario{k}Stops")[0] for k in (1, 2)]
    assert book["Scenarios"].print_title_rows == f"${stops[0]}:${stops[0]}"


def test_every_sheet_of_the_demo_report_prints_at_70_percent_or_more_on_a4_and_letter(
        book: openpyxl.Workbook) -> None:
    from tests.helpers.printing import print_scale

    summary, parts = book["Summary"], book["Parts"]
    assert summary.page_setup.fitToWidth in (1, None) and summary.page_setup.fitToHeight in (1, None)
    assert parts.page_setup.fitToWidth in (1, None) and parts.page_setup.fitToHeight == 0
    for ws in book.worksheets:  # the Inputs too, whose blocks share its columns
        assert ws.page_setup.orientation == "landscape", ws.title
        for paper in ("A4", "Letter"):
            assert print_scale(ws, paper) >= 0.70, (ws.title, paper, round(print_scale(ws, paper), 2))
    assert summary.page_setup.paperSize == 1  # a buyer importing into the US prints on Letter


def test_the_parts_detail_columns_are_collapsed_outline_groups(book: openpyxl.Workbook) -> None:
    from openpyxl.utils import get_column_letter

    ws = book["Parts"]
    headers = {c.value: c.column for c in ws[2]}
    levels: dict[int, tuple[int, bool]] = {}
    for dim in ws.column_dimensions.values():
        for col in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
            levels[col] = (dim.outline_level or 0, bool(dim.hidden))
    main = ["Part", "Description", "Score", "Band", "Status", "Score on 2027-01-01", "Change", "Why held at the floor",
            "Hits", "Watch", "Possible", "Spend USD/yr", "Element value USD/yr"]
    detail = ["End use", "Magnet family", "Grade", "Rules gained", "Rules lost", "Floor", "Factor score",
              "Restriction", "Magnet kg/yr", "No. 61 value test", "Dy kg/yr", "Dy USD/yr"]
    for title in main:
        assert levels.get(headers[title], (0, False)) == (0, False), title
    for title in detail:
        assert levels[headers[title]] == (1, True), (title, get_column_letter(headers[title]))


def test_footers_say_the_project_and_sheet_on_the_left_and_escape_every_ampersand(tmp_path: Path) -> None:
    project = demo_project()
    project.settings.name = "R&D & Co " + "&" * 150
    path = tmp_path / "ampersands.xlsx"
    write_report(ReportRequest(project, AS_OF), path)
    for ws in openpyxl.load_workbook(path).worksheets:
        footer = ws.oddFooter
        assert not footer.center.text, ws.title  # nothing for a long left text to run into
        left = footer.left.text
        assert left.startswith("RiskDesk risk report: R&&D && Co &&") and left.endswith(" · &A"), left
        assert len(left) < 250, ws.title
        codes = re.sub("&&", "", left)
        assert re.findall("&.", codes) == ["&A"], left


def test_document_properties_name_the_report_and_its_author(book: openpyxl.Workbook) -> None:
    properties = book.properties
    assert properties.title == "RiskDesk risk report: Demo: US motor and sensor buyer"
    assert properties.subject == f"Rare-earth magnet supply risk as of {AS_OF}"
    assert properties.creator == (os_user() or None)
    assert abs(properties.created - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=10)


def _charts(path: Path) -> list[tuple[str, set[str], bool]]:
    """(kind, sheets its series read, whether every series caches its values) of each chart in the file."""
    charts = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            xml = archive.read(name).decode("utf-8")
            kind = re.search(r"<c:(bar|line)Chart>", xml)
            sheets = set(re.findall(r"<c:f>'?([A-Za-z]+)'?!", xml))
            values = re.findall(r"<c:val>(.*?)</c:val>", xml, re.S)
            charts.append((kind.group(1) if kind else "", sheets, all("<c:numCache>" in v for v in values)))
    return charts


def test_the_summary_and_each_scenario_have_a_native_chart_with_cached_values(report: Path) -> None:
    charts = _charts(report)
    assert ("bar", {"Summary"}, True) in charts
    assert sum(1 for kind, sheets, cached in charts if kind == "line" and sheets == {"Scenarios"} and cached) == 2


def _links(ws: object) -> list[str]:
    return [cell.hyperlink.target for row in ws.iter_rows() for cell in row if cell.hyperlink]  # type: ignore[attr-defined]


def test_links_are_only_the_bundled_sources(book: openpyxl.Workbook) -> None:
    from riskdesk.core.reference import default_reference

    bundled = {s.url for rule in default_reference().control_list.rules for s in rule.sources}
    method = _links(book["Method"])
    assert method and set(method) & bundled and all(url.startswith(("https://", "http://")) for url in method)
    # The Findings name each rule by its id; its sources are on the Method sheet, once per rule.
    for sheet in ("Summary", "Parts", "Findings", "Exposure", "Scenarios", "Inputs"):
        assert not _links(book[sheet]), sheet


def test_the_detail_links_only_bundled_sources(tmp_path: Path) -> None:
    from riskdesk.core.reference import default_reference

    bundled = {s.url for rule in default_reference().control_list.rules for s in rule.sources}
    path = tmp_path / "detail.xlsx"
    write_report(ReportRequest(demo_project(), AS_OF, detail=True), path)
    links = _links(openpyxl.load_workbook(path)[DETAIL_SHEET])
    assert links and set(links) <= bundled


def test_detail_sources_are_text_when_there_are_more_than_excel_keeps_links(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_module, "MAX_LINKS", 10)
    path = tmp_path / "many.xlsx"
    write_report(ReportRequest(demo_project(), AS_OF, detail=True), path)
    book = openpyxl.load_workbook(path)
    assert not _links(book[DETAIL_SHEET])
    assert "links are on the Method sheet" in str(book[DETAIL_SHEET]["A1"].value)


# ---------------------------------------------------------------------------------------------------------------
# Content


def test_the_summary_says_what_and_when_with_the_control_lists_hash(report: Path) -> None:
    from riskdesk.core.provenance import file_sha256
    from riskdesk.core.reference import default_reference

    rows = {row[0]: row[1:] for row in _rows(report, "Summary") if row and row[0]}
    assert rows["Buyer imports into"][:2] == ("US", "United States")  # the ISO code and the name in their own cells
    rows = {label: values[0] for label, values in rows.items()}
    assert rows["Project"] == "Demo: US motor and sensor buyer"
    assert rows["As of"] == dt.datetime(2026, 11, 23) and rows["Compared with"] == dt.datetime(2027, 1, 1)
    control = default_reference().control_list
    assert control.version in rows["Control list"]
    assert rows["Control list SHA-256"] == file_sha256(control.path)
    texts = [str(row[0]) for row in _rows(report, "Summary") if row and row[0]]
    assert any("becomes prohibited on 2027-01-01" in t and "ACT-FIN-07" in t for t in texts)


def test_the_ten_riskiest_parts_are_the_highest_scores_with_both_dates_and_the_change(
        book: openpyxl.Workbook) -> None:
    top = _table(book, "Summary", "TopParts")
    parts = _table(book, "Parts", "Parts")
    assert [r["Part"] for r in top] == [r["Part"] for r in parts[:10]]
    scores = [shown_score(r["Score"]) for r in parts]
    assert scores == sorted(scores, reverse=True)
    assert top[0]["Score on 2027-01-01"] is not None and "Change" in top[0]


def test_formulas_are_riskdesks_own_and_carry_their_values(report: Path) -> None:
    formulas = openpyxl.load_workbook(report)["Parts"]
    values = openpyxl.load_workbook(report, data_only=True)["Parts"]
    headers = {c.value: c.column for c in formulas[2]}
    score, later, change = headers["Score"], headers["Score on 2027-01-01"], headers["Change"]
    found = 0
    for row in range(3, formulas.max_row + 1):
        cell = formulas.cell(row, change)
        assert isinstance(cell.value, str) and cell.value.startswith("=")
        assert re.fullmatch(rf"=[A-Z]+{row}-[A-Z]+{row}", cell.value)
        expected = values.cell(row, later).value - values.cell(row, score).value
        assert values.cell(row, change).value == pytest.approx(expected, abs=1e-9)
        found += 1
    assert found == 15
    for ws in openpyxl.load_workbook(report):
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert ws.title in ("Summary", "Parts", "Scenarios", "Checks"), (ws.title, cell.coordinate)


def test_no_scenario_chosen_says_so(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    write_report(ReportRequest(demo_project(), AS_OF), path)
    rows = _rows(path, "Scenarios")
    assert rows[0][0] == "No scenario chosen."
    assert not _charts(path)[1:] and [c[0] for c in _charts(path)] == ["bar"]


def test_scenarios_are_presets_by_id_or_name_or_saved_ones_by_name() -> None:
    project = _hostile_project()
    chosen = resolve_scenarios(["dfars-2027", "April 2025 licensing, again", project.scenarios[0].name], project,
                               AS_OF)
    assert [s.preset for s in chosen[:2]] == ["dfars-2027", "april-2025-licensing"]
    assert chosen[2] is project.scenarios[0]
    with pytest.raises(UnknownScenario, match=r"no preset or saved scenario 'nope'.*dfars-2027"):
        resolve_scenarios(["nope"], project, AS_OF)
    assert len(scenario_choices(project, AS_OF)) == 6


# ---------------------------------------------------------------------------------------------------------------
# Safety


def test_text_from_the_project_arrives_as_text_never_a_formula(hostile: Path) -> None:
    book = openpyxl.load_workbook(hostile, read_only=True)
    seen: set[str] = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    if ws.title == "Checks":  # RiskDesk's reconciliations: its sheets' cells, its own words
                        assert all(text in CHECK_WORDS for text in re.findall(r'"([^"]*)"', cell.value)), cell.value
                        continue
                    assert ws.title == "Scenarios", (ws.title, cell.value)  # RiskDesk's own change column
                    assert re.fullmatch(r"=C\d+-B\d+", cell.value)
                    continue
                value = cell.value
                if isinstance(value, str):
                    for text in HOSTILE:
                        if value in (text, text.replace("\r", "_x000D_")):
                            assert cell.data_type == "s"
                            seen.add(text)
    book.close()
    assert seen == set(HOSTILE)
    titles = _rows(hostile, "Summary")[0][0]
    assert titles == 'RiskDesk risk report: =HYPERLINK("http://x","y") & co'
    scenario = _rows(hostile, "Scenarios")[0][0]
    assert scenario == 'Scenario 1: =HYPERLINK("http://x","y")'
    assert not _links(openpyxl.load_workbook(hostile)["Inputs"])


def test_a_workbook_open_elsewhere_is_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"old report")
    lock = tmp_path / ".~lock.report.xlsx#"
    lock.write_text("someone,host,2026")
    with pytest.raises(ExportError, match=r"report\.xlsx is open in another program.*close it there"):
        write_report(ReportRequest(demo_project(), AS_OF), path)
    assert path.read_bytes() == b"old report"
    lock.unlink()
    (tmp_path / "~$report.xlsx").write_text("excel")
    with pytest.raises(ExportError, match="open in another program"):
        write_report(ReportRequest(demo_project(), AS_OF), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx", "~$report.xlsx"]


def test_a_cancelled_report_writes_nothing_and_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"old report")
    seen: list[int] = []

    def cancelled() -> bool:
        return len(seen) > 3

    with pytest.raises(ReportCancelled):
        write_report(_request(monte_carlo_paths=0), path, progress=lambda done, total, text: seen.append(done),
                     cancelled=cancelled)
    assert path.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]
    assert seen == sorted(seen) and all(0 <= d <= 1000 for d in seen)


def test_a_folder_that_does_not_exist_or_a_wrong_name_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"the folder .*missing.* does not exist\. Create it or choose another"):
        write_report(ReportRequest(demo_project(), AS_OF), tmp_path / "missing" / "r.xlsx")
    with pytest.raises(ReportError, match=r"give a file name ending in \.xlsx"):
        write_report(ReportRequest(demo_project(), AS_OF), tmp_path / "r.csv")
    with pytest.raises(ExportError, match="is a folder"):
        (tmp_path / "d.xlsx").mkdir()
        write_report(ReportRequest(demo_project(), AS_OF), tmp_path / "d.xlsx")


def test_a_project_with_errors_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    project = demo_project()
    project.tables.paths.loc[0, "share_pct"] = 250.0
    with pytest.raises(ReportError, match="fix them before making a report"):
        write_report(ReportRequest(project, AS_OF), tmp_path / "r.xlsx")
    assert not list(tmp_path.iterdir())


def test_progress_goes_from_start_to_done(tmp_path: Path) -> None:
    steps: list[tuple[int, int, str]] = []
    write_report(ReportRequest(demo_project(), AS_OF), tmp_path / "r.xlsx",
                 progress=lambda done, total, text: steps.append((done, total, text)))
    assert steps[0][0] == 0 and steps[-1] == (1000, 1000, "Done")
    assert [s[0] for s in steps] == sorted(s[0] for s in steps)


# ---------------------------------------------------------------------------------------------------------------
# LibreOffice


def test_libreoffice_converts_the_report_to_pdf_and_shows_the_text_as_text(hostile: Path, report: Path,
                                                                        tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    need(soffice is not None, "LibreOffice (soffice) is not installed: installer/ci-deps.sh installs "
         "libreoffice-calc-nogui")
    assert soffice is not None
    profile = tmp_path / "lo-profile"
    out = tmp_path / "pdf"
    for workbook in (report, hostile):
        done = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                               "pdf", "--outdir", str(out), str(workbook)], capture_output=True, text=True,
                              timeout=180, check=False)
        assert done.returncode == 0, done.stderr
        pdf = out / (workbook.stem + ".pdf")
        assert pdf.exists() and pdf.stat().st_size > 10_000, done.stdout + done.stderr
    pdftotext = shutil.which("pdftotext")
    need(pdftotext is not None, "poppler's pdftotext is not installed: installer/ci-deps.sh installs poppler-utils")
    assert pdftotext is not None
    text = subprocess.run([pdftotext, "-layout", str(out / "hostile.pdf"), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    assert '=HYPERLINK("http://x","y")' in text and "@SUM(A1)" in text and "{=1+1}" in text
    summary = subprocess.run([pdftotext, "-f", "1", "-l", "1", str(out / f"{report.stem}.pdf"), "-"],
                             capture_output=True, text=True, check=True, timeout=60).stdout
    assert "RiskDesk risk report" in summary and "###" not in summary


def _pdf(workbook: Path, out: Path) -> Path:
    """`workbook` printed to PDF by LibreOffice (skipped where it is not installed, failed under CI)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    need(soffice is not None, "LibreOffice (soffice) is not installed: installer/ci-deps.sh installs "
         "libreoffice-calc-nogui")
    need(shutil.which("pdftotext") is not None, "poppler's pdftotext is not installed: installer/ci-deps.sh "
         "installs poppler-utils")
    assert soffice is not None
    done = subprocess.run([soffice, f"-env:UserInstallation={(out / 'lo-profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(out), str(workbook)], capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    return out / f"{workbook.stem}.pdf"


def _words(pdf: Path, page: int) -> list[tuple[str, float, float]]:
    """The words of a printed page: text, left x and top y in points."""
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return [(html.unescape(w), float(x), float(y)) for x, y, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>', xml)]


def _printed_scale(words: list[tuple[str, float, float]], ws: object, header_row: int, last: str) -> float:
    """The scale LibreOffice printed a sheet at: the distance between the left edges of the header cells "Part"
    (column A) and `last` on the page, against the columns' widths in between."""
    from tests.helpers.printing import column_pixels

    headers = {c.value: c.column for c in ws[header_row]}  # type: ignore[index]
    start = next((x, y) for text, x, y in words if text == "Part")
    end = next(x for text, x, y in words if text == last.split()[0] and abs(y - start[1]) < 2)
    return (end - start[0]) / (column_pixels(ws, 1, headers[last] - 1) * 0.75)


def test_libreoffice_prints_the_summary_on_one_page_and_the_parts_at_70_percent_or_more(
        report: Path, book: openpyxl.Workbook, tmp_path: Path) -> None:
    pdf = _pdf(report, tmp_path)
    summary, parts = _words(pdf, 1), _words(pdf, 2)
    assert any(text == "Summary" for text, _, _ in summary) and any(text == "Parts" for text, _, _ in parts)
    top_header = _table_rows(book["Summary"], "TopParts")[0]
    assert _printed_scale(summary, book["Summary"], top_header, "Hits") >= 0.70
    assert _printed_scale(parts, book["Parts"], 2, "Hits") >= 0.70


def test_an_empty_project_makes_a_report_that_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    summary = write_report(ReportRequest(Project(), AS_OF, compare=LATER), path)
    assert (summary.parts, summary.findings) == (0, 0)
    texts = [row[0] for row in _rows(path, "Summary") if row and row[0]]
    assert "The project has no parts yet: add or import them, then export again." in texts
    assert "• The project has no parts yet." in texts
    book = openpyxl.load_workbook(path)
    assert tuple(book.sheetnames) == SHEETS and book["Parts"].max_row == 2


# ---------------------------------------------------------------------------------------------------------------
# Links, author, temporary files (docs/reliability.md, "Outputs never destroy")


def test_a_scenarios_own_source_addresses_are_text_and_only_bundled_ones_are_links(tmp_path: Path) -> None:
    from riskdesk.core.datafile import Source
    from riskdesk.core.presets import default_presets
    from riskdesk.core.scenarios import Provenance

    preset = default_presets().get("april-2025-licensing").scenario(AS_OF)
    bundled = next(s for shock in preset.price_shocks for s in shock.provenance.sources if s.url)
    sources = (Source("EU Official Journal (official)", "https://evil.example/phish?u=1"), bundled,
               Source("local", "file:///etc/passwd"))
    project = demo_project()
    project.scenarios.append(Scenario("Imported", dt.date(2026, 11, 1), price_shocks=(
        PriceShock(("Dy",), multiplier=2.0, months=3, provenance=Provenance(sources=sources)),)))
    path = tmp_path / "r.xlsx"
    write_report(ReportRequest(project, AS_OF, scenarios=resolve_scenarios(["Imported"], project, AS_OF)), path)
    method = openpyxl.load_workbook(path)["Method"]
    links = _links(method)
    assert bundled.url in links and not [url for url in links if "evil" in url or url.startswith("file:")]
    texts = [cell.value for row in method.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert "EU Official Journal (official)" in texts and "https://evil.example/phish?u=1" in texts  # shown, as text


def test_no_author_leaves_the_login_name_out_of_the_properties_and_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "anonymous.xlsx"
    write_report(ReportRequest(demo_project(), AS_OF, author=False), path)
    with zipfile.ZipFile(path) as archive:
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert re.search(r"<dc:creator>\s*</dc:creator>|<dc:creator/>", core), core
    assert re.search(r"<cp:lastModifiedBy>\s*</cp:lastModifiedBy>|<cp:lastModifiedBy/>", core), core
    written = next(row[1] for row in _rows(path, "Summary") if row and row[0] == "Written")
    assert isinstance(written, str) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC with RiskDesk .+", written)
    name = os_user()
    if name:
        assert name not in core


def _fail_packaging(monkeypatch: pytest.MonkeyPatch, after: int = 1) -> None:
    """The disk fills up while XlsxWriter packs the workbook: ZipFile.write fails after `after` members."""
    original = zipfile.ZipFile.write
    calls = [0]

    def write(self: zipfile.ZipFile, *args: object, **kwargs: object) -> None:
        calls[0] += 1
        if calls[0] > after:
            raise OSError(28, "No space left on device")
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "write", write)


def test_a_full_disk_while_packing_is_one_error_naming_the_file_with_no_temporary_files_left(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import sys
    import tempfile

    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    target = tmp_path / "out" / "r.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"old report")
    _fail_packaging(monkeypatch)
    with pytest.raises(ExportError) as failed:
        write_report(ReportRequest(demo_project(), AS_OF), target)
    gc.collect()
    assert str(failed.value) == f"cannot write {target}: the disk is full; the file was not changed"
    assert not unraisable  # no "Exception ignored in: ZipFile.__del__" under the message
    assert target.read_bytes() == b"old report" and [p.name for p in target.parent.iterdir()] == ["r.xlsx"]
    assert not list(system_temp.iterdir())  # XlsxWriter's sheet XML never went to the system's temporary folder


_KILLED_REPORT = """
import sys, time, zipfile
import datetime as dt
from pathlib import Path
from riskdesk.core.demo import demo_project
from riskdesk.io.report import ReportRequest, write_report

original = zipfile.ZipFile.write
def write(self, *args, **kwargs):
    print("packing", flush=True)
    time.sleep(600)  # killed here, with the sheets' XML written and the workbook half packed
zipfile.ZipFile.write = write
write_report(ReportRequest(demo_project(), dt.date(2026, 11, 23)), Path(sys.argv[1]))
"""


def test_a_report_killed_while_packing_leaves_nothing_in_the_temporary_folder_and_the_next_write_sweeps_it(
        tmp_path: Path) -> None:
    import os
    import sys

    system_temp, out = tmp_path / "system-temp", tmp_path / "out"
    system_temp.mkdir()
    out.mkdir()
    target = out / "r.xlsx"
    target.write_bytes(b"old report")
    child = subprocess.Popen([sys.executable, "-c", _KILLED_REPORT, str(target)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "TMPDIR": str(system_temp)})
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "packing"
    child.kill()
    child.wait(timeout=60)
    child.stdout.close()
    assert target.read_bytes() == b"old report" and not list(system_temp.iterdir())
    leftovers = [p for p in out.iterdir() if p.name != "r.xlsx"]
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".~riskdesk.") and len(list(leftovers[0].iterdir()))
    write_report(ReportRequest(demo_project(), AS_OF), out / "next.xlsx")
    assert sorted(p.name for p in out.iterdir()) == ["next.xlsx", "r.xlsx"]
