"""Per-user folders (settings, autosaves, logs) and the application's own settings, without Qt.

Folders come from platformdirs for the application "RiskDesk", unless the environment variable
`RISKDESK_USER_DIR` names one folder to hold them all (tests, portable installs, developers). Nothing happens at
import time: `init()` creates the folders and is called once from `main`.

Application settings (recent projects, autosave interval) are one typed schema stored as JSON, readable by the CLI
without a `QCoreApplication`. Qt's QSettings is used only for window geometry, in the UI.

How to add an application setting: give it a default in `AppSettings`, read it in `AppSettings.read_json` with a
fallback (older files lack it), and, if its meaning changes, bump `SCHEMA_VERSION` and add a migration to
`_MIGRATIONS`.

A damaged settings file (not JSON, not an object, a setting of the wrong type or out of range, an unknown schema
version) never stops RiskDesk: `read_app_settings` falls back to the default of each setting it cannot use,
keeps the others, moves the damaged file aside as `settings.json.damaged-YYYYMMDD-HHMMSS` (so that the next save
does not silently destroy it), writes the repaired settings, and returns one line saying so, which the window
and the command line show once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riskdesk.io.workbook import ImportLimits

log = logging.getLogger(__name__)

APP_NAME = "RiskDesk"
ENV_OVERRIDE = "RISKDESK_USER_DIR"
SETTINGS_FILE = "settings.json"
SCHEMA_VERSION = 1
MAX_RECENT = 10
MAX_SETTINGS_BYTES = 1_000_000
"""RiskDesk's settings file holds a few hundred bytes; a larger one is damaged, and is not read."""
SECONDS_RANGE = (0, 86_400)
"""Autosave timings RiskDesk reads from the file: up to a day (Edit ▸ Preferences offers less)."""
IMPORT_ROWS_RANGE = (1_000, 10_000_000)
"""The row limit of an import, as Edit ▸ Preferences offers it: 0 or 5 rows would refuse every real file."""


@dataclass(frozen=True, slots=True)
class UserDirs:
    """Where RiskDesk keeps per-user files."""

    config: Path
    data: Path
    log: Path

    @property
    def autosave(self) -> Path:
        """Autosaves of open projects and the clean-exit marker."""
        return self.data / "autosave"

    @property
    def settings_file(self) -> Path:
        return self.config / SETTINGS_FILE

    @property
    def log_file(self) -> Path:
        return self.log / "riskdesk.log"

    def all(self) -> tuple[Path, ...]:
        return (self.config, self.data, self.log, self.autosave)


def user_dirs() -> UserDirs:
    """The folders for this user: under $RISKDESK_USER_DIR when set, else the platform's usual places."""
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        root = Path(override)
        return UserDirs(root / "config", root / "data", root / "log")
    import platformdirs

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return UserDirs(Path(dirs.user_config_dir), Path(dirs.user_data_dir), Path(dirs.user_log_dir))


def init() -> UserDirs:
    """Create the user folders (idempotent) and return them. Call once from `main`. They are private (0700; folders
    of this user's made so): autosaves are full copies of unsaved work, and the log names files."""
    from riskdesk.io.outputs import private_folder

    dirs = user_dirs()
    for folder in dirs.all():
        private_folder(folder)
    return dirs


@dataclass
class AppSettings:
    """Settings of the application itself (not of a project)."""

    recent_files: list[str] = field(default_factory=list)
    """Where the recent projects are kept, most recent first, at most MAX_RECENT: a project file's absolute path, or
    a workspace's address without its password (riskdesk.io.store.open_store takes either). The JSON key keeps its
    name from when every project was a file."""
    autosave_seconds: int = 30
    """While the user keeps editing, the longest time between autosaves; 0 turns autosave off."""
    autosave_delay_seconds: int = 5
    """An edited project is autosaved this long after the last edit."""
    import_max_rows: int = 250_000
    """Rows a spreadsheet may have before an import refuses it (riskdesk.io.workbook.ImportLimits.max_rows): the
    bound on the time and memory one import may take."""
    work_without_lock: bool = False
    """Work on a project whose lock cannot be taken (a drive that cannot lock files, something else at the lock
    path) instead of refusing it; saves still refuse to overwrite changes someone else made meanwhile. A project
    another RiskDesk holds is refused either way."""
    schema_version: int = SCHEMA_VERSION

    def add_recent(self, location: Path | str) -> None:
        text = recent_location(location)
        self.recent_files = [text, *[p for p in self.recent_files if p != text]][:MAX_RECENT]

    def remove_recent(self, location: Path | str) -> None:
        text = recent_location(location)
        self.recent_files = [p for p in self.recent_files if p != text]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "recent_files": list(self.recent_files),
            "autosave_seconds": self.autosave_seconds,
            "autosave_delay_seconds": self.autosave_delay_seconds,
            "import_max_rows": self.import_max_rows,
            "work_without_lock": self.work_without_lock,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AppSettings:
        """The settings in `data`; each one that is missing or cannot be used is its default (never raises)."""
        return cls.read_json(data)[0]

    @classmethod
    def read_json(cls, data: Mapping[str, Any]) -> tuple[AppSettings, list[str]]:
        """The settings in `data`, and the keys that were there but could not be used (each then its default,
        the others kept: a bad list of recent files does not reset the autosave timing)."""
        data, damaged = _migrate(dict(data))
        defaults = cls()
        recent = data.get("recent_files", [])
        if not isinstance(recent, list):
            damaged.append("recent_files")
            recent = []
        elif not all(isinstance(p, str) for p in recent):
            damaged.append("recent_files")
        seconds = _whole(data, "autosave_seconds", defaults.autosave_seconds, SECONDS_RANGE, damaged)
        delay = _whole(data, "autosave_delay_seconds", defaults.autosave_delay_seconds, SECONDS_RANGE, damaged)
        rows = _whole(data, "import_max_rows", defaults.import_max_rows, IMPORT_ROWS_RANGE, damaged)
        without_lock = data.get("work_without_lock", False)
        if not isinstance(without_lock, bool):
            damaged.append("work_without_lock")
            without_lock = False
        settings = cls(recent_files=[p for p in recent if isinstance(p, str)][:MAX_RECENT], autosave_seconds=seconds,
                       autosave_delay_seconds=delay, import_max_rows=rows,
                       work_without_lock=without_lock)
        return settings, damaged

    def import_limits(self) -> ImportLimits:
        """What an import may cost, with this user's row limit."""
        from riskdesk.io.workbook import ImportLimits

        return ImportLimits(max_rows=self.import_max_rows)


