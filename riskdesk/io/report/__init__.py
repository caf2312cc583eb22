"""The Excel risk report: what a manager reads and an auditor files.

    request = ReportRequest(project, as_of, compare=…, scenarios=resolve_scenarios(names, project, as_of))
    summary = write_report(request, Path("report.xlsx"), progress=…, cancelled=…)

Sheets, in this order: Summary, Parts, Findings, Exposure, Scenarios, Suppliers, Variants, Declarations, Inputs,
Method, Checks (docs/report.md says what each column means). What each sheet says — every figure and sentence —
is computed in `riskdesk.core.report_content` and, for the last four added, `report_suppliers`, `report_variants`,
`report_declarations` and `report_checks` (Qt-free and tested there without a workbook); this package only lays it
out with XlsxWriter: `layout` (formats and table helpers), then one module per sheet or group of sheets
(`summary`, `parts`, `findings` with the Exposure, `scenarios`, `suppliers` with the Variants and Declarations,
`inputs` with the Method, `checks` last). The command line and the window's File ▸ Export report… both call
`write_report`; it never touches Qt and can run in a worker thread.

The Findings sheet has one row per part and rule (`riskdesk.core.report_findings`); with `ReportRequest(detail=True)`
(`riskdesk report --detail`, the window's "Findings in full detail") the Findings detail sheet, one row per
finding, follows it (`report_sheets(detail=True)`).

Safe: text from the project is only ever written as text (io/xlsx.py); the only formulas are RiskDesk's own
(a scenario's monthly change, a comparison's change, the Checks sheet's reconciliations of the report's own
cells), each with its value cached; the workbook is written to a temporary file and moved over the target when
complete.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from riskdesk import __version__
from riskdesk.core.labels import count
from riskdesk.core.project import Project
from riskdesk.core.report_checks import checks_sheet
from riskdesk.core.report_content import (
    FULL_TEXT_PARTS,
    STEPS,
    TOP_PARTS,
    Progress,
    ReportCancelled,
    ReportData,
    ReportError,
    ReportRequest,
    SheetLimits,
    Steps,
    UnknownScenario,
    bundled_source_urls,
    exposure_sheet,
    findings_sheet,
    inputs_sheet,
    method_sheet,
    parts_sheet,
    prepare,
    resolve_scenarios,
    scenario_blocks,
    scenario_choices,
    summary_sheet,
)
from riskdesk.core.report_declarations import declarations_sheet
from riskdesk.core.report_findings import findings_summary, summary_rows
from riskdesk.core.report_suppliers import suppliers_sheet
from riskdesk.core.report_variants import variants_sheet
from riskdesk.io.report.checks import write_checks
from riskdesk.io.report.exposure import write_concentration, write_exposure
from riskdesk.io.report.findings import DETAIL_SHEET, write_findings, write_findings_detail
from riskdesk.io.report.inputs import write_inputs, write_method
from riskdesk.io.report.layout import KG_FORMAT, Layout
from riskdesk.io.report.parts import write_parts
from riskdesk.io.report.scenarios import write_scenarios
from riskdesk.io.report.summary import write_summary
from riskdesk.io.report.suppliers import write_declarations, write_suppliers, write_variants
from riskdesk.io.xlsx import (
    MAX_LINKS,
    MAX_ROWS,
    WriteCancelled,
    document_properties,
    os_user,
    paper_for,
    workbook,
)

SHEETS: tuple[str, ...] = ("Summary", "Parts", "Findings", "Exposure", "Concentration", "Scenarios", "Suppliers",
                           "Variants", "Declarations", "Inputs", "Method", "Checks")
"""The report's sheets, named so and in this order."""


def report_sheets(detail: bool = False) -> tuple[str, ...]:
    """The sheets of a report, with the Findings detail sheet after the Findings when `detail` is asked for."""
    if not detail:
        return SHEETS
    at = SHEETS.index("Findings") + 1
    return (*SHEETS[:at], DETAIL_SHEET, *SHEETS[at:])


@dataclass(frozen=True)
class ReportSummary:
    """What was written."""

    path: Path
    sheets: tuple[str, ...]
    parts: int
    findings: int
    scenarios: int
    seconds: float

    def line(self) -> str:
        return (f"wrote {self.path}: {len(self.sheets)} sheets, {count(self.parts, 'part')}, "
                f"{count(self.findings, 'finding')}, {count(self.scenarios, 'scenario')}")


