"""Grab View ▸ Declarations… for docs/declarations.md (offscreen, no display needed).

    .venv/bin/python docs/screenshots/make_declarations_view_screenshot.py [FOLDER]

The demo project asks every supplier (due in 30 days), SUP-JP1 answers as tests/test_cli_declarations.py fills its
workbook, an AMRT from SUP-DE1 comes in, and the view is grabbed 45 days on (the unanswered requests overdue).
Writes declarations-view.png beside this script, or into FOLDER.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    from PySide6.QtWidgets import QApplication

    from riskdesk.cli import main as riskdesk
    from riskdesk.io import userdirs
    from riskdesk.io.store import open_store
    from riskdesk.ui.document import Document
    from riskdesk.ui.main_window import MainWindow
    from riskdesk.ui.workers import SynchronousRunner
    from tests.helpers.amrt import write_amrt
    from tests.helpers.dialogs import ScriptedDialogs
    from tests.test_cli_declarations import JP1_ORIGINS, fill

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        project_file = work / "demo.rdproj"
        due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        assert riskdesk(["demo", str(project_file)]) == 0
        assert riskdesk(["request", str(project_file), str(work / "out"), "--due", due]) == 0
        answer = fill(work / "out" / "SUP-JP1.xlsx", work / "SUP-JP1-answer.xlsx", JP1_ORIGINS,
                      makers={"LDR-MIR-2": "JP"})
        assert riskdesk(["import", str(project_file), str(answer)]) == 0
        amrt = write_amrt(work / "rheinland-amrt-1.3.xlsx", company="Rheinland Magnettechnik GmbH",
                          smelters=[{"metal": "Rare Earth Elements", "lookup": "Smelter not listed",
                                     "name": "Solvay La Rochelle", "country": "France"}],
                          mines=[{"metal": "Rare Earth Elements", "smelter": "Solvay La Rochelle",
                                  "name": "Mount Weld", "country": "Australia"}])
        assert riskdesk(["import", str(project_file), str(amrt)]) == 0
        project = open_store(project_file).read()[0]
        window = MainWindow(Document(project, runner=SynchronousRunner()), SynchronousRunner(), ScriptedDialogs(),
                            dirs=userdirs.init(), as_of=dt.date.today() + dt.timedelta(days=45))
        window.named_actions["declarations"].trigger()
        dialog = window.declarations.status_dialog
        assert dialog is not None
        jp1 = next(i for i, row in enumerate(dialog.model.rows) if row["supplier_id"] == "SUP-JP1")
        dialog.table.selectRow(jp1)
        app.processEvents()
        dialog.grab().save(str(out / "declarations-view.png"))
        dialog.close()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
