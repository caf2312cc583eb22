"""Test setup shared by every layer: Qt offscreen, every per-user directory redirected into a temp folder."""

from __future__ import annotations

import os

# Must be set before any QApplication exists: without a display, Qt would abort the whole session.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's settings, recent files or autosaves."""
    home = tmp_path_factory.mktemp("riskdesk-user")
    monkeypatch.setenv("RISKDESK_USER_DIR", str(home))


@pytest.fixture(autouse=True, scope="session")
def _release_clipboard_before_exit():
    """WORKAROUND: mime data put on the clipboard from Python is destroyed by a Qt global at C exit, after Python
    has finalised, and shiboken then crashes (exit 139). Hand the clipboard a Qt-owned copy while Python lives."""
    yield
    import sys

    if "PySide6.QtGui" not in sys.modules:
        return
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is not None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(clipboard.text())
