"""Import speed: a 100,000-row supplier workbook imported, normalised and validated, against two baselines
measured in the same run on the same file.

- `calamine_read`: python-calamine merely reading the sheet into Python lists (target: import ≤ 2× this);
- `pandas_openpyxl_read`: `pandas.read_excel(engine="openpyxl")` (target: import ≤ 0.2× this, i.e. 5× faster).

The workbook is written with XlsxWriter in the shape suppliers send: a title row, German and English headers,
countries spelled every which way, masses in kg, composition in %. It is cached in bench/.cache/.

`import_*_xlsx_inline` is the same workbook with its text stored in the cells themselves (inline strings, as
XlsxWriter's constant-memory mode and many ERP exports write it) instead of in the shared-strings table: the
size check then cannot rule addresses out by their shape and searches the cells' addresses.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import BenchResult, best_of  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
HEADERS = (
    "Part No.", "Bezeichnung", "Werkstoff", "Grade", "Magnet weight (kg)", "Annual qty", "Unit price EUR",
    "Supplier", "Supplier name", "Country", "Share %", "Mine", "Separation", "Metal/alloy", "Country of Origin",
    "Evidence", "Dy %", "Tb %", "Nd %",
)
_COUNTRIES = ("China", "PRC", "P.R. China", "Japan", "JP", "Viet Nam", "Myanmar", "Burma", "Australia", "USA",
              "Malaysia", "Deutschland", "Estonia", "CN", "Mainland China")
_GRADES = ("N42SH", "N38UH", "N52", "N45H", "N35EH", "N48M")
_FAMILIES = ("NdFeB sintered", "NdFeB-sintered", "sintered NdFeB")


def make_supplier_file(path: Path, rows: int, seed: int = 7, inline: bool = False) -> Path:
    """A supplier workbook with `rows` supply paths (two per part), written with XlsxWriter (`inline`: text in
    the cells, written row by row in constant-memory mode)."""
    import xlsxwriter

    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    workbook = xlsxwriter.Workbook(str(tmp), {"constant_memory": inline})
    sheet = workbook.add_worksheet("Lieferungen")
    sheet.write_string(0, 0, "Lieferantenerklärung Seltene Erden 2025 / Supplier declaration")
    sheet.write_row(2, 0, HEADERS)
    # The inline variant has codes with letters before digits ("SUP-JP12"), as ERP exports do: text of that
    # shape could be a cell address, so the size check has to search the addresses themselves.
    suppliers = [(f"SUP-JP{n}" if inline else f"S{n:04d}", f"Supplier {n} Magnetics GmbH", rng.choice(_COUNTRIES))
                 for n in range(300)]
    row = 3
    for part in range((rows + 1) // 2):
        grade = rng.choice(_GRADES)
        mass_kg = round(rng.uniform(0.002, 0.8), 4)
        units = rng.randint(100, 200_000)
        price = round(rng.uniform(0.5, 80.0), 2)
        dy, tb, nd = round(rng.uniform(0, 6), 2), round(rng.uniform(0, 1), 2), round(rng.uniform(20, 30), 2)
        family = rng.choice(_FAMILIES)
        first = rng.randrange(300)
        for k, share in enumerate((60, 40)):
            if row - 3 >= rows:
                break
            sid, name, country = suppliers[(first + 7 * k) % 300]
            sheet.write_row(row, 0, (
                f"MTR-{part:06d}", f"Rotor magnet set {part % 500}", family, grade, mass_kg, units, price, sid, name,
                country, share, rng.choice(_COUNTRIES), rng.choice(_COUNTRIES), rng.choice(_COUNTRIES),
                rng.choice(_COUNTRIES), rng.choice(("declared", "Declared", "verified", "inferred")), dy, tb, nd,
            ))
            row += 1
    workbook.close()
    tmp.replace(path)
    return path


def cached_file(rows: int, inline: bool = False) -> Path:
    path = CACHE / f"supplier_{rows}{'_inline' if inline else ''}.xlsx"
    if not path.exists():
        make_supplier_file(path, rows, inline=inline)
    return path


def _calamine_read(path: Path) -> None:
    import python_calamine

    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        book.get_sheet_by_index(0).to_python()


def _import(path: Path) -> None:
    from riskdesk.io.importer import read_and_validate

    result = read_and_validate([path])
    if not result.ok or len(result.tables.paths) == 0:
        raise RuntimeError(f"benchmark import failed: {result.errors[:3]}")


def run(quick: bool) -> list[BenchResult]:
    rows = 20_000 if quick else 100_000
    path = cached_file(rows)
    _import(path)  # warm caches (country and grade tables) outside the timing, as a running app has them
    repeat = 3
    calamine = best_of(lambda: _calamine_read(path), repeat)
    imported = best_of(lambda: _import(path), repeat)
    import pandas as pd

    start = time.perf_counter()
    pd.read_excel(path, engine="openpyxl", header=None)
    openpyxl_time = time.perf_counter() - start
    size = f"{rows:,} rows, {path.stat().st_size / 1e6:.1f} MB"
    inline = cached_file(rows, inline=True)
    _import(inline)
    inline_calamine = best_of(lambda: _calamine_read(inline), repeat)
    inline_imported = best_of(lambda: _import(inline), repeat)
    return [
        BenchResult(f"import_{rows // 1000}k_xlsx", imported, "s", "calamine_read", calamine, 2.0, size),
        BenchResult(f"import_{rows // 1000}k_xlsx", imported, "s", "pandas_openpyxl_read", openpyxl_time, 0.2,
                    size + "; target: at least 5× faster"),
        BenchResult(f"import_{rows // 1000}k_xlsx_inline", inline_imported, "s", "calamine_read", inline_calamine,
                    2.0, f"{rows:,} rows, {inline.stat().st_size / 1e6:.1f} MB, text in the cells"),
    ]


if __name__ == "__main__":
    for result in run("--quick" in sys.argv):
        print(result.line())
