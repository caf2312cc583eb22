"""File ▸ Export report… names the saved project file by its SHA-256 on the Inputs sheet, as `riskdesk report`
does; a project with changes not saved, or never saved, says "not saved" instead of a hash that is not its own."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from pytestqt.qtbot import QtBot

from riskdesk.ui.columns import TableName
from riskdesk.ui.main_window import MainWindow
from tests.helpers.windows import demo_window

TODAY = dt.date(2026, 11, 23)
HASH_ROW = "Project file SHA-256"


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    return demo_window(qtbot, TODAY)


def _sha256sum(path: Path) -> str:
    """What `sha256sum` says of the file (hashlib where the tool is missing)."""
    tool = shutil.which("sha256sum")
    if tool is None:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return subprocess.run([tool, str(path)], check=True, capture_output=True, text=True).stdout.split()[0]


def _export(window: MainWindow, target: Path) -> str:
    """Export the report from the window; the Inputs sheet's project-file hash row."""
    window.export_report()
    dialog = window.report_dialog
    dialog.path_edit.setText(str(target))
    dialog.export()
    dialog.close()
    book = openpyxl.load_workbook(target, read_only=True)
    try:
        rows = {row[0]: row[1] for row in book["Inputs"].iter_rows(values_only=True) if row and row[0]}
    finally:
        book.close()
    return str(rows[HASH_ROW])


def test_the_windows_report_names_the_saved_project_file_by_its_sha256(window: MainWindow, tmp_path: Path) -> None:
    saved = tmp_path / "demo.rdproj"
    assert window.session is not None
    window.session.save(saved)
    assert saved.is_file() and not window.document.is_dirty
    said = _export(window, tmp_path / "report.xlsx")
    assert said == _sha256sum(saved)


def test_a_project_with_changes_not_saved_has_no_file_hash(window: MainWindow, tmp_path: Path) -> None:
    saved = tmp_path / "demo.rdproj"
    assert window.session is not None
    window.session.save(saved)
    window.document.edit_cells(TableName.PARTS, [(0, "description", "changed after saving")])
    assert window.document.is_dirty
    said = _export(window, tmp_path / "report.xlsx")
    assert said.startswith("not saved") and _sha256sum(saved) not in said


def test_a_project_never_saved_has_no_file_hash(window: MainWindow, tmp_path: Path) -> None:
    assert _export(window, tmp_path / "report.xlsx").startswith("not saved")
