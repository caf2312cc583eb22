"""The Excel risk report: what a manager reads and an auditor files.

    request = ReportRequest(project, as_of, compare=…, scenarios=resolve_scenarios(names, project, as_of))
    summary = write_report(request, Path("report.xlsx"), progress=…, cancelled=…)

Sheets, in this order: Summary, Parts, Findings, Exposure, Scenarios, Inputs, Method (docs/report.md says what
each column means). Every number comes from the core — `Evaluation` (the scores of `riskdesk score`),
`riskdesk.core.findings`, `riskdesk.core.exposure`, `compare`, `run_scenario` and `run_monte_carlo` (those of
`riskdesk scenario`) — and every word from `riskdesk.core.labels`, so the report says what the window and the
command line say. This module only lays them out. The command line and the window's File ▸ Export report… both
call `write_report`; it never touches Qt and can run in a worker thread.

Safe: text from the project is only ever written as text (io/xlsx.py); the only formulas are RiskDesk's own
(a scenario's monthly change, a comparison's change), each with its value cached; the workbook is written to a
temporary file and moved over the target when complete.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from xlsxwriter.utility import xl_col_to_name

from riskdesk import __version__
from riskdesk.core import elements
from riskdesk.core.datafile import CONFIDENCE_MARKS, Source
from riskdesk.core.domain import COMPOSITION_COLUMNS, NUMBER_COLUMNS, PART_COLUMNS, PATH_COLUMNS, SUPPLIER_COLUMNS
from riskdesk.core.evaluation import Evaluation, PartChange, band, compare, compile_project, evaluate
from riskdesk.core.exposure import benchmark_applies, by_element_stage_country
from riskdesk.core.findings import KINDS, WHOLE_MAGNET, Findings, KeyFinding, findings, key_findings
from riskdesk.core.labels import (
    BAND_COLORS,
    BAND_LABELS,
    FACTOR_HELP,
    FACTOR_LABELS,
    KIND_HELP,
    KIND_LABELS,
    count,
    field_label,
)
from riskdesk.core.method import FORMULAS, INVARIANTS
from riskdesk.core.presets import PresetBook, default_presets
from riskdesk.core.project import FACTOR_NAMES, Project
from riskdesk.core.provenance import DataFile, data_files
from riskdesk.core.reference import ReferenceData, default_reference
from riskdesk.core.rules import RULE_STAGES
from riskdesk.core.scenarios import Scenario, ScenarioError, ScenarioResult, run_on_both_bases
from riskdesk.core.simulation import MonteCarloResult, MonteCarloSettings, SimulationCancelled, run_monte_carlo
from riskdesk.io.xlsx import (
    DATE,
    FORMULA,
    HEADER_FILL,
    LINK,
    MAX_LINKS,
    MAX_ROWS,
    NUMBER,
    TEXT,
    Column,
    WriteCancelled,
    document_properties,
    fit_width,
    group_columns,
    os_user,
    print_setup,
    row_height,
    tint,
    workbook,
    write_columns,
)

SHEETS: tuple[str, ...] = ("Summary", "Parts", "Findings", "Exposure", "Scenarios", "Inputs", "Method")
"""The report's sheets, named so and in this order."""
TOP_PARTS = 10
FULL_TEXT_PARTS = 1_000
"""Up to this many parts the Parts sheet explains each floor in full (as the window's "why" panel) and wraps its
text; above it, in a few words (the full text of each part is in `riskdesk score --json`), to keep large reports
quick to write and to scroll."""
Progress = Callable[[int, int, str], None]
"""(done, total, text), as `riskdesk.ui.workers.TaskContext.report` takes it."""

KG_FORMAT = "[>=100]#,##0;[>=1]#,##0.0;0.0##"
"""kg as `riskdesk.core.labels.format_kg` writes them: no decimals from 100, one from 1, up to three below."""
_STEPS = 1000
"""Progress is reported in thousandths of the whole report."""


class ReportError(Exception):
    """A report cannot be made from what was asked (an unknown scenario, a project with errors): the message says
    what to do. Nothing was written."""


class UnknownScenario(ReportError):
    """A scenario name that is neither a preset (id or name) nor a scenario saved in the project."""


class ReportCancelled(Exception):
    """The report was cancelled; nothing was written and the old file is unchanged."""

    def __init__(self) -> None:
        super().__init__("cancelled")


@dataclass(frozen=True)
class ReportRequest:
    """What to report: the project on a date, optionally compared with another date, with scenarios (each run on
    the as-of date's scores, with a seeded Monte Carlo of `monte_carlo_paths` paths when above 0)."""

    project: Project
    as_of: dt.date
    compare: dt.date | None = None
    scenarios: tuple[Scenario, ...] = ()
    monte_carlo_paths: int = 0
    seed: int = 0
    reference: ReferenceData | None = None
    """The reference data (default: the bundled data)."""
    evaluation: Evaluation | None = None
    """The project already scored on `as_of` (the window's), reused instead of scoring it again."""
    author: bool = True
    """Name the signed-in user as the workbook's author and on the Summary's "Written" line (False: neither,
    `riskdesk report --no-author`)."""


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


class _Table:
    """Columns and their values, added one by one (column indices for formulas and groups)."""

    def __init__(self) -> None:
        self.columns: list[Column] = []
        self.values: list[Sequence[Any]] = []

    def add(self, column: Column, values: Sequence[Any]) -> int:
        """Add a column; returns its index."""
        self.columns.append(column)
        self.values.append(values)
        return len(self.columns) - 1

    @property
    def next(self) -> int:
        """The index the next column will have."""
        return len(self.columns)


@dataclass
class _ScenarioRun:
    result: ScenarioResult
    other: ScenarioResult
    monte_carlo: MonteCarloResult | None = None


@dataclass
class _Data:
    """Everything the sheets show, computed before the first cell is written."""

    request: ReportRequest
    reference: ReferenceData
    evaluation: Evaluation
    later: Evaluation | None
    changes: list[PartChange]
    order: np.ndarray
    """Part positions, riskiest first (the order of the Parts sheet)."""
    findings: Findings
    key: list[KeyFinding]
    runs: list[_ScenarioRun]
    files: list[DataFile]
    written: dt.datetime = field(default_factory=dt.datetime.now)


# ---------------------------------------------------------------------------------------------------------------
# Scenario names


def scenario_choices(project: Project, as_of: dt.date, presets: PresetBook | None = None) -> list[Scenario]:
    """The scenarios a report can show: the bundled presets (starting on `as_of` where they start "now"), then the
    scenarios saved in the project."""
    book = presets or default_presets()
    return [preset.scenario(as_of) for preset in book.presets] + list(project.scenarios)


def resolve_scenarios(names: Iterable[str], project: Project, as_of: dt.date,
                      presets: PresetBook | None = None) -> tuple[Scenario, ...]:
    """The scenarios `names` name, in order: a preset by id or name, else a scenario saved in the project by name.
    Raises UnknownScenario listing what there is."""
    book = presets or default_presets()
    chosen: list[Scenario] = []
    for name in names:
        wanted = name.strip()
        preset = next((p for p in book.presets if wanted in (p.id, p.name)), None)
        if preset is not None:
            chosen.append(preset.scenario(as_of))
            continue
        saved = next((s for s in project.scenarios if s.name == wanted), None)
        if saved is None:
            own = f"; saved in the project: {', '.join(s.name for s in project.scenarios)}" if project.scenarios \
                else ""
            raise UnknownScenario(f"no preset or saved scenario {name!r} (presets: {', '.join(book.ids)}{own})")
        chosen.append(saved)
    return tuple(chosen)


