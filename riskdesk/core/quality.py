"""Data quality: what in a project makes its scores less sure than they could be, and where it is.

Each check names the cells to look at (table, row, column), so the window can list them and jump to each. None of
these stops scoring: the method counts a missing origin as the worst case and a missing stock as none (see
docs/method.md); the checks say where better data would sharpen the answer. Vectorised with pandas: a project of
100,000 supply paths is checked in a few tens of milliseconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskdesk.core.declarations import months_between, path_evidence
from riskdesk.core.domain import STAGES, Evidence
from riskdesk.core.labels import field_label
from riskdesk.core.project import SHARE_TOLERANCE_PCT, Project

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell of a project table: "parts", "suppliers" or "paths", the row in that table, the column key, and
    what it holds (as text) with the part it concerns."""

    table: str
    row: int
    column: str
    value: str
    part_number: str = ""


@dataclass(frozen=True)
class QualityCheck:
    """One kind of data problem and every cell where it is."""

    key: str
    title: str
    severity: str
    what_to_do: str
    cells: tuple[Cell, ...]
    count: int
    """How many parts, paths or suppliers have it (the cells may be more: one per stage)."""
    noun: str

    def describe(self) -> str:
        from riskdesk.core.labels import count

        return f"{count(self.count, self.noun)} {self.title}"


def _texts(series: pd.Series) -> np.ndarray:
    return series.astype(str).to_numpy(dtype=object)


MAX_CELLS = 1_000
"""Cells listed per check at most (the count says how many there are in all)."""


def check_project(project: Project, max_cells: int = MAX_CELLS, as_of: dt.date | None = None) -> list[QualityCheck]:
    """Every check, in the order a buyer would fix them; checks that find nothing are left out. Each lists its
    first `max_cells` cells. `as_of` (default today) dates the declaration checks: how old an origin is, whether a
    request is overdue."""
    tables = project.tables
    parts, paths, suppliers = tables.parts, tables.paths, tables.suppliers
    part_numbers = _texts(parts["part_number"])
    path_parts = _texts(paths["part_number"])
    checks: list[QualityCheck] = []

    def add(key: str, title: str, severity: str, what_to_do: str, cells: list[Cell], n: int, noun: str) -> None:
        if cells:
            checks.append(QualityCheck(key, title, severity, what_to_do, tuple(cells), n, noun))

    # Parts without a supply path: their whole volume is of unknown origin.
    cap = max_cells
    has_path = parts["part_number"].astype(str).isin(paths["part_number"].astype(str)).to_numpy()
    rows = np.flatnonzero(~has_path)
    add("no_paths", "without a supply path", WARNING,
        "Add the part's supply paths (Supply paths table): until then its whole volume counts as of unknown origin.",
        [Cell("parts", int(r), "part_number", str(part_numbers[r]), str(part_numbers[r])) for r in rows[:cap]],
        len(rows), "part")

    # Shares that do not add up to 100 %.
    shares = pd.to_numeric(paths["share_pct"], errors="coerce").fillna(0.0)
    totals = shares.groupby(paths["part_number"].astype(str)).sum()
    off = totals[(totals - 100.0).abs() > SHARE_TOLERANCE_PCT]
    bad_rows = np.flatnonzero(paths["part_number"].astype(str).isin(off.index).to_numpy())
    add("shares", "whose supply-path shares do not add up to 100 %", WARNING,
        "Correct the shares of the part's paths: over 100 % counts its volume twice; under 100 % leaves the rest "
        "of unknown origin.",
        [Cell("paths", int(r), "share_pct", f"{shares.iat[int(r)]:g} % (total {off[path_parts[r]]:g} %)",
              str(path_parts[r])) for r in bad_rows[:cap]], len(off), "part")

    # Mass and volume: without them the part holds no kg and weighs nothing in the portfolio.
    for key, column, noun_title in (("mass", "magnet_mass_g", "magnet mass"),
                                    ("volume", "annual_units", "annual volume")):
        values = pd.to_numeric(parts[column], errors="coerce")
        rows = np.flatnonzero((values.fillna(0.0) <= 0).to_numpy())
        add(key, f"with no {noun_title}", ERROR,
            f"Enter the {noun_title}: without it the part holds no kg and its exposure is not counted.",
            [Cell("parts", int(r), column, _number(values.iat[int(r)]), str(part_numbers[r])) for r in rows[:cap]],
            len(rows), "part")

    # Unknown origins: one cell per blank stage country.
    cells: list[Cell] = []
    unknown_paths = np.zeros(len(paths), dtype=bool)
    for stage in STAGES:
        blank = (paths[stage.column].astype(str).str.strip() == "").to_numpy()
        unknown_paths |= blank
        cells += [Cell("paths", int(r), stage.column, "unknown", str(path_parts[r]))
                  for r in np.flatnonzero(blank)[:cap]]
    add("unknown_origin", "with a stage of unknown origin", WARNING,
        "Ask the supplier where each stage takes place: an unknown origin is scored as the worst case.",
        sorted(cells, key=lambda c: (c.row, c.column))[:cap], int(unknown_paths.sum()), "supply path")

    # Origins that are only inferred or unknown: the path's evidence, or a stage's own where it has one.
    # (paths × stages): each stage's own evidence, and how it is known (its own, else the path's)
    own = np.column_stack([paths[stage.evidence_column].astype(str).to_numpy() for stage in STAGES])
    known_as = np.where(own != "", own, paths["origin_evidence"].astype(str).to_numpy()[:, None])
    weak = np.isin(known_as, [Evidence.INFERRED.value, Evidence.UNKNOWN.value])
    weak_paths = np.flatnonzero(weak.any(axis=1))
    first = weak.argmax(axis=1)  # the first weak stage of each path: its cell is the one shown
    add("evidence", "whose origins are inferred or unknown, not declared or verified", INFO,
        "Ask the supplier for a declaration (and an audit where it matters): the transparency factor counts it.",
        [Cell("paths", int(r), STAGES[first[r]].evidence_column if own[r, first[r]] else "origin_evidence",
              str(known_as[r, first[r]]), str(path_parts[r])) for r in weak_paths[:cap]], len(weak_paths),
        "supply path")

    for check in declaration_checks(project, as_of or dt.date.today(), cap):
        add(*check)

    # Stock and price: the buffer factor and the scenarios' shortfall need them.
    for key, column, title, what in (
        ("stock", "stock_days", "with no stock given",
         "Enter the days of stock on hand: none given counts as none (the buffer factor and stock-outs)."),
        ("price", "unit_price", "with no unit price",
         "Enter the unit price: scenarios value the units short at it."),
    ):
        values = pd.to_numeric(parts[column], errors="coerce")
        rows = np.flatnonzero(values.isna().to_numpy())
        add(key, title, INFO, what, [Cell("parts", int(r), column, "", str(part_numbers[r])) for r in rows[:cap]],
            len(rows), "part")

    # Suppliers without a country: end-item rules (DFARS) then fall back to the magnet's country.
    countries = suppliers["supplier_country"].astype(str).str.strip()
    rows = np.flatnonzero((countries == "").to_numpy())
    ids = _texts(suppliers["supplier_id"])
    add("supplier_country", "without a country", INFO,
        "Enter where the supplier makes what it delivers: rules about end items (DFARS) name that country.",
        [Cell("suppliers", int(r), "supplier_country", f"{ids[r]} (no country)", "") for r in rows[:cap]], len(rows),
        "supplier")
    return checks


