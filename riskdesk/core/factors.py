"""The six factors of a part's score, one function each, named as in docs/method.md.

Each function takes the evaluation being built (exposure arrays and rule matches on one date) and returns the
factor's value per part (0 no risk … 100) with a way to explain any one part's value in words, built only when
someone looks. Every factor is *monotone in what the buyer hides*: replacing a known origin by "unknown" never
lowers it (docs/method.md, "Invariants"), and tests/core/test_invariants.py searches for counterexamples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from riskdesk.core.compiled import EVIDENCE, SYMBOLS, UNASSIGNED_SUPPLIER, UNKNOWN, CompiledProject
from riskdesk.core.domain import STAGES, Evidence, Stage
from riskdesk.core.project import ProjectSettings
from riskdesk.core.reference import ReferenceData
from riskdesk.core.rule_match import GENERAL_LICENCE_RELIEF, RuleMatch


class FactorInputs(Protocol):
    """What the factors read of an evaluation being made (`riskdesk.core.evaluation.Evaluation` is one): the
    factors sit below the evaluation that weighs them, and name only what they use."""

    @property
    def as_of(self) -> dt.date: ...
    @property
    def settings(self) -> ProjectSettings: ...
    @property
    def reference(self) -> ReferenceData: ...
    @property
    def compiled(self) -> CompiledProject: ...
    @property
    def columns(self) -> np.ndarray: ...
    @property
    def kg_c(self) -> np.ndarray: ...
    @property
    def value_c(self) -> np.ndarray: ...
    @property
    def part_kg_c(self) -> np.ndarray: ...
    @property
    def part_value_c(self) -> np.ndarray: ...
    @property
    def stage_shares(self) -> list[np.ndarray]: ...
    @property
    def matches(self) -> list[RuleMatch]: ...

    def paths_of(self, position: int) -> np.ndarray: ...

TRANSPARENCY_STAGE_WEIGHT: Mapping[Stage, float] = {
    Stage.MINE: 0.15,
    Stage.SEPARATION: 0.35,
    Stage.METAL: 0.15,
    Stage.MAGNET: 0.35,
}
EVIDENCE_PENALTY: Mapping[Evidence, float] = {
    Evidence.VERIFIED: 0.0,
    Evidence.DECLARED: 0.25,
    Evidence.INFERRED: 0.6,
    Evidence.UNKNOWN: 0.8,
}
"""How little a known stage country is worth by how it is known; a stage with no country counts 1.0."""
STALE_EVIDENCE: Mapping[Evidence, Evidence] = {
    Evidence.VERIFIED: Evidence.DECLARED,
    Evidence.DECLARED: Evidence.INFERRED,
    Evidence.INFERRED: Evidence.INFERRED,
    Evidence.UNKNOWN: Evidence.UNKNOWN,
}
"""What a supplier's declared origin counts as once it is older than the stale setting: one step less sure."""
WORST_GOVERNANCE = 10.0
"""The governance an unknown origin may have: the worst on the scale (0 best … 10 worst)."""


class PartTexts:
    """Explanations of one factor, part by part, built on demand: `texts[position]`."""

    def __init__(self, explain: Callable[[int], str]) -> None:
        self._explain = explain

    def __getitem__(self, position: int) -> str:
        return self._explain(int(position))


@dataclass(frozen=True)
class FactorResult:
    values: np.ndarray
    """Per part, 0 (no risk) … 100."""
    inputs: PartTexts
    """Per part, the figures the value is computed from, in words."""


def _per_part(ev: FactorInputs, per_path: np.ndarray) -> np.ndarray:
    return np.bincount(ev.compiled.path_part, weights=per_path, minlength=ev.compiled.n_parts)


def _rule_path_weight(ev: FactorInputs, match: RuleMatch) -> np.ndarray:
    """Per path: how heavily a (non-benchmark) rule weighs where it meets the path, known or possible."""
    compiled = ev.compiled
    uniform = match.timing.uniform
    met = match.met
    weight = met * uniform if uniform is not None else match.timing.weight[compiled.path_part] * met
    if match.rule.general_licence:
        weight = np.where(compiled.general_licence, weight * GENERAL_LICENCE_RELIEF, weight)
    return weight


