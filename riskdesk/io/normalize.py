"""Turning spreadsheet cells into RiskDesk values: text, numbers, masses, percentages, countries, enum values.

Every function here works on the *unique* values of a column (`Coded`): a column of 100,000 rows usually holds a
few hundred distinct values, so each is parsed once and the result is spread back over the rows with numpy
indexing. Nothing here raises for bad input: unparseable values come back flagged, and the importer turns the
flags into problems with rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pandas as pd

from riskdesk.core.domain import ENUM_WORDS, parse_enum
from riskdesk.core.elements import element_fraction_of_oxide, oxide_element
from riskdesk.core.numbers import (
    MASS_UNITS,
    UnitKind,
    decide_decimal,
    parse_number,
)

Cell = object
"""One spreadsheet cell as python-calamine or the csv reader gives it: str, float, int, bool, date, time …"""

# Cells that mean "nothing entered" in every column.
_BLANK_WORDS = frozenset({
    "", "-", "--", "---", "—", "–", "_", ".", "n/a", "na", "n.a.", "n. a.", "nan", "none", "null", "nil",
    "k.a.", "k. a.", "keine angabe", "s.o.",
})
# Cells that mean "not known" where a country is expected (stage countries are then unknown, which is allowed).
_UNKNOWN_WORDS = frozenset({
    "unknown", "unk", "unkn", "unknown country", "not known", "tbd", "tba", "to be defined", "to be confirmed", "?",
    "??", "???", "various", "mixed", "multiple", "div.", "diverse", "unbekannt", "nicht bekannt", "offen", "inconnu",
    "non connu", "desconocido", "no conocido", "不明", "未知", "未確認", "不详", "不確定", "未定",
})
_EXCEL_ERRORS = frozenset({"#n/a", "#value!", "#ref!", "#div/0!", "#name?", "#num!", "#null!", "#getting_data",
                           "#spill!", "#calc!", "#field!", "#blocked!", "#unknown!"})

_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f\u200b\ufeff]+")


def fold(text: str) -> str:
    """Text reduced for comparison: compatibility forms, no accents, case-folded, punctuation as single spaces.

    "Pays d'origine" → "pays d origine", "Gewicht [g]" → "gewicht g", "ＤＹ％" → "dy %", "N° de pièce" → "no de piece".
    Japanese and Chinese keep their characters; a space separates them from Latin letters and digits.
    """
    t = unicodedata.normalize("NFKC", text)
    t = "".join(ch for ch in unicodedata.normalize("NFKD", t) if not "\u0300" <= ch <= "\u036f")
    t = unicodedata.normalize("NFC", t).casefold()
    t = re.sub(r"\bn\s*[°º]", "no ", t)
    t = re.sub(r"[^\w%]+|_", " ", t)
    t = re.sub(r"(?<=[^\x00-\x7f])(?=[a-z0-9%])|(?<=[a-z0-9%])(?=[^\x00-\x7f])", " ", t)
    return " ".join(t.split())


def fold_value(text: str) -> str:
    """A cell value reduced for matching words such as "Total" or "unknown": stripped, case-folded, NFKC."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def cell_text(value: Cell) -> str:
    """What a cell shows as text: 1001.0 → "1001", 2.5 → "2.5", a date → "2025-04-04", None → ""."""
    if value is None:
        return ""
    if type(value) is str:
        if "\u200b" in value or "\ufeff" in value:
            value = value.replace("\u200b", "").replace("\ufeff", "")
        return " ".join(value.split())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


_BLANK_FIRST = frozenset(w[0] for w in _BLANK_WORDS if w)
_BLANK_VARIANTS = frozenset(v for w in _BLANK_WORDS for v in (w, w.upper(), w.title(), w.capitalize()))
"""Blank words as they are typically written, for a hashed look-up instead of folding every value."""


def is_blank_text(text: str) -> bool:
    stripped = text.strip()
    if not stripped:
        return True
    return len(stripped) <= 16 and stripped[0].casefold() in _BLANK_FIRST and fold_value(stripped) in _BLANK_WORDS


