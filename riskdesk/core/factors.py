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
from riskdesk.core.domain import STAGES, Effect, Evidence, Stage
from riskdesk.core.project import ProjectSettings
from riskdesk.core.reference import ReferenceData
from riskdesk.core.rule_match import CHINA, GENERAL_LICENCE_RELIEF, WATCH_WEIGHT, RuleMatch


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
ASSEMBLY_TRANSPARENCY_WEIGHT = 0.1
"""Added to a path's transparency penalty where the supplier's country (where the part is made) is not given, up to
a penalty of 1: the four stage weights above keep their meaning, and a blank supplier country never reads as known
(docs/method.md, review V1)."""
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
    breakdown: Mapping[str, np.ndarray] | None = None
    """Per kind of contribution (restriction: `RESTRICTION_KINDS`), per part, 0 … 100: what that kind alone gives."""


def _per_part(ev: FactorInputs, per_path: np.ndarray) -> np.ndarray:
    return np.bincount(ev.compiled.path_part, weights=per_path, minlength=ev.compiled.n_parts)


def _rule_path_weight(ev: FactorInputs, match: RuleMatch) -> np.ndarray:
    """Per path: how heavily a (non-benchmark) rule weighs where it meets the path, known or possible."""
    compiled = ev.compiled
    uniform = match.timing.uniform
    met = match.met
    weight = met * uniform if uniform is not None else match.timing.weight[compiled.path_part] * met
    if match.relieved:
        weight = np.where(compiled.general_licence, weight * GENERAL_LICENCE_RELIEF, weight)
    return weight


RESTRICTION_KINDS: Mapping[str, str] = {
    "export_control": "export controls and prohibitions (licences, bans, DFARS)",
    "tariff": "import duties (stacked, by rate)",
    "benchmark": "EU CRMA 65 % dependency benchmark (a 2030 Union target, not a company duty)",
    "watch": "watch items (reach unknown or coverage disputed)",
}
"""The kinds of rule the restriction factor combines, keyed as in `score --json` ("restriction_breakdown"), each
with what it is in the buyer's words (review W3: a figure must say which kind it comes from)."""


def _kind(match: RuleMatch) -> str:
    """Which of `RESTRICTION_KINDS` a rule adds to; a watch item on a tariff (a disputed coverage, Section 301 on
    ferrite) is a duty that counts at the watch weight."""
    effect = match.rule.effect
    if match.benchmark is not None or effect is Effect.BENCHMARK:
        return "benchmark"
    if effect is Effect.TARIFF or (effect is Effect.WATCH and match.rule.rate_pct is not None):
        return "tariff"
    return "watch" if effect is Effect.WATCH else "export_control"


def _counted_rate(ev: FactorInputs, match: RuleMatch) -> np.ndarray:
    """Per path: the tariff rate (%) that counts where the tariff meets the path, its rate × the share of it that
    counts on the date (timing weight / full weight; for a watch item on a tariff, the watch weight)."""
    met = _rule_path_weight(ev, match) > 0
    if match.rule.effect is Effect.WATCH:
        return (match.rule.rate_on(ev.as_of) or 0.0) * WATCH_WEIGHT * met
    if match.timing.rate_pct is None or match.timing.full <= 0:
        return np.zeros(ev.compiled.n_paths)
    share = np.clip(_rule_path_weight(ev, match) / match.timing.full, 0.0, 1.0)
    return match.timing.rate_pct * share


