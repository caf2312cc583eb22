"""Exposure, rule hits, concentration and scores of a project as of a date, every figure with its reasons.

Two steps keep re-scoring cheap: `compile_project` turns the project's tables into arrays once (per edit), and
`evaluate` scores those arrays as of a date in a handful of vectorised numpy passes. Explanations (hits,
factor inputs) are only turned into objects when asked for, part by part (`Evaluation.part_report`).

The method, its formulas and defaults are published in docs/method.md; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskdesk.core import elements
from riskdesk.core.domain import STAGES, Effect, EndUse, Evidence, MagnetFamily, Stage, parse_enum
from riskdesk.core.project import FACTOR_NAMES, Project, ProjectSettings
from riskdesk.core.reference import ReferenceData, default_reference
from riskdesk.core.rules import ALL, ControlRule, RuleState, expand_countries

SYMBOLS = elements.SYMBOLS
N_EL = len(SYMBOLS)
N_STAGES = len(STAGES)
UNKNOWN = -1

EFFECT_WEIGHT: Mapping[Effect, float] = {
    Effect.PROHIBITED: 1.0,
    Effect.LICENCE: 0.6,
    Effect.TARIFF: 0.4,
    Effect.BENCHMARK: 0.25,
    Effect.WATCH: 0.1,
}
"""How much of an element's value counts as restricted when a rule of this effect hits it."""
WATCH_WEIGHT = EFFECT_WEIGHT[Effect.WATCH]

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

PROHIBITED_FLOOR = 90.0
BAND_AMBER = 40.0
BAND_RED = 70.0

_END_USES = list(EndUse)
_FAMILIES = list(MagnetFamily)
_EVIDENCE = list(Evidence)


def band(score: float) -> str:
    """"red", "amber" or "green" for a 0–100 score."""
    if score >= BAND_RED:
        return "red"
    return "amber" if score >= BAND_AMBER else "green"


@dataclass
class CompiledProject:
    """A project's tables as arrays, ready to be evaluated on any date. Rebuild it after every edit."""

    part_numbers: np.ndarray
    descriptions: np.ndarray
    end_use: np.ndarray
    family: np.ndarray
    mass_kg_year: np.ndarray
    """Magnet kg per year: annual units × magnet mass."""
    spend: np.ndarray
    stock_days: np.ndarray
    wt_pct: np.ndarray
    """(parts × elements) composition in wt %: the grade's default overridden by the part's own figures."""
    composition_notes: list[str]
    path_part: np.ndarray
    path_supplier: np.ndarray
    supplier_codes: np.ndarray
    supplier_ids: np.ndarray
    share: np.ndarray
    """Share of the part's volume, as a fraction."""
    country: np.ndarray
    """(paths × stages) index into `countries`, UNKNOWN (-1) where the stage country is not known."""
    countries: np.ndarray
    evidence: np.ndarray

    @property
    def n_parts(self) -> int:
        return len(self.part_numbers)

    @property
    def n_paths(self) -> int:
        return len(self.path_part)

    def part_position(self, part_number: str) -> int:
        matches = np.flatnonzero(self.part_numbers == part_number)
        if not len(matches):
            raise KeyError(part_number)
        return int(matches[0])


