"""The analysis table models, without widgets: content, raw sort values, and Qt's model consistency checks."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QApplication

from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import Evaluation, compare, compile_project, evaluate
from riskdesk.core.project import FACTOR_NAMES
from riskdesk.core.rules import RuleStatus, default_control_list
from riskdesk.core.triage import shown_score
from riskdesk.ui.score_models import (
    CompareTableModel,
    HitsTableModel,
    RowObjectRole,
    RulesTableModel,
    ScoresTableModel,
    SortRole,
    StatusRole,
)

TODAY = dt.date(2026, 11, 23)
DFARS_UPSTREAM = dt.date(2027, 1, 1)


@pytest.fixture(scope="module")
def evaluations() -> tuple[Evaluation, Evaluation]:
    project = demo_project()
    compiled = compile_project(project)
    return (evaluate(compiled, TODAY, project.settings), evaluate(compiled, DFARS_UPSTREAM, project.settings))


@pytest.fixture
def today(evaluations: tuple[Evaluation, Evaluation]) -> Evaluation:
    return evaluations[0]


def _column(model: ScoresTableModel | HitsTableModel | RulesTableModel | CompareTableModel, key: str) -> int:
    return model.KEYS.index(key)


def test_scores_model_has_a_row_per_part_and_a_column_per_factor(qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    assert model.rowCount() == 0
    model.set_evaluation(today)
    assert model.rowCount() == today.compiled.n_parts == 15
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert titles[:5] == ["Part", "Description", "Score", "Band", "Status"]
    assert titles[-2:] == ["Hits", "Watch"]
    assert len(titles) == 5 + len(FACTOR_NAMES) + 2
    assert all(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
               for c in range(model.columnCount()))


def test_scores_model_sort_role_is_the_raw_score(qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    model.set_evaluation(today)
    score = _column(model, "score")
    for row in range(model.rowCount()):
        position = today.compiled.part_position(model.index(row, 0).data(RowObjectRole))
        raw = model.index(row, score).data(SortRole)
        assert isinstance(raw, float)
        assert raw == pytest.approx(float(today.scores[position]))
        assert model.index(row, score).data() == f"{today.scores[position]:.0f}"


def test_a_proxy_sorts_the_scores_by_number_not_by_text(qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    model.set_evaluation(today)
    proxy = QSortFilterProxyModel()
    proxy.setSortRole(SortRole)
    proxy.setSourceModel(model)
    proxy.sort(_column(model, "score"), Qt.SortOrder.AscendingOrder)
    shown = [float(proxy.index(r, _column(model, "score")).data(SortRole)) for r in range(proxy.rowCount())]
    assert shown == sorted(float(s) for s in today.scores)


def test_the_scores_model_sorts_itself_by_raw_values(qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    model.set_evaluation(today)
    score = _column(model, "score")
    descending = [model.index(r, score).data(SortRole) for r in range(model.rowCount())]
    # the default order: the triage's (by the score as shown, then the larger spend)
    assert descending == [float(today.scores[i]) for i in today.triage_order()]
    shown = [shown_score(s) for s in descending]
    assert shown == sorted(shown, reverse=True)
    model.sort(_column(model, "buffer"), Qt.SortOrder.AscendingOrder)
    buffer = [model.index(r, _column(model, "buffer")).data(SortRole) for r in range(model.rowCount())]
    assert buffer == sorted(buffer)
    model.sort(_column(model, "part"), Qt.SortOrder.DescendingOrder)
    parts = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert parts == sorted(parts, key=str.casefold, reverse=True)
    model.sort(_column(model, "hits"), Qt.SortOrder.DescendingOrder)
    hits = [model.index(r, _column(model, "hits")).data(SortRole) for r in range(model.rowCount())]
    assert hits == sorted(hits, reverse=True)


def test_sorting_keeps_persistent_indexes_on_their_part(qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    model.set_evaluation(today)
    held = QPersistentModelIndex(model.index(model.row_of("ACT-FIN-07"), 2))
    model.sort(_column(model, "part"), Qt.SortOrder.AscendingOrder)
    assert held.row() == model.row_of("ACT-FIN-07")
    assert held.column() == 2


def test_the_scores_model_filters_on_part_and_description(qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    model.set_evaluation(today)
    model.set_filter_text("MAGNET SET")
    assert sorted(model.index(r, 0).data() for r in range(model.rowCount())) == ["GEN-WTG-DD5", "MTR-TRAC-200"]
    assert model.row_of("ACT-FIN-07") == -1
    model.set_evaluation(today)
    assert model.rowCount() == 2  # the filter survives a new evaluation
    model.set_filter_text("")
    assert model.rowCount() == today.compiled.n_parts


def test_the_filter_reads_the_parts_of_the_newest_evaluation(qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    model.set_evaluation(today)
    model.set_filter_text("magnet set")
    assert model.rowCount() == 2
    renamed = demo_project()
    parts = renamed.tables.parts
    parts.loc[parts["part_number"] == "ACT-FIN-07", "description"] = "Fin actuator magnet set"
    model.set_evaluation(evaluate(compile_project(renamed), TODAY, renamed.settings))  # the parts changed
    assert model.row_of("ACT-FIN-07") >= 0 and model.rowCount() == 3
    model.set_filter_text("")
    model.sort(_column(model, "part"), Qt.SortOrder.AscendingOrder)
    assert model.index(0, 0).data() == "ACT-FIN-07"


def test_sorting_by_hits_and_watch_follows_each_parts_report(qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    model.set_evaluation(today)
    for key, listed in (("hits", "hits"), ("watch", "watch")):
        model.sort(_column(model, key), Qt.SortOrder.DescendingOrder)
        shown = [int(model.index(r, _column(model, key)).data()) for r in range(model.rowCount())]
        assert shown == sorted(shown, reverse=True) and shown[0] > 0
        for row in range(model.rowCount()):
            assert shown[row] == len(getattr(today.part_report(model.part_number_at(row)), listed))


def test_scores_model_counts_hits_and_watch_items(qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    model.set_evaluation(today)
    row = model.row_of("ACT-FIN-07")
    report = today.part_report("ACT-FIN-07")
    assert model.index(row, _column(model, "hits")).data() == str(len(report.hits))
    assert model.index(row, _column(model, "watch")).data(SortRole) == float(len(report.watch))
    assert "CN-MOFCOM-2025-18" in model.index(row, _column(model, "hits")).data(Qt.ItemDataRole.ToolTipRole)
    assert model.row_of("NO-SUCH-PART") == -1


def test_scores_model_explains_each_factor_in_its_tooltip(qapp: QApplication, today: Evaluation) -> None:
    model = ScoresTableModel()
    model.set_evaluation(today)
    row = model.row_of("MTR-TRAC-200")
    tip = model.index(row, _column(model, "buffer")).data(Qt.ItemDataRole.ToolTipRole)
    assert "20 days of stock" in tip
    assert model.index(row, _column(model, "band")).data(Qt.ItemDataRole.BackgroundRole) is not None


def test_hits_model_lists_the_parts_hits_watch_and_possible_items(qapp: QApplication, today: Evaluation) -> None:
    report = today.part_report("ACT-FIN-07")
    model = HitsTableModel()
    model.set_report(report, today.reference.countries.name)
    assert model.rowCount() == len(report.hits) + len(report.watch) + len(report.possible)
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    licence = [r for r in rows if r[_column(model, "rule")] == "CN-MOFCOM-2025-18"]
    assert licence, rows
    assert licence[0][_column(model, "kind")] == "Hit"
    assert licence[0][_column(model, "element")] == "Sm"
    assert licence[0][_column(model, "stage")] == "separation/refining"
    assert "China" in licence[0][_column(model, "country")]
    confidence = model.index(0, _column(model, "confidence")).data(Qt.ItemDataRole.ToolTipRole)
    assert " — " in confidence
    model.set_report(None)
    assert model.rowCount() == 0


def test_rules_model_shows_each_rules_status_on_the_date(qapp: QApplication) -> None:
    control_list = default_control_list()
    model = RulesTableModel(control_list)
    model.set_date(TODAY)
    assert model.rowCount() == len(control_list.rules)
    ids = [model.index(r, 0).data() for r in range(model.rowCount())]
    upstream = ids.index("US-DFARS-7052-UPSTREAM")
    assert model.index(upstream, 0).data(StatusRole) == RuleStatus.ANNOUNCED.value
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom, *_: changed.append((top.row(), bottom.row())))
    model.set_date(DFARS_UPSTREAM)
    assert changed == [(0, model.rowCount() - 1)]
    assert model.index(upstream, 0).data(StatusRole) == RuleStatus.IN_FORCE.value
    status = model.KEYS.index("status")
    assert model.index(upstream, status).data() == "in force"
    assert model.index(upstream, model.KEYS.index("effective_from")).data(SortRole) == float(
        DFARS_UPSTREAM.toordinal())


def test_rules_model_gives_the_meaning_of_confidence_marks(qapp: QApplication) -> None:
    model = RulesTableModel(default_control_list())
    tip = model.index(0, model.KEYS.index("confidence")).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(model.rule_at(0).confidence + " — ")


def test_compare_model_shows_what_changes(qapp: QApplication, evaluations: tuple[Evaluation, Evaluation]) -> None:
    rows = compare(*evaluations)
    model = CompareTableModel(rows, {"ACT-FIN-07": "Missile fin actuator magnet"})
    parts = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert "ACT-FIN-07" in parts
    row = parts.index("ACT-FIN-07")
    assert model.index(row, model.KEYS.index("description")).data() == "Missile fin actuator magnet"
    assert "US-DFARS-7052-UPSTREAM" in model.index(row, model.KEYS.index("rules_gained")).data()
    delta = model.index(row, model.KEYS.index("delta"))
    assert delta.data().startswith("+")
    assert delta.data(SortRole) == pytest.approx(rows[row].delta)


@pytest.mark.parametrize("kind", ["scores", "hits", "rules", "compare"])
def test_models_pass_qt_model_checks(qtmodeltester, qapp: QApplication,  # type: ignore[no-untyped-def]
                                     evaluations: tuple[Evaluation, Evaluation], kind: str) -> None:
    today, later = evaluations
    if kind == "scores":
        model = ScoresTableModel()
        model.set_evaluation(today)
    elif kind == "hits":
        model = HitsTableModel()
        model.set_report(later.part_report("ACT-FIN-07"), later.reference.countries.name)
    elif kind == "rules":
        model = RulesTableModel(default_control_list())
    else:
        model = CompareTableModel(compare(today, later))
    qtmodeltester.check(model)


