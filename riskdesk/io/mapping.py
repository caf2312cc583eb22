"""Which column of a file is which RiskDesk field: the field vocabulary, synonyms in six languages, proposals
from headers and from what the columns hold, each with a confidence and a reason, and the mapping's JSON form.

Confidence is a number from 0 to 1: 1.0 for the template's own headers and for mappings the user confirmed,
0.95 for a listed synonym, less for partial matches and for guesses from content alone. A mapping is
*confident* when every required field is mapped at `CONFIDENT` or better and no required field is ambiguous.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from riskdesk.core.domain import STAGE_EVIDENCE_COLUMNS, composition_column
from riskdesk.core.elements import BY_SYMBOL, ELEMENTS, SYMBOLS, oxide_formulas
from riskdesk.core.fields import Field, FieldKind, by_key
from riskdesk.core.numbers import NumberKind, is_currency_word, is_percent_word, mass_unit_word, time_unit_word
from riskdesk.core.problems import quoted
from riskdesk.io.normalize import enum_words, fold

CONFIDENT = 0.8
"""A column mapped at this confidence or better needs nobody to confirm it."""
CLEARLY_BETTER = 0.15
"""Two columns claiming one field: the better one wins outright only by this margin."""
MAPPING_FORMAT = "riskdesk-column-mapping"
MAPPING_VERSION = 1


class ReadAs(StrEnum):
    """How an imported column's values are read: from the catalogue field's kind and number kind
    (`riskdesk.core.fields`), or as an element's content (composition columns, which only an import has)."""

    CODE = "code"
    TEXT = "text"
    ENUM = "enum"
    COUNTRY = "country"
    MASS = "mass"
    COUNT = "count"
    MONEY = "money"
    DAYS = "days"
    SHARE = "share"
    COMPOSITION = "composition"


_READ_NUMBER_AS: Mapping[NumberKind, ReadAs] = {
    NumberKind.MASS: ReadAs.MASS, NumberKind.COUNT: ReadAs.COUNT, NumberKind.MONEY: ReadAs.MONEY,
    NumberKind.DAYS: ReadAs.DAYS, NumberKind.PERCENT: ReadAs.SHARE,
}


def read_as(spec: Field) -> ReadAs:
    """How the importer reads a column mapped to the catalogue field `spec`."""
    if spec.numeric:
        assert spec.number is not None, f"{spec.key} has no number kind"
        return _READ_NUMBER_AS[spec.number]
    if spec.kind.identifier:
        return ReadAs.CODE
    return {FieldKind.ENUM: ReadAs.ENUM, FieldKind.COUNTRY: ReadAs.COUNTRY}.get(spec.kind, ReadAs.TEXT)


