"""Supplier declarations in the window: File ▸ Request declarations… writes and records what `riskdesk request`
writes and records, and an answer opened or dropped on the window is imported as `riskdesk import` imports it
(the same io code, docs/declarations.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from riskdesk.core.declarations import Declarations
    from riskdesk.core.reference import ReferenceData
    from riskdesk.ui.declarations_view import DeclarationsDialog
    from riskdesk.ui.dialogs import Dialogs
    from riskdesk.ui.document import Document
    from riskdesk.ui.scoring import Scoring


class _Session(Protocol):
    @property
    def path(self) -> Path | None: ...

    def start_dir(self) -> str: ...


class _Window(Protocol):
    """What these actions read of the main window (which they may not import)."""

    @property
    def document(self) -> Document | None: ...
    @property
    def dialogs(self) -> Dialogs: ...
    @property
    def scoring(self) -> Scoring | None: ...
    @property
    def session(self) -> _Session | None: ...

    def statusBar(self) -> QStatusBar: ...


class DeclarationActions:
    """The window's File ▸ Request declarations… (`request`), its import of an answer (`imported`) and View ▸
    Declarations… (`show_status`)."""

    def __init__(self, window: _Window) -> None:
        self._window = window
        self.status_dialog: DeclarationsDialog | None = None
        """View ▸ Declarations… last opened (deleted when closed)."""

    def show_status(self) -> None:
        """View ▸ Declarations…: the campaign status and what each answer changed (riskdesk.ui.declarations_view)."""
        from PySide6.QtWidgets import QWidget

        from riskdesk.ui.declarations_view import show_declarations

        window = self._window
        if window.document is None or not isinstance(window, QWidget):
            return

        def read() -> tuple[Declarations, dt.date] | None:
            if window.document is None:
                return None
            as_of = window.scoring.as_of if window.scoring is not None else None
            return window.document.project.declarations, as_of or dt.date.today()

        self.status_dialog = show_declarations(window, read)

    def request(self) -> None:
        window = self._window
        if window.document is None:
            return
        session = window.session
        said = request_declarations(window.document, window.dialogs,
                                    window.scoring.as_of if window.scoring is not None else None,
                                    Path(session.start_dir()) if session is not None else Path.home(),
                                    session.path if session is not None else None)
        if said:
            window.statusBar().showMessage(said, 8_000)

    def imported(self, files: Sequence[Path]) -> bool:
        """Whether `files` was a supplier's answer (imported, or refused with the reasons shown)."""
        window = self._window
        reference = window.scoring.reference if window.scoring is not None else None
        said = (import_declaration(window.document, window.dialogs, files, reference)
                if window.document is not None else None)
        if said:
            window.statusBar().showMessage(said, 8_000)
        return said is not None


def request_declarations(document: Document, dialogs: Dialogs, as_of: dt.date | None, folder: Path,
                         project_file: Path | None) -> str:
    """File ▸ Request declarations…: ask which suppliers, then write one workbook each and record the requests as
    `riskdesk request` does (riskdesk.io.declaration_workbook), as one undoable step. Returns what to say in the
    status bar ("" when nothing was done; a refusal is shown by `dialogs`)."""
    from riskdesk.core.declarations import suppliers_to_ask
    from riskdesk.io.declaration_workbook import plan_workbooks, request_changes, write_workbooks
    from riskdesk.io.outputs import OutputError, check_output
    from riskdesk.io.xlsx import os_user

    project = document.project
    today = dt.date.today()
    candidates = suppliers_to_ask(project.tables, project.declarations, as_of or today, project.settings.stale_months)
    if not candidates:
        dialogs.error("No supplier to ask", "No supplier delivers a part (the project has no supply paths): there "
                      "is nothing to ask.")
        return ""
    choice = dialogs.ask_declaration_request(candidates, today, folder)
    if choice is None:
        return ""
    user = os_user()
    asker = f"{user} ({project.settings.name})" if user else project.settings.name
    planned = plan_workbooks(project, choice.folder, choice.suppliers, today, choice.due, asker)
    try:
        choice.folder.mkdir(parents=True, exist_ok=True)
        for item in planned:
            check_output(item.target, project=project_file, what="the declaration workbook")
        write_workbooks(planned, project=project_file, force=False)
    except OSError as exc:
        reason = str(exc) if isinstance(exc, OutputError) else f"{choice.folder}: {exc.strerror or exc}"
        dialogs.error("The declaration workbooks were not written", f"{reason}\n\nNo request was recorded.")
        return ""
    document.apply_changes(request_changes(project, planned))
    return f"Wrote {len(planned)} declaration workbook{'s' if len(planned) != 1 else ''} to {choice.folder}"


def import_declaration(document: Document, dialogs: Dialogs, files: Sequence[Path],
                       reference: ReferenceData | None = None) -> str | None:
    """A supplier's answer to a declaration request, imported as `riskdesk import` imports it (the same
    `check_answer` and change set, one undoable step). None when `files` holds no declaration (the import dialog
    takes them); otherwise what to say in the status bar (errors are shown by `dialogs` and change nothing)."""
    from riskdesk.io.declaration_answer import check_answer, is_declaration

    limits = document.app_settings.import_limits()
    found = [f for f in files if f.is_file() and is_declaration(f, limits)]
    if not found:
        return None
    if len(files) > 1:
        dialogs.error("Import declarations one at a time", f"{found[0].name} is a supplier declaration: import it "
                      "on its own, without other files. Nothing was imported.")
        return ""
    check = check_answer(found[0], document.project, limits, dt.date.today(), reference)
    if not check.can_apply or check.changes is None:
        listed = "\n".join(f"• {p}" for p in check.errors[:12])
        more = f"\n… and {len(check.errors) - 12} more" if len(check.errors) > 12 else ""
        dialogs.error("The declaration was not imported", f"{listed}{more}\n\nNothing was imported.")
        return ""
    document.apply_changes(check.changes)
    message = f"Imported {check.summary()}."
    notes = "".join(f"\n• {note}" for note in check.notes)
    dialogs.info("Declaration imported", message + (f"\n\nNotes:{notes}" if notes else "") +
                 "\n\nUndo takes it back.")
    return message
