"""Price series as quoted (product, basis, unit, currency) and reference prices per kg of contained element.

Sources disagree wildly (European spot vs volume-weighted China), so every series keeps its basis and the
reference prices come in two baskets: "china" (China domestic / volume-weighted, the default) and "ex-china"
(European spot, falling back to the China basis where nothing else is bundled). Conversions to USD per kg of
element use oxide stoichiometry (`elements.element_fraction_of_oxide`) and the file's CNY/USD rate.

Volatility (used by the price-exposure factor) is the largest relative swing observed within one bundled series,
i.e. one product on one basis: max/min − 1 of its midpoints, capped at 1. Gaps between bases (Europe spot vs
China domestic) are a basis spread, not price movement, and are used only when an element has nothing but
single quotes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from riskdesk.core import elements
from riskdesk.core.datafile import DataFileError, Entry, Source, entries, load_toml
from riskdesk.core.resources import resource_path
from riskdesk.core.vocabulary import BASES

FORMS: tuple[str, ...] = ("oxide", "metal", "alloy")
KINDS: tuple[str, ...] = ("assessment", "average", "ask", "floor")
"""What a series is: a price reporter's assessment, an average, an asking price, or a contractual floor."""
UNITS: Mapping[str, str] = {"USD/kg": "USD", "CNY/t": "CNY"}
VOLATILITY_CAP = 1.0
_MIX_TOLERANCE = 0.01


@dataclass(frozen=True, slots=True)
class PricePoint:
    """A dated price range as quoted (in the series' unit)."""

    date: dt.date
    low: float
    high: float

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2.0


@dataclass(frozen=True)
class PriceSeries:
    """One product on one basis, with dated quotes in its own unit and currency."""

    id: str
    product: str
    element: str
    covers: tuple[str, ...]
    """Elements this series prices (an NdPr series covers Nd and Pr)."""
    form: str
    basis: str
    kind: str
    unit: str
    currency: str
    points: tuple[PricePoint, ...]
    confidence: str
    sources: tuple[Source, ...]
    element_fraction: float
    """kg of element (of Nd + Pr for a mixed oxide) per kg of the product."""
    cny_per_usd: float
    fraction_note: str = ""
    """How element_fraction was found: "Dy in Dy2O3", "75:25 Nd2O3:Pr6O11", "metal"."""
    note: str = ""

    def latest(self) -> PricePoint:
        return self.points[-1]

    def to_usd_per_kg_element(self, value: float) -> float:
        """A value in the series' unit converted to USD per kg of contained element."""
        usd_per_kg = value / 1000.0 / self.cny_per_usd if self.unit == "CNY/t" else value
        return usd_per_kg / self.element_fraction

    def in_usd_per_kg_element(self) -> list[tuple[dt.date, float]]:
        """(date, midpoint) of every point, in USD per kg of contained element."""
        return [(p.date, self.to_usd_per_kg_element(p.mid)) for p in self.points]

    def conversion(self) -> str:
        """How a quote becomes USD per kg of element, in words."""
        steps = [f"÷ 1000 ÷ {self.cny_per_usd:g} CNY/USD"] if self.unit == "CNY/t" else []
        if self.element_fraction != 1.0:
            steps.append(f"÷ {self.element_fraction:.4f} ({self.fraction_note})")
        return " ".join(steps) or "as quoted"


@dataclass(frozen=True, slots=True)
class ReferencePrice:
    """The price used to value exposure: USD per kg of contained element, on one basis, with how it was found."""

    element: str
    basis: str
    value: float
    derived_from: str
    confidence: str
    sources: tuple[Source, ...]
    series: str = ""
    date: dt.date | None = None
    note: str = ""


