"""The grade library: default element composition by magnet family and temperature class, and grade reading.

A part names its magnet family and grade ("N42SH", "Sm2Co17", "YXG-28", "Y30BH"). `GradeLibrary.recognise`
reads family and class from that free text; `GradeLibrary.composition` returns the bundled default composition
for it with a one-line explanation of how the grade was read, so the user sees when RiskDesk had to assume a
class. Compositions, sources and confidence marks are in `resources/grades.toml`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from riskdesk.core import elements
from riskdesk.core.datafile import DataFileError, Entry, Source, entries, load_toml
from riskdesk.core.domain import MagnetFamily
from riskdesk.core.resources import resource_path

DEFAULT_CLASS = "default"
"""The class name of families without temperature classes."""

SINTERED_CLASSES: tuple[str, ...] = ("N", "M", "H", "SH", "UH", "EH", "AH")
"""Sintered NdFeB temperature classes, coolest first."""

FAMILY_LABELS: Mapping[MagnetFamily, str] = MappingProxyType({
    MagnetFamily.NDFEB_SINTERED: "sintered NdFeB",
    MagnetFamily.NDFEB_BONDED: "bonded NdFeB",
    MagnetFamily.SMCO5: "SmCo5 (1:5)",
    MagnetFamily.SM2CO17: "Sm2Co17 (2:17)",
    MagnetFamily.FERRITE: "hard ferrite",
    MagnetFamily.ALNICO: "AlNiCo",
    MagnetFamily.OTHER: "other",
})

# Classes above AH that some makers sell; the library has no data for them, so they are read as AH.
_BEYOND_AH = {"TH": "AH", "ZH": "AH"}
_SUFFIX = r"(SH|UH|EH|AH|TH|ZH|M|H)"
_SINTERED = re.compile(r"(?:NDFEB|SINTEREDNDFEB|SINTERED|NEO)?N(\d{2})(?!\d)" + _SUFFIX + "?")
_SINTERED_NO_N = re.compile(r"(\d{2})" + _SUFFIX + r"(?![A-Z0-9])")
_TOLERANCE = 1e-6

# (pattern matched at the start of the folded grade, family), tried in order.
_CODES: tuple[tuple[re.Pattern[str], MagnetFamily], ...] = (
    (re.compile(r"YXG\d{2}(?!\d)"), MagnetFamily.SM2CO17),
    (re.compile(r"YX\d{2}(?!\d)"), MagnetFamily.SMCO5),
    (re.compile(r"LNGT?\d{2,3}(?!\d)"), MagnetFamily.ALNICO),
    (re.compile(r"BNP\d{0,2}(?!\d)"), MagnetFamily.NDFEB_BONDED),
    (re.compile(r"MQP"), MagnetFamily.NDFEB_BONDED),
    (re.compile(r"Y\d{2}(?!\d)"), MagnetFamily.FERRITE),
    (re.compile(r"C\d{1,2}[AB]?$"), MagnetFamily.FERRITE),
)
# (word found anywhere in the folded grade, family), tried in order after the codes above.
_WORDS: tuple[tuple[tuple[str, ...], MagnetFamily], ...] = (
    (("FERRITE", "CERAMIC", "SRFE12O19", "BAFE12O19"), MagnetFamily.FERRITE),
    (("ALNICO",), MagnetFamily.ALNICO),
    (("BONDED",), MagnetFamily.NDFEB_BONDED),
    (("SM2CO17", "SMCO217", "SMCO17", "SM2TM17"), MagnetFamily.SM2CO17),
    (("SMCO5", "SMCO15", "SM1CO5"), MagnetFamily.SMCO5),
    (("SMCO", "SAMARIUMCOBALT"), MagnetFamily.SM2CO17),
)
_SINTERED_WORDS = ("NDFEB", "NEODYMIUM", "SINTERED", "NEO")


def _fold(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


@dataclass(frozen=True)
class GradeComposition:
    """Default composition (wt % by element symbol) of one family and class, with its source and confidence."""

    family: MagnetFamily
    grade_class: str
    wt_pct: Mapping[str, float]
    max_temp_c: float | None
    confidence: str
    sources: tuple[Source, ...]
    note: str = ""
    default: bool = False
    """Whether this is the class assumed when a grade is missing or not recognised."""
    balance: str | None = None
    """The element that makes up the rest to 100 % (Fe in sintered NdFeB): recomputed when a part overrides
    other elements, so that a composition never adds up to more than 100 %."""

    @property
    def total_pct(self) -> float:
        return sum(self.wt_pct.values())

    @property
    def heavy_rare_earth_pct(self) -> float:
        """Dy + Tb, wt %."""
        return self.wt_pct.get("Dy", 0.0) + self.wt_pct.get("Tb", 0.0)


@dataclass(frozen=True)
class Diffusion:
    """Grain-boundary diffusion: the same temperature class with less Dy/Tb, placed at the grain boundaries."""

    reduction: float
    """Fraction of the bulk class's Dy + Tb saved (0.6 = 60 % less)."""
    unstated_element: str
    """The heavy rare earth assumed when the grade does not say (the pessimistic, costlier one)."""
    confidence: str
    sources: tuple[Source, ...]
    note: str = ""


