"""Issue 19 (F10, F17, F18, F19, F23): the smaller import findings. Text longer than a cell can hold is refused
with a short message; a csv mixing UTF-8 and Windows-1252 lines is read line by line and says so; formulas saved
without their results are named as such; headers and values are shortened wherever they are shown, and the
"--skip-error-rows" hint only follows errors in rows; a csv far too wide is refused at its first wide line."""

from __future__ import annotations

import openpyxl
import pytest

from riskdesk.cli import EXIT_INVALID
from riskdesk.io import workbook
from riskdesk.io.importer import ImportLimits, ImportOptions, read_and_validate
from tests.helpers.cli import demo, run  # noqa: F401 - demo is a fixture
from tests.io.helpers import (
    TEMPLATE_ROW,
    sheet_xml,
    template_rows,
    write_csv,
    write_fake_pdf,
    write_raw_xlsx,
    write_zip_bomb,
)

LONG = ("Motor magnet, arc segment " * 1_600).strip()  # 41,599 characters


def _inline_xlsx(path, rows):
    """An xlsx with `rows` as inline strings (no writer library refuses a text longer than Excel's limit)."""
    def column(index):
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]

    body = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{column(c)}{r}" t="inlineStr"><is><t>{value}</t></is></c>'
                                  for c, value in enumerate(row)) + "</row>"
        for r, row in enumerate(rows, start=1))
    return write_raw_xlsx(path, sheet_xml(f"<sheetData>{body}</sheetData>"))


# ---- F10: text longer than a cell can hold ---------------------------------------------------------------------

def test_a_text_longer_than_a_cell_holds_is_an_error_naming_where_with_the_value_shortened(tmp_path):
    rows = template_rows({"description": LONG}, {"part_number": "P-2"})
    path = _inline_xlsx(tmp_path / "long.xlsx", rows)
    result = read_and_validate([path])
    (problem,) = result.errors
    assert (problem.file, problem.sheet, problem.row, problem.column) == ("long.xlsx", "S", 2, "description")
    assert "longer than the 32,767 characters" in problem.message
    assert "(41,599 characters)" in problem.value and len(str(problem)) < 400
    skipped = read_and_validate([path], options=ImportOptions(skip_error_rows=True))
    assert skipped.ok and list(skipped.tables.parts["part_number"]) == ["P-2"]


def test_a_long_csv_cell_is_refused_the_same_way(tmp_path):
    path = write_csv(tmp_path / "long.csv", template_rows({"supplier_name": LONG}))
    (problem,) = read_and_validate([path]).errors
    assert problem.column == "supplier_name" and "32,767 characters" in problem.message


# ---- F17: mixed encodings ----------------------------------------------------------------------------------------

def _mixed_csv(path, lines=2):
    header = ",".join(template_rows()[0]).encode()
    body = []
    for n in range(lines):
        row = {**TEMPLATE_ROW, "part_number": f"P-{n}", "supplier_name": "Müller GmbH"}
        text = ",".join(str(row.get(h, "")) for h in template_rows()[0])
        body.append(text.encode("cp1252" if n % 2 else "utf-8"))
    path.write_bytes(b"\r\n".join([header, *body]) + b"\r\n")
    return path


def test_a_csv_mixing_utf8_and_cp1252_lines_reads_each_line_in_its_encoding_and_says_which(tmp_path):
    result = read_and_validate([_mixed_csv(tmp_path / "mixed.csv")])
    assert result.ok
    assert set(result.tables.suppliers["supplier_name"]) == {"Müller GmbH"}
    (note,) = [p for p in result.warnings if "mixes text encodings" in p.message]
    assert "1 line (3) is Windows-1252 and 1 UTF-8" in note.message and note.row == 3


def test_a_large_mixed_csv_streamed_is_read_the_same_way(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "WHOLE_TEXT_BYTES", 2_000)
    result = read_and_validate([_mixed_csv(tmp_path / "mixed.csv", lines=40)])
    assert result.ok
    assert set(result.tables.suppliers["supplier_name"]) == {"Müller GmbH"}
    (note,) = [p for p in result.warnings if "mixes text encodings" in p.message]
    assert "20 lines (3, 5, 7" in note.message


