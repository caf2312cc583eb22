"""The Mitigations panel and its variant dialog, on the demo project under the April 2025 licensing preset: what a
buyer relies on — a variant made in the dialog shows side by side with the original with the same numbers as
`compare_variants`, each edit is one undoable step, a change that cannot apply is refused with its reason, and the
panel follows undo, a new project and large projects compared in the background. Synchronous: no waits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project, synthetic_project
from riskdesk.core.evaluation import Evaluation, evaluate
from riskdesk.core.labels import format_money
from riskdesk.core.mitigations import (
    ORIGINAL,
    AddSource,
    AddStock,
    ChangeGrade,
    MovePath,
    Variant,
    compare_variants,
)
from riskdesk.core.presets import default_presets
from riskdesk.core.project import Project
from riskdesk.core.scenarios import Scenario
from riskdesk.ui.analysis import ViewContext
from riskdesk.ui.columns import TableName
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.document import Document
from riskdesk.ui.mitigations_panel import NO_SCENARIO, MitigationsPanel
from riskdesk.ui.scoring import BACKGROUND_PATHS, Scoring
from riskdesk.ui.variant_dialog import AddSourceForm, AddStockForm, MovePathForm, VariantDialog
from riskdesk.ui.workers import SynchronousRunner, TaskContext
from tests.helpers.runners import DeferredRunner

AS_OF = dt.date(2026, 11, 23)
TRACTION = "MTR-TRAC-200"
"""Stops on day 35 of the April 2025 preset with its 20 days of stock (70 % of it made in China, −82 % for a US
buyer: 20 / (0.7 × 0.82) = 34.8 days)."""
MORE_STOCK = Variant("More stock", (AddStock("*", 60),))
SECOND_SOURCE = Variant("Second source", (AddSource(TRACTION, "SUP-DE1", 40, {"mine": "AU", "separation": "EE",
                                                                              "metal": "DE", "magnet": "DE"}),
                                          ChangeGrade("PMP-EV-COOL", "N40")))


def licensing(as_of: dt.date = AS_OF) -> Scenario:
    return default_presets().get("april-2025-licensing").scenario(as_of)


class ScriptedDialogs(Dialogs):
    """Answers `edit_variant` from a list (None: cancelled) and records what it was asked to edit."""

    def __init__(self, *answers: Variant | None) -> None:
        super().__init__(None)
        self.answers = list(answers)
        self.asked: list[Variant | None] = []

    def edit_variant(self, project: Project, variants, variant: Variant | None) -> Variant | None:  # type: ignore[no-untyped-def]
        self.asked.append(variant)
        return self.answers.pop(0)


@pytest.fixture
def dialogs() -> ScriptedDialogs:
    return ScriptedDialogs()


def _panel(qtbot: QtBot, document: Document, dialogs: Dialogs, scenario: Scenario | None = None,
           show: bool = True) -> MitigationsPanel:
    """A panel fed like the Scenarios tab feeds it: every new evaluation of the window's scoring, one scenario."""
    scoring = Scoring(document, AS_OF, parent=document)
    scoring.refresh()
    panel = MitigationsPanel(ViewContext(document, scoring, dialogs))
    qtbot.addWidget(panel)
    scoring.evaluated.connect(panel.set_evaluation)
    if show:
        panel.resize(1200, 700)
        panel.show()
    assert scoring.evaluation is not None
    panel.set_evaluation(scoring.evaluation)
    panel.set_scenario(scenario or licensing())
    return panel


def _demo(*variants: Variant) -> Document:
    project = demo_project()
    project.variants = list(variants)
    return Document(project, runner=SynchronousRunner())


def _summaries(panel: MitigationsPanel) -> list[dict]:
    model = panel.variants_model
    return [model.summary_at(row) for row in range(model.rowCount())]


def _summary(panel: MitigationsPanel, name: str) -> dict:
    return next(s for s in _summaries(panel) if s["name"] == name)


