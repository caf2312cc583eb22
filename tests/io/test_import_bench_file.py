"""The benchmark's supplier workbook is a valid import (so the benchmark measures a real, error-free import)."""

from __future__ import annotations

from bench.bench_import import make_supplier_file
from riskdesk.io.importer import read_and_validate


def test_benchmark_workbook_imports_cleanly(tmp_path):
    path = make_supplier_file(tmp_path / "supplier.xlsx", rows=400)
    result = read_and_validate([path])
    assert result.ok, result.errors[:3]
    assert len(result.tables.paths) == 400 and len(result.tables.parts) == 200
    assert all(m.is_confident() for m in result.mappings)
    assert set(result.tables.composition["element"]) == {"Dy", "Tb", "Nd"}
