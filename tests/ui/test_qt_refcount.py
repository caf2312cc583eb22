"""Guard against PySide6 builds that drop a reference to None on every void call (6.12.0 on Python 3.11 aborts
with `none_dealloc` after a few thousand calls; see ../shared/reference/PLATFORM.md). Runs ~20,000 calls."""

from __future__ import annotations

import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

CALLS = 20_000


def test_void_qt_calls_do_not_leak_references_to_none(qtbot: QtBot) -> None:
    button = QPushButton("x")
    label = QLabel()
    qtbot.addWidget(button)
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for n in range(CALLS // 4):
        button.setText("y")
        button.setEnabled(bool(n % 2))
        label.setText("z")
        label.update()
    after = sys.getrefcount(None)
    assert after >= before - 100, (
        f"PySide6 {pyside_version} lost {before - after} references to None in {CALLS} void calls: "
        "this build will crash (pin PySide6-Essentials < 6.12 on Python 3.11)")


def test_pinned_pyside_version() -> None:
    major, minor = (int(part) for part in pyside_version.split(".")[:2])
    assert (major, minor) < (6, 12) or sys.version_info >= (3, 12)
