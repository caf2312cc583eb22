"""Project files: what is saved comes back, saves are atomic, bad files give a clear message."""

from __future__ import annotations

import os
import sqlite3

import pandas as pd
import pytest

from riskdesk.core.demo import demo_project
from riskdesk.io import project_file
from riskdesk.io.project_file import ProjectFileError, load_project, save_project


def test_saved_project_reopens_identical(tmp_path):
    project = demo_project()
    project.saved_mappings["abc"] = {"columns": {"COO": "magnet_country"}}
    path = tmp_path / "demo.rdproj"
    save_project(project, path)
    again = load_project(path)
    assert again.settings == project.settings
    assert again.saved_mappings == project.saved_mappings
    for name in ("parts", "suppliers", "paths", "composition"):
        pd.testing.assert_frame_equal(getattr(again.tables, name), getattr(project.tables, name))


def test_a_crash_during_save_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_file.os, "replace", crash)
    changed = demo_project()
    changed.settings.name = "changed"
    with pytest.raises(ProjectFileError, match="previous file is unchanged"):
        save_project(changed, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.rdproj"], "no temporary file left behind"


def test_not_a_project_file_is_refused_clearly(tmp_path):
    path = tmp_path / "x.rdproj"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(ProjectFileError, match="not a RiskDesk project"):
        load_project(path)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (a)").connection.commit()
    with pytest.raises(ProjectFileError, match="not a RiskDesk project"):
        load_project(other)


def test_a_file_from_a_newer_riskdesk_asks_for_an_update(tmp_path):
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {project_file.SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(ProjectFileError, match="newer RiskDesk"):
        load_project(path)


def test_older_schema_is_migrated_on_load(tmp_path, monkeypatch):
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    calls = []
    monkeypatch.setattr(project_file, "SCHEMA_VERSION", project_file.SCHEMA_VERSION + 1)
    monkeypatch.setitem(project_file.MIGRATIONS, project_file.SCHEMA_VERSION - 1, lambda db: calls.append(db))
    load_project(path)
    assert len(calls) == 1


def test_a_truncated_file_is_refused_clearly(tmp_path):
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ProjectFileError, match=r"damaged|not a RiskDesk"):
        load_project(path)
    assert os.path.getsize(path) > 0
