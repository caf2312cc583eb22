"""Running a scenario on a project: what its price shocks cost month by month, and when each part would stop.

`run_scenario` evaluates a `riskdesk.core.scenarios.Scenario` (what the buyer defined: data, part of the project)
against an `Evaluation` of the project (the scores on a date). The definitions sit in the project model's layer;
this module sits above the scoring, so that a project never depends on the code that scores it. The method,
formulas and defaults are in docs/scenarios.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskdesk.core import elements
from riskdesk.core.compiled import UNKNOWN
from riskdesk.core.domain import STAGES, Effect, Stage
from riskdesk.core.evaluation import Evaluation
from riskdesk.core.reference import ReferenceData
from riskdesk.core.rules import expand_countries
from riskdesk.core.scenarios import (
    DAYS_PER_YEAR,
    ELEMENT_GROUPS,
    NO_VALUE,
    UNKNOWN_PRICE_REASON,
    Scenario,
    ScenarioError,
    SupplyCut,
    check_bounds,
)
from riskdesk.core.vocabulary import BASES, BASIS_NAMES


@dataclass(frozen=True)
class StockOut:
    """Per part (arrays in the order of the project's parts): what the scenario's supply cuts do to its supply.

    Days count from the scenario's first day (day 1). TTS and TTR count from the first day the part loses
    supply; a part no cut reaches has NaN there and never stops."""

    loss_share: np.ndarray
    """Largest share (0..1) of the part's supply lost on any day."""
    possible_share: np.ndarray
    """Of the cuts' reach, the share of the part's supply counted only because an origin is unknown."""
    first_affected_day: np.ndarray
    """First day the part loses supply (0: never)."""
    tts_days: np.ndarray
    """Time to survive: stock_days / the share lost on the first day it loses supply (0 when stock cannot bridge
    the cut, e.g. a prohibition); NaN when no cut reaches the part."""
    ttr_days: np.ndarray
    """Time to recover: days from the first to the last day the part loses supply (NaN when never)."""
    first_short_day: np.ndarray
    """First day the part is short (0: never)."""
    last_short_day: np.ndarray
    days_short: np.ndarray
    units_short: np.ndarray
    """Σ over short days of the share not covered × annual units / 365."""
    shortfall_cost: np.ndarray
    """units_short × unit price (USD): the value of the parts not delivered."""

    @property
    def stops(self) -> np.ndarray:
        return self.first_short_day > 0


@dataclass(frozen=True)
class CutReach:
    """Which supply paths one cut reaches: known (the stage country is one it names) or possible (unknown origin
    where a named country has a world share: counted, as the scores count unknown origins as the worst case)."""

    cut: SupplyCut
    known: np.ndarray
    """Per path."""
    possible: np.ndarray
    """Per path: reached only because its country at a cut stage is unknown."""
    part_share: np.ndarray
    """Per part: share (0..1) of its supply through the paths reached."""
    part_possible: np.ndarray
    """Per part: of that, the share through paths reached only as unknown origin."""
    note: str = ""
    """Why the cut reaches nothing, when the rule does not concern the buyer, etc."""

    @property
    def reached(self) -> np.ndarray:
        return self.known | self.possible

    @property
    def parts_reached(self) -> int:
        return int((self.part_share > 0).sum())


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario evaluated on a project: monthly cost per part and portfolio, and stock-out per part.

    Costs are USD per month; arrays per part follow `part_numbers`."""

    scenario: Scenario
    evaluation: Evaluation
    part_numbers: np.ndarray
    symbols: tuple[str, ...]
    """Elements the project holds (the columns of the per-element arrays)."""
    reference_prices: np.ndarray
    """(elements,) USD per kg of element on the scenario's price basis."""
    price_factor: np.ndarray
    """(months × elements) the scenario's price over the reference price."""
    part_kg_month: np.ndarray
    """(parts × elements) kg per month of each element in each part's magnets."""
    part_baseline: np.ndarray
    """(parts × months) baseline monthly cost."""
    part_scenario: np.ndarray
    """(parts × months) monthly cost at the scenario's prices."""
    stock_out: StockOut
    reach: tuple[CutReach, ...]
    parts_short_by_day: np.ndarray
    """(horizon days,) how many parts are short on each day (index 0 is day 1)."""

    @property
    def months(self) -> list[str]:
        return self.scenario.month_labels

    @property
    def element_baseline(self) -> np.ndarray:
        """(months × elements) the portfolio's baseline monthly cost by element."""
        monthly = self.part_kg_month.sum(axis=0) * self.reference_prices
        return np.tile(monthly, (self.scenario.horizon_months, 1))

    @property
    def element_scenario(self) -> np.ndarray:
        """(months × elements) the portfolio's monthly cost by element at the scenario's prices."""
        return self.element_baseline * self.price_factor

    @property
    def portfolio_baseline(self) -> np.ndarray:
        return self.part_baseline.sum(axis=0)

    @property
    def portfolio_scenario(self) -> np.ndarray:
        return self.part_scenario.sum(axis=0)

    @property
    def portfolio_delta(self) -> np.ndarray:
        return self.portfolio_scenario - self.portfolio_baseline

    @property
    def delta_total(self) -> float:
        return float(self.portfolio_delta.sum())

    @functools.cached_property
    def part_delta_total(self) -> np.ndarray:
        """(parts,) scenario minus baseline cost over the horizon (computed once: tables read it per cell)."""
        return (self.part_scenario - self.part_baseline).sum(axis=1)

    def prices(self) -> np.ndarray:
        """(months × elements) the scenario's prices, USD per kg of element."""
        return self.price_factor * self.reference_prices

    def value_short_known(self) -> np.ndarray:
        """Per part: the value of its units short is known (none short, or a unit price given)."""
        known: np.ndarray = self.evaluation.compiled.spend_known | (self.stock_out.units_short <= 0)
        return known

    def unpriced_short(self) -> list[str]:
        """The parts that run short whose value short is unknown (no unit price)."""
        return [str(self.part_numbers[i]) for i in np.flatnonzero(~self.value_short_known())]

    def to_json(self) -> dict[str, Any]:
        """What `riskdesk scenario --json` prints (without the Monte Carlo part). A value short that is unknown (no
        unit price) is null, with "shortfall_cost_unknown_reason"."""
        so = self.stock_out
        known = self.value_short_known()
        unpriced = self.unpriced_short()
        parts = []
        delta = self.part_delta_total
        for i, number in enumerate(self.part_numbers):
            parts.append({
                "part_number": str(number),
                "baseline_cost": _rounded(self.part_baseline[i]),
                "scenario_cost": _rounded(self.part_scenario[i]),
                "delta_total": round(float(delta[i]), 2),
                "stock_out": {
                    "tts_days": _maybe(so.tts_days[i]),
                    "ttr_days": _maybe(so.ttr_days[i]),
                    "first_short_day": int(so.first_short_day[i]) or None,
                    "days_short": int(so.days_short[i]),
                    "units_short": round(float(so.units_short[i]), 2),
                    "shortfall_cost": round(float(so.shortfall_cost[i]), 2) if known[i] else None,
                    **({} if known[i] else {"shortfall_cost_unknown_reason": UNKNOWN_PRICE_REASON}),
                    "loss_share": round(float(so.loss_share[i]), 4),
                    "possible_share": round(float(so.possible_share[i]), 4),
                },
            })
        return {
            "scenario": self.scenario.to_json(),
            "as_of": self.evaluation.as_of.isoformat(),
            "currency": "USD",
            "months": self.months,
            "portfolio": {
                "baseline_cost": _rounded(self.portfolio_baseline),
                "scenario_cost": _rounded(self.portfolio_scenario),
                "delta": _rounded(self.portfolio_delta),
                "delta_total": round(self.delta_total, 2),
                "price_basis": self.scenario.price_basis,
                "price_basis_label": BASIS_NAMES[self.scenario.price_basis],
                "parts_short": int(so.stops.sum()),
                "shortfall_cost": round(float(so.shortfall_cost.sum()), 2),
                **({"shortfall_cost_unknown_parts": unpriced,
                    "shortfall_cost_unknown_reason": f"{UNKNOWN_PRICE_REASON}: the total leaves these parts out"}
                   if unpriced else {}),
            },
            "supply_cuts": [{"cut": r.cut.describe(), "parts_reached": r.parts_reached, "note": r.note}
                            for r in self.reach],
            "parts": parts,
        }


@dataclass(frozen=True, slots=True)
class ElementSensitivity:
    """How much one element's price moves the portfolio's cost over the scenario's horizon (USD)."""

    symbol: str
    low: float
    """Change in the total cost if this element's price alone were (1 − swing) × the scenario's price."""
    high: float
    """… and if it were (1 + swing) × the scenario's price."""
    scenario: float
    """The scenario's own change from this element's shocks (scenario minus baseline cost)."""


def element_sensitivity(result: ScenarioResult, swing: float = 0.5) -> list[ElementSensitivity]:
    """The tornado of cost sensitivity: per element the portfolio holds, the change in total cost over the horizon
    if its price alone moved by ± `swing` from the scenario's prices, widest first. Costs are linear in each
    price, so the bars are ± swing × the element's scenario cost; their order says which price matters most."""
    if not (math.isfinite(swing) and swing > 0):
        raise ValueError(f"the swing must be a fraction above 0, not {swing}")
    scenario_cost = result.element_scenario.sum(axis=0)
    change = scenario_cost - result.element_baseline.sum(axis=0)
    rows = [ElementSensitivity(symbol, -swing * float(cost), swing * float(cost), float(delta))
            for symbol, cost, delta in zip(result.symbols, scenario_cost, change, strict=True) if cost > 0]
    return sorted(rows, key=lambda r: (-(r.high - r.low), r.symbol))


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 2) for v in values]


