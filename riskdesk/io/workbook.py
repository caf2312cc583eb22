"""Opening any spreadsheet safely and reading its sheets as rows of cells.

Before python-calamine touches a file, the file is checked for what would hurt: a size over the limit, content
that does not match the extension, encryption, a zip directory promising more data than allowed (zip bombs), XML
entity declarations (entity expansion), and sheets that python-calamine would expand into too large a grid (a
one-cell sheet at XFD1048576, an .ods repeating a filled row a million times, an .xls whose records claim more
rows than the format has: calamine allocates the whole grid while opening the file, and aborts the process when
it cannot; see `sheet_size`). Each refusal is one error `Problem` with a plain message; nothing here raises for
bad input.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from riskdesk.core.problems import Problem, error, warning
from riskdesk.io import sheet_size
from riskdesk.io.header import MergedRange
from riskdesk.io.limits import MB, ROW_LIMIT_HINT, SPREADSHEET_SUFFIXES, ImportLimits
from riskdesk.io.normalize import Cell

TEXT_SUFFIXES: frozenset[str] = frozenset({".csv", ".tsv", ".txt"})

_ZIP = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_RESAVE = "Open it in Excel or LibreOffice and save it again as .xlsx"


@dataclass
class RawSheet:
    """A sheet's cells as python-calamine gives them (csv cells are all text)."""

    name: str
    rows: Sequence[Sequence[Cell]]
    first_row: int = 0
    """0-based sheet row of `rows[0]` (calamine skips empty rows above the data)."""
    first_col: int = 0
    merged: list[MergedRange] | None = None
    """Merged ranges relative to `rows`, or None when the format does not tell."""
    decimal_hint: str | None = None
    """"," when the file suggests decimal commas (a semicolon-separated csv)."""
    line_numbers: list[int] | None = None
    """1-based file line of each row where it differs from first_row + index + 1 (csv with line breaks in
    quoted cells)."""

    def row_number(self, index: int) -> int:
        """The 1-based row number the user sees for `rows[index]`."""
        if self.line_numbers is not None:
            return self.line_numbers[index]
        return self.first_row + index + 1


@dataclass
class Workbook:
    """An opened spreadsheet file: its sheet names and a way to read each sheet."""

    path: Path
    kind: str
    """"xlsx", "xls", "ods" or "text"."""
    sheet_names: list[str]
    hidden: list[str] = field(default_factory=list)
    has_formulas: bool = False
    """An xlsx worksheet holds formulas (their saved values are what is read; see `unsaved_formulas`)."""
    problems: list[Problem] = field(default_factory=list)
    """Warnings about the file as a whole (e.g. a text file named .xls)."""
    _book: object | None = None
    _text: RawSheet | None = None

    def read_sheet(self, name: str, limits: ImportLimits) -> RawSheet | Problem:
        """The sheet's rows, or an error problem when it cannot be read or is too large."""
        if self._text is not None:
            return self._text
        import python_calamine

        where = {"file": self.path.name, "sheet": name}
        book = self._book
        assert isinstance(book, python_calamine.CalamineWorkbook)
        try:
            sheet = book.get_sheet_by_name(name)
            height, width = sheet.height, sheet.width
            if height > limits.max_rows + 100:
                return error(f"has {height:,} rows, more than the limit of {limits.max_rows:,}",
                             ROW_LIMIT_HINT, **where)
            if width > limits.max_columns or height * width > limits.max_cells:
                return error(f"is too large ({height:,} rows × {width:,} columns)",
                             "Delete unused rows and columns, or split the file", **where)
            rows = sheet.to_python(skip_empty_area=True)
            start = sheet.start or (0, 0)
            merged_abs = sheet.merged_cell_ranges
        except python_calamine.PasswordError:
            return error("is password-protected", "Remove the password in Excel and save again", **where)
        except BaseException as exc:  # calamine raises its own errors, and pyo3 a BaseException on a Rust panic
            _reraise_interrupts(exc)
            return error(f"could not be read ({_short(exc)})", _RESAVE, **where)
        merged = None
        if merged_abs is not None:
            merged = [((r0 - start[0], c0 - start[1]), (r1 - start[0], c1 - start[1]))
                      for (r0, c0), (r1, c1) in merged_abs]
        return RawSheet(name, rows, start[0], start[1], merged)

    def close(self) -> None:
        book = self._book
        self._book = None
        if book is not None:
            with contextlib.suppress(Exception):  # closing twice or a closed handle is harmless
                book.close()  # type: ignore[attr-defined]

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_UNSAVED_FORMULA = re.compile(rb"(?:</f>|<f\b[^>]*/>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")
"""A cell holding a formula and no saved result: `<c r="B2"><f>2*5</f><v /></c>`, as openpyxl and other scripts
write them (they cannot calculate). python-calamine reads such a cell as empty."""
FORMULA_HINT = ("Open the file in Excel or LibreOffice and save it again (that calculates the formulas), or copy "
                "the cells and paste them as values")


