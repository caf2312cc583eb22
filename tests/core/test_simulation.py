"""The Monte Carlo against closed forms, and what a buyer relies on: seeded, ordered, cancellable."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import statistics

import numpy as np
import pytest

from riskdesk.core.evaluation import evaluate
from riskdesk.core.prices import default_prices
from riskdesk.core.scenario_run import run_scenario
from riskdesk.core.scenarios import PriceShock, Scenario, SupplyCut
from riskdesk.core.simulation import (
    Disruption,
    ElementParameters,
    MonteCarloSettings,
    PriceModel,
    SimulationCancelled,
    estimate_price_model,
    run_monte_carlo,
    simulate_prices,
    sorted_percentiles,
)
from tests.helpers.builders import PartSpec, all_in, project_of

Z = statistics.NormalDist().inv_cdf


def model(*params, correlation=None):
    return PriceModel("china", tuple(params), np.eye(len(params)) if correlation is None else np.array(correlation))


def final_factor(m, n, months, seed=1):
    paths = simulate_prices(m, n, months, np.random.default_rng(seed))
    return paths, np.exp(paths.log_factor[:, -1, :])


# ---------------------------------------------------------------------------------------------- closed forms


def test_without_jumps_prices_are_lognormal_with_the_closed_form_mean_and_quantiles():
    sigma, drift, years = 0.4, 0.1, 2.0
    _, factor = final_factor(model(ElementParameters("Dy", sigma, drift)), 100_000, 24)
    x = factor[:, 0]
    assert x.mean() == pytest.approx(math.exp(drift * years), rel=0.01)
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        expected = math.exp((drift - sigma ** 2 / 2) * years + Z(q) * sigma * math.sqrt(years))
        assert np.quantile(x, q) == pytest.approx(expected, rel=0.015), q


def test_jump_counts_average_lambda_t_and_the_mean_follows_the_jump_diffusion_closed_form():
    rate, years, jump_mean, jump_sd, sigma = 1.5, 2.0, 0.2, 0.1, 0.1
    p = ElementParameters("Tb", sigma, 0.0, rate, jump_mean, jump_sd)
    paths, factor = final_factor(model(p), 100_000, 24)
    counts = paths.jump_counts[:, :, 0].sum(axis=1)
    assert counts.mean() == pytest.approx(rate * years, abs=0.03)
    assert counts.var() == pytest.approx(rate * years, rel=0.03), "Poisson: variance = mean"
    expected = math.exp(rate * years * (math.exp(jump_mean + jump_sd ** 2 / 2) - 1))
    assert factor[:, 0].mean() == pytest.approx(expected, rel=0.015)


def test_empirical_correlation_of_monthly_moves_matches_the_target():
    target = [[1.0, 0.6, 0.2], [0.6, 1.0, 0.4], [0.2, 0.4, 1.0]]
    m = model(*(ElementParameters(s, 0.3) for s in ("Nd", "Dy", "Co")), correlation=target)
    paths = simulate_prices(m, 20_000, 24, np.random.default_rng(3))
    moves = np.diff(paths.log_factor, axis=1, prepend=0.0).reshape(-1, 3)
    assert np.corrcoef(moves.T) == pytest.approx(np.array(target), abs=0.02)


def test_jump_arrivals_are_correlated_like_the_prices():
    jumpy = [ElementParameters(s, 0.1, 0.0, 2.0, 0.3, 0.0) for s in ("Dy", "Tb")]
    together = simulate_prices(model(*jumpy, correlation=[[1, 0.9], [0.9, 1]]), 20_000, 24,
                               np.random.default_rng(5)).jump_counts.reshape(-1, 2)
    apart = simulate_prices(model(*jumpy), 20_000, 24, np.random.default_rng(5)).jump_counts.reshape(-1, 2)
    assert np.corrcoef(together.T)[0, 1] > 0.5 > abs(np.corrcoef(apart.T)[0, 1])


def test_the_controls_regime_adds_its_premium_while_it_lasts_and_it_goes_away_after():
    p = ElementParameters("Dy", 0.0, controls_premium=math.log(3.0))
    controls = np.zeros((2, 6), dtype=bool)
    controls[0, 2:4] = True
    paths = simulate_prices(model(p), 2, 6, np.random.default_rng(0), controls)
    assert np.exp(paths.log_factor[0, :, 0]) == pytest.approx([1, 1, 3, 3, 1, 1])
    assert np.exp(paths.log_factor[1, :, 0]) == pytest.approx(np.ones(6))


def test_percentiles_from_one_sort_agree_with_numpy():
    rows = np.random.default_rng(2).normal(size=(1001, 4))
    ours = sorted_percentiles(np.sort(rows, axis=0), [5, 50, 95])
    assert np.vstack(ours) == pytest.approx(np.percentile(rows, [5, 50, 95], axis=0))


# ----------------------------------------------------------------------------------------------- the run

AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def result():
    project = project_of(
        PartSpec("CN-LOW", stock_days=30, composition={"Dy": 4.0}, paths=[all_in("CN")]),
        PartSpec("CN-HIGH", stock_days=400, composition={"Dy": 4.0}, paths=[all_in("CN")]),
        PartSpec("JP", stock_days=0, composition={"Dy": 4.0}, paths=[all_in("JP")]),
    )
    scenario = Scenario("mc", dt.date(2027, 1, 1), 12, "ex-china",
                        (PriceShock(("Dy",), "decay", multiplier=3.0, months=6),))
    return run_scenario(evaluate(project, AS_OF), scenario)


CERTAIN = Disruption("certain", SupplyCut((), ("CN",), ("magnet",), 1.0, 1, 1), monthly_probability=1.0,
                     median_days=100.0, duration_sigma=0.0)


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others(result):
    settings = MonteCarloSettings(paths=3000, seed=11)
    a, b = run_monte_carlo(result, settings), run_monte_carlo(result, settings)
    c = run_monte_carlo(result, dataclasses.replace(settings, seed=12))
    for q in (5, 50, 95):
        assert np.array_equal(a.percentiles[q], b.percentiles[q])
        assert not np.array_equal(a.percentiles[q], c.percentiles[q])
    assert a.cost_at_risk == b.cost_at_risk and np.array_equal(a.stop_probability, b.stop_probability)


def test_percentiles_are_ordered_and_cost_at_risk_is_the_p95_of_the_total_minus_its_mean(result):
    mc = run_monte_carlo(result, MonteCarloSettings(paths=4000, seed=1, sample_paths=4000))
    stacked = np.vstack([mc.p5, mc.p25, mc.p50, mc.p75, mc.p95])
    assert (np.diff(stacked, axis=0) >= 0).all()
    totals = mc.samples.sum(axis=1)
    assert mc.cost_at_risk == pytest.approx(np.percentile(totals, 95) - totals.mean(), rel=1e-9)
    tail = totals[totals >= np.percentile(totals, 95)]
    assert mc.expected_shortfall == pytest.approx(tail.mean() - totals.mean(), rel=1e-9)
    assert mc.expected_shortfall >= mc.cost_at_risk > 0


def test_without_volatility_or_disruptions_every_path_is_the_scenario(result):
    flat = PriceModel("ex-china", tuple(ElementParameters(s, 0.0) for s in result.symbols),
                      np.eye(len(result.symbols)))
    mc = run_monte_carlo(result, MonteCarloSettings(paths=50, disruptions=(), model=flat))
    for q in (5, 50, 95):
        assert mc.percentiles[q] == pytest.approx(result.portfolio_scenario, rel=1e-12)
    assert mc.cost_at_risk == pytest.approx(0.0, abs=1e-6) and not mc.stop_probability.any()


def test_a_part_runs_out_in_the_paths_where_a_disruption_outlasts_its_stock(result):
    mc = run_monte_carlo(result, MonteCarloSettings(paths=500, disruptions=(CERTAIN,)))
    assert mc.disrupted_share == 1.0
    assert dict(zip(mc.part_numbers, mc.stop_probability, strict=True)) == {"CN-LOW": 1.0, "CN-HIGH": 0.0,
                                                                            "JP": 0.0}
    rare = dataclasses.replace(CERTAIN, monthly_probability=0.05)
    sometimes = run_monte_carlo(result, MonteCarloSettings(paths=4000, disruptions=(rare,)))
    p = sometimes.stop_probability[0]
    assert 0.2 < p < 0.6 and p == pytest.approx(sometimes.disrupted_share, abs=0.05)


def test_the_value_of_units_short_counts_the_days_a_disruption_outlasts_the_stock(result):
    # Four months (120 days); one disruption starting on a random day of the first month (mean day 16) and lasting
    # past the horizon: CN-LOW (30 days of stock) is short on average 121 − 16 − 30 = 75 days, of 1,000 units a
    # year at 10 USD each.
    short = dataclasses.replace(result.scenario, horizon_months=4)
    endless = dataclasses.replace(CERTAIN, median_days=400.0)
    mc = run_monte_carlo(run_scenario(result.evaluation, short), MonteCarloSettings(paths=4000, disruptions=(endless,)))
    assert mc.shortfall_cost_mean == pytest.approx(75 * 1000 / 365 * 10.0, rel=0.02)


def test_a_part_the_scenario_already_stops_has_a_stop_probability_of_1(result):
    stopped = dataclasses.replace(result.scenario, supply_cuts=(SupplyCut((), ("JP",), ("magnet",), 1.0, 1, 30),))
    mc = run_monte_carlo(run_scenario(result.evaluation, stopped), MonteCarloSettings(paths=100, disruptions=()))
    assert mc.stop_probability.tolist() == [0.0, 0.0, 1.0]


def test_progress_is_reported_per_chunk_and_a_cancel_stops_the_run(result):
    seen: list[float] = []
    run_monte_carlo(result, MonteCarloSettings(paths=5000), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 3
    seen.clear()
    with pytest.raises(SimulationCancelled):
        run_monte_carlo(result, MonteCarloSettings(paths=5000), progress=seen.append, cancelled=lambda: bool(seen))
    assert len(seen) == 1


def test_the_json_has_the_keys_scripts_rely_on(result):
    data = run_monte_carlo(result, MonteCarloSettings(paths=100, seed=4)).to_json()
    assert {"paths", "seed", "p5", "p25", "p50", "p75", "p95", "cost_at_risk", "expected_shortfall",
            "stop_probability"} <= set(data)
    assert data["paths"] == 100 and data["seed"] == 4 and len(data["p50"]) == 12
    assert set(data["stop_probability"]) == {"CN-LOW", "CN-HIGH", "JP"}


# ----------------------------------------------------------------------------------------------- estimation


def test_parameters_come_from_the_bundled_history_and_say_so():
    prices = default_prices()
    china = estimate_price_model(prices, ["Nd", "Dy", "Fe"], "china")
    ex_china = estimate_price_model(prices, ["Nd", "Dy", "Fe"], "ex-china")
    assert china.get("Nd").confidence == "D" and "prnd-oxide-china-smm" in china.get("Nd").how
    assert 0.1 < china.get("Nd").sigma < 1.0
    assert china.get("Dy").controls_premium == 0.0, "China domestic Dy held in 2025"
    argus = prices.get_series("dy-oxide-europe-argus").in_usd_per_kg_element()
    assert ex_china.get("Dy").controls_premium == pytest.approx(math.log(argus[-1][1] / argus[0][1]))
    assert china.get("Fe").confidence == "U" and "no price history" in china.get("Fe").how
    assert np.allclose(china.correlation, china.correlation.T) and np.linalg.eigvalsh(china.correlation).min() > 0


def test_a_model_set_by_the_user_is_used(result):
    calm = estimate_price_model(default_prices(), result.symbols, "ex-china")
    for symbol in result.symbols:
        calm = calm.with_element(symbol, sigma=0.0, controls_premium=0.0)
    mc = run_monte_carlo(result, MonteCarloSettings(paths=200, model=calm))
    assert mc.model.get("Dy").how == "set by the user"
    assert mc.p95 == pytest.approx(result.portfolio_scenario, rel=1e-12)
