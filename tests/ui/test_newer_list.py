"""The Rules tab's "Use a Newer List…" (PRODUCT: a newer control list can be loaded, validated and diffed): the open
project is scored against the newer file after the buyer has seen what changes, the window's report names that
list, and a file that is not a newer valid list changes nothing and says why — as `riskdesk score --rules` and
`rules --diff` do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from riskdesk.core.resources import resource_path
from riskdesk.core.rules import default_control_list, load_control_list
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.rules_view import RulesView
from tests.helpers.dialogs import ScriptedDialogs
from tests.helpers.windows import demo_window

TODAY = dt.date(2026, 11, 23)
BUNDLED = resource_path("rules", "control_list.toml")


def _list(tmp_path: Path, name: str, *changes: tuple[str, str]) -> Path:
    text = BUNDLED.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


NEWER = (('version = "2026.12.06"', 'version = "2026.12.20"'), ("date = 2026-12-06", "date = 2026-12-20"),
         ("rate_pct = 25.0", "rate_pct = 50.0"))


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    return demo_window(qtbot, TODAY)


def _rules(window: MainWindow) -> RulesView:
    view = window.views["rules"]
    assert isinstance(view, RulesView) and not view.newer_button.isHidden()
    return view


def test_a_newer_list_is_shown_then_scored_against_and_named_by_the_report(window: MainWindow, tmp_path: Path) -> None:
    from riskdesk.io.report import ReportRequest, write_report

    dialogs = window.dialogs
    assert isinstance(dialogs, ScriptedDialogs)
    dialogs.control_list_answer = _list(tmp_path, "newer.toml", *NEWER)
    newer = load_control_list(dialogs.control_list_answer)
    rules = _rules(window)
    before = window.scoring.evaluation
    assert before is not None

    rules.newer_button.click()

    (asked,) = dialogs.asked
    assert "control list 2026.12.06 → 2026.12.20" in asked and "rate_pct 25 → 50" in asked
    evaluation = window.scoring.evaluation
    assert evaluation is not None
    assert (evaluation.rules_version, evaluation.reference.control_list.sha256) == ("2026.12.20", newer.sha256)
    # the Section 301 duty at 50 % instead of 25 % weighs more on a part with magnets made in China
    part = evaluation.part_report("MTR-TRAC-200").score
    assert part > before.part_report("MTR-TRAC-200").score
    assert "version 2026.12.20 of 2026-12-20 (from newer.toml)" in rules.list_label.text()
    # the window's report is computed from the window's evaluation, so it names the same list
    summary = write_report(ReportRequest(window.document.project, TODAY, evaluation=evaluation),
                           tmp_path / "report.xlsx")
    import openpyxl

    inputs = {row[0]: row[1] for row in openpyxl.load_workbook(summary.path, read_only=True)["Inputs"].iter_rows(
        max_col=2, values_only=True) if row and row[0]}
    assert inputs["Control list SHA-256"] == newer.sha256
    # a new date is scored against it too
    window.set_as_of(dt.date(2027, 1, 1))
    assert window.scoring.evaluation is not None and window.scoring.evaluation.rules_version == "2026.12.20"


@pytest.mark.parametrize(("name", "changes", "said"), [
    ("older.toml", (('version = "2026.12.06"', 'version = "2026.01.01"'), ("date = 2026-12-06", "date = 2026-01-01")),
     "older.toml is version 2026.01.01 of 2026-01-01, not newer than the list in use (2026.12.06 of 2026-12-06)"),
    ("broken.toml", (*NEWER, ("rate_pct = 50.0", "rate_pct = nan")), "not a finite number"),
])
def test_an_older_or_damaged_list_changes_nothing_and_says_why(window: MainWindow, tmp_path: Path, name: str,
                                                               changes: tuple[tuple[str, str], ...], said: str) -> None:
    dialogs = window.dialogs
    assert isinstance(dialogs, ScriptedDialogs)
    dialogs.control_list_answer = _list(tmp_path, name, *changes)

    _rules(window).newer_button.click()

    (error,) = dialogs.errors
    assert error.startswith("Control list not used: ") and said in error
    assert window.scoring.evaluation is not None
    assert window.scoring.evaluation.reference.control_list.sha256 == default_control_list().sha256


def test_declining_after_seeing_the_changes_keeps_the_list_in_use(window: MainWindow, tmp_path: Path) -> None:
    dialogs = window.dialogs
    assert isinstance(dialogs, ScriptedDialogs)
    dialogs.control_list_answer = _list(tmp_path, "newer.toml", *NEWER)
    dialogs.confirm_answer = False
    rules = _rules(window)

    rules.newer_button.click()

    assert dialogs.asked and not dialogs.errors
    assert window.scoring.evaluation is not None
    assert window.scoring.evaluation.reference.control_list.sha256 == default_control_list().sha256
    assert "(from" not in rules.list_label.text()
