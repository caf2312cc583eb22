"""Entry point: `riskdesk` with no arguments (or `riskdesk gui [PROJECT]`) opens the window, `riskdesk --selftest`
checks the installation (riskdesk.ui.selftest); anything else is the command line. Kept apart from all three so
that the CLI never loads Qt and the window never parses commands."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from riskdesk.cli import ChartRenderer
    from riskdesk.core.scenario_run import ScenarioResult
    from riskdesk.core.simulation import MonteCarloResult


def main(argv: list[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # a bundled build: large workbooks are read in a child process
        import multiprocessing  # (riskdesk.io.isolated); only then, as the import costs ~9 ms of start-up

        multiprocessing.freeze_support()
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] == "gui":
        from riskdesk.io.collector import Pause

        # Start-up makes a few hundred thousand objects (modules, classes, widgets' wrappers) and no garbage: the
        # cyclic collector waits until the window has painted (riskdesk.ui.app), as it does for a large import.
        start_up = Pause()
        from riskdesk.ui.app import run_gui

        return run_gui(args[1:], collector_pause=start_up)
    if args == ["--selftest"]:
        from riskdesk.ui.selftest import run_selftest

        return run_selftest()
    from riskdesk.cli import main as cli_main

    return cli_main(args, chart_renderer=_chart_renderer())


def _chart_renderer() -> ChartRenderer | None:
    """The window's offscreen chart drawing for `riskdesk scenario --chart`, when Qt and pyqtgraph are installed
    (found without importing them, so that other commands start as fast as before)."""
    from importlib.util import find_spec

    if find_spec("PySide6") is None or find_spec("pyqtgraph") is None:
        return None

    def render(result: ScenarioResult, monte_carlo: MonteCarloResult | None, path: Path) -> Path:
        from riskdesk.ui.scenario_chart import render_scenario_chart

        return render_scenario_chart(result, monte_carlo, path)

    return render


if __name__ == "__main__":
    sys.exit(main())
