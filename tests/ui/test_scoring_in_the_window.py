"""The window's scores follow the project: inline for small projects, in the background for large ones, where a
result overtaken by a newer edit is dropped and one burst of edits is scored once."""

from __future__ import annotations

import dataclasses
import datetime as dt

from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project, synthetic_project
from riskdesk.core.evaluation import Evaluation
from riskdesk.ui.document import Document
from riskdesk.ui.scoring import BACKGROUND_PATHS, Scoring
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.runners import DeferredRunner

DAY = dt.date(2026, 11, 23)


def test_a_small_project_is_scored_at_once_after_every_change(qapp: object) -> None:
    document = Document(demo_project(), runner=SynchronousRunner())
    scoring = Scoring(document, DAY)
    seen: list[Evaluation] = []
    scoring.evaluated.connect(seen.append)
    scoring.refresh()
    assert scoring.evaluation is not None and scoring.evaluation.as_of == DAY and len(seen) == 1
    scoring.set_as_of(dt.date(2027, 1, 1))
    assert scoring.evaluation.as_of == dt.date(2027, 1, 1) and len(seen) == 2
    document.change_settings(dataclasses.replace(document.project.settings, suspended_rules_in_force=True))
    assert scoring.evaluation.settings.suspended_rules_in_force and len(seen) == 3


def test_a_large_project_is_scored_in_the_background_and_an_overtaken_result_is_dropped(qtbot: QtBot) -> None:
    runner = DeferredRunner()
    document = Document(synthetic_project(BACKGROUND_PATHS + 100), runner=runner)
    scoring = Scoring(document, DAY)
    seen: list[Evaluation] = []
    scoring.evaluated.connect(seen.append)
    busy: list[bool] = []
    scoring.busy_changed.connect(busy.append)

    scoring.refresh()
    assert scoring.busy and scoring.evaluation is None  # waiting for the pause after the last change
    qtbot.waitUntil(lambda: len(runner.pending) == 1)  # the pause is over: the first run starts
    first_run = runner.pending[0][3]
    scoring.set_as_of(dt.date(2027, 1, 1))  # a newer request before the first run finished
    qtbot.waitUntil(lambda: len(runner.pending) == 2)
    assert first_run.cancelled()
    runner.finish()
    assert [evaluation.as_of for evaluation in seen] == [dt.date(2027, 1, 1)]
    assert scoring.evaluation is seen[0] and not scoring.busy and busy[-1] is False


def test_comparing_with_another_date_reuses_the_compiled_project(qapp: object) -> None:
    document = Document(demo_project(), runner=SynchronousRunner())
    scoring = Scoring(document, DAY)
    scoring.refresh()
    assert scoring.evaluation is not None
    results: list[Evaluation] = []
    scoring.evaluate_on(dt.date(2027, 1, 1), results.append, lambda message: None)
    assert results[0].as_of == dt.date(2027, 1, 1)
    assert results[0].compiled is scoring.evaluation.compiled
    assert scoring.evaluation.as_of == DAY  # the window's own scores stay on its date