def declaration_checks(project: Project, as_of: dt.date, cap: int = MAX_CELLS
                       ) -> list[tuple[str, str, str, str, list[Cell], int, str]]:
    """What is stale or missing in the supplier declarations on `as_of`, as `check_project`'s checks: paths whose
    origins a declaration older than the project's `stale_months` set; suppliers whose latest request is overdue;
    suppliers never asked whose paths have a stage of unknown origin."""
    tables, declarations = project.tables, project.declarations
    paths, suppliers = tables.paths, tables.suppliers
    path_parts = _texts(paths["part_number"])
    limit = project.settings.stale_months
    found = path_evidence(declarations, paths) if declarations.requests else {}
    stale: list[Cell] = []
    n_stale = 0
    for r, row_id in enumerate(_texts(paths["row_id"])):
        evidence = found.get(row_id)
        if evidence is None or months_between(evidence.effective_date, as_of) <= limit:
            continue
        n_stale += 1
        if len(stale) < cap:
            age = months_between(evidence.effective_date, as_of)
            stale.append(Cell("paths", r, "origin_evidence", f"{evidence.evidence} on "
                              f"{evidence.effective_date.isoformat()}, {age:.0f} months ago ({evidence.request_id})",
                              str(path_parts[r])))
    supplier_rows = {str(s): i for i, s in enumerate(_texts(suppliers["supplier_id"]))}
    latest = {request.supplier_id: request for request in declarations.requests}
    overdue: list[Cell] = []
    late = [request for request in latest.values() if request.overdue(as_of)]
    for request in late:
        if request.supplier_id in supplier_rows and len(overdue) < cap:
            missing = len(request.parts) - len(request.parts_answered)
            overdue.append(Cell("suppliers", supplier_rows[request.supplier_id], "supplier_id",
                                f"{request.supplier_id}: {request.request_id} was due {request.due}, {missing} of "
                                f"{len(request.parts)} parts unanswered"))
    blank = np.zeros(len(paths), dtype=bool)
    for stage in STAGES:
        blank |= (paths[stage.column].astype(str).str.strip() == "").to_numpy()
    unknown_by_supplier = pd.Series(blank).groupby(_texts(paths["supplier_id"])).sum() if len(paths) else pd.Series()
    never = [(str(s), int(n)) for s, n in unknown_by_supplier.items()
             if n > 0 and s not in latest and str(s) in supplier_rows]
    never_cells = [Cell("suppliers", supplier_rows[s], "supplier_id",
                        f"{s}: never asked; {n} supply path{'s' if n != 1 else ''} with a stage of unknown origin")
                   for s, n in never[:cap]]
    return [
        ("stale_declarations", f"whose origins were declared longer ago than {limit:g} months", WARNING,
         "Ask the supplier again (File ▸ Request declarations…): an old declaration counts as less sure in the "
         "transparency factor.", stale, n_stale, "supply path"),
        ("overdue_declarations", "whose declaration is overdue", WARNING,
         "Remind the supplier, or send a new request with a new due date: until it answers, its paths keep the "
         "origins the project has.", overdue, len(late), "supplier"),
        ("never_asked", "never asked for a declaration, with origins unknown", INFO,
         "Ask the supplier where its rare earths come from (File ▸ Request declarations…): an unknown origin is "
         "scored as the worst case.", never_cells, len(never), "supplier"),
    ]


def _number(value: object) -> str:
    number = float(value) if isinstance(value, int | float) else float("nan")
    return "" if number != number else f"{number:g}"


def column_title(key: str) -> str:
    """A cell's column in the buyer's words."""
    return field_label(key)
