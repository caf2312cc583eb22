"""The field catalogue: every column of a project's tables declared once, in the buyer's words.

Each `Field` says what the column is (table, kind, label, help), what it holds (number kind and plausible range,
enum, required, the value a blank means, the value of a new row) and how it is shown (decimals, Excel number
format, the text of an empty cell). Everything else derives from here: the tables' column tuples and dtypes
(`riskdesk.core.domain`), the project file's columns, the window's columns, the importer's fields, the import
template, the report's number formats and, later, the SQL tables and the supplier request workbooks. A value
typed in the window or given on the command line is read by one function, `parse_value`.

The project settings (`riskdesk.core.project.ProjectSettings`) are declared beside them in `SETTINGS`: label, help
and plausible range, for the settings view, the Undo texts, the report and the project file.

Kept free of numpy and pandas: the first window reads it before the data layer has loaded.

How to add a field: append a `Field` to `FIELDS` in its table's place (the order is the order users see them),
give it a label and a help text a buyer understands, and add import synonyms in `riskdesk.io.mapping`. Stored
tables gain a column: add a migration to the project file (`riskdesk.io.store.project_file.MIGRATIONS`, and the
schema's `_added_since` for the quick preview) and to the team workspace (`riskdesk.io.store.postgres.MIGRATIONS`
and its `_added_since`), as `mine_evidence` … did at file schema 8 and workspace schema 2.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from riskdesk.core import elements
from riskdesk.core.cells import clean_id
from riskdesk.core.numbers import Limit, NumberKind, read_number
from riskdesk.core.vocabulary import EndUse, Evidence, Feedstock, MagnetFamily, Stage, YesNo, parse_enum

TABLES: tuple[str, ...] = ("parts", "suppliers", "paths", "composition")
"""The project's tables, as `riskdesk.core.project.ProjectTables` names them."""

ROW_ID = "row_id"
"""Every row of every table has one: a random id kept across saves, undo, imports and exports, which edits,
merges, history and supplier answers refer to (a part number can be renamed; a supply path has no key)."""
SUPPLIER_DEFAULTS: frozenset[str] = frozenset({"supplier_id", "supplier_name", "supplier_country", "general_licence"})
"""Import defaults that say who the supplier is: one remembered from another file of the same column layout may not
be this file's supplier (two suppliers may send the same template), so the import says where it came from."""


class FieldKind(StrEnum):
    """How a field's values are parsed, checked and shown."""

    ID = "id"
    """The row's identity (`ROW_ID`): never shown or typed."""
    KEY = "key"
    """Text that identifies the row for the buyer; not empty, unique in its table."""
    TEXT = "text"
    PART_REF = "part_ref"
    SUPPLIER_REF = "supplier_ref"
    NUMBER = "number"
    SHARE = "share"
    """A percentage between 0 and 100."""
    ENUM = "enum"
    COUNTRY = "country"
    ELEMENT = "element"
    """An element symbol (composition overrides)."""

    @property
    def numeric(self) -> bool:
        return self in (FieldKind.NUMBER, FieldKind.SHARE)

    @property
    def identifier(self) -> bool:
        """Text that names a row (its own or another table's): invisible characters are removed from it, so that
        two ids that look the same are the same."""
        return self in (FieldKind.ID, FieldKind.KEY, FieldKind.PART_REF, FieldKind.SUPPLIER_REF)