# -- making variants


def test_a_variant_with_more_stock_made_in_the_dialog_shows_beside_the_original_with_fewer_stops(
        qtbot: QtBot) -> None:
    dialogs = ScriptedDialogs(MORE_STOCK)
    document = _demo()
    panel = _panel(qtbot, document, dialogs)
    assert panel.message.startswith("No variants yet.")

    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)

    assert dialogs.asked == [None]
    assert document.project.variants == [MORE_STOCK]
    assert document.undo_stack.undoText() == "Add variant 'More stock'"
    assert panel.variant_names() == ["More stock"]
    assert panel.message == ""
    assert [s["name"] for s in _summaries(panel)] == [ORIGINAL, "More stock"]
    original, more = _summary(panel, ORIGINAL), _summary(panel, "More stock")
    assert original["parts_short"] > 0, "the preset stops some demo parts: the test would prove nothing otherwise"
    assert more["parts_short"] <= original["parts_short"]
    assert more["days_short"] <= original["days_short"]
    row = panel.variants_model.row_of("More stock")
    assert panel.variants_model.text(row, "parts_short") == str(more["parts_short"])
    assert panel.variants_model.text(row, "changes") == "every part: +60 days of stock"
    # Part by part, the buyer sees which parts the stock saves.
    parts = panel.parts_model
    traction = parts.row_of(TRACTION)
    assert parts.first_short_day(traction, 0) == 35
    assert parts.first_short_day(traction, 1) is None
    assert parts.text(traction, "short:0") == "day 35" and parts.text(traction, "short:1") == "never"


def test_a_cancelled_dialog_changes_nothing(qtbot: QtBot) -> None:
    document = _demo(MORE_STOCK)
    panel = _panel(qtbot, document, ScriptedDialogs(None, None))
    panel.new_variant()
    panel.edit_variant()
    assert document.project.variants == [MORE_STOCK]
    assert document.undo_stack.count() == 0


def test_edit_duplicate_and_delete_are_one_undoable_step_each(qtbot: QtBot) -> None:
    edited = Variant("More stock", (AddStock("*", 90),))
    dialogs = ScriptedDialogs(edited)
    document = _demo(MORE_STOCK, SECOND_SOURCE)
    panel = _panel(qtbot, document, dialogs)

    assert panel.select_variant("More stock")
    panel.edit_variant()
    assert dialogs.asked == [MORE_STOCK]
    assert document.project.variants == [edited, SECOND_SOURCE]
    assert document.undo_stack.undoText() == "Edit variant 'More stock'"
    assert _summary(panel, "More stock")["changes"] == ["every part: +90 days of stock"]

    panel.duplicate_variant()
    assert panel.variant_names() == ["More stock", "More stock (2)", "Second source"]
    assert document.undo_stack.undoText() == "Duplicate variant 'More stock'"
    assert panel.selected_variant() == dataclasses.replace(edited, name="More stock (2)")

    assert panel.select_variant("Second source")
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert panel.variant_names() == ["More stock", "More stock (2)"]
    assert document.undo_stack.undoText() == "Delete variant 'Second source'"
    assert document.undo_stack.count() == 3

    document.undo_stack.undo()
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.project.variants == [MORE_STOCK, SECOND_SOURCE]
    assert panel.variant_names() == ["More stock", "Second source"]
    assert _summary(panel, "More stock")["changes"] == ["every part: +60 days of stock"]


def test_undo_takes_the_variant_off_the_panel_and_redo_brings_it_back(qtbot: QtBot) -> None:
    document = _demo()
    panel = _panel(qtbot, document, ScriptedDialogs(MORE_STOCK))
    panel.new_variant()
    assert panel.variant_names() == ["More stock"]

    document.undo_stack.undo()
    assert document.project.variants == []
    assert panel.variant_names() == []
    assert panel.comparison is None
    assert panel.message.startswith("No variants yet.")
    assert not panel.edit_button.isEnabled() and not panel.delete_button.isEnabled()

    document.undo_stack.redo()
    assert panel.variant_names() == ["More stock"]
    assert [s["name"] for s in _summaries(panel)] == [ORIGINAL, "More stock"]


