"""“Export table…” in a table view's context menu: the table as shown, to an Excel workbook or a CSV file.

    add_export_action(view, "Parts", dialogs)                    # the table as the view shows it
    add_export_action(view, "Findings", dialogs, rows_getter=lambda: ExportTable(...))   # or given rows

The file is written by `riskdesk.io.table_export` (text never becomes a formula; the old file is replaced only when
the new one is complete; a file open elsewhere is refused with what to do). Without a `rows_getter` the export is
what the view shows: its visible columns in their order, its rows in their order (sorted and filtered), values as
the cells show them — numbers as numbers (the project tables' stored values; a score table's shown figures) and
everything else as its text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QTableView, QWidget

from riskdesk.io.table_export import SUFFIXES, ExportTable, export_table
from riskdesk.ui.columns import ColumnTableModel, RawRole
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.workers import Runner, TaskContext

ChoosePath = Callable[[str], Path | None]
"""Asks where to export (given a suggested path); None when the user cancels."""
ROWS_IN_BACKGROUND = 20_000
"""Tables with more rows than this are written in the background when a runner is given."""

_FILTERS = "Excel workbook (*.xlsx);;CSV, comma-separated (*.csv)"
_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def ask_export_path(parent: QWidget | None, title: str) -> ChoosePath:
    """The file chooser "Export table…" uses unless given another: a save dialog for .xlsx or .csv; a name
    without one of those gets the suffix of the chosen file type."""

    def choose(suggested: str) -> Path | None:
        name, chosen = QFileDialog.getSaveFileName(parent, title, suggested, _FILTERS)
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() not in SUFFIXES:
            path = path.with_name(path.name + (".csv" if "csv" in chosen.lower() else ".xlsx"))
        return path

    return choose


def _cell_value(model: QAbstractItemModel, row: int, column: int) -> Any:
    index = model.index(row, column)
    if isinstance(model, ColumnTableModel):
        raw = model.data(index, RawRole)
        return None if isinstance(raw, float) and math.isnan(raw) else raw
    text = model.data(index, Qt.ItemDataRole.DisplayRole)
    if text is None:
        return None
    text = str(text)
    if _NUMBER.match(text):
        return float(text.replace(",", ""))
    return text


def view_table(view: QTableView, title: str) -> ExportTable:
    """What `view` shows: its visible columns in their order, its rows in their order, each cell as shown
    (numbers as numbers)."""
    model = view.model()
    header = view.horizontalHeader()
    columns = [header.logicalIndex(visual) for visual in range(header.count())]
    columns = [c for c in columns if not view.isColumnHidden(c)]
    headers = [str(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
               for c in columns]
    rows = [[_cell_value(model, r, c) for c in columns]
            for r in range(model.rowCount()) if not view.isRowHidden(r)]
    return ExportTable(title, headers, rows)


def add_export_action(view: QTableView, name: str, dialogs: Dialogs,
                      rows_getter: Callable[[], ExportTable] | None = None, *, choose_path: ChoosePath | None = None,
                      folder: Callable[[], Path] | None = None, runner: Runner | None = None,
                      on_exported: Callable[[Path], None] | None = None) -> QAction:
    """Add "Export table…" to `view`'s context menu (a view with the default context menu gets the actions
    menu; one with its own menu can add the returned action to it) and return the action.

    `name` names the table (the sheet, the suggested file name); `rows_getter` gives the rows to export (default:
    what the view shows, `view_table`); `choose_path` asks where (default: a save dialog, `ask_export_path`) in
    `folder()` (default: the home folder); problems go to `dialogs.error`. Tables over ROWS_IN_BACKGROUND rows are
    written through `runner` when one is given. `on_exported(path)` runs when the file is written (default: say so
    with `dialogs.info`)."""
    action = QAction("Export table…", view)
    action.setToolTip(f"Save the {name.lower()} table as an Excel workbook or a CSV file")
    action.setStatusTip(action.toolTip())
    action.setObjectName(f"export{re.sub(r'[^A-Za-z0-9]', '', name.title())}Action")
    if view.contextMenuPolicy() == Qt.ContextMenuPolicy.DefaultContextMenu:
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    view.addAction(action)
    def ask(suggested: str) -> Path | None:
        chooser = choose_path or ask_export_path(view.window(), f"Export the {name.lower()} table")
        return chooser(suggested)

    def exported(path: Path) -> None:
        if on_exported is not None:
            on_exported(path)
        else:
            dialogs.info("Table exported", f"The {name.lower()} table is in {path}.")

    def failed(exc: BaseException) -> None:
        if isinstance(exc, OSError):  # ExportError: names the file and says what to do
            dialogs.error("Cannot export the table", str(exc))
        else:
            dialogs.error("Cannot export the table", f"{type(exc).__name__}: {exc}")

    def trigger() -> None:
        table = rows_getter() if rows_getter is not None else view_table(view, name)
        base = folder() if folder is not None else Path.home()
        target = ask(str(base / f"{_file_stem(name)}.xlsx"))
        if target is None:
            return
        if runner is not None and len(table.rows) > ROWS_IN_BACKGROUND:
            def work(task: TaskContext) -> Path:
                task.report(0, 0, f"Exporting {len(table.rows):,} rows…")
                return export_table(target, table)

            runner.start(work, exported, failed, None)
            return
        try:
            export_table(target, table)
        except OSError as exc:
            failed(exc)
            return
        exported(target)

    action.triggered.connect(trigger)
    return action


def _file_stem(name: str) -> str:
    return re.sub(r"[^\w\- ]+", "", name).strip().lower().replace(" ", "-") or "table"


__all__ = ["ROWS_IN_BACKGROUND", "ChoosePath", "add_export_action", "ask_export_path", "view_table"]
