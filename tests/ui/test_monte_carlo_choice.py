"""One Monte Carlo setting for the window: the Scenarios tab and the report dialog start from the same paths and
seed (those of the command line), a change in either shows in the other, and the report asks for the figures on
screen. The scenario headline names what each figure is: the value of the units short, and the tail costs with
their confidence level."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from riskdesk.core.simulation import TAIL, MonteCarloSettings
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.report_dialog import ReportDialog
from riskdesk.ui.scenarios_view import PRESET, ScenariosView
from tests.helpers.windows import demo_window

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    return demo_window(qtbot, TODAY)


def _scenarios(window: MainWindow) -> ScenariosView:
    view = window.views["scenarios"]
    assert isinstance(view, ScenariosView)
    return view


def _report_dialog(window: MainWindow) -> ReportDialog:
    window.export_report()
    dialog = window.report_dialog
    assert isinstance(dialog, ReportDialog)
    return dialog


def test_the_window_and_the_report_start_with_the_same_paths_and_seed(window: MainWindow) -> None:
    view = _scenarios(window)
    dialog = _report_dialog(window)
    defaults = MonteCarloSettings()  # also the command line's: riskdesk scenario/report --seed 0
    assert (view.paths_spin.value(), view.seed_spin.value()) == (defaults.paths, defaults.seed)
    assert (dialog.paths_spin.value(), dialog.seed_spin.value()) == (defaults.paths, defaults.seed)
    dialog.close()


def test_a_seed_chosen_in_one_is_the_seed_of_the_other(window: MainWindow) -> None:
    view = _scenarios(window)
    view.paths_spin.setValue(2_000)
    view.seed_spin.setValue(7)
    dialog = _report_dialog(window)
    assert (dialog.paths_spin.value(), dialog.seed_spin.value()) == (2_000, 7)
    dialog.scenario_list.item(0).setCheckState(Qt.CheckState.Checked)
    request = dialog.request()
    assert (request.monte_carlo_paths, request.seed) == (2_000, 7)
    # Changed in the report dialog: the Scenarios tab runs with it too.
    dialog.seed_spin.setValue(11)
    dialog.paths_spin.setValue(3_000)
    assert (view.paths_spin.value(), view.seed_spin.value()) == (3_000, 11)
    assert window.document.monte_carlo.settings() == MonteCarloSettings(paths=3_000, seed=11)
    # "none" in the report leaves the window's paths as they were
    dialog.paths_spin.setValue(0)
    assert view.paths_spin.value() == 3_000
    dialog.close()


def test_the_headline_says_what_each_shortfall_figure_is(window: MainWindow) -> None:
    view = _scenarios(window)
    window.tabs.setCurrentWidget(window._slots["scenarios"])
    assert view.select(PRESET, "dfars-2027")
    assert view.result is not None and view.result.stock_out.stops.any(), "a scenario where parts run short"
    view.paths_spin.setValue(500)
    view.run_monte_carlo()
    text = view.headline.text()
    assert "value of the units short $" in text
    assert f"cost at risk ({TAIL} %) $" in text
    assert f"expected shortfall (mean of the worst {100 - TAIL} %) $" in text
    assert "shortfall $" not in text, "no bare 'shortfall': units short and the tail cost are told apart"
