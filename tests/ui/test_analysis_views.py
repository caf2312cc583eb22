"""The analysis widgets filled with the demo project: exposure (scores, why, hits, charts), rules, settings and the
compare dialog. One behaviour per test; everything is synchronous (no waits)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import Evaluation, compile_project, evaluate
from riskdesk.core.project import DEFAULT_WEIGHTS, ProjectSettings
from riskdesk.core.rules import RuleStatus
from riskdesk.ui.compare_dialog import CompareDialog
from riskdesk.ui.exposure_view import ExposureView
from riskdesk.ui.rules_view import STATUS_HITS, RulesView
from riskdesk.ui.settings_view import SettingsView

TODAY = dt.date(2026, 11, 23)
DFARS_UPSTREAM = dt.date(2027, 1, 1)
DEFENCE_PART = "ACT-FIN-07"


@pytest.fixture(scope="module")
def evaluations() -> tuple[Evaluation, Evaluation]:
    project = demo_project()
    compiled = compile_project(project)
    return (evaluate(compiled, TODAY, project.settings), evaluate(compiled, DFARS_UPSTREAM, project.settings))


@pytest.fixture
def exposure(qtbot: QtBot, evaluations: tuple[Evaluation, Evaluation]) -> ExposureView:
    view = ExposureView()
    qtbot.addWidget(view)
    view.set_evaluation(evaluations[0])
    return view


def _hit_rules(view: ExposureView) -> set[str]:
    model = view.hits_model
    return {model.hit_at(r).rule_id for r in range(model.rowCount()) if model.kind_at(r) == "hit"}


# -- Exposure


def test_exposure_selects_the_riskiest_part_first(exposure: ExposureView,
                                                 evaluations: tuple[Evaluation, Evaluation]) -> None:
    """Prohibited parts first, then possibly prohibited ones, then by score (riskdesk.core.triage)."""
    today = evaluations[0]
    first = str(today.compiled.part_numbers[int(today.triage_order()[0])])
    assert first == "DRN-PROP-6" and today.part_report(first).status == "prohibited"
    assert exposure.selected_part() == first
    assert "Portfolio score" in exposure.portfolio_label.text()


def test_selecting_a_part_shows_its_hits_in_the_why_panel(exposure: ExposureView) -> None:
    selected: list[str] = []
    exposure.part_selected.connect(selected.append)
    assert exposure.select_part(DEFENCE_PART)
    assert selected == [DEFENCE_PART]
    text = exposure.why_browser.toPlainText()
    assert DEFENCE_PART in text
    assert "CN-MOFCOM-2025-18" in text
    assert "Rule hits" in text
    assert "Confidence: C — confirmed" in text
    assert "CN-MOFCOM-2025-18" in _hit_rules(exposure)


def test_clicking_a_row_selects_the_part(qtbot: QtBot, exposure: ExposureView) -> None:
    selected: list[str] = []
    exposure.part_selected.connect(selected.append)
    exposure.filter_edit.setText("fin ACTUATOR")
    assert exposure.scores_model.rowCount() == 1
    exposure.table.selectRow(0)
    assert selected == [DEFENCE_PART]


def test_a_later_date_changes_the_defence_parts_hits(exposure: ExposureView,
                                                      evaluations: tuple[Evaluation, Evaluation]) -> None:
    exposure.select_part(DEFENCE_PART)
    before = _hit_rules(exposure)
    selected: list[str] = []
    exposure.part_selected.connect(selected.append)
    exposure.set_evaluation(evaluations[1])
    assert exposure.selected_part() == DEFENCE_PART
    assert selected == []  # same part, new date: no new selection
    after = _hit_rules(exposure)
    assert "US-DFARS-7052-UPSTREAM" not in before
    assert "US-DFARS-7052-UPSTREAM" in after
    text = exposure.why_browser.toPlainText()
    assert "At least 90" in text
    assert "2027-01-01" in text


def test_exposure_charts_draw_one_item_per_series(exposure: ExposureView, tmp_path: Path) -> None:
    exposure.ensure_charts()
    charts = exposure.charts.charts
    assert set(charts) == {"element", "country", "stage", "supplier", "parts"}
    assert len(charts["element"].items) == 1
    assert len(charts["country"].items) == 1
    assert 1 <= len(charts["stage"].items) <= 10
    assert "China" in charts["stage"].summary
    assert "Dy" in charts["element"].summary
    for suffix in ("png", "svg"):
        path = charts["stage"].save(tmp_path / f"stage.{suffix}")
        assert path.stat().st_size > 1000


def test_the_supplier_chart_says_how_much_of_the_elements_comes_through_each_supplier(exposure: ExposureView) -> None:
    """PRODUCT: exposure rolled up by supplier too: each kg once, so the bars add up to the portfolio's kg of the
    chosen elements; a supplier named by its id and name."""
    exposure.ensure_charts()
    panel = exposure.charts
    evaluation = exposure.evaluation
    assert evaluation is not None
    position = panel.elements_box.findData("Dy")
    assert position >= 0
    panel.elements_box.setCurrentIndex(position)
    chart = panel.charts["supplier"]
    bars = chart.items[0].opts["width"]
    assert float(sum(bars)) == pytest.approx(evaluation.elements_kg()["Dy"])
    assert "by supplier" in chart.title and "Dy" in chart.title
    from riskdesk.core.exposure import by_supplier, element_mask

    top, kg = by_supplier(evaluation, "kg", element_mask("Dy"))[0]
    names = dict(zip(evaluation.compiled.supplier_ids, evaluation.compiled.supplier_names, strict=True))
    assert max(bars) == pytest.approx(kg)
    assert f"{top} · {names[top]} " in chart.summary


def test_the_country_chart_counts_each_kg_once_so_its_bars_add_up_to_the_portfolio(exposure: ExposureView) -> None:
    from riskdesk.core.exposure import by_stage_and_country, element_mask

    exposure.ensure_charts()
    panel = exposure.charts
    evaluation = exposure.evaluation
    assert evaluation is not None
    mask = element_mask(str(panel.elements_box.currentData()))
    total = by_stage_and_country(evaluation, "kg", mask).matrix.sum(axis=1)
    for position in range(panel.stage_box.count()):
        panel.stage_box.setCurrentIndex(position)
        bars = panel.charts["country"].items[0].opts["width"]
        assert float(sum(bars)) == pytest.approx(float(total[position]))  # every stage carries the same kg
        assert panel.stage_box.itemText(position).lower() in panel.charts["country"].title
    assert total.max() == pytest.approx(total.min())


def test_the_hits_tab_counts_what_the_scores_table_counts(exposure: ExposureView) -> None:
    report = exposure.evaluation.part_report(exposure.selected_part())  # type: ignore[union-attr, arg-type]
    text = exposure.detail_tabs.tabText(1).replace("&", "")
    assert text == f"Hits {len(report.hits)} · watch {len(report.watch)} · possible {len(report.possible)}"


def test_exposure_charts_switch_to_value(exposure: ExposureView) -> None:
    exposure.ensure_charts()
    box = exposure.charts.measure_box
    box.setCurrentIndex(box.findData("value"))
    assert "$" in exposure.charts.charts["element"].summary
    assert exposure.charts.charts["element"].title.startswith("Value per year")


# -- Rules


def test_rules_filter_by_status(qtbot: QtBot) -> None:
    view = RulesView()
    qtbot.addWidget(view)
    view.set_as_of(TODAY)
    view.set_filters(status=RuleStatus.IN_FORCE.value)
    in_force = view.visible_rule_ids()
    assert "CN-MOFCOM-2025-18" in in_force
    assert "US-DFARS-7052-UPSTREAM" not in in_force
    view.set_filters(status=RuleStatus.ANNOUNCED.value)
    assert view.visible_rule_ids() == ["US-DFARS-7052-UPSTREAM"]
    view.set_as_of(DFARS_UPSTREAM)
    assert view.visible_rule_ids() == []
    view.set_filters(status=STATUS_HITS)
    assert "US-DFARS-7052-UPSTREAM" in view.visible_rule_ids()
    assert "US-USGS-2025-LIST" not in view.visible_rule_ids()


def test_rules_filter_by_element_and_regime(qtbot: QtBot) -> None:
    view = RulesView()
    qtbot.addWidget(view)
    view.set_filters(element="Ho")
    shown = view.visible_rule_ids()
    assert "CN-MOFCOM-2025-57" in shown
    assert "US-DFARS-7052-MELT" in shown  # whole-magnet rules concern every element
    assert "CN-MOFCOM-2025-18" not in shown
    view.set_filters(regime="US defence procurement")
    assert sorted(view.visible_rule_ids()) == ["US-DFARS-7052-MELT", "US-DFARS-7052-UPSTREAM"]


def test_rule_details_show_sources_and_confidence(qtbot: QtBot) -> None:
    view = RulesView()
    qtbot.addWidget(view)
    view.set_as_of(TODAY)
    view.search_edit.setText("seven medium/heavy rare earths as metals")
    assert view.visible_rule_ids() == ["CN-MOFCOM-2025-18"]
    view.table.selectRow(0)
    html = view.details.toHtml()
    text = view.details.toPlainText()
    assert "Holland &amp; Knight" in html or "Holland & Knight" in html
    assert 'href="https://hklaw.com' in html
    assert "C — confirmed" in text
    assert "Item forms" in text
    assert view.details.openExternalLinks()


def test_suspended_setting_changes_rule_status_display(qtbot: QtBot) -> None:
    view = RulesView()
    qtbot.addWidget(view)
    view.set_as_of(dt.date(2026, 6, 1))
    view.set_filters(status=STATUS_HITS)
    strict = set(view.visible_rule_ids())
    view.set_settings(ProjectSettings(suspended_rules_in_force=True))
    prudent = set(view.visible_rule_ids())
    assert strict < prudent


# -- Settings


def test_settings_view_emits_changed_weights(qtbot: QtBot) -> None:
    view = SettingsView()
    qtbot.addWidget(view)
    view.set_settings(ProjectSettings(name="Demo"))
    emitted: list[ProjectSettings] = []
    view.settings_changed.connect(emitted.append)
    view.weight_spins["buffer"].setValue(0.5)
    assert len(emitted) == 1
    assert emitted[0].weights["buffer"] == 0.5
    assert emitted[0].weights["restriction"] == DEFAULT_WEIGHTS["restriction"]
    assert emitted[0].name == "Demo"
    assert view.weight_sliders["buffer"].value() == 50
    view.reset_weights()
    assert len(emitted) == 2
    assert emitted[1].weights == dict(DEFAULT_WEIGHTS)


def test_set_settings_does_not_emit(qtbot: QtBot) -> None:
    view = SettingsView()
    qtbot.addWidget(view)
    emitted: list[ProjectSettings] = []
    view.settings_changed.connect(emitted.append)
    view.set_settings(ProjectSettings(import_country="DE", disruption_days=90, suspended_rules_in_force=True))
    assert emitted == []
    assert view.country_box.currentData() == "DE"
    assert view.suspended_check.isChecked()


def test_settings_view_resolves_a_typed_country(qtbot: QtBot) -> None:
    view = SettingsView()
    qtbot.addWidget(view)
    emitted: list[ProjectSettings] = []
    view.settings_changed.connect(emitted.append)
    view.country_box.setEditText("Deutschland")
    view.country_box.lineEdit().editingFinished.emit()
    assert emitted and emitted[-1].import_country == "DE"
    view.country_box.setEditText("Atlantis")
    view.country_box.lineEdit().editingFinished.emit()
    assert emitted[-1].import_country == "DE"
    assert "Atlantis" in view.country_message.text()


def test_settings_view_emits_other_changes(qtbot: QtBot) -> None:
    view = SettingsView()
    qtbot.addWidget(view)
    emitted: list[ProjectSettings] = []
    view.settings_changed.connect(emitted.append)
    view.suspended_check.setChecked(True)
    view.disruption_spin.setValue(120)
    view.price_box.setCurrentIndex(view.price_box.findData("ex-china"))
    view.resourcing_spin.setValue(90)
    view.us_defence_box.setCurrentIndex(view.us_defence_box.findData("yes"))
    assert [e.suspended_rules_in_force for e in emitted] == [True] * 5
    assert emitted[-1].disruption_days == 120
    assert emitted[-1].price_basis == "ex-china"
    assert emitted[-1].resourcing_days == 90 and emitted[-1].us_defence_supply == "yes"
    assert emitted[-1].supplies_us_defence


def test_the_settings_form_names_each_setting_as_the_catalogue_does(qtbot: QtBot) -> None:
    """Each row of the form is labelled with its setting's label (one Alt letter each) and explained by its help;
    a number of days outside the form's old range (1–730) is shown as the project holds it, not clipped."""
    from PySide6.QtWidgets import QLabel

    from riskdesk.core.fields import setting
    from riskdesk.core.labels import setting_help

    view = SettingsView()
    qtbot.addWidget(view)
    view.set_settings(ProjectSettings(disruption_days=2000.0, resourcing_days=3000.0))
    assert view.disruption_spin.value() == 2000.0 and view.resourcing_spin.value() == 3000.0
    widgets = {"name": view.name_edit, "import_country": view.country_box, "us_defence_supply": view.us_defence_box,
               "disruption_days": view.disruption_spin, "resourcing_days": view.resourcing_spin,
               "stale_months": view.stale_spin, "price_basis": view.price_box}
    buddies = {label.buddy(): label.text() for label in view.findChildren(QLabel) if label.buddy() is not None}
    for key, widget in widgets.items():
        assert buddies[widget].replace("&", "") == setting(key).label
        assert widget.toolTip() == setting_help(key) and widget.accessibleName() == setting(key).label
    assert view.suspended_check.text().replace("&", "") == setting("suspended_rules_in_force").label
    letters = [text[text.index("&") + 1].lower() for text in [*buddies.values(), view.suspended_check.text(),
                                                               view.reset_button.text()] if "&" in text]
    assert len(letters) == len(set(letters)) == len(widgets) + 2


