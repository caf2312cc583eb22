"""The layering rules: the core, io and the CLI run without Qt; only the start-up imports the window; no import
cycles (the contracts are in pyproject.toml, checked by import-linter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_io_and_cli_import_without_qt_or_pyqtgraph():
    code = (
        "import sys, pkgutil, importlib\n"
        "import riskdesk.core, riskdesk.io\n"
        "for pkg in (riskdesk.core, riskdesk.io):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(f'{pkg.__name__}.{m.name}')\n"
        "import riskdesk.cli\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_first_window_needs_neither_numpy_nor_pandas():
    """Start-up shows the window before the data layer loads (riskdesk.ui.app): nothing on that path may
    import numpy or pandas, or the window waits ~0.25 s longer, nor the control list's code (~15 ms), nor the
    project store's files, sqlite3, the price tables or the edit model (~25 ms together; they come with the
    document) (bench/bench_gui.py gui_start_demo)."""
    code = (
        "import sys\n"
        "from riskdesk.ui.app import first_rows, run_gui\n"
        "from riskdesk.ui.main_window import MainWindow\n"
        "first_rows(True, None)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas', 'pyqtgraph')\n"
        "             or m in ('riskdesk.core.rules', 'riskdesk.core.evaluation', 'riskdesk.io.store.schema',\n"
        "                      'riskdesk.io.store.owner', 'sqlite3', 'riskdesk.core.prices', 'riskdesk.core.edits'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

