"""`riskdesk import` into a project file records what it imported in the file's history as it does in a
workspace: one change set whose source names each file read with its SHA-256, which `riskdesk history --json`
shows (with the rows it added), for a project that was there and for the new project an import creates."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from riskdesk.cli import EXIT_OK
from tests.helpers.cli import run
from tests.test_cli import ROW, write_template_csv


def _history(capsys: pytest.CaptureFixture[str], project: Path) -> list[dict[str, object]]:
    code, out, err = run(capsys, "history", project, "--json")
    assert (code, err) == (EXIT_OK, "")
    entries: list[dict[str, object]] = json.loads(out)["entries"]
    return entries


def _names_the_import(entry: dict[str, object], source: Path) -> None:
    assert str(entry["text"]).startswith("Import bom.csv: 1 part")
    assert entry["source"] == {"kind": "import", "files": [
        {"file": "bom.csv", "sha256": hashlib.sha256(source.read_bytes()).hexdigest()}]}
    change = entry["change"]
    assert isinstance(change, dict) and change["source"] == entry["source"]
    assert ROW["part_number"] in [row["values"]["part_number"] for row in change["inserts"]
                                  if row["table"] == "parts"]
    assert entry["parts"] == [ROW["part_number"]]


def test_an_import_into_a_project_file_is_one_change_set_naming_the_file_and_its_hash(
        demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    before = _history(capsys, demo)
    code, out, err = run(capsys, "import", demo, source)
    assert code == EXIT_OK, err
    after = _history(capsys, demo)
    assert after[:-1] == before and after[-1]["revision"] == int(str(before[-1]["revision"])) + 1
    _names_the_import(after[-1], source)
    code, out, _ = run(capsys, "history", demo)
    assert code == EXIT_OK and "import of bom.csv (sha256 " in out.splitlines()[-1]


def test_an_import_that_creates_a_project_file_starts_its_history_with_that_import(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    project = tmp_path / "new.rdproj"
    code, _, err = run(capsys, "import", project, source)
    assert code == EXIT_OK, err
    entry, = _history(capsys, project)
    assert entry["revision"] == 1
    _names_the_import(entry, source)