# -- Compare


def test_compare_dialog_lists_the_defence_part(qtbot: QtBot, qapp: QApplication,
                                               evaluations: tuple[Evaluation, Evaluation]) -> None:
    dialog = CompareDialog(*evaluations)
    qtbot.addWidget(dialog)
    parts = [dialog.proxy.index(r, 0).data() for r in range(dialog.proxy.rowCount())]
    assert DEFENCE_PART in parts
    deltas = [float(dialog.proxy.index(r, dialog.model.KEYS.index("delta")).data(Qt.ItemDataRole.DisplayRole))
              for r in range(dialog.proxy.rowCount())]
    assert deltas == sorted(deltas, reverse=True)
    dialog.copy_button.click()
    copied = qapp.clipboard().text()
    assert copied.splitlines()[0].startswith("Part\tDescription\tScore 2026-11-23\tScore 2027-01-01")
    assert any(line.startswith(DEFENCE_PART + "\t") and "US-DFARS-7052-UPSTREAM" in line
               for line in copied.splitlines())


def test_a_chart_that_cannot_be_written_says_why_and_leaves_nothing(exposure: ExposureView, tmp_path: Path) -> None:
    exposure.ensure_charts()
    chart = exposure.charts.charts["element"]
    with pytest.raises(OSError, match="does not exist"):
        chart.save(tmp_path / "missing" / "chart.png")
    blocker = tmp_path / "taken.png"
    blocker.mkdir()  # a folder where the file should go: the image cannot replace it
    with pytest.raises(OSError):
        chart.save(blocker)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.png"]
    saved = chart.save(tmp_path / "chart")
    assert saved.name == "chart.png" and saved.stat().st_size > 1000


