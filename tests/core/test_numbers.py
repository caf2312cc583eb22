"""One number parser for cells typed in the window and for imported files: the same text, the same number."""

from __future__ import annotations

import math

import pytest

from riskdesk.core.numbers import NumberKind, read_number


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("1.200,5", NumberKind.PLAIN, 1200.5),
    ("1,200.5", NumberKind.PLAIN, 1200.5),
    ("1,200", NumberKind.COUNT, 1200.0),
    ("3,5", NumberKind.PLAIN, 3.5),
    ("12,50 €", NumberKind.MONEY, 12.5),
    ("€ 12,50", NumberKind.MONEY, 12.5),
    ("1.5 kg", NumberKind.MASS, 1500.0),
    ("0,25 lb", NumberKind.MASS, 0.25 * 453.59237),
    ("212 g", NumberKind.MASS, 212.0),
    ("2 weeks", NumberKind.DAYS, 14.0),
    ("30 Tage", NumberKind.DAYS, 30.0),
    ("3,5 %", NumberKind.PERCENT, 3.5),
    ("60", NumberKind.PERCENT, 60.0),
    ("", NumberKind.MASS, math.nan),
])
def test_a_cell_reads_as_people_write_it(text, kind, expected):
    value = read_number(text, kind)
    assert (math.isnan(value) and math.isnan(expected)) or value == pytest.approx(expected)


@pytest.mark.parametrize(("text", "kind"), [
    ("12 kg", NumberKind.DAYS), ("3 weeks", NumberKind.MASS), ("heavy", NumberKind.PLAIN), ("1e999", NumberKind.PLAIN),
    ("nan", NumberKind.PLAIN),
])
def test_what_is_not_a_number_of_that_kind_is_refused_with_the_text(text, kind):
    with pytest.raises(ValueError, match=r"not|does not fit"):
        read_number(text, kind)