def restriction(ev: FactorInputs) -> FactorResult:
    """Share of the part's element value that passes a stage under a rule (or may: origin unknown), each element
    weighted by the heaviest rule on its path: effect (prohibited 1, licence 0.6, tariff 0.4, benchmark 0.25,
    watch 0.1) × timing (1 in force; less while only announced or of unknown status). Where the part has no
    priced content the same is measured by mass."""
    compiled = ev.compiled
    path_part = compiled.path_part
    value = ev.value_c
    part_value = ev.part_value_c.sum(axis=1)
    part_kg = ev.part_kg_c.sum(axis=1)
    by_mass = (part_value <= 0) & (part_kg > 0)
    measure = value if not by_mass.any() else np.where(by_mass[path_part][:, None], ev.kg_c, value)

    weighted = [(m, _rule_path_weight(ev, m)) for m in ev.matches if m.benchmark is None]
    benchmark_weights = [(m.timing.uniform if m.timing.uniform is not None
                          else m.timing.weight[path_part][:, None]) * m.benchmark.per_column()
                         for m in ev.matches if m.benchmark is not None]
    # Elements that the same rules concern share one weight vector: the work grows with rules and element
    # groups, not with paths × elements × rules.
    groups: dict[tuple[int, ...], list[int]] = {}
    for j, e in enumerate(ev.columns):
        signature = tuple(i for i, (m, _) in enumerate(weighted) if m.element_mask[e])
        groups.setdefault(signature, []).append(j)
    restricted = np.zeros(compiled.n_paths)
    under_rule = np.zeros(compiled.n_paths)
    for signature, columns in groups.items():
        w = np.zeros(compiled.n_paths)
        for i in signature:
            w = np.maximum(w, weighted[i][1])
        if not benchmark_weights:
            amount = measure[:, columns[0]] if len(columns) == 1 else measure[:, columns].sum(axis=1)
            restricted += amount * w
            under_rule += amount * (w > 0)
            continue
        for j in columns:
            wj = w
            for bench in benchmark_weights:
                wj = np.maximum(wj, bench[:, j])
            restricted += measure[:, j] * wj
            under_rule += measure[:, j] * (wj > 0)
    total = np.where(by_mass, part_kg, part_value)
    safe = np.where(total > 0, total, 1.0)
    restricted_part = _per_part(ev, restricted)
    under_part = _per_part(ev, under_rule)
    values = np.clip(100.0 * restricted_part / safe, 0.0, 100.0)

    def explain(p: int) -> str:
        if total[p] <= 0:
            return "no element content (magnet mass or annual units are zero)"
        what = (f"element value (${part_value[p]:,.0f} a year)" if not by_mass[p]
                else f"element mass ({part_kg[p]:,.3g} kg a year; no priced content)")
        share = under_part[p] / total[p]
        if share <= 0:
            return f"none of the part's {what} passes a stage under a rule on this date"
        return (f"{share:.0%} of the part's {what} passes a stage under a rule, or may (origin unknown); weighted "
                f"by effect (prohibited 1, licence 0.6, tariff 0.4, benchmark 0.25, watch 0.1) and timing "
                f"(rules not yet binding or of unknown status count less) that is {values[p]:.0f} of 100")

    return FactorResult(values, PartTexts(explain))


def concentration(ev: FactorInputs) -> FactorResult:
    """Worst stage of the governance-weighted concentration of the part's volume by country: half the
    share-weighted governance Σ s·g, half the EU's HHI × governance Σ s²·g (0 best … 10 worst, × 10). Volume of
    unknown origin counts as the worst case: added to whichever known country, or to a country of the worst
    governance, raises the value most."""
    compiled = ev.compiled
    reference = ev.reference
    vocabulary = list(compiled.countries)
    n_c = len(vocabulary)
    n_parts = compiled.n_parts
    governance = np.array([reference.countries.governance(c) if c else WORST_GOVERNANCE for c in vocabulary])
    worst = np.full(n_parts, -1.0)
    worst_stage = np.zeros(n_parts, dtype=np.int64)
    for s in range(len(STAGES)):
        counted = ev.stage_shares[s]
        totals = counted.sum(axis=1, keepdims=True)
        value = 10.0 * _governed_concentration(counted / np.where(totals > 0, totals, 1.0), governance)[0]
        larger = value > worst
        worst = np.where(larger, value, worst)
        worst_stage = np.where(larger, s, worst_stage)
    values = np.clip(worst, 0.0, 100.0)

    def explain(p: int) -> str:
        s = int(worst_stage[p])
        rows = ev.paths_of(p)
        shares = _stage_shares(np.zeros(len(rows), dtype=np.int64), compiled.country[rows, s], compiled.share[rows],
                               1, n_c)
        _, sink = _governed_concentration(shares, governance)
        known, unknown = shares[0, :n_c], float(shares[0, n_c])
        assigned = known.copy()
        if sink[0] >= 0:
            assigned[sink[0]] += unknown
        parts = [f"worst stage {STAGES[s].label}"]
        if n_c and assigned.max() > 0:
            top = int(assigned.argmax())
            parts.append(f"{assigned[top]:.0%} from {reference.countries.name(vocabulary[top])} (governance "
                         f"{governance[top]:.1f} of 10)")
        if unknown > 0:
            sink_name = (reference.countries.name(vocabulary[sink[0]]) if sink[0] >= 0
                         else f"a country of the worst governance ({WORST_GOVERNANCE:g})")
            parts.append(f"{unknown:.0%} of unknown origin, counted as the worst case: {sink_name}")
        return (f"{'; '.join(parts)}. Governance-weighted concentration {values[p] / 10:.2f} of 10 (half the "
                "share-weighted governance, half the EU's HHI × governance)")

    return FactorResult(values, PartTexts(explain))


