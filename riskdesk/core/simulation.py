"""Monte Carlo over prices and supply disruptions around a scenario: seeded, vectorised, in chunks of paths.

Prices (per element, monthly): correlated geometric Brownian motion with Poisson jumps, switching between two
regimes — *normal* and *controls*. A month is in the controls regime while a random disruption is under way;
there volatility is scaled up, jumps come more often, and each element's price carries its *controls premium*
(the log move observed when controls began: ex-China Dy and Tb about ×3 in April 2025), which goes away when the
disruption ends. Jump arrivals are correlated across elements through a Gaussian copula with the diffusion's
correlation. Each path's prices multiply the scenario's deterministic price path.

Disruptions: each `Disruption` starts in a month with a probability, on a random day of that month, and lasts a
lognormal number of days; it takes a share of supply from the paths its cut reaches (as a scenario's supply cut
does). A part runs out in a path when a disruption lasts longer than its time to survive; stock is taken to be
back to its level before each disruption.

Results: P5/P25/P50/P75/P95 of the monthly portfolio cost, cost at risk (P95 of the total over the horizon minus
its mean), expected shortfall (the mean of the totals at or beyond that P95, minus the mean), and each part's
probability of running out. `run_monte_carlo` reports `progress(fraction)` after every chunk and stops with
`SimulationCancelled` when `cancelled()` turns true: call it from a worker thread. A result that would hold a
number that is not finite (parameters set far too large) is refused with a ScenarioError, never shown.

Parameters are estimated from the bundled price history (`estimate_price_model`) or set by the user; every
figure says where it comes from. Formulas, defaults and assumptions: docs/scenarios.md.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from riskdesk.core import elements
from riskdesk.core.datafile import Source
from riskdesk.core.prices import PriceBook
from riskdesk.core.scenario_run import ScenarioResult, cut_reach
from riskdesk.core.scenarios import DAYS_PER_YEAR, Provenance, ScenarioError, SupplyCut, add_months

MONTH = 1.0 / 12.0
CHUNK_PATHS = 2048
"""Paths simulated at a time: bounds memory (about 2048 × months × elements × 8 bytes per array) and sets how
often progress is reported. Fixed, so that a seed gives the same paths whatever the machine."""
MAX_PATHS = 1_000_000
PERCENTILES: tuple[int, ...] = (5, 25, 50, 75, 95)
TAIL = 95
"""Cost at risk and expected shortfall are taken at this percentile of the total cost over the horizon."""

CHINA_SERIES_BASES = frozenset({"China domestic", "FOB China", "volume-weighted global"})
EX_CHINA_SERIES_BASES = frozenset({"Europe", "CIF Rotterdam"})
LARGE_MOVE = math.log(1.5)
"""A move of 50 % or more between two quotes of one series is taken as a controls premium, not diffusion."""
MIN_RETURNS = 3
MIN_SPAN_YEARS = 60 / 365
OTHER_METALS_SIGMA = 0.25
"""Annual volatility assumed for elements without bundled price history that are not rare earths (U)."""
CONTROLS_VOL_SCALE = 1.5
CONTROLS_JUMP_SCALE = 3.0


class SimulationCancelled(Exception):
    """The caller asked the simulation to stop (its `cancelled()` returned true); no result is produced."""


# ---------------------------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class ElementParameters:
    """How one element's price moves, per year, in the normal regime."""

    symbol: str
    sigma: float
    """Annual volatility of the log price (diffusion)."""
    drift: float = 0.0
    """Annual growth of the expected price without jumps: E[price in t years] = price × e^(drift × t)."""
    jump_intensity: float = 0.0
    """Expected number of jumps a year."""
    jump_mean: float = 0.0
    """Mean of the log jump size (ln 3 for ×3)."""
    jump_sd: float = 0.0
    """Standard deviation of the log jump size."""
    controls_premium: float = 0.0
    """Log price level added while the controls regime lasts (ln 3.04 for ex-China Dy in April 2025)."""
    how: str = ""
    """Where the figures come from, in words."""
    confidence: str = "U"