# -- the numbers


def test_the_panel_shows_what_compare_variants_gives_on_the_same_inputs(qtbot: QtBot) -> None:
    document = _demo(MORE_STOCK, SECOND_SOURCE)
    panel = _panel(qtbot, document, ScriptedDialogs())
    expected = compare_variants(demo_project(), [MORE_STOCK, SECOND_SOURCE], licensing(), AS_OF)
    data = expected.to_json()

    assert _summaries(panel) == data["variants"]
    model = panel.variants_model
    for row, summary in enumerate(data["variants"]):
        assert model.text(row, "scenario_cost") == format_money(summary["scenario_cost"])
        assert model.text(row, "shortfall_cost") == format_money(summary["shortfall_cost"])
        assert model.text(row, "red_parts") == f"{summary['red_parts']:,}"
    change = data["variants"][2]["scenario_cost"] - data["variants"][0]["scenario_cost"]
    assert change < 0, "the other grade lowers the scenario cost"
    assert model.text(2, "cost_change") == "unknown", "its second source has no price: what it costs is unknown"
    assert model.text(1, "cost_change") == "±$0", "more stock changes neither the element cost nor a price"
    assert model.text(0, "cost_change") == "—"

    panel.only_changed_box.setChecked(False)
    parts = panel.parts_model
    assert parts.rowCount() == len(data["parts"]) == 15
    for part in data["parts"]:
        row = parts.row_of(part["part_number"])
        for outcome, name in enumerate([ORIGINAL, "More stock", "Second source"]):
            assert round(parts.score(row, outcome), 2) == part["variants"][name]["score"]
            assert parts.first_short_day(row, outcome) == part["variants"][name]["first_short_day"]


def test_the_comparison_uses_the_evaluations_date_and_settings(qtbot: QtBot) -> None:
    document = _demo(MORE_STOCK)
    panel = _panel(qtbot, document, ScriptedDialogs())
    later = dt.date(2027, 2, 1)
    settings = dataclasses.replace(document.project.settings, suspended_rules_in_force=True,
                                   weights=dict(document.project.settings.weights))
    evaluation = evaluate(document.project, later, settings)
    panel.set_evaluation(evaluation)

    assert panel.comparison is not None and panel.comparison.as_of == later
    expected = compare_variants(dataclasses.replace(demo_project(), settings=settings), [MORE_STOCK], licensing(),
                                later)
    assert _summaries(panel) == expected.to_json()["variants"]
    default = compare_variants(demo_project(), [MORE_STOCK], licensing(), later).to_json()["variants"]
    assert _summaries(panel) != default, "the settings make a difference: the test would prove nothing otherwise"
    assert "scored as of 2027-02-01" in panel.header_label.text()


def test_an_edit_to_the_project_is_compared_again(qtbot: QtBot) -> None:
    document = _demo(MORE_STOCK)
    panel = _panel(qtbot, document, ScriptedDialogs())
    before = _summary(panel, ORIGINAL)["shortfall_cost"]
    parts = document.frame("parts")
    row = int((parts["part_number"] == TRACTION).to_numpy().nonzero()[0][0])
    document.edit_cells(TableName.PARTS, [(row, "stock_days", 365.0)])
    assert _summary(panel, ORIGINAL)["shortfall_cost"] < before