@dataclass(frozen=True, eq=False)
class PriceBook:
    """All bundled price series and reference prices."""

    title: str
    version: str
    path: str
    cny_per_usd: float
    fx_confidence: str
    fx_sources: tuple[Source, ...]
    series: tuple[PriceSeries, ...]
    references: tuple[ReferencePrice, ...]
    _by_id: Mapping[str, PriceSeries] = field(init=False, repr=False, compare=False)
    _by_element: Mapping[str, tuple[PriceSeries, ...]] = field(init=False, repr=False, compare=False)
    _references: Mapping[tuple[str, str], ReferencePrice] = field(init=False, repr=False, compare=False)
    _volatility: dict[str, tuple[float, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_element = {s: tuple(x for x in self.series if s in x.covers) for s in elements.SYMBOLS}
        object.__setattr__(self, "_by_id", {s.id: s for s in self.series})
        object.__setattr__(self, "_by_element", by_element)
        object.__setattr__(self, "_references", {(r.element, r.basis): r for r in self.references})
        object.__setattr__(self, "_volatility", {})

    def get_series(self, series_id: str) -> PriceSeries | None:
        return self._by_id.get(series_id)

    def for_element(self, symbol: str) -> tuple[PriceSeries, ...]:
        """Every series that prices an element (NdPr series count for both Nd and Pr)."""
        return self._by_element.get(symbol, ())

    def reference(self, symbol: str, basis: str = "china") -> ReferencePrice:
        """The reference price record of an element on a basis (ex-China falls back to China)."""
        if basis not in BASES:
            raise ValueError(f"unknown price basis {basis!r}: use one of {', '.join(BASES)}")
        found = self._references.get((symbol, basis)) or self._references.get((symbol, "china"))
        if found is None:
            raise KeyError(f"no reference price for {symbol!r}")
        return found

    def reference_price(self, symbol: str, basis: str = "china") -> tuple[float, str, str]:
        """(USD per kg of contained element, explanation, confidence) of an element on a basis."""
        found = self.reference(symbol, basis)
        text = f"{symbol} {found.value:,.2f} USD/kg element ({found.basis} basis): {found.derived_from}"
        if found.basis != basis:
            text = f"no {basis} price bundled for {symbol}, China basis used. {text}"
        return found.value, f"{text} (confidence {found.confidence})", found.confidence

    def volatility(self, symbol: str) -> tuple[float, str]:
        """(0..1, explanation): the largest max/min − 1 of midpoints within one series of the element, capped at 1.

        Contractual floors are left out. With only single quotes bundled, the spread between them (across bases)
        is used instead and said so. No series: 0, "no price history bundled".
        """
        cached = self._volatility.get(symbol)
        if cached is None:
            cached = self._volatility[symbol] = self._compute_volatility(symbol)
        return cached

    def _compute_volatility(self, symbol: str) -> tuple[float, str]:
        market = [s for s in self.for_element(symbol) if s.kind != "floor"]
        if not market:
            return 0.0, f"{symbol}: no price history bundled"
        best: tuple[float, PriceSeries, tuple[dt.date, float], tuple[dt.date, float]] | None = None
        for series in market:
            if len(series.points) < 2:
                continue
            converted = series.in_usd_per_kg_element()
            low = min(converted, key=lambda p: p[1])
            high = max(converted, key=lambda p: p[1])
            swing = high[1] / low[1] - 1.0
            if best is None or swing > best[0]:
                best = (swing, series, low, high)
        if best is not None:
            swing, series, low, high = best
            value = min(swing, VOLATILITY_CAP)
            text = (f"{symbol}: midpoints within {series.product!r} ranged {low[1]:,.0f} ({low[0]}) to "
                    f"{high[1]:,.0f} ({high[0]}) USD/kg {symbol}: max/min − 1 = {swing:.2f}")
            return value, text + (", capped at 1" if swing > VOLATILITY_CAP else "")
        quotes = [(s, s.to_usd_per_kg_element(s.latest().mid)) for s in market]
        low_q = min(quotes, key=lambda q: q[1])
        high_q = max(quotes, key=lambda q: q[1])
        if len(quotes) == 1:
            return 0.0, f"{symbol}: a single quote bundled ({low_q[0].product}), no price movement observed"
        swing = high_q[1] / low_q[1] - 1.0
        value = min(swing, VOLATILITY_CAP)
        text = (f"{symbol}: only single quotes bundled; spread between bases {low_q[1]:,.0f} "
                f"({low_q[0].product}) to {high_q[1]:,.0f} ({high_q[0].product}) USD/kg {symbol}: "
                f"max/min − 1 = {swing:.2f}")
        return value, text + (", capped at 1" if swing > VOLATILITY_CAP else "")


def _oxide_fraction(entry: Entry, covers: tuple[str, ...]) -> tuple[float, str]:
    value = entry.data.get("oxide")
    if isinstance(value, str):
        symbol = elements.oxide_element(value)
        if symbol is None:
            raise entry.fail("oxide", f"{value!r} is not an oxide formula RiskDesk knows")
        if symbol not in covers:
            raise entry.fail("oxide", f"{value} is an oxide of {symbol}, which the series does not cover")
        return elements.element_fraction_of_oxide(value), f"{symbol} in {value}"
    if isinstance(value, Mapping) and value:
        mix = Entry(entry.file, f"{entry.label}.oxide", value)
        fraction = 0.0
        total = 0.0
        for formula in value:
            symbol = elements.oxide_element(formula)
            if symbol is None:
                raise entry.fail("oxide", f"{formula!r} is not an oxide formula RiskDesk knows")
            if symbol not in covers:
                raise entry.fail("oxide", f"{formula} is an oxide of {symbol}, which the series does not cover")
            share = mix.number(formula, low=0.0, high=1.0)
            total += share
            fraction += share * elements.element_fraction_of_oxide(formula)
        if abs(total - 1.0) > _MIX_TOLERANCE:
            raise entry.fail("oxide", f"mass shares of the oxide mix add up to {total:g}, not 1")
        ratio = ":".join(f"{value[f] * 100:g}" for f in value)
        return fraction, f"element in {ratio} {':'.join(value)}"
    raise entry.fail("oxide", "an oxide series needs its formula (\"Dy2O3\") or a mix {Nd2O3 = 0.75, ...}")


def _parse_series(entry: Entry, cny_per_usd: float) -> PriceSeries:
    element = entry.choice("element", elements.SYMBOLS)
    covers = entry.str_list("covers", default=(element,), allowed=elements.SYMBOLS)
    if element not in covers:
        raise entry.fail("covers", f"must include the series' element {element}")
    form = entry.choice("form", FORMS)
    unit = entry.choice("unit", UNITS)
    currency = entry.str("currency")
    if currency != UNITS[unit]:
        raise entry.fail("currency", f"{currency!r} does not match unit {unit}")
    if form == "oxide":
        fraction, fraction_note = _oxide_fraction(entry, covers)
    elif "element_fraction" in entry.data or form == "alloy":
        fraction = entry.number("element_fraction", low=0.0, high=1.0)
        if fraction <= 0.0:
            raise entry.fail("element_fraction", "must be more than 0")
        fraction_note = f"{fraction * 100:g} % {element} in the {form}"
    else:
        fraction, fraction_note = 1.0, "metal"
    points: list[PricePoint] = []
    for point_entry in entry.tables("points"):
        low = point_entry.number("low", low=0.0)
        high = point_entry.number("high", low=0.0)
        if low <= 0.0 or high < low:
            raise point_entry.fail("high", f"expected 0 < low ≤ high, got {low:g}–{high:g}")
        points.append(PricePoint(point_entry.date("date"), low, high))
    if not points:
        raise entry.fail("points", "a series needs at least one point {date, low, high}")
    points.sort(key=lambda p: p.date)
    dates = [p.date for p in points]
    if len(set(dates)) != len(dates):
        raise entry.fail("points", "two points on the same date")
    return PriceSeries(
        id=entry.str("id"),
        product=entry.str("product"),
        element=element,
        covers=covers,
        form=form,
        basis=entry.str("basis"),
        kind=entry.choice("kind", KINDS, "assessment"),
        unit=unit,
        currency=currency,
        points=tuple(points),
        confidence=entry.confidence(),
        sources=entry.sources(),
        element_fraction=fraction,
        cny_per_usd=cny_per_usd,
        fraction_note=fraction_note,
        note=entry.str("note", ""),
    )


def _parse_reference(entry: Entry, series: Mapping[str, PriceSeries]) -> ReferencePrice:
    element = entry.choice("element", elements.SYMBOLS)
    series_id = entry.str("series", "")
    day = None
    sources: tuple[Source, ...] | None = None
    if series_id:
        found = series.get(series_id)
        if found is None:
            raise entry.fail("series", f"no series with id {series_id!r}")
        if element not in found.covers:
            raise entry.fail("series", f"series {series_id} does not price {element}")
        day = entry.date("date")
        if day not in {p.date for p in found.points}:
            raise entry.fail("date", f"series {series_id} has no point on {day}")
        if "sources" not in entry.data:
            sources = found.sources
    return ReferencePrice(
        element=element,
        basis=entry.choice("basis", BASES),
        value=_positive(entry, "value"),
        derived_from=entry.str("derived_from"),
        confidence=entry.confidence(),
        sources=sources if sources is not None else entry.sources(),
        series=series_id,
        date=day,
        note=entry.str("note", ""),
    )


def _positive(entry: Entry, name: str) -> float:
    value = entry.number(name, low=0.0)
    if value <= 0.0:
        raise entry.fail(name, "must be more than 0")
    return value


def load_prices(path: Path | None = None) -> PriceBook:
    """Load and check a price file (the bundled one by default). Raises DataFileError if it is broken."""
    path = path or resource_path("prices.toml")
    data = load_toml(path)
    header = Entry(path, "header", data)
    title = header.str("title")
    version = header.date("version").isoformat()
    fx = Entry(path, "fx", data.get("fx", {}))
    cny_per_usd = _positive(fx, "cny_per_usd")
    fx_confidence = fx.confidence()
    fx_sources = fx.sources()

    series: dict[str, PriceSeries] = {}
    for entry in entries(path, data, "series"):
        parsed = _parse_series(entry, cny_per_usd)
        if parsed.id in series:
            raise entry.fail("id", "series id appears twice")
        series[parsed.id] = parsed

    references: dict[tuple[str, str], ReferencePrice] = {}
    for entry in entries(path, data, "reference", id_field="element"):
        basis = entry.data.get("basis")
        if isinstance(basis, str):
            entry = Entry(path, f"{entry.label}/{basis}", entry.data)
        reference = _parse_reference(entry, series)
        key = (reference.element, reference.basis)
        if key in references:
            raise entry.fail("basis", f"{reference.element} has two {reference.basis} reference prices")
        references[key] = reference
    missing = [s for s in elements.SYMBOLS if (s, "china") not in references]
    if missing:
        raise DataFileError(path, f"no china reference price for {', '.join(missing)}", "reference", "element")
    return PriceBook(title, version, str(path), cny_per_usd, fx_confidence, fx_sources, tuple(series.values()),
                     tuple(references.values()))


@functools.cache
def default_prices() -> PriceBook:
    """The bundled price data, loaded once (`default_prices.cache_clear()` forgets it)."""
    return load_prices()