@dataclass(frozen=True, slots=True)
class Field:
    """One column of one table (see the module docstring)."""

    key: str
    table: str
    kind: FieldKind
    label: str
    """The header the buyer sees ("Magnet g/unit")."""
    help: str
    """What the field means and how to fill it, in one wording for the window, the template and the report."""
    number: NumberKind | None = None
    """For numbers: the units a typed or imported value may carry ("1.5 kg" in a mass field is 1500 g)."""
    limit: Limit | None = None
    """For numbers: the plausible range, checked wherever a value enters."""
    enum: type[StrEnum] | None = None
    required: bool = False
    """A row of its table cannot be without it (in the window; the importer's required groups are in io/mapping)."""
    blank: Any = ""
    """What an empty value means when a project is scored or imported ("other" end use, "unknown" evidence); NaN
    for numbers."""
    new_row: Any = ""
    """The value a row added in the window starts with."""
    decimals: int = 3
    """Most decimals shown (trailing zeros dropped unless `fixed`)."""
    fixed: bool = False
    blank_text: str = ""
    """Shown, greyed, for an empty cell ("unknown" for a stage country nobody declared)."""
    allowed: str = ""
    """What the import template says a cell may hold."""
    example: str = ""
    """An example value for the import template."""

    @property
    def numeric(self) -> bool:
        return self.kind.numeric

    @property
    def number_format(self) -> str:
        """The Excel number format of the field's cells, from its decimals ("#,##0.0", "0.###")."""
        if not self.numeric:
            return "@"
        if self.kind is FieldKind.SHARE:
            return "0." + "#" * self.decimals if self.decimals else "0"
        digits = ("0" if self.fixed else "#") * self.decimals
        return "#,##0" + (f".{digits}" if digits else "")

    def choices(self) -> list[str]:
        return [member.value for member in self.enum] if self.enum else []

    def format(self, value: Any) -> str:
        """The value as the window and the command line show it ("" for a blank number)."""
        if self.numeric:
            number = float(value) if value is not None and value != "" else math.nan
            if math.isnan(number):
                return ""
            text = f"{number:,.{self.decimals}f}"
            if not self.fixed and "." in text:
                text = text.rstrip("0").rstrip(".")
            return text
        return "" if value is None else str(value)


_COUNTRY_HINT = "Type an ISO code or a name, e.g. CN, China, PRC, Burma."
_STAGE_HINT = " Leave empty when nobody knows: unknown origin is scored as a risk."
_COUNTRY_ALLOWED = "ISO alpha-2/alpha-3 code or a country name in any common form; empty or 'unknown' = unknown"
_NAN = math.nan

