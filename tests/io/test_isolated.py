"""Reading large workbooks in a child process: same answer, progress comes back, cancel and crashes are handled."""

from __future__ import annotations

import os

import pytest

from riskdesk.io import importer
from riskdesk.io.isolated import IsolatedCancelled, IsolatedCrash, run_isolated, worth_isolating


def _abort() -> None:
    os.abort()


def test_result_and_progress_come_back_from_the_child(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("part_number,magnet_family,magnet_mass_g,annual_units,supplier_id\nP1,NdFeB-sintered,10,5,S1\n",
                    encoding="utf-8")
    seen = []
    result = run_isolated(importer.read_and_validate, [path], progress=lambda *a: seen.append(a))
    assert result.ok and list(result.tables.parts["part_number"]) == ["P1"]


def test_a_child_that_dies_becomes_an_error_not_a_crash():
    with pytest.raises(IsolatedCrash):
        run_isolated(_abort)


def test_cancelling_stops_the_child():
    with pytest.raises(IsolatedCancelled):
        run_isolated(_abort, cancelled=lambda: True)


def test_only_large_workbooks_are_isolated(tmp_path):
    small = tmp_path / "a.xlsx"
    small.write_bytes(b"x" * 10)
    big_csv = tmp_path / "b.csv"
    big_csv.write_bytes(b"x" * 2_000_000)
    assert not worth_isolating([small, big_csv])
    big = tmp_path / "c.xlsx"
    big.write_bytes(b"x" * 2_000_000)
    assert worth_isolating([tmp_path])
