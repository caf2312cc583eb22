"""How large each sheet will be once python-calamine has built it, counted before python-calamine sees the file.

python-calamine builds every sheet as a full grid (rows × columns, from the first to the last cell holding a value)
inside `CalamineWorkbook.from_path`, before RiskDesk can ask a sheet's height: a 13 KB .ods repeating a filled row
999 times, sixty times over, becomes 60 million cells and gigabytes, and under a memory limit Rust's allocator
aborts the whole process (the window with it). So the grid each sheet would get is counted here first, from the
file's own structure, the way python-calamine reads it:

- .ods: `content.xml` streamed through expat (bounded memory, no DTD), counting `table:number-rows-repeated` and
  `table:number-columns-repeated` however they are written. Only cells with a value or formula count, as for
  python-calamine: LibreOffice repeats empty, merely formatted rows and cells to the sheet's last row and column
  (1,048,576 × 16,384), and those cost nothing.
- .xlsx: a sheet whose `<dimension>` is missing or cannot be trusted is streamed the same way, every `<row>` and
  `<c>` with or without an address.
- .xls: the workbook stream's records (a lying DIMENSIONS record makes python-calamine reserve terabytes; a cell
  at column 65,535 makes a grid of billions).

Each count errs on the side of more cells than python-calamine would build, never fewer.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TypeVar
from xml.parsers import expat

from riskdesk.core.problems import Problem, error
from riskdesk.io.limits import ROW_LIMIT_HINT, ImportLimits

_CHUNK = 1024 * 1024
_CONTROL = bytes(range(0x20)).translate(None, b"\t\n\r")
_NO_CONTROL = bytes.maketrans(_CONTROL, b" " * len(_CONTROL))
"""XML 1.0 forbids control characters that some writers leave in cell text and python-calamine reads anyway;
they become spaces for the count, so that they do not make a readable file look damaged."""

_T = TypeVar("_T")

HOSTILE_HINT = "Do not open this file; ask the sender for a normal workbook"


@dataclass
class SheetSize:
    """The grid python-calamine would build for one sheet: from the first to the last row and column holding a
    value, repeats counted."""

    name: str
    rows: int = 0
    columns: int = 0

    @property
    def cells(self) -> int:
        return self.rows * self.columns


class Unreadable(Exception):
    """The part cannot be counted: damaged XML or records, or an XML document type declaration."""


_LARGEST_SHEET = (1_048_576, 16_384)
"""The largest sheet Excel and LibreOffice make (rows, columns): a file claiming more was not saved by them."""


def _shape(rows: int, columns: int) -> str:
    return f"{rows:,} row{'s' * (rows != 1)} × {columns:,} column{'s' * (columns != 1)}"


def size_problem(sizes: list[SheetSize], limits: ImportLimits, file: str, how: str,
                 largest: tuple[int, int] = _LARGEST_SHEET, made_by: str = "Excel or LibreOffice") -> Problem | None:
    """The first sheet over the row, column or cell limit (or all sheets together over the cell limit, for
    formats python-calamine reads whole), as one error naming the file, the sheet, its size and what to do.
    `how` says what made it so large ("repeated rows and cells"); a sheet larger than `largest` cannot have
    been saved by `made_by` and is called hostile."""
    for size in sizes:
        where = {"file": file, "sheet": size.name}
        shape = _shape(size.rows, size.columns)
        if size.rows > largest[0] or size.columns > largest[1]:
            return error(f"would expand to {shape} once its {how} are counted, more than any sheet {made_by} "
                         f"saves ({_shape(*largest)}); the file is damaged or made to harm", HOSTILE_HINT, **where)
        if size.rows > limits.max_rows + 100:
            return error(f"has {size.rows:,} rows once its {how} are counted ({shape}), more than the limit of "
                         f"{limits.max_rows:,} rows", ROW_LIMIT_HINT + "; if the data is shorter, delete the rows "
                         "below it (values or formulas copied to the end of the sheet count) and save again",
                         **where)
        if size.columns > limits.max_columns:
            return error(f"has {size.columns:,} columns once its {how} are counted ({shape}), more than the "
                         f"limit of {limits.max_columns:,} columns",
                         "Delete the unused columns to the right of the data and save again, or split the sheet",
                         **where)
        if size.cells > limits.max_cells:
            return error(f"would expand to {size.cells:,} cells once its {how} are counted ({shape}), more "
                         f"than the limit of {limits.max_cells:,} cells",
                         "Delete unused rows and columns and save again, or split the sheet", **where)
    total = sum(size.cells for size in sizes)
    if len(sizes) > 1 and total > limits.max_cells:
        return error(f"would expand to {total:,} cells in its {len(sizes)} sheets together, more than the limit "
                     f"of {limits.max_cells:,} cells", "Split the workbook into smaller files", file=file)
    return None


def _count(value: str | None) -> int:
    """A repeat count as python-calamine parses it; anything it cannot parse stops its read, so counts as 1."""
    if value is None:
        return 1
    text = value.strip()
    if text.startswith("+"):
        text = text[1:]
    if not (text.isdigit() and text.isascii()):
        return 1
    return int(text) if len(text) < 19 else 1 << 62


class _Retry(Exception):
    """The XML holds a character expat refuses; counting again with control characters made spaces may do."""


def _parse(stream: IO[bytes], parser: expat.XMLParserType, part: str, clean: bool) -> None:
    """Feed an XML stream to expat in chunks, refusing a document type declaration (entity expansion). With
    `clean`, control characters become spaces first (see `_NO_CONTROL`); without, a file holding one raises
    `_Retry`, so that the common file does not pay for the translation."""

    def no_doctype(*_args: object) -> None:
        raise Unreadable(f"contains an XML document type declaration (in {part}); workbooks saved by Excel or "
                         "LibreOffice never do")

    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    try:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            parser.Parse(chunk.translate(_NO_CONTROL) if clean else chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        if not clean and exc.code == expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]:
            raise _Retry from None
        raise Unreadable(f"is damaged: {part} is not well-formed XML ({expat.ErrorString(exc.code)} at line "
                         f"{exc.lineno})") from None


def _counted(archive: zipfile.ZipFile, info: zipfile.ZipInfo, count: Callable[[IO[bytes], bool], _T]) -> _T:
    """`count` over the part, once more with control characters cleaned when expat refused one."""
    try:
        with archive.open(info) as stream:
            return count(stream, False)
    except _Retry:
        with archive.open(info) as stream:
            return count(stream, True)


# ---------------------------------------------------------------------------------------------------------------
# OpenDocument

_ODS_FILLED = frozenset({"office:value-type", "calcext:value-type", "office:value", "office:string-value",
                         "office:date-value", "office:time-value", "office:boolean-value", "table:formula"})
"""A cell with any of these has a value or formula for python-calamine; any other cell is empty to it."""


def ods_sheet_sizes(stream: IO[bytes], clean: bool = False) -> list[SheetSize]:
    """The grid of each table in an .ods `content.xml`, streamed."""
    sizes: list[SheetSize] = []
    depth = 0
    row = 0  # rows of the current table so far, repeats counted
    first_row: int | None = None
    end_row = 0
    first_col: int | None = None
    end_col = 0
    in_row = False
    row_repeat = 1
    col = 0
    filled_from: int | None = None
    filled_to = 0
    empty = _ODS_FILLED.isdisjoint

    def close_row() -> None:
        nonlocal in_row, row, first_row, end_row, first_col, end_col
        in_row = False
        if filled_from is not None:
            if first_row is None:
                first_row = row
            end_row = row + row_repeat
            first_col = filled_from if first_col is None else min(first_col, filled_from)
            end_col = max(end_col, filled_to)
        row += row_repeat

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, row, first_row, end_row, first_col, end_col, in_row, row_repeat, col, filled_from, filled_to
        if name == "table:table-cell" or name == "table:covered-table-cell":
            if in_row:
                repeat = _count(attributes.get("table:number-columns-repeated"))
                if not empty(attributes):
                    if filled_from is None:
                        filled_from = col
                    filled_to = col + repeat
                col += repeat
        elif name == "table:table-row":
            if depth:
                if in_row:
                    close_row()
                in_row = True
                row_repeat = _count(attributes.get("table:number-rows-repeated"))
                col = filled_to = 0
                filled_from = None
        elif name == "table:table":
            depth += 1
            if depth == 1:  # a table inside a table only lengthens the outer one, as python-calamine reads it
                sizes.append(SheetSize(attributes.get("table:name", "")))
                row = end_row = end_col = 0
                first_row = first_col = None
                in_row = False

    def end(name: str) -> None:
        nonlocal depth
        if name == "table:table-row":
            if in_row:
                close_row()
        elif name == "table:table" and depth:
            depth -= 1
            if depth == 0:
                if in_row:
                    close_row()
                if first_row is not None and first_col is not None:
                    sizes[-1].rows, sizes[-1].columns = end_row - first_row, end_col - first_col

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    _parse(stream, parser, "content.xml", clean)
    return sizes


def ods_problem(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ImportLimits, file: str
                ) -> Problem | None:
    """Refuse an .ods whose sheets, expanded, would exceed the limits (or whose content cannot be counted)."""
    try:
        sizes = _counted(archive, info, ods_sheet_sizes)
    except Unreadable as exc:
        return error(str(exc), HOSTILE_HINT if "declaration" in str(exc) else
                     "Open it in LibreOffice or Excel and save it again", file=file)
    return size_problem(sizes, limits, file, "repeated rows and cells")


# ---------------------------------------------------------------------------------------------------------------
# Excel 2007+ (a sheet without a true dimension)

_ADDRESS = re.compile(r"\s*([A-Za-z]*)\s*(\d*)\s*")


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ord(ch) - 64)
    return number


def xlsx_sheet_size(stream: IO[bytes], part: str, clean: bool = False) -> SheetSize:
    """The grid python-calamine would build for one worksheet part: every `<c>` holding anything (a value, an
    inline string, a formula) at its address, or after the previous cell when it has none. Elements are matched
    by local name, whatever their prefix, as python-calamine matches them."""
    size = SheetSize(part)
    started = False
    row = col = 0  # 0-based position of the next row and cell without an address
    cell: tuple[int, int] | None = None
    holds = False
    first_row = first_col = 1 << 62
    last_row = last_col = -1

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal started, row, col, cell, holds
        local = tag.split(":", 1)[-1]
        if not started:
            started = local == "sheetData"
            return
        if cell is not None:
            holds = True  # <v>, <is> or <f> inside the cell
            return
        if local == "c":
            address = attributes.get("r")
            match = _ADDRESS.fullmatch(address) if address is not None else None
            if match is not None and match.group(1) and match.group(2):
                col = _column_number(match.group(1)) - 1
                cell = (int(match.group(2)) - 1, col)
            else:
                cell = (row, col)
            holds = False
        elif local == "row":
            address = attributes.get("r")
            if address is not None and address.strip().isdigit():
                row = int(address) - 1
            col = 0

    def end(tag: str) -> None:
        nonlocal row, col, cell, first_row, first_col, last_row, last_col
        if not started:
            return
        local = tag.split(":", 1)[-1]
        if local == "c" and cell is not None:
            if holds:
                first_row, last_row = min(first_row, cell[0]), max(last_row, cell[0])
                first_col, last_col = min(first_col, cell[1]), max(last_col, cell[1])
            cell = None
            col += 1
        elif local == "row" and cell is None:
            row += 1
            col = 0

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    _parse(stream, parser, part, clean)
    if last_row >= 0:
        size.rows, size.columns = last_row - first_row + 1, last_col - first_col + 1
    return size


def xlsx_sheet_problem(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ImportLimits, file: str
                       ) -> Problem | None:
    """Refuse an xlsx worksheet part whose cells, at their addresses, would make too large a grid."""
    try:
        size = _counted(archive, info, lambda stream, clean: xlsx_sheet_size(stream, info.filename, clean))
    except Unreadable as exc:
        return error(str(exc), HOSTILE_HINT if "declaration" in str(exc) else
                     "Open it in Excel or LibreOffice and save it again", file=file)
    problem = size_problem([size], limits, file, "cell addresses")
    if problem is not None:
        problem = replace(problem, sheet=_xlsx_sheet_name(archive, info.filename))
    return problem


def _xlsx_sheet_name(archive: zipfile.ZipFile, part: str) -> str:
    """The name the workbook gives the sheet stored in `part` (the part's own name when it cannot tell)."""

    def elements(member: str, local: str) -> list[dict[str, str]]:
        found: list[dict[str, str]] = []
        parser = expat.ParserCreate()
        parser.StartElementHandler = lambda tag, attributes: (
            found.append(attributes) if tag.split(":", 1)[-1] == local else None)
        with archive.open(member) as stream:
            _parse(stream, parser, member, clean=True)
        return found

    try:
        targets = {}
        for relation in elements("xl/_rels/workbook.xml.rels", "Relationship"):
            target = relation.get("Target", "")
            targets[relation.get("Id")] = (target.lstrip("/") if target.startswith("/")
                                           else posixpath.normpath(f"xl/{target}"))
        for sheet in elements("xl/workbook.xml", "sheet"):
            ids = [value for key, value in sheet.items() if key.endswith(":id")]
            if ids and targets.get(ids[0]) == part:
                return sheet.get("name", part)
    except (Unreadable, KeyError, OSError, zipfile.BadZipFile):  # a name for the message only
        pass
    return Path(part).stem


# ---------------------------------------------------------------------------------------------------------------
# Excel 97–2003 (BIFF in a compound file)

_FREE_OR_END = 0xFFFFFFFA
"""Sector ids from here up are markers (end of chain, free, FAT or DIFAT sector), not sectors."""
_CELL_RECORDS = frozenset({0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD})
"""Formula, Number, Label, BoolErr, RK and LabelSst: each starts with its row and column (16 bits each)."""
_MUL_RK = 0x00BD
_DIMENSIONS = 0x0200
_BOUND_SHEET = 0x0085
_EOF = 0x000A
_MINI_STREAM_CUTOFF = 4096
"""Streams shorter than this live in the mini stream (python-calamine uses this constant, not the header's)."""
_MAX_XLS_ROWS = 65_536
_MAX_XLS_COLUMNS = 256


def _compound_stream(data: bytes, names: tuple[str, ...]) -> bytes:
    """The first stream named one of `names` in an OLE compound file, following its sector chain with every
    sector id checked (a chain that loops or leaves the file is damage)."""
    if len(data) < 512 or data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Unreadable("is not a readable Excel 97–2003 file (no compound file header)")
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        raise Unreadable("is damaged (its compound file header is not valid)")
    size = 1 << shift
    sectors = (len(data) - size) // size + (1 if (len(data) - size) % size else 0)
    _, dir_start, _, _, mini_fat_start, mini_fat_count, difat_start, difat_count = struct.unpack_from(
        "<IIIIIIII", data, 44)

    def sector(number: int) -> bytes:
        if number >= sectors:
            raise Unreadable("is damaged (a sector lies past the end of the file)")
        offset = size + number * size
        return data[offset: offset + size].ljust(size, b"\0")

    difat = list(struct.unpack_from("<109I", data, 76))
    next_difat = difat_start
    for _ in range(min(difat_count, sectors) + 1):
        if next_difat >= _FREE_OR_END:
            break
        difat_sector = struct.unpack(f"<{size // 4}I", sector(next_difat))
        difat.extend(difat_sector[:-1])
        next_difat = difat_sector[-1]
    else:
        raise Unreadable("is damaged (its sector table loops)")
    fat: list[int] = []
    for number in difat:
        if number < _FREE_OR_END:
            fat.extend(struct.unpack(f"<{size // 4}I", sector(number)))

    def chain(first: int, table: list[int], read: Callable[[int], bytes], limit: int) -> bytes:
        parts: list[bytes] = []
        number = first
        for _ in range(limit + 1):
            if number >= _FREE_OR_END:
                return b"".join(parts)
            if number >= len(table):
                raise Unreadable("is damaged (a sector chain leaves the file)")
            parts.append(read(number))
            number = table[number]
        raise Unreadable("is damaged (a sector chain loops)")

    directory = chain(dir_start, fat, sector, sectors)
    streams: dict[str, bytes] = {}
    for offset in range(0, len(directory) - 127, 128):
        entry = directory[offset: offset + 128]
        name = entry[:64].decode("utf-16-le", errors="replace").split("\0", 1)[0]
        streams.setdefault(name, entry)
    if not streams:
        raise Unreadable("is damaged (its directory is empty)")
    root = directory[:128]
    wide = size != 512
    found = next((streams[name] for name in names if name in streams), None)  # "Workbook" before "Book"
    if found is None:
        raise Unreadable("is not a readable Excel 97–2003 file (it holds no workbook stream)")
    start, stream_size = struct.unpack_from("<IQ" if wide else "<II", found, 116)
    root_start, root_size = struct.unpack_from("<IQ" if wide else "<II", root, 116)
    if stream_size > len(data) or root_size > len(data):
        raise Unreadable("is damaged (a stream is longer than the file)")
    if stream_size >= _MINI_STREAM_CUTOFF:
        return chain(start, fat, sector, sectors)[:stream_size]
    mini_stream = chain(root_start, fat, sector, sectors)
    mini_fat_bytes = chain(mini_fat_start, fat, sector, min(mini_fat_count, sectors))
    mini_fat = list(struct.unpack(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes[: len(mini_fat_bytes) // 4 * 4]))

    def mini_sector(number: int) -> bytes:
        return mini_stream[number * 64: number * 64 + 64].ljust(64, b"\0")

    return chain(start, mini_fat, mini_sector, len(mini_fat))[:stream_size]


def _records(stream: bytes, position: int) -> list[tuple[int, bytes]]:
    """The BIFF records from `position` to the substream's EOF record."""
    records = []
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        records.append((kind, stream[position + 4: position + 4 + length]))
        position += 4 + length
        if kind == _EOF:
            break
    return records


def _claimed(first: int, end: int) -> int:
    """Rows (or columns) a DIMENSIONS record makes python-calamine reserve: `end − first`, in 32-bit arithmetic
    that wraps to about four billion when the record is reversed."""
    return (end - first) % (1 << 32)


def xls_sheet_sizes(path: Path, limits_bytes: int) -> list[SheetSize]:
    """The grid python-calamine would build for each sheet of an .xls: the cells its records place (DIMENSIONS
    records claiming more rows or columns than the format has count as such a sheet)."""
    with path.open("rb") as handle:
        data = handle.read(limits_bytes + 1)
    stream = _compound_stream(data, ("Workbook", "Book"))
    sheets: list[tuple[int, str]] = []
    for kind, body in _records(stream, 0):
        if kind == _BOUND_SHEET and len(body) >= 8:
            count = body[6]
            wide = len(body) > 7 and body[7] & 1
            raw = body[8: 8 + count * (2 if wide else 1)]
            name = raw.decode("utf-16-le" if wide else "latin-1", errors="replace")
            sheets.append((struct.unpack_from("<I", body)[0], name))
    sizes = []
    for position, name in sheets:
        size = SheetSize(name)
        first_row = first_col = 1 << 62
        last_row = last_col = -1
        for kind, body in _records(stream, position) if position < len(stream) else []:
            cells: list[tuple[int, int]] = []
            if kind in _CELL_RECORDS and len(body) >= 4:
                cells.append(struct.unpack_from("<HH", body))
            elif kind == _MUL_RK and len(body) >= 6:
                row, first = struct.unpack_from("<HH", body)
                cells += [(row, first), (row, first + (len(body) - 6) // 6 - 1)]
            elif kind == _DIMENSIONS and len(body) in (10, 14):
                wide = len(body) == 14
                top, bottom = struct.unpack_from("<II" if wide else "<HH", body)
                left, right = struct.unpack_from("<HH", body, 8 if wide else 4)
                if bottom and right:  # python-calamine reserves (bottom − top) × (right − left) cells
                    claimed = (_claimed(top, bottom), _claimed(left, right))
                    if claimed[0] > _MAX_XLS_ROWS or claimed[1] > _MAX_XLS_COLUMNS:
                        size.rows, size.columns = max(size.rows, claimed[0]), max(size.columns, claimed[1])
            for row, col in cells:
                first_row, last_row = min(first_row, row), max(last_row, row)
                first_col, last_col = min(first_col, col), max(last_col, col)
        if last_row >= 0:
            size.rows = max(size.rows, last_row - first_row + 1)
            size.columns = max(size.columns, last_col - first_col + 1)
        sizes.append(size)
    return sizes


def xls_problem(path: Path, limits: ImportLimits) -> Problem | None:
    """Refuse an .xls whose sheets python-calamine would build too large, or whose structure would make it
    allocate without bound."""
    try:
        sizes = xls_sheet_sizes(path, limits.max_file_bytes)
    except Unreadable as exc:
        return error(str(exc), "Open it in Excel or LibreOffice and save it again as .xlsx", file=path.name)
    except (struct.error, ValueError, OSError) as exc:
        return error(f"is damaged ({exc})", "Open it in Excel or LibreOffice and save it again as .xlsx",
                     file=path.name)
    return size_problem(sizes, limits, path.name, "cells and declared dimensions",
                        (_MAX_XLS_ROWS, _MAX_XLS_COLUMNS), "Excel 97–2003")