def restriction(ev: FactorInputs) -> FactorResult:
    """Share of the part's element value that passes a stage under a rule (or may: origin unknown), each element
    weighted by what binds it there, by kind: export controls and watch items by the heaviest one (prohibited 1,
    licence 0.6, watch 0.1); import duties stacked, their rates (as they count on the date) added up and weighed
    as the share of the landed price that is duty, rate / (100 + rate); the EU dependency benchmark 0.25; the kinds
    combined as 1 − Π(1 − weight), so that each adds to the others and none can lower them. Timing: 1 in force,
    less while only announced or of unknown status. Where the part has no priced content the same is measured by
    mass."""
    compiled = ev.compiled
    path_part = compiled.path_part
    value = ev.value_c
    part_value = ev.part_value_c.sum(axis=1)
    part_kg = ev.part_kg_c.sum(axis=1)
    by_mass = (part_value <= 0) & (part_kg > 0)
    measure = value if not by_mass.any() else np.where(by_mass[path_part][:, None], ev.kg_c, value)

    rules = [m for m in ev.matches if m.benchmark is None]
    kinds = [_kind(m) for m in rules]
    weights = [_rule_path_weight(ev, m) for m in rules]
    rates = [_counted_rate(ev, m) if kind == "tariff" else np.zeros(0) for m, kind in zip(rules, kinds, strict=True)]
    benchmark_weights = [(m.timing.uniform if m.timing.uniform is not None
                          else m.timing.weight[path_part][:, None]) * m.benchmark.per_column()
                         for m in ev.matches if m.benchmark is not None]
    n_paths = compiled.n_paths
    totals = {kind: np.zeros(n_paths) for kind in (*RESTRICTION_KINDS, "combined")}
    under_rule = np.zeros(n_paths)
    # Elements that the same rules concern share their weight vectors: the work grows with rules and element
    # groups, not with paths × elements × rules.
    groups: dict[tuple[int, ...], list[int]] = {}
    for j, e in enumerate(ev.columns):
        signature = tuple(i for i, m in enumerate(rules) if m.element_mask[e])
        groups.setdefault(signature, []).append(j)
    for signature, columns in groups.items():
        control = np.zeros(n_paths)
        watch = np.zeros(n_paths)
        duty_rate = np.zeros(n_paths)
        duty_least = np.zeros(n_paths)
        for i in signature:
            kind = kinds[i]
            if kind == "tariff":
                duty_rate += rates[i]
                duty_least = np.maximum(duty_least, weights[i])
            elif kind == "watch":
                watch = np.maximum(watch, weights[i])
            else:
                control = np.maximum(control, weights[i])
        duty = np.maximum(duty_rate / (100.0 + duty_rate), duty_least)
        controls = np.maximum(control, watch)
        base = 1.0 - (1.0 - controls) * (1.0 - duty)
        rest = 1.0 - base
        # A kind no rule of the group has adds nothing (its terms are zeros), and without a benchmark each column's
        # combined weight is the group's: both skipped, the arithmetic otherwise as it is.
        kinds_here = [(kind, vector) for kind, vector in (("export_control", control), ("watch", watch),
                                                          ("tariff", duty)) if vector.any()]
        without_benchmark = 1.0 - rest
        counted_without = without_benchmark > 0
        for j in columns:
            amount = measure[:, j]
            combined, counted = without_benchmark, counted_without
            if benchmark_weights:
                bench = np.zeros(n_paths)
                for flags in benchmark_weights:
                    bench = np.maximum(bench, flags[:, j])
                combined = 1.0 - rest * (1.0 - bench)
                counted = combined > 0
                totals["benchmark"] += amount * bench
            totals["combined"] += amount * combined
            for kind, vector in kinds_here:
                totals[kind] += amount * vector
            under_rule += amount * counted
    total = np.where(by_mass, part_kg, part_value)
    safe = np.where(total > 0, total, 1.0)
    under_part = _per_part(ev, under_rule)
    values = np.clip(100.0 * _per_part(ev, totals["combined"]) / safe, 0.0, 100.0)
    breakdown = {kind: np.clip(100.0 * _per_part(ev, totals[kind]) / safe, 0.0, 100.0) for kind in RESTRICTION_KINDS}

    def explain(p: int) -> str:
        if total[p] <= 0:
            return "no element content (magnet mass or annual units are zero)"
        what = (f"element value (${part_value[p]:,.0f} a year)" if not by_mass[p]
                else f"element mass ({part_kg[p]:,.3g} kg a year; no priced content)")
        share = under_part[p] / total[p]
        if share <= 0:
            return f"none of the part's {what} passes a stage under a rule on this date"
        kinds_said = "; ".join(f"{RESTRICTION_KINDS[kind]} {breakdown[kind][p]:.0f}"
                               for kind in RESTRICTION_KINDS if breakdown[kind][p] > 0)
        return (f"{share:.0%} of the part's {what} passes a stage under a rule, or may (origin unknown); weighted "
                f"by effect (prohibited 1, licence 0.6, watch 0.1, the heaviest; duties stacked, rate / (100 + "
                f"rate); benchmark 0.25; kinds combined as 1 − Π(1 − weight)) and timing (rules not yet binding or "
                f"of unknown status count less) that is {values[p]:.0f} of 100. By kind: {kinds_said}")

    return FactorResult(values, PartTexts(explain), breakdown)


