"""Which control rules meet which supply paths on a date, and how much each one counts.

A rule meets a path at a stage when the stage's country is one the rule names and the path is in the rule's
scope (buyer, end use, family, what the magnet contains, where it is made). Where the stage's country is not
known the meeting is *possible*: RiskDesk cannot rule it out and counts it as if it happened (unknown origin is
scored as the worst case, so that hiding an origin never lowers a score).

How much a rule counts on a date ("timing"): in force, its full effect weight; announced or suspended with a
known date to bind, a watch item's weight growing to the full weight as that date comes within the time it
takes to re-source the part; status unknown (after a suspension ended with no news), half its weight, because
it may be in force today. See docs/method.md, "Rules not yet binding".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from riskdesk.core.compiled import (
    DFARS_DEFAULT,
    DFARS_YES,
    END_USES,
    FAMILIES,
    N_EL,
    N_STAGES,
    SYMBOLS,
    UNKNOWN,
    CompiledProject,
)
from riskdesk.core.domain import STAGES, Effect, EndUse, MagnetFamily, Stage
from riskdesk.core.project import ProjectSettings
from riskdesk.core.reference import ReferenceData
from riskdesk.core.rules import (
    ALL,
    BUYERS_US_DEFENCE,
    RULE_STAGES,
    ControlRule,
    RuleState,
    RuleStatus,
    expand_countries,
)
from riskdesk.core.value_share import controlled_symbols, value_shares

EFFECT_WEIGHT: Mapping[Effect, float] = {
    Effect.PROHIBITED: 1.0,
    Effect.LICENCE: 0.6,
    Effect.TARIFF: 0.4,
    Effect.BENCHMARK: 0.25,
    Effect.WATCH: 0.1,
}
"""How much of an element's value counts as restricted when a rule of this effect binds it. A tariff weighs by its
rate instead (`tariff_weight`); its entry here is kept for a tariff given without a rate."""
WATCH_WEIGHT = EFFECT_WEIGHT[Effect.WATCH]
CHINA = "CN"
"""The origin whose export controls the control list carries: volume through it earns no diversification credit
(single source, concentration, the EU benchmark; docs/method.md, "Supply through China")."""


def tariff_weight(rate_pct: float | None) -> float:
    """How much a duty of `rate_pct` % weighs: the share of the landed price that is duty, rate / (100 + rate), and at
    least the watch weight (so that a low duty taking effect never weighs less than while it was announced).
    10 % → 0.1, 20 % → 0.17, 25 % → 0.2, 45 % → 0.31."""
    if rate_pct is None:
        return EFFECT_WEIGHT[Effect.TARIFF]
    rate = max(float(rate_pct), 0.0)
    return max(WATCH_WEIGHT, rate / (100.0 + rate))


def full_weight(rule: ControlRule, day: dt.date | None) -> float:
    """The weight of `rule` when it binds on `day`: its effect weight, or for a tariff the weight of its rate then."""
    if rule.effect is Effect.TARIFF:
        return tariff_weight(rule.rate_on(day))
    return EFFECT_WEIGHT.get(rule.effect, 0.0)
UNKNOWN_STATUS_SHARE = 0.5
"""A rule whose status is unknown counts this share of its effect weight (it may be in force today)."""
GENERAL_LICENCE_RELIEF = 0.5
"""A supplier's Chinese general licence halves the weight of the magnet-export licence on its paths."""

PROHIBITED_FLOOR = 90.0
"""A part with a prohibited path, or one that may be prohibited because an origin is unknown, scores at least this."""
RED_FLOOR = 70.0
"""A part that may soon be prohibited (due within the re-sourcing time, or status unknown) scores at least this."""

N_RULE_STAGES = len(RULE_STAGES)
ASSEMBLY = RULE_STAGES.index(Stage.ASSEMBLY)
MAGNET = STAGES.index(Stage.MAGNET)


@dataclass(frozen=True)
class Timing:
    """How much a rule counts on a date, per part, and the score floor it sets where it meets a path."""

    weight: np.ndarray
    """Per part: the weight (0 … 1) of the part's value the rule meets."""
    floor: float
    """0 for none, RED_FLOOR or PROHIBITED_FLOOR (prohibitions only)."""
    binding: bool
    """Listed as a hit (in force, or treated as in force) rather than as a watch item."""
    summary: str
    """How the timing counts, in words: "in force", "due 2027-01-01, in 33 days: counts 0.84 of 1", …"""
    full: float = 0.0
    """The weight the rule has once it binds (its effect weight; a tariff's by its rate then): `weight / full` is
    the share of the rule that counts on the date."""
    rate_pct: float | None = None
    """A tariff's rate when it binds (the rate on the date, or on the day it is due)."""

    @property
    def uniform(self) -> float | None:
        """The weight when it is the same for every part (most rules), else None."""
        if not len(self.weight):
            return 0.0
        first = float(self.weight[0])
        return first if bool((self.weight == first).all()) else None


