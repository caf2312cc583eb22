"""File ▸ New asks who the project is for before it creates it: the country the buyer imports into (it decides
tariffs, the rules that concern the buyer and the price basis) and whether their defence parts go into US defence
contracts (DFARS). Nothing is assumed silently: OK stays disabled until a country is chosen.

`create_new_project` is the one call the window's New makes (`new_project_created` the start page's);
`NewProjectDialog` is the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from riskdesk.core.countries import default_countries, resolve_country
from riskdesk.core.labels import PRICE_BASES, US_DEFENCE_LABELS
from riskdesk.core.project import US_DEFENCE_AUTO, Project, ProjectSettings


class AsksNewProject(Protocol):
    """Whoever asks the buyer (`riskdesk.ui.dialogs.Dialogs`, or a test's scripted answers)."""

    def ask_new_project(self) -> ProjectSettings | None: ...


def create_new_project(dialogs: AsksNewProject, create: Callable[[Project], None]) -> None:
    """File ▸ New: ask the buyer's context (`dialogs.ask_new_project`) and, unless cancelled, `create` an empty
    project with it."""
    new_project_created(dialogs, create)


def new_project_created(dialogs: AsksNewProject, create: Callable[[Project], None]) -> bool:
    """As `create_new_project`; whether the project was created (False: the user cancelled)."""
    settings = dialogs.ask_new_project()
    if settings is None:
        return False
    create(Project(settings=settings))
    return True


class NewProjectDialog(QDialog):
    """Name, import country (a searchable list of ISO countries) and US defence supply of a new project; the price
    basis it will start on is shown, as it follows the country."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.setObjectName("newProjectDialog")
        table = default_countries()

        intro = QLabel("Who is this project for? The country you import into decides which tariffs and export "
                       "rules concern you and which prices you pay.")
        intro.setWordWrap(True)
        self.name_edit = QLineEdit(ProjectSettings.name)
        self.name_edit.setAccessibleName("Project name")

        self.country_box = QComboBox()
        self.country_box.setEditable(True)
        self.country_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.country_box.setAccessibleName("Import country")
        self.country_box.setToolTip("Type a name or an ISO code (Germany, DE) and pick from the list")
        for name, code in sorted(((str(table.name(c)), c) for c in table.codes()), key=lambda e: e[0]):
            self.country_box.addItem(f"{name} ({code})", code)
        completer = QCompleter(self.country_box.model(), self.country_box)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.country_box.setCompleter(completer)
        self.country_box.setCurrentIndex(-1)
        line_edit = self.country_box.lineEdit()
        assert line_edit is not None
        line_edit.setPlaceholderText("Choose the country you import into")
        line_edit.textChanged.connect(self._update)
        self.country_box.currentIndexChanged.connect(self._update)

        self.us_defence_box = QComboBox()
        self.us_defence_box.setAccessibleName("US defence supply")
        for key, (label, help_text) in US_DEFENCE_LABELS.items():
            self.us_defence_box.addItem(label, key)
            self.us_defence_box.setItemData(self.us_defence_box.count() - 1, help_text, Qt.ItemDataRole.ToolTipRole)
        self.us_defence_box.currentIndexChanged.connect(self._update)

        self.consequences = QLabel()
        self.consequences.setObjectName("newProjectConsequences")
        self.consequences.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Project &name", self.name_edit)
        form.addRow("&Import country", self.country_box)
        form.addRow("&US defence supply", self.us_defence_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Create")

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.consequences)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())
        self._update()

    def country(self) -> str | None:
        """The ISO code of the chosen (or typed) country; None while none is."""
        text = self.country_box.currentText().strip()
        if not text:
            return None
        position = self.country_box.findText(text, Qt.MatchFlag.MatchFixedString)
        if position >= 0:
            return str(self.country_box.itemData(position))
        return resolve_country(text)

    def settings(self) -> ProjectSettings | None:
        """The new project's settings; None while no country is chosen."""
        country = self.country()
        if country is None:
            return None
        return ProjectSettings.for_buyer(country, name=" ".join(self.name_edit.text().split()) or None,
                                         us_defence_supply=str(self.us_defence_box.currentData()))

    def _update(self) -> None:
        settings = self.settings()
        self.ok_button.setEnabled(settings is not None)
        if settings is None:
            typed = self.country_box.currentText().strip()
            self.consequences.setText(f"{typed!r} is not a country RiskDesk knows: pick one from the list."
                                      if typed else "Choose the country you import into.")
            return
        defence = "yes" if settings.supplies_us_defence else "no"
        automatic = " (automatic)" if settings.us_defence_supply == US_DEFENCE_AUTO else ""
        basis = PRICE_BASES[settings.price_basis][0]
        why = ("a buyer in China pays Chinese domestic prices" if settings.price_basis == "china"
               else "a buyer outside China pays prices outside China")
        self.consequences.setText(
            f"Imports into {settings.import_country}. DFARS binds your defence parts: {defence}{automatic}. "
            f"Prices: {basis}, as {why}. You can change all of these later in Settings.")


def ask_new_project_settings(parent: QWidget | None) -> ProjectSettings | None:
    """Show the New project dialog; the settings chosen, or None if cancelled."""
    dialog = NewProjectDialog(parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.settings()
