"""The Exposure table's Status column and triage order, and the part detail's No. 61 value test: the window shows
what the core's JSON says (tests/core/test_triage.py checks the CLI and the report against the same)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QApplication

from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import Evaluation, compile_project, evaluate
from riskdesk.core.triage import STATUS_LABELS
from riskdesk.ui.part_detail import PartDetailDialog
from riskdesk.ui.score_models import ScoresTableModel

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def today() -> Evaluation:
    project = demo_project()
    return evaluate(compile_project(project), TODAY, project.settings)


def _cells(model: ScoresTableModel, key: str) -> list[str]:
    column = model.column_of(key)
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_the_status_column_says_what_the_json_says_and_the_default_order_is_the_triage(
        qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    model.set_evaluation(today)
    by_json = {p["part_number"]: p["status"] for p in today.to_json()["parts"]}  # type: ignore[index, union-attr]
    parts = _cells(model, "part")
    assert dict(zip(parts, _cells(model, "status"), strict=True)) == {
        p: STATUS_LABELS[s] for p, s in by_json.items()}
    assert parts == [str(today.compiled.part_numbers[i]) for i in today.triage_order()]
    assert parts[:2] == ["DRN-PROP-6", "RAD-TWT-3"]  # both 100: prohibited before possibly prohibited
    assert _cells(model, "status")[:3] == ["Prohibited", "Possibly prohibited", ""]


def test_the_window_bands_a_score_by_the_figure_it_shows(qapp: QApplication, today: Evaluation) -> None:
    today.scores[0] = 69.83
    today.scores[1] = 39.9
    model = ScoresTableModel()
    model.set_evaluation(today)
    rows = {model.part_number_at(r): r for r in range(model.rowCount())}
    first, second = (str(today.compiled.part_numbers[i]) for i in (0, 1))
    score, band = model.column_of("score"), model.column_of("band")
    assert (model.index(rows[first], score).data(), model.index(rows[first], band).data()) == ("70", "Red")
    assert (model.index(rows[second], score).data(), model.index(rows[second], band).data()) == ("40", "Amber")
    model.set_filters(band_name="red")
    assert first in {model.part_number_at(r) for r in range(model.rowCount())}


def test_the_part_detail_shows_the_no_61_value_test_with_its_margin_and_valuation(
        qapp: QApplication, today: Evaluation) -> None:
    project = demo_project()
    dialog = PartDetailDialog(today, project, "DRN-PROP-6", None)
    text = dialog.findChild(type(dialog.hit_source), "partHeader").text()
    test = today.part_report("DRN-PROP-6").value_share
    assert test is not None
    assert "No. 61 value test" in text and f"{test.share_pct:.4g} %" in text
    assert f"margin {test.margin_pct:+.4g} points" in text and "unit price is not used" in text
    assert "Prohibited" in text
    dialog.close()
