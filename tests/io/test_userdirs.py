"""Per-user folders and application settings: the override, no side effects before init, JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskdesk.io import userdirs


def test_override_puts_everything_under_one_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(userdirs.ENV_OVERRIDE, str(tmp_path / "u"))
    dirs = userdirs.user_dirs()
    assert not (tmp_path / "u").exists()
    userdirs.init()
    assert all(folder.is_dir() and tmp_path in folder.parents for folder in dirs.all())


def test_platform_dirs_without_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(userdirs.ENV_OVERRIDE)
    assert "riskdesk" in str(userdirs.user_dirs().config).lower()


def test_app_settings_round_trip_and_recent_files(tmp_path: Path) -> None:
    dirs = userdirs.init()
    settings = userdirs.load_app_settings(dirs)
    assert settings.recent_files == [] and settings.autosave_seconds > 0
    for n in range(userdirs.MAX_RECENT + 2):
        settings.add_recent(tmp_path / f"p{n}.rdproj")
    settings.add_recent(tmp_path / "p3.rdproj")
    userdirs.save_app_settings(settings, dirs)
    again = userdirs.load_app_settings(dirs)
    assert len(again.recent_files) == userdirs.MAX_RECENT
    assert again.recent_files[0].endswith("p3.rdproj")


def test_unreadable_settings_fall_back_to_defaults() -> None:
    dirs = userdirs.init()
    dirs.settings_file.write_text("{not json", encoding="utf-8")
    assert userdirs.load_app_settings(dirs) == userdirs.AppSettings()
    dirs.settings_file.write_text(json.dumps({"autosave_seconds": "soon", "recent_files": [1, "a"]}),
                                  encoding="utf-8")
    loaded = userdirs.load_app_settings(dirs)
    assert loaded.autosave_seconds == userdirs.AppSettings().autosave_seconds
    assert loaded.recent_files == ["a"]