def _maybe(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 2)


def price_factors(scenario: Scenario, symbols: Sequence[str], reference_prices: np.ndarray) -> np.ndarray:
    """(months × elements) the price over the reference price in each month: shocks on the same element
    multiply."""
    factor = np.ones((scenario.horizon_months, len(symbols)))
    column = {s: j for j, s in enumerate(symbols)}
    for shock in scenario.price_shocks:
        if not shock.applies_to(scenario.price_basis):
            continue
        profile = shock.profile(scenario.horizon_months)
        for symbol in shock.symbols:
            j = column.get(symbol)
            if j is None:
                continue
            full = shock.full_multiplier(float(reference_prices[j]))
            factor[:, j] *= 1.0 + (full - 1.0) * profile
    return factor


def reference_prices(reference: ReferenceData, symbols: Sequence[str], basis: str) -> np.ndarray:
    return np.array([reference.prices.reference_price(s, basis)[0] for s in symbols])


def run_scenario(evaluation: Evaluation, scenario: Scenario) -> ScenarioResult:
    """Evaluate a scenario on a scored project: monthly costs per part and portfolio, and stock-out per part.

    Fast enough to run on every edit (100,000 supply paths in well under a second); it does not change the
    evaluation."""
    compiled = evaluation.compiled
    reference = evaluation.reference
    symbols = tuple(elements.SYMBOLS[e] for e in evaluation.columns)
    prices = reference_prices(reference, symbols, scenario.price_basis)
    check_bounds(scenario, dict(zip(symbols, prices.tolist(), strict=True)))
    factor = price_factors(scenario, symbols, prices)
    kg_month = evaluation.part_kg_c / 12.0
    monthly_value = kg_month * prices
    baseline_month = monthly_value.sum(axis=1)
    part_baseline = np.repeat(baseline_month[:, None], scenario.horizon_months, axis=1)
    part_scenario = monthly_value @ factor.T
    reach = tuple(cut_reach(evaluation, cut, i) for i, cut in enumerate(scenario.supply_cuts, start=1))
    stock_out, by_day = _stock_out(evaluation, scenario, reach)
    _check_finite(scenario, part_baseline=part_baseline, part_scenario=part_scenario,
                  units_short=stock_out.units_short, shortfall_cost=stock_out.shortfall_cost)
    return ScenarioResult(scenario, evaluation, compiled.part_numbers, symbols, prices, factor, kg_month,
                          part_baseline, part_scenario, stock_out, reach, by_day)