def _pooled_with_china(counted: np.ndarray, named: np.ndarray, china: int,
                       governance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per part: the governed concentration of one stage's shares (`counted`: parts × countries + 1 unknown) with
    China's share counted as if it came from whichever of the countries the part names there (or China itself)
    gives the highest value, or, where some of the stage's volume is of unknown origin, as if it were of unknown
    origin too; and where it was put (a country position, the unknown column, or -1 for China itself or no China
    share).
    The value is the worst case over every way of putting China's share back, so moving volume into China can
    never lower it (every arrangement reachable before is reachable after)."""
    totals = counted.sum(axis=1, keepdims=True)
    value = _governed_concentration(counted / np.where(totals > 0, totals, 1.0), governance)[0]
    target = np.full(len(counted), -1, dtype=np.int64)
    if china < 0:
        return value, target
    rows = np.flatnonzero(counted[:, china] > 0)
    if not len(rows):
        return value, target
    base = counted[rows] / np.where(totals[rows] > 0, totals[rows], 1.0)
    n_c = len(governance)
    allowed = np.column_stack([named[rows], base[:, n_c] > 0])
    for k in np.flatnonzero(allowed.any(axis=0)):
        if k == china:
            continue
        at = np.flatnonzero(allowed[:, k])  # only the parts that may put China's share there
        moved = base[at]
        moved[:, k] += moved[:, china]
        moved[:, china] = 0.0
        candidate = _governed_concentration(moved, governance)[0]
        better = candidate > value[rows[at]] + 1e-12
        value[rows[at[better]]] = candidate[better]
        target[rows[at[better]]] = k
    return value, target


def concentration(ev: FactorInputs) -> FactorResult:
    """Worst stage of the governance-weighted concentration of the part's volume by country: half the
    share-weighted governance Σ s·g, half the EU's HHI × governance Σ s²·g (0 best … 10 worst, × 10). Volume of
    unknown origin counts as the worst case: added to whichever known country, or to a country of the worst
    governance, raises the value most. Volume through China earns no diversification credit: China's share counts
    as if it came from whichever of the part's countries at that stage (or China) raises the value most."""
    compiled = ev.compiled
    reference = ev.reference
    vocabulary = list(compiled.countries)
    n_c = len(vocabulary)
    n_parts = compiled.n_parts
    governance = np.array([reference.countries.governance(c) if c else WORST_GOVERNANCE for c in vocabulary])
    china = vocabulary.index(CHINA) if CHINA in vocabulary else -1
    worst = np.full(n_parts, -1.0)
    worst_stage = np.zeros(n_parts, dtype=np.int64)
    pooled_into = np.full(n_parts, -1, dtype=np.int64)
    for s in range(len(STAGES)):
        named = _stage_shares_named(ev, s, n_c)
        value, target = _pooled_with_china(ev.stage_shares[s], named, china, governance)
        value = 10.0 * value
        larger = value > worst
        worst = np.where(larger, value, worst)
        worst_stage = np.where(larger, s, worst_stage)
        pooled_into = np.where(larger, target, pooled_into)
    values = np.clip(worst, 0.0, 100.0)

    def explain(p: int) -> str:
        s = int(worst_stage[p])
        rows = ev.paths_of(p)
        shares = _stage_shares(np.zeros(len(rows), dtype=np.int64), compiled.country[rows, s], compiled.share[rows],
                               1, n_c)
        k = int(pooled_into[p])
        pooled = ""
        if k >= 0:
            where = "unknown origin" if k == n_c else reference.countries.name(vocabulary[k])
            pooled = (f"{shares[0, china]:.0%} through China counted as if from {where} (supply through China is "
                      "no diversification)")
            shares[0, k] += shares[0, china]
            shares[0, china] = 0.0
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
        if pooled:
            parts.append(pooled)
        if unknown > 0:
            sink_name = (reference.countries.name(vocabulary[sink[0]]) if sink[0] >= 0
                         else f"a country of the worst governance ({WORST_GOVERNANCE:g})")
            parts.append(f"{unknown:.0%} of unknown origin, counted as the worst case: {sink_name}")
        return (f"{'; '.join(parts)}. Governance-weighted concentration {values[p] / 10:.2f} of 10 (half the "
                "share-weighted governance, half the EU's HHI × governance)")

    return FactorResult(values, PartTexts(explain))


def _stage_shares_named(ev: FactorInputs, s: int, n_c: int) -> np.ndarray:
    """(parts × countries) whether any of the part's supply paths names the country at stage s (whatever its
    share)."""
    compiled = ev.compiled
    codes = compiled.country[:, s]
    known = codes != UNKNOWN
    counts = np.bincount(compiled.path_part[known] * max(n_c, 1) + codes[known],
                         minlength=compiled.n_parts * max(n_c, 1))
    named: np.ndarray = counts.reshape(compiled.n_parts, max(n_c, 1))[:, :n_c] > 0
    return named


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
    """(paths × STAGES): how each stage's country is known (position in `EVIDENCE`) as the transparency factor
    counts it on the as-of date: the stage's own evidence, else the path's, one step less sure where the path's
    declaration is stale (`STALE_EVIDENCE`)."""
    evidence = ev.compiled.stage_evidence
    stale = stale_declarations(ev)
    if not stale.any():
        return evidence
    step = np.array([EVIDENCE.index(STALE_EVIDENCE[e]) for e in EVIDENCE])
    return np.where(stale[:, None], step[evidence], evidence)


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
    made_in_unknown = compiled.assembly == UNKNOWN
    penalty = np.where(unknown, 1.0, evidence_penalty) @ stage_weight
    penalty = np.minimum(penalty + ASSEMBLY_TRANSPARENCY_WEIGHT * made_in_unknown, 1.0)
    values = np.clip(100.0 * _per_part(ev, penalty * compiled.share), 0.0, 100.0)

    def explain(p: int) -> str:
        rows = ev.paths_of(p)
        share = compiled.share[rows]
        unknown_weight = (unknown[rows] @ stage_weight) * share
        known = ~unknown[rows]
        words = [f"{unknown_weight.sum():.0%} unknown country (counts 1)"]
        for e, evidence_kind in enumerate(EVIDENCE):
            amount = float(((known & (evidence[rows] == e)) @ stage_weight) @ share)
            if amount > 0:
                words.append(f"{amount:.0%} {evidence_kind.value} (counts {EVIDENCE_PENALTY[evidence_kind]:g})")
        any_unknown = (unknown[rows].any(axis=1) * share).sum()
        made_in = (made_in_unknown[rows] * share).sum()
        where_made = (f"; {made_in:.0%} of the volume comes from a supplier whose country is not given (counts "
                      f"{ASSEMBLY_TRANSPARENCY_WEIGHT:g} more, up to 1)" if made_in > 0 else "")
        aged = share[stale[rows]].sum()
        old = (f"; {aged:.0%} of the volume has origins declared longer ago than {ev.settings.stale_months:g} "
               "months, counted one step less sure" if aged > 0 else "")
        return (f"of the part's stage-weighted origin: {', '.join(words)}; {any_unknown:.0%} of the volume has at "
                f"least one stage of unknown origin{where_made}{old}. Stages weigh mine 0.15, separation 0.35, "
                "metal 0.15, magnet 0.35")

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


def through_china(compiled: CompiledProject) -> np.ndarray:
    """Per path: the path passes China at some stage, or where the part is made, or may (a country not known)."""
    codes = np.column_stack([compiled.country, compiled.assembly])
    vocabulary = list(compiled.countries)
    china = vocabulary.index(CHINA) if CHINA in vocabulary else None
    maybe = (codes == UNKNOWN).any(axis=1)
    return maybe | ((codes == china).any(axis=1) if china is not None else False)


def single_source(ev: FactorInputs) -> FactorResult:
    """100 × the largest supplier's share of the part's volume (volume no supply path covers counts as one
    unknown supplier), plus the volume other suppliers bring through China (or maybe through China: an origin not
    known): a second source through China is no alternative to the first. Exactly: max over suppliers j of
    (share_j + China share of the others)."""
    compiled = ev.compiled
    n_parts = compiled.n_parts
    china_share = compiled.share * through_china(compiled)
    # Sum shares per (part, supplier), then the maximum per part over the sorted keys (reduceat over each part's
    # run, much faster than np.maximum.at).
    width = len(compiled.supplier_ids) + 1
    keys, inverse = np.unique(compiled.path_part.astype(np.int64) * width + compiled.supplier_codes,
                              return_inverse=True)
    supplier_share = np.bincount(inverse, weights=compiled.share)
    supplier_china = np.bincount(inverse, weights=china_share, minlength=len(keys))
    owners = keys // width
    part_china = np.bincount(owners, weights=supplier_china, minlength=n_parts) if len(keys) else np.zeros(n_parts)
    dependence = supplier_share + part_china[owners] - supplier_china if len(keys) else np.zeros(0)
    largest = np.zeros(n_parts)
    if len(keys):
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        largest[owners[starts]] = np.maximum.reduceat(dependence, starts)
    values = 100.0 * np.clip(largest, 0.0, 1.0)

    def explain(p: int) -> str:
        rows = ev.paths_of(p)
        if not len(rows):
            return "no supply volume"
        totals: dict[str, float] = {}
        china: dict[str, float] = {}
        for row in rows:
            supplier = str(compiled.path_supplier[row])
            totals[supplier] = totals.get(supplier, 0.0) + float(compiled.share[row])
            china[supplier] = china.get(supplier, 0.0) + float(china_share[row])
        everywhere = sum(china.values())
        supplier = max(totals, key=lambda name: totals[name] + everywhere - china[name])
        who = "no known supplier (volume no supply path covers)" if supplier == UNASSIGNED_SUPPLIER else supplier
        text = f"the largest supplier, {who}, holds {totals[supplier]:.0%} of the part's volume"
        others = everywhere - china[supplier]
        if others > 1e-9:
            text += (f"; {others:.0%} more comes from other suppliers through China (or an origin not known): no "
                     "alternative to it, so it counts with it")
        return text

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