# ---------------------------------------------------------------------------------------------------------------
# Computing


class _Steps:
    """Progress in thousandths, and the cancel check."""

    def __init__(self, progress: Progress | None, cancelled: Callable[[], bool] | None) -> None:
        self._progress = progress
        self._cancelled = cancelled

    def report(self, done: float, text: str, check: bool = True) -> None:
        """Say how far the report is (and, unless `check` is off, stop here if it was cancelled)."""
        if check:
            self.check()
        if self._progress is not None:
            self._progress(min(int(done), _STEPS), _STEPS, text)

    def cancelled(self) -> bool:
        return self._cancelled is not None and self._cancelled()

    def check(self) -> None:
        if self.cancelled():
            raise ReportCancelled


def _prepare(request: ReportRequest, steps: _Steps) -> _Data:
    project = request.project
    errors = [p for p in project.validate() if p.is_error]
    if errors:
        raise ReportError(f"the project has {count(len(errors), 'error')} (first: {errors[0]}); fix them before "
                          "making a report")
    reference = request.reference or default_reference()
    steps.report(0, "Scoring the parts…")
    evaluation = request.evaluation
    compiled = evaluation.compiled if evaluation is not None else None
    if evaluation is None or evaluation.as_of != request.as_of:
        compiled = compiled or compile_project(project, reference)
        evaluation = evaluate(compiled, request.as_of, project.settings, reference)
    later = None
    changes: list[PartChange] = []
    if request.compare is not None:
        steps.report(40, f"Scoring on {request.compare}…")
        later = evaluate(evaluation.compiled, request.compare, evaluation.settings, evaluation.reference)
        changes = compare(evaluation, later)
    steps.report(70, "Listing the findings…")
    order = np.argsort(-np.round(evaluation.scores, 9), kind="stable")
    found = findings(evaluation).by_parts(order)
    key = key_findings(evaluation, later, changes if later is not None else None)
    runs: list[_ScenarioRun] = []
    count_runs = max(len(request.scenarios), 1)
    for k, scenario in enumerate(request.scenarios):
        base = 100 + 150 * k / count_runs
        steps.report(base, f"Running the scenario {scenario.name}…")
        try:
            result, other = run_on_both_bases(evaluation, scenario).values()
        except ScenarioError as exc:
            raise ReportError(f"scenario {scenario.name!r}: {exc}") from None
        run = _ScenarioRun(result, other)
        if request.monte_carlo_paths > 0:
            settings = MonteCarloSettings(paths=request.monte_carlo_paths, seed=request.seed)
            text = f"Monte Carlo for {scenario.name}…"

            def simulated(fraction: float, base: float = base, text: str = text) -> None:
                steps.report(base + 150 / count_runs * fraction, text)

            try:
                run.monte_carlo = run_monte_carlo(result, settings, cancelled=steps.cancelled, progress=simulated)
            except SimulationCancelled:
                raise ReportCancelled from None
        runs.append(run)
    return _Data(request, evaluation.reference, evaluation, later, changes, order, found, key, runs,
                 data_files(evaluation.reference, default_presets()))


# ---------------------------------------------------------------------------------------------------------------
# Writing


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
    steps = _Steps(progress, cancelled)
    data = _prepare(request, steps)
    project = request.project
    properties = document_properties(
        f"RiskDesk risk report: {project.settings.name}",
        f"Rare-earth magnet supply risk as of {request.as_of.isoformat()}",
        comments=f"Control list {data.evaluation.rules_version}, SHA-256 {data.files[0].sha256}; RiskDesk "
                 f"{__version__}",
        keywords="RiskDesk, rare earths, magnets, supply risk", author=os_user() if request.author else "")
    try:
        with workbook(path, print_header_rows=0, properties=properties, what="the report") as book:
            writer = _Writer(book, data, steps)
            writer.write_all()
            steps.report(700, "Saving the workbook…")
    except WriteCancelled:
        raise ReportCancelled from None
    steps.report(_STEPS, "Done", check=False)  # written: too late to cancel
    return ReportSummary(path, SHEETS, data.evaluation.compiled.n_parts, len(data.findings), len(data.runs),
                         time.perf_counter() - started)


