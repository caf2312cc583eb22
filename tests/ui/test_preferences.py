"""Edit ▸ Preferences: RiskDesk's own settings (autosave timing, the largest spreadsheet an import reads), kept in
the user's settings file that the command line reads too."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from riskdesk import cli
from riskdesk.core.demo import demo_project
from riskdesk.core.domain import TEMPLATE_COLUMNS
from riskdesk.io import userdirs
from riskdesk.io.store.project_file import save_project
from riskdesk.io.userdirs import AppSettings, load_app_settings
from riskdesk.ui.autosave import AutosaveSession
from riskdesk.ui.document import Document
from riskdesk.ui.import_dialog import ImportDialog
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.preferences_dialog import Preferences, PreferencesDialog
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.dialogs import ScriptedDialogs


def _rows_csv(path: Path, n_rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TEMPLATE_COLUMNS[:15])
        for i in range(n_rows):
            writer.writerow([f"P-{i}", "", "automotive", "NdFeB-sintered", "N42SH", 20, 1000, 5, 30, "S1",
                             "Supplier", "JP", 100, "AU", "MY"][:15])
    return path


def test_the_dialog_shows_the_settings_and_restores_the_defaults(qtbot: QtBot) -> None:
    dialog = PreferencesDialog(Preferences(9, 120, 50_000, work_without_lock=True))
    qtbot.addWidget(dialog)
    assert dialog.preferences() == Preferences(9, 120, 50_000, work_without_lock=True)
    assert dialog.without_lock.isChecked()
    dialog.max_rows.setValue(400_000)
    assert dialog.preferences().import_max_rows == 400_000
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    assert dialog.preferences() == Preferences.of(AppSettings())
    dialog.longest.setValue(0)
    assert dialog.longest.text() == "never autosave"


def test_preferences_are_kept_and_the_next_import_in_the_window_and_the_cli_follows_the_row_limit(
        qtbot: QtBot, tmp_path: Path) -> None:
    dirs = userdirs.init()
    document = Document(demo_project(), runner=SynchronousRunner())
    dialogs = ScriptedDialogs()
    session = AutosaveSession(dirs.autosave)
    window = MainWindow(document, SynchronousRunner(), dialogs, dirs=dirs, as_of=dt.date(2026, 11, 23),
                        autosave=session)
    qtbot.addWidget(window)
    big = _rows_csv(tmp_path / "big.csv", 1_500)

    dialogs.preferences_answer = None  # cancelled: nothing changes
    window.named_actions["preferences"].trigger()
    assert load_app_settings(dirs).import_max_rows == AppSettings().import_max_rows

    dialogs.preferences_answer = Preferences(7, 90, 1_000, work_without_lock=True)
    window.named_actions["preferences"].trigger()
    saved = load_app_settings(dirs)
    assert (saved.autosave_delay_seconds, saved.autosave_seconds, saved.import_max_rows) == (7, 90, 1_000)
    assert saved.work_without_lock
    assert window.session.autosaver is not None and window.session.autosaver.delay_seconds == 7

    dialog = ImportDialog([big], document, SynchronousRunner(), dialogs, window)
    qtbot.addWidget(dialog)
    dialog.start()
    assert not dialog.import_button.isEnabled()
    assert "more than 1,000 rows" in dialog.summary.text()
    assert "Preferences" in dialog.problems_model.problems[0].hint

    project = tmp_path / "p.rdproj"
    save_project(demo_project(), project)
    assert cli.main(["import", str(project), str(big)]) == 3, "the command line reads the same setting"