def _check_finite(scenario: Scenario, **figures: np.ndarray) -> None:
    """A result is shown or written only when every figure is a finite number ("never a score computed from
    nonsense"); the bounds make this hold, and this says so in one line should it ever not."""
    for name, values in figures.items():
        if not np.isfinite(values).all():
            raise ScenarioError("", NO_VALUE, f"scenario {scenario.name!r} gives a cost that is not a finite number "
                                f"({name.replace('_', ' ')}): its shocks or the project's figures are too large "
                                "to compute with")


def run_on_both_bases(evaluation: Evaluation, scenario: Scenario) -> dict[str, ScenarioResult]:
    """The scenario on each price basis, its own first: China domestic and ex-China prices differ several-fold
    for Dy and Tb, and a buyer should see both. A shock given as a price is the same price on both."""
    bases = [scenario.price_basis, *(b for b in BASES if b != scenario.price_basis)]
    return {basis: run_scenario(evaluation, scenario.with_basis(basis)) for basis in bases}


def cut_reach(evaluation: Evaluation, cut: SupplyCut, position: int = 1) -> CutReach:
    """Which supply paths a cut reaches on this project (see `CutReach`)."""
    compiled = evaluation.compiled
    buyer = evaluation.settings.import_country.upper()
    if cut.import_countries and buyer not in cut.import_countries:
        none = np.zeros(compiled.n_paths, dtype=bool)
        zero = np.zeros(compiled.n_parts)
        return CutReach(cut, none, none.copy(), zero, zero.copy(),
                        f"only for a buyer importing into {', '.join(cut.import_countries)} (this project imports "
                        f"into {buyer})")
    if cut.rule:
        known, possible, note = _rule_reach(evaluation, cut, position)
    else:
        known, possible = _country_reach(evaluation, cut)
        note = ""
    reached = known | possible
    share = compiled.share
    n = compiled.n_parts
    part_share = np.bincount(compiled.path_part, weights=share * reached, minlength=n)
    part_possible = np.bincount(compiled.path_part, weights=share * possible, minlength=n)
    if not note and not reached.any():
        note = "no supply path of the project passes where this cut is"
    return CutReach(cut, known, possible, np.minimum(part_share, 1.0), np.minimum(part_possible, 1.0), note)


