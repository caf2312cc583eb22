"""The buyer's words for what RiskDesk shows: field labels, factor names and what each factor measures, bands
and their colours, kinds of rule items, confidence marks, and how masses, money, countries and stages are
written. One home, so that the window, the command line and the report say the same thing the same way.
Internal names (`magnet_mass_g`) stay in tooltips, JSON and the command line. Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from riskdesk.core import elements
from riskdesk.core.cells import count, shorten
from riskdesk.core.fields import FIELDS, SETTINGS, FieldKind, setting
from riskdesk.core.vocabulary import BASIS_NAMES

if TYPE_CHECKING:
    from riskdesk.core.project import ProjectSettings
    from riskdesk.core.rules import ControlRule

__all__ = [
    "BAND_COLORS",
    "BAND_LABELS",
    "BASIS_NAMES",
    "FACTOR_HELP",
    "FACTOR_LABELS",
    "FIELD_LABELS",
    "KIND_HELP",
    "KIND_LABELS",
    "PRICE_BASES",
    "SETTING_LABELS",
    "US_DEFENCE_LABELS",
    "band_help",
    "confidence_text",
    "count",
    "describe_countries",
    "describe_elements",
    "describe_stages",
    "field_label",
    "format_kg",
    "format_money",
    "setting_help",
    "setting_label",
    "settings_as_used",
    "shorten",
    "tail_cost_words",
]

# The control list's words and the method's numbers are imported where they are used: this module is on the first
# window's path, and loading the rules module or numpy there would delay the window (tests/test_architecture.py,
# bench/bench_gui.py).


class _Derived(Mapping[str, str]):
    """Texts built on first use from the constants they state (whose modules load numpy and the rules)."""

    def __init__(self, build: Callable[[], Mapping[str, str]]) -> None:
        self._build = build
        self._texts: Mapping[str, str] | None = None

    def _built(self) -> Mapping[str, str]:
        if self._texts is None:
            self._texts = MappingProxyType(dict(self._build()))
        return self._texts

    def __getitem__(self, key: str) -> str:
        return self._built()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())

FIELD_LABELS: Mapping[str, str] = MappingProxyType(
    {f.key: f.label for f in reversed(FIELDS) if f.kind is not FieldKind.ID})
"""Each field's label (`riskdesk.core.fields`): a key names one field, labelled alike in every table it is in."""


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
"""Price basis → (label, help): the two bases reference prices and scenarios use (riskdesk.core.vocabulary.BASES)."""

SETTING_LABELS: Mapping[str, str] = MappingProxyType({s.key: s.in_sentence for s in SETTINGS})
"""Project settings as a sentence names them (Undo texts, messages), from `riskdesk.core.fields.SETTINGS`."""

FACTOR_LABELS: Mapping[str, str] = MappingProxyType({
    "restriction": "Restriction",
    "concentration": "Concentration",
    "transparency": "Transparency",
    "price": "Price",
    "buffer": "Buffer",
    "single_source": "Single source",
})


def _weight(value: float) -> str:
    """A weight as the help writes it: 1.0, 0.6, 0.25."""
    text = f"{value:g}"
    return text if "." in text else f"{value:.1f}"


def _factor_help() -> Mapping[str, str]:
    from riskdesk.core.factors import TRANSPARENCY_STAGE_WEIGHT
    from riskdesk.core.project import ProjectSettings
    from riskdesk.core.rule_match import EFFECT_WEIGHT
    from riskdesk.core.vocabulary import Effect, Stage

    effects = ", ".join(f"{effect.value} {_weight(weight)}" for effect, weight in EFFECT_WEIGHT.items()
                        if effect not in (Effect.TARIFF, Effect.BENCHMARK))
    benchmark = _weight(EFFECT_WEIGHT[Effect.BENCHMARK])
    words = {Stage.MINE: "mine", Stage.SEPARATION: "separation", Stage.METAL: "metal", Stage.MAGNET: "magnet making"}
    stages = TRANSPARENCY_STAGE_WEIGHT
    most, least = max(stages.values()), min(stages.values())
    heavy = " and ".join(words[s] for s, w in stages.items() if w == most)
    light = " and ".join(words[s] for s, w in stages.items() if w == least)
    if len(set(stages.values())) == 2:
        weighing = f"{heavy} weigh most ({_weight(most)} each, {light} {_weight(least)})"
    else:
        weighing = "stages weighted " + ", ".join(f"{words[s]} {_weight(w)}" for s, w in stages.items())
    return {
        "restriction": (
            "Share of the part's element value that passes a stage under a rule, each element weighted by what "
            f"binds it, by kind: export controls and watch items by the heaviest ({effects}); import duties "
            "stacked, their rates added and weighed as rate / (100 + rate); the EU 65 % dependency benchmark (a "
            f"2030 Union target, not a company duty) {benchmark}; the kinds combined as 1 − Π(1 − weight); each × "
            "timing (1 in force; less while only announced or of unknown status). A stage of unknown country "
            "counts as if the rule met it."
        ),
        "concentration": (
            "Governance-weighted concentration of the part's supply by country, at its worst stage: half the "
            "share-weighted governance, half the EU's HHI × governance (0 best … 10 worst) × 10. Volume of unknown "
            "origin counts as the worst case; volume through China counts as if from whichever of the part's "
            "countries there gives the higher value (no diversification credit)."
        ),
        "transparency": (f"Share of the part's volume whose stage origins are unknown or only inferred; {weighing}; "
                         "a supplier's country not given adds 0.1."),
        "price": "Value share of each volatile element × its observed price volatility (max/min − 1, capped at 1).",
        "buffer": (
            "Stock on hand against the length of a disruption: 100 × (1 − stock days / disruption days). A Chinese "
            f"licence review takes up to 45 working days (≈ {ProjectSettings().disruption_days:g} calendar days)."
        ),
        "single_source": ("The largest supplier's share of the part's volume, plus what other suppliers bring "
                          "through China (or from an origin not known): no alternative to it."),
    }


