"""The analysis tabs (Exposure, Scenarios, Data quality, Rules, Settings): what each one is and how the window feeds it.

A tab is one module with a `make_view(context) -> AnalysisView` function and one entry in `ANALYSIS_TABS`. The
window builds the views once the data layer has loaded (their modules import numpy, pandas and the scoring) and
feeds every view the same three things: each new evaluation, the project's settings and the as-of date. A view
takes what it needs and ignores the rest; the context gives it the document, the scoring and the dialogs for
anything it does itself (a settings edit, a scenario run).

This module is imported by the window at start-up, so it imports nothing heavy at its top.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.core.project import ProjectSettings
    from riskdesk.ui.columns import TableName
    from riskdesk.ui.dialogs import Dialogs
    from riskdesk.ui.document import Document
    from riskdesk.ui.scoring import Scoring


@dataclass(frozen=True)
class ViewContext:
    """What a view may use beyond what it is fed: the open project, its scoring, the questions to the user, and a
    way to show a cell of the project's tables (`go_to(table, row in the project's table, column key)`)."""

    document: Document
    scoring: Scoring
    dialogs: Dialogs
    go_to: Callable[[TableName, int, str], None] | None = None


class AnalysisView(QWidget):
    """A tab that shows the project's analysis. The window calls the three setters; each does nothing here."""

    def set_evaluation(self, evaluation: Evaluation) -> None:
        """The project scored on the as-of date (after every edit, date or settings change)."""

    def set_settings(self, settings: ProjectSettings) -> None:
        """The project's settings (when a project opens and after every settings change)."""

    def set_as_of(self, as_of: dt.date) -> None:
        """The as-of date the user chose (before the evaluation on that date arrives)."""


@dataclass(frozen=True)
class AnalysisTab:
    """One analysis tab: its name (object names, tests), title, icon, tooltip and the module that makes it."""

    name: str
    title: str
    icon: str
    help: str
    module: str
    """Has `make_view(context: ViewContext) -> AnalysisView`."""

    def make_view(self, context: ViewContext) -> AnalysisView:
        view = importlib.import_module(self.module).make_view(context)
        if not isinstance(view, AnalysisView):
            raise TypeError(f"{self.module}.make_view returned {type(view).__name__}, not an AnalysisView")
        view.setObjectName(f"{self.name}View")
        return view


ANALYSIS_TABS: tuple[AnalysisTab, ...] = (
    AnalysisTab("exposure", "Exposure", "exposure",
                "Scores per part, why each part scores what it does, rule hits and exposure charts",
                "riskdesk.ui.exposure_view"),
    AnalysisTab("scenarios", "Scenarios", "scenarios",
                "What a price or supply shock would cost, when each line would stop, and what mitigations do",
                "riskdesk.ui.scenarios_view"),
    AnalysisTab("quality", "Data quality", "quality",
                "What makes the scores less sure than they could be: parts without supply paths, shares not adding "
                "up to 100 %, unknown origins, missing mass, volume or stock; with a jump to each cell",
                "riskdesk.ui.quality_view"),
    AnalysisTab("rules", "Rules", "rules",
                "The control list in use (the bundled one, or a newer file): rules, their dates and status on the "
                "as-of date, with sources",
                "riskdesk.ui.rules_view"),
    AnalysisTab("settings", "Settings", "settings",
                "Project settings: import country, scoring weights, how suspended rules count",
                "riskdesk.ui.settings_view"),
)
"""The analysis tabs in the order they follow the project's tables."""


class ViewSlot(QWidget):
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
