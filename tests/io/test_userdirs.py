"""Per-user folders and application settings: the override, no side effects before init, JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def test_a_workspace_is_kept_in_the_recent_list_as_its_address_without_the_password(tmp_path: Path) -> None:
    settings = userdirs.AppSettings()
    settings.add_recent("postgresql://ana:s3cret@db.example/riskdesk?workspace=eu")
    settings.add_recent(tmp_path / "p.rdproj")
    settings.add_recent("postgresql://ana@db.example/riskdesk?workspace=eu")  # the same workspace again: first
    kept = str((tmp_path / "p.rdproj").resolve())
    assert settings.recent_files == ["postgresql://ana@db.example/riskdesk?workspace=eu", kept]
    settings.remove_recent("postgresql://ana:other@db.example/riskdesk?workspace=eu")
    assert settings.recent_files == [kept]


def test_unreadable_settings_fall_back_to_defaults() -> None:
    dirs = userdirs.init()
    dirs.settings_file.write_text("{not json", encoding="utf-8")
    assert userdirs.load_app_settings(dirs) == userdirs.AppSettings()
    dirs.settings_file.write_text(json.dumps({"autosave_seconds": "soon", "recent_files": [1, "a"]}),
                                  encoding="utf-8")
    loaded = userdirs.load_app_settings(dirs)
    assert loaded.autosave_seconds == userdirs.AppSettings().autosave_seconds
    assert loaded.recent_files == ["a"]


# ---- a damaged settings file (issue 19) ------------------------------------------------------------------------

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                  max_size=4), max_leaves=12)
_KEYS = ["schema_version", "recent_files", "autosave_seconds", "autosave_delay_seconds", "import_max_rows"]


def _within_bounds(settings: userdirs.AppSettings) -> bool:
    low, high = userdirs.IMPORT_ROWS_RANGE
    return (all(isinstance(p, str) for p in settings.recent_files) and len(settings.recent_files) <= 10
            and all(0 <= s <= 86_400 for s in (settings.autosave_seconds, settings.autosave_delay_seconds))
            and low <= settings.import_max_rows <= high)


@given(value=_JSON | st.dictionaries(st.sampled_from(_KEYS), _JSON))
def test_any_json_written_as_the_settings_file_loads_without_raising(value: object) -> None:
    dirs = userdirs.init()
    for old in dirs.config.iterdir():
        old.unlink()
    text = json.dumps(value)  # NaN and Infinity too, as Python writes them
    dirs.settings_file.write_text(text, encoding="utf-8")
    settings, note = userdirs.read_app_settings(dirs)
    assert _within_bounds(settings) and "\n" not in note
    kept = [p for p in dirs.config.iterdir() if p.name.startswith("settings.json.damaged-")]
    if note:  # what the user had is kept, byte for byte, and the repaired file loads cleanly
        assert [p.read_text(encoding="utf-8") for p in kept] == [text]
        assert userdirs.read_app_settings(dirs) == (settings, "")
    else:
        assert kept == []


@pytest.mark.parametrize("content", [b"\xff\xfe{", b"[" * 100_000, b'{"a": ' + b"9" * 5000 + b"}",
                                     b" " * (userdirs.MAX_SETTINGS_BYTES + 1)])
def test_unreadable_bytes_deep_nesting_huge_numbers_and_huge_files_fall_back_to_the_defaults(content: bytes) -> None:
    dirs = userdirs.init()
    dirs.settings_file.write_bytes(content)
    settings, note = userdirs.read_app_settings(dirs)
    assert settings == userdirs.AppSettings() and "uses its default settings" in note
    assert "kept as" in note and dirs.settings_file.exists()


def test_each_setting_falls_back_on_its_own() -> None:
    dirs = userdirs.init()
    dirs.settings_file.write_text(json.dumps({"recent_files": 5, "autosave_seconds": 12, "autosave_delay_seconds": 2,
                                              "import_max_rows": 5}), encoding="utf-8")
    settings, note = userdirs.read_app_settings(dirs)
    assert settings.recent_files == [] and settings.import_max_rows == userdirs.AppSettings().import_max_rows
    assert (settings.autosave_seconds, settings.autosave_delay_seconds) == (12, 2)
    assert "(recent_files, import_max_rows cannot be used): they use their defaults, the other settings hold" in note
    assert userdirs.load_app_settings(dirs) == settings  # written back repaired: the good ones stay


def test_a_settings_file_of_a_newer_riskdesk_is_not_damage() -> None:
    dirs = userdirs.init()
    dirs.settings_file.write_text(json.dumps({"schema_version": 7, "autosave_seconds": 12, "new_setting": [1]}),
                                  encoding="utf-8")
    settings, note = userdirs.read_app_settings(dirs)
    assert note == "" and settings.autosave_seconds == 12
    assert [p.name for p in dirs.config.iterdir()] == ["settings.json"]
