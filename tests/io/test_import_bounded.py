"""Issue 15, case 8: bounded reading — a row limit that is a setting, csv streamed, only regular files, and ids
without invisible characters."""

from __future__ import annotations

import json
import os
import threading

import pytest

from riskdesk.io import workbook
from riskdesk.io.importer import ImportLimits, read_and_validate
from riskdesk.io.userdirs import AppSettings, load_app_settings, save_app_settings, user_dirs
from tests.helpers.builders import shown
from tests.io.helpers import template_rows, write_csv


def rows_of(n, **values):
    return template_rows(*({"part_number": f"P-{i}", **values} for i in range(n)))


def test_a_named_pipe_is_refused_at_once_instead_of_waited_on(tmp_path):
    pipe = tmp_path / "bom.csv"
    os.mkfifo(pipe)
    done = threading.Event()
    result = {}

    def read():
        result["r"] = read_and_validate([pipe])
        done.set()

    threading.Thread(target=read, daemon=True).start()
    if not done.wait(5):
        with open(pipe, "wb"):  # unblock the reader before failing
            pass
        pytest.fail("reading a named pipe blocked")
    (problem,) = result["r"].errors
    assert "not a regular file" in problem.message


def test_a_large_csv_is_streamed_and_read_exactly_as_a_small_one(tmp_path, monkeypatch):
    rows = rows_of(300, description="Zürich – 東京 ✓")
    path = write_csv(tmp_path / "bom.csv", rows)
    whole = read_and_validate([path])
    monkeypatch.setattr(workbook, "WHOLE_TEXT_BYTES", 2_000)
    streamed = read_and_validate([path])
    assert streamed.ok and whole.ok
    assert shown(streamed.tables.parts).equals(shown(whole.tables.parts))
    assert "東京" in streamed.tables.parts["description"].iloc[-1]


def test_the_row_limit_stops_reading_early(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "WHOLE_TEXT_BYTES", 2_000)
    path = write_csv(tmp_path / "bom.csv", rows_of(400))
    (problem,) = read_and_validate([path], limits=ImportLimits(max_rows=150)).errors
    assert "more than 150 rows" in problem.message and "import_max_rows" in problem.hint


def test_the_row_limit_is_an_application_setting_the_command_line_follows(tmp_path, capsys):
    from riskdesk.cli import EXIT_INVALID, main

    assert load_app_settings().import_max_rows == 250_000
    save_app_settings(AppSettings(import_max_rows=1_000))  # the lowest Edit ▸ Preferences offers
    assert json.loads(user_dirs().settings_file.read_text())["import_max_rows"] == 1_000
    source = write_csv(tmp_path / "bom.csv", rows_of(1_200))
    assert main(["import", str(tmp_path / "p.rdproj"), str(source)]) == EXIT_INVALID
    assert "more than 1,000 rows" in capsys.readouterr().err


def test_invisible_characters_are_stripped_from_ids_with_a_warning(tmp_path):
    rows = template_rows({"part_number": "P\u200b-1", "supplier_id": "S\x1b-1"},
                         {"part_number": "P-2\ufffe", "supplier_id": "S-1"})
    result = read_and_validate([write_csv(tmp_path / "bom.csv", rows)])
    assert result.ok
    assert sorted(result.tables.parts["part_number"]) == ["P-1", "P-2"]
    assert list(result.tables.suppliers["supplier_id"]) == ["S-1"]
    warned = [p for p in result.problems if "invisible or control characters" in p.message]
    assert {p.column for p in warned} == {"part_number", "supplier_id"}


def test_a_typed_id_loses_its_invisible_characters_too():
    from riskdesk.ui.columns import COLUMNS, TableName, parse_cell

    column = COLUMNS[TableName.PARTS][0]
    assert parse_cell(column, "P\u202e-1\x00") == "P-1"
