"""The buyer's vocabulary: stages, evidence, feedstock, end uses, magnet families, yes/no answers and rule effects,
with the words buyers and suppliers use for them in six languages (`parse_enum`).

The fields of the project's tables are declared in `riskdesk.core.fields`; `riskdesk.core.domain` gathers both.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar


class Stage(StrEnum):
    """A step of the magnet supply chain, in order, and where the delivered part is made (ASSEMBLY).

    The four supply-chain stages (`STAGES`) each have a country column on a supply path. ASSEMBLY is where the
    part the buyer receives is made: the supplier's country (or the magnet's, when the supplier's is not given);
    rules about end items (DFARS) name it."""

    MINE = "mine"
    SEPARATION = "separation"
    METAL = "metal"
    MAGNET = "magnet"
    ASSEMBLY = "assembly"

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]

    @property
    def column(self) -> str:
        """The supply-path column holding this stage's country."""
        return f"{self.value}_country"

    @property
    def evidence_column(self) -> str:
        """The supply-path column saying how this stage's country is known, where it differs from the path's
        evidence (blank: as the path's)."""
        return f"{self.value}_evidence"


_STAGE_LABELS = {
    Stage.MINE: "mine",
    Stage.SEPARATION: "separation/refining",
    Stage.METAL: "metal/alloy",
    Stage.MAGNET: "magnet making",
    Stage.ASSEMBLY: "part making",
}

STAGES: tuple[Stage, ...] = (Stage.MINE, Stage.SEPARATION, Stage.METAL, Stage.MAGNET)
"""The supply-chain stages whose countries a supply path records."""


class Evidence(StrEnum):
    """How the stage countries of a supply path are known: the path's own (`origin_evidence`), and for a stage
    known otherwise, that stage's (`mine_evidence` …)."""

    VERIFIED = "verified"
    DECLARED = "declared"
    INFERRED = "inferred"
    UNKNOWN = "unknown"


class Feedstock(StrEnum):
    """Where a supply path's rare earths enter the chain: ore from a mine, or material recycled from scrap and
    used magnets (the mine stage's country is then where it was recycled)."""

    MINED = "mined"
    RECYCLED = "recycled"


class YesNo(StrEnum):
    """An answer the buyer may leave blank (blank: the project's default applies)."""

    YES = "yes"
    NO = "no"


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
    return _WORD_INDEX.get(enum, {}).get(wanted)  # type: ignore[return-value]


