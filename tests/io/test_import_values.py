"""Values as suppliers write them: countries, percentages, masses, numbers, oxides, enum words and grades —
and the problem a user gets for each value that cannot be read."""

from __future__ import annotations

import math

import pytest

from riskdesk.core.elements import element_fraction_of_oxide
from riskdesk.core.numbers import parse_number, separator_style
from riskdesk.io.importer import read_and_validate
from tests.io.helpers import template_rows, write_csv, write_openpyxl, write_xlsxwriter


def one_column(tmp_path, header, values, writer=write_xlsxwriter, replaces=""):
    """A template file whose parts each differ only in one extra column (standing in for template column
    `replaces`, which is left out)."""
    rows = template_rows(*({"part_number": f"P-{i}"} for i in range(len(values))))
    rows[0].append(header)
    for row, value in zip(rows[1:], values, strict=True):
        row.append(value)
    if replaces:
        drop = rows[0].index(replaces)
        rows = [row[:drop] + row[drop + 1:] for row in rows]
    suffix = ".csv" if writer is write_csv else ".xlsx"
    return read_and_validate([writer(tmp_path / f"f{suffix}", rows)])


def column_of(result, table, column):
    frame = getattr(result.tables, table).sort_values("part_number")
    return frame[column].tolist()


def test_countries_in_odd_spellings(tmp_path):
    spellings = ["PRC", "Mainland China", "P.R. China", "China (PRC)", "Burma", "Myanmar (Burma)", "Türkiye",
                 "Deutschland", "Korea, Republic of", "USA", "viet nam", "JPN", "unknown", ""]
    rows = template_rows(*({"part_number": f"P-{i:02d}", "mine_country": s} for i, s in enumerate(spellings)))
    result = read_and_validate([write_xlsxwriter(tmp_path / "c.xlsx", rows)])
    assert result.ok, result.errors
    assert column_of(result, "paths", "mine_country") == [
        "CN", "CN", "CN", "CN", "MM", "MM", "TR", "DE", "KR", "US", "VN", "JP", "", ""]


def test_an_unknown_country_is_an_error_at_its_row_column_and_value(tmp_path):
    rows = template_rows({"part_number": "A"}, {"part_number": "B", "separation_country": "Atlantis"},
                         {"part_number": "C", "separation_country": "CN/MY"})
    result = read_and_validate([write_openpyxl(tmp_path / "bad.xlsx", rows)])
    bad = next(p for p in result.errors if p.value == "Atlantis")
    assert (bad.file, bad.sheet, bad.row, bad.column) == ("bad.xlsx", "Sheet1", 3, "separation_country")
    assert "not a country" in bad.message and bad.hint
    several = next(p for p in result.errors if p.value == "CN/MY")
    assert several.row == 4 and "more than one country" in several.message
    assert result.tables.paths.empty


@pytest.mark.parametrize(("values", "expected"), [
    ([60, 40], [60.0, 40.0]),
    ([0.6, 0.4], [60.0, 40.0]),
    (["60 %", "40 %"], [60.0, 40.0]),
    (["60,5 %", "39,5 %"], [60.5, 39.5]),
    (["60.5%", "39.5%"], [60.5, 39.5]),
])
def test_shares_in_every_form_one_rule_per_column(tmp_path, values, expected):
    rows = template_rows({"supplier_id": "S1", "share_pct": values[0]}, {"supplier_id": "S2", "share_pct": values[1]})
    result = read_and_validate([write_xlsxwriter(tmp_path / "s.xlsx", rows)])
    assert result.ok, result.errors
    assert sorted(result.tables.paths["share_pct"], reverse=True) == expected
    rules = result.mappings[0].rules
    if values == [0.6, 0.4]:
        assert "column 'share_pct' read as fractions (all values ≤ 1): × 100 = percent (40–60 %)" in rules
    else:
        assert any(r.startswith("column 'share_pct' read as percent") for r in rules)


def test_masses_with_units_in_header_and_cells(tmp_path):
    result = one_column(tmp_path, "Magnet weight (kg)", [0.2, "1,5 kg", "12 g", "0.5 lb", "2 oz"],
                        replaces="magnet_mass_g")
    assert result.ok, result.errors
    masses = column_of(result, "parts", "magnet_mass_g")
    assert masses == pytest.approx([200.0, 1500.0, 12.0, 226.796185, 56.69904625])
    rules = " | ".join(result.mappings[0].rules)
    assert "read in kg (header), converted to grams" in rules and "units written in cells" in rules


def test_mass_without_unit_is_grams_and_said_so(tmp_path):
    rows = template_rows({})
    rows[0][rows[0].index("magnet_mass_g")] = "Magnet weight"
    result = read_and_validate([write_xlsxwriter(tmp_path / "g.xlsx", rows)])
    assert result.tables.parts["magnet_mass_g"].tolist() == [120.0]
    assert "column 'Magnet weight' has no unit: read as grams" in result.mappings[0].rules


@pytest.mark.parametrize(("text", "value"), [
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1 234", 1234.0), ("3,5", 3.5), ("0,035", 0.035),
    ("1'234.50", 1234.5), ("−2", -2.0), ("€ 12,50", 12.5), ("12.50 EUR", 12.5),
])
def test_numbers_with_decimal_commas_and_thousands_separators(text, value):
    parsed = parse_number(text)
    assert parsed is not None and parsed.value == pytest.approx(value)