def unsaved_formulas(path: Path) -> int:
    """How many cells of an xlsx hold a formula without a saved value (0 for other formats, or if unreadable)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return 0
    found = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                    continue
                tail = b""
                with archive.open(info) as stream:
                    while chunk := stream.read(_CHUNK):
                        window = tail + chunk
                        cut = window.rfind(b"</c>") + 4 if b"</c>" in window else 0
                        if b"<f" in window:
                            found += len(_UNSAVED_FORMULA.findall(window, 0, cut))
                        tail = window[cut:][-65536:]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, zlib.error, EOFError):
        return found
    return found


def _reraise_interrupts(exc: BaseException) -> None:
    """Let Ctrl+C and interpreter exit through; anything else from a parser is a problem with the file."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def spreadsheet_files(folder: Path) -> list[Path]:
    """The spreadsheets in a folder (not its subfolders), skipping hidden files and Office lock files."""
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES and not p.name.startswith((".", "~$"))
    )


def _what_is(head: bytes, names: set[str] | None = None) -> str:
    """A plain description of what a file really is, from its first bytes (and zip member names)."""
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(_CFB):
        return "an old-format Office file (xls/doc or an encrypted workbook)"
    if head.startswith((_ZIP, _ZIP_EMPTY)):
        if names is not None:
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                return "an Excel workbook (xlsx)"
            if "mimetype" in names and "content.xml" in names:
                return "an OpenDocument file (ods)"
            if any(n.startswith("word/") for n in names):
                return "a Word document"
            if any(n.startswith("ppt/") for n in names):
                return "a PowerPoint presentation"
        return "a zip archive"
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")):
        return "a web page or XML file"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "an image"
    return "not a spreadsheet"


def open_workbook(path: Path, limits: ImportLimits) -> tuple[Workbook | None, list[Problem]]:
    """Check a file and open it, or explain in one error problem why not."""
    name = path.name
    suffix = path.suffix.lower()
    where = {"file": name}
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a named pipe would block the read below for ever
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe or a device)"
            return None, [error(f"is {what}", "Give a spreadsheet file", **where)]
        size = info.st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        return None, [error(f"cannot be opened ({exc.strerror or exc})", "Check the path and your permissions",
                            **where)]
    if suffix not in SPREADSHEET_SUFFIXES:
        hint = "Save it as .xlsx or .csv" if suffix != ".xlsb" else "Save it as .xlsx (binary workbooks are not read)"
        kinds = [s.removeprefix(".") for s in SPREADSHEET_SUFFIXES]
        return None, [error(f"is not a spreadsheet RiskDesk reads ({suffix or 'no extension'}; it reads "
                            f"{', '.join(kinds[:-1])} and {kinds[-1]})", hint, **where)]
    if size == 0:
        return None, [error("is empty (0 bytes)", "Check that the file was saved or copied completely", **where)]
    if size > limits.max_file_bytes:
        return None, [error(f"is {size / MB:,.0f} MB, over the limit of {limits.max_file_bytes / MB:,.0f} MB",
                            "Split the file, or raise the size limit in the import settings", **where)]
    if head.startswith(_CFB):
        encrypted = _cfb_is_encrypted(path)
        if encrypted:
            return None, [error("is encrypted (password-protected)",
                                "Remove the password in Excel (File › Info › Protect workbook) and save again",
                                **where)]
        if suffix != ".xls":
            return None, [error(f"is {_what_is(head)}, not what its extension {suffix} says",
                                "Save it again from Excel in the format its name says", **where)]
        problem = sheet_size.xls_problem(path, limits)
        if problem is not None:
            return None, [problem]
        return _open_calamine(path, "xls", limits)
    if suffix in (".xlsx", ".xlsm", ".ods"):
        if not head.startswith((_ZIP, _ZIP_EMPTY)):
            return None, [error(f"is {_what_is(head)}, not an {'OpenDocument' if suffix == '.ods' else 'Excel'} "
                                f"file as its extension {suffix} says",
                                "Check that you picked the right file; " + _RESAVE.lower(), **where)]
        seen: set[str] = set()
        problem = check_zip(path, suffix, limits, seen)
        if problem is not None:
            return None, [problem]
        book, problems = _open_calamine(path, "ods" if suffix == ".ods" else "xlsx", limits)
        if book is not None:
            book.has_formulas = "formulas" in seen
        return book, problems
    if suffix == ".xls":
        if head.startswith((_ZIP, _ZIP_EMPTY)):
            return None, [error(f"is {_what_is(head, _zip_names(path))} but named .xls",
                                "Rename it to .xlsx (or .ods) and import it again", **where)]
        if _looks_binary(head):
            return None, [error(f"is {_what_is(head)}, not an Excel file as its extension .xls says",
                                "Check that you picked the right file", **where)]
        if head.lstrip().lower().startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
            return None, [error("is a web page (HTML/XML export) named .xls, not a real Excel file",
                                _RESAVE, **where)]
        book, problems = _open_text(path, limits)
        if book is not None:
            problems.insert(0, warning("is a text file named .xls; read as delimited text",
                                       "Nothing to do unless columns look wrong", **where))
        return book, problems
    # csv, tsv, txt
    if head.startswith((_ZIP, _ZIP_EMPTY)) or _looks_binary(head):
        what = _what_is(head, _zip_names(path) if head.startswith((_ZIP, _ZIP_EMPTY)) else None)
        hint = "Rename it to .xlsx and import it again" if "xlsx" in what else "Check that you picked the right file"
        return None, [error(f"is {what}, not a text file as its extension {suffix} says", hint, **where)]
    return _open_text(path, limits)