FACTOR_HELP: Mapping[str, str] = _Derived(_factor_help)
"""What each factor measures, with the numbers the method applies (`riskdesk.core.rule_match.EFFECT_WEIGHT`,
`riskdesk.core.factors.TRANSPARENCY_STAGE_WEIGHT`, the default disruption length); built on first use."""


def band_help() -> str:
    """ "Green below 40, amber 40–70, red from 70": the bands by `riskdesk.core.evaluation.BAND_AMBER` and
    `BAND_RED`, for the Band column of the window and the report."""
    from riskdesk.core.evaluation import BAND_AMBER, BAND_RED

    return (f"{BAND_LABELS['green']} below {BAND_AMBER:g}, {BAND_LABELS['amber'].lower()} {BAND_AMBER:g}–"
            f"{BAND_RED:g}, {BAND_LABELS['red'].lower()} from {BAND_RED:g}")


US_DEFENCE_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "auto": ("Automatic: yes for a buyer importing into the US",
             "DFARS binds the defence parts of a buyer who imports into the US, not those of other buyers."),
    "yes": ("Yes: our defence parts go into US defence contracts",
            "DFARS binds every defence part, wherever you are (e.g. a European supplier to a US prime)."),
    "no": ("No: none of our parts go into US defence contracts",
           "DFARS binds no part, unless a part says so in its own DFARS column."),
})
"""The US defence supply setting's choices: value → (label, help), for the settings view and the New dialog."""


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


def tail_cost_words(cost_at_risk: float, expected_shortfall: float, level: int) -> str:
    """The Monte Carlo tail figures with their confidence level, both in USD above the mean total: "expected
    shortfall" is a cost, not units short (see riskdesk.core.simulation)."""
    return (f"cost at risk ({level} %) {format_money(cost_at_risk)}, expected shortfall (mean of the worst "
            f"{100 - level} %) {format_money(expected_shortfall)}, both above the mean total")


def setting_label(name: str) -> str:
    """ "import_country" → "import country"; "weights.restriction" → "weight: restriction"."""
    if name.startswith("weights."):
        factor = name.removeprefix("weights.")
        return f"weight: {FACTOR_LABELS.get(factor, factor).lower()}"
    return SETTING_LABELS.get(name, name.replace("_", " "))


def setting_help(name: str) -> str:
    """A setting's help (`riskdesk.core.fields.SETTINGS`), with its default where it is a number of days."""
    about = setting(name)
    if about.limit is None or not about.limit.unit:
        return about.help
    from riskdesk.core.project import ProjectSettings

    default = getattr(ProjectSettings(), name)
    return f"{about.help} Default: {default:g} {about.limit.unit}."


def settings_as_used(settings: ProjectSettings, country: Callable[[str], str]) -> list[tuple[str, Any]]:
    """The rows of the report's "Settings and weights as used": each setting by its label (with its unit) in the
    order of `riskdesk.core.fields.SETTINGS`, each factor's weight and their sum. `country` writes the import
    country ("US · United States")."""
    from riskdesk.core.project import FACTOR_NAMES

    values: dict[str, Any] = {
        "name": settings.name,
        "import_country": country(settings.import_country),
        "us_defence_supply": f"{settings.us_defence_supply}: {'yes' if settings.supplies_us_defence else 'no'}",
        "suspended_rules_in_force": "yes" if settings.suspended_rules_in_force else "no",
        "disruption_days": settings.disruption_days,
        "resourcing_days": settings.resourcing_days,
        "stale_months": settings.stale_months,
        "price_basis": settings.price_basis,
    }
    rows: list[tuple[str, Any]] = []
    for about in SETTINGS:
        if about.key == "weights":
            rows += [(f"Weight: {FACTOR_LABELS[name]}", settings.weights.get(name, 0.0)) for name in FACTOR_NAMES]
            rows.append(("Weights add up to", sum(max(v, 0.0) for v in settings.weights.values()) or 1.0))
        else:
            unit = about.limit.unit if about.limit is not None else ""
            rows.append((f"{about.label}, {unit}" if unit else about.label, values[about.key]))
    return rows


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