def test_the_parts_table_shows_only_the_parts_a_variant_changes_and_sorts_by_number(qtbot: QtBot) -> None:
    document = _demo(Variant("Traction stock", (AddStock(TRACTION, 60),)))
    panel = _panel(qtbot, document, ScriptedDialogs())
    parts = panel.parts_model
    assert parts.only_changed
    assert [parts.part_at(r) for r in range(parts.rowCount())] == [TRACTION]
    assert panel.parts_count_label.text() == "1 of 15 parts change in a variant"

    panel.only_changed_box.setChecked(False)
    assert parts.rowCount() == 15
    panel.parts_table.sortByColumn(parts.column_of("score:0"), Qt.SortOrder.DescendingOrder)
    scores = [parts.score(r, 0) for r in range(parts.rowCount())]
    assert scores == sorted(scores, reverse=True)
    panel.parts_table.sortByColumn(parts.column_of("short:0"), Qt.SortOrder.AscendingOrder)
    days = [parts.first_short_day(r, 0) for r in range(parts.rowCount())]
    stopping = [d for d in days if d is not None]
    assert stopping == sorted(stopping) and days[: len(stopping)] == stopping, "parts that never stop come last"


def test_copy_tables_puts_both_tables_on_the_clipboard(qtbot: QtBot) -> None:
    panel = _panel(qtbot, _demo(MORE_STOCK), ScriptedDialogs())
    panel.copy_button.click()
    text = QApplication.clipboard().text()
    assert text.startswith("Scenario\tApril 2025 licensing")
    assert "Variant\tPortfolio score\tRed parts\tScenario cost" in text
    assert "More stock\t" in text and f"{TRACTION}\t" in text


# -- messages instead of tables


def test_without_a_scenario_the_panel_says_to_choose_one(qtbot: QtBot) -> None:
    panel = _panel(qtbot, _demo(MORE_STOCK), ScriptedDialogs())
    assert panel.comparison is not None
    panel.set_scenario(None)
    assert panel.comparison is None
    assert NO_SCENARIO in panel.message
    assert not panel.copy_button.isEnabled()


def test_a_variant_naming_a_part_that_was_removed_is_named_with_what_to_do(qtbot: QtBot) -> None:
    document = _demo(Variant("Traction stock", (AddStock(TRACTION, 60),)))
    panel = _panel(qtbot, document, ScriptedDialogs())
    assert panel.comparison is not None
    parts = document.frame("parts")
    document.remove_rows(TableName.PARTS, [int((parts["part_number"] == TRACTION).to_numpy().nonzero()[0][0])])

    assert panel.comparison is None
    assert "Traction stock" in panel.message
    assert f"there is no part '{TRACTION}'" in panel.message
    assert "Edit…" in panel.message and "delete it" in panel.message
    assert panel.broken == (("Traction stock", f"adding stock to {TRACTION}: there is no part '{TRACTION}'"),)

    document.undo_stack.undo()
    assert panel.comparison is not None and panel.broken == ()


def test_the_other_variants_are_still_compared_beside_one_that_cannot_apply(qtbot: QtBot) -> None:
    document = _demo(MORE_STOCK, Variant("Gone", (AddStock("NO-SUCH-PART", 10),)))
    panel = _panel(qtbot, document, ScriptedDialogs())
    assert [s["name"] for s in _summaries(panel)] == [ORIGINAL, "More stock"]
    assert panel.broken_label.isVisibleTo(panel)
    text = html.unescape(panel.broken_label.text())
    assert "Gone" in text and "no part 'NO-SUCH-PART'" in text and "Edit…" in text
    gone = panel.variant_list.item(1)
    assert "Cannot be compared" in gone.toolTip()


# -- project replaced, hidden, large


def test_the_panel_follows_a_new_project(qtbot: QtBot) -> None:
    document = _demo(MORE_STOCK)
    panel = _panel(qtbot, document, ScriptedDialogs())
    other = demo_project()
    other.variants = [SECOND_SOURCE]
    document.replace_project(other)
    assert panel.variant_names() == ["Second source"]
    assert [s["name"] for s in _summaries(panel)] == [ORIGINAL, "Second source"]

    document.replace_project(Project())
    assert panel.variant_names() == []
    assert "No variants yet" in panel.message