def _holding(evaluation: Evaluation, symbols: tuple[str, ...]) -> np.ndarray:
    """Per part: its magnet holds one of `symbols` (any rare earth when `symbols` is empty)."""
    wanted = symbols or ELEMENT_GROUPS["rare-earths"]
    mask = np.isin(np.array(elements.SYMBOLS), list(wanted))
    return np.asarray(evaluation.compiled.wt_pct[:, mask].sum(axis=1) > 0)


def _country_reach(evaluation: Evaluation, cut: SupplyCut) -> tuple[np.ndarray, np.ndarray]:
    compiled = evaluation.compiled
    reference = evaluation.reference
    concerned = _holding(evaluation, cut.symbols)[compiled.path_part]
    any_country = not cut.countries
    groups = {name: reference.countries.members(name) for name in reference.countries.groups}
    codes = expand_countries(cut.countries, groups)
    vocabulary = compiled.countries
    named = (np.ones(len(vocabulary), dtype=bool) if any_country
             else np.isin(vocabulary, list(codes))) & (vocabulary != "")
    named = np.append(named, False)  # index -1 (UNKNOWN) → False
    known = np.zeros(compiled.n_paths, dtype=bool)
    unknown = np.zeros(compiled.n_paths, dtype=bool)
    for name in cut.stages:
        stage = Stage(name)
        column = compiled.assembly if stage is Stage.ASSEMBLY else compiled.country[:, STAGES.index(stage)]
        known |= named[column]
        market_stage = Stage.MAGNET if stage is Stage.ASSEMBLY else stage
        prior = 1.0 if any_country else sum(reference.market.world_share(market_stage, c) for c in codes)
        if prior > 0:
            unknown |= column == UNKNOWN
    known &= concerned
    return known, unknown & concerned & ~known


