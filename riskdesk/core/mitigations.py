"""Mitigations: variants of a project compared side by side with the original under one scenario.

A `Variant` is a list of changes — move a supply path to another supplier or country, add a second source at a
share, use another grade, hold more stock — applied to a *copy* of the project: the real data never changes.
`compare_variants` scores the original and every variant on one date and runs the same scenario on each, so
the buyer sees, per variant and per part, the score, the scenario's cost and who stops.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskdesk.core.evaluation import Evaluation, band, evaluate
from riskdesk.core.project import Project
from riskdesk.core.reference import ReferenceData, default_reference
from riskdesk.core.scenario_run import ScenarioResult, run_scenario
from riskdesk.core.scenarios import Scenario
from riskdesk.core.variants import (
    CHANGE_TYPES,
    AddSource,
    AddStock,
    Change,
    ChangeGrade,
    MitigationError,
    MovePath,
    Variant,
    usual_countries,
)


@dataclass(frozen=True)
class VariantOutcome:
    """The original project or one variant: scored on the date and run through the scenario."""

    name: str
    project: Project
    evaluation: Evaluation
    result: ScenarioResult
    changes: tuple[str, ...]
    """The changes in words ("" for the original)."""
    purchase_change: float | None = 0.0
    """What the variant's second sources add over the horizon to what is paid for the parts (USD; 0 for the
    original and for variants without one); None when a second source's price is unknown."""

    @property
    def portfolio_score(self) -> float:
        return self.evaluation.portfolio_score()[0]

    @property
    def red_parts(self) -> int:
        return int((self.evaluation.scores >= 70.0).sum())

    @property
    def parts_short(self) -> int:
        return int(self.result.stock_out.stops.sum())

    @property
    def days_short(self) -> int:
        return int(self.result.stock_out.days_short.sum())

    @property
    def shortfall_cost(self) -> float:
        return float(self.result.stock_out.shortfall_cost.sum())

    @property
    def scenario_cost(self) -> float:
        return float(self.result.portfolio_scenario.sum())

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "changes": list(self.changes),
            "portfolio_score": round(self.portfolio_score, 2),
            "band": band(self.portfolio_score),
            "red_parts": self.red_parts,
            "scenario_cost": round(self.scenario_cost, 2),
            "delta_total": round(self.result.delta_total, 2),
            "parts_short": self.parts_short,
            "days_short": self.days_short,
            "shortfall_cost": round(self.shortfall_cost, 2),
            "purchase_change": None if self.purchase_change is None else round(self.purchase_change, 2),
        }


@dataclass(frozen=True)
class Comparison:
    """The original (first) and each variant under one scenario, side by side."""

    scenario: Scenario
    as_of: dt.date
    outcomes: tuple[VariantOutcome, ...]

    @property
    def part_numbers(self) -> np.ndarray:
        return self.outcomes[0].evaluation.compiled.part_numbers

    def scores(self) -> np.ndarray:
        """(variants × parts) part scores, the original first."""
        return np.vstack([o.evaluation.scores for o in self.outcomes])

    def first_short_days(self) -> np.ndarray:
        """(variants × parts) first short day (0: never)."""
        return np.vstack([o.result.stock_out.first_short_day for o in self.outcomes])

    def part_rows(self) -> list[dict[str, Any]]:
        """Per part: score, scenario cost change and first short day for each variant."""
        rows = []
        for i, number in enumerate(self.part_numbers):
            rows.append({
                "part_number": str(number),
                "variants": {
                    o.name: {
                        "score": round(float(o.evaluation.scores[i]), 2),
                        "delta_total": round(float(o.result.part_delta_total[i]), 2),
                        "first_short_day": int(o.result.stock_out.first_short_day[i]) or None,
                        "days_short": int(o.result.stock_out.days_short[i]),
                    }
                    for o in self.outcomes
                },
            })
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "as_of": self.as_of.isoformat(),
            "variants": [o.summary() for o in self.outcomes],
            "parts": self.part_rows(),
        }


ORIGINAL = "Original"


def compare_variants(project: Project, variants: Sequence[Variant] | Iterable[Variant], scenario: Scenario,
                     as_of: dt.date, reference: ReferenceData | None = None) -> Comparison:
    """Score the project and each variant on `as_of` and run `scenario` on each. Variants that add or remove
    parts are refused: the comparison is part by part."""
    reference = reference or default_reference()
    outcomes = []
    part_numbers: list[str] | None = None
    for variant in [None, *variants]:
        name = ORIGINAL if variant is None else variant.name
        changed = project if variant is None else variant.apply(project)
        changes = () if variant is None else tuple(c.describe() for c in variant.changes)
        evaluation = evaluate(changed, as_of, reference=reference)
        numbers = [str(p) for p in evaluation.compiled.part_numbers]
        if part_numbers is None:
            part_numbers = numbers
        elif numbers != part_numbers:
            raise MitigationError(f"variant {name!r} changes the list of parts; compare variants of the same parts")
        outcomes.append(VariantOutcome(name, changed, evaluation, run_scenario(evaluation, scenario), changes,
                                       _purchase_change(project, variant, scenario)))
    return Comparison(scenario, as_of, tuple(outcomes))


def _purchase_change(project: Project, variant: Variant | None, scenario: Scenario) -> float | None:
    """Σ of the variant's second sources' `purchase_change` over the scenario's horizon (None if one is unknown)."""
    total = 0.0
    for change in variant.changes if variant is not None else ():
        if isinstance(change, AddSource):
            added = change.purchase_change(project.tables, scenario.horizon_months)
            if added is None:
                return None
            total += added
    return total


__all__ = [
    "CHANGE_TYPES",
    "ORIGINAL",
    "AddSource",
    "AddStock",
    "Change",
    "ChangeGrade",
    "Comparison",
    "MitigationError",
    "MovePath",
    "Variant",
    "VariantOutcome",
    "compare_variants",
    "usual_countries",
]
