"""Exporting a table to xlsx or csv: numbers stay numbers, text stays text (never a formula), the file is replaced
only when complete, and a file open elsewhere is refused with what to do."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from riskdesk.io.table_export import ExportTable, csv_text, export_table, sheet_name
from riskdesk.io.xlsx import ExportError

HOSTILE = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "{=1+1}", "+1 (555) 0100", "-2", "\tTab", "\rCR"]


def _table() -> ExportTable:
    rows = [[text, float(i), i, dt.date(2027, 1, i + 1), None] for i, text in enumerate(HOSTILE)]
    rows.append(["plain", float("nan"), 7, None, "x"])
    return ExportTable("Parts: scores [today]", ["Supplier", "Score", "Count", "Effective from", "Note"], rows)


def test_xlsx_keeps_numbers_dates_and_text_as_they_are(tmp_path: Path) -> None:
    path = export_table(tmp_path / "t.xlsx", _table())
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    assert ws.title == "Parts  scores  today" and list(ws.tables) == ["Exported"]
    assert ws.tables["Exported"].ref == "A1:E9" and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["Supplier", "Score", "Count", "Effective from", "Note"]
    for i, text in enumerate(HOSTILE, start=2):
        cell = ws.cell(i, 1)
        assert cell.data_type == "s" and cell.value in (text, text.replace("\r", "_x000D_"))
        assert ws.cell(i, 2).value == i - 2 and ws.cell(i, 2).data_type == "n"
        assert ws.cell(i, 4).value == dt.datetime(2027, 1, i - 1) and ws.cell(i, 4).number_format == "yyyy-mm-dd"
    assert ws.cell(9, 2).value is None, "NaN is a blank"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert book.properties.title == "Parts: scores [today] (RiskDesk)"


def test_csv_is_utf8_with_risky_text_prefixed_by_an_apostrophe(tmp_path: Path) -> None:
    path = export_table(tmp_path / "t.csv", _table())
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Supplier", "Score", "Count", "Effective from", "Note"]
    firsts = [row[0] for row in rows[1:]]
    assert firsts[:7] == ["'" + HOSTILE[0], "'@SUM(A1)", "{=1+1}", "'+1 (555) 0100", "'-2", "'\tTab", "'\rCR"]
    assert rows[1][1:4] == ["0.0", "0", "2027-01-01"] and rows[-1][1] == ""
    assert csv_text(-2.5) == "-2.5" and csv_text(True) == "yes"


def test_other_names_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"t\.txt: export to a workbook \(\.xlsx\) or a CSV file \(\.csv\)"):
        export_table(tmp_path / "t.txt", _table())
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_file_open_elsewhere_is_left_as_it_was(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    path.write_text("old")
    (tmp_path / f".~lock.t{suffix}#").write_text("lo")
    with pytest.raises(ExportError, match="open in another program"):
        export_table(path, _table())
    assert path.read_text() == "old"
    assert len(list(tmp_path.iterdir())) == 2


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    class Broken(list):
        def __iter__(self):
            yield ["a", 1, 1, None, None]
            raise RuntimeError("disk gone")

    path = tmp_path / "t.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="disk gone"):
        export_table(path, ExportTable("T", ["a", "b", "c", "d", "e"], Broken()))
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_sheet_names_are_what_excel_accepts() -> None:
    assert sheet_name("a/b:c*d?e[f]g\\h") == "a b c d e f g h"
    assert sheet_name("x" * 40) == "x" * 31 and sheet_name("  ") == "Table"


def test_duplicate_and_empty_headers_are_made_unique(tmp_path: Path) -> None:
    path = export_table(tmp_path / "d.xlsx", ExportTable("D", ["Score", "score", ""], [[1, 2, 3]]))
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert [c.value for c in ws[1]] == ["Score", "score (2)", "Column 3"]
