"""The buyer's vocabulary: parts, suppliers, supply paths, stages, evidence, end uses, magnet families.

A project holds three tables (parts, suppliers, supply paths) plus a long table of element compositions that
override a grade's default. Tables are pandas DataFrames with the columns listed here; `riskdesk.core.project`
owns them and checks them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class Stage(StrEnum):
    """A step of the magnet supply chain, in order."""

    MINE = "mine"
    SEPARATION = "separation"
    METAL = "metal"
    MAGNET = "magnet"

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]

    @property
    def column(self) -> str:
        """The supply-path column holding this stage's country."""
        return f"{self.value}_country"


_STAGE_LABELS = {
    Stage.MINE: "mine",
    Stage.SEPARATION: "separation/refining",
    Stage.METAL: "metal/alloy",
    Stage.MAGNET: "magnet making",
}

STAGES: tuple[Stage, ...] = tuple(Stage)


class Evidence(StrEnum):
    """How the stage countries of a supply path are known."""

    VERIFIED = "verified"
    DECLARED = "declared"
    INFERRED = "inferred"
    UNKNOWN = "unknown"


class EndUse(StrEnum):
    DEFENCE = "defence"
    AUTOMOTIVE = "automotive"
    WIND = "wind"
    INDUSTRIAL = "industrial"
    ELECTRONICS = "electronics"
    OTHER = "other"


class MagnetFamily(StrEnum):
    NDFEB_SINTERED = "NdFeB-sintered"
    NDFEB_BONDED = "NdFeB-bonded"
    SMCO5 = "SmCo5"
    SM2CO17 = "Sm2Co17"
    FERRITE = "ferrite"
    ALNICO = "AlNiCo"
    OTHER = "other"

    @property
    def rare_earth_magnet(self) -> bool:
        return self in _RARE_EARTH_FAMILIES


_RARE_EARTH_FAMILIES = {
    MagnetFamily.NDFEB_SINTERED,
    MagnetFamily.NDFEB_BONDED,
    MagnetFamily.SMCO5,
    MagnetFamily.SM2CO17,
}


class Effect(StrEnum):
    """What a control rule does to a supply path, most severe first."""

    PROHIBITED = "prohibited"
    LICENCE = "licence"
    TARIFF = "tariff"
    BENCHMARK = "benchmark"
    WATCH = "watch"
    INFO = "info"

    @property
    def label(self) -> str:
        return _EFFECT_LABELS[self]


_EFFECT_LABELS = {
    Effect.PROHIBITED: "prohibited",
    Effect.LICENCE: "licence required",
    Effect.TARIFF: "tariff",
    Effect.BENCHMARK: "dependency benchmark",
    Effect.WATCH: "watch",
    Effect.INFO: "information",
}


_E = TypeVar("_E", bound=StrEnum)


def parse_enum(enum: type[_E], text: object) -> _E | None:
    """The member of `enum` whose value matches `text` case-insensitively (also "NdFeB sintered"), else None."""
    if text is None:
        return None
    wanted = _fold(str(text))
    for member in enum:
        if _fold(member.value) == wanted:
            return member
    return _ALIASES.get(enum, {}).get(wanted)  # type: ignore[return-value]


def _fold(text: str) -> str:
    return "".join(ch for ch in text.strip().lower() if ch.isalnum())


_ALIASES: dict[type, dict[str, StrEnum]] = {
    EndUse: {"defense": EndUse.DEFENCE, "military": EndUse.DEFENCE, "auto": EndUse.AUTOMOTIVE},
    MagnetFamily: {
        "ndfeb": MagnetFamily.NDFEB_SINTERED,
        "sinteredndfeb": MagnetFamily.NDFEB_SINTERED,
        "bondedndfeb": MagnetFamily.NDFEB_BONDED,
        "smco": MagnetFamily.SM2CO17,
        "smco17": MagnetFamily.SM2CO17,
        "sm2co17": MagnetFamily.SM2CO17,
        "smco517": MagnetFamily.SM2CO17,
        "smco15": MagnetFamily.SMCO5,
        "hardferrite": MagnetFamily.FERRITE,
        "alnico": MagnetFamily.ALNICO,
    },
    Evidence: {"audited": Evidence.VERIFIED, "assumed": Evidence.INFERRED, "": Evidence.UNKNOWN},
}

# Table columns. The order is the order users see them in (template, report, tables).
PART_COLUMNS: tuple[str, ...] = (
    "part_number",
    "description",
    "end_use",
    "magnet_family",
    "grade",
    "magnet_mass_g",
    "annual_units",
    "unit_price",
    "stock_days",
)
SUPPLIER_COLUMNS: tuple[str, ...] = ("supplier_id", "supplier_name", "supplier_country")
PATH_COLUMNS: tuple[str, ...] = (
    "part_number",
    "supplier_id",
    "share_pct",
    "mine_country",
    "separation_country",
    "metal_country",
    "magnet_country",
    "origin_evidence",
)
COMPOSITION_COLUMNS: tuple[str, ...] = ("part_number", "element", "wt_pct")

NUMERIC_PART_COLUMNS: tuple[str, ...] = ("magnet_mass_g", "annual_units", "unit_price", "stock_days")
STAGE_COLUMNS: tuple[str, ...] = tuple(stage.column for stage in STAGES)

# The canonical import template: one row per supply path (part and supplier columns repeat).
TEMPLATE_COLUMNS: tuple[str, ...] = PART_COLUMNS + SUPPLIER_COLUMNS + PATH_COLUMNS[2:]
REQUIRED_TEMPLATE_COLUMNS: tuple[str, ...] = (
    "part_number",
    "magnet_family",
    "magnet_mass_g",
    "annual_units",
    "supplier_id",
)


def composition_column(symbol: str) -> str:
    """The template column of an element's composition override: "Dy" → "dy_pct"."""
    return f"{symbol.lower()}_pct"
