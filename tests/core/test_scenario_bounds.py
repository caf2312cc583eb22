"""A scenario is refused in one line or gives finite numbers: stacked shocks, prices far above the reference, huge
stock and volumes, far dates, too many shocks and cuts (issue 19, F5/F6/F21). The bounds are in docs/scenarios.md
("Bounds") and docs/reliability.md."""

from __future__ import annotations

import datetime as dt
import functools
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import Evaluation, evaluate
from riskdesk.core.presets import default_presets
from riskdesk.core.scenario_run import run_scenario
from riskdesk.core.scenarios import MAX_PRICE_MULTIPLE, MAX_SHOCKS, ScenarioError, check_bounds, parse_scenario
from riskdesk.core.simulation import MonteCarloSettings, estimate_price_model, run_monte_carlo
from tests.helpers.builders import PartSpec, all_in, project_of

AS_OF = dt.date(2026, 11, 23)


@functools.cache
def _demo() -> Evaluation:
    return evaluate(demo_project(), AS_OF)


@functools.cache
def _largest() -> Evaluation:
    """A part at every plausible maximum (10 t of magnet a unit, 10¹⁰ units a year, 100 years of stock)."""
    part = PartSpec(mass_g=10_000_000, units=10_000_000_000, unit_price=1_000_000_000, stock_days=36_500,
                    composition={"Dy": 10.0, "Tb": 10.0, "Nd": 60.0, "Fe": 20.0}, paths=[all_in("CN")])
    return evaluate(project_of(part, PartSpec(part_number="P-2", stock_days=0)), AS_OF)


def _shock(multiplier: float, symbol: str = "Dy", months: int = 12) -> dict[str, object]:
    return {"elements": [symbol], "shape": "step", "multiplier": multiplier, "from_month": 1, "months": months}


def _data(**changes: object) -> dict[str, object]:
    return {"name": "x", "start": "2027-01", "horizon_months": 24, "price_basis": "china", **changes}


def test_shocks_may_move_a_price_x1000_in_all_and_no_more():
    check_bounds(parse_scenario(_data(price_shocks=[_shock(10), _shock(100)])))
    check_bounds(parse_scenario(_data(price_shocks=[_shock(1000), _shock(0.5), _shock(2)])))  # back to ×1,000
    with pytest.raises(ScenarioError, match=r"the 2 shocks on Dy together move its price ×1,001 in month 1 "):
        check_bounds(parse_scenario(_data(price_shocks=[_shock(1000), _shock(1.001)])))
    # Shocks on other elements or in other months do not add up.
    later = {**_shock(1000), "from_month": 13}
    check_bounds(parse_scenario(_data(price_shocks=[_shock(1000), _shock(1000, "Tb"), later])))


def test_a_shock_given_as_a_price_counts_as_that_price_over_the_reference_when_it_runs():
    fe = {"elements": ["Fe"], "shape": "step", "price_usd_per_kg": 1_000_000, "from_month": 1, "months": 1}
    scenario = parse_scenario(_data(price_shocks=[fe]))
    check_bounds(scenario)  # without reference prices it cannot be judged yet
    with pytest.raises(ScenarioError, match=r"the shock on Fe moves its price ×1,666,666.67 in month 1"):
        run_scenario(_largest(), scenario)  # Fe is 0.60 USD/kg


def test_too_many_shocks_are_refused_before_running():
    scenario = parse_scenario(_data(price_shocks=[_shock(1.0001)] * (MAX_SHOCKS + 1)))
    with pytest.raises(ScenarioError, match=f"{MAX_SHOCKS + 1} of them; a scenario holds at most {MAX_SHOCKS}"):
        run_scenario(_demo(), scenario)


def test_the_bundled_presets_are_within_the_bounds():
    for preset in default_presets().presets:
        check_bounds(preset.scenario(AS_OF))


@pytest.mark.parametrize("start", ["1999-12", "2100-01", "9999-12", "0001-01"])
def test_a_start_outside_this_century_is_refused_with_its_key(start):
    with pytest.raises(ScenarioError, match=r"key 'start' = .*a scenario starts from 2000-01 to 2099-12"):
        parse_scenario(_data(start=start, horizon_months=120))
    preset = next(p for p in default_presets().presets if not p.fixed_start)
    with pytest.raises(ScenarioError, match=r"a scenario starts from 2000-01 to 2099-12"):
        preset.scenario(dt.date(int(start[:4]), int(start[5:]), 28))


