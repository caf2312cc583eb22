"""Shared shape of a benchmark result and its one-line report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BenchResult:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline_value: float
    target_ratio: float
    extra: str = ""
    """Further targets or figures, e.g. "absolute target < 1 s"."""
    absolute_limit: float | None = None
    """An absolute ceiling on `value` in `unit`, checked as well as the ratio."""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline_value if self.baseline_value else float("inf")

    @property
    def ok(self) -> bool:
        within = self.absolute_limit is None or self.value <= self.absolute_limit
        return self.ratio <= self.target_ratio and within

    def line(self) -> str:
        text = (
            f"{self.name}: {self.value:.4g} {self.unit} | baseline {self.baseline_name}: "
            f"{self.baseline_value:.4g} {self.unit} | ratio {self.ratio:.3g} (target <= {self.target_ratio:g})"
        )
        if self.absolute_limit is not None:
            text += f" [and <= {self.absolute_limit:g} {self.unit}]"
        if self.extra:
            text += f" [{self.extra}]"
        return text + (" | ok" if self.ok else " | MISS")


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of `repeat` wall-clock timings of `fn()`, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
