"""Exposure, rule hits, concentration and scores of a project as of a date, every figure with its reasons.

Two steps keep re-scoring cheap: `compile_project` (riskdesk.core.compiled) turns the project's tables into
arrays once per edit, and `evaluate` scores those arrays as of a date in a handful of vectorised numpy passes:
rule matching (riskdesk.core.rule_match), then the six factors (riskdesk.core.factors), then floors. Explanations
(hits, factor inputs) are only turned into objects when asked for, part by part (`Evaluation.part_report`).

The method, its formulas, defaults and invariants are published in docs/method.md; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from riskdesk.core import elements
from riskdesk.core.compiled import N_EL, SYMBOLS, UNKNOWN, CompiledProject, compile_project
from riskdesk.core.domain import STAGES, Effect, Stage
from riskdesk.core.factors import EVIDENCE_PENALTY, FACTORS, TRANSPARENCY_STAGE_WEIGHT, FactorResult, PartTexts
from riskdesk.core.project import FACTOR_NAMES, Project, ProjectSettings
from riskdesk.core.reference import ReferenceData, default_reference
from riskdesk.core.rule_match import (
    EFFECT_WEIGHT,
    GENERAL_LICENCE_RELIEF,
    PROHIBITED_FLOOR,
    RED_FLOOR,
    WATCH_WEIGHT,
    RuleMatch,
    match_rules,
    path_bits,
)
from riskdesk.core.rules import RULE_STAGES, WATCH_IN_FORCE, expand_countries
from riskdesk.core.triage import NOT_PROHIBITED, POSSIBLY_PROHIBITED, PROHIBITED, STATUS_RANK, shown_score
from riskdesk.core.value_share import VALUATION, ValueShare, part_value_share

__all__ = [
    "BAND_AMBER",
    "BAND_RED",
    "EFFECT_WEIGHT",
    "EVIDENCE_PENALTY",
    "NO_PATH_FLOOR",
    "PORTFOLIO_PROHIBITED_FLOOR",
    "PROHIBITED_FLOOR",
    "RED_FLOOR",
    "TRANSPARENCY_STAGE_WEIGHT",
    "WATCH_WEIGHT",
    "CompiledProject",
    "ConcentrationRow",
    "Evaluation",
    "Factor",
    "Hit",
    "PartChange",
    "PartReport",
    "band",
    "bands",
    "compare",
    "compile_project",
    "evaluate",
    "in_date_order",
]

BAND_AMBER = 40.0
BAND_RED = 70.0
NO_PATH_FLOOR = BAND_AMBER
"""A part without any supply path is at least amber, whatever the weights: its origin is wholly unknown."""
PORTFOLIO_PROHIBITED_FLOOR = BAND_AMBER
"""The portfolio figure is at least this (amber) while a prohibited or possibly prohibited part carries volume: it
never reads green then, yet still moves with dates and weights above it (docs/method.md, "Portfolio score")."""


def band(score: float) -> str:
    """"red", "amber" or "green" for a 0–100 score, by the whole number it is shown as (`shown_score`: 69.83 shows
    as 70 and is red; 39.9 shows as 40 and is amber). A score that is not a number has no band: ValueError (scoring
    never yields one, tests/core/test_invariants.py; a NaN must never read as green)."""
    if not math.isfinite(score):
        raise ValueError(f"a score of {score} has no band")
    shown = shown_score(score)
    if shown >= BAND_RED:
        return "red"
    return "amber" if shown >= BAND_AMBER else "green"


def bands(scores: np.ndarray) -> np.ndarray:
    """`band` of each score of an array, as "red", "amber" or "green" (whole columns, for filters and counts)."""
    shown = np.floor(np.asarray(scores, dtype=float) + 0.5)
    return np.where(shown >= BAND_RED, "red", np.where(shown >= BAND_AMBER, "amber", "green"))


_WHOLE_MAGNET_STAGE_WORDS = {
    Stage.MINE: "its rare earths were mined in {place}",
    Stage.SEPARATION: "its rare earths were separated/refined in {place}",
    Stage.METAL: "its metal/alloy was made in {place}",
    Stage.MAGNET: "the magnet was made in {place}",
    Stage.ASSEMBLY: "the part is made in {place}",
}
_ELEMENT_STAGE_WORDS = {
    Stage.MINE: "was mined in {place}",
    Stage.SEPARATION: "was separated/refined in {place}",
    Stage.METAL: "was made into metal/alloy in {place}",
    Stage.MAGNET: "went into a magnet made in {place}",
    Stage.ASSEMBLY: "is in a part made in {place}",
}

_RECYCLED_NOTE = " (recycled feedstock: where it was recycled counts as where it was mined)"
_RECYCLED_WHOLE_MAGNET = "its rare earths were recycled in {place}" + _RECYCLED_NOTE
_RECYCLED_ELEMENT = "was recycled in {place}" + _RECYCLED_NOTE


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule meeting one supply path at one stage (and one element, unless the rule concerns the whole
    magnet)."""

    rule_id: str
    element: str | None
    stage: Stage
    country: str
    effect: Effect
    effect_label: str
    status: str
    supplier_id: str
    share_pct: float
    kg: float
    value: float
    source: str
    confidence: str
    explanation: str
    possible: bool = False
    """True when the stage's country is unknown and the rule would meet the path if it were one it names."""
    weight: float = 0.0
    """How much of the value it meets counts towards the restriction factor on this date (0 … 1)."""
    effective_from: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "element": self.element,
            "stage": self.stage.value,
            "country": self.country,
            "effect": self.effect.value,
            "effect_label": self.effect_label,
            "status": self.status,
            "supplier_id": self.supplier_id,
            "share_pct": round(self.share_pct, 4),
            "kg": round(self.kg, 6),
            "value": round(self.value, 2),
            "source": self.source,
            "confidence": self.confidence,
            "explanation": self.explanation,
            "weight": round(self.weight, 4),
            "effective_from": self.effective_from,
        }