def test_ambiguous_thousands_follow_the_column(tmp_path):
    assert separator_style("1,234").value == "1,234"
    result = one_column(tmp_path, "Stückzahl", ["1,234", "2,5", "3,75"], replaces="annual_units")
    assert result.ok, result.errors
    assert column_of(result, "parts", "annual_units") == [1.234, 2.5, 3.75]
    result = one_column(tmp_path, "Stückzahl", ["1,234", "2,500", "12,000.5"], replaces="annual_units")
    assert column_of(result, "parts", "annual_units") == [1234.0, 2500.0, 12000.5]


def test_oxide_content_is_converted_to_the_element_by_stoichiometry(tmp_path):
    result = one_column(tmp_path, "Dy2O3 %", [5.0, 2.0])
    assert result.ok, result.errors
    composition = result.tables.composition.sort_values("part_number")
    assert composition["element"].tolist() == ["Dy", "Dy"]
    factor = element_fraction_of_oxide("Dy2O3")
    assert composition["wt_pct"].tolist() == pytest.approx([5.0 * factor, 2.0 * factor])
    assert math.isclose(factor, 0.8713, abs_tol=1e-4)
    assert any("is Dy2O3 content: × 0.8713 = Dy by stoichiometry" in r for r in result.mappings[0].rules)


def test_composition_fractions_are_recognised_for_the_whole_block(tmp_path):
    rows = template_rows({"part_number": "A"}, {"part_number": "B"}, extra=("Nd %", "Dy %"))
    rows[1][-2:] = [0.23, 0.045]
    rows[2][-2:] = [0.25, 0.01]
    result = read_and_validate([write_xlsxwriter(tmp_path / "frac.xlsx", rows)])
    composition = result.tables.composition.set_index(["part_number", "element"])["wt_pct"]
    assert composition[("A", "Nd")] == pytest.approx(23.0) and composition[("A", "Dy")] == pytest.approx(4.5)
    rows[1][-2:] = [23, 0.5]
    rows[2][-2:] = [25, 0.8]
    result = read_and_validate([write_xlsxwriter(tmp_path / "pct.xlsx", rows)])
    composition = result.tables.composition.set_index(["part_number", "element"])["wt_pct"]
    assert composition[("A", "Dy")] == pytest.approx(0.5)


def test_enum_words_in_any_case_and_language(tmp_path):
    rows = template_rows(
        {"part_number": "A", "end_use": "Defense", "magnet_family": "NdFeB sintered", "origin_evidence": "Audited"},
        {"part_number": "B", "end_use": "AUTOMOBIL", "magnet_family": "SmCo 2:17", "origin_evidence": "geschätzt"},
        {"part_number": "C", "end_use": "風力", "magnet_family": "bonded NdFeB", "origin_evidence": "Declared"},
    )
    result = read_and_validate([write_xlsxwriter(tmp_path / "e.xlsx", rows)])
    assert result.ok, result.errors
    assert column_of(result, "parts", "end_use") == ["defence", "automotive", "wind"]
    assert column_of(result, "parts", "magnet_family") == ["NdFeB-sintered", "Sm2Co17", "NdFeB-bonded"]
    assert column_of(result, "paths", "origin_evidence") == ["verified", "inferred", "declared"]


def test_an_unknown_enum_value_names_the_allowed_ones(tmp_path):
    rows = template_rows({"part_number": "A", "end_use": "toys"})
    result = read_and_validate([write_xlsxwriter(tmp_path / "e.xlsx", rows)])
    (problem,) = [p for p in result.errors if p.value == "toys"]
    assert problem.row == 2 and problem.column == "end_use"
    assert "defence, automotive, wind, industrial, electronics, other" in problem.hint


def test_family_is_taken_from_the_grade_when_missing(tmp_path):
    rows = template_rows({"part_number": "A", "magnet_family": "", "grade": "N38UH"},
                         {"part_number": "B", "magnet_family": "", "grade": "YXG-28"},
                         {"part_number": "C", "magnet_family": "", "grade": "mystery"})
    result = read_and_validate([write_xlsxwriter(tmp_path / "g.xlsx", rows)])
    warning = next(p for p in result.warnings if "Magnet family (magnet_family) taken from the grade" in p.message)
    assert "2 rows" in warning.message
    error = next(p for p in result.errors if "magnet family is missing" in p.message)
    assert error.row == 4 and error.value == "mystery"


def test_bad_numbers_excel_errors_and_negatives_are_located(tmp_path):
    rows = template_rows({"part_number": "A", "magnet_mass_g": "twelve"},
                         {"part_number": "B", "annual_units": "#N/A"},
                         {"part_number": "C", "unit_price": -3})
    result = read_and_validate([write_xlsxwriter(tmp_path / "n.xlsx", rows)])
    found = {(p.row, p.column, p.value): p.message for p in result.errors}
    assert found == {(2, "magnet_mass_g", "twelve"): "is not a mass",
                     (3, "annual_units", "#N/A"): "holds an Excel error instead of a value",
                     (4, "unit_price", "-3"): "must not be negative"}


def test_csv_numbers_as_text_are_parsed(tmp_path):
    rows = template_rows({"magnet_mass_g": "120.5", "annual_units": "5,000", "share_pct": "100"})
    result = read_and_validate([write_csv(tmp_path / "t.csv", rows)])
    assert result.ok, result.errors
    assert result.tables.parts[["magnet_mass_g", "annual_units"]].values.tolist() == [[120.5, 5000.0]]