@dataclass
class RuleMatch:
    """One rule against every supply path of a compiled project, on one date."""

    rule: ControlRule
    state: RuleState
    timing: Timing
    element_mask: np.ndarray
    """(elements,) which element columns the rule concerns (all of them for a whole-magnet rule)."""
    hit_bits: np.ndarray
    """Per path: bit s set where the country of rule stage s (`RULE_STAGES`) is one the rule names."""
    unknown_bits: np.ndarray
    """Per path: bit s set where the country of rule stage s is unknown and could be one the rule names."""
    prior: np.ndarray
    """(rule stages,) world share of the rule's countries at each stage (the magnet stage's for assembly)."""
    benchmark: BenchmarkFlags | None = None
    relieved: bool = False
    """A supplier's Chinese general licence relieves this rule on the date: the rule allows it and general licences
    had been reported by then (`ControlList.general_licences_from`, 2025-12-02; FACTS §1.3)."""

    @property
    def confirmed(self) -> np.ndarray:
        return self.hit_bits != 0

    @property
    def possible(self) -> np.ndarray:
        """Per path: the rule may meet it (an unknown stage) and no known stage does."""
        return (self.hit_bits == 0) & (self.unknown_bits != 0)

    @property
    def met(self) -> np.ndarray:
        return (self.hit_bits | self.unknown_bits) != 0


@dataclass
class BenchmarkFlags:
    """Where a dependency benchmark (EU CRMA 65 %) is exceeded on the buyer's own kg, element by element."""

    threshold: float
    """As a fraction."""
    flagged: np.ndarray
    """(paths × element columns × stages) the path's element passes the stage in a country over the threshold."""
    possible: np.ndarray
    """(paths × element columns × stages) the stage's country is unknown and could be one over the threshold."""
    over: dict[tuple[int, int], frozenset[str]]
    """(element, stage) → the third countries over the threshold there (unknown origins counted as theirs)."""
    judged: dict[tuple[int, int], dict[str, float]] = field(default_factory=dict)
    """(element, stage) → the share each third country is judged on there (0 … 1): its own with the unknown
    origin's and China's counted in; for China, the largest of those (China is flagged wherever a country is over
    with China's share counted in); under "" the largest of them all (the unknown-origin row is flagged when
    any country is)."""

    def per_column(self) -> np.ndarray:
        """(paths × element columns) the path's element is flagged (or possibly flagged) at any stage."""
        return (self.flagged | self.possible).any(axis=2)


def rule_timing(rule: ControlRule, state: RuleState, day: dt.date, stock_days: np.ndarray,
                horizon_days: float) -> Timing:
    """How much `rule` counts on `day` for each part (stock matters only for rules other than prohibitions:
    stock bridges a licence delay or postpones a tariff, but cannot make a prohibited magnet compliant)."""
    n = len(stock_days)
    full = full_weight(rule, day)
    rate = rule.rate_on(day) if rule.effect is Effect.TARIFF else None
    prohibited = rule.effect is Effect.PROHIBITED
    if rule.effect is Effect.WATCH:
        return Timing(np.full(n, WATCH_WEIGHT), 0.0, False, f"watch item ({state.status.value})", WATCH_WEIGHT)
    if state.effective:
        floor = PROHIBITED_FLOOR if prohibited else 0.0
        said = "in force" if state.status is RuleStatus.IN_FORCE else f"{state.status.value}, treated as in force"
        return Timing(np.full(n, full), floor, True, said, full, rate)
    uncertain = max(WATCH_WEIGHT, UNKNOWN_STATUS_SHARE * full)
    if state.status is RuleStatus.UNKNOWN:
        return Timing(np.full(n, uncertain), RED_FLOOR if prohibited else 0.0, False,
                      f"status unknown: counts {uncertain:.2g} of {full:.2g}, as it may be in force today", full, rate)
    days = state.days_until_binding(day)
    if days is None or state.binds_as is None:
        return Timing(np.full(n, WATCH_WEIGHT), 0.0, False, f"watch item ({state.status.value})", full, rate)
    if rule.effect is Effect.TARIFF:
        rate = rule.rate_on(state.binds_on)
        full = full_weight(rule, state.binds_on)
        uncertain = max(WATCH_WEIGHT, UNKNOWN_STATUS_SHARE * full)
    target = full if state.binds_as is RuleStatus.IN_FORCE else uncertain
    stock = np.zeros(n) if prohibited else np.nan_to_num(stock_days, nan=0.0)
    lead = days + np.clip(stock, 0.0, None)
    urgency = np.clip(1.0 - lead / horizon_days, 0.0, 1.0) if horizon_days > 0 else (lead <= 0).astype(float)
    weight = WATCH_WEIGHT + (max(target, WATCH_WEIGHT) - WATCH_WEIGHT) * urgency
    soon = days <= horizon_days
    floor = RED_FLOOR if prohibited and soon else 0.0
    binds = "in force" if state.binds_as is RuleStatus.IN_FORCE else "of unknown status"
    summary = (f"{rule.effect_label} from {state.binds_on} ({binds}), in {days} days; counts more as that date "
               f"comes within the {horizon_days:g} days it takes to re-source"
               + ("" if prohibited else ", later by the days of stock on hand"))
    return Timing(weight, floor, False, summary, max(target, WATCH_WEIGHT), rate)