@dataclass(frozen=True)
class FieldSpec:
    """One field a column of a file can be read as: a field of the catalogue, with the words suppliers use for it,
    or an element's content. For catalogue fields the meaning, allowed values, example and enum are the
    catalogue's (`FieldSpec.of`); only the synonyms are the importer's own."""

    name: str
    kind: ReadAs
    meaning: str
    allowed: str = ""
    example: str = ""
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Language code ("en", "de", "fr", "es", "ja", "zh") → header words."""
    enum: type[StrEnum] | None = None
    element: str = ""
    """For composition fields: the element symbol the field gives the weight share of."""
    oxide: str = ""
    """For oxide composition fields: the oxide formula the column gives the content of."""

    @classmethod
    def of(cls, spec: Field, synonyms: Mapping[str, tuple[str, ...]]) -> FieldSpec:
        """The import field of the catalogue field `spec`, read under these header words."""
        return cls(spec.key, read_as(spec), spec.help, spec.allowed, spec.example, synonyms, spec.enum)


LANGUAGES: dict[str, str] = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "ja": "Japanese", "zh": "Chinese",
}

SYNONYMS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "part_number": {
        "en": ("part number", "part no", "part nr", "part #", "part", "P/N", "PN", "part id", "item number",
               "item no", "item", "item code", "material number", "material no", "material", "matnr",
               "article number",
               "article no", "drawing number", "customer part number", "customer part no", "sku",
               "component number", "part code"),
        "de": ("Sachnummer", "Sach-Nr.", "Teilenummer", "Teilnummer", "Teile-Nr.", "Artikelnummer",
               "Artikel-Nr.", "Art.-Nr.", "Materialnummer", "Material-Nr.", "Zeichnungsnummer",
               "Kunden-Sachnummer", "Bauteilnummer", "Teil"),
        "fr": ("référence", "réf", "numéro de pièce", "n° de pièce", "code article", "numéro d'article",
               "référence pièce", "référence article"),
        "es": ("número de pieza", "n.º de pieza", "nº de pieza", "referencia", "código de pieza",
               "número de parte",
               "código de artículo", "número de artículo"),
        "ja": ("品番", "部品番号", "品目コード", "部品コード", "図番", "型番", "品目番号"),
        "zh": ("零件号", "零件编号", "物料号", "物料编码", "料号", "品号", "部件号", "零件编码", "物料编号"),
    },
    "description": {
        "en": ("description", "part description", "designation", "part name", "item description", "name",
               "item name", "text", "short text", "material description"),
        "de": ("Bezeichnung", "Beschreibung", "Benennung", "Teilebezeichnung", "Artikelbezeichnung", "Kurztext",
               "Materialkurztext", "Materialbezeichnung"),
        "fr": ("désignation", "description", "libellé", "nom de la pièce", "intitulé"),
        "es": ("descripción", "denominación", "nombre", "designación"),
        "ja": ("品名", "名称", "部品名", "品目名", "摘要"),
        "zh": ("描述", "名称", "零件名称", "物料名称", "物料描述", "品名"),
    },
    "end_use": {
        "en": ("end use", "application", "end application", "use", "sector", "market", "segment",
               "end market", "industry", "usage"),
        "de": ("Verwendung", "Anwendung", "Einsatz", "Einsatzbereich", "Branche", "Endanwendung",
               "Verwendungszweck", "Markt"),
        "fr": ("usage final", "utilisation finale", "application", "secteur", "marché", "utilisation"),
        "es": ("uso final", "aplicación", "sector", "mercado", "uso"),
        "ja": ("用途", "最終用途", "アプリケーション", "分野"),
        "zh": ("最终用途", "应用", "应用领域", "终端应用", "用途"),
    },
    "magnet_family": {
        "en": ("magnet family", "family", "magnet type", "type", "material", "magnet material",
               "technology", "material family"),
        "de": ("Magnettyp", "Werkstoff", "Magnetwerkstoff", "Werkstofffamilie", "Magnetart",
               "Magnetmaterial", "Werkstoffgruppe"),
        "fr": ("famille", "type d'aimant", "matériau", "matière", "famille d'aimant"),
        "es": ("tipo de imán", "familia", "material", "material del imán"),
        "ja": ("磁石種類", "磁石材質", "材質", "種類", "磁石材料"),
        "zh": ("磁铁类型", "磁体类型", "材料", "类型", "磁材类型", "材质"),
    },
    "grade": {
        "en": ("grade", "magnet grade", "quality", "material grade", "grade class"),
        "de": ("Güte", "Sorte", "Qualität", "Werkstoffsorte", "Magnetgüte", "Güteklasse"),
        "fr": ("nuance", "grade", "qualité"),
        "es": ("grado", "calidad", "grado del imán"),
        "ja": ("グレード", "材質記号", "等級", "磁石グレード"),
        "zh": ("牌号", "等级", "性能等级", "磁体牌号"),
    },
    "magnet_mass_g": {
        "en": ("magnet mass", "magnet weight", "mass", "weight", "net weight", "magnet weight per unit",
               "weight per piece", "mass per unit", "magnet mass per unit", "unit weight", "piece weight",
               "magnet weight per part"),
        "de": ("Gewicht", "Magnetgewicht", "Masse", "Nettogewicht", "Stückgewicht", "Gewicht je Stück",
               "Magnetmasse", "Einzelgewicht"),
        "fr": ("poids", "masse", "poids de l'aimant", "poids net", "poids unitaire", "masse de l'aimant"),
        "es": ("peso", "peso del imán", "masa", "peso neto", "peso unitario"),
        "ja": ("重量", "磁石重量", "質量", "単重", "磁石質量"),
        "zh": ("重量", "磁铁重量", "磁体重量", "质量", "单重", "净重"),
    },
    "annual_units": {
        "en": ("annual units", "annual quantity", "annual volume", "yearly volume", "units per year", "qty per year",
               "annual qty", "eau", "annual demand", "volume", "quantity", "qty", "forecast", "annual usage",
               "yearly quantity", "pcs per year", "annual requirement", "annual req qty", "annual req",
               "requirement qty", "req qty", "planned annual qty", "planned qty", "annual consumption",
               "consumption per year", "yearly demand", "demand per year"),
        "de": ("Jahresbedarf", "Jahresmenge", "Stückzahl pro Jahr", "Menge", "Stückzahl", "Bedarf",
               "Jahresstückzahl", "Jahresvolumen", "Jahresverbrauch", "Planmenge", "Bedarfsmenge"),
        "fr": ("volume annuel", "quantité annuelle", "quantité", "besoin annuel"),
        "es": ("volumen anual", "cantidad anual", "cantidad", "demanda anual"),
        "ja": ("年間数量", "年間使用量", "数量", "年間需要", "年間個数"),
        "zh": ("年用量", "年需求量", "年数量", "数量", "年采购量"),
    },
    "unit_price": {
        "en": ("unit price", "price", "price per unit", "cost", "unit cost", "piece price", "price each"),
        "de": ("Preis", "Stückpreis", "Einzelpreis", "Preis je Stück", "Einkaufspreis", "Preis pro Stück"),
        "fr": ("prix unitaire", "prix", "coût unitaire"),
        "es": ("precio unitario", "precio", "coste unitario", "costo unitario"),
        "ja": ("単価", "価格"),
        "zh": ("单价", "价格"),
    },
    "stock_days": {
        "en": ("stock days", "days of stock", "days on hand", "coverage days", "inventory days",
               "stock coverage", "coverage", "days of supply", "stock"),
        "de": ("Reichweite", "Lagerreichweite", "Bestandsreichweite", "Reichweite Tage",
               "Lagerbestand Tage", "Bestand Tage"),
        "fr": ("jours de stock", "couverture de stock", "couverture"),
        "es": ("días de inventario", "días de stock", "cobertura", "días de existencias"),
        "ja": ("在庫日数", "在庫"),
        "zh": ("库存天数", "库存"),
    },
    "dfars": {
        "en": ("dfars", "dfars applies", "us defence", "us defense", "us defence contract",
               "us defense contract", "dod contract", "dod"),
        "de": ("DFARS-relevant", "US-Verteidigung", "US-Rüstungsauftrag"),
        "fr": ("défense américaine", "contrat défense us"),
        "es": ("defensa ee uu", "contrato de defensa de ee uu"),
        "ja": ("米国防衛", "米国防総省契約"),
        "zh": ("美国国防", "美国国防合同"),
    },
    "supplier_id": {
        "en": ("supplier id", "supplier code", "supplier number", "supplier no", "vendor id", "vendor code",
               "vendor number", "vendor no", "supplier nr", "supplier number id", "vendor account",
               "supplier account", "lifnr"),
        "de": ("Lieferantennummer", "Lieferanten-Nr.", "Lieferantennr", "Kreditor", "Kreditorennummer",
               "Lieferantencode", "Lieferanten-ID"),
        "fr": ("code fournisseur", "numéro fournisseur", "n° fournisseur", "id fournisseur"),
        "es": ("código de proveedor", "número de proveedor", "id proveedor", "código proveedor"),
        "ja": ("仕入先コード", "仕入先番号", "サプライヤーコード", "取引先コード"),
        "zh": ("供应商代码", "供应商编号", "供应商号", "供应商编码"),
    },
    "supplier_name": {
        "en": ("supplier", "supplier name", "vendor", "vendor name", "manufacturer", "maker", "source", "supplied by",
               "name 1", "name1"),
        "de": ("Lieferant", "Lieferantenname", "Hersteller", "Name Lieferant", "Lieferant Name"),
        "fr": ("fournisseur", "nom du fournisseur", "fabricant"),
        "es": ("proveedor", "nombre del proveedor", "fabricante"),
        "ja": ("仕入先", "仕入先名", "サプライヤー", "メーカー", "供給元"),
        "zh": ("供应商", "供应商名称", "制造商", "厂商", "厂家"),
    },
    "supplier_country": {
        "en": ("supplier country", "country of supplier", "vendor country", "supplier location", "country",
               "supplier's country", "cty", "ctry", "country key"),
        "de": ("Lieferland", "Land des Lieferanten", "Lieferantenland", "Land", "Sitz", "Länderschlüssel"),
        "fr": ("pays du fournisseur", "pays"),
        "es": ("país del proveedor", "país"),
        "ja": ("仕入先国", "国", "国名"),
        "zh": ("供应商国家", "国家"),
    },
    "general_licence": {
        "en": ("general licence", "general license", "china general licence", "china general license",
               "chinese general licence", "chinese general license", "mofcom general licence",
               "mofcom general license"),
        "de": ("Allgemeingenehmigung", "allgemeine Ausfuhrgenehmigung", "chinesische Allgemeingenehmigung"),
        "fr": ("licence générale", "licence générale chinoise"),
        "es": ("licencia general", "licencia general china"),
        "ja": ("一般許可", "包括許可", "中国一般許可"),
        "zh": ("通用许可", "通用许可证", "通用出口许可"),
    },
    "share_pct": {
        "en": ("share", "volume share", "split", "allocation", "quota", "share of volume", "percentage",
               "supply share", "share of supply", "sourcing split"),
        "de": ("Anteil", "Lieferanteil", "Mengenanteil", "Quote", "Aufteilung", "Lieferquote"),
        "fr": ("quote-part", "répartition", "part du volume", "pourcentage"),
        "es": ("cuota", "participación", "reparto", "porcentaje"),
        "ja": ("シェア", "比率", "配分", "構成比", "購入比率"),
        "zh": ("份额", "比例", "占比", "分配比例", "采购比例"),
    },
    "mine_country": {
        "en": ("mine", "mine country", "mining country", "country of mining", "mining", "ore origin",
               "mine location", "mined in"),
        "de": ("Abbauland", "Bergbauland", "Minenland", "Abbau", "Herkunft Erz", "Mine Land"),
        "fr": ("pays d'extraction", "pays minier", "extraction"),
        "es": ("país de extracción", "mina", "país minero", "extracción"),
        "ja": ("鉱山", "採掘国", "鉱山国"),
        "zh": ("矿山", "开采国", "矿产国", "原矿产地", "矿源"),
    },
    "feedstock": {
        "en": ("feedstock", "recycled", "recycled content", "recycled or mined", "mined or recycled",
               "material source", "rare earth source", "primary or recycled", "source of rare earths"),
        "de": ("Rohstoffquelle", "Rohstoffherkunft", "Recycling", "recycelt", "Primär oder Recycling",
               "Sekundärrohstoff"),
        "fr": ("matière première", "recyclé", "origine de la matière", "recyclé ou extrait", "source de la matière"),
        "es": ("materia prima", "reciclado", "origen del material", "reciclado o extraído"),
        "ja": ("原料", "リサイクル", "原料区分", "リサイクル材"),
        "zh": ("原料来源", "回收", "再生料", "原料类型"),
    },
    "separation_country": {
        "en": ("separation", "separation country", "refining", "refining country", "refinery",
               "separation/refining", "country of separation", "refined in"),
        "de": ("Trennung", "Raffination", "Raffinationsland", "Trennungsland", "Aufbereitung",
               "Trennung/Raffination"),
        "fr": ("séparation", "raffinage", "pays de raffinage", "pays de séparation"),
        "es": ("separación", "refinación", "refinado", "país de refinación", "país de separación"),
        "ja": ("分離", "精製", "分離国", "精製国", "分離精製"),
        "zh": ("分离", "冶炼分离", "分离国", "精炼国", "冶炼"),
    },
    "metal_country": {
        "en": ("metal/alloy", "metal", "alloy", "alloy country", "metal country", "metal making", "metallisation",
               "metallization", "metal and alloy", "alloy making"),
        "de": ("Metall", "Legierung", "Legierungsland", "Metallherstellung", "Metall/Legierung"),
        "fr": ("métal", "alliage", "pays de l'alliage", "métal/alliage"),
        "es": ("metal", "aleación", "país de aleación", "metal/aleación"),
        "ja": ("金属", "合金", "合金製造国", "金属合金"),
        "zh": ("金属", "合金", "合金生产国", "金属冶炼"),
    },
    "magnet_country": {
        "en": ("magnet country", "magnet maker country", "country of manufacture", "country of origin",
               "coo", "origin", "made in", "manufacturing country", "production country",
               "magnet making", "magnet production", "magnet origin"),
        "de": ("Herkunftsland", "Ursprungsland", "Herstellland", "Herstellungsland", "Produktionsland",
               "Ursprung", "Herkunft"),
        "fr": ("pays d'origine", "pays de fabrication", "origine"),
        "es": ("país de origen", "país de fabricación", "origen"),
        "ja": ("原産国", "製造国", "生産国", "原産地"),
        "zh": ("原产国", "产地", "生产国", "制造国", "原产地"),
    },
    "origin_evidence": {
        "en": ("origin evidence", "evidence", "origin basis", "verification", "source of origin",
               "evidence level", "origin status", "origin source"),
        "de": ("Nachweis", "Herkunftsnachweis", "Nachweisart", "Beleg"),
        "fr": ("preuve", "justificatif", "niveau de preuve"),
        "es": ("evidencia", "justificante", "prueba"),
        "ja": ("根拠", "証跡", "エビデンス"),
        "zh": ("证据", "依据", "来源证明"),
    },
    "mine_evidence": {
        "en": ("mine evidence", "mining evidence", "mine origin evidence", "evidence mine", "mine verification"),
        "de": ("Nachweis Abbau", "Abbau Nachweis", "Nachweis Mine", "Minennachweis"),
        "fr": ("preuve mine", "preuve extraction"),
        "es": ("evidencia mina", "evidencia extracción"),
        "ja": ("鉱山 根拠", "採掘 根拠"),
        "zh": ("矿山 证据", "开采 证据"),
    },
    "separation_evidence": {
        "en": ("separation evidence", "refining evidence", "separation origin evidence", "evidence separation",
               "separation verification"),
        "de": ("Nachweis Trennung", "Trennung Nachweis", "Nachweis Raffination"),
        "fr": ("preuve séparation", "preuve raffinage"),
        "es": ("evidencia separación", "evidencia refinación"),
        "ja": ("分離 根拠", "精製 根拠"),
        "zh": ("分离 证据", "冶炼 证据"),
    },
    "metal_evidence": {
        "en": ("metal evidence", "alloy evidence", "metal/alloy evidence", "metal alloy evidence", "evidence metal",
               "metal verification"),
        "de": ("Nachweis Metall", "Metall Nachweis", "Nachweis Legierung"),
        "fr": ("preuve métal", "preuve alliage"),
        "es": ("evidencia metal", "evidencia aleación"),
        "ja": ("金属 根拠", "合金 根拠"),
        "zh": ("金属 证据", "合金 证据"),
    },
    "magnet_evidence": {
        "en": ("magnet evidence", "magnet origin evidence", "evidence magnet", "magnet verification",
               "magnet making evidence"),
        "de": ("Nachweis Magnet", "Magnet Nachweis", "Nachweis Magnetherstellung"),
        "fr": ("preuve aimant", "preuve fabrication aimant"),
        "es": ("evidencia imán", "evidencia fabricación imán"),
        "ja": ("磁石 根拠", "磁石製造 根拠"),
        "zh": ("磁体 证据", "磁铁 证据"),
    },
}
"""The header words suppliers use for each field of the catalogue an import reads, by language ("en", "de", "fr",
"es", "ja", "zh"), in the template's order."""

