"""Edit ▸ Preferences…: the settings of RiskDesk itself (not of a project), kept in the user's settings file.

Autosave timing, the largest spreadsheet an import reads, and whether to work on a project whose lock cannot be
taken. The same file is read by the command line, so a row limit raised here holds for `riskdesk import` too."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from riskdesk.io.userdirs import AppSettings

ROW_LIMIT_RANGE = (1_000, 10_000_000)
AUTOSAVE_DELAY_RANGE = (1, 600)
AUTOSAVE_LONGEST_RANGE = (0, 3_600)


@dataclass(frozen=True, slots=True)
class Preferences:
    """What the dialog edits."""

    autosave_delay_seconds: int
    autosave_seconds: int
    import_max_rows: int
    work_without_lock: bool = False

    @classmethod
    def of(cls, settings: AppSettings) -> Preferences:
        return cls(settings.autosave_delay_seconds, settings.autosave_seconds, settings.import_max_rows,
                   settings.work_without_lock)


class PreferencesDialog(QDialog):
    def __init__(self, current: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.delay = self._spin(AUTOSAVE_DELAY_RANGE, current.autosave_delay_seconds, " s",
                                "How long after your last edit the project is autosaved")
        self.longest = self._spin(AUTOSAVE_LONGEST_RANGE, current.autosave_seconds, " s",
                                  "While you keep editing, the longest time between two autosaves (0: no autosave)")
        self.longest.setSpecialValueText("never autosave")
        self.max_rows = self._spin(ROW_LIMIT_RANGE, current.import_max_rows, " rows",
                                   "A spreadsheet with more rows is refused: the bound on the time and memory one "
                                   "import may take (about 30 MB of memory per 10,000 rows)")
        self.max_rows.setSingleStep(10_000)
        self.max_rows.setGroupSeparatorShown(True)
        self.without_lock = QCheckBox("&Work on projects whose lock cannot be taken")
        self.without_lock.setChecked(current.work_without_lock)
        tip = ("On a drive that cannot lock files, or with something else in place of a project's lock file, open "
               "and save the project without the lock instead of read-only. A project another RiskDesk has open "
               "stays read-only, and a save never overwrites changes someone else saved meanwhile.")
        self.without_lock.setToolTip(tip)
        self.without_lock.setAccessibleDescription(tip)
        form = QFormLayout()
        form.addRow("Autosave &after an edit:", self.delay)
        form.addRow("Autosave at &least every:", self.longest)
        form.addRow("&Largest spreadsheet to import:", self.max_rows)
        form.addRow("Project locks:", self.without_lock)
        note = QLabel("These settings are RiskDesk's own, for every project; the command line follows them too.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    @staticmethod
    def _spin(bounds: tuple[int, int], value: int, suffix: str, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(*bounds)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setToolTip(tip)
        spin.setAccessibleDescription(tip)
        return spin

    def restore_defaults(self) -> None:
        defaults = Preferences.of(AppSettings())
        self.delay.setValue(defaults.autosave_delay_seconds)
        self.longest.setValue(defaults.autosave_seconds)
        self.max_rows.setValue(defaults.import_max_rows)
        self.without_lock.setChecked(defaults.work_without_lock)

    def preferences(self) -> Preferences:
        return Preferences(self.delay.value(), self.longest.value(), self.max_rows.value(),
                           self.without_lock.isChecked())
