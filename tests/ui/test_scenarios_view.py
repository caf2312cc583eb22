"""The Scenarios tab: presets and the project's own scenarios run on the scored project, the same numbers as
`riskdesk scenario`, undoable edits, the editor's checks, the Monte Carlo with progress and cancel, and charts with
hover values that save as PNG and SVG."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog
from pytestqt.qtbot import QtBot

from riskdesk.cli import main as cli_main
from riskdesk.core.demo import demo_project
from riskdesk.core.presets import default_presets
from riskdesk.core.simulation import MonteCarloSettings, run_monte_carlo
from riskdesk.io.store.project_file import load_project, save_project
from riskdesk.ui.analysis import ViewContext
from riskdesk.ui.document import Document
from riskdesk.ui.scenario_dialog import ScenarioDialog
from riskdesk.ui.scenarios_view import OWN, PRESET, ScenariosView
from riskdesk.ui.scoring import Scoring
from riskdesk.ui.session import Session
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.dialogs import ScriptedDialogs
from tests.helpers.runners import DeferredRunner

AS_OF = dt.date(2026, 11, 23)
APRIL = "april-2025-licensing"


class Editor:
    """Runs the scenario editor as a user would: `change(dialog)` types, then OK is pressed."""

    def __init__(self) -> None:
        self.change = lambda dialog: None
        self.seen: list[ScenarioDialog] = []

    def __call__(self, dialog: QDialog) -> int:
        assert isinstance(dialog, ScenarioDialog)
        self.seen.append(dialog)
        self.change(dialog)
        dialog.accept()
        if dialog.result() != QDialog.DialogCode.Accepted:
            dialog.reject()
        return dialog.result()


def _view(qtbot: QtBot, runner: object | None = None) -> tuple[ScenariosView, Document, Editor, ScriptedDialogs]:
    document = Document(demo_project(), runner=runner or SynchronousRunner())  # type: ignore
    scoring = Scoring(document, AS_OF)
    dialogs = ScriptedDialogs()
    editor = Editor()
    view = ScenariosView(ViewContext(document, scoring, dialogs), run_dialog=editor)
    qtbot.addWidget(view)
    scoring.evaluated.connect(view.set_evaluation)
    scoring.refresh()
    return view, document, editor, dialogs


def test_a_preset_runs_on_the_scored_project_with_the_numbers_of_the_command_line(qtbot: QtBot, tmp_path: Path,
                                                                                  capsys: pytest.CaptureFixture[str]
                                                                                  ) -> None:
    view, document, _, _ = _view(qtbot)
    assert view.select(PRESET, APRIL)
    result = view.result
    assert result is not None and result.scenario.name == default_presets().get(APRIL).name
    path = tmp_path / "demo.rdproj"
    save_project(document.project, path)
    assert cli_main(["scenario", str(path), "--preset", APRIL, "--as-of", AS_OF.isoformat(), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["portfolio"]["delta_total"] == round(result.delta_total, 2)
    assert printed["portfolio"]["parts_short"] == int(result.stock_out.stops.sum())
    assert printed["other_basis"]["delta_total"] == round(view.other_basis.delta_total, 2)  # type: ignore[union-attr]
    headline = view.headline.text()
    assert f"{round(result.delta_total):,}" in headline and "run short" in headline
    # The parts table says the same, largest change first.
    model = view.parts_model
    first = model.index(0, model.KEYS.index("delta")).data()
    assert first == f"{result.part_delta_total.max():+,.0f}"


def test_duplicating_a_preset_makes_an_own_scenario_saved_with_the_project_and_undo_removes_it(
        qtbot: QtBot, tmp_path: Path) -> None:
    view, document, _, _ = _view(qtbot)
    view.select(PRESET, APRIL)
    view.duplicate_selected()
    own = document.project.scenarios
    assert [s.name for s in own] == [default_presets().get(APRIL).name]
    assert view.selected_scenario() == own[0] and view.edit_button.isEnabled()
    view.duplicate_selected()
    assert [s.name for s in document.project.scenarios][-1].endswith("(2)")
    Session(document, ScriptedDialogs()).save(tmp_path / "p.rdproj")
    assert len(load_project(tmp_path / "p.rdproj").scenarios) == 2
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.project.scenarios == []
    assert not view.select(OWN, own[0].name)


def test_an_edited_row_loses_its_sources_and_an_untouched_row_keeps_them(qtbot: QtBot) -> None:
    view, document, editor, _ = _view(qtbot)
    view.select(PRESET, APRIL)
    view.duplicate_selected()

    def change(dialog: ScenarioDialog) -> None:
        dialog.name_edit.setText("Dy ×4")
        multiplier = [f.key for f in dialog.shocks.fields].index("multiplier")
        dialog.shocks.table.item(0, multiplier).setText("4")  # type: ignore[union-attr]

    editor.change = change
    view.edit_selected()
    edited = document.project.scenarios[0]
    assert edited.name == "Dy ×4" and edited.price_shocks[0].multiplier == 4.0
    assert not edited.price_shocks[0].provenance.marked
    assert edited.price_shocks[1].provenance.sources and edited.supply_cuts[0].provenance.confidence
    assert document.undo_stack.undoText() == f"Edit scenario '{default_presets().get(APRIL).name}'"
    assert view.result is not None and view.result.scenario == edited


def test_the_editor_keeps_and_edits_a_shocks_price_basis_and_a_cuts_buyers(qtbot: QtBot) -> None:
    view, document, editor, _ = _view(qtbot)
    view.select(PRESET, APRIL)
    view.duplicate_selected()
    editor.change = lambda dialog: dialog.name_edit.setText("April, untouched")
    view.edit_selected()
    kept = document.project.scenarios[0]
    assert kept.price_shocks == default_presets().get(APRIL).template.price_shocks
    assert kept.supply_cuts == default_presets().get(APRIL).template.supply_cuts

    def change(dialog: ScenarioDialog) -> None:
        basis = [f.key for f in dialog.shocks.fields].index("price_basis")
        box = dialog.shocks.table.cellWidget(0, basis)
        assert isinstance(box, QComboBox) and box.currentText() == "ex-china"
        box.setCurrentIndex(box.findText("either"))
        buyers = [f.key for f in dialog.cuts.fields].index("import_countries")
        assert dialog.cuts.table.item(1, buyers).text() == "US"  # type: ignore[union-attr]
        dialog.cuts.table.item(1, buyers).setText("US, CA")  # type: ignore[union-attr]

    editor.change = change
    view.edit_selected()
    edited = document.project.scenarios[0]
    assert edited.price_shocks[0].price_basis == "" and edited.price_shocks[1].price_basis == "ex-china"
    assert edited.supply_cuts[1].import_countries == ("US", "CA")


def test_a_scenario_the_file_parser_would_refuse_keeps_the_editor_open_with_the_key_named(qtbot: QtBot) -> None:
    view, document, editor, _ = _view(qtbot)

    def change(dialog: ScenarioDialog) -> None:
        column = [f.key for f in dialog.shocks.fields].index("multiplier")
        dialog.shocks.table.item(0, column).setText("0")  # type: ignore[union-attr]

    editor.change = change
    view.new_scenario()
    dialog = editor.seen[-1]
    assert dialog.message.isVisibleTo(dialog) and "price shock 1, × price" in dialog.message.text()
    assert document.project.scenarios == [] and document.undo_stack.count() == 0


def test_a_new_scenario_and_delete_with_undo(qtbot: QtBot) -> None:
    view, document, _, _ = _view(qtbot)
    view.new_scenario()
    assert [s.name for s in document.project.scenarios] == ["My scenario"]
    assert view.result is not None and view.result.scenario.name == "My scenario"
    view.delete_selected()
    assert document.project.scenarios == []
    document.undo_stack.undo()
    assert view.select(OWN, "My scenario")


def test_presets_are_duplicated_not_edited(qtbot: QtBot) -> None:
    view, _, editor, dialogs = _view(qtbot)
    view.select(PRESET, APRIL)
    assert not view.edit_button.isEnabled()
    view.edit_selected()
    assert editor.seen == [] and dialogs.asked == ["Presets are not edited"]


def test_scenario_files_round_trip_through_export_and_import(qtbot: QtBot, tmp_path: Path) -> None:
    view, document, _, dialogs = _view(qtbot)
    view.select(PRESET, "ndpr-floor-110")
    written = view.export_file(tmp_path / "floor.json")
    assert written is not None and json.loads(written.read_text(encoding="utf-8"))["name"]
    view.import_file(written)
    imported = document.project.scenarios[0]
    assert imported.price_shocks == view.result.scenario.price_shocks  # type: ignore[union-attr]
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "start": "2027-13"}', encoding="utf-8")
    view.import_file(bad)
    assert len(document.project.scenarios) == 1 and "start" in dialogs.errors[-1]


def test_monte_carlo_runs_in_the_background_with_the_simulators_numbers_and_can_be_cancelled(qtbot: QtBot) -> None:
    runner = DeferredRunner()
    view, _, _, _ = _view(qtbot, runner)
    view.select(PRESET, APRIL)
    view.paths_spin.setValue(500)
    view.seed_spin.setValue(7)
    view.run_monte_carlo()
    assert view.cancel_button.isVisibleTo(view) and not view.run_button.isEnabled()
    view.cancel_monte_carlo()
    runner.finish()
    assert view.monte_carlo is None and view.mc_label.text() == "Cancelled."

    view.run_monte_carlo()
    runner.finish()
    expected = run_monte_carlo(view.result, MonteCarloSettings(paths=500, seed=7))  # type: ignore[arg-type]
    assert view.monte_carlo is not None
    assert view.monte_carlo.cost_at_risk == pytest.approx(expected.cost_at_risk)
    assert list(view.monte_carlo.p50) == pytest.approx(list(expected.p50))
    assert "cost at risk" in view.headline.text() and view.run_button.isEnabled()
    view.select(PRESET, "dfars-2027")
    assert view.monte_carlo is None, "a result of another scenario is not shown"


def test_the_charts_draw_say_their_values_on_hover_and_save_as_png_and_svg(qtbot: QtBot, tmp_path: Path) -> None:
    from riskdesk.ui.scenario_chart import timestamp

    view, _, _, _ = _view(qtbot)
    view.show()
    qtbot.waitExposed(view)
    view.select(PRESET, APRIL)
    assert set(view.charts) == {"cost", "stock_out", "prices", "sensitivity"}
    assert view.charts["cost"].items and not view.charts["stock_out"].items  # drawn when shown
    for position, (name, chart) in enumerate(view.charts.items()):
        view.tabs.setCurrentIndex(position)
        assert chart.items, name
        assert chart.summary, name
    result = view.result
    assert result is not None
    month = result.scenario.months[2]
    text = view.charts["cost"].hover_at(timestamp(month) + 86400 * 10, 0.0)
    assert result.months[2] in text and f"{result.portfolio_scenario[2]:,.0f}" in text
    shorts = view.charts["stock_out"].hover_at(timestamp(result.scenario.start), 0.0)
    assert "stock lasts" in shorts
    assert "Dy" in view.charts["sensitivity"].hover_at(0.0, 0.0)
    for suffix in ("png", "svg"):
        path = view.charts["cost"].save(tmp_path / f"cost.{suffix}")
        assert path.stat().st_size > 2_000
    view.element_box.setCurrentText("Tb")
    assert "Tb" in view.charts["prices"].title


def test_a_new_date_runs_the_scenario_again_from_that_month(qtbot: QtBot) -> None:
    view, document, _, _ = _view(qtbot)
    view.select(PRESET, APRIL)
    scoring = Scoring(document, dt.date(2027, 3, 5))
    scoring.evaluated.connect(view.set_evaluation)
    scoring.refresh()
    assert view.result is not None and view.result.scenario.start == dt.date(2027, 3, 1)
    assert view.result.evaluation.as_of == dt.date(2027, 3, 5)


def test_the_parts_model_passes_qts_checks(qtmodeltester, qtbot: QtBot) -> None:  # type: ignore[no-untyped-def]
    view, _, _, _ = _view(qtbot)
    view.select(PRESET, APRIL)
    qtmodeltester.check(view.parts_model)


def test_mitigations_compare_the_projects_variants_under_the_selected_scenario(qtbot: QtBot) -> None:
    from riskdesk.core.mitigations import AddStock, Variant

    view, document, _, _ = _view(qtbot)
    view.show()
    view.select(PRESET, APRIL)
    document.change_variants([Variant("60 more days of stock", (AddStock("*", 60.0),))], "Add variant")
    view.tabs.setCurrentWidget(view.mitigations)
    comparison = view.mitigations.comparison
    assert comparison is not None and comparison.scenario == view.result.scenario  # type: ignore[union-attr]
    original, stocked = comparison.outcomes
    assert stocked.parts_short < original.parts_short
    view.select(PRESET, "dfars-2027")
    assert view.mitigations.comparison is not None
    assert view.mitigations.comparison.scenario.name == default_presets().get("dfars-2027").name


# ---- scenarios beyond the bounds (issue 19) ----------------------------------------------------------------------

_DY_X1000 = {"elements": ["Dy"], "shape": "step", "multiplier": 1000, "from_month": 1, "months": 12}


def test_a_scenario_whose_shocks_would_overflow_is_refused_by_import_with_the_command_lines_message(
        qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    view, document, _, dialogs = _view(qtbot)
    path = tmp_path / "overflow.json"
    path.write_text(json.dumps({"name": "overflow", "start": "2027-01", "price_shocks": [_DY_X1000] * 103}),
                    encoding="utf-8")
    view.import_file(path)
    assert document.project.scenarios == [] and document.undo_stack.count() == 0
    demo = tmp_path / "demo.rdproj"
    save_project(document.project, demo)
    assert cli_main(["scenario", str(demo), "--file", str(path)]) == 3
    said = capsys.readouterr().err.removeprefix("riskdesk: ").strip()
    assert dialogs.errors == [f"Cannot import the scenario: {said}"]
    assert "the 103 shocks on Dy together move its price ×1e309" in said


def test_the_editor_refuses_shocks_that_together_move_a_price_more_than_x1000(qtbot: QtBot) -> None:
    view, document, editor, _ = _view(qtbot)

    def change(dialog: ScenarioDialog) -> None:
        dialog.shocks.add_row(_DY_X1000)
        dialog.shocks.add_row({**_DY_X1000, "multiplier": 2})

    editor.change = change
    view.new_scenario()
    dialog = editor.seen[-1]
    assert dialog.message.isVisibleTo(dialog)
    assert ("price shocks: the 3 shocks on Dy together move its price ×4,000 in month 1 (2026-11); a scenario "
            "may move a price at most ×1,000 in all") in dialog.message.text()
    assert document.project.scenarios == []


def test_a_saved_scenario_beyond_the_bounds_says_why_instead_of_running(qtbot: QtBot) -> None:
    from riskdesk.core.scenarios import parse_scenario

    view, document, _, _ = _view(qtbot)
    saved = parse_scenario({"name": "saved before the bounds", "start": "2027-01", "price_shocks": [_DY_X1000] * 103})
    document.change_scenarios([saved], "Add a scenario saved by an older RiskDesk")
    assert view.select(OWN, saved.name)
    assert view.result is None and not view.run_button.isEnabled()
    assert "This scenario cannot be run: key 'price_shocks': the 103 shocks on Dy" in view.headline.text()
    view.select(PRESET, APRIL)
    assert view.result is not None and "cannot be run" not in view.headline.text()


def test_a_preset_on_a_date_beyond_the_bounds_says_why(qtbot: QtBot) -> None:
    view, document, _, _ = _view(qtbot)
    view.select(PRESET, APRIL)
    scoring = Scoring(document, dt.date(9999, 12, 31))
    scoring.evaluated.connect(view.set_evaluation)
    scoring.refresh()
    assert view.result is None and view.selected_scenario() is None
    assert "cannot be run: key 'start' = \"9999-12\": a scenario starts from 2000-01 to 2099-12" in \
        view.headline.text()


def test_the_headline_labels_both_price_bases_and_the_parts_table_says_tts_is_for_the_first_cut(
        qtbot: QtBot) -> None:
    view, _, _, _ = _view(qtbot)
    view.select(PRESET, "myanmar-heavy-feed-cut")
    headline = view.headline.text()
    assert "on China domestic prices (the scenario's basis);" in headline and "on ex-China spot prices" in headline
    model = view.parts_model
    title = model.headerData(model.KEYS.index("tts"), Qt.Orientation.Horizontal)
    help_text = model.headerData(model.KEYS.index("tts"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert title == "Stock lasts (first cut)" and "time to survive the first cut" in help_text.lower()
