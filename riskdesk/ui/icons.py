"""Bundled icons: SVG files in `resources/icons/` drawn with `currentColor`, painted in the palette's text colour
so that they follow the system's light or dark theme; disabled icons are greyed by the style, as Qt does for
its own icons.

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
    """Paints one SVG in a colour: a fixed one, or else the palette's text colour."""

    def __init__(self, svg: str, color: str | None = None) -> None:
        super().__init__()
        self._svg = svg
        self._fixed_color = color
        self._renderers: dict[str, Any] = {}

    def _color(self) -> str:
        if self._fixed_color is not None:
            return self._fixed_color
        palette = QGuiApplication.palette() if QGuiApplication.instance() is not None else QPalette()
        return palette.color(QPalette.ColorRole.WindowText).name()

    def _render(self, painter: QPainter, rect: QRectF) -> None:
        color = self._color()
        renderer = self._renderers.get(color)
        if renderer is None:
            from PySide6.QtSvg import QSvgRenderer

            renderer = QSvgRenderer(QByteArray(self._svg.replace("currentColor", color).encode("utf-8")))
            self._renderers[color] = renderer
        renderer.render(painter, rect)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        if mode == QIcon.Mode.Disabled:
            scale = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
            painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))
        else:
            self._render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        width, height = max(1, round(size.width() * scale)), max(1, round(size.height() * scale))
        pixmap = QPixmap(width, height)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self._render(painter, QRectF(0, 0, width, height))
        painter.end()
        if mode == QIcon.Mode.Disabled:
            from PySide6.QtWidgets import QApplication, QStyleOption

            app = QApplication.instance()
            if isinstance(app, QApplication):
                pixmap = app.style().generatedIconPixmap(QIcon.Mode.Disabled, pixmap, QStyleOption())
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def isNull(self) -> bool:
        return False

    def clone(self) -> QIconEngine:
        return ThemedSvgIconEngine(self._svg, self._fixed_color)


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
