"""What RiskDesk says about a project, as text: the command line's outputs and the report's cells, for the
identity test (tests/test_identity.py) that keeps them the same while the code underneath is reshaped.

    .venv/bin/python -m tests.helpers.identity      # rewrite tests/data/identity/ (when a change is meant)
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "identity"
AS_OF, LATER = "2026-11-29", "2027-01-01"

COMMANDS: dict[str, list[str]] = {
    "score.json": ["score", "{p}", "--as-of", AS_OF, "--compare", LATER, "--json"],
    "score.txt": ["score", "{p}", "--as-of", AS_OF, "--compare", LATER],
    "scenario-april.json": ["scenario", "{p}", "--preset", "april-2025-licensing", "--as-of", AS_OF, "--json",
                            "--monte-carlo", "300", "--seed", "3"],
    "scenario-dfars.txt": ["scenario", "{p}", "--preset", "dfars-2027", "--as-of", AS_OF],
    "rules.json": ["rules", "--as-of", AS_OF, "--json"],
}
REPORT = ["report", "{p}", "{out}", "--as-of", AS_OF, "--compare", LATER, "--scenario", "april-2025-licensing",
          "--monte-carlo", "200", "--no-author", "--detail"]
_REPORT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
"""A report's id (a new uuid4 each time it is written)."""
_PROJECT_HASH = "Project file SHA-256"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MOMENT = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?( ?(UTC|[+-]\d\d:?\d\d|Z))?")


def projects(folder: Path) -> dict[str, Path]:
    """The demo project and a synthetic one of 1,000 parts (4,000 supply paths), saved in `folder`."""
    from riskdesk.core.demo import demo_project, synthetic_project
    from riskdesk.io.store.project_file import save_project

    made = {"demo": folder / "demo.rdproj", "1000-parts": folder / "thousand.rdproj"}
    save_project(demo_project(), made["demo"])
    save_project(synthetic_project(4_000), made["1000-parts"])
    return made


def _run(arguments: list[str]) -> str:
    from riskdesk.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(arguments)
    assert code == 0, (arguments, err.getvalue())
    return out.getvalue()


def _shown(value: object) -> str:
    """A cell's value as text: dates as dates, the moment the report was written blanked."""
    import datetime as dt

    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return _REPORT_ID.sub("<report id>", _MOMENT.sub("<moment>", str(value)))


def report_cells(path: Path) -> str:
    """Every cell of a report workbook, one line each ("Sheet!B3 = value"), moments in time blanked."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    lines = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            label = None
            for cell in row:
                if cell.value is not None and hasattr(cell, "coordinate"):
                    # the project file is saved afresh for each run, so its hash changes (only a hash is
                    # blanked: a report that names no file says so, and that differs from the recording)
                    shown = ("<project file hash>" if label == _PROJECT_HASH and _SHA256.fullmatch(str(cell.value))
                             else _shown(cell.value))
                    lines.append(f"{sheet.title}!{cell.coordinate} = {shown}")
                    label = cell.value
    book.close()
    return "\n".join(lines) + "\n"


def outputs(project: Path, folder: Path) -> Iterator[tuple[str, str]]:
    """(name, text) of every output compared, for one project."""
    for name, command in COMMANDS.items():
        yield name, _run([a.format(p=project) for a in command])
    out = folder / f"{project.stem}-report.xlsx"
    _run([a.format(p=project, out=out) for a in REPORT] + ["--force"])
    yield "report-cells.txt", report_cells(out)


def golden_name(project: str, name: str) -> str:
    """Outputs of the demo are kept whole (a failing test shows the difference); those of the large project as
    their SHA-256."""
    return f"{project}.{name}" if project == "demo" else f"{project}.{name}.sha256"


def kept(project: str, name: str, text: str) -> str:
    return text if project == "demo" else hashlib.sha256(text.encode("utf-8")).hexdigest() + "\n"


def refresh() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for project, path in projects(Path(scratch)).items():
            for name, text in outputs(path, Path(scratch)):
                (GOLDEN / golden_name(project, name)).write_text(kept(project, name, text), encoding="utf-8")
                print(f"wrote {golden_name(project, name)}", file=sys.stderr)


if __name__ == "__main__":
    import os

    os.environ.setdefault("RISKDESK_USER_DIR", tempfile.mkdtemp(prefix="riskdesk-identity-"))
    refresh()
