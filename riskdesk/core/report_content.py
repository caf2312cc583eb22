"""What the risk report says, sheet by sheet: values and sentences, not cells.

    data = prepare(ReportRequest(project, as_of, compare=…, scenarios=…), Steps(progress, cancelled))
    summary_sheet(data, user="ann").facts          # ("Project", "Demo: …"), ("As of", date(2026, 11, 23)), …
    parts_sheet(data).scores                       # riskiest first, the order of the Parts sheet
    findings_sheet(data, SheetLimits(rows, links)).rule_ids
    exposure_sheet(data), scenario_blocks(data), inputs_sheet(data), method_sheet(data, limits)

`prepare` does the slow part once (scores on both dates, every finding, the scenario runs with their Monte Carlo);
each `*_sheet` function then says what one sheet shows, in the order it shows it, as plain lists. Every number comes
from the core — `Evaluation` (the scores of `riskdesk score`), `riskdesk.core.findings`, `riskdesk.core.exposure`,
`compare`, `run_on_both_bases` and `run_monte_carlo` (those of `riskdesk scenario`) — and every word from
`riskdesk.core.labels`, so the report says what the window and the command line say. Laying these values out in a
workbook (titles, widths, formats, charts, print set-up) is `riskdesk.io.report`'s work; this module never writes a
file, so tests can check what each sheet says without opening one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from riskdesk import __version__
from riskdesk.core import elements, labels
from riskdesk.core.countries import CountryTable
from riskdesk.core.datafile import CONFIDENCE_MARKS, Source
from riskdesk.core.domain import (
    COMPOSITION_COLUMNS,
    NUMBER_COLUMNS,
    PART_COLUMNS,
    PATH_COLUMNS,
    STAGE_EVIDENCE_COLUMNS,
    STAGES,
    SUPPLIER_COLUMNS,
)
from riskdesk.core.evaluation import (
    NO_PATH_FLOOR,
    PROHIBITED_FLOOR,
    RED_FLOOR,
    ConcentrationRow,
    Evaluation,
    PartChange,
    band,
    compare,
    compile_project,
    evaluate,
    in_date_order,
)
from riskdesk.core.exposure import benchmark_applies, by_element_stage_country
from riskdesk.core.findings import KINDS, WHOLE_MAGNET, Findings, KeyFinding, findings, key_findings
from riskdesk.core.labels import BAND_LABELS, BASIS_NAMES, FACTOR_HELP, FACTOR_LABELS, KIND_LABELS, count
from riskdesk.core.method import FORMULAS, INVARIANTS
from riskdesk.core.presets import PresetBook, default_presets
from riskdesk.core.project import FACTOR_NAMES, Project, ProjectSettings
from riskdesk.core.provenance import DataFile, data_files, file_sha256
from riskdesk.core.reference import ReferenceData, default_reference
from riskdesk.core.rules import RULE_STAGES
from riskdesk.core.scenario_run import ScenarioResult, run_on_both_bases
from riskdesk.core.scenarios import UNKNOWN_VALUE, Scenario, ScenarioError
from riskdesk.core.simulation import TAIL, MonteCarloResult, MonteCarloSettings, SimulationCancelled, run_monte_carlo
from riskdesk.core.triage import POSSIBLY_PROHIBITED, PROHIBITED, STATUS_LABELS
from riskdesk.core.value_share import part_value_tests

TOP_PARTS = 10
"""The Summary lists this many of the riskiest parts."""
FULL_TEXT_PARTS = 1_000
"""Up to this many parts the Parts sheet explains each floor in full (as the window's "why" panel) and wraps its
text; above it, in a few words (the full text of each part is in `riskdesk score --json`), to keep large reports
quick to write and to scroll."""
OVER_BENCHMARK = "over 65 %"
"""The Exposure sheet's flag for one third country supplying more than 65 % of an element at a stage."""
STEPS = 1000
"""Progress is reported in thousandths of the whole report."""
Progress = Callable[[int, int, str], None]
"""(done, total, text), as `riskdesk.ui.workers.TaskContext.report` takes it."""


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
    project_file: Path | None = None
    """The file the project was read from, unchanged since (its SHA-256 goes on the Inputs sheet); None when the
    project is not a saved file (the window's project with unsaved changes)."""
    revision: str = ""
    """The revision of the workspace or project file the project was read at ("12 of the workspace eu"), for the
    Inputs sheet; "" when not known (then no row says it)."""
    detail: bool = False
    """Add the Findings detail sheet (one row per finding) after the Findings sheet (one row per part and rule):
    `riskdesk report --detail`, the window's "Findings in full detail"."""


@dataclass(frozen=True)
class SheetLimits:
    """What one sheet can hold: rows for the Findings (below its note and header), links in a sheet."""

    rows: int
    links: int


# ---------------------------------------------------------------------------------------------------------------
# The method's numbers and the settings in words. core/labels.py is getting one function for each (issue 20);
# these two are the report's only copies, so that call replaces their bodies.


def band_thresholds_text() -> str:
    """The bands in words, as the Parts sheet's Band header note states them (the window's words)."""
    return labels.band_help()


def settings_as_used(settings: ProjectSettings, countries: CountryTable) -> list[tuple[str, Any]]:
    """The Inputs sheet's "Settings and weights as used", in the catalogue's words (`labels.settings_as_used`): the
    import country by its name, and its ISO code on the row after (one value a cell, as every sheet writes a
    country)."""
    country = country_cells(countries, settings.import_country)
    rows = labels.settings_as_used(settings, lambda code: country_cells(countries, code).name)
    at = next((k for k, (label, _) in enumerate(rows) if label.startswith("Import country")), len(rows) - 1)
    return [*rows[:at + 1], (f"{rows[at][0]}: ISO code", country.code), *rows[at + 1:]]


UNKNOWN_COUNTRY = "unknown"
"""The country name written where the country of a stage is not known (its code cell is left empty)."""


@dataclass(frozen=True)
class CountryCells:
    """A country as the report writes it: the ISO 3166-1 alpha-2 code and the name, each in its own column, so that
    a reader can filter and join by code ("" and "unknown" where the country is not known)."""

    code: str
    name: str

    def words(self) -> str:
        """In a sentence: "United States (US)", or "unknown"."""
        return f"{self.name} ({self.code})" if self.code else self.name


def country_cells(countries: CountryTable, code: str) -> CountryCells:
    """The code and the name of the country `code` ("" for unknown origin), for a pair of columns: every sheet
    that names a country writes it through this (and `riskdesk.io.report.layout.country_columns`)."""
    return CountryCells(code, countries.name(code)) if code else CountryCells("", UNKNOWN_COUNTRY)


def country_columns_of(countries: CountryTable, codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """The codes and the names of `codes`, as two column lists (`country_cells` for each)."""
    cells = [country_cells(countries, str(code)) for code in codes]
    return [c.code for c in cells], [c.name for c in cells]


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
# Scoring, findings and scenario runs, once for every sheet


class Steps:
    """Progress in thousandths of the whole report, and the cancel check."""

    def __init__(self, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> None:
        self._progress = progress
        self._cancelled = cancelled

    def report(self, done: float, text: str, check: bool = True) -> None:
        """Say how far the report is (and, unless `check` is off, stop here if it was cancelled)."""
        if check:
            self.check()
        if self._progress is not None:
            self._progress(min(int(done), STEPS), STEPS, text)

    def cancelled(self) -> bool:
        return self._cancelled is not None and self._cancelled()

    def check(self) -> None:
        """Raise ReportCancelled when the report was cancelled."""
        if self.cancelled():
            raise ReportCancelled


@dataclass
class ScenarioRun:
    """A chosen scenario run on the project's price basis, on the other basis, and its Monte Carlo if asked."""

    result: ScenarioResult
    other: ScenarioResult
    monte_carlo: MonteCarloResult | None = None


@dataclass
class ReportData:
    """The project scored for the report: what every sheet is computed from."""

    request: ReportRequest
    reference: ReferenceData
    evaluation: Evaluation
    later: Evaluation | None
    """Scored on the comparison date."""
    changes: list[PartChange]
    order: np.ndarray
    """Part positions, riskiest first (the order of the Parts sheet)."""
    findings: Findings
    key: list[KeyFinding]
    runs: list[ScenarioRun]
    files: list[DataFile]
    """The bundled data files, the control list first."""
    written: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """When the report was written, in UTC."""
    report_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    """A new id for every report written, so that a filed report can be named."""
    project_sha256: str = ""
    """The SHA-256 of the project file ("" when the project was not read from a saved file)."""

    def in_date_order(self) -> tuple[Evaluation, Evaluation] | None:
        """The as-of and comparison evaluations, the earlier first (None without a comparison)."""
        return in_date_order(self.evaluation, self.later) if self.later is not None else None


def prepare(request: ReportRequest, steps: Steps | None = None) -> ReportData:
    """Score the project on the as-of date (reusing the request's evaluation when it is for that date) and on the
    comparison date, list the findings riskiest part first and run the scenarios, reporting progress up to 250
    thousandths. Raises ReportError (a project with errors, a scenario that cannot run) or ReportCancelled."""
    steps = steps or Steps()
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
        changes = compare(*in_date_order(evaluation, later))
    steps.report(70, "Listing the findings…")
    order = evaluation.triage_order()
    found = findings(evaluation).by_parts(order)
    key = key_findings(evaluation, later, changes if later is not None else None)
    runs = [_run(request, evaluation, scenario, k, steps) for k, scenario in enumerate(request.scenarios)]
    project_sha256 = file_sha256(request.project_file) if request.project_file is not None else ""
    return ReportData(request, evaluation.reference, evaluation, later, changes, order, found, key, runs,
                      data_files(evaluation.reference, default_presets()), project_sha256=project_sha256)



def _run(request: ReportRequest, evaluation: Evaluation, scenario: Scenario, k: int, steps: Steps) -> ScenarioRun:
    count_runs = max(len(request.scenarios), 1)
    base = 100 + 150 * k / count_runs
    steps.report(base, f"Running the scenario {scenario.name}…")
    try:
        result, other = run_on_both_bases(evaluation, scenario).values()
    except ScenarioError as exc:
        raise ReportError(f"scenario {scenario.name!r}: {exc}") from None
    run = ScenarioRun(result, other)
    if request.monte_carlo_paths > 0:
        settings = MonteCarloSettings(paths=request.monte_carlo_paths, seed=request.seed)
        text = f"Monte Carlo for {scenario.name}…"

        def simulated(fraction: float) -> None:
            steps.report(base + 150 / count_runs * fraction, text)

        try:
            run.monte_carlo = run_monte_carlo(result, settings, cancelled=steps.cancelled, progress=simulated)
        except SimulationCancelled:
            raise ReportCancelled from None
    return run


# ---------------------------------------------------------------------------------------------------------------
# Summary


@dataclass(frozen=True)
class TopParts:
    """The Summary's riskiest parts, riskiest first (and on the comparison date, when there is one)."""

    part_numbers: list[str]
    descriptions: list[str]
    scores: list[float]
    bands: list[str]
    why: list[str]
    """The floor that holds the part, else its two heaviest factors."""
    hits: list[int]
    watch: list[int]
    later_scores: list[float]
    later_bands: list[str]
    changes: list[float]
    """From the earlier date's score to the later date's (empty without a comparison, as the two lists before)."""
    statuses: list[str] = field(default_factory=list)
    """"Prohibited", "Possibly prohibited" or "" (`riskdesk.core.triage`)."""
    possible: list[int] = field(default_factory=list)
    """Possible hits: rules that would meet the part through a stage of unknown country."""
    spend: list[float] = field(default_factory=list)
    """Spend per year, USD (units × unit price): ties in status and shown score are broken by it."""


@dataclass(frozen=True)
class StatusGroup:
    """The parts of one prohibition status, with their spend."""

    label: str
    part_numbers: list[str]
    spend: float


@dataclass(frozen=True)
class BandSpend:
    """The parts of one band and their spend per year."""

    band: str
    """"red", "amber" or "green"."""
    parts: int
    spend: float
    share: float
    """Of the whole spend (0–1; 0 when nothing has a price)."""


@dataclass(frozen=True)
class ScenarioLine:
    """One chosen scenario in a Summary row: its cost change, who runs short, and its Monte Carlo tail."""

    name: str
    horizon: str
    basis: str
    change: float
    change_share: float | None
    """Of the baseline over the horizon (None for a zero baseline)."""
    other_basis: str
    other_change: float
    parts_losing: int
    parts_short: int
    units_short: float
    value_short: float
    first_short: dt.date | None
    monte_carlo_paths: int = 0
    p50: float | None = None
    """Monte Carlo median of the total cost over the horizon (None without a Monte Carlo)."""
    p95: float | None = None
    cost_at_risk: float | None = None
    """P95 of the total minus its mean (`TAIL`)."""
    level: int = TAIL


@dataclass(frozen=True)
class SummarySheet:
    """What the Summary says: the facts of the report, the portfolio score, what is prohibited and the spend at
    risk, what changes next, the chosen scenarios' cost, the key findings and the riskiest parts."""

    title: str
    subtitle: str
    facts: list[tuple[str, str | dt.date | CountryCells]]
    """Label and value; a country's code and name go in two cells."""
    as_of: dt.date
    compare: dt.date | None
    score: float
    band: str
    """The portfolio's band: "green", "amber" or "red"."""
    reason: str
    """How the portfolio score comes about."""
    on_as_of: str
    on_compare: str
    """The portfolio score on both dates, earlier first, and the change ("" without a comparison)."""
    key_findings: list[KeyFinding]
    """What holds on the as-of date and the portfolio block does not already say (the dated items are in
    `changes_next`)."""
    top_heading: str
    """What the riskiest parts are; for a project without parts, that it has none and what to do."""
    top: TopParts | None
    """None for a project without parts."""
    chart_title: str
    statuses: list[StatusGroup] = field(default_factory=list)
    """Prohibited and possibly prohibited parts (only the statuses some part has)."""
    spend_by_band: list[BandSpend] = field(default_factory=list)
    total_spend: float = 0.0
    changes_next: list[KeyFinding] = field(default_factory=list)
    """What changes next: the rules due to reach parts, by date."""
    scenarios: list[ScenarioLine] = field(default_factory=list)


def summary_sheet(data: ReportData, user: str = "") -> SummarySheet:
    """The Summary; `user` is named on the "Written" line when the request names the author ("RiskDesk" for an
    empty name)."""
    evaluation, request, later = data.evaluation, data.request, data.later
    settings = request.project.settings
    tables = request.project.tables
    countries = data.reference.countries
    control = data.reference.control_list
    buyer = country_cells(countries, settings.import_country)
    facts: list[tuple[str, str | dt.date | CountryCells]] = [
        ("Project", settings.name),
        ("Buyer imports into", buyer),
        ("As of", request.as_of),
    ]
    if later is not None:
        facts.append(("Compared with", later.as_of))
    written = f"{data.written.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    facts += [
        ("Control list", f"{control.title}, version {control.version} of {control.date.isoformat()}"),
        ("Control list SHA-256", data.files[0].sha256 or "(the file could not be read)"),
        ("Prices", f"{BASIS_NAMES[settings.price_basis]} basis, USD per kg of contained element (Inputs sheet)"),
        ("Scope", f"{count(len(tables.parts), 'part')}, {count(len(tables.suppliers), 'supplier')}, "
                  f"{count(len(tables.paths), 'supply path')}"),
        ("Written", f"{written} by {user or 'RiskDesk'} with RiskDesk {__version__}"
         if request.author else f"{written} with RiskDesk {__version__}"),
        ("Report id", data.report_id),
    ]
    score, reason = evaluation.portfolio_score()
    on_compare = ""
    ordered = data.in_date_order()
    if ordered is not None:
        first, second = ordered
        before, _ = first.portfolio_score()
        after, _ = second.portfolio_score()
        on_compare = (f"From {first.as_of.isoformat()} to {second.as_of.isoformat()}: {before:.0f} "
                      f"({BAND_LABELS[band(before)]}) → {after:.0f} ({BAND_LABELS[band(after)]}), "
                      f"{after - before:+.1f}.")
    n_parts = evaluation.compiled.n_parts
    day = request.as_of.isoformat()
    chart_title = f"The riskiest parts: score on {day} (0–100)"
    if later is not None:
        chart_title = (f"The riskiest parts: score on {day} in the band's colour, on {later.as_of.isoformat()} in "
                       "grey (0–100)")
    return SummarySheet(
        title=f"RiskDesk risk report: {settings.name}",
        subtitle=f"Rare-earth magnet supply risk of {count(len(tables.parts), 'part')} as of {day}, for a buyer "
                 f"importing into {buyer.words()}.",
        facts=facts, as_of=request.as_of, compare=later.as_of if later is not None else None,
        score=score, band=band(score), reason=reason, on_as_of=f"On {day}: {reason}.", on_compare=on_compare,
        key_findings=[k for k in data.key if k.when is None and not _stated_beside(k)],
        top_heading=f"The {min(TOP_PARTS, n_parts)} riskiest parts on {day} (alike in status and score: the larger "
                    "spend first)" if n_parts
        else "The project has no parts yet: add or import them, then export again.",
        top=_top_parts(data) if n_parts else None, chart_title=chart_title,
        statuses=_status_groups(data), spend_by_band=_spend_by_band(data),
        total_spend=float(evaluation.compiled.spend.sum()),
        changes_next=[k for k in data.key if k.when is not None],
        scenarios=[_scenario_line(run) for run in data.runs])


def _stated_beside(finding: KeyFinding) -> bool:
    """A key finding the Summary's portfolio block already states: the prohibited and possibly prohibited parts, the
    bands (with their spend), the portfolio score on both dates (unless parts turn red)."""
    return finding.topic in ("status", "bands") or (finding.topic == "compare" and not finding.parts)


def _status_groups(data: ReportData) -> list[StatusGroup]:
    evaluation = data.evaluation
    statuses = evaluation.statuses()
    compiled = evaluation.compiled
    groups = []
    for status in (PROHIBITED, POSSIBLY_PROHIBITED):
        held = [int(i) for i in data.order if statuses[i] == status]
        if held:
            groups.append(StatusGroup(STATUS_LABELS[status], [str(compiled.part_numbers[i]) for i in held],
                                      float(compiled.spend[held].sum())))
    return groups


def _spend_by_band(data: ReportData) -> list[BandSpend]:
    evaluation = data.evaluation
    spend = evaluation.compiled.spend
    total = float(spend.sum())
    named = np.array([band(float(s)) for s in evaluation.scores], dtype=object)
    result = []
    for name in ("red", "amber", "green"):
        held = named == name
        amount = float(spend[held].sum()) if held.any() else 0.0
        result.append(BandSpend(name, int(held.sum()), amount, amount / total if total > 0 else 0.0))
    return result


def _scenario_line(run: ScenarioRun) -> ScenarioLine:
    result, other, mc = run.result, run.other, run.monte_carlo
    scenario = result.scenario
    so = result.stock_out
    baseline = float(result.portfolio_baseline.sum())
    short = [int(d) for d in so.first_short_day if d > 0]
    return ScenarioLine(
        name=scenario.name,
        horizon=f"{result.months[0]} to {result.months[-1]}",
        basis=BASIS_NAMES[scenario.price_basis], change=float(result.delta_total),
        change_share=float(result.delta_total) / baseline if baseline > 0 else None,
        other_basis=BASIS_NAMES[other.scenario.price_basis], other_change=float(other.delta_total),
        parts_losing=int((so.first_affected_day > 0).sum()), parts_short=int(so.stops.sum()),
        units_short=float(so.units_short.sum()), value_short=float(so.shortfall_cost.sum()),
        first_short=scenario.day(min(short)) if short else None,
        monte_carlo_paths=mc.paths if mc is not None else 0,
        p50=mc.total_p50 if mc is not None else None, p95=mc.total_p95 if mc is not None else None,
        cost_at_risk=mc.cost_at_risk if mc is not None else None)


def _top_parts(data: ReportData) -> TopParts:
    top = [int(i) for i in data.order[:TOP_PARTS]]
    reports = [data.evaluation.part_report_at(i) for i in top]
    scores = [r.score for r in reports]
    later_scores = [float(data.later.scores[i]) for i in top] if data.later is not None else []
    later_is_later = data.later is not None and data.later.as_of > data.request.as_of
    return TopParts(
        part_numbers=[r.part_number for r in reports], descriptions=[one_line(r.description, SHORT_DESCRIPTION)
                                                                     for r in reports], scores=scores,
        bands=[BAND_LABELS[r.band] for r in reports], why=[_why(r) for r in reports],
        hits=[len(r.hits) for r in reports], watch=[len(r.watch) for r in reports], later_scores=later_scores,
        later_bands=[BAND_LABELS[band(s)] for s in later_scores],
        changes=[(b - a) if later_is_later else (a - b) for a, b in zip(scores, later_scores, strict=True)]
        if later_scores else [],
        statuses=[STATUS_LABELS[r.status] for r in reports], possible=[len(r.possible) for r in reports],
        spend=[float(data.evaluation.compiled.spend[i]) for i in top])


SHORT_WHY = 44
"""The Summary's "why" is cut to this many characters, one printed line (the Parts sheet has the whole text)."""
SHORT_DESCRIPTION = 25
"""The Summary's descriptions are cut to this many characters, one printed line (the Parts sheet has them whole)."""


def one_line(text: str, limit: int) -> str:
    """`text` cut at a word to at most `limit` characters, with " …" where it was cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(",;:") + " …"


def _why(report: Any) -> str:
    """What holds the part at its floor (its first reason, without the floor's own words), else its two heaviest
    factors, in one line of at most SHORT_WHY characters."""
    if report.cap:
        first = str(report.cap).split("; ")[0].rstrip(".")
        reason = first.split(": ", 1)[1] if ": " in first else first
        return one_line(reason, SHORT_WHY)
    ranked = sorted(report.factors.values(), key=lambda f: -f.value * f.weight)[:2]
    return "; ".join(f"{FACTOR_LABELS[f.name]} {f.value:.0f}" for f in ranked if f.value > 0)


# ---------------------------------------------------------------------------------------------------------------
# Parts


@dataclass(frozen=True)
class PartsSheet:
    """One row per part, riskiest first: each list holds a column's values in that order."""

    note: str
    full_text: bool
    """Floors are explained in full (and text wraps): at most FULL_TEXT_PARTS parts."""
    part_numbers: list[str]
    descriptions: list[str]
    end_uses: list[str]
    families: list[str]
    grades: list[str]
    scores: list[float]
    bands: list[str]
    compare: dt.date | None
    later_scores: list[float]
    later_bands: list[str]
    changes: list[float]
    """From the earlier date's score to the later's, whichever of the two is the comparison date."""
    rules_gained: list[str]
    """Rules that meet the part on the later date and not on the earlier."""
    rules_lost: list[str]
    floors: list[float | None]
    floor_reasons: list[str]
    factor_scores: list[float]
    weights: Mapping[str, float]
    factors: dict[str, list[float]]
    """Each factor's values, in FACTOR_NAMES order."""
    hits: list[int]
    watch: list[int]
    possible: list[int]
    magnet_kg: list[float]
    spend: list[float | str]
    """Annual spend, or UNKNOWN_VALUE where the part has volume but no unit price."""
    element_value: list[float]
    symbols: list[str]
    """The elements the project holds, for the kg and value columns per element."""
    element_kg: list[list[float]]
    element_values: list[list[float]]
    statuses: list[str] = field(default_factory=list)
    """"Prohibited", "Possibly prohibited" or "" (`riskdesk.core.triage`)."""
    no61_shares: list[float | None] = field(default_factory=list)
    """No. 61 item (1) value test: Chinese-origin controlled content, % of the magnet's value (None: no test)."""
    no61_margins: list[float | None] = field(default_factory=list)
    """Share − threshold, percentage points."""
    no61_notes: list[str] = field(default_factory=list)
    as_of: dt.date = dt.date.min


def parts_sheet(data: ReportData) -> PartsSheet:
    """The Parts sheet."""
    evaluation, later, order = data.evaluation, data.later, data.order
    compiled = evaluation.compiled
    frame = data.request.project.tables.parts
    full_text = compiled.n_parts <= FULL_TEXT_PARTS
    numbers = [str(compiled.part_numbers[i]) for i in order]
    scores = evaluation.scores[order]
    later_scores: list[float] = []
    later_bands: list[str] = []
    changes: list[float] = []
    gained: list[str] = []
    lost: list[str] = []
    if later is not None:
        changed = {c.part_number: c for c in data.changes}
        after = later.scores[order]
        later_scores = after.tolist()
        later_bands = [BAND_LABELS[band(float(s))] for s in after]
        changes = [float(b - a) if later.as_of > data.request.as_of else float(a - b)
                   for a, b in zip(scores, after, strict=True)]
        gained = [", ".join(changed[p].rules_gained) if p in changed else "" for p in numbers]
        lost = [", ".join(changed[p].rules_lost) if p in changed else "" for p in numbers]
    floors = evaluation.floor[order]
    found = data.findings.counts()[order]
    kg = evaluation.part_kg_c[order]
    value = evaluation.part_value_c[order]
    symbols = [elements.SYMBOLS[e] for e in evaluation.columns]
    statuses = evaluation.statuses()
    tests = part_value_tests(compiled, evaluation.reference.control_list, evaluation.prices, order)
    note = (f"Each part's score on {data.request.as_of.isoformat()}, riskiest first: its band and status, why it is "
            "held at a floor (if it is), its findings, its spend and the value of its elements per year (reference "
            "prices, USD). Click + above the columns for the detail: end use, family and grade; the floor, the "
            "factor score and the six factors (0–100; weights in the header notes and on the Method sheet); the "
            "magnet kg, the No. 61 value test and the kg and value of each element."
            + (f" Compared with {later.as_of.isoformat()}." if later is not None else ""))
    return PartsSheet(
        note=note, full_text=full_text, part_numbers=numbers,
        descriptions=[str(compiled.descriptions[i]) for i in order],
        end_uses=_frame_column(frame, "end_use", order), families=_frame_column(frame, "magnet_family", order),
        grades=_frame_column(frame, "grade", order),
        scores=scores.tolist(), bands=[BAND_LABELS[band(float(s))] for s in scores],
        compare=later.as_of if later is not None else None, as_of=data.request.as_of, later_scores=later_scores,
        later_bands=later_bands, changes=changes, rules_gained=gained, rules_lost=lost,
        floors=[float(f) if f > 0 else None for f in floors],
        floor_reasons=[("" if floors[k] <= 0 else evaluation.part_report_at(int(i)).cap if full_text
                        else _floor_words(float(floors[k]))) for k, i in enumerate(order)],
        factor_scores=evaluation.factor_score[order].tolist(), weights=evaluation.settings.weights,
        factors={name: evaluation.factors[name][order].tolist() for name in FACTOR_NAMES},
        hits=found[:, 0].tolist(), watch=found[:, 1].tolist(), possible=found[:, 2].tolist(),
        magnet_kg=compiled.mass_kg_year[order].tolist(),
        spend=[float(compiled.spend[i]) if compiled.spend_known[i] else UNKNOWN_VALUE for i in order],
        element_value=value.sum(axis=1).tolist(), symbols=symbols,
        element_kg=[kg[:, j].tolist() for j in range(len(symbols))],
        element_values=[value[:, j].tolist() for j in range(len(symbols))],
        statuses=[STATUS_LABELS[str(statuses[i])] for i in order],
        no61_shares=[None if t is None else t.share_pct for t in tests],
        no61_margins=[None if t is None else t.margin_pct for t in tests],
        no61_notes=["" if t is None else t.note for t in tests])


def _floor_words(floor: float) -> str:
    return {PROHIBITED_FLOOR: "prohibited (or possibly, origin unknown)", RED_FLOOR: "may soon be prohibited",
            NO_PATH_FLOOR: "no supply path"}.get(floor, "")


def _frame_column(frame: Any, column: str, order: np.ndarray) -> list[str]:
    values = frame[column].to_numpy(dtype=object)
    return [str(values[i]) for i in order] if len(values) else []


# ---------------------------------------------------------------------------------------------------------------
# Findings


@dataclass(frozen=True)
class FindingsSheet:
    """The Findings detail sheet (`riskdesk report --detail`): every hit, watch item and possible hit, grouped by
    part (riskiest first); each list a column. The Findings sheet summarises them per part and rule
    (`riskdesk.core.report_findings`)."""

    note: str
    total: int
    """How many findings there are (the sheet may show fewer)."""
    links: bool
    """The sources are (url, text) links; else text (more findings than a sheet keeps links)."""
    part_numbers: list[str]
    kinds: list[str]
    rule_ids: list[str]
    effects: list[str]
    elements: list[str]
    stages: list[str]
    country_codes: list[str]
    """The stage's country as its ISO code ("unknown" for a possible hit)."""
    countries: list[str]
    """The same country by name."""
    suppliers: list[str]
    kg: list[float]
    values: list[float]
    weights: list[float]
    """How much of the value counts towards the restriction factor on the date (0–1)."""
    starts: list[dt.date | None]
    ends: list[dt.date | None]
    statuses: list[str]
    sources: list[Any]
    """(url, text) pairs when `links` (url "" where it is not a bundled source), else text."""
    marks: list[str]


def findings_sheet(data: ReportData, limits: SheetLimits) -> FindingsSheet:
    """The Findings detail sheet: the first `limits.rows` findings, their sources as links when there are at
    most `limits.links` of them."""
    evaluation = data.evaluation
    compiled = evaluation.compiled
    found = data.findings
    n = len(found)
    shown = min(n, limits.rows)
    if shown < n:
        found = found.reordered(np.arange(shown))
    matches = evaluation.matches
    rule_ids = np.array([m.rule.id for m in matches] + [""], dtype=object)
    effects = np.array([m.rule.effect_label_on(evaluation.as_of) for m in matches] + [""], dtype=object)
    statuses = np.array([m.rule.status_words(m.state) for m in matches] + [""], dtype=object)
    starts = np.array([m.rule.effective_from for m in matches] + [None], dtype=object)
    ends = np.array([m.rule.effective_until for m in matches] + [None], dtype=object)
    marks = np.array([m.rule.confidence for m in matches] + [""], dtype=object)
    links = shown <= limits.links
    sources = np.array([_source_cell(m.rule.sources, links) for m in matches] + [""], dtype=object)
    kind_words = np.array([KIND_LABELS[k] for k in KINDS], dtype=object)
    stage_words = np.array([s.label for s in RULE_STAGES], dtype=object)
    countries = data.reference.countries
    code_list, name_list = country_columns_of(countries, [*(str(c) for c in compiled.countries), ""])
    codes, names = np.array(code_list, dtype=object), np.array(name_list, dtype=object)
    country = np.where(found.country < 0, len(codes) - 1, found.country)
    symbol_words = np.array([*elements.SYMBOLS, "whole magnet"], dtype=object)
    m = found.match
    suppliers = compiled.path_supplier.astype(object)[found.path]
    note = (f"Every hit, watch item and possible hit on {data.request.as_of.isoformat()}: {n:,} items, grouped "
            "by part (riskiest first). Each is one rule meeting one supply path at one stage, for one element "
            "or for the whole magnet.")
    if shown < n:
        note += f" Only the first {shown:,} fit in a sheet; all of them are in riskdesk score --json."
    if not links:
        note += " The sources' links are on the Method sheet (Excel keeps 65,530 links a sheet)."
    return FindingsSheet(
        note=note, total=n, links=links,
        part_numbers=compiled.part_numbers.astype(object)[found.part].tolist(),
        kinds=kind_words[found.kind].tolist(),
        rule_ids=rule_ids[m].tolist(),
        effects=effects[m].tolist(),
        elements=symbol_words[np.where(found.element == WHOLE_MAGNET, len(symbol_words) - 1,
                                       found.element)].tolist(),
        stages=stage_words[found.stage].tolist(),
        country_codes=codes[country].tolist(),
        countries=names[country].tolist(),
        suppliers=np.where(suppliers == "", "(none)", suppliers).tolist(),
        kg=found.kg.tolist(),
        values=found.value.tolist(),
        weights=found.weight.tolist(),
        starts=starts[m].tolist(),
        ends=ends[m].tolist(),
        statuses=statuses[m].tolist(),
        sources=sources[m].tolist(),
        marks=marks[m].tolist())


def _source_cell(sources: Sequence[Any], link: bool) -> Any:
    """A finding's source: the first source's title (a link to it when `link` and it is a bundled source), and how
    many more there are."""
    if not sources:
        return ""
    first = sources[0]
    text = (first.title or first.url) + (f" (+{len(sources) - 1} more on the Method sheet)" if len(sources) > 1
                                         else "")
    return safe_link(first.url, text) if link else text


def safe_link(url: str, text: str) -> tuple[str, str]:
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


# ---------------------------------------------------------------------------------------------------------------
# Exposure


@dataclass(frozen=True)
class ExposureSheet:
    """The buyer's kg of each rare earth and cobalt by stage and country, with the EU 65 % benchmark flag."""

    note: str
    benchmark_applies: bool
    elements: list[str]
    stages: list[str]
    country_codes: list[str]
    """ISO codes ("" for unknown origin)."""
    countries: list[str]
    """Country names ("unknown")."""
    kg: list[float]
    shares: list[float]
    """Of the element at that stage (0–1)."""
    values: list[float]
    flags: list[str]
    """OVER_BENCHMARK, "within", or "n/a" where the benchmark does not apply."""
    benchmark_shares: list[float | None] = field(default_factory=list)
    """The share the flag is judged on (`ExposureCell.benchmark_share`; None where the benchmark does not apply or
    does not judge the country)."""
    concentration_note: str = ""
    """The Concentration sheet's caption."""
    concentration: list[tuple[str, str, str, str, float, float, float]] = field(default_factory=list)
    """Per element and stage (the portfolio's concentration table, `score --json`'s portfolio.concentration): the
    element, the stage, the largest known country (ISO code, name; "" and "none known" when every kg is of unknown
    origin), its share, the share of unknown origin and the governance-weighted HHI Σ s² × g (0–10)."""


def exposure_sheet(data: ReportData) -> ExposureSheet:
    """The Exposure sheet."""
    evaluation = data.evaluation
    cells = by_element_stage_country(evaluation)
    applies = benchmark_applies(evaluation)
    countries = data.reference.countries
    codes, names = country_columns_of(countries, (c.country for c in cells))
    buyer = country_cells(countries, data.request.project.settings.import_country).words()
    if applies:
        note = (f"The buyer imports into {buyer}: the EU Critical Raw Materials Act benchmark applies. Flagged: one "
                "third country supplies more than 65 % of your kg of the element at that stage, counting the kg of "
                "unknown origin and China's as that country's (China is flagged wherever a country is so): the "
                "column \"Share counted for the 65 %\" gives the figure the flag is judged on.")
    else:
        note = f"The buyer imports into {buyer}: the EU's 65 % benchmark does not apply (n/a)."
    return ExposureSheet(
        note=f"Your kg per year of each rare earth and cobalt, by stage and by the country of that stage, as of "
             f"{data.request.as_of.isoformat()}. {note}",
        benchmark_applies=applies,
        elements=[c.element for c in cells],
        stages=[c.stage.label for c in cells],
        country_codes=codes, countries=names,
        kg=[c.kg for c in cells],
        shares=[c.share for c in cells],
        values=[c.value for c in cells],
        flags=[(OVER_BENCHMARK if c.over_benchmark else "within") if applies else "n/a" for c in cells],
        benchmark_shares=[c.benchmark_share if applies else None for c in cells],
        concentration_note=(f"How concentrated the supply of each rare earth and cobalt is, per stage, on your kg as "
                            f"of {data.request.as_of.isoformat()}: the largest known country and its share, the "
                            "share of unknown origin, and the governance-weighted HHI (Σ share² × governance over "
                            "the known countries, 0–10). The parts' concentration factor counts the unknown share "
                            "as the worst case; this table shows it apart."),
        concentration=[(row.element, row.stage.label, row.top_country,
                        countries.name(row.top_country) if row.top_country else "none known", row.top_share,
                        row.unknown_share, row.hhi_governance) for row in _by_element(evaluation.concentration)])


def _by_element(rows: list[ConcentrationRow]) -> list[ConcentrationRow]:
    """The concentration table element by element (in the order they first come), each in stage order."""
    first = {element: k for k, element in enumerate(dict.fromkeys(row.element for row in rows))}
    return sorted(rows, key=lambda row: (first[row.element], STAGES.index(row.stage)))


# ---------------------------------------------------------------------------------------------------------------
# Scenarios


@dataclass(frozen=True)
class StockOuts:
    """The parts a scenario cuts off, the first to run short first; each list a column."""

    part_numbers: list[str]
    loss_shares: list[float]
    unknown_origin_shares: list[float]
    """The part of the share lost counted because an origin is unknown."""
    stock_days: list[float | None]
    survive_days: list[float | None]
    recover_days: list[float | None]
    first_short_days: list[int | None]
    first_short_dates: list[dt.date | None]
    days_short: list[int]
    units_short: list[float]
    value_short: list[float | str]
    """Units short × unit price, or UNKNOWN_VALUE where units are short and the part has no unit price."""
    run_out_probabilities: list[float] | None
    """From the Monte Carlo, when there is one."""


@dataclass(frozen=True)
class ScenarioBlock:
    """One chosen scenario: what it is and its totals in sentences, the months, the parts that lose supply."""

    number: int
    heading: str
    lines: list[str]
    months: list[dt.date]
    """The first day of each month (written as a date shown "yyyy-mm")."""
    baseline: list[float]
    scenario: list[float]
    changes: list[float]
    percentiles: dict[int, list[float]]
    """Monte Carlo P5, P25, P50, P75 and P95 per month (empty without a Monte Carlo)."""
    mean: list[float] | None
    """Monte Carlo mean per month."""
    stops_heading: str
    stops: StockOuts | None
    """None when no part loses supply."""


def scenario_blocks(data: ReportData) -> list[ScenarioBlock]:
    """The Scenarios sheet: one block per chosen scenario, numbered from 1."""
    return [scenario_block(k, run) for k, run in enumerate(data.runs, start=1)]


def scenario_block(k: int, run: ScenarioRun) -> ScenarioBlock:
    """Scenario number `k`."""
    result, mc = run.result, run.monte_carlo
    scenario = result.scenario
    so = result.stock_out
    reached = [i for i in range(len(result.part_numbers)) if so.first_affected_day[i] > 0]
    reached.sort(key=lambda i: (so.first_short_day[i] <= 0, so.first_short_day[i], -so.shortfall_cost[i]))
    stops = None
    known = result.evaluation.compiled.spend_known
    if reached:
        stock = result.evaluation.compiled.stock_days
        stops = StockOuts(
            part_numbers=[str(result.part_numbers[i]) for i in reached],
            loss_shares=[float(so.loss_share[i]) for i in reached],
            unknown_origin_shares=[float(so.possible_share[i]) for i in reached],
            stock_days=[_finite(stock[i]) for i in reached],
            survive_days=[_finite(so.tts_days[i]) for i in reached],
            recover_days=[_finite(so.ttr_days[i]) for i in reached],
            first_short_days=[int(so.first_short_day[i]) or None for i in reached],
            first_short_dates=[scenario.day(int(so.first_short_day[i])) if so.first_short_day[i] > 0 else None
                               for i in reached],
            days_short=[int(so.days_short[i]) for i in reached],
            units_short=[float(so.units_short[i]) for i in reached],
            value_short=[float(so.shortfall_cost[i]) if known[i] or so.units_short[i] <= 0 else UNKNOWN_VALUE
                         for i in reached],
            run_out_probabilities=[float(mc.stop_probability[i]) for i in reached] if mc is not None else None)
    return ScenarioBlock(
        number=k, heading=f"Scenario {k}: {scenario.name}", lines=_scenario_lines(run),
        months=[month_date(m) for m in result.months],
        baseline=result.portfolio_baseline.tolist(), scenario=result.portfolio_scenario.tolist(),
        changes=[float(d) for d in result.portfolio_delta],
        percentiles={q: mc.percentiles[q].tolist() for q in (5, 25, 50, 75, 95)} if mc is not None else {},
        mean=mc.mean.tolist() if mc is not None else None,
        stops_heading=f"Scenario {k}: parts that lose supply (day 1 = {scenario.day(1).isoformat()})", stops=stops)


def _scenario_lines(run: ScenarioRun) -> list[str]:
    """What a scenario is and does, a sentence or a shock or a cut a line."""
    result, other, mc = run.result, run.other, run.monte_carlo
    scenario = result.scenario
    months = result.months
    lines = [f"{months[0]} to {months[-1]} ({scenario.horizon_months} months), {BASIS_NAMES[scenario.price_basis]} "
             "prices, "
             f"scored as of {result.evaluation.as_of.isoformat()}; costs of the magnets' element content in USD."]
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
    lines.append(f"Over the horizon, on {BASIS_NAMES[scenario.price_basis]} prices (the scenario's basis): baseline "
                 f"{baseline:,.0f}, scenario {baseline + change:,.0f}, change {change:+,.0f}{share}. On "
                 f"{BASIS_NAMES[other.scenario.price_basis]} prices instead: baseline "
                 f"{float(other.portfolio_baseline.sum()):,.0f}, change {other.delta_total:+,.0f}.")
    so = result.stock_out
    unpriced = result.unpriced_short()
    lines.append(f"{count(int((so.first_affected_day > 0).sum()), 'part loses', 'parts lose')} supply, "
                 f"{int(so.stops.sum())} run short; value of the units short {float(so.shortfall_cost.sum()):,.0f}"
                 + (f" (and unknown for {count(len(unpriced), 'part')} without a unit price: "
                    f"{', '.join(unpriced[:5])})" if unpriced else "") + ".")
    if mc is not None:
        lines.append(f"Monte Carlo: {mc.paths:,} paths, seed {mc.seed}, {mc.model.basis} prices; a random "
                     f"disruption in {mc.disrupted_share:.0%} of paths. Total over the horizon: mean "
                     f"{mc.total_mean:,.0f}, P95 {mc.total_p95:,.0f}; cost at risk {mc.cost_at_risk:,.0f}, "
                     f"expected shortfall {mc.expected_shortfall:,.0f}.")
    return lines


def month_date(month: str) -> dt.date:
    """A month "2026-12" as its first day, for a date cell shown as the month."""
    year, number = month.split("-")[:2]
    return dt.date(int(year), int(number), 1)


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


# ---------------------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class InputsSheet:
    """The inputs as scored: settings, then each project table as entered (field name → its values) with what
    scoring used beside it."""

    settings: list[tuple[str, Any]]
    parts_title: str
    parts: dict[str, list[Any]]
    """PART_COLUMNS → values (numbers as float or None, the rest as text)."""
    wt_pct_used: dict[str, list[float]]
    """Element symbol → the wt % scoring used, for the elements any part holds."""
    composition_used: list[str]
    """How each part's composition was found."""
    suppliers_title: str
    suppliers: dict[str, list[Any]]
    paths_title: str
    paths: dict[str, list[Any]]
    """PATH_COLUMNS (but a stage's own evidence: `stage_evidence`) → values, then a row "(none)" of unknown origin
    for each volume no supply path covers."""
    share_used: list[float | None]
    """The share scoring used, %."""
    composition_title: str
    composition: dict[str, list[Any]] | None
    """None when no part gives its composition."""
    provenance: list[tuple[str, Any]] = field(default_factory=list)
    """What an auditor needs to name and re-perform the report: id, time (UTC), versions and hashes, dates."""
    sign_off: list[str] = field(default_factory=list)
    """Sign-off fields left empty to fill in."""
    prices: list[tuple[str, str, float, dt.date | None, str, str]] = field(default_factory=list)
    """Reference prices used: element, basis, USD per kg of contained element, series date, derived from,
    confidence."""
    exchange: list[tuple[str, Any]] = field(default_factory=list)
    """The CNY/USD rate the CNY prices are converted with, and its confidence."""
    monte_carlo: list[tuple[str, Any]] = field(default_factory=list)
    """The Monte Carlo's parameters and seed (empty without one)."""
    stage_evidence: list[tuple[int, str, str, str, str, str, str]] = field(default_factory=list)
    """The stages known otherwise than their path (`mine_evidence` …), in the order of the supply paths table: the
    path's place in it (from 1), part, supplier, stage, country code, the stage's evidence, the path's. Kept out of
    the paths table, whose columns fit the sheet's page width."""


SIGN_OFF = ("Prepared by", "Prepared on", "Reviewed by", "Reviewed on", "Approved by", "Approved on")
"""The sign-off fields on the Inputs sheet, left empty."""


def _provenance(data: ReportData) -> list[tuple[str, Any]]:
    request = data.request
    control = data.reference.control_list
    rows: list[tuple[str, Any]] = [
        ("Report id", data.report_id),
        ("Written (UTC)", f"{data.written.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"),
        ("RiskDesk version", __version__),
        ("Project", request.project.settings.name),
        ("Project file SHA-256", data.project_sha256 or "not saved: the project was not read from a saved file"),
        *([("Project revision", request.revision)] if request.revision else []),
        ("As of", request.as_of),
    ]
    if request.compare is not None:
        rows.append(("Compared with", request.compare))
    rows += [
        ("Control list", f"{control.title}, version {control.version} of {control.date.isoformat()}"),
        ("Control list SHA-256", data.files[0].sha256 or "(the file could not be read)"),
    ]
    rows += [(f"{f.what}: {f.title}, version {f.version}", f.sha256) for f in data.files[1:]]
    return rows


def _reference_prices(data: ReportData) -> list[tuple[str, str, float, dt.date | None, str, str]]:
    book = data.reference.prices
    rows = []
    for e in data.evaluation.columns:
        symbol = elements.SYMBOLS[e]
        for basis in BASIS_NAMES:
            try:
                price = book.reference(symbol, basis)
            except KeyError:
                continue
            rows.append((symbol, BASIS_NAMES[price.basis], float(price.value), price.date, price.derived_from,
                         price.confidence))
    return list(dict.fromkeys(rows))


def _monte_carlo_settings(data: ReportData) -> list[tuple[str, Any]]:
    runs = [run for run in data.runs if run.monte_carlo is not None]
    if not runs:
        return []
    mc = runs[0].monte_carlo
    assert mc is not None
    rows: list[tuple[str, Any]] = [("Paths", mc.paths), ("Seed", mc.seed), ("Tail level (cost at risk) %", TAIL)]
    for d in mc.settings.disruptions:
        rows.append((f"Random disruption: {d.name}", f"monthly probability {d.monthly_probability:g}, median "
                                                      f"{d.median_days:g} days (log-sd {d.duration_sigma:g}); "
                                                      f"{d.cut.describe()}"))
    for run in runs:
        model = run.monte_carlo.model if run.monte_carlo is not None else None
        if model is not None:
            rows.append((f"Price model of {run.result.scenario.name}", f"{BASIS_NAMES[model.basis]} basis; "
                         + "; ".join(f"{p.symbol} volatility {p.sigma:.3f}/yr" for p in model.parameters)))
    return rows


def inputs_sheet(data: ReportData) -> InputsSheet:
    """The Inputs sheet."""
    compiled = data.evaluation.compiled
    tables = data.request.project.tables
    parts, suppliers, paths, composition = tables.parts, tables.suppliers, tables.paths, tables.composition
    held = [e for e in range(len(elements.SYMBOLS)) if compiled.wt_pct[:, e].any()]
    listed = compiled.n_listed_paths
    extra = np.flatnonzero(compiled.unassigned)
    path_values: dict[str, list[Any]] = {}
    for c in (c for c in PATH_COLUMNS if c not in STAGE_EVIDENCE_COLUMNS):
        column_values = _frame_values(paths, c)
        if c == "part_number":
            column_values += [str(compiled.part_numbers[compiled.path_part[r]]) for r in extra]
        elif c == "supplier_id":
            column_values += ["(none)"] * len(extra)
        elif c == "origin_evidence":
            column_values += ["unknown"] * len(extra)
        else:
            column_values += [None] * len(extra)
        path_values[c] = column_values
    share_used = compiled.share[:listed] * 100.0 if listed == len(paths) else np.full(len(paths), np.nan)
    return InputsSheet(
        settings=settings_as_used(data.request.project.settings, data.reference.countries),
        parts_title=f"Parts ({len(parts):,}), with the composition scoring used (click + above the columns for each "
                    "element's wt % and how the grade was read)",
        parts={c: _frame_values(parts, c) for c in PART_COLUMNS},
        wt_pct_used={elements.SYMBOLS[e]: compiled.wt_pct[:, e].tolist() for e in held},
        composition_used=list(compiled.composition_notes),
        suppliers_title=f"Suppliers ({len(suppliers):,})",
        suppliers={c: _frame_values(suppliers, c) for c in SUPPLIER_COLUMNS},
        paths_title=f"Supply paths ({len(paths):,}), with the share scoring used, and the volume no supply path "
                    "covers (supplier (none), of unknown origin)",
        paths=path_values,
        share_used=[*(_finite(v) for v in share_used.tolist()), *(compiled.share[extra] * 100.0).tolist()],
        composition_title=f"Composition given per part ({len(composition):,})",
        composition={c: _frame_values(composition, c) for c in COMPOSITION_COLUMNS} if len(composition) else None,
        provenance=_provenance(data), sign_off=list(SIGN_OFF), prices=_reference_prices(data),
        exchange=[("CNY per USD", data.reference.prices.cny_per_usd),
                  ("Confidence of the rate", data.reference.prices.fx_confidence)],
        monte_carlo=_monte_carlo_settings(data), stage_evidence=_stages_known_otherwise(paths))


def _stages_known_otherwise(paths: Any) -> list[tuple[int, str, str, str, str, str, str]]:
    """Each stage known otherwise than its path: the path's place in the supply paths table (from 1), part,
    supplier, stage, its country code, the stage's evidence and the path's."""
    rows = []
    for stage in STAGES:
        own = paths[stage.evidence_column].to_numpy(dtype=object)
        for r in np.flatnonzero(own != ""):
            rows.append((int(r) + 1, str(paths["part_number"].iat[r]), str(paths["supplier_id"].iat[r]),
                         stage.label, str(paths[stage.column].iat[r]), str(own[r]),
                         str(paths["origin_evidence"].iat[r])))
    return sorted(rows)


def _frame_values(frame: Any, column: str) -> list[Any]:
    if column in NUMBER_COLUMNS:
        return [None if v != v else float(v) for v in frame[column].to_numpy(dtype=float).tolist()]
    return [str(v) for v in frame[column].to_numpy(dtype=object).tolist()]


# ---------------------------------------------------------------------------------------------------------------
# Method

NOT_RECORDED = "not recorded"
"""A source's publication or access date the bundled data does not give (never guessed)."""


@dataclass(frozen=True)
class MethodSheet:
    """How RiskDesk scores, as rows of three texts per table (the sources: of, (url, title) link, address)."""

    factors: list[tuple[str, str, str]]
    """Factor, what it measures, weight (share of the score)."""
    formulas: list[tuple[str, str, str]]
    invariants: list[tuple[str, str, str]]
    data_files: list[tuple[str, str, str]]
    rules_heading: str
    rules: list[tuple[str, str, str]]
    """Rule, what it says, effect with status on the date, dates and confidence."""
    sources: list[tuple[str, tuple[str, str], str, dt.date | str, dt.date | str]]
    """Of what, a link cell (url "" for an address that is not a bundled source), the address, the date the
    document was published and the date it was read (NOT_RECORDED where the data does not say)."""
    marks: list[tuple[str, str]]


def method_sheet(data: ReportData, limits: SheetLimits) -> MethodSheet:
    """The Method sheet, with at most `limits.links` sources."""
    settings = data.evaluation.settings
    total = sum(max(v, 0.0) for v in settings.weights.values()) or 1.0
    day = data.request.as_of
    link_rows: list[tuple[str, Source]] = []
    rule_rows = []
    for rule in data.reference.control_list.rules:
        state = rule.state_on(day, settings.suspended_rules_in_force)
        dates = f"effective from {rule.effective_from.isoformat()}" + (
            f" until {rule.effective_until.isoformat()}" if rule.effective_until else "")
        rule_rows.append((rule.id, f"{rule.instrument}: {rule.title}. {rule.note}".strip(),
                          f"{rule.effect_label_on(day)}; {rule.status_words(state)} ({state.reason}); {dates}; "
                          f"confidence {rule.confidence}"))
        link_rows += [(rule.id, s) for s in rule.sources]
    for k, run in enumerate(data.runs, start=1):
        scenario = run.result.scenario
        provenances = [shock.provenance for shock in scenario.price_shocks]
        provenances += [cut.provenance for cut in scenario.supply_cuts]
        link_rows += [(f"Scenario {k}", s) for p in provenances for s in p.sources]
    link_rows = list(dict.fromkeys(link_rows))[:limits.links]
    return MethodSheet(
        factors=[(FACTOR_LABELS[n], FACTOR_HELP[n], f"{settings.weights.get(n, 0.0):g} "
                  f"({max(settings.weights.get(n, 0.0), 0.0) / total:.0%})") for n in FACTOR_NAMES],
        formulas=[(f.topic, f.formula, f.note) for f in FORMULAS],
        invariants=[(i.id, i.statement, i.test) for i in INVARIANTS],
        data_files=[(f.what, f"{f.title}, version {f.version}", f"{f.name}\n{f.sha256}") for f in data.files],
        rules_heading=f"The control list on {day.isoformat()}: every rule, its status and dates",
        rules=rule_rows,
        sources=[(of, safe_link(s.url, s.title or s.url), s.url, s.published or NOT_RECORDED,
                  s.accessed or NOT_RECORDED) for of, s in link_rows],
        marks=list(CONFIDENCE_MARKS.items()))
