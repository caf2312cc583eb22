"""The window's Save of a project file keeps in the file's history what was done since the last save, change set
by change set, as a workspace does: an import names each file with its SHA-256, a cell edit and an undo are
entries of their own (riskdesk.ui.save_history); `riskdesk history` and View ▸ History show them. What the store
cannot confirm (the change sets do not make the saved project) stays one "saved as a whole"."""

from __future__ import annotations

import hashlib
from pathlib import Path

from riskdesk.core.demo import demo_project
from riskdesk.io import import_session
from riskdesk.io.history import project_history, source_text
from riskdesk.io.store import open_store
from riskdesk.ui.columns import TableName
from riskdesk.ui.document import Document
from riskdesk.ui.session import Session
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.dialogs import ScriptedDialogs
from tests.test_cli import ROW, write_template_csv


def _opened(tmp_path: Path) -> tuple[Session, Path]:
    path = tmp_path / "eu.rdproj"
    open_store(path).save(demo_project(), None, text="Demo project")
    session = Session(Document(runner=SynchronousRunner()), ScriptedDialogs())
    session.open(path)
    return session, path


def _import(session: Session, source: Path) -> None:
    document = session.document
    check = import_session.check(import_session.ImportRequest([source]), document.project)
    assert check.can_apply and check.merged is not None
    document.apply_import(check, f"Import {source.name}")


def test_a_save_after_an_import_and_an_edit_records_each_with_its_source(tmp_path: Path) -> None:
    session, path = _opened(tmp_path)
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    _import(session, source)
    session.document.edit_cells(TableName.PARTS, [(0, "stock_days", 45.0)])
    session.save_project()
    assert not session.document.is_dirty
    entries = project_history(open_store(path))
    assert [e.revision for e in entries] == [1, 2, 3]
    imported, edited = entries[1:]
    assert imported.source == {"kind": "import", "files": [
        {"file": "bom.csv", "sha256": hashlib.sha256(source.read_bytes()).hexdigest()}]}
    assert source_text(imported.source).startswith("import of bom.csv (sha256 ") and ROW["part_number"] in \
        imported.parts
    assert edited.changes is not None and [(c.field, c.new) for c in edited.changes.cells] == [("stock_days", 45.0)]
    kept, revision = open_store(path).read()
    assert revision == session.revision and kept.tables.parts.equals(session.document.project.tables.parts)

    session.document.undo_stack.undo()  # undone after the save: the next save records the undoing
    session.save_project()
    last = project_history(open_store(path))[-1]
    assert last.source["kind"] == "undo" and last.text.startswith("Undo ")
    assert open_store(path).read()[0].tables.parts.equals(session.document.project.tables.parts)


def test_what_the_change_sets_do_not_make_is_saved_as_a_whole(tmp_path: Path) -> None:
    session, path = _opened(tmp_path)
    session.document.edit_cells(TableName.PARTS, [(0, "stock_days", 45.0)])
    session.document.project.tables.parts.loc[1, "description"] = "changed behind the undo stack"
    session.save_project()
    last = project_history(open_store(path))[-1]
    assert last.changes is None and last.source == {"kind": "save"}
    assert open_store(path).read()[0].tables.parts["description"].iat[1] == "changed behind the undo stack"