@dataclass(frozen=True)
class PriceModel:
    """Price dynamics of a set of elements on one price basis."""

    basis: str
    parameters: tuple[ElementParameters, ...]
    correlation: np.ndarray
    """(elements × elements) correlation of the diffusion, also used for jump arrivals."""
    controls_vol_scale: float = CONTROLS_VOL_SCALE
    """Volatility × this in the controls regime (U)."""
    controls_jump_scale: float = CONTROLS_JUMP_SCALE
    """Jump intensity × this in the controls regime (U)."""
    correlation_note: str = ""

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(p.symbol for p in self.parameters)

    def get(self, symbol: str) -> ElementParameters:
        for p in self.parameters:
            if p.symbol == symbol:
                return p
        raise KeyError(symbol)

    def with_element(self, symbol: str, **changes: Any) -> PriceModel:
        """The model with one element's parameters changed (e.g. `jump_intensity=0.5`), marked as the user's."""
        changes.setdefault("how", "set by the user")
        changes.setdefault("confidence", "")
        updated = tuple(dataclasses.replace(p, **changes) if p.symbol == symbol else p for p in self.parameters)
        return dataclasses.replace(self, parameters=updated)

    def for_symbols(self, symbols: Sequence[str], fallback: PriceModel | None = None) -> PriceModel:
        """The model restricted (and ordered) to `symbols`; elements it lacks come from `fallback`."""
        own = {p.symbol: i for i, p in enumerate(self.parameters)}
        rows = []
        for s in symbols:
            if s in own:
                rows.append(self.parameters[own[s]])
            elif fallback is not None:
                rows.append(fallback.get(s))
            else:
                raise KeyError(f"no price parameters for {s}")
        index = [own.get(s, -1) for s in symbols]
        correlation = default_correlation(symbols)
        for a, i in enumerate(index):
            for b, j in enumerate(index):
                if i >= 0 and j >= 0:
                    correlation[a, b] = self.correlation[i, j]
        return dataclasses.replace(self, parameters=tuple(rows), correlation=correlation)


def default_correlation(symbols: Sequence[str]) -> np.ndarray:
    """Assumed correlation of monthly log price moves (U, no bundled history aligns enough quotes to estimate it):
    Nd–Pr 0.95 (quoted together as NdPr), within light or within heavy rare earths 0.7, light–heavy 0.4, rare
    earth–other metal 0.1, other metals among themselves 0.3."""
    n = len(symbols)
    result = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = elements.BY_SYMBOL[symbols[i]], elements.BY_SYMBOL[symbols[j]]
            if {a.symbol, b.symbol} == {"Nd", "Pr"}:
                value = 0.95
            elif a.rare_earth and b.rare_earth:
                value = 0.7 if a.heavy == b.heavy else 0.4
            elif a.rare_earth or b.rare_earth:
                value = 0.1
            else:
                value = 0.3
            result[i, j] = result[j, i] = value
    return result


