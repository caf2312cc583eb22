"""A realistic demo project (its rows are in `riskdesk.core.demo_data`), and large synthetic projects for
benchmarks."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from riskdesk.core import demo_data
from riskdesk.core.domain import (
    COMPOSITION_COLUMNS,
    PART_COLUMNS,
    PATH_COLUMNS,
    ROW_ID,
    SUPPLIER_COLUMNS,
    EndUse,
)
from riskdesk.core.project import Project, ProjectSettings, ProjectTables


def demo_project() -> Project:
    """A US buyer's portfolio of 15 magnet parts from 7 suppliers across 10 countries (rows in `demo_data`), set up
    as a new project of that buyer is (ex-China prices)."""
    tables = ProjectTables.from_frames(*(
        _with_ids(name, pd.DataFrame(demo_data.table_rows(name), columns=list(columns))) for name, columns in (
            ("parts", PART_COLUMNS), ("suppliers", SUPPLIER_COLUMNS), ("paths", PATH_COLUMNS),
            ("composition", COMPOSITION_COLUMNS))))
    return Project(settings=ProjectSettings.for_buyer(demo_data.IMPORT_COUNTRY, name=demo_data.NAME), tables=tables)


def synthetic_project(n_paths: int, seed: int = 7, paths_per_part: int = 4) -> Project:
    """A large random project with `n_paths` supply paths, for benchmarks and scale tests."""
    rng = np.random.default_rng(seed)
    n_parts = max(1, n_paths // paths_per_part)
    countries = np.array(["CN", "JP", "DE", "US", "VN", "MM", "AU", "MY", "EE", "KR", "TH", ""])
    weights = np.array([0.55, 0.1, 0.05, 0.06, 0.04, 0.04, 0.05, 0.03, 0.02, 0.02, 0.01, 0.03])
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
    tables = ProjectTables.from_frames(_with_ids("parts", parts), _with_ids("suppliers", suppliers),
                                       _with_ids("paths", paths))
    return Project(settings=ProjectSettings(name=f"Synthetic {n_paths} paths"), tables=tables)


def _with_ids(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with row ids that are the same every time the demo or a synthetic project is made (so that two
    copies compare equal); a buyer's own rows get random ones."""
    ids = [hashlib.blake2b(f"{table}:{i}".encode(), digest_size=8).hexdigest() for i in range(len(frame))]
    return frame.assign(**{ROW_ID: ids})
