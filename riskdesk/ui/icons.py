"""Bundled icons: SVG files in `resources/icons/` drawn with `currentColor`, painted in the palette's text colour
so that they follow the system's light or dark theme.

Each icon is handed to Qt's own SVG icon engine as a file, recoloured once per colour into a per-user folder
under the system's temporary directory: Qt then renders it in C++ when it is first painted at a size, and greys
it when disabled, as for any icon. (A Python `QIconEngine` did the same but its first call made PySide6 set up
some fifty enum types, ~10 ms of start-up; `bench/bench_gui.py`.)
"""

from __future__ import annotations

import contextlib
import getpass
import os
import tempfile
import zlib
from functools import cache
from pathlib import Path

from PySide6.QtGui import QGuiApplication, QIcon, QPalette

from riskdesk.core.resources import resource_path


@cache
def _svg_text(name: str) -> str | None:
    try:
        return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    except OSError:
        return None


@cache
def _cache_dir() -> Path:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    folder = Path(tempfile.gettempdir()) / f"riskdesk-icons-{''.join(c for c in user if c.isalnum()) or 'user'}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


@cache
def _recoloured_file(name: str, color: str) -> Path:
    """The icon's SVG with currentColor replaced by `color`, as a file (written once; its name says what it
    holds). Cached: the window asks for the same icons again after each switch between light and dark."""
    text = _svg_text(name)
    assert text is not None
    svg = text.replace("currentColor", color).encode("utf-8")
    path = _cache_dir() / f"{name}-{color.lstrip('#')}-{zlib.crc32(svg):08x}.svg"
    if not path.exists():
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
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
    except OSError:  # no writable temporary folder: the icon in its file's own colours
        return QIcon(str(resource_path("icons", f"{name}.svg")))