def _cholesky(correlation: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor; a matrix that is not positive definite is first moved to the nearest one that is
    (eigenvalues clipped, diagonal restored)."""
    try:
        return np.linalg.cholesky(correlation)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh((correlation + correlation.T) / 2)
        fixed = vectors @ np.diag(np.clip(values, 1e-6, None)) @ vectors.T
        d = np.sqrt(np.diag(fixed))
        return np.linalg.cholesky(fixed / np.outer(d, d))


@dataclass(frozen=True)
class _Returns:
    small: list[tuple[float, float, str]] = field(default_factory=list)
    """(log return, years, series id) of moves under LARGE_MOVE."""
    large: list[tuple[float, float, str]] = field(default_factory=list)


def _series_returns(prices: PriceBook, symbol: str, bases: frozenset[str]) -> _Returns:
    result = _Returns()
    for series in prices.for_element(symbol):
        if series.kind != "assessment" or series.basis not in bases or len(series.points) < 2:
            continue
        points = series.in_usd_per_kg_element()
        for (d0, p0), (d1, p1) in itertools.pairwise(points):
            r = math.log(p1 / p0)
            years = max((d1 - d0).days, 1) / DAYS_PER_YEAR
            (result.large if abs(r) >= LARGE_MOVE else result.small).append((r, years, series.id))
    return result


def _sigma(returns: Sequence[tuple[float, float, str]]) -> float | None:
    span = sum(y for _, y, _ in returns)
    if len(returns) < MIN_RETURNS or span < MIN_SPAN_YEARS:
        return None
    return math.sqrt(sum(r * r for r, _, _ in returns) / span)


def estimate_price_model(prices: PriceBook, symbols: Sequence[str], basis: str = "china") -> PriceModel:
    """Parameters estimated from the bundled price history, one element at a time, on one price basis.

    - volatility: √(Σ r² / Σ Δt) over the log returns r between consecutive quotes of one series (assessments on
      that basis, moves under 50 %) when an element has at least 3 spanning 60 days; else the rare earths' pooled
      figure on that basis (then on both); other metals without history get 25 % a year (U);
    - controls premium: the mean log move of 50 % or more between two quotes on that basis (the April 2025 ex-China
      Dy and Tb moves), 0 when none was observed — China domestic prices held in 2025;
    - jumps: none by default: the bundled history shows no large move outside control episodes (set them);
    - drift: 0 (no forecast)."""
    bases = CHINA_SERIES_BASES if basis == "china" else EX_CHINA_SERIES_BASES
    rare = [e.symbol for e in elements.ELEMENTS if e.rare_earth]
    pooled_basis = [r for s in rare for r in _series_returns(prices, s, bases).small]
    pooled_all = [r for s in rare for r in _series_returns(prices, s, CHINA_SERIES_BASES | EX_CHINA_SERIES_BASES).small]
    pooled = _sigma(_unique(pooled_basis))
    pool_text = f"the rare earths' quotes on the {basis} basis"
    if pooled is None:
        pooled, pool_text = _sigma(_unique(pooled_all)), "the rare earths' quotes on both bases"
    rows = []
    for symbol in symbols:
        found = _series_returns(prices, symbol, bases)
        own = _sigma(found.small)
        element = elements.BY_SYMBOL[symbol]
        if own is not None:
            ids = sorted({s for _, _, s in found.small})
            how = f"volatility {own:.0%}/yr from {len(found.small)} moves between quotes of {', '.join(ids)} (D)"
            sigma, confidence = own, "D"
        elif element.rare_earth and pooled is not None:
            how = (f"volatility {pooled:.0%}/yr pooled over {pool_text} (D; too few quotes of {symbol} "
                   "itself)")
            sigma, confidence = pooled, "D"
        else:
            how = f"volatility {OTHER_METALS_SIGMA:.0%}/yr assumed: no price history bundled (U)"
            sigma, confidence = OTHER_METALS_SIGMA, "U"
        premium = 0.0
        if found.large:
            premium = sum(r for r, _, _ in found.large) / len(found.large)
            moves = ", ".join(f"×{math.exp(r):.2f} in {y * DAYS_PER_YEAR:.0f} days ({s})" for r, y, s in found.large)
            how += f"; controls premium ×{math.exp(premium):.2f} from {moves} (D)"
        rows.append(ElementParameters(symbol, sigma, 0.0, 0.0, 0.0, 0.0, premium, how + "; no drift, no jumps",
                                      confidence))
    return PriceModel(basis, tuple(rows), default_correlation(symbols),
                      correlation_note=(default_correlation.__doc__ or "").split(":")[0].strip())


def _unique(returns: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """Returns of series covering several elements (NdPr) counted once in a pooled estimate."""
    seen: set[tuple[float, float, str]] = set()
    result = []
    for item in returns:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result


# ------------------------------------------------------------------------------------------------ disruptions


@dataclass(frozen=True)
class Disruption:
    """A random supply disruption: starts in any month with `monthly_probability` (only while none of its kind is
    under way), lasts a lognormal number of days (median `median_days`, log-sd `duration_sigma`), and takes the
    cut's share of supply from the paths the cut reaches (the cut's own days are not used)."""

    name: str
    cut: SupplyCut
    monthly_probability: float
    median_days: float
    duration_sigma: float = 0.6
    provenance: Provenance = field(default_factory=Provenance)


DEFAULT_DISRUPTION = Disruption(
    name="China cuts rare-earth magnet exports",
    cut=SupplyCut((), ("CN",), ("magnet",), 0.74, 1, 61),
    monthly_probability=0.016,
    median_days=61.0,
    duration_sigma=0.6,
    provenance=Provenance(
        "C", "U",
        (Source("econotimes: China's rare earth magnet exports plunge (May 2025, −74 % y/y)",
                "https://www.econotimes.com/Chinas-Rare-Earth-Magnet-Exports-Plunge-Amid-Tighter-Export-Controls-1713812"),),
        "Share lost 74 % as in May 2025 (C); about three episodes of Chinese rare-earth export restrictions in 16 "
        "years (2010, April and October 2025) ≈ 0.19 a year ≈ 1.6 % a month (2010 is background knowledge: U); "
        "median two months as April–May 2025 (D), log-sd 0.6 (U).",
    ),
)


@dataclass(frozen=True)
class MonteCarloSettings:
    """What to simulate. `model` None: estimated from the bundled price history on the scenario's basis."""

    paths: int = 10_000
    seed: int = 0
    disruptions: tuple[Disruption, ...] = (DEFAULT_DISRUPTION,)
    model: PriceModel | None = None
    sample_paths: int = 100
    """How many whole paths of the monthly portfolio cost to keep (for a chart)."""