def compile_project(project: Project, reference: ReferenceData | None = None) -> CompiledProject:
    """The project's tables as arrays. Paths naming an unknown part are left out (validation reports them)."""
    reference = reference or default_reference()
    parts = project.tables.parts
    paths = project.tables.paths
    part_numbers = _text(parts["part_number"])
    family_text = _text(parts["magnet_family"])
    grade_text = _text(parts["grade"])
    end_use = _codes(_text(parts["end_use"]), [e.value for e in _END_USES], EndUse.OTHER.value)
    family = _codes(family_text, [f.value for f in _FAMILIES], MagnetFamily.OTHER.value)
    units = parts["annual_units"].fillna(0.0).to_numpy(dtype=float)
    mass = parts["magnet_mass_g"].fillna(0.0).to_numpy(dtype=float)
    price = parts["unit_price"].fillna(0.0).to_numpy(dtype=float)

    wt = np.zeros((len(parts), N_EL))
    notes = np.empty(len(parts), dtype=object)
    grade_codes, grade_keys = pd.factorize(family_text + "\x1f" + grade_text)
    for key_index, key in enumerate(grade_keys):
        family_value, grade = key.split("\x1f", 1)
        composition, note = reference.grades.composition(
            parse_enum(MagnetFamily, family_value) or MagnetFamily.OTHER, grade or None
        )
        vector = np.zeros(N_EL)
        for symbol, pct in composition.wt_pct.items():
            vector[elements.INDEX[symbol]] = pct
        members = grade_codes == key_index
        wt[members] = vector
        notes[members] = f"{note} (composition confidence {composition.confidence})"
    part_index = pd.Index(part_numbers)
    overrides = project.tables.composition
    if len(overrides):
        rows = overrides[overrides["element"].isin(elements.INDEX)]
        part_pos = part_index.get_indexer(_text(rows["part_number"]))
        keep = part_pos >= 0
        el_pos = rows["element"].map(elements.INDEX).to_numpy(dtype=int)[keep]
        part_pos = part_pos[keep]
        wt[part_pos, el_pos] = rows["wt_pct"].to_numpy(dtype=float)[keep]
        listed_symbols = _text(rows["element"])[keep]
        for p in np.unique(part_pos):
            listed = ", ".join(sorted(listed_symbols[part_pos == p]))
            notes[p] += f"; the part's own figures for {listed} override the grade"

    path_part = part_index.get_indexer(_text(paths["part_number"], fill=False))
    known = path_part >= 0
    path_part = np.where(known, path_part, 0).astype(np.int64)
    supplier_text = _text(paths["supplier_id"])
    supplier_codes, supplier_ids = pd.factorize(supplier_text)
    country, countries = _stage_codes([_text(paths[s.column], fill=False) for s in STAGES])
    share = paths["share_pct"].fillna(0.0).to_numpy(dtype=float) / 100.0
    share = np.where(known, share, 0.0)
    return CompiledProject(
        part_numbers=part_numbers,
        descriptions=_text(parts["description"]),
        end_use=end_use,
        family=family,
        mass_kg_year=units * mass / 1000.0,
        spend=units * price,
        stock_days=parts["stock_days"].to_numpy(dtype=float),
        wt_pct=wt,
        composition_notes=list(notes),
        path_part=path_part,
        path_supplier=supplier_text,
        supplier_codes=supplier_codes,
        supplier_ids=np.asarray(supplier_ids, dtype=object),
        share=share,
        country=country,
        countries=np.asarray(countries, dtype=object),
        evidence=_codes(_text(paths["origin_evidence"], fill=False), [e.value for e in _EVIDENCE],
                        Evidence.UNKNOWN.value),
    )


