"""Hostile and broken files are refused fast, with one clear error each and never a traceback."""

from __future__ import annotations

import time
import zipfile

import pytest

from riskdesk.io.importer import ImportLimits, read_and_validate
from tests.io.helpers import (
    sheet_xml,
    template_rows,
    write_encrypted_cfb,
    write_entity_bomb,
    write_fake_pdf,
    write_raw_xlsx,
    write_xlsxwriter,
    write_zip_bomb,
)


def refused(path, limits=None):
    """The single error an import of `path` gives, checking it came fast."""
    start = time.perf_counter()
    result = read_and_validate([path], limits=limits)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    assert not result.ok and result.tables.parts.empty
    (problem,) = result.errors
    assert problem.file == path.name and problem.hint
    return problem


def test_zip_bomb_is_refused_from_its_directory(tmp_path):
    path = write_zip_bomb(tmp_path / "bomb.xlsx", megabytes=40)
    assert path.stat().st_size < 200_000
    problem = refused(path)
    assert "looks like a zip bomb" in problem.message and "xl/sharedStrings.xml" in problem.message


def test_zip_over_the_uncompressed_limit_is_refused(tmp_path):
    path = write_xlsxwriter(tmp_path / "big.xlsx", template_rows(*({"part_number": f"P{i}"} for i in range(300))))
    problem = refused(path, ImportLimits(max_uncompressed_bytes=20_000))
    assert "would expand to" in problem.message


def test_xml_entity_declarations_are_refused(tmp_path):
    problem = refused(write_entity_bomb(tmp_path / "laughs.xlsx"))
    assert "XML document type or entity declaration" in problem.message


def test_a_pdf_renamed_xlsx_is_refused(tmp_path):
    problem = refused(write_fake_pdf(tmp_path / "offer.xlsx"))
    assert problem.message == "is a PDF document, not an Excel file as its extension .xlsx says"


def test_an_xlsx_renamed_csv_is_refused_with_the_fix(tmp_path):
    path = write_xlsxwriter(tmp_path / "data.xlsx", template_rows({}))
    renamed = path.rename(tmp_path / "data.csv")
    problem = refused(renamed)
    assert "is an Excel workbook (xlsx), not a text file" in problem.message
    assert problem.hint == "Rename it to .xlsx and import it again"


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert refused(path).message == "is a Word document, not an Excel workbook as its extension .xlsx says"


def test_a_truncated_xlsx_is_refused(tmp_path):
    path = write_xlsxwriter(tmp_path / "full.xlsx", template_rows(*({"part_number": f"P{i}"} for i in range(50))))
    data = path.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    assert "damaged or incomplete" in refused(cut).message


def test_an_encrypted_workbook_is_refused(tmp_path):
    problem = refused(write_encrypted_cfb(tmp_path / "secret.xlsx"))
    assert problem.message == "is encrypted (password-protected)"


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = write_xlsxwriter(tmp_path / "t.xlsx", template_rows({}))
    problem = refused(path, ImportLimits(max_file_bytes=1000))
    assert "over the limit of" in problem.message


def test_too_many_rows_are_refused(tmp_path):
    rows = template_rows(*({"part_number": f"P{i}"} for i in range(250)))
    assert "more than the limit of 100" in refused(write_xlsxwriter(tmp_path / "t.xlsx", rows),
                                                   ImportLimits(max_rows=100)).message
    from tests.io.helpers import write_csv

    assert "more than 100 rows" in refused(write_csv(tmp_path / "t.csv", rows), ImportLimits(max_rows=100)).message


@pytest.mark.parametrize("body", [
    '<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
    '<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
    '<row r="2"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
    "<dimension ref=\"A1:B2\"/><sheetData><row r='1'><c r='A1'><v>1</v></c></row>"
    "<row r = '1048576'><c><v>1</v></c></row></sheetData>",
    '<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="ZZZZ1"><v>1</v></c></row></sheetData>',
    '<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
    '<row\nr="1048576"><c\tr="A1048576"><v>1</v></c></row></sheetData>',
])
def test_a_cell_far_outside_the_data_is_refused_before_calamine_allocates_the_grid(tmp_path, body):
    # Without the check, python-calamine allocates rows × columns cells and the process aborts.
    problem = refused(write_raw_xlsx(tmp_path / "sparse.xlsx", sheet_xml(body)))
    assert problem.sheet == "S"
    assert any(w in problem.message for w in ("more than the limit of 1,000,000 rows", "more than any sheet Excel"))


def test_a_true_dimension_is_trusted_although_the_sheet_declares_xmlns_r_and_holds_inline_text(tmp_path,
                                                                                                monkeypatch):
    # Every real sheet declares xmlns:r="http://…"; it once read as a cell address far outside the data and sent
    # each workbook with inline strings (XlsxWriter's constant-memory mode, many ERP exports) down the exact path,
    # which reads every cell in Python: 2 s more for 20,000 rows, 15 s for 100,000.
    from riskdesk.io import sheet_size, workbook

    def exact_path(*_args):
        raise AssertionError("the sheet's addresses were read one by one")

    monkeypatch.setattr(sheet_size, "xlsx_sheet_problem", exact_path)
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>SUP-JP{r} AB12</t></is></c>'
                   f'<c r="B{r}"><v>{r}</v></c></row>' for r in range(1, 51))
    xml = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
           f'<dimension ref="A1:B50"/><sheetData>{rows}</sheetData></worksheet>')
    book, problems = workbook.open_workbook(write_raw_xlsx(tmp_path / "inline.xlsx", xml), ImportLimits())
    assert not problems and book is not None


def test_an_ods_repeating_a_filled_row_a_million_times_is_refused(tmp_path):
    from tests.io.helpers import write_ods

    path = write_ods(tmp_path / "r.ods", [["Part", "Mass"]])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["content.xml"] = parts["content.xml"].replace(
        b"</table:table>",
        b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
        b'table:number-columns-repeated="1000" office:value-type="float" office:value="1"/></table:table-row>'
        b"</table:table>")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    problem = refused(path)
    assert problem.sheet == "Sheet1" and "(1,000,001 rows × 1,000 columns)" in problem.message


def test_a_member_lying_about_its_size_fails_its_check(tmp_path):
    path = write_xlsxwriter(tmp_path / "t.xlsx", template_rows({}))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Lower the uncompressed size the central directory declares for the sheet.
    position = data.find(b"xl/worksheets/sheet1.xml", data.find(b"PK\x01\x02")) - 46
    assert data[position:position + 4] == b"PK\x01\x02"
    data[position + 24:position + 28] = (info.file_size // 4).to_bytes(4, "little")
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(bytes(data))
    assert "damaged" in refused(liar).message


def test_unsupported_extension_is_refused(tmp_path):
    path = tmp_path / "offer.pdf"
    write_fake_pdf(path)
    assert "is not a spreadsheet RiskDesk reads" in refused(path).message
