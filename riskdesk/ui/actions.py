"""The main window's actions, menus and toolbar, declared as data (in the style of picard's mainwindow/actions.py).

Each action is one row of `ACTIONS`: its key, its text, shortcut, icon, tip, the window's method it calls, when it
is enabled and whether it also works in the project tables. `build_actions` makes them all, `build_menus` and
`build_toolbar` lay them out as `MENUS` and `TOOLBAR` say. An action that is added, renamed or moved is one row
here; the window only has the slot.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QMenu, QMenuBar, QToolBar, QWidget

from riskdesk.io.store import is_database_location
from riskdesk.ui.icons import icon
from riskdesk.ui.table_page import TablePage

Key = QKeySequence.StandardKey
Shortcut = Key | str


class When(enum.Enum):
    """When an action is enabled."""

    ALWAYS = "always"
    """Also while the project loads (help, quit, the blank template, the tabs)."""
    LOADED = "loaded"
    """Once the project's document is there."""
    ON_TABLE = "on a table"
    """Once the project is there, on a project table's tab (cut, paste, rows, filter)."""


PAGE = "page."
"""A slot named `page.NAME` calls NAME on the current project table page (riskdesk.ui.table_page.TablePage)."""
UNDO, REDO = "undo stack: undo", "undo stack: redo"
"""The slots of Undo and Redo: the window's undo group makes these two actions, whose text names the step."""


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action of the main window."""

    key: str
    """Its name in the window's `actions`, `MENUS` and `TOOLBAR`."""
    text: str
    slot: str
    """The window's method it calls (no arguments unless `args`), or one of its parts' ("tabs.setCurrentIndex"), or
    PAGE + a table page's, or UNDO/REDO."""
    shortcuts: tuple[Shortcut, ...] = ()
    icon: str = ""
    tip: str = ""
    """The tooltip and status-bar tip."""
    enabled: When = When.LOADED
    table_shortcut: bool = False
    """Its shortcut works where a project table has the focus (so that a field elsewhere keeps Ctrl+C, Delete …)."""
    icon_text: str = ""
    """What the toolbar says, when shorter than the text."""
    args: tuple[object, ...] = ()


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("new", "&New", "new_project", (Key.New,), "new", "Start a new, empty project"),
    ActionSpec("open", "&Open…", "open_project", (Key.Open,), "open", "Open a project file"),
    ActionSpec("open_workspace", "Open &Workspace…", "session.open_workspace_dialog", (), "",
               "Open a team workspace on a PostgreSQL server"),
    ActionSpec("save", "&Save", "save_project", (Key.Save,), "save", "Save the project"),
    ActionSpec("save_as", "Save &As…", "save_project_as", (Key.SaveAs,), "", "Save the project under another name"),
    ActionSpec("import", "&Import Spreadsheets…", "import_files", ("Ctrl+I",), "import",
               "Import parts, suppliers and supply paths from xlsx, xls, ods or csv files (or drop files on the "
               "window)", icon_text="Import"),
    ActionSpec("request_declarations", "Request Dec&larations…", "declarations.request", (), "",
               "Write a workbook per supplier asking where the rare earths of the parts it delivers come from (as "
               "riskdesk request does); import the answers with Import or by dropping them on the window"),
    ActionSpec("report", "&Export Report…", "export_report", ("Ctrl+E",), "save",
               "Write the Excel risk report: summary, parts, findings, exposure, scenarios, inputs and method"),
    ActionSpec("template", "Save Blank Import &Template…", "save_template", (), "",
               "Save the blank import template (every column RiskDesk reads, with instructions) to send to suppliers",
               When.ALWAYS),
    ActionSpec("demo", "Open &Demo Project", "open_demo", (), "",
               "Open the bundled demo project (a US buyer's magnet portfolio)"),
    ActionSpec("quit", "&Quit", "close", (Key.Quit,), "", "Close RiskDesk", When.ALWAYS),
    # The toolbar says just "Undo" and "Redo" (a long step name would push the toolbar about); the menu and the
    # tooltip say what will be undone.
    ActionSpec("undo", "&Undo", UNDO, (Key.Undo,), "undo", enabled=When.ALWAYS, icon_text="Undo"),
    ActionSpec("redo", "&Redo", REDO, ("Ctrl+Shift+Z", Key.Redo), "redo", enabled=When.ALWAYS,
               icon_text="Redo"),
    ActionSpec("cut", "Cu&t", PAGE + "cut", (Key.Cut,), "", "Copy the selected cells and empty them", When.ON_TABLE,
               table_shortcut=True),
    ActionSpec("copy", "&Copy", "copy_cells", (Key.Copy,), "copy", "Copy the selected cells (paste into Excel)",
               When.ALWAYS, table_shortcut=True),
    ActionSpec("paste", "&Paste", PAGE + "paste", (Key.Paste,), "paste",
               "Paste cells copied from Excel; rows past the end are added", When.ON_TABLE, table_shortcut=True),
    ActionSpec("clear", "C&lear Cells", PAGE + "clear_selected", (Key.Delete,), "", "Empty the selected cells",
               When.ON_TABLE, table_shortcut=True),
    ActionSpec("add_row", "&Add Row", PAGE + "add_row", ("Ctrl++", "Ctrl+="), "add-row",
               "Add a row to the current table", When.ON_TABLE, table_shortcut=True),
    ActionSpec("remove_rows", "&Remove Rows", PAGE + "remove_selected", ("Ctrl+-",), "remove-row",
               "Remove the selected rows", When.ON_TABLE, table_shortcut=True),
    ActionSpec("find", "&Filter…", "focus_filter", (Key.Find,), "filter", "Filter the current table", When.ON_TABLE),
    ActionSpec("compare", "Compare with &Date…", "controls.compare_with_other_date", ("Ctrl+Shift+D",), "compare",
               "Score the project on another date and show what changes"),
    ActionSpec("history", "&History…", "history.show", ("Ctrl+H",), "",
               "What was changed in the project, by whom and when, with each value before and after"),
    ActionSpec("part_history", "History of This &Part…", "history.show_part", (), "",
               "What was changed in the part selected in Parts or Exposure, by whom and when"),
    ActionSpec("declarations", "&Declarations…", "declarations.show_status", (), "",
               "Where the declaration requests stand (as riskdesk requests says) and what each answer changed"),
    ActionSpec("today", "As of &Today", "as_of_today", ("Ctrl+T",), "calendar", "Score the project as of today"),
    ActionSpec("preferences", "Pre&ferences…", "show_preferences", ("Ctrl+,",), "",
               "Autosave timing and the largest spreadsheet an import reads"),
    ActionSpec("about", "&About RiskDesk", "show_about", (), "", "Version and data sources", When.ALWAYS),
    ActionSpec("log", "Show &Log File", "show_log_path", (), "", "Where RiskDesk writes its log", When.ALWAYS),
    ActionSpec("guide", "&User Guide", "show_user_guide", (Key.HelpContents,), "",
               "How to use RiskDesk, how the scores work, scenarios and importing", When.ALWAYS),
)
"""Every action of the main window but the tabs' (`tab_actions`), in the order they are made."""