def test_a_result_that_is_not_finite_is_refused_not_shown(monkeypatch):
    from riskdesk.core import scenario_run

    def nan_factors(scenario, symbols, prices):  # stands for any way to a NaN the bounds did not foresee
        return np.full((scenario.horizon_months, len(symbols)), np.nan)

    monkeypatch.setattr(scenario_run, "price_factors", nan_factors)
    with pytest.raises(ScenarioError, match=r"scenario 'x' gives a cost that is not a finite number \(part "
                                            r"scenario\)"):
        run_scenario(_demo(), parse_scenario(_data()))


def test_a_monte_carlo_that_would_overflow_is_refused_not_shown():
    result = run_scenario(_demo(), parse_scenario(_data()))
    model = estimate_price_model(_demo().reference.prices, result.symbols)
    wild = model.with_element("Dy", drift=1e6)  # a parameter set far too large
    with pytest.raises(ScenarioError, match="the Monte Carlo around 'x' gives a cost that is not a finite number"):
        run_monte_carlo(result, MonteCarloSettings(paths=100, seed=1, model=wild))


_SYMBOLS = ["Dy", "Tb", "Nd", "Fe", "Ce", "NdPr", "heavy", "rare-earths"]


@st.composite
def _scenario_data(draw: st.DrawFn) -> dict[str, object]:
    horizon = draw(st.integers(1, 120))
    shocks = []
    for _ in range(draw(st.integers(0, 12))):
        shock: dict[str, object] = {
            "elements": draw(st.lists(st.sampled_from(_SYMBOLS), min_size=1, max_size=3)),
            "shape": draw(st.sampled_from(["step", "ramp", "decay"])),
            "from_month": draw(st.integers(1, horizon)), "months": draw(st.integers(1, 1200))}
        if draw(st.booleans()):
            shock["multiplier"] = draw(st.floats(1e-300, 1000.0) | st.sampled_from([1000.0, 999.9999, 5e-324]))
        else:
            shock["price_usd_per_kg"] = draw(st.floats(1e-300, 1e7) | st.sampled_from([1e7, 5e-324]))
        shocks.append(shock)
    cuts = [{"elements": draw(st.lists(st.sampled_from(_SYMBOLS), max_size=2)),
             "countries": draw(st.lists(st.sampled_from(["CN", "MM", "JP", "US"]), max_size=2)),
             "stages": draw(st.lists(st.sampled_from(["mine", "separation", "metal", "magnet", "assembly"]),
                                     min_size=1, max_size=3)),
             "share_lost": draw(st.floats(5e-324, 1.0, exclude_min=False)),
             "from_day": draw(st.integers(1, 28 * horizon)), "days": draw(st.integers(1, 100_000)),
             "stock_usable": draw(st.booleans())}
            for _ in range(draw(st.integers(0, 5)))]
    start = f"{draw(st.integers(2000, 2099))}-{draw(st.integers(1, 12)):02d}"
    return _data(start=start, horizon_months=horizon, price_basis=draw(st.sampled_from(["china", "ex-china"])),
                 price_shocks=shocks, supply_cuts=cuts)


@given(data=_scenario_data(), largest=st.booleans())
def test_a_scenario_is_refused_in_one_line_or_every_figure_it_gives_is_finite(data, largest):
    evaluation = _largest() if largest else _demo()
    try:
        scenario = parse_scenario(data)
        result = run_scenario(evaluation, scenario)
    except ScenarioError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert np.isfinite(result.prices()).all() and (result.price_factor <= MAX_PRICE_MULTIPLE * (1 + 1e-9)).all()
    for figures in (result.part_baseline, result.part_scenario, result.stock_out.units_short,
                    result.stock_out.shortfall_cost, result.element_scenario, result.part_delta_total):
        assert np.isfinite(figures).all()
    json.dumps(result.to_json(), allow_nan=False)  # what the CLI prints and the report writes


def test_the_largest_plausible_part_under_the_largest_shock_stays_finite():
    shocks = [_shock(1000, "rare-earths", 1200), _shock(1000, "Fe", 1200)]
    scenario = parse_scenario(_data(horizon_months=120, price_shocks=shocks, supply_cuts=[
        {"elements": [], "countries": [], "stages": ["magnet"], "share_lost": 1, "from_day": 1, "days": 100_000}]))
    result = run_scenario(_largest(), scenario)
    assert np.isfinite(result.portfolio_scenario).all() and result.delta_total > 1e20
