"""Spreadsheets for import tests, written the way suppliers' tools write them (openpyxl, XlsxWriter, csv in
cp1252, a hand-built ods), and hostile files built byte by byte."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from riskdesk.core.domain import TEMPLATE_COLUMNS

Row = Sequence[object]

TEMPLATE_ROW: dict[str, object] = {
    "part_number": "P-1", "description": "rotor magnet", "end_use": "automotive", "magnet_family": "NdFeB-sintered",
    "grade": "N42SH", "magnet_mass_g": 120.0, "annual_units": 5000, "unit_price": 12.5, "stock_days": 30,
    "supplier_id": "S1", "supplier_name": "Ningbo Magnet", "supplier_country": "CN", "share_pct": 100,
    "mine_country": "CN", "separation_country": "CN", "metal_country": "CN", "magnet_country": "CN",
    "origin_evidence": "declared",
}


def template_rows(*rows: Mapping[str, object], extra: Sequence[str] = ()) -> list[list[object]]:
    """Header plus one row per mapping, each starting from TEMPLATE_ROW."""
    headers = list(TEMPLATE_COLUMNS) + list(extra)
    table: list[list[object]] = [headers]
    for overrides in rows:
        row = {**TEMPLATE_ROW, **overrides}
        table.append([row.get(h, "") for h in headers])
    return table


def write_openpyxl(path: Path, rows: Iterable[Row], sheet: str = "Sheet1", merges: Sequence[str] = (),
                   extra_sheets: Mapping[str, Iterable[Row]] | None = None) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for cells in merges:
        ws.merge_cells(cells)
    for name, other in (extra_sheets or {}).items():
        extra = workbook.create_sheet(name)
        for row in other:
            extra.append(list(row))
    workbook.save(path)
    return path


def write_xlsxwriter(path: Path, rows: Iterable[Row], sheet: str = "Sheet1",
                     extra_sheets: Mapping[str, Iterable[Row]] | None = None, first_sheet: str | None = None) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheets = {sheet: rows, **(extra_sheets or {})}
    order = list(sheets)
    if first_sheet:
        order.remove(first_sheet)
        order.insert(0, first_sheet)
    for name in order:
        ws = workbook.add_worksheet(name)
        for r, row in enumerate(sheets[name]):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                ws.write(r, c, value)
    workbook.close()
    return path


def write_csv(path: Path, rows: Iterable[Row], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    lines = []
    for row in rows:
        cells = []
        for value in row:
            text = "" if value is None else str(value)
            if delimiter in text or '"' in text or "\n" in text:
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(delimiter.join(cells))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_ods(path: Path, rows: Iterable[Row], sheet: str = "Sheet1") -> Path:
    """A minimal OpenDocument spreadsheet, as LibreOffice would store it (numbers typed, text in <text:p>)."""
    body = []
    for row in rows:
        cells = []
        for value in row:
            if value is None or value == "":
                cells.append("<table:table-cell/>")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<table:table-cell office:value-type="float" office:value="{value}">'
                             f"<text:p>{value}</text:p></table:table-cell>")
            else:
                cells.append(f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
                             "</text:p></table:table-cell>")
        body.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">'
        + "".join(body) + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


ODS_NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')

def write_ods_table(path: Path, rows_xml: str, name: str = "S") -> Path:
    """An .ods whose only table holds `rows_xml` as written (the manifest python-calamine requires included)."""
    template = write_ods(path, [["x"]])
    with zipfile.ZipFile(template) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["content.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES}>'
                            f'<office:body><office:spreadsheet><table:table table:name="{name}">{rows_xml}'
                            "</table:table></office:spreadsheet></office:body></office:document-content>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in parts.items():
            archive.writestr(member, data)
    return path


# ---------------------------------------------------------------------------------------------------------------
# Hand-built xlsx parts, for hostile variants

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" '
    'sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def sheet_xml(body: str, prolog: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>' + prolog + '<worksheet xmlns="http://schemas.openxmlformats.'
            'org/spreadsheetml/2006/main">' + body + "</worksheet>")


def write_raw_xlsx(path: Path, sheet: str, extra: Mapping[str, bytes | str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def write_zip_bomb(path: Path, megabytes: int = 300) -> Path:
    """A small xlsx whose sharedStrings part inflates to `megabytes` MB of the same byte."""
    block = b"<si><t>" + b"A" * (1 << 20) + b"</t></si>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml('<sheetData><row r="1"><c r="A1" t="s"><v>0</v>'
                                                               "</c></row></sheetData>"))
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                         b'main">')
            for _ in range(megabytes):
                member.write(block)
            member.write(b"</sst>")
    return path


def write_entity_bomb(path: Path) -> Path:
    """An xlsx whose sheet declares nested entities (the "billion laughs")."""
    entities = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>"
    body = '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row></sheetData>'
    return write_raw_xlsx(path, sheet_xml(body, prolog=entities))


def write_encrypted_cfb(path: Path) -> Path:
    """The start of an OLE2 compound file as Office writes for a password-protected workbook: the CFB magic and a
    directory with "EncryptionInfo" and "EncryptedPackage" streams."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHH", header, 24, 0x3E, 3, 0xFFFE)
    struct.pack_into("<H", header, 30, 9)
    directory = bytearray(512)
    for index, name in enumerate(("Root Entry", "EncryptionInfo", "EncryptedPackage")):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry = bytearray(128)
        entry[0:len(encoded)] = encoded
        struct.pack_into("<H", entry, 64, len(encoded))
        entry[66] = 5 if index == 0 else 2
        directory[index * 128:(index + 1) * 128] = entry
    path.write_bytes(bytes(header) + bytes(directory) + b"\x00" * 1024)
    return path


def write_fake_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    return path
