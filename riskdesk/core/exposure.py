"""Exposure roll-ups of an evaluation: kg or value by element, by stage and country, by supplier, by part.

Plain numpy over the evaluation's per-path arrays, so that the window's charts, the command line and the report
add up the same numbers the same way. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from riskdesk.core import elements
from riskdesk.core.domain import STAGES, Stage

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


@dataclass(frozen=True, slots=True)
class ExposureCell:
    """kg and value of one element passing one stage in one country, on the buyer's own supply."""

    element: str
    stage: Stage
    country: str
    """ISO code; "" for unknown origin."""
    kg: float
    value: float
    share: float
    """Of the buyer's kg of this element at this stage (0 … 1)."""
    over_benchmark: bool
    """The EU CRMA benchmark flags this element and stage here: this third country supplies more than 65 % of the
    buyer's kg (for the unknown-origin row: some country does, counting the unknown kg as its). Always False for
    buyers the benchmark does not concern (`benchmark_applies`)."""
    benchmark_share: float | None = None
    """The share the benchmark judges this country on here (0 … 1): its own with the unknown origin's and China's
    counted in (for China: the largest share any third country makes so); for the unknown-origin row the largest
    such share. None where the benchmark does not apply or does not judge the country (the buyer's own region)."""


def benchmark_applies(evaluation: Evaluation) -> bool:
    """Whether a dependency benchmark (EU CRMA 65 %) concerns this buyer on the date (buyers importing into the
    EU)."""
    return any(match.benchmark is not None for match in evaluation.matches)


def by_element_stage_country(evaluation: Evaluation, selection: str = "rare-earths-co") -> list[ExposureCell]:
    """The buyer's kg (and value) of each element in `selection` (an `ELEMENT_SETS` key) by stage and country,
    element by element in the order of `riskdesk.core.elements.SYMBOLS`, stages in supply-chain order, countries
    largest first and unknown origin last. The kg are those of `Evaluation.concentration` (its top shares are the
    largest shares here)."""
    compiled = evaluation.compiled
    mask = element_mask(selection)
    listed = [j for j, e in enumerate(evaluation.columns) if mask[e]]
    if not listed:
        return []
    vocabulary = [str(c) for c in compiled.countries]
    n_c = len(vocabulary)
    over: dict[tuple[int, int], frozenset[str]] = {}
    judged: dict[tuple[int, int], dict[str, float]] = {}
    for match in evaluation.matches:
        if match.benchmark is not None:
            for key, countries in match.benchmark.over.items():
                over[key] = over.get(key, frozenset()) | countries
            for key, shares in match.benchmark.judged.items():
                mine = judged.setdefault(key, {})
                for code, share in shares.items():
                    mine[code] = max(mine.get(code, 0.0), share)
    prices = evaluation.prices[evaluation.columns[listed]]
    per_stage = [evaluation.stage_shares[s].T @ evaluation.unit_kg_c[:, listed] for s in range(len(STAGES))]
    cells: list[ExposureCell] = []
    for position, j in enumerate(listed):
        e = int(evaluation.columns[j])
        symbol = elements.SYMBOLS[e]
        for s, stage in enumerate(STAGES):
            column = per_stage[s][:, position]
            total = float(column.sum())
            if total <= 0:
                continue
            flagged = over.get((e, s), frozenset())
            shares = judged.get((e, s), {})
            known = sorted((i for i in range(n_c) if column[i] > 0 and vocabulary[i]), key=lambda i: -column[i])
            unknown = float(column[n_c]) + sum(float(column[i]) for i in range(n_c) if not vocabulary[i])
            for i in known:
                kg = float(column[i])
                cells.append(ExposureCell(symbol, stage, vocabulary[i], kg, kg * float(prices[position]),
                                          kg / total, vocabulary[i] in flagged, shares.get(vocabulary[i])))
            if unknown > 0:
                cells.append(ExposureCell(symbol, stage, "", unknown, unknown * float(prices[position]),
                                          unknown / total, bool(flagged), shares.get("")))
    return cells


def unknown_origin_share(evaluation: Evaluation, selection: str = "rare-earths") -> dict[Stage, float]:
    """Per stage, the share of the buyer's kg of the elements in `selection` whose country there is unknown
    (volume no supply path covers included)."""
    mask = element_mask(selection)
    listed = [j for j, e in enumerate(evaluation.columns) if mask[e]]
    result: dict[Stage, float] = {}
    if not listed:
        return result
    per_part = evaluation.unit_kg_c[:, listed].sum(axis=1)
    for s, stage in enumerate(STAGES):
        by_country = evaluation.stage_shares[s].T @ per_part
        total = float(by_country.sum())
        if total > 0:
            result[stage] = float(by_country[-1]) / total
    return result