# -------------------------------------------------------------------------------------------------- kernels


@dataclass(frozen=True)
class PricePaths:
    """Simulated log price moves: `log_factor[path, month, element]` is ln(price / reference) after that month."""

    log_factor: np.ndarray
    jump_counts: np.ndarray
    """(paths × months × elements) jumps in each month (only for elements with jumps; zeros otherwise)."""


def _poisson_thresholds(rate: np.ndarray) -> np.ndarray:
    """(levels × elements) standard-normal thresholds z_k with P(N ≥ k) = P(Z > z_k) for N ~ Poisson(rate): a
    count is Σ_k (Z > z_k), exact Poisson marginals from one (correlated) normal per element."""
    normal = statistics.NormalDist()
    levels = 1
    while any(_poisson_tail(r, levels) > 1e-10 for r in rate):
        levels += 1
    thresholds = np.full((levels, len(rate)), np.inf)
    for j, r in enumerate(rate):
        if r <= 0:
            continue
        cumulative = 0.0
        term = math.exp(-r)
        for k in range(levels):
            cumulative += term
            term *= r / (k + 1)
            if cumulative >= 1.0:
                break
            thresholds[k, j] = normal.inv_cdf(cumulative)
    return thresholds


def _poisson_tail(rate: float, k: int) -> float:
    """P(N > k) for N ~ Poisson(rate)."""
    if rate <= 0:
        return 0.0
    term = math.exp(-rate)
    cumulative = term
    for i in range(1, k + 1):
        term *= rate / i
        cumulative += term
    return max(0.0, 1.0 - cumulative)


