"""Which files an import reads as spreadsheets, what one may cost before an import refuses it, and what to do about
the row limit. Kept free of numpy and pandas: the first window's file choosers and drops read it."""

from __future__ import annotations

from dataclasses import dataclass

SPREADSHEET_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv", ".txt")
"""The files an import reads (riskdesk.io.workbook), in the order messages and file choosers name them."""

MB = 1024 * 1024

ROW_LIMIT_HINT = ("Split the file, or raise the row limit: Edit ▸ Preferences in the window, which the command "
                  "line follows too (import_max_rows in RiskDesk's settings file)")
"""What to do about a file over the row limit, wherever the limit is met."""


@dataclass(frozen=True)
class ImportLimits:
    """What a file may cost before it is refused. Defaults suit a workstation."""

    max_file_bytes: int = 100 * MB
    max_rows: int = 1_000_000
    max_columns: int = 2_000
    max_cells: int = 30_000_000
    """Sheet area (rows × columns) python-calamine may allocate."""
    max_uncompressed_bytes: int = 1024 * MB
    """Sum of the uncompressed sizes of all members of an xlsx/ods zip."""
    max_compression_ratio: float = 200.0
    """Uncompressed ÷ compressed size of any member over 1 MB (real sheets compress 5–30×, zip bombs ~1000×)."""
    max_members: int = 10_000
    max_sheets: int = 500
    max_problems: int = 1_000
    """Problems listed per import; more are counted in one closing problem."""