class _Writer:
    """Lays the report's data out on its sheets."""

    def __init__(self, book: Any, data: _Data, steps: _Steps) -> None:
        self.book = book
        self.data = data
        self.steps = steps
        self.evaluation = data.evaluation
        self.countries = data.reference.countries
        self.footer = f"RiskDesk risk report: {data.request.project.settings.name} as of {data.request.as_of}"
        add = book.add_format
        self.title = add({"bold": True, "font_size": 16})
        self.subtitle = add({"italic": True, "font_color": "#555555"})
        self.heading = add({"bold": True, "font_size": 13, "bottom": 1})
        self.label = add({"bold": True, "valign": "top"})
        self.header = add({"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True, "valign": "top"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.note = add({"text_wrap": True, "valign": "top", "italic": True, "font_color": "#555555"})
        self.value_left = add({"align": "left", "valign": "top", "text_wrap": True})
        self.date_left = add({"num_format": "yyyy-mm-dd", "align": "left", "valign": "top"})
        self.big = add({"bold": True, "font_size": 20, "num_format": "0", "align": "left"})
        top = {"valign": "top"}
        self.formats: dict[str, Any] = {
            "cell": add(top),
            "score": add({**top, "num_format": "0"}),
            "factor": add({**top, "num_format": "0"}),
            "change": add({**top, "num_format": "+0.0;-0.0;0"}),
            "kg": add({**top, "num_format": KG_FORMAT}),
            "usd": add({**top, "num_format": "#,##0"}),
            "count": add({**top, "num_format": "#,##0"}),
            "days": add({**top, "num_format": "#,##0.0"}),
            "share": add({**top, "num_format": "0.0%"}),
            "weight": add({**top, "num_format": "0.00"}),
            "date": add({**top, "num_format": "yyyy-mm-dd", "align": "left"}),
            "wrap": self.wrap,
            "link": add({**top, "font_color": "#1F5FAD", "underline": 1}),
            "flag": add({**top, "bg_color": tint(BAND_COLORS["red"], 0.35), "bold": True, "align": "center"}),
            "center": add({**top, "align": "center"}),
        }
        for name, color in BAND_COLORS.items():
            self.formats[f"band-{name}"] = add({"bg_color": tint(color, 0.45), "bold": True, "align": "center",
                                                "valign": "top"})
            self.formats[f"level-{name}"] = add({"bg_color": tint(color, 0.25), "text_wrap": True, "valign": "top"})
        self.formats["level-info"] = add({"text_wrap": True, "valign": "top"})
        self.band_formats = {BAND_LABELS[name]: f"band-{name}" for name in BAND_COLORS}
        self.cells_total = max(self._cell_estimate(), 1)
        self.cells_done = 0

    # -- helpers

    def _cell_estimate(self) -> int:
        compiled = self.evaluation.compiled
        return (len(self.data.findings) * 17 + compiled.n_parts * (24 + 2 * len(self.evaluation.columns))
                + compiled.n_paths * 11 + 2_000)

    def _advance(self, cells: int, text: str) -> None:
        self.cells_done += cells
        self.steps.report(250 + 450 * self.cells_done / self.cells_total, text)

    def _sheet(self, name: str) -> Any:
        self.steps.check()
        sheet = self.book.add_worksheet(name)
        if name in ("Summary", "Method"):
            sheet.hide_gridlines(2)
        return sheet

    def _columns(self, sheet: Any, top: int, columns: Sequence[Column], data: Sequence[Sequence[Any]], name: str,
                 *, freeze: bool = True, freeze_columns: int = 0, text: str = "", widths: bool = True) -> int:
        rows = write_columns(sheet, top, columns, data, self.formats, self.header, name=name, freeze=freeze,
                             freeze_columns=freeze_columns, wrap_format=self.wrap, widths=widths,
                             cancelled=self.steps.cancelled)
        self._advance(rows * len(columns), text or f"Writing {sheet.name}…")
        return rows

    def _country(self, code: str) -> str:
        return f"{code} · {self.countries.name(code)}" if code else "unknown"

    def _score_scale(self, sheet: Any, first: int, last: int, col: int) -> None:
        if last < first:
            return
        sheet.conditional_format(first, col, last, col, {
            "type": "3_color_scale",
            "min_type": "num", "min_value": 0, "min_color": tint(BAND_COLORS["green"], 0.55),
            "mid_type": "num", "mid_value": 55, "mid_color": tint(BAND_COLORS["amber"], 0.55),
            "max_type": "num", "max_value": 100, "max_color": tint(BAND_COLORS["red"], 0.55)})

    def _caption(self, sheet: Any, text: str, columns: Sequence[Column], row: int = 0) -> None:
        """A note above a table, across its columns, wrapped."""
        last = min(len(columns), 12) - 1
        width = sum(c.width for c in columns[: last + 1])
        if last > 0:
            sheet.merge_range(row, 0, row, last, "", self.note)
        sheet.write_string(row, 0, text, self.note)
        sheet.set_row(row, row_height((text, width)))

    def write_all(self) -> None:
        self.summary()
        self.parts()
        self.findings_sheet()
        self.exposure()
        self.scenarios()
        self.inputs()
        self.method()
        self.book.worksheets()[0].activate()

    # -- Summary

    def summary(self) -> None:
        data, evaluation = self.data, self.evaluation
        request = data.request
        settings = request.project.settings
        sheet = self._sheet("Summary")
        later = data.later
        widths = [24, 40, 9, 9, 52, 7, 7] + ([10, 10, 9] if later is not None else [])
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        last_col = len(widths) - 1
        sheet.write_string(0, 0, f"RiskDesk risk report: {settings.name}", self.title)
        tables = request.project.tables
        sheet.write_string(1, 0, f"Rare-earth magnet supply risk of {count(len(tables.parts), 'part')} as of "
                                 f"{request.as_of.isoformat()}, for a buyer importing into "
                                 f"{self._country(settings.import_country)}.", self.subtitle)
        control = data.reference.control_list
        facts: list[tuple[str, Any]] = [
            ("Project", settings.name),
            ("Buyer imports into", self._country(settings.import_country)),
            ("As of", request.as_of),
        ]
        if later is not None:
            facts.append(("Compared with", later.as_of))
        facts += [
            ("Control list", f"{control.title}, version {control.version} of {control.date.isoformat()}"),
            ("Control list SHA-256", data.files[0].sha256 or "(the file could not be read)"),
            ("Prices", f"{settings.price_basis} basis, USD per kg of contained element"),
            ("US defence supply (DFARS)", f"{'yes' if settings.supplies_us_defence else 'no'} "
                                          f"(setting: {settings.us_defence_supply})"),
            ("Suspended rules", "treated as in force" if settings.suspended_rules_in_force
             else "watched (counted as they near or as their status is unknown)"),
            ("Parts, suppliers, supply paths", f"{len(tables.parts):,}, {len(tables.suppliers):,}, "
                                               f"{len(tables.paths):,}"),
            ("Written", f"{data.written:%Y-%m-%d %H:%M} by {os_user() or 'RiskDesk'} with RiskDesk {__version__}"
             if request.author else f"{data.written:%Y-%m-%d %H:%M} with RiskDesk {__version__}"),
        ]
        row = 3
        for label, value in facts:
            sheet.write_string(row, 0, label, self.label)
            sheet.merge_range(row, 1, row, 4, "", self.value_left)
            if isinstance(value, dt.date):
                sheet.write_datetime(row, 1, value, self.date_left)
            else:
                sheet.write_string(row, 1, str(value), self.value_left)
            row += 1

        row += 1
        score, reason = evaluation.portfolio_score()
        sheet.write_string(row, 0, "Portfolio score", self.heading)
        sheet.write_number(row + 1, 0, score, self.big)
        sheet.write_string(row + 1, 1, BAND_LABELS[band(score)], self.formats[f"band-{band(score)}"])
        sheet.set_row(row + 1, 28)
        sheet.merge_range(row + 2, 0, row + 2, 4, "", self.note)
        sheet.write_string(row + 2, 0, f"On {request.as_of.isoformat()}: {reason}.", self.note)
        sheet.set_row(row + 2, row_height((reason, 130)))
        if later is not None:
            after, after_reason = later.portfolio_score()
            sheet.merge_range(row + 3, 0, row + 3, 4, "", self.note)
            sheet.write_string(row + 3, 0, f"On {later.as_of.isoformat()}: {after:.0f} "
                                           f"({BAND_LABELS[band(after)]}), {after - score:+.1f}: {after_reason}.",
                               self.note)
            row += 1
        row += 4

        sheet.write_string(row, 0, "Key findings", self.heading)
        row += 1
        for item in data.key:
            sheet.merge_range(row, 0, row, last_col, "", self.formats[f"level-{item.level}"])
            sheet.write_string(row, 0, f"• {item.text}", self.formats[f"level-{item.level}"])
            sheet.set_row(row, row_height((item.text, sum(widths) - 4)))
            row += 1

        row += 1
        breaks = [row]
        if not evaluation.compiled.n_parts:
            sheet.write_string(row, 0, "The project has no parts yet: add or import them, then export again.",
                               self.heading)
            print_setup(sheet, None, self.footer)
            return
        sheet.write_string(row, 0, f"The {min(TOP_PARTS, evaluation.compiled.n_parts)} riskiest parts on "
                                   f"{request.as_of.isoformat()}", self.heading)
        row += 1
        top = [int(i) for i in data.order[:TOP_PARTS]]
        reports = [evaluation.part_report_at(i) for i in top]
        scores = [r.score for r in reports]
        columns = [
            Column("Part", widths[0], kind=TEXT),
            Column("Description", widths[1], kind=TEXT),
            Column("Score", widths[2], "score", kind=NUMBER),
            Column("Band", widths[3], kind=TEXT, value_formats=self.band_formats),
            Column("Why", widths[4], wrap=True, kind=TEXT),
            Column("Hits", widths[5], "count", kind=NUMBER),
            Column("Watch", widths[6], "count", kind=NUMBER),
        ]
        values: list[list[Any]] = [
            [r.part_number for r in reports],
            [r.description for r in reports],
            scores,
            [BAND_LABELS[r.band] for r in reports],
            [_why(r) for r in reports],
            [len(r.hits) for r in reports],
            [len(r.watch) for r in reports],
        ]
        if later is not None:
            after_scores = [float(later.scores[i]) for i in top]
            columns += [Column(f"Score on {later.as_of.isoformat()}", widths[7], "score", kind=NUMBER),
                        Column(f"Band on {later.as_of.isoformat()}", widths[8], kind=TEXT,
                               value_formats=self.band_formats),
                        Column("Change", widths[9], "change", kind=FORMULA)]
            values += [after_scores, [BAND_LABELS[band(s)] for s in after_scores],
                       [(f"=H{row + 2 + k}-C{row + 2 + k}", b - a)
                        for k, (a, b) in enumerate(zip(scores, after_scores, strict=True))]]
        header_row = row
        self._columns(sheet, header_row, columns, values, "TopParts", freeze=False)
        self._score_scale(sheet, header_row + 1, header_row + len(top), 2)
        if later is not None:
            self._score_scale(sheet, header_row + 1, header_row + len(top), 7)
        row = header_row + max(len(top), 1) + 2

        if top:
            chart = self.book.add_chart({"type": "bar"})
            first, last = header_row + 1, header_row + len(top)
            chart.add_series({
                "name": f"Score on {request.as_of.isoformat()}",
                "categories": ["Summary", first, 0, last, 0],
                "values": ["Summary", first, 2, last, 2],
                "fill": {"color": "#595959"},
                "points": [{"fill": {"color": BAND_COLORS[band(s)]}} for s in scores],
                "data_labels": {"value": True, "num_format": "0"},
            })
            if later is not None:
                chart.add_series({
                    "name": f"Score on {later.as_of.isoformat()}",
                    "categories": ["Summary", first, 0, last, 0],
                    "values": ["Summary", first, 7, last, 7],
                    "fill": {"color": "#BFBFBF"},
                })
            title = f"The riskiest parts: score on {request.as_of.isoformat()} (0–100)"
            if later is not None:
                title = (f"The riskiest parts: score on {request.as_of.isoformat()} in the band's colour, on "
                         f"{later.as_of.isoformat()} in grey (0–100)")
            chart.set_title({"name": title, "name_font": {"size": 12}})
            chart.set_x_axis({"min": 0, "max": 100, "major_unit": 10, "major_gridlines": {"visible": True}})
            chart.set_y_axis({"reverse": True})
            chart.set_legend({"position": "bottom"} if later is not None else {"none": True})
            chart.set_size({"width": round(sum(widths) * 7), "height": 440})
            breaks.append(row)
            sheet.insert_chart(row, 0, chart, {"x_offset": 4, "y_offset": 4})
        sheet.set_h_pagebreaks(breaks)
        print_setup(sheet, None, self.footer)
        self._advance(200, "Writing the summary…")

    # -- Parts

    def parts(self) -> None:
        evaluation, data = self.evaluation, self.data
        compiled = evaluation.compiled
        later = data.later
        sheet = self._sheet("Parts")
        order = data.order
        frame = data.request.project.tables.parts
        big = compiled.n_parts > FULL_TEXT_PARTS
        header_row = 1
        table = _Table()
        numbers = [str(compiled.part_numbers[i]) for i in order]
        table.add(Column("Part", 15, kind=TEXT, help="Part number"), numbers)
        table.add(Column("Description", 24, kind=TEXT, wrap=not big), [str(compiled.descriptions[i]) for i in order])
        details = table.next
        table.add(Column("End use", 10, kind=TEXT), _frame_column(frame, "end_use", order))
        table.add(Column("Magnet family", 13, kind=TEXT), _frame_column(frame, "magnet_family", order))
        table.add(Column("Grade", 9, kind=TEXT), _frame_column(frame, "grade", order))
        details_end = table.next
        scores = evaluation.scores[order]
        score_col = table.add(Column("Score", 7, "score", kind=NUMBER, help="0 (no risk) … 100: the weighted mean "
                                     "of the factors, raised to a floor by a fatal fact"), scores.tolist())
        table.add(Column("Band", 8, kind=TEXT, value_formats=self.band_formats,
                         help="Green below 40, amber 40–70, red from 70"),
                  [BAND_LABELS[band(float(s))] for s in scores])
        after_col = -1
        if later is not None:
            changed = {c.part_number: c for c in data.changes}
            after = later.scores[order]
            day = later.as_of.isoformat()
            after_col = table.add(Column(f"Score on {day}", 9, "score", kind=NUMBER), after.tolist())
            table.add(Column(f"Band on {day}", 9, kind=TEXT, value_formats=self.band_formats),
                      [BAND_LABELS[band(float(s))] for s in after])
            first = header_row + 2  # the first data row as Excel numbers it
            new, old = xl_col_to_name(after_col), xl_col_to_name(score_col)
            table.add(Column("Change", 8, "change", kind=FORMULA, help=f"Score on {day} − score"),
                      [(f"={new}{first + k}-{old}{first + k}", float(b - a))
                       for k, (a, b) in enumerate(zip(scores, after, strict=True))])
            table.add(Column("Rules gained", 20, kind=TEXT, wrap=not big),
                      [", ".join(changed[p].rules_gained) if p in changed else "" for p in numbers])
            table.add(Column("Rules lost", 14, kind=TEXT, wrap=not big),
                      [", ".join(changed[p].rules_lost) if p in changed else "" for p in numbers])
        floors = evaluation.floor[order]
        table.add(Column("Floor", 6, "score", kind=NUMBER, help="The floor the part is held at: 90 prohibited, 70 "
                         "may soon be prohibited, 40 no supply path"), [float(f) if f > 0 else None for f in floors])
        table.add(Column("Why held at the floor", 40, kind=TEXT, wrap=not big),
                  [("" if floors[k] <= 0 else _floor_words(float(floors[k])) if big
                    else evaluation.part_report_at(int(i)).cap) for k, i in enumerate(order)])
        table.add(Column("Factor score", 7, "score", kind=NUMBER, help="The weighted mean of the factors, before "
                         "floors"), evaluation.factor_score[order].tolist())
        weights = evaluation.settings.weights
        for name in FACTOR_NAMES:
            label = FACTOR_LABELS[name]
            table.add(Column(label, max(8, max(len(word) for word in label.split()) + 1), "factor", kind=NUMBER,
                             help=f"Weight {weights.get(name, 0.0):g}. {FACTOR_HELP[name]}"),
                      evaluation.factors[name][order].tolist())
        found = data.findings.counts()[order]
        for k, title in enumerate(("Hits", "Watch", "Possible")):
            table.add(Column(title, 7, "count", kind=NUMBER, help=KIND_HELP[KINDS[k]]), found[:, k].tolist())
        table.add(Column("Magnet kg/yr", 10, "kg", kind=NUMBER), compiled.mass_kg_year[order].tolist())
        table.add(Column("Spend USD/yr", 11, "usd", kind=NUMBER), compiled.spend[order].tolist())
        kg = evaluation.part_kg_c[order]
        value = evaluation.part_value_c[order]
        table.add(Column("Element value USD/yr", 11, "usd", kind=NUMBER), value.sum(axis=1).tolist())
        symbols = [elements.SYMBOLS[e] for e in evaluation.columns]
        per_element = table.next
        for j, symbol in enumerate(symbols):
            table.add(Column(f"{symbol} kg/yr", 9, "kg", kind=NUMBER), kg[:, j].tolist())
        for j, symbol in enumerate(symbols):
            table.add(Column(f"{symbol} USD/yr", 10, "usd", kind=NUMBER), value[:, j].tolist())
        per_element_end = table.next
        self._caption(sheet, f"Each part's score on {data.request.as_of.isoformat()}, riskiest first: its band, the "
                             "floor that holds it (if any), its six factors (0–100; weights in the header notes and "
                             "on the Method sheet), its findings and its kg and value of each element per year "
                             "(reference prices, USD). Click + above the columns to show the part's end use, family "
                             "and grade, and the kg and value of each element." + (
                                 f" Compared with {later.as_of.isoformat()}." if later is not None else ""),
                      table.columns[:12])
        self._columns(sheet, header_row, table.columns, table.values, "Parts", freeze_columns=1,
                      text="Writing the parts…")
        group_columns(sheet, table.columns[details:details_end], details, following=table.columns[details_end])
        group_columns(sheet, table.columns[per_element:per_element_end], per_element)
        n = compiled.n_parts
        self._score_scale(sheet, header_row + 1, header_row + n, score_col)
        if later is not None:
            self._score_scale(sheet, header_row + 1, header_row + n, after_col)
        print_setup(sheet, (header_row, header_row), self.footer)

    # -- Findings

    def findings_sheet(self) -> None:
        data, evaluation = self.data, self.evaluation
        compiled = evaluation.compiled
        found = data.findings
        sheet = self._sheet("Findings")
        n = len(found)
        shown = min(n, MAX_ROWS - 2)
        if shown < n:
            found = found.reordered(np.arange(shown))
        matches = evaluation.matches
        rule_ids = np.array([m.rule.id for m in matches] + [""], dtype=object)
        effects = np.array([m.rule.effect_label for m in matches] + [""], dtype=object)
        statuses = np.array([m.state.status.value for m in matches] + [""], dtype=object)
        starts = np.array([m.rule.effective_from for m in matches] + [None], dtype=object)
        ends = np.array([m.rule.effective_until for m in matches] + [None], dtype=object)
        marks = np.array([m.rule.confidence for m in matches] + [""], dtype=object)
        links = shown <= MAX_LINKS
        sources = np.array([_source_cell(m.rule.sources, links) for m in matches] + [""], dtype=object)
        kind_words = np.array([KIND_LABELS[k] for k in KINDS], dtype=object)
        stage_words = np.array([s.label for s in RULE_STAGES], dtype=object)
        vocabulary = np.array([self._country(str(c)) for c in compiled.countries] + ["unknown"], dtype=object)
        symbol_words = np.array([*elements.SYMBOLS, "whole magnet"], dtype=object)
        m = found.match
        columns = [
            Column("Part", 14, kind=TEXT),
            Column("Kind", 8, kind=TEXT, help=" ".join(f"{KIND_LABELS[k]}: {KIND_HELP[k]}" for k in KINDS)),
            Column("Rule", 27, kind=TEXT, help="The rule's id; the Method sheet lists every rule with its status "
                                               "and sources"),
            Column("Effect", 21, kind=TEXT),
            Column("Element", 12, kind=TEXT),
            Column("Stage", 18, kind=TEXT),
            Column("Country", 19, kind=TEXT),
            Column("Supplier", 11, kind=TEXT, help="Supplier ID; (none) for volume no supply path covers"),
            Column("kg/yr", 10, "kg", kind=NUMBER),
            Column("USD/yr", 10, "usd", kind=NUMBER),
            Column("Counts", 7, "weight", kind=NUMBER, help="How much of that value counts towards the restriction "
                                                             "factor on the date (0–1)"),
            Column("Effective from", 12, "date", kind=DATE),
            Column("Effective until", 12, "date", kind=DATE),
            Column("Status on the date", 25, kind=TEXT),
            Column("Source", 46, kind=LINK if links else TEXT),
            Column("Confidence", 10, kind=TEXT, help="C confirmed, S single secondary source, D derived, "
                                                     "U unconfirmed, X sources disagree"),
        ]
        suppliers = compiled.path_supplier.astype(object)[found.path]
        values: list[Sequence[Any]] = [
            compiled.part_numbers.astype(object)[found.part].tolist(),
            kind_words[found.kind].tolist(),
            rule_ids[m].tolist(),
            effects[m].tolist(),
            symbol_words[np.where(found.element == WHOLE_MAGNET, len(symbol_words) - 1, found.element)].tolist(),
            stage_words[found.stage].tolist(),
            vocabulary[np.where(found.country < 0, len(vocabulary) - 1, found.country)].tolist(),
            np.where(suppliers == "", "(none)", suppliers).tolist(),
            found.kg.tolist(),
            found.value.tolist(),
            found.weight.tolist(),
            starts[m].tolist(),
            ends[m].tolist(),
            statuses[m].tolist(),
            sources[m].tolist(),
            marks[m].tolist(),
        ]
        note = (f"Every hit, watch item and possible hit on {data.request.as_of.isoformat()}: {n:,} items, grouped "
                "by part (riskiest first). Each is one rule meeting one supply path at one stage, for one element "
                "or for the whole magnet.")
        if shown < n:
            note += f" Only the first {shown:,} fit in a sheet; all of them are in riskdesk score --json."
        if not links:
            note += " The sources' links are on the Method sheet (Excel keeps 65,530 links a sheet)."
        self._caption(sheet, note, columns)
        self._columns(sheet, 1, columns, values, "Findings", freeze_columns=1, text="Writing the findings…")
        print_setup(sheet, (1, 1), self.footer)

    # -- Exposure

    def exposure(self) -> None:
        evaluation, data = self.evaluation, self.data
        sheet = self._sheet("Exposure")
        cells = by_element_stage_country(evaluation)
        applies = benchmark_applies(evaluation)
        settings = data.request.project.settings
        flag = "over 65 %"
        columns = [
            Column("Element", 9, kind=TEXT),
            Column("Stage", 18, kind=TEXT),
            Column("Country", 22, kind=TEXT),
            Column("kg/yr", 14, "kg", kind=NUMBER),
            Column("Share of the element at this stage", 14, "share", kind=NUMBER),
            Column("USD/yr", 14, "usd", kind=NUMBER),
            Column("EU 65 % benchmark", 14, "center", kind=TEXT, value_formats={flag: "flag"},
                   help="For buyers importing into the EU: over 65 % of your kg from one third country"),
        ]
        if applies:
            note = (f"The buyer imports into {self._country(settings.import_country)}: the EU Critical Raw Materials "
                    "Act benchmark applies. Flagged: one third country supplies more than 65 % of your kg of the "
                    "element at that stage (unknown origin counted as that country's).")
        else:
            note = (f"The buyer imports into {self._country(settings.import_country)}: the EU's 65 % benchmark "
                    "does not apply (n/a).")
        self._caption(sheet, f"Your kg per year of each rare earth and cobalt, by stage and by the country of that "
                             f"stage, as of {data.request.as_of.isoformat()}. {note}", columns)
        values: list[list[Any]] = [
            [c.element for c in cells],
            [c.stage.label for c in cells],
            [self._country(c.country) for c in cells],
            [c.kg for c in cells],
            [c.share for c in cells],
            [c.value for c in cells],
            [(flag if c.over_benchmark else "within") if applies else "n/a" for c in cells],
        ]
        self._columns(sheet, 1, columns, values, "Exposure", text="Writing the exposure…")
        print_setup(sheet, (1, 1), self.footer)

    # -- Scenarios

    _SCENARIO_WIDTHS = (16, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13)

    def scenarios(self) -> None:
        data = self.data
        sheet = self._sheet("Scenarios")
        for col, width in enumerate(self._SCENARIO_WIDTHS):
            sheet.set_column(col, col, width)
        if not data.runs:
            sheet.write_string(0, 0, "No scenario chosen.", self.heading)
            sheet.write_string(1, 0, "Choose scenarios with --scenario NAME (riskdesk scenario --list shows the "
                                     "presets) or in File ▸ Export report…", self.subtitle)
            print_setup(sheet, None, self.footer)
            return
        row = 0
        breaks: list[int] = []
        for k, run in enumerate(data.runs, start=1):
            if k > 1:
                breaks.append(row)
            row = self._scenario(sheet, row, k, run, breaks) + 2
        sheet.set_h_pagebreaks(breaks)
        print_setup(sheet, None, self.footer)

    def _scenario_columns(self, titles: Sequence[tuple[str, str, str]]) -> list[Column]:
        """(title, format, kind) → columns of the Scenarios sheet's fixed widths."""
        return [Column(title, self._SCENARIO_WIDTHS[c], fmt, kind=kind) for c, (title, fmt, kind) in enumerate(titles)]

    def _scenario(self, sheet: Any, row: int, k: int, run: _ScenarioRun, breaks: list[int]) -> int:
        """One scenario's block from `row`: what it is, the monthly table and its chart, the parts that lose supply.
        Adds the rows to start a printed page at to `breaks`; returns the row after the block."""
        result, other, mc = run.result, run.other, run.monte_carlo
        scenario = result.scenario
        months = result.months
        span = sum(self._SCENARIO_WIDTHS[:10])
        sheet.write_string(row, 0, f"Scenario {k}: {scenario.name}", self.heading)
        row += 1
        lines = [f"{months[0]} to {months[-1]} ({scenario.horizon_months} months), {scenario.price_basis} prices, "
                 f"scored as of {result.evaluation.as_of.isoformat()}; costs of the magnets' element content in "
                 "USD."]
        if scenario.description:
            lines.append(scenario.description)
        for shock in scenario.price_shocks:
            marks = shock.provenance.marks()
            lines.append(f"Price: {shock.describe()}" + (f" [{marks}]" if marks else ""))
        for reach in result.reach:
            marks = reach.cut.provenance.marks()
            lines.append(f"Supply: {reach.cut.describe()}: reaches {count(reach.parts_reached, 'part')}"
                         + (f" [{marks}]" if marks else "") + (f"; {reach.note}" if reach.note else ""))
        baseline = float(result.portfolio_baseline.sum())
        change = result.delta_total
        share = f" ({change / baseline:+.1%})" if baseline > 0 else ""
        lines.append(f"Over the horizon: baseline {baseline:,.0f}, scenario {baseline + change:,.0f}, change "
                     f"{change:+,.0f}{share}. On {other.scenario.price_basis} prices instead: baseline "
                     f"{float(other.portfolio_baseline.sum()):,.0f}, change {other.delta_total:+,.0f}.")
        so = result.stock_out
        lines.append(f"{count(int((so.first_affected_day > 0).sum()), 'part loses', 'parts lose')} supply, "
                     f"{int(so.stops.sum())} run short; value of the units short "
                     f"{float(so.shortfall_cost.sum()):,.0f}.")
        if mc is not None:
            lines.append(f"Monte Carlo: {mc.paths:,} paths, seed {mc.seed}, {mc.model.basis} prices; a random "
                         f"disruption in {mc.disrupted_share:.0%} of paths. Total over the horizon: mean "
                         f"{mc.total_mean:,.0f}, P95 {mc.total_p95:,.0f}; cost at risk {mc.cost_at_risk:,.0f}, "
                         f"expected shortfall {mc.expected_shortfall:,.0f}.")
        for line in lines:
            sheet.merge_range(row, 0, row, 9, "", self.wrap)
            sheet.write_string(row, 0, line, self.wrap)
            sheet.set_row(row, row_height((line, span)))
            row += 1
        row += 1
        header = row
        titles = [("Month", "", TEXT), ("Baseline USD", "usd", NUMBER), ("Scenario USD", "usd", NUMBER),
                  ("Change USD", "usd", FORMULA)]
        values: list[list[Any]] = [
            list(months), result.portfolio_baseline.tolist(), result.portfolio_scenario.tolist(),
            [(f"=C{header + 2 + t}-B{header + 2 + t}", float(d)) for t, d in enumerate(result.portfolio_delta)]]
        if mc is not None:
            for q in (5, 25, 50, 75, 95):
                titles.append((f"MC P{q} USD", "usd", NUMBER))
                values.append(mc.percentiles[q].tolist())
            titles.append(("MC mean USD", "usd", NUMBER))
            values.append(mc.mean.tolist())
        columns = self._scenario_columns(titles)
        self._columns(sheet, header, columns, values, f"Scenario{k}Months", freeze=False, widths=False)
        first, last = header + 1, header + len(months)
        chart = self.book.add_chart({"type": "line"})
        series = [("Baseline", 1, "#7F7F7F", "dash"), ("Scenario", 2, BAND_COLORS["red"], "solid")]
        if mc is not None:
            series += [("Monte Carlo P5", 4, "#5B9BD5", "round_dot"), ("Monte Carlo P50", 6, "#2E75B6", "solid"),
                       ("Monte Carlo P95", 8, "#5B9BD5", "round_dot")]
        for name, col, color, dash in series:
            chart.add_series({"name": name, "categories": ["Scenarios", first, 0, last, 0],
                              "values": ["Scenarios", first, col, last, col],
                              "line": {"color": color, "width": 2.0, "dash_type": dash}, "marker": {"type": "none"}})
        chart.set_title({"name": f"Scenario {k}: monthly cost of the element content, USD", "name_font": {"size": 11}})
        chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}, "min": 0})
        chart.set_x_axis({"num_font": {"rotation": -45}, "interval_unit": 3})
        chart.set_legend({"position": "bottom"})
        chart_col = len(columns) + 1 if mc is None else 0
        if mc is None:
            sheet.insert_chart(header, chart_col, chart)
            row = max(last + 2, header + 18)
        else:
            row = last + 2
            breaks.append(row)
            chart.set_size({"width": 900, "height": 340})
            sheet.insert_chart(row, 0, chart, {"x_offset": 4, "y_offset": 4})
            row += 19

        reached = [i for i in range(len(result.part_numbers)) if so.first_affected_day[i] > 0]
        reached.sort(key=lambda i: (so.first_short_day[i] <= 0, so.first_short_day[i], -so.shortfall_cost[i]))
        sheet.write_string(row, 0, f"Scenario {k}: parts that lose supply (day 1 = {scenario.day(1).isoformat()})",
                           self.label)
        row += 1
        if not reached:
            sheet.write_string(row, 0, "No part loses supply in this scenario.", self.subtitle)
            return row + 1
        stock = result.evaluation.compiled.stock_days
        titles = [("Part", "", TEXT), ("Share lost", "share", NUMBER), ("Counted as unknown origin", "share", NUMBER),
                  ("Stock days", "days", NUMBER), ("Time to survive, days", "days", NUMBER),
                  ("Time to recover, days", "days", NUMBER), ("First short day", "count", NUMBER),
                  ("First short on", "date", DATE), ("Days short", "count", NUMBER),
                  ("Units short", "count", NUMBER), ("Value short USD", "usd", NUMBER)]
        values = [
            [str(result.part_numbers[i]) for i in reached],
            [float(so.loss_share[i]) for i in reached],
            [float(so.possible_share[i]) for i in reached],
            [_finite(stock[i]) for i in reached],
            [_finite(so.tts_days[i]) for i in reached],
            [_finite(so.ttr_days[i]) for i in reached],
            [int(so.first_short_day[i]) or None for i in reached],
            [scenario.day(int(so.first_short_day[i])) if so.first_short_day[i] > 0 else None for i in reached],
            [int(so.days_short[i]) for i in reached],
            [float(so.units_short[i]) for i in reached],
            [float(so.shortfall_cost[i]) for i in reached],
        ]
        if mc is not None:
            titles.append(("Monte Carlo: probability of running out", "share", NUMBER))
            values.append([float(mc.stop_probability[i]) for i in reached])
        self._columns(sheet, row, self._scenario_columns(titles), values, f"Scenario{k}Stops", freeze=False,
                      widths=False)
        return row + len(reached) + 1

    # -- Inputs

    def inputs(self) -> None:
        data, evaluation = self.data, self.evaluation
        compiled = evaluation.compiled
        project = data.request.project
        settings = project.settings
        tables = project.tables
        sheet = self._sheet("Inputs")
        widths: dict[int, float] = {}

        def block(row: int, title: str, columns: Sequence[Column], values: Sequence[Sequence[Any]],
                  name: str, text: str = "") -> int:
            sheet.write_string(row, 0, title, self.heading)
            for c, column in enumerate(columns):
                widths[c] = max(widths.get(c, 0.0), column.width)
            rows = self._columns(sheet, row + 1, columns, values, name, freeze=False, widths=False, text=text)
            return row + 1 + max(rows, 1) + 2

        weights_total = sum(max(v, 0.0) for v in settings.weights.values()) or 1.0
        setting_rows: list[tuple[str, Any]] = [
            ("Project", settings.name),
            ("Buyer imports into", self._country(settings.import_country)),
            ("US defence supply (DFARS)", f"{settings.us_defence_supply}: "
                                          f"{'yes' if settings.supplies_us_defence else 'no'}"),
            ("Suspended rules in force", "yes" if settings.suspended_rules_in_force else "no"),
            ("Disruption, days", settings.disruption_days),
            ("Re-sourcing, days", settings.resourcing_days),
            ("Price basis", settings.price_basis),
            *((f"Weight: {FACTOR_LABELS[name]}", settings.weights.get(name, 0.0)) for name in FACTOR_NAMES),
            ("Weights add up to", weights_total),
        ]
        row = block(0, "Settings and weights as used",
                    [Column("Setting", 24, kind=TEXT, wrap=True), Column("Value", 18)],
                    [[k for k, _ in setting_rows], [v for _, v in setting_rows]], "Settings")

        parts = tables.parts
        held = [e for e in range(len(elements.SYMBOLS)) if compiled.wt_pct[:, e].any()]
        values = [_frame_values(parts, c) for c in PART_COLUMNS]
        columns = _input_columns(list(PART_COLUMNS), values)
        composition_columns = len(columns)
        for e in held:
            columns.append(Column(f"{elements.SYMBOLS[e]} wt % used", 8, kind=NUMBER))
            values.append(compiled.wt_pct[:, e].tolist())
        grouped = (columns[composition_columns:], composition_columns)
        columns.append(Column("Composition used", 48, kind=TEXT, wrap=len(parts) <= 5_000))
        values.append(list(compiled.composition_notes))
        row = block(row, f"Parts ({len(parts):,}), with the composition scoring used (click + above the columns "
                         "for each element's wt %)", columns, values,
                    "InputParts", "Writing the inputs…")

        suppliers = tables.suppliers
        values = [_frame_values(suppliers, c) for c in SUPPLIER_COLUMNS]
        row = block(row, f"Suppliers ({len(suppliers):,})", _input_columns(list(SUPPLIER_COLUMNS), values), values,
                    "InputSuppliers")

        paths = tables.paths
        listed = compiled.n_listed_paths
        extra = np.flatnonzero(compiled.unassigned)
        values = []
        for c in PATH_COLUMNS:
            column_values = _frame_values(paths, c)
            if c == "part_number":
                column_values += [str(compiled.part_numbers[compiled.path_part[r]]) for r in extra]
            elif c == "supplier_id":
                column_values += ["(none)"] * len(extra)
            elif c == "origin_evidence":
                column_values += ["unknown"] * len(extra)
            else:
                column_values += [None] * len(extra)
            values.append(column_values)
        columns = _input_columns(list(PATH_COLUMNS), values)
        columns.append(Column("Share used %", 8, kind=NUMBER,
                              help="The share scoring used: shares over 100 % are scaled down; volume no path "
                                   "covers is a path of unknown origin"))
        share_used = compiled.share[:listed] * 100.0 if listed == len(paths) else np.full(len(paths), np.nan)
        values.append([*(_finite(v) for v in share_used.tolist()), *(compiled.share[extra] * 100.0).tolist()])
        row = block(row, f"Supply paths ({len(paths):,}), with the share scoring used, and the volume no supply path "
                         "covers (supplier (none), of unknown origin)", columns, values, "InputPaths",
                    "Writing the supply paths…")

        composition = tables.composition
        if len(composition):
            values = [_frame_values(composition, c) for c in COMPOSITION_COLUMNS]
            block(row, f"Composition given per part ({len(composition):,})",
                  _input_columns(list(COMPOSITION_COLUMNS), values, {"element": "Element", "wt_pct": "wt %"}), values,
                  "InputComposition")
        for col, width in widths.items():
            sheet.set_column(col, col, width)
        group_columns(sheet, grouped[0], grouped[1], following=Column("", widths.get(grouped[1] + len(grouped[0]),
                                                                                       12)))
        print_setup(sheet, None, self.footer)

    # -- Method

    _METHOD_WIDTHS = (27, 68, 55)

    def method(self) -> None:
        data, evaluation = self.data, self.evaluation
        sheet = self._sheet("Method")
        for col, width in enumerate(self._METHOD_WIDTHS):
            sheet.set_column(col, col, width)
        a, b, c = self._METHOD_WIDTHS
        sheet.write_string(0, 0, "How RiskDesk scores exposure", self.title)
        sheet.write_string(1, 0, "Every figure on the other sheets is computed as below; docs/method.md and "
                                 "docs/scenarios.md give the whole method with its reasons.", self.subtitle)
        row = 3
        settings = evaluation.settings
        total = sum(max(v, 0.0) for v in settings.weights.values()) or 1.0
        row = self._block(sheet, row, "Factors and weights", [
            Column("Factor", a, kind=TEXT), Column("What it measures (0 no risk … 100)", b, wrap=True, kind=TEXT),
            Column("Weight (share of the score)", c, kind=TEXT)],
            [(FACTOR_LABELS[n], FACTOR_HELP[n], f"{settings.weights.get(n, 0.0):g} "
              f"({max(settings.weights.get(n, 0.0), 0.0) / total:.0%})") for n in FACTOR_NAMES], "MethodFactors")
        row = self._block(sheet, row, "Formulas", [
            Column("Topic", a, kind=TEXT), Column("Formula", b, wrap=True, kind=TEXT),
            Column("Note", c, wrap=True, kind=TEXT)],
            [(f.topic, f.formula, f.note) for f in FORMULAS], "MethodFormulas")
        row = self._block(sheet, row, "Invariants: promises the tests search counterexamples for", [
            Column("ID", a, kind=TEXT), Column("Promise", b, wrap=True, kind=TEXT),
            Column("Test (tests/core/test_invariants.py)", c, wrap=True, kind=TEXT)],
            [(i.id, i.statement, i.test) for i in INVARIANTS], "MethodInvariants")
        row = self._block(sheet, row, "Data sources with versions", [
            Column("Data", a, kind=TEXT), Column("Title and version", b, wrap=True, kind=TEXT),
            Column("File and SHA-256", c, wrap=True, kind=TEXT)],
            [(f.what, f"{f.title}, version {f.version}", f"{f.name}\n{f.sha256}") for f in data.files],
            "MethodData")
        day = data.request.as_of
        link_rows: list[tuple[str, Any]] = []
        rule_rows = []
        for rule in data.reference.control_list.rules:
            state = rule.state_on(day, settings.suspended_rules_in_force)
            dates = f"effective from {rule.effective_from.isoformat()}" + (
                f" until {rule.effective_until.isoformat()}" if rule.effective_until else "")
            rule_rows.append((rule.id, f"{rule.instrument}: {rule.title}. {rule.note}".strip(),
                              f"{rule.effect_label}; {state.status.value} ({state.reason}); {dates}; confidence "
                              f"{rule.confidence}"))
            link_rows += [(rule.id, (s.url, s.title or s.url)) for s in rule.sources]
        row = self._block(sheet, row, f"The control list on {day.isoformat()}: every rule, its status and dates", [
            Column("Rule", a, kind=TEXT), Column("What it says", b, wrap=True, kind=TEXT),
            Column("Effect, status on the date, dates, confidence", c, wrap=True, kind=TEXT)],
            rule_rows, "MethodRules")
        for k, run in enumerate(data.runs, start=1):
            scenario = run.result.scenario
            provenances = [shock.provenance for shock in scenario.price_shocks]
            provenances += [cut.provenance for cut in scenario.supply_cuts]
            link_rows += [(f"Scenario {k}", (s.url, s.title or s.url)) for p in provenances for s in p.sources]
        link_rows = list(dict.fromkeys(link_rows))[:MAX_LINKS]
        row = self._block(sheet, row, "Sources (a link opens the page cited; addresses that are not among RiskDesk's "
                                      "bundled sources are text, not links)", [
            Column("Of", a, kind=TEXT), Column("Source", b, kind=LINK), Column("Address", c, kind=TEXT, wrap=True)],
            [(of, _safe_link(*link), link[0]) for of, link in link_rows], "MethodSources")
        self._block(sheet, row, "Confidence marks", [Column("Mark", a, kind=TEXT), Column("Meaning", b, kind=TEXT)],
                    list(CONFIDENCE_MARKS.items()), "MethodMarks")
        print_setup(sheet, None, self.footer)

    def _block(self, sheet: Any, row: int, title: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]],
               name: str) -> int:
        """A small table under a heading, in the sheet's own column widths; returns the row after a blank one."""
        sheet.write_string(row, 0, title, self.heading)
        values = [[r[c] for r in rows] for c in range(len(columns))]
        self._columns(sheet, row + 1, columns, values, name, freeze=False, widths=False)
        return row + 2 + max(len(rows), 1) + 1


