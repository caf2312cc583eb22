"""A date field that takes what a person types — an ISO date such as 2025-04-03, typed over the whole text — and has
a calendar button beside it. QDateEdit edits a date section by section, so selecting all and typing 2025-04-03
gave 2026-04-03 (the year could not be typed); this field reads the whole text when the user presses Enter or
leaves it. Text that is not a date turns the field red, says why in its tooltip and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from riskdesk.ui.icons import icon

_NUMERIC = re.compile(r"\s*(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\s*")


def parse_date(text: str) -> dt.date | None:
    """A date from "2025-04-03", "2025-4-3", "2025/04/03" or "2025.04.03" (year first, as ISO 8601); None
    otherwise. Day-first and month-first forms are not guessed: 03/04/2025 means different days to different
    people."""
    match = _NUMERIC.fullmatch(text)
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


class DateField(QWidget):
    """A date as YYYY-MM-DD text with a calendar button; emits `date_changed(date)` when the user sets another."""

    date_changed = Signal(object)
    """The new `datetime.date`."""

    def __init__(self, day: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tip = ""
        self._date = day
        self.edit = QLineEdit(day.isoformat())
        self.edit.setMaxLength(12)
        self.edit.setFixedWidth(self.edit.fontMetrics().horizontalAdvance("0000-00-00") + 18)
        self.edit.setPlaceholderText("YYYY-MM-DD")
        self.edit.editingFinished.connect(self._read)
        self.edit.textEdited.connect(lambda _text: self._mark(None))
        self.calendar_button = QToolButton()
        self.calendar_button.setIcon(icon("calendar"))
        self.calendar_button.setToolTip("Choose the date on a calendar")
        self.calendar_button.setAccessibleName("Calendar")
        self.calendar_button.clicked.connect(self.show_calendar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.calendar_button)
        self.setFocusProxy(self.edit)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.problem = ""
        """Why the text is not a date ("" when it is)."""
        self._tip = ""

    def date(self) -> dt.date:
        return self._date

    def set_date(self, day: dt.date) -> None:
        """Show `day`; emits `date_changed` when it differs from the date shown."""
        self.edit.setText(day.isoformat())
        self._mark(None)
        if day != self._date:
            self._date = day
            self.date_changed.emit(day)

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self.edit.setAccessibleName(name)

    def setToolTip(self, text: str) -> None:
        super().setToolTip(text)
        self._tip = text
        self.edit.setToolTip(text)

    def _read(self) -> None:
        text = self.edit.text()
        day = parse_date(text)
        if day is None:
            shown = f"{text.strip()!r} is not a date" if text.strip() else "No date"
            self._mark(f"{shown}: type it as YYYY-MM-DD, e.g. 2025-04-03")
            return
        self.set_date(day)

    def _mark(self, problem: str | None) -> None:
        self.problem = problem or ""
        self.edit.setStyleSheet("QLineEdit { border: 2px solid #d64545; }" if problem else "")
        self.edit.setToolTip(problem or self._tip)

    def show_calendar(self) -> QCalendarWidget:
        """Open the calendar below the field; choosing a day sets it."""
        menu = QMenu(self)
        calendar = QCalendarWidget(menu)
        calendar.setGridVisible(True)
        calendar.setSelectedDate(QDate(self._date.year, self._date.month, self._date.day))

        def chosen(qdate: QDate) -> None:
            menu.close()
            self.set_date(dt.date(qdate.year(), qdate.month(), qdate.day()))

        calendar.clicked.connect(chosen)
        calendar.activated.connect(chosen)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(calendar)
        menu.addAction(holder)
        menu.popup(self.mapToGlobal(QPoint(0, self.height())))
        calendar.setFocus(Qt.FocusReason.PopupFocusReason)
        return calendar
