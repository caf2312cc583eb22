"""Mitigation variants: what a buyer could change — move a supply path, add a second source, use another grade,
hold more stock — kept in the project as data and applied to a copy of it, never to the project itself.

Comparing variants under a scenario (scores, costs, who stops) is `riskdesk.core.mitigations`; the definitions
sit here, in the project model's layer, so that a project holds its variants without depending on the scoring.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np
import pandas as pd

from riskdesk.core.countries import resolve_country
from riskdesk.core.domain import STAGE_EVIDENCE_COLUMNS, STAGES, Evidence, MagnetFamily, parse_enum
from riskdesk.core.tables import ProjectTables

_C = TypeVar("_C", bound="_Copyable")


class _Copyable(Protocol):
    """What a variant is applied to: a project (`riskdesk.core.project.Project`), copied first."""

    @property
    def tables(self) -> ProjectTables: ...

    def copy(self: _C) -> _C: ...


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


def _part_rows(tables: ProjectTables, part_number: str, what: str) -> pd.Series:
    parts = tables.parts
    rows = parts["part_number"] == part_number
    if not rows.any():
        raise MitigationError(f"{what}: there is no part {part_number!r}")
    return rows


def _add_supplier(tables: ProjectTables, supplier_id: str, name: str, country: str) -> None:
    suppliers = tables.suppliers
    if (suppliers["supplier_id"] == supplier_id).any():
        return
    row = pd.DataFrame([{"supplier_id": supplier_id, "supplier_name": name or supplier_id,
                         "supplier_country": country, "general_licence": ""}])
    tables.suppliers = pd.concat([suppliers, row], ignore_index=True)


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

    def apply(self, tables: ProjectTables) -> None:
        what = f"moving {self.part_number}'s path from {self.supplier_id}"
        _part_rows(tables, self.part_number, what)
        paths = tables.paths
        rows = (paths["part_number"] == self.part_number) & (paths["supplier_id"] == self.supplier_id)
        if not rows.any():
            raise MitigationError(f"{what}: the part has no supply path from {self.supplier_id!r}")
        countries = _countries(self.countries, what)
        for stage, code in countries.items():
            paths.loc[rows, f"{stage}_country"] = code
            paths.loc[rows, f"{stage}_evidence"] = ""  # a moved stage is known as the path is
        if self.evidence:
            if parse_enum(Evidence, self.evidence) is None:
                raise MitigationError(f"{what}: {self.evidence!r} is not one of "
                                      f"{', '.join(e.value for e in Evidence)}")
            paths.loc[rows, "origin_evidence"] = str(parse_enum(Evidence, self.evidence))
            paths.loc[rows, list(STAGE_EVIDENCE_COLUMNS)] = ""  # the variant's evidence, for every stage
        if self.to_supplier_id:
            made_in = str(paths.loc[rows, "magnet_country"].iloc[0])
            _add_supplier(tables, self.to_supplier_id, "", made_in)
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

    def purchase_change(self, tables: ProjectTables, months: int) -> float | None:
        """What buying `share_pct` of the part's units at the second source's price adds over `months` to what
        the original project (`tables`) pays for them (USD, negative when cheaper); None when either price or the part's
        units a year are unknown."""
        if self.unit_price is None:
            return None
        parts = tables.parts
        rows = parts.loc[parts["part_number"] == self.part_number]
        if rows.empty:
            return None
        price, units = float(rows["unit_price"].iloc[0]), float(rows["annual_units"].iloc[0])
        if not (np.isfinite(price) and np.isfinite(units)):
            return None
        return (self.unit_price - price) * units * self.share_pct / 100.0 * months / 12.0

    def apply(self, tables: ProjectTables) -> None:
        what = f"adding {self.supplier_id} as a source of {self.part_number}"
        _part_rows(tables, self.part_number, what)
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
        paths = tables.paths
        own = paths["part_number"] == self.part_number
        if (paths.loc[own, "supplier_id"].astype(str).str.strip() == self.supplier_id.strip()).any():
            raise MitigationError(f"{what}: {self.supplier_id} already supplies {self.part_number}. A second source "
                                  "is another supplier; to change where this one's supply comes from, move its path")
        paths.loc[own, "share_pct"] = paths.loc[own, "share_pct"] * (100.0 - self.share_pct) / 100.0
        row = {"part_number": self.part_number, "supplier_id": self.supplier_id, "share_pct": self.share_pct,
               "origin_evidence": evidence.value, **dict.fromkeys(STAGE_EVIDENCE_COLUMNS, "")}
        row.update({f"{stage}_country": countries.get(stage, "") for stage in _STAGE_NAMES})
        tables.paths = pd.concat([paths, pd.DataFrame([row])], ignore_index=True)
        made_in = _country(self.supplier_country, what) or countries.get("magnet", "")
        _add_supplier(tables, self.supplier_id, self.supplier_name, made_in)


def usual_countries(tables: ProjectTables, supplier_id: str) -> dict[str, str]:
    """Stage → country of most of `supplier_id`'s supply paths in `project` (blank stages left out); {} for a
    supplier without paths."""
    paths = tables.paths
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

    def apply(self, tables: ProjectTables) -> None:
        what = f"changing the grade of {self.part_number}"
        rows = _part_rows(tables, self.part_number, what)
        if not self.grade.strip():
            raise MitigationError(f"{what}: give the new grade (e.g. N42SH)")
        parts = tables.parts
        parts.loc[rows, "grade"] = self.grade
        if self.family:
            family = parse_enum(MagnetFamily, self.family)
            if family is None:
                raise MitigationError(f"{what}: {self.family!r} is not a magnet family")
            parts.loc[rows, "magnet_family"] = family.value
        composition = tables.composition
        tables.composition = composition[composition["part_number"] != self.part_number].reset_index(
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

    def apply(self, tables: ProjectTables) -> None:
        what = f"adding stock to {self.part_number}"
        parts = tables.parts
        rows = (pd.Series(True, index=parts.index) if self.part_number == "*"
                else _part_rows(tables, self.part_number, what))
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

    def apply(self, project: _C) -> _C:
        """A copy of `project` with the changes made (the project itself is untouched)."""
        copy = project.copy()
        for change in self.changes:
            change.apply(copy.tables)
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


__all__ = [
    "CHANGE_TYPES",
    "AddSource",
    "AddStock",
    "Change",
    "ChangeGrade",
    "MitigationError",
    "MovePath",
    "Variant",
    "usual_countries",
]
