"""The main window as most window tests start it: on the demo project, scored at once (synchronous runner), with
scripted dialogs, shown and exposed."""

from __future__ import annotations

import datetime as dt

from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.io import userdirs
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.document import Document
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.dialogs import ScriptedDialogs


def demo_window(qtbot: QtBot, as_of: dt.date, dialogs: Dialogs | None = None) -> MainWindow:
    """The window on the demo project as of `as_of`, shown (closed by qtbot after the test)."""
    document = Document(demo_project(), runner=SynchronousRunner())
    window = MainWindow(document, SynchronousRunner(), dialogs or ScriptedDialogs(), dirs=userdirs.init(),
                        as_of=as_of)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window
