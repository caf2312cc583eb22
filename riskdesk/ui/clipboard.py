"""Copy and paste of cell ranges with Excel and LibreOffice: tab-separated text, quoted the way Excel quotes.

Copy puts the bounding rectangle of the selection on the clipboard as raw values (numbers unformatted, so Excel
reads them as numbers); text that a spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM(…)`) gets a
leading apostrophe, which Excel and LibreOffice read as "text" and do not show (riskdesk.core.cells). Paste reads
a block and writes it from the current cell down and right; one value pasted into a larger selection fills it.
Rows past the end of the table are added. Pasting goes through the document, which checks every value first: one
bad value refuses the whole paste.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QModelIndex
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView

from riskdesk.core.cells import as_spreadsheet_text, from_spreadsheet_text
from riskdesk.ui.columns import ColumnTableModel, RawRole

TSV_MIME = "text/tab-separated-values"


def to_tsv(rows: Sequence[Sequence[str]]) -> str:
    """Rows as Excel writes them: tabs between cells, CRLF-free newlines, cells quoted if they hold tab,
    newline or a quote."""
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            text = str(cell)
            if any(ch in text for ch in '\t\n\r"'):
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def from_tsv(text: str) -> list[list[str]]:
    """Cells from Excel's clipboard text (quoted cells may hold tabs and newlines; the last newline is dropped)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    i, n = 0, len(text)
    at_cell_start = True
    while i < n:
        ch = text[i]
        if at_cell_start and ch == '"':
            i += 1
            while i < n:
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        cell.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                cell.append(text[i])
                i += 1
            at_cell_start = False
            continue
        if ch == "\t":
            row.append("".join(cell))
            cell = []
            at_cell_start = True
        elif ch == "\n":
            row.append("".join(cell))
            rows.append(row)
            row, cell = [], []
            at_cell_start = True
        else:
            cell.append(ch)
            at_cell_start = False
        i += 1
    if cell or row or not at_cell_start:
        row.append("".join(cell))
        rows.append(row)
    return rows


def selection_block(view: QAbstractItemView) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) view rows and columns bounding the selection, or the current cell."""
    indexes = view.selectionModel().selectedIndexes() if view.selectionModel() else []
    if not indexes:
        current = view.currentIndex()
        if not current.isValid():
            return None
        return current.row(), current.column(), current.row(), current.column()
    rows = [i.row() for i in indexes]
    columns = [i.column() for i in indexes]
    return min(rows), min(columns), max(rows), max(columns)


def copy_block(model: ColumnTableModel, top: int, left: int, bottom: int, right: int,
               with_header: bool = False) -> str:
    rows: list[list[str]] = []
    if with_header:
        rows.append([model.columns[c].key for c in range(left, right + 1)])
    for r in range(top, bottom + 1):
        row = []
        for c in range(left, right + 1):
            value = model.data(model.index(r, c), RawRole)
            if isinstance(value, float):
                row.append("" if value != value else f"{value:.15g}")
            else:
                row.append(as_spreadsheet_text(str(value)))
        rows.append(row)
    return to_tsv(rows)


def copy_selection(view: QAbstractItemView, clipboard: QClipboard | None = None) -> int:
    """Copy the selection of a table view showing a project table; returns the number of cells copied."""
    model = view.model()
    block = selection_block(view)
    if block is None or not isinstance(model, ColumnTableModel):
        return 0
    top, left, bottom, right = block
    text = copy_block(model, top, left, bottom, right)
    mime = QMimeData()
    mime.setText(text)
    mime.setData(TSV_MIME, text.encode("utf-8"))
    (clipboard or QGuiApplication.clipboard()).setMimeData(mime)
    return (bottom - top + 1) * (right - left + 1)


def copy_shown(view: QAbstractItemView, clipboard: QClipboard | None = None) -> int:
    """Copy the shown text of the selected cells of any table view (scores, hits, rules) as tab-separated rows;
    returns the number of cells copied."""
    indexes = sorted(view.selectionModel().selectedIndexes(), key=lambda i: (i.row(), i.column()))
    rows: dict[int, list[str]] = {}
    for index in indexes:
        rows.setdefault(index.row(), []).append(str(index.data() or ""))
    (clipboard or QGuiApplication.clipboard()).setText(to_tsv(list(rows.values())))
    return len(indexes)


def paste_cells(model: ColumnTableModel, block: Sequence[Sequence[str]], top: int, left: int,
                fill: tuple[int, int] | None = None) -> list[tuple[int, str, str]]:
    """(frame row, column key, text) for pasting `block` at view cell (top, left).

    Rows past the view's end become new frame rows after the frame's end. `fill` = (rows, columns) of the
    selection: a single pasted value is repeated over it. Columns past the table's last are dropped."""
    if fill and len(block) == 1 and len(block[0]) == 1:
        block = [[block[0][0]] * fill[1] for _ in range(fill[0])]
    view_rows = model.rowCount()
    frame_rows = model.stored_rows()
    cells: list[tuple[int, str, str]] = []
    for i, values in enumerate(block):
        view_row = top + i
        frame_row = model.frame_row(view_row) if view_row < view_rows else frame_rows + (view_row - view_rows)
        for j, text in enumerate(values):
            column = left + j
            if column >= len(model.columns):
                break
            cells.append((frame_row, model.columns[column].key, from_spreadsheet_text(text)))
    return cells


def clipboard_block(clipboard: QClipboard | None = None) -> list[list[str]]:
    mime = (clipboard or QGuiApplication.clipboard()).mimeData()
    if mime is None:
        return []
    has_tsv = mime.hasFormat(TSV_MIME)
    text = bytes(mime.data(TSV_MIME).data()).decode("utf-8", "replace") if has_tsv else mime.text()
    return from_tsv(text) if text else []


def paste_target(view: QAbstractItemView) -> tuple[int, int, tuple[int, int] | None]:
    """Where a paste goes: the selection's top-left cell, and its size when more than one cell is selected."""
    block = selection_block(view)
    if block is None:
        current: QModelIndex = view.currentIndex()
        return (current.row() if current.isValid() else 0), (current.column() if current.isValid() else 0), None
    top, left, bottom, right = block
    size = (bottom - top + 1, right - left + 1)
    return top, left, (size if size != (1, 1) else None)
