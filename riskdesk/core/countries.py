"""Countries: ISO 3166 codes and names (from pycountry), aliases, groups (EU, DFARS covered) and governance.

`resolve` turns whatever a supplier wrote in a country column ("P.R. China", "Türkiye", "ドイツ", "USA") into an
ISO alpha-2 code, or None for blanks, placeholders ("n/a", "unknown", "-") and text it does not know. Matching
ignores case, accents, spaces and punctuation. The bundled `resources/countries.toml` adds aliases, display
names, groups and the governance indicator (0 best … 10 worst) to pycountry's list.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

from riskdesk.core.datafile import Entry, Source, entries, load_toml
from riskdesk.core.resources import resource_path

DEFAULT_GOVERNANCE = 5.0
"""Governance used for a country without a bundled value (overridden by [governance].default in the file)."""

# Texts that mean "no country" (after folding): blanks, placeholders and answers that name no single country.
# "NA" is read as "not available", not Namibia (NAM or "Namibia" still resolve).
_BLANKS: frozenset[str] = frozenset({
    "", "na", "nk", "nd", "none", "unknown", "unk", "tbd", "tbc", "tba", "null", "nil", "nan", "various",
    "multiple", "mixed", "notknown", "notavailable", "notapplicable", "unbekannt", "inconnu", "desconocido",
    "未知", "不明", "xx", "zz",
})

_ISO2 = re.compile(r"[A-Z]{2}")
_ISO3 = re.compile(r"[A-Z]{3}")
_SAINT = re.compile(r"\bsaint\b")
_LEADING_THE = re.compile(r"^\s*the\s+")
_CACHE_LIMIT = 100_000
_MISSING = object()


def fold(text: str) -> str:
    """The matching key of a text: lower case, no accents (Latin script), no spaces or punctuation.

    "P. R. China" → "prchina", " Türkiye " → "turkiye", "St. Lucia" → "stlucia", "ドイツ" → "ドイツ".
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    text = _SAINT.sub("st", _LEADING_THE.sub("", text))
    out: list[str] = []
    for ch in text:
        if ord(ch) < 0x2000:  # Latin, Greek, Cyrillic: drop accents. CJK and kana are kept as they are.
            out.extend(c for c in unicodedata.normalize("NFD", ch) if c.isalnum())
        elif ch.isalnum():
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Country:
    """One country with its codes, display name, aliases, groups and governance indicator."""

    code: str
    """ISO 3166-1 alpha-2."""
    alpha3: str
    name: str
    aliases: tuple[str, ...]
    groups: frozenset[str]
    governance: float
    """0 (best) … 10 (worst), WGI-based; the default value when none is bundled."""
    governance_confidence: str
    governance_note: str = ""
    governance_bundled: bool = True
    """False when no value is bundled and the documented default is used."""


@dataclass(frozen=True, slots=True)
class CountryGroup:
    """A named set of countries (EU, EEA, DFARS_COVERED) with where the membership comes from."""

    id: str
    name: str
    members: frozenset[str]
    confidence: str
    sources: tuple[Source, ...]
    note: str = ""