# ---------------------------------------------------------------------------------------------------------------


def _why(report: Any) -> str:
    """A part's floor reason, else its two heaviest factors, in a line."""
    if report.cap:
        return str(report.cap)
    ranked = sorted(report.factors.values(), key=lambda f: -f.value * f.weight)[:2]
    return "; ".join(f"{FACTOR_LABELS[f.name]} {f.value:.0f}" for f in ranked if f.value > 0)


def _floor_words(floor: float) -> str:
    from riskdesk.core.evaluation import NO_PATH_FLOOR, PROHIBITED_FLOOR, RED_FLOOR

    return {PROHIBITED_FLOOR: "prohibited (or possibly, origin unknown)", RED_FLOOR: "may soon be prohibited",
            NO_PATH_FLOOR: "no supply path"}.get(floor, "")


def _source_cell(sources: Sequence[Any], link: bool) -> Any:
    """A finding's source: the first source's title (a link to it when `link` and it is a bundled source), and how
    many more there are."""
    if not sources:
        return ""
    first = sources[0]
    text = (first.title or first.url) + (f" (+{len(sources) - 1} more on the Method sheet)" if len(sources) > 1
                                         else "")
    return _safe_link(first.url, text) if link else text


def _safe_link(url: str, text: str) -> tuple[str, str]:
    """A (url, text) link cell that links only to an address among the bundled data's sources: a scenario file or
    a control list from elsewhere may name any page under any title, and a report is opened and clicked by people
    who trust it. Other addresses give ("", text): the text, which the Method sheet shows beside the address."""
    return (url, text) if url in bundled_source_urls() else ("", text)


