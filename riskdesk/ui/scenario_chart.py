"""A scenario's chart: the monthly cost (baseline, scenario, Monte Carlo fan) above a timeline of the parts that
lose supply and run short. Drawn with pyqtgraph into any `GraphicsLayout` — the Scenarios tab's, or an
offscreen one saved as PNG for `riskdesk scenario --chart` (`render_scenario_chart`).

Every series is one item (a fan is two `FillBetweenItem`s, the timeline two `BarGraphItem`s), never one item per
path or per part. Importing this module imports pyqtgraph: import it when a chart is about to be drawn.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import Qt

from riskdesk.core.scenarios import ScenarioResult, add_months
from riskdesk.core.simulation import MonteCarloResult

BASELINE_COLOR = "#7f7f7f"
SCENARIO_COLOR = "#e15759"
FAN_COLOR = (78, 121, 167)
MEDIAN_COLOR = "#4e79a7"
AFFECTED_COLOR = "#f2b880"
SHORT_COLOR = "#c0392b"
TEXT_COLOR = "#202020"
MAX_TIMELINE_PARTS = 15
PNG_SIZE = (1400, 1000)
LEFT_AXIS_WIDTH = 290
"""Both plots share this left margin, so that their months line up and the timeline's part labels fit."""


def _timestamp(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


class _MoneyAxis(pg.AxisItem):
    """USD with thousands separators, or k/M for large values."""

    def __init__(self, orientation: str, **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        result = []
        for value in values:
            v = value * scale
            if abs(v) >= 1e6:
                result.append(f"{v / 1e6:,.{1 if spacing < 1e6 else 0}f}M")
            elif abs(v) >= 1e4:
                result.append(f"{v / 1e3:,.0f}k")
            else:
                result.append(f"{v:,.0f}")
        return result


class _MonthAxis(pg.DateAxisItem):
    """Dates as "Nov 2026" at month starts."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [dt.datetime.fromtimestamp(v, dt.UTC).strftime("%b %Y") for v in values]


def _month_ticks(result: ScenarioResult) -> list[tuple[float, str]]:
    months = result.scenario.months
    step = 1 if len(months) <= 12 else 3 if len(months) <= 36 else 6
    ticks = [(_timestamp(m), m.strftime("%b %Y")) for m in months[::step]]
    end = result.scenario.end
    if len(months) % step == 0:
        ticks.append((_timestamp(end), end.strftime("%b %Y")))
    return ticks


def _style_axes(plot: pg.PlotItem) -> None:
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(TEXT_COLOR))
        axis.setTextPen(pg.mkPen(TEXT_COLOR))


def draw_scenario_chart(layout: pg.GraphicsLayout, result: ScenarioResult,
                        monte_carlo: MonteCarloResult | None = None) -> tuple[pg.PlotItem, pg.PlotItem]:
    """Add the cost plot and the stock-out timeline to `layout` (rows 0–4); returns both plots."""
    scenario = result.scenario
    title = (f"{scenario.name}: monthly cost of the magnets' element content "
             f"({scenario.price_basis} prices, scored as of {result.evaluation.as_of})")
    layout.addItem(pg.LabelItem(title, size="12pt", bold=True, color=TEXT_COLOR), row=0, col=0)

    # Month t's cost is drawn across the month: a step from its first day to the next month's.
    edges = np.array([_timestamp(add_months(scenario.start, t)) for t in range(scenario.horizon_months + 1)])
    cost = layout.addPlot(row=1, col=0, axisItems={"left": _MoneyAxis("left"), "bottom": _MonthAxis("bottom")})
    cost.setLabel("left", "USD per month")
    cost.setLabel("bottom", "month")
    cost.showGrid(x=True, y=True, alpha=0.25)
    cost.setMouseEnabled(x=False, y=False)
    cost.hideButtons()
    _style_axes(cost)
    cost.getAxis("bottom").setTicks([_month_ticks(result)])
    legend = pg.LegendItem(colCount=3, labelTextSize="10pt", labelTextColor=TEXT_COLOR, horSpacing=20)
    layout.addItem(legend, row=2, col=0)
    if monte_carlo is not None:
        bands = ((5, 95, 50, f"Monte Carlo P5–P95 ({monte_carlo.paths:,} paths, seed {monte_carlo.seed})"),
                 (25, 75, 90, "Monte Carlo P25–P75"))
        for low, high, alpha, label in bands:
            lower_curve = pg.PlotCurveItem(*_steps(edges, monte_carlo.percentiles[low]))
            upper_curve = pg.PlotCurveItem(*_steps(edges, monte_carlo.percentiles[high]))
            fill = pg.FillBetweenItem(lower_curve, upper_curve, brush=pg.mkBrush(*FAN_COLOR, alpha))
            cost.addItem(fill)
            legend.addItem(pg.BarGraphItem(x=[0], height=[1], width=1, brush=pg.mkBrush(*FAN_COLOR, alpha),
                                           pen=pg.mkPen(None)), label)
        median = cost.plot(*_steps(edges, monte_carlo.p50), pen=pg.mkPen(MEDIAN_COLOR, width=2))
        legend.addItem(median, "Monte Carlo median")
    baseline = cost.plot(*_steps(edges, result.portfolio_baseline),
                         pen=pg.mkPen(BASELINE_COLOR, width=2, style=Qt.PenStyle.DashLine))
    legend.addItem(baseline, "baseline (reference prices)")
    shocked = cost.plot(*_steps(edges, result.portfolio_scenario), pen=pg.mkPen(SCENARIO_COLOR, width=3))
    legend.addItem(shocked, f"scenario: {result.delta_total:+,.0f} USD over {scenario.horizon_months} months")
    top = max(float(result.portfolio_scenario.max(initial=0.0)), float(result.portfolio_baseline.max(initial=0.0)))
    if monte_carlo is not None:
        top = max(top, float(monte_carlo.p95.max(initial=0.0)))
    cost.setYRange(0.0, top * 1.08 if top > 0 else 1.0, padding=0)
    cost.setXRange(edges[0], edges[-1], padding=0.03)

    layout.addItem(pg.LabelItem("Supply of each part lost to the scenario's cuts, and when its stock runs out",
                                size="11pt", bold=True, color=TEXT_COLOR), row=3, col=0)
    timeline = layout.addPlot(row=4, col=0, axisItems={"bottom": _MonthAxis("bottom")})
    timeline.setMouseEnabled(x=False, y=False)
    timeline.hideButtons()
    timeline.showGrid(x=True, y=False, alpha=0.25)
    _style_axes(timeline)
    timeline.getAxis("bottom").setTicks([_month_ticks(result)])
    timeline.setLabel("bottom", "date")
    timeline.invertY(True)
    so = result.stock_out
    affected = np.flatnonzero(so.first_affected_day > 0)
    order = sorted(affected, key=lambda i: (so.first_short_day[i] == 0, so.first_short_day[i] or 0,
                                            -so.loss_share[i]))[:MAX_TIMELINE_PARTS]
    day0 = _timestamp(scenario.start)
    day = 86400.0
    if order:
        rows = np.arange(len(order), dtype=float)
        lost_from = np.array([day0 + (so.first_affected_day[i] - 1) * day for i in order])
        lost_to = np.array([day0 + so.first_affected_day[i] * day + (so.ttr_days[i] - 1) * day for i in order])
        reduced = pg.BarGraphItem(x0=lost_from, x1=lost_to, y=rows, height=0.7, brush=pg.mkBrush(AFFECTED_COLOR),
                                  pen=pg.mkPen(None))
        timeline.addItem(reduced)
        short = [k for k, i in enumerate(order) if so.first_short_day[i] > 0]
        timeline_legend = pg.LegendItem(colCount=2, labelTextSize="10pt", labelTextColor=TEXT_COLOR, horSpacing=20)
        timeline_legend.addItem(reduced, "supply reduced (stock covers it)")
        if short:
            picks = [order[k] for k in short]
            stopped = pg.BarGraphItem(
                x0=np.array([day0 + (so.first_short_day[i] - 1) * day for i in picks]),
                x1=np.array([day0 + so.last_short_day[i] * day for i in picks]),
                y=rows[short], height=0.7, brush=pg.mkBrush(SHORT_COLOR), pen=pg.mkPen(None))
            timeline.addItem(stopped)
            timeline_legend.addItem(stopped, "short: stock used up, line stops")
        layout.addItem(timeline_legend, row=5, col=0)
        labels = []
        for i in order:
            text = f"{result.part_numbers[i]} ({so.loss_share[i]:.0%} lost"
            text += f", short from day {so.first_short_day[i]})" if so.first_short_day[i] else ")"
            labels.append(text)
        timeline.getAxis("left").setTicks([list(zip(rows.tolist(), labels, strict=True))])
        timeline.setYRange(-0.6, len(order) - 0.4, padding=0)
        if len(affected) > len(order):
            timeline.setTitle(f"the first {len(order)} of {len(affected)} parts that lose supply",
                              color=TEXT_COLOR, size="9pt")
    else:
        timeline.getAxis("left").setTicks([[(0.0, "no part loses supply")]])
        timeline.setYRange(-0.6, 0.6, padding=0)
    timeline.setXRange(edges[0], edges[-1], padding=0.03)
    for plot in (cost, timeline):
        plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
    layout.layout.setRowStretchFactor(1, 3)
    layout.layout.setRowStretchFactor(4, 2)
    return cost, timeline


def _steps(edges: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of a step line holding each month's value across the month."""
    x = np.repeat(edges, 2)[1:-1]
    y = np.repeat(np.asarray(values, dtype=float), 2)
    return x, y


def render_scenario_chart(result: ScenarioResult, monte_carlo: MonteCarloResult | None, path: Path,
                          size: tuple[int, int] = PNG_SIZE) -> Path:
    """Draw the chart offscreen and save it as a PNG (creating a Qt application if none runs)."""
    from PySide6.QtWidgets import QApplication

    target = Path(path)
    if not target.suffix:
        target = target.with_suffix(".png")
    if not target.resolve().parent.is_dir():
        raise OSError(f"the folder {target.resolve().parent} does not exist")
    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(["riskdesk"])
    pg.setConfigOptions(antialias=True, useOpenGL=False)
    view = pg.GraphicsLayoutWidget()
    view.setBackground("w")
    view.resize(*size)
    view.ci.setContentsMargins(12, 8, 20, 8)
    draw_scenario_chart(view.ci, result, monte_carlo)
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)  # laid out at its size, never on screen
    view.show()
    app.processEvents()
    exporter = ImageExporter(view.ci)
    exporter.parameters()["width"] = size[0]
    exporter.export(str(target))
    view.close()
    view.deleteLater()
    if not target.exists():
        raise OSError("the image could not be written there")
    return target