def write_report(request: ReportRequest, path: Path, *, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None) -> ReportSummary:
    """Write the risk report to `path` (an .xlsx file), replacing it only once the report is complete.

    `progress(done, total, text)` and `cancelled()` are called from the calling thread (run it in a worker for
    large projects). Raises ReportError (what was asked cannot be reported), ReportCancelled, and
    `riskdesk.io.xlsx.ExportError` (an OSError) when the file cannot be written — in each case the file that was
    there is unchanged."""
    started = time.perf_counter()
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ReportError(f"{path.name}: a report is an Excel workbook; give a file name ending in .xlsx")
    steps = Steps(progress, cancelled)
    data = prepare(request, steps)
    project = request.project
    properties = document_properties(
        f"RiskDesk risk report: {project.settings.name}",
        f"Rare-earth magnet supply risk as of {request.as_of.isoformat()}",
        comments=f"Control list {data.evaluation.rules_version}, SHA-256 {data.files[0].sha256}; RiskDesk "
                 f"{__version__}",
        keywords="RiskDesk, rare earths, magnets, supply risk", author=os_user() if request.author else "")
    # Read here, when the report is written, so that a test can lower them.
    limits = SheetLimits(rows=MAX_ROWS - 2, links=MAX_LINKS)
    try:
        with workbook(path, print_header_rows=0, properties=properties, what="the report",
                      top_aligned=True) as book:
            footer = f"RiskDesk risk report: {project.settings.name} as of {request.as_of}"
            _write_sheets(Layout(book, steps, footer, _cell_estimate(data), paper_for(project.settings.import_country)),
                          data, limits)
            steps.report(700, "Saving the workbook…")
    except WriteCancelled:
        raise ReportCancelled from None
    steps.report(STEPS, "Done", check=False)  # written: too late to cancel
    return ReportSummary(path, report_sheets(request.detail), data.evaluation.compiled.n_parts, len(data.findings),
                         len(data.runs), time.perf_counter() - started)


def _write_sheets(layout: Layout, data: ReportData, limits: SheetLimits) -> None:
    """Each sheet in turn, computed just before it is written (so that only one sheet's values are held at once)."""
    write_summary(layout, summary_sheet(data, user=os_user() if data.request.author else ""))
    write_parts(layout, parts_sheet(data))
    findings = findings_summary(data, limits)
    write_findings(layout, findings)
    if data.request.detail:
        write_findings_detail(layout, findings_sheet(data, limits))
    exposure = exposure_sheet(data)
    write_exposure(layout, exposure)
    write_concentration(layout, exposure)
    write_scenarios(layout, scenario_blocks(data))
    suppliers, variants = suppliers_sheet(data), variants_sheet(data)
    write_suppliers(layout, suppliers)
    write_variants(layout, variants)
    write_declarations(layout, declarations_sheet(data))
    write_inputs(layout, inputs_sheet(data))
    write_method(layout, method_sheet(data, limits))
    # Checks last: it reads where the other sheets' tables are (the Findings only when whole: every row fits a sheet)
    whole = findings if len(findings.part_numbers) == findings.total else None
    write_checks(layout, checks_sheet(data, suppliers, variants, whole))
    layout.book.worksheets()[0].activate()


def _cell_estimate(data: ReportData) -> int:
    """About how many cells the report has, for progress."""
    evaluation = data.evaluation
    compiled = evaluation.compiled
    variants = len(data.request.project.variants) + 1
    findings = summary_rows(data.findings) * 19 + (len(data.findings) * 17 if data.request.detail else 0)
    return (findings + compiled.n_parts * (24 + 2 * len(evaluation.columns))
            + compiled.n_paths * 11 + 2_000
            + len(compiled.supplier_ids) * 21 + compiled.n_parts * 9 + variants * max(len(data.runs), 1) * 14
            + len(data.request.project.declarations.requests) * 10 + (len(evaluation.columns) * 4 + 20) * 6)


__all__ = [
    "DETAIL_SHEET",
    "FULL_TEXT_PARTS",
    "KG_FORMAT",
    "SHEETS",
    "TOP_PARTS",
    "Progress",
    "ReportCancelled",
    "ReportError",
    "ReportRequest",
    "ReportSummary",
    "UnknownScenario",
    "bundled_source_urls",
    "report_sheets",
    "resolve_scenarios",
    "scenario_choices",
    "write_report",
]


def selftest(project: Project, folder: Path) -> str:
    """`riskdesk --selftest`'s report step: the demo's report with the April 2025 preset, written to `folder` and
    read back (the sheets in their order, the hostile-text rule kept: every text cell a string)."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    as_of = dt.date.today()
    scenarios = tuple(resolve_scenarios(["april-2025-licensing"], project, as_of))
    summary = write_report(ReportRequest(project, as_of, scenarios=scenarios), Path(folder) / "report.xlsx")
    book = load_workbook(summary.path, read_only=True)
    try:
        if tuple(book.sheetnames) != SHEETS:
            raise AssertionError(f"the report's sheets are {book.sheetnames}, not {list(SHEETS)}")
    finally:
        book.close()
    return f"{summary.line()} ({summary.path.stat().st_size // 1024} KB) and read back"
