"""Issue 19 (F4): every sheet's size is known before python-calamine expands it. A few kilobytes of .ods, .xlsx
or .xls can describe a grid of billions of cells, which python-calamine allocates while opening the file (and
aborts the process when it cannot); each such file is refused quickly with one message naming the file, the
sheet and its size, and python-calamine never sees it. Real files, with the huge repeats LibreOffice writes for
empty rows and cells, still import."""

from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path

import pytest

from riskdesk.io.importer import ImportLimits, read_and_validate
from tests.io.helpers import (
    CONTENT_TYPES,
    ROOT_RELS,
    WORKBOOK,
    WORKBOOK_RELS,
    sheet_xml,
    template_rows,
    write_ods,
    write_ods_table,
    write_raw_xlsx,
)

DATA = Path(__file__).parent / "data"
BLOCK = ('<table:table-row table:number-rows-repeated="999"><table:table-cell table:number-columns-repeated="999" '
         'office:value-type="string"><text:p>X</text:p></table:table-cell></table:table-row>')
"""The reviewer's block: 60 of them are a 13 KB file that python-calamine expands to 60 million cells."""


@pytest.fixture
def calamine_never_opens(monkeypatch):
    """Fail the test if python-calamine is asked to open the file (without the check it would expand it)."""
    import python_calamine

    def refuse(*_args, **_kwargs):
        raise AssertionError("python-calamine was given a file whose sheet is too large")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)


def refused(path: Path, limits: ImportLimits | None = None):
    start = time.perf_counter()
    result = read_and_validate([path], limits=limits)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    (problem,) = result.errors
    assert problem.file == path.name and problem.hint
    return problem


@pytest.mark.parametrize("rows_xml, shape", [
    (BLOCK * 60, "59,940 rows × 999 columns"),
    (BLOCK.replace('"999"', "'999'") * 60, "59,940 rows × 999 columns"),
    (BLOCK.replace('="999"', ' = "999"') * 60, "59,940 rows × 999 columns"),
    (BLOCK.replace('"999"', '"&#57;99"') * 60, "59,940 rows × 999 columns"),
    (BLOCK.replace('"999"', '"+999"') * 60, "59,940 rows × 999 columns"),
    (BLOCK.replace('"999"', '"99"') * 4000, "396,000 rows × 99 columns"),
    ("<table:table-row table:number-rows-repeated='1000000000'><table:table-cell office:value-type='float' "
     "office:value='1'/></table:table-row>", "1,000,000,000 rows × 1 column"),
    ('<table:table-row table:number-rows-repeated = "2000"><table:table-cell table:number-columns-repeated = '
     '"16000" office:value-type="float" office:value="1"/></table:table-row>', "2,000 rows × 16,000 columns"),
    # an empty row repeated between two filled ones is expanded too
    ('<table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row>'
     '<table:table-row table:number-rows-repeated="5000000"><table:table-cell/></table:table-row>'
     '<table:table-row><table:table-cell/><table:table-cell table:number-columns-repeated="10"/>'
     '<table:table-cell office:value-type="float" office:value="1"/></table:table-row>',
     "5,000,002 rows × 12 columns"),
])
def test_an_ods_expanding_to_too_large_a_sheet_is_refused_before_calamine_sees_it(tmp_path, calamine_never_opens,
                                                                                 rows_xml, shape):
    path = write_ods_table(tmp_path / "bomb.ods", rows_xml)
    assert path.stat().st_size < 20_000
    problem = refused(path)
    assert problem.sheet == "S" and shape in problem.message
    assert "more than the limit" in problem.message or "more than any sheet" in problem.message


def test_the_message_names_file_sheet_and_size_and_says_what_to_do(tmp_path):
    problem = read_and_validate([write_ods_table(tmp_path / "b.ods", BLOCK * 60)]).errors[0]
    assert str(problem) == (
        "error: b.ods, sheet 'S': would expand to 59,880,060 cells once its repeated rows and cells are counted "
        "(59,940 rows × 999 columns), more than the limit of 30,000,000 cells. Delete unused rows and columns and "
        "save again, or split the sheet")


def test_a_libreoffice_file_with_formatted_columns_imports_despite_its_huge_empty_repeats():
    # Calc writes the empty rows below the data as one row repeated 1,048,567 times and each row's empty cells as
    # one cell repeated to column 16,384: they hold nothing, so they cost nothing.
    path = DATA / "lo_formatted_columns.ods"
    with zipfile.ZipFile(path) as archive:
        content = archive.read("content.xml")
    assert b'number-rows-repeated="1048567"' in content and b'number-columns-repeated="16373"' in content
    result = read_and_validate([path])
    assert result.ok, result.errors
    assert sorted(result.tables.parts["part_number"]) == [f"FC-{n}" for n in range(1, 7)]
    assert set(result.tables.paths["magnet_country"]) == {"CN"}