def test_chart_legends_follow_a_switch_between_light_and_dark(exposure: ExposureView) -> None:
    from PySide6.QtGui import QColor, QPalette

    exposure.ensure_charts()
    chart = exposure.charts.charts["stage"]
    assert chart.legend.items
    dark = QPalette(chart.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#f0f0f0"))
    chart.setPalette(dark)
    for _sample, label in chart.legend.items:
        assert "#f0f0f0" in label.item.toHtml()


def test_scores_filter_by_band_rule_and_element(exposure: ExposureView) -> None:
    evaluation = exposure.evaluation
    assert evaluation is not None
    model = exposure.scores_model
    shown = lambda: {model.part_number_at(r) for r in range(model.rowCount())}  # noqa: E731
    exposure.band_filter.setCurrentIndex(exposure.band_filter.findData("red"))
    red = {str(p) for p, s in zip(evaluation.compiled.part_numbers, evaluation.scores, strict=True) if s >= 70}
    assert shown() == red and red
    exposure.band_filter.setCurrentIndex(0)
    rule = "CN-MOFCOM-2025-18"
    exposure.rule_filter.setCurrentIndex(exposure.rule_filter.findData(rule))
    expected = {str(p) for p in evaluation.compiled.part_numbers
                if any(h.rule_id == rule for h in (*evaluation.part_report(str(p)).hits,
                                                    *evaluation.part_report(str(p)).watch))}
    assert shown() == expected and expected
    exposure.rule_filter.setCurrentIndex(0)
    exposure.element_filter.setCurrentIndex(exposure.element_filter.findData("Sm"))
    with_sm = {str(p) for p in evaluation.compiled.part_numbers if evaluation.part_report(str(p)).elements_kg.get("Sm")}
    assert shown() == with_sm and with_sm