def _zip_names(path: Path) -> set[str] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return False
    if _utf16_without_bom(head):
        return False
    return b"\x00" in head or head.startswith((b"%PDF", _CFB, b"\x89PNG", b"\xff\xd8\xff"))


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:2048]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _cfb_is_encrypted(path: Path) -> bool:
    """An OLE2/CFB file holding an Office-encrypted package (or RC4/CryptoAPI xls encryption info)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(16 * MB)
    except OSError:
        return False
    return _ENCRYPTED_PACKAGE in data or _ENCRYPTION_INFO in data


# ---------------------------------------------------------------------------------------------------------------
# Zip containers (xlsx, xlsm, ods)

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 1 * MB
_MIN_CELL_BYTES = 15
"""The shortest XML of a cell with a value, `<c><v>1</v></c>`: a sheet part this many times max_cells bytes
long may hold too many cells, and only then are they counted."""
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Za-z]{1,3})\$?(\d{1,9})(?::\$?([A-Za-z]{1,3})\$?(\d{1,9}))?\""
)


def check_zip(path: Path, suffix: str, limits: ImportLimits, seen: set[str] | None = None) -> Problem | None:
    """Refuse a zip-based workbook that is not what it says, encrypted, a zip bomb, or holds XML entities.
    `seen` collects what the scan noticed on the way ("formulas": a worksheet holds formulas)."""
    where = {"file": path.name}
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return error("is damaged or incomplete (not a readable zip container)",
                     "Copy or download the file again; " + _RESAVE.lower(), **where)
    except (OSError, ValueError, NotImplementedError) as exc:
        return error(f"cannot be opened ({_short(exc)})", _RESAVE, **where)
    with archive:
        try:
            infos = archive.infolist()
        except Exception as exc:  # a corrupt zip directory fails in several ways
            return error(f"is damaged ({_short(exc)})", _RESAVE, **where)
        names = {info.filename for info in infos}
        if suffix in (".xlsx", ".xlsm") and "xl/workbook.xml" not in names:
            what = _what_is(_ZIP, names)
            hint = "Rename it to .ods" if "ods" in what else "Check that you picked the right file"
            if "xl/workbook.bin" in names:
                what, hint = "a binary Excel workbook (xlsb)", "Save it as .xlsx"
            return error(f"is {what}, not an Excel workbook as its extension {suffix} says", hint, **where)
        if suffix == ".ods" and not ("content.xml" in names and _ods_mimetype(archive)):
            what = _what_is(_ZIP, names)
            hint = "Rename it to .xlsx" if "xlsx" in what else "Check that you picked the right file"
            return error(f"is {what}, not an OpenDocument spreadsheet as its extension .ods says", hint, **where)
        if len(infos) > limits.max_members:
            return error(f"holds {len(infos):,} parts, more than a workbook ever needs",
                         "The file may be damaged or hostile; " + _RESAVE.lower(), **where)
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                return error("is encrypted (password-protected)", "Remove the password and save again", **where)
            total += info.file_size
            ratio = info.file_size / info.compress_size if info.compress_size else float("inf")
            if info.file_size > MB and ratio > limits.max_compression_ratio:
                return error(f"looks like a zip bomb: part {info.filename!r} expands {ratio:,.0f}-fold to "
                             f"{info.file_size / MB:,.0f} MB", "Do not open this file; ask the sender for a "
                             "normal workbook", **where)
        if total > limits.max_uncompressed_bytes:
            return error(f"would expand to {total / MB:,.0f} MB, over the limit of "
                         f"{limits.max_uncompressed_bytes / MB:,.0f} MB",
                         "Split the file, or raise the limit in the import settings", **where)
        for info in infos:
            if suffix == ".ods" and info.filename == "content.xml":
                problem = sheet_size.ods_problem(archive, info, limits, path.name)
            elif info.filename.lower().endswith(_XML_SUFFIXES):
                problem = _scan_xml_member(archive, info, limits, path.name, suffix == ".ods", seen)
            else:
                continue
            if problem is not None:
                return problem
    return None


def _ods_mimetype(archive: zipfile.ZipFile) -> bool:
    try:
        return archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet"
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return False


def _scan_xml_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ImportLimits, file: str,
                     ods: bool, seen: set[str] | None = None) -> Problem | None:
    """Stream one XML part once: entity declarations, and for xlsx sheets the cells' addresses and count.

    zipfile stops at the size the directory declares and checks the CRC, so a member lying about its size
    fails here instead of inflating inside calamine. A document type declaration can only stand in the prolog,
    so large parts are searched for one in their first megabytes only. python-calamine reads a sheet from
    wherever the workbook's relationships point, so any xlsx part holding `sheetData` is checked as a sheet.
    """
    part = info.filename
    where = {"file": file}
    xlsx_sheet = part.startswith("xl/worksheets/") and not ods
    bound: tuple[int, int] | None = None
    coarse: re.Pattern[bytes] | None = None
    count_cells = xlsx_sheet and info.file_size / _MIN_CELL_BYTES > limits.max_cells
    cells = 0
    tail = carry = strings_carry = b""
    strings = not ods and part.lower().endswith("sharedstrings.xml")
    decoder = None
    index = 0
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                if index == 0 and (chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                                   or _utf16_without_bom(chunk)):
                    bom = chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                    decoder = codecs.getincrementaldecoder(
                        "utf-16" if bom else (_utf16_without_bom(chunk) or "utf-16"))(errors="replace")
                if decoder is not None:
                    chunk = decoder.decode(chunk).encode("utf-8")
                window = tail + chunk
                if (index < 4 or info.file_size < 8 * MB) and (b"<!DOCTYPE" in window or b"<!ENTITY" in window):
                    return error(f"contains an XML document type or entity declaration (in {part}); workbooks "
                                 "saved by Excel or LibreOffice never do", sheet_size.HOSTILE_HINT, **where)
                if strings:
                    text = strings_carry + chunk
                    if _HUGE_TEXT.search(text) or (len(text) > _HUGE_TEXT_BYTES
                                                   and b"<" not in text[-_HUGE_TEXT_BYTES:]):
                        return error(f"holds a text of more than {MAX_CELL_TEXT:,} characters (in {part}), more "
                                     "than a spreadsheet cell can hold: it was not saved by Excel or LibreOffice",
                                     "Ask the sender for a normal workbook, with long texts shortened", **where)
                    cut = text.rfind(b"<")
                    strings_carry = text[cut:] if cut >= 0 else text
                if not xlsx_sheet and not ods and b"sheetData" in window:
                    return sheet_size.xlsx_sheet_problem(archive, info, limits, file)
                if index == 0 and xlsx_sheet:
                    bound = _dimension_bound(chunk, limits)
                    if bound is None:
                        return sheet_size.xlsx_sheet_problem(archive, info, limits, file)
                    coarse = _coarse_addresses(bound, limits)
                if xlsx_sheet:
                    if count_cells:
                        cells += chunk.count(b"<c")
                        if cells > limits.max_cells:
                            return error(f"holds more than {limits.max_cells:,} cells in one sheet ({part})",
                                         "Split the file, or raise the limit in the import settings", **where)
                    if seen is not None and "formulas" not in seen and _FORMULA_TAG.search(chunk):
                        seen.add("formulas")
                    segment = carry + chunk
                    cut = segment.rfind(b">") + 1
                    carry = segment[cut:]
                    if len(carry) > _CHUNK or _beyond_quick_checks(segment[:cut], bound, coarse):
                        return sheet_size.xlsx_sheet_problem(archive, info, limits, file)
                tail = chunk[-64:]
                index += 1
            if xlsx_sheet and _beyond_quick_checks(carry + b">", bound, coarse):
                return sheet_size.xlsx_sheet_problem(archive, info, limits, file)
    except zipfile.BadZipFile as exc:
        return error(f"is damaged ({_short(exc)} in {part})", "Copy or download the file again; " + _RESAVE.lower(),
                     **where)
    except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error) as exc:
        return error(f"is damaged or incomplete ({_short(exc)} in {part})", "Copy or download the file again",
                     **where)
    return None


MAX_CELL_TEXT = 32_767
"""The most characters a cell holds in Excel (and in LibreOffice's xlsx); longer texts are refused."""
_HUGE_TEXT_BYTES = MAX_CELL_TEXT * 10
"""Bytes of XML text that surely hold more than MAX_CELL_TEXT characters (a character is at most 10 bytes,
written `&#1114111;`)."""
_HUGE_TEXT = re.compile(rb">[^<]{%d}" % _HUGE_TEXT_BYTES)
"""A text node that long. Starting at ">" keeps the search fast: shared strings are short runs between tags."""
_UNADDRESSED_TAG = re.compile(rb'<c(?:[>/\t\n\r]| (?!r="))')
"""A cell tag whose first attribute is not its address (or that has none): `<c>`, `<c/>`, `<c s="1" r="A1">`,
`<c\tr="A1">`. One pass over the XML, where counting `<c r="` and `<c` took two."""
_FORMULA_TAG = re.compile(rb"<f")
_PREFIXED_TAG = re.compile(rb":c")
"""Two-byte literals searched with `re`, not `in`: over megabytes of XML, where "<" and ":" are frequent, re's
literal search is 1.3–3× faster (bench/bench_import.py)."""
_PREFIXED_CELL_TAGS = (b":c ", b":c>", b":c/", b":c\t", b":c\n", b":c\r")


def _unaddressed_cells(segment: bytes) -> bool:
    """Whether `segment` (whole tags only) may hold a cell python-calamine would place by counting, not by an
    address written `<c r="…"`: such a cell lands after the previous one, so thousands of them stretch the grid
    without any address `_outside` could see. One search for a cell tag (`<c` and white space, `>` or `/`, not
    `<col`, `<cfRule` or rich text's `<color`) that does not open with ` r="`; a prefixed one (`<x:c`) is always
    checked exactly."""
    if _UNADDRESSED_TAG.search(segment) is not None:
        return True
    return _PREFIXED_TAG.search(segment) is not None and any(tag in segment for tag in _PREFIXED_CELL_TAGS)


def _dimension_bound(head: bytes, limits: ImportLimits) -> tuple[int, int] | None:
    """(max row, max column) a sheet declares, when it declares a sane area; None to check every cell."""
    match = _DIMENSION.search(head[:65536])
    if not match:
        return None
    col = match.group(3) or match.group(1)
    row = match.group(4) or match.group(2)
    max_col, max_row = _column_number(col), int(row)
    if max_row > limits.max_rows + 100 or max_col > limits.max_columns or max_row * max_col > limits.max_cells:
        return None
    return max_row, max_col


def _column_number(letters: bytes | str) -> int:
    text = letters.decode() if isinstance(letters, bytes) else letters
    number = 0
    for ch in text.upper():
        number = number * 26 + (ord(ch) - 64)
    return number


def _greater_letters(n: int) -> bytes:
    """A regex matching column letters (1–3 capitals) of columns after column n."""
    letters = ""
    k = n
    while k:
        k, rest = divmod(k - 1, 26)
        letters = chr(65 + rest) + letters
    options = []
    if len(letters) < 3:
        options.append(rb"[A-Z]{%d,3}" % (len(letters) + 1))
    for i, ch in enumerate(letters):
        if ch != "Z":
            low = chr(ord(ch) + 1)
            options.append(letters[:i].encode() + b"[" + low.encode() + b"-Z]" + rb"[A-Z]{%d}" % (len(letters) - i - 1))
    return b"|".join(options) if options else b"(?!)"


def _row_threshold(max_row: int) -> bytes:
    """A regex matching row numbers above a round threshold at most twice `max_row` (or with a leading zero).

    "999" for 999 rows; 100,003 rows → more than 199,999. Coarse on purpose: it keeps the search to a few
    alternatives, and twice the declared area is still far below what would exhaust memory.
    """
    digits = str(max_row)
    first = int(digits[0])
    options = [rb"0\d*", rb"[1-9]\d{%d,}" % len(digits)]
    if first < 9:
        options.append(b"[" + str(first + 1).encode() + rb"-9]\d{%d}" % (len(digits) - 1))
    return b"|".join(options)


_BOUND_PATTERNS: dict[tuple[int, int], re.Pattern[bytes]] = {}


def _outside(window: bytes, bound: tuple[int, int]) -> bool:
    """Whether any cell or row address in `window` may lie beyond (max row, max column) (see `_row_threshold`).
    An address is an `r` attribute after a space: `xmlns:r="http://…"`, which every sheet declares, is not (a
    cell whose address is written any other way takes the exact path, see `_unaddressed_cells`)."""
    pattern = _BOUND_PATTERNS.get(bound)
    if pattern is None:
        max_row, max_col = bound
        pattern = re.compile(
            rb' r="(?:[A-Za-z]{4}|[a-z]{1,3}\d|(?:' + _greater_letters(max_col) + rb")\d|[A-Z]{0,3}(?:"
            + _row_threshold(max_row) + rb')")'
        )
        _BOUND_PATTERNS[bound] = pattern
    return pattern.search(window) is not None


_MAX_WITH_LETTERS = {1: 26, 2: 702, 3: 16384}
_COARSE_PATTERNS: dict[tuple[int, int], re.Pattern[bytes]] = {}


def _coarse_addresses(bound: tuple[int, int], limits: ImportLimits) -> re.Pattern[bytes] | None:
    """A pattern that finds every address that may lie outside a small-enough area around `bound`, or None when
    that area would be too large.

    The area: no more column letters than the declared last column has, no more row digits than the declared
    last row, so at most (10^digits − 1) × (last column with that many letters) cells. The pattern finds each `r`
    attribute (after white space, in either quotes) of another shape: one search over hundreds of thousands of
    addresses, several times faster than `_outside`'s. Only `r` attributes are looked at, so text in the cells
    (an inline "SUP-JP12") costs nothing.
    """
    max_row, max_col = bound
    letters = 1 if max_col <= 26 else 2 if max_col <= 702 else 3
    digits = len(str(max_row))
    if (10 ** digits - 1) * _MAX_WITH_LETTERS[letters] > limits.max_cells:
        return None
    pattern = _COARSE_PATTERNS.get((letters, digits))
    if pattern is None:
        pattern = _COARSE_PATTERNS[letters, digits] = re.compile(
            rb"r=(?<=\sr=)(?![\"'][A-Za-z]{0,%d}\d{1,%d}[\"'])" % (letters, digits))
    return pattern


def _beyond_quick_checks(segment: bytes, bound: tuple[int, int] | None, coarse: re.Pattern[bytes] | None) -> bool:
    """Whether `segment` (whole tags of a sheet whose declared area is `bound`) needs the exact check: it may hold
    a cell without an address, or an address outside the coarse area (`coarse`; when there is none, outside
    twice the declared area, `_outside`)."""
    if _unaddressed_cells(segment):
        return True
    if coarse is not None:
        return coarse.search(segment) is not None
    return bound is not None and _outside(segment, bound)  # no bound: the part was empty


def _open_calamine(path: Path, kind: str, limits: ImportLimits) -> tuple[Workbook | None, list[Problem]]:
    import python_calamine

    where = {"file": path.name}
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        metadata = book.sheets_metadata
    except python_calamine.PasswordError:
        return None, [error("is password-protected", "Remove the password in Excel and save again", **where)]
    except BaseException as exc:  # calamine's errors vary by format; a Rust panic arrives as a BaseException
        _reraise_interrupts(exc)
        message = _short(exc)
        if "password" in message.lower() or "encrypt" in message.lower():
            return None, [error("is password-protected", "Remove the password in Excel and save again", **where)]
        return None, [error(f"is damaged or not a readable {kind} file ({message})", _RESAVE, **where)]
    visible: list[str] = []
    hidden: list[str] = []
    for sheet in metadata[: limits.max_sheets]:
        is_worksheet = str(sheet.typ).endswith("WorkSheet")
        is_visible = str(sheet.visible).endswith(".Visible")
        if is_worksheet and is_visible:
            visible.append(sheet.name)
        elif is_worksheet:
            hidden.append(sheet.name)
    return Workbook(path, kind, visible, hidden, _book=book), []


# ---------------------------------------------------------------------------------------------------------------
# Delimited text

_DELIMITERS = (",", ";", "\t", "|")


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with: BOMs first, then UTF-16 by its zero bytes, UTF-8, the Japanese
    and Chinese Excel encodings when the bytes clearly are that, else cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    guess = _utf16_without_bom(data[:4096])
    if guess:
        return data.decode(guess, errors="replace"), guess
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for encoding in _east_asian_candidates(data):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _east_asian_candidates(data: bytes) -> list[str]:
    """cp932 (Shift-JIS) or GB18030 when the bytes clearly are Japanese or Chinese text: runs of high bytes (a
    cp1252 file such as "Müller" has lone ones), a strict decode, and nine in ten non-ASCII characters being
    ideographs, kana or full-width forms."""
    sample = data[:200_000]
    if len(data) > len(sample):
        sample = sample[: sample.rfind(b"\n") + 1]
    runs = re.findall(rb"[\x80-\xff]+", sample)
    if not runs or sum(len(r) for r in runs) < 1.8 * len(runs):
        return []
    found = []
    for encoding in ("cp932", "gb18030"):
        try:
            text = sample.decode(encoding, errors="strict")
        except UnicodeDecodeError:
            continue
        wide = [ch for ch in text if ord(ch) > 0x7F]
        east_asian = sum(1 for ch in wide if "\u3000" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff"
                         or "\uff01" <= ch <= "\uff5e")
        if wide and east_asian >= 0.9 * len(wide):
            found.append(encoding)
    return found


def detect_delimiter(text: str, suffix: str = ".csv") -> str:
    """The delimiter that splits the first lines most consistently into more than one field."""
    lines = [line for line in text[:200_000].splitlines() if line.strip()][:60]
    if not lines:
        return "\t" if suffix == ".tsv" else ","
    best: tuple[float, int, int] = (-1.0, 0, 0)
    chosen = "\t" if suffix == ".tsv" else ","
    preference = {"\t": 3, ";": 2, ",": 1, "|": 0}
    for delimiter in _DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        mode, freq = Counter(multi).most_common(1)[0]
        score = (freq / len(counts), mode, preference[delimiter])
        if score > best:
            best, chosen = score, delimiter
    return chosen


WHOLE_TEXT_BYTES = 8 * MB
"""Delimited text up to this size is decoded at once (its encoding judged on every byte); larger files are
streamed, their encoding judged on the first megabyte, so that reading stops at the row limit without holding
the whole file, its text and its rows at once."""


def _open_text(path: Path, limits: ImportLimits) -> tuple[Workbook | None, list[Problem]]:
    where = {"file": path.name}
    try:
        with path.open("rb") as handle:
            return _read_text(handle, path, limits)
    except OSError as exc:
        return None, [error(f"cannot be read ({exc.strerror or exc})", "Check the file", **where)]


class _LineDecoder:
    """Reads each line of a file that mixes UTF-8 and Windows-1252 (lines pasted together from two sources) in
    its own encoding, instead of mis-reading the whole file in one ("MÃ¼ller GmbH"), and remembers which lines
    were read in which."""

    def __init__(self) -> None:
        self.utf8: list[int] = []
        self.cp1252: list[int] = []

    def decode(self, number: int, raw: bytes) -> str:
        if raw.isascii():
            return raw.decode("ascii")
        try:
            text = raw.decode("utf-8")
            self.utf8.append(number)
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
            self.cp1252.append(number)
        return text

    def lines(self, chunks: Iterable[bytes]) -> Iterator[str]:
        """The decoded lines of the bytes in `chunks` (line breaks kept, a UTF-8 BOM dropped)."""
        number = 0
        carry = b""
        for chunk in chunks:
            pieces = (carry + chunk).splitlines(keepends=True)
            carry = pieces.pop() if pieces else b""  # perhaps incomplete, or a "\r" whose "\n" comes next
            for raw in pieces:
                number += 1
                yield self.decode(number, raw[3:] if number == 1 and raw.startswith(codecs.BOM_UTF8) else raw)
        if carry:
            number += 1
            yield self.decode(number, carry[3:] if number == 1 and carry.startswith(codecs.BOM_UTF8) else carry)

    def problem(self, file: str) -> Problem | None:
        """A warning naming the lines read as Windows-1252, when the file mixes both encodings."""
        if not (self.utf8 and self.cp1252):
            return None
        listed = ", ".join(map(str, self.cp1252[:10])) + (" …" if len(self.cp1252) > 10 else "")
        return warning(f"mixes text encodings: {len(self.cp1252):,} line{'s' * (len(self.cp1252) != 1)} "
                       f"({listed}) {'are' if len(self.cp1252) != 1 else 'is'} Windows-1252 and {len(self.utf8):,} "
                       "UTF-8; each line was read in its own encoding",
                       "Check the names and texts on those lines; save the file again as UTF-8 to be sure",
                       file=file, row=self.cp1252[0])


def _read_text(handle: io.BufferedReader, path: Path, limits: ImportLimits
               ) -> tuple[Workbook | None, list[Problem]]:
    where = {"file": path.name}
    sample = handle.read(WHOLE_TEXT_BYTES + 1)
    whole = len(sample) <= WHOLE_TEXT_BYTES
    if not whole:
        sample = sample[: MB]
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    text, encoding = decode_text(sample)
    if "\x00" in text[:65536]:
        return None, [error("is a binary file, not delimited text", "Check that you picked the right file",
                            **where)]
    delimiter = detect_delimiter(text, path.suffix.lower())
    lines = _LineDecoder()
    stream: Iterable[str]
    if whole and encoding in ("cp1252", "latin-1"):
        mixed = list(lines.lines([sample]))
        stream = mixed if lines.utf8 else io.StringIO(text, newline="")
    elif whole:
        stream = io.StringIO(text, newline="")
    elif encoding in ("utf-8", "utf-8-sig", "cp1252", "latin-1"):
        handle.seek(0)
        stream = lines.lines(iter(lambda: handle.read(MB), b""))
    else:
        handle.seek(0)
        stream = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
    try:
        book, problems = _text_rows(stream, delimiter, path, limits)
    finally:
        if isinstance(stream, io.TextIOWrapper):
            stream.detach()  # the caller closes the file
    mixed_problem = lines.problem(path.name)
    if book is not None and mixed_problem is not None:
        problems.append(mixed_problem)
    return book, problems


def _text_rows(stream: Iterable[str], delimiter: str, path: Path, limits: ImportLimits
               ) -> tuple[Workbook | None, list[Problem]]:
    where = {"file": path.name}
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    multi_line = False
    try:
        reader = csv.reader(stream, delimiter=delimiter)
        previous = 0
        for row in reader:
            line_numbers.append(previous + 1)
            if reader.line_num != previous + 1:
                multi_line = True
            previous = reader.line_num
            if len(row) > limits.max_columns:  # checked as rows come: 200,000 empty columns a line add up
                return None, [error(f"has {len(row):,} columns on line {reader.line_num:,}, more than the limit "
                                    f"of {limits.max_columns:,}", "Check the delimiter, or split the file", **where)]
            rows.append(row)
            if len(rows) > limits.max_rows + 100:
                return None, [error(f"has more than {limits.max_rows:,} rows", ROW_LIMIT_HINT, **where)]
    except csv.Error as exc:
        return None, [error(f"is not readable delimited text ({_short(exc)})", "Save it again as csv", **where)]
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    sheet = RawSheet(path.stem, rows, decimal_hint="," if delimiter == ";" else None,
                     line_numbers=line_numbers if multi_line else None)
    return Workbook(path, "text", [sheet.name], _text=sheet), []