def test_a_hidden_panel_compares_when_it_is_shown(qtbot: QtBot) -> None:
    panel = _panel(qtbot, _demo(MORE_STOCK), ScriptedDialogs(), show=False)
    assert panel.comparison is None
    panel.show()
    assert panel.comparison is not None
    assert [o.name for o in panel.comparison.outcomes] == [ORIGINAL, "More stock"]


@pytest.fixture
def large() -> Iterator[tuple[Document, DeferredRunner, Evaluation]]:
    project = synthetic_project(BACKGROUND_PATHS + 100)
    part = str(project.tables.parts["part_number"].iat[0])
    project.variants = [Variant("More stock", (AddStock("*", 60),)), Variant("One part", (AddStock(part, 30),))]
    runner = DeferredRunner()
    yield Document(project, runner=runner), runner, evaluate(project, AS_OF)


def test_a_large_project_is_compared_in_the_background_and_a_newer_request_wins(
        qtbot: QtBot, large: tuple[Document, DeferredRunner, Evaluation]) -> None:
    document, runner, evaluation = large
    panel = MitigationsPanel(ViewContext(document, Scoring(document, AS_OF), ScriptedDialogs()))
    qtbot.addWidget(panel)
    panel.show()
    busy: list[bool] = []
    panel.busy_changed.connect(busy.append)
    panel.set_evaluation(evaluation)
    panel.set_scenario(licensing())

    assert len(runner.pending) == 1
    assert panel.busy and panel.busy_bar.isVisibleTo(panel)
    assert panel.comparison is None

    later = licensing(dt.date(2027, 3, 1))
    panel.set_scenario(later)
    assert len(runner.pending) == 2
    # The overtaken run was past its last check when the new one started: its result arrives, last, and is dropped.
    fn, on_success, on_error, _cancelled, handle = runner.pending[0]
    runner.pending[0] = (fn, on_success, on_error, TaskContext(), handle)
    runner.pending.reverse()
    runner.finish()

    assert not panel.busy and not panel.busy_bar.isVisibleTo(panel)
    assert busy == [True, False]
    assert panel.comparison is not None
    assert panel.comparison.scenario == later
    assert [o.name for o in panel.comparison.outcomes] == [ORIGINAL, "More stock", "One part"]


def test_a_small_project_is_compared_at_once_without_the_background_runner(qtbot: QtBot) -> None:
    runner = DeferredRunner()
    project = demo_project()
    project.variants = [MORE_STOCK]
    document = Document(project, runner=runner)
    panel = _panel(qtbot, document, ScriptedDialogs())
    assert runner.pending == []
    assert panel.comparison is not None and not panel.busy


# -- the variant dialog