def test_a_sheet_within_the_limits_is_read_as_before(tmp_path):
    rows = '<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="2" ' \
           'office:value-type="float" office:value="7"/><table:table-cell table:number-columns-repeated="9000"/>' \
           "</table:table-row>"
    from riskdesk.io.workbook import open_workbook

    book, problems = open_workbook(write_ods_table(tmp_path / "ok.ods", rows), ImportLimits())
    assert not problems and book is not None
    with book:
        sheet = book.read_sheet("S", ImportLimits())
    assert [list(row) for row in sheet.rows] == [[7.0, 7.0]] * 3


def test_all_sheets_together_count_for_formats_calamine_reads_whole(tmp_path, calamine_never_opens):
    block = ('<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated='
             '"1000" office:value-type="float" office:value="1"/></table:table-row>')
    tables = "".join(f'<table:table table:name="T{n}">{block}</table:table>' for n in range(40))
    path = write_ods_table(tmp_path / "many.ods", "")
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["content.xml"] = parts["content.xml"].replace(b'<table:table table:name="S"></table:table>',
                                                        tables.encode())
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in parts.items():
            archive.writestr(member, data)
    problem = refused(path)
    assert "40,000,000 cells in its 40 sheets together" in problem.message


def test_the_row_limit_setting_applies_to_repeated_rows(tmp_path, calamine_never_opens):
    rows = ('<table:table-row table:number-rows-repeated="500"><table:table-cell office:value-type="float" '
            'office:value="1"/></table:table-row>')
    problem = refused(write_ods_table(tmp_path / "r.ods", rows), ImportLimits(max_rows=100))
    assert "has 500 rows" in problem.message and "more than the limit of 100 rows" in problem.message


def test_a_document_type_declaration_in_content_is_refused(tmp_path, calamine_never_opens):
    path = write_ods_table(tmp_path / "dtd.ods", "")
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["content.xml"] = parts["content.xml"].replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1)
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in parts.items():
            archive.writestr(member, data)
    assert "document type" in refused(path).message


# ---- xlsx: cells placed without a readable address ---------------------------------------------------------------

@pytest.mark.parametrize("body", [
    # thousands of empty cells without an address push the last one to column 3,001
    '<dimension ref="A1:B2"/><sheetData>' + "".join(
        f'<row r="{r}"><c r="A{r}"><v>1</v></c>' + "<c/>" * 3000 + "<c><v>1</v></c></row>" for r in (1, 2))
    + "</sheetData>",
    # the same with cells whose first attribute is not the address (and thousands with none)
    '<dimension ref="A1:B2"/><sheetData>' + "".join(
        f'<row r="{r}"><c t="n" r="A{r}"><v>1</v></c>' + '<c t="n"><v>1</v></c>' * 3000 + "</row>" for r in (1, 2))
    + "</sheetData>",
    # an address written with a tab before "=" is still an address to python-calamine
    '<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1"><v>1</v></c><c r\t="XFD1048576"><v>1</v></c></row>'
    "</sheetData>",
    # a prefixed element is a cell too
    '<dimension ref="A1:B2"/><sheetData xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<row r="1"><c r="A1"><v>1</v></c><x:c r="XFD1048576"><v>1</v></x:c></row></sheetData>',
    # rows without an address after a true dimension (here over a row limit of 1,000)
    '<dimension ref="A1:A2"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>' + "<row/>" * 1_500
    + "<row><c><v>1</v></c></row></sheetData>",
])
def test_an_xlsx_cell_placed_far_out_by_counting_or_odd_spelling_is_refused(tmp_path, calamine_never_opens, body):
    problem = refused(write_raw_xlsx(tmp_path / "far.xlsx", sheet_xml(body)), ImportLimits(max_rows=1_000))
    assert problem.sheet == "S" and "once its cell addresses are counted" in problem.message


@pytest.mark.parametrize("cell", ["<c r=\"A1\" r='XFD1048576'>", '<c r="A1"\tr="XFD1048576">'])
def test_a_cell_with_a_second_address_is_refused_as_damaged_before_calamine_reads_it(tmp_path, calamine_never_opens,
                                                                                      cell):
    """Every `r` attribute is checked, in either quotes and after any white space, not only the first of a cell."""
    body = f'<dimension ref="A1:B2"/><sheetData><row r="1">{cell}<v>1</v></c></row></sheetData>'
    problem = refused(write_raw_xlsx(tmp_path / "twice.xlsx", sheet_xml(body)))
    assert "not well-formed XML (duplicate attribute" in problem.message


