"""What the report's Checks sheet reconciles: pairs of figures on two sheets that must agree — the parts and the
spend on the Summary and the Parts sheet, the parts and spend per band, the spend through the suppliers, the kg of
each element at each stage on the Exposure sheet, each scenario's cost change and value short on the Summary and
the Scenarios sheet, the project as it is on the Variants sheet, and the findings the Findings sheet summarises
against the Parts sheet's counts of hits, watch items and possible hits (in all: a part × rule row has one kind,
the strongest of its findings, so the kinds themselves do not reconcile row by row). Each is an Excel formula on
the workbook's own cells (`riskdesk.io.report.checks` turns a `Figure` into a cell reference), with the value
RiskDesk computed cached, so a reader sees TRUE without recalculating and Excel shows FALSE where a cell was changed.

    checks = checks_sheet(data, suppliers=suppliers_sheet(data), variants=variants_sheet(data))
    [(c.what, c.passed) for c in checks.checks]

The Findings sheet is reconciled when it holds every row (the writer says so by passing it; a project with more
part × rule rows than a sheet keeps has a partial one); every figure names a sheet, a table (an Excel table, or a
filtered range where a table would be too large) and a column header of this report, never text from the project.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskdesk.core import elements
from riskdesk.core.evaluation import band
from riskdesk.core.exposure import by_element_stage_country
from riskdesk.core.findings import KINDS
from riskdesk.core.labels import BAND_LABELS
from riskdesk.core.report_content import ReportData
from riskdesk.core.report_findings import FindingsSummary
from riskdesk.core.report_suppliers import SuppliersSheet
from riskdesk.core.report_variants import VariantsSheet
from riskdesk.core.vocabulary import STAGES

SUM, COUNT, COUNT_IF, SUM_IF, CELL, ROW = "sum", "count", "countif", "sumif", "cell", "row"
"""How a `Figure` is read: the sum of a table column, the non-blank cells of one, the rows (COUNTIFS) or the sum
(SUMIFS) of those meeting criteria, one cell found by its label, one row of a table column."""
USD_TOLERANCE = 0.01
KG_TOLERANCE = 0.001
SCORE_TOLERANCE = 1e-6

# The tables and headers the checks read (the writers in riskdesk/io/report/ name them so).
PARTS, PART, BAND, SPEND = "Parts", "Part", "Band", "Spend USD/yr"
SUMMARY_TOTAL, SUMMARY_SCORE = "All parts", "Portfolio score"
"""The Summary's labels: the row of the spend-by-band block with all parts, the portfolio score's heading."""
EXPOSURE, ELEMENT, STAGE, KG = "Exposure", "Element", "Stage", "kg/yr"
SUPPLIERS = "Suppliers"
FINDINGS, SUMMARISED = "Findings", "Findings"
"""The Findings table and its column of how many findings a row summarises."""
PART_COUNTS = {"hit": "Hits", "watch": "Watch", "possible": "Possible"}
"""The Parts sheet's column counting each kind of finding."""
VARIANTS = "Variants"


@dataclass(frozen=True)
class Figure:
    """A figure on a sheet of the report, as a formula reads it, and the value RiskDesk computed for it."""

    sheet: str
    how: str
    value: float
    table: str = ""
    column: str = ""
    """The header of the column summed or counted (SUM, COUNT, SUM_IF, ROW)."""
    more_columns: tuple[str, ...] = ()
    """SUM: further columns of the same table summed with it."""
    criteria: tuple[tuple[str, str], ...] = ()
    """(column header, value) pairs every counted or summed row meets."""
    label: str = ""
    """CELL: the text of the cell the figure is found from…"""
    right: int = 0
    down: int = 0
    """…this many columns right of it and rows below it."""
    beside: str = ""
    """CELL: the label is looked for only in the column of the cell holding this text ("": anywhere)."""
    row: int = 0
    """ROW: the table's data row, from 0."""


@dataclass(frozen=True)
class Check:
    """Two figures that must agree, within `tolerance`."""

    what: str
    left: Figure
    right: Figure
    tolerance: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(abs(self.left.value - self.right.value) <= self.tolerance)


@dataclass(frozen=True)
class ChecksSheet:
    """The checks, in the order shown."""

    note: str
    checks: list[Check]


