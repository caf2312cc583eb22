"""Writing Excel workbooks with XlsxWriter: one safe way to open a workbook, write a cell and lay out a table.

Used by the import template, the import's problem report, table exports and the risk report. Every workbook is
opened with XlsxWriter's string conversions off, and text is always written as a string cell: a supplier's
"=HYPERLINK(…)", "@SUM(A1)", "{=1+1}" or "+1 (555)" stays text, never a formula, a link or a number, and is shown
as typed (no apostrophe). Every sheet prints landscape, one page wide, with its header row repeated.

A workbook is written through `riskdesk.io.outputs.atomic_output`, the rule every output obeys: never over a
project, a folder or a workbook another program holds open; into a private folder beside the target (XlsxWriter's
own temporary files too), then moved over it only when complete. A failed or cancelled write leaves the old file as
it was and nothing else behind, and the error (`ExportError`, i.e. `OutputError`) names the file and says what to
do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

from riskdesk.io.collector import collector_paused
from riskdesk.io.outputs import OutputError, atomic_output, quiet_zip_cleanup, write_failure

SAFE_TEXT: Mapping[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
"""XlsxWriter options that keep every string a string."""

LINE_HEIGHT = 15.0
"""Points per wrapped line of the default 11-point font."""

MAX_ROWS = 1_048_576
"""Rows in an Excel sheet."""
MAX_LINKS = 65_530
"""Hyperlinks Excel keeps in one sheet."""
TABLE_CELL_LIMIT = 250_000
"""Above this many cells a table gets a filter instead of being an Excel table (no banded rows; filters, sorting and
frozen headers alike): XlsxWriter books every cell of a table in a dictionary to check for overlaps, a tenth of the
time it takes to write a large report and tens of megabytes."""

HEADER_FILL = "#DDE7F3"
REQUIRED_FILL = "#F6D8A8"
ERROR_FILL = "#F8D7DA"
WARNING_FILL = "#FFF3CD"
TABLE_STYLE = "Table Style Light 1"


ExportError = OutputError
"""A workbook or table file that was refused or could not be written (riskdesk.io.outputs.OutputError, an
OSError): the message names the file and says what to do; the file that was there before is unchanged."""


def os_user() -> str:
    """The signed-in user's name, for a document's author ("" when the system does not say)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name and no password entry (containers, services)
        return ""


def document_properties(title: str, subject: str, comments: str = "", keywords: str = "",
                        author: str | None = None) -> dict[str, Any]:
    """Document properties for `workbook(properties=…)`: title, subject, the author (default: the OS user; ""
    leaves it out, and with it "last modified by"), created now."""
    return {"title": title, "subject": subject, "author": os_user() if author is None else author,
            "comments": comments, "keywords": keywords, "created": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "company": ""}


def header_text(text: str, limit: int = 100) -> str:
    """Text for a printed page header or footer: cut to `limit` characters (with "…"), then each "&" doubled so
    that nobody's name becomes a code (cutting after doubling could leave a lone "&" at the end)."""
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.replace("&", "&&")


def tint(color: str, amount: float = 0.3) -> str:
    """`color` (#RRGGBB) mixed with white: `amount` of the colour, the rest white (band colours as cell fills)."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - c) * amount) for c in (red, green, blue)]
    return "#{:02X}{:02X}{:02X}".format(*mix)


@contextlib.contextmanager
def workbook(path: Path, print_header_rows: int = 1, *, properties: Mapping[str, Any] | None = None,
             what: str = "the workbook", inputs: Iterable[Path] = (), top_aligned: bool = False) -> Iterator[Any]:
    """An XlsxWriter workbook for `path` with safe string handling. When the block ends its sheets are set up for
    printing (landscape, one page wide, the first `print_header_rows` rows repeated; 0 leaves that to the caller,
    see `print_setup`) and it is written through `atomic_output` (XlsxWriter's temporary files in its private
    folder), then replaces `path`. An exception in the block (a cancelled report) writes nothing and leaves `path`
    as it was. Raises ExportError (OutputError) when `path` is refused or cannot be written; `what` names the
    workbook in that message ("the report"); `inputs` are files being read, never written over. `top_aligned`:
    every cell, formatted or not, is aligned to the top of its row (the workbook's default format says so, so that
    a cell needs no format of its own for it: a large report writes a third less XML). Python's cyclic garbage
    collector waits while the workbook is written (`riskdesk.io.collector`)."""
    import xlsxwriter

    target = Path(path)
    with collector_paused(), atomic_output(target, what=what, inputs=inputs) as temporary:
        options: dict[str, Any] = {**SAFE_TEXT, "tmpdir": str(temporary.parent)}
        if top_aligned:
            options["default_format_properties"] = {"font_name": "Calibri", "font_size": 11, "valign": "top"}
        book = xlsxwriter.Workbook(str(temporary), options)
        if properties:
            book.set_properties(dict(properties))
        yield book
        for sheet in book.worksheets():
            sheet.set_landscape()
            if not sheet.fit_page:  # a sheet set to fit otherwise (one page) keeps it
                sheet.fit_to_pages(1, 0)
            if print_header_rows:
                sheet.repeat_rows(0, print_header_rows - 1)
        _close(book, target)


def _close(book: Any, target: Path) -> None:
    """Package the workbook; a failure (a full disk) is one ExportError, without the traceback Python would print
    when XlsxWriter's half-written zip file is collected."""
    from xlsxwriter.exceptions import FileCreateError, FileSizeError

    failure: ExportError | None = None
    try:
        book.close()
    except (OSError, FileCreateError, FileSizeError) as exc:
        cause = exc.args[0] if isinstance(exc, FileCreateError) and exc.args else exc
        if isinstance(exc, FileSizeError):
            failure = ExportError(f"cannot write {target}: the workbook is larger than a zip file can hold without "
                                  "ZIP64; nothing was written", target)
        else:
            failure = write_failure(target, cause)
        with quiet_zip_cleanup():
            for error in (exc, cause, exc.__context__):
                if isinstance(error, BaseException):
                    error.__traceback__ = None  # let go of the frames that hold the open zip file
            del exc, cause
    if failure is not None:
        raise failure


