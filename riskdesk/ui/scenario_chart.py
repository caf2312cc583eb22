"""A scenario's charts, drawn with pyqtgraph: the monthly cost (baseline, scenario, Monte Carlo fan), the stock-out
timeline (how long each part's stock lasts against when its supply comes back), the price history of an element
with the control list's key dates and the scenario's path, and the tornado of cost sensitivity by element.

Each chart is a `plot_*` function that draws into a pyqtgraph `PlotItem` and its `LegendItem`, and returns the
items it added and a summary in words. The Scenarios tab calls them on its `ChartWidget`s; `render_scenario_chart`
calls the cost and timeline functions on an offscreen layout for `riskdesk scenario --chart` and writes the image
(PNG or SVG) through `riskdesk.io.outputs`, as every output is written. Every series is one
item (a fan is two `FillBetweenItem`s, the timeline three items), never one item per path or per part.

Importing this module imports pyqtgraph: import it when a chart is about to be drawn.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from riskdesk.core.labels import format_money, tail_cost_words
from riskdesk.core.prices import PriceBook
from riskdesk.core.rules import KeyDate
from riskdesk.core.scenario_run import ElementSensitivity, ScenarioResult
from riskdesk.core.scenarios import add_months
from riskdesk.core.simulation import TAIL, MonteCarloResult
from riskdesk.io.outputs import check_output, write_output
from riskdesk.ui.charts import chart_image, chart_path

BASELINE_COLOR = "#7f7f7f"
SCENARIO_COLOR = "#e15759"
FAN_COLOR = (78, 121, 167)
MEDIAN_COLOR = "#4e79a7"
STOCK_COLOR = "#59a14f"
SHORT_COLOR = "#c0392b"
RECOVERY_COLOR = "#202020"
KEY_DATE_COLOR = "#b07aa1"
LOW_COLOR = "#4e79a7"
HIGH_COLOR = "#e15759"
TEXT_COLOR = "#202020"
SERIES_COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7")
MAX_TIMELINE_PARTS = 15
PNG_SIZE = (1400, 1000)
LEFT_AXIS_WIDTH = 290
"""In the --chart image both plots share this left margin, so that their months line up and the timeline's part
labels fit."""
DAY = 86400.0
HISTORY_BEFORE_DAYS = 365
"""The price chart starts this long before the first key date."""


def timestamp(day: dt.date) -> float:
    """Seconds since the epoch at midnight UTC: the x of a date on the time axes."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def date_of(x: float) -> dt.date:
    return dt.datetime.fromtimestamp(x, dt.UTC).date()


class MoneyAxis(pg.AxisItem):
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


class MonthAxis(pg.DateAxisItem):
    """Dates as "Nov 2026"."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [dt.datetime.fromtimestamp(v, dt.UTC).strftime("%b %Y") for v in values]


@dataclass(frozen=True)
class Drawn:
    """What a `plot_*` function drew: its items (one per series) and its figures in words."""

    items: tuple[Any, ...]
    summary: str


def _month_ticks(months: Sequence[dt.date], end: dt.date) -> list[tuple[float, str]]:
    step = 1 if len(months) <= 12 else 3 if len(months) <= 36 else 6
    ticks = [(timestamp(m), m.strftime("%b %Y")) for m in months[::step]]
    if len(months) % step == 0:
        ticks.append((timestamp(end), end.strftime("%b %Y")))
    return ticks


def _edges(result: ScenarioResult) -> np.ndarray:
    scenario = result.scenario
    return np.array([timestamp(add_months(scenario.start, t)) for t in range(scenario.horizon_months + 1)])


def _steps(edges: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of a step line holding each month's value across the month."""
    x = np.repeat(edges, 2)[1:-1]
    y = np.repeat(np.asarray(values, dtype=float), 2)
    return x, y


def _swatch(color: Any) -> pg.BarGraphItem:
    """A legend entry's square for a fill."""
    return pg.BarGraphItem(x=[0], height=[1], width=1, brush=pg.mkBrush(color), pen=pg.mkPen(None))