SEPARATOR = "-"
RECENT = "recent"
"""The File menu's "Open Recent" submenu (the window fills it from the session's recent projects)."""
TABS = "tabs"
"""One action per tab (`tab_actions`)."""

MENUS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("&File", ("new", "open", "open_workspace", RECENT, "demo", SEPARATOR, "save", "save_as", SEPARATOR, "import",
               "template", "request_declarations", SEPARATOR, "report", SEPARATOR, "quit")),
    ("&Edit", ("undo", "redo", SEPARATOR, "cut", "copy", "paste", "clear", SEPARATOR, "add_row", "remove_rows",
               "find", SEPARATOR, "preferences")),
    ("&View", (TABS, SEPARATOR, "history", "part_history", "declarations")),
    ("&Scoring", ("today", "compare")),
    ("&Help", ("guide", "log", "about")),
)
TOOLBAR: tuple[str, ...] = ("new", "open", "save", SEPARATOR, "undo", "redo", SEPARATOR, "import", SEPARATOR)
"""The toolbar's actions; the as-of date and the Compare button follow them (riskdesk.ui.main_window)."""
TABLE_MENU: tuple[str, ...] = ("cut", "copy", "paste", "clear", "add_row", "remove_rows", "undo", "redo")
"""Each project table's context menu ("Export table…" follows, riskdesk.ui.table_export_action)."""


def tab_actions(titles: Sequence[str], last: Sequence[str] = ()) -> tuple[ActionSpec, ...]:
    """View ▸ one action per tab, in tab order, with Ctrl+1 … numbered in tab order except for the tabs in `last`,
    numbered after all the others (a tab added later keeps every earlier tab's number)."""
    numbered = [t for t in titles if t not in last] + [t for t in titles if t in last]
    return tuple(ActionSpec(f"tab {position}", title, "tabs.setCurrentIndex", (f"Ctrl+{numbered.index(title) + 1}",),
                            "", f"Show {title}", When.ALWAYS, args=(position,))
                 for position, title in enumerate(titles))