def simulate_prices(model: PriceModel, n_paths: int, months: int, rng: np.random.Generator,
                    controls: np.ndarray | None = None) -> PricePaths:
    """Log price moves of `n_paths` paths over `months` months; `controls` (paths × months, bool) marks the
    months in the controls regime."""
    sigma = np.array([p.sigma for p in model.parameters])
    drift = np.array([p.drift for p in model.parameters])
    rate = np.array([p.jump_intensity for p in model.parameters]) * MONTH
    premium = np.array([p.controls_premium for p in model.parameters])
    n_el = len(sigma)
    chol = _cholesky(model.correlation)
    # One (paths × months × elements) array, updated in place: correlated normals → monthly log moves → their
    # running sum. Months in the controls regime (a few per cent) are adjusted through a boolean index.
    step = rng.standard_normal((n_paths, months, n_el)) @ chol.T
    regime = np.zeros((n_paths, months), dtype=bool) if controls is None else controls
    any_controls = bool(regime.any())
    step *= sigma * math.sqrt(MONTH)
    calm_drift = (drift - 0.5 * sigma * sigma) * MONTH
    if any_controls:
        stressed_sigma = sigma * model.controls_vol_scale
        shift = (drift - 0.5 * stressed_sigma * stressed_sigma) * MONTH - calm_drift
        step[regime] = step[regime] * model.controls_vol_scale + shift
    step += calm_drift
    counts = np.zeros((n_paths, months, n_el), dtype=np.int32)
    jumping = np.flatnonzero(rate > 0)
    if len(jumping):
        sub = _cholesky(model.correlation[np.ix_(jumping, jumping)])
        # Single precision is plenty to compare with a threshold, and twice as quick to draw.
        u = rng.standard_normal((n_paths, months, len(jumping)), dtype=np.float32) @ sub.T.astype(np.float32)
        normal = _poisson_thresholds(rate[jumping])
        stressed = _poisson_thresholds(rate[jumping] * model.controls_jump_scale) if any_controls else normal
        levels = max(len(normal), len(stressed))
        normal = _pad(normal, levels)
        stressed = _pad(stressed, levels)
        # Most months have no jump: only the draws above the lower first threshold are counted level by level.
        candidates = np.nonzero(u > np.minimum(normal[0], stressed[0]))
        drawn = u[candidates]
        column = candidates[2]
        thresholds = np.where(regime[candidates[0], candidates[1]][:, None], stressed[:, column].T,
                              normal[:, column].T)
        count = (drawn[:, None] > thresholds).sum(axis=1)
        keep = count > 0
        where = (candidates[0][keep], candidates[1][keep], column[keep])
        count = count[keep]
        counts[where[0], where[1], jumping[where[2]]] = count
        if len(count):
            mean = np.array([p.jump_mean for p in model.parameters])[jumping][where[2]]
            sd = np.array([p.jump_sd for p in model.parameters])[jumping][where[2]]
            sizes = count * mean + np.sqrt(count) * sd * rng.standard_normal(len(count))
            step[where[0], where[1], jumping[where[2]]] += sizes
    np.cumsum(step, axis=1, out=step)
    if any_controls and premium.any():
        step[regime] += premium
    return PricePaths(step, counts)


def _pad(thresholds: np.ndarray, levels: int) -> np.ndarray:
    if len(thresholds) >= levels:
        return thresholds
    extra = np.full((levels - len(thresholds), thresholds.shape[1]), np.inf)
    return np.vstack([thresholds, extra])


@dataclass(frozen=True)
class _Events:
    """Disruptions drawn for a chunk of paths: each event's path, first day and days within the horizon."""

    path: np.ndarray
    start: np.ndarray
    length: np.ndarray
    active: np.ndarray
    """(paths × months) a disruption of this kind is under way in the month."""


def draw_disruptions(disruption: Disruption, n_paths: int, month_days: np.ndarray, rng: np.random.Generator) -> _Events:
    """Random disruptions of one kind: `month_days` holds the first day number of each month and, last, the day
    after the horizon."""
    months = len(month_days) - 1
    horizon = int(month_days[-1] - 1)
    start_draw = rng.random((n_paths, months))
    day_draw = rng.random((n_paths, months))
    length_draw = rng.standard_normal((n_paths, months))
    end = np.zeros(n_paths)
    active = np.zeros((n_paths, months), dtype=bool)
    paths: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    for t in range(months):
        first, after = month_days[t], month_days[t + 1]
        carried = end > first
        begins = ~carried & (start_draw[:, t] < disruption.monthly_probability)
        if begins.any():
            who = np.flatnonzero(begins)
            day = first + np.floor(day_draw[who, t] * (after - first))
            days = np.maximum(1.0, np.round(disruption.median_days * np.exp(disruption.duration_sigma *
                                                                             length_draw[who, t])))
            end[who] = day + days
            paths.append(who)
            starts.append(day)
            lengths.append(np.minimum(days, horizon - day + 1))
        active[:, t] = carried | begins
    if paths:
        return _Events(np.concatenate(paths), np.concatenate(starts), np.concatenate(lengths), active)
    empty = np.zeros(0)
    return _Events(empty.astype(np.int64), empty, empty, active)


