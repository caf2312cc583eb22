"""The mouse wheel never changes data by accident: value widgets take it only when they have the focus.

A combo box, spin box, date field or slider under the pointer would otherwise take every notch of a wheel that
was meant to scroll the page, and silently change a column mapping or a weight. One filter on the application
covers every widget, those made before it and later alike: such widgets get the focus by click or Tab only
(`Qt.StrongFocus`, never by the wheel), and a wheel over one that does not have the focus goes on to the page
behind it, which scrolls.

Start-up installs it once the main window has painted (`riskdesk.ui.app`): an application-wide Python filter sees
every event, and the first events of each kind make PySide build the Python types of the whole of QtCore, QtGui
and QtWidgets (some 110 enums, ~15 ms), which the first paint need not wait for. Until then the window is a
read-only preview.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox, QScrollBar, QWidget

_VALUE_WIDGETS = (QComboBox, QAbstractSpinBox, QAbstractSlider)
_WHEEL, _POLISH = QEvent.Type.Wheel, QEvent.Type.Polish
"""Looked up once: the filter sees every event of the application."""


def _holds_a_value(widget: QObject) -> bool:
    return isinstance(widget, _VALUE_WIDGETS) and not isinstance(widget, QScrollBar)


def _pass_to_parents(widget: QWidget, event: QWheelEvent) -> None:
    """Offer the wheel to each parent in turn until one takes it, as Qt does for a wheel nobody took. Done here
    rather than left to Qt because Qt passes on only a wheel from the device, not one sent by the program."""
    parent = None if widget.isWindow() else widget.parentWidget()
    while parent is not None:
        forwarded = QWheelEvent(parent.mapFromGlobal(event.globalPosition()), event.globalPosition(),
                                event.pixelDelta(), event.angleDelta(), event.buttons(), event.modifiers(),
                                event.phase(), event.inverted(), event.source())
        QApplication.sendEvent(parent, forwarded)
        if forwarded.isAccepted() or parent.isWindow():
            return
        if parent.testAttribute(Qt.WidgetAttribute.WA_NoMousePropagation):
            return
        parent = parent.parentWidget()


class WheelGuard(QObject):
    """Application event filter: value widgets get no focus from the wheel and pass an unfocused wheel on."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == _WHEEL and isinstance(event, QWheelEvent):
            if _holds_a_value(watched) and isinstance(watched, QWidget) and not watched.hasFocus():
                _pass_to_parents(watched, event)
                event.accept()  # handled here: Qt must not hand it to the parents a second time
                return True
        elif kind == _POLISH:
            _take_focus_by_click_or_tab_only(watched)
        return False


def _take_focus_by_click_or_tab_only(widget: QObject) -> None:
    if (_holds_a_value(widget) and isinstance(widget, QWidget)
            and widget.focusPolicy() == Qt.FocusPolicy.WheelFocus):
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard on `app` once (a second call returns the first guard). Value widgets that exist already
    lose their wheel focus now; those made later, when Qt polishes them."""
    existing = app.findChild(WheelGuard)
    if isinstance(existing, WheelGuard):
        return existing
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    for widget in QApplication.allWidgets():
        _take_focus_by_click_or_tab_only(widget)
    return guard