def _stage_codes(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(paths × stages) codes into one country vocabulary, UNKNOWN for "" or missing. Factorising each column
    and merging the small vocabularies is twice as fast as factorising all stages at once."""
    vocabulary: dict[str, int] = {}
    coded = []
    for column in columns:
        codes, uniques = pd.factorize(column)
        lookup = np.array([vocabulary.setdefault(u, len(vocabulary)) if u != "" else UNKNOWN for u in uniques]
                          + [UNKNOWN], dtype=np.int64)
        coded.append(lookup[codes])
    country = np.column_stack(coded) if coded else np.zeros((0, N_STAGES), dtype=np.int64)
    return np.ascontiguousarray(country), np.array(list(vocabulary), dtype=object)


def _text(column: pd.Series, fill: bool = True) -> np.ndarray:
    """A text column as a numpy object array: hashing these is faster than pandas strings. Missing values become
    "" (or stay NaN with `fill=False`, which factorize codes as -1, i.e. unknown, without the cost of a scan)."""
    return column.to_numpy(dtype=object, na_value="") if fill else column.to_numpy(dtype=object)


def _codes(values: np.ndarray, allowed: list[str], default: str) -> np.ndarray:
    """Positions in `allowed` of each value (case-insensitive), `default`'s position where none matches."""
    codes, uniques = pd.factorize(values)
    folded = [a.lower() for a in allowed]
    lookup = np.array([
        folded.index(str(u).lower()) if str(u).lower() in folded else allowed.index(default) for u in uniques
    ] + [allowed.index(default)], dtype=np.int64)
    return lookup[codes]


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
    """True when the stage's country is unknown and the rule would hit if it were the world's main source."""

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

    def why(self) -> str:
        """The score in one paragraph: the cap if any, then the heaviest factors with their inputs."""
        lines = [f"Part {self.part_number} scores {self.score:.0f} ({self.band})."]
        if self.cap:
            lines.append(self.cap)
        ranked = sorted(self.factors.values(), key=lambda f: f.value * f.weight, reverse=True)
        lines += [f"{f.name} {f.value:.0f} (weight {f.weight:g}): {f.inputs}" for f in ranked if f.value > 0]
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {
            "part_number": self.part_number,
            "description": self.description,
            "score": round(self.score, 2),
            "band": self.band,
            "cap": self.cap,
            "factors": {name: round(f.value, 2) for name, f in self.factors.items()},
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
    """Σ share² × governance (0 best … 10 worst) over countries, on the buyer's own kg; 0 … 10."""
    unknown_share: float
    over_benchmark: bool
    """The top country is outside the EU and supplies more than the CRMA's 65 % (benchmark rule)."""


@dataclass
class _RuleMatch:
    rule: ControlRule
    state: RuleState
    element_mask: np.ndarray
    """(elements,) bool: which element columns the rule concerns."""
    stage_match: np.ndarray
    """(paths × stages) bool: the stage's country is one the rule names, for paths in scope."""
    stage_unknown: np.ndarray
    """(paths × stages) bool: the stage's country is unknown, for paths in scope."""
    prior: np.ndarray
    """(stages,) probability an unknown stage is in the rule's countries (world share)."""
    country_mask: np.ndarray | None = None
    """Benchmark rules: (elements × stages × countries) bool of flagged country-element-stage triples."""


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
    factors: dict[str, np.ndarray]
    factor_inputs: dict[str, list[str]] = field(repr=False, default_factory=dict)
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    capped: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    matches: list[_RuleMatch] = field(default_factory=list, repr=False)
    concentration: list[ConcentrationRow] = field(default_factory=list)
    _path_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    _path_bounds: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64), repr=False)

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

    def portfolio_score(self) -> tuple[float, str]:
        """Spend-weighted mean of the part scores (magnet kg where no prices are given), raised to the
        prohibited floor when any part is prohibited; with the reason."""
        compiled = self.compiled
        if not compiled.n_parts:
            return 0.0, "no parts"
        weights = compiled.spend if compiled.spend.sum() > 0 else compiled.mass_kg_year
        basis = "annual spend" if compiled.spend.sum() > 0 else "magnet kg per year"
        if weights.sum() <= 0:
            weights, basis = np.ones(compiled.n_parts), "parts counted equally"
        score = float(np.average(self.scores, weights=weights))
        reason = f"mean of {compiled.n_parts} part scores weighted by {basis}"
        if self.capped.any():
            worst = compiled.part_numbers[np.flatnonzero(self.capped)]
            score = max(score, PROHIBITED_FLOOR)
            reason += (f"; raised to at least {PROHIBITED_FLOOR:g} because {len(worst)} part(s) have a prohibited "
                       f"supply path ({', '.join(map(str, worst[:5]))}{' …' if len(worst) > 5 else ''})")
        return score, reason

    def paths_of(self, position: int) -> np.ndarray:
        """Rows (into the compiled paths) of one part's supply paths."""
        return self._path_order[self._path_bounds[position]:self._path_bounds[position + 1]]

    def part_report(self, part_number: str) -> PartReport:
        position = self.compiled.part_position(part_number)
        return self.part_report_at(position)

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
                elif match.state.effective:
                    hits.append(hit)
                else:
                    watch.append(hit)
        kg = self._widen(self.kg_c[path_rows]).sum(axis=0)
        value = self._widen(self.value_c[path_rows]).sum(axis=0)
        weights = self.settings.weights
        factors = {
            name: Factor(name, float(self.factors[name][position]), float(weights.get(name, 0.0)),
                         self.factor_inputs[name][position])
            for name in FACTOR_NAMES
        }
        cap = ""
        if self.capped[position]:
            prohibited = next(h for h in hits if h.effect is Effect.PROHIBITED)
            cap = (f"Raised to at least {PROHIBITED_FLOOR:g}: {prohibited.rule_id} prohibits the path through "
                   f"{self.reference.countries.name(prohibited.country)} at the {prohibited.stage.label} stage "
                   f"(supplier {prohibited.supplier_id}).")
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
            cap=cap,
            composition_note=compiled.composition_notes[position],
        )

    def hit_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per part, the number of hits, watch items and possible hits that `part_report` would list,
        counted without building them (for sorting large tables)."""
        compiled = self.compiled
        hits = np.zeros(compiled.n_parts)
        watch = np.zeros(compiled.n_parts)
        possible = np.zeros(compiled.n_parts)
        held = self.kg_c > 0
        for match in self.matches:
            concerned = match.element_mask[self.columns]
            if match.country_mask is not None:
                count = np.zeros(compiled.n_paths)
                for j, e in enumerate(self.columns):
                    if concerned[j]:
                        padded = np.concatenate([match.country_mask[e], np.zeros((N_STAGES, 1), dtype=bool)], axis=1)
                        flagged = padded[np.arange(N_STAGES)[None, :], compiled.country] & match.stage_match
                        count += flagged.sum(axis=1) * held[:, j]
                unknown = np.zeros(compiled.n_paths)
            else:
                targets = held[:, concerned].any(axis=1) if match.rule.whole_magnet else held[:, concerned].sum(axis=1)
                count = match.stage_match.sum(axis=1) * targets
                unknown = np.where(_any_stage(match.stage_match), 0, match.stage_unknown.sum(axis=1)) * targets
            by_part = np.bincount(compiled.path_part, weights=count, minlength=compiled.n_parts)
            if match.state.effective:
                hits += by_part
            else:
                watch += by_part
            possible += np.bincount(compiled.path_part, weights=unknown, minlength=compiled.n_parts)
        return hits.astype(int), watch.astype(int), possible.astype(int)

    def part_reports(self) -> list[PartReport]:
        return [self.part_report_at(i) for i in range(self.compiled.n_parts)]

    def to_json(self) -> dict[str, object]:
        score, reason = self.portfolio_score()
        return {
            "as_of": self.as_of.isoformat(),
            "rules_version": self.rules_version,
            "settings": self.settings.to_json(),
            "portfolio": {
                "score": round(score, 2),
                "band": band(score),
                "explanation": reason,
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
    kg = (compiled.wt_pct[:, columns] * part_factor[:, None])[compiled.path_part]
    kg *= compiled.share[:, None]
    value = kg * prices[columns]
    evaluation = Evaluation(as_of, settings, reference, compiled, columns, kg, value, prices, factors={})
    order = np.argsort(compiled.path_part, kind="stable")
    evaluation._path_order = order
    evaluation._path_bounds = np.searchsorted(compiled.path_part[order], np.arange(compiled.n_parts + 1))

    evaluation.concentration, benchmark_masks = _concentration(evaluation)
    evaluation.matches = _match_rules(evaluation, benchmark_masks)
    _score(evaluation)
    return evaluation


def _country_index(compiled: CompiledProject, codes: frozenset[str], excluded: frozenset[str]) -> np.ndarray:
    """(countries + 1,) bool over the compiled vocabulary (last slot = unknown, always False)."""
    vocabulary = compiled.countries
    mask = np.ones(len(vocabulary), dtype=bool) if ALL in codes else np.isin(vocabulary, list(codes))
    if excluded:
        mask &= ~np.isin(vocabulary, list(excluded))
    mask &= vocabulary != ""
    return np.append(mask, False)


def _buyer_in(rule_countries: frozenset[str], buyer: str) -> bool:
    return ALL in rule_countries or buyer in rule_countries


def _match_rules(evaluation: Evaluation, benchmark_masks: np.ndarray) -> list[_RuleMatch]:
    compiled = evaluation.compiled
    reference = evaluation.reference
    settings = evaluation.settings
    groups = {name: reference.countries.members(name) for name in ("EU", "DFARS_COVERED", "EEA")}
    buyer = settings.import_country.upper()
    matches: list[_RuleMatch] = []
    unknown_stage = compiled.country == UNKNOWN
    for rule in reference.control_list.rules:
        if rule.effect is Effect.INFO:
            continue
        state = rule.state_on(evaluation.as_of, settings.suspended_rules_in_force)
        if not (state.effective or state.status.watched):
            continue
        if rule.import_countries and not _buyer_in(expand_countries(rule.import_countries, groups), buyer):
            continue
        if rule.not_import_countries and buyer in expand_countries(rule.not_import_countries, groups):
            continue
        part_ok = np.ones(compiled.n_parts, dtype=bool)
        if rule.end_uses:
            part_ok &= np.isin(compiled.end_use, [_END_USES.index(e) for e in rule.end_uses])
        if rule.families:
            part_ok &= np.isin(compiled.family, [_FAMILIES.index(f) for f in rule.families])
        else:
            part_ok &= np.isin(compiled.family, [i for i, f in enumerate(_FAMILIES) if f.rare_earth_magnet])
        path_ok = part_ok[compiled.path_part]
        countries = expand_countries(rule.countries, groups)
        excluded = expand_countries(rule.not_countries, groups)
        country_ok = _country_index(compiled, countries, excluded)
        if rule.made_outside:
            inside = _country_index(compiled, expand_countries(rule.made_outside, groups), frozenset())
            magnet = compiled.country[:, STAGES.index(Stage.MAGNET)]
            path_ok = path_ok & ~inside[magnet]
        stage_cols = np.array([s in rule.stages for s in STAGES])
        in_scope = stage_cols & path_ok[:, None]
        stage_match = country_ok[compiled.country] & in_scope
        stage_unknown = unknown_stage & in_scope
        prior = np.array([
            sum(reference.market.world_share(stage, c) for c in countries if c != ALL) if stage in rule.stages else 0.0
            for stage in STAGES
        ])
        element_mask = np.ones(N_EL, dtype=bool) if rule.whole_magnet else np.isin(SYMBOLS, list(rule.elements))
        match = _RuleMatch(rule, state, element_mask, stage_match, stage_unknown, prior)
        if rule.effect is Effect.BENCHMARK:
            match.country_mask = benchmark_masks & element_mask[:, None, None]
            match.stage_unknown = np.zeros_like(stage_unknown)
            match.prior = np.zeros(N_STAGES)
        matches.append(match)
    return matches


def _benchmark_hits(match: _RuleMatch, country: np.ndarray, kg: np.ndarray) -> np.ndarray:
    """(paths × elements × stages) bool: the path's element passes a stage in a country over the benchmark."""
    assert match.country_mask is not None
    padded = np.concatenate([match.country_mask, np.zeros((*match.country_mask.shape[:2], 1), dtype=bool)], axis=2)
    # padded[element, stage, country]; index with each path's country per stage.
    flagged = padded[:, np.arange(N_STAGES)[None, :], country]  # (elements, paths, stages)
    return np.transpose(flagged, (1, 0, 2)) & (kg > 0)[:, :, None] & match.stage_match[:, None, :]


