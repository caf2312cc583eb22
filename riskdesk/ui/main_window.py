"""The main window: the project's tables, its scores and rules, the as-of date, files, import and undo.

Layout: tabs for Parts, Suppliers, Supply paths (editable tables), Exposure, Rules and Settings; a toolbar with
file actions, undo/redo, import, the as-of date (changing it re-scores at once) and "Compare with date…"; a status
bar with the portfolio score. Everything the user is asked (file names, unsaved changes, recovery) goes through
a `Dialogs` object that tests replace with scripted answers.

The window can open before the data layer (numpy, pandas, scoring) has loaded: `MainWindow(None, …)` builds the
frame, `show_preview()` shows the project's rows read-only, and `attach(document)` makes it live once the
document exists (`riskdesk.ui.app` does this at start-up). This module therefore imports neither the document
nor the DataFrame models at its top.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.labels import BAND_COLORS, count
from riskdesk.io.store import ProjectRows
from riskdesk.io.store.rdproj import SUFFIX
from riskdesk.io.userdirs import UserDirs
from riskdesk.ui import clipboard
from riskdesk.ui.analysis import ANALYSIS_TABS, AnalysisView, ViewContext
from riskdesk.ui.columns import TableName
from riskdesk.ui.date_field import DateField
from riskdesk.ui.dialogs import IMPORT_SUFFIXES, Dialogs
from riskdesk.ui.icons import icon
from riskdesk.ui.messages import ERROR, INFO, WARNING, MessageArea
from riskdesk.ui.start_page import StartPage
from riskdesk.ui.table_page import TablePage
from riskdesk.ui.workers import Runner

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.core.project import ProjectSettings
    from riskdesk.core.quality import QualityCheck
    from riskdesk.core.rules import StatusChange
    from riskdesk.ui.autosave import Autosaver, AutosaveSession, RecoveryInfo
    from riskdesk.ui.document import Document
    from riskdesk.ui.exposure_view import ExposureView
    from riskdesk.ui.scoring import Scoring
    from riskdesk.ui.settings_view import SettingsView

log = logging.getLogger(__name__)

COMPARE_CHOICES = 4
"""How many of the next days on which a rule changes status the Compare menu offers."""


class _ViewSlot(QWidget):
    """A tab's place for a view that is built once the data layer has loaded; says "Loading…" until then."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.placeholder = QLabel("Loading…")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)
        self._layout.addWidget(self.placeholder)

    def set_view(self, view: QWidget) -> None:
        self._layout.removeWidget(self.placeholder)
        self.placeholder.hide()
        self.placeholder.deleteLater()
        self._layout.addWidget(view)


