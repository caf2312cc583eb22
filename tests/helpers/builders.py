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
    feedstock: str = ""
    """mined, recycled (the mine country is then where it was recycled) or blank (mined)."""


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
                "feedstock": path.feedstock,
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


def project_with_everything() -> Project:
    """The demo project with everything a buyer keeps in a project besides its tables, each different from a new
    project's: settings of their own, a saved scenario, a mitigation variant, a confirmed column mapping, the
    creation date and a declaration request. `tests/test_cli_reliability.py` checks that this covers every field of
    `Project`."""
    import dataclasses
    import datetime as dt

    from riskdesk.core.demo import demo_project
    from riskdesk.core.mitigations import AddStock, Variant
    from riskdesk.core.scenarios import PriceShock, Scenario

    project = demo_project()
    project.settings = dataclasses.replace(
        project.settings, name="Kept settings", import_country="DE", suspended_rules_in_force=True,
        disruption_days=90.0, price_basis="ex-china", us_defence_supply="yes", resourcing_days=120.0, stale_months=6.0,
        weights={**project.settings.weights, "price": 0.3})
    shock = PriceShock(elements=("Dy",), shape="step", multiplier=2.0, from_month=1, months=6)
    project.scenarios = [Scenario("Kept scenario", dt.date(2027, 1, 1), price_shocks=(shock,))]
    project.variants = [Variant("Kept variant", (AddStock("*", 30.0),))]
    project.saved_mappings = {"kept-layout": {"columns": [{"header": "Teilenummer", "field": "part_number"}]}}
    project.created = dt.date(2025, 4, 4)
    from riskdesk.core.declarations import DeclarationRequest, Declarations

    project.declarations = Declarations((DeclarationRequest("RMD-20250404-0000abcd", "SUP-JP1", dt.date(2025, 4, 4),
                                                            None, ("EPS-MTR-8",)),))
    return project


def project_for_new_sheets() -> Project:
    """The demo with two declaration requests (one answered for one path, long ago, and overdue; one waiting) and
    three variants (a priced second source, more stock, one naming a part the project lacks)."""
    import datetime as dt

    from riskdesk.core.declarations import (
        STAGE_FIELDS,
        DeclarationAnswer,
        DeclarationRequest,
        Declarations,
        PathOrigin,
    )
    from riskdesk.core.demo import demo_project
    from riskdesk.core.variants import AddSource, AddStock, ChangeGrade, Variant

    project = demo_project()
    paths = project.tables.paths
    first = paths[paths["supplier_id"] == "SUP-CN1"]
    row = first.iloc[0]
    origin = PathOrigin(str(row["row_id"]), str(row["part_number"]), "declared",
                        tuple(str(row[c]) for c in STAGE_FIELDS))  # type: ignore[arg-type]
    asked = tuple(dict.fromkeys(str(p) for p in first["part_number"]))
    answer = DeclarationAnswer(dt.date(2026, 10, 1), dt.date(2025, 6, 1), "answer.xlsx", "ab" * 32,
                               parts=asked[:1], paths=(origin,))
    waiting = tuple(dict.fromkeys(str(p) for p in paths[paths["supplier_id"] == "SUP-VN1"]["part_number"]))
    project.declarations = Declarations((
        DeclarationRequest("RMD-20260901-aaaa0001", "SUP-CN1", dt.date(2026, 9, 1), dt.date(2026, 10, 15), asked,
                           (answer,)),
        DeclarationRequest("RMD-20261101-bbbb0002", "SUP-VN1", dt.date(2026, 11, 1), dt.date(2026, 12, 15), waiting)))
    part = str(project.tables.parts["part_number"].iloc[0])
    project.variants = [
        Variant("Second source in Japan", (AddSource(part, "SUP-JP9", 40.0, {"mine": "AU", "separation": "JP",
                                                                              "metal": "JP", "magnet": "JP"},
                                                     unit_price=20.0, supplier_name="Nihon Magnet"),)),
        Variant("More stock", (AddStock("*", 60.0),)),
        Variant("Broken", (ChangeGrade("NOPE", "N42"),))]
    return project


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """A table without its row ids (riskdesk.core.fields.ROW_ID): what the user sees, to compare two tables made
    apart, whose rows got ids of their own."""
    return frame.drop(columns="row_id")
