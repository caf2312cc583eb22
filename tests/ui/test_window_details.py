"""Details a new buyer meets first: Help ▸ User guide is a guide to the tasks (not the developers' README), an
empty project says it has no parts (not "0 · Green"), File ▸ New leaves nothing of the last project's part on
screen, the by-country chart fits the first-run window, and "Other date…" offers a date worth comparing with."""

from __future__ import annotations

import datetime as dt

import pytest
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.io import userdirs
from riskdesk.ui.compare_dialog import other_date_suggestion
from riskdesk.ui.document import Document
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.dialogs import ScriptedDialogs

AS_OF = dt.date(2026, 12, 5)


class _AskedDates(ScriptedDialogs):
    """Records the date each "which date?" question offered, and cancels it."""

    def __init__(self) -> None:
        super().__init__()
        self.offered: list[dt.date] = []

    def ask_date(self, current: dt.date) -> dt.date | None:
        self.offered.append(current)
        return None


@pytest.fixture
def dialogs() -> _AskedDates:
    return _AskedDates()


@pytest.fixture
def window(qtbot: QtBot, dialogs: _AskedDates) -> MainWindow:
    dirs = userdirs.init()
    document = Document(demo_project(), runner=SynchronousRunner())
    window = MainWindow(document, SynchronousRunner(), dialogs, dirs=dirs, as_of=AS_OF)
    qtbot.addWidget(window)
    window.resize(1280, 820)  # the first-run size
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_user_guide_is_a_buyers_guide_to_the_tasks(window: MainWindow) -> None:
    window.named_actions["guide"].trigger()
    text = window.user_guide.pages["Using RiskDesk"].toPlainText()
    for task in ("Start a project", "Import your bill of materials", "Read a score, and why",
                 "See what changes on another date", "Run a scenario", "second source", "Export the report"):
        assert task in text
    assert "installer/dev.sh" not in text and "--json" not in text, "commands are for developers, not here"
    window.user_guide.close()


def test_an_empty_project_has_no_score_and_keeps_nothing_of_the_last_part(window: MainWindow) -> None:
    exposure = window.exposure_view
    assert exposure.detail_tabs.tabText(1).startswith("&Hits "), "the demo's selected part shows its counts"
    window.new_project()
    assert window.document is not None and window.document.project.tables.parts.empty
    header = exposure.portfolio_label.text()
    assert "No parts yet" in header
    assert "Green" not in header and "0 ·" not in header
    assert exposure.detail_tabs.tabText(1) == "&Hits && watch items"
    assert exposure.hits_model.rowCount() == 0 and exposure.why_browser.toPlainText() == ""


def test_the_by_country_chart_fits_the_first_run_window(qtbot: QtBot, window: MainWindow) -> None:
    window.tabs.setCurrentWidget(window._slots["exposure"])
    charts = window.exposure_view.charts
    window.exposure_view.ensure_charts()
    charts.tabs.setCurrentWidget(charts.charts["country"])
    qtbot.waitUntil(lambda: charts.stage_box.isVisible())
    chart = charts.charts["country"]
    right_edge = charts.mapTo(window, charts.rect().topRight()).x()
    assert right_edge <= window.width(), "the chart pane stays inside the window"
    layout = chart.view.ci
    assert layout.geometry().width() <= chart.view.viewport().width() + 1, "the plot is not wider than its view"
    assert chart.title_item.geometry().width() <= chart.view.viewport().width(), "a long title wraps"


def test_other_date_offers_a_date_other_than_the_as_of_date(window: MainWindow, dialogs: _AskedDates) -> None:
    window.set_as_of(dt.date.today() - dt.timedelta(days=40))
    window.controls.compare_with_other_date()
    assert dialogs.offered == [dt.date.today()], "scored on another day: today is worth comparing with"


def test_the_date_offered_is_never_the_as_of_date() -> None:
    today = dt.date(2027, 1, 1)
    assert other_date_suggestion(dt.date(2026, 12, 5), today, [dt.date(2027, 1, 1)]) == today
    assert other_date_suggestion(today, today, [dt.date(2027, 6, 30)]) == dt.date(2027, 6, 30)
    assert other_date_suggestion(today, today, [today, dt.date(2027, 6, 30)]) == dt.date(2027, 6, 30)
    assert other_date_suggestion(today, today, []) == dt.date(2028, 1, 1)