def _stage_shares(owner: np.ndarray, codes: np.ndarray, share: np.ndarray, n_owners: int, n_c: int) -> np.ndarray:
    """(owners × countries + 1) share of each owner's volume by country at one stage; the last column is the
    volume of unknown origin."""
    slots = np.where(codes == UNKNOWN, n_c, codes)
    counted = np.bincount(owner * (n_c + 1) + slots, weights=share,
                          minlength=n_owners * (n_c + 1)).reshape(n_owners, n_c + 1)
    totals = counted.sum(axis=1, keepdims=True)
    result: np.ndarray = counted / np.where(totals > 0, totals, 1.0)
    return result


def _governed_concentration(shares: np.ndarray, governance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: ½ Σ s·g + ½ Σ s²·g with the unknown share (last column) put where it raises the value most, and
    where that is (a country position, or -1 for a country of the worst governance, or for no unknown share)."""
    n_c = len(governance)
    known, unknown = shares[:, :n_c], shares[:, n_c]
    value = 0.5 * (known @ governance) + 0.5 * ((known ** 2) @ governance)
    sink = np.full(len(shares), -1, dtype=np.int64)
    rows = np.flatnonzero(unknown > 0)
    if not len(rows):
        return value, sink
    u = unknown[rows]
    bonus = 0.5 * u * WORST_GOVERNANCE * (1.0 + u)
    if n_c:
        k = known[rows]
        added = 0.5 * governance * (u[:, None] + (k + u[:, None]) ** 2 - k ** 2)
        best = added.argmax(axis=1)
        best_bonus = added[np.arange(len(rows)), best]
        sink[rows] = np.where(best_bonus > bonus, best, -1)
        bonus = np.maximum(best_bonus, bonus)
    value[rows] += bonus
    return value, sink


def stale_declarations(ev: FactorInputs) -> np.ndarray:
    """Per path: its stage countries come from a supplier declaration older, on the as-of date, than the project's
    `stale_months` (paths without a declaration never are)."""
    dates = ev.compiled.evidence_date
    if len(dates) != ev.compiled.n_paths:
        return np.zeros(ev.compiled.n_paths, dtype=bool)
    months = (ev.as_of.toordinal() - dates) / (365.25 / 12)
    return np.nan_to_num(months, nan=-np.inf) > ev.settings.stale_months


def evidence_as_of(ev: FactorInputs) -> np.ndarray:
    """Per path: its evidence (position in `EVIDENCE`) as the transparency factor counts it on the as-of date: the
    path's own, one step less sure where its declaration is stale (`STALE_EVIDENCE`)."""
    step = np.array([EVIDENCE.index(STALE_EVIDENCE[e]) for e in EVIDENCE])
    return np.where(stale_declarations(ev), step[ev.compiled.evidence], ev.compiled.evidence)


def transparency(ev: FactorInputs) -> FactorResult:
    """Share of the part's volume whose stage origins are unknown or weakly known, stages weighted (mine 0.15,
    separation 0.35, metal 0.15, magnet 0.35): an unknown country counts 1, a known one by its evidence
    (verified 0, declared 0.25, inferred 0.6, evidence unknown 0.8)."""
    compiled = ev.compiled
    stage_weight = np.array([TRANSPARENCY_STAGE_WEIGHT[s] for s in STAGES])
    evidence = evidence_as_of(ev)
    stale = stale_declarations(ev)
    evidence_penalty = np.array([EVIDENCE_PENALTY[e] for e in EVIDENCE])[evidence]
    unknown = compiled.country == UNKNOWN
    penalty = np.where(unknown, 1.0, evidence_penalty[:, None]) @ stage_weight
    values = np.clip(100.0 * _per_part(ev, penalty * compiled.share), 0.0, 100.0)

    def explain(p: int) -> str:
        rows = ev.paths_of(p)
        share = compiled.share[rows]
        unknown_weight = (unknown[rows] @ stage_weight) * share
        known_weight = ((~unknown[rows]) @ stage_weight) * share
        words = [f"{unknown_weight.sum():.0%} unknown country (counts 1)"]
        for e, evidence_kind in enumerate(EVIDENCE):
            amount = known_weight[evidence[rows] == e].sum()
            if amount > 0:
                words.append(f"{amount:.0%} {evidence_kind.value} (counts {EVIDENCE_PENALTY[evidence_kind]:g})")
        any_unknown = (unknown[rows].any(axis=1) * share).sum()
        aged = share[stale[rows]].sum()
        old = (f"; {aged:.0%} of the volume has origins declared longer ago than {ev.settings.stale_months:g} "
               "months, counted one step less sure" if aged > 0 else "")
        return (f"of the part's stage-weighted origin: {', '.join(words)}; {any_unknown:.0%} of the volume has at "
                f"least one stage of unknown origin{old}. Stages weigh mine 0.15, separation 0.35, metal 0.15, "
                "magnet 0.35")

    return FactorResult(values, PartTexts(explain))


def price(ev: FactorInputs) -> FactorResult:
    """Value share of each element × its observed volatility (max/min − 1 within one bundled price series,
    capped at 1); elements without a price history count 0."""
    volatility = np.array([ev.reference.prices.volatility(SYMBOLS[e])[0] for e in ev.columns])
    element_value = ev.part_value_c
    part_value = element_value.sum(axis=1)
    safe = np.where(part_value > 0, part_value, 1.0)
    values = np.clip(100.0 * (element_value * volatility).sum(axis=1) / safe, 0.0, 100.0)

    def explain(p: int) -> str:
        if part_value[p] <= 0:
            return "no priced element content"
        shares = element_value[p] / part_value[p]
        top = np.argsort(shares * volatility)[::-1][:3]
        listed = ", ".join(f"{SYMBOLS[ev.columns[i]]} {shares[i]:.0%} of value × volatility {volatility[i]:.2f}"
                           for i in top if shares[i] > 0 and volatility[i] > 0)
        return listed or "no volatile elements"

    return FactorResult(values, PartTexts(explain))


def buffer(ev: FactorInputs) -> FactorResult:
    """100 × max(0, 1 − stock days / disruption days): stock against a disruption of the set length (63 days,
    about 45 working days of licence review, by default); no stock given counts as none."""
    compiled = ev.compiled
    stock = np.clip(np.nan_to_num(compiled.stock_days, nan=0.0), 0.0, None)
    disruption = max(ev.settings.disruption_days, 1.0)
    values = 100.0 * np.clip(1.0 - stock / disruption, 0.0, 1.0)

    def explain(p: int) -> str:
        given = "" if not np.isnan(compiled.stock_days[p]) else " (stock not given: counted as none)"
        return f"{stock[p]:g} days of stock against a {disruption:g}-day disruption{given}"

    return FactorResult(values, PartTexts(explain))


def single_source(ev: FactorInputs) -> FactorResult:
    """100 × the largest supplier's share of the part's volume (volume no supply path covers counts as one
    unknown supplier)."""
    compiled = ev.compiled
    n_parts = compiled.n_parts
    # Sum shares per (part, supplier), then the maximum per part over the sorted keys (reduceat over each part's
    # run, much faster than np.maximum.at).
    width = len(compiled.supplier_ids) + 1
    keys, inverse = np.unique(compiled.path_part.astype(np.int64) * width + compiled.supplier_codes,
                              return_inverse=True)
    supplier_share = np.bincount(inverse, weights=compiled.share)
    owners = keys // width
    largest = np.zeros(n_parts)
    if len(keys):
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        largest[owners[starts]] = np.maximum.reduceat(supplier_share, starts)
    values = 100.0 * np.clip(largest, 0.0, 1.0)

    def explain(p: int) -> str:
        rows = ev.paths_of(p)
        if not len(rows):
            return "no supply volume"
        totals: dict[str, float] = {}
        for row in rows:
            supplier = str(compiled.path_supplier[row])
            totals[supplier] = totals.get(supplier, 0.0) + float(compiled.share[row])
        supplier, share = max(totals.items(), key=lambda item: item[1])
        who = "no known supplier (volume no supply path covers)" if supplier == UNASSIGNED_SUPPLIER else supplier
        return f"the largest supplier, {who}, holds {share:.0%} of the part's volume"

    return FactorResult(values, PartTexts(explain))


FACTORS: Mapping[str, Callable[[FactorInputs], FactorResult]] = {
    "restriction": restriction,
    "concentration": concentration,
    "transparency": transparency,
    "price": price,
    "buffer": buffer,
    "single_source": single_source,
}
"""The factors in the order of `riskdesk.core.project.FACTOR_NAMES`."""