FIELDS: tuple[Field, ...] = (
    # ---- parts
    Field(ROW_ID, "parts", FieldKind.ID, "Row id", "The part's identity in this project (never shown)."),
    Field("part_number", "parts", FieldKind.KEY, "Part number",
          "Your part number (the BOM line); unique in the project, repeated on every supply path of the part.",
          required=True, allowed="text", example="MTR-4471"),
    Field("description", "parts", FieldKind.TEXT, "Description", "What the part is.", allowed="text",
          example="Traction motor rotor magnet set"),
    Field("end_use", "parts", FieldKind.ENUM, "End use",
          "What the part goes into; decides which rules concern it (e.g. DFARS for defence).", enum=EndUse,
          required=True, blank=EndUse.OTHER.value, new_row=EndUse.OTHER.value,
          allowed="defence, automotive, wind, industrial, electronics, other (empty = other)", example="automotive"),
    Field("magnet_family", "parts", FieldKind.ENUM, "Magnet family",
          "The kind of magnet; decides its default composition (taken from the grade when left empty).",
          enum=MagnetFamily, required=True, new_row=MagnetFamily.NDFEB_SINTERED.value,
          allowed="NdFeB-sintered, NdFeB-bonded, SmCo5, Sm2Co17, ferrite, AlNiCo, other", example="NdFeB-sintered"),
    Field("grade", "parts", FieldKind.TEXT, "Grade",
          "Magnet grade such as N42SH or Sm2Co17, as the supplier names it; refines the composition.",
          allowed="text", example="N42SH"),
    Field("magnet_mass_g", "parts", FieldKind.NUMBER, "Magnet g/unit",
          "Magnet mass per unit of the part, in grams (type 1.5 kg, 0.2 lb … to convert).", number=NumberKind.MASS,
          limit=Limit(0.0, 10_000_000.0, "g"), required=True, blank=_NAN, new_row=0.0,
          allowed="number; grams unless the header or cell says kg, lb, oz or mg", example="212.5"),
    Field("annual_units", "parts", FieldKind.NUMBER, "Units/year", "How many units of the part you buy in a year.",
          number=NumberKind.COUNT, limit=Limit(0.0, 10_000_000_000.0, "units"), required=True, blank=_NAN,
          new_row=0.0, decimals=0, allowed="number", example="48000"),
    Field("unit_price", "parts", FieldKind.NUMBER, "Unit price",
          "Price you pay per unit of the part (any currency; used for the value at risk).", number=NumberKind.MONEY,
          limit=Limit(0.0, 1_000_000_000.0), blank=_NAN, new_row=_NAN, decimals=2, fixed=True, allowed="number",
          example="18.40"),
    Field("stock_days", "parts", FieldKind.NUMBER, "Stock days",
          "Days of production covered by stock on hand (type 2 weeks, 1 month … to convert).",
          number=NumberKind.DAYS, limit=Limit(0.0, 36_500.0, "days"), blank=_NAN, new_row=_NAN, decimals=1,
          allowed="number of days (weeks or months in the header are converted)", example="30"),
    Field("dfars", "parts", FieldKind.ENUM, "DFARS",
          "Is the part delivered into US defence contracts, so that DFARS 252.225-7052 binds it? yes / no; blank: "
          "the project setting decides for defence parts.", enum=YesNo, blank_text="project setting",
          allowed="yes, no (empty = the project setting decides for defence parts)", example="yes"),
    # ---- suppliers
    Field(ROW_ID, "suppliers", FieldKind.ID, "Row id", "The supplier's identity in this project (never shown)."),
    Field("supplier_id", "suppliers", FieldKind.KEY, "Supplier ID",
          "Your identifier for the supplier; unique (derived from the name when an import leaves it empty).",
          required=True, allowed="text", example="SUP-017"),
    Field("supplier_name", "suppliers", FieldKind.TEXT, "Supplier name", "The supplier's name.", allowed="text",
          example="Ningbo Magnet Co., Ltd."),
    Field("supplier_country", "suppliers", FieldKind.COUNTRY, "Supplier country",
          "Where the supplier makes the parts it delivers (for DFARS end items and tariffs on the part). "
          + _COUNTRY_HINT, allowed=_COUNTRY_ALLOWED, example="CN"),
    Field("general_licence", "suppliers", FieldKind.ENUM, "China general licence",
          "yes: the supplier holds a Chinese general export licence that names your company (reported for some "
          "magnet makers since December 2025); it halves the weight of China's magnet-export licence on its "
          "paths. Blank or no: it does not.", enum=YesNo, allowed="yes, no (empty = no)", example="no"),
    # ---- supply paths
    Field(ROW_ID, "paths", FieldKind.ID, "Row id", "The supply path's identity in this project (never shown)."),
    Field("part_number", "paths", FieldKind.PART_REF, "Part number",
          "The part this supply path delivers (from Parts).", required=True, allowed="text", example="MTR-4471"),
    Field("supplier_id", "paths", FieldKind.SUPPLIER_REF, "Supplier ID",
          "The supplier on this path (from Suppliers).", required=True, allowed="text", example="SUP-017"),
    Field("share_pct", "paths", FieldKind.SHARE, "Share %",
          "Share of the part's volume on this path, 0–100; a part's paths add up to 100.",
          number=NumberKind.PERCENT, limit=Limit(0.0, 100.0, "%"), required=True, blank=_NAN, new_row=0.0,
          decimals=2, allowed="0–100 (3.5, '3.5 %', '3,5 %' or 0.035 all work); empty = split equally",
          example="60"),
    Field("mine_country", "paths", FieldKind.COUNTRY, "Mine country",
          "Country where the rare-earth ore was mined; for recycled feedstock, the country where the material was "
          "recycled ('US (recycled)' also sets the feedstock). " + _COUNTRY_HINT + _STAGE_HINT, blank_text="unknown",
          allowed=_COUNTRY_ALLOWED + "; 'US (recycled)' or 'recycled in US' = recycled in that country",
          example="AU"),
    Field("feedstock", "paths", FieldKind.ENUM, "Feedstock",
          "Where the rare earths on this path start: mined (ore from a mine) or recycled (recovered from magnet "
          "scrap or used magnets). For recycled, the mine country is the country where the material was recycled: "
          "DFARS and China's rules then treat that country as where it was mined. Blank: mined.", enum=Feedstock,
          blank=Feedstock.MINED.value, blank_text="mined",
          allowed="mined, recycled (empty = mined; a mine country such as 'US (recycled)' also gives recycled)",
          example="mined"),
    Field("separation_country", "paths", FieldKind.COUNTRY, "Separation country",
          "Country where rare earths are separated and refined into oxides. " + _COUNTRY_HINT + _STAGE_HINT,
          blank_text="unknown", allowed=_COUNTRY_ALLOWED, example="MY"),
    Field("metal_country", "paths", FieldKind.COUNTRY, "Metal/alloy country",
          "Country where metal or alloy is made. " + _COUNTRY_HINT + _STAGE_HINT, blank_text="unknown",
          allowed=_COUNTRY_ALLOWED, example="JP"),
    Field("magnet_country", "paths", FieldKind.COUNTRY, "Magnet country",
          "Country where the magnet is made (its customs origin). " + _COUNTRY_HINT + _STAGE_HINT,
          blank_text="unknown", allowed=_COUNTRY_ALLOWED, example="JP"),
    Field("origin_evidence", "paths", FieldKind.ENUM, "Evidence",
          "How the stage countries are known: verified (audited), declared by the supplier, inferred, or unknown. "
          "A stage known otherwise has its own evidence (Mine evidence, Separation evidence …).",
          enum=Evidence, required=True, blank=Evidence.UNKNOWN.value, new_row=Evidence.UNKNOWN.value,
          allowed="declared, verified, inferred, unknown (empty = declared when a stage country is given, else "
          "unknown)", example="declared"),
    *(Field(stage.evidence_column, "paths", FieldKind.ENUM, f"{label} evidence",
            f"How the {what} country is known, where it differs from the path's Evidence: verified (audited), "
            "declared by the supplier, inferred, or unknown. Empty: as the path's Evidence.",
            enum=Evidence, blank_text="as Evidence",
            allowed="declared, verified, inferred, unknown (empty = as the path's Evidence)", example=example)
      for stage, label, what, example in ((Stage.MINE, "Mine", "mine", ""),
                                          (Stage.SEPARATION, "Separation", "separation", ""),
                                          (Stage.METAL, "Metal/alloy", "metal/alloy", ""),
                                          (Stage.MAGNET, "Magnet", "magnet", "verified"))),
    # ---- composition overrides
    Field(ROW_ID, "composition", FieldKind.ID, "Row id", "The override's identity in this project (never shown)."),
    Field("part_number", "composition", FieldKind.PART_REF, "Part number", "The part whose composition this sets.",
          required=True),
    Field("element", "composition", FieldKind.ELEMENT, "Element", "The element, by its symbol (Dy, Tb, Nd …).",
          required=True),
    Field("wt_pct", "composition", FieldKind.SHARE, "wt %",
          "The element's share of the magnet's weight, overriding the grade's default composition.",
          number=NumberKind.PERCENT, limit=Limit(0.0, 100.0, "%"), required=True, blank=_NAN, new_row=0.0),
)