def recent_location(location: Path | str) -> str:
    """How a project's location is kept in the recent list: a file's absolute path (so that one file is one entry
    however it was named), an address as given but never with its password."""
    from riskdesk.io.store import is_database_location, shown_location

    if is_database_location(location):
        return shown_location(location)
    return str(Path(location).resolve())


def _whole(data: Mapping[str, Any], key: str, default: int, bounds: tuple[int, int], damaged: list[str]) -> int:
    """A whole number within `bounds`; the default when missing, and when anything else (then `key` is noted in
    `damaged`)."""
    if key not in data:
        return default
    value = data[key]
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        damaged.append(key)
        return default
    return int(value)


# _MIGRATIONS[n] turns settings of schema n into schema n + 1. Never edit a released one.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _migrate(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`data` in the current schema, and ["schema_version"] when its version is not one RiskDesk wrote (then its
    settings are read as they are, each checked). A newer version is read as it is: its known settings hold."""
    version = data.get("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        return data, ["schema_version"]
    try:
        while version < SCHEMA_VERSION:
            data = _MIGRATIONS[version](data)
            version += 1
    except (KeyError, TypeError, ValueError, AttributeError):
        return data, ["schema_version"]
    return data, []


def load_app_settings(dirs: UserDirs | None = None) -> AppSettings:
    """The saved application settings (see `read_app_settings`, whose note this logs)."""
    settings, note = read_app_settings(dirs)
    if note:
        log.warning("%s", note)
    return settings


def read_app_settings(dirs: UserDirs | None = None) -> tuple[AppSettings, str]:
    """The saved application settings, and one line to show the user when the file was damaged ("" otherwise).

    Never raises. Without a file: the defaults. A damaged file: each setting it holds that can be used is kept,
    the others are their defaults; the file is moved aside as `settings.json.damaged-YYYYMMDD-HHMMSS` and the
    repaired settings are written in its place, so that the note is shown once."""
    dirs = dirs or user_dirs()
    path = dirs.settings_file
    try:
        size = path.stat().st_size
        raw = path.read_bytes() if size <= MAX_SETTINGS_BYTES else b""
    except FileNotFoundError:
        return AppSettings(), ""
    except OSError as exc:
        return AppSettings(), f"{path} cannot be read ({exc.strerror or exc}): RiskDesk uses its default settings"
    data: object = None
    what = ""
    if size > MAX_SETTINGS_BYTES:
        what = f"{size:,} bytes, too large for RiskDesk's settings"
    else:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            what = "not valid JSON"
        else:
            if not isinstance(data, dict):
                what = "not a JSON object"
    if what:
        settings, used = AppSettings(), "RiskDesk uses its default settings"
    else:
        assert isinstance(data, dict)
        settings, damaged = AppSettings.read_json(data)
        if not damaged:
            return settings, ""
        what = f"{', '.join(damaged)} cannot be used"
        used = f"{'it uses the default' if len(damaged) == 1 else 'they use their defaults'}, the other settings hold"
    return settings, f"{path} was damaged ({what}): {used}; {_keep_aside(path, settings, dirs)}"


def _keep_aside(path: Path, settings: AppSettings, dirs: UserDirs) -> str:
    """Move the damaged file aside and write the repaired settings; says where it went (or that it could not)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 2
    while kept.exists():
        kept = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
        n += 1
    try:
        os.rename(path, kept)
    except FileNotFoundError:  # another RiskDesk moved it aside at the same moment
        return "another RiskDesk has just kept the damaged file aside"
    except OSError as exc:
        return f"it could not be kept aside ({exc.strerror or exc}) and is left as it is"
    try:
        save_app_settings(settings, dirs)
    except OSError as exc:
        log.warning("cannot write the repaired settings %s: %s", path, exc)
    return f"the damaged file is kept as {kept}"


def save_app_settings(settings: AppSettings, dirs: UserDirs | None = None) -> None:
    """Write the application settings atomically."""
    path = (dirs or user_dirs()).settings_file
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".settings.", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(settings.to_json(), out, indent=2)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