@dataclass(frozen=True, eq=False)
class CountryTable:
    """All countries, their aliases and groups; `resolve` maps free text to an ISO alpha-2 code."""

    title: str
    version: str
    path: str
    countries: Mapping[str, Country]
    groups: Mapping[str, CountryGroup]
    default_governance: float
    governance_method: str
    governance_sources: tuple[Source, ...]
    _keys: Mapping[str, str] = field(repr=False, compare=False)
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False, compare=False)

    def get(self, code: str) -> Country | None:
        return self.countries.get(code)

    def name(self, code: str) -> str:
        """The display name of a code, or the code itself if it is not known."""
        country = self.countries.get(code)
        return country.name if country else code

    def codes(self) -> tuple[str, ...]:
        return tuple(self.countries)

    def resolve(self, text: str) -> str | None:
        """ISO alpha-2 code for a code, name or alias in any case, spelling or script; None if blank or unknown."""
        if not isinstance(text, str):
            return None
        cached = self._cache.get(text, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        key = fold(text)
        result = None if key in _BLANKS else self._keys.get(key)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[text] = result
        return result

    def in_group(self, code: str, group: str) -> bool:
        found = self.groups.get(group)
        return found is not None and code in found.members

    def members(self, group: str) -> frozenset[str]:
        """The ISO alpha-2 codes of a group; empty if the group is not known."""
        found = self.groups.get(group)
        return found.members if found else frozenset()

    def governance(self, code: str) -> float:
        """Governance indicator 0 (best) … 10 (worst); the documented default for a country without a value."""
        country = self.countries.get(code)
        return country.governance if country else self.default_governance

    def governance_explained(self, code: str) -> tuple[float, str, str]:
        """(value, explanation, confidence) of a country's governance indicator."""
        country = self.countries.get(code)
        if country is None:
            return self.default_governance, f"{code}: not a known country, default {self.default_governance}", "U"
        text = f"{country.name}: {country.governance:.1f} on 0 (best) … 10 (worst)"
        if country.governance_note:
            text += f" ({country.governance_note})"
        return country.governance, text, country.governance_confidence


def _check_code(entry: Entry, field_name: str, code: str, known: Iterable[str]) -> str:
    if not _ISO2.fullmatch(code) or code not in known:
        raise entry.fail(field_name, f"{code!r} is not an ISO 3166 alpha-2 code")
    return code


def load_countries(path: Path | None = None) -> CountryTable:
    """Load and check a country data file (the bundled one by default). Raises DataFileError if it is broken."""
    path = path or resource_path("countries.toml")
    data = load_toml(path)
    header = Entry(path, "header", data)
    title = header.str("title")
    version = header.date("version").isoformat()
    gov = Entry(path, "governance", data.get("governance", {}))
    default_gov = gov.number("default", low=0.0, high=10.0)
    default_note = gov.str("default_note", "")
    gov_confidence = gov.confidence()
    gov_sources = gov.sources()
    method = gov.str("method")

    base: dict[str, tuple[str, str]] = {}  # code → (alpha3, name)
    names: dict[str, list[str]] = {}  # code → pycountry names
    for record in pycountry.countries:
        code = record.alpha_2
        display = getattr(record, "common_name", None) or record.name
        base[code] = (record.alpha_3, display)
        names[code] = [n for n in (record.name, getattr(record, "official_name", None),
                                   getattr(record, "common_name", None)) if n]

    groups: dict[str, CountryGroup] = {}
    for entry in entries(path, data, "group"):
        group_id = entry.str("id")
        if group_id in groups:
            raise entry.fail("id", "group id appears twice")
        members = frozenset(_check_code(entry, "members", c, base) for c in entry.str_list("members"))
        groups[group_id] = CountryGroup(group_id, entry.str("name"), members, entry.confidence(), entry.sources(),
                                        entry.str("note", ""))

    extra: dict[str, dict[str, object]] = {}
    explicit: dict[str, str] = {}  # folded alias → code
    for entry in entries(path, data, "country", id_field="code"):
        code = entry.str("code")
        if code in extra:
            raise entry.fail("code", "country appears twice")
        if code not in base:
            if not _ISO2.fullmatch(code):
                raise entry.fail("code", f"{code!r} is not an ISO 3166 alpha-2 code")
            alpha3 = entry.str("alpha3")  # a code pycountry does not know (e.g. XK) needs its alpha-3 and name
            if not _ISO3.fullmatch(alpha3):
                raise entry.fail("alpha3", f"{alpha3!r} is not an ISO 3166 alpha-3 code")
            base[code] = (alpha3, entry.str("name"))
            names[code] = []
        aliases = entry.str_list("aliases", default=())
        info: dict[str, object] = {"aliases": aliases, "name": entry.str("name", "") or base[code][1]}
        if "governance" in entry.data:
            info["governance"] = entry.number("governance", low=0.0, high=10.0)
            info["confidence"] = entry.confidence()
            if "sources" in entry.data:
                entry.sources()
            info["note"] = entry.str("note", "")
        extra[code] = info
        for alias in (*aliases, str(info["name"])):
            key = fold(alias)
            if not key:
                raise entry.fail("aliases", f"{alias!r} has no letters or digits")
            if explicit.get(key, code) != code:
                raise entry.fail("aliases", f"{alias!r} is already an alias of {explicit[key]}")
            explicit[key] = code

    keys = _build_keys(explicit, base, names)
    countries: dict[str, Country] = {}
    for code, (alpha3, display) in sorted(base.items()):
        info = extra.get(code, {})
        has_value = "governance" in info
        countries[code] = Country(
            code=code,
            alpha3=alpha3,
            name=str(info.get("name", display)),
            aliases=tuple(info.get("aliases", ())),  # type: ignore[arg-type]
            groups=frozenset(g.id for g in groups.values() if code in g.members),
            governance=float(info["governance"]) if has_value else default_gov,  # type: ignore[arg-type]
            governance_confidence=str(info["confidence"]) if has_value else gov_confidence,
            governance_note=str(info.get("note", "")) if has_value else default_note,
            governance_bundled=has_value,
        )
    return CountryTable(title, version, str(path), countries, groups, default_gov,
                        method, gov_sources, keys)


def _build_keys(explicit: Mapping[str, str], base: Mapping[str, tuple[str, str]],
                names: Mapping[str, list[str]]) -> dict[str, str]:
    """Folded text → code. Precedence: file aliases, then ISO codes, then pycountry names, then derived variants
    ("Korea, Republic of" → "Republic of Korea"; "Iran, Islamic Republic of" → "Iran"), kept only if unambiguous."""
    keys = dict(explicit)
    for code, (alpha3, _) in base.items():
        for key in (code.lower(), alpha3.lower()):
            keys.setdefault(key, code)
    for code, found in names.items():
        for name in found:
            key = fold(name)
            if key:
                keys.setdefault(key, code)
    derived: dict[str, set[str]] = {}
    for code, found in names.items():
        for name in found:
            variants = [re.sub(r"\s*\(.*?\)\s*", " ", name)]
            if ", " in name:
                head, tail = name.split(", ", 1)
                variants += [head, f"{tail} {head}"]
            for variant in variants:
                key = fold(variant)
                if key:
                    derived.setdefault(key, set()).add(code)
    for key, codes in derived.items():
        if len(codes) == 1:
            keys.setdefault(key, next(iter(codes)))
    return keys


@functools.cache
def default_countries() -> CountryTable:
    """The bundled country data, loaded once (`default_countries.cache_clear()` forgets it)."""
    return load_countries()


def resolve_country(text: str) -> str | None:
    """ISO alpha-2 code of a country written any common way, with the bundled data; None if blank or unknown."""
    return default_countries().resolve(text)