def test_a_sheet_stored_outside_the_worksheets_folder_is_checked_too(tmp_path, calamine_never_opens):
    path = tmp_path / "moved.xlsx"
    body = '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.replace("worksheets/sheet1.xml", "data/s.xml"))
        archive.writestr("xl/data/s.xml", sheet_xml(body))
    problem = refused(path)
    assert problem.sheet == "S" and "1,048,576 rows" in problem.message


def test_a_huge_shared_string_is_refused_before_calamine_loads_it(tmp_path, calamine_never_opens):
    strings = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               "<si><t>" + "Motor magnet " * 40_000 + "</t></si></sst>")
    body = '<dimension ref="A1"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    path = write_raw_xlsx(tmp_path / "long.xlsx", sheet_xml(body), {"xl/sharedStrings.xml": strings})
    problem = refused(path)
    assert "more than 32,767 characters (in xl/sharedStrings.xml)" in problem.message


# ---- xls: records claiming more than the format holds --------------------------------------------------------------

def _patched_xls(tmp_path: Path, record: bytes, offset: int, values: bytes) -> Path:
    data = bytearray((DATA / "legacy_bom.xls").read_bytes())
    position = data.find(record, 512)
    assert position > 0
    data[position + offset: position + offset + len(values)] = values
    path = tmp_path / "patched.xls"
    path.write_bytes(bytes(data))
    return path


def test_an_xls_dimensions_record_claiming_billions_of_rows_is_refused(tmp_path, calamine_never_opens):
    # python-calamine reserves the grid a DIMENSIONS record claims: here 4 billion rows (43 TB), an abort.
    path = _patched_xls(tmp_path, b"\x00\x02\x0e\x00", 4, struct.pack("<IIHH", 0, 0xFFFFFFF0, 0, 0xFF))
    problem = refused(path)
    assert problem.sheet == "Lieferkette" and "4,294,967,280 rows" in problem.message
    assert "more than any sheet Excel 97–2003 saves" in problem.message


def test_an_xls_cell_at_the_last_row_and_column_is_refused(tmp_path, calamine_never_opens):
    # A LabelSst record moved to row 65,535, column 65,535: a grid of 4 billion cells.
    path = _patched_xls(tmp_path, b"\xfd\x00\x0a\x00", 4, struct.pack("<HH", 0xFFFF, 0xFFFF))
    problem = refused(path)
    assert problem.sheet == "Lieferkette" and "65,536 columns" in problem.message


def test_a_real_xls_still_imports():
    result = read_and_validate([DATA / "legacy_bom.xls"])
    assert result.ok and len(result.tables.parts) == 2


def test_the_check_runs_before_calamine_in_the_windows_own_process(tmp_path, calamine_never_opens):
    # The window reads workbooks under 1 MB in its own process: a bomb must be refused there before calamine runs.
    from riskdesk.io.isolated import worth_isolating
    from riskdesk.io.workbook import open_workbook

    path = write_ods_table(tmp_path / "small.ods", BLOCK * 60)
    assert not worth_isolating([path])
    book, problems = open_workbook(path, ImportLimits())
    assert book is None and "59,880,060 cells" in problems[0].message


def test_template_rows_still_import_from_a_hand_written_ods(tmp_path):
    result = read_and_validate([write_ods(tmp_path / "t.ods", template_rows({}, {"part_number": "P-2"}))])
    assert result.ok and len(result.tables.parts) == 2


def test_each_kind_of_oversized_sheet_is_refused_in_its_own_process_quickly_and_small(tmp_path):
    # The quick version of bench/reliability.py's "oversized sheets in any spelling": one file of each kind,
    # each imported by `riskdesk import` in a process limited to 3 GB, where an expansion would abort it.
    from bench.reliability import oversized_sheets

    figures = oversized_sheets(9, tmp_path)
    assert figures.ok, figures.line()
    assert figures.counts["refused"] == 9


def test_a_control_character_in_cell_text_does_not_make_the_count_refuse_a_readable_file(tmp_path):
    # XML forbids it and expat refuses it, but python-calamine reads it and some exporters write it: the count
    # reads such a file again with control characters as spaces instead of calling it damaged.
    rows = ('<table:table-row><table:table-cell office:value-type="string"><text:p>part_number</text:p>'
            '</table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="string">'
            "<text:p>P-1\x0b</text:p></table:table-cell></table:table-row>")
    from riskdesk.io.workbook import open_workbook

    book, problems = open_workbook(write_ods_table(tmp_path / "vt.ods", rows), ImportLimits())
    assert not problems and book is not None
    book.close()