def _rule_reach(evaluation: Evaluation, cut: SupplyCut, position: int) -> tuple[np.ndarray, np.ndarray, str]:
    """The paths a control rule would meet if it were in force (with its scope: buyer, end use, family, …)."""
    from riskdesk.core.rule_match import match_rules

    reference = evaluation.reference
    control_list = reference.control_list
    try:
        rule = control_list.by_id(cut.rule)
    except KeyError:
        raise ScenarioError(f"supply_cuts[{position}].rule", cut.rule,
                            f"no rule with this id in control list {control_list.version}") from None
    if rule.effect not in (Effect.LICENCE, Effect.PROHIBITED):
        raise ScenarioError(f"supply_cuts[{position}].rule", cut.rule,
                            f"a {rule.effect_label} rule is not a supply cut (use a licence or a prohibition)")
    forced = dataclasses.replace(rule, announced=dt.date.min, effective_from=dt.date.min, effective_until=None,
                                 suspensions=(), unknown_after=None, after_suspension="in_force")
    single = dataclasses.replace(reference, control_list=dataclasses.replace(control_list, rules=(forced,)))
    compiled = evaluation.compiled
    matches = match_rules(compiled, evaluation.kg_c, evaluation.columns, evaluation.as_of, evaluation.settings,
                          single)
    none = np.zeros(compiled.n_paths, dtype=bool)
    if not matches:
        return none, none.copy(), f"{rule.id} does not concern this buyer (import country, effect)"
    match = matches[0]
    held = np.ones(compiled.n_parts, dtype=bool) if rule.whole_magnet else _holding(
        evaluation, tuple(s for s in elements.SYMBOLS if s in rule.elements))
    carried = held[compiled.path_part]
    known = (match.hit_bits != 0) & carried
    possible = (match.hit_bits == 0) & (match.unknown_bits != 0) & carried
    note = "" if (known | possible).any() else f"{rule.id} meets no supply path of the project"
    return known, possible, note