TEMPLATE_FIELDS: tuple[FieldSpec, ...] = tuple(FieldSpec.of(by_key(name), words) for name, words in SYNONYMS.items())

_ELEMENT_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "Nd": {"de": ("neodym",), "fr": ("neodyme",), "es": ("neodimio",), "ja": ("ネオジム", "ネオジウム"), "zh": ("钕",)},
    "Pr": {"de": ("praseodym",), "fr": ("praseodyme",), "es": ("praseodimio",), "ja": ("プラセオジム",), "zh": ("镨",)},
    "Dy": {"de": ("dysprosium",), "fr": ("dysprosium",), "es": ("disprosio",), "ja": ("ジスプロシウム",),
           "zh": ("镝",)},
    "Tb": {"de": ("terbium",), "fr": ("terbium",), "es": ("terbio",), "ja": ("テルビウム",), "zh": ("铽",)},
    "Sm": {"de": ("samarium",), "fr": ("samarium",), "es": ("samario",), "ja": ("サマリウム",), "zh": ("钐",)},
    "Gd": {"de": ("gadolinium",), "fr": ("gadolinium",), "es": ("gadolinio",), "ja": ("ガドリニウム",), "zh": ("钆",)},
    "Ce": {"de": ("cer",), "fr": ("cerium",), "es": ("cerio",), "ja": ("セリウム",), "zh": ("铈",)},
    "La": {"de": ("lanthan",), "fr": ("lanthane",), "es": ("lantano",), "ja": ("ランタン",), "zh": ("镧",)},
    "Ho": {"de": ("holmium",), "fr": ("holmium",), "es": ("holmio",), "ja": ("ホルミウム",), "zh": ("钬",)},
    "Co": {"de": ("kobalt",), "fr": ("cobalt",), "es": ("cobalto",), "ja": ("コバルト",), "zh": ("钴",)},
    "Fe": {"de": ("eisen",), "fr": ("fer",), "es": ("hierro",), "ja": ("鉄",), "zh": ("铁",)},
    "B": {"de": ("bor",), "fr": ("bore",), "es": ("boro",), "ja": ("ホウ素",), "zh": ("硼",)},
    "Cu": {"de": ("kupfer",), "fr": ("cuivre",), "es": ("cobre",), "ja": ("銅",), "zh": ("铜",)},
}
_CONTENT_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("%", "pct", "percent", "wt", "wt %", "content", "share", "weight share", "mass share", "fraction"),
    "de": ("gehalt", "anteil", "massenanteil", "gew %", "gewichtsanteil"),
    "fr": ("teneur", "teneur en", "pourcentage"),
    "es": ("contenido", "contenido de", "porcentaje"),
    "ja": ("含有量", "含有率", "含量"),
    "zh": ("含量", "比例", "占比"),
}
_CONNECTORS = frozenset({"of", "de", "en", "in", "an", "von", "du", "del", "la", "el", "der", "des"})
_CONTENT_TOKENS = frozenset(w for words in _CONTENT_WORDS.values() for word in words for w in fold(word).split())


