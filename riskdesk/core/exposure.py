"""Exposure roll-ups of an evaluation: kg or value by element, by stage and country, by supplier, by part.

Plain numpy over the evaluation's per-path arrays, so that the window's charts, the command line and the report
add up the same numbers the same way. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from riskdesk.core import elements
from riskdesk.core.domain import STAGES

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation

MEASURES: dict[str, tuple[str, str]] = {
    "kg": ("kg per year", "kg / year"),
    "value": ("Value per year (USD)", "USD / year"),
}
"""Measure key → (label, axis unit)."""
ELEMENT_SETS: dict[str, str] = {
    "rare-earths": "Rare earths",
    "rare-earths-co": "Rare earths and cobalt",
    "all": "All elements",
}
TOP_COUNTRIES = 8


def element_mask(selection: str) -> np.ndarray:
    """(elements,) bool in `riskdesk.core.elements.SYMBOLS` order for an `ELEMENT_SETS` key or an element symbol."""
    if selection == "all":
        return np.ones(len(elements.SYMBOLS), dtype=bool)
    if selection in ("rare-earths", "rare-earths-co"):
        return np.array([e.rare_earth or (selection == "rare-earths-co" and e.symbol == "Co")
                         for e in elements.ELEMENTS])
    return np.array([s == selection for s in elements.SYMBOLS])


def amounts(evaluation: Evaluation, measure: str) -> np.ndarray:
    """(paths × elements) kg or value per year."""
    return evaluation.value if measure == "value" else evaluation.kg


def by_element(evaluation: Evaluation, measure: str, mask: np.ndarray) -> list[tuple[str, float]]:
    """(symbol, amount) of each element in `mask` the portfolio holds, largest first."""
    totals = amounts(evaluation, measure).sum(axis=0)
    pairs = [(elements.SYMBOLS[i], float(totals[i])) for i in np.flatnonzero(mask & (totals > 0))]
    return sorted(pairs, key=lambda pair: -pair[1])


@dataclass(frozen=True)
class StageCountryExposure:
    """Amounts passing each stage in each country: `matrix[stage, column]`, columns named by `codes`
    ("" = unknown country, "*" = all other countries)."""

    codes: list[str]
    matrix: np.ndarray

    def stage_totals(self) -> np.ndarray:
        return self.matrix.sum(axis=1)


def by_stage_and_country(evaluation: Evaluation, measure: str, mask: np.ndarray,
                         top: int = TOP_COUNTRIES) -> StageCountryExposure:
    """Amounts (of the elements in `mask`) passing each stage in each country: the `top` countries by total over
    all stages, the rest as "*", and unknown origin as ""."""
    compiled = evaluation.compiled
    per_path = amounts(evaluation, measure)[:, mask].sum(axis=1)
    n_c = len(compiled.countries)
    matrix = np.zeros((len(STAGES), n_c + 1))
    for s in range(len(STAGES)):
        stage_codes = compiled.country[:, s]
        slots = np.where(stage_codes < 0, n_c, stage_codes)
        matrix[s] = np.bincount(slots, weights=per_path, minlength=n_c + 1)
    known = [i for i in range(n_c) if compiled.countries[i] != ""]
    ranked = sorted((i for i in known if matrix[:, i].sum() > 0), key=lambda i: -matrix[:, i].sum())
    keep = ranked[:top]
    rest = ranked[top:]
    columns = [matrix[:, i] for i in keep]
    codes = [str(compiled.countries[i]) for i in keep]
    if rest:
        columns.append(matrix[:, rest].sum(axis=1))
        codes.append("*")
    unknown = matrix[:, n_c] + sum((matrix[:, i] for i in range(n_c) if compiled.countries[i] == ""),
                                   np.zeros(len(STAGES)))
    if unknown.any():
        columns.append(unknown)
        codes.append("")
    result = np.stack(columns, axis=1) if columns else np.zeros((len(STAGES), 0))
    return StageCountryExposure(codes, result)


def by_supplier(evaluation: Evaluation, measure: str, mask: np.ndarray) -> list[tuple[str, float]]:
    """(supplier id, amount) of the elements in `mask`, largest first ("" for volume no supply path covers)."""
    compiled = evaluation.compiled
    per_path = amounts(evaluation, measure)[:, mask].sum(axis=1)
    totals = np.bincount(compiled.supplier_codes, weights=per_path, minlength=len(compiled.supplier_ids))
    pairs = [(str(compiled.supplier_ids[i]), float(totals[i])) for i in np.flatnonzero(totals > 0)]
    return sorted(pairs, key=lambda pair: -pair[1])
