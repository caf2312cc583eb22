"""The Excel risk report (issue 12) of a 100,000-path project, against XlsxWriter writing the same cells bare.

The report (`write_report`: findings, roll-ups, every sheet with its tables, formats, charts and print set-up, a
scenario, written to a temporary file and moved into place) is timed from an evaluated project. The baseline is
measured in the same run: XlsxWriter writes the very cells the report holds (read back from it, untimed, with
python-calamine), each with `write_string`/`write_number`, in one workbook with the same sheets and no formats,
tables, charts or print set-up.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import BenchResult

AS_OF = dt.date(2026, 11, 23)


def _cells(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """Every sheet's values as rows (untimed)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]


def _bare(path: Path, sheets: list[tuple[str, list[list[Any]]]]) -> int:
    """Write the same cells with XlsxWriter and nothing else; returns how many."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False})
    written = 0
    for name, rows in sheets:
        sheet = book.add_worksheet(name)
        write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value == "" or value is None:
                    continue
                if isinstance(value, str):
                    write_string(r, c, value)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    write_number(r, c, value)
                else:
                    write_datetime(r, c, value)
                written += 1
    book.close()
    return written


def run(quick: bool) -> list[BenchResult]:
    from riskdesk.core.demo import synthetic_project
    from riskdesk.core.evaluation import evaluate
    from riskdesk.io.report import ReportRequest, resolve_scenarios, write_report

    n_paths = 10_000 if quick else 100_000
    project = synthetic_project(n_paths)
    evaluation = evaluate(project, AS_OF)
    request = ReportRequest(project, AS_OF, scenarios=resolve_scenarios(["april-2025-licensing"], project, AS_OF),
                            evaluation=evaluation)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "report.xlsx"
        start = time.perf_counter()
        summary = write_report(request, target)
        report = time.perf_counter() - start
        size = target.stat().st_size
        sheets = _cells(target)
        start = time.perf_counter()
        cells = _bare(Path(folder) / "bare.xlsx", sheets)
        bare = time.perf_counter() - start
    return [BenchResult(f"report_{n_paths // 1000}k_paths", report, "s", "xlsxwriter_same_cells_bare", bare, 1.5,
                        extra=f"{summary.parts:,} parts, {summary.findings:,} findings, {cells:,} cells, "
                              f"{size / 1e6:.0f} MB")]
