"""The Project settings view: name, import country, how suspended rules count, US defence supply (DFARS),
disruption length, time to re-source, price basis and the six factor weights, each with a tooltip explaining what
it does to the scores (docs/method.md). Labels, tooltips and ranges are the settings' own
(`riskdesk.core.fields.SETTINGS`), so that the form, the Undo texts and the report name a setting alike.

The view edits a copy: every change emits `settings_changed` with a new `ProjectSettings`; the window applies it
(with undo) and re-scores. `set_settings` shows settings without emitting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.fields import setting
from riskdesk.core.labels import FACTOR_HELP, FACTOR_LABELS, PRICE_BASES, US_DEFENCE_LABELS, setting_help
from riskdesk.core.project import DEFAULT_WEIGHTS, FACTOR_NAMES, ProjectSettings
from riskdesk.core.rule_match import PROHIBITED_FLOOR
from riskdesk.ui.analysis import AnalysisView, ViewContext

_MNEMONICS: dict[str, str] = {"name": "n", "import_country": "I", "us_defence_supply": "U",
                              "suspended_rules_in_force": "s", "disruption_days": "D", "resourcing_days": "T",
                              "stale_months": "a", "price_basis": "P"}
"""The letter of each setting's label that Alt reaches it by (unique within the form)."""
WEIGHT_STEP = 0.05


def _with_mnemonic(key: str) -> str:
    """The setting's label with "&" before its mnemonic letter ("Project &name")."""
    label = setting(key).label
    at = label.find(_MNEMONICS[key])
    return label if at < 0 else label[:at] + "&" + label[at:]


class CountryLookup(Protocol):
    """What the view needs to know about countries (by default from `riskdesk.core.countries`)."""

    def codes(self) -> list[str]: ...

    def name(self, code: str) -> str: ...

    def resolve(self, text: str) -> str | None: ...


class _CoreCountries:
    """`CountryLookup` over the bundled country table."""

    def __init__(self) -> None:
        from riskdesk.core import countries

        self._table = countries.default_countries()
        self._resolve: Callable[[str], str | None] = countries.resolve_country

    def codes(self) -> list[str]:
        return list(self._table.codes())

    def name(self, code: str) -> str:
        return str(self._table.name(code))

    def resolve(self, text: str) -> str | None:
        try:
            return self._resolve(text)
        except (KeyError, ValueError, LookupError):
            return None


