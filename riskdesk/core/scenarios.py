"""Price and supply scenarios: what a shock would cost, month by month, and when each part would stop.

A `Scenario` holds price shocks (per element or group: step, ramp or decay, as a multiplier or a price, from a
month for a number of months) and supply cuts (a share of supply lost for elements or the whole magnet, in some
countries at some stages, from a day for a number of days, or derived from a control rule). `run_scenario`
evaluates one against an `Evaluation` of the project:

- the **baseline monthly cost** of a part is the value of its element content per month (annual kg ÷ 12 × the
  reference price on the scenario's price basis): on the project's own basis, twelve baseline months add up to
  the element values of the scores (`riskdesk score --json`);
- the **scenario monthly cost** is the same content at the shocked prices;
- **stock-out**: each part's stock (in days of its full consumption) covers the share of its supply a cut takes
  away; it runs out after TTS = stock_days / lost share, and the part is short from then until the cut ends.

The method, formulas and defaults are in docs/scenarios.md; keep the two in step.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from riskdesk.core import elements
from riskdesk.core.compiled import UNKNOWN
from riskdesk.core.datafile import CONFIDENCE_MARKS, Source
from riskdesk.core.domain import STAGES, Effect, Stage
from riskdesk.core.prices import BASES
from riskdesk.core.rules import GROUP_PREFIX, ControlRule, expand_countries

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.core.reference import ReferenceData

PRICE_SHAPES: tuple[str, ...] = ("step", "ramp", "decay")
"""step: the full move for every month of the shock; ramp: rising in equal steps to the full move in its last
month; decay: the full move in its first month, easing in equal steps back to the reference price."""
CUT_STAGES: tuple[str, ...] = (*(s.value for s in STAGES), Stage.ASSEMBLY.value)
"""Stages a supply cut may name: mine, separation, metal, magnet, and assembly (where the delivered part is made)."""
DEFAULT_HORIZON_MONTHS = 24
MAX_HORIZON_MONTHS = 120
LICENCE_REVIEW_DAYS = 63
"""A licence review of up to 45 working days (MOFCOM, FACTS §1.3) is about 63 calendar days."""
DAYS_PER_YEAR = 365.0
UNKNOWN_VALUE = "unknown"
"""Shown (CLI text, report cells) where a value is unknown because the part has no unit price; JSON gives null."""
UNKNOWN_PRICE_REASON = "no unit price"

ELEMENT_GROUPS: Mapping[str, tuple[str, ...]] = {
    "NdPr": ("Nd", "Pr"),
    "heavy": tuple(e.symbol for e in elements.ELEMENTS if e.rare_earth and e.heavy),
    "light": tuple(e.symbol for e in elements.ELEMENTS if e.rare_earth and not e.heavy),
    "rare-earths": tuple(e.symbol for e in elements.ELEMENTS if e.rare_earth),
}
"""Names a shock or cut may use for several elements: "heavy" are the medium/heavy rare earths of China's 2025
controls (Sm and heavier, Sc, Y), "light" the other rare earths."""
_RARE_EARTHS = frozenset(ELEMENT_GROUPS["rare-earths"])


FIRST_START = dt.date(2000, 1, 1)
LAST_START = dt.date(2099, 12, 1)
"""A scenario starts in a month of this century: RiskDesk's prices and rules are of this century, and a start
such as 9999-12 would run past the last date a computer can count."""
MAX_PRICE_MULTIPLE = 1000.0
"""The most a scenario may move one element's price in one month, all its shocks together (see docs/scenarios.md,
"Bounds"): ×1,000 is far beyond any move seen (Dy and Tb ex-China about ×3 in April 2025), and keeps every cost
a finite number however large the project."""
MAX_SHOCKS = 500
MAX_CUTS = 500
"""A scenario holds at most this many price shocks and as many supply cuts (a real one holds a handful): more
would only make a scenario run for seconds, then minutes."""


class ScenarioError(ValueError):
    """A scenario that does not have the expected shape: names the key (e.g. `price_shocks[2].shape`) and value.
    Without a key (`key=""`) it is a scenario that cannot be computed, and says why in its message alone."""

    def __init__(self, key: str, value: object, message: str) -> None:
        self.key = key
        self.value = value
        self.message = message
        if not key:
            super().__init__(message)
            return
        super().__init__(f"key '{key}'" + (f" = {self.detail()}" if _show(value) else f": {message}"))

    def detail(self) -> str:
        """The value and what is wrong with it, without the key: "'spike': not one of step, ramp, decay"."""
        shown = _show(self.value)
        return f"{shown}: {self.message}" if shown else self.message


def _show(value: object) -> str:
    if value is _MISSING:
        return ""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


_MISSING = object()


# ----------------------------------------------------------------------------------------------------- months


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months after `month`'s."""
    years, index = divmod(month.month - 1 + n, 12)
    return dt.date(month.year + years, index + 1, 1)


def month_label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(text: str) -> dt.date:
    """"2026-11" (or a date "2026-11-23", which means its month) → 2026-11-01. Raises ValueError."""
    text = text.strip()
    if len(text) == 7:
        return dt.date.fromisoformat(text + "-01")
    return month_start(dt.date.fromisoformat(text))


def _check_start(start: dt.date) -> None:
    if not FIRST_START <= start <= LAST_START:
        raise ScenarioError("start", month_label(start), f"a scenario starts from {month_label(FIRST_START)} to "
                                                         f"{month_label(LAST_START)}")


# ------------------------------------------------------------------------------------------------------- model


def _check_elements(names: Sequence[str], allow_empty: bool) -> None:
    for value in names:
        if value not in elements.INDEX and value not in ELEMENT_GROUPS:
            raise ScenarioError("elements", value,
                                f"not an element symbol (Dy) or a group ({', '.join(ELEMENT_GROUPS)})")
    if not names and not allow_empty:
        raise ScenarioError("elements", [], "name at least one element or group (e.g. [\"Dy\", \"Tb\"])")


def expand_elements(names: Iterable[str]) -> tuple[str, ...]:
    """Element symbols of a list of symbols and group names ("NdPr", "heavy", "light", "rare-earths"), in the order
    of `elements.SYMBOLS`."""
    wanted: set[str] = set()
    for name in names:
        wanted.update(ELEMENT_GROUPS.get(name, (name,)))
    return tuple(s for s in elements.SYMBOLS if s in wanted)


