"""Files as they come: the template, supplier workbooks from other writers, csv in cp1252, ods, title
rows, merged and two-row headers, total and repeated header rows, several sheets and several files."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskdesk.io.importer import propose, read_and_validate
from riskdesk.io.template import write_template
from tests.helpers.builders import shown
from tests.io.helpers import (
    template_rows,
    write_csv,
    write_ods,
    write_openpyxl,
    write_xlsxwriter,
)


def by_part(result, part):
    parts = result.tables.parts.set_index("part_number")
    return parts.loc[part]


def paths_of(result, part):
    paths = result.tables.paths
    return paths[paths["part_number"] == part].set_index("supplier_id")


def test_filled_template_imports_every_table_exactly(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Supply paths"]
    headers = [c.value for c in sheet[1]]
    rows = [
        {"part_number": "P-1", "supplier_id": "S1", "share_pct": 60, "mine_country": "AU", "dy_pct": 4.5},
        {"part_number": "P-1", "supplier_id": "S2", "supplier_name": "Shin-Etsu", "supplier_country": "JP",
         "share_pct": 40, "mine_country": "", "separation_country": "JP", "metal_country": "JP",
         "magnet_country": "JP", "origin_evidence": "verified"},
    ]
    for values in template_rows(*rows, extra=("dy_pct",))[1:]:
        named = dict(zip(template_rows(extra=("dy_pct",))[0], values, strict=True))
        sheet.append([named.get(h) if named.get(h, "") != "" else None for h in headers])
    workbook.save(path)

    result = read_and_validate([path])

    assert result.ok, result.errors
    (mapping,) = result.mappings
    assert mapping.sheet == "Supply paths" and mapping.header_row == 1
    assert all(c.confidence == 1.0 for c in mapping.columns if c.field)
    assert mapping.is_confident()
    part = by_part(result, "P-1")
    assert part["magnet_mass_g"] == 120.0 and part["end_use"] == "automotive" and part["grade"] == "N42SH"
    paths = paths_of(result, "P-1")
    assert paths.loc["S1", "share_pct"] == 60 and paths.loc["S1", "mine_country"] == "AU"
    assert paths.loc["S2", "mine_country"] == "" and paths.loc["S2", "origin_evidence"] == "verified"
    suppliers = result.tables.suppliers.set_index("supplier_id")
    assert suppliers.loc["S2", "supplier_name"] == "Shin-Etsu"
    composition = result.tables.composition
    assert shown(composition).to_dict("records") == [{"part_number": "P-1", "element": "Dy", "wt_pct": 4.5}]
    assert result.rows_read == 2


def test_template_headers_match_case_insensitively_with_full_confidence(tmp_path):
    rows = template_rows({})
    rows[0] = [h.upper() for h in rows[0]]
    path = write_xlsxwriter(tmp_path / "upper.xlsx", rows)
    (mapping,) = propose([path])
    assert {c.field for c in mapping.columns} >= {"part_number", "magnet_country"}
    assert all(c.confidence == 1.0 and c.reason == "template header" for c in mapping.columns)


def test_supplier_workbook_with_title_rows_and_german_headers(tmp_path):
    rows = [
        ["Lieferantenerklärung Seltene Erden 2025"],
        ["Stand: 01.10.2025"],
        [],
        ["Sachnummer", "Bezeichnung", "Werkstoff", "Gewicht [g]", "Jahresbedarf", "Lieferant", "Herkunftsland",
         "Anteil %"],
        ["4711-001", "Rotor", "NdFeB gesintert", 212.5, 48000, "Magnetfabrik Müller GmbH", "Deutschland", 100],
        ["4711-002", "Sensor", "SmCo 2:17", 3.2, 1000, "Magnetfabrik Müller GmbH", "Deutschland", 100],
    ]
    path = write_xlsxwriter(tmp_path / "lieferant.xlsx", rows, sheet="Erklärung")

    result = read_and_validate([path])

    assert result.ok, result.errors
    (mapping,) = result.mappings
    assert mapping.header_row == 4
    fields = {c.header: c.field for c in mapping.columns}
    assert fields == {"Sachnummer": "part_number", "Bezeichnung": "description", "Werkstoff": "magnet_family",
                      "Gewicht [g]": "magnet_mass_g", "Jahresbedarf": "annual_units", "Lieferant": "supplier_name",
                      "Herkunftsland": "magnet_country", "Anteil %": "share_pct"}
    assert by_part(result, "4711-002")["magnet_family"] == "Sm2Co17"
    assert set(result.tables.paths["magnet_country"]) == {"DE"}
    assert result.tables.suppliers["supplier_id"].tolist() == ["MAGNETFABRIK-M-LLER-GMBH"] or \
        result.tables.suppliers["supplier_id"].tolist() == ["MAGNETFABRIK-MULLER-GMBH"]
    assert any("Supplier ID (supplier_id) derived from the supplier name" in p.message for p in result.warnings)


def test_csv_in_cp1252_with_semicolons_and_decimal_commas(tmp_path):
    rows = [
        ["Teilenummer", "Bezeichnung", "Werkstoff", "Gewicht (kg)", "Stückzahl pro Jahr", "Lieferant",
         "Ursprungsland", "Anteil", "Preis"],
        ["A-1", "Läufer", "NdFeB", "1,5", "1.200", "Müller Magnete", "Österreich", "60,5 %", "1.234,50"],
        ["A-1", "Läufer", "NdFeB", "1,5", "1.200", "Schäfer & Söhne", "China", "39,5 %", "1.234,50"],
    ]
    path = write_csv(tmp_path / "export.csv", rows, delimiter=";", encoding="cp1252")

    result = read_and_validate([path])

    assert result.ok, result.errors
    part = by_part(result, "A-1")
    assert part["magnet_mass_g"] == 1500.0
    assert part["annual_units"] == 1200.0
    assert part["unit_price"] == 1234.5
    assert part["description"] == "Läufer"
    paths = result.tables.paths.set_index("supplier_id")
    assert paths.loc["MULLER-MAGNETE", "share_pct"] == 60.5
    assert paths.loc["MULLER-MAGNETE", "magnet_country"] == "AT"
    assert paths.loc["SCHAFER-SOHNE", "magnet_country"] == "CN"
    rules = " | ".join(result.mappings[0].rules)
    assert "decimal commas" in rules and "in kg" in rules


def test_utf16_tab_separated_text(tmp_path):
    rows = template_rows({"part_number": "T-1", "magnet_country": "日本"})
    path = write_csv(tmp_path / "export.txt", rows, delimiter="\t", encoding="utf-16")
    result = read_and_validate([path])
    assert result.ok, result.errors
    assert result.tables.paths["magnet_country"].tolist() == ["JP"]


@pytest.mark.parametrize(("encoding", "headers", "country", "code"), [
    ("cp932", ["品番", "材質", "磁石重量", "年間数量", "仕入先", "原産国"], "日本", "JP"),
    ("gb18030", ["零件号", "牌号", "重量", "年用量", "供应商", "原产国"], "中国", "CN"),
    ("cp1252", ["Teilenummer", "Werkstoff", "Gewicht", "Jahresbedarf", "Lieferant", "Ursprungsland"], "Österreich",
     "AT"),
])
def test_csv_in_the_excel_encodings_of_japan_china_and_europe(tmp_path, encoding, headers, country, code):
    rows = [headers, ["X-1", "N42SH", 15, 2000, "Müller" if encoding == "cp1252" else "供給", country]]
    result = read_and_validate([write_csv(tmp_path / "local.csv", rows, encoding=encoding)])
    assert result.ok, result.errors
    assert result.tables.paths["magnet_country"].tolist() == [code]
    assert result.mappings[0].columns[0].field == "part_number"


def test_hand_built_ods_imports(tmp_path):
    path = write_ods(tmp_path / "supplier.ods", template_rows({"part_number": "O-1", "magnet_mass_g": 33.5}))
    result = read_and_validate([path])
    assert result.ok, result.errors
    assert by_part(result, "O-1")["magnet_mass_g"] == 33.5


def test_merged_two_row_header_from_openpyxl(tmp_path):
    rows = [
        ["Part No.", "Supplier", None, "Annual qty", "Weight (g)", "Country of origin", None, None, None, "Grade"],
        [None, "ID", "Name", None, None, "Mine", "Separation", "Metal/alloy", "Magnet", None],
        ["M-1", "S9", "Hitachi", 100, 50, "Australia", "Malaysia", "Japan", "Japan", "N45H"],
    ]
    path = write_openpyxl(tmp_path / "merged.xlsx", rows,
                          merges=("A1:A2", "B1:C1", "D1:D2", "E1:E2", "F1:I1", "J1:J2"))

    result = read_and_validate([path])

    (mapping,) = result.mappings
    assert mapping.header_rows == 2 and mapping.header_row == 1
    fields = {c.header: c.field for c in mapping.columns}
    assert fields["Supplier ID"] == "supplier_id"
    assert fields["Supplier Name"] == "supplier_name"
    assert fields["Country of origin Mine"] == "mine_country"
    assert fields["Country of origin Separation"] == "separation_country"
    assert fields["Country of origin Metal/alloy"] == "metal_country"
    assert fields["Country of origin Magnet"] == "magnet_country"
    path_row = result.tables.paths.iloc[0]
    assert (path_row["mine_country"], path_row["separation_country"], path_row["magnet_country"]) == ("AU", "MY", "JP")


def test_a_parts_cells_merged_over_its_supplier_rows_hold_the_part_on_every_row(tmp_path):
    rows = [
        ["Part No", "Description", "Magnet family", "Magnet weight (g)", "Annual qty", "Supplier ID", "Share",
         "Magnet country"],
        ["M-1", "Rotor", "NdFeB-sintered", 100, 1000, "S-A", "60%", "CN"],
        [None, None, None, None, None, "S-B", "40%", "JP"],
        ["M-2", "Stator", "SmCo5", 20, 500, "S-A", "100%", "US"],
    ]
    path = write_openpyxl(tmp_path / "merged-rows.xlsx", rows, merges=("A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3"))

    result = read_and_validate([path])

    assert result.ok, result.errors
    assert by_part(result, "M-1")["annual_units"] == 1000
    assert paths_of(result, "M-1")["share_pct"].to_dict() == {"S-A": 60.0, "S-B": 40.0}
    assert len(result.tables.parts) == 2
    (said,) = [w for w in result.warnings if "merged" in w.message]
    assert said.row == 2
    assert "5 merged cells span several rows" in said.message
    assert "rows 2–3: Part No, Description, Magnet family, Magnet weight (g), Annual qty" in said.message


def test_a_merge_reaching_below_the_last_row_is_read_without_it(tmp_path):
    rows = [["Part No", "Magnet family", "Magnet weight (g)", "Annual qty", "Supplier ID", "Magnet country"],
            ["M-1", "NdFeB-sintered", 10, 100, "SUP-A1", "CN"],
            ["M-2", "NdFeB-sintered", 20, 200, "SUP-A1", "JP"]]
    path = write_openpyxl(tmp_path / "merged-tail.xlsx", rows, merges=("F3:F9",))

    result = read_and_validate([path])

    assert result.ok, result.errors
    assert set(result.tables.parts["part_number"]) == {"M-1", "M-2"}
    assert not [w for w in result.warnings if "merged" in w.message]


def test_a_note_merged_across_columns_is_not_spread_into_them(tmp_path):
    rows = [
        ["Part No", "Description", "Grade", "Magnet family", "Magnet weight (g)", "Annual qty", "Supplier ID",
         "Magnet country"],
        ["M-1", "Rotor magnet, see drawing", None, "NdFeB-sintered", 100, 1000, "S-A", "CN"],
    ]
    path = write_openpyxl(tmp_path / "merged-across.xlsx", rows, merges=("B2:C2",))

    result = read_and_validate([path])

    assert result.ok, result.errors
    assert by_part(result, "M-1")["grade"] == ""
    assert not [w for w in result.warnings if "merged" in w.message]


def test_blank_total_and_repeated_header_rows_are_skipped_and_reported(tmp_path):
    header = ["Part number", "Magnet family", "Magnet weight", "Annual units", "Supplier", "COO"]
    rows = [
        header,
        ["P-1", "NdFeB-sintered", 10, 100, "Acme", "CN"],
        [None, None, None, None, None, None],
        ["P-2", "NdFeB-sintered", 20, 200, "Acme", "JP"],
        header,
        ["P-3", "SmCo5", 5, 50, "Acme", "US"],
        ["Total", None, 35, 350, None, None],
        [None, "Summe", 35, 350, None, None],
        [None, None, None, None, None, None],
        ["Prepared by J. Smith, purchasing"],
    ]
    path = write_openpyxl(tmp_path / "rows.xlsx", rows)

    result = read_and_validate([path])

    assert result.ok, result.errors
    assert sorted(result.tables.parts["part_number"]) == ["P-1", "P-2", "P-3"]
    messages = {p.message: p for p in result.warnings}
    blank = next(p for m, p in messages.items() if "blank rows skipped" in m)
    assert blank.row == 3
    repeated = next(p for m, p in messages.items() if "repeated header rows skipped" in m)
    assert repeated.row == 5
    totals = next(p for m, p in messages.items() if "total/subtotal rows skipped" in m)
    assert totals.row == 7 and "rows 7, 8" in totals.message
    notes = next(p for m, p in messages.items() if "(notes) skipped" in m)
    assert notes.row == 10


def test_japanese_and_chinese_headers(tmp_path):
    rows = [
        ["品番", "材質", "磁石重量", "年間数量", "仕入先", "原産国"],
        ["J-1", "N42SH", 15, 2000, "信越化学", "日本"],
    ]
    result = read_and_validate([write_xlsxwriter(tmp_path / "jp.xlsx", rows)])
    assert result.ok, result.errors
    fields = {c.header: c.field for c in result.mappings[0].columns}
    assert fields == {"品番": "part_number", "材質": "grade", "磁石重量": "magnet_mass_g", "年間数量": "annual_units",
                      "仕入先": "supplier_name", "原産国": "magnet_country"}
    assert by_part(result, "J-1")["magnet_family"] == "NdFeB-sintered"

    rows = [["零件号", "牌号", "重量", "年用量", "供应商代码", "原产国"], ["C-1", "N38UH", 8, 500, "SUP-1", "中国"]]
    result = read_and_validate([write_xlsxwriter(tmp_path / "cn.xlsx", rows)])
    assert result.ok, result.errors
    assert result.tables.paths["magnet_country"].tolist() == ["CN"]
    assert result.tables.paths["supplier_id"].tolist() == ["SUP-1"]


def test_the_sheet_that_maps_is_chosen_and_sheet_forces_one(tmp_path):
    notes = [["Please return by 30 June"], ["Contact: buyer@example.com"]]
    data = template_rows({"part_number": "X-1"})
    other = template_rows({"part_number": "Y-1"})
    path = write_xlsxwriter(tmp_path / "multi.xlsx", data, sheet="Data", extra_sheets={"Notes": notes, "Old": other},
                            first_sheet="Notes")

    result = read_and_validate([path])
    assert result.ok, result.errors
    assert sorted(result.tables.parts["part_number"]) == ["X-1", "Y-1"]
    assert {m.sheet for m in result.mappings} == {"Data", "Old"}

    forced = read_and_validate([path], sheet="Old")
    assert forced.tables.parts["part_number"].tolist() == ["Y-1"]
    missing = read_and_validate([path], sheet="Nope")
    assert not missing.ok and "has no sheet named 'Nope'" in missing.errors[0].message


def test_folder_of_files_merges_rows_and_reports_duplicates_across_files(tmp_path):
    folder = tmp_path / "suppliers"
    folder.mkdir()
    write_xlsxwriter(folder / "a.xlsx", template_rows({"part_number": "P-1", "supplier_id": "S1", "share_pct": 50},
                                                      {"part_number": "P-2", "supplier_id": "S1"}))
    write_csv(folder / "b.csv", template_rows({"part_number": "P-1", "supplier_id": "S2", "share_pct": 50}))
    (folder / "~$a.xlsx").write_bytes(b"lock")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")

    result = read_and_validate([folder])
    assert result.ok, result.errors
    assert sorted(result.tables.paths["supplier_id"] + "/" + result.tables.paths["part_number"]) == [
        "S1/P-1", "S1/P-2", "S2/P-1"]

    write_csv(folder / "c.csv", template_rows({"part_number": "P-2", "supplier_id": "S1"}))
    result = read_and_validate([folder])
    duplicate = next(p for p in result.errors if "appears twice" in p.message)
    assert duplicate.file == "c.csv" and duplicate.row == 2 and duplicate.column == "supplier_id"
    assert "a.xlsx row 3" in duplicate.message
    assert result.tables.parts.empty


def test_text_file_named_xls_is_read_with_a_warning(tmp_path):
    path = write_csv(tmp_path / "erp_export.xls", template_rows({"part_number": "E-1"}), delimiter="\t")
    result = read_and_validate([path])
    assert result.ok, result.errors
    assert any("text file named .xls" in p.message for p in result.warnings)


LEGACY_XLS = Path(__file__).parent / "data" / "legacy_bom.xls"
"""A real BIFF8 workbook made by LibreOffice (see tests/io/data/README.md): German headers under a title row."""


def test_real_xls():
    assert LEGACY_XLS.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE2 file, not text
    result = read_and_validate([LEGACY_XLS])
    assert result.ok, result.errors
    parts = result.tables.parts.set_index("part_number")
    assert parts.loc["XLS-100", ["end_use", "magnet_family", "magnet_mass_g", "annual_units"]].tolist() == [
        "automotive", "NdFeB-sintered", 250.5, 12000.0]
    paths = result.tables.paths
    assert paths[["part_number", "supplier_id", "share_pct"]].values.tolist() == [
        ["XLS-100", "SUP-DE9", 60.0], ["XLS-100", "SUP-CN9", 40.0], ["XLS-200", "SUP-DE9", 100.0]]
    assert paths.loc[0, ["mine_country", "separation_country", "metal_country", "magnet_country"]].tolist() == [
        "AU", "MY", "JP", "DE"]
    assert paths.loc[2, "mine_country"] == "" and paths.loc[2, "origin_evidence"] == "unknown"
    assert dict(zip(result.tables.suppliers["supplier_id"], result.tables.suppliers["supplier_country"],
                    strict=True)) == {"SUP-DE9": "DE", "SUP-CN9": "CN"}
