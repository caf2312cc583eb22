"""Scenarios (issue 11): a Monte Carlo of 10,000 paths × 24 months over every element of a 1,000-part project,
against a bare numpy simulation of the same paths; and a deterministic scenario on 100,000 supply paths."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np

from bench.common import BenchResult, best_of

AS_OF = dt.date(2026, 11, 23)


def _bare_numpy(n_paths: int, months: int, correlation: np.ndarray, sigma: np.ndarray, weights: np.ndarray) -> None:
    """The same paths with nothing but numpy: correlated normals, GBM log moves, their sum, prices, the monthly
    portfolio cost, and one sort for the percentiles."""
    rng = np.random.default_rng(1)
    chol = np.linalg.cholesky(correlation)
    z = rng.standard_normal((n_paths, months, len(sigma))) @ chol.T
    log_price = np.cumsum(-0.5 * sigma * sigma / 12 + sigma * math.sqrt(1 / 12) * z, axis=1)
    cost = np.einsum("nte,te->nt", np.exp(log_price), weights)
    np.sort(cost, axis=0)


def run(quick: bool) -> list[BenchResult]:
    from riskdesk.core.demo import synthetic_project
    from riskdesk.core.elements import BY_SYMBOL as ELEMENTS
    from riskdesk.core.evaluation import evaluate
    from riskdesk.core.presets import default_presets
    from riskdesk.core.reference import default_reference
    from riskdesk.core.scenario_run import run_scenario
    from riskdesk.core.simulation import MonteCarloSettings, estimate_price_model, run_monte_carlo

    reference = default_reference()
    presets = default_presets()
    april = presets.get("april-2025-licensing").scenario(AS_OF)

    # Monte Carlo: 1,000 parts (4 supply paths each), every element they hold, the April 2025 preset with the
    # default random disruption (controls regime, premium on Dy and Tb ex-China), and jumps on the rare earths
    # (the bundled history gives none outside control episodes: set here, half a jump a year, to time them).
    n_paths = 2_000 if quick else 10_000
    evaluation = evaluate(synthetic_project(4_000), AS_OF, reference=reference)
    result = run_scenario(evaluation, april)
    model = estimate_price_model(reference.prices, result.symbols, april.price_basis)
    for symbol in result.symbols:
        if ELEMENTS[symbol].rare_earth:
            model = model.with_element(symbol, jump_intensity=0.5, jump_mean=0.3, jump_sd=0.2)
    settings = MonteCarloSettings(paths=n_paths, seed=1, model=model)
    run_monte_carlo(result, settings)  # warm caches
    sigma = np.array([p.sigma for p in model.parameters])
    weights = result.part_kg_month.sum(axis=0) * result.reference_prices * result.price_factor
    bare = best_of(lambda: _bare_numpy(n_paths, april.horizon_months, model.correlation, sigma, weights), repeat=5)
    simulated = best_of(lambda: run_monte_carlo(result, settings), repeat=5)
    elements = len(result.symbols)

    # A deterministic scenario on 100,000 supply paths: the April shocks and cut plus the four rule-derived cuts of
    # the October preset, on an evaluated project (what re-running a scenario after an edit costs).
    october = presets.get("october-2025-back-in-force").scenario(AS_OF)
    mixed = dataclasses.replace(october, price_shocks=april.price_shocks,
                                supply_cuts=october.supply_cuts + april.supply_cuts)
    project = synthetic_project(100_000)
    big = evaluate(project, AS_OF, reference=reference)
    run_scenario(big, mixed)
    paths = project.tables.paths
    baseline = best_of(lambda: paths.groupby("part_number")["share_pct"].sum(), repeat=7)
    deterministic = best_of(lambda: run_scenario(big, mixed), repeat=7)
    return [
        BenchResult(f"monte_carlo_{n_paths // 1000}k_paths_24m_1000_parts", simulated, "s",
                    "bare_numpy_same_paths", bare, 3.0,
                    extra=f"{elements} elements, jumps/regimes/disruptions/stop probabilities",
                    absolute_limit=2.0),
        BenchResult("scenario_100k_paths", deterministic, "s", "pandas_groupby_sum_100k", baseline, 10.0,
                    extra=f"{len(mixed.price_shocks)} price shocks, {len(mixed.supply_cuts)} supply cuts",
                    absolute_limit=1.0),
    ]
