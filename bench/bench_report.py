"""The Excel risk report (issues 12 and 22): a 10,000-path project against XlsxWriter writing the same cells bare,
and a 100,000-path project against fixed limits of time and memory.

The report (`write_report`: findings, roll-ups, every sheet with its tables, formats, charts and print set-up, a
scenario, written to a temporary file and moved into place) is timed from an evaluated project.

- `report_10k_paths` (quick and full runs): the baseline is measured in the same run: XlsxWriter writes the very
  cells the report holds (read back from it, untimed, with python-calamine), each with `write_string`/
  `write_number`, in one workbook with the same sheets and no formats, tables, charts or print set-up, with the
  cyclic garbage collector paused as the report's workbook is (`riskdesk.io.collector`). Each is the best of
  three runs (the machine is shared); target: the report within 1.2 × the bare cells.
- `report_100k_paths` and `report_100k_paths_peak_memory` (full run): a separate Python process builds the project,
  scores it and writes the report; its time is set against a constant baseline of 40 s and its peak resident memory
  (the whole process: project, scores and report, `resource.getrusage`'s ru_maxrss) against 1,000 MB, each with a
  target ratio of 1 (under 40 s, under 1 GB). Where the platform does not say a process's peak memory (Windows),
  the memory line is left out and the time line says so.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import BenchResult

AS_OF = dt.date(2026, 11, 23)
ROOT = Path(__file__).resolve().parent.parent
ATTEMPTS = 3
"""The report and the bare cells are each timed this many times; the best counts."""
LARGE_SECONDS = 40.0
"""A 100,000-path project's report is written within this many seconds…"""
LARGE_MEGABYTES = 1_000.0
"""…by a process that never holds more than this many MB (10^6 bytes) of memory."""


def _cells(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """Every sheet's values as rows (untimed)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]


def _bare(path: Path, sheets: list[tuple[str, list[list[Any]]]]) -> int:
    """Write the same cells with XlsxWriter and nothing else; returns how many. Like the report's workbook, it is
    written with Python's cyclic garbage collector paused (like for like: the pause saves the bare cells a larger
    share of their time than it saves the report)."""
    import xlsxwriter

    from riskdesk.io.collector import collector_paused

    with collector_paused():
        return _bare_cells(path, sheets, xlsxwriter)


def _bare_cells(path: Path, sheets: list[tuple[str, list[list[Any]]]], xlsxwriter: Any) -> int:

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


def _request(n_paths: int) -> Any:
    from riskdesk.core.demo import synthetic_project
    from riskdesk.core.evaluation import evaluate
    from riskdesk.io.report import ReportRequest, resolve_scenarios

    project = synthetic_project(n_paths)
    evaluation = evaluate(project, AS_OF)
    return ReportRequest(project, AS_OF, scenarios=resolve_scenarios(["april-2025-licensing"], project, AS_OF),
                         evaluation=evaluation)


def _against_bare(n_paths: int) -> BenchResult:
    """The report against the same cells written bare, each the best of ATTEMPTS runs."""
    from riskdesk.io.report import write_report

    request = _request(n_paths)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "report.xlsx"
        report = float("inf")
        for _attempt in range(ATTEMPTS):
            target.unlink(missing_ok=True)
            start = time.perf_counter()
            summary = write_report(request, target)
            report = min(report, time.perf_counter() - start)
        size = target.stat().st_size
        sheets = _cells(target)
        bare = float("inf")
        for attempt in range(ATTEMPTS):
            start = time.perf_counter()
            cells = _bare(Path(folder) / f"bare{attempt}.xlsx", sheets)
            bare = min(bare, time.perf_counter() - start)
    return BenchResult(f"report_{n_paths // 1000}k_paths", report, "s", "xlsxwriter_same_cells_bare", bare, 1.2,
                       extra=f"{summary.parts:,} parts, {summary.findings:,} findings, {cells:,} cells, "
                             f"{size / 1e6:.0f} MB")


def _large(n_paths: int) -> list[BenchResult]:
    """The report of an `n_paths` project written by a process of its own: its time and its peak memory."""
    done = subprocess.run([sys.executable, "-m", "bench.bench_report", str(n_paths)], cwd=ROOT, capture_output=True,
                          text=True, timeout=3_600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {n_paths:,}-path report failed: {done.stderr.strip()[-500:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    name = f"report_{n_paths // 1000}k_paths"
    peak = figures["peak_mb"]
    extra = (f"{figures['parts']:,} parts, {figures['findings']:,} findings, {figures['size_mb']:.0f} MB file, "
             f"{figures['cpu']:.1f} s CPU; peak memory " + (f"{peak:,.0f} MB" if peak is not None else "not measured "
                                                           "on this platform"))
    results = [BenchResult(name, figures["seconds"], "s", "limit", LARGE_SECONDS, 1.0, extra=extra)]
    if peak is not None:
        results.append(BenchResult(f"{name}_peak_memory", peak, "MB", "limit", LARGE_MEGABYTES, 1.0,
                                   extra="the whole process: project, scores and report"))
    return results


def run(quick: bool) -> list[BenchResult]:
    results = [_against_bare(10_000)]
    if not quick:
        results += _large(100_000)
    return results


def _write_large(n_paths: int) -> None:
    """In a process of its own: build, score and report an `n_paths` project; print the figures as JSON."""
    from riskdesk.io.report import write_report

    request = _request(n_paths)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "report.xlsx"
        start, cpu = time.perf_counter(), time.process_time()
        summary = write_report(request, target)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        size = target.stat().st_size
    try:
        import resource

        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak: float | None = peak_kb * (1 if sys.platform == "darwin" else 1024) / 1e6
    except ImportError:  # Windows
        peak = None
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak, "parts": summary.parts,
                      "findings": summary.findings, "size_mb": size / 1e6}))


if __name__ == "__main__":
    _write_large(int(sys.argv[1]))
