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
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from riskdesk.core import elements
from riskdesk.core.datafile import CONFIDENCE_MARKS, Source
from riskdesk.core.domain import STAGES, Effect, Stage
from riskdesk.core.rules import GROUP_PREFIX, ControlRule
from riskdesk.core.vocabulary import BASES, BASIS_NAMES

if TYPE_CHECKING:
    pass

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
    if value is NO_VALUE:
        return ""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


NO_VALUE = object()
"""The value of a `ScenarioError` about something missing rather than a wrong value."""


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
    price_basis: str = ""
    """Blank: the shock moves prices on either basis. "china" or "ex-china": only when the scenario runs on that
    basis (April 2025 moved ex-China Dy and Tb while Chinese domestic prices held)."""

    def __post_init__(self) -> None:
        _check_elements(self.elements, allow_empty=False)
        if self.price_basis and self.price_basis not in BASES:
            raise ScenarioError("price_basis", self.price_basis, f"blank or one of {', '.join(BASES)}")
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

    def applies_to(self, basis: str) -> bool:
        """Whether the shock moves prices when the scenario runs on `basis`."""
        return not self.price_basis or self.price_basis == basis

    def describe(self) -> str:
        what = (f"×{self.multiplier:g}" if self.multiplier is not None
                else f"to {self.price_usd_per_kg:,.2f} USD/kg")
        how = {"step": "", "ramp": "ramping ", "decay": "then easing, "}[self.shape]
        months = "1 month" if self.months == 1 else f"{self.months} months"
        text = f"{', '.join(self.elements)} {what}, {how}from month {self.from_month} for {months}"
        if self.price_basis:
            text += f", on {BASIS_NAMES[self.price_basis]} prices only"
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
    import_countries: tuple[str, ...] = ()
    """Empty: the cut concerns every buyer. Otherwise only a buyer importing into one of these countries (ISO
    alpha-2), e.g. China's magnet exports to the US fell more than to the world in April–May 2025."""

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
        if self.import_countries:
            text += f", for a buyer importing into {', '.join(self.import_countries)}"
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
            raise ScenarioError(key, NO_VALUE, f"{len(items):,} of them; a scenario holds at most {most:,}")
    horizon = scenario.horizon_months
    moves: dict[str, np.ndarray] = {}
    """Per element, the log of its price multiple in each month."""
    shocks: dict[str, np.ndarray] = {}
    """Per element, how many shocks move it in each month."""
    for shock in scenario.price_shocks:
        if reference_prices is not None and not shock.applies_to(scenario.price_basis):
            continue
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
            raise ScenarioError("price_shocks", NO_VALUE, f"{what} its price {_times(float(moves[symbol][t]))} in "
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
    if shock.price_basis:
        data["price_basis"] = shock.price_basis
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
    if cut.import_countries:
        data["import_countries"] = list(cut.import_countries)
    return _provenance_json(cut.provenance, data)


_SCENARIO_KEYS = ("name", "start", "horizon_months", "price_basis", "price_shocks", "supply_cuts", "description",
                  "preset")
_PROVENANCE_KEYS = ("note", "confidence", "timing_confidence", "sources")
_SHOCK_KEYS = ("elements", "shape", "multiplier", "price_usd_per_kg", "from_month", "months", "price_basis",
               *_PROVENANCE_KEYS)
_CUT_KEYS = ("elements", "countries", "stages", "share_lost", "from_day", "days", "rule", "stock_usable",
             "import_countries", *_PROVENANCE_KEYS)


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

    def get(self, name: str, default: object = NO_VALUE) -> object:
        value = self.data.get(name, default)
        if value is NO_VALUE:
            raise ScenarioError(self.key(name), NO_VALUE, "missing")
        return value

    def text(self, name: str, default: str | None = None) -> str:
        value = self.get(name, NO_VALUE if default is None else default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise ScenarioError(self.key(name), value, "expected non-empty text")
        return value

    def number(self, name: str, low: float, high: float, default: float | None = None, *,
               low_open: bool = False) -> float:
        value = self.get(name, NO_VALUE if default is None else default)
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
        value = self.get(name, NO_VALUE if default is None else list(default))
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


def _import_countries(reader: _Reader) -> tuple[str, ...]:
    from riskdesk.core.countries import default_countries

    table = default_countries()
    result = []
    for i, value in enumerate(reader.texts("import_countries", ()), start=1):
        code = table.resolve(value)
        if code is None:
            raise ScenarioError(f"{reader.key('import_countries')}[{i}]", value,
                                "not a country RiskDesk knows (use an ISO code such as US or DE)")
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
    basis = reader.text("price_basis", "")
    if basis and basis not in BASES:
        raise ScenarioError(reader.key("price_basis"), basis,
                            f"not one of {', '.join(BASES)} (leave it out for a shock on either basis)")
    return _built(where, lambda: PriceShock(
        elements=names,
        shape=shape,
        multiplier=multiplier,
        price_usd_per_kg=price,
        from_month=reader.whole("from_month", 1, horizon),
        months=reader.whole("months", 1, 1200),
        provenance=reader.provenance(),
        price_basis=basis,
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
        import_countries=_import_countries(reader),
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


__all__ = [
    "CUT_STAGES",
    "DAYS_PER_YEAR",
    "DEFAULT_HORIZON_MONTHS",
    "ELEMENT_GROUPS",
    "LICENCE_REVIEW_DAYS",
    "NO_VALUE",
    "PRICE_SHAPES",
    "PriceShock",
    "Provenance",
    "Scenario",
    "ScenarioError",
    "SupplyCut",
    "add_months",
    "baseline_scenario",
    "check_bounds",
    "cut_from_rule",
    "expand_elements",
    "month_label",
    "parse_month",
    "parse_scenario",
    "unique_name",
]