def _stock_out(evaluation: Evaluation, scenario: Scenario,
               reach: Sequence[CutReach]) -> tuple[StockOut, np.ndarray]:
    """Walk the days in segments between the cuts' start and end days: within a segment every part loses a
    constant share, so its stock runs out on a day found by division, without a per-day loop."""
    compiled = evaluation.compiled
    n = compiled.n_parts
    horizon = scenario.horizon_days
    stock = np.clip(np.nan_to_num(compiled.stock_days, nan=0.0), 0.0, None)
    windows = [(r.cut.from_day, min(r.cut.last_day(), horizon)) for r in reach]
    bounds = sorted({1, horizon + 1, *(a for a, b in windows if a <= b), *(b + 1 for a, b in windows if a <= b)})
    bounds = [b for b in bounds if 1 <= b <= horizon + 1]

    remaining = stock.copy()
    first_affected = np.zeros(n, dtype=np.int64)
    last_affected = np.zeros(n, dtype=np.int64)
    first_usable = np.zeros(n)
    first_unusable = np.zeros(n)
    peak = np.zeros(n)
    first_short = np.zeros(n, dtype=np.int64)
    last_short = np.zeros(n, dtype=np.int64)
    days_short = np.zeros(n, dtype=np.int64)
    short_equiv = np.zeros(n)
    change = np.zeros(horizon + 2, dtype=np.int64)
    share = compiled.share
    for a, b in itertools.pairwise(bounds):
        last = b - 1
        active = [r for r, (lo, hi) in zip(reach, windows, strict=True) if lo <= a and last <= hi]
        if not active:
            continue
        kept_unusable = np.ones(compiled.n_paths)
        kept_usable = np.ones(compiled.n_paths)
        for r in active:
            kept = 1.0 - r.cut.share_lost * r.reached
            if r.cut.stock_usable:
                kept_usable *= kept
            else:
                kept_unusable *= kept
        lost_unusable = np.bincount(compiled.path_part, weights=share * (1.0 - kept_unusable), minlength=n)
        lost_usable = np.bincount(compiled.path_part, weights=share * kept_unusable * (1.0 - kept_usable),
                                  minlength=n)
        lost_unusable = np.minimum(lost_unusable, 1.0)
        lost_usable = np.minimum(lost_usable, 1.0 - lost_unusable)
        lost = lost_usable + lost_unusable
        affected = lost > 0
        newly = affected & (first_affected == 0)
        first_affected[newly] = a
        first_usable[newly] = lost_usable[newly]
        first_unusable[newly] = lost_unusable[newly]
        last_affected[affected] = last
        peak = np.maximum(peak, lost)

        length = last - a + 1
        need = lost_usable * length
        covered = remaining >= need * (1.0 - 1e-12) - 1e-9
        with np.errstate(divide="ignore", invalid="ignore"):
            full_days = np.floor(remaining / lost_usable + 1e-9)
        start_usable = np.where((lost_usable > 0) & ~covered, a + full_days, np.inf)
        short_equiv += np.where(covered, 0.0, need - remaining)
        remaining = np.where(covered, np.maximum(remaining - need, 0.0), 0.0)
        start_unusable = np.where(lost_unusable > 0, float(a), np.inf)
        short_equiv += lost_unusable * length
        start = np.minimum(start_usable, start_unusable)
        short = start <= last
        start_day = np.where(short, start, 0).astype(np.int64)
        days_short += np.where(short, last - start_day + 1, 0)
        first_short = np.where(short & (first_short == 0), start_day, first_short)
        last_short = np.where(short, last, last_short)
        np.add.at(change, start_day[short], 1)
        np.add.at(change, np.full(int(short.sum()), last + 1), -1)

    with np.errstate(divide="ignore", invalid="ignore"):
        tts = np.where(first_unusable > 0, 0.0, stock / first_usable)
    tts = np.where(first_affected > 0, tts, np.nan)
    ttr = np.where(first_affected > 0, last_affected - first_affected + 1, np.nan).astype(float)
    units_short = short_equiv * compiled.annual_units / DAYS_PER_YEAR
    possible = np.zeros(n)
    for r in reach:
        possible = np.maximum(possible, r.part_possible * r.cut.share_lost)
    stock_out = StockOut(
        loss_share=peak,
        possible_share=np.minimum(possible, peak),
        first_affected_day=first_affected,
        tts_days=tts,
        ttr_days=ttr,
        first_short_day=first_short,
        last_short_day=last_short,
        days_short=days_short,
        units_short=units_short,
        shortfall_cost=units_short * compiled.unit_price,
    )
    return stock_out, np.cumsum(change)[1:horizon + 1]


__all__ = [
    "CutReach",
    "ElementSensitivity",
    "ScenarioResult",
    "StockOut",
    "cut_reach",
    "element_sensitivity",
    "price_factors",
    "reference_prices",
    "run_on_both_bases",
    "run_scenario",
]