@dataclass(frozen=True, slots=True)
class Factor:
    name: str
    value: float
    """0 (no risk) … 100."""
    weight: float
    inputs: str
    """The figures the value is computed from, in words."""


@dataclass(frozen=True)
class PartReport:
    part_number: str
    description: str
    score: float
    band: str
    factors: dict[str, Factor]
    elements_kg: dict[str, float]
    elements_value: dict[str, float]
    hits: list[Hit]
    watch: list[Hit]
    possible: list[Hit]
    cap: str
    """Why the score was raised to its floor ("" when it was not)."""
    composition_note: str
    floor: float = 0.0
    """The floor the part was held at (0 when none): 90 prohibited, 70 may soon be prohibited, 40 no supply path."""
    factor_score: float = 0.0
    """The weighted mean of the factors, before any floor."""
    supply_note: str = ""
    status: str = NOT_PROHIBITED
    """"prohibited", "possibly prohibited" or "" (`riskdesk.core.triage`)."""
    value_share: ValueShare | None = None
    """China's 0.1 % value test of No. 61 item (1) for the part (`riskdesk.core.value_share`); None when the
    control list has no rule with a value test."""
    spend: float | None = None
    """Annual units × unit price; None where it is unknown (the part has volume but no unit price)."""
    restriction_breakdown: dict[str, float] = field(default_factory=dict)
    """What each kind of rule alone gives the restriction factor (0 … 100): "export_control", "tariff",
    "benchmark", "watch" (`riskdesk.core.factors.RESTRICTION_KINDS`). The factor combines them as 1 − Π(1 − w)."""

    def why(self) -> str:
        """The score in one paragraph: the weighted factors, the floor if it raised the score, then each factor
        with its inputs."""
        lines = [f"Part {self.part_number} scores {self.score:.0f} ({self.band})."]
        total_weight = sum(max(f.weight, 0.0) for f in self.factors.values())
        if total_weight > 0:
            terms = " + ".join(f"{f.name} {f.value:.0f} × {f.weight / total_weight:.2f}"
                               for f in self.factors.values() if f.weight > 0)
            lines.append(f"The factors give {self.factor_score:.0f}: {terms}.")
        if self.cap:
            lines.append(self.cap)
        ranked = sorted(self.factors.values(), key=lambda f: f.value * f.weight, reverse=True)
        lines += [f"{f.name} {f.value:.0f} (weight {f.weight:g}): {f.inputs}" for f in ranked if f.value > 0]
        if self.supply_note:
            lines.append(f"Supply: {self.supply_note}.")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {
            "part_number": self.part_number,
            "description": self.description,
            "score": round(self.score, 2),
            "band": self.band,
            "status": self.status,
            "no61_value_share_pct": None if self.value_share is None else round(self.value_share.share_pct, 6),
            "no61_margin_pct": None if self.value_share is None else round(self.value_share.margin_pct, 6),
            "no61_note": "" if self.value_share is None else self.value_share.note,
            "no61_valuation": "" if self.value_share is None else VALUATION,
            "cap": self.cap,
            "floor": self.floor or None,
            "factor_score": round(self.factor_score, 2),
            "spend": None if self.spend is None else round(self.spend, 2),
            **({"spend_unknown_reason": "no unit price"} if self.spend is None else {}),
            "factors": {name: round(f.value, 2) for name, f in self.factors.items()},
            "restriction_breakdown": {kind: round(v, 2) for kind, v in self.restriction_breakdown.items()},
            "factor_inputs": {name: f.inputs for name, f in self.factors.items()},
            "elements_kg": {k: round(v, 6) for k, v in self.elements_kg.items()},
            "elements_value": {k: round(v, 2) for k, v in self.elements_value.items()},
            "hits": [h.to_json() for h in self.hits],
            "watch": [h.to_json() for h in self.watch],
            "possible": [h.to_json() for h in self.possible],
        }


@dataclass(frozen=True, slots=True)
class ConcentrationRow:
    element: str
    stage: Stage
    top_country: str
    top_share: float
    hhi_governance: float
    """Σ share² × governance (0 best … 10 worst) over known countries, on the buyer's own kg; 0 … 10."""
    unknown_share: float
    over_benchmark: bool
    """A third country supplies more than the CRMA's 65 % of the buyer's kg here (only for buyers importing into
    the EU, only for the magnet rare earths; unknown origins counted as that country's)."""