def _any_stage(flags: np.ndarray) -> np.ndarray:
    """(paths,) any over the four stage columns of a (paths × 4) bool array, read as one 32-bit word per row
    (numpy's reduction along a short axis is ten times slower)."""
    return np.ascontiguousarray(flags, dtype=bool).view(np.uint32).ravel() != 0


def _max_stage(values: np.ndarray) -> np.ndarray:
    return np.maximum(np.maximum(values[:, 0], values[:, 1]), np.maximum(values[:, 2], values[:, 3]))


def _path_weight(match: _RuleMatch) -> np.ndarray:
    """(paths,) how heavily the rule weighs on each path: its effect weight where a stage country matches,
    the weight × world share where the triggering stage is unknown (only for rules in force)."""
    effective = match.state.effective
    weight = EFFECT_WEIGHT[match.rule.effect] if effective else WATCH_WEIGHT
    confirmed = _any_stage(match.stage_match)
    result = confirmed * weight
    if effective and match.prior.any():
        possible = _max_stage(match.stage_unknown * match.prior) * weight
        result = np.where(confirmed, result, possible)
    return result


def _benchmark_path_flags(match: _RuleMatch, element: int, country: np.ndarray) -> np.ndarray:
    """(paths,) whether the path passes a stage in a country over the benchmark for this element."""
    assert match.country_mask is not None
    padded = np.concatenate([match.country_mask[element], np.zeros((N_STAGES, 1), dtype=bool)], axis=1)
    return _any_stage(padded[np.arange(N_STAGES)[None, :], country] & match.stage_match)


