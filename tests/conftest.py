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
    """Qt-owned clipboard before the interpreter exits (see riskdesk.ui.app.release_clipboard)."""
    yield
    import sys

    if "PySide6.QtGui" in sys.modules:
        from riskdesk.ui.app import release_clipboard

        release_clipboard()