def fit_width(title: str, values: Sequence[Any], low: float = 6, high: float = 40, sample: int = 2_000) -> float:
    """A column width that fits its header's longest word and most of its values (the longest of the first
    `sample`, numbers as about ten characters at most), between `low` and `high`."""
    longest = max((len(word) for word in title.split()), default=0) + 1
    for value in values[:sample]:
        if isinstance(value, str):
            longest = max(longest, len(value) + 1)
        elif isinstance(value, Real) and value == value:
            longest = max(longest, min(len(f"{float(value):,.6g}"), 10) + 1)
    return float(min(max(longest, low), high))


def group_columns(sheet: Any, columns: Sequence[Column], first: int, collapsed: bool = True,
                  following: Column | None = None) -> None:
    """Put `columns`, written from column `first`, in one outline group, collapsed (hidden, with a "+" to show
    them) by default: detail columns that would make a sheet too wide to read on screen or print one page wide.
    `following` is the column after them, which carries the "+"."""
    for offset, column in enumerate(columns):
        sheet.set_column(first + offset, first + offset, column.width, None, {"level": 1, "hidden": collapsed})
    if collapsed and columns:
        after = first + len(columns)
        sheet.set_column(after, after, following.width if following else None, None, {"collapsed": True})


PAPER_A4, PAPER_LETTER = 9, 1
"""XlsxWriter's paper sizes."""
LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "CL", "CO", "VE", "PH", "PR", "GT", "CR", "PA", "DO", "SV"})
"""Countries whose offices print on US Letter; the rest of the world prints on A4."""


def paper_for(country: str) -> int:
    """The paper a buyer importing into `country` prints on: US Letter in the Americas' Letter countries and the
    Philippines, A4 elsewhere."""
    return PAPER_LETTER if country.strip().upper() in LETTER_COUNTRIES else PAPER_A4


def print_setup(sheet: Any, header_rows: tuple[int, int] | None, footer: str = "", paper: int = PAPER_A4) -> None:
    """Landscape on `paper`, one page wide, narrow margins, `header_rows` (first, last) repeated on every page
    from the first on which they appear, and a footer: `footer` (cut and escaped) and the sheet's name on the
    left, the page number on the right (nothing in the centre, which a long left text would run into)."""
    sheet.set_landscape()
    sheet.set_paper(paper)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    if header_rows is not None:
        sheet.repeat_rows(*header_rows)
    left = f"{header_text(footer)} · &A" if footer else "&A"
    sheet.set_footer(f"&L{left}&RPage &P of &N", {"margin": 0.25})


def row_height(*cells: tuple[str, float]) -> float:
    """Height for a row of wrapped (text, column width) cells: spreadsheet apps do not all grow rows to fit."""
    return LINE_HEIGHT * max((wrapped_lines(text, width) for text, width in cells), default=1)


def wrapped_lines(text: str, width: float, per_unit: float = 1.1) -> int:
    """How many lines `text` takes in a wrapped cell `width` units wide, at `per_unit` characters a unit (a unit is
    a digit's width; letters of the default font average a little less, bold text about one). Words longer than a
    line are broken."""
    room = max(width * per_unit, 1.0)
    lines = 0
    for paragraph in str(text).split("\n"):
        used = 0.0
        lines += 1
        for word in paragraph.split(" "):
            size = len(word)
            if size > room:
                extra = math.ceil(size / room) - 1
                lines += extra + (1 if used else 0)
                used = size - extra * room
            elif used and used + 1 + size > room:
                lines += 1
                used = size
            else:
                used += size + (1 if used else 0)
    return max(lines, 1)