@dataclass(frozen=True)
class Provenance:
    """Where a preset's shock or cut comes from: its sources and two confidence marks (C, S, D, U, X; blank for
    the user's own): one for its size, one for its timing (when it starts and how long it lasts)."""

    confidence: str = ""
    timing_confidence: str = ""
    sources: tuple[Source, ...] = ()
    note: str = ""

    @property
    def marked(self) -> bool:
        return bool(self.confidence or self.timing_confidence or self.sources or self.note)

    def marks(self) -> str:
        """"size C, timing U" or ""."""
        parts = []
        if self.confidence:
            parts.append(f"size {self.confidence}")
        if self.timing_confidence:
            parts.append(f"timing {self.timing_confidence}")
        return ", ".join(parts)


@dataclass(frozen=True)
class PriceShock:
    """A move in the price of some elements, from month `from_month` (1 = the scenario's first) for `months`."""

    elements: tuple[str, ...]
    """Symbols or group names (`ELEMENT_GROUPS`)."""
    shape: str = "step"
    multiplier: float | None = None
    """The price times this at the full move (×3); exactly one of `multiplier` and `price_usd_per_kg`."""
    price_usd_per_kg: float | None = None
    """The price at the full move, in USD per kg of contained element (like every reference price)."""
    from_month: int = 1
    months: int = 1
    provenance: Provenance = field(default_factory=Provenance)

    def __post_init__(self) -> None:
        _check_elements(self.elements, allow_empty=False)
        if self.shape not in PRICE_SHAPES:
            raise ScenarioError("shape", self.shape, f"not one of {', '.join(PRICE_SHAPES)}")
        if (self.multiplier is None) == (self.price_usd_per_kg is None):
            raise ScenarioError("multiplier", self.multiplier, "give a multiplier or a price, not both or neither")
        for name in ("multiplier", "price_usd_per_kg"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ScenarioError(name, value, "must be a finite number above 0")
        if self.from_month < 1 or self.months < 1:
            raise ScenarioError("from_month", self.from_month, "from_month and months count from 1")

    @property
    def symbols(self) -> tuple[str, ...]:
        return expand_elements(self.elements)

    def profile(self, horizon_months: int) -> np.ndarray:
        """(horizon,) the fraction of the full move in each month: 1 throughout a step; k/n in the k-th month of a
        ramp of n months; (n − k + 1)/n in the k-th month of a decay; 0 outside the shock."""
        result = np.zeros(horizon_months)
        n = self.months
        k = np.arange(n)
        weights = {"step": np.ones(n), "ramp": (k + 1) / n, "decay": (n - k) / n}[self.shape]
        first = self.from_month - 1
        last = min(first + n, horizon_months)
        if last > first:
            result[first:last] = weights[: last - first]
        return result

    def full_multiplier(self, reference_price: float) -> float:
        """The price multiple at the full move for an element whose reference price is `reference_price`."""
        if self.price_usd_per_kg is not None:
            return self.price_usd_per_kg / reference_price if reference_price > 0 else 1.0
        return float(self.multiplier if self.multiplier is not None else 1.0)

    def describe(self) -> str:
        what = (f"×{self.multiplier:g}" if self.multiplier is not None
                else f"to {self.price_usd_per_kg:,.2f} USD/kg")
        how = {"step": "", "ramp": "ramping ", "decay": "then easing, "}[self.shape]
        months = "1 month" if self.months == 1 else f"{self.months} months"
        text = f"{', '.join(self.elements)} {what}, {how}from month {self.from_month} for {months}"
        return text.replace(", , ", ", ")


@dataclass(frozen=True)
class SupplyCut:
    """A share of supply lost from day `from_day` (1 = the scenario's first day) for `days` days, on every supply
    path whose country at one of `stages` is one of `countries`, for parts whose magnet holds one of `elements`
    (empty: any rare-earth magnet, "the whole magnet"). With `rule`, the control rule decides which paths it
    reaches, as the scores do (its countries, stages, elements and scope)."""

    elements: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    """ISO alpha-2 codes or "group:NAME"; empty: every country."""
    stages: tuple[str, ...] = ("magnet",)
    share_lost: float = 1.0
    """0 < share ≤ 1 of the supply through the paths it reaches."""
    from_day: int = 1
    days: int = LICENCE_REVIEW_DAYS
    rule: str = ""
    """A control-rule id: the rule, as if in force, decides which paths the cut reaches."""
    stock_usable: bool = True
    """False for a prohibition: stock bought before it cannot make a prohibited magnet compliant."""
    provenance: Provenance = field(default_factory=Provenance)

    def __post_init__(self) -> None:
        _check_elements(self.elements, allow_empty=True)
        if not self.stages or any(stage not in CUT_STAGES for stage in self.stages):
            raise ScenarioError("stages", list(self.stages), f"name one or more of {', '.join(CUT_STAGES)}")
        if not (math.isfinite(self.share_lost) and 0.0 < self.share_lost <= 1.0):
            raise ScenarioError("share_lost", self.share_lost, "a fraction above 0 and at most 1 (0.74 for 74 %)")
        if self.from_day < 1 or self.days < 1:
            raise ScenarioError("from_day", self.from_day, "from_day and days count from 1")

    @property
    def symbols(self) -> tuple[str, ...]:
        return expand_elements(self.elements)

    @property
    def whole_magnet(self) -> bool:
        return not self.elements

    def last_day(self) -> int:
        return self.from_day + self.days - 1

    def describe(self) -> str:
        what = "whole magnets" if self.whole_magnet else ", ".join(self.elements)
        where = ", ".join(self.countries) or "any country"
        stages = "/".join(self.stages)
        text = (f"{self.share_lost:.0%} of {what} through {where} at the {stages} stage lost from day "
                f"{self.from_day} for {self.days} days")
        if self.rule:
            text = f"{self.rule}: " + text
        return text + ("" if self.stock_usable else " (stock cannot bridge it)")


@dataclass(frozen=True)
class Scenario:
    """A named price and supply scenario over a horizon of months from `start` (the first of a month)."""

    name: str
    start: dt.date
    horizon_months: int = DEFAULT_HORIZON_MONTHS
    price_basis: str = "china"
    price_shocks: tuple[PriceShock, ...] = ()
    supply_cuts: tuple[SupplyCut, ...] = ()
    description: str = ""
    preset: str = ""
    """The id of the preset it was made from ("" for the user's own)."""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ScenarioError("name", self.name, "a scenario needs a name")
        if self.start.day != 1:
            object.__setattr__(self, "start", month_start(self.start))
        _check_start(self.start)
        if not 1 <= self.horizon_months <= MAX_HORIZON_MONTHS:
            raise ScenarioError("horizon_months", self.horizon_months, f"between 1 and {MAX_HORIZON_MONTHS}")
        if self.price_basis not in BASES:
            raise ScenarioError("price_basis", self.price_basis, f"not one of {', '.join(BASES)}")

    @property
    def months(self) -> list[dt.date]:
        return [add_months(self.start, t) for t in range(self.horizon_months)]

    @property
    def month_labels(self) -> list[str]:
        return [month_label(m) for m in self.months]

    @property
    def end(self) -> dt.date:
        """The day after the horizon."""
        return add_months(self.start, self.horizon_months)

    @property
    def horizon_days(self) -> int:
        return (self.end - self.start).days

    def day(self, number: int) -> dt.date:
        """The date of scenario day `number` (day 1 is `start`)."""
        return self.start + dt.timedelta(days=number - 1)

    def day_number(self, day: dt.date) -> int:
        return (day - self.start).days + 1

    def with_basis(self, basis: str) -> Scenario:
        if basis not in BASES:
            raise ScenarioError("price_basis", basis, f"not one of {', '.join(BASES)}")
        return dataclasses.replace(self, price_basis=basis)

    def renamed(self, name: str) -> Scenario:
        return dataclasses.replace(self, name=name)

    def to_json(self) -> dict[str, Any]:
        """The scenario-file shape (docs/scenarios.md)."""
        data: dict[str, Any] = {
            "name": self.name,
            "start": month_label(self.start),
            "horizon_months": self.horizon_months,
            "price_basis": self.price_basis,
            "price_shocks": [_shock_json(s) for s in self.price_shocks],
            "supply_cuts": [_cut_json(c) for c in self.supply_cuts],
        }
        if self.description:
            data["description"] = self.description
        if self.preset:
            data["preset"] = self.preset
        return data

    @classmethod
    def from_json(cls, data: object, known_rules: Iterable[str] | None = None) -> Scenario:
        """A scenario from its file shape. Raises ScenarioError naming the key and value of the first problem.
        `known_rules`: the control-rule ids a cut may name (not checked when None)."""
        return parse_scenario(data, None if known_rules is None else frozenset(known_rules))


def unique_name(name: str, taken: Iterable[str]) -> str:
    """`name`, or "name (2)", "name (3)" … the first not in `taken` (for duplicates and new scenarios)."""
    used = set(taken)
    if name not in used:
        return name
    n = 2
    while f"{name} ({n})" in used:
        n += 1
    return f"{name} ({n})"


def baseline_scenario(start: dt.date, horizon_months: int = DEFAULT_HORIZON_MONTHS, price_basis: str = "china",
                      name: str = "No shock") -> Scenario:
    """A scenario with no shock: the baseline alone (e.g. for a Monte Carlo run around today's prices)."""
    return Scenario(name, month_start(start), horizon_months, price_basis)


def cut_from_rule(rule: ControlRule, *, share_lost: float = 1.0, from_day: int = 1, days: int | None = None,
                  horizon_days: int | None = None) -> SupplyCut:
    """A supply cut on the paths a control rule meets, as if the rule were in force from `from_day`.

    A licence stops shipments for the time of a review (default 63 days: 45 working days, FACTS §1.3); a
    prohibition stops them for good (default: to the end of the horizon, and stock cannot bridge it). Other
    effects (tariffs, benchmarks, watch items) are not supply cuts."""
    if rule.effect not in (Effect.LICENCE, Effect.PROHIBITED):
        raise ScenarioError("rule", rule.id, f"a {rule.effect_label} rule is not a supply cut (use a licence or a "
                                             "prohibition)")
    prohibited = rule.effect is Effect.PROHIBITED
    if days is None:
        if prohibited:
            if horizon_days is None:
                raise ValueError("a prohibition lasts to the end of the horizon: give horizon_days")
            days = max(1, horizon_days - from_day + 1)
        else:
            days = LICENCE_REVIEW_DAYS
    how = ("prohibited: the paths it meets are lost for good" if prohibited else
           f"licence required: nothing ships for a review of {days} days")
    return SupplyCut(
        elements=() if rule.whole_magnet else tuple(sorted(rule.elements, key=elements.SYMBOLS.index)),
        countries=tuple(sorted(rule.countries)),
        stages=tuple(s for s in CUT_STAGES if Stage(s) in rule.stages),
        share_lost=share_lost,
        from_day=from_day,
        days=days,
        rule=rule.id,
        stock_usable=not prohibited,
        provenance=Provenance(rule.confidence, "", rule.sources, f"{rule.instrument}: {rule.title} ({how})"),
    )


def check_bounds(scenario: Scenario, reference_prices: Mapping[str, float] | None = None) -> None:
    """Refuse (ScenarioError) a scenario that cannot be computed in finite numbers and a reasonable time: more than
    MAX_SHOCKS price shocks or MAX_CUTS supply cuts, or shocks that together move one element's price in one month
    by more than MAX_PRICE_MULTIPLE. Multipliers multiply; a shock given as a price counts as that price over the
    element's reference price in `reference_prices` (USD per kg of element), and is left to `run_scenario`, which
    knows the price basis, when they are not given."""
    for key, items, most in (("price_shocks", scenario.price_shocks, MAX_SHOCKS),
                             ("supply_cuts", scenario.supply_cuts, MAX_CUTS)):
        if len(items) > most:
            raise ScenarioError(key, _MISSING, f"{len(items):,} of them; a scenario holds at most {most:,}")
    horizon = scenario.horizon_months
    moves: dict[str, np.ndarray] = {}
    """Per element, the log of its price multiple in each month."""
    shocks: dict[str, np.ndarray] = {}
    """Per element, how many shocks move it in each month."""
    for shock in scenario.price_shocks:
        profile = shock.profile(horizon)
        for symbol in shock.symbols:
            reference = (reference_prices or {}).get(symbol, 0.0)
            if shock.multiplier is None and not reference > 0:
                continue
            full = shock.full_multiplier(reference)
            level = np.maximum(1.0 + (full - 1.0) * profile, _TINY)  # a price cut to nothing is 0, not −∞
            moves[symbol] = moves.get(symbol, np.zeros(horizon)) + np.log(level)
            shocks[symbol] = shocks.get(symbol, np.zeros(horizon, dtype=np.int64)) + (profile > 0)
    limit = math.log(MAX_PRICE_MULTIPLE) * (1 + 1e-12)
    for symbol in (s for s in elements.SYMBOLS if s in moves):
        over = np.flatnonzero(moves[symbol] > limit)
        if len(over):
            t = int(over[0])
            n = int(shocks[symbol][t])
            what = f"the shock on {symbol} moves" if n == 1 else f"the {n:,} shocks on {symbol} together move"
            raise ScenarioError("price_shocks", _MISSING, f"{what} its price {_times(float(moves[symbol][t]))} in "
                                f"month {t + 1} ({month_label(add_months(scenario.start, t))}); a scenario may move "
                                f"a price at most ×{MAX_PRICE_MULTIPLE:,.0f} in all")


_TINY = float(np.finfo(float).tiny)


def _times(log_multiple: float) -> str:
    """×1,000,000 or, beyond what reads as a number, ×1e309."""
    if log_multiple < math.log(1e15):
        return f"×{math.exp(log_multiple):,.2f}".rstrip("0").rstrip(".")
    return f"×1e{log_multiple / math.log(10):.0f}"


# ------------------------------------------------------------------------------------------ the file shape


def _provenance_json(p: Provenance, data: dict[str, Any]) -> dict[str, Any]:
    if p.note:
        data["note"] = p.note
    if p.confidence:
        data["confidence"] = p.confidence
    if p.timing_confidence:
        data["timing_confidence"] = p.timing_confidence
    if p.sources:
        data["sources"] = [{"title": s.title, "url": s.url} for s in p.sources]
    return data


def _shock_json(shock: PriceShock) -> dict[str, Any]:
    data: dict[str, Any] = {"elements": list(shock.elements), "shape": shock.shape}
    if shock.price_usd_per_kg is not None:
        data["price_usd_per_kg"] = shock.price_usd_per_kg
    else:
        data["multiplier"] = shock.multiplier
    data["from_month"] = shock.from_month
    data["months"] = shock.months
    return _provenance_json(shock.provenance, data)


def _cut_json(cut: SupplyCut) -> dict[str, Any]:
    data: dict[str, Any] = {
        "elements": list(cut.elements),
        "countries": list(cut.countries),
        "stages": list(cut.stages),
        "share_lost": cut.share_lost,
        "from_day": cut.from_day,
        "days": cut.days,
    }
    if cut.rule:
        data["rule"] = cut.rule
    if not cut.stock_usable:
        data["stock_usable"] = False
    return _provenance_json(cut.provenance, data)


_SCENARIO_KEYS = ("name", "start", "horizon_months", "price_basis", "price_shocks", "supply_cuts", "description",
                  "preset")
_PROVENANCE_KEYS = ("note", "confidence", "timing_confidence", "sources")
_SHOCK_KEYS = ("elements", "shape", "multiplier", "price_usd_per_kg", "from_month", "months", *_PROVENANCE_KEYS)
_CUT_KEYS = ("elements", "countries", "stages", "share_lost", "from_day", "days", "rule", "stock_usable",
             *_PROVENANCE_KEYS)


class _Reader:
    """Typed access to one object of a scenario file; every failure names the key and the value."""

    def __init__(self, data: object, where: str, known: Sequence[str], strict: bool = False) -> None:
        if not isinstance(data, Mapping):
            raise ScenarioError(where or "(top level)", data, "expected an object {…}")
        self.data = data
        self.where = where
        self.strict = strict
        # More keys are allowed in a scenario file (other tools may add theirs), but not near misses of ours: those
        # are misspellings. Bundled presets (strict) allow none.
        for key in data:
            if key in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.75)
            if close:
                raise ScenarioError(self.key(str(key)), data[key], f"unknown key: did you mean '{close[0]}'?")
            if strict:
                raise ScenarioError(self.key(str(key)), data[key], "unknown key (misspelt?)")

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def get(self, name: str, default: object = _MISSING) -> object:
        value = self.data.get(name, default)
        if value is _MISSING:
            raise ScenarioError(self.key(name), _MISSING, "missing")
        return value

    def text(self, name: str, default: str | None = None) -> str:
        value = self.get(name, _MISSING if default is None else default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise ScenarioError(self.key(name), value, "expected non-empty text")
        return value

    def number(self, name: str, low: float, high: float, default: float | None = None, *,
               low_open: bool = False) -> float:
        value = self.get(name, _MISSING if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(self.key(name), value, "expected a number")
        if not math.isfinite(value):
            raise ScenarioError(self.key(name), value, "not a finite number" if math.isnan(value)
                                else "not a finite number (or far too large to be one)")
        if value < low or value > high or (low_open and value == low):
            bracket = "(" if low_open else "["
            raise ScenarioError(self.key(name), value, f"outside {bracket}{low:g}, {high:g}]")
        return float(value)

    def whole(self, name: str, low: int, high: int, default: int | None = None) -> int:
        value = self.number(name, low, high, None if default is None else float(default))
        if value != int(value):
            raise ScenarioError(self.key(name), self.data.get(name), "expected a whole number")
        return int(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.get(name, default)
        if not isinstance(value, bool):
            raise ScenarioError(self.key(name), value, "expected true or false")
        return value

    def texts(self, name: str, default: Sequence[str] | None = None) -> tuple[str, ...]:
        value = self.get(name, _MISSING if default is None else list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ScenarioError(self.key(name), value, "expected a list of text")
        return tuple(value)

    def objects(self, name: str) -> list[object]:
        value = self.get(name, [])
        if not isinstance(value, list):
            raise ScenarioError(self.key(name), value, "expected a list of objects [{…}, …]")
        return value

    def provenance(self) -> Provenance:
        marks = []
        for name in ("confidence", "timing_confidence"):
            mark = self.text(name, "")
            if mark and mark not in CONFIDENCE_MARKS:
                raise ScenarioError(self.key(name), mark, f"not one of {', '.join(CONFIDENCE_MARKS)}")
            marks.append(mark)
        sources = []
        for i, item in enumerate(self.objects("sources"), start=1):
            source = _Reader(item, self.key(f"sources[{i}]"), ("title", "url"), self.strict)
            sources.append(Source(source.text("title"), source.text("url", "")))
        return Provenance(marks[0], marks[1], tuple(sources), self.text("note", ""))


def _element_names(reader: _Reader, name: str, allow_empty: bool) -> tuple[str, ...]:
    names = reader.texts(name, () if allow_empty else None)
    for i, value in enumerate(names, start=1):
        if value not in elements.INDEX and value not in ELEMENT_GROUPS:
            raise ScenarioError(f"{reader.key(name)}[{i}]", value,
                                f"not an element symbol (Dy) or a group ({', '.join(ELEMENT_GROUPS)})")
    if not names and not allow_empty:
        raise ScenarioError(reader.key(name), [], "name at least one element or group (e.g. [\"Dy\", \"Tb\"])")
    return names


def _countries(reader: _Reader) -> tuple[str, ...]:
    from riskdesk.core.countries import default_countries

    table = default_countries()
    result = []
    for i, value in enumerate(reader.texts("countries", ()), start=1):
        if value.startswith(GROUP_PREFIX):
            if value.removeprefix(GROUP_PREFIX) not in table.groups:
                raise ScenarioError(f"{reader.key('countries')}[{i}]", value,
                                    f"not a country group ({', '.join(GROUP_PREFIX + g for g in table.groups)})")
            result.append(value)
            continue
        code = table.resolve(value)
        if code is None:
            raise ScenarioError(f"{reader.key('countries')}[{i}]", value,
                                "not a country RiskDesk knows (use an ISO code such as CN or MM)")
        result.append(code)
    return tuple(result)


def _parse_shock(item: object, where: str, horizon: int, strict: bool) -> PriceShock:
    reader = _Reader(item, where, _SHOCK_KEYS, strict)
    names = _element_names(reader, "elements", allow_empty=False)
    shape = reader.text("shape")
    if shape not in PRICE_SHAPES:
        raise ScenarioError(reader.key("shape"), shape, f"not one of {', '.join(PRICE_SHAPES)}")
    has_multiplier = "multiplier" in reader.data
    has_price = "price_usd_per_kg" in reader.data
    if has_multiplier == has_price:
        raise ScenarioError(where, item, "give either 'multiplier' or 'price_usd_per_kg', not both or neither")
    multiplier = reader.number("multiplier", 0.0, 1000.0, low_open=True) if has_multiplier else None
    price = reader.number("price_usd_per_kg", 0.0, 1e7, low_open=True) if has_price else None
    return _built(where, lambda: PriceShock(
        elements=names,
        shape=shape,
        multiplier=multiplier,
        price_usd_per_kg=price,
        from_month=reader.whole("from_month", 1, horizon),
        months=reader.whole("months", 1, 1200),
        provenance=reader.provenance(),
    ))


def _parse_cut(item: object, where: str, horizon_days: int, known_rules: frozenset[str] | None,
               strict: bool) -> SupplyCut:
    reader = _Reader(item, where, _CUT_KEYS, strict)
    stages = reader.texts("stages")
    for i, stage in enumerate(stages, start=1):
        if stage not in CUT_STAGES:
            raise ScenarioError(f"{reader.key('stages')}[{i}]", stage, f"not one of {', '.join(CUT_STAGES)}")
    if not stages:
        raise ScenarioError(reader.key("stages"), [], f"name at least one stage ({', '.join(CUT_STAGES)})")
    rule = reader.text("rule", "")
    if rule and known_rules is not None and rule not in known_rules:
        raise ScenarioError(reader.key("rule"), rule, "no control rule with this id (see `riskdesk rules`)")
    return _built(where, lambda: SupplyCut(
        elements=_element_names(reader, "elements", allow_empty=True),
        countries=_countries(reader),
        stages=stages,
        share_lost=reader.number("share_lost", 0.0, 1.0, low_open=True),
        from_day=reader.whole("from_day", 1, horizon_days),
        days=reader.whole("days", 1, 100_000),
        rule=rule,
        stock_usable=reader.flag("stock_usable", True),
        provenance=reader.provenance(),
    ))


_T = TypeVar("_T")


def _built(where: str, make: Callable[[], _T]) -> _T:
    """Build a shock or cut, naming its position in the file if the dataclass refuses a value."""
    try:
        return make()
    except ScenarioError as exc:
        if exc.key.startswith(where):
            raise
        raise ScenarioError(f"{where}.{exc.key}", exc.value, exc.message) from None


def parse_scenario(data: object, known_rules: frozenset[str] | None = None, *, strict: bool = False,
                   extra_keys: Sequence[str] = ()) -> Scenario:
    """A scenario from its file shape (see `Scenario.from_json`); `strict` refuses every key it does not know
    (bundled presets, which may also have `extra_keys`)."""
    reader = _Reader(data, "", (*_SCENARIO_KEYS, *extra_keys), strict)
    name = reader.text("name")
    start_text = reader.text("start")
    try:
        start = parse_month(start_text)
    except ValueError:
        raise ScenarioError("start", start_text, "expected a month YYYY-MM") from None
    _check_start(start)
    horizon = reader.whole("horizon_months", 1, MAX_HORIZON_MONTHS, DEFAULT_HORIZON_MONTHS)
    basis = reader.text("price_basis", "china")
    if basis not in BASES:
        raise ScenarioError("price_basis", basis, f"not one of {', '.join(BASES)}")
    horizon_days = (add_months(start, horizon) - start).days
    shocks = tuple(_parse_shock(item, f"price_shocks[{i}]", horizon, strict)
                   for i, item in enumerate(reader.objects("price_shocks"), start=1))
    cuts = tuple(_parse_cut(item, f"supply_cuts[{i}]", horizon_days, known_rules, strict)
                 for i, item in enumerate(reader.objects("supply_cuts"), start=1))
    return Scenario(name, start, horizon, basis, shocks, cuts, reader.text("description", ""),
                    reader.text("preset", ""))


# ------------------------------------------------------------------------------------------------ evaluation


@dataclass(frozen=True)
class StockOut:
    """Per part (arrays in the order of the project's parts): what the scenario's supply cuts do to its supply.

    Days count from the scenario's first day (day 1). TTS and TTR count from the first day the part loses
    supply; a part no cut reaches has NaN there and never stops."""

    loss_share: np.ndarray
    """Largest share (0..1) of the part's supply lost on any day."""
    possible_share: np.ndarray
    """Of the cuts' reach, the share of the part's supply counted only because an origin is unknown."""
    first_affected_day: np.ndarray
    """First day the part loses supply (0: never)."""
    tts_days: np.ndarray
    """Time to survive: stock_days / the share lost on the first day it loses supply (0 when stock cannot bridge
    the cut, e.g. a prohibition); NaN when no cut reaches the part."""
    ttr_days: np.ndarray
    """Time to recover: days from the first to the last day the part loses supply (NaN when never)."""
    first_short_day: np.ndarray
    """First day the part is short (0: never)."""
    last_short_day: np.ndarray
    days_short: np.ndarray
    units_short: np.ndarray
    """Σ over short days of the share not covered × annual units / 365."""
    shortfall_cost: np.ndarray
    """units_short × unit price (USD): the value of the parts not delivered."""

    @property
    def stops(self) -> np.ndarray:
        return self.first_short_day > 0


@dataclass(frozen=True)
class CutReach:
    """Which supply paths one cut reaches: known (the stage country is one it names) or possible (unknown origin
    where a named country has a world share: counted, as the scores count unknown origins as the worst case)."""

    cut: SupplyCut
    known: np.ndarray
    """Per path."""
    possible: np.ndarray
    """Per path: reached only because its country at a cut stage is unknown."""
    part_share: np.ndarray
    """Per part: share (0..1) of its supply through the paths reached."""
    part_possible: np.ndarray
    """Per part: of that, the share through paths reached only as unknown origin."""
    note: str = ""
    """Why the cut reaches nothing, when the rule does not concern the buyer, etc."""

    @property
    def reached(self) -> np.ndarray:
        return self.known | self.possible

    @property
    def parts_reached(self) -> int:
        return int((self.part_share > 0).sum())


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario evaluated on a project: monthly cost per part and portfolio, and stock-out per part.

    Costs are USD per month; arrays per part follow `part_numbers`."""

    scenario: Scenario
    evaluation: Evaluation
    part_numbers: np.ndarray
    symbols: tuple[str, ...]
    """Elements the project holds (the columns of the per-element arrays)."""
    reference_prices: np.ndarray
    """(elements,) USD per kg of element on the scenario's price basis."""
    price_factor: np.ndarray
    """(months × elements) the scenario's price over the reference price."""
    part_kg_month: np.ndarray
    """(parts × elements) kg per month of each element in each part's magnets."""
    part_baseline: np.ndarray
    """(parts × months) baseline monthly cost."""
    part_scenario: np.ndarray
    """(parts × months) monthly cost at the scenario's prices."""
    stock_out: StockOut
    reach: tuple[CutReach, ...]
    parts_short_by_day: np.ndarray
    """(horizon days,) how many parts are short on each day (index 0 is day 1)."""

    @property
    def months(self) -> list[str]:
        return self.scenario.month_labels

    @property
    def element_baseline(self) -> np.ndarray:
        """(months × elements) the portfolio's baseline monthly cost by element."""
        monthly = self.part_kg_month.sum(axis=0) * self.reference_prices
        return np.tile(monthly, (self.scenario.horizon_months, 1))

    @property
    def element_scenario(self) -> np.ndarray:
        """(months × elements) the portfolio's monthly cost by element at the scenario's prices."""
        return self.element_baseline * self.price_factor

    @property
    def portfolio_baseline(self) -> np.ndarray:
        return self.part_baseline.sum(axis=0)

    @property
    def portfolio_scenario(self) -> np.ndarray:
        return self.part_scenario.sum(axis=0)

    @property
    def portfolio_delta(self) -> np.ndarray:
        return self.portfolio_scenario - self.portfolio_baseline

    @property
    def delta_total(self) -> float:
        return float(self.portfolio_delta.sum())

    @functools.cached_property
    def part_delta_total(self) -> np.ndarray:
        """(parts,) scenario minus baseline cost over the horizon (computed once: tables read it per cell)."""
        return (self.part_scenario - self.part_baseline).sum(axis=1)

    def prices(self) -> np.ndarray:
        """(months × elements) the scenario's prices, USD per kg of element."""
        return self.price_factor * self.reference_prices

    def value_short_known(self) -> np.ndarray:
        """Per part: the value of its units short is known (none short, or a unit price given)."""
        known: np.ndarray = self.evaluation.compiled.spend_known | (self.stock_out.units_short <= 0)
        return known

    def unpriced_short(self) -> list[str]:
        """The parts that run short whose value short is unknown (no unit price)."""
        return [str(self.part_numbers[i]) for i in np.flatnonzero(~self.value_short_known())]

    def to_json(self) -> dict[str, Any]:
        """What `riskdesk scenario --json` prints (without the Monte Carlo part). A value short that is unknown (no
        unit price) is null, with "shortfall_cost_unknown_reason"."""
        so = self.stock_out
        known = self.value_short_known()
        unpriced = self.unpriced_short()
        parts = []
        delta = self.part_delta_total
        for i, number in enumerate(self.part_numbers):
            parts.append({
                "part_number": str(number),
                "baseline_cost": _rounded(self.part_baseline[i]),
                "scenario_cost": _rounded(self.part_scenario[i]),
                "delta_total": round(float(delta[i]), 2),
                "stock_out": {
                    "tts_days": _maybe(so.tts_days[i]),
                    "ttr_days": _maybe(so.ttr_days[i]),
                    "first_short_day": int(so.first_short_day[i]) or None,
                    "days_short": int(so.days_short[i]),
                    "units_short": round(float(so.units_short[i]), 2),
                    "shortfall_cost": round(float(so.shortfall_cost[i]), 2) if known[i] else None,
                    **({} if known[i] else {"shortfall_cost_unknown_reason": UNKNOWN_PRICE_REASON}),
                    "loss_share": round(float(so.loss_share[i]), 4),
                    "possible_share": round(float(so.possible_share[i]), 4),
                },
            })
        return {
            "scenario": self.scenario.to_json(),
            "as_of": self.evaluation.as_of.isoformat(),
            "currency": "USD",
            "months": self.months,
            "portfolio": {
                "baseline_cost": _rounded(self.portfolio_baseline),
                "scenario_cost": _rounded(self.portfolio_scenario),
                "delta": _rounded(self.portfolio_delta),
                "delta_total": round(self.delta_total, 2),
                "parts_short": int(so.stops.sum()),
                "shortfall_cost": round(float(so.shortfall_cost.sum()), 2),
                **({"shortfall_cost_unknown_parts": unpriced,
                    "shortfall_cost_unknown_reason": f"{UNKNOWN_PRICE_REASON}: the total leaves these parts out"}
                   if unpriced else {}),
            },
            "supply_cuts": [{"cut": r.cut.describe(), "parts_reached": r.parts_reached, "note": r.note}
                            for r in self.reach],
            "parts": parts,
        }


@dataclass(frozen=True, slots=True)
class ElementSensitivity:
    """How much one element's price moves the portfolio's cost over the scenario's horizon (USD)."""

    symbol: str
    low: float
    """Change in the total cost if this element's price alone were (1 − swing) × the scenario's price."""
    high: float
    """… and if it were (1 + swing) × the scenario's price."""
    scenario: float
    """The scenario's own change from this element's shocks (scenario minus baseline cost)."""


def element_sensitivity(result: ScenarioResult, swing: float = 0.5) -> list[ElementSensitivity]:
    """The tornado of cost sensitivity: per element the portfolio holds, the change in total cost over the horizon
    if its price alone moved by ± `swing` from the scenario's prices, widest first. Costs are linear in each
    price, so the bars are ± swing × the element's scenario cost; their order says which price matters most."""
    if not (math.isfinite(swing) and swing > 0):
        raise ValueError(f"the swing must be a fraction above 0, not {swing}")
    scenario_cost = result.element_scenario.sum(axis=0)
    change = scenario_cost - result.element_baseline.sum(axis=0)
    rows = [ElementSensitivity(symbol, -swing * float(cost), swing * float(cost), float(delta))
            for symbol, cost, delta in zip(result.symbols, scenario_cost, change, strict=True) if cost > 0]
    return sorted(rows, key=lambda r: (-(r.high - r.low), r.symbol))


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 2) for v in values]


def _maybe(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 2)


def price_factors(scenario: Scenario, symbols: Sequence[str], reference_prices: np.ndarray) -> np.ndarray:
    """(months × elements) the price over the reference price in each month: shocks on the same element
    multiply."""
    factor = np.ones((scenario.horizon_months, len(symbols)))
    column = {s: j for j, s in enumerate(symbols)}
    for shock in scenario.price_shocks:
        profile = shock.profile(scenario.horizon_months)
        for symbol in shock.symbols:
            j = column.get(symbol)
            if j is None:
                continue
            full = shock.full_multiplier(float(reference_prices[j]))
            factor[:, j] *= 1.0 + (full - 1.0) * profile
    return factor


def reference_prices(reference: ReferenceData, symbols: Sequence[str], basis: str) -> np.ndarray:
    return np.array([reference.prices.reference_price(s, basis)[0] for s in symbols])


def run_scenario(evaluation: Evaluation, scenario: Scenario) -> ScenarioResult:
    """Evaluate a scenario on a scored project: monthly costs per part and portfolio, and stock-out per part.

    Fast enough to run on every edit (100,000 supply paths in well under a second); it does not change the
    evaluation."""
    compiled = evaluation.compiled
    reference = evaluation.reference
    symbols = tuple(elements.SYMBOLS[e] for e in evaluation.columns)
    prices = reference_prices(reference, symbols, scenario.price_basis)
    check_bounds(scenario, dict(zip(symbols, prices.tolist(), strict=True)))
    factor = price_factors(scenario, symbols, prices)
    kg_month = evaluation.part_kg_c / 12.0
    monthly_value = kg_month * prices
    baseline_month = monthly_value.sum(axis=1)
    part_baseline = np.repeat(baseline_month[:, None], scenario.horizon_months, axis=1)
    part_scenario = monthly_value @ factor.T
    reach = tuple(cut_reach(evaluation, cut, i) for i, cut in enumerate(scenario.supply_cuts, start=1))
    stock_out, by_day = _stock_out(evaluation, scenario, reach)
    _check_finite(scenario, part_baseline=part_baseline, part_scenario=part_scenario,
                  units_short=stock_out.units_short, shortfall_cost=stock_out.shortfall_cost)
    return ScenarioResult(scenario, evaluation, compiled.part_numbers, symbols, prices, factor, kg_month,
                          part_baseline, part_scenario, stock_out, reach, by_day)


def _check_finite(scenario: Scenario, **figures: np.ndarray) -> None:
    """A result is shown or written only when every figure is a finite number ("never a score computed from
    nonsense"); the bounds make this hold, and this says so in one line should it ever not."""
    for name, values in figures.items():
        if not np.isfinite(values).all():
            raise ScenarioError("", _MISSING, f"scenario {scenario.name!r} gives a cost that is not a finite number "
                                f"({name.replace('_', ' ')}): its shocks or the project's figures are too large "
                                "to compute with")


def run_on_both_bases(evaluation: Evaluation, scenario: Scenario) -> dict[str, ScenarioResult]:
    """The scenario on each price basis, its own first: China domestic and ex-China prices differ several-fold
    for Dy and Tb, and a buyer should see both. A shock given as a price is the same price on both."""
    bases = [scenario.price_basis, *(b for b in BASES if b != scenario.price_basis)]
    return {basis: run_scenario(evaluation, scenario.with_basis(basis)) for basis in bases}


def cut_reach(evaluation: Evaluation, cut: SupplyCut, position: int = 1) -> CutReach:
    """Which supply paths a cut reaches on this project (see `CutReach`)."""
    compiled = evaluation.compiled
    if cut.rule:
        known, possible, note = _rule_reach(evaluation, cut, position)
    else:
        known, possible = _country_reach(evaluation, cut)
        note = ""
    reached = known | possible
    share = compiled.share
    n = compiled.n_parts
    part_share = np.bincount(compiled.path_part, weights=share * reached, minlength=n)
    part_possible = np.bincount(compiled.path_part, weights=share * possible, minlength=n)
    if not note and not reached.any():
        note = "no supply path of the project passes where this cut is"
    return CutReach(cut, known, possible, np.minimum(part_share, 1.0), np.minimum(part_possible, 1.0), note)


def _holding(evaluation: Evaluation, symbols: tuple[str, ...]) -> np.ndarray:
    """Per part: its magnet holds one of `symbols` (any rare earth when `symbols` is empty)."""
    wanted = symbols or tuple(_RARE_EARTHS)
    mask = np.isin(np.array(elements.SYMBOLS), list(wanted))
    return np.asarray(evaluation.compiled.wt_pct[:, mask].sum(axis=1) > 0)


def _country_reach(evaluation: Evaluation, cut: SupplyCut) -> tuple[np.ndarray, np.ndarray]:
    compiled = evaluation.compiled
    reference = evaluation.reference
    concerned = _holding(evaluation, cut.symbols)[compiled.path_part]
    any_country = not cut.countries
    groups = {name: reference.countries.members(name) for name in reference.countries.groups}
    codes = expand_countries(cut.countries, groups)
    vocabulary = compiled.countries
    named = (np.ones(len(vocabulary), dtype=bool) if any_country
             else np.isin(vocabulary, list(codes))) & (vocabulary != "")
    named = np.append(named, False)  # index -1 (UNKNOWN) → False
    known = np.zeros(compiled.n_paths, dtype=bool)
    unknown = np.zeros(compiled.n_paths, dtype=bool)
    for name in cut.stages:
        stage = Stage(name)
        column = compiled.assembly if stage is Stage.ASSEMBLY else compiled.country[:, STAGES.index(stage)]
        known |= named[column]
        market_stage = Stage.MAGNET if stage is Stage.ASSEMBLY else stage
        prior = 1.0 if any_country else sum(reference.market.world_share(market_stage, c) for c in codes)
        if prior > 0:
            unknown |= column == UNKNOWN
    known &= concerned
    return known, unknown & concerned & ~known


def _rule_reach(evaluation: Evaluation, cut: SupplyCut, position: int) -> tuple[np.ndarray, np.ndarray, str]:
    """The paths a control rule would meet if it were in force (with its scope: buyer, end use, family, …)."""
    from riskdesk.core.rule_match import match_rules

    reference = evaluation.reference
    control_list = reference.control_list
    try:
        rule = control_list.by_id(cut.rule)
    except KeyError:
        raise ScenarioError(f"supply_cuts[{position}].rule", cut.rule,
                            f"no rule with this id in control list {control_list.version}") from None
    if rule.effect not in (Effect.LICENCE, Effect.PROHIBITED):
        raise ScenarioError(f"supply_cuts[{position}].rule", cut.rule,
                            f"a {rule.effect_label} rule is not a supply cut (use a licence or a prohibition)")
    forced = dataclasses.replace(rule, announced=dt.date.min, effective_from=dt.date.min, effective_until=None,
                                 suspensions=(), unknown_after=None, after_suspension="in_force")
    single = dataclasses.replace(reference, control_list=dataclasses.replace(control_list, rules=(forced,)))
    compiled = evaluation.compiled
    matches = match_rules(compiled, evaluation.kg_c, evaluation.columns, evaluation.as_of, evaluation.settings,
                          single)
    none = np.zeros(compiled.n_paths, dtype=bool)
    if not matches:
        return none, none.copy(), f"{rule.id} does not concern this buyer (import country, effect)"
    match = matches[0]
    held = np.ones(compiled.n_parts, dtype=bool) if rule.whole_magnet else _holding(
        evaluation, tuple(s for s in elements.SYMBOLS if s in rule.elements))
    carried = held[compiled.path_part]
    known = (match.hit_bits != 0) & carried
    possible = (match.hit_bits == 0) & (match.unknown_bits != 0) & carried
    note = "" if (known | possible).any() else f"{rule.id} meets no supply path of the project"
    return known, possible, note


def _stock_out(evaluation: Evaluation, scenario: Scenario,
               reach: Sequence[CutReach]) -> tuple[StockOut, np.ndarray]:
    """Walk the days in segments between the cuts' start and end days: within a segment every part loses a
    constant share, so its stock runs out on a day found by division, without a per-day loop."""
    compiled = evaluation.compiled
    n = compiled.n_parts
    horizon = scenario.horizon_days
    stock = np.clip(np.nan_to_num(compiled.stock_days, nan=0.0), 0.0, None)
    windows = [(r.cut.from_day, min(r.cut.last_day(), horizon)) for r in reach]
    bounds = sorted({1, horizon + 1, *(a for a, b in windows if a <= b), *(b + 1 for a, b in windows if a <= b)})
    bounds = [b for b in bounds if 1 <= b <= horizon + 1]

    remaining = stock.copy()
    first_affected = np.zeros(n, dtype=np.int64)
    last_affected = np.zeros(n, dtype=np.int64)
    first_usable = np.zeros(n)
    first_unusable = np.zeros(n)
    peak = np.zeros(n)
    first_short = np.zeros(n, dtype=np.int64)
    last_short = np.zeros(n, dtype=np.int64)
    days_short = np.zeros(n, dtype=np.int64)
    short_equiv = np.zeros(n)
    change = np.zeros(horizon + 2, dtype=np.int64)
    share = compiled.share
    for a, b in itertools.pairwise(bounds):
        last = b - 1
        active = [r for r, (lo, hi) in zip(reach, windows, strict=True) if lo <= a and last <= hi]
        if not active:
            continue
        kept_unusable = np.ones(compiled.n_paths)
        kept_usable = np.ones(compiled.n_paths)
        for r in active:
            kept = 1.0 - r.cut.share_lost * r.reached
            if r.cut.stock_usable:
                kept_usable *= kept
            else:
                kept_unusable *= kept
        lost_unusable = np.bincount(compiled.path_part, weights=share * (1.0 - kept_unusable), minlength=n)
        lost_usable = np.bincount(compiled.path_part, weights=share * kept_unusable * (1.0 - kept_usable),
                                  minlength=n)
        lost_unusable = np.minimum(lost_unusable, 1.0)
        lost_usable = np.minimum(lost_usable, 1.0 - lost_unusable)
        lost = lost_usable + lost_unusable
        affected = lost > 0
        newly = affected & (first_affected == 0)
        first_affected[newly] = a
        first_usable[newly] = lost_usable[newly]
        first_unusable[newly] = lost_unusable[newly]
        last_affected[affected] = last
        peak = np.maximum(peak, lost)

        length = last - a + 1
        need = lost_usable * length
        covered = remaining >= need * (1.0 - 1e-12) - 1e-9
        with np.errstate(divide="ignore", invalid="ignore"):
            full_days = np.floor(remaining / lost_usable + 1e-9)
        start_usable = np.where((lost_usable > 0) & ~covered, a + full_days, np.inf)
        short_equiv += np.where(covered, 0.0, need - remaining)
        remaining = np.where(covered, np.maximum(remaining - need, 0.0), 0.0)
        start_unusable = np.where(lost_unusable > 0, float(a), np.inf)
        short_equiv += lost_unusable * length
        start = np.minimum(start_usable, start_unusable)
        short = start <= last
        start_day = np.where(short, start, 0).astype(np.int64)
        days_short += np.where(short, last - start_day + 1, 0)
        first_short = np.where(short & (first_short == 0), start_day, first_short)
        last_short = np.where(short, last, last_short)
        np.add.at(change, start_day[short], 1)
        np.add.at(change, np.full(int(short.sum()), last + 1), -1)

    with np.errstate(divide="ignore", invalid="ignore"):
        tts = np.where(first_unusable > 0, 0.0, stock / first_usable)
    tts = np.where(first_affected > 0, tts, np.nan)
    ttr = np.where(first_affected > 0, last_affected - first_affected + 1, np.nan).astype(float)
    units_short = short_equiv * compiled.annual_units / DAYS_PER_YEAR
    possible = np.zeros(n)
    for r in reach:
        possible = np.maximum(possible, r.part_possible * r.cut.share_lost)
    stock_out = StockOut(
        loss_share=peak,
        possible_share=np.minimum(possible, peak),
        first_affected_day=first_affected,
        tts_days=tts,
        ttr_days=ttr,
        first_short_day=first_short,
        last_short_day=last_short,
        days_short=days_short,
        units_short=units_short,
        shortfall_cost=units_short * compiled.unit_price,
    )
    return stock_out, np.cumsum(change)[1:horizon + 1]


__all__ = [
    "CUT_STAGES",
    "DEFAULT_HORIZON_MONTHS",
    "ELEMENT_GROUPS",
    "LICENCE_REVIEW_DAYS",
    "PRICE_SHAPES",
    "CutReach",
    "ElementSensitivity",
    "PriceShock",
    "Provenance",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "StockOut",
    "SupplyCut",
    "add_months",
    "baseline_scenario",
    "check_bounds",
    "cut_from_rule",
    "cut_reach",
    "element_sensitivity",
    "expand_elements",
    "month_label",
    "parse_month",
    "parse_scenario",
    "price_factors",
    "run_on_both_bases",
    "run_scenario",
    "unique_name",
]

