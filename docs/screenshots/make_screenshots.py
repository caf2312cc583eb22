"""Take the README's screenshots from the running app: the demo project, offscreen, every view and dialog.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_screenshots.py [FOLDER]

Writes starting.png (the window as it first appears, before the data layer has loaded), start-page.png (a first
start without a project), parts.png, suppliers.png, paths.png, exposure.png, part-detail.png, data-quality.png,
messages.png, rules.png, settings.png, scenarios.png, scenarios-stock-out.png, scenarios-prices.png,
scenarios-sensitivity.png, scenarios-mitigations.png, import.png, import-declaration.png, preferences.png,
report-dialog.png and compare.png beside this script, or into FOLDER (tests/test_screenshot_scripts.py runs it so).
The as-of date is fixed so that the pictures do not change from day to day.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

AS_OF = dt.date(2026, 11, 23)
SIZE = (1360, 860)


def _demo_csv(folder: Path) -> Path:
    """A supplier's file in its own words: title rows, other headers, countries spelled out."""
    lines = [
        "Magnet supply declaration Q4 2026,,,,,,,,,",
        "Supplier: Hokuriku Magnet Works K.K.,,,,,,,,,",
        "",
        "Part No.,Description,Application,Magnet type,Grade,Magnet weight (g),Annual qty,Supplier code,"
        "Supplier,Supplier country,Share %,Country of mining,Separation country,Magnet made in,Evidence",
    ]
    rows = [
        ("MTR-HUB-90", "Hub motor magnet ring", "automotive", "NdFeB sintered", "N42SH", "450", "18000", "SUP-JP1",
         "Hokuriku Magnet Works K.K.", "Japan", "100", "Australia", "Malaysia", "Japan", "declared"),
        ("SNS-ABS-4", "ABS sensor magnet", "automotive", "bonded NdFeB", "BNP-8", "1.2", "900000", "SUP-JP1",
         "Hokuriku Magnet Works K.K.", "Japan", "100", "PRC", "PRC", "Japan", "inferred"),
        ("ACT-VLV-3", "Valve actuator magnet", "industrial", "SmCo", "YXG-26", "35", "7000", "SUP-JP1",
         "Hokuriku Magnet Works K.K.", "Japan", "100", "", "China", "Japan", "unknown"),
    ]
    lines += [",".join(row) for row in rows]
    path = folder / "hokuriku-q4-2026.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    user_dir = tempfile.mkdtemp(prefix="riskdesk-shots-")
    os.environ["RISKDESK_USER_DIR"] = user_dir
    from PySide6.QtWidgets import QApplication

    from riskdesk.core.demo import demo_project
    from riskdesk.io import userdirs
    from riskdesk.ui.app import create_application, demo_rows
    from riskdesk.ui.columns import TableName, column_position
    from riskdesk.ui.document import Document
    from riskdesk.ui.main_window import MainWindow
    from riskdesk.ui.workers import SynchronousRunner

    app = create_application([])
    dirs = userdirs.init()
    runner = SynchronousRunner()
    window = MainWindow(None, runner, dirs=dirs, as_of=AS_OF, preview=demo_rows())
    window.resize(*SIZE)
    window.show()
    app.processEvents()

    def shoot(name: str, widget: object | None = None) -> None:
        for _ in range(3):
            app.processEvents()
        target = widget or window
        path = out / f"{name}.png"
        target.grab().save(str(path))  # type: ignore[attr-defined]
        print(path)

    shoot("starting")
    window.attach(Document(demo_project(), runner=runner))

    # A first start without a project: the start page.
    first = MainWindow(Document(runner=runner), runner, dirs=dirs, as_of=AS_OF, start_page=True)
    first.resize(*SIZE)
    first.show()
    shoot("start-page", first)
    first.close()

    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    for name, title in (("parts", "Parts"), ("suppliers", "Suppliers"), ("paths", "Supply paths"),
                        ("exposure", "Exposure"), ("rules", "Rules"), ("settings", "Settings")):
        window.tabs.setCurrentIndex(titles.index(title))
        if name == "exposure":
            window.exposure_view.select_part("ACT-FIN-07")
        shoot(name)
        if name == "exposure":
            detail = window.exposure_view.show_detail("ACT-FIN-07")
            assert detail is not None
            detail.resize(1100, 600)
            detail.tabs.setCurrentIndex(1)
            detail.hits_view.selectRow(0)
            shoot("part-detail", detail)
            detail.close()

    # The data-quality tab, and a refused edit in the message strip.
    window.tabs.setCurrentIndex(titles.index("Data quality"))
    shoot("data-quality")
    parts = window.pages[TableName.PARTS]
    window.tabs.setCurrentIndex(titles.index("Parts"))
    parts.model.setData(parts.model.index(0, column_position(TableName.PARTS, "annual_units")), "-3")
    shoot("messages")
    window.messages.clear_all()

    # The Scenarios tab: the April 2025 preset with a Monte Carlo run, then its stock-out timeline.
    window.tabs.setCurrentIndex(titles.index("Scenarios"))
    scenarios = window.views["scenarios"]
    scenarios.select("preset", "april-2025-licensing")  # type: ignore[attr-defined]
    scenarios.paths_spin.setValue(5000)  # type: ignore[attr-defined]
    scenarios.run_monte_carlo()  # type: ignore[attr-defined]
    shoot("scenarios")
    chart_titles = [scenarios.tabs.tabText(i) for i in range(scenarios.tabs.count())]  # type: ignore[attr-defined]
    for name, title in (("scenarios-stock-out", "Stock-out"), ("scenarios-prices", "Prices"),
                        ("scenarios-sensitivity", "Sensitivity")):
        scenarios.tabs.setCurrentIndex(chart_titles.index(title))  # type: ignore[attr-defined]
        shoot(name)
    # Two mitigations compared with the project under the April 2025 preset.
    from riskdesk.core.mitigations import AddSource, AddStock, Variant

    window.document.change_variants([  # type: ignore[union-attr]
        Variant("60 more days of stock", (AddStock("*", 60.0),)),
        Variant("Second source for the traction motor", (
            AddSource("MTR-TRAC-200", "SUP-KR1", 40.0, {"mine": "AU", "separation": "MY", "metal": "KR",
                                                        "magnet": "KR"}, "declared", "Seoul Magnet Co."),)),
    ], "Add variants")
    scenarios.tabs.setCurrentIndex(chart_titles.index("Mitigations"))  # type: ignore[attr-defined]
    shoot("scenarios-mitigations")
    window.document.undo_stack.undo()  # type: ignore[union-attr]

    window.tabs.setCurrentIndex(0)
    csv = _demo_csv(Path(user_dir))
    window.import_files([csv])
    dialog = window.import_dialog
    dialog.resize(1360, 800)
    shoot("import", dialog)
    dialog.reject()

    # A supplier's declaration saved by LibreOffice, without a family or supplier column: the family is inferred
    # (blue), the supplier comes from a default (green), problems are listed.
    declaration = ROOT / "tests" / "io" / "data" / "lo_declaration.ods"
    window.import_files([declaration, csv])
    dialog = window.import_dialog
    dialog.resize(1360, 860)
    dialog.set_default("supplier_name", "Hokuriku Magnet Works K.K.")
    dialog.details.setCurrentIndex(0)
    shoot("import-declaration", dialog)
    dialog.reject()

    from riskdesk.ui.preferences_dialog import Preferences, PreferencesDialog
    from riskdesk.ui.report_dialog import ReportDialog

    preferences = PreferencesDialog(Preferences.of(userdirs.load_app_settings(dirs)), window)
    preferences.show()
    shoot("preferences", preferences)
    preferences.close()
    document = window.document
    assert document is not None
    evaluation = window.scoring.evaluation if window.scoring else None
    report = ReportDialog(lambda: document.project, evaluation, runner, window.dialogs, window, as_of=AS_OF,
                          folder=Path(user_dir))
    report.show()
    shoot("report-dialog", report)
    report.close()

    window.controls.compare_with(dt.date(2027, 1, 1))
    compare = window.controls.compare_dialog
    assert compare is not None
    compare.resize(1000, 600)
    shoot("compare", compare)
    compare.close()
    window.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
