"""A realistic demo project, and large synthetic projects for benchmarks.

Supplier names are invented; stage countries follow the market shares in FACTS.md (China dominant in
separation, metal and magnet making; Australia, Myanmar and the US mining; Japan, Germany, Estonia and
Vietnam making magnets).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskdesk.core.domain import EndUse, MagnetFamily
from riskdesk.core.project import Project, ProjectSettings, ProjectTables

_SUPPLIERS = [
    ("SUP-CN1", "Baotou Northern Magnetics Co.", "CN"),
    ("SUP-CN2", "Ganzhou Heavy RE Materials Co.", "CN"),
    ("SUP-JP1", "Hokuriku Magnet Works K.K.", "JP"),
    ("SUP-DE1", "Rheinland Magnettechnik GmbH", "DE"),
    ("SUP-US1", "Texas Permanent Magnets LLC", "US"),
    ("SUP-VN1", "Hai Phong Magnet Materials JSC", "VN"),
    ("SUP-EE1", "Narva Magnetics OÜ", "EE"),
]

# part_number, description, end use, family, grade, magnet g/unit, units/yr, unit price, stock days
_PARTS = [
    ("MTR-TRAC-200", "Traction motor rotor magnet set", "automotive", "NdFeB-sintered", "N38UH", 1800, 40_000, 210.0, 20),
    ("ACT-FIN-07", "Missile fin actuator magnet", "defence", "Sm2Co17", "YXG-28", 120, 2_500, 85.0, 90),
    ("GEN-WTG-DD5", "Direct-drive generator magnet set", "wind", "NdFeB-sintered", "N38SH", 600_000, 120, 48_000.0, 30),
    ("SNS-HALL-12", "Hall sensor bias magnet", "electronics", "NdFeB-bonded", "BNP-8", 0.8, 2_000_000, 0.12, 45),
    ("SRV-ROB-40", "Servo motor magnet arc", "industrial", "NdFeB-sintered", "N45SH", 85, 60_000, 9.5, 35),
    ("RAD-TWT-3", "Travelling-wave tube focusing magnet", "defence", "SmCo5", "YX-20", 45, 800, 140.0, 120),
    ("PMP-EV-COOL", "EV coolant pump rotor magnet", "automotive", "NdFeB-sintered", "N40H", 22, 250_000, 1.8, 15),
    ("DRN-PROP-6", "Drone propulsion motor magnets", "defence", "NdFeB-sintered", "N48H", 60, 12_000, 12.0, 25),
    ("HDD-VCM-2", "Disk drive voice-coil magnet", "electronics", "NdFeB-sintered", "N50", 9, 900_000, 0.9, 10),
    ("ELV-DRV-15", "Elevator gearless drive magnets", "industrial", "NdFeB-sintered", "N42SH", 3200, 1_500, 310.0, 60),
    ("EPS-MTR-8", "Electric power steering motor magnets", "automotive", "NdFeB-sintered", "N44SH", 180, 150_000, 16.0, 28),
    ("GYR-NAV-1", "Navigation gyro magnet", "defence", "Sm2Co17", "Sm2Co17", 15, 3_000, 60.0, 180),
    ("FAN-HVAC-3", "HVAC EC fan motor magnets", "industrial", "ferrite", "Y30BH", 140, 300_000, 0.6, 40),
    ("LDR-MIR-2", "Lidar scanner mirror magnet", "automotive", "NdFeB-sintered", "N35EH", 4, 400_000, 0.5, 12),
    ("EBK-HUB-5", "E-bike hub motor magnets (Ho-doped)", "other", "NdFeB-sintered", "N42H", 320, 30_000, 7.5, 30),
]

# part_number, supplier, share %, mine, separation, metal, magnet, evidence ("" = unknown country)
_PATHS = [
    ("MTR-TRAC-200", "SUP-CN1", 70, "CN", "CN", "CN", "CN", "declared"),
    ("MTR-TRAC-200", "SUP-JP1", 30, "AU", "MY", "JP", "JP", "verified"),
    ("ACT-FIN-07", "SUP-DE1", 100, "", "CN", "DE", "DE", "inferred"),
    ("GEN-WTG-DD5", "SUP-CN1", 60, "CN", "CN", "CN", "CN", "declared"),
    ("GEN-WTG-DD5", "SUP-EE1", 40, "AU", "", "", "EE", "declared"),
    ("SNS-HALL-12", "SUP-VN1", 100, "CN", "CN", "CN", "VN", "declared"),
    ("SRV-ROB-40", "SUP-JP1", 50, "AU", "MY", "JP", "JP", "verified"),
    ("SRV-ROB-40", "SUP-CN2", 50, "CN", "CN", "CN", "CN", "declared"),
    ("RAD-TWT-3", "SUP-US1", 100, "US", "US", "", "US", "declared"),
    ("PMP-EV-COOL", "SUP-CN2", 100, "CN", "CN", "CN", "CN", "verified"),
    ("DRN-PROP-6", "SUP-CN1", 100, "MM", "CN", "CN", "CN", "declared"),
    ("HDD-VCM-2", "SUP-VN1", 60, "", "", "", "VN", "unknown"),
    ("HDD-VCM-2", "SUP-CN1", 40, "CN", "CN", "CN", "CN", "declared"),
    ("ELV-DRV-15", "SUP-DE1", 100, "AU", "MY", "VN", "DE", "verified"),
    ("EPS-MTR-8", "SUP-JP1", 100, "CN", "CN", "JP", "JP", "declared"),
    ("GYR-NAV-1", "SUP-US1", 100, "US", "US", "US", "US", "verified"),
    ("FAN-HVAC-3", "SUP-CN2", 100, "CN", "CN", "CN", "CN", "declared"),
    ("LDR-MIR-2", "SUP-CN2", 50, "CN", "CN", "CN", "CN", "declared"),
    ("LDR-MIR-2", "SUP-JP1", 50, "MM", "CN", "JP", "JP", "inferred"),
    ("EBK-HUB-5", "SUP-VN1", 100, "MM", "CN", "VN", "VN", "declared"),
]

# Part-specific compositions (wt %) that override the grade: grain-boundary-diffused Dy/Tb, a Ho-doped grade.
_COMPOSITION = [
    ("LDR-MIR-2", "Dy", 3.2),
    ("LDR-MIR-2", "Tb", 1.1),
    ("EBK-HUB-5", "Ho", 1.2),
]


def demo_project() -> Project:
    """A US buyer's portfolio of 15 magnet parts from 7 suppliers across 10 countries."""
    tables = ProjectTables.from_frames(
        pd.DataFrame(_PARTS, columns=["part_number", "description", "end_use", "magnet_family", "grade",
                                      "magnet_mass_g", "annual_units", "unit_price", "stock_days"]),
        pd.DataFrame(_SUPPLIERS, columns=["supplier_id", "supplier_name", "supplier_country"]),
        pd.DataFrame(_PATHS, columns=["part_number", "supplier_id", "share_pct", "mine_country",
                                      "separation_country", "metal_country", "magnet_country", "origin_evidence"]),
        pd.DataFrame(_COMPOSITION, columns=["part_number", "element", "wt_pct"]),
    )
    return Project(settings=ProjectSettings(name="Demo: US motor and sensor buyer", import_country="US"),
                   tables=tables)


