"""A number typed or pasted into a cell is checked against the same plausible range as an imported one."""

from __future__ import annotations

import pytest

from riskdesk.ui.columns import COLUMNS, CellError, TableName, parse_cell


def column(key):
    return next(c for table in COLUMNS.values() for c in table if c.key == key)


@pytest.mark.parametrize("key, typed", [("magnet_mass_g", "1e308"), ("magnet_mass_g", "20000 kg"),
                                        ("unit_price", "1e12"), ("stock_days", "inf"), ("annual_units", 1e300)])
def test_an_implausible_number_is_refused_with_its_range(key, typed):
    with pytest.raises(CellError) as info:
        parse_cell(column(key), typed)
    assert column(key).title in str(info.value)


def test_plausible_numbers_still_go_in():
    assert parse_cell(column("magnet_mass_g"), "1.5 kg") == 1500.0
    assert parse_cell(column("stock_days"), "2 weeks") == 14.0
    assert TableName.PARTS in COLUMNS