def match_rules(compiled: CompiledProject, kg: np.ndarray, columns: np.ndarray, day: dt.date,
                settings: ProjectSettings, reference: ReferenceData) -> list[RuleMatch]:
    """Every rule that can bind or be watched on `day`, matched against every path."""
    groups = {name: reference.countries.members(name) for name in reference.countries.groups}
    buyer = settings.import_country.upper()
    magnet = compiled.country[:, MAGNET]
    scope = _ScopeCache(compiled, settings)
    licences_from = reference.control_list.general_licences_from
    matches: list[RuleMatch] = []
    # Rules naming the same countries at the same stages share their per-path stage bits (before scope).
    raw_bits: dict[tuple[frozenset[str], frozenset[str], frozenset[Stage]], tuple[np.ndarray, np.ndarray,
                                                                               np.ndarray]] = {}
    for rule in reference.control_list.rules:
        if rule.effect is Effect.INFO:
            continue
        state = rule.state_on(day, settings.suspended_rules_in_force)
        if not (state.effective or state.status.watched):
            continue
        if rule.import_countries and not _buyer_in(expand_countries(rule.import_countries, groups), buyer):
            continue
        if rule.not_import_countries and buyer in expand_countries(rule.not_import_countries, groups):
            continue
        part_ok = scope.parts(rule)
        path_ok = None if part_ok.all() else part_ok[compiled.path_part]
        if rule.made_outside:
            inside = _country_mask(compiled, expand_countries(rule.made_outside, groups), frozenset())
            path_ok = _and(path_ok, ~inside[magnet])
        if rule.exported:
            path_ok = _and(path_ok, ~_country_mask(compiled, frozenset({buyer}), frozenset())[magnet])
        if rule.value_share_min_pct is not None:
            shares = value_shares(compiled.wt_pct, scope.prices(reference), controlled_symbols(rule)) * 100.0
            path_ok = _and(path_ok, (shares >= rule.value_share_min_pct)[compiled.path_part])
        countries = expand_countries(rule.countries, groups)
        excluded = expand_countries(rule.not_countries, groups)
        key = (countries, excluded, rule.stages)
        if key not in raw_bits:
            raw_bits[key] = _stage_bits_for(compiled, reference, *key)
        all_hits, all_unknown, prior = raw_bits[key]
        if path_ok is None:
            hit_bits, unknown_bits = all_hits, all_unknown
        else:
            hit_bits, unknown_bits = all_hits * path_ok, all_unknown * path_ok
        element_mask = np.ones(N_EL, dtype=bool) if rule.whole_magnet else np.isin(SYMBOLS, list(rule.elements))
        timing = rule_timing(rule, state, day, compiled.stock_days, settings.resourcing_days)
        relieved = rule.general_licence and (licences_from is None or day >= licences_from)
        match = RuleMatch(rule, state, timing, element_mask, hit_bits, unknown_bits, prior, relieved=relieved)
        if rule.effect is Effect.BENCHMARK:
            in_scope = np.ones(compiled.n_paths, dtype=bool) if path_ok is None else path_ok
            flags = _benchmark(rule, compiled, kg, columns, element_mask, in_scope, excluded)
            match.benchmark = flags
            match.hit_bits = _stage_bits(flags.flagged)
            match.unknown_bits = _stage_bits(flags.possible) & ~match.hit_bits
        matches.append(match)
    return matches


