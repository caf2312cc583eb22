"""Numbers as people write them in cells: decimal commas or points, thousands separators, units and currency
signs ("1.200,5", "1,200", "3,5 %", "1.5 kg", "€ 12,50", "2 weeks"). One parser for the importer (which decides a
column's decimal separator from all its values) and for cells typed or pasted in the window, so both read the
same text the same way. Pure Python: the window can use it before numpy and pandas are loaded.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

MASS_UNITS: dict[str, float] = {"mg": 0.001, "g": 1.0, "kg": 1000.0, "lb": 453.59237, "oz": 28.349523125}
"""Grams per unit."""
_MASS_WORDS: dict[str, str] = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg", "milligramm": "mg",
    "g": "g", "gr": "g", "grs": "g", "gram": "g", "grams": "g", "gramm": "g", "gramme": "g", "grammes": "g",
    "gramo": "g", "gramos": "g", "克": "g", "グラム": "g",
    "kg": "kg", "kgs": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg", "kilograms": "kg", "kilogramm": "kg",
    "kilogramme": "kg", "kilogrammes": "kg", "kilogramo": "kg", "kilogramos": "kg", "千克": "kg", "公斤": "kg",
    "キログラム": "kg", "キロ": "kg",
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb", "livre": "lb", "libra": "lb", "libras": "lb",
    "oz": "oz", "ounce": "oz", "ounces": "oz", "once": "oz", "onza": "oz", "onzas": "oz",
}
_PERCENT_WORDS = frozenset({"%", "pct", "percent", "per cent", "wt%", "wt %", "wt.%", "wt.-%", "wt-%", "gew.-%",
                            "gew%", "gew.%", "gew-%", "% wt", "%wt", "mass%", "mass %", "m%", "m.-%", "％"})
_CURRENCY_WORDS = frozenset({"€", "$", "£", "¥", "eur", "euro", "euros", "usd", "us$", "cny", "rmb", "jpy", "gbp",
                             "chf", "krw", "元", "円", "人民币", "美元", "日元"})
_COUNT_WORDS = frozenset({"pcs", "pc", "pce", "pces", "piece", "pieces", "stk", "stk.", "st", "st.", "stück", "stueck",
                          "units", "unit", "ea", "each", "pièces", "piezas", "uds", "個", "件", "只", "个", "pcs."})
_DAY_WORDS = frozenset({"d", "day", "days", "tag", "tage", "t", "jour", "jours", "j", "dia", "dias", "día", "días",
                        "日", "天", "日間"})

DAY_FACTORS: dict[str, float] = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12}
_TIME_WORDS: dict[str, str] = {
    "d": "days", "day": "days", "days": "days", "tage": "days", "tagen": "days", "jours": "days", "dias": "days",
    "日": "days", "天": "days", "日数": "days", "天数": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks", "woche": "weeks",
    "wochen": "weeks", "semaine": "weeks", "semaines": "weeks", "semana": "weeks", "semanas": "weeks", "週": "weeks",
    "周": "weeks", "週間": "weeks",
    "month": "months", "months": "months", "monat": "months", "monate": "months", "monaten": "months",
    "mois": "months", "mes": "months", "meses": "months", "ヶ月": "months", "か月": "months", "个月": "months",
}


class UnitKind(StrEnum):
    """What a unit written next to a number means."""

    NONE = ""
    PERCENT = "percent"
    MASS = "mass"
    CURRENCY = "currency"
    COUNT = "count"
    DAYS = "days"
    OTHER = "other"


def unit_kind(unit: str) -> tuple[UnitKind, str]:
    """The kind of a unit written in a cell ("kg" → MASS, "kg"), case-insensitive."""
    u = unit.strip().casefold().rstrip(".")
    if not u:
        return UnitKind.NONE, ""
    if u in _PERCENT_WORDS or u.replace(" ", "") in _PERCENT_WORDS:
        return UnitKind.PERCENT, "%"
    if u in _MASS_WORDS:
        return UnitKind.MASS, _MASS_WORDS[u]
    if u in _CURRENCY_WORDS:
        return UnitKind.CURRENCY, u
    if u in _COUNT_WORDS or u + "." in _COUNT_WORDS:
        return UnitKind.COUNT, u
    if u in _DAY_WORDS:
        return UnitKind.DAYS, "days"
    return UnitKind.OTHER, u


def mass_unit_word(token: str) -> str | None:
    """The mass unit a header token names ("Kilogramm" → "kg"), else None."""
    return _MASS_WORDS.get(token.casefold())


def time_unit_word(token: str) -> str | None:
    """"days", "weeks" or "months" for a header token naming one, else None."""
    return _TIME_WORDS.get(token.casefold())


def is_percent_word(token: str) -> bool:
    return token.casefold() in _PERCENT_WORDS


def is_currency_word(token: str) -> bool:
    return token.casefold() in _CURRENCY_WORDS


_NUMBER = re.compile(
    r"(?P<sign>[-+−–]?)\s*(?P<num>(?:\d[\d.,'’ \u00a0\u202f\u2009]*\d|\d)(?:[eE][-+]?\d+)?|[.,]\d+)\s*(?P<unit>.*)",
    re.DOTALL,
)
_LEADING_CURRENCY = re.compile(r"^(?:[€$£¥]|eur|usd|us\$|cny|rmb|jpy|gbp|chf)\s*", re.IGNORECASE)


class Sep(StrEnum):
    """How a number string separates its decimals, as far as the string alone tells."""

    PLAIN = "plain"
    POINT = "point"
    COMMA = "comma"
    MAYBE_THOUSANDS_COMMA = "1,234"
    MAYBE_THOUSANDS_POINT = "1.234"


def separator_style(number: str) -> Sep:
    """Classify "1.234,5" (COMMA), "1,234.5" (POINT), "3,5" (COMMA), "1,234" (ambiguous) …"""
    s = re.sub(r"[ '’\u00a0\u202f\u2009]", "", number)
    has_comma, has_point = "," in s, "." in s
    if has_comma and has_point:
        return Sep.COMMA if s.rfind(",") > s.rfind(".") else Sep.POINT
    if s.count(",") > 1:
        return Sep.POINT
    if s.count(".") > 1:
        return Sep.COMMA
    if has_comma:
        head, tail = s.split(",")
        if len(tail) == 3 and 1 <= len(head) <= 3 and head.lstrip("+-") not in ("0", ""):
            return Sep.MAYBE_THOUSANDS_COMMA
        return Sep.COMMA
    if has_point:
        head, tail = s.split(".")
        if len(tail) == 3 and 1 <= len(head) <= 3 and head.lstrip("+-") not in ("0", ""):
            return Sep.MAYBE_THOUSANDS_POINT
        return Sep.POINT
    return Sep.PLAIN


def _to_float(number: str, decimal: str) -> float | None:
    s = re.sub(r"[ '’\u00a0\u202f\u2009]", "", number)
    s = s.replace(".", "").replace(",", ".") if decimal == "," else s.replace(",", "")
    try:
        return float(s)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """A number read from a text cell, with the unit written after it."""

    value: float
    unit_kind: UnitKind
    unit: str
    decimal_comma: bool = False
    """The comma in the text was read as the decimal separator."""


def split_number(text: str) -> tuple[str, str, str] | None:
    """(sign, number, unit) of "1,5 kg", "€ 12,50", "3.5 %"; None when the text does not start with a number."""
    s = unicodedata.normalize("NFKC", text).strip()
    s = _LEADING_CURRENCY.sub("", s)
    m = _NUMBER.fullmatch(s)
    if not m:
        return None
    return m.group("sign"), m.group("num"), m.group("unit").strip()


def parse_number(text: str, decimal: str = ".") -> ParsedNumber | None:
    """A number with an optional unit from text; `decimal` decides ambiguous strings such as "1,234"."""
    parts = split_number(text)
    if parts is None:
        return None
    sign, number, unit = parts
    style = separator_style(number)
    if style is Sep.COMMA:
        used = ","
    elif style in (Sep.MAYBE_THOUSANDS_COMMA, Sep.MAYBE_THOUSANDS_POINT):
        used = decimal
    else:
        used = "."
    value = _to_float(number, used)
    if value is None:
        return None
    if sign in ("-", "−", "–"):
        value = -value
    kind, unit_name = unit_kind(unit)
    return ParsedNumber(value, kind, unit_name, used == "," and "," in number)


def decide_decimal(strings: Iterable[str], hint: str | None = None) -> tuple[str, bool]:
    """The decimal separator of a column from all its number strings: (",", mixed) or (".", mixed).

    Strings that show their convention ("3,5", "1.234,5", "1,234.5") vote; ambiguous ones ("1,234") follow the
    majority, else `hint` (a semicolon-separated csv suggests decimal commas), else the point.
    """
    comma = point = 0
    for text in strings:
        parts = split_number(text)
        if parts is None:
            continue
        style = separator_style(parts[1])
        if style is Sep.COMMA:
            comma += 1
        elif style is Sep.POINT:
            point += 1
    mixed = comma > 0 and point > 0
    if comma > point:
        return ",", mixed
    if point > comma:
        return ".", mixed
    return (hint or "."), mixed




def plain_number(value: float) -> str:
    """A number for a message: whole numbers with thousands separators ("10,000,000"), others to six digits."""
    if math.isfinite(value) and abs(value) < 1e15 and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.6g}"


@dataclass(frozen=True, slots=True)
class Limit:
    """The plausible range of a number RiskDesk takes in (a field, a setting, a rate in a control list): values
    outside it are refused where they enter, so that no score is computed from an infinite or absurd figure."""

    low: float
    high: float
    unit: str = ""
    """How the number is written to the user ("g", "days", "%"), for messages."""

    def problem(self, value: float) -> str | None:
        """Why `value` is refused (not finite, or outside the range), or None when it is plausible."""
        if not math.isfinite(value):
            return f"{value!r} is not a finite number"
        if value < self.low or value > self.high:
            unit = f" {self.unit}" if self.unit else ""
            return (f"{plain_number(value)}{unit} is outside the plausible range {plain_number(self.low)} to "
                    f"{plain_number(self.high)}{unit}")
        return None

    def describe(self) -> str:
        """"0 to 10,000,000 g"."""
        return f"{plain_number(self.low)} to {plain_number(self.high)}{' ' + self.unit if self.unit else ''}"

    def clip(self, value: float, default: float) -> float:
        """`value` when plausible, else `default` (for stored settings that fall back instead of refusing)."""
        return value if self.problem(value) is None else default


class NumberKind(StrEnum):
    """What a cell's number stands for, which decides the units it may carry and how they convert."""

    PLAIN = "plain"
    MASS = "mass"
    """Grams; a cell may say g, kg, lb, oz or mg."""
    COUNT = "count"
    MONEY = "money"
    DAYS = "days"
    """Days; a cell may say days, weeks or months."""
    PERCENT = "percent"
    """A percentage (0–100); a "%" sign is optional."""


