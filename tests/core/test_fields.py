"""The field catalogue's one reading of a typed value (`parse_value`): the window's cells, the command line and later
the workspace read the same text the same way, refuse the same values and say what to enter."""

from __future__ import annotations

import math

import pytest

from riskdesk.core.fields import FIELDS, CellError, Field, FieldKind, field, parse_value

PLAIN = Field("figure", "parts", FieldKind.NUMBER, "Figure", "A number without a unit.")


@pytest.mark.parametrize(("text", "expected"), [
    ("12", 12.0), ("1,200", 1200.0), ("1,200.5", 1200.5), ("1 200", 1200.0), ("3,5", 3.5), ("12 %", 12.0),
    ("0.035", 0.035), ("", math.nan), (7, 7.0), ("1e3", 1000.0), ("1,234,567", 1234567.0),
])
def test_numbers_are_read_as_people_type_them(text: object, expected: float) -> None:
    value = parse_value(PLAIN, text)
    assert (math.isnan(value) and math.isnan(expected)) or value == expected


@pytest.mark.parametrize(("key", "text", "message"), [
    ("magnet_mass_g", "-1", "must not be negative"),
    ("magnet_mass_g", "heavy", "is not a number"),
    ("magnet_mass_g", "", "is required"),
    ("end_use", "submarine", "is not one of"),
    ("part_number", "  ", "must not be empty"),
])
def test_bad_part_values_are_refused_with_what_to_enter(key: str, text: str, message: str) -> None:
    with pytest.raises(CellError, match=message):
        parse_value(field("parts", key), text)


def test_countries_enums_and_shares_are_normalised() -> None:
    def path(key: str) -> Field:
        return field("paths", key)

    assert parse_value(path("mine_country"), "Burma") == "MM"
    assert parse_value(path("mine_country"), "People's Republic of China") == "CN"
    assert parse_value(path("mine_country"), "") == ""
    assert parse_value(path("origin_evidence"), "Audited") == "verified"
    assert parse_value(path("share_pct"), "40 %") == 40.0
    with pytest.raises(CellError, match="0 to 100"):
        parse_value(path("share_pct"), "140")
    with pytest.raises(CellError, match="no country is called"):
        parse_value(path("mine_country"), "Atlantis")


@pytest.mark.parametrize("key, typed", [("magnet_mass_g", "1e308"), ("magnet_mass_g", "20000 kg"),
                                        ("unit_price", "1e12"), ("stock_days", "inf"), ("annual_units", 1e300)])
def test_an_implausible_number_is_refused_with_its_range(key: str, typed: object) -> None:
    with pytest.raises(CellError) as info:
        parse_value(field("parts", key), typed)
    assert field("parts", key).label in str(info.value)


def test_plausible_numbers_still_go_in() -> None:
    assert parse_value(field("parts", "magnet_mass_g"), "1.5 kg") == 1500.0
    assert parse_value(field("parts", "stock_days"), "2 weeks") == 14.0


def test_ids_lose_invisible_characters_and_elements_take_their_symbol() -> None:
    assert parse_value(field("parts", "part_number"), " P\u200b-1 ") == "P-1"
    assert parse_value(field("paths", "supplier_id"), "S\x00-2") == "S-2"
    assert parse_value(field("composition", "element"), "dy") == "Dy"
    with pytest.raises(CellError, match="not an element"):
        parse_value(field("composition", "element"), "Xx")


@pytest.mark.parametrize("spec", [f for f in FIELDS if f.kind is not FieldKind.ID], ids=lambda f: f"{f.table}.{f.key}")
def test_every_field_takes_its_blank_and_its_new_row_value(spec: Field) -> None:
    """What a blank means and what a new row starts with are values the field itself accepts (a required field's
    blank aside), so the defaults cannot drift from the rules."""
    for value in (spec.new_row, spec.blank):
        if value == "" and spec.required:
            continue
        if spec.numeric and math.isnan(float(value)):
            if not spec.required:
                assert math.isnan(parse_value(spec, spec.format(value)))
            continue
        assert parse_value(spec, spec.format(value)) == value
