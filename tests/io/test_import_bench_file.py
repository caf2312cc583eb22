"""The benchmark's supplier workbook is a valid import (so the benchmark measures a real, error-free import)."""

from __future__ import annotations

import pytest

from bench.bench_import import make_supplier_file
from riskdesk.io.importer import read_and_validate
from tests.helpers.builders import shown


def test_benchmark_workbook_imports_cleanly(tmp_path):
    path = make_supplier_file(tmp_path / "supplier.xlsx", rows=400)
    result = read_and_validate([path])
    assert result.ok, result.errors[:3]
    assert len(result.tables.paths) == 400 and len(result.tables.parts) == 200
    assert all(m.is_confident() for m in result.mappings)
    assert set(result.tables.composition["element"]) == {"Dy", "Tb", "Nd"}


def test_the_stall_benchmarks_workbook_holds_every_cell_of_its_csv(tmp_path, monkeypatch):
    """The xlsx the GUI stall benchmark imports is a clean import of the same supply paths as its csv, whatever
    order pandas writes cells in (pandas 3.1 + XlsxWriter's constant_memory dropped most of them)."""
    from bench import bench_gui

    monkeypatch.setattr(bench_gui, "CACHE", tmp_path)
    from_csv = read_and_validate([bench_gui.template_csv(300)])
    from_xlsx = read_and_validate([bench_gui.template_xlsx(300)])
    assert from_csv.ok and from_xlsx.ok, from_xlsx.errors[:3]
    assert len(from_xlsx.tables.paths) == len(from_csv.tables.paths) == 300
    assert shown(from_xlsx.tables.paths).equals(shown(from_csv.tables.paths))


def test_a_workbook_missing_cells_is_refused_before_the_benchmark_starts(tmp_path):
    import xlsxwriter

    from bench.bench_gui import _check_workbook

    path = tmp_path / "short.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["part_number", "supplier_id"])
    sheet.write_string(1, 0, "P1")  # the supplier cell is missing
    workbook.close()
    with pytest.raises(RuntimeError, match="first difference on row 2"):
        _check_workbook(path, [["part_number", "supplier_id"], ["P1", "S1"]])
