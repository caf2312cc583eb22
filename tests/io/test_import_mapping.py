"""Column mapping: proposals from synonyms and content with confidence and reasons, ambiguity, corrected and
saved mappings, and the documented synonym list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskdesk.io.importer import SheetMapping, propose, read_and_validate
from riskdesk.io.mapping import header_candidates, synonym_table_markdown
from tests.io.helpers import template_rows, write_csv, write_xlsxwriter

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("header", "field"), [
    ("Country of Origin", "magnet_country"), ("COO", "magnet_country"), ("Herkunftsland", "magnet_country"),
    ("Ursprungsland", "magnet_country"), ("Pays d'origine", "magnet_country"), ("País de origen", "magnet_country"),
    ("原産国", "magnet_country"), ("原产国", "magnet_country"), ("Magnet maker country", "magnet_country"),
    ("Country of manufacture", "magnet_country"), ("Magnet weight", "magnet_mass_g"),
    ("Gewicht [g]", "magnet_mass_g"), ("Masse (kg)", "magnet_mass_g"), ("Peso", "magnet_mass_g"),
    ("重量", "magnet_mass_g"), ("磁石重量", "magnet_mass_g"), ("Part No.", "part_number"), ("P/N", "part_number"),
    ("Sachnummer", "part_number"), ("Teilenummer", "part_number"), ("Référence", "part_number"),
    ("品番", "part_number"), ("零件号", "part_number"), ("Mine", "mine_country"), ("Mining country", "mine_country"),
    ("Abbauland", "mine_country"), ("Separation", "separation_country"), ("Refining country", "separation_country"),
    ("Metal/alloy", "metal_country"), ("Alloy country", "metal_country"), ("Dy %", "dy_pct"),
    ("Dysprosium content", "dy_pct"), ("Dy2O3 %", "dy2o3_pct"), ("Tb-Gehalt", "tb_pct"), ("dy_pct", "dy_pct"),
    ("Jahresbedarf (Stk)", "annual_units"), ("Reichweite (Wochen)", "stock_days"), ("Stückpreis €", "unit_price"),
])
def test_header_synonyms_in_six_languages(header, field):
    best = header_candidates(header)[0]
    assert best.field == field
    assert best.confidence >= 0.8
    assert best.reason


def test_price_per_kg_is_not_a_mass():
    fields = [c.field for c in header_candidates("Preis EUR/kg")]
    assert "magnet_mass_g" not in fields and fields[0] == "unit_price"


def test_proposal_reports_confidence_reason_unmapped_and_content_guesses(tmp_path):
    rows = [
        ["Part number", "Magnet family", "Magnet weight", "Annual units", "Supplier id", "Werk", "Bemerkung"],
        ["P-1", "NdFeB-sintered", 10, 100, "S1", "Vietnam", "eilig"],
        ["P-2", "NdFeB-sintered", 10, 100, "S1", "Malaysia", ""],
        ["P-3", "NdFeB-sintered", 10, 100, "S1", "PRC", "—"],
    ]
    (mapping,) = propose([write_xlsxwriter(tmp_path / "p.xlsx", rows)])
    werk = next(c for c in mapping.columns if c.header == "Werk")
    assert werk.field == "supplier_country"
    assert werk.confidence < 0.8 and "values look like countries (100%)" in werk.reason
    assert mapping.unmapped == ["Bemerkung"]
    assert mapping.is_confident()
    assert mapping.rules == ["column 'Magnet weight' has no unit: read as grams"]
    assert len(mapping.signature) == 16


def test_two_columns_claiming_a_required_field_are_ambiguous_and_block(tmp_path):
    rows = [
        ["Teilenummer", "Sachnummer", "Werkstoff", "Gewicht", "Menge", "Lieferant"],
        ["A-1", "B-1", "NdFeB", 5, 10, "Acme"],
    ]
    path = write_xlsxwriter(tmp_path / "amb.xlsx", rows)
    (mapping,) = propose([path])
    assert set(mapping.ambiguous) == {"Teilenummer", "Sachnummer"}
    assert not mapping.is_confident()
    result = read_and_validate([path])
    problem = next(p for p in result.errors if "both look like part_number" in p.message)
    assert problem.column == "Sachnummer"


def test_one_clearly_better_column_wins_without_ambiguity(tmp_path):
    rows = [["Part number", "Supplier part number", "Family", "Weight", "Qty", "Vendor"],
            ["A-1", "V-77", "NdFeB", 5, 10, "Acme"]]
    (mapping,) = propose([write_xlsxwriter(tmp_path / "clear.xlsx", rows)])
    assert mapping.mapped()["part_number"].header == "Part number"
    assert mapping.ambiguous == []


def test_a_corrected_mapping_is_applied_and_round_trips_as_json(tmp_path):
    rows = [["Nr", "Typ", "g", "Stk", "Firma", "Spalte 7"], ["Z-1", "SmCo5", 4, 40, "Acme", "Burma"]]
    path = write_xlsxwriter(tmp_path / "odd.xlsx", rows)
    (proposal,) = propose([path])
    assert not proposal.is_confident()
    fixed = proposal.to_json()
    wanted = {"Nr": "part_number", "Typ": "magnet_family", "g": "magnet_mass_g", "Stk": "annual_units",
              "Firma": "supplier_name", "Spalte 7": "mine_country"}
    for column in fixed["columns"]:
        column["field"] = wanted[column["header"]]
    saved = json.loads(json.dumps(fixed))
    assert SheetMapping.from_json(saved).to_json() == saved

    result = read_and_validate([path], mapping=saved)
    assert result.ok, result.errors
    assert result.tables.paths["mine_country"].tolist() == ["MM"]
    assert all(c.confidence == 1.0 and c.reason == "given mapping" for c in result.mappings[0].columns if c.field)

    short = read_and_validate([path], mapping={"columns": wanted})
    assert short.ok and short.tables.parts["magnet_family"].tolist() == ["SmCo5"]


def test_a_given_mapping_that_fits_no_sheet_is_an_error_not_a_silent_proposal(tmp_path):
    path = write_xlsxwriter(tmp_path / "t.xlsx", template_rows({}))
    result = read_and_validate([path], mapping={"columns": {"Artikel": "part_number"}})
    assert [p.message for p in result.errors] == ["has no sheet with the columns the given mapping names"]


def test_a_malformed_mapping_is_an_error_not_a_traceback(tmp_path):
    path = write_xlsxwriter(tmp_path / "t.xlsx", template_rows({}))
    for bad in ([1, 2], {"columns": 5}, {"header_row": "x", "columns": []}, "text"):
        result = read_and_validate([path], mapping=bad)
        assert not result.ok


def test_a_mapping_naming_an_unknown_field_is_an_error(tmp_path):
    path = write_xlsxwriter(tmp_path / "t.xlsx", template_rows({}))
    result = read_and_validate([path], mapping={"columns": {"part_number": "part_no_such"}})
    assert any("'part_no_such' is not a RiskDesk field" in p.message for p in result.errors)


def test_a_saved_mapping_is_reused_for_files_of_the_same_layout(tmp_path):
    rows = [["Nr", "Typ", "g", "Stk", "Firma"], ["Z-1", "SmCo5", 4, 40, "Acme"]]
    first = write_xlsxwriter(tmp_path / "jan.xlsx", rows)
    (proposal,) = propose([first])
    confirmed = SheetMapping.from_json({"columns": {"Nr": "part_number", "Typ": "magnet_family",
                                                    "g": "magnet_mass_g", "Stk": "annual_units",
                                                    "Firma": "supplier_name"}})
    confirmed.signature = proposal.signature
    known = {proposal.signature: confirmed.to_json()}

    later = write_csv(tmp_path / "feb.csv", [rows[0], ["Z-2", "Sm2Co17", 5, 50, "Acme"]])
    result = read_and_validate([later], known=known)
    assert result.ok, result.errors
    (mapping,) = result.mappings
    assert mapping.signature == proposal.signature and mapping.is_confident()
    assert {c.reason for c in mapping.columns} == {"mapping saved for this layout"}
    assert result.tables.parts["part_number"].tolist() == ["Z-2"]


def test_every_template_field_has_synonyms_in_six_languages_and_docs_list_them():
    from riskdesk.io.mapping import LANGUAGES, TEMPLATE_FIELDS

    for spec in TEMPLATE_FIELDS:
        assert set(spec.synonyms) == set(LANGUAGES), spec.name
    docs = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    assert synonym_table_markdown() in docs, "docs/import.md is out of date: paste synonym_table_markdown() in"


def test_a_unit_in_the_mapping_overrides_the_header(tmp_path):
    rows = [["Part", "Family", "Gewicht", "Qty", "Vendor", "Split"], ["A", "NdFeB", 0.25, 10, "Acme", 1]]
    path = write_xlsxwriter(tmp_path / "u.xlsx", rows)
    mapping = {"columns": [
        {"header": "Part", "field": "part_number"}, {"header": "Family", "field": "magnet_family"},
        {"header": "Gewicht", "field": "magnet_mass_g", "unit": "kg"}, {"header": "Qty", "field": "annual_units"},
        {"header": "Vendor", "field": "supplier_name"}, {"header": "Split", "field": "share_pct", "unit": "fraction"},
    ]}
    result = read_and_validate([path], mapping=mapping)
    assert result.ok, result.errors
    assert result.tables.parts["magnet_mass_g"].tolist() == [250.0]
    assert result.tables.paths["share_pct"].tolist() == [100.0]
    assert "column 'Gewicht' read in kg (mapping), converted to grams" in result.mappings[0].rules


@pytest.mark.parametrize("codes", [["KM-1001", "KM-1002", "KM-1003", "Total"], ["4711-001", "4711-002", "4712-010"],
                                   [1001, 1002, 1003]], ids=["with a total row", "digits and dashes", "numbers"])
def test_the_contents_vote_makes_a_weak_part_number_header_confident(tmp_path, codes):
    rows = [["Customer P/N", "Description", "Magnet family", "Magnet weight g", "Annual units", "Supplier",
             "Magnet country"]]
    for code in codes:
        rows.append([code, "Rotor magnet", "NdFeB-sintered", 10, 100, "Acme", "China"] if code != "Total" else
                    ["Total", "", "", "", 300, "", ""])
    (mapping,) = propose([write_xlsxwriter(tmp_path / "customer_pn.xlsx", rows)])
    column = mapping.columns[0]
    assert column.field == "part_number"
    assert column.confidence >= 0.8 and "values agree: codes (100%)" in column.reason
    assert mapping.is_confident(), "nothing to ask: the header and the contents agree"


def test_dates_are_not_part_number_codes(tmp_path):
    rows = [["Customer P/N", "Magnet family", "Magnet weight g", "Annual units", "Supplier"],
            *[[day, "NdFeB", 10, 100, "Acme"] for day in ("2026-01-05", "2026-02-05", "2026-03-05")]]
    (mapping,) = propose([write_csv(tmp_path / "dates.csv", rows)])
    assert mapping.columns[0].confidence < 0.8


def test_a_german_declaration_with_dy_and_tb_but_no_nd_is_read_as_ndfeb(tmp_path):
    header = ["Sachnummer", "Bezeichnung", "Gewicht", "Jahresbedarf", "Lieferant", "Herkunftsland", "Dy-Gehalt %",
              "Tb-Gehalt %"]
    rows = [header,
            ["DE-2001", "Läufermagnet", "0,85 kg", "12000", "Magnetfabrik Süd GmbH", "Deutschland", "4,5", "0,7"],
            ["4711-A", "Stellmotor-Magnet", "120 g", "50000", "Magnetfabrik Süd GmbH", "China", "2,1", ""]]
    path = write_csv(tmp_path / "supplier_de.csv", rows, delimiter=";", encoding="cp1252")
    (mapping,) = propose([path])
    assert mapping.covered(("magnet_family", "grade")), "Dy and Tb columns tell the family"
    result = read_and_validate([path])
    assert result.ok, [p.message for p in result.errors]
    families = dict(zip(result.tables.parts["part_number"], result.tables.parts["magnet_family"], strict=True))
    assert families == {"DE-2001": "NdFeB-sintered", "4711-A": "NdFeB-sintered"}
    note = next(p.message for p in result.warnings if "element contents" in p.message)
    assert "Dy 4.5 %" in note and "Tb 0.7 %" in note

    rows.append(["4711-C", "Sensormagnet", "12 g", "8000", "Magnetfabrik Süd GmbH", "China", "", "0,05"])
    trace = write_csv(tmp_path / "trace.csv", rows, delimiter=";", encoding="cp1252")
    errors = read_and_validate([trace]).errors
    assert [p.row for p in errors if "magnet family is missing" in p.message] == [4], "Tb 0.05 % is only a trace"