@functools.cache
def bundled_source_urls() -> frozenset[str]:
    """Every source address in RiskDesk's bundled data (control list, countries, grades, prices, market shares,
    scenario presets)."""
    found: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = [default_reference(), default_presets()]
    while stack:
        item = stack.pop()
        if isinstance(item, Source):
            found.add(item.url)
        elif isinstance(item, str | bytes | int | float | np.ndarray) or id(item) in seen:
            continue
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            seen.add(id(item))
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
        elif isinstance(item, tuple | list | set | frozenset):
            seen.add(id(item))
            stack.extend(item)
        elif isinstance(item, dict):
            seen.add(id(item))
            stack.extend(item.values())
    return frozenset(url for url in found if url)


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _frame_column(frame: Any, column: str, order: np.ndarray) -> list[str]:
    values = frame[column].to_numpy(dtype=object)
    return [str(values[i]) for i in order] if len(values) else []


def _input_columns(names: Sequence[str], values: Sequence[Sequence[Any]],
                   labels: dict[str, str] | None = None) -> list[Column]:
    """Columns for a project table as entered: the field's label, numbers as numbers, widths that fit."""
    columns = []
    for name, column_values in zip(names, values, strict=True):
        title = (labels or {}).get(name) or field_label(name)
        columns.append(Column(title, fit_width(title, column_values, high=30),
                              kind=NUMBER if name in NUMBER_COLUMNS else TEXT))
    return columns


def _frame_values(frame: Any, column: str) -> list[Any]:
    if column in NUMBER_COLUMNS:
        return [None if v != v else float(v) for v in frame[column].to_numpy(dtype=float).tolist()]
    return [str(v) for v in frame[column].to_numpy(dtype=object).tolist()]


__all__ = [
    "SHEETS",
    "ReportCancelled",
    "ReportError",
    "ReportRequest",
    "ReportSummary",
    "UnknownScenario",
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
