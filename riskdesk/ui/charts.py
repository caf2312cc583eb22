"""pyqtgraph helpers: bar, stacked-bar and ranked charts with category axes, coloured from the system palette, that
can be saved as PNG or SVG.

Importing this module imports pyqtgraph (≈ 0.4 s): import it lazily, when the first chart is about to be shown.
Every chart draws one `BarGraphItem` per series (a stacked chart of ten countries is ten items, whatever the
number of bars), never one item per row.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter, SVGExporter
from PySide6.QtCore import QBuffer, QEvent, QIODevice, Qt
from PySide6.QtGui import QAction, QGuiApplication, QPalette
from PySide6.QtWidgets import QFileDialog, QMessageBox, QSizePolicy, QVBoxLayout, QWidget

from riskdesk.io.outputs import OutputError, write_output

SERIES_COLORS: tuple[str, ...] = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#17becf",
)
"""Tableau-10-like qualitative colours: distinct from one another and legible on light and dark backgrounds."""
OTHER_COLOR = "#bab0ac"
UNKNOWN_COLOR = "#7f7f7f"

_configured = False


def configure() -> None:
    """Global pyqtgraph options, set once: antialiased drawing, no OpenGL."""
    global _configured
    if not _configured:
        pg.setConfigOptions(antialias=True, useOpenGL=False)
        _configured = True


def series_color(position: int) -> str:
    return SERIES_COLORS[position % len(SERIES_COLORS)]


def compact_number(value: float) -> str:
    """1234 → "1.2k", 2_500_000 → "2.5M"; small values keep their decimals."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    if magnitude >= 10 or value == 0:
        return f"{value:.0f}"
    return f"{value:.3g}"


@contextlib.contextmanager
def _svg_closed_paths() -> Iterator[None]:
    """WORKAROUND for https://github.com/pyqtgraph/pyqtgraph/issues/3495: pyqtgraph's SVG exporter cannot parse the
    close-path command ("Z") that Qt 6.10+ writes, and every plot has one (the view box outline). While exporting,
    hand it the paths without their "Z" tokens and put them back, in place, after its coordinate transform."""
    module: Any = sys.modules[SVGExporter.__module__]  # untyped pyqtgraph module whose function we swap
    original = module.correctCoordinates

    def correct(node: Any, defs: Any, item: Any, options: Any) -> Any:
        closed: list[tuple[Any, list[str]]] = []
        for path in node.getElementsByTagName("path"):
            tokens = path.getAttribute("d").split()
            if any(t in ("Z", "z") for t in tokens):
                closed.append((path, tokens))
                path.setAttribute("d", " ".join(t for t in tokens if t not in ("Z", "z")))
        result = original(node, defs, item, options)
        for path, tokens in closed:
            moved = iter(path.getAttribute("d").split())
            path.setAttribute("d", " ".join(t if t in ("Z", "z") else next(moved, "") for t in tokens).strip())
        return result

    module.correctCoordinates = correct
    try:
        yield
    finally:
        module.correctCoordinates = original


