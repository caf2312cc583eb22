"""Bundled icons: SVG files in `resources/icons/` drawn with `currentColor`, painted in the palette's text colour
so that they follow the system's light or dark theme (greyed with the palette's disabled colour).

An icon is rendered only when Qt first asks for it at a size, so that building the window's menus and
toolbars costs no drawing (start-up time, `bench/bench_gui.py`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap

from riskdesk.core.resources import resource_path


class ThemedSvgIconEngine(QIconEngine):
    """Paints one SVG in a colour: a fixed one, or else the palette's text colour for the icon's mode."""

    def __init__(self, svg: str, color: str | None = None) -> None:
        super().__init__()
        self._svg = svg
        self._color = color
        self._renderers: dict[str, Any] = {}

    def _color_for(self, mode: QIcon.Mode) -> str:
        if self._color is not None:
            return self._color
        palette = QGuiApplication.palette() if QGuiApplication.instance() is not None else QPalette()
        group = QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled else QPalette.ColorGroup.Normal
        return palette.color(group, QPalette.ColorRole.WindowText).name()

    def _render(self, painter: QPainter, rect: QRectF, mode: QIcon.Mode) -> None:
        color = self._color_for(mode)
        renderer = self._renderers.get(color)
        if renderer is None:
            from PySide6.QtSvg import QSvgRenderer

            renderer = QSvgRenderer(QByteArray(self._svg.replace("currentColor", color).encode("utf-8")))
            self._renderers[color] = renderer
        renderer.render(painter, rect)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        self._render(painter, QRectF(rect), mode)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        width, height = max(1, round(size.width() * scale)), max(1, round(size.height() * scale))
        pixmap = QPixmap(width, height)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self._render(painter, QRectF(0, 0, width, height), mode)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def isNull(self) -> bool:
        return False

    def clone(self) -> QIconEngine:
        return ThemedSvgIconEngine(self._svg, self._color)


@cache
def _svg_text(name: str) -> str | None:
    try:
        return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    except OSError:
        return None


def icon(name: str, color: str | None = None) -> QIcon:
    """A bundled icon (`resources/icons/NAME.svg`) drawn in `color` (default: the palette's text colour)."""
    text = _svg_text(name)
    if text is None:
        return QIcon()
    if "currentColor" not in text:
        return QIcon(str(resource_path("icons", f"{name}.svg")))
    return QIcon(ThemedSvgIconEngine(text, color))
