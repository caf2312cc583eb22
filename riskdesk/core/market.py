"""World market shares by supply-chain stage (mine, separation, metal/alloy, magnet) and who dominates each.

RiskDesk scores a stage of unknown origin as if it came from the world's dominant source at that stage, and a
rule hit that is only possible (origin unknown) at the world share of the rule's countries. The shares come from
`resources/market.toml` with their sources and confidence marks.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from riskdesk.core.countries import default_countries
from riskdesk.core.datafile import DataFileError, Entry, Source, entries, load_toml
from riskdesk.core.domain import STAGES, Stage
from riskdesk.core.resources import resource_path

_ISO2 = re.compile(r"[A-Z]{2}")
_STAGE_VALUES = [s.value for s in STAGES]
_TOLERANCE = 1e-6
_WHAT = {
    Stage.MINE: "rare-earth mine output",
    Stage.SEPARATION: "separation/refining",
    Stage.METAL: "metal/alloy making",
    Stage.MAGNET: "magnet making",
}


@dataclass(frozen=True, slots=True)
class MarketShare:
    """One country's share of world output at one stage, with its source."""

    id: str
    stage: Stage
    country: str
    share: float
    year: int
    cite: str
    """Short citation shown to users, e.g. "IEA, 2024"."""
    confidence: str
    sources: tuple[Source, ...]
    note: str = ""
    tonnes: float | None = None


@dataclass(frozen=True, eq=False)
class MarketShares:
    """World shares by stage and country."""

    title: str
    version: str
    path: str
    entries: tuple[MarketShare, ...]
    _index: Mapping[tuple[Stage, str], MarketShare] = field(init=False, repr=False, compare=False)
    _dominant: Mapping[Stage, MarketShare] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {(e.stage, e.country): e for e in self.entries}
        dominant: dict[Stage, MarketShare] = {}
        for e in self.entries:
            if e.stage not in dominant or e.share > dominant[e.stage].share:
                dominant[e.stage] = e
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_dominant", dominant)

    def world_share(self, stage: Stage, code: str) -> float:
        """Share 0..1 of world output at a stage from a country; 0 for a country not listed."""
        found = self._index.get((stage, code))
        return found.share if found else 0.0

    def entry(self, stage: Stage, code: str) -> MarketShare | None:
        return self._index.get((stage, code))

    def shares(self, stage: Stage) -> dict[str, float]:
        """Country → world share at a stage, largest first."""
        listed = sorted((e for e in self.entries if e.stage is stage), key=lambda e: -e.share)
        return {e.country: e.share for e in listed}

    def dominant(self, stage: Stage) -> tuple[str, float]:
        """(country, share) of the largest source at a stage."""
        found = self._dominant[stage]
        return found.country, found.share

    def explain(self, stage: Stage) -> str:
        """One sentence on the dominant source: "91 % of world separation/refining is in China (IEA, 2024; …)"."""
        found = self._dominant[stage]
        name = _country_name(found.country)
        return (f"{found.share * 100:.0f} % of world {_WHAT[stage]} is in {name} "
                f"({found.cite}; confidence {found.confidence})")


def _country_name(code: str) -> str:
    return default_countries().name(code)


def _parse_share(entry: Entry) -> MarketShare:
    stage = Stage(entry.choice("stage", _STAGE_VALUES))
    country = entry.str("country")
    if not _ISO2.fullmatch(country):
        raise entry.fail("country", f"{country!r} is not an ISO alpha-2 code")
    year = entry.number("year", low=1990, high=2100)
    if year != int(year):
        raise entry.fail("year", "expected a whole year")
    return MarketShare(
        id=entry.str("id"),
        stage=stage,
        country=country,
        share=entry.number("share", low=0.0, high=1.0),
        year=int(year),
        cite=entry.str("cite"),
        confidence=entry.confidence(),
        sources=entry.sources(),
        note=entry.str("note", ""),
        tonnes=None if "tonnes" not in entry.data else entry.number("tonnes", low=0.0),
    )


def load_market(path: Path | None = None) -> MarketShares:
    """Load and check a market-share file (the bundled one by default). Raises DataFileError if it is broken."""
    path = path or resource_path("market.toml")
    data = load_toml(path)
    header = Entry(path, "header", data)
    title = header.str("title")
    version = header.date("version").isoformat()
    shares = tuple(_parse_share(e) for e in entries(path, data, "share"))
    seen: set[tuple[Stage, str]] = set()
    ids: set[str] = set()
    for share in shares:
        if share.id in ids:
            raise DataFileError(path, "id appears twice", share.id, "id")
        if (share.stage, share.country) in seen:
            raise DataFileError(path, f"{share.country} appears twice at stage {share.stage.value}", share.id,
                                "country")
        ids.add(share.id)
        seen.add((share.stage, share.country))
    for stage in STAGES:
        total = sum(s.share for s in shares if s.stage is stage)
        if not any(s.stage is stage for s in shares):
            raise DataFileError(path, f"no share given for stage {stage.value}", f"stage {stage.value}", "stage")
        if total > 1.0 + _TOLERANCE:
            raise DataFileError(path, f"shares add up to {total:.3f}, more than 1", f"stage {stage.value}", "share")
    return MarketShares(title, version, str(path), shares)


@functools.cache
def default_market() -> MarketShares:
    """The bundled market shares, loaded once (`default_market.cache_clear()` forgets it)."""
    return load_market()