def _composition_fields() -> tuple[FieldSpec, ...]:
    specs: list[FieldSpec] = []
    for element in ELEMENTS:
        specs.append(FieldSpec(
            composition_column(element.symbol), ReadAs.COMPOSITION,
            f"Weight share of {element.name} in the magnet; overrides the grade's default composition.",
            "0–100 % (or fractions 0–1)", "4.5", {}, element=element.symbol,
        ))
    for formula in oxide_formulas():
        symbol = _oxide_symbol(formula)
        specs.append(FieldSpec(
            f"{formula.lower()}_pct", ReadAs.COMPOSITION,
            f"{formula} content of the magnet; converted to {symbol} by stoichiometry.", "0–100 %", "5.2", {},
            element=symbol, oxide=formula,
        ))
    return tuple(specs)


def _oxide_symbol(formula: str) -> str:
    from riskdesk.core.elements import oxide_element

    symbol = oxide_element(formula)
    assert symbol is not None
    return symbol


COMPOSITION_FIELDS: tuple[FieldSpec, ...] = _composition_fields()
FAMILY_ELEMENTS: tuple[str, ...] = ("Nd", "Pr", "Sm", "Sr", "Ba", "Dy", "Tb")
"""Elements whose content tells a magnet's family (riskdesk.io.importer infers it): Nd/Pr, Dy/Tb above a trace ⇒
NdFeB; Sm ⇒ SmCo; Sr/Ba ⇒ ferrite."""
FAMILY_HINT_FIELDS: tuple[str, ...] = ("description",) + tuple(
    spec.name for spec in COMPOSITION_FIELDS if spec.element in FAMILY_ELEMENTS and not spec.oxide)
"""Columns a magnet family can be inferred from when a file has no family or grade column."""
FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in TEMPLATE_FIELDS + COMPOSITION_FIELDS}

REQUIRED_GROUPS: tuple[tuple[str, ...], ...] = (
    ("part_number",),
    ("magnet_family", "grade"),
    ("magnet_mass_g",),
    ("annual_units",),
    ("supplier_id", "supplier_name"),
)
"""Fields an import cannot do without; within a group one is enough (a family comes from a recognised grade,
a supplier id from the supplier's name)."""
REQUIRED_FIELDS: frozenset[str] = frozenset(f for group in REQUIRED_GROUPS for f in group)
DEFAULTABLE_FIELDS: tuple[str, ...] = (
    "end_use", "magnet_family", "grade", "description", "stock_days", "unit_price", "dfars", "supplier_id",
    "supplier_name", "supplier_country", "general_licence", "mine_country", "separation_country", "metal_country",
    "magnet_country", "origin_evidence", "feedstock",
)
"""Fields a default can fill where a file lacks the column or leaves cells blank (`--default FIELD=VALUE`)."""

# Generic words: a header that is only this word maps with less confidence.
_WEAK: dict[str, float] = {
    "part": 0.85, "item": 0.8, "name": 0.7, "text": 0.7, "type": 0.7, "typ": 0.7, "material": 0.8, "use": 0.75,
    "usage": 0.75, "market": 0.75, "industry": 0.75, "sector": 0.75, "segment": 0.75, "volume": 0.8,
    "quantity": 0.85, "qty": 0.85, "menge": 0.85, "cantidad": 0.85, "quantite": 0.85, "数量": 0.85,
    "forecast": 0.75, "cost": 0.8, "price": 0.9, "source": 0.7, "maker": 0.85, "country": 0.8, "land": 0.75,
    "pays": 0.8, "pais": 0.8, "国": 0.7, "国名": 0.75, "国家": 0.8, "origin": 0.9, "herkunft": 0.9, "origine": 0.9,
    "origen": 0.9, "ursprung": 0.9, "status": 0.7, "stock": 0.75, "在庫": 0.75, "库存": 0.75, "coverage": 0.8,
    "family": 0.85, "familia": 0.85, "famille": 0.85, "metal": 0.9, "metall": 0.9, "金属": 0.85, "code": 0.7,
    "ref": 0.8, "reference": 0.85, "referencia": 0.85, "quality": 0.8, "sorte": 0.8, "teil": 0.8, "sitz": 0.75,
    "uso": 0.75, "用途": 0.85, "名称": 0.8, "類": 0.7, "种类": 0.7, "種類": 0.75, "类型": 0.75, "材料": 0.8,
    "材質": 0.85, "材质": 0.85, "mina": 0.85, "mine": 0.9, "abbau": 0.85, "extraction": 0.85, "extraccion": 0.85,
    "percentage": 0.8, "pourcentage": 0.8, "porcentaje": 0.8, "比例": 0.8, "占比": 0.8, "anteil": 0.9,
    "split": 0.85, "quota": 0.85, "quote": 0.85, "cuota": 0.85, "cobertura": 0.8, "couverture": 0.8,
    "evidence": 0.9, "beleg": 0.85, "eau": 0.85, "sku": 0.85, "pn": 0.9, "bedarf": 0.8, "einsatz": 0.8,
    "cty": 0.75, "ctry": 0.75, "matnr": 0.9, "name 1": 0.75, "name1": 0.75, "req qty": 0.75, "annual req": 0.75,
}
# Synonyms that also fit another field, less well: (field, confidence).
_ALSO: dict[str, tuple[tuple[str, float], ...]] = {
    "country of origin": (("supplier_country", 0.8),),
    "coo": (("supplier_country", 0.8),),
    "origin": (("supplier_country", 0.75),),
    "herkunftsland": (("supplier_country", 0.8),),
    "ursprungsland": (("supplier_country", 0.8),),
    "pays d origine": (("supplier_country", 0.8),),
    "pais de origen": (("supplier_country", 0.8),),
    "原産国": (("supplier_country", 0.8),),
    "原产国": (("supplier_country", 0.8),),
    "country": (("magnet_country", 0.65),),
    "land": (("magnet_country", 0.6),),
    "werkstoff": (("grade", 0.85),),
    "material": (("grade", 0.75),),
    "magnet material": (("grade", 0.8),),
    "材質": (("grade", 0.8),),
    "材质": (("grade", 0.8),),
    "supplier": (("supplier_id", 0.8),),
    "vendor": (("supplier_id", 0.8),),
    "lieferant": (("supplier_id", 0.8),),
    "fournisseur": (("supplier_id", 0.8),),
    "proveedor": (("supplier_id", 0.8),),
    "仕入先": (("supplier_id", 0.8),),
    "供应商": (("supplier_id", 0.8),),
    "stock": (("stock_days", 0.75),),
}

