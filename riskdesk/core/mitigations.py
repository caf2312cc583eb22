"""Mitigations: variants of a project compared side by side with the original under one scenario.

A `Variant` is a list of changes — move a supply path to another supplier or country, add a second source at a
share, use another grade, hold more stock — applied to a *copy* of the project: the real data never changes.
`compare_variants` scores the original and every variant on one date and runs the same scenario on each, so
the buyer sees, per variant and per part, the score, the scenario's cost and who stops.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from riskdesk.core.countries import resolve_country
from riskdesk.core.domain import STAGES, Evidence, MagnetFamily, parse_enum
from riskdesk.core.evaluation import Evaluation, band, evaluate
from riskdesk.core.project import Project
from riskdesk.core.reference import ReferenceData, default_reference
from riskdesk.core.scenarios import Scenario, ScenarioResult, run_scenario

_STAGE_NAMES = tuple(s.value for s in STAGES)


class MitigationError(ValueError):
    """A change that cannot be applied to the project (a part or path that does not exist, a bad share …)."""


def _country(value: str, what: str) -> str:
    if not value:
        return ""
    code = resolve_country(value)
    if code is None:
        raise MitigationError(f"{what}: {value!r} is not a country RiskDesk knows (use an ISO code such as JP)")
    return code


def _countries(countries: Mapping[str, str], what: str) -> dict[str, str]:
    result = {}
    for stage, value in countries.items():
        if stage not in _STAGE_NAMES:
            raise MitigationError(f"{what}: {stage!r} is not a stage ({', '.join(_STAGE_NAMES)})")
        result[stage] = _country(value, f"{what}, {stage}")
    return result


def _part_rows(project: Project, part_number: str, what: str) -> pd.Series:
    parts = project.tables.parts
    rows = parts["part_number"] == part_number
    if not rows.any():
        raise MitigationError(f"{what}: there is no part {part_number!r}")
    return rows


def _add_supplier(project: Project, supplier_id: str, name: str, country: str) -> None:
    suppliers = project.tables.suppliers
    if (suppliers["supplier_id"] == supplier_id).any():
        return
    row = pd.DataFrame([{"supplier_id": supplier_id, "supplier_name": name or supplier_id,
                         "supplier_country": country, "general_licence": ""}])
    project.tables.suppliers = pd.concat([suppliers, row], ignore_index=True)


@dataclass(frozen=True)
class MovePath:
    """Move one supply path (the part's path from `supplier_id`) to another supplier and/or other countries."""

    part_number: str
    supplier_id: str
    to_supplier_id: str = ""
    """"" keeps the supplier."""
    countries: Mapping[str, str] = field(default_factory=dict)
    """Stage → country (ISO code or name; "" for unknown) for the stages that change."""
    evidence: str = ""
    """How the new countries are known ("" keeps the path's)."""
    kind: ClassVar[str] = "move_path"

    def describe(self) -> str:
        where = ", ".join(f"{stage} {self.countries[stage] or 'unknown'}" for stage in _STAGE_NAMES
                          if stage in self.countries)
        to = f" to supplier {self.to_supplier_id}" if self.to_supplier_id else ""
        return f"{self.part_number}: move the path from {self.supplier_id}{to}" + (f" ({where})" if where else "")

    def apply(self, project: Project) -> None:
        what = f"moving {self.part_number}'s path from {self.supplier_id}"
        _part_rows(project, self.part_number, what)
        paths = project.tables.paths
        rows = (paths["part_number"] == self.part_number) & (paths["supplier_id"] == self.supplier_id)
        if not rows.any():
            raise MitigationError(f"{what}: the part has no supply path from {self.supplier_id!r}")
        countries = _countries(self.countries, what)
        for stage, code in countries.items():
            paths.loc[rows, f"{stage}_country"] = code
        if self.evidence:
            if parse_enum(Evidence, self.evidence) is None:
                raise MitigationError(f"{what}: {self.evidence!r} is not one of "
                                      f"{', '.join(e.value for e in Evidence)}")
            paths.loc[rows, "origin_evidence"] = str(parse_enum(Evidence, self.evidence))
        if self.to_supplier_id:
            made_in = str(paths.loc[rows, "magnet_country"].iloc[0])
            _add_supplier(project, self.to_supplier_id, "", made_in)
            paths.loc[rows, "supplier_id"] = self.to_supplier_id


@dataclass(frozen=True)
class AddSource:
    """A second source for a part at `share_pct` of its volume; its other paths shrink in proportion."""

    part_number: str
    supplier_id: str
    share_pct: float
    countries: Mapping[str, str] = field(default_factory=dict)
    """Stage → country of the new path (stages not given: unknown)."""
    evidence: str = "declared"
    supplier_name: str = ""
    supplier_country: str = ""
    """Where the new supplier makes what it delivers ("": its magnet country)."""
    unit_price: float | None = None
    """What the second source charges per unit (USD); None: not known, and neither is what the variant costs."""
    kind: ClassVar[str] = "add_source"

    def describe(self) -> str:
        where = ", ".join(f"{stage} {code}" for stage, code in self.countries.items() if code)
        price = "" if self.unit_price is None else f", ${self.unit_price:,.2f} a unit"
        return (f"{self.part_number}: second source {self.supplier_id} at {self.share_pct:g} %{price}"
                + (f" ({where})" if where else ""))

    def purchase_change(self, project: Project, months: int) -> float | None:
        """What buying `share_pct` of the part's units at the second source's price adds over `months` to what
        `project` (the original) pays for them (USD, negative when cheaper); None when either price or the part's
        units a year are unknown."""
        if self.unit_price is None:
            return None
        parts = project.tables.parts
        rows = parts.loc[parts["part_number"] == self.part_number]
        if rows.empty:
            return None
        price, units = float(rows["unit_price"].iloc[0]), float(rows["annual_units"].iloc[0])
        if not (np.isfinite(price) and np.isfinite(units)):
            return None
        return (self.unit_price - price) * units * self.share_pct / 100.0 * months / 12.0

    def apply(self, project: Project) -> None:
        what = f"adding {self.supplier_id} as a source of {self.part_number}"
        _part_rows(project, self.part_number, what)
        if not self.supplier_id.strip():
            raise MitigationError(f"adding a source of {self.part_number}: give the new supplier's id")
        if not 0 < self.share_pct < 100:
            raise MitigationError(f"{what}: the share must be between 0 and 100 %, not {self.share_pct:g}")
        if self.unit_price is not None and not (np.isfinite(self.unit_price) and self.unit_price >= 0):
            raise MitigationError(f"{what}: the unit price must be a number from 0, not {self.unit_price}")
        evidence = parse_enum(Evidence, self.evidence)
        if evidence is None:
            raise MitigationError(f"{what}: {self.evidence!r} is not one of {', '.join(e.value for e in Evidence)}")
        countries = _countries(self.countries, what)
        paths = project.tables.paths
        own = paths["part_number"] == self.part_number
        if (paths.loc[own, "supplier_id"].astype(str).str.strip() == self.supplier_id.strip()).any():
            raise MitigationError(f"{what}: {self.supplier_id} already supplies {self.part_number}. A second source "
                                  "is another supplier; to change where this one's supply comes from, move its path")
        paths.loc[own, "share_pct"] = paths.loc[own, "share_pct"] * (100.0 - self.share_pct) / 100.0
        row = {"part_number": self.part_number, "supplier_id": self.supplier_id, "share_pct": self.share_pct,
               "origin_evidence": evidence.value}
        row.update({f"{stage}_country": countries.get(stage, "") for stage in _STAGE_NAMES})
        project.tables.paths = pd.concat([paths, pd.DataFrame([row])], ignore_index=True)
        made_in = _country(self.supplier_country, what) or countries.get("magnet", "")
        _add_supplier(project, self.supplier_id, self.supplier_name, made_in)


def usual_countries(project: Project, supplier_id: str) -> dict[str, str]:
    """Stage → country of most of `supplier_id`'s supply paths in `project` (blank stages left out); {} for a
    supplier without paths."""
    paths = project.tables.paths
    own = paths.loc[paths["supplier_id"].astype(str).str.strip() == supplier_id]
    if own.empty or not supplier_id:
        return {}
    columns = [f"{stage.value}_country" for stage in STAGES]
    chains = own[columns].fillna("").astype(str).apply(tuple, axis=1)
    chain = chains.value_counts(sort=True).index[0]
    return {stage.value: code for stage, code in zip(STAGES, chain, strict=True) if code}


@dataclass(frozen=True)
class ChangeGrade:
    """Another grade (and optionally family) for a part. The part's own composition figures are dropped: they
    described the old grade's magnet, and the new grade's default composition applies."""

    part_number: str
    grade: str
    family: str = ""
    kind: ClassVar[str] = "change_grade"

    def describe(self) -> str:
        return f"{self.part_number}: grade {self.grade}" + (f" ({self.family})" if self.family else "")

    def apply(self, project: Project) -> None:
        what = f"changing the grade of {self.part_number}"
        rows = _part_rows(project, self.part_number, what)
        if not self.grade.strip():
            raise MitigationError(f"{what}: give the new grade (e.g. N42SH)")
        parts = project.tables.parts
        parts.loc[rows, "grade"] = self.grade
        if self.family:
            family = parse_enum(MagnetFamily, self.family)
            if family is None:
                raise MitigationError(f"{what}: {self.family!r} is not a magnet family")
            parts.loc[rows, "magnet_family"] = family.value
        composition = project.tables.composition
        project.tables.composition = composition[composition["part_number"] != self.part_number].reset_index(
            drop=True)


@dataclass(frozen=True)
class AddStock:
    """`days` more days of stock for a part ("*": every part). A part with no stock given starts from none."""

    part_number: str
    days: float
    kind: ClassVar[str] = "add_stock"

    def describe(self) -> str:
        who = "every part" if self.part_number == "*" else self.part_number
        return f"{who}: {self.days:+g} days of stock"

    def apply(self, project: Project) -> None:
        what = f"adding stock to {self.part_number}"
        parts = project.tables.parts
        rows = (pd.Series(True, index=parts.index) if self.part_number == "*"
                else _part_rows(project, self.part_number, what))
        if not np.isfinite(self.days):
            raise MitigationError(f"{what}: {self.days} is not a number of days")
        parts.loc[rows, "stock_days"] = (parts.loc[rows, "stock_days"].fillna(0.0) + self.days).clip(lower=0.0)


Change = MovePath | AddSource | ChangeGrade | AddStock
CHANGE_TYPES: Mapping[str, type[MovePath] | type[AddSource] | type[ChangeGrade] | type[AddStock]] = {
    t.kind: t for t in (MovePath, AddSource, ChangeGrade, AddStock)
}


@dataclass(frozen=True)
class Variant:
    """A named set of changes to a copy of the project."""

    name: str
    changes: tuple[Change, ...] = ()

    def apply(self, project: Project) -> Project:
        """A copy of `project` with the changes made (the project itself is untouched)."""
        copy = dataclasses.replace(project, tables=project.tables.copy(),
                                   settings=dataclasses.replace(project.settings,
                                                                weights=dict(project.settings.weights)))
        for change in self.changes:
            change.apply(copy)
        return copy

    def to_json(self) -> dict[str, Any]:
        changes = []
        for change in self.changes:
            data: dict[str, Any] = {"kind": change.kind}
            for name, value in dataclasses.asdict(change).items():
                data[name] = dict(value) if isinstance(value, Mapping) else value
            changes.append(data)
        return {"name": self.name, "changes": changes}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Variant:
        """A variant from `to_json`'s shape; raises MitigationError for a change it does not know."""
        changes: list[Change] = []
        for i, item in enumerate(data.get("changes", []), start=1):
            if not isinstance(item, Mapping) or item.get("kind") not in CHANGE_TYPES:
                raise MitigationError(f"variant {data.get('name')!r}, change {i}: unknown kind "
                                      f"{item.get('kind') if isinstance(item, Mapping) else item!r}")
            kind = CHANGE_TYPES[str(item["kind"])]
            fields = {f.name for f in dataclasses.fields(kind)}
            try:
                changes.append(kind(**{k: v for k, v in item.items() if k in fields}))
            except TypeError as exc:
                raise MitigationError(f"variant {data.get('name')!r}, change {i}: {exc}") from None
        return cls(str(data.get("name", "Variant")), tuple(changes))


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
            added = change.purchase_change(project, scenario.horizon_months)
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