def is_excel_error(text: str) -> bool:
    return text[:1] == "#" and fold_value(text) in _EXCEL_ERRORS


_NUMBER_TYPES = frozenset({float, int})


@dataclass
class Coded:
    """A column as codes into its unique values (like a pandas Categorical, but over raw cell objects).

    `codes[i]` indexes `uniques` for row i; work done once per unique value is spread to the rows with
    `spread(per_unique)`. A column holding only numbers (and empty cells) is kept *dense*: `uniques` is then a
    float64 array with one entry per row (NaN for empty) and hashing it would cost more than it saves.
    """

    codes: np.ndarray
    uniques: np.ndarray
    _texts: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, values: Sequence[Cell] | np.ndarray) -> Coded:
        array = values if isinstance(values, np.ndarray) else np.array(values, dtype=object)
        if array.dtype != object:
            array = array.astype(object)
        n = len(array)
        inferred = pd.api.types.infer_dtype(array, skipna=False) if n else "empty"
        if inferred in ("floating", "integer", "mixed-integer-float"):
            return cls(np.arange(n, dtype=np.intp), array.astype(np.float64))
        if inferred in ("mixed", "mixed-integer"):
            empty = array == ""
            rest = array[~empty]
            if empty.any() and pd.api.types.infer_dtype(rest, skipna=False) in (
                    "floating", "integer", "mixed-integer-float"):
                floats = np.full(n, np.nan)
                floats[~empty] = rest.astype(np.float64)
                return cls(np.arange(n, dtype=np.intp), floats)
        codes, uniques = pd.factorize(array, use_na_sentinel=True)
        uniques = np.asarray(uniques, dtype=object)
        if len(codes) and codes.min() < 0:
            uniques = np.append(uniques, np.array([None], dtype=object))
            codes = np.where(codes < 0, len(uniques) - 1, codes)
        return cls(codes.astype(np.intp, copy=False), uniques)

    @property
    def dense(self) -> bool:
        """Numbers only: one float per row in `uniques`."""
        return self.uniques.dtype.kind == "f"

    def __len__(self) -> int:
        return len(self.codes)

    def spread(self, per_unique: np.ndarray) -> np.ndarray:
        """Per-unique results as one value per row."""
        return per_unique[self.codes]

    def subset(self, mask_or_index: np.ndarray | slice) -> Coded:
        return Coded(self.codes[mask_or_index], self.uniques, self._texts)

    def present(self) -> np.ndarray:
        """True for unique values some row still holds (after `subset`)."""
        used = np.zeros(len(self.uniques), dtype=bool)
        used[self.codes] = True
        return used

    def texts(self) -> np.ndarray:
        """`cell_text` of every unique value (object array), computed once."""
        cached = self._texts
        if cached is None or len(cached) != len(self.uniques):
            cached = np.array([cell_text(v) for v in self.uniques.tolist()], dtype=object)
            self._texts = cached
        return cached

    def blank_uniques(self) -> np.ndarray:
        """True for unique values that mean "nothing entered"."""
        if self.dense:
            return np.isnan(self.uniques)
        texts = self.texts()
        return (texts == "") | pd.Series(texts).isin(_BLANK_VARIANTS).to_numpy()

    def blank_rows(self) -> np.ndarray:
        return self.spread(self.blank_uniques())

    def first_rows(self, unique_index: int, row_numbers: np.ndarray, limit: int = 5) -> tuple[list[int], int]:
        """The first sheet rows holding unique value `unique_index`, and how many rows hold it."""
        hits = np.flatnonzero(self.codes == unique_index)
        return [int(row_numbers[i]) for i in hits[:limit]], len(hits)


# ---------------------------------------------------------------------------------------------------------------
# Numbers, units, percentages

@dataclass
class Numbers:
    """The numbers of a column's unique values."""

    values: np.ndarray
    """float64 per unique value; NaN for blanks and bad values."""
    bad: np.ndarray
    """bool per unique value: something was written that is not a number (or has a unit not allowed here)."""
    units: np.ndarray
    """object per unique value: the unit written in the cell ("kg", "%", "") or None."""
    decimal: str = "."
    mixed_decimals: bool = False
    comma_used: bool = False


