"""What the docs tell a developer or a buyer to run, runs: the import API example in docs/import.md ("Calling it")
and the commands in examples/README.md, on the demo project. (Both had fallen behind the code once: the example
merged tables with a method that the change sets replaced.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.io.store import open_store
from tests.helpers.cli import run
from tests.helpers.docs import ROOT, documents

SUPPLIER_FILE = ROOT / "examples" / "supplier-declaration.csv"


def _python_block_after(document: Path, heading: str) -> str:
    text = document.read_text(encoding="utf-8")
    section = text[text.index(heading):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_the_import_example_in_the_docs_runs_and_imports_the_example_file() -> None:
    code = _python_block_after(ROOT / "docs" / "import.md", "## 9. Calling it")
    seen: list[float] = []
    names: dict[str, Any] = {"path": SUPPLIER_FILE, "project": demo_project(), "callback": seen.append,
                             "flag": lambda: False}
    exec(compile(code, "docs/import.md", "exec"), names)  # the docs' own example
    assert set(names["project"].tables.parts["part_number"]) >= {"MTR-HUB-90", "SNS-ABS-4", "ACT-VLV-3"}
    assert names["result"].ok and len(names["result"].tables.parts) == 3 and seen[-1] == 1.0


def test_the_commands_in_examples_readme_run_on_the_demo_project(demo: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"`(riskdesk [^`]+)`", readme)
    assert len(commands) >= 2
    monkeypatch.chdir(ROOT)
    for command in commands:
        args = [str(demo) if arg.endswith("demo.rdproj") else arg for arg in shlex.split(command)[1:]]
        if args[0] == "demo":
            continue  # makes the demo project, which the fixture did
        code, out, err = run(capsys, *args)
        assert code == 0, f"{command}\n{out}\n{err}"
    assert len(open_store(demo).read()[0].tables.parts) == 18  # the demo's 15 parts and the example file's 3


def _command_lines() -> list[tuple[str, str]]:
    """(document, command) for each `riskdesk …` (or `.venv/bin/riskdesk …`) line of the docs' code blocks that is a
    command to copy, not a usage pattern (with PLACEHOLDERS, [options] or alternatives)."""
    found = []
    for document in [*documents(), ROOT / "examples" / "README.md"]:
        for block in re.findall(r"```[a-z]*\n(.*?)```", document.read_text(encoding="utf-8"), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                command = line.strip().removeprefix(".venv/bin/")
                if not command.startswith("riskdesk ") or re.search(r"[\[\]|…]", command):
                    continue
                # a PLACEHOLDER has three capitals or more; a country code (DE) is a value to copy
                if not any(re.fullmatch(r"[A-Z][A-Z0-9_.-]{2,}", word) for word in shlex.split(command, comments=True)):
                    found.append((document.name, command))
    return found


@pytest.mark.parametrize("document, command", _command_lines())
def test_every_command_the_docs_show_is_one_riskdesk_takes(document: str, command: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from riskdesk.cli import build_parser

    args = shlex.split(command, comments=True)[1:]
    try:
        if not args or args[0] == "gui":  # the window's, as riskdesk.__main__ dispatches them (options it does not
            # know go to Qt, so only its own are checked)
            from riskdesk.ui.app import _parse

            _parse(args[1:])
        elif args != ["--selftest"]:
            build_parser().parse_args(args)
    except SystemExit:
        pytest.fail(f"{document}: {command}\n{capsys.readouterr().err}")


def test_the_docs_show_commands_to_check() -> None:
    assert len(_command_lines()) >= 40