def _and(mask: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    return other if mask is None else mask & other


def _stage_bits_for(compiled: CompiledProject, reference: ReferenceData, countries: frozenset[str],
                    excluded: frozenset[str], stages: frozenset[Stage]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per path, before any scope: bit s set where rule stage s's country is one named (hits) or unknown while
    a named country has a world share there (possible); and the world shares (prior) per rule stage. Computed on
    the distinct routes, then spread to paths."""
    country_ok = _country_mask(compiled, countries, excluded)
    prior = np.array([_prior(reference, stage, countries, excluded) if stage in stages else 0.0
                      for stage in RULE_STAGES])
    routes = compiled.routes
    hit_bits = np.zeros(len(routes), dtype=np.uint8)
    unknown_bits = np.zeros(len(routes), dtype=np.uint8)
    for s, stage in enumerate(RULE_STAGES):
        if stage not in stages:
            continue
        hit_bits |= country_ok[routes[:, s]].astype(np.uint8) << s
        if prior[s] > 0:
            unknown_bits |= (routes[:, s] == UNKNOWN).astype(np.uint8) << s
    return hit_bits[compiled.route], unknown_bits[compiled.route], prior


class _ScopeCache:
    """Per-part scope masks, computed once per evaluation and shared by the rules that ask the same question."""

    def __init__(self, compiled: CompiledProject, settings: ProjectSettings) -> None:
        self.compiled = compiled
        self.us_defence = _us_defence_parts(compiled, settings)
        self._held: dict[frozenset[str], np.ndarray] = {}
        self._basis = settings.price_basis
        self._prices: np.ndarray | None = None

    def prices(self, reference: ReferenceData) -> np.ndarray:
        """Reference prices per element on the project's basis (for a rule's value test), read once."""
        if self._prices is None:
            self._prices = np.array([reference.prices.reference_price(s, self._basis)[0] for s in SYMBOLS])
        return self._prices

    def _codes(self, codes: np.ndarray, allowed: list[int], size: int) -> np.ndarray:
        lookup = np.zeros(size, dtype=bool)
        lookup[allowed] = True
        return lookup[codes]

    def holds(self, symbols: frozenset[str]) -> np.ndarray:
        if symbols not in self._held:
            self._held[symbols] = self.compiled.wt_pct[:, np.isin(SYMBOLS, list(symbols))].sum(axis=1) > 0
        return self._held[symbols]

    def parts(self, rule: ControlRule) -> np.ndarray:
        """Per part: whether the rule concerns it (buyer group, end use, family, what the magnet contains)."""
        compiled = self.compiled
        ok = np.ones(compiled.n_parts, dtype=bool)
        if rule.applies_to == BUYERS_US_DEFENCE:
            ok &= self.us_defence
        if rule.end_uses:
            ok &= self._codes(compiled.end_use, [END_USES.index(e) for e in rule.end_uses], len(END_USES))
        families = ([FAMILIES.index(f) for f in rule.families] if rule.families
                    else [i for i, f in enumerate(FAMILIES) if f.rare_earth_magnet])
        ok &= self._codes(compiled.family, families, len(FAMILIES))
        if rule.contains:
            holds = np.zeros(compiled.n_parts, dtype=bool)
            for family_value, symbols in rule.contains.items():
                in_family = (np.ones(compiled.n_parts, dtype=bool) if family_value == ALL
                             else compiled.family == FAMILIES.index(MagnetFamily(family_value)))
                holds |= in_family & self.holds(symbols)
            ok &= holds
        return ok


def _us_defence_parts(compiled: CompiledProject, settings: ProjectSettings) -> np.ndarray:
    """Per part: delivered into US defence contracts (its own DFARS answer, else the project setting for defence
    parts)."""
    defence = compiled.end_use == END_USES.index(EndUse.DEFENCE)
    default = defence & settings.supplies_us_defence
    return np.where(compiled.dfars == DFARS_DEFAULT, default, compiled.dfars == DFARS_YES)


def _country_mask(compiled: CompiledProject, codes: frozenset[str], excluded: frozenset[str]) -> np.ndarray:
    """(countries + 1,) bool over the compiled vocabulary; the last slot (index -1 = UNKNOWN) is always False."""
    vocabulary = compiled.countries
    mask = np.ones(len(vocabulary), dtype=bool) if ALL in codes else np.isin(vocabulary, list(codes))
    if excluded:
        mask &= ~np.isin(vocabulary, list(excluded))
    mask &= vocabulary != ""
    return np.append(mask, False)


def _prior(reference: ReferenceData, stage: Stage, countries: frozenset[str], excluded: frozenset[str]) -> float:
    """World share of the rule's countries at a stage (where the delivered part is made: the magnet stage's)."""
    stage = Stage.MAGNET if stage is Stage.ASSEMBLY else stage
    market = reference.market
    if ALL in countries:
        return max(0.0, 1.0 - sum(market.world_share(stage, c) for c in excluded))
    return min(1.0, sum(market.world_share(stage, c) for c in countries - excluded))


def _buyer_in(rule_countries: frozenset[str], buyer: str) -> bool:
    return ALL in rule_countries or buyer in rule_countries


def _stage_bits(flags: np.ndarray) -> np.ndarray:
    """Per path: bit s set where any element column is flagged at stage s of a (paths × columns × stages) array."""
    bits = np.zeros(flags.shape[0], dtype=np.uint8)
    for s in range(flags.shape[2]):
        bits |= flags[:, :, s].any(axis=1).astype(np.uint8) << s
    return bits


def _benchmark(rule: ControlRule, compiled: CompiledProject, kg: np.ndarray, columns: np.ndarray,
               element_mask: np.ndarray, path_ok: np.ndarray, excluded: frozenset[str]) -> BenchmarkFlags:
    """Flags of a dependency benchmark on the buyer's own kg per element and stage. An unknown origin counts as
    the worst case: a third country is over the threshold if its share plus the unknown share exceeds it. Supply
    through China earns no diversification credit: China's share is counted with every other third country's, so
    that adding Chinese supply never brings another country under the threshold, and China's paths are flagged
    wherever a country is over it with China's share counted in (docs/method.md, "Supply through China")."""
    assert rule.threshold_pct is not None  # the control list refuses a benchmark without its threshold
    threshold = rule.threshold_pct / 100.0
    vocabulary = compiled.countries
    n_c = len(vocabulary)
    third = np.array([bool(c) and c not in excluded for c in vocabulary], dtype=bool)
    is_china = np.array([c == CHINA for c in vocabulary], dtype=bool) & third
    flagged = np.zeros((compiled.n_paths, len(columns), N_STAGES), dtype=bool)
    possible = np.zeros_like(flagged)
    over: dict[tuple[int, int], frozenset[str]] = {}
    judged: dict[tuple[int, int], dict[str, float]] = {}
    for s in range(N_STAGES):
        codes = np.where(compiled.country[:, s] == UNKNOWN, n_c, compiled.country[:, s])
        unknown = codes == n_c
        for j, e in enumerate(columns):
            if not element_mask[e]:
                continue
            weights = np.where(path_ok, kg[:, j], 0.0)
            by_country = np.bincount(codes, weights=weights, minlength=n_c + 1)
            total = by_country.sum()
            if total <= 0:
                continue
            shares = by_country[:n_c] / total
            unknown_share = by_country[n_c] / total
            china_share = float(shares[is_china].sum())
            worst = np.where(third, shares + unknown_share + np.where(is_china, 0.0, china_share), 0.0)
            countries_over = worst > threshold
            if countries_over.any():
                countries_over |= is_china & (shares > 0)
            held = (kg[:, j] > 0) & path_ok
            flagged[:, j, s] = np.append(countries_over, False)[codes] & held
            if unknown_share > 0 and max(worst.max(initial=0.0), unknown_share + china_share) > threshold:
                possible[:, j, s] = unknown & held
            if countries_over.any():
                over[(int(e), s)] = frozenset(str(c) for c in vocabulary[countries_over])
            # China is judged on the largest share any third country makes with China's counted in (no credit).
            judged[(int(e), s)] = {
                **{str(vocabulary[i]): float(worst.max() if is_china[i] else worst[i])
                   for i in np.flatnonzero(third & ((shares > 0) | countries_over))},
                "": float(worst.max(initial=0.0))}
    return BenchmarkFlags(threshold, flagged, possible, over, judged)


def path_bits(bits: int) -> list[int]:
    """The stage positions set in one path's bit mask."""
    return [s for s in range(N_RULE_STAGES) if int(bits) >> s & 1]


__all__ = [
    "ASSEMBLY",
    "CHINA",
    "EFFECT_WEIGHT",
    "GENERAL_LICENCE_RELIEF",
    "PROHIBITED_FLOOR",
    "RED_FLOOR",
    "UNKNOWN_STATUS_SHARE",
    "WATCH_WEIGHT",
    "BenchmarkFlags",
    "RuleMatch",
    "Timing",
    "full_weight",
    "match_rules",
    "path_bits",
    "rule_timing",
    "tariff_weight",
]
