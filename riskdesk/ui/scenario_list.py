"""The scenario list of the Scenarios tab and its commands: the bundled presets (from what happened, with sources
and confidence marks) and the project's own scenarios, which the user creates, duplicates, edits, imports, exports
and deletes (each an undoable step, `Document.change_scenarios`; they are saved in the project file).

    scenarios = ScenarioList(context, run_dialog)
    scenarios.selection_changed.connect(...)   # another scenario is selected
    scenarios.scenarios_changed.connect(...)   # the project's scenarios changed (an edit, undo, a new project)
    scenarios.selected_scenario()              # the scenario to run (None: none, or one that cannot start)

A preset starts in the as-of date's month, so the list is told the date (`set_as_of`, `set_evaluation`); the
evaluation's control list gives the rule ids the editor and the importer accept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.presets import Preset, default_presets
from riskdesk.core.scenarios import Scenario, ScenarioError, check_bounds, unique_name
from riskdesk.ui.scenario_dialog import edit_scenario, new_scenario_template

if TYPE_CHECKING:
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.ui.analysis import ViewContext

_KindRole = Qt.ItemDataRole.UserRole + 1
_KeyRole = Qt.ItemDataRole.UserRole + 2
PRESET, OWN = "preset", "own"


class ScenarioList(QWidget):
    """The presets and the project's scenarios with New, Duplicate, Edit, Delete, Import and Export (see the module
    docstring). Its column (`add_below`) has room under the commands for what the tab shows of the selection."""

    selection_changed = Signal()
    """Another scenario was selected."""
    scenarios_changed = Signal()
    """The project's scenarios changed and the list was filled again (the selection may be another)."""

    def __init__(self, context: ViewContext, run_dialog: Callable[[QDialog], int] | None = None,
                 parent: QWidget | None = None) -> None:
        """`run_dialog` executes the scenario editor (default: modal `exec`; tests script it)."""
        super().__init__(parent)
        self._context = context
        self._document = context.document
        self._run_dialog = run_dialog
        self._evaluation: Evaluation | None = None
        self._as_of = dt.date.today()
        self._presets = default_presets()
        self._selected: tuple[str, str] = (PRESET, self._presets.presets[0].id) if self._presets.presets else (OWN, "")
        self._build()
        self._document.scenarios_changed.connect(self._on_scenarios_changed)
        self._document.project_replaced.connect(self._on_scenarios_changed)
        self._fill_list()

    def _build(self) -> None:
        self.scenario_list = QListWidget()
        self.scenario_list.setObjectName("scenarioList")
        self.scenario_list.setAccessibleName("Scenarios")
        self.scenario_list.setToolTip("Presets come from what happened, with their sources; your own scenarios "
                                      "are saved in the project")
        self.scenario_list.currentItemChanged.connect(self._on_current_changed)
        self.scenario_list.itemDoubleClicked.connect(lambda _item: self.edit_selected())

        self.new_button = QPushButton("New…")
        self.new_button.setToolTip("A new scenario of your own")
        self.new_button.clicked.connect(self.new_scenario)
        self.duplicate_button = QPushButton("Duplicate")
        self.duplicate_button.setToolTip("A copy of the selected scenario (of a preset too) that you can edit")
        self.duplicate_button.clicked.connect(self.duplicate_selected)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Change the selected scenario: name, months, price basis, shocks and cuts")
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected scenario (Undo brings it back)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Add a scenario from a scenario file (JSON)")
        self.import_button.clicked.connect(self.import_file)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the selected scenario as a scenario file (JSON), e.g. for "
                                      "riskdesk scenario --file")
        self.export_button.clicked.connect(self.export_file)
        rows = QVBoxLayout()
        for buttons in ((self.new_button, self.duplicate_button, self.edit_button),
                        (self.delete_button, self.import_button, self.export_button)):
            row = QHBoxLayout()
            for button in buttons:
                row.addWidget(button)
            rows.addLayout(row)

        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.addWidget(QLabel("<b>Scenarios</b>"))
        self._column.addWidget(self.scenario_list, 3)
        self._column.addLayout(rows)

    def add_below(self, widget: QWidget, stretch: int = 0) -> None:
        """Put `widget` under the commands, in the list's own column (so the list and it share one layout's
        stretch: the list keeps its share of the height)."""
        self._column.addWidget(widget, stretch)

    def set_evaluation(self, evaluation: Evaluation) -> None:
        """The project scored on the window's date: its date starts the presets, its control list names the rules."""
        self._evaluation = evaluation
        self._as_of = evaluation.as_of

    def set_as_of(self, as_of: dt.date) -> None:
        self._as_of = as_of

    # ---- the list ---------------------------------------------------------------------------------------------

    def own_scenarios(self) -> list[Scenario]:
        return list(self._document.project.scenarios)

    def _fill_list(self) -> None:
        self.scenario_list.blockSignals(True)
        self.scenario_list.clear()
        current: QListWidgetItem | None = None
        for title, kind, entries in (
            ("Presets: what happened, with sources", PRESET,
             [(p.id, p.name, p.summary) for p in self._presets.presets]),
            ("This project's scenarios", OWN,
             [(s.name, s.name, s.description) for s in self.own_scenarios()]),
        ):
            header = QListWidgetItem(title)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.scenario_list.addItem(header)
            if kind == OWN and not entries:
                hint = QListWidgetItem("   none yet: New… or Duplicate a preset")
                hint.setFlags(Qt.ItemFlag.NoItemFlags)
                self.scenario_list.addItem(hint)
            for key, name, tip in entries:
                item = QListWidgetItem(f"   {name}")
                item.setData(_KindRole, kind)
                item.setData(_KeyRole, key)
                item.setToolTip(tip)
                self.scenario_list.addItem(item)
                if (kind, key) == self._selected:
                    current = item
        if current is None:
            current = next((self.scenario_list.item(i) for i in range(self.scenario_list.count())
                            if self.scenario_list.item(i).data(_KindRole)), None)
            if current is not None:
                self._selected = (str(current.data(_KindRole)), str(current.data(_KeyRole)))
        if current is not None:
            self.scenario_list.setCurrentItem(current)
        self.scenario_list.blockSignals(False)
        self._update_buttons()

    def select(self, kind: str, key: str) -> bool:
        """Show a preset (by id) or one of the project's scenarios (by name)."""
        for i in range(self.scenario_list.count()):
            item = self.scenario_list.item(i)
            if item.data(_KindRole) == kind and item.data(_KeyRole) == key:
                self.scenario_list.setCurrentItem(item)
                return True
        return False

    def _on_current_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None or not current.data(_KindRole):
            return
        self._selected = (str(current.data(_KindRole)), str(current.data(_KeyRole)))
        self._update_buttons()
        self.selection_changed.emit()

    def _on_scenarios_changed(self) -> None:
        self._fill_list()
        self.scenarios_changed.emit()

    def _update_buttons(self) -> None:
        own = self._selected[0] == OWN and self.selected_scenario() is not None
        self.edit_button.setEnabled(own)
        self.delete_button.setEnabled(own)
        self.duplicate_button.setEnabled(self.selected_scenario() is not None)
        self.export_button.setEnabled(self.selected_scenario() is not None)

    def selected_preset(self) -> Preset | None:
        kind, key = self._selected
        if kind != PRESET:
            return None
        try:
            return self._presets.get(key)
        except KeyError:
            return None

    def selected_scenario(self) -> Scenario | None:
        """The scenario selected; None when there is none, or when a preset cannot start in the as-of date's month
        (`scenario_problem` says why)."""
        kind, key = self._selected
        if kind == PRESET:
            preset = self.selected_preset()
            try:
                return preset.scenario(self._as_of) if preset is not None else None
            except ScenarioError:
                return None
        return next((s for s in self.own_scenarios() if s.name == key), None)

    def scenario_problem(self) -> str:
        """Why the selected scenario cannot be run ("" when it can): a preset starting in an as-of month beyond
        the scenarios' bounds, or a saved scenario beyond them (checked again here: a project may hold one saved
        before the bounds)."""
        preset = self.selected_preset()
        try:
            if preset is not None:
                preset.scenario(self._as_of)
            elif (scenario := self.selected_scenario()) is not None:
                check_bounds(scenario)
        except ScenarioError as exc:
            return str(exc)
        return ""

    # ---- editing ----------------------------------------------------------------------------------------------

    def _known_rules(self) -> list[str]:
        reference = self._evaluation.reference if self._evaluation is not None else None
        if reference is None:
            from riskdesk.core.rules import default_control_list

            return [r.id for r in default_control_list().rules]
        return [r.id for r in reference.control_list.rules]

    def _edit(self, scenario: Scenario, title: str, taken: list[str]) -> Scenario | None:
        return edit_scenario(scenario, taken, self._known_rules(), self, title, self._run_dialog)

    def _names(self, but: str = "") -> list[str]:
        return [s.name for s in self.own_scenarios() if s.name != but]

    def _add(self, scenario: Scenario, text: str) -> None:
        self._selected = (OWN, scenario.name)
        self._document.change_scenarios([*self.own_scenarios(), scenario], text)

    def new_scenario(self) -> None:
        template = new_scenario_template(self._as_of)
        template = template.renamed(unique_name(template.name, self._names()))
        made = self._edit(template, "New scenario", self._names())
        if made is not None:
            self._add(made, f"Add scenario '{made.name}'")

    def duplicate_selected(self) -> None:
        scenario = self.selected_scenario()
        if scenario is None:
            return
        copy = scenario.renamed(unique_name(scenario.name, self._names()))
        self._add(copy, f"Duplicate scenario '{scenario.name}'")

    def edit_selected(self) -> None:
        scenario = self.selected_scenario()
        if scenario is None:
            return
        if self._selected[0] == PRESET:
            self._context.dialogs.info("Presets are not edited",
                                       "A preset says what happened, with its sources. Duplicate it and edit the "
                                       "copy.")
            return
        edited = self._edit(scenario, f"Edit scenario '{scenario.name}'", self._names(but=scenario.name))
        if edited is None or edited == scenario:
            return
        self._selected = (OWN, edited.name)
        self._document.change_scenarios([edited if s.name == scenario.name else s for s in self.own_scenarios()],
                                        f"Edit scenario '{scenario.name}'")

    def delete_selected(self) -> None:
        scenario = self.selected_scenario()
        if scenario is None or self._selected[0] != OWN:
            return
        remaining = [s for s in self.own_scenarios() if s.name != scenario.name]
        self._document.change_scenarios(remaining, f"Delete scenario '{scenario.name}'")

    def import_file(self, path: Path | None = None) -> None:
        from riskdesk.io.scenario_file import ScenarioFileError, read_scenario

        if path is None:
            name, _ = QFileDialog.getOpenFileName(self, "Import a scenario file", str(Path.home()),
                                                  "Scenario files (*.json)")
            if not name:
                return
            path = Path(name)
        try:
            scenario = read_scenario(path, frozenset(self._known_rules()))
        except ScenarioFileError as exc:
            self._context.dialogs.error("Cannot import the scenario", str(exc))
            return
        scenario = scenario.renamed(unique_name(scenario.name, self._names()))
        self._add(scenario, f"Import scenario '{scenario.name}'")

    def export_file(self, path: Path | None = None) -> Path | None:
        from riskdesk.io.scenario_file import write_scenario

        scenario = self.selected_scenario()
        if scenario is None:
            return None
        if path is None:
            stem = "".join(ch if ch.isalnum() else "-" for ch in scenario.name.lower()).strip("-") or "scenario"
            name, _ = QFileDialog.getSaveFileName(self, "Export the scenario", str(Path.home() / f"{stem}.json"),
                                                  "Scenario files (*.json)")
            if not name:
                return None
            path = Path(name)
        try:
            write_scenario(scenario, path)
        except OSError as exc:  # riskdesk.io.outputs.OutputError: names the file and says what to do
            self._context.dialogs.error("Cannot export the scenario", str(exc))
            return None
        return path


__all__ = ["OWN", "PRESET", "ScenarioList"]