def test_a_plain_cp1252_file_reads_without_a_warning(tmp_path):
    path = write_csv(tmp_path / "ansi.csv", template_rows({"supplier_name": "Müller GmbH"}), encoding="cp1252")
    result = read_and_validate([path])
    assert result.ok and list(result.tables.suppliers["supplier_name"]) == ["Müller GmbH"]
    assert not [p for p in result.problems if "encodings" in p.message]


# ---- F18: formulas without saved values --------------------------------------------------------------------------

def _formula_workbook(path, every_cell: bool):
    book = openpyxl.Workbook()
    sheet = book.active
    rows = template_rows({}, {"part_number": "P-2"})
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append([f'="{v}"' if every_cell and v != "" else v for v in row])
    if not every_cell:
        sheet["F2"] = "=100+20"
    book.save(path)
    return path


def test_formulas_without_saved_values_are_named_with_what_to_do(tmp_path):
    (problem,) = read_and_validate([_formula_workbook(tmp_path / "script.xlsx", every_cell=True)]).errors
    assert "its cells hold formulas with no saved values (36 cells" in problem.message
    assert "save it again" in problem.hint and "paste them as values" in problem.hint


def test_one_formula_without_a_value_is_a_warning_beside_the_error_it_causes(tmp_path):
    result = read_and_validate([_formula_workbook(tmp_path / "script.xlsx", every_cell=False)])
    assert any("1 cell holds a formula with no saved value" in p.message for p in result.warnings)
    assert any(p.column == "magnet_mass_g" and p.row == 2 for p in result.errors)


# ---- F19: shortened headers and values, and the hint only where rows can be skipped --------------------------------

def test_shown_cuts_long_text_and_says_how_long_it_was():
    from riskdesk.core.problems import shown

    assert shown("Part number") == "Part number"
    cut = shown("x" * 31_000, quote=True)
    assert len(cut) < 90 and cut.endswith("(31,000 characters)") and "…" in cut


def test_the_mapping_proposal_shortens_a_huge_header(tmp_path, capsys, demo):  # noqa: F811
    rows = template_rows({})
    rows[0].append("Remark " * 4_499 + "Remarks")
    path = write_csv(tmp_path / "wide.csv", rows)
    code, out, err = run(capsys, "import", demo, path, "--show-mapping")
    assert code == 0
    assert "(31,500 characters)" in out and len(out) + len(err) < 6_000


@pytest.mark.parametrize("make", [
    lambda folder: write_zip_bomb(folder / "bomb.xlsx", megabytes=40),
    lambda folder: write_fake_pdf(folder / "offer.xlsx"),
])
def test_a_whole_file_refusal_does_not_offer_to_skip_rows(tmp_path, capsys, demo, make):  # noqa: F811
    code, _out, err = run(capsys, "import", demo, make(tmp_path))
    assert code == EXIT_INVALID and "nothing was imported" in err
    assert "--skip-error-rows" not in err


def test_errors_in_rows_still_offer_to_skip_them(tmp_path, capsys, demo):  # noqa: F811
    path = write_csv(tmp_path / "bad.csv", template_rows({"magnet_mass_g": "heavy"}, {"part_number": "P-2"}))
    code, _out, err = run(capsys, "import", demo, path)
    assert code == EXIT_INVALID and "(--skip-error-rows imports the other rows)" in err


# ---- F23: width checked as rows stream in ------------------------------------------------------------------------

def test_a_csv_far_too_wide_is_refused_at_its_first_wide_line(tmp_path):
    # 300 rows over a limit of 100, the second line 5,000 columns wide: the width is met first (it used to be
    # checked only after every row had been read, 0.8 GB for a 95 MB file of commas).
    rows = template_rows(*({"part_number": f"P-{n}"} for n in range(300)))
    rows[1] = rows[1] + [""] * 5_000
    (problem,) = read_and_validate([write_csv(tmp_path / "wide.csv", rows)],
                                   limits=ImportLimits(max_rows=100)).errors
    assert "columns on line 2, more than the limit of 2,000" in problem.message
    assert problem.row is None
