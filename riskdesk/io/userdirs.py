"""Per-user folders (settings, autosaves, logs) and the application's own settings, without Qt.

Folders come from platformdirs for the application "RiskDesk", unless the environment variable
`RISKDESK_USER_DIR` names one folder to hold them all (tests, portable installs, developers). Nothing happens at
import time: `init()` creates the folders and is called once from `main`.

Application settings (recent files, autosave interval) are one typed schema stored as JSON, readable by the CLI
without a `QCoreApplication`. Qt's QSettings is used only for window geometry, in the UI.

How to add an application setting: give it a default in `AppSettings`, read it in `AppSettings.from_json` with a
fallback (older files lack it), and, if its meaning changes, bump `SCHEMA_VERSION` and add a migration to
`_MIGRATIONS`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riskdesk.io.workbook import ImportLimits

APP_NAME = "RiskDesk"
ENV_OVERRIDE = "RISKDESK_USER_DIR"
SETTINGS_FILE = "settings.json"
SCHEMA_VERSION = 1
MAX_RECENT = 10


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
    """Most recent first, at most MAX_RECENT."""
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

    def add_recent(self, path: Path | str) -> None:
        text = str(Path(path).resolve())
        self.recent_files = [text, *[p for p in self.recent_files if p != text]][:MAX_RECENT]

    def remove_recent(self, path: Path | str) -> None:
        text = str(Path(path).resolve())
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
        data = _migrate(dict(data))
        defaults = cls()
        recent = [str(p) for p in data.get("recent_files", []) if isinstance(p, str)][:MAX_RECENT]
        return cls(recent_files=recent,
                   autosave_seconds=_whole(data, "autosave_seconds", defaults.autosave_seconds),
                   autosave_delay_seconds=_whole(data, "autosave_delay_seconds", defaults.autosave_delay_seconds),
                   import_max_rows=_whole(data, "import_max_rows", defaults.import_max_rows, 10_000_000),
                   work_without_lock=data.get("work_without_lock") is True)

    def import_limits(self) -> ImportLimits:
        """What an import may cost, with this user's row limit."""
        from riskdesk.io.workbook import ImportLimits

        return ImportLimits(max_rows=self.import_max_rows)


def _whole(data: Mapping[str, Any], key: str, default: int, high: int = 86_400) -> int:
    """A whole number from 0 to `high` (seconds: a day); the default for anything else."""
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= high:
        return default
    return int(value)


# _MIGRATIONS[n] turns settings of schema n into schema n + 1. Never edit a released one.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = int(data.get("schema_version", 1) or 1)
    while version < SCHEMA_VERSION:
        data = _MIGRATIONS[version](data)
        version += 1
    return data


def load_app_settings(dirs: UserDirs | None = None) -> AppSettings:
    """The saved application settings, or the defaults when there are none or the file is unreadable."""
    path = (dirs or user_dirs()).settings_file
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return AppSettings()
    return AppSettings.from_json(data) if isinstance(data, dict) else AppSettings()


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
