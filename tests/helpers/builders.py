"""Small projects for tests, built in the buyer's words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from riskdesk.core.project import Project, ProjectSettings, ProjectTables


@dataclass
class PathSpec:
    supplier_id: str = "SUP-1"
    share_pct: float = 100.0
    mine: str = "AU"
    separation: str = "MY"
    metal: str = "JP"
    magnet: str = "JP"
    evidence: str = "declared"


@dataclass
class PartSpec:
    part_number: str = "P-1"
    end_use: str = "industrial"
    family: str = "NdFeB-sintered"
    grade: str = "N42SH"
    mass_g: float = 100.0
    units: float = 1000.0
    unit_price: float = 10.0
    stock_days: float = 30.0
    paths: Sequence[PathSpec] = field(default_factory=lambda: [PathSpec()])
    composition: Mapping[str, float] = field(default_factory=dict)


def project_of(*parts: PartSpec, import_country: str = "US", **settings: object) -> Project:
    part_rows, path_rows, composition_rows, suppliers = [], [], [], {}
    for part in parts:
        part_rows.append({
            "part_number": part.part_number, "description": f"test part {part.part_number}",
            "end_use": part.end_use, "magnet_family": part.family, "grade": part.grade,
            "magnet_mass_g": part.mass_g, "annual_units": part.units, "unit_price": part.unit_price,
            "stock_days": part.stock_days,
        })
        for path in part.paths:
            suppliers[path.supplier_id] = {"supplier_id": path.supplier_id, "supplier_name": path.supplier_id,
                                           "supplier_country": path.magnet}
            path_rows.append({
                "part_number": part.part_number, "supplier_id": path.supplier_id, "share_pct": path.share_pct,
                "mine_country": path.mine, "separation_country": path.separation,
                "metal_country": path.metal, "magnet_country": path.magnet, "origin_evidence": path.evidence,
            })
        for symbol, pct in part.composition.items():
            composition_rows.append({"part_number": part.part_number, "element": symbol, "wt_pct": pct})
    tables = ProjectTables.from_frames(
        pd.DataFrame(part_rows), pd.DataFrame(list(suppliers.values())), pd.DataFrame(path_rows),
        pd.DataFrame(composition_rows),
    )
    return Project(settings=ProjectSettings(import_country=import_country, **settings), tables=tables)  # type: ignore[arg-type]


def all_in(country: str, evidence: str = "declared", supplier: str = "SUP-1", share: float = 100.0) -> PathSpec:
    return PathSpec(supplier, share, country, country, country, country, evidence)