class SettingsView(AnalysisView):
    """Project settings form. Emits `settings_changed(ProjectSettings)` on every change the user makes."""

    settings_changed = Signal(object)

    def __init__(self, countries: CountryLookup | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._countries: CountryLookup = countries or _CoreCountries()
        self._settings = ProjectSettings()
        self._updating = False

        # Project
        self.name_edit = QLineEdit()
        self._describe(self.name_edit, "name")
        self.name_edit.editingFinished.connect(self._on_name)

        self.country_box = QComboBox()
        self.country_box.setEditable(True)
        self.country_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._describe(self.country_box, "import_country")
        entries = sorted(((self._countries.name(c), c) for c in self._countries.codes()), key=lambda e: e[0])
        for name, code in entries:
            self.country_box.addItem(f"{name} ({code})", code)
        completer = QCompleter(self.country_box.model(), self.country_box)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.country_box.setCompleter(completer)
        self.country_box.activated.connect(self._on_country_chosen)
        line_edit = self.country_box.lineEdit()
        assert line_edit is not None
        line_edit.editingFinished.connect(self._on_country_typed)
        self.country_message = QLabel()
        self.country_message.setObjectName("countryMessage")
        self.country_message.setWordWrap(True)
        self.country_message.setAccessibleName("Import country check")

        project_box = QGroupBox("Project")
        project_form = QFormLayout(project_box)
        project_form.addRow(self._buddy("name", self.name_edit), self.name_edit)
        project_form.addRow(self._buddy("import_country", self.country_box), self.country_box)
        project_form.addRow("", self.country_message)
        project_form.setRowVisible(self.country_message, False)
        self._project_form = project_form

        # Rules
        self.suspended_check = QCheckBox(_with_mnemonic("suspended_rules_in_force"))
        self._describe(self.suspended_check, "suspended_rules_in_force")
        self.suspended_check.toggled.connect(self._on_suspended)
        suspended_help = QLabel(setting_help("suspended_rules_in_force"))
        suspended_help.setWordWrap(True)
        suspended_help.setObjectName("suspendedHelp")
        self.us_defence_box = QComboBox()
        self._describe(self.us_defence_box, "us_defence_supply")
        for key, (choice_label, help_text) in US_DEFENCE_LABELS.items():
            self.us_defence_box.addItem(choice_label, key)
            self.us_defence_box.setItemData(self.us_defence_box.count() - 1, help_text, Qt.ItemDataRole.ToolTipRole)
        self.us_defence_box.currentIndexChanged.connect(self._on_us_defence)
        rules_box = QGroupBox("Rules")
        rules_layout = QVBoxLayout(rules_box)
        rules_layout.addWidget(self.suspended_check)
        rules_layout.addWidget(suspended_help)
        us_defence_form = QFormLayout()
        us_defence_form.addRow(self._buddy("us_defence_supply", self.us_defence_box), self.us_defence_box)
        rules_layout.addLayout(us_defence_form)

        # Scoring
        self.disruption_spin = self._days("disruption_days")
        self.disruption_spin.valueChanged.connect(self._on_disruption)
        self.price_box = QComboBox()
        self._describe(self.price_box, "price_basis")
        for key, (basis_label, help_text) in PRICE_BASES.items():
            self.price_box.addItem(basis_label, key)
            self.price_box.setItemData(self.price_box.count() - 1, help_text, Qt.ItemDataRole.ToolTipRole)
        self.price_box.currentIndexChanged.connect(self._on_price_basis)
        self.resourcing_spin = self._days("resourcing_days")
        self.resourcing_spin.valueChanged.connect(self._on_resourcing)
        self.stale_spin = self._days("stale_months")
        self.stale_spin.valueChanged.connect(self._on_stale)
        scoring_box = QGroupBox("Scoring")
        scoring_form = QFormLayout(scoring_box)
        scoring_form.addRow(self._buddy("disruption_days", self.disruption_spin), self.disruption_spin)
        scoring_form.addRow(self._buddy("resourcing_days", self.resourcing_spin), self.resourcing_spin)
        scoring_form.addRow(self._buddy("stale_months", self.stale_spin), self.stale_spin)
        scoring_form.addRow(self._buddy("price_basis", self.price_box), self.price_box)

        # Weights
        self.weight_spins: dict[str, QDoubleSpinBox] = {}
        self.weight_sliders: dict[str, QSlider] = {}
        self.weight_shares: dict[str, QLabel] = {}
        weights_box = QGroupBox(setting("weights").label)
        weights_box.setToolTip(f"{setting_help('weights')} A prohibited path raises the score to at least "
                               f"{PROHIBITED_FLOOR:g} whatever the weights.")
        grid = QGridLayout(weights_box)
        weights_help = QLabel("Score = Σ weight × factor / Σ weight, so only the ratios matter. Hover over a "
                              "factor for how it is computed; every score shows its factors and their inputs.")
        weights_help.setWordWrap(True)
        grid.addWidget(weights_help, 0, 0, 1, 4)
        for row, name in enumerate(FACTOR_NAMES, start=1):
            spin = QDoubleSpinBox()
            spin.setRange(0.0, 1.0)
            spin.setSingleStep(WEIGHT_STEP)
            spin.setDecimals(2)
            spin.setKeyboardTracking(False)
            spin.setAccessibleName(f"Weight of {FACTOR_LABELS[name]}")
            spin.setToolTip(FACTOR_HELP[name])
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, 100)
            slider.setSingleStep(5)
            slider.setPageStep(10)
            slider.setTracking(False)
            slider.setAccessibleName(f"Weight of {FACTOR_LABELS[name]} (slider)")
            slider.setToolTip(FACTOR_HELP[name])
            share = QLabel()
            share.setMinimumWidth(share.fontMetrics().horizontalAdvance("100 % of the score") + 8)
            share.setAccessibleName(f"Share of {FACTOR_LABELS[name]} in the score")
            label = QLabel(FACTOR_LABELS[name])
            label.setBuddy(spin)
            label.setToolTip(FACTOR_HELP[name])
            spin.valueChanged.connect(lambda value, n=name: self._on_weight(n, value))
            slider.valueChanged.connect(lambda value, n=name: self._on_slider(n, value))
            grid.addWidget(label, row, 0)
            grid.addWidget(spin, row, 1)
            grid.addWidget(slider, row, 2)
            grid.addWidget(share, row, 3)
            self.weight_spins[name] = spin
            self.weight_sliders[name] = slider
            self.weight_shares[name] = share
        grid.setColumnStretch(2, 1)
        self.reset_button = QPushButton("&Reset weights to defaults")
        self.reset_button.setToolTip(", ".join(f"{FACTOR_LABELS[name]} {DEFAULT_WEIGHTS[name]:.2f}"
                                               for name in FACTOR_NAMES))
        self.reset_button.clicked.connect(self.reset_weights)
        reset_row = QHBoxLayout()
        reset_row.addStretch(1)
        reset_row.addWidget(self.reset_button)
        grid.addLayout(reset_row, len(FACTOR_NAMES) + 1, 0, 1, 4)

        content = QWidget()
        content.setMaximumWidth(820)
        content_layout = QVBoxLayout(content)
        for box in (project_box, rules_box, scoring_box, weights_box):
            content_layout.addWidget(box)
        content_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.set_settings(self._settings)

    # -- public API

    def settings(self) -> ProjectSettings:
        """The settings as shown (a copy)."""
        return dataclasses.replace(self._settings, weights=dict(self._settings.weights))

    def set_settings(self, settings: ProjectSettings) -> None:
        """Show `settings` without emitting `settings_changed`."""
        self._settings = dataclasses.replace(settings, weights=dict(settings.weights))
        self._updating = True
        try:
            self.name_edit.setText(settings.name)
            self._show_country(settings.import_country)
            self._say_country("")
            self.suspended_check.setChecked(settings.suspended_rules_in_force)
            self.disruption_spin.setValue(settings.disruption_days)
            self.resourcing_spin.setValue(settings.resourcing_days)
            self.stale_spin.setValue(settings.stale_months)
            self.us_defence_box.setCurrentIndex(max(self.us_defence_box.findData(settings.us_defence_supply), 0))
            self.price_box.setCurrentIndex(max(self.price_box.findData(settings.price_basis), 0))
            for name in FACTOR_NAMES:
                value = float(settings.weights.get(name, 0.0))
                self.weight_spins[name].setValue(value)
                self.weight_sliders[name].setValue(round(value * 100))
        finally:
            self._updating = False
        self._update_shares()

    def reset_weights(self) -> None:
        """Put every factor weight back to its default (one change, one signal)."""
        self._updating = True
        try:
            for name in FACTOR_NAMES:
                self.weight_spins[name].setValue(DEFAULT_WEIGHTS[name])
                self.weight_sliders[name].setValue(round(DEFAULT_WEIGHTS[name] * 100))
        finally:
            self._updating = False
        self._apply(weights=dict(DEFAULT_WEIGHTS))

    # -- internals

    @staticmethod
    def _buddy(key: str, widget: QWidget) -> QLabel:
        """The form label of the setting `key` (its label in `riskdesk.core.fields.SETTINGS`), reaching `widget`."""
        label = QLabel(_with_mnemonic(key))
        label.setBuddy(widget)
        return label

    @staticmethod
    def _describe(widget: QWidget, key: str) -> None:
        widget.setAccessibleName(setting(key).label)
        widget.setToolTip(setting_help(key))

    def _days(self, key: str) -> QDoubleSpinBox:
        """A whole number of days for the setting `key`, over its plausible range (so that any value a project
        holds is shown as it is)."""
        limit = setting(key).limit
        assert limit is not None
        spin = QDoubleSpinBox()
        spin.setRange(limit.low, limit.high)
        spin.setDecimals(0)
        spin.setSuffix(f" {limit.unit}")
        spin.setKeyboardTracking(False)
        self._describe(spin, key)
        return spin

    def _apply(self, **changes: object) -> None:
        new = dataclasses.replace(self._settings, **changes)  # type: ignore[arg-type]
        if new == self._settings:
            return
        self._settings = new
        self._update_shares()
        self.settings_changed.emit(self.settings())

    def _on_name(self) -> None:
        if not self._updating:
            self._apply(name=self.name_edit.text().strip() or ProjectSettings().name)

    def _show_country(self, code: str) -> None:
        position = self.country_box.findData(code.upper())
        if position < 0:
            self.country_box.setEditText(code)
        else:
            self.country_box.setCurrentIndex(position)

    def _say_country(self, message: str) -> None:
        self.country_message.setText(message)
        self._project_form.setRowVisible(self.country_message, bool(message))

    def _on_country_chosen(self, position: int) -> None:
        code = self.country_box.itemData(position)
        if code and not self._updating:
            self._say_country("")
            self._apply(import_country=str(code))

    def _on_country_typed(self) -> None:
        if self._updating:
            return
        text = self.country_box.currentText().strip()
        position = self.country_box.findText(text, Qt.MatchFlag.MatchFixedString)
        code = self.country_box.itemData(position) if position >= 0 else self._countries.resolve(text)
        if not code:
            self._say_country(
                f"“{text}” is not a country RiskDesk knows. Type a name, an ISO code or an alias such as PRC; "
                f"the import country stays {self._countries.name(self._settings.import_country)}."
            )
            return
        self._updating = True
        try:
            self._show_country(str(code))
        finally:
            self._updating = False
        self._say_country(f"“{text}” read as {self._countries.name(str(code))} ({code})."
                          if text.upper() != str(code) and position < 0 else "")
        self._apply(import_country=str(code))

    def _on_suspended(self, checked: bool) -> None:
        if not self._updating:
            self._apply(suspended_rules_in_force=bool(checked))

    def _on_disruption(self, value: float) -> None:
        if not self._updating:
            self._apply(disruption_days=float(value))

    def _on_resourcing(self, value: float) -> None:
        if not self._updating:
            self._apply(resourcing_days=float(value))

    def _on_stale(self, value: float) -> None:
        if not self._updating:
            self._apply(stale_months=float(value))

    def _on_us_defence(self, position: int) -> None:
        if not self._updating and position >= 0:
            self._apply(us_defence_supply=str(self.us_defence_box.itemData(position)))

    def _on_price_basis(self, position: int) -> None:
        if not self._updating and position >= 0:
            self._apply(price_basis=str(self.price_box.itemData(position)))

    def _on_slider(self, name: str, value: int) -> None:
        if not self._updating:
            self.weight_spins[name].setValue(value / 100)  # the spin box applies and emits

    def _on_weight(self, name: str, value: float) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            self.weight_sliders[name].setValue(round(value * 100))
        finally:
            self._updating = False
        weights = dict(self._settings.weights)
        weights[name] = round(float(value), 4)
        self._apply(weights=weights)

    def _update_shares(self) -> None:
        weights = {name: max(float(self._settings.weights.get(name, 0.0)), 0.0) for name in FACTOR_NAMES}
        total = sum(weights.values())
        for name, label in self.weight_shares.items():
            share = weights[name] / total if total > 0 else 0.0
            label.setText(f"{share:.0%} of the score")
        if total <= 0:
            self.weight_shares[FACTOR_NAMES[0]].setText("all weights are 0: every score is 0")


def make_view(context: ViewContext) -> SettingsView:
    """The Settings tab (see `riskdesk.ui.analysis`): its edits go to the document as one undoable change each."""
    view = SettingsView()
    view.settings_changed.connect(context.document.change_settings)
    return view