def _restricted_value(evaluation: Evaluation) -> np.ndarray:
    """(paths,) Σ over elements of value × the heaviest rule weight on that path and element.

    Elements that the same rules concern share one weight vector, so the work grows with the number of rules
    and element groups, not with paths × elements × rules."""
    value = evaluation.value_c
    columns_of = evaluation.columns
    weights = [(m, _path_weight(m)) for m in evaluation.matches if m.country_mask is None]
    benchmarks = [m for m in evaluation.matches if m.country_mask is not None]
    groups: dict[tuple[int, ...], list[int]] = {}
    for j, e in enumerate(columns_of):
        signature = tuple(i for i, (m, _) in enumerate(weights) if m.element_mask[e])
        if any(b.element_mask[e] for b in benchmarks):
            signature += (-1 - int(e),)  # benchmark weights differ per element
        groups.setdefault(signature, []).append(j)
    total = np.zeros(evaluation.compiled.n_paths)
    for signature, columns in groups.items():
        w = np.zeros(evaluation.compiled.n_paths)
        for i in signature:
            if i >= 0:
                w = np.maximum(w, weights[i][1])
            else:
                e = -1 - i
                for b in benchmarks:
                    if b.element_mask[e]:
                        flags = _benchmark_path_flags(b, e, evaluation.compiled.country)
                        scale = EFFECT_WEIGHT[b.rule.effect] if b.state.effective else WATCH_WEIGHT
                        w = np.maximum(w, flags * scale)
        if w.any():
            total += (value[:, columns[0]] if len(columns) == 1 else value[:, columns].sum(axis=1)) * w
    return total


def _sum_by_part(evaluation: Evaluation, per_path: np.ndarray) -> np.ndarray:
    """(parts × elements) sums of a (paths × elements) array."""
    compiled = evaluation.compiled
    out = np.zeros((compiled.n_parts, per_path.shape[1]))
    for e in np.flatnonzero(per_path.any(axis=0)):
        out[:, e] = np.bincount(compiled.path_part, weights=per_path[:, e], minlength=compiled.n_parts)
    return out


