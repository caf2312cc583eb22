"""The buyer's words for what RiskDesk shows: field labels, factor names and what each factor measures, bands
and their colours, kinds of rule items, confidence marks, and how masses, money, countries and stages are
written. One home, so that the window, the command line and the report say the same thing the same way.
Internal names (`magnet_mass_g`) stay in tooltips, JSON and the command line. Qt-free.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from riskdesk.core import elements

if TYPE_CHECKING:
    from riskdesk.core.rules import ControlRule

# The control list's words are imported where they are used: this module is on the first window's path, and
# loading the rules module there would delay the window (tests/test_architecture.py, bench/bench_gui.py).

FIELD_LABELS: Mapping[str, str] = MappingProxyType({
    "part_number": "Part number",
    "description": "Description",
    "end_use": "End use",
    "magnet_family": "Magnet family",
    "grade": "Grade",
    "magnet_mass_g": "Magnet g/unit",
    "annual_units": "Units/year",
    "unit_price": "Unit price",
    "stock_days": "Stock days",
    "dfars": "DFARS",
    "supplier_id": "Supplier ID",
    "supplier_name": "Supplier name",
    "supplier_country": "Supplier country",
    "general_licence": "China general licence",
    "share_pct": "Share %",
    "mine_country": "Mine country",
    "separation_country": "Separation country",
    "metal_country": "Metal/alloy country",
    "magnet_country": "Magnet country",
    "origin_evidence": "Evidence",
})


def field_label(name: str) -> str:
    """The buyer's words for a field: "magnet_mass_g" → "Magnet g/unit", "dy_pct" → "Dy wt %",
    "dy2o3_pct" → "Dy2O3 wt %"; an unknown name is returned as it is."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    if name.endswith("_pct"):
        stem = name[:-4]
        symbol = next((s for s in elements.SYMBOLS if s.lower() == stem), None)
        if symbol is not None:
            return f"{symbol} wt %"
        formula = next((f for f in elements.oxide_formulas() if f.lower() == stem), None)
        if formula is not None:
            return f"{formula} wt %"
    return name


# ---------------------------------------------------------------------------------------------------------------
# Scores

BAND_COLORS: Mapping[str, str] = MappingProxyType({"red": "#d64545", "amber": "#e0a030", "green": "#3c9a5f"})
"""Mid-tone band colours, legible as a swatch or tint on light and dark palettes alike (window and report)."""
BAND_LABELS: Mapping[str, str] = MappingProxyType({"red": "Red", "amber": "Amber", "green": "Green"})

PRICE_BASES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "china": ("China domestic / volume-weighted",
              "Value exposure at China domestic (volume-weighted) prices: what most tonnage trades at."),
    "ex-china": ("Ex-China spot (e.g. CIF Rotterdam)",
                 "Value exposure at ex-China spot prices, which ran several times China's for Dy and Tb after the "
                 "April 2025 licensing."),
})
"""Price basis → (label, help): the two bases reference prices and scenarios use (riskdesk.core.prices.BASES)."""
BASIS_NAMES: Mapping[str, str] = MappingProxyType({"china": "China domestic", "ex-china": "ex-China spot"})
"""Price basis → its short name in a sentence ("+$2.1M on China domestic prices")."""

SETTING_LABELS: Mapping[str, str] = MappingProxyType({
    "name": "project name",
    "import_country": "import country",
    "suspended_rules_in_force": "how suspended rules count",
    "disruption_days": "disruption length",
    "price_basis": "price basis",
    "us_defence_supply": "US defence supply",
    "resourcing_days": "time to re-source",
})
"""Project settings in the buyer's words (Undo texts, messages)."""