_ALLOWED_UNITS: dict[NumberKind, frozenset[UnitKind]] = {
    NumberKind.PLAIN: frozenset({UnitKind.NONE, UnitKind.PERCENT}),
    NumberKind.MASS: frozenset({UnitKind.NONE, UnitKind.MASS}),
    NumberKind.COUNT: frozenset({UnitKind.NONE, UnitKind.COUNT}),
    NumberKind.MONEY: frozenset({UnitKind.NONE, UnitKind.CURRENCY}),
    NumberKind.DAYS: frozenset({UnitKind.NONE, UnitKind.DAYS}),
    NumberKind.PERCENT: frozenset({UnitKind.NONE, UnitKind.PERCENT}),
}


def read_number(text: object, kind: NumberKind = NumberKind.PLAIN) -> float:
    """One cell's number in RiskDesk's unit for `kind` (grams, days, percent …): "1.200,5" → 1200.5,
    "1.5 kg" → 1500 g, "2 weeks" → 14 days, "3,5 %" → 3.5. Blank → NaN. Raises ValueError saying what is wrong.

    The decimal separator is read from the text alone: with both separators the last one is the decimal
    ("1.200,5"); a lone comma before exactly three digits is a thousands separator ("1,200"), otherwise the
    decimal ("3,5"); a lone point is the decimal. The importer decides ambiguous strings per column instead
    (`decide_decimal`), from all the column's values.
    """
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a number")
    if isinstance(text, int | float):
        value = float(text)
    else:
        raw = str(text).strip()
        if not raw:
            return math.nan
        if kind is NumberKind.DAYS:
            days = _read_duration(raw)
            if days is not None:
                return days
        parsed = parse_number(raw, ".")
        if parsed is None:
            raise ValueError(f"{raw!r} is not a number")
        if parsed.unit_kind not in _ALLOWED_UNITS[kind]:
            raise ValueError(f"{raw!r}: {parsed.unit or 'that unit'} does not fit here")
        value = parsed.value
        if parsed.unit_kind is UnitKind.MASS:
            value *= MASS_UNITS[parsed.unit]
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def _read_duration(text: str) -> float | None:
    """Days in "2 weeks", "1,5 Monate", "30 d"; None when the text names no time unit."""
    parts = split_number(text)
    if parts is None or not parts[2]:
        return None
    unit = _TIME_WORDS.get(parts[2].casefold().rstrip("."))
    if unit is None:
        return None
    parsed = parse_number(parts[0] + parts[1], ".")
    return None if parsed is None else parsed.value * DAY_FACTORS[unit]
