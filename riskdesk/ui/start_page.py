"""The start page: what a buyer sees when no project is open yet, instead of an empty grid and a green "0".

One click each: open the demo project, start an empty project, import spreadsheets, save the blank import template
to send to suppliers, open a project file, or one of the recent projects. The window shows it while the open project
is new and empty (no rows, never saved) and hides it as soon as there is something to show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from riskdesk.ui.icons import icon


class StartPage(QWidget):
    """The choices of a first start (see the module docstring). Each button calls the window's own action."""

    def __init__(self, actions: Sequence[tuple[str, str, str, Callable[[], object]]],
                 open_recent: Callable[[Path], object], parent: QWidget | None = None) -> None:
        """`actions`: (title, what it does, icon name, callback) per button, in order."""
        super().__init__(parent)
        self.setObjectName("startPage")
        self.setAccessibleName("Start page")
        self._open_recent = open_recent
        title = QLabel("<h1>RiskDesk</h1><p style='font-size:12pt'>See and price your exposure to rare-earth magnet "
                       "supply risk: enter or import your magnet parts and their suppliers, and RiskDesk scores "
                       "each part against the bundled, dated control list, explains every score, and prices "
                       "supply and price scenarios.</p>")
        title.setWordWrap(True)
        title.setTextFormat(Qt.TextFormat.RichText)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(10)
        self.buttons: dict[str, QPushButton] = {}
        for row, (text, help_text, icon_name, callback) in enumerate(actions):
            button = QPushButton(icon(icon_name) if icon_name else icon("riskdesk"), text)
            button.setMinimumHeight(40)
            button.setMinimumWidth(260)
            button.setStyleSheet("text-align: left; padding-left: 12px; font-weight: bold")
            button.setToolTip(help_text)
            button.clicked.connect(lambda _checked=False, act=callback: act())
            note = QLabel(help_text)
            note.setWordWrap(True)
            grid.addWidget(button, row, 0)
            grid.addWidget(note, row, 1)
            self.buttons[text] = button
        grid.setColumnStretch(1, 1)

        self.recent_label = QLabel("<b>Recent projects</b>")
        self.recent_list = QListWidget()
        self.recent_list.setObjectName("recentProjects")
        self.recent_list.setAccessibleName("Recent projects")
        self.recent_list.setMaximumHeight(180)
        self.recent_list.itemActivated.connect(self._on_recent)
        self.recent_list.itemClicked.connect(self._on_recent)

        box = QFrame()
        box.setMaximumWidth(880)
        inner = QVBoxLayout(box)
        inner.addWidget(title)
        inner.addSpacing(8)
        inner.addLayout(grid)
        inner.addSpacing(16)
        inner.addWidget(self.recent_label)
        inner.addWidget(self.recent_list)
        inner.addStretch(1)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 4)
        outer.addStretch(1)

    def set_recent(self, paths: Sequence[str]) -> None:
        """The recent project files, most recent first (those that no longer exist are left out)."""
        self.recent_list.clear()
        shown = [Path(p) for p in paths if Path(p).exists()]
        for path in shown:
            item = QListWidgetItem(icon("open"), f"{path.name}  —  {path.parent}")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            self.recent_list.addItem(item)
        self.recent_label.setVisible(bool(shown))
        self.recent_list.setVisible(bool(shown))

    def _on_recent(self, item: QListWidgetItem) -> None:
        self._open_recent(Path(str(item.data(Qt.ItemDataRole.UserRole))))


def first_start_page(open_demo: Callable[[], object], import_files: Callable[[], object],
                     start_empty: Callable[[], object], save_template: Callable[[], object],
                     open_project: Callable[[Path | None], object]) -> StartPage:
    """The start page of the main window: its five choices, each calling the window's own command
    (`open_project(None)` asks which project; a recent project is opened by its path)."""
    return StartPage([
        ("Open the demo project", "A US buyer's motor and sensor magnets: 15 parts, their suppliers and supply "
         "paths, scored as of today. The quickest way to see what RiskDesk shows.", "open", open_demo),
        ("Import spreadsheets…", "Your BOM or your suppliers' declarations as they are (xlsx, xls, ods, csv): "
         "RiskDesk maps the columns and shows a preview before anything changes.", "import", import_files),
        ("Start an empty project", "Type or paste parts, suppliers and supply paths into the tables.", "new",
         start_empty),
        ("Save the blank import template…", "The template with every column RiskDesk reads and instructions, to "
         "send to suppliers.", "save", save_template),
        ("Open a project…", "A RiskDesk project file (.rdproj).", "open", lambda: open_project(None)),
    ], open_project)