class MainWindow(QMainWindow):
    """RiskDesk's one window (see the module docstring)."""

    def __init__(self, document: Document | None, runner: Runner, dialogs: Dialogs | None = None,
                 dirs: UserDirs | None = None, as_of: dt.date | None = None, parent: QWidget | None = None,
                 preview: ProjectRows | None = None, preview_title: str = "",
                 autosave: AutosaveSession | None = None, start_page: bool = False) -> None:
        """A window on `document`, or, with None, a window that shows `preview` (if any) read-only and waits
        for `attach(document)`. With an `autosave` session, edits are autosaved into it and recovery can be
        offered from it. With `start_page`, the start page shows while the project is new and empty."""
        super().__init__(parent)
        self.document: Document | None = None
        self.runner = runner
        self.dirs = dirs
        self.dialogs = dialogs or Dialogs(self)
        self._as_of = as_of or dt.date.today()
        self.scoring: Scoring | None = None
        self.autosave: AutosaveSession | None = None
        self.autosaver: Autosaver | None = None
        self.views: dict[str, AnalysisView] = {}
        """The analysis tabs' views by `AnalysisTab.name`, once a document is attached."""
        self.undo_group = QUndoGroup(self)
        self.import_dialog: Any = None
        self.compare_dialog: Any = None
        self.user_guide: Any = None
        self.report_dialog: Any = None
        self._closing_after_save = False
        self._start_wanted = start_page
        """Show the start page while the project is new and empty (until the user chooses what to do)."""
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.setDocumentMode(True)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setAccessibleName("Views")
        self.tabs.setDocumentMode(True)
        self.pages: dict[TableName, TablePage] = {}
        for table in (TableName.PARTS, TableName.SUPPLIERS, TableName.PATHS):
            page = TablePage(table)
            self.pages[table] = page
            self.tabs.addTab(page, icon(table.value), table.title)
            self.tabs.setTabToolTip(self.tabs.count() - 1, TABLE_HELP[table])
        self._slots: dict[str, _ViewSlot] = {}
        for tab in ANALYSIS_TABS:
            slot = _ViewSlot()
            self._slots[tab.name] = slot
            self.tabs.addTab(slot, icon(tab.icon), tab.title)
            self.tabs.setTabToolTip(self.tabs.count() - 1, tab.help)
        self.messages = MessageArea()
        self._build_actions()
        self.start_page: StartPage | None = None
        """Built when first shown (most starts open a project and never show it)."""
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.stack, 1)
        central_layout.addWidget(self.messages)
        self.setCentralWidget(central)
        if start_page and preview is None:
            self.stack.setCurrentWidget(self._ensure_start_page())
            for button in self._ensure_start_page().buttons.values():
                button.setEnabled(False)  # until the project has loaded

        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.tabs.currentChanged.connect(lambda _i: self._update_actions())

        self.resize(1280, 820)
        self._restore_geometry()
        self.setWindowTitle("RiskDesk")
        if preview is not None:
            self.show_preview(preview, preview_title)
        if document is not None:
            self.attach(document, autosave)
        else:
            self._set_loading(True)

    @property
    def loading(self) -> bool:
        """True until a document is attached: the tables are read-only and document actions are off."""
        return self.document is None

    @property
    def _live(self) -> Document:
        """The attached document, for what only runs once there is one (its actions are off while loading)."""
        assert self.document is not None, "the project is still loading"
        return self.document

    def show_preview(self, rows: ProjectRows, title: str = "") -> None:
        """Show a project's rows read-only while its document is being loaded."""
        for table, page in self.pages.items():
            page.show_rows(rows.tables.get(table.value, []))
        self.setWindowTitle(f"{title or rows.name or 'Untitled project'} — RiskDesk")

    def attach(self, document: Document, autosave: AutosaveSession | None = None) -> None:
        """Make the window live on `document`: editable tables, scores, rules and settings; edits are autosaved
        into `autosave` (this process's slot) if given. Called once."""
        from riskdesk.ui.autosave import Autosaver
        from riskdesk.ui.scoring import Scoring

        if self.document is not None:
            raise RuntimeError("the window already shows a document")
        self.document = document
        self.scoring = Scoring(document, self._as_of, self)
        self.autosave = autosave
        if autosave is not None:
            settings = document.app_settings
            self.autosaver = Autosaver(document, autosave, settings.autosave_seconds, settings.autosave_delay_seconds,
                                       self)
        from riskdesk.ui.table_export_action import add_export_action

        for page in self.pages.values():
            page.attach(document)
            add_export_action(page.view, page.table.title, self.dialogs, folder=lambda: Path(self._start_dir()),
                              runner=self.runner)
        context = ViewContext(document, self.scoring, self.dialogs, self.go_to)
        for tab in ANALYSIS_TABS:
            view = tab.make_view(context)
            view.set_as_of(self._as_of)
            self.views[tab.name] = view
            self._slots[tab.name].set_view(view)
        self.undo_group.addStack(document.undo_stack)
        self.undo_group.setActiveStack(document.undo_stack)

        document.dirty_changed.connect(lambda _dirty: self._update_title())
        document.path_changed.connect(lambda _path: self._update_title())
        document.project_replaced.connect(self._on_project_replaced)
        document.settings_changed.connect(self._on_settings_changed)
        document.refused.connect(self.show_refusal)
        document.noticed.connect(self.show_notice)
        document.recent_changed.connect(self._rebuild_recent_menu)
        document.tables_changed.connect(lambda _tables: self._update_start_page())
        self.scoring.evaluated.connect(self._on_evaluated)
        self.scoring.failed.connect(lambda message: self.messages.post("scoring", ERROR, f"Scoring failed: {message}"))
        self.scoring.quality_changed.connect(self._on_quality)
        document.undo_stack.indexChanged.connect(self._on_edited)
        self.scoring.busy_changed.connect(self._on_scoring_busy)

        self._set_loading(False)
        self._rebuild_recent_menu()
        self._on_project_replaced()
        self.scoring.refresh()

    def _set_loading(self, loading: bool) -> None:
        for action in self._document_actions:
            action.setEnabled(not loading)
        self.as_of_edit.setEnabled(not loading)
        self.compare_button.setEnabled(not loading)
        self.busy_bar.setVisible(loading)
        if loading:
            self.score_label.setText("Loading the project…")
        else:
            self.score_label.setText("Not scored yet")
            self._update_actions()

    @property
    def exposure_view(self) -> ExposureView:
        from riskdesk.ui.exposure_view import ExposureView

        view = self.views["exposure"]
        assert isinstance(view, ExposureView)
        return view

    @property
    def settings_view(self) -> SettingsView:
        from riskdesk.ui.settings_view import SettingsView

        view = self.views["settings"]
        assert isinstance(view, SettingsView)
        return view

    # ---- construction -----------------------------------------------------------------------------------------

    def _action(self, text: str, slot: Callable[[], object], shortcut: Any = None, icon_name: str = "",
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.new_action = self._action("&New", self.new_project, key.New, "new", "Start a new, empty project")
        self.open_action = self._action("&Open…", self.open_project, key.Open, "open", "Open a project file")
        self.save_action = self._action("&Save", self.save_project, key.Save, "save", "Save the project")
        self.save_as_action = self._action("Save &As…", self.save_project_as, key.SaveAs, "",
                                           "Save the project under another name")
        self.import_action = self._action(
            "&Import Spreadsheets…", self.import_files, "Ctrl+I", "import",
            "Import parts, suppliers and supply paths from xlsx, xls, ods or csv files (or drop files on the window)")
        self.report_action = self._action(
            "&Export Report…", self.export_report, "Ctrl+E", "save",
            "Write the Excel risk report: summary, parts, findings, exposure, scenarios, inputs and method")
        self.template_action = self._action(
            "Save Blank Import &Template…", self.save_template, None, "",
            "Save the blank import template (every column RiskDesk reads, with instructions) to send to suppliers")
        self.demo_action = self._action("Open &Demo Project", self.open_demo, None, "",
                                        "Open the bundled demo project (a US buyer's magnet portfolio)")
        self.quit_action = self._action("&Quit", self.close, key.Quit, "", "Close RiskDesk")
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence(key.Undo)])
        self.undo_action.setIcon(icon("undo"))
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        redo_keys = [QKeySequence("Ctrl+Shift+Z")]
        if QKeySequence(key.Redo) not in redo_keys:
            redo_keys.append(QKeySequence(key.Redo))
        self.redo_action.setShortcuts(redo_keys)
        self.redo_action.setIcon(icon("redo"))
        # The toolbar says just "Undo" and "Redo" (a long step name would push the toolbar about); the menu and
        # the tooltip say what will be undone.
        for action, word in ((self.undo_action, "Undo"), (self.redo_action, "Redo")):
            action.setIconText(word)
        self.undo_group.undoTextChanged.connect(
            lambda text: self.undo_action.setToolTip(f"Undo {text}" if text else "Nothing to undo"))
        self.undo_group.redoTextChanged.connect(
            lambda text: self.redo_action.setToolTip(f"Redo {text}" if text else "Nothing to redo"))
        for action in (self.undo_action, self.redo_action):
            self.addAction(action)
        self.cut_action = self._action("Cu&t", self._on_page(TablePage.cut), key.Cut, "",
                                       "Copy the selected cells and empty them")
        self.copy_action = self._action("&Copy", self._copy, key.Copy, "copy",
                                        "Copy the selected cells (paste into Excel)")
        self.paste_action = self._action("&Paste", self._on_page(TablePage.paste), key.Paste, "paste",
                                         "Paste cells copied from Excel; rows past the end are added")
        self.clear_action = self._action("C&lear Cells", self._on_page(TablePage.clear_selected), key.Delete, "",
                                         "Empty the selected cells")
        self.add_row_action = self._action("&Add Row", self._on_page(TablePage.add_row), ["Ctrl++", "Ctrl+="],
                                           "add-row", "Add a row to the current table")
        self.remove_rows_action = self._action("&Remove Rows", self._on_page(TablePage.remove_selected),
                                               "Ctrl+-", "remove-row", "Remove the selected rows")
        self.find_action = self._action("&Filter…", self._focus_filter, key.Find, "filter",
                                        "Filter the current table")
        self.compare_action = self._action("Compare with &Date…", self.compare_with_other_date, "Ctrl+Shift+D",
                                           "compare", "Score the project on another date and show what changes")
        self.today_action = self._action("As of &Today", lambda: self.set_as_of(dt.date.today()), "Ctrl+T",
                                         "calendar", "Score the project as of today")
        self.tab_actions = []
        for position in range(self.tabs.count()):
            action = self._action(self.tabs.tabText(position), functools.partial(self.tabs.setCurrentIndex, position),
                                  f"Ctrl+{position + 1}", "", f"Show {self.tabs.tabText(position)}")
            self.tab_actions.append(action)
        self.preferences_action = self._action("Pre&ferences…", self.show_preferences,
                                               "Ctrl+,", "",
                                               "Autosave timing and the largest spreadsheet an import reads")
        self.about_action = self._action("&About RiskDesk", self.show_about, None, "", "Version and data sources")
        self.log_action = self._action("Show &Log File", self.show_log_path, None, "", "Where RiskDesk writes its log")
        self.guide_action = self._action("&User Guide", self.show_user_guide, QKeySequence.StandardKey.HelpContents,
                                         "", "How to use RiskDesk, how the scores work, scenarios and importing")
        for action in (self.cut_action, self.copy_action, self.paste_action, self.clear_action, self.add_row_action,
                       self.remove_rows_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for page in self.pages.values():
            for action in (self.cut_action, self.copy_action, self.paste_action, self.clear_action,
                           self.add_row_action, self.remove_rows_action, self.undo_action, self.redo_action):
                page.view.addAction(action)
        self._document_actions = [
            self.new_action, self.open_action, self.save_action, self.save_as_action, self.import_action,
            self.demo_action, self.cut_action, self.paste_action, self.clear_action, self.add_row_action,
            self.remove_rows_action, self.find_action, self.compare_action, self.today_action, self.report_action,
            self.preferences_action]
        """Actions that need the project's document; off while it loads."""

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.new_action, self.open_action])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._rebuild_recent_menu)
        file_menu.addActions([self.demo_action])
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addActions([self.import_action, self.template_action])
        file_menu.addSeparator()
        file_menu.addAction(self.report_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.cut_action, self.copy_action, self.paste_action, self.clear_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.add_row_action, self.remove_rows_action, self.find_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.preferences_action)
        view_menu = bar.addMenu("&View")
        view_menu.addActions(self.tab_actions)
        score_menu = bar.addMenu("&Scoring")
        score_menu.addActions([self.today_action, self.compare_action])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.guide_action, self.log_action, self.about_action])
        self._rebuild_recent_menu()

    def _build_toolbar(self) -> None:
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.new_action, self.open_action, self.save_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        toolbar.addSeparator()
        toolbar.addAction(self.import_action)
        self.import_action.setIconText("Import")
        toolbar.addSeparator()
        as_of_label = QLabel(" As of ")
        self.as_of_edit = DateField(self._as_of)
        self.as_of_edit.setObjectName("asOfDate")
        self.as_of_edit.setAccessibleName("As-of date")
        self.as_of_edit.setToolTip("Rules and scores as of this date: change it to see what applies on another "
                                   "day (re-scores at once). Ctrl+T goes back to today.")
        as_of_label.setBuddy(self.as_of_edit)
        self.as_of_edit.date_changed.connect(self._on_as_of_changed)
        toolbar.addWidget(as_of_label)
        toolbar.addWidget(self.as_of_edit)
        self.compare_button = QToolButton()
        self.compare_button.setDefaultAction(self.compare_action)
        self.compare_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.compare_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.compare_button.setAccessibleName("Compare with another date")
        self.compare_menu = QMenu(self.compare_button)
        self.compare_menu.aboutToShow.connect(self._fill_compare_menu)
        self.compare_button.setMenu(self.compare_menu)
        toolbar.addWidget(self.compare_button)
        self.toolbar = toolbar

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setAccessibleName("Working")
        self.busy_bar.setToolTip("Scoring the project in the background")
        self.busy_bar.hide()
        self.score_label = QLabel("Not scored yet")
        self.score_label.setObjectName("portfolioStatus")
        self.score_label.setAccessibleName("Portfolio score")
        self.score_label.setTextFormat(Qt.TextFormat.RichText)
        self.quality_button = QToolButton()
        self.quality_button.setObjectName("qualityStatus")
        self.quality_button.setAutoRaise(True)
        self.quality_button.setToolTip("What makes the scores less sure than they could be: show the Data quality tab")
        self.quality_button.clicked.connect(lambda: self.tabs.setCurrentWidget(self._slots["quality"]))
        self.quality_button.hide()
        status.addPermanentWidget(self.quality_button)
        status.addPermanentWidget(self.busy_bar)
        status.addPermanentWidget(self.score_label)

    # ---- state --------------------------------------------------------------------------------------------------

    def _update_title(self) -> None:
        if self.document is None:
            return
        read_only = " (read-only)" if self.document.read_only else ""
        self.setWindowTitle(f"{self.document.display_name}{read_only}[*] — RiskDesk")
        self.setWindowModified(self.document.is_dirty)

    def _ensure_start_page(self) -> StartPage:
        if self.start_page is None:
            self.start_page = StartPage([
                ("Open the demo project", "A US buyer's motor and sensor magnets: 15 parts, their suppliers and "
                 "supply paths, scored as of today. The quickest way to see what RiskDesk shows.", "open",
                 self.open_demo),
                ("Import spreadsheets…", "Your BOM or your suppliers' declarations as they are (xlsx, xls, ods, csv): "
                 "RiskDesk maps the columns and shows a preview before anything changes.", "import",
                 self.import_files),
                ("Start an empty project", "Type or paste parts, suppliers and supply paths into the tables.", "new",
                 self.start_empty),
                ("Save the blank import template…", "The template with every column RiskDesk reads and "
                 "instructions, to send to suppliers.", "save", self.save_template),
                ("Open a project…", "A RiskDesk project file (.rdproj).", "open", lambda: self.open_project()),
            ], lambda path: self.open_project(path))
            self.stack.addWidget(self.start_page)
        return self.start_page

    @property
    def showing_start_page(self) -> bool:
        return self.start_page is not None and self.stack.currentWidget() is self.start_page

    def _update_start_page(self) -> None:
        """The start page while the project is new and empty and the user has not chosen what to do yet."""
        document = self.document
        tables = document.project.tables if document is not None else None
        empty = (document is not None and document.path is None and tables is not None and len(tables.parts) == 0
                 and len(tables.suppliers) == 0 and len(tables.paths) == 0)
        if empty and self._start_wanted:
            page = self._ensure_start_page()
            page.set_recent(document.app_settings.recent_files if document is not None else [])
            for button in page.buttons.values():
                button.setEnabled(True)
            self.stack.setCurrentWidget(page)
        else:
            if not empty:
                self._start_wanted = False  # once there is a project, File ▸ New means an empty grid
            self.stack.setCurrentWidget(self.tabs)
        self._update_actions()

    def go_to(self, table: TableName, frame_row: int, key: str) -> None:
        """Show a cell of a project table: its tab, its row (clearing a filter that hides it) and its column."""
        if self.document is None:
            return
        page = self.pages[table]
        self._start_wanted = False
        self.stack.setCurrentWidget(self.tabs)
        self.tabs.setCurrentWidget(page)
        model = page.table_model
        if model.view_row(frame_row) is None:
            page.filter_edit.clear()
        row = model.view_row(frame_row)
        if row is None:
            return
        index = model.index(row, model.column_index(key))
        page.view.setCurrentIndex(index)
        page.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        page.view.setFocus()

    def start_empty(self) -> None:
        """Start page: an empty project for the buyer the New dialog describes, on the Parts table."""
        from riskdesk.ui.new_project_dialog import new_project_created

        self._start_wanted = False
        if not new_project_created(self.dialogs, self._live.new):
            self._start_wanted = True
            return
        self._update_start_page()
        self.tabs.setCurrentWidget(self.pages[TableName.PARTS])
        self.pages[TableName.PARTS].view.setFocus()

    def _on_project_replaced(self) -> None:
        self._update_start_page()
        self._update_title()
        for page in self.pages.values():
            page.filter_edit.clear()
            page.refit()
        self._on_settings_changed(self._live.project.settings)
        self._update_actions()

    def _on_settings_changed(self, settings: ProjectSettings) -> None:
        for view in self.views.values():
            view.set_settings(settings)
        self._update_title()

    def _update_actions(self) -> None:
        if self.document is None:
            return
        on_table = isinstance(self.tabs.currentWidget(), TablePage) and not self.showing_start_page
        for action in (self.cut_action, self.paste_action, self.clear_action, self.add_row_action,
                       self.remove_rows_action, self.find_action):
            action.setEnabled(on_table)

    def _on_page(self, act: Callable[[TablePage], object]) -> Callable[[], None]:
        """An action's slot that does `act` on the current table page (the action is off on other tabs)."""

        def slot() -> None:
            page = self.tabs.currentWidget()
            if isinstance(page, TablePage):
                act(page)

        return slot

    def _copy(self) -> None:
        """Copy the selected cells of a project table, or the shown text of any other table with the focus."""
        page = self.tabs.currentWidget()
        if isinstance(page, TablePage):
            page.copy()
            return
        focus = self.focusWidget()
        if isinstance(focus, QTableView):
            clipboard.copy_shown(focus)

    def _focus_filter(self) -> None:
        page = self.tabs.currentWidget()
        if isinstance(page, TablePage):
            page.filter_edit.setFocus()
            page.filter_edit.selectAll()

    def show_refusal(self, message: str) -> None:
        """An edit was refused: say why until the next edit succeeds (or the user dismisses it)."""
        self.messages.post("edit", WARNING, message)

    def show_notice(self, message: str) -> None:
        """An edit was made but is worth a word (e.g. a part's shares now add up to less than 100 %)."""
        self.messages.post("notice", INFO, message)

    def _on_edited(self, _index: int) -> None:
        """An edit, undo or redo went through: what a refused edit said no longer holds."""
        for key in ("edit", "notice"):
            self.messages.clear(key)

    # ---- scoring ----------------------------------------------------------------------------------------------

    @property
    def as_of(self) -> dt.date:
        return self._as_of

    def set_as_of(self, day: dt.date) -> None:
        self.as_of_edit.set_date(day)

    def _on_as_of_changed(self, day: dt.date) -> None:
        self._as_of = day
        if self.scoring is None:
            return
        for view in self.views.values():
            view.set_as_of(day)
        self.scoring.set_as_of(day)

    def _on_evaluated(self, evaluation: Evaluation) -> None:
        from riskdesk.core.evaluation import band

        self.messages.clear("scoring")
        for view in self.views.values():
            view.set_evaluation(evaluation)
        if evaluation.compiled.n_parts == 0:
            self.score_label.setText("No parts yet: import a spreadsheet or type parts into the Parts table")
            self.score_label.setToolTip("The portfolio score appears once the project has parts")
            return
        score, reason = evaluation.portfolio_score()
        name = band(score)
        hits = int(evaluation.capped.sum())
        self.score_label.setText(
            f"Portfolio <b style='color:{BAND_COLORS[name]}'>● {score:.0f}</b> ({name}) "
            f"as of {evaluation.as_of.isoformat()}" + (f" · {count(hits, 'part')} prohibited" if hits else ""))
        self.score_label.setToolTip(f"Portfolio score {score:.1f}: {reason}.\nRules version "
                                    f"{evaluation.rules_version}. See the Exposure tab for each part's reasons.")

    def _on_quality(self, checks: list[QualityCheck]) -> None:
        from riskdesk.ui.quality_view import summary

        text = summary(checks)
        self.quality_button.setText(f"⚠ {text}" if text else "")
        self.quality_button.setVisible(bool(text))

    def _on_scoring_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)

    def next_status_changes(self) -> list[StatusChange]:
        """The next days after the as-of date on which a rule changes status (what the Compare menu offers)."""
        from riskdesk.core.rules import default_control_list

        evaluation = self.scoring.evaluation if self.scoring is not None else None
        control_list = evaluation.reference.control_list if evaluation is not None else default_control_list()
        return control_list.status_changes(self._as_of, COMPARE_CHOICES)

    def _fill_compare_menu(self) -> None:
        self.compare_menu.clear()
        changes = self.next_status_changes()
        for change in changes:
            action = self.compare_menu.addAction(change.describe())
            action.triggered.connect(lambda _checked=False, d=change.day: self.compare_with(d))
        if not changes:
            self.compare_menu.addAction(f"No rule changes status after {self._as_of.isoformat()}").setEnabled(False)
        self.compare_menu.addSeparator()
        other = self.compare_menu.addAction("Other date…")
        other.triggered.connect(lambda _checked=False: self.compare_with_other_date())

    def compare_with_other_date(self) -> None:
        changes = self.next_status_changes()
        day = self.dialogs.ask_date(changes[0].day if changes else self._as_of)
        if day is not None:
            self.compare_with(day)

    def compare_with(self, day: dt.date) -> None:
        """Score the project on `day` and show what changes between it and the as-of date, the earlier first."""
        current = self.scoring.evaluation if self.scoring is not None else None
        if self.scoring is None or current is None:
            self.dialogs.error("Not scored yet", "Wait until the project is scored, then compare again")
            return
        if day == current.as_of:
            self.dialogs.error("Same date", f"The project is already scored as of {day.isoformat()}: choose another "
                                            "date to compare with")
            return

        def show(other: Evaluation) -> None:
            before, after = (other, current) if other.as_of < current.as_of else (current, other)
            self._show_compare(before, after)

        self.statusBar().showMessage(f"Scoring as of {day.isoformat()}…", 2_000)
        self.scoring.evaluate_on(day, show, lambda message: self.dialogs.error("Cannot compare", message))

    def _show_compare(self, before: Evaluation, after: Evaluation) -> None:
        from riskdesk.ui.compare_dialog import CompareDialog

        if self.compare_dialog is not None:
            self.compare_dialog.close()
        from riskdesk.ui.table_export_action import add_export_action

        dialog = CompareDialog(before, after, self)
        add_export_action(dialog.table, "Compare", self.dialogs, folder=lambda: Path(self._start_dir()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "compare_dialog", None))
        self.compare_dialog = dialog
        dialog.open()

    # ---- files ------------------------------------------------------------------------------------------------

    def _start_dir(self) -> str:
        document = self._live
        if document.path is not None:
            return str(document.path.parent)
        recent = document.app_settings.recent_files
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def maybe_save(self, then: Callable[[], None]) -> None:
        """Run `then` once unsaved changes are saved or discarded; not at all if the user cancels (or while
        the project is still loading)."""
        if self.document is None:
            return
        if not self.document.is_dirty:
            then()
            return
        answer = self.dialogs.ask_unsaved(self.document.display_name)
        if answer == Dialogs.DISCARD:
            then()
        elif answer == Dialogs.SAVE:
            self.save_project(then)

    def new_project(self) -> None:
        from riskdesk.ui.new_project_dialog import create_new_project  # loads the data layer: not at start-up

        self.maybe_save(lambda: create_new_project(self.dialogs, self._live.new))

    def open_demo(self) -> None:
        from riskdesk.core.demo import demo_project

        self.maybe_save(lambda: self._live.new(demo_project()))

    def open_project(self, path: Path | None = None, then: Callable[[], None] | None = None) -> None:
        """Open a project (asking for it when not given), after offering to save the current one; `then` runs
        once it is open."""
        target = path or self.dialogs.open_path(self._start_dir())
        if target is None:
            return
        if target.suffix.lower() in IMPORT_SUFFIXES:
            # A spreadsheet is not a project: import it into the open project (the import dialog says what
            # it will add, and nothing changes until the user applies it).
            self.show_notice(f"{target.name} is a spreadsheet, not a project: it is imported into this project")
            self.import_files([target])
            return
        self.maybe_save(lambda: self.open_path(target, then))

    def open_path(self, path: Path, then: Callable[[], None] | None = None, read_only: bool = False) -> None:
        """Open a project file (off the GUI thread for big files); errors are shown, nothing else changes. A
        project another RiskDesk has open is offered read-only."""
        self.statusBar().showMessage(f"Opening {path}…")
        self.busy_bar.show()

        def done(error: str | None) -> None:
            self.busy_bar.hide()
            if error:
                self.statusBar().clearMessage()
                self.dialogs.error("Cannot open project", error)
            else:
                self.statusBar().showMessage(f"Opened {path}" + (" read-only" if read_only else ""), 5_000)
                if self._live.lock_notice:
                    self.show_notice(self._live.lock_notice)
                self._update_title()
                if then is not None:
                    then()

        def locked(exc: Exception) -> None:
            self.busy_bar.hide()
            self.statusBar().clearMessage()
            if self.dialogs.ask_open_read_only(str(exc)):
                self.open_path(path, then, read_only=True)

        self._live.open_async(path, done, read_only=read_only, on_locked=locked)

    def save_project(self, then: Callable[[], None] | None = None) -> None:
        if self.document is None:
            return
        if self.document.path is None or self.document.read_only:
            self.save_project_as(then)
            return
        self._save(self.document.path, then)

    def save_project_as(self, then: Callable[[], None] | None = None) -> None:
        document = self._live
        suggested = document.path or Path(self._start_dir()) / (
            _safe_name(document.project.settings.name) + SUFFIX)
        target = self.dialogs.save_path(str(suggested))
        if target is not None:
            self._save(target, then)

    def _save(self, path: Path, then: Callable[[], None] | None, overwrite: bool = False) -> None:
        self.statusBar().showMessage(f"Saving {path}…")

        def done(error: str | None) -> None:
            if error:
                self.statusBar().clearMessage()
                self.dialogs.error("Cannot save project", error)
                return
            self.statusBar().showMessage(f"Saved {self._live.path}", 5_000)
            self._update_title()
            if then is not None:
                then()

        def changed(message: str) -> None:
            """Another program saved the file since it was opened here: never overwrite it without asking."""
            self.statusBar().clearMessage()
            answer = self.dialogs.ask_changed(self._live.display_name, message)
            if answer == Dialogs.RELOAD:
                self.open_path(path, then)
            elif answer == Dialogs.SAVE_AS:
                self.save_project_as(then)
            elif answer == Dialogs.OVERWRITE:
                self._save(path, then, overwrite=True)

        self._live.save(path, done, on_changed=changed, overwrite=overwrite)

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.document.app_settings.recent_files if self.document is not None else []
        for number, name in enumerate(recent, start=1):
            action = self.recent_menu.addAction(f"&{number % 10} {Path(name).name}")
            action.setToolTip(name)
            action.setStatusTip(name)
            action.triggered.connect(lambda _checked=False, p=Path(name): self.open_project(p))
        self.recent_menu.setEnabled(bool(recent))

    def offer_recovery(self, info: RecoveryInfo) -> bool:
        """Ask whether to open the autosave a crashed session left; returns True when it was recovered."""
        if self.autosave is None or self.document is None:
            return False
        answer = self.dialogs.ask_recover(info)
        if answer == Dialogs.DISCARD_AUTOSAVE:
            info.discard()
            from riskdesk.ui.autosave import find_recovery

            older = find_recovery(self.autosave.folder, own=self.autosave.id)
            return self.offer_recovery(older) if older is not None else False  # the next older one, by date
        if answer != Dialogs.RECOVER:
            return False  # kept: offered again at the next start
        try:
            self.autosave.recover(self.document, info)
        except Exception as exc:
            log.warning("recovery failed", exc_info=True)
            self.dialogs.error("Cannot recover", f"The autosave could not be read: {exc}")
            return False
        self.statusBar().showMessage("Recovered unsaved work from the autosave: save it to keep it", 0)
        return True

    # ---- import -----------------------------------------------------------------------------------------------

    def import_files(self, files: list[Path] | None = None) -> None:
        """Open the import dialog for spreadsheets (asking for them when not given)."""
        if self.document is None:
            return
        files = files or self.dialogs.import_paths(self._start_dir())
        if not files:
            return
        from riskdesk.ui.import_dialog import ImportDialog

        if self.import_dialog is not None:
            self.import_dialog.close()
        dialog = ImportDialog([Path(f) for f in files], self.document, self.runner, self.dialogs, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "import_dialog", None))
        dialog.imported.connect(lambda text: self.statusBar().showMessage(text, 8_000))
        self.import_dialog = dialog
        dialog.open()
        dialog.start()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.document is not None and _dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Projects open (the first one), spreadsheets import — into the dropped project when there is one —
        and files RiskDesk cannot read are named in a message instead of being ignored."""
        files = _dropped_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        projects = [f for f in files if f.suffix.lower() == SUFFIX]
        sheets = [f for f in files if f.suffix.lower() in IMPORT_SUFFIXES]
        others = [f for f in files if f not in projects and f not in sheets]
        if others:
            names = ", ".join(f.name for f in others[:5]) + (" …" if len(others) > 5 else "")
            readable = ", ".join(IMPORT_SUFFIXES)
            self.dialogs.error("Some files cannot be imported",
                               f"RiskDesk cannot read {names}. It imports {readable} spreadsheets and opens "
                               f"{SUFFIX} projects" + ("; the other files are being opened." if projects or sheets
                                                       else "."))
        if len(projects) > 1:
            self.show_notice(f"Opening {projects[0].name}: one project at a time (the others were not opened)")
        if projects:
            then = (lambda: self.import_files(sheets)) if sheets else None
            QTimer.singleShot(0, lambda: self.open_project(projects[0], then))
        elif sheets:
            QTimer.singleShot(0, lambda: self.import_files(sheets))

    def export_report(self) -> None:
        """File ▸ Export report…: the Excel risk report of the project (date, comparison date and scenarios chosen in
        the dialog), written off the GUI thread."""
        from riskdesk.ui.report_dialog import show_report_dialog

        if self.document is None or self.scoring is None:
            return
        self.report_dialog = show_report_dialog(self, lambda: self._live.project, self.scoring.evaluation,
                                                self.runner, self.dialogs, folder=Path(self._start_dir()))

    def save_template(self) -> None:
        """File ▸ Save Blank Import Template."""
        from riskdesk.ui.import_dialog import save_blank_template

        path = save_blank_template(self.dialogs, Path(self._start_dir()))
        if path is not None:
            self.statusBar().showMessage(f"Saved the blank import template to {path}", 8_000)

    # ---- misc -------------------------------------------------------------------------------------------------

    def show_user_guide(self) -> None:
        """Help ▸ User guide, readable offline."""
        from riskdesk.ui.user_guide import UserGuide

        if self.user_guide is None:
            self.user_guide = UserGuide(self)
        self.user_guide.show()
        self.user_guide.raise_()

    def show_preferences(self) -> None:
        """Edit ▸ Preferences: RiskDesk's own settings; autosave timing applies at once, the row limit from the
        next import."""
        from riskdesk.ui.preferences_dialog import Preferences

        if self.document is None:
            return
        chosen = self.dialogs.edit_preferences(Preferences.of(self.document.app_settings))
        if chosen is None:
            return
        self.document.set_app_preferences(chosen.autosave_delay_seconds, chosen.autosave_seconds,
                                          chosen.import_max_rows, chosen.work_without_lock)
        if self.autosaver is not None:
            self.autosaver.set_delay(chosen.autosave_delay_seconds)
            self.autosaver.set_interval(chosen.autosave_seconds)

    def show_about(self) -> None:
        from riskdesk import __version__

        QMessageBox.about(self, "About RiskDesk",
                          f"<b>RiskDesk {__version__}</b><p>Supply-chain risk of rare-earth permanent magnets: "
                          "exposure by element, country and stage, dated export controls and tariffs, explainable "
                          "scores.</p><p>Your data never leaves this computer unless you export it.</p>")

    def show_log_path(self) -> None:
        path = self.dirs.log_file if self.dirs else "not configured"
        self.dialogs.info("Log file", f"RiskDesk writes its log to:\n{path}")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._refresh_icons()
        super().changeEvent(event)

    def _refresh_icons(self) -> None:
        for action, name in ((self.new_action, "new"), (self.open_action, "open"), (self.save_action, "save"),
                             (self.import_action, "import"), (self.undo_action, "undo"),
                             (self.redo_action, "redo"), (self.copy_action, "copy"), (self.paste_action, "paste"),
                             (self.add_row_action, "add-row"), (self.remove_rows_action, "remove-row"),
                             (self.compare_action, "compare"), (self.today_action, "calendar")):
            action.setIcon(icon(name))
        for position, name in enumerate(TAB_ICONS):
            self.tabs.setTabIcon(position, icon(name))
        for page in self.pages.values():
            page.refresh_icons()

    def _settings_store(self) -> QSettings | None:
        if self.dirs is None:
            return None
        return QSettings(str(self.dirs.config / "window.ini"), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        store = self._settings_store()
        if store is None:
            return
        geometry = store.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = store.value("main/state")
        if state is not None:
            self.restoreState(state)

    def _save_geometry(self) -> None:
        store = self._settings_store()
        if store is not None:
            store.setValue("main/geometry", self.saveGeometry())
            store.setValue("main/state", self.saveState())
            store.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.document is not None and self.document.is_dirty and not self._closing_after_save:
            answer = self.dialogs.ask_unsaved(self.document.display_name)
            if answer == Dialogs.CANCEL:
                event.ignore()
                return
            if answer == Dialogs.SAVE:
                event.ignore()

                def close_when_saved() -> None:
                    self._closing_after_save = True
                    QTimer.singleShot(0, self.close)

                self.save_project(close_when_saved)
                return
        self._save_geometry()
        if self.autosaver is not None:
            self.autosaver.set_interval(0)
        if self.document is not None:
            self.document.release()
        event.accept()


TABLE_HELP = {
    TableName.PARTS: "The magnet bill of materials: one row per part you buy",
    TableName.SUPPLIERS: "Who supplies your magnets and where they are based",
    TableName.PATHS: "Each part's supply paths: supplier, share and the country of every stage from mine to magnet",
}
TAB_ICONS = (*(table.value for table in TABLE_HELP), *(tab.icon for tab in ANALYSIS_TABS))
"""The tabs' icons, in tab order."""


def _safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in " -_." else "_" for ch in name).strip()
    return cleaned or "project"


def _dropped_files(mime: Any) -> list[Path]:
    """The local files of a drop (any kind: the drop says which it cannot read)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
