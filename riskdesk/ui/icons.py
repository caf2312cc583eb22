"""Bundled icons: SVG files in `resources/icons/` drawn with `currentColor`, painted in the palette's text colour
so that they follow the system's light or dark theme.

Each icon is handed to Qt's own SVG icon engine as a file, recoloured once per colour into the user's own cache
folder (`icons/` under platformdirs' user cache folder, or under $RISKDESK_USER_DIR/cache): Qt then renders it in
C++ when it is first painted at a size, and greys it when disabled, as for any icon. (A Python `QIconEngine` did
the same but its first call made PySide6 set up some fifty enum types, ~10 ms of start-up; `bench/bench_gui.py`.)

The folder is this user's and 0700, never a predictable name in the shared temporary folder; a folder that is a
link or someone else's is not used, and a file in it that is not this user's, is writable by others or holds
anything but the icon is written again before Qt reads it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import zlib
from functools import cache
from pathlib import Path

from PySide6.QtGui import QGuiApplication, QIcon, QPalette

from riskdesk.core.resources import resource_path
from riskdesk.io.outputs import private_folder
from riskdesk.io.userdirs import APP_NAME, ENV_OVERRIDE


@cache
def _svg_text(name: str) -> str | None:
    try:
        return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    except OSError:
        return None


def cache_root() -> Path:
    """The user's own cache folder for RiskDesk: $RISKDESK_USER_DIR/cache when set, else platformdirs'."""
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        return Path(override) / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def _own(info: os.stat_result) -> bool:
    """Whether a file or folder is this user's and nobody else can write to it (always so on Windows)."""
    if sys.platform == "win32":  # pragma: no cover - no owners and modes to check there
        return True
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def _cache_dir() -> Path:
    """The icon folder: created 0700; OSError when it is a link or not this user's own."""
    folder = private_folder(cache_root() / "icons")
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or not _own(info):
        raise OSError(f"{folder} is not a folder of this user's own")
    return folder


def _trusted(path: Path, content: bytes) -> bool:
    """Whether `path` is a regular file of this user's, not writable by others, holding exactly `content`."""
    try:
        info = path.lstat()
        return stat.S_ISREG(info.st_mode) and _own(info) and path.read_bytes() == content
    except OSError:
        return False


def _recoloured_file(name: str, color: str) -> Path:
    """The icon's SVG with currentColor replaced by `color`, as a file in the user's icon folder (its name says
    what it holds). Raises OSError when that folder cannot be used."""
    return _recoloured_in(_cache_dir(), name, color)


@cache
def _recoloured_in(folder: Path, name: str, color: str) -> Path:
    """Written (again) unless a trusted copy is there. Cached: the window asks for the same icons again after each
    switch between light and dark."""
    text = _svg_text(name)
    assert text is not None
    svg = text.replace("currentColor", color).encode("utf-8")
    path = folder / f"{name}-{color.lstrip('#')}-{zlib.crc32(svg):08x}.svg"
    if not _trusted(path, svg):
        handle, temp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(svg)
            os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    return path


def _text_color() -> str:
    palette = QGuiApplication.palette() if QGuiApplication.instance() is not None else QPalette()
    return palette.color(QPalette.ColorRole.WindowText).name()


def icon(name: str, color: str | None = None) -> QIcon:
    """A bundled icon (`resources/icons/NAME.svg`) drawn in `color` (default: the palette's text colour)."""
    text = _svg_text(name)
    if text is None:
        return QIcon()
    if "currentColor" not in text:
        return QIcon(str(resource_path("icons", f"{name}.svg")))
    try:
        return QIcon(str(_recoloured_file(name, color or _text_color())))
    except OSError:  # no usable cache folder: the icon in its file's own colours
        return QIcon(str(resource_path("icons", f"{name}.svg")))
