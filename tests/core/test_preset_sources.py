"""Each preset's figures are those of the sources it cites (FACTS.md §6–7 and the seed articles quoted in the
December 2026 compliance review, V7 and V8): the preset is loaded and its parameters compared with the documented
numbers, and the April 2025 preset is run to show what its cut profile does to a buyer."""

from __future__ import annotations

import datetime as dt

import pytest

from riskdesk.core import elements
from riskdesk.core.evaluation import evaluate
from riskdesk.core.presets import default_presets
from riskdesk.core.prices import default_prices
from riskdesk.core.scenario_run import run_on_both_bases, run_scenario
from riskdesk.core.scenarios import ELEMENT_GROUPS
from tests.helpers.builders import PartSpec, all_in, project_of

AS_OF = dt.date(2026, 11, 29)

SEED_000_MYANMAR_CUT = 0.70
"""Seed 000: "Civil unrest in Myanmar reduced supplies of medium and heavy rare earths by 70 %"."""
SEED_004_ND_OXIDE_CNY_T = 700_000.0
SEED_004_DY_OXIDE_CNY_T = 1_650_000.0
"""Seed 004: if Myanmar shipments do not resume, Nd oxide up to 700,000 CNY/t, Dy oxide through 1.65M CNY/t."""
BUNDLED_DY_OXIDE_CNY_T = 1_630_000.0
"""FACTS §6.1: SMM Dy oxide 1.62–1.64M CNY/t on 2025-06-23, the bundled China reference's midpoint."""
ND_IN_ND2O3 = 0.8574
APRIL_MAY_CUT, US_APRIL_MAY_CUT, JUNE_CUT = 0.74, 0.82, 0.38
"""FACTS §7.1 (May 2025 −74 % y/y); seed 000 (exports to the US −82 % in April–May); seed 003 (June 2025 still
−38 % on June 2024)."""


def _shocks(preset_id: str, symbol: str):
    return [s for s in default_presets().get(preset_id).template.price_shocks if symbol in s.symbols]


def test_myanmar_cuts_70_pct_of_the_medium_and_heavy_rare_earths_mined_there_as_seed_000_says():
    (cut,) = default_presets().get("myanmar-heavy-feed-cut").template.supply_cuts
    assert cut.share_lost == pytest.approx(SEED_000_MYANMAR_CUT)
    assert cut.countries == ("MM",) and cut.stages == ("mine",)
    assert set(cut.symbols) == set(ELEMENT_GROUPS["heavy"]) and {"Dy", "Tb", "Sm", "Gd", "Y"} <= set(cut.symbols)


def test_myanmar_moves_nd_to_the_700000_cny_per_tonne_of_seed_004_against_the_bundled_reference():
    prices = default_prices()
    forecast = SEED_004_ND_OXIDE_CNY_T / 1000 / prices.cny_per_usd / ND_IN_ND2O3
    reference, *_ = prices.reference_price("Nd", "china")
    ramp, decay = _shocks("myanmar-heavy-feed-cut", "Nd")
    assert ramp.shape == "ramp" and decay.shape == "decay" and ramp.multiplier == decay.multiplier
    assert ramp.multiplier == pytest.approx(forecast / reference, abs=0.0005)
    assert ramp.elements == ("Nd",)


def test_myanmar_moves_dy_only_about_1_pct_as_seed_004_forecasts_and_leaves_tb_and_pr_alone():
    shocks = _shocks("myanmar-heavy-feed-cut", "Dy")
    assert len(shocks) == 2
    for shock in shocks:
        assert shock.multiplier == pytest.approx(SEED_004_DY_OXIDE_CNY_T / BUNDLED_DY_OXIDE_CNY_T, abs=0.0005)
        assert 1.01 <= shock.multiplier <= 1.02
    assert not _shocks("myanmar-heavy-feed-cut", "Tb") and not _shocks("myanmar-heavy-feed-cut", "Pr")


def test_april_2025_moves_dy_and_tb_on_ex_china_prices_only_since_chinese_domestic_prices_held():
    for symbol in ("Dy", "Tb"):
        (shock,) = _shocks("april-2025-licensing", symbol)
        assert shock.price_basis == "ex-china"
    project = project_of(PartSpec(composition={"Dy": 4.0, "Tb": 1.0, "Nd": 22.0}, paths=[all_in("JP")]))
    scenario = default_presets().get("april-2025-licensing").scenario(AS_OF)
    results = run_on_both_bases(evaluate(project, AS_OF), scenario)
    assert results["china"].delta_total == pytest.approx(0.0, abs=1e-6)
    assert results["ex-china"].delta_total > 0.0


def test_april_2025_says_what_its_ex_china_shock_on_top_of_the_may_2025_peak_gives():
    """The ex-China reference already is the May 2025 Argus peak: the note states the level the shock reaches."""
    preset = default_presets().get("april-2025-licensing")
    (shock,) = _shocks("april-2025-licensing", "Dy")
    reference, *_ = default_prices().reference_price("Dy", "ex-china")
    oxide = reference * shock.multiplier * elements.element_fraction_of_oxide("Dy2O3")
    assert f"${round(oxide, -1):,.0f}/kg" in " ".join(preset.note.split())
    assert "never observed" in preset.note


def _loss_profile(import_country: str) -> dict[int, float]:
    """The share of a China-made magnet part's supply lost on a few days of the April 2025 preset."""
    project = project_of(PartSpec(stock_days=0.0, composition={"Nd": 22.0}, paths=[all_in("CN")]),
                         import_country=import_country)
    scenario = default_presets().get("april-2025-licensing").scenario(AS_OF)
    result = run_scenario(evaluate(project, AS_OF), scenario)
    so = result.stock_out
    assert so.first_short_day[0] == 1
    loss = {}
    for day in (1, 61, 62, 91, 92):
        active = [r for r in result.reach if r.cut.from_day <= day <= r.cut.last_day() and r.part_share[0] > 0]
        kept = 1.0
        for r in active:
            kept *= 1.0 - r.cut.share_lost * r.part_share[0]
        loss[day] = 1.0 - kept
    return loss


@pytest.mark.parametrize(("country", "april_may"), [("DE", APRIL_MAY_CUT), ("JP", APRIL_MAY_CUT),
                                                    ("US", US_APRIL_MAY_CUT)])
def test_april_2025_cuts_as_the_seeds_say_two_months_then_minus_38_pct_in_june(country, april_may):
    loss = _loss_profile(country)
    assert loss[1] == pytest.approx(april_may, abs=0.0005)
    assert loss[61] == pytest.approx(april_may, abs=0.0005)
    assert loss[62] == pytest.approx(JUNE_CUT) and loss[91] == pytest.approx(JUNE_CUT)
    assert loss[92] == 0.0


def test_april_2025_june_cut_makes_a_part_short_for_longer_than_the_two_months_alone():
    project = project_of(PartSpec(stock_days=0.0, composition={"Nd": 22.0}, paths=[all_in("CN")]),
                         import_country="DE")
    result = run_scenario(evaluate(project, AS_OF), default_presets().get("april-2025-licensing").scenario(AS_OF))
    assert result.stock_out.days_short[0] == 91
    assert result.stock_out.units_short[0] == pytest.approx(1000 / 365 * (61 * 0.74 + 30 * 0.38))