_BY_TABLE: Mapping[str, tuple[Field, ...]] = MappingProxyType(
    {table: tuple(f for f in FIELDS if f.table == table) for table in TABLES})


def table_fields(table: str, *, with_id: bool = True) -> tuple[Field, ...]:
    """The fields of one table, in the order users see them (the row id first, unless `with_id` is false)."""
    fields = _BY_TABLE[table]
    return fields if with_id else tuple(f for f in fields if f.kind is not FieldKind.ID)


def table_columns(table: str, *, with_id: bool = True) -> tuple[str, ...]:
    return tuple(f.key for f in table_fields(table, with_id=with_id))


def field(table: str, key: str) -> Field:
    """The field `key` of `table`; KeyError when it has none."""
    for spec in _BY_TABLE[table]:
        if spec.key == key:
            return spec
    raise KeyError(f"{table} has no field {key!r}")


def by_key(key: str) -> Field:
    """The field named `key` in the first table that has it (a part number is the same field in every table for
    its label and help)."""
    for spec in FIELDS:
        if spec.key == key and spec.kind is not FieldKind.ID:
            return spec
    raise KeyError(f"no field {key!r}")


NUMBER_FIELDS: Mapping[str, Field] = MappingProxyType({f.key: f for f in FIELDS if f.numeric})
"""Every numeric field by key (a key names one numeric field in every table it appears in)."""


# ---- reading a typed value -----------------------------------------------------------------------------------------

class CellError(ValueError):
    """A value typed for a field that the field cannot take; the message names the field and says what to enter."""