@dataclass(frozen=True, eq=False)
class GradeLibrary:
    """All bundled compositions, by family and class."""

    title: str
    version: str
    path: str
    grades: tuple[GradeComposition, ...]
    diffusion: Diffusion | None = None
    """How grain-boundary-diffused grades ("N40UH-GBD", "N52SH-Tb") differ from their bulk class."""
    _index: Mapping[tuple[MagnetFamily, str], GradeComposition] = field(init=False, repr=False, compare=False)
    _defaults: Mapping[MagnetFamily, GradeComposition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {(g.family, g.grade_class): g for g in self.grades})
        object.__setattr__(self, "_defaults", {g.family: g for g in self.grades if g.default})

    def get(self, family: MagnetFamily, grade_class: str) -> GradeComposition | None:
        return self._index.get((family, grade_class))

    def classes(self, family: MagnetFamily) -> tuple[str, ...]:
        return tuple(g.grade_class for g in self.grades if g.family is family)

    def default_class(self, family: MagnetFamily) -> str | None:
        found = self._defaults.get(family)
        return found.grade_class if found else None

    def recognise(self, grade: str) -> tuple[MagnetFamily | None, str | None]:
        """Family and class read from free grade text ("N42SH" → sintered NdFeB, "SH"); (None, None) if unknown.

        The class is None when the text names only a family ("NdFeB"); families without temperature classes
        get "default". Classes beyond AH (TH, ZH) are read as AH, the highest class bundled.
        """
        family, grade_class, _, _ = _recognise(grade)
        return family, grade_class

    def composition(self, family: MagnetFamily, grade: str | None) -> tuple[GradeComposition, str]:
        """The default composition for a part's family and grade, and how the grade was read (one line)."""
        text = (grade or "").strip()
        found_family, found_class, remark, diffused = _recognise(text) if text else (None, None, "", None)
        target = family
        if target not in self._defaults and found_family is not None and found_family in self._defaults:
            target = found_family  # family "other" (or missing): trust a recognisable grade
        default = self._defaults.get(target)
        label = FAMILY_LABELS.get(target, str(target))
        if default is None:
            empty = GradeComposition(family, DEFAULT_CLASS, MappingProxyType({}), None, "U", (),
                                     "no default composition for this family")
            what = f"grade {text!r} not recognised" if text else "no grade given"
            return empty, f"family {label!r} and {what}: no default composition, enter the part's composition"
        multi = len(self.classes(target)) > 1
        assumed = (f"assumed class {default.grade_class}, the pessimistic default for {label}" if multi
                   else f"used the default {label} composition")
        if not text:
            return default, f"no grade given: {assumed}"
        if found_family is None:
            return default, f"grade {text!r} not recognised: {assumed}"
        if found_family is not target:
            return default, f"grade {text!r} looks like {FAMILY_LABELS[found_family]}, not {label}: {assumed}"
        if found_class is not None:
            chosen = self._index.get((target, found_class))
            if chosen is not None:
                read = f"{text} read as {label} class {found_class}" if multi else f"{text} read as {label}"
                if target is not family:
                    remark = ", ".join(r for r in (remark, f"family given as {FAMILY_LABELS.get(family, family)!r}")
                                       if r)
                if diffused is not None and self.diffusion is not None:
                    chosen, how = self._diffused(chosen, diffused)
                    remark = ", ".join(r for r in (remark, how) if r)
                return chosen, f"{read} ({remark})" if remark else read
        return default, f"grade {text!r} gives no temperature class: {assumed}"

    def _diffused(self, bulk: GradeComposition, element: str) -> tuple[GradeComposition, str]:
        """The grain-boundary-diffused variant of a bulk class: its Dy + Tb cut by the bundled reduction, all of
        it as the stated element (or the assumed one), Nd + Pr making up the rare-earth total, Fe the rest."""
        diffusion = self.diffusion
        assert diffusion is not None
        heavy = bulk.heavy_rare_earth_pct
        if heavy <= 0:
            return bulk, "grain-boundary diffusion marked, but class has no Dy/Tb to reduce"
        stated = element != _UNSTATED
        symbol = element if stated else diffusion.unstated_element
        reduced = heavy * (1.0 - diffusion.reduction)
        wt = dict(bulk.wt_pct)
        light = wt.get("Nd", 0.0) + wt.get("Pr", 0.0)
        grown = light + heavy - reduced
        if light > 0:
            wt["Nd"], wt["Pr"] = wt.get("Nd", 0.0) * grown / light, wt.get("Pr", 0.0) * grown / light
        wt["Dy"], wt["Tb"] = 0.0, 0.0
        wt[symbol] = round(reduced, 6)
        if bulk.balance:
            wt[bulk.balance] = round(max(0.0, 100.0 - sum(v for k, v in wt.items() if k != bulk.balance)), 6)
        confidence = "U" if "U" in (bulk.confidence, diffusion.confidence) else diffusion.confidence
        said = "stated" if stated else "element not stated, assumed"
        how = (f"grain-boundary diffused: Dy + Tb {heavy:g} → {reduced:.2g} wt % {symbol} "
               f"({diffusion.reduction * 100:.0f} % less than bulk; {said})")
        return replace(bulk, wt_pct=MappingProxyType(wt), confidence=confidence), how


