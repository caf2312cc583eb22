"""The scoring method in a few lines each, for the report's Method sheet: formulas, floors, bands, timing and the
invariants, with the numbers taken from the code that applies them. docs/method.md is the full text; a test keeps
the invariants here and there word for word the same. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskdesk.core.domain import Effect
from riskdesk.core.evaluation import BAND_AMBER, BAND_RED, NO_PATH_FLOOR
from riskdesk.core.rule_match import (
    EFFECT_WEIGHT,
    GENERAL_LICENCE_RELIEF,
    PROHIBITED_FLOOR,
    RED_FLOOR,
    UNKNOWN_STATUS_SHARE,
    WATCH_WEIGHT,
)


@dataclass(frozen=True, slots=True)
class Formula:
    topic: str
    formula: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Invariant:
    id: str
    statement: str
    """As in docs/method.md, "Invariants"."""
    test: str
    """The property test in tests/core/test_invariants.py that searches for a counterexample."""


def _weights() -> str:
    return ", ".join(f"{effect.value} {EFFECT_WEIGHT[effect]:g}" for effect in Effect
                     if effect in EFFECT_WEIGHT and effect is not Effect.TARIFF)


FORMULAS: tuple[Formula, ...] = (
    Formula("Exposure (kg)", "kg[path, element] = annual units × magnet mass (kg) × wt % / 100 × share of the path",
            "wt % from the part's own figures, else its grade's default composition (Inputs sheet); volume no "
            "supply path covers is a path of unknown origin"),
    Formula("Exposure (value)", "value[path, element] = kg × reference price (USD per kg of contained element)",
            "on the project's price basis (China domestic / volume-weighted, or ex-China spot)"),
    Formula("Rule weight", f"effect weight × timing; effect weights: {_weights()}; a duty of rate r %: "
            f"max({WATCH_WEIGHT:g}, r / (100 + r))",
            f"a supplier's Chinese general licence multiplies China's magnet-export licence by "
            f"{GENERAL_LICENCE_RELIEF:g}, from the day general licences were first reported (2025-12-02)"),
    Formula("Restriction per element", "w = 1 − (1 − controls) × (1 − duty) × (1 − benchmark); controls = the "
            "heaviest export control or watch item; duty = max(R / (100 + R), heaviest duty), R = Σ rate × the "
            "share of the duty that counts on the date (stacked duties)",
            "restriction = Σ value × w / Σ value; the factor's breakdown gives each kind alone"),
    Formula("Timing", f"in force: the full weight; announced or suspended, due on D: {WATCH_WEIGHT:g} + (full weight "
            f"− {WATCH_WEIGHT:g}) × clamp(1 − lead / R, 0, 1), lead = days to D (+ days of stock, except for "
            f"prohibitions), R = time to re-source; status unknown: max({WATCH_WEIGHT:g}, {UNKNOWN_STATUS_SHARE:g} "
            "× full weight)",
            "a rule of unknown status may be in force today"),
    Formula("Supply through China", "no diversification credit: single source = max over suppliers of (its share "
            "+ the other suppliers' share through China or of unknown origin); concentration counts China's share "
            "as if from whichever of the part's countries at that stage gives the higher value; the EU benchmark "
            "counts China's share with each other third country's"),
    Formula("Unknown origin", "a stage of unknown country counts as if every rule that could apply there did, "
            "and as the worst country for concentration",
            "possible hits carry the world share of the rule's countries at that stage"),
    Formula("Part score", "max(Σ factor × weight / Σ weights, floor), 0 … 100",
            "factors and weights in the table above; the floor keeps one fatal fact from being averaged away"),
    Formula("Floors", f"prohibited path (or possibly prohibited, origin unknown): at least {PROHIBITED_FLOOR:g} + "
            f"restriction / 10; prohibition due within the re-sourcing time, or of unknown status: at least "
            f"{RED_FLOOR:g}; no supply path: at least {NO_PATH_FLOOR:g}"),
    Formula("Bands", f"green below {BAND_AMBER:g}, amber {BAND_AMBER:g} to {BAND_RED:g}, red from {BAND_RED:g}, of "
            "the score as shown (a whole number, rounded half up)", "69.83 is shown as 70 and is red"),
    Formula("No. 61 value test", "share = Σ Part I wt % × price / Σ all wt % × price (Chinese-origin content: "
            "separation or metal stage in China or unknown); item (1) applies from 0.1 %",
            "valuation assumed (MOFCOM defines none): the magnet's content at reference prices, an upper bound"),
    Formula("Portfolio score", "mean of the part scores weighted by annual spend (units × unit price; a part "
            "with volume but no unit price by the reference value of its magnets' element content); at least "
            f"{BAND_AMBER:g} while a prohibited or possibly prohibited part carries volume",
            "the prohibited parts are named beside the figure"),
    Formula("EU benchmark (CRMA)", "flag an element at a stage where one third country supplies more than 65 % "
            "of the buyer's kg there, counting unknown kg and China's kg as that country's",
            "only for buyers importing into the EU; magnet rare earths; a 2030 Union target, not a company duty"),
    Formula("Scenario cost", "monthly cost = kg per month × reference price × the scenario's price factor",
            "baseline: price factor 1; twelve baseline months add up to the element values of the Parts sheet"),
    Formula("Stock-out", "time to survive (TTS) = days of stock / share lost; first short day = day 1 + ⌊TTS⌋ "
            "when TTS < time to recover; value short = units short × unit price",
            "stock is not usable against a prohibition"),
    Formula("Monte Carlo", "percentiles of the monthly portfolio cost over seeded paths; cost at risk = P95(total) "
            "− mean(total); expected shortfall = mean(totals ≥ P95) − mean(total)",
            "the price and disruption model's parameters and the seed are on the Inputs sheet"),
)

INVARIANTS: tuple[Invariant, ...] = (
    Invariant("I1", "replacing any stage country by \"unknown\" never lowers a part's score",
              "test_replacing_a_stage_country_by_unknown_never_lowers_a_score"),
    Invariant("I2", "a part with no supply paths is never green", "test_a_part_without_supply_paths_is_never_green"),
    Invariant("I3", "moving a stage from a country a listed rule names to one no rule names at that stage (no worse "
              "governed, not already supplying that stage of the part) never raises a score",
              "test_moving_a_stage_out_of_a_restricted_country_never_raises_a_score"),
    Invariant("I4", "adding stock never raises a score", "test_adding_stock_never_raises_a_score"),
    Invariant("I5", "a later date never lowers a score while no rule expires, is suspended, becomes of unknown "
              "status or eases (a duty's rate falls, general licences are first reported)",
              "test_a_later_date_never_lowers_a_score_while_no_rule_expires_or_is_suspended"),
    Invariant("I6", "a prohibited hit, or a possible one of a prohibition in force, puts the part at or above 90",
              "test_a_prohibited_or_possibly_prohibited_part_is_at_or_above_the_floor"),
    Invariant("I7", "scoring never fails for a valid project (any import country, any split of supply), never "
              "yields NaN, and every count agrees with the listed items",
              "test_scoring_never_fails_on_a_valid_project_and_every_count_agrees"),
    Invariant("I8", "blanking any country, the supplier's included, never lowers a part's score",
              "test_blanking_any_country_supplier_included_never_lowers_a_score"),
    Invariant("I9", "moving part of a path outside China (its countries no worse governed than China) to one "
              "through China never lowers a score, for a buyer outside China",
              "test_raising_the_share_through_china_never_lowers_a_score"),
    Invariant("I10", "moving part of a path through China to a new supplier wholly outside China (every stage "
              "known, no worse governed than China) never raises a score",
              "test_adding_a_source_outside_china_never_raises_a_score"),
    Invariant("I11", "a ferrite or AlNiCo part never scores above the same part as a rare-earth magnet",
              "test_a_ferrite_or_alnico_part_never_scores_above_a_rare_earth_part_with_the_same_origins"),
    Invariant("I12", "the portfolio never reads green while a prohibited part carries volume",
              "test_the_portfolio_never_reads_green_while_a_prohibited_part_carries_volume"),
)