def _score(evaluation: Evaluation) -> None:
    compiled = evaluation.compiled
    settings = evaluation.settings
    reference = evaluation.reference
    n_parts = compiled.n_parts
    path_part = compiled.path_part
    value = evaluation.value_c
    part_value = np.bincount(path_part, weights=value.sum(axis=1), minlength=n_parts)
    safe_value = np.where(part_value > 0, part_value, 1.0)

    restricted_value = np.bincount(path_part, weights=_restricted_value(evaluation), minlength=n_parts)
    restriction = 100.0 * restricted_value / safe_value

    # Concentration: governance-weighted HHI of each stage's country mix (by volume share), worst stage.
    # An unknown stage counts as the world's dominant source at that stage: unknown origin is scored pessimistically.
    vocabulary = list(compiled.countries)
    governance = np.array([reference.countries.governance(c) if c else 10.0 for c in vocabulary])
    worst = np.zeros(n_parts)
    worst_stage = np.zeros(n_parts, dtype=int)
    top_country = np.zeros(n_parts, dtype=int)
    top_share = np.zeros(n_parts)
    n_c = len(vocabulary)
    dominant_codes = []
    for s, stage in enumerate(STAGES):
        dominant, _ = reference.market.dominant(stage)
        dominant_codes.append(dominant)
        codes = compiled.country[:, s]
        if dominant in vocabulary:
            fill = vocabulary.index(dominant)
            gov_fill = governance[fill]
        else:
            fill = n_c  # an extra slot standing for the dominant source
            gov_fill = reference.countries.governance(dominant)
        codes = np.where(codes == UNKNOWN, fill, codes)
        shares: np.ndarray = np.bincount(path_part * (n_c + 1) + codes, weights=compiled.share,
                                         minlength=n_parts * (n_c + 1)).reshape(n_parts, n_c + 1)
        totals = shares.sum(axis=1, keepdims=True)
        shares = shares / np.where(totals > 0, totals, 1.0)
        hhi = (shares ** 2 * np.append(governance, gov_fill)).sum(axis=1) * 10.0
        better = hhi > worst
        worst = np.where(better, hhi, worst)
        worst_stage = np.where(better, s, worst_stage)
        top_country = np.where(better, shares.argmax(axis=1), top_country)
        top_share = np.where(better, shares.max(axis=1), top_share)
    concentration = np.clip(worst, 0, 100)

    # Transparency: how much of the part's volume has stage origins that are unknown or only inferred.
    stage_weight = np.array([TRANSPARENCY_STAGE_WEIGHT[s] for s in STAGES])
    evidence_penalty = np.array([EVIDENCE_PENALTY[e] for e in _EVIDENCE])[compiled.evidence]
    unknown = compiled.country == UNKNOWN
    penalty = np.where(unknown, 1.0, evidence_penalty[:, None]) @ stage_weight
    transparency = 100.0 * np.bincount(path_part, weights=penalty * compiled.share, minlength=n_parts)
    unknown_share = np.bincount(path_part, weights=_any_stage(unknown) * compiled.share, minlength=n_parts)

    # Price exposure: value share of each element × its observed volatility.
    volatility = np.array([reference.prices.volatility(SYMBOLS[e])[0] for e in evaluation.columns])
    element_value = _sum_by_part(evaluation, value)
    price = 100.0 * (element_value * volatility).sum(axis=1) / safe_value

    stock = np.nan_to_num(compiled.stock_days, nan=0.0)
    disruption = max(settings.disruption_days, 1.0)
    buffer = 100.0 * np.clip(1.0 - stock / disruption, 0.0, 1.0)

    # Each part's largest supplier share: sum shares per (part, supplier), then the maximum per part over the
    # sorted keys (reduceat over each part's run, much faster than np.maximum.at).
    width = len(compiled.supplier_ids) + 1
    keys, inverse = np.unique(path_part.astype(np.int64) * width + compiled.supplier_codes, return_inverse=True)
    supplier_share = np.bincount(inverse, weights=compiled.share)
    owners = keys // width
    largest = np.zeros(n_parts)
    if len(keys):
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        largest[owners[starts]] = np.maximum.reduceat(supplier_share, starts)
    single_source = 100.0 * np.clip(largest, 0.0, 1.0)

    factors = {
        "restriction": np.clip(restriction, 0, 100),
        "concentration": concentration,
        "transparency": np.clip(transparency, 0, 100),
        "price": np.clip(price, 0, 100),
        "buffer": buffer,
        "single_source": single_source,
    }
    weights = np.array([max(settings.weights.get(name, 0.0), 0.0) for name in FACTOR_NAMES])
    stacked = np.stack([factors[name] for name in FACTOR_NAMES], axis=1)
    scores = stacked @ weights / weights.sum() if weights.sum() > 0 else np.zeros(n_parts)

    prohibited = np.zeros(n_parts, dtype=bool)
    for match in evaluation.matches:
        if match.rule.effect is Effect.PROHIBITED and match.state.effective:
            hit_paths = _any_stage(match.stage_match) & (evaluation.kg_c @ match.element_mask[evaluation.columns] > 0)
            prohibited |= np.bincount(path_part, weights=hit_paths, minlength=n_parts) > 0
    scores = np.where(prohibited, np.maximum(scores, PROHIBITED_FLOOR + factors["restriction"] / 10.0), scores)

    evaluation.factors = factors
    evaluation.scores = np.clip(scores, 0, 100)
    evaluation.capped = prohibited
    evaluation.factor_inputs = _LazyInputs(
        evaluation, restricted_value, part_value, worst_stage, top_country, top_share,
        unknown_share, element_value, volatility, stock, disruption, largest, dominant_codes,
    )