_UNSTATED = "?"
_DIFFUSION_MARKS = ("GBDP", "GBD", "GBP", "DIFF")


def _diffusion(rest: str) -> str | None:
    """Whether the text after the class marks a grain-boundary-diffused grade, and with which element:
    "GBD" → unstated, "TB" / "GBDTB" → Tb, "DY" → Dy; None when it marks none."""
    marked = any(mark in rest for mark in _DIFFUSION_MARKS)
    if "TB" in rest:
        return "Tb"
    if "DY" in rest:
        return "Dy"
    return _UNSTATED if marked else None


def _recognise(grade: str) -> tuple[MagnetFamily | None, str | None, str, str | None]:
    """(family, class, remark, diffusion) read from grade text; remark explains a class that was mapped;
    diffusion is the grain-boundary element ("Tb", "Dy", or "?" when not stated), None for a bulk grade."""
    folded = _fold(grade)
    if not folded:
        return None, None, "", None
    prefixed = next((m for m in _DIFFUSION_MARKS if folded.startswith(m)), "")
    core = folded[len(prefixed):]
    match = _SINTERED.match(core) or _SINTERED_NO_N.match(core)
    if match and 20 <= int(match.group(1)) <= 60:
        suffix = match.group(2) or "N"
        diffused = _diffusion(prefixed + core[match.end():])
        if suffix in _BEYOND_AH:
            return (MagnetFamily.NDFEB_SINTERED, _BEYOND_AH[suffix],
                    f"{suffix} is beyond AH, the highest class bundled", diffused)
        return MagnetFamily.NDFEB_SINTERED, suffix, "", diffused
    for pattern, family in _CODES:
        if pattern.match(folded):
            return family, DEFAULT_CLASS, "", None
    for words, family in _WORDS:
        if any(word in folded for word in words):
            return family, DEFAULT_CLASS, "", None
    if any(word in folded for word in _SINTERED_WORDS):
        return MagnetFamily.NDFEB_SINTERED, None, "", None
    return None, None, "", None


