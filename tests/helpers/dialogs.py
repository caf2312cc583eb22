"""Dialogs that answer from what the test set, and record what was asked and shown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from riskdesk.core.project import ProjectSettings
from riskdesk.ui.dialogs import Dialogs


class ScriptedDialogs(Dialogs):
    """Answers every question from attributes the test sets; records errors instead of showing them."""

    def __init__(self) -> None:
        super().__init__(None)
        self.unsaved = Dialogs.DISCARD
        self.open_answer: Path | None = None
        self.save_answer: Path | None = None
        self.recover_answer = Dialogs.RECOVER
        self.date_answer: dt.date | None = None
        self.changed_answer = Dialogs.CANCEL
        self.read_only_answer = False
        self.new_project_answer: ProjectSettings | None = ProjectSettings.for_buyer("US")
        """What File ▸ New's question answers (None: cancelled)."""
        self.preferences_answer: object | None = None
        """What Edit ▸ Preferences returns (a riskdesk.ui.preferences_dialog.Preferences), None: cancelled."""
        self.conflict_answer = Dialogs.KEEP_THEIRS
        """What a workspace conflict's question answers."""
        self.conflicts: list[str] = []
        """Each conflict shown, as its lines (theirs and yours)."""
        self.unsent_answer = Dialogs.SEND_LATER
        """What closing a workspace window with unsent change sets answers."""
        self.workspace_answer: str | None = None
        """The address File ▸ Open Workspace… answers (None: cancelled)."""
        self.request_answer: object | None = None
        """What File ▸ Request declarations… answers (a riskdesk.ui.declarations_dialog.RequestChoice), None:
        cancelled."""
        self.request_candidates: list[object] = []
        """The suppliers File ▸ Request declarations… offered (riskdesk.core.declarations.SupplierToAsk)."""
        self.control_list_answer: Path | None = None
        """The file "Use a newer list…" answers (None: cancelled)."""
        self.confirm_answer = True
        """What a yes/no confirmation answers."""
        self.errors: list[str] = []
        self.asked: list[str] = []

    def ask_unsaved(self, name: str) -> str:
        self.asked.append(f"unsaved {name}")
        return self.unsaved

    def open_path(self, directory: str) -> Path | None:
        return self.open_answer

    def save_path(self, suggested: str) -> Path | None:
        self.asked.append(f"save as {Path(suggested).name}")
        return self.save_answer

    def ask_recover(self, info: object) -> str:
        self.asked.append("recover")
        return self.recover_answer

    def ask_date(self, current: dt.date) -> dt.date | None:
        return self.date_answer

    def ask_changed(self, name: str, message: str) -> str:
        self.asked.append(f"changed {name}: {message}")
        return self.changed_answer

    def ask_open_read_only(self, message: str) -> bool:
        self.asked.append(f"read-only? {message}")
        return self.read_only_answer

    def ask_new_project(self) -> ProjectSettings | None:
        self.asked.append("new project")
        return self.new_project_answer

    def edit_preferences(self, current: object) -> object | None:  # type: ignore[override]
        self.asked.append(f"preferences {current}")
        return self.preferences_answer

    def ask_conflict(self, workspace: str, conflicts: object) -> str:  # type: ignore[override]
        self.conflicts.append("; ".join(c.describe() for c in conflicts))  # type: ignore[attr-defined]
        return self.conflict_answer

    def ask_unsent(self, workspace: str, count: int, online: bool) -> str:
        self.asked.append(f"unsent {workspace}: {count}")
        return self.unsent_answer

    def open_workspace(self, recent: object, runner: object, tester: object) -> str | None:  # type: ignore[override]
        self.asked.append("open workspace")
        return self.workspace_answer

    def ask_declaration_request(self, candidates: object, today: dt.date,  # type: ignore[override]
                                folder: Path) -> object | None:
        self.request_candidates = list(candidates)  # type: ignore[call-overload]
        return self.request_answer

    def control_list_path(self, directory: str) -> Path | None:
        return self.control_list_answer

    def confirm(self, title: str, text: str, yes: str) -> bool:
        self.asked.append(f"{title}: {text}")
        return self.confirm_answer

    def error(self, title: str, text: str) -> None:
        self.errors.append(f"{title}: {text}")

    def info(self, title: str, text: str) -> None:
        self.asked.append(title)