def _add(plot: pg.PlotItem, items: list[Any], item: Any) -> Any:
    plot.addItem(item)
    items.append(item)
    return item


# ------------------------------------------------------------------------------------------------- cost


def plot_cost(plot: pg.PlotItem, legend: pg.LegendItem, result: ScenarioResult,
              monte_carlo: MonteCarloResult | None = None) -> Drawn:
    """Monthly cost of the magnets' element content: baseline (reference prices) and scenario, with the Monte
    Carlo P5–P95 and P25–P75 fans and median when given. Each month's cost is drawn across the month."""
    scenario = result.scenario
    edges = _edges(result)
    items: list[Any] = []
    if monte_carlo is not None:
        for low, high, alpha, label in ((5, 95, 50, f"Monte Carlo P5–P95 ({monte_carlo.paths:,} paths, seed "
                                                    f"{monte_carlo.seed})"), (25, 75, 90, "Monte Carlo P25–P75")):
            lower = pg.PlotCurveItem(*_steps(edges, monte_carlo.percentiles[low]))
            upper = pg.PlotCurveItem(*_steps(edges, monte_carlo.percentiles[high]))
            _add(plot, items, pg.FillBetweenItem(lower, upper, brush=pg.mkBrush(*FAN_COLOR, alpha)))
            legend.addItem(_swatch((*FAN_COLOR, alpha)), label)
        median = _add(plot, items, pg.PlotDataItem(*_steps(edges, monte_carlo.p50), pen=pg.mkPen(MEDIAN_COLOR,
                                                                                                   width=2)))
        legend.addItem(median, "Monte Carlo median")
    baseline = _add(plot, items, pg.PlotDataItem(*_steps(edges, result.portfolio_baseline),
                                                 pen=pg.mkPen(BASELINE_COLOR, width=2, style=Qt.PenStyle.DashLine)))
    legend.addItem(baseline, "baseline (reference prices)")
    shocked = _add(plot, items, pg.PlotDataItem(*_steps(edges, result.portfolio_scenario),
                                                pen=pg.mkPen(SCENARIO_COLOR, width=3)))
    legend.addItem(shocked, f"scenario: {result.delta_total:+,.0f} USD over {scenario.horizon_months} months")
    top = max(float(result.portfolio_scenario.max(initial=0.0)), float(result.portfolio_baseline.max(initial=0.0)))
    if monte_carlo is not None:
        top = max(top, float(monte_carlo.p95.max(initial=0.0)))
    plot.setYRange(0.0, top * 1.08 if top > 0 else 1.0, padding=0)
    plot.setXRange(edges[0], edges[-1], padding=0.04)
    plot.getAxis("bottom").setTicks([_month_ticks(scenario.months, scenario.end)])
    plot.setLabel("left", "USD per month")
    baseline_total = float(result.portfolio_baseline.sum())
    summary = (f"{scenario.name}: {format_money(float(result.portfolio_scenario.sum()))} over "
               f"{scenario.horizon_months} months against a baseline of {format_money(baseline_total)} "
               f"({result.delta_total:+,.0f} USD)")
    if monte_carlo is not None:
        summary += f"; Monte Carlo {tail_cost_words(monte_carlo.cost_at_risk, monte_carlo.expected_shortfall, TAIL)}"
    return Drawn(tuple(items), summary)