def _parse_grade(entry: Entry) -> GradeComposition:
    family_values = [f.value for f in MagnetFamily if f is not MagnetFamily.OTHER]
    family = MagnetFamily(entry.choice("family", family_values))
    grade_class = entry.str("class")
    if family is MagnetFamily.NDFEB_SINTERED and grade_class not in SINTERED_CLASSES:
        raise entry.fail("class", f"{grade_class!r} is not one of {', '.join(SINTERED_CLASSES)}")
    if family is not MagnetFamily.NDFEB_SINTERED and grade_class != DEFAULT_CLASS:
        raise entry.fail("class", f"families other than sintered NdFeB have one class, {DEFAULT_CLASS!r}")
    table = entry.data.get("wt_pct")
    if not isinstance(table, Mapping) or not table:
        raise entry.fail("wt_pct", "expected a table of element symbol = wt %")
    wt = Entry(entry.file, f"{entry.label}.wt_pct", table)
    composition: dict[str, float] = {}
    for symbol in table:
        if symbol not in elements.BY_SYMBOL:
            raise entry.fail("wt_pct", f"{symbol!r} is not an element symbol RiskDesk knows")
        composition[symbol] = wt.number(symbol, low=0.0, high=100.0)
    balance: str | None = None
    if "balance" in entry.data:
        balance = entry.choice("balance", elements.SYMBOLS)
        if balance in composition:
            raise entry.fail("balance", f"{balance} is both listed and the balance")
        rest = 100.0 - sum(composition.values())
        if rest < -_TOLERANCE:
            raise entry.fail("wt_pct", f"listed elements add up to {100.0 - rest:.2f} %, more than 100 %")
        composition[balance] = round(max(rest, 0.0), 6)
    total = sum(composition.values())
    if total > 100.0 + _TOLERANCE:
        raise entry.fail("wt_pct", f"elements add up to {total:.2f} %, more than 100 %")
    return GradeComposition(
        family=family,
        grade_class=grade_class,
        wt_pct=MappingProxyType(composition),
        max_temp_c=entry.optional_number("max_temp_c"),
        confidence=entry.confidence(),
        sources=entry.sources(),
        note=entry.str("note", ""),
        default=entry.boolean("default", False),
        balance=balance,
    )


def load_grades(path: Path | None = None) -> GradeLibrary:
    """Load and check a grade library file (the bundled one by default). Raises DataFileError if it is broken."""
    path = path or resource_path("grades.toml")
    data = load_toml(path)
    header = Entry(path, "header", data)
    title = header.str("title")
    version = header.date("version").isoformat()
    parsed: list[GradeComposition] = []
    seen: set[tuple[MagnetFamily, str]] = set()
    for entry in entries(path, data, "grade"):
        grade = _parse_grade(entry)
        key = (grade.family, grade.grade_class)
        if key in seen:
            raise entry.fail("class", f"{grade.family.value} class {grade.grade_class} appears twice")
        seen.add(key)
        parsed.append(grade)
    grades: list[GradeComposition] = []
    for family in MagnetFamily:
        members = [g for g in parsed if g.family is family]
        if family is MagnetFamily.OTHER:
            continue
        if not members:
            raise DataFileError(path, f"no composition for family {family.value}", family.value, "family")
        defaults = [g for g in members if g.default]
        if len(members) == 1 and not defaults:
            members = [replace(members[0], default=True)]
        elif len(defaults) != 1:
            raise DataFileError(path, "exactly one class must be marked default = true", family.value, "default")
        grades.extend(members)
    diffusion = None
    if "diffusion" in data:
        table = Entry(path, "diffusion", data["diffusion"])
        diffusion = Diffusion(
            reduction=table.number("reduction", low=0.0, high=0.95),
            unstated_element=table.choice("unstated_element", ["Dy", "Tb"]),
            confidence=table.confidence(),
            sources=table.sources(),
            note=table.str("note", ""),
        )
    return GradeLibrary(title, version, str(path), tuple(grades), diffusion)


@functools.cache
def default_grades() -> GradeLibrary:
    """The bundled grade library, loaded once (`default_grades.cache_clear()` forgets it)."""
    return load_grades()