class ValueAxis(pg.AxisItem):
    """A value axis with compact tick labels (12k, 3.4M) instead of an SI prefix on the axis label."""

    def __init__(self, orientation: str, **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [compact_number(v * scale) for v in values]


class _Title(pg.LabelItem):
    """A chart's title that wraps to the chart's width: pyqtgraph's label asks for its whole line as the least
    width, which makes a chart with a long title wider than its pane (the right of the plot cut off)."""

    def updateMin(self) -> None:
        width = self.rect().width()
        wanted = width if width > 1 else -1.0
        if self.item.textWidth() != wanted:
            self.item.setTextWidth(wanted)
        bounds = self.itemRect()
        self.setMinimumWidth(0)
        self.setMinimumHeight(bounds.height())
        self._sizeHint = {
            Qt.SizeHint.MinimumSize: (0, bounds.height()),
            Qt.SizeHint.PreferredSize: (bounds.width(), bounds.height()),
            Qt.SizeHint.MaximumSize: (-1, -1),
            Qt.SizeHint.MinimumDescent: (0, 0),
        }
        self.updateGeometry()


class ChartWidget(QWidget):
    """A pyqtgraph chart — title, plot, legend below — following the system palette, with "Save as PNG / SVG" and
    "Copy" actions (context menu; `actions()` for a toolbar). Saved files include the title and the legend.
    Fill it with `set_bars` or `set_stacked`."""

    def __init__(self, title: str, *, horizontal: bool = False, axis_items: Mapping[str, pg.AxisItem] | None = None,
                 parent: QWidget | None = None) -> None:
        """`axis_items` replaces the default axes (e.g. a date axis at the bottom of a time series)."""
        super().__init__(parent)
        configure()
        self._horizontal = horizontal
        self._title = title
        self._items: list[pg.GraphicsObject] = []
        self._summary = ""
        self._outline = pg.mkPen(None)
        self._describe: Callable[[float, float], str | None] | None = None
        self.hover_text = ""
        """What the hover label says now ("" when hidden)."""

        self.view = pg.GraphicsLayoutWidget()
        self.view.setObjectName("chartView")
        self.view.setAccessibleName(title)
        self.view.setMinimumHeight(160)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.view.ci.setContentsMargins(6, 4, 10, 4)
        self.title_item = _Title(title, size="10pt", bold=True, justify="left")
        self.view.addItem(self.title_item, row=0, col=0)
        value_side = "bottom" if horizontal else "left"
        axes: dict[str, pg.AxisItem] = {value_side: ValueAxis(value_side), **(axis_items or {})}
        self.plot_item: pg.PlotItem = self.view.addPlot(row=1, col=0, axisItems=axes)
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.plot_item.showGrid(x=horizontal, y=not horizontal, alpha=0.3)
        self.plot_item.getAxis(value_side).setStyle(maxTickLevel=1)
        if horizontal:
            self.plot_item.invertY(True)
        self.legend = pg.LegendItem(colCount=4, labelTextSize="9pt", horSpacing=16, verSpacing=-4)
        self.view.addItem(self.legend, row=2, col=0)
        self.legend.setVisible(False)
        self._hover = pg.TextItem(anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 230), border=pg.mkPen("#888"),
                                  color="#202020")
        self._hover.setZValue(1000)
        self._hover.hide()
        self.plot_item.addItem(self._hover, ignoreBounds=True)
        self.view.scene().sigMouseMoved.connect(self._on_mouse_moved)

        self.save_png_action = QAction("Save chart as &PNG…", self)
        self.save_png_action.triggered.connect(lambda: self._ask_and_save("png"))
        self.save_svg_action = QAction("Save chart as &SVG…", self)
        self.save_svg_action.triggered.connect(lambda: self._ask_and_save("svg"))
        self.copy_action = QAction("&Copy chart image", self)
        self.copy_action.triggered.connect(self.copy_to_clipboard)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.view.addActions(self.chart_actions())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        self.apply_palette(self.palette())

    def chart_actions(self) -> list[QAction]:
        """Save as PNG, save as SVG, copy: for a menu or toolbar."""
        return [self.save_png_action, self.save_svg_action, self.copy_action]

    # -- look

    def apply_palette(self, palette: QPalette) -> None:
        """Background, axes, grid, title and legend text in the palette's base and text colours."""
        background = palette.color(QPalette.ColorRole.Base)
        foreground = palette.color(QPalette.ColorRole.Text)
        self.view.setBackground(background)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(foreground)
            axis.setTextPen(foreground)
        self.title_item.setText(self._title, color=foreground.name())
        self.legend.setLabelTextColor(foreground)
        for _sample, label in self.legend.items:  # entries drawn before the switch keep their old colour otherwise
            label.setText(label.text, color=foreground.name())
        self._outline = pg.mkPen(background, width=1)
        for bar in self._items:
            if isinstance(bar, pg.BarGraphItem):
                bar.setOpts(pen=self._outline)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_palette(self.palette())
        super().changeEvent(event)

    # -- content

    @property
    def title(self) -> str:
        return self._title

    def set_title(self, title: str) -> None:
        self._title = title
        self.title_item.setText(title, color=self.palette().color(QPalette.ColorRole.Text).name())
        self.view.setAccessibleName(title)

    @property
    def items(self) -> list[pg.GraphicsObject]:
        """The graphics items drawn: one per series."""
        return list(self._items)

    @property
    def summary(self) -> str:
        """The chart's figures in words (also its accessible description and tooltip)."""
        return self._summary

    def set_tooltip(self, text: str) -> None:
        self.view.setToolTip(text)

    def set_value_range(self, low: float, high: float) -> None:
        if self._horizontal:
            self.plot_item.setXRange(low, high, padding=0)
        else:
            self.plot_item.setYRange(low, high, padding=0)

    def clear(self) -> None:
        for graphic in self._items:
            self.plot_item.removeItem(graphic)
        self._items = []
        self.legend.clear()
        self.legend.setVisible(False)
        self._set_summary("")
        self.hide_hover()

    def add(self, item: pg.GraphicsObject, legend: str = "") -> pg.GraphicsObject:
        """Draw `item` in the plot (removed by `clear`), with a legend entry when `legend` is given."""
        self.plot_item.addItem(item)
        self._items.append(item)
        if legend:
            self.legend.addItem(item, legend)
            self.legend.setVisible(True)
        return item

    def adopt(self, items: Sequence[pg.GraphicsObject]) -> None:
        """Items a drawing function added to `plot_item` (and the legend) itself: `clear` removes them too."""
        self._items.extend(items)

    def set_summary(self, text: str) -> None:
        """The chart's figures in words: its accessible description and tooltip."""
        self._set_summary(text)

    # -- hover

    def set_hover(self, describe: Callable[[float, float], str | None]) -> None:
        """Show `describe(x, y)` (plot coordinates under the mouse) in a label beside the cursor; None hides it."""
        self._describe = describe

    def hover_at(self, x: float, y: float) -> str:
        """Show the hover label for plot point (x, y), as a mouse move there would; returns its text."""
        text = self._describe(x, y) if self._describe is not None else None
        if not text:
            self.hide_hover()
            return ""
        self.hover_text = text
        self._hover.setText(text)
        (x_low, x_high), (y_low, y_high) = self.plot_item.viewRange()
        right = x > (x_low + x_high) / 2
        low = (y < (y_low + y_high) / 2) != self.plot_item.getViewBox().yInverted()
        self._hover.setAnchor((1 if right else 0, 1 if low else 0))
        self._hover.setPos(x, y)
        self._hover.show()
        return text

    def hide_hover(self) -> None:
        self.hover_text = ""
        self._hover.hide()

    def _on_mouse_moved(self, position: Any) -> None:
        box = self.plot_item.getViewBox()
        if self._describe is None or not box.sceneBoundingRect().contains(position):
            self.hide_hover()
            return
        point = box.mapSceneToView(position)
        self.hover_at(point.x(), point.y())

    def _value_axis(self) -> pg.AxisItem:
        return self.plot_item.getAxis("bottom" if self._horizontal else "left")

    def _category_axis(self) -> pg.AxisItem:
        return self.plot_item.getAxis("left" if self._horizontal else "bottom")

    def _set_summary(self, text: str) -> None:
        self._summary = text
        self.view.setAccessibleDescription(text)
        self.view.setToolTip(text[:600] + ("…" if len(text) > 600 else ""))

    def _bars(self, positions: np.ndarray, lengths: np.ndarray, base: np.ndarray, brush: Any,
              thickness: float = 0.7) -> pg.BarGraphItem:
        options: dict[str, Any] = {"pen": self._outline}
        if isinstance(brush, list):
            options["brushes"] = brush
        else:
            options["brush"] = brush
        if self._horizontal:
            bar = pg.BarGraphItem(x0=base, width=lengths, y=positions, height=thickness, **options)
        else:
            bar = pg.BarGraphItem(x=positions, height=lengths, y0=base, width=thickness, **options)
        self.plot_item.addItem(bar)
        self._items.append(bar)
        return bar

    def _finish(self, categories: Sequence[str], value_label: str, total: float) -> None:
        n = len(categories)
        self._category_axis().setTicks([[(i, str(label)) for i, label in enumerate(categories)], []])
        self._value_axis().setLabel(value_label)
        top = total * 1.05 if total > 0 else 1.0
        self.set_value_range(0, top)
        if self._horizontal:
            self.plot_item.setYRange(-0.6, max(n, 1) - 0.4, padding=0)
        else:
            self.plot_item.setXRange(-0.6, max(n, 1) - 0.4, padding=0)

    def set_bars(self, categories: Sequence[str], values: Sequence[float], value_label: str, *,
                 colors: Sequence[str] | str = SERIES_COLORS[0], formatter: Any = compact_number,
                 legend: Mapping[str, str] | None = None) -> None:
        """One bar per category, drawn as a single item (per-bar colours via `colors`; `legend` maps a label to
        the colour it stands for)."""
        self.clear()
        data = np.asarray(values, dtype=float)
        positions = np.arange(len(data), dtype=float)
        brush: Any = ([pg.mkBrush(c) for c in colors] if not isinstance(colors, str) else pg.mkBrush(colors))
        if len(data):
            self._bars(positions, data, np.zeros_like(data), brush)
        for label, color in (legend or {}).items():
            self.legend.addItem(pg.BarGraphItem(x=[0], height=[1], width=1, brush=pg.mkBrush(color),
                                                pen=self._outline), label)
        self.legend.setVisible(bool(legend))
        self._finish(categories, value_label, float(data.max()) if len(data) else 0.0)
        self._set_summary(f"{self._title}: " + "; ".join(
            f"{c} {formatter(v)}" for c, v in zip(categories, data, strict=True)))

    def set_stacked(self, categories: Sequence[str], series: Mapping[str, Sequence[float] | np.ndarray],
                    value_label: str, *, colors: Mapping[str, str] | None = None,
                    formatter: Any = compact_number) -> None:
        """Bars stacked by series: one item per series (not per bar), with a legend below the plot."""
        self.clear()
        positions = np.arange(len(categories), dtype=float)
        base = np.zeros(len(categories))
        for position, (name, values) in enumerate(series.items()):
            data = np.asarray(values, dtype=float)
            if not data.any():
                continue
            color = (colors or {}).get(name, series_color(position))
            bar = self._bars(positions, data, base.copy(), pg.mkBrush(color))
            self.legend.addItem(bar, name)
            base += data
        self.legend.setVisible(True)
        self._finish(categories, value_label, float(base.max()) if len(base) else 0.0)
        parts = []
        for i, category in enumerate(categories):
            pieces = [f"{name} {formatter(float(values[i]))}" for name, values in series.items() if values[i] > 0]
            parts.append(f"{category}: {formatter(float(base[i]))} ({', '.join(pieces)})")
        self._set_summary(f"{self._title}: " + "; ".join(parts))

    def add_reference_line(self, value: float, color: str) -> None:
        """A dashed line across the value axis (e.g. the portfolio score); say what it is in the title."""
        line = pg.InfiniteLine(pos=value, angle=90 if self._horizontal else 0,
                               pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine))
        self.plot_item.addItem(line)
        self._items.append(line)

    # -- saving

    def save(self, path: str | Path) -> Path:
        """Write the chart (title, plot and legend) to `path`: SVG when the name ends in .svg, a PNG image the size
        of the chart on screen when it ends in .png or has no suffix (".png" is added). pyqtgraph renders it to
        bytes, written through `riskdesk.io.outputs.write_output` (never over a project or a folder, never half a
        file). Raises OutputError (an OSError) saying why when the file is refused or cannot be written."""
        target = chart_path(Path(path))
        return write_output(target, chart_image(self.view.ci, target.suffix.lower()[1:]), what="the chart")

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setPixmap(self.view.grab())

    def _ask_and_save(self, kind: str) -> None:
        filters = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)"}
        stem = "".join(ch if ch.isalnum() else "-" for ch in self._title.lower()).strip("-")[:60] or "chart"
        path, _ = QFileDialog.getSaveFileName(self, "Save chart", f"{stem}.{kind}", filters[kind])
        if not path:
            return
        if not path.lower().endswith(f".{kind}"):
            path += f".{kind}"
        try:
            self.save(path)
        except OutputError as exc:  # names the file and says what to do
            QMessageBox.warning(self, "Chart not saved", f"The chart was not saved: {exc}.")
        except OSError as exc:
            QMessageBox.warning(self, "Chart not saved", f"The chart was not saved: {exc.strerror or exc}. Choose "
                                                         "another folder.")


CHART_SUFFIXES = (".png", ".svg")
"""What a chart can be saved as."""


def chart_path(path: Path) -> Path:
    """`path` as a chart file name: ".png" added when it has no suffix; OutputError unless it ends in .png or .svg."""
    if not path.suffix:
        return path.with_suffix(".png")
    if path.suffix.lower() not in CHART_SUFFIXES:
        raise OutputError(f"{path}: a chart is saved as a PNG image or an SVG drawing; give a file name ending in "
                          ".png or .svg", path)
    return path


def chart_image(item: Any, kind: str, width: int | None = None) -> bytes:
    """The chart drawn by `item` (a pyqtgraph layout or plot) as the bytes of a PNG image (`kind` "png", `width`
    pixels wide, default its size on screen) or an SVG drawing ("svg")."""
    if kind == "svg":
        with _svg_closed_paths():
            data = SVGExporter(item).export(toBytes=True)
        return bytes(data)
    exporter = ImageExporter(item)
    if width is not None:
        exporter.parameters()["width"] = width
    image = exporter.export(toBytes=True)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if image is None or image.isNull() or not image.save(buffer, "PNG"):
        raise OSError("the image could not be drawn")
    return bytes(buffer.data().data())