ONE_LINE_PER_UNIT = 1.0
"""Characters a unit of column width holds when deciding that a text fits on one line without wrapping: a digit's
width each, stricter than `wrapped_lines`' estimate of where a wrapped line breaks."""
PLAIN_COUNT_BELOW = 1_000
"""A whole number under this shows the same in the General format as in a count's "#,##0"."""


def fits_one_line(text: str, width: float) -> bool:
    """Whether `text` fits on one line of a column `width` units wide, with room to spare (no line break, no word
    longer than the line): such a cell looks the same wrapped or not."""
    return "\n" not in text and wrapped_lines(text, width, ONE_LINE_PER_UNIT) == 1


def write_cell(sheet: Any, row: int, col: int, value: object, cell_format: Any = None) -> None:
    """Write one value as what it is: text as a string cell (never a formula), numbers as numbers, a blank for
    None and NaN, dates as dates (give a date `cell_format`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, Real):
        number = float(value)
        if math.isfinite(number):
            sheet.write_number(row, col, number, cell_format)
        else:
            sheet.write_string(row, col, str(value), cell_format)
    elif isinstance(value, dt.datetime | dt.date):
        sheet.write_datetime(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


ANY, TEXT, NUMBER, DATE, LINK, FORMULA = "any", "text", "number", "date", "link", "formula"
"""Kinds of column for `write_columns`: values of any type (`write_cell`), text, numbers (NaN and None blank),
dates (`datetime.date`, None blank; give the column a date format), links ((url, text) pairs: a link where the URL
is http(s), else the text), formulas ((formula, value) pairs)."""
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a table sheet: its header, width (characters), cell format name and whether it wraps."""

    title: str
    width: float = 14
    format: str = ""
    """A key of the `formats` given to `write_table` ("" for none)."""
    wrap: bool = False
    help: str = ""
    """A comment on the header cell."""
    kind: str = ANY
    """How `write_columns` writes its values: ANY, TEXT, NUMBER, LINK or FORMULA."""
    value_formats: Mapping[str, str] | None = None
    """Cell text → a key of `formats` for that cell instead of `format` (e.g. band colours)."""


def write_table(sheet: Any, columns: Sequence[Column], rows: Iterable[Sequence[object]], formats: Mapping[str, Any],
                header_format: Any, top: int = 0, freeze_columns: int = 0, wrap_format: Any = None) -> int:
    """Write a header row at `top` and the rows below it, with widths, formats, a filter and frozen panes; rows
    with wrapped text grow to fit. Returns the number of rows written."""
    for col, column in enumerate(columns):
        sheet.write_string(top, col, column.title, header_format)
        if column.help:
            sheet.write_comment(top, col, column.help, {"x_scale": 2.0, "y_scale": 1.4})
        sheet.set_column(col, col, column.width)
    count = 0
    for count, values in enumerate(rows, start=1):
        row = top + count
        wrapped: list[tuple[str, float]] = []
        for col, (column, value) in enumerate(zip(columns, values, strict=True)):
            cell_format = formats.get(column.format) if column.format else None
            if column.wrap:
                cell_format = cell_format or wrap_format
                wrapped.append((str(value or ""), column.width))
            write_cell(sheet, row, col, value, cell_format)
        if wrapped:
            height = row_height(*wrapped)
            if height > LINE_HEIGHT:
                sheet.set_row(row, height)
    sheet.autofilter(top, 0, top + max(count, 1), len(columns) - 1)
    sheet.freeze_panes(top + 1, freeze_columns)
    return count


