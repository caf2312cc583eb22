"""The pictures in the README and docs are taken by scripts (docs/screenshots/make_*.py) from the running app; the
scripts must keep running as the code moves on (make_screenshots.py once fell three changes of the window's API
behind without anyone noticing). Each runs here into a temporary folder, and every picture the docs show must come
out of one of them, except the report's Summary page, which docs/report.md renders with the CLI and LibreOffice."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers.docs import ROOT, documents
from tests.helpers.needs import need

SHOTS = ROOT / "docs" / "screenshots"
MADE_BY_A_COMMAND = {"report-summary"}
"""Rendered by the commands in docs/report.md ("Rendering a report"), not by a script."""
PNG = b"\x89PNG\r\n\x1a\n"


def _shown_in_docs() -> set[str]:
    texts = [path.read_text(encoding="utf-8") for path in documents()]
    return {name for text in texts for name in re.findall(r"screenshots/([\w-]+)\.png", text)}


def _run(script: str, out: Path, tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", RISKDESK_USER_DIR=str(tmp_path / "user"))
    done = subprocess.run([sys.executable, str(SHOTS / script), str(out)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def test_every_picture_the_docs_show_is_in_the_repository() -> None:
    missing = sorted(name for name in _shown_in_docs() if not (SHOTS / f"{name}.png").is_file())
    assert missing == []


def test_the_screenshot_scripts_run_and_take_every_picture_the_docs_show(tmp_path: Path) -> None:
    need(shutil.which("soffice") is not None and shutil.which("pdftoppm") is not None,
         "LibreOffice (soffice) and poppler (pdftoppm) render the declaration workbook's sheets")
    out = tmp_path / "shots"
    out.mkdir()
    before = {path.name: path.stat().st_mtime_ns for path in SHOTS.glob("*.png")}
    for script in ("make_screenshots.py", "make_declarations_view_screenshot.py", "make_declaration_screenshots.py"):
        _run(script, out, tmp_path)
    taken = {path.stem: path for path in out.glob("*.png")}
    assert sorted(_shown_in_docs() - MADE_BY_A_COMMAND - taken.keys()) == []
    for name, path in taken.items():
        data = path.read_bytes()
        assert data.startswith(PNG) and len(data) > 5_000, f"{name}.png is not a picture"
    assert {path.name: path.stat().st_mtime_ns for path in SHOTS.glob("*.png")} == before, \
        "the pictures in the repository were left alone"