_COUNTRY_WORDS = frozenset({
    "country", "countries", "land", "lander", "pays", "pais", "origin", "origine", "origen", "herkunft", "ursprung",
    "coo", "location", "standort", "国", "国家", "産地", "产地", "生产国", "原産", "原产",
})
_STAGE_WORDS: dict[str, tuple[str, ...]] = {
    "mine_country": ("mine", "mining", "mined", "ore", "abbau", "bergbau", "mine", "erz", "extraction", "minier",
                     "mina", "extraccion", "minero", "鉱山", "採掘", "矿山", "开采", "矿"),
    "separation_country": ("separation", "refining", "refinery", "refined", "trennung", "raffination",
                           "aufbereitung", "raffinage", "separacion", "refinacion", "分離", "精製", "分离", "冶炼",
                           "精炼", "oxide", "oxid", "oxyde", "oxido"),
    "metal_country": ("metal", "alloy", "metall", "legierung", "alliage", "aleacion", "metallisation",
                      "metallization", "金属", "合金"),
    "magnet_country": ("magnet", "magnets", "magnete", "aimant", "iman", "manufacture", "manufacturing",
                       "production", "herstellung", "fertigung", "fabrication", "fabricacion", "磁石", "磁铁", "磁体",
                       "製造", "生产", "制造"),
    "supplier_country": ("supplier", "vendor", "lieferant", "lieferanten", "fournisseur", "proveedor", "仕入先",
                         "供应商"),
}
_SUPPLIER_QUALIFIERS = frozenset({"supplier", "vendor", "lieferant", "lieferanten", "fournisseur", "proveedor",
                                  "仕入先", "供应商", "manufacturer", "hersteller"})


# ---------------------------------------------------------------------------------------------------------------
# Headers

@dataclass(frozen=True)
class HeaderInfo:
    """A header cell taken apart: its words without units, and the units it names."""

    text: str
    core: str
    """Folded words without unit, currency and percent words, e.g. "magnet weight"."""
    folded: str = ""
    """All folded words, units included, e.g. "magnet weight kg"."""
    mass_unit: str = ""
    time_unit: str = ""
    percent: bool = False
    currency: bool = False
    per_unit: bool = False
    """The header names a price or rate per mass or per piece ("EUR/kg"): its unit is not the column's unit."""


_PER_UNIT = re.compile(
    r"(?:/|\bper\b|\bpro\b|\bje\b|\bpar\b|\bpor\b)\s*(?:kg|g|lb|t|pc|pcs|piece|unit|stk|stuck)\b"
)
_TRAILING_CONNECTORS = frozenset({"in", "en", "per", "pro", "je", "par", "por", "of", "de", "im"})