def write_columns(sheet: Any, top: int, columns: Sequence[Column], data: Sequence[Sequence[Any]],
                  formats: Mapping[str, Any], header_format: Any, *, name: str = "", left: int = 0,
                  freeze: bool = True, freeze_columns: int = 0, wrap_format: Any = None, widths: bool = True,
                  lean: bool = False, cancelled: Callable[[], bool] | None = None) -> int:
    """Write a table column by column: a header row at `top`, then `data[c]` (the values of column c) below it,
    each column written by its kind, with formats, header comments and (`widths`) the columns' widths. It becomes
    an Excel table named `name` (filters, banded rows) when it has rows and at most TABLE_CELL_LIMIT cells, else a
    filtered range; `freeze` freezes the panes below the header. The header row and rows with wrapped text grow
    to fit. A column without a format gets `formats["cell"]`, if there is one (the report has none: its workbook
    aligns every cell to the top by default). Returns the number of rows.

    `lean` (for a workbook whose default format aligns to the top, `workbook(top_aligned=True)`): a cell that would
    look the same without its format is written without one — a text that fits on one line in a column of
    `wrap_format`, a whole number below PLAIN_COUNT_BELOW in `formats["count"]` — since each styled cell costs
    XlsxWriter time and the file bytes (a large report has hundreds of thousands of them).

    `cancelled()` is asked before each column; when it says yes, WriteCancelled is raised."""
    rows = len(data[0]) if data else 0
    last = left + len(columns) - 1
    links = 0
    for c, (column, values) in enumerate(zip(columns, data, strict=True)):
        if cancelled is not None and cancelled():
            raise WriteCancelled
        col = left + c
        if widths:
            sheet.set_column(col, col, column.width)
        cell_format = formats.get(column.format) if column.format else formats.get("cell")
        if column.wrap and wrap_format is not None and not column.format:
            cell_format = wrap_format
        by_value = {text: formats[key] for text, key in column.value_formats.items()} if column.value_formats \
            else None
        row = top + 1
        if column.kind == NUMBER:
            write = sheet.write_number
            plain_counts = lean and cell_format is not None and cell_format is formats.get("count")
            plain = formats.get("cell")
            for row, value in enumerate(values, start=top + 1):
                if value is None or value != value:  # None or NaN: a blank cell
                    continue
                if isinstance(value, str):  # a figure that is not known ("unknown"), said in words
                    sheet.write_string(row, col, value, cell_format)
                elif value in (math.inf, -math.inf):
                    sheet.write_string(row, col, str(value), cell_format)
                elif plain_counts and type(value) is int and abs(value) < PLAIN_COUNT_BELOW:
                    write(row, col, value, plain)
                else:
                    write(row, col, value, cell_format)
        elif column.kind == TEXT:
            write = sheet.write_string
            if lean and cell_format is not None and cell_format is wrap_format and not by_value:
                # each text's format chosen once: wrapped only where it needs more than one line
                plain = formats.get("cell")
                by_value = {text: plain for text in set(values) if text and fits_one_line(text, column.width)}
            for row, value in enumerate(values, start=top + 1):
                if value:
                    write(row, col, value, by_value.get(value, cell_format) if by_value else cell_format)
        elif column.kind == DATE:
            write = sheet.write_number
            serials: dict[dt.date, int] = {}
            for row, value in enumerate(values, start=top + 1):
                if value is not None:
                    serial = serials.get(value)
                    if serial is None:
                        serial = serials[value] = (value - _EXCEL_EPOCH).days
                    write(row, col, serial, cell_format)
        elif column.kind == LINK:
            for row, value in enumerate(values, start=top + 1):
                if not value:
                    continue
                url, text = value
                if url and links < MAX_LINKS and str(url).startswith(("https://", "http://")) and len(url) < 2000:
                    sheet.write_url(row, col, url, formats.get("link", cell_format), text, url)
                    links += 1
                elif text:
                    sheet.write_string(row, col, text, cell_format)
        elif column.kind == FORMULA:
            for row, value in enumerate(values, start=top + 1):
                if value:
                    formula, result = value
                    sheet.write_formula(row, col, formula, cell_format, result)
        else:
            for row, value in enumerate(values, start=top + 1):
                chosen = by_value.get(value, cell_format) if by_value and isinstance(value, str) else cell_format
                if value is not None and value != "":
                    write_cell(sheet, row, col, value, chosen)
    wrapped = [(c, column) for c, column in enumerate(columns) if column.wrap]
    if wrapped:
        for i in range(rows):
            height = row_height(*((str(data[c][i] or ""), column.width) for c, column in wrapped))
            if height > LINE_HEIGHT:
                sheet.set_row(top + 1 + i, height)
    if rows and name and rows * len(columns) <= TABLE_CELL_LIMIT:
        sheet.add_table(top, left, top + rows, last, {
            "name": name,
            "style": TABLE_STYLE,
            "columns": [{"header": column.title, "header_format": header_format} for column in columns],
        })
    else:
        for c, column in enumerate(columns):
            sheet.write_string(top, left + c, column.title, header_format)
        sheet.autofilter(top, left, top + max(rows, 1), last)
    for c, column in enumerate(columns):
        if column.help:
            sheet.write_comment(top, left + c, column.help, {"x_scale": 2.0, "y_scale": 1.4})
    header = LINE_HEIGHT * max((wrapped_lines(column.title, column.width, 1.0) for column in columns), default=1)
    if header > LINE_HEIGHT:
        sheet.set_row(top, header)
    if freeze:
        sheet.freeze_panes(top + 1, freeze_columns)
    return rows


class WriteCancelled(Exception):
    """The user cancelled a workbook being written; nothing was written."""
