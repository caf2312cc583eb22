"""The Monte Carlo paths and seed the buyer chose: one choice for the Scenarios tab and the report dialog, so the
cost at risk on screen and in the report are the same numbers."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from riskdesk.core.simulation import MonteCarloSettings

SEED_MAX = 2_147_483_647
"""The largest seed the window offers (the command line takes any whole number from 0)."""


class MonteCarloChoice(QObject):
    """Paths and seed of the open project's Monte Carlo runs, held by the document; starts at the core's defaults
    (those of `riskdesk scenario` and `riskdesk report` too). `changed` is emitted when either changes."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from riskdesk.core.simulation import MonteCarloSettings  # numpy: not on the first window's path

        defaults = MonteCarloSettings()
        self._paths = defaults.paths
        self._seed = defaults.seed

    @property
    def paths(self) -> int:
        return self._paths

    @property
    def seed(self) -> int:
        return self._seed

    def set(self, *, paths: int | None = None, seed: int | None = None) -> None:
        """Change the paths, the seed or both (emits `changed` only when something changes)."""
        new = (self._paths if paths is None else int(paths), self._seed if seed is None else int(seed))
        if new != (self._paths, self._seed):
            self._paths, self._seed = new
            self.changed.emit()

    def settings(self, base: MonteCarloSettings | None = None) -> MonteCarloSettings:
        """`base` (default: the core's settings) with these paths and this seed."""
        from riskdesk.core.simulation import MonteCarloSettings

        return dataclasses.replace(base or MonteCarloSettings(), paths=self._paths, seed=self._seed)