def parse_numbers(coded: Coded, allowed: frozenset[UnitKind], decimal_hint: str | None = None) -> Numbers:
    """Numbers of every unique value of a column: numeric cells as they are, text parsed with one decimal rule."""
    uniques = coded.uniques
    n = len(uniques)
    if coded.dense:
        return Numbers(uniques, np.zeros(n, dtype=bool), np.full(n, "", dtype=object))
    inferred = pd.api.types.infer_dtype(uniques, skipna=True) if n else "empty"
    if inferred in ("floating", "integer", "mixed-integer-float", "empty"):
        values = np.array([np.nan if v is None else v for v in uniques], dtype=np.float64) if n else np.zeros(0)
        return Numbers(values, np.zeros(n, dtype=bool), np.full(n, "", dtype=object))
    strings = [v for v in uniques if isinstance(v, str)]
    decimal, mixed = decide_decimal(strings, decimal_hint)
    values = np.full(n, np.nan, dtype=np.float64)
    bad = np.zeros(n, dtype=bool)
    units = np.full(n, "", dtype=object)
    comma_used = False
    for i, v in enumerate(uniques):
        if v is None or isinstance(v, bool):
            bad[i] = isinstance(v, bool)
            continue
        if isinstance(v, int | float):
            values[i] = float(v)
            continue
        if not isinstance(v, str):
            bad[i] = True
            continue
        if is_blank_text(v):
            continue
        parsed = parse_number(v, decimal)
        if parsed is None or parsed.unit_kind not in allowed | {UnitKind.NONE}:
            bad[i] = True
            continue
        values[i] = parsed.value
        units[i] = parsed.unit
        comma_used = comma_used or parsed.decimal_comma
    return Numbers(values, bad, units, decimal, mixed, comma_used)


def mass_grams(numbers: Numbers, header_unit: str | None) -> tuple[np.ndarray, dict[str, int]]:
    """Unique values in grams: a unit in the cell wins over the header's unit; without either, grams.

    Returns the grams and how many unique values were read in each unit.
    """
    default = header_unit or "g"
    factors = np.full(len(numbers.values), MASS_UNITS[default], dtype=np.float64)
    used: dict[str, int] = {}
    for i, unit in enumerate(numbers.units):
        if unit and unit in MASS_UNITS:
            factors[i] = MASS_UNITS[unit]
            used[unit] = used.get(unit, 0) + 1
    return numbers.values * factors, used


def has_percent_sign(numbers: Numbers) -> np.ndarray:
    return np.asarray(numbers.units == "%", dtype=bool)


# ---------------------------------------------------------------------------------------------------------------
# Composition: which percent rule fits a column

PLAUSIBLE_MAX_PCT: dict[str, float] = {
    "Nd": 40.0, "Pr": 40.0, "Dy": 15.0, "Tb": 6.0, "Sm": 45.0, "Gd": 15.0, "Ce": 35.0, "La": 20.0, "Ho": 10.0,
    "Er": 5.0, "Tm": 2.0, "Eu": 2.0, "Yb": 2.0, "Lu": 2.0, "Sc": 2.0, "Y": 10.0, "Co": 70.0, "Fe": 90.0, "B": 2.0,
    "Cu": 20.0, "Al": 15.0, "Nb": 5.0, "Zr": 5.0, "Ga": 3.0, "Ni": 30.0, "Sr": 15.0, "Ba": 15.0,
}
"""Highest weight share (%) of each element in any common permanent magnet: a column of fractions ×100 must fit."""
MAIN_ELEMENTS = frozenset({"Nd", "Pr", "Sm", "Co", "Fe"})


def oxide_factor(formula: str) -> tuple[str, float] | None:
    """(element, metal mass fraction) of an oxide formula ("Dy2O3" → ("Dy", 0.8713)), or None."""
    symbol = oxide_element(formula)
    if symbol is None:
        return None
    return symbol, element_fraction_of_oxide(formula)


# ---------------------------------------------------------------------------------------------------------------
# Countries

