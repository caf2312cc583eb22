"""The main window's scoring controls: the as-of date and "Compare with date…" in the toolbar; the portfolio score,
the data-quality button and the busy bar in the status bar.

Built with the window before the data layer has loaded (nothing here imports numpy, pandas or the scoring at its
top); `attach(scoring)` makes them live. Comparing scores the project on the chosen day through the window's
`Scoring` and shows `riskdesk.ui.compare_dialog.CompareDialog`, the earlier date first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QProgressBar, QStatusBar, QToolBar, QToolButton

from riskdesk.core.labels import BAND_COLORS, count
from riskdesk.ui.date_field import DateField
from riskdesk.ui.dialogs import Dialogs

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.core.quality import QualityCheck
    from riskdesk.core.rules import StatusChange
    from riskdesk.ui.scoring import Scoring

COMPARE_CHOICES = 4
"""How many of the next days on which a rule changes status the Compare menu offers."""


class ScoringControls(QObject):
    """The as-of date, Compare and the portfolio score of the window `parent` (see the module docstring)."""

    def __init__(self, as_of: dt.date, compare_action: QAction, dialogs: Dialogs, folder: Callable[[], Path],
                 show_quality: Callable[[], None], parent: QMainWindow) -> None:
        """`compare_action`: "Compare with date…" (its slot calls `compare_with_other_date`); `folder`: where
        exports start; `show_quality`: shows the Data quality tab."""
        super().__init__(parent)
        self._window = parent
        self.dialogs = dialogs
        self._folder = folder
        self.scoring: Scoring | None = None
        self.compare_dialog: Any = None
        self.as_of_label = QLabel(" As of ")
        self.as_of_edit = DateField(as_of)
        self.as_of_edit.setObjectName("asOfDate")
        self.as_of_edit.setAccessibleName("As-of date")
        self.as_of_edit.setToolTip("Rules and scores as of this date: change it to see what applies on another "
                                   "day (re-scores at once). Ctrl+T goes back to today.")
        self.as_of_label.setBuddy(self.as_of_edit)
        self.compare_button = QToolButton()
        self.compare_button.setDefaultAction(compare_action)
        self.compare_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.compare_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.compare_button.setAccessibleName("Compare with another date")
        self.compare_menu = QMenu(self.compare_button)
        self.compare_menu.aboutToShow.connect(self._fill_compare_menu)
        self.compare_button.setMenu(self.compare_menu)

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
        self.quality_button.clicked.connect(lambda: show_quality())
        self.quality_button.hide()

    def add_to(self, toolbar: QToolBar, status: QStatusBar) -> None:
        toolbar.addWidget(self.as_of_label)
        toolbar.addWidget(self.as_of_edit)
        toolbar.addWidget(self.compare_button)
        status.addPermanentWidget(self.quality_button)
        status.addPermanentWidget(self.busy_bar)
        status.addPermanentWidget(self.score_label)

    @property
    def as_of(self) -> dt.date:
        return self.as_of_edit.date()

    def set_loading(self, loading: bool) -> None:
        """While the project loads: no date to change, nothing to compare, and the status bar says so."""
        self.as_of_edit.setEnabled(not loading)
        self.compare_button.setEnabled(not loading)
        self.busy_bar.setVisible(loading)
        self.score_label.setText("Loading the project…" if loading else "Not scored yet")

    def attach(self, scoring: Scoring) -> None:
        self.scoring = scoring
        scoring.evaluated.connect(self._on_evaluated)
        scoring.quality_changed.connect(self._on_quality)
        scoring.busy_changed.connect(self.busy_bar.setVisible)

    def _on_evaluated(self, evaluation: Evaluation) -> None:
        from riskdesk.core.evaluation import band

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

    # ---- compare ----------------------------------------------------------------------------------------------

    def next_status_changes(self) -> list[StatusChange]:
        """The next days after the as-of date on which a rule changes status (what the Compare menu offers)."""
        from riskdesk.core.rules import default_control_list

        evaluation = self.scoring.evaluation if self.scoring is not None else None
        control_list = evaluation.reference.control_list if evaluation is not None else default_control_list()
        return control_list.status_changes(self.as_of, COMPARE_CHOICES)

    def _fill_compare_menu(self) -> None:
        self.compare_menu.clear()
        changes = self.next_status_changes()
        for change in changes:
            action = self.compare_menu.addAction(change.describe())
            action.triggered.connect(lambda _checked=False, d=change.day: self.compare_with(d))
        if not changes:
            self.compare_menu.addAction(f"No rule changes status after {self.as_of.isoformat()}").setEnabled(False)
        self.compare_menu.addSeparator()
        other = self.compare_menu.addAction("Other date…")
        other.triggered.connect(lambda _checked=False: self.compare_with_other_date())

    def compare_with_other_date(self) -> None:
        from riskdesk.ui.compare_dialog import other_date_suggestion

        changes = self.next_status_changes()
        day = self.dialogs.ask_date(other_date_suggestion(self.as_of, dt.date.today(), [c.day for c in changes]))
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
            from riskdesk.core.evaluation import in_date_order

            self._show_compare(*in_date_order(current, other))

        self._window.statusBar().showMessage(f"Scoring as of {day.isoformat()}…", 2_000)
        self.scoring.evaluate_on(day, show, lambda message: self.dialogs.error("Cannot compare", message))

    def _show_compare(self, before: Evaluation, after: Evaluation) -> None:
        from riskdesk.ui.compare_dialog import CompareDialog
        from riskdesk.ui.table_export_action import add_export_action

        if self.compare_dialog is not None:
            self.compare_dialog.close()
        dialog = CompareDialog(before, after, self._window)
        add_export_action(dialog.table, "Compare", self.dialogs, folder=self._folder)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "compare_dialog", None))
        self.compare_dialog = dialog
        dialog.open()