def describe_cost(result: ScenarioResult, monte_carlo: MonteCarloResult | None, x: float) -> str | None:
    """The hover text of the cost chart at x: the month's baseline, scenario and fan."""
    day = date_of(x)
    month = (day.year - result.scenario.start.year) * 12 + day.month - result.scenario.start.month
    if not 0 <= month < result.scenario.horizon_months:
        return None
    base, shocked = float(result.portfolio_baseline[month]), float(result.portfolio_scenario[month])
    lines = [result.months[month], f"baseline {base:,.0f} USD", f"scenario {shocked:,.0f} USD ({shocked - base:+,.0f})"]
    if monte_carlo is not None:
        lines.append(f"P5–P95 {monte_carlo.p5[month]:,.0f}–{monte_carlo.p95[month]:,.0f} USD, "
                     f"median {monte_carlo.p50[month]:,.0f}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------- stock-out


@dataclass(frozen=True)
class TimelineRow:
    """One part on the stock-out timeline, in days from the scenario's day 1."""

    part_number: str
    first_affected: int
    tts: float
    ttr: float
    first_short: int
    last_short: int
    loss_share: float

    def describe(self) -> str:
        text = (f"{self.part_number}: loses {self.loss_share:.0%} of its supply from day {self.first_affected}; "
                f"stock lasts {self.tts:,.0f} days against the first cut, supply back after {self.ttr:,.0f} days")
        if self.first_short:
            text += f"; short from day {self.first_short} to day {self.last_short}"
        else:
            text += "; never short"
        return text


def timeline_rows(result: ScenarioResult, limit: int = MAX_TIMELINE_PARTS) -> tuple[list[TimelineRow], int]:
    """The parts that lose supply, those that run short first, then by the share lost; and how many lose supply
    in all."""
    so = result.stock_out
    affected = np.flatnonzero(so.first_affected_day > 0)
    order = sorted(affected, key=lambda i: (so.first_short_day[i] == 0, so.first_short_day[i] or 0,
                                            -so.loss_share[i], str(result.part_numbers[i])))[:limit]
    rows = [TimelineRow(str(result.part_numbers[i]), int(so.first_affected_day[i]), float(so.tts_days[i]),
                        float(so.ttr_days[i]), int(so.first_short_day[i]), int(so.last_short_day[i]),
                        float(so.loss_share[i])) for i in order]
    return rows, len(affected)


def plot_stock_out(plot: pg.PlotItem, legend: pg.LegendItem, result: ScenarioResult,
                   limit: int = MAX_TIMELINE_PARTS) -> Drawn:
    """Per part that loses supply: a bar for as long as its stock lasts (TTS, from its first day of loss), a red
    bar while it is short, and a marker where its supply comes back (TTR). Part labels on the left axis."""
    scenario = result.scenario
    start = timestamp(scenario.start)
    end = timestamp(scenario.end)
    rows, affected = timeline_rows(result, limit)
    items: list[Any] = []
    plot.setTitle(None)
    plot.invertY(True)
    if not rows:
        plot.getAxis("left").setTicks([[(0.0, "no part loses supply")]])
        plot.setYRange(-0.6, 0.6, padding=0)
        plot.setXRange(start, end, padding=0.04)
        plot.getAxis("bottom").setTicks([_month_ticks(scenario.months, scenario.end)])
        return Drawn((), f"{scenario.name}: no part loses supply")
    y = np.arange(len(rows), dtype=float)
    lost_from = np.array([start + (r.first_affected - 1) * DAY for r in rows])
    stock_days = np.array([min(r.tts, r.ttr) for r in rows])
    stock = _add(plot, items, pg.BarGraphItem(x0=lost_from, width=np.maximum(stock_days, 0.5) * DAY, y=y,
                                              height=0.6, brush=pg.mkBrush(STOCK_COLOR), pen=pg.mkPen(None)))
    legend.addItem(stock, "stock lasts against the first cut (time to survive it)")
    short = [k for k, r in enumerate(rows) if r.first_short]
    if short:
        stopped = _add(plot, items, pg.BarGraphItem(
            x0=np.array([start + (rows[k].first_short - 1) * DAY for k in short]),
            x1=np.array([start + rows[k].last_short * DAY for k in short]),
            y=y[short], height=0.6, brush=pg.mkBrush(SHORT_COLOR), pen=pg.mkPen(None)))
        legend.addItem(stopped, "short: the line stops")
    recover = np.minimum(lost_from + np.array([r.ttr for r in rows]) * DAY, end)
    marker = _add(plot, items, pg.ScatterPlotItem(x=recover, y=y, symbol="t1", size=14,
                                                  brush=pg.mkBrush(RECOVERY_COLOR), pen=pg.mkPen(None)))
    legend.addItem(marker, "supply back (time to recover)")
    plot.getAxis("left").setTicks([[(float(k), r.part_number) for k, r in enumerate(rows)]])
    plot.setYRange(-0.7, len(rows) - 0.3, padding=0)
    plot.setXRange(start, end, padding=0.04)
    plot.getAxis("bottom").setTicks([_month_ticks(scenario.months, scenario.end)])
    shown = f"the first {len(rows)} of {affected} parts that lose supply" if affected > len(rows) else ""
    if shown:
        plot.setTitle(shown, size="9pt")
    n_short = int(result.stock_out.stops.sum())
    summary = (f"{scenario.name}: {affected} part{'s' if affected != 1 else ''} lose supply, {n_short} run short. "
               + " ".join(r.describe() + "." for r in rows))
    return Drawn(tuple(items), summary)


def describe_stock_out(rows: Sequence[TimelineRow], y: float) -> str | None:
    row = round(y)
    return rows[row].describe() if 0 <= row < len(rows) and abs(y - row) <= 0.4 else None


# ------------------------------------------------------------------------------------------------- prices


def price_series(book: PriceBook, symbol: str) -> list[tuple[str, str, list[tuple[dt.date, float]]]]:
    """(product, basis, [(date, USD per kg of element)]) of every bundled series that prices `symbol`."""
    return [(s.product, s.basis, s.in_usd_per_kg_element()) for s in book.for_element(symbol) if s.points]


def plot_prices(plot: pg.PlotItem, legend: pg.LegendItem, book: PriceBook, symbol: str,
                key_dates: Sequence[KeyDate], result: ScenarioResult | None = None) -> Drawn:
    """The bundled price history of one element (each series in USD per kg of contained element, on its own
    basis), the control list's key dates as vertical lines, and the scenario's monthly price when given."""
    items: list[Any] = []
    plot.setTitle(None)
    series = price_series(book, symbol)
    lows: list[float] = []
    highs: list[float] = []
    xs: list[float] = []
    for k, (product, _basis, points) in enumerate(series):
        x = np.array([timestamp(d) for d, _ in points])
        v = np.array([p for _, p in points])
        color = SERIES_COLORS[k % len(SERIES_COLORS)]
        item = _add(plot, items, pg.PlotDataItem(x, v, pen=pg.mkPen(color, width=2), symbol="o", symbolSize=6,
                                                 symbolBrush=pg.mkBrush(color), symbolPen=pg.mkPen(None)))
        legend.addItem(item, product)
        xs += x.tolist()
        lows.append(float(v.min()))
        highs.append(float(v.max()))
    if result is not None and symbol in result.symbols:
        column = result.symbols.index(symbol)
        prices = result.prices()[:, column]
        edges = _edges(result)
        path = _add(plot, items, pg.PlotDataItem(*_steps(edges, prices), pen=pg.mkPen(SCENARIO_COLOR, width=3)))
        legend.addItem(path, f"{result.scenario.name} ({result.scenario.price_basis} basis)")
        xs += [float(edges[0]), float(edges[-1])]
        lows.append(float(prices.min()))
        highs.append(float(prices.max()))
    if not xs:
        plot.setTitle(f"no bundled prices for {symbol}", size="9pt")
        return Drawn((), f"No bundled prices for {symbol}")
    first = min(xs)
    last = max(xs)
    if key_dates:
        first = min(first, timestamp(key_dates[0].day))
        last = max(last, timestamp(key_dates[-1].day))
        # Quotes from long before the first key date (an annual average of 2020) would squeeze the story of
        # 2025 into a corner: the chart starts a year before it, and says so.
        first = max(first, timestamp(key_dates[0].day) - HISTORY_BEFORE_DAYS * DAY)
    middle = (first + last) / 2
    for k, key in enumerate(key_dates):
        at = timestamp(key.day)
        right = at > middle
        line = _add(plot, items, pg.InfiniteLine(
            pos=at, angle=90, pen=pg.mkPen(KEY_DATE_COLOR, width=1, style=Qt.PenStyle.DashLine),
            label=f"{key.day.isoformat()} {key.label}",
            labelOpts={"position": 0.97 - 0.065 * k, "anchors": [(1, 0), (1, 0)] if right else [(0, 0), (0, 0)],
                       "color": KEY_DATE_COLOR}))
        line.setZValue(-10)
    plot.setXRange(first, last, padding=0.03)
    plot.setYRange(0.0, max(highs) * 1.1, padding=0)
    plot.setLabel("left", f"USD per kg of {symbol}")
    hidden = sum(1 for _, _, points in series for day, _ in points if timestamp(day) < first)
    if hidden:
        plot.setTitle(f"{hidden} older quote{'s' if hidden != 1 else ''} (before {date_of(first):%b %Y}) off the "
                      "left edge", size="9pt")
    summary = (f"{symbol} prices, USD per kg of element: " + "; ".join(
        f"{product} ({basis}) {points[0][1]:,.0f} on {points[0][0]} to {points[-1][1]:,.0f} on {points[-1][0]}"
        for product, basis, points in series))
    return Drawn(tuple(items), summary)


def describe_prices(book: PriceBook, symbol: str, result: ScenarioResult | None, x: float, y: float) -> str | None:
    """The hover text of the price chart: the quote nearest the cursor, or the scenario's price that month."""
    best: tuple[float, str] | None = None
    for product, basis, points in price_series(book, symbol):
        for day, value in points:
            distance = abs(timestamp(day) - x) / (30 * DAY) + abs(value - y) / max(abs(y), 1.0)
            if best is None or distance < best[0]:
                best = (distance, f"{product} ({basis})\n{day.isoformat()}: {value:,.2f} USD/kg {symbol}")
    if result is not None and symbol in result.symbols:
        day = date_of(x)
        month = (day.year - result.scenario.start.year) * 12 + day.month - result.scenario.start.month
        if 0 <= month < result.scenario.horizon_months:
            value = float(result.prices()[month, result.symbols.index(symbol)])
            distance = abs(value - y) / max(abs(y), 1.0)
            if best is None or distance < best[0]:
                best = (distance, f"{result.scenario.name}\n{result.months[month]}: {value:,.2f} USD/kg {symbol}")
    return best[1] if best is not None and best[0] < 1.0 else None


# ------------------------------------------------------------------------------------------------- tornado


def plot_tornado(plot: pg.PlotItem, legend: pg.LegendItem, rows: Sequence[ElementSensitivity], swing: float,
                 months: int) -> Drawn:
    """One row per element, widest first: the change in the horizon's cost if its price alone were lower (left)
    or higher (right) by `swing`, and a marker at the scenario's own change from that element."""
    items: list[Any] = []
    plot.invertY(True)
    if not rows:
        plot.getAxis("left").setTicks([[(0.0, "no priced element")]])
        return Drawn((), "No priced element")
    y = np.arange(len(rows), dtype=float)
    low = _add(plot, items, pg.BarGraphItem(x0=np.array([r.low for r in rows]), x1=np.zeros(len(rows)), y=y,
                                            height=0.6, brush=pg.mkBrush(LOW_COLOR), pen=pg.mkPen(None)))
    legend.addItem(low, f"price −{swing:.0%}")
    high = _add(plot, items, pg.BarGraphItem(x0=np.zeros(len(rows)), x1=np.array([r.high for r in rows]), y=y,
                                             height=0.6, brush=pg.mkBrush(HIGH_COLOR), pen=pg.mkPen(None)))
    legend.addItem(high, f"price +{swing:.0%}")
    marker = _add(plot, items, pg.ScatterPlotItem(x=np.array([r.scenario for r in rows]), y=y, symbol="d", size=12,
                                                  brush=pg.mkBrush(TEXT_COLOR), pen=pg.mkPen("w")))
    legend.addItem(marker, "the scenario's own change")
    _add(plot, items, pg.InfiniteLine(pos=0.0, angle=90, pen=pg.mkPen(TEXT_COLOR, width=1)))
    plot.getAxis("left").setTicks([[(float(k), r.symbol) for k, r in enumerate(rows)]])
    plot.setYRange(-0.7, len(rows) - 0.3, padding=0)
    reach = max(max(abs(r.low), abs(r.high), abs(r.scenario)) for r in rows) or 1.0
    plot.setXRange(-reach * 1.1, reach * 1.1, padding=0)
    plot.setLabel("bottom", f"change in cost over {months} months, USD")
    summary = "Cost sensitivity by element: " + "; ".join(
        f"{r.symbol} {r.low:+,.0f} to {r.high:+,.0f} USD (scenario {r.scenario:+,.0f})" for r in rows)
    return Drawn(tuple(items), summary)


def describe_tornado(rows: Sequence[ElementSensitivity], swing: float, y: float) -> str | None:
    row = round(y)
    if not (0 <= row < len(rows) and abs(y - row) <= 0.4):
        return None
    r = rows[row]
    return (f"{r.symbol}: price −{swing:.0%} → {r.low:+,.0f} USD, +{swing:.0%} → {r.high:+,.0f} USD\n"
            f"the scenario's own change: {r.scenario:+,.0f} USD")


# ------------------------------------------------------------------------------------------------- --chart


def _style_axes(plot: pg.PlotItem) -> None:
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(TEXT_COLOR))
        axis.setTextPen(pg.mkPen(TEXT_COLOR))


