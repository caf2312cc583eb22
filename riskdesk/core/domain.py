"""The buyer's vocabulary and the project's tables: parts, suppliers, supply paths and composition overrides.

A project holds three tables (parts, suppliers, supply paths) plus a long table of element compositions that
override a grade's default. Tables are pandas DataFrames; `riskdesk.core.project` owns them and checks them. The
words (stages, evidence, end uses, families) are in `riskdesk.core.vocabulary`, each column is declared once in
`riskdesk.core.fields`; the column tuples here are derived from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from riskdesk.core.fields import NUMBER_FIELDS, ROW_ID, TABLES, table_columns
from riskdesk.core.numbers import Limit, NumberKind
from riskdesk.core.vocabulary import (
    ENUM_WORDS,
    STAGES,
    Effect,
    EndUse,
    Evidence,
    Feedstock,
    MagnetFamily,
    Stage,
    YesNo,
    parse_enum,
)

__all__ = [
    "COMPOSITION_COLUMNS", "ENUM_WORDS", "NUMBER_COLUMNS", "NUMBER_LIMITS", "NUMERIC_PART_COLUMNS", "PART_COLUMNS",
    "PATH_COLUMNS", "ROW_ID", "STAGES", "STAGE_COLUMNS", "STAGE_EVIDENCE_COLUMNS", "STORED_COLUMNS", "SUPPLIER_COLUMNS",
    "TEMPLATE_COLUMNS",
    "Effect", "EndUse", "Evidence", "Feedstock", "MagnetFamily", "Stage", "YesNo", "composition_column", "parse_enum",
]

# The columns users see, in the order they see them (template, report, tables); the row id is not among them.
PART_COLUMNS: tuple[str, ...] = table_columns("parts", with_id=False)
SUPPLIER_COLUMNS: tuple[str, ...] = table_columns("suppliers", with_id=False)
PATH_COLUMNS: tuple[str, ...] = table_columns("paths", with_id=False)
COMPOSITION_COLUMNS: tuple[str, ...] = table_columns("composition", with_id=False)

STORED_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType({table: table_columns(table) for table in TABLES})
"""Each table's columns as stored and held in memory: the row id first, then the columns users see."""

NUMBER_COLUMNS: Mapping[str, NumberKind] = MappingProxyType(
    {key: spec.number for key, spec in NUMBER_FIELDS.items() if spec.number is not None})
"""Every numeric column of the project tables, with the units a typed or imported value may carry; every other
column is text. The tables' dtypes, the project file's REAL columns, the importer and the window's cells all
read this."""
NUMBER_LIMITS: Mapping[str, Limit] = MappingProxyType(
    {key: spec.limit for key, spec in NUMBER_FIELDS.items() if spec.limit is not None})
"""The plausible range of every numeric column, checked wherever a number enters (the importer, the window's
cells, the project file): 10 t of magnet in one part (a direct-drive wind generator holds about 2 t), ten billion
units a year, a billion per unit, a hundred years of stock, and shares and weight shares of 0–100 %. Anything
outside, or not finite, is refused with a message; scoring never sees it (docs/reliability.md)."""
NUMERIC_PART_COLUMNS: tuple[str, ...] = tuple(c for c in PART_COLUMNS if c in NUMBER_COLUMNS)
STAGE_COLUMNS: tuple[str, ...] = tuple(stage.column for stage in STAGES)
STAGE_EVIDENCE_COLUMNS: tuple[str, ...] = tuple(stage.evidence_column for stage in STAGES)
"""How each stage's country is known where it differs from the path's `origin_evidence` (blank: as that)."""

# The canonical import template: one row per supply path (part and supplier columns repeat).
# Columns added after the first release go at the end, so that scripts writing the template by position keep working.
_LATER_COLUMNS: tuple[str, ...] = ("dfars", "general_licence", "feedstock", *STAGE_EVIDENCE_COLUMNS)
TEMPLATE_COLUMNS: tuple[str, ...] = tuple(
    c for c in PART_COLUMNS + SUPPLIER_COLUMNS + PATH_COLUMNS[2:] if c not in _LATER_COLUMNS
) + _LATER_COLUMNS


def composition_column(symbol: str) -> str:
    """The template column of an element's composition override: "Dy" → "dy_pct"."""
    return f"{symbol.lower()}_pct"