# ------------------------------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class MonteCarloResult:
    """Percentiles of the monthly portfolio cost (USD per month), tail figures of the total over the horizon, and
    each part's probability of running out."""

    paths: int
    seed: int
    months: list[str]
    percentiles: Mapping[int, np.ndarray]
    """Percentile (5, 25, 50, 75, 95) → (months,) monthly portfolio cost."""
    mean: np.ndarray
    scenario_cost: np.ndarray
    """(months,) the deterministic scenario's monthly portfolio cost, for comparison."""
    total_mean: float
    total_p95: float
    cost_at_risk: float
    """P95 of the total cost over the horizon minus its mean."""
    expected_shortfall: float
    """Mean of the totals at or beyond their P95, minus the mean of all totals."""
    part_numbers: np.ndarray
    stop_probability: np.ndarray
    """Per part: share of paths in which the part runs out (1 where the scenario's own cuts already stop it)."""
    shortfall_cost_mean: float
    """Mean over paths of the value of units short (scenario cuts and random disruptions), USD."""
    disrupted_share: float
    """Share of paths with at least one random disruption."""
    samples: np.ndarray
    """(kept paths × months) whole paths of the monthly portfolio cost."""
    model: PriceModel
    settings: MonteCarloSettings
    total_p50: float = math.nan
    """The median of the total cost over the horizon."""

    @property
    def p5(self) -> np.ndarray:
        return self.percentiles[5]

    @property
    def p25(self) -> np.ndarray:
        return self.percentiles[25]

    @property
    def p50(self) -> np.ndarray:
        return self.percentiles[50]

    @property
    def p75(self) -> np.ndarray:
        return self.percentiles[75]

    @property
    def p95(self) -> np.ndarray:
        return self.percentiles[95]

    def to_json(self) -> dict[str, Any]:
        return {
            "paths": self.paths,
            "seed": self.seed,
            **{f"p{q}": [round(float(v), 2) for v in self.percentiles[q]] for q in PERCENTILES},
            "mean": [round(float(v), 2) for v in self.mean],
            "total_mean": round(self.total_mean, 2),
            "total_p50": round(self.total_p50, 2),
            "total_p95": round(self.total_p95, 2),
            "cost_at_risk": round(self.cost_at_risk, 2),
            "expected_shortfall": round(self.expected_shortfall, 2),
            "stop_probability": {str(p): round(float(v), 4)
                                 for p, v in zip(self.part_numbers, self.stop_probability, strict=True)},
            "shortfall_cost_mean": round(self.shortfall_cost_mean, 2),
            "disrupted_share": round(self.disrupted_share, 4),
            "price_basis": self.model.basis,
            "disruptions": [{"name": d.name, "monthly_probability": d.monthly_probability,
                             "median_days": d.median_days, "cut": d.cut.describe()}
                            for d in self.settings.disruptions],
        }


class _ShortfallCurve:
    """Σ over parts of value × max(0, days − tts) for any disruption length, from prefix sums over the parts
    sorted by time to survive: the value of units short, without a (disruptions × parts) array. `value` is per
    part: share lost × annual units / 365 × unit price, so value × (days − tts) = (share × days − stock) × …"""

    def __init__(self, tts: np.ndarray, value: np.ndarray) -> None:
        order = np.argsort(tts, kind="stable")
        self.tts = tts[order]
        self.value = np.concatenate([[0.0], np.cumsum(value[order])])
        self.weighted = np.concatenate([[0.0], np.cumsum(value[order] * self.tts)])

    def total(self, days: np.ndarray) -> float:
        below = np.searchsorted(self.tts, days - 1e-9, side="left")
        return float((days * self.value[below] - self.weighted[below]).sum())


