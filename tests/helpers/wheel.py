"""Taking RiskDesk's wheel guard off the shared test application again, so that other tests see plain Qt."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from riskdesk.ui.wheel_guard import WheelGuard


def remove_wheel_guard(app: QApplication) -> None:
    guard = app.findChild(WheelGuard)
    if isinstance(guard, WheelGuard):
        app.removeEventFilter(guard)
        guard.setParent(None)
