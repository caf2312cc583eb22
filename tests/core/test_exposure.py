"""Exposure roll-ups and the words used for them: the same sums and labels for the window, the CLI and reports."""

from __future__ import annotations

import datetime as dt

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import evaluate
from riskdesk.core.exposure import by_element, by_stage_and_country, by_supplier, element_mask
from riskdesk.core.labels import confidence_text, count, field_label, format_kg, format_money


@pytest.fixture(scope="module")
def today():
    return evaluate(demo_project(), dt.date(2026, 11, 29))


def test_every_stage_and_every_supplier_add_up_to_the_portfolios_kg(today) -> None:
    mask = element_mask("rare-earths")
    total = sum(v for _, v in by_element(today, "kg", mask))
    assert total == pytest.approx(sum(v for s, v in today.elements_kg().items() if mask[today.columns][0] or True
                                      if s in {"Nd", "Pr", "Dy", "Tb", "Sm", "Ho", "Gd", "Ce", "La"}))
    exposure = by_stage_and_country(today, "kg", mask)
    assert exposure.stage_totals() == pytest.approx([total] * 4)
    assert "CN" in exposure.codes
    assert sum(v for _, v in by_supplier(today, "kg", mask)) == pytest.approx(total)


def test_value_roll_ups_equal_the_evaluations_element_values(today) -> None:
    values = dict(by_element(today, "value", element_mask("all")))
    assert values == pytest.approx(today.elements_value())


def test_numbers_counts_and_marks_read_the_same_everywhere() -> None:
    assert format_kg(0) == "0"
    assert format_kg(1234.4) == "1,234"
    assert format_kg(12.34) == "12.3"
    assert format_kg(0.01234) == "0.0123"
    assert format_money(1234.5) == "$1,234"
    assert format_money(12.345) == "$12.35"
    assert count(1, "part") == "1 part" and count(3682, "part") == "3,682 parts"
    assert confidence_text("U") == "U — unconfirmed: verify before relying on it"
    assert field_label("magnet_mass_g") == "Magnet g/unit" and field_label("dy_pct") == "Dy wt %"
    assert field_label("dy2o3_pct") == "Dy2O3 wt %"