def draw_scenario_chart(layout: pg.GraphicsLayout, result: ScenarioResult,
                        monte_carlo: MonteCarloResult | None = None) -> tuple[pg.PlotItem, pg.PlotItem]:
    """The cost plot above the stock-out timeline, in `layout` (rows 0–5), as `riskdesk scenario --chart` draws
    them; returns both plots."""
    scenario = result.scenario
    title = (f"{scenario.name}: monthly cost of the magnets' element content "
             f"({scenario.price_basis} prices, scored as of {result.evaluation.as_of})")
    layout.addItem(pg.LabelItem(title, size="12pt", bold=True, color=TEXT_COLOR), row=0, col=0)
    cost = layout.addPlot(row=1, col=0, axisItems={"left": MoneyAxis("left"), "bottom": MonthAxis("bottom")})
    cost.setLabel("bottom", "month")
    legend = pg.LegendItem(colCount=3, labelTextSize="10pt", labelTextColor=TEXT_COLOR, horSpacing=20)
    layout.addItem(legend, row=2, col=0)
    plot_cost(cost, legend, result, monte_carlo)
    layout.addItem(pg.LabelItem("Each part that loses supply: how long its stock lasts, when it is short, and when "
                                "its supply comes back", size="11pt", bold=True, color=TEXT_COLOR), row=3, col=0)
    timeline = layout.addPlot(row=4, col=0, axisItems={"bottom": MonthAxis("bottom")})
    timeline.setLabel("bottom", "date")
    timeline_legend = pg.LegendItem(colCount=3, labelTextSize="10pt", labelTextColor=TEXT_COLOR, horSpacing=20)
    layout.addItem(timeline_legend, row=5, col=0)
    plot_stock_out(timeline, timeline_legend, result)
    for plot in (cost, timeline):
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.showGrid(x=True, y=plot is cost, alpha=0.25)
        _style_axes(plot)
        plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
    layout.layout.setRowStretchFactor(1, 3)
    layout.layout.setRowStretchFactor(4, 2)
    return cost, timeline


def render_scenario_chart(result: ScenarioResult, monte_carlo: MonteCarloResult | None, path: Path,
                          size: tuple[int, int] = PNG_SIZE) -> Path:
    """Draw the chart offscreen (creating a Qt application if none runs) and save it: a PNG `size` pixels, or an
    SVG drawing when `path` ends in .svg (".png" is added to a name without a suffix). The image is rendered to
    bytes and written through `riskdesk.io.outputs.write_output`, the rule every output obeys. Raises OutputError
    (an OSError) naming the file when it is refused or cannot be written."""
    from PySide6.QtWidgets import QApplication

    target = chart_path(Path(path))
    check_output(target, force=True, what="the chart")  # before drawing: a refused name costs nothing
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
    try:
        data = chart_image(view.ci, target.suffix.lower()[1:], width=size[0])
    finally:
        view.close()
        view.deleteLater()
    return write_output(target, data, what="the chart")