def resolve_countries(texts: np.ndarray, resolve: Callable[[str], str | None],
                      cache: dict[str, str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ISO codes for the unique texts of a country column.

    Returns (codes, bad, several): codes "" for blanks and "unknown"-like words, `bad` where the text is not a
    country, `several` where the cell names more than one country ("CN/MY").
    """
    n = len(texts)
    codes = np.full(n, "", dtype=object)
    bad = np.zeros(n, dtype=bool)
    several = np.zeros(n, dtype=bool)
    for i, text in enumerate(texts):
        folded = fold_value(text)
        if folded in _BLANK_WORDS or folded in _UNKNOWN_WORDS:
            continue
        if text not in cache:
            cache[text] = resolve(text)
        code = cache[text]
        if code:
            codes[i] = code
            continue
        pieces = [p for p in re.split(r"\s*(?:/|;|,|&|\+|\band\b|\bund\b|、|，)\s*", text) if p.strip()]
        if len(pieces) > 1 and sum(1 for p in pieces if resolve(p)) >= 2:
            several[i] = True
        bad[i] = True
    return codes, bad, several


# ---------------------------------------------------------------------------------------------------------------
# Enum values in the buyer's words

_E = TypeVar("_E", bound=StrEnum)


def parse_enum_value(enum: type[_E], text: str) -> _E | None:
    """`parse_enum` (values and words in six languages), cached: import columns repeat the same few values."""
    return _parse_enum_cached(enum, text)  # type: ignore[return-value]


@lru_cache(maxsize=65536)
def _parse_enum_cached(enum: type[StrEnum], text: str) -> StrEnum | None:
    return parse_enum(enum, text)


def enum_words(enum: type[StrEnum]) -> dict[str, StrEnum]:
    """The extra words accepted for an enum's values (for the documentation)."""
    return dict(ENUM_WORDS.get(enum, {}))


# ---------------------------------------------------------------------------------------------------------------
# Rows that are not data

def match_lines(texts: np.ndarray, pattern: re.Pattern[str]) -> np.ndarray:
    """For each text, whether `pattern` (anchored with ^ and $ in MULTILINE mode) matches it whole.

    One regex pass over the texts joined by newlines instead of one call per text.
    """
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=bool)
    parts = [t.replace("\n", " ") for t in texts.tolist()]
    joined = "\n".join(parts)
    starts = np.cumsum([0] + [len(t) + 1 for t in parts[:-1]])
    hits = [m.start() for m in pattern.finditer(joined)]
    result = np.zeros(n, dtype=bool)
    if hits:
        result[np.searchsorted(starts, hits, side="right") - 1] = True
    return result


_TOTAL_LINES = re.compile(
    r"^[ \t]*(?:grand\s*total|sub\s*-?\s*total|total(?:s|e|es)?|sum(?:me|ma|a)?|gesamt(?:summe|menge)?|"
    r"zwischensumme|endsumme|insgesamt|total\s+g[eé]n[eé]ral|sous[\s-]*total|somme|"
    r"合計|小計|総計|合计|小计|总计|累计)(?:\b|(?<=[^\x00-\x7f]))[^\n]{0,50}$",
    re.IGNORECASE | re.MULTILINE,
)


def total_labels(texts: np.ndarray) -> np.ndarray:
    """`is_total_label` of many texts at once."""
    return match_lines(texts, _TOTAL_LINES)


def is_total_label(text: str) -> bool:
    """True for "Total", "Subtotal Motor A", "Summe:", "Gesamt", "合计" … (a label, not a part number)."""
    return bool(total_labels(np.array([text], dtype=object))[0])


# ---------------------------------------------------------------------------------------------------------------
# Derived values

def derive_supplier_id(name: str) -> str:
    """A stable supplier id from a name: "Ningbo Magnet Co., Ltd." → "NINGBO-MAGNET-CO-LTD".

    Names without Latin letters or digits ("宁波磁材") get "SUP-" and 8 hex digits of their SHA-1.
    """
    ascii_text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name)).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_text)
    slug = "-".join(words).upper()[:40].rstrip("-")
    if slug:
        return slug
    return "SUP-" + hashlib.sha1(name.strip().encode("utf-8")).hexdigest()[:8].upper()