FACTOR_LABELS: Mapping[str, str] = MappingProxyType({
    "restriction": "Restriction",
    "concentration": "Concentration",
    "transparency": "Transparency",
    "price": "Price",
    "buffer": "Buffer",
    "single_source": "Single source",
})
FACTOR_HELP: Mapping[str, str] = MappingProxyType({
    "restriction": (
        "Share of the part's element value that passes a stage under a rule, each element weighted by the "
        "heaviest rule on its path: effect (prohibited 1.0, licence 0.6, tariff 0.4, benchmark 0.25, watch 0.1) × "
        "timing (1 in force; less while only announced or of unknown status). A stage of unknown country counts "
        "as if the rule met it."
    ),
    "concentration": (
        "Governance-weighted concentration of the part's supply by country, at its worst stage: half the "
        "share-weighted governance, half the EU's HHI × governance (0 best … 10 worst) × 10. Volume of unknown "
        "origin counts as the worst case."
    ),
    "transparency": (
        "Share of the part's volume whose stage origins are unknown or only inferred; separation and magnet "
        "making weigh most (0.35 each, mine and metal 0.15)."
    ),
    "price": "Value share of each volatile element × its observed price volatility (max/min − 1, capped at 1).",
    "buffer": (
        "Stock on hand against the length of a disruption: 100 × (1 − stock days / disruption days). A Chinese "
        "licence review takes up to 45 working days (≈ 63 calendar days)."
    ),
    "single_source": "The largest supplier's share of the part's volume.",
})
KIND_LABELS: Mapping[str, str] = MappingProxyType({"hit": "Hit", "watch": "Watch", "possible": "Possible"})
KIND_HELP: Mapping[str, str] = MappingProxyType({
    "hit": "A rule in force on the date meets this path at this stage.",
    "watch": "A rule announced, suspended or of unknown status on the date: not binding yet, but it counts as it "
             "nears.",
    "possible": "The stage's country is unknown: the rule would meet the path if it is a country the rule names, "
                "and counts as if it did.",
})


def confidence_text(mark: str) -> str:
    """ "U — unconfirmed: verify before relying on it" for a confidence mark."""
    from riskdesk.core.datafile import CONFIDENCE_MARKS

    meaning = CONFIDENCE_MARKS.get(mark)
    return f"{mark} — {meaning}" if meaning else mark


def format_kg(kg: float) -> str:
    """A mass in kg with as many decimals as its size needs."""
    if kg == 0:
        return "0"
    if abs(kg) >= 100:
        return f"{kg:,.0f}"
    if abs(kg) >= 1:
        return f"{kg:,.1f}"
    return f"{kg:.3g}"


def format_money(value: float) -> str:
    """A value in USD, rounded for reading."""
    if abs(value) >= 100:
        return f"${value:,.0f}"
    return f"${value:,.2f}"


def setting_label(name: str) -> str:
    """ "import_country" → "import country"; "weights.restriction" → "weight: restriction"."""
    if name.startswith("weights."):
        factor = name.removeprefix("weights.")
        return f"weight: {FACTOR_LABELS.get(factor, factor).lower()}"
    return SETTING_LABELS.get(name, name.replace("_", " "))


def shorten(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters with an ellipsis in the middle (file names keep their ends)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """"1 part", "3 parts", "1,204 supply paths"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {plural or noun + 's'}"


# ---------------------------------------------------------------------------------------------------------------
# The control list


def describe_countries(codes: frozenset[str], excluded: frozenset[str] = frozenset()) -> str:
    """Rule countries in words: "CN", "any except group EU", "group DFARS_COVERED"."""
    from riskdesk.core.rules import ALL, GROUP_PREFIX

    def one(code: str) -> str:
        if code == ALL:
            return "any"
        if code.startswith(GROUP_PREFIX):
            return f"group {code.removeprefix(GROUP_PREFIX)}"
        return code

    text = ", ".join(one(c) for c in sorted(codes)) or "—"
    if excluded:
        text += " except " + ", ".join(one(c) for c in sorted(excluded))
    return text


def describe_elements(symbols: frozenset[str]) -> str:
    from riskdesk.core.rules import ALL

    if ALL in symbols:
        return "whole magnet"
    return ", ".join(sorted(symbols)) or "—"


def describe_stages(rule: ControlRule) -> str:
    from riskdesk.core.rules import RULE_STAGES

    return ", ".join(s.label for s in RULE_STAGES if s in rule.stages) or "—"