def _open_dialog(qtbot: QtBot, project: Project, variants: list[Variant], variant: Variant | None = None
                 ) -> VariantDialog:
    dialog = VariantDialog(project, variants, variant)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def _ok(dialog: VariantDialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert button is not None
    button.click()


def test_a_change_that_cannot_apply_keeps_the_dialog_open_with_the_reason(qtbot: QtBot) -> None:
    project = demo_project()
    dialog = _open_dialog(qtbot, project, [])
    form = dialog.add_change("add_stock")
    assert isinstance(form, AddStockForm)
    form.part_box.setEditText("NO-SUCH-PART")
    _ok(dialog)
    assert dialog.isVisible() and dialog.variant() is None
    assert dialog.message.isVisibleTo(dialog)
    assert "there is no part 'NO-SUCH-PART'" in dialog.message.text()

    form.part_box.setEditText(TRACTION)
    assert not dialog.message.isVisibleTo(dialog), "an edit clears the old message"
    _ok(dialog)
    assert not dialog.isVisible()
    assert dialog.variant() == Variant("New variant", (AddStock(TRACTION, 30.0),))
    assert project.tables.parts.equals(demo_project().tables.parts), "checking never changes the project"


def test_a_change_left_incomplete_is_refused_and_selected(qtbot: QtBot) -> None:
    dialog = _open_dialog(qtbot, demo_project(), [])
    dialog.add_change("add_stock")
    dialog.add_change("change_grade")
    dialog.change_list.setCurrentRow(0)
    _ok(dialog)
    assert dialog.isVisible()
    assert "give the new grade" in dialog.message.text()
    assert dialog.change_list.currentRow() == 1


def test_a_country_the_dialog_cannot_resolve_is_refused_by_name(qtbot: QtBot) -> None:
    dialog = _open_dialog(qtbot, demo_project(), [])
    form = dialog.add_change("move_path")
    assert isinstance(form, MovePathForm)
    form.part_box.setCurrentText(TRACTION)
    assert [form.from_box.itemText(i) for i in range(form.from_box.count())] == ["SUP-CN1", "SUP-JP1"]
    form.country_fields["magnet"].setText("Atlantis")
    _ok(dialog)
    assert dialog.isVisible()
    assert "'Atlantis' is not a country" in dialog.message.text()


def test_names_must_be_given_and_unique_and_not_the_original(qtbot: QtBot) -> None:
    dialog = _open_dialog(qtbot, demo_project(), [MORE_STOCK])
    assert dialog.name_edit.text() == "New variant"
    dialog.add_change("add_stock")
    for name, problem in (("More stock", "already a variant"), ("original", "the project as it is"),
                          ("  ", "Give the variant a name")):
        dialog.name_edit.setText(name)
        _ok(dialog)
        assert dialog.isVisible()
        assert problem in dialog.message.text()


def test_the_dialog_builds_variant_objects_from_names_and_codes(qtbot: QtBot) -> None:
    dialog = _open_dialog(qtbot, demo_project(), [])
    dialog.name_edit.setText("Japan source")
    form = dialog.add_change("add_source")
    assert isinstance(form, AddSourceForm)
    form.part_box.setCurrentText(TRACTION)
    form.supplier_box.setEditText("SUP-NEW-JP")
    assert form.name_edit.isEnabled(), "a new supplier's name can be given"
    form.name_edit.setText("Nagoya Magnet")
    form.share_spin.setValue(25)
    form.country_fields["mine"].setText("Australia (AU)")
    form.country_fields["separation"].setText("malaysia")
    form.country_fields["magnet"].setText("jp")
    _ok(dialog)
    assert dialog.variant() == Variant("Japan source", (AddSource(
        TRACTION, "SUP-NEW-JP", 25.0, {"mine": "AU", "separation": "MY", "magnet": "JP"}, "declared",
        "Nagoya Magnet"),))


def test_a_second_source_from_the_projects_suppliers_brings_their_usual_countries(qtbot: QtBot) -> None:
    dialog = _open_dialog(qtbot, demo_project(), [])
    form = dialog.add_change("add_source")
    assert isinstance(form, AddSourceForm)
    form.part_box.setCurrentText("SNS-HALL-12")
    form.supplier_box.setEditText("SUP-JP1")  # its paths: mostly AU, MY, JP, JP in the demo
    assert {stage: field.code() for stage, field in form.country_fields.items()} == {
        "mine": "AU", "separation": "MY", "metal": "JP", "magnet": "JP"}
    form.supplier_box.setEditText("SUP-NEW")  # untouched countries follow the supplier: a new one's are unknown
    assert not any(field.code() for field in form.country_fields.values())
    form.country_fields["magnet"].setText("Korea")
    form.supplier_box.setEditText("SUP-JP1")  # countries the user typed are never overwritten
    assert {stage: field.code() for stage, field in form.country_fields.items()} == {
        "mine": "", "separation": "", "metal": "", "magnet": "KR"}


def test_editing_a_variant_shows_each_change_and_gives_it_back_unchanged(qtbot: QtBot) -> None:
    variant = Variant("Everything", (
        MovePath(TRACTION, "SUP-CN1", "SUP-VN1", {"metal": "", "magnet": "VN"}, "declared"),
        AddSource("SNS-HALL-12", "SUP-JP1", 30.0, {"magnet": "JP"}),
        ChangeGrade("PMP-EV-COOL", "N40", "NdFeB-sintered"),
        AddStock("*", 45.0),
    ))
    dialog = _open_dialog(qtbot, demo_project(), [variant], variant)
    assert dialog.change_list.count() == 4
    assert [dialog.change_list.item(r).text() for r in range(4)] == [c.describe() for c in variant.changes]
    _ok(dialog)
    assert dialog.variant() == variant


def test_a_second_sources_price_is_what_the_variant_costs_against_the_original(qtbot: QtBot) -> None:
    parts = demo_project().tables.parts.set_index("part_number")
    price, units = float(parts.loc[TRACTION, "unit_price"]), float(parts.loc[TRACTION, "annual_units"])
    priced = Variant("Priced source", (AddSource(TRACTION, "SUP-DE1", 40, {"magnet": "DE"},
                                                 unit_price=round(price + 10.0, 2)),))
    unpriced = Variant("Unpriced source", (AddSource(TRACTION, "SUP-DE1", 40, {"magnet": "DE"}),))
    panel = _panel(qtbot, _demo(priced, unpriced), ScriptedDialogs())
    model = panel.variants_model
    scenario = licensing()
    added = (round(price + 10.0, 2) - price) * units * 0.40 * scenario.horizon_months / 12
    element_change = model.summary_at(1)["scenario_cost"] - model.summary_at(0)["scenario_cost"]
    assert model.summary_at(1)["purchase_change"] == pytest.approx(added, abs=0.01)
    assert model.cost_change(1) == pytest.approx(element_change + added, abs=0.01)
    assert model.text(1, "cost_change") == "+" + format_money(element_change + added)
    assert model.text(2, "cost_change") == "unknown"
    assert "unit price" in model.data(model.index(2, model.KEYS.index("cost_change")), Qt.ItemDataRole.ToolTipRole)


def test_a_new_supplier_needs_only_its_name_and_gets_an_id_of_its_own(qtbot: QtBot) -> None:
    project = demo_project()
    taken = set(project.tables.suppliers["supplier_id"])
    dialog = _open_dialog(qtbot, project, [])
    dialog.name_edit.setText("Nagoya source")
    form = dialog.add_change("add_source")
    assert isinstance(form, AddSourceForm)
    form.part_box.setCurrentText(TRACTION)
    form.name_edit.setText("Nagoya Magnet Co., Ltd.")
    form.country_fields["magnet"].setText("jp")
    form.price_spin.setValue(14.5)
    assert "NAGOYA-MAGNET-CO-LTD" in form.supplier_box.lineEdit().placeholderText()
    _ok(dialog)
    variant = dialog.variant()
    assert variant is not None, dialog.message.text()
    (change,) = variant.changes
    assert isinstance(change, AddSource)
    assert (change.supplier_id, change.supplier_name, change.unit_price) == ("NAGOYA-MAGNET-CO-LTD",
                                                                              "Nagoya Magnet Co., Ltd.", 14.5)
    assert change.supplier_id not in taken


def test_an_id_made_from_a_name_never_takes_another_suppliers_id(qtbot: QtBot) -> None:
    project = demo_project()
    suppliers = project.tables.suppliers
    first = suppliers.iloc[0]
    dialog = _open_dialog(qtbot, project, [])
    form = dialog.add_change("add_source")
    assert isinstance(form, AddSourceForm)
    form.name_edit.setText(str(first["supplier_id"]).lower())  # a new name whose id would be first's id
    assert form.supplier_id() == f"{first['supplier_id']}-2"
    form.name_edit.setText(f"  {str(first['supplier_name']).upper()} ")  # a supplier of the project, by name
    assert form.supplier_id() == first["supplier_id"]