def parse_value(spec: Field, raw: object) -> Any:
    """The stored value of `spec` from what the buyer typed, pasted or gave on the command line: numbers as people
    write them, with units ("1,5 kg" in a mass field is 1500.0 g) and within the field's plausible range; enum
    words in six languages; countries by code or name; ids without invisible characters. A blank is NaN for a
    number and "" otherwise. Raises CellError."""
    text = "" if raw is None else str(raw).strip()
    if spec.numeric:
        return _parse_number(spec, raw if isinstance(raw, int | float) else text)
    if spec.kind is FieldKind.ENUM:
        assert spec.enum is not None
        if not text and not spec.required:
            return ""
        member = parse_enum(spec.enum, text) if text else None
        if member is None:
            raise CellError(f"{spec.label}: {text!r} is not one of {', '.join(spec.choices())}")
        return member.value
    if spec.kind is FieldKind.COUNTRY:
        recycled_in = recycled_country(text) if spec.key == RECYCLED_IN else None
        if recycled_in is not None:
            text = recycled_in
        if not text:
            return ""
        from riskdesk.core.countries import resolve_country  # reads the country table: not before it is needed

        code = resolve_country(text)
        if code is None:
            raise CellError(f"{spec.label}: no country is called {text!r}. {_COUNTRY_HINT}")
        return code
    if spec.kind is FieldKind.ELEMENT and text:
        symbol = next((s for s in elements.SYMBOLS if s.casefold() == text.casefold()), None)
        if symbol is None:
            raise CellError(f"{spec.label}: {text!r} is not an element RiskDesk knows. Enter a symbol such as Dy")
        return symbol
    if spec.kind.identifier:
        text = clean_id(text)
    if spec.required and not text:
        raise CellError(f"{spec.label} must not be empty")
    return text


RECYCLED_IN = "mine_country"
"""The field whose country is where the material was recycled when a supply path's feedstock is recycled."""

_RECYCLED_WORDS = re.compile(
    r"\b(?:recycled|recycling|recovered|secondary|recycelt|rezykliert|recyclée?s?|recyclage|"
    r"reciclad[oa]s?|reciclaje)\b|リサイクル|再生|回收", re.IGNORECASE)
_LINKING_WORDS = re.compile(
    r"^(?:material|feedstock|in|from|at|aus|im|in der|en|au|aux|à|de|du|des|en el|en la|del)\s+", re.IGNORECASE)


def recycled_country(text: str) -> str | None:
    """What a mine-country value that declares recycled feedstock names as the country it was recycled in:
    "US (recycled)", "recycled US", "recycled in US", "recyclé en France", "Recycling: DE" → the country's text ("US",
    "France", "DE"); "recycled" alone → "" (recycled, country not given). None when the text does not say recycled."""
    found = _RECYCLED_WORDS.search(text)
    if found is None:
        return None
    rest = (text[:found.start()] + " " + text[found.end():]).strip()
    rest = re.sub(r"[()（）\[\]:;,\-–—]+", " ", rest).strip()
    previous = None
    while previous != rest:
        previous, rest = rest, _LINKING_WORDS.sub("", rest).strip()
    return rest


def declares_recycled(spec: Field, raw: object) -> bool:
    """Whether a value typed for `spec` also declares the supply path's feedstock recycled ("US (recycled)" as a
    mine country)."""
    return spec.key == RECYCLED_IN and spec.table == "paths" and raw is not None and \
        recycled_country(str(raw)) is not None


def _parse_number(spec: Field, raw: object) -> float:
    kind = spec.number or NumberKind.PLAIN
    try:
        value = read_number(raw, kind)
    except ValueError as exc:
        raise CellError(f"{spec.label}: {exc}. Enter a number such as 12.5"
                        + (" (units: g, kg, lb, oz)" if kind is NumberKind.MASS else "")) from None
    if math.isnan(value):
        if spec.required:
            raise CellError(f"{spec.label} is required. Enter a number")
        return math.nan
    if not math.isfinite(value):
        raise CellError(f"{spec.label}: enter a finite number")
    if value < 0:
        raise CellError(f"{spec.label} must not be negative. Enter zero or a positive number")
    if spec.kind is FieldKind.SHARE and value > 100:
        of = "the magnet's weight" if spec.table == "composition" else "the part's volume"
        raise CellError(f"{spec.label} is a share of {of}: enter 0 to 100")
    problem = spec.limit.problem(value) if spec.limit is not None else None
    if problem:
        raise CellError(f"{spec.label}: {problem}. Check the value and its unit")
    return value