def build_actions(window: QWidget, undo_group: QUndoGroup, current_page: Callable[[], TablePage | None],
                  table_views: Sequence[QWidget], specs: Sequence[ActionSpec]) -> dict[str, QAction]:
    """The actions of `specs`, by key, added to `window`, and to the context menu of the project tables'
    `table_views` as TABLE_MENU says; each calls the window's method it names, on the page `current_page()`
    returns for PAGE slots."""
    actions: dict[str, QAction] = {}
    for spec in specs:
        if spec.slot in (UNDO, REDO):
            make = undo_group.createUndoAction if spec.slot == UNDO else undo_group.createRedoAction
            action = make(window, spec.text)
        else:
            action = QAction(spec.text, window)
            action.triggered.connect(_slot(window, spec, current_page))
        if spec.icon:
            action.setIcon(icon(spec.icon))
        if spec.icon_text:
            action.setIconText(spec.icon_text)
        if spec.shortcuts:
            keys: list[QKeySequence] = []
            for shortcut in spec.shortcuts:
                if QKeySequence(shortcut) not in keys:  # a platform's standard key may be one of the others
                    keys.append(QKeySequence(shortcut))
            action.setShortcuts(keys)
        if spec.tip:
            action.setToolTip(spec.tip)
            action.setStatusTip(spec.tip)
        if spec.table_shortcut:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        window.addAction(action)
        actions[spec.key] = action
    for view in table_views:
        view.addActions([actions[key] for key in TABLE_MENU if key in actions])
    for key, changed in (("undo", undo_group.undoTextChanged), ("redo", undo_group.redoTextChanged)):
        if key in actions:
            changed.connect(functools.partial(_name_step, actions[key], key.capitalize()))
    return actions


def _name_step(action: QAction, verb: str, step: str) -> None:
    """Undo's and Redo's tooltip says which step ("Undo Change import country")."""
    action.setToolTip(f"{verb} {step}" if step else f"Nothing to {verb.lower()}")


def _slot(window: QWidget, spec: ActionSpec, current_page: Callable[[], TablePage | None]) -> Callable[[bool], None]:
    if spec.slot.startswith(PAGE):
        name = spec.slot.removeprefix(PAGE)

        def on_page(_checked: bool = False) -> None:
            page = current_page()
            if page is not None:
                getattr(page, name)()

        return on_page

    def call(_checked: bool = False) -> None:
        slot_of(window, spec)(*spec.args)

    return call


def slot_of(window: object, spec: ActionSpec) -> Callable[..., object]:
    """What an action calls on `window` (looked up when triggered: a part such as the scoring controls may be built
    after the actions). tests/ui/test_main_window.py checks that every slot of the table exists."""
    target = window
    for name in spec.slot.split("."):
        target = getattr(target, name)
    assert callable(target), spec.slot
    return target


def fill_recent_menu(menu: QMenu, recent: Sequence[str],
                     open_project: Callable[[Path | str], object]) -> None:
    """File ▸ Open Recent: the recent projects and workspaces, newest first, numbered for the keyboard (off when there
    are none)."""
    menu.clear()
    for number, name in enumerate(recent, start=1):
        location: Path | str = name if is_database_location(name) else Path(name)
        shown = name.rsplit("workspace=", 1)[-1].split("&")[0] + " (workspace)" if isinstance(location, str) \
            else Path(name).name
        action = menu.addAction(f"&{number % 10} {shown}")
        action.setToolTip(name)
        action.setStatusTip(name)
        action.triggered.connect(lambda _checked=False, p=location: open_project(p))
    menu.setEnabled(bool(recent))


def refresh_icons(actions: dict[str, QAction], specs: Sequence[ActionSpec]) -> None:
    """Draw the actions' icons again (the palette changed: icons follow light and dark)."""
    for spec in specs:
        if spec.icon and spec.key in actions:
            actions[spec.key].setIcon(icon(spec.icon))


def build_menus(bar: QMenuBar, actions: dict[str, QAction]) -> QMenu:
    """The menus as `MENUS` lays them out; returns the (empty) Open Recent submenu."""
    recent: QMenu | None = None
    for title, keys in MENUS:
        menu = bar.addMenu(title)
        for key in keys:
            if key == SEPARATOR:
                menu.addSeparator()
            elif key == RECENT:
                recent = menu.addMenu("Open &Recent")
            elif key == TABS:
                menu.addActions([action for name, action in actions.items() if name.startswith("tab ")])
            else:
                menu.addAction(actions[key])
    assert recent is not None, "MENUS has no Open Recent"
    return recent


def build_toolbar(toolbar: QToolBar, actions: dict[str, QAction]) -> None:
    """The toolbar's actions as `TOOLBAR` lays them out."""
    for key in TOOLBAR:
        if key == SEPARATOR:
            toolbar.addSeparator()
        else:
            toolbar.addAction(actions[key])