def checks_sheet(data: ReportData, suppliers: SuppliersSheet | None = None,
                 variants: VariantsSheet | None = None, findings: FindingsSummary | None = None) -> ChecksSheet:
    """The Checks sheet (with the Suppliers, Variants and Findings sheets' figures when those sheets are in the
    report: `findings` only when the Findings sheet holds every row)."""
    evaluation = data.evaluation
    compiled = evaluation.compiled
    spend = compiled.spend
    n_parts = compiled.n_parts
    part_spend = float(sum(float(spend[i]) for i in data.order if compiled.spend_known[i]))
    checks = [
        Check("Parts: all parts on the Summary = the part rows on the Parts sheet",
              Figure("Summary", CELL, n_parts, label=SUMMARY_TOTAL, right=1),
              Figure(PARTS, COUNT, n_parts, table=PARTS, column=PART)),
        Check("Spend per year: all parts on the Summary = the sum of the Parts sheet's spend",
              Figure("Summary", CELL, float(spend.sum()), label=SUMMARY_TOTAL, right=2),
              Figure(PARTS, SUM, part_spend, table=PARTS, column=SPEND), USD_TOLERANCE),
    ]
    bands = np.array([band(float(s)) for s in evaluation.scores], dtype=object)
    for name in ("red", "amber", "green"):
        held = bands == name
        label = BAND_LABELS[name]
        checks.append(Check(f"Parts in {label}: on the Summary = the parts of band {label} on the Parts sheet",
                            Figure("Summary", CELL, int(held.sum()), label=label, beside=SUMMARY_TOTAL, right=1),
                            Figure(PARTS, COUNT_IF, int(held.sum()), table=PARTS, criteria=((BAND, label),))))
        amount = float(spend[held].sum()) if held.any() else 0.0
        checks.append(Check(f"Spend in {label}: on the Summary = the spend of band {label} on the Parts sheet",
                            Figure("Summary", CELL, amount, label=label, beside=SUMMARY_TOTAL, right=2),
                            Figure(PARTS, SUM_IF, amount, table=PARTS, column=SPEND, criteria=((BAND, label),)),
                            USD_TOLERANCE))
    if suppliers is not None:
        checks.append(Check("Spend per year: through the suppliers (with the volume no supply path covers) = the "
                            "Parts sheet's",
                            Figure(SUPPLIERS, SUM, suppliers.total_spend, table=SUPPLIERS, column=SPEND),
                            Figure(PARTS, SUM, part_spend, table=PARTS, column=SPEND), USD_TOLERANCE))
    if findings is not None:
        counts = [PART_COUNTS[kind] for kind in KINDS]
        checks.append(Check("Findings: those the Findings sheet's rows summarise = the hits, watch items and "
                            "possible hits on the Parts sheet",
                            Figure(FINDINGS, SUM, sum(findings.items), table=FINDINGS, column=SUMMARISED),
                            Figure(PARTS, SUM, int(data.findings.counts().sum()), table=PARTS, column=counts[0],
                                   more_columns=tuple(counts[1:]))))
    cells = by_element_stage_country(evaluation)
    shown = list(dict.fromkeys(c.element for c in cells))
    kg = evaluation.part_kg_c
    for symbol in shown:
        column = [elements.SYMBOLS[e] for e in evaluation.columns].index(symbol)
        total = float(kg[:, column].sum())
        for stage in STAGES:
            at = float(sum(c.kg for c in cells if c.element == symbol and c.stage == stage))
            checks.append(Check(f"{symbol} kg/yr at {stage.label}: the Exposure sheet's countries = the Parts "
                                "sheet's",
                                Figure(EXPOSURE, SUM_IF, at, table=EXPOSURE, column=KG,
                                       criteria=((ELEMENT, symbol), (STAGE, stage.label))),
                                Figure(PARTS, SUM, total, table=PARTS, column=f"{symbol} kg/yr"), KG_TOLERANCE))
    for k, run in enumerate(data.runs, start=1):
        result = run.result
        so = result.stock_out
        checks.append(Check(f"Scenario {k}: the cost change on the Summary = the sum of its months' changes",
                            Figure("Summary", ROW, float(result.delta_total), table="SummaryScenarios",
                                   column="Cost change USD", row=k - 1),
                            Figure("Scenarios", SUM, float(np.sum(result.portfolio_delta)),
                                   table=f"Scenario{k}Months", column="Change USD"), USD_TOLERANCE))
        if (so.first_affected_day > 0).any():
            reached = so.first_affected_day > 0
            checks.append(Check(f"Scenario {k}: the value short on the Summary = the sum of its parts' value short",
                                Figure("Summary", ROW, float(so.shortfall_cost.sum()), table="SummaryScenarios",
                                       column="Value short USD", row=k - 1),
                                Figure("Scenarios", SUM, float(so.shortfall_cost[reached].sum()),
                                       table=f"Scenario{k}Stops", column="Value short USD"), USD_TOLERANCE))
    if variants is not None and variants.scores:
        score, _ = evaluation.portfolio_score()
        checks.append(Check("Portfolio score: the project as it is on the Variants sheet = the Summary's",
                            Figure(VARIANTS, ROW, variants.scores[0], table=VARIANTS, column="Portfolio score"),
                            Figure("Summary", CELL, score, label=SUMMARY_SCORE, down=1), SCORE_TOLERANCE))
    note = ("Each row reconciles a figure on one sheet with the same figure on another: both are Excel formulas on "
            "this workbook's cells (click a cell to see which), and the result is TRUE when they agree (within "
            "0.01 USD or 0.001 kg for sums). RiskDesk stored the values it computed; Excel recalculates them, so a "
            "changed cell shows FALSE here.")
    return ChecksSheet(note, checks)


__all__ = ["CELL", "COUNT", "COUNT_IF", "ROW", "SUM", "SUM_IF", "Check", "ChecksSheet", "Figure", "checks_sheet"]
