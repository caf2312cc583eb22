"""Start-up in two steps: the window first shows the project's rows read-only (no numpy or pandas yet), then the
document is attached and the window is live. Plus the real `riskdesk gui --smoke` launch, end to end."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project, synthetic_project
from riskdesk.io import userdirs
from riskdesk.io.collector import Pause
from riskdesk.io.store.project_file import save_project
from riskdesk.ui.app import (
    LOG_BACKUPS,
    LOG_ROTATE_BYTES,
    PREVIEW_MAX_ROWS,
    demo_rows,
    first_rows,
    load_data_layer,
    open_main_window,
    setup_logging,
)
from riskdesk.ui.columns import ColumnTableModel, TableName
from riskdesk.ui.document import Document
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.table_models import DataFrameTableModel
from riskdesk.ui.wheel_guard import WheelGuard
from riskdesk.ui.workers import SynchronousRunner, TaskContext, ThreadPoolRunner
from tests.helpers.wheel import remove_wheel_guard

TODAY = dt.date(2026, 11, 23)
DISPLAY = Qt.ItemDataRole.DisplayRole


def _country(code: str) -> str:
    return {"CN": "China", "JP": "Japan"}.get(code, code)


@pytest.mark.parametrize("table", list(TableName))
def test_the_preview_shows_every_cell_as_the_live_table_does(qapp: object, table: TableName) -> None:
    preview = ColumnTableModel(table, country_name=_country)
    preview.set_records(demo_rows().tables[table.value])
    live = DataFrameTableModel(table, getattr(demo_project().tables, table.value), country_name=_country)
    assert preview.rowCount() == live.rowCount() > 0
    for row in range(live.rowCount()):
        for column in range(live.columnCount()):
            for role in (DISPLAY, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole):
                assert preview.data(preview.index(row, column), role) == live.data(live.index(row, column), role)


def test_the_window_shows_the_rows_read_only_until_the_document_is_attached(qtbot: QtBot) -> None:
    window = MainWindow(None, SynchronousRunner(), dirs=userdirs.init(), as_of=TODAY, preview=demo_rows())
    qtbot.addWidget(window)
    window.show()
    parts = window.pages[TableName.PARTS]
    assert window.loading
    assert "Demo: US motor and sensor buyer" in window.windowTitle()
    assert parts.model.rowCount() == 15
    assert parts.model.data(parts.model.index(0, 0)) == "MTR-TRAC-200"
    assert parts.count_label.text() == "15 parts"
    assert not parts.model.flags(parts.model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert not window.named_actions["save"].isEnabled() and not window.named_actions["import"].isEnabled()
    assert not parts.add_button.isEnabled() and not window.controls.as_of_edit.isEnabled()

    document = Document(demo_project(), runner=SynchronousRunner())
    window.attach(document)

    assert not window.loading
    assert parts.model is document.models[TableName.PARTS]
    assert parts.model.flags(parts.model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert window.named_actions["save"].isEnabled() and parts.add_button.isEnabled()
    assert window.exposure_view.evaluation is window.scoring.evaluation is not None
    parts.model.setData(parts.model.index(0, 1), "Renamed rotor set")
    assert window.named_actions["undo"].isEnabled()
    window.named_actions["undo"].trigger()
    assert parts.model.data(parts.model.index(0, 1)) == "Traction motor rotor magnet set"
    with pytest.raises(RuntimeError):
        window.attach(document)


def test_the_collector_and_the_wheel_guard_wait_for_the_first_paint_and_no_longer(qapp: QApplication,
                                                                                   qtbot: QtBot) -> None:
    """`riskdesk gui` pauses the cyclic garbage collector from its first import (riskdesk.__main__) to the first
    paint; it must run again from then on, or a long session would never free its reference cycles. The wheel
    guard is installed at that moment too (riskdesk.ui.wheel_guard says why), and must be by the time the
    window is live."""
    was = gc.isenabled()
    gc.enable()
    collector_at: dict[str, bool] = {}
    guarded_at: dict[str, bool] = {}

    def note(moment: str, _seconds: float, _rows: int) -> None:
        collector_at.setdefault(moment, gc.isenabled())
        guarded_at.setdefault(moment, isinstance(qapp.findChild(WheelGuard), WheelGuard))

    runner = ThreadPoolRunner()
    hook = sys.excepthook
    start_up = Pause()
    try:
        dirs = userdirs.init()
        args = argparse.Namespace(project=None, demo=True, smoke=True)
        window, _startup = open_main_window(args, dirs, runner, setup_logging(dirs), collector_pause=start_up,
                                            report=note)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: "ready" in collector_at, timeout=30_000)
    finally:
        runner.wait(10_000)
        sys.excepthook = hook
        start_up.end()  # if the test failed before the window did
        remove_wheel_guard(qapp)
        if not was:
            gc.disable()
    assert collector_at == {"shown": False, "ready": True}
    assert guarded_at == {"shown": False, "ready": True}


def test_a_project_file_is_previewed_with_its_own_rows(tmp_path: Path) -> None:
    project = demo_project()
    project.tables.parts = project.tables.parts.iloc[:4].reset_index(drop=True)
    path = tmp_path / "four parts.rdproj"
    save_project(project, path)
    rows, title = first_rows(False, path)
    assert rows is not None and title == "four parts.rdproj"
    assert [row[0] for row in rows.tables["parts"]] == list(project.tables.parts["part_number"])


def test_a_large_project_file_opens_without_a_preview(tmp_path: Path) -> None:
    path = tmp_path / "large.rdproj"
    save_project(synthetic_project(PREVIEW_MAX_ROWS + 4), path)
    assert first_rows(False, path) == (None, "")
    loaded = load_data_layer(False, path)(TaskContext())
    assert loaded.project is not None and len(loaded.project.tables.paths) == PREVIEW_MAX_ROWS + 4


def test_an_unreadable_file_has_no_preview_and_the_full_load_says_why(tmp_path: Path) -> None:
    path = tmp_path / "notes.rdproj"
    path.write_text("not a database", encoding="utf-8")
    assert first_rows(False, path) == (None, "")
    loaded = load_data_layer(False, path)(TaskContext())
    assert loaded.project is None and "is damaged" in loaded.error


def test_a_workspace_address_has_no_preview_when_unreachable_and_the_load_never_shows_the_password() -> None:
    import socket

    with socket.socket() as probe:  # a port of this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"postgresql://ana:s3cret@127.0.0.1:{probe.getsockname()[1]}/riskdesk?workspace=eu"
        assert first_rows(False, address) == (None, "eu")  # named, but never connected to on the GUI thread
        loaded = load_data_layer(False, address)(TaskContext())
    assert loaded.project is None and loaded.workspace is None
    assert "cannot be reached" in loaded.error and "s3cret" not in loaded.error


def test_the_log_starts_afresh_once_it_is_large() -> None:
    dirs = userdirs.init()
    dirs.log_file.parent.mkdir(parents=True, exist_ok=True)
    dirs.log_file.write_bytes(b"x" * LOG_ROTATE_BYTES)
    for number in range(1, LOG_BACKUPS + 1):
        dirs.log_file.with_name(f"{dirs.log_file.name}.{number}").write_text(f"old {number}", encoding="utf-8")
    setup_logging(dirs)
    backups = sorted(p.name for p in dirs.log_file.parent.iterdir())
    assert backups == [dirs.log_file.name] + [f"{dirs.log_file.name}.{n}" for n in range(1, LOG_BACKUPS + 1)]
    assert dirs.log_file.with_name(f"{dirs.log_file.name}.1").stat().st_size == LOG_ROTATE_BYTES
    assert dirs.log_file.with_name(f"{dirs.log_file.name}.2").read_text(encoding="utf-8") == "old 1"
    assert dirs.log_file.stat().st_size < LOG_ROTATE_BYTES


def _launch(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RISKDESK_USER_DIR=str(tmp_path / "user"))
    return subprocess.run([sys.executable, "-m", "riskdesk", "gui", *args, "--smoke"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_riskdesk_gui_demo_shows_the_rows_then_becomes_live(tmp_path: Path) -> None:
    done = _launch(tmp_path, "--demo")
    lines = [line.split() for line in done.stdout.splitlines()]
    assert done.returncode == 0, done.stderr
    assert [line[0] for line in lines] == ["shown", "ready"]
    assert all(line[2] == "rows=15" for line in lines)
    autosave = tmp_path / "user" / "data" / "autosave"
    assert not autosave.exists() or not list(autosave.iterdir())  # a smoke run leaves no session behind


def test_riskdesk_gui_with_a_damaged_file_opens_empty_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "broken.rdproj"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    done = _launch(tmp_path, str(path))
    assert done.returncode == 0
    assert "cannot open project" in done.stderr and "broken.rdproj" in done.stderr
    assert [line.split()[::2] for line in done.stdout.splitlines()] == [["shown", "rows=0"], ["ready", "rows=0"]]


def test_a_smoke_run_that_fails_says_why_and_exits_instead_of_waiting_on_a_dialog(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RISKDESK_USER_DIR=str(tmp_path / "user"),
               RISKDESK_RESOURCES=str(tmp_path / "empty"))  # a broken installation: no bundled data
    done = subprocess.run([sys.executable, "-m", "riskdesk", "gui", "--demo", "--smoke"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "ready" not in done.stdout



def test_a_damaged_settings_file_still_opens_the_project_and_says_so_once_in_the_message_strip(
        qtbot: QtBot, tmp_path: Path) -> None:
    import argparse

    from riskdesk.ui.app import _Startup

    dirs = userdirs.init()
    dirs.settings_file.write_text('{"schema_version": "abc", "autosave_seconds": 12}', encoding="utf-8")
    path = tmp_path / "demo.rdproj"
    save_project(demo_project(), path)

    def start() -> MainWindow:
        window = MainWindow(None, SynchronousRunner(), dirs=dirs, as_of=TODAY)
        qtbot.addWidget(window)
        startup = _Startup(argparse.Namespace(demo=False, project=path, smoke=False), dirs, SynchronousRunner(),
                           window)
        startup.attach(load_data_layer(False, path)(TaskContext()))
        assert window.session is not None and window.session.path == path  # the project is open
        startup.end()
        return window

    window = start()
    note = window.messages.text_of("settings")
    assert f"{dirs.settings_file} was damaged (schema_version cannot be used)" in note and "kept as" in note
    assert window.document is not None and window.document.app_settings.autosave_seconds == 12
    assert start().messages.text_of("settings") == ""  # repaired: said once