@dataclass(frozen=True)
class PartChange:
    """What changes for one part between two dates."""

    part_number: str
    score_before: float
    score_after: float
    rules_gained: list[str]
    rules_lost: list[str]

    @property
    def delta(self) -> float:
        return self.score_after - self.score_before

    def to_json(self) -> dict[str, object]:
        return {
            "part_number": self.part_number,
            "score_before": round(self.score_before, 2),
            "score_after": round(self.score_after, 2),
            "delta": round(self.delta, 2),
            "rules_gained": self.rules_gained,
            "rules_lost": self.rules_lost,
        }


@dataclass
class Evaluation:
    """The scores of one compiled project as of one date. Arrays are per part unless named per path."""

    as_of: dt.date
    settings: ProjectSettings
    reference: ReferenceData
    compiled: CompiledProject
    columns: np.ndarray
    """Indices (into `elements.SYMBOLS`) of the elements the project holds at all."""
    kg_c: np.ndarray
    """(paths × columns) kg per year, only for the elements in `columns`."""
    value_c: np.ndarray
    """(paths × columns) value per year at reference prices."""
    prices: np.ndarray
    part_kg_c: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    """(parts × columns) kg per year of each part, all its paths (unassigned volume included)."""
    part_value_c: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    """(parts × columns) value per year of each part at reference prices."""
    unit_kg_c: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    """(parts × columns) kg per year of each part per unit of volume share (annual units × mass × wt %)."""
    stage_shares: list[np.ndarray] = field(default_factory=list, repr=False)
    """Per stage: (parts × countries + 1) sum of each part's path shares by that stage's country; the last column
    is the share of unknown origin."""
    matches: list[RuleMatch] = field(default_factory=list, repr=False)
    factor_results: dict[str, FactorResult] = field(default_factory=dict, repr=False)
    factor_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Per part: the weighted mean of the factors, before floors."""
    floor: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Per part: the floor that applies (0, NO_PATH_FLOOR, RED_FLOOR or PROHIBITED_FLOOR)."""
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    capped: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Per part: prohibited (or may be, origin unknown) on this date: held at PROHIBITED_FLOOR or above."""
    concentration: list[ConcentrationRow] = field(default_factory=list)
    _path_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    _path_bounds: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64), repr=False)
    _holds: dict[bytes | None, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Per element mask (its bytes; None: any element): (paths,) whether the path's magnet holds any of them."""
    _rules_hitting: list[str] | None = field(default=None, init=False, repr=False, compare=False)
    _statuses: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def factors(self) -> dict[str, np.ndarray]:
        return {name: result.values for name, result in self.factor_results.items()}

    @property
    def factor_inputs(self) -> dict[str, PartTexts]:
        return {name: result.inputs for name, result in self.factor_results.items()}

    def _widen(self, compact: np.ndarray) -> np.ndarray:
        full = np.zeros((compact.shape[0], N_EL))
        full[:, self.columns] = compact
        return full

    @property
    def kg(self) -> np.ndarray:
        """(paths × elements) kg per year, every element of `elements.SYMBOLS`."""
        return self._widen(self.kg_c)

    @property
    def value(self) -> np.ndarray:
        """(paths × elements) value per year at reference prices."""
        return self._widen(self.value_c)

    @property
    def rules_version(self) -> str:
        return self.reference.control_list.version

    def elements_kg(self) -> dict[str, float]:
        totals = self.kg_c.sum(axis=0)
        return {SYMBOLS[e]: float(totals[j]) for j, e in enumerate(self.columns) if totals[j] > 0}

    def elements_value(self) -> dict[str, float]:
        totals = self.value_c.sum(axis=0)
        return {SYMBOLS[e]: float(totals[j]) for j, e in enumerate(self.columns) if totals[j] > 0}

    def statuses(self) -> np.ndarray:
        """Per part: "prohibited" where a prohibition in force (or treated as in force) meets one of its paths at a
        stage of known country, "possibly prohibited" where it meets the part only through a stage of unknown
        country, "" otherwise (`riskdesk.core.triage`). The one definition the window, CLI and report show."""
        if self._statuses is None:
            compiled = self.compiled
            held = self.kg_c.sum(axis=1) > 0
            confirmed = np.zeros(compiled.n_parts, dtype=bool)
            for match in self.matches:
                if match.timing.floor < PROHIBITED_FLOOR:
                    continue
                met = (match.hit_bits != 0) & held
                confirmed |= np.bincount(compiled.path_part, weights=met, minlength=compiled.n_parts) > 0
            self._statuses = np.where(self.capped & confirmed, PROHIBITED,
                                      np.where(self.capped, POSSIBLY_PROHIBITED, NOT_PROHIBITED)).astype(object)
        return self._statuses

    def triage_order(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Part positions (all, or those given) riskiest first: prohibited, then possibly prohibited, then by the
        score as shown (highest first); parts alike in both by spend, the larger first (a $4.65 M part held at 100
        before an $8 one), then in the table's order. The window, the command line and the report list parts so."""
        if positions is None:
            positions = np.arange(self.compiled.n_parts, dtype=np.int64)
        rank = np.array([STATUS_RANK[s] for s in self.statuses()[positions]], dtype=np.int64)
        shown = np.floor(self.scores[positions] + 0.5)
        return positions[np.lexsort((-self.compiled.spend[positions], -shown, rank))]

    def prohibited_parts(self) -> list[str]:
        return [str(p) for p in self.compiled.part_numbers[np.flatnonzero(self.capped)]]

    def portfolio_weights(self) -> tuple[np.ndarray, int]:
        """Per part: its weight in the portfolio figure (annual spend; for a part with volume but no unit price, the
        reference value of its magnets' element content a year), and how many parts are weighted that second way."""
        compiled = self.compiled
        content = self.part_value_c.sum(axis=1) if self.part_value_c.size else np.zeros(compiled.n_parts)
        unpriced = ~compiled.spend_known
        weights = np.where(unpriced, content, compiled.spend)
        return np.nan_to_num(np.clip(weights, 0.0, None)), int((unpriced & (content > 0)).sum())

    def prohibited_with_volume(self) -> np.ndarray:
        """Per part: prohibited (or possibly prohibited) on this date and bought at all (magnet kg a year > 0)."""
        return self.capped & (self.compiled.mass_kg_year > 0)

    def portfolio_score(self) -> tuple[float, str]:
        """The part scores averaged with annual spend as weights (a part without a unit price by the reference value
        of its magnet content), at least amber (PORTFOLIO_PROHIBITED_FLOOR) while a prohibited part carries volume;
        with the reason. The prohibited parts are named beside the figure."""
        compiled = self.compiled
        if not compiled.n_parts:
            return 0.0, "no parts"
        weights, unpriced = self.portfolio_weights()
        if weights.sum() > 0:
            basis = "annual spend"
            if unpriced:
                basis += (f"; {_count(unpriced, 'part')} without a unit price weighted by the reference value of "
                          "their magnet content")
        elif compiled.mass_kg_year.sum() > 0:
            weights, basis = compiled.mass_kg_year, "magnet kg per year (no spend or priced content)"
        else:
            weights, basis = np.ones(compiled.n_parts), "parts counted equally"
        score = float(np.average(self.scores, weights=weights))
        reason = f"mean of {_count(compiled.n_parts, 'part score')} weighted by {basis}"
        held = self.prohibited_with_volume()
        if held.any() and score < PORTFOLIO_PROHIBITED_FLOOR:
            reason += (f"; held at {PORTFOLIO_PROHIBITED_FLOOR:g} (amber, from {score:.1f}): a prohibited part "
                       "carries volume")
            score = PORTFOLIO_PROHIBITED_FLOOR
        prohibited = self.prohibited_parts()
        if prohibited:
            listed = ", ".join(prohibited[:5]) + (" …" if len(prohibited) > 5 else "")
            reason += f"; {_count(len(prohibited), 'part')} prohibited or possibly prohibited ({listed})"
        return score, reason

    def paths_of(self, position: int) -> np.ndarray:
        """Rows (into the compiled paths) of one part's supply paths, unassigned volume included."""
        return self._path_order[self._path_bounds[position]:self._path_bounds[position + 1]]

    def part_report(self, part_number: str) -> PartReport:
        return self.part_report_at(self.compiled.part_position(part_number))

    def part_report_at(self, position: int) -> PartReport:
        compiled = self.compiled
        path_rows = self.paths_of(position)
        hits: list[Hit] = []
        watch: list[Hit] = []
        possible: list[Hit] = []
        for match in self.matches:
            for hit in _hits_for(self, match, path_rows):
                if hit.possible:
                    possible.append(hit)
                elif match.timing.binding:
                    hits.append(hit)
                else:
                    watch.append(hit)
        kg = self._widen(self.kg_c[path_rows]).sum(axis=0)
        value = self._widen(self.value_c[path_rows]).sum(axis=0)
        weights = self.settings.weights
        factors = {
            name: Factor(name, float(self.factor_results[name].values[position]), float(weights.get(name, 0.0)),
                         self.factor_results[name].inputs[position])
            for name in FACTOR_NAMES
        }
        score = float(self.scores[position])
        return PartReport(
            part_number=str(compiled.part_numbers[position]),
            description=str(compiled.descriptions[position]),
            score=score,
            band=band(score),
            factors=factors,
            elements_kg={s: float(kg[i]) for i, s in enumerate(SYMBOLS) if kg[i] > 0},
            elements_value={s: float(value[i]) for i, s in enumerate(SYMBOLS) if value[i] > 0},
            hits=hits,
            watch=watch,
            possible=possible,
            cap=self._cap_text(position, hits + possible + watch),
            composition_note=compiled.composition_notes[position],
            floor=float(self.floor[position]),
            factor_score=float(self.factor_score[position]),
            supply_note=compiled.share_notes[position],
            status=str(self.statuses()[position]),
            value_share=part_value_share(compiled, self.reference.control_list, self.prices, position, path_rows),
            restriction_breakdown=self.restriction_breakdown_at(position),
            spend=float(compiled.spend[position]) if compiled.spend_known[position] else None,
        )

    def restriction_breakdown_at(self, position: int) -> dict[str, float]:
        """What each kind of rule alone gives the part's restriction factor (0 … 100), keyed as
        `riskdesk.core.factors.RESTRICTION_KINDS`: export controls, tariffs, the EU benchmark and watch items."""
        breakdown = self.factor_results["restriction"].breakdown or {}
        return {kind: float(values[position]) for kind, values in breakdown.items()}

    def _cap_text(self, position: int, items: list[Hit]) -> str:
        """Why the part is held at its floor, in one sentence ("" when no floor applies)."""
        floor = float(self.floor[position])
        if floor <= 0:
            return ""
        if floor == NO_PATH_FLOOR:
            return (f"At least {NO_PATH_FLOOR:g}: the part has no supply path, so nothing is known of its origin. "
                    "Enter its suppliers and their stage countries.")
        wanted = [h for h in items if h.effect is Effect.PROHIBITED and self._floor_of(h) >= floor]
        if not wanted:
            return ""
        by_rule: dict[str, Hit] = {}
        for hit in sorted(wanted, key=lambda h: h.possible):
            by_rule.setdefault(hit.rule_id, hit)
        if floor == PROHIBITED_FLOOR:
            reasons = [self._where(hit) for hit in by_rule.values()]
            return (f"At least {PROHIBITED_FLOOR:g} (+ restriction / 10), as one fatal fact is not averaged away: "
                    f"{'; and '.join(reasons[:2])}.")
        dated: list[tuple[int, str]] = []
        for hit in by_rule.values():
            state = self.reference.control_list.by_id(hit.rule_id).state_on(
                self.as_of, self.settings.suspended_rules_in_force)
            if state.binds_on is not None:
                days = (state.binds_on - self.as_of).days
                when = (f"prohibited from {state.binds_on}, in {_count(days, 'day')}, within the "
                        f"{self.settings.resourcing_days:g} days it takes to re-source")
                dated.append((0, f"{when}: {self._where(hit)}"))
            else:
                dated.append((1, f"may be prohibited today ({state.reason}): {self._where(hit)}"))
        return f"At least {RED_FLOOR:g}: " + "; and ".join(text for _, text in sorted(dated)[:2]) + "."

    def _where(self, hit: Hit) -> str:
        supplier = hit.supplier_id or "(no supply path)"
        if hit.possible:
            return (f"the {hit.stage.label} country of {supplier}'s path is unknown, and {hit.rule_id} prohibits "
                    f"it if that is {_rule_country_words(self, hit.rule_id)}")
        return (f"{hit.rule_id} prohibits the path through {self.reference.countries.name(hit.country)} at the "
                f"{hit.stage.label} stage (supplier {supplier})")

    def _floor_of(self, hit: Hit) -> float:
        for match in self.matches:
            if match.rule.id == hit.rule_id:
                return match.timing.floor
        return 0.0

    def _hit_paths(self, match: RuleMatch) -> np.ndarray:
        """(paths,) whether a rule meets a path and the path's magnet holds what the rule concerns (as
        `part_report` and `hit_counts` count them)."""
        return (match.hit_bits != 0) & self._holding(None if match.rule.whole_magnet
                                                    else match.element_mask[self.columns])

    def _holding(self, mask: np.ndarray | None) -> np.ndarray:
        """(paths,) whether each path's magnet holds any element of `mask` (over `columns`; None: any at all),
        computed once per mask: the rules of a list share a few masks."""
        key = None if mask is None else mask.tobytes()
        if key not in self._holds:
            held = self.kg_c > 0
            self._holds[key] = np.asarray((held if mask is None else held[:, mask]).any(axis=1))
        return self._holds[key]

    def parts_hit_by(self, rule_id: str) -> np.ndarray:
        """(parts,) whether a rule hits (in force on the date) or is a watch item of each part: the parts whose
        report lists it among hits or watch items."""
        compiled = self.compiled
        found = np.zeros(compiled.n_parts, dtype=bool)
        for match in self.matches:
            if match.rule.id == rule_id and match.benchmark is None:
                found[compiled.path_part[self._hit_paths(match)]] = True
        return found

    def rules_hitting(self) -> list[str]:
        """The ids of the rules that hit or are watched on at least one part, in the control list's order
        (computed once: the scoring worker asks first, so that the window need not)."""
        if self._rules_hitting is None:
            self._rules_hitting = list(dict.fromkeys(m.rule.id for m in self.matches
                                                     if m.benchmark is None and self._hit_paths(m).any()))
        return list(self._rules_hitting)

    def hit_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per part, the number of hits, watch items and possible hits that `part_report` would list,
        counted without building them (for sorting large tables)."""
        compiled = self.compiled
        hits = np.zeros(compiled.n_parts)
        watch = np.zeros(compiled.n_parts)
        possible = np.zeros(compiled.n_parts)
        held = self.kg_c > 0
        any_held = held.any(axis=1)
        for match in self.matches:
            if match.benchmark is not None:
                concerned = held & match.element_mask[self.columns]
                count = (match.benchmark.flagged & concerned[:, :, None]).sum(axis=(1, 2))
                unknown = np.where(match.hit_bits == 0,
                                   (match.benchmark.possible & concerned[:, :, None]).sum(axis=(1, 2)), 0)
            else:
                targets = any_held if match.rule.whole_magnet else held[:, match.element_mask[self.columns]].sum(axis=1)
                count = _popcount(match.hit_bits) * targets
                unknown = np.where(match.hit_bits == 0, _popcount(match.unknown_bits), 0) * targets
            by_part = np.bincount(compiled.path_part, weights=count, minlength=compiled.n_parts)
            if match.timing.binding:
                hits += by_part
            else:
                watch += by_part
            possible += np.bincount(compiled.path_part, weights=unknown, minlength=compiled.n_parts)
        return hits.astype(int), watch.astype(int), possible.astype(int)

    def part_reports(self) -> list[PartReport]:
        return [self.part_report_at(i) for i in range(self.compiled.n_parts)]

    def to_json(self) -> dict[str, object]:
        score, reason = self.portfolio_score()
        compiled = self.compiled
        return {
            "as_of": self.as_of.isoformat(),
            "rules_version": self.rules_version,
            "rules_sha256": self.reference.control_list.sha256,
            "settings": self.settings.to_json(),
            "portfolio": {
                "score": round(score, 2),
                "band": band(score),
                "explanation": reason,
                "prohibited_parts": self.prohibited_parts(),
                "parts_without_unit_price": [str(p) for p in compiled.part_numbers[~compiled.spend_known]],
                "elements_kg": {k: round(v, 6) for k, v in self.elements_kg().items()},
                "elements_value": {k: round(v, 2) for k, v in self.elements_value().items()},
                "concentration": [
                    {
                        "element": row.element,
                        "stage": row.stage.value,
                        "top_country": row.top_country,
                        "top_share": round(row.top_share, 4),
                        "hhi_governance": round(row.hhi_governance, 4),
                        "unknown_share": round(row.unknown_share, 4),
                        "over_benchmark": row.over_benchmark,
                    }
                    for row in self.concentration
                ],
            },
            "parts": [report.to_json() for report in self.part_reports()],
        }


def _count(n: int, noun: str) -> str:
    """"1 part", "3 parts"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _popcount(bits: np.ndarray) -> np.ndarray:
    return np.unpackbits(bits[:, None], axis=1).sum(axis=1)


def _rule_country_words(evaluation: Evaluation, rule_id: str) -> str:
    """The countries a rule names, as names: "China, Russia, North Korea or Iran"."""
    rule = evaluation.reference.control_list.by_id(rule_id)
    table = evaluation.reference.countries
    groups = {name: table.members(name) for name in table.groups}
    names = sorted(table.name(c) for c in expand_countries(rule.countries, groups) if c != "*")
    if not names:
        return "a country it names"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def evaluate(project: Project | CompiledProject, as_of: dt.date | None = None,
             settings: ProjectSettings | None = None, reference: ReferenceData | None = None) -> Evaluation:
    """Score a project (or its compiled form, to re-score cheaply) as of a date (default today)."""
    reference = reference or default_reference()
    if isinstance(project, Project):
        settings = settings or project.settings
        compiled = compile_project(project, reference)
    else:
        compiled = project
        settings = settings or ProjectSettings()
    as_of = as_of or dt.date.today()

    prices = np.array([reference.prices.reference_price(s, settings.price_basis)[0] for s in SYMBOLS])
    columns = np.flatnonzero(compiled.wt_pct.any(axis=0))
    part_factor = compiled.mass_kg_year * 0.01
    per_unit_share = compiled.wt_pct[:, columns] * part_factor[:, None]
    kg = per_unit_share[compiled.path_part]
    kg *= compiled.share[:, None]
    value = kg * prices[columns]
    evaluation = Evaluation(as_of, settings, reference, compiled, columns, kg, value, prices)
    # Per part, from the part's row and the sum of its shares (one bincount, not one per element).
    covered = np.bincount(compiled.path_part, weights=compiled.share, minlength=compiled.n_parts)
    evaluation.part_kg_c = per_unit_share * covered[:, None]
    evaluation.part_value_c = evaluation.part_kg_c * prices[columns]
    n_c = len(compiled.countries)
    for s in range(len(STAGES)):
        slots = np.where(compiled.country[:, s] == UNKNOWN, n_c, compiled.country[:, s])
        evaluation.stage_shares.append(np.bincount(
            compiled.path_part * (n_c + 1) + slots, weights=compiled.share,
            minlength=compiled.n_parts * (n_c + 1)).reshape(compiled.n_parts, n_c + 1))
    evaluation.unit_kg_c = per_unit_share
    order = np.argsort(compiled.path_part, kind="stable")
    evaluation._path_order = order
    evaluation._path_bounds = np.searchsorted(compiled.path_part[order], np.arange(compiled.n_parts + 1))

    evaluation.matches = match_rules(compiled, kg, columns, as_of, settings, reference)
    evaluation.concentration = _concentration_table(evaluation)
    evaluation.factor_results = {name: FACTORS[name](evaluation) for name in FACTOR_NAMES}
    _score(evaluation)
    return evaluation


def _score(evaluation: Evaluation) -> None:
    """The weighted mean of the factors, then the floors: one fatal fact is not averaged away."""
    compiled = evaluation.compiled
    settings = evaluation.settings
    n_parts = compiled.n_parts
    weights = np.array([_weight(settings.weights.get(name, 0.0)) for name in FACTOR_NAMES])
    stacked = np.stack([evaluation.factor_results[name].values for name in FACTOR_NAMES], axis=1) \
        if n_parts else np.zeros((0, len(FACTOR_NAMES)))
    factor_score = stacked @ weights / weights.sum() if weights.sum() > 0 else np.zeros(n_parts)

    floor = np.zeros(n_parts)
    has_paths = np.bincount(compiled.path_part[~compiled.unassigned], minlength=n_parts) > 0
    floor = np.where(has_paths, floor, NO_PATH_FLOOR)
    held = evaluation.kg_c.sum(axis=1) > 0
    for match in evaluation.matches:
        if match.timing.floor <= 0:
            continue
        met = match.met & held
        parts = np.bincount(compiled.path_part, weights=met, minlength=n_parts) > 0
        floor = np.where(parts, np.maximum(floor, match.timing.floor), floor)
    prohibited = floor >= PROHIBITED_FLOOR
    restriction = evaluation.factor_results["restriction"].values
    raised = np.where(prohibited, PROHIBITED_FLOOR + restriction / 10.0, floor)
    scores = np.maximum(factor_score, raised)

    evaluation.factor_score = np.clip(np.nan_to_num(factor_score), 0.0, 100.0)
    evaluation.floor = floor
    evaluation.scores = np.clip(np.nan_to_num(scores, nan=100.0), 0.0, 100.0)
    evaluation.capped = prohibited


def _weight(value: float) -> float:
    """A factor weight as set by the user; negative or non-finite weights count 0."""
    return float(value) if np.isfinite(value) and value > 0 else 0.0


def _concentration_table(evaluation: Evaluation) -> list[ConcentrationRow]:
    """Per element and stage on the buyer's own kg: the top country's share, the governance-weighted HHI over
    known countries, the unknown share, and whether the dependency benchmark (if it applies to the buyer) is
    exceeded there."""
    compiled = evaluation.compiled
    reference = evaluation.reference
    vocabulary = list(compiled.countries)
    n_c = len(vocabulary)
    governance = np.array([reference.countries.governance(c) if c else 0.0 for c in vocabulary])
    over: dict[tuple[int, int], frozenset[str]] = {}
    for match in evaluation.matches:
        if match.benchmark is not None:
            over.update(match.benchmark.over)
    rows: list[ConcentrationRow] = []
    listed = [j for j, e in enumerate(evaluation.columns)
              if elements.ELEMENTS[e].rare_earth or SYMBOLS[e] == "Co"]
    unit_kg = evaluation.unit_kg_c[:, listed]
    for s, stage in enumerate(STAGES):
        # kg by country = Σ over parts of (the part's share from that country) × (its kg per unit of share).
        by_country = evaluation.stage_shares[s].T @ unit_kg
        for position, j in enumerate(listed):
            e = evaluation.columns[j]
            column = by_country[:, position]
            total = column.sum()
            if total <= 0:
                continue
            shares = column[:n_c] / total
            top = int(shares.argmax()) if n_c else 0
            top_share = float(shares[top]) if n_c else 0.0
            rows.append(ConcentrationRow(
                element=SYMBOLS[e],
                stage=stage,
                top_country=vocabulary[top] if n_c and top_share > 0 else "",
                top_share=top_share,
                hhi_governance=float((shares ** 2 * governance).sum()),
                unknown_share=float(column[n_c] / total),
                over_benchmark=(int(e), s) in over,
            ))
    return rows


def finding_effect_label(match: RuleMatch, as_of: dt.date) -> str:
    """What a rule's findings do on `as_of`, as `score --json` says it ("effect_label") and the report's Findings
    sheet: the effect ("licence required", "tariff 25 %") where the rule binds; otherwise "watch: …" with its
    status."""
    rule = match.rule
    status = rule.status_words(match.state)
    effect_label = rule.effect_label_on(as_of)
    if match.timing.binding:
        return effect_label
    if rule.effect is Effect.WATCH:
        return f"watch: {status}" if status != WATCH_IN_FORCE else WATCH_IN_FORCE
    return f"watch: {effect_label}, {status}"


def _hits_for(evaluation: Evaluation, match: RuleMatch, path_rows: np.ndarray) -> list[Hit]:
    """The hits (or watch / possible items) of one rule on the given paths, as objects."""
    compiled = evaluation.compiled
    rule = match.rule
    countries = evaluation.reference.countries
    result: list[Hit] = []
    status = rule.status_words(match.state)
    label = finding_effect_label(match, evaluation.as_of)
    kg_rows = evaluation._widen(evaluation.kg_c[path_rows])
    value_rows = evaluation._widen(evaluation.value_c[path_rows])
    column_of = {int(e): j for j, e in enumerate(evaluation.columns)}
    for local, row in enumerate(path_rows):
        kg_row = kg_rows[local]
        value_row = value_rows[local]
        concerned = np.flatnonzero(match.element_mask & (kg_row > 0))
        if not len(concerned):
            continue
        confirmed_bits = int(match.hit_bits[row])
        unknown_bits = int(match.unknown_bits[row]) if confirmed_bits == 0 else 0
        if not (confirmed_bits or unknown_bits):
            continue
        supplier = str(compiled.path_supplier[row])
        share_pct = float(compiled.share[row] * 100.0)
        weight = float(match.timing.weight[compiled.path_part[row]])
        if match.relieved and compiled.general_licence[row]:
            weight *= GENERAL_LICENCE_RELIEF
        for s in path_bits(confirmed_bits | unknown_bits):
            stage = RULE_STAGES[s]
            unknown = not (confirmed_bits >> s & 1)
            code = "" if unknown else compiled.country_code(
                int(compiled.assembly[row]) if stage is Stage.ASSEMBLY else int(compiled.country[row, s]))
            place = "an unknown country" if unknown else countries.name(code)
            targets: list[int | None] = [None] if rule.whole_magnet else [int(e) for e in concerned]
            for e in targets:
                if match.benchmark is not None:
                    assert e is not None
                    flags = match.benchmark.possible if unknown else match.benchmark.flagged
                    if not flags[row, column_of[e], s]:
                        continue
                kg = float(kg_row.sum() if e is None else kg_row[e])
                value = float(value_row.sum() if e is None else value_row[e])
                result.append(Hit(
                    rule_id=rule.id,
                    element=None if e is None else SYMBOLS[e],
                    stage=stage,
                    country=code,
                    effect=rule.effect,
                    effect_label=label,
                    status=status,
                    supplier_id=supplier,
                    share_pct=share_pct,
                    kg=kg,
                    value=value,
                    source=rule.source_text,
                    confidence=rule.confidence,
                    explanation=_explain_hit(evaluation, match, row, stage, e, kg, place, unknown, weight),
                    possible=unknown,
                    weight=weight,
                    effective_from=rule.effective_from.isoformat(),
                ))
    return result


def _explain_hit(evaluation: Evaluation, match: RuleMatch, row: int, stage: Stage, element: int | None,
                 kg: float, place: str, unknown: bool, weight: float) -> str:
    """One sentence: what passes where, under which rule, since or from when, and how much it counts."""
    compiled = evaluation.compiled
    rule = match.rule
    supplier = str(compiled.path_supplier[row])
    if compiled.unassigned[row]:
        via = f"the {compiled.share[row]:.0%} of the part no supply path covers"
    else:
        via = f"supplier {supplier}, {compiled.share[row]:.0%} of the part"
    recycled = stage is Stage.MINE and bool(compiled.recycled[row])
    if element is None:
        what = (_RECYCLED_WHOLE_MAGNET if recycled else _WHOLE_MAGNET_STAGE_WORDS[stage]).format(place=place)
        if stage is Stage.ASSEMBLY and compiled.assembly_from_magnet[row]:
            what += " (the supplier's country is not given)"
        sentence = f"The magnet ({kg:,.3f} kg/yr via {via}): {what}"
    else:
        name = elements.BY_SYMBOL[SYMBOLS[element]].name.capitalize()
        words = _RECYCLED_ELEMENT if recycled else _ELEMENT_STAGE_WORDS[stage]
        sentence = f"{name} ({kg:,.3f} kg/yr via {via}) {words.format(place=place)}"
    if unknown:
        share = match.prior[RULE_STAGES.index(stage)]
        sentence += (f"; it may be a country {rule.id} names ({share:.0%} of world {_STAGE_LABEL[stage]} is), "
                     "so it counts as if it were")
    sentence += f". {rule.instrument}: {rule.title} — {match.state.reason}"
    if match.benchmark is not None and element is not None:
        sentence += (f"; over {match.benchmark.threshold:.0%} of the buyer's {SYMBOLS[element]} at this stage, "
                     "China's share counted with each other third country's")
    if match.relieved and compiled.general_licence[row]:
        sentence += "; the supplier holds a Chinese general licence covering you: counts half"
    elif rule.general_licence and compiled.general_licence[row]:
        sentence += (f"; the supplier is marked as holding a Chinese general licence, but none had been reported by "
                     f"this date (first reported {evaluation.reference.control_list.general_licences_from}): "
                     "counts in full")
    elif rule.general_licence and not compiled.unassigned[row]:
        holder = evaluation.reference.control_list.licence_holder(
            str(compiled.supplier_names[compiled.supplier_codes[row]]))
        if holder is not None and holder.reported <= evaluation.as_of:
            sentence += (f"; {holder.describe()}: if it covers you, mark the supplier's China general licence "
                         "'yes'")
    if not match.timing.binding or weight < match.timing.full:
        sentence += f". Counts {weight:.2f} ({match.timing.summary})"
    return sentence + "."


_STAGE_LABEL = {stage: stage.label for stage in RULE_STAGES}
_STAGE_LABEL[Stage.ASSEMBLY] = "magnet making"


def in_date_order(one: Evaluation, other: Evaluation) -> tuple[Evaluation, Evaluation]:
    """The two evaluations, the earlier date first. A comparison always reads from the earlier date to the later,
    whichever of the two was asked for second: the report, `riskdesk score --compare` and the window's Compare
    dialog all order their dates here, so a part that becomes prohibited shows a rise and its rule as gained."""
    return (other, one) if other.as_of < one.as_of else (one, other)


def compare(before: Evaluation, after: Evaluation) -> list[PartChange]:
    """What changes between two evaluations of the same project (e.g. today and 2027-01-01), part by part,
    largest change first; `before` should be the earlier (see `in_date_order`)."""
    changes = []
    for position, part_number in enumerate(before.compiled.part_numbers):
        old = before.part_report_at(position)
        new = after.part_report_at(position)
        old_hits = {(h.rule_id, h.element, h.stage, h.supplier_id) for h in old.hits}
        new_hits = {(h.rule_id, h.element, h.stage, h.supplier_id) for h in new.hits}
        gained = sorted({key[0] for key in new_hits - old_hits})
        lost = sorted({key[0] for key in old_hits - new_hits})
        if abs(new.score - old.score) > 1e-9 or gained or lost:
            changes.append(PartChange(str(part_number), old.score, new.score, gained, lost))
    return sorted(changes, key=lambda c: -abs(round(c.delta, 2)))