def sorted_percentiles(sorted_rows: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """Percentiles (linear interpolation, as numpy's default) of rows already sorted along axis 0."""
    n = len(sorted_rows)
    result = []
    for q in qs:
        position = (n - 1) * q / 100.0
        low = math.floor(position)
        high = min(low + 1, n - 1)
        weight = position - low
        result.append(sorted_rows[low] * (1.0 - weight) + sorted_rows[high] * weight)
    return result


def run_monte_carlo(result: ScenarioResult, settings: MonteCarloSettings | None = None, *,
                    progress: Callable[[float], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> MonteCarloResult:
    """Simulate `settings.paths` paths of prices and disruptions around a scenario's result.

    Call it from a worker thread: `progress(fraction)` runs after every chunk of paths (from this thread), and
    when `cancelled()` returns true before a chunk, SimulationCancelled is raised. Seeded: the same settings give
    the same numbers on any machine with the same numpy (chunks have a fixed size, each its own stream spawned
    from the seed)."""
    settings = settings or MonteCarloSettings()
    if not 1 <= settings.paths <= MAX_PATHS:
        raise ValueError(f"paths must be between 1 and {MAX_PATHS:,}, not {settings.paths}")
    if settings.seed < 0:
        raise ValueError(f"the seed must be a whole number from 0, not {settings.seed}")
    scenario = result.scenario
    evaluation = result.evaluation
    symbols = result.symbols
    estimated = estimate_price_model(evaluation.reference.prices, symbols, scenario.price_basis)
    model = settings.model.for_symbols(symbols, estimated) if settings.model is not None else estimated
    months = scenario.horizon_months
    month_days = np.array([(add_months(scenario.start, t) - scenario.start).days + 1 for t in range(months + 1)],
                          dtype=float)
    # Monthly portfolio kg of each element × the scenario's price: the weights of the simulated price factors.
    weights = result.part_kg_month.sum(axis=0) * result.reference_prices * result.price_factor

    compiled = evaluation.compiled
    stock = np.clip(np.nan_to_num(compiled.stock_days, nan=0.0), 0.0, None)
    unit_value = compiled.annual_units / DAYS_PER_YEAR * compiled.unit_price
    # Per disruption, the parts it reaches (as positions among all parts any disruption reaches), the share of
    # supply they lose, their time to survive and the stock that bridges it.
    losses = [disruption.cut.share_lost * cut_reach(evaluation, disruption.cut).part_share
              for disruption in settings.disruptions]
    reached = np.flatnonzero(np.any(losses, axis=0)) if losses else np.zeros(0, dtype=np.int64)
    exposures = []
    for disruption, loss in zip(settings.disruptions, losses, strict=True):
        hit = np.flatnonzero(loss[reached] > 0)
        parts = reached[hit]
        tts = stock[parts] / loss[parts] if disruption.cut.stock_usable else np.zeros(len(parts))
        exposures.append((disruption, hit, tts, _ShortfallCurve(tts, loss[parts] * unit_value[parts])))

    n_total = settings.paths
    n_chunks = -(-n_total // CHUNK_PATHS)
    children = np.random.SeedSequence(settings.seed).spawn(n_chunks)
    cost = np.empty((n_total, months))
    stops = np.zeros(compiled.n_parts)
    shortfall = 0.0
    disrupted = 0
    for chunk, child in enumerate(children):
        if cancelled is not None and cancelled():
            raise SimulationCancelled
        rng = np.random.Generator(np.random.PCG64(child))
        lo = chunk * CHUNK_PATHS
        n = min(CHUNK_PATHS, n_total - lo)
        controls = np.zeros((n, months), dtype=bool)
        stopped = np.zeros((n, len(reached)), dtype=bool)
        touched = np.zeros(n, dtype=bool)
        for disruption, hit, tts, curve in exposures:
            events = draw_disruptions(disruption, n, month_days, rng)
            controls |= events.active
            touched[events.path] = True
            if not len(hit) or not len(events.path):
                continue
            longest = np.zeros(n)
            np.maximum.at(longest, events.path, events.length)
            stopped[:, hit] |= longest[:, None] > tts[None, :] + 1e-9
            shortfall += curve.total(events.length)
        disrupted += int(touched.sum())
        stops[reached] += stopped.sum(axis=0)
        factor = simulate_prices(model, n, months, rng, controls).log_factor
        # In place: the log moves are not needed again. An overflow is refused below, in one line, not warned.
        with np.errstate(over="ignore", invalid="ignore"):
            np.exp(factor, out=factor)
            cost[lo:lo + n] = np.matmul(factor.transpose(1, 0, 2), weights[:, :, None])[:, :, 0].T
        if progress is not None:
            progress((lo + n) / n_total)

    if not (np.isfinite(cost).all() and math.isfinite(shortfall)):
        raise ScenarioError("", None, f"the Monte Carlo around {scenario.name!r} gives a cost that is not a finite "
                            "number: the scenario's prices or the simulation's parameters are too large to compute "
                            "with")
    order = np.sort(cost, axis=0)
    monthly = dict(zip(PERCENTILES, sorted_percentiles(order, PERCENTILES), strict=True))
    totals = np.sort(cost.sum(axis=1))
    total_mean = float(totals.mean())
    p50, p95 = sorted_percentiles(totals[:, None], [50, TAIL])
    tail = totals[totals >= p95[0]]
    deterministic = result.stock_out
    stop_probability = np.where(deterministic.stops, 1.0, stops / n_total)
    return MonteCarloResult(
        paths=n_total,
        seed=settings.seed,
        months=scenario.month_labels,
        percentiles=monthly,
        mean=cost.mean(axis=0),
        scenario_cost=result.portfolio_scenario,
        total_mean=total_mean,
        total_p95=float(p95[0]),
        total_p50=float(p50[0]),
        cost_at_risk=float(p95[0]) - total_mean,
        expected_shortfall=float(tail.mean()) - total_mean,
        part_numbers=compiled.part_numbers,
        stop_probability=stop_probability,
        shortfall_cost_mean=float(deterministic.shortfall_cost.sum()) + shortfall / n_total,
        disrupted_share=disrupted / n_total,
        samples=cost[: min(settings.sample_paths, n_total)].copy(),
        model=model,
        settings=settings,
    )


__all__ = [
    "CHUNK_PATHS",
    "DEFAULT_DISRUPTION",
    "PERCENTILES",
    "Disruption",
    "ElementParameters",
    "MonteCarloResult",
    "MonteCarloSettings",
    "PriceModel",
    "PricePaths",
    "SimulationCancelled",
    "default_correlation",
    "draw_disruptions",
    "estimate_price_model",
    "run_monte_carlo",
    "simulate_prices",
    "sorted_percentiles",
]


def selftest(project: Any, folder: Any) -> str:
    """`riskdesk --selftest`'s scenario step: the April 2025 preset and a small seeded Monte Carlo on `project`
    (the demo), checked against the method's promises, the result written to `folder` as JSON."""
    import datetime as dt
    import json
    from pathlib import Path

    from riskdesk.core.evaluation import evaluate
    from riskdesk.core.presets import default_presets
    from riskdesk.core.scenario_run import run_scenario

    as_of = dt.date.today()
    evaluation = evaluate(project, as_of)
    result = run_scenario(evaluation, default_presets().get("april-2025-licensing").scenario(as_of))
    twelve = float(result.portfolio_baseline[:12].sum())
    values = evaluation.elements_value()
    expected = sum(values.get(symbol, 0.0) for symbol in result.symbols)
    if result.scenario.price_basis == evaluation.settings.price_basis and not math.isclose(twelve, expected,
                                                                                        rel_tol=1e-6):
        raise AssertionError(f"twelve baseline months {twelve:,.2f} differ from the scores' {expected:,.2f}")
    monte_carlo = run_monte_carlo(result, MonteCarloSettings(paths=200, seed=1))
    if not (monte_carlo.p5 <= monte_carlo.p50).all() or not (monte_carlo.p50 <= monte_carlo.p95).all():
        raise AssertionError("Monte Carlo percentiles out of order")
    target = Path(folder) / "scenario.json"
    target.write_text(json.dumps({**result.to_json(), "monte_carlo": monte_carlo.to_json()}), encoding="utf-8")
    return (f"April 2025 preset: {result.delta_total:+,.0f} USD over {result.scenario.horizon_months} months, "
            f"{int(result.stock_out.stops.sum())} parts short; Monte Carlo 200 paths in order")