def _fold(text: str) -> str:
    """Case, width and punctuation folded: "NdFeB sintered", "ndfeb-sintered" and "ＮｄＦｅＢ" meet."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


# Words buyers and suppliers use for the enum values, in English, German, French, Spanish, Japanese and Chinese.
# Matching folds case, width and punctuation (see `_fold`); documented in docs/import.md.
ENUM_WORDS: dict[type[StrEnum], dict[str, StrEnum]] = {
    EndUse: {
        "defense": EndUse.DEFENCE, "defence": EndUse.DEFENCE, "military": EndUse.DEFENCE,
        "aerospace defence": EndUse.DEFENCE,
        "verteidigung": EndUse.DEFENCE, "rüstung": EndUse.DEFENCE, "wehrtechnik": EndUse.DEFENCE,
        "défense": EndUse.DEFENCE, "militaire": EndUse.DEFENCE, "defensa": EndUse.DEFENCE, "militar": EndUse.DEFENCE,
        "防衛": EndUse.DEFENCE, "防衛用": EndUse.DEFENCE, "国防": EndUse.DEFENCE, "军工": EndUse.DEFENCE,
        "军用": EndUse.DEFENCE,
        "automotive": EndUse.AUTOMOTIVE, "auto": EndUse.AUTOMOTIVE, "car": EndUse.AUTOMOTIVE, "ev": EndUse.AUTOMOTIVE,
        "vehicle": EndUse.AUTOMOTIVE, "automobil": EndUse.AUTOMOTIVE, "fahrzeug": EndUse.AUTOMOTIVE,
        "kfz": EndUse.AUTOMOTIVE, "automobile": EndUse.AUTOMOTIVE, "automoción": EndUse.AUTOMOTIVE,
        "automotriz": EndUse.AUTOMOTIVE, "自動車": EndUse.AUTOMOTIVE, "車載": EndUse.AUTOMOTIVE,
        "汽车": EndUse.AUTOMOTIVE, "车用": EndUse.AUTOMOTIVE,
        "wind": EndUse.WIND, "wind power": EndUse.WIND, "wind energy": EndUse.WIND, "windkraft": EndUse.WIND,
        "windenergie": EndUse.WIND, "éolien": EndUse.WIND, "eolien": EndUse.WIND, "eólica": EndUse.WIND,
        "eolica": EndUse.WIND, "風力": EndUse.WIND, "风电": EndUse.WIND, "风力发电": EndUse.WIND,
        "industrial": EndUse.INDUSTRIAL, "industry": EndUse.INDUSTRIAL, "industrie": EndUse.INDUSTRIAL,
        "industriel": EndUse.INDUSTRIAL, "industria": EndUse.INDUSTRIAL, "産業": EndUse.INDUSTRIAL,
        "産業用": EndUse.INDUSTRIAL, "工业": EndUse.INDUSTRIAL,
        "electronics": EndUse.ELECTRONICS, "electronic": EndUse.ELECTRONICS, "consumer electronics": EndUse.ELECTRONICS,
        "elektronik": EndUse.ELECTRONICS, "électronique": EndUse.ELECTRONICS, "electrónica": EndUse.ELECTRONICS,
        "電子": EndUse.ELECTRONICS, "電子機器": EndUse.ELECTRONICS, "电子": EndUse.ELECTRONICS,
        "other": EndUse.OTHER, "others": EndUse.OTHER, "sonstige": EndUse.OTHER, "sonstiges": EndUse.OTHER,
        "andere": EndUse.OTHER, "autre": EndUse.OTHER, "autres": EndUse.OTHER, "otro": EndUse.OTHER,
        "otros": EndUse.OTHER, "その他": EndUse.OTHER, "其他": EndUse.OTHER,
    },
    MagnetFamily: {
        "ndfeb": MagnetFamily.NDFEB_SINTERED, "neo": MagnetFamily.NDFEB_SINTERED,
        "sintered ndfeb": MagnetFamily.NDFEB_SINTERED, "ndfeb sintered": MagnetFamily.NDFEB_SINTERED,
        "sintered neo": MagnetFamily.NDFEB_SINTERED, "sintered neodymium": MagnetFamily.NDFEB_SINTERED,
        "neodymium": MagnetFamily.NDFEB_SINTERED, "neodym": MagnetFamily.NDFEB_SINTERED,
        "neodym gesintert": MagnetFamily.NDFEB_SINTERED, "ndfeb gesintert": MagnetFamily.NDFEB_SINTERED,
        "ndfeb fritté": MagnetFamily.NDFEB_SINTERED, "ndfeb sinterizado": MagnetFamily.NDFEB_SINTERED,
        "焼結ネオジム": MagnetFamily.NDFEB_SINTERED, "ネオジム焼結": MagnetFamily.NDFEB_SINTERED,
        "ネオジム": MagnetFamily.NDFEB_SINTERED, "ネオジム磁石": MagnetFamily.NDFEB_SINTERED,
        "烧结钕铁硼": MagnetFamily.NDFEB_SINTERED, "钕铁硼": MagnetFamily.NDFEB_SINTERED,
        "bonded ndfeb": MagnetFamily.NDFEB_BONDED, "ndfeb bonded": MagnetFamily.NDFEB_BONDED,
        "bonded neo": MagnetFamily.NDFEB_BONDED, "ndfeb kunststoffgebunden": MagnetFamily.NDFEB_BONDED,
        "ndfeb gebunden": MagnetFamily.NDFEB_BONDED, "kunststoffgebunden": MagnetFamily.NDFEB_BONDED,
        "ndfeb lié": MagnetFamily.NDFEB_BONDED, "ボンドネオジム": MagnetFamily.NDFEB_BONDED,
        "ボンド磁石": MagnetFamily.NDFEB_BONDED, "粘结钕铁硼": MagnetFamily.NDFEB_BONDED,
        "smco5": MagnetFamily.SMCO5, "smco 1 5": MagnetFamily.SMCO5, "smco 1:5": MagnetFamily.SMCO5,
        "sm1co5": MagnetFamily.SMCO5,
        "sm2co17": MagnetFamily.SM2CO17, "smco 2 17": MagnetFamily.SM2CO17, "smco 2:17": MagnetFamily.SM2CO17,
        "smco": MagnetFamily.SM2CO17, "samarium cobalt": MagnetFamily.SM2CO17, "samarium-cobalt": MagnetFamily.SM2CO17,
        "samarium kobalt": MagnetFamily.SM2CO17, "サマコバ": MagnetFamily.SM2CO17,
        "サマリウムコバルト": MagnetFamily.SM2CO17,
        "钐钴": MagnetFamily.SM2CO17,
        "ferrite": MagnetFamily.FERRITE, "hard ferrite": MagnetFamily.FERRITE, "ferrit": MagnetFamily.FERRITE,
        "hartferrit": MagnetFamily.FERRITE, "ceramic": MagnetFamily.FERRITE, "ferrita": MagnetFamily.FERRITE,
        "フェライト": MagnetFamily.FERRITE, "铁氧体": MagnetFamily.FERRITE,
        "alnico": MagnetFamily.ALNICO, "アルニコ": MagnetFamily.ALNICO, "铝镍钴": MagnetFamily.ALNICO,
        "other": MagnetFamily.OTHER, "sonstige": MagnetFamily.OTHER, "autre": MagnetFamily.OTHER,
        "otro": MagnetFamily.OTHER, "その他": MagnetFamily.OTHER, "其他": MagnetFamily.OTHER,
    },
    YesNo: {
        "yes": YesNo.YES, "y": YesNo.YES, "true": YesNo.YES, "x": YesNo.YES, "1": YesNo.YES, "ja": YesNo.YES,
        "oui": YesNo.YES, "si": YesNo.YES, "sí": YesNo.YES, "はい": YesNo.YES, "有": YesNo.YES, "是": YesNo.YES,
        "no": YesNo.NO, "n": YesNo.NO, "false": YesNo.NO, "0": YesNo.NO, "nein": YesNo.NO, "non": YesNo.NO,
        "いいえ": YesNo.NO, "無": YesNo.NO, "无": YesNo.NO, "否": YesNo.NO,
    },
    Feedstock: {
        "mined": Feedstock.MINED, "mine": Feedstock.MINED, "ore": Feedstock.MINED, "primary": Feedstock.MINED,
        "virgin": Feedstock.MINED, "abgebaut": Feedstock.MINED, "bergbau": Feedstock.MINED, "primär": Feedstock.MINED,
        "extrait": Feedstock.MINED, "minier": Feedstock.MINED, "primaire": Feedstock.MINED,
        "extraído": Feedstock.MINED, "minado": Feedstock.MINED, "primario": Feedstock.MINED,
        "採掘": Feedstock.MINED, "鉱石": Feedstock.MINED, "开采": Feedstock.MINED, "原矿": Feedstock.MINED,
        "recycled": Feedstock.RECYCLED, "recycling": Feedstock.RECYCLED, "secondary": Feedstock.RECYCLED,
        "recycelt": Feedstock.RECYCLED, "rezykliert": Feedstock.RECYCLED, "sekundär": Feedstock.RECYCLED,
        "recyclé": Feedstock.RECYCLED, "recyclage": Feedstock.RECYCLED, "secondaire": Feedstock.RECYCLED,
        "reciclado": Feedstock.RECYCLED, "reciclaje": Feedstock.RECYCLED, "secundario": Feedstock.RECYCLED,
        "リサイクル": Feedstock.RECYCLED, "再生": Feedstock.RECYCLED, "回收": Feedstock.RECYCLED,
        "再生料": Feedstock.RECYCLED,
    },
    Evidence: {
        "verified": Evidence.VERIFIED, "audited": Evidence.VERIFIED, "certified": Evidence.VERIFIED,
        "confirmed": Evidence.VERIFIED, "geprüft": Evidence.VERIFIED, "verifiziert": Evidence.VERIFIED,
        "bestätigt": Evidence.VERIFIED, "auditiert": Evidence.VERIFIED, "vérifié": Evidence.VERIFIED,
        "verificado": Evidence.VERIFIED, "確認済": Evidence.VERIFIED, "確認済み": Evidence.VERIFIED,
        "検証済": Evidence.VERIFIED, "已验证": Evidence.VERIFIED, "已核实": Evidence.VERIFIED,
        "declared": Evidence.DECLARED, "self declared": Evidence.DECLARED, "supplier declaration": Evidence.DECLARED,
        "declaration": Evidence.DECLARED, "erklärt": Evidence.DECLARED, "lieferantenerklärung": Evidence.DECLARED,
        "selbstauskunft": Evidence.DECLARED, "déclaré": Evidence.DECLARED, "déclaration": Evidence.DECLARED,
        "declarado": Evidence.DECLARED, "declaración": Evidence.DECLARED, "申告": Evidence.DECLARED,
        "自己申告": Evidence.DECLARED, "声明": Evidence.DECLARED, "供应商声明": Evidence.DECLARED,
        "inferred": Evidence.INFERRED, "assumed": Evidence.INFERRED, "estimated": Evidence.INFERRED,
        "estimate": Evidence.INFERRED, "angenommen": Evidence.INFERRED, "geschätzt": Evidence.INFERRED,
        "abgeleitet": Evidence.INFERRED, "supposé": Evidence.INFERRED, "estimé": Evidence.INFERRED,
        "déduit": Evidence.INFERRED, "supuesto": Evidence.INFERRED, "estimado": Evidence.INFERRED,
        "inferido": Evidence.INFERRED, "推定": Evidence.INFERRED, "推断": Evidence.INFERRED, "推测": Evidence.INFERRED,
        "unknown": Evidence.UNKNOWN, "unbekannt": Evidence.UNKNOWN, "inconnu": Evidence.UNKNOWN,
        "desconocido": Evidence.UNKNOWN, "不明": Evidence.UNKNOWN, "未知": Evidence.UNKNOWN,
    },
}


# Spellings that only differ from a value by punctuation or a shorthand.
_SHORTHANDS: dict[type[StrEnum], dict[str, StrEnum]] = {
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

_WORD_INDEX: dict[type[StrEnum], dict[str, StrEnum]] = {
    enum: {_fold(word): member for word, member in {**_SHORTHANDS.get(enum, {}), **words}.items()}
    for enum, words in ENUM_WORDS.items()
}


BASES: tuple[str, ...] = ("china", "ex-china")
"""Reference-price baskets: China domestic / volume-weighted, and ex-China (European) spot (riskdesk.core.prices)."""
BASIS_NAMES: Mapping[str, str] = MappingProxyType({"china": "China domestic", "ex-china": "ex-China spot"})
"""Price basis → its short name in a sentence ("+$2.1M on China domestic prices")."""
