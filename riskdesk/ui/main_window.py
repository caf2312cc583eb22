"""The main window: the project's tables, its scores and rules, the as-of date, files, import and undo.

Layout: tabs for Parts, Suppliers, Supply paths (editable tables), Exposure, Rules and Settings; a toolbar with
file actions, undo/redo, import, the as-of date (changing it re-scores at once) and "Compare with date…"; a status
bar with the portfolio score. The actions, menus and toolbar are declared in `riskdesk.ui.actions`; opening,
saving, recovery, recent projects, drops and the questions before closing are the session's
(`riskdesk.ui.session`), which the window's file slots call. Everything the user is asked goes through a `Dialogs`
object that tests replace with scripted answers.

The window can open before the data layer (numpy, pandas, scoring) has loaded: `MainWindow(None, …)` builds the
frame, `show_preview()` shows the project's rows read-only, and `attach(document)` makes it live once the
document exists (`riskdesk.ui.app` does this at start-up). This module therefore imports neither the document
nor the DataFrame models at its top.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QUndoGroup
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from riskdesk.io.store import ProjectRows
from riskdesk.io.userdirs import UserDirs
from riskdesk.ui import clipboard
from riskdesk.ui.actions import (
    ACTIONS,
    When,
    build_actions,
    build_menus,
    build_toolbar,
    fill_recent_menu,
    refresh_icons,
    tab_actions,
)
from riskdesk.ui.analysis import ANALYSIS_TABS, AnalysisView, ViewContext, ViewSlot
from riskdesk.ui.columns import TableName
from riskdesk.ui.declaration_actions import DeclarationActions
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.history_view import WindowHistory, selected_part
from riskdesk.ui.icons import icon
from riskdesk.ui.messages import ERROR, INFO, WARNING, MessageArea
from riskdesk.ui.scoring_controls import ScoringControls
from riskdesk.ui.start_page import StartPage, first_start_page
from riskdesk.ui.table_page import TablePage
from riskdesk.ui.workers import Runner

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.core.project import ProjectSettings
    from riskdesk.ui.autosave import AutosaveSession
    from riskdesk.ui.document import Document
    from riskdesk.ui.exposure_view import ExposureView
    from riskdesk.ui.scoring import Scoring
    from riskdesk.ui.session import Session
    from riskdesk.ui.settings_view import SettingsView

log = logging.getLogger(__name__)


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
        self.declarations = DeclarationActions(self)
        self.session: Session | None = None
        """Where the project is kept and the file commands on it (riskdesk.ui.session), once it is attached."""
        self.views: dict[str, AnalysisView] = {}
        """The analysis tabs' views by `AnalysisTab.name`, once a document is attached."""
        self.undo_group = QUndoGroup(self)
        self.import_dialog: Any = None
        self.user_guide: Any = None
        self.report_dialog: Any = None
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
        for table in TABLE_HELP:
            page = TablePage(table)
            self.pages[table] = page
            self.tabs.addTab(page, icon(table.value), table.title)
            self.tabs.setTabToolTip(self.tabs.count() - 1, TABLE_HELP[table])
        self._slots: dict[str, ViewSlot] = {}
        for tab in ANALYSIS_TABS:
            slot = ViewSlot()
            self._slots[tab.name] = slot
            self.tabs.addTab(slot, icon(tab.icon), tab.title)
            self.tabs.setTabToolTip(self.tabs.count() - 1, tab.help)
        self.messages = MessageArea()
        self.history = WindowHistory(self, runner, self.dialogs, lambda: self.session,
                                     lambda: selected_part(self.tabs, self.document, self.views.get("exposure")))
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

    def show_preview(self, rows: ProjectRows, title: str = "") -> None:
        """Show a project's rows read-only while its document is being loaded."""
        for table, page in self.pages.items():
            page.show_rows(rows.tables.get(table.value, []))
        self.setWindowTitle(f"{title or rows.name or 'Untitled project'} — RiskDesk")

    def attach(self, document: Document, autosave: AutosaveSession | None = None,
               session: Session | None = None) -> None:
        """Make the window live on `document`: editable tables, scores, rules and settings; its file commands go
        to `session` (default: a new session on `document` that autosaves into `autosave`, this process's slot,
        if given). Called once."""
        from riskdesk.ui.scoring import Scoring
        from riskdesk.ui.session import Session
        from riskdesk.ui.table_export_action import add_export_action

        if self.document is not None:
            raise RuntimeError("the window already shows a document")
        self.document = document
        self.scoring = Scoring(document, self._as_of, self)
        self.session = session = session or Session(document, self.dialogs, self.dirs, autosave, self)

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
        document.project_replaced.connect(self._on_project_replaced)
        document.settings_changed.connect(self._on_settings_changed)
        document.refused.connect(self.show_refusal)
        document.noticed.connect(self.show_notice)
        session.location_changed.connect(self._update_title)
        session.status.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        session.busy_changed.connect(self.controls.busy_bar.setVisible)
        session.noticed.connect(self.show_notice)
        session.recent_changed.connect(self._rebuild_recent_menu)
        session.import_wanted.connect(self.import_files)
        document.tables_changed.connect(lambda _tables: self._update_start_page())
        self.scoring.evaluated.connect(self._on_evaluated)
        self.scoring.failed.connect(lambda message: self.messages.post("scoring", ERROR, f"Scoring failed: {message}"))
        self.controls.attach(self.scoring)
        document.undo_stack.indexChanged.connect(self._on_edited)

        self._set_loading(False)
        self._rebuild_recent_menu()
        self._on_project_replaced()
        self.scoring.refresh()

    def _set_loading(self, loading: bool) -> None:
        for spec in self._specs:
            if spec.enabled is not When.ALWAYS:
                self.named_actions[spec.key].setEnabled(not loading)
        self.controls.set_loading(loading)
        if not loading:
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

    def _build_actions(self) -> None:
        self._specs = (*ACTIONS, *tab_actions([self.tabs.tabText(i) for i in range(self.tabs.count())], LATER_TABS))
        self.named_actions: dict[str, QAction] = build_actions(
            self, self.undo_group, self._current_page, [page.view for page in self.pages.values()], self._specs)
        """The window's actions by key (riskdesk.ui.actions.ACTIONS)."""

    def _build_menus(self) -> None:
        self.recent_menu = build_menus(self.menuBar(), self.named_actions)
        self.recent_menu.aboutToShow.connect(self._rebuild_recent_menu)
        self._rebuild_recent_menu()

    def _build_toolbar(self) -> None:
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        build_toolbar(toolbar, self.named_actions)
        self.controls = ScoringControls(self._as_of, self.named_actions["compare"], self.dialogs,
                                        lambda: Path(self._start_dir()),
                                        lambda: self.tabs.setCurrentWidget(self._slots["quality"]), self)
        """The as-of date, Compare and the portfolio score (riskdesk.ui.scoring_controls)."""
        self.controls.as_of_edit.date_changed.connect(self._on_as_of_changed)
        self.controls.add_to(toolbar, self.statusBar())
        self.toolbar = toolbar

    def _update_title(self) -> None:
        if self.document is None or self.session is None:
            return
        read_only = " (read-only)" if self.session.read_only else ""
        self.setWindowTitle(f"{self.session.display_name}{read_only}[*]{self.session.title_detail} — RiskDesk")
        self.setWindowModified(self.document.is_dirty)

    def _ensure_start_page(self) -> StartPage:
        if self.start_page is None:
            self.start_page = first_start_page(self.open_demo, self.import_files, self.start_empty,
                                               self.save_template, self.open_project)
            self.stack.addWidget(self.start_page)
        return self.start_page

    @property
    def showing_start_page(self) -> bool:
        return self.start_page is not None and self.stack.currentWidget() is self.start_page

    def _update_start_page(self) -> None:
        """The start page while the project is new and empty and the user has not chosen what to do yet."""
        session = self.session
        tables = session.document.project.tables if session is not None else None
        empty = (session is not None and session.path is None and tables is not None and len(tables.parts) == 0
                 and len(tables.suppliers) == 0 and len(tables.paths) == 0)
        if empty and self._start_wanted:
            page = self._ensure_start_page()
            page.set_recent(session.recent if session is not None else [])
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
        if self.session is None or not new_project_created(self.dialogs, self.session.start_new):
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
        assert self.document is not None
        self._on_settings_changed(self.document.project.settings)
        self._update_actions()

    def _on_settings_changed(self, settings: ProjectSettings) -> None:
        for view in self.views.values():
            view.set_settings(settings)
        self._update_title()

    def _update_actions(self) -> None:
        if self.document is None:
            return
        on_table = isinstance(self.tabs.currentWidget(), TablePage) and not self.showing_start_page
        for spec in self._specs:
            if spec.enabled is When.ON_TABLE:
                self.named_actions[spec.key].setEnabled(on_table)

    def _current_page(self) -> TablePage | None:
        """The project table page shown, if any (the actions on a table act on it)."""
        page = self.tabs.currentWidget()
        return page if isinstance(page, TablePage) else None

    def copy_cells(self) -> None:
        """Copy the selected cells of a project table, or the shown text of any other table with the focus."""
        page = self.tabs.currentWidget()
        if isinstance(page, TablePage):
            page.copy()
            return
        focus = self.focusWidget()
        if isinstance(focus, QTableView):
            clipboard.copy_shown(focus)

    def focus_filter(self) -> None:
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
        self.controls.as_of_edit.set_date(day)

    def as_of_today(self) -> None:
        self.set_as_of(dt.date.today())

    def _on_as_of_changed(self, day: dt.date) -> None:
        self._as_of = day
        if self.scoring is None:
            return
        for view in self.views.values():
            view.set_as_of(day)
        self.scoring.set_as_of(day)

    def _on_evaluated(self, evaluation: Evaluation) -> None:
        self.messages.clear("scoring")
        for view in self.views.values():
            view.set_evaluation(evaluation)

    # ---- files ------------------------------------------------------------------------------------------------

    def _start_dir(self) -> str:
        return self.session.start_dir() if self.session is not None else str(Path.home())

    def new_project(self) -> None:
        if self.session is not None:
            self.session.new_project()

    def open_demo(self) -> None:
        if self.session is not None:
            self.session.open_demo()

    def open_project(self, path: Path | str | None = None) -> None:
        """File ▸ Open, the start page and the recent projects (riskdesk.ui.session.Session.open_project)."""
        if self.session is not None:
            self.session.open_project(path)

    def save_project(self) -> None:
        if self.session is not None:
            self.session.save_project()

    def save_project_as(self) -> None:
        if self.session is not None:
            self.session.save_project_as()

    def _rebuild_recent_menu(self) -> None:
        fill_recent_menu(self.recent_menu, self.session.recent if self.session is not None else [], self.open_project)

    # ---- import -----------------------------------------------------------------------------------------------

    def import_files(self, files: list[Path] | None = None) -> None:
        """Open the import dialog for spreadsheets (asking for them when not given)."""
        if self.document is None:
            return
        files = files or self.dialogs.import_paths(self._start_dir())
        if not files:
            return
        if self.declarations.imported([Path(f) for f in files]):  # a supplier's answer: as `riskdesk import` does
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
        """Files dropped on the window: the session opens or imports them (riskdesk.ui.session.Session.drop)."""
        files = _dropped_files(event.mimeData())
        if not files or self.session is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.session.drop(files)

    def export_report(self) -> None:
        """File ▸ Export report…: the Excel risk report (date, comparison and scenarios chosen in the dialog)."""
        from riskdesk.ui.report_dialog import show_report_dialog

        document = self.document  # the session names the revision and, saved and unchanged, the file to hash
        if document is not None and self.scoring is not None:
            self.report_dialog = show_report_dialog(
                self, lambda: document.project, self.scoring.evaluation, self.runner, self.dialogs,
                folder=Path(self._start_dir()), monte_carlo=document.monte_carlo, origin=self.session)

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
        """Edit ▸ Preferences (riskdesk.ui.session.Session.edit_preferences)."""
        if self.session is not None:
            self.session.edit_preferences()

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
        refresh_icons(self.named_actions, self._specs)
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
        """Closes once unsaved changes are saved or discarded (the session asks), letting go of the project."""
        if self.session is not None and not self.session.ready_to_close(self.close):
            event.ignore()
            return
        self._save_geometry()
        if self.session is not None:
            self.session.end()
        event.accept()


TABLE_HELP = {
    TableName.PARTS: "The magnet bill of materials: one row per part you buy",
    TableName.SUPPLIERS: "Who supplies your magnets and where they are based",
    TableName.PATHS: "Each part's supply paths: supplier, share and the country of every stage from mine to magnet",
    TableName.COMPOSITION: "A part's own element contents (wt %, from a supplier's declaration or a datasheet), "
                           "each overriding its grade's default for that element",
}
LATER_TABS = (TableName.COMPOSITION.title,)
"""Tabs added after Ctrl+1 … Ctrl+8 were in use: numbered after the others, so that each earlier tab keeps its key."""
TAB_ICONS = (*(table.value for table in TABLE_HELP), *(tab.icon for tab in ANALYSIS_TABS))
"""The tabs' icons, in tab order."""


def _dropped_files(mime: Any) -> list[Path]:
    """The local files of a drop (any kind: the drop says which it cannot read)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
