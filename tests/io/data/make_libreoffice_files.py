"""Write the LibreOffice-made test files in this folder (run by hand; the files are committed).

    python tests/io/data/make_libreoffice_files.py      # needs soffice (apt-get install libreoffice-calc-nogui)

Each file is first written by openpyxl or as csv, then opened and saved by LibreOffice Calc, so that the tests
read what Calc really writes: a formatted header row whose empty cells Calc repeats to the sheet's last column
(16,384), its own xlsx and BIFF8 .xls writers, and csv converted with Calc's import filter.
"""

from __future__ import annotations

import csv
import subprocess
import tempfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

HERE = Path(__file__).resolve().parent

# A supplier's material declaration: title rows, no magnet family or grade column, the family only in the
# element contents and the description (German words included), no supplier column (it is in the title).
DECLARATION = [
    ["Magnet material declaration 2026"],
    ["Supplier: Hokuriku Magnet Works K.K."],
    [],
    ["Part No.", "Description", "Nd %", "Pr %", "Dy %", "Tb %", "Sm %", "Co %", "Magnet weight (g)", "Annual qty",
     "Country of origin"],
    ["HM-1001", "NdFeB sintered magnet arc", 22.5, 7.5, 3.1, 0, None, None, 85, 60000, "Japan"],
    ["HM-1002", "Neodym-Magnetring gesintert", 23.0, 7.0, 0.5, 0.4, None, None, 12, 250000, "Japan"],
    ["HM-2001", "SmCo 2:17 segment", None, None, None, None, 25.5, 50, 40, 3000, "Japan"],
    ["HM-3001", "Sensor magnet", 20, 6.5, 5, 0, None, None, 4, 400000, "China"],
    ["HM-4001", "Ferrit-Segment", None, None, None, None, None, None, 30, 10000, "China"],
]

# An SAP-style purchasing export: "Material" is the material number, vendor numbers, "Name 1", "Cty".
SAP = [
    ["Material", "Material Description", "Plnt", "Vendor", "Name 1", "Cty", "Net weight (g)", "Annual req. qty",
     "Magnet type", "Grade"],
    ["400012345", "ROTOR MAGNET SET N42SH", "1000", "100234", "Ningbo Magnet Co", "CN", "120", "48000", "NdFeB",
     "N42SH"],
    ["400012346", "SENSOR MAGNET", "1000", "100234", "Ningbo Magnet Co", "CN", "2.5", "900000", "NdFeB", "N35"],
    ["400012399", "ACTUATOR MAGNET SMCO", "1100", "100877", "Arnold Magnetic", "US", "30", "2500", "SmCo",
     "Sm2Co17"],
]


def _soffice(source: Path, target_filter: str, out: Path) -> Path:
    with tempfile.TemporaryDirectory() as profile:
        command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless"]
        if source.suffix == ".csv":
            command.append("--infilter=CSV:44,34,76,1")
        command += ["--convert-to", target_filter, "--outdir", str(out), str(source)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    return out / f"{source.stem}.{target_filter.split(':')[0]}"


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        book = Workbook()
        sheet = book.active
        sheet.title = "Declaration"
        for row in DECLARATION:
            sheet.append(row)
        sheet.row_dimensions[4].font = Font(bold=True)  # the whole header row formatted, as people do
        sheet.row_dimensions[4].fill = PatternFill("solid", fgColor="DDDDDD")
        source = folder / "lo_declaration.xlsx"
        book.save(source)
        ods = _soffice(source, "ods", folder / "ods")
        (HERE / "lo_declaration.ods").write_bytes(ods.read_bytes())
        xlsx = _soffice(ods, 'xlsx:Calc MS Excel 2007 XML', folder / "xlsx")
        (HERE / "lo_declaration.xlsx").write_bytes(xlsx.read_bytes())
        xls = _soffice(ods, "xls:MS Excel 97", folder / "xls")
        (HERE / "lo_declaration.xls").write_bytes(xls.read_bytes())
        sap_csv = folder / "sap_export.csv"
        with sap_csv.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(SAP)
        sap = _soffice(sap_csv, 'xlsx:Calc MS Excel 2007 XML', folder / "sap")
        (HERE / "sap_export.xlsx").write_bytes(sap.read_bytes())
        write_formatted_columns(folder)


def write_formatted_columns(folder: Path) -> None:
    """A bill of materials with whole columns formatted and an empty row inside the data: Calc writes the empty
    rows below the data as one row repeated to the sheet's last row (1,048,576) and every row's empty cells as
    one cell repeated to column 16,384, and repeats a cell holding the same value in neighbouring columns."""
    book = Workbook()
    sheet = book.active
    sheet.title = "BOM"
    sheet.append(["part_number", "description", "magnet_family", "magnet_mass_g", "annual_units", "supplier_id",
                  "share_pct", "mine_country", "separation_country", "metal_country", "magnet_country"])
    for number in range(1, 7):
        if number == 4:
            sheet.append([])
        sheet.append([f"FC-{number}", "rotor magnet", "NdFeB-sintered", 10 * number, 1000, "S1", 100,
                      "CN", "CN", "CN", "CN"])
    for column in ("B", "D"):
        sheet.column_dimensions[column].fill = PatternFill("solid", fgColor="DDDDDD")
    sheet.row_dimensions[1].font = Font(bold=True)
    source = folder / "lo_formatted_columns.xlsx"
    book.save(source)
    ods = _soffice(source, "ods", folder / "formatted")
    (HERE / "lo_formatted_columns.ods").write_bytes(ods.read_bytes())


if __name__ == "__main__":
    main()