# ---- the project settings ------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Setting:
    """One project setting (a field of `riskdesk.core.project.ProjectSettings`) as the buyer sees it."""

    key: str
    label: str
    """Its label in the settings view and the report ("Disruption length")."""
    help: str
    """What it does to the scores, for the settings view's tooltips and the docs."""
    limit: Limit | None = None
    """For numbers: the plausible range; a stored value outside it falls back to the default."""
    named: str = ""
    """How a sentence names it ("Change how suspended rules count"), when not the label in lower case."""

    @property
    def in_sentence(self) -> str:
        """"disruption length", "US defence supply": the label as the middle of a sentence names it."""
        if self.named:
            return self.named
        return self.label[:1].lower() + self.label[1:] if self.label[1:2].islower() else self.label


SETTINGS: tuple[Setting, ...] = (
    Setting("name", "Project name", "The project's name, shown in the title bar and on the report."),
    Setting("import_country", "Import country",
            "The country your company imports the magnets into. It decides which rules concern you: the US "
            "Section 301 tariff (US), the EU CRMA 65 % benchmark (EU members), China's export licensing (anyone "
            "outside China). Type a name, an ISO code or a common alias (USA, PRC, Deutschland …)."),
    Setting("us_defence_supply", "US defence supply (DFARS)",
            "DFARS 252.225-7052 binds magnets and parts delivered into US defence contracts, at any tier: no NdFeB "
            "or SmCo magnet melted or produced in China, Russia, North Korea or Iran, nor an end item made there "
            "(and from 2027-01-01 no material mined, refined or separated there). This setting decides for parts "
            "whose end use is defence; a part's DFARS column (yes / no) overrides it.", named="US defence supply"),
    Setting("suspended_rules_in_force", "Treat suspended rules as in force",
            "Off: a rule that is suspended on the as-of date (e.g. China's October 2025 rules Nos. 57, 61, 62, "
            "suspended to 2026-11-10 by No. 70) is a watch item that weighs more as the end of its suspension comes "
            "within the re-sourcing time, and a rule whose status after a suspension is unknown counts half its "
            "weight (a prohibition of unknown status holds a part at red). On: such rules count as hits, as if in "
            "force, from their own effective date — the prudent view when the suspension may lapse.",
            named="how suspended rules count"),
    Setting("disruption_days", "Disruption length",
            "How long a disruption lasts for the buffer factor, in calendar days: buffer = 100 × (1 − stock days / "
            "disruption days). A Chinese export-licence review may take 45 working days; the default is about as "
            "long.", limit=Limit(0.0, 3650.0, "days")),
    Setting("resourcing_days", "Time to re-source",
            "How long it takes to move a part to another source (qualify a new supplier or grade). A rule that is "
            "announced, or due back after a suspension, weighs as a watch item while its date is further away than "
            "this, and grows to its full weight as the date comes near (for licences and tariffs the days of stock "
            "on hand push the date back). A prohibition due within this time holds the part at red.",
            limit=Limit(0.0, 3650.0, "days")),
    Setting("stale_months", "Declarations stale after",
            "How long a supplier's declared origins stay fresh, in months from the effective date of its answer. "
            "An origin declared longer ago counts one step less sure in the transparency factor (verified as "
            "declared, declared as inferred), and the Data quality tab and the report list it as stale. Paths "
            "without a declaration keep the evidence their own column gives.",
            limit=Limit(1.0, 120.0, "months"), named="how long declarations stay fresh"),
    Setting("price_basis", "Price basis",
            "Which reference prices value the element exposure (restriction and price factors, value charts). "
            "Sources disagree widely; the basis is always shown."),
    Setting("weights", "Factor weights",
            "Score = Σ weight × factor / Σ weight: only the ratios between weights matter.",
            limit=Limit(0.0, 1000.0), named="weights"),
)
"""Every project setting, in the order the report lists them."""

_SETTINGS_BY_KEY: Mapping[str, Setting] = MappingProxyType({s.key: s for s in SETTINGS})


def setting(key: str) -> Setting:
    """The setting `key`; KeyError when there is none."""
    return _SETTINGS_BY_KEY[key]