class _LazyInputs(dict):
    """factor name → per-part explanation, built only for the parts someone looks at."""

    def __init__(self, evaluation: Evaluation, *arrays: Any) -> None:
        super().__init__()
        self._evaluation = evaluation
        self._arrays = arrays

    def __missing__(self, name: str) -> _PartTexts:
        texts = _PartTexts(self._evaluation, name, self._arrays)
        self[name] = texts
        return texts


class _PartTexts:
    def __init__(self, evaluation: Evaluation, name: str, arrays: tuple[Any, ...]) -> None:
        self.evaluation = evaluation
        self.name = name
        self.arrays = arrays

    def __getitem__(self, p: int) -> str:
        (restricted_value, part_value, worst_stage, top_country, top_share, unknown_share,
         element_value, volatility, stock, disruption, largest, dominant_codes) = self.arrays
        ev = self.evaluation
        compiled = ev.compiled
        vocabulary = list(compiled.countries)
        if self.name == "restriction":
            if part_value[p] <= 0:
                return "no priced element content"
            return (f"{restricted_value[p] / part_value[p]:.0%} of the part's element value "
                    f"(${part_value[p]:,.0f} a year) passes a stage under a rule, weighted by effect "
                    "(prohibited 1, licence 0.6, tariff 0.4, benchmark 0.25, watch 0.1; unknown stages count at "
                    "the world share of the rule's countries)")
        if self.name == "concentration":
            stage = STAGES[worst_stage[p]]
            code = vocabulary[top_country[p]] if top_country[p] < len(vocabulary) else dominant_codes[worst_stage[p]]
            name = ev.reference.countries.name(code) if code else "unknown"
            text = (f"worst stage {stage.label}: {top_share[p]:.0%} from {name}; governance-weighted HHI "
                    f"{ev.factors['concentration'][p] / 10:.2f} of 10")
            if unknown_share[p] > 0:
                main = ev.reference.countries.name(dominant_codes[worst_stage[p]])
                text += f" (unknown origins counted as the world's main source, {main})"
            return text
        if self.name == "transparency":
            return (f"{unknown_share[p]:.0%} of the volume has at least one stage of unknown origin; stages "
                    "weigh mine 0.15, separation 0.35, metal 0.15, magnet 0.35; known origins count verified 0, "
                    "declared 0.25, inferred 0.6, evidence unknown 0.8")
        if self.name == "price":
            if part_value[p] <= 0:
                return "no priced element content"
            shares = element_value[p] / part_value[p]
            top = np.argsort(shares * volatility)[::-1][:3]
            listed = ", ".join(f"{SYMBOLS[ev.columns[i]]} {shares[i]:.0%} of value × volatility {volatility[i]:.2f}"
                               for i in top if shares[i] > 0 and volatility[i] > 0)
            return listed or "no volatile elements"
        if self.name == "buffer":
            given = "" if not np.isnan(compiled.stock_days[p]) else " (stock not given: counted as none)"
            return f"{stock[p]:g} days of stock against a {disruption:g}-day disruption{given}"
        if self.name == "single_source":
            return f"the largest supplier holds {largest[p]:.0%} of the part's volume"
        raise KeyError(self.name)


