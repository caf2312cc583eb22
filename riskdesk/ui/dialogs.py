"""The questions the window asks the user, in one class: file choosers, yes/no questions, messages.

Every window and dialog asks through a `Dialogs` it is given, so that tests pass a subclass with scripted
answers instead of patching QMessageBox (see tests/ui). Layout-free: no widget of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from riskdesk.io.limits import SPREADSHEET_SUFFIXES
from riskdesk.io.store.base import SUFFIX

if TYPE_CHECKING:
    from riskdesk.core.declarations import SupplierToAsk
    from riskdesk.core.mitigations import Variant
    from riskdesk.core.project import Project, ProjectSettings
    from riskdesk.io.store import Conflict
    from riskdesk.ui.autosave import RecoveryInfo
    from riskdesk.ui.declarations_dialog import RequestChoice
    from riskdesk.ui.preferences_dialog import Preferences
    from riskdesk.ui.workers import Runner

IMPORT_SUFFIXES = SPREADSHEET_SUFFIXES
"""What File ▸ Import and a drop accept: the spreadsheets an import reads."""


class Dialogs:
    """The questions the window asks the user. Tests pass a subclass with scripted answers."""

    SAVE, DISCARD, CANCEL = "save", "discard", "cancel"

    def __init__(self, parent: QWidget | None) -> None:
        self.parent = parent

    def ask_unsaved(self, name: str) -> str:
        answer = QMessageBox.question(
            self.parent, "Unsaved changes", f"Save the changes to {name} before closing it?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        return {QMessageBox.StandardButton.Save: self.SAVE,
                QMessageBox.StandardButton.Discard: self.DISCARD}.get(answer, self.CANCEL)

    def open_path(self, directory: str) -> Path | None:
        spreadsheets = " ".join(f"*{s}" for s in IMPORT_SUFFIXES)
        name, _ = QFileDialog.getOpenFileName(
            self.parent, "Open project", directory,
            f"RiskDesk projects (*{SUFFIX});;Spreadsheets to import ({spreadsheets});;All files (*)")
        return Path(name) if name else None

    def save_path(self, suggested: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.parent, "Save project as", suggested,
                                              f"RiskDesk projects (*{SUFFIX})")
        return Path(name) if name else None

    def import_paths(self, directory: str) -> list[Path]:
        patterns = " ".join(f"*{s}" for s in IMPORT_SUFFIXES)
        names, _ = QFileDialog.getOpenFileNames(self.parent, "Import spreadsheets", directory,
                                                f"Spreadsheets ({patterns});;All files (*)")
        return [Path(n) for n in names]

    def report_path(self, suggested: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.parent, "Save problem report", suggested, "Excel (*.xlsx)")
        return Path(name) if name else None

    def template_path(self, suggested: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.parent, "Save blank import template", suggested,
                                              "Excel (*.xlsx)")
        return Path(name) if name else None

    def control_list_path(self, directory: str) -> Path | None:
        """A control list file (TOML) the user chose (None: cancelled)."""
        name, _ = QFileDialog.getOpenFileName(self.parent, "Use a newer control list", directory,
                                              "Control lists (*.toml);;All files (*)")
        return Path(name) if name else None

    def confirm(self, title: str, text: str, yes: str) -> bool:
        """A yes/no question whose yes button says `yes`; True when the user chose it."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, self.parent)
        accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is accept

    def folder_path(self, title: str, directory: str) -> Path | None:
        """A folder the user chose (None: cancelled)."""
        name = QFileDialog.getExistingDirectory(self.parent, title, directory)
        return Path(name) if name else None

    def ask_declaration_request(self, candidates: Sequence[SupplierToAsk], today: dt.date,
                                folder: Path) -> RequestChoice | None:
        """File ▸ Request declarations…: the suppliers to ask, the due date and the folder for the workbooks
        (riskdesk.ui.declarations_dialog); None if cancelled."""
        from riskdesk.ui.declarations_dialog import ask_request

        return ask_request(candidates, today, folder,
                           lambda current: self.folder_path("Folder for the declaration workbooks", current),
                           self.parent)

    def ask_date(self, current: dt.date) -> dt.date | None:
        text, ok = QInputDialog.getText(self.parent, "Compare with date",
                                        "Compare the scores with those on this date (YYYY-MM-DD):",
                                        QLineEdit.EchoMode.Normal, current.isoformat())
        if not ok:
            return None
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            self.error("Not a date", f"{text!r} is not a date. Enter it as YYYY-MM-DD, e.g. 2027-01-01")
            return None

    def edit_variant(self, project: Project, variants: Sequence[Variant], variant: Variant | None) -> Variant | None:
        """A new mitigation variant (`variant` None) or an edited one, checked against `project`; None if
        cancelled (riskdesk.ui.variant_dialog)."""
        from riskdesk.ui.variant_dialog import edit_variant

        return edit_variant(project, variants, variant, self.parent)

    def ask_new_project(self) -> ProjectSettings | None:
        """Who a new project is for (import country, US defence supply), before it is created; None if cancelled
        (riskdesk.ui.new_project_dialog)."""
        from riskdesk.ui.new_project_dialog import ask_new_project_settings

        return ask_new_project_settings(self.parent)

    def edit_preferences(self, current: Preferences) -> Preferences | None:
        """RiskDesk's own settings as the user changed them (riskdesk.ui.preferences_dialog); None if cancelled."""
        from riskdesk.ui.preferences_dialog import PreferencesDialog

        dialog = PreferencesDialog(current, self.parent)
        return dialog.preferences() if dialog.exec() == PreferencesDialog.DialogCode.Accepted else None

    RECOVER, LATER, DISCARD_AUTOSAVE = "recover", "later", "discard"

    def ask_recover(self, info: RecoveryInfo) -> str:
        """RECOVER (open the autosave), LATER (keep it and ask at the next start) or DISCARD_AUTOSAVE."""
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work?",
                          info.describe() + "\n\nOpen it now? It is kept until you open or discard it.",
                          QMessageBox.StandardButton.NoButton, self.parent)
        recover = box.addButton("Open the autosave", QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        discard = box.addButton("Discard it", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(recover)
        box.setEscapeButton(later)
        box.exec()
        clicked = box.clickedButton()
        if clicked is discard:
            return self.DISCARD_AUTOSAVE
        return self.RECOVER if clicked is recover else self.LATER

    RELOAD, SAVE_AS, OVERWRITE = "reload", "save as", "overwrite"

    def ask_changed(self, name: str, message: str) -> str:
        """The file changed on disk since it was opened: RELOAD (theirs, losing these changes), SAVE_AS (keep
        both), OVERWRITE (theirs is lost) or CANCEL."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Changed by another program",
                          message + f"\n\nWhat should happen to your changes to {name}?",
                          QMessageBox.StandardButton.NoButton, self.parent)
        save_as = box.addButton("Save mine as…", QMessageBox.ButtonRole.AcceptRole)
        reload = box.addButton("Reload theirs (lose mine)", QMessageBox.ButtonRole.DestructiveRole)
        overwrite = box.addButton("Overwrite theirs", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save_as)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        for button, answer in ((save_as, self.SAVE_AS), (reload, self.RELOAD), (overwrite, self.OVERWRITE)):
            if clicked is button:
                return answer
        return self.CANCEL

    def ask_open_read_only(self, message: str) -> bool:
        """Another RiskDesk has the project open, or its lock cannot be taken: open it read-only (Save then asks
        for another name)?"""
        answer = QMessageBox.question(
            self.parent, "Project in use", message + "\n\nOpen it read-only? You can save a copy under another name.",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Open

    KEEP_THEIRS, KEEP_MINE = "keep theirs", "keep mine"

    def ask_conflict(self, workspace: str, conflicts: Sequence[Conflict]) -> str:
        """Someone changed what this buyer edited first: KEEP_THEIRS (their values stay, the edit is dropped) or
        KEEP_MINE (the edit is made again on their values and committed)."""
        listed = "\n".join(f"• {c.describe()}" for c in conflicts[:12])
        more = f"\n… and {len(conflicts) - 12} more" if len(conflicts) > 12 else ""
        box = QMessageBox(QMessageBox.Icon.Warning, "Changed by someone else",
                          f"Someone changed in {workspace} what you edited, before your change reached it "
                          f"(theirs, then yours):\n\n{listed}{more}\n\nWhich values should the workspace keep?",
                          QMessageBox.StandardButton.NoButton, self.parent)
        theirs = box.addButton("Keep theirs", QMessageBox.ButtonRole.RejectRole)
        box.addButton("Keep mine", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(theirs)
        box.setEscapeButton(theirs)
        box.exec()
        return self.KEEP_THEIRS if box.clickedButton() is theirs else self.KEEP_MINE

    SEND_LATER = "send later"

    def ask_unsent(self, workspace: str, count: int, online: bool) -> str:
        """Change sets the workspace does not have yet, as its window closes: SAVE (send them now), SEND_LATER
        (kept on this computer and sent when the workspace is next opened), DISCARD or CANCEL."""
        where = "" if online else " (the server cannot be reached)"
        box = QMessageBox(QMessageBox.Icon.Question, "Changes not sent",
                          f"{count} change{'s' if count != 1 else ''} to {workspace} {'have' if count != 1 else 'has'}"
                          f" not reached the workspace yet{where}.\n\nSend later keeps them on this computer and "
                          f"sends them when you next open {workspace}.",
                          QMessageBox.StandardButton.NoButton, self.parent)
        send = box.addButton("Send now", QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton("Send later", QMessageBox.ButtonRole.ActionRole)
        discard = box.addButton("Discard them", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(later if not online else send)
        box.setEscapeButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        for button, answer in ((send, self.SAVE), (later, self.SEND_LATER), (discard, self.DISCARD)):
            if clicked is button:
                return answer
        return self.CANCEL

    def open_workspace(self, recent: Sequence[str], runner: Runner, tester: Callable[[str], str]) -> str | None:
        """File ▸ Open workspace…: the address the user chose (riskdesk.ui.workspace_dialog; `tester` is its
        connection test); None if cancelled."""
        from riskdesk.ui.workspace_dialog import OpenWorkspaceDialog

        dialog = OpenWorkspaceDialog(recent, runner, tester, self.parent)
        return dialog.location() if dialog.exec() == OpenWorkspaceDialog.DialogCode.Accepted else None

    def error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)

    def info(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)
