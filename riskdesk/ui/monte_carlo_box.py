"""The Monte Carlo controls of the Scenarios tab: how many paths, the seed, Run and Cancel, the progress of a run and
a one-line summary of its result. The tab wires the buttons to its run (`ScenariosView.run_monte_carlo`) and fills
the summary; this box only lays them out.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSpinBox, QWidget

DEFAULT_PATHS = 10_000


class MonteCarloBox(QGroupBox):
    """Paths, seed, Run and Cancel, progress and the summary of the last run (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Monte Carlo", parent)
        self.paths_spin = QSpinBox()
        self.paths_spin.setRange(100, 100_000)
        self.paths_spin.setSingleStep(1_000)
        self.paths_spin.setValue(DEFAULT_PATHS)
        self.paths_spin.setGroupSeparatorShown(True)
        self.paths_spin.setAccessibleName("Monte Carlo paths")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_000_000_000)
        self.seed_spin.setValue(1)
        self.seed_spin.setAccessibleName("Seed")
        self.seed_spin.setToolTip("The same seed gives the same numbers: say it when you share a result")
        self.run_button = QPushButton("Run Monte Carlo")
        self.run_button.setObjectName("runMonteCarlo")
        self.run_button.setToolTip("Simulate correlated price paths with jumps, a controls regime and random "
                                   "supply disruptions around the scenario (docs/scenarios.md)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName("Monte Carlo progress")
        self.progress.hide()
        self.mc_label = QLabel()
        self.mc_label.setObjectName("monteCarloSummary")
        self.mc_label.setWordWrap(True)
        mc_form = QFormLayout(self)
        mc_form.addRow("&Paths", self.paths_spin)
        mc_form.addRow("S&eed", self.seed_spin)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        mc_form.addRow(run_row)
        mc_form.addRow(self.progress)
        mc_form.addRow(self.mc_label)


__all__ = ["DEFAULT_PATHS", "MonteCarloBox"]
