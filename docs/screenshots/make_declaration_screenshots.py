"""Render the declaration workbook's sheets as LibreOffice shows them, for docs/declarations.md.

    .venv/bin/python docs/screenshots/make_declaration_screenshots.py [FOLDER]

Writes the demo project's request to SUP-JP1, fills it in as tests/test_cli_declarations.py does, prints each
sheet to PDF with LibreOffice (soffice) and its first page to PNG with poppler's pdftoppm (cropped to the table),
beside this script or into FOLDER.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

SHEETS = {"declaration-instructions": "Instructions", "declaration-declaration": "Declaration",
          "declaration-products": "Product List", "declaration-origins": "Origin by Element"}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    from openpyxl import load_workbook

    from riskdesk.cli import main as riskdesk
    from tests.test_cli_declarations import JP1_ORIGINS, fill

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        assert riskdesk(["demo", str(work / "demo.rdproj")]) == 0
        assert riskdesk(["request", str(work / "demo.rdproj"), str(work / "out"), "--supplier", "SUP-JP1",
                         "--due", "2027-01-31"]) == 0
        filled = fill(work / "out" / "SUP-JP1.xlsx", work / "filled.xlsx", JP1_ORIGINS,
                      makers={"LDR-MIR-2": "JP", "EPS-MTR-8": "JP"})
        for name, sheet in SHEETS.items():
            book = load_workbook(filled)
            for ws in book.worksheets:
                ws.sheet_view.tabSelected = ws.title == sheet
                if ws.title != sheet:
                    ws.sheet_state = "hidden"
            book.active = book.sheetnames.index(sheet)
            ws = book[sheet]
            ws.page_setup.orientation = "landscape"
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
            ws.print_options.gridLines = True
            book.save(work / f"{name}.xlsx")
            subprocess.run(["soffice", f"-env:UserInstallation={(work / 'lo').as_uri()}", "--headless",
                            "--convert-to", "pdf", "--outdir", str(work), str(work / f"{name}.xlsx")], check=True,
                           capture_output=True, timeout=180)
            height = 560 if sheet in ("Instructions", "Declaration") else 200
            subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "110", "-x", "60", "-y", "90", "-W", "1100",
                            "-H", str(height), "-singlefile", "-png", str(work / f"{name}.pdf"), str(out / name)],
                           check=True, timeout=60)
            print(f"wrote {out / name}.png")


if __name__ == "__main__":
    main()