def synthetic_project(n_paths: int, seed: int = 7, paths_per_part: int = 4) -> Project:
    """A large random project with `n_paths` supply paths, for benchmarks and scale tests."""
    rng = np.random.default_rng(seed)
    n_parts = max(1, n_paths // paths_per_part)
    countries = np.array(["CN", "JP", "DE", "US", "VN", "MM", "AU", "MY", "EE", "KR", "TH", ""])
    weights = np.array([0.55, 0.1, 0.05, 0.06, 0.04, 0.04, 0.05, 0.03, 0.02, 0.02, 0.01, 0.03])
    [f.value for f in MagnetFamily if f is not MagnetFamily.OTHER]
    grades = ["N42", "N42SH", "N38UH", "N35EH", "N45H", "N33AH", "Sm2Co17", "SmCo5", "BNP-8", "Y30"]
    family_of_grade = ["NdFeB-sintered"] * 6 + ["Sm2Co17", "SmCo5", "NdFeB-bonded", "ferrite"]
    grade_pick = rng.integers(0, len(grades), n_parts)
    part_numbers = np.array([f"P{i:07d}" for i in range(n_parts)], dtype=object)
    parts = pd.DataFrame({
        "part_number": part_numbers,
        "description": "synthetic part",
        "end_use": rng.choice([e.value for e in EndUse], n_parts),
        "magnet_family": np.array(family_of_grade)[grade_pick],
        "grade": np.array(grades)[grade_pick],
        "magnet_mass_g": rng.uniform(1, 2000, n_parts).round(1),
        "annual_units": rng.integers(100, 500_000, n_parts).astype(float),
        "unit_price": rng.uniform(0.1, 300, n_parts).round(2),
        "stock_days": rng.integers(0, 120, n_parts).astype(float),
    })
    n_suppliers = max(6, n_parts // 20)
    supplier_ids = np.array([f"S{i:05d}" for i in range(n_suppliers)], dtype=object)
    suppliers = pd.DataFrame({
        "supplier_id": supplier_ids,
        "supplier_name": [f"Supplier {i}" for i in range(n_suppliers)],
        "supplier_country": rng.choice(countries[:-1], n_suppliers, p=weights[:-1] / weights[:-1].sum()),
    })
    path_part = np.repeat(np.arange(n_parts), paths_per_part)[:n_paths]
    if len(path_part) < n_paths:
        path_part = np.concatenate([path_part, np.full(n_paths - len(path_part), n_parts - 1)])
    counts = np.bincount(path_part, minlength=n_parts)
    paths = pd.DataFrame({
        "part_number": part_numbers[path_part],
        "supplier_id": rng.choice(supplier_ids, n_paths),
        "share_pct": 100.0 / counts[path_part],
        "mine_country": rng.choice(countries, n_paths, p=weights),
        "separation_country": rng.choice(countries, n_paths, p=weights),
        "metal_country": rng.choice(countries, n_paths, p=weights),
        "magnet_country": rng.choice(countries, n_paths, p=weights),
        "origin_evidence": rng.choice(["declared", "verified", "inferred", "unknown"], n_paths),
    })
    tables = ProjectTables.from_frames(parts, suppliers, paths)
    return Project(settings=ProjectSettings(name=f"Synthetic {n_paths} paths"), tables=tables)