@cache
def parse_header(text: str) -> HeaderInfo:
    """Split a header into its words and units: "Masse (kg)" → core "masse", mass_unit "kg"."""
    folded = fold(text)
    per_unit = bool(_PER_UNIT.search(folded) or _PER_UNIT.search(text.casefold()))
    tokens = folded.split()
    core: list[str] = []
    mass_unit = time_unit = ""
    percent = currency = False
    for token in tokens:
        mass = mass_unit_word(token)
        when = time_unit_word(token)
        if mass and len(tokens) > 1:
            mass_unit = mass_unit or mass
        elif is_percent_word(token):
            percent = True
        elif is_currency_word(token):
            currency = True
        elif when and len(tokens) > 1:
            time_unit = time_unit or when
        else:
            core.append(token)
    while core and core[-1] in _TRAILING_CONNECTORS:
        core.pop()
    if per_unit:
        mass_unit = ""
    return HeaderInfo(text, " ".join(core), folded, mass_unit, time_unit, percent, currency, per_unit)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One field a column could be, how sure, and why."""

    field: str
    confidence: float
    reason: str


def _is_cjk(text: str) -> bool:
    return any(ord(ch) > 0x2E80 for ch in text)


_Exact = dict[str, list[tuple[str, str, str]]]
_ByFirst = dict[str, list[tuple[tuple[str, ...], str, str, str]]]
_Cjk = list[tuple[str, str, str, str]]


@cache
def _synonym_index() -> tuple[_Exact, _ByFirst, _Cjk]:
    """(exact: folded → [(field, lang, original)], by first token → [(tokens, field, lang, original)], CJK list)."""
    exact: dict[str, list[tuple[str, str, str]]] = {}
    by_first: dict[str, list[tuple[tuple[str, ...], str, str, str]]] = {}
    cjk: list[tuple[str, str, str, str]] = []
    for spec in TEMPLATE_FIELDS:
        for lang, words in spec.synonyms.items():
            for word in words:
                key = fold(word)
                exact.setdefault(key, []).append((spec.name, lang, word))
                if _is_cjk(key):
                    cjk.append((key.replace(" ", ""), spec.name, lang, word))
                else:
                    tokens = tuple(key.split())
                    by_first.setdefault(tokens[0], []).append((tokens, spec.name, lang, word))
    return exact, by_first, cjk


@cache
def _element_words() -> dict[str, tuple[str, str]]:
    """Folded element word → (symbol, language) for symbols and names in six languages."""
    words: dict[str, tuple[str, str]] = {}
    for element in ELEMENTS:
        words[fold(element.name)] = (element.symbol, "en")
        words.setdefault(element.symbol.lower(), (element.symbol, "symbol"))
    words["aluminum"] = ("Al", "en")
    for symbol, names in _ELEMENT_NAMES.items():
        for lang, items in names.items():
            for name in items:
                words.setdefault(fold(name), (symbol, lang))
    return words


@cache
def _oxide_words() -> dict[str, str]:
    return {fold(f).replace(" ", ""): f for f in oxide_formulas()}


_SYMBOL_ALONE = frozenset({"Nd", "Pr", "Dy", "Tb", "Sm", "Gd", "Ce", "La", "Ho", "Co", "Er", "Eu", "Yb", "Lu", "Tm"})


def _composition_candidate(info: HeaderInfo) -> Candidate | None:
    tokens = info.core.split()
    if not tokens and not info.percent:
        return None
    oxides = _oxide_words()
    words = _element_words()
    rest_ok = info.percent
    target: tuple[str, str, str] | None = None  # (field, element/oxide text, kind)
    others: list[str] = []
    for token in tokens:
        compact = token.replace(" ", "")
        if compact in oxides and target is None:
            formula = oxides[compact]
            target = (f"{formula.lower()}_pct", formula, "oxide")
            continue
        if token in words and target is None:
            symbol, lang = words[token]
            target = (composition_column(symbol), symbol if lang == "symbol" else token, "element")
            continue
        split = _split_compound(token, words)
        if split is not None and target is None:
            symbol = split
            target = (composition_column(symbol), token, "element")
            rest_ok = True
            continue
        if token in _CONTENT_TOKENS:
            rest_ok = True
            continue
        if token in _CONNECTORS:
            continue
        others.append(token)
    if target is None:
        if _is_cjk(info.core):
            return _cjk_composition(info)
        return None
    if others:
        return None
    field_name, what, kind = target
    symbol = FIELDS[field_name].element
    if kind == "oxide":
        return Candidate(field_name, 0.95 if rest_ok else 0.85, f"oxide {what} content in header")
    if rest_ok:
        return Candidate(field_name, 0.95, f"element {what} with a content or % word")
    if len(what) > 2:
        return Candidate(field_name, 0.85, f"element name {what!r}")
    if symbol in _SYMBOL_ALONE:
        return Candidate(field_name, 0.75, f"element symbol {symbol} alone")
    return None


def _split_compound(token: str, words: Mapping[str, tuple[str, str]]) -> str | None:
    """German compounds such as "dysprosiumgehalt" → "Dy"."""
    for suffix in ("gehalt", "anteil", "massenanteil"):
        if token.endswith(suffix) and token[: -len(suffix)] in words:
            stem = token[: -len(suffix)]
            symbol, lang = words[stem]
            if lang != "symbol" or len(stem) == 2:
                return symbol
    return None


def _cjk_composition(info: HeaderInfo) -> Candidate | None:
    compact = info.core.replace(" ", "")
    for symbol, names in _ELEMENT_NAMES.items():
        for lang in ("ja", "zh"):
            for name in names.get(lang, ()):
                if compact.startswith(name):
                    rest = compact[len(name):]
                    if not rest and len(name) > 1:
                        return Candidate(composition_column(symbol), 0.85, f"element name {name}")
                    if rest in ("含有量", "含有率", "含量", "比例", "占比") or (not rest and info.percent):
                        return Candidate(composition_column(symbol), 0.95, f"element {name} with a content word")
    return None


def _country_candidate(info: HeaderInfo) -> Candidate | None:
    """A country header qualified by a stage: "Country of origin (mine)", "Magnet maker country", "Abbau-Land"."""
    core = info.core
    tokens = core.split()
    compact = core.replace(" ", "")
    has_country = any(t in _COUNTRY_WORDS for t in tokens) or any(w in compact for w in _COUNTRY_WORDS if _is_cjk(w))
    if not has_country:
        return None
    found: list[tuple[int, str, str]] = []
    for field_name, words in _STAGE_WORDS.items():
        for word in words:
            if _is_cjk(word):
                position = compact.find(word)
                if position >= 0:
                    found.append((position, field_name, word))
            elif word in tokens:
                found.append((tokens.index(word) * 100, field_name, word))
    fields = {f for _, f, _ in found}
    if len(fields) == 1:
        _, field_name, word = found[0]
        return Candidate(field_name, 0.9, f"country with stage word {word!r}")
    return None


def header_candidates(text: str) -> list[Candidate]:
    """Every field a header could name, best first (at most one candidate per field)."""
    raw = text.strip()
    if not raw:
        return []
    lowered = raw.lower()
    if lowered in FIELDS:
        return [Candidate(lowered, 1.0, "template header")]
    info = parse_header(raw)
    exact, by_first, cjk = _synonym_index()
    found: dict[str, Candidate] = {}

    def offer(candidate: Candidate) -> None:
        held = found.get(candidate.field)
        if held is None or candidate.confidence > held.confidence:
            found[candidate.field] = candidate

    core = info.core
    composition = _composition_candidate(info)
    if composition is not None:
        offer(composition)
    country = _country_candidate(info)
    if country is not None:
        offer(country)
    keys = [k for k in dict.fromkeys((info.folded, core)) if k]
    for key in keys:
        for field_name, lang, word in exact.get(key, ()):
            offer(Candidate(field_name, _WEAK.get(key, 0.95), f"synonym {word!r} ({lang})"))
        for field_name, confidence in _ALSO.get(key, ()):
            offer(Candidate(field_name, confidence, f"synonym {exact[key][0][2]!r} also fits"))
    if not any(k in exact for k in keys):
        for key in keys:
            tokens = key.split()
            for start, token in enumerate(tokens):
                for syn_tokens, field_name, lang, word in by_first.get(token, ()):
                    if tuple(tokens[start:start + len(syn_tokens)]) == syn_tokens:
                        offer(_partial(field_name, lang, word, len(" ".join(syn_tokens)), len(key), tokens))
            if _is_cjk(key):
                compact = key.replace(" ", "")
                for syn, field_name, lang, word in cjk:
                    if syn in compact:
                        offer(_partial(field_name, lang, word, len(syn), len(compact), tokens))
    if not core and info.mass_unit:
        offer(Candidate("magnet_mass_g", 0.7, f"unit {info.mass_unit} in header"))
    if not core and info.percent:
        offer(Candidate("share_pct", 0.7, "a % column"))
    if info.per_unit:
        found.pop("magnet_mass_g", None)
        found.pop("annual_units", None)
    return sorted(found.values(), key=lambda c: -c.confidence)


def _partial(field_name: str, lang: str, word: str, matched: int, total: int, tokens: Sequence[str]) -> Candidate:
    confidence = 0.6 + 0.3 * min(1.0, matched / max(total, 1))
    if field_name == "part_number" and any(t in _SUPPLIER_QUALIFIERS for t in tokens):
        confidence -= 0.2
    return Candidate(field_name, round(min(confidence, 0.9), 3), f"contains synonym {word!r} ({lang})")


def header_score(text: str) -> float:
    """How much a cell looks like a RiskDesk header (best candidate's confidence; 0 when none)."""
    if not text or len(text) > 80:
        return 0.0
    candidates = header_candidates(text)
    return candidates[0].confidence if candidates else 0.0


# ---------------------------------------------------------------------------------------------------------------
# What a column holds

@dataclass
class ContentProfile:
    """What a column's values look like, measured on its distinct non-blank values."""

    filled: int = 0
    """Rows with a value."""
    distinct: int = 0
    numbers: float = 0.0
    """Share of distinct values that are numbers (with or without unit)."""
    percent_signs: float = 0.0
    mass_units: float = 0.0
    countries: float = 0.0
    enums: dict[str, float] = field(default_factory=dict)
    """Field name → share of distinct values that are one of the field's enum values."""
    grades: float = 0.0
    codes: float = 0.0
    """Share of distinct values shaped like part or supplier codes (letters and digits, no spaces)."""
    digit_codes: float = 0.0
    """Share of distinct values that are long digit codes (ERP material and vendor numbers: whole numbers of five
    or more digits, or digit strings with leading zeros)."""
    integers: float = 0.0
    """Share of distinct numeric values that are whole numbers."""
    max_number: float = 0.0

    @property
    def unique_ratio(self) -> float:
        return self.distinct / self.filled if self.filled else 0.0


def _adjust_for_content(field_name: str, candidate: Candidate, profile: ContentProfile | None) -> Candidate:
    """A header's candidate adjusted by what the column holds: values that agree raise it (a weak header whose
    values clearly fit — part-number-like codes, quantities — becomes confident: the contents vote), values
    that contradict it lower it."""
    if profile is None or profile.filled == 0 or candidate.confidence >= 1.0:
        return candidate
    spec = FIELDS[field_name]
    rate: float | None = None
    what = ""
    codes = max(profile.codes, profile.digit_codes)
    if spec.kind is ReadAs.COUNTRY:
        rate, what = profile.countries, "countries"
    elif spec.kind is ReadAs.COUNT:
        rate, what = min(profile.numbers, profile.integers), "whole numbers"
    elif spec.kind in (ReadAs.MASS, ReadAs.MONEY, ReadAs.DAYS, ReadAs.SHARE, ReadAs.COMPOSITION):
        rate, what = profile.numbers, "numbers"
    elif spec.kind is ReadAs.ENUM:
        rate, what = profile.enums.get(field_name, 0.0), f"{field_name} values"
        if field_name == "magnet_family" and profile.grades > rate:
            return Candidate(field_name, round(candidate.confidence - 0.25, 3),
                             candidate.reason + f"; values look like grades ({profile.grades:.0%})")
    elif field_name == "supplier_name" and codes >= 0.9:
        return Candidate(field_name, round(candidate.confidence - 0.2, 3),
                         candidate.reason + f"; but values look like codes ({codes:.0%})")
    elif field_name == "part_number" or field_name == "supplier_id":
        # Whole numbers without a unit are identifiers too ("4711"), once the header says the column holds them.
        rate, what = max(codes, profile.numbers * profile.integers), "codes"
        if field_name == "part_number" and profile.unique_ratio < 0.3:
            rate = 0.0
    elif field_name == "grade":
        rate, what = profile.grades, "grades"
        if profile.enums.get("magnet_family", 0.0) > max(rate, 0.5):
            return Candidate(field_name, round(candidate.confidence - 0.25, 3),
                             candidate.reason + "; values look like magnet families")
    if rate is None:
        return candidate
    if rate >= 0.8:
        raised = candidate.confidence + 0.03
        if 0.6 <= candidate.confidence < CONFIDENT:
            raised = max(raised, CONFIDENT + 0.02)
        return Candidate(field_name, round(min(0.99, raised), 3),
                         candidate.reason + f"; values agree: {what} ({rate:.0%})")
    if rate < 0.3 and (spec.kind is not ReadAs.CODE or codes < 0.3):
        return Candidate(field_name, round(candidate.confidence - 0.3, 3),
                         candidate.reason + f"; but only {rate:.0%} of values look like {what}")
    return candidate


def content_candidates(profile: ContentProfile) -> list[Candidate]:
    """Fields a column could be judged by its values alone (always below `CONFIDENT`)."""
    if profile.filled == 0:
        return []
    found: list[Candidate] = []
    if profile.countries >= 0.8:
        reason = f"values look like countries ({profile.countries:.0%})"
        found += [Candidate("supplier_country", 0.6, reason), Candidate("magnet_country", 0.55, reason)]
    for field_name, rate in profile.enums.items():
        if rate >= 0.8:
            found.append(Candidate(field_name, 0.7, f"values are {field_name} values ({rate:.0%})"))
    if profile.grades >= 0.8:
        found.append(Candidate("grade", 0.7, f"values look like magnet grades ({profile.grades:.0%})"))
    if profile.numbers >= 0.9:
        if profile.mass_units >= 0.8:
            found.append(Candidate("magnet_mass_g", 0.7, f"values carry mass units ({profile.mass_units:.0%})"))
        elif profile.percent_signs >= 0.8:
            found.append(Candidate("share_pct", 0.5, f"values carry % signs ({profile.percent_signs:.0%})"))
    elif profile.codes >= 0.9 and not found:
        if profile.unique_ratio >= 0.3:
            found.append(Candidate("part_number", 0.55, f"values look like part numbers ({profile.codes:.0%})"))
        else:
            found.append(Candidate("supplier_id", 0.45, f"values look like codes ({profile.codes:.0%})"))
    return sorted(found, key=lambda c: -c.confidence)


# ---------------------------------------------------------------------------------------------------------------
# Mappings

@dataclass
class ColumnChoice:
    """What one column of a file is read as."""

    header: str
    field: str | None
    confidence: float
    reason: str
    unit: str = ""
    """Forces how values are read: a mass unit ("g", "kg", "lb", "oz", "mg"), "percent" or "fraction" for
    shares and compositions, or "" to decide from the header and the values."""
    alternatives: list[str] = dataclasses.field(default_factory=list)  # `field` alone names the attribute above
    """Other fields this column could be, best first (for a picker)."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"header": self.header, "field": self.field,
                                "confidence": round(self.confidence, 3), "reason": self.reason}
        if self.unit:
            data["unit"] = self.unit
        if self.alternatives:
            data["alternatives"] = list(self.alternatives)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ColumnChoice:
        field_name = data.get("field")
        return cls(
            header=str(data.get("header", "")),
            field=str(field_name) if field_name not in (None, "") else None,
            confidence=float(data.get("confidence", 1.0)),
            reason=str(data.get("reason", "given mapping")),
            unit=str(data.get("unit", "") or ""),
            alternatives=[str(a) for a in data.get("alternatives", [])],
        )


@dataclass
class SheetMapping:
    """How one sheet of one file maps onto RiskDesk's fields."""

    file: str
    sheet: str
    header_row: int
    """1-based row of the (first) header row, as the user sees it."""
    columns: list[ColumnChoice]
    signature: str
    """Stable hash of the normalised header layout: files of the same layout share it."""
    unmapped: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    """Headers of columns that claim a field another column holds about as well."""
    rules: list[str] = field(default_factory=list)
    """How values were read, e.g. "column 'Dy %' read as percent: values 0–100"."""
    header_rows: int = 1
    """How many rows the header spans (two for a group row above sub-headers)."""
    defaults: dict[str, str] = field(default_factory=dict)
    """Field → value (as the user typed it) for fields the file lacks or leaves blank; saved with the mapping so
    that the next file of this layout gets the same defaults."""
    remembered_from: str = ""
    """The file a saved mapping was last used for, when this mapping is that saved one (not written to JSON)."""
    remembered: frozenset[str] = frozenset()
    """The fields of `defaults` that come from the saved mapping, not from this import (not written to JSON): a
    supplier's name remembered from another file of the same layout may not be this file's supplier."""

    def field_of(self, header: str) -> str | None:
        for choice in self.columns:
            if choice.header == header:
                return choice.field
        return None

    def mapped(self) -> dict[str, ColumnChoice]:
        """Field → the column chosen for it."""
        return {c.field: c for c in self.columns if c.field}

    def covered(self, group: tuple[str, ...]) -> bool:
        """Whether a required group is given: a column, a default, or (for the magnet family) something the
        family can be inferred from (element contents or a description)."""
        fields = self.mapped()
        if any(f in fields or self.defaults.get(f) for f in group):
            return True
        return "magnet_family" in group and any(f in fields for f in FAMILY_HINT_FIELDS)

    def missing_required(self) -> list[tuple[str, ...]]:
        return [group for group in REQUIRED_GROUPS if not self.covered(group)]

    def ambiguous_fields(self) -> set[str]:
        contested = set()
        for choice in self.columns:
            if choice.field is None and choice.header in self.ambiguous and choice.alternatives:
                contested.add(choice.alternatives[0])
        return contested

    def is_confident(self) -> bool:
        """Every required field mapped at `CONFIDENT` or better (or given by a default, or for the family
        inferable), and none of them contested."""
        fields = self.mapped()
        for group in REQUIRED_GROUPS:
            chosen = [fields[f] for f in group if f in fields]
            if chosen and max(c.confidence for c in chosen) >= CONFIDENT:
                continue
            if any(self.defaults.get(f) for f in group):
                continue
            hints = [fields[f] for f in FAMILY_HINT_FIELDS if f in fields]
            if "magnet_family" in group and not chosen and hints and max(c.confidence for c in hints) >= CONFIDENT:
                continue
            return False
        return not (self.ambiguous_fields() & REQUIRED_FIELDS)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MAPPING_FORMAT,
            "version": MAPPING_VERSION,
            "file": self.file,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "header_rows": self.header_rows,
            "signature": self.signature,
            "columns": [c.to_json() for c in self.columns],
            "unmapped": list(self.unmapped),
            "ambiguous": list(self.ambiguous),
            "rules": list(self.rules),
            "defaults": dict(self.defaults),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SheetMapping:
        """A mapping from `to_json` output, or from the short form {"columns": {"header": "field", …}}."""
        columns_data = data.get("columns", [])
        if isinstance(columns_data, Mapping):
            columns = [ColumnChoice(str(h), str(f) if f else None, 1.0, "given mapping")
                       for h, f in columns_data.items()]
        else:
            columns = [ColumnChoice.from_json(c) for c in columns_data if isinstance(c, Mapping)]
        return cls(
            file=str(data.get("file", "")),
            sheet=str(data.get("sheet", "")),
            header_row=int(data.get("header_row", 0) or 0),
            columns=columns,
            signature=str(data.get("signature", "")),
            unmapped=[str(u) for u in data.get("unmapped", [])],
            ambiguous=[str(a) for a in data.get("ambiguous", [])],
            rules=[str(r) for r in data.get("rules", [])],
            header_rows=int(data.get("header_rows", 1) or 1),
            defaults={str(k): str(v) for k, v in dict(data.get("defaults", {}) or {}).items()},
        )


def check_mapping_json(data: Mapping[str, Any]) -> list[str]:
    """What is wrong with a mapping given as JSON (unknown fields, a field used twice); empty when fine."""
    issues: list[str] = []
    try:
        mapping = SheetMapping.from_json(data)
    except (TypeError, ValueError, AttributeError) as exc:
        return [f"it cannot be read ({exc})"]
    seen: dict[str, str] = {}
    for choice in mapping.columns:
        if choice.field is None:
            continue
        if choice.field not in FIELDS:
            issues.append(f"column {quoted(choice.header)}: {choice.field!r} is not a RiskDesk field")
        elif choice.field in seen:
            issues.append(f"columns {quoted(seen[choice.field])} and {quoted(choice.header)} are both mapped to "
                          f"{choice.field}")
        else:
            seen[choice.field] = choice.header
        if choice.unit and choice.unit not in ("g", "kg", "lb", "oz", "mg", "percent", "fraction"):
            issues.append(f"column {quoted(choice.header)}: unit {choice.unit!r} is not g, kg, lb, oz, mg, percent or "
                          "fraction")
    for name in mapping.defaults:
        if name not in DEFAULTABLE_FIELDS:
            issues.append(f"default for {name!r}: only {', '.join(DEFAULTABLE_FIELDS)} take a default")
    return issues


def layout_signature(headers: Iterable[str]) -> str:
    """Stable 16-hex-digit hash of a header layout (folded header texts in order)."""
    text = "\x1f".join(fold(h) for h in headers)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def normalised_header(text: str) -> str:
    """How headers are compared between a saved mapping and a file."""
    return " ".join(text.split()).casefold()


def propose_columns(headers: Sequence[str], profiles: Sequence[ContentProfile | None]
                    ) -> tuple[list[ColumnChoice], list[str], list[str]]:
    """A column choice per header, the unmapped headers and the ambiguous ones.

    Each column gets its candidates from its header (adjusted by what it holds) or, failing that, from its
    content. Fields are then handed out best confidence first; a column that loses its field to one that is
    not clearly better is *ambiguous* unless it finds another field of its own.
    """
    ranked: list[list[Candidate]] = []
    for header, profile in zip(headers, profiles, strict=True):
        candidates = [_adjust_for_content(c.field, c, profile) for c in header_candidates(header)]
        if not candidates or max(c.confidence for c in candidates) < 0.6:
            known = {c.field for c in candidates}
            candidates += [c for c in content_candidates(profile or ContentProfile()) if c.field not in known]
        candidates = sorted((c for c in candidates if c.confidence >= 0.4), key=lambda c: -c.confidence)
        ranked.append(candidates)

    holder: dict[str, tuple[int, float]] = {}
    chosen: dict[int, Candidate] = {}
    contested: dict[int, tuple[str, int]] = {}
    queue = sorted(((-c.confidence, i, rank) for i, cands in enumerate(ranked) for rank, c in enumerate(cands)))
    for _, column, rank in queue:
        if column in chosen:
            continue
        candidate = ranked[column][rank]
        held = holder.get(candidate.field)
        if held is None:
            holder[candidate.field] = (column, candidate.confidence)
            chosen[column] = candidate
            contested.pop(column, None)
        elif held[1] - candidate.confidence < CLEARLY_BETTER and column not in contested:
            contested[column] = (candidate.field, held[0])

    choices: list[ColumnChoice] = []
    unmapped: list[str] = []
    ambiguous: list[str] = []
    for column, header in enumerate(headers):
        candidates = ranked[column]
        if column in chosen:
            pick = chosen[column]
            others = [c.field for c in candidates if c.field != pick.field]
            choices.append(ColumnChoice(header, pick.field, pick.confidence, pick.reason, alternatives=others))
        elif column in contested:
            field_name, winner = contested[column]
            others = [field_name] + [c.field for c in candidates if c.field != field_name]
            choices.append(ColumnChoice(header, None, 0.0,
                                        f"also looks like {field_name}, which {headers[winner]!r} has",
                                        alternatives=others))
            ambiguous.append(header)
            if headers[winner] not in ambiguous:
                ambiguous.append(headers[winner])
        else:
            reason = "no field matches the header or the values"
            choices.append(ColumnChoice(header, None, 0.0, reason, alternatives=[c.field for c in candidates]))
            unmapped.append(header)
    return choices, unmapped, ambiguous


def synonym_table_markdown() -> str:
    """The synonym list of every field per language, as Markdown (docs/import.md embeds it verbatim)."""
    lines = ["| field | language | header words (case, accents and punctuation do not matter) |", "|---|---|---|"]
    for spec in TEMPLATE_FIELDS:
        for lang, words in spec.synonyms.items():
            lines.append(f"| `{spec.name}` | {LANGUAGES[lang]} | {', '.join(words)} |")
    lines.append("")
    lines.append("Composition columns: `<symbol>_pct` (e.g. `dy_pct`), or an element symbol or name followed or "
                 "preceded by a content word, or an oxide formula (then converted to the element by "
                 "stoichiometry). Content words:")
    lines.append("")
    for lang, words in _CONTENT_WORDS.items():
        lines.append(f"- {LANGUAGES[lang]}: {', '.join(words)}")
    lines.append("")
    lines.append("Element names besides English and the symbol:")
    lines.append("")
    for symbol, names in _ELEMENT_NAMES.items():
        spelled = "; ".join(f"{LANGUAGES[lang]} {', '.join(items)}" for lang, items in names.items())
        lines.append(f"- {symbol} ({BY_SYMBOL[symbol].name}): {spelled}")
    lines.append("")
    lines.append(f"Oxides: {', '.join(oxide_formulas())}. Element symbols RiskDesk knows: {', '.join(SYMBOLS)}.")
    lines.append("")
    lines.append("Values of `end_use`, `magnet_family` and `origin_evidence`: the value itself in any case and "
                 "spacing, or one of these words:")
    lines.append("")
    lines.append("| field | value | also accepted |")
    lines.append("|---|---|---|")
    stage_evidence: list[str] = []
    for spec in TEMPLATE_FIELDS:
        if spec.enum is None:
            continue
        if spec.name in STAGE_EVIDENCE_COLUMNS:  # the values of origin_evidence: said once, below
            stage_evidence.append(spec.name)
            continue
        accepted: dict[str, list[str]] = {}
        for word, member in enum_words(spec.enum).items():
            accepted.setdefault(member.value, []).append(word)
        for member in spec.enum:
            lines.append(f"| `{spec.name}` | {member.value} | {', '.join(accepted.get(member.value, [])) or '–'} |")
    if stage_evidence:
        lines.append("")
        lines.append(f"{', '.join(f'`{name}`' for name in stage_evidence)} take the values of `origin_evidence` "
                     "(empty: as the path's `origin_evidence`).")
    return "\n".join(lines)