def _concentration(evaluation: Evaluation) -> tuple[list[ConcentrationRow], np.ndarray]:
    """Per element and stage on the buyer's own kg: the top country's share and the governance-weighted HHI.
    Also the (elements × stages × countries) mask of third countries over an active benchmark."""
    compiled = evaluation.compiled
    reference = evaluation.reference
    vocabulary = list(compiled.countries)
    n_c = len(vocabulary)
    eu = reference.countries.members("EU")
    governance = np.array([reference.countries.governance(c) if c else 0.0 for c in vocabulary])
    thresholds = [r.threshold_pct for r in reference.control_list.rules if r.effect is Effect.BENCHMARK]
    threshold_pct = thresholds[0] if thresholds else 65.0
    assert threshold_pct is not None  # the control list refuses a benchmark rule without its threshold
    threshold = threshold_pct / 100.0
    third_country = np.array([bool(c) and c not in eu for c in vocabulary], dtype=bool)
    mask = np.zeros((N_EL, N_STAGES, n_c), dtype=bool)
    rows: list[ConcentrationRow] = []
    for s, stage in enumerate(STAGES):
        codes = np.where(compiled.country[:, s] == UNKNOWN, n_c, compiled.country[:, s])
        for j, e in enumerate(evaluation.columns):
            if not elements.ELEMENTS[e].rare_earth and SYMBOLS[e] != "Co":
                continue
            by_country = np.bincount(codes, weights=evaluation.kg_c[:, j], minlength=n_c + 1)
            total = by_country.sum()
            if total <= 0:
                continue
            shares = by_country[:n_c] / total
            known_total = shares.sum()
            top = int(shares.argmax()) if n_c else 0
            top_share = float(shares[top]) if n_c else 0.0
            over = shares > threshold
            mask[e, s] = over & third_country
            rows.append(ConcentrationRow(
                element=SYMBOLS[e],
                stage=stage,
                top_country=vocabulary[top] if n_c and top_share > 0 else "",
                top_share=top_share,
                hhi_governance=float((shares ** 2 * governance).sum()),
                unknown_share=float(1.0 - known_total),
                over_benchmark=bool(mask[e, s].any()),
            ))
    return rows, mask


def _hits_for(evaluation: Evaluation, match: _RuleMatch, path_rows: np.ndarray) -> list[Hit]:
    """The hits (or watch / possible items) of one rule on the given paths, as objects."""
    compiled = evaluation.compiled
    rule = match.rule
    countries = evaluation.reference.countries
    result: list[Hit] = []
    status = match.state.status.value
    label = rule.effect_label if match.state.effective else f"watch: {rule.effect_label}, {status}"
    kg_rows = evaluation._widen(evaluation.kg_c[path_rows])
    value_rows = evaluation._widen(evaluation.value_c[path_rows])
    benchmark = (_benchmark_hits(match, compiled.country[path_rows], kg_rows)
                 if match.country_mask is not None else None)
    for local, row in enumerate(path_rows):
        kg_row = kg_rows[local]
        value_row = value_rows[local]
        concerned = np.flatnonzero(match.element_mask & (kg_row > 0))
        if not len(concerned):
            continue
        supplier = str(compiled.path_supplier[row])
        share_pct = float(compiled.share[row] * 100.0)
        for s, stage in enumerate(STAGES):
            confirmed = bool(match.stage_match[row, s])
            unknown = bool(match.stage_unknown[row, s]) and not match.stage_match[row].any()
            if not (confirmed or unknown):
                continue
            code = compiled.countries[compiled.country[row, s]] if confirmed else ""
            place = countries.name(code) if confirmed else "an unknown country"
            if rule.whole_magnet:
                targets: list[int | None] = [None]
            else:
                targets = [int(e) for e in concerned]
            for e in targets:
                if benchmark is not None and (e is None or not benchmark[local, e, s]):
                    continue
                kg = float(kg_row.sum() if e is None else kg_row[e])
                value = float(value_row.sum() if e is None else value_row[e])
                what = "the magnet" if e is None else elements.BY_SYMBOL[SYMBOLS[e]].name.capitalize()
                if unknown:
                    explanation = (f"{what} passes the {stage.label} stage in an unknown country; "
                                   f"{match.prior[s]:.0%} of world {stage.label} is where {rule.id} applies")
                else:
                    explanation = (f"{what} ({kg:,.3f} kg/yr via {supplier}, {share_pct:g} % of the part) passes "
                                   f"the {stage.label} stage in {place}: {rule.instrument} — {rule.title} "
                                   f"({match.state.reason})")
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
                    explanation=explanation,
                    possible=unknown,
                ))
    return result


def compare(before: Evaluation, after: Evaluation) -> list[dict[str, Any]]:
    """What changes between two evaluations of the same project (e.g. today and 2027-01-01), part by part."""
    changes = []
    for position, part_number in enumerate(before.compiled.part_numbers):
        old = before.part_report_at(position)
        new = after.part_report_at(position)
        old_hits = {(h.rule_id, h.element, h.stage, h.supplier_id) for h in old.hits}
        new_hits = {(h.rule_id, h.element, h.stage, h.supplier_id) for h in new.hits}
        gained = sorted({key[0] for key in new_hits - old_hits})
        lost = sorted({key[0] for key in old_hits - new_hits})
        if abs(new.score - old.score) > 1e-9 or gained or lost:
            changes.append({
                "part_number": str(part_number),
                "score_before": round(old.score, 2),
                "score_after": round(new.score, 2),
                "delta": round(new.score - old.score, 2),
                "rules_gained": gained,
                "rules_lost": lost,
            })
    return sorted(changes, key=lambda c: -abs(float(c["delta"])))
