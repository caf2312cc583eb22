"""Issue 15, case 6: control lists that are damaged, misspelt, inconsistent or older are refused with one
message naming the file (and entry and field); the list's content hash identifies it. The fuzz test is the quick
version of bench/reliability.py."""

from __future__ import annotations

import random
import shutil

import pytest

from bench.fuzz import fuzz_control_list
from riskdesk.core.datafile import DataFileError
from riskdesk.core.resources import resource_path
from riskdesk.core.rules import default_control_list, load_control_list

BUNDLED = resource_path("rules", "control_list.toml")


def edited(tmp_path, old, new, count=1):
    path = tmp_path / "list.toml"
    text = BUNDLED.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, said", [
    ('version = "2026.12.06"', 'versoin = "2026.11.29"', "unknown field(s) versoin"),
    ('until = 2026-11-10', 'untill = 2026-11-10', "untill"),
    ('effective_from = 2026-01-01', 'effective_from = 2026-01-01\neffective_until = 2025-01-01', "effective_until"),
    ('rate_pct = 25.0', 'rate_pct = nan', "not a finite number"),
    ('rate_pct = 25.0', 'rate_pct = inf', "not a finite number"),
    ('rate_pct = 25.0', 'rate_pct = -1e308', "is not a tariff rate"),
    ('holder = "JL Mag', 'holdr = "JL Mag', "holdr"),
])
def test_a_misspelt_or_inconsistent_list_is_refused_naming_what(tmp_path, old, new, said):
    with pytest.raises(DataFileError) as info:
        load_control_list(edited(tmp_path, old, new))
    assert said in str(info.value) and "list.toml" in str(info.value)


def test_reversed_suspensions_are_refused(tmp_path):
    path = edited(tmp_path, "from = 2025-11-07, until = 2026-11-10", "from = 2026-11-10, until = 2025-11-07")
    with pytest.raises(DataFileError, match="'until' must not be earlier than 'from'"):
        load_control_list(path)


@pytest.mark.parametrize("write, said", [
    (lambda p: p.write_bytes(BUNDLED.read_text(encoding="utf-8").encode("utf-16")), "save it again as UTF-8"),
    (lambda p: p.write_bytes(b"title = \"\xff\xfe\"\n"), "not UTF-8"),
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: p.write_text("x = " + "[" * 50_000 + "]" * 50_000, encoding="utf-8"), "nested too deeply"),
])
def test_an_unreadable_list_is_one_message(tmp_path, write, said):
    path = tmp_path / "list.toml"
    write(path)
    with pytest.raises(DataFileError, match=said):
        load_control_list(path)


def test_only_a_newer_list_is_an_update_and_its_hash_is_reported(tmp_path, capsys):
    import json

    from riskdesk.cli import EXIT_INVALID, EXIT_OK, main

    older = edited(tmp_path, 'version = "2026.12.06"', 'version = "2026.01.01"')
    assert main(["rules", "--diff", str(older)]) == EXIT_INVALID
    assert "not newer than the list in use" in capsys.readouterr().err
    newer = tmp_path / "newer.toml"
    shutil.copy(edited(tmp_path, "date = 2026-12-06", "date = 2026-12-10"), newer)
    assert main(["rules", "--diff", str(newer)]) == EXIT_OK
    bundled = default_control_list()
    assert len(bundled.sha256) == 64 and load_control_list(newer).sha256 != bundled.sha256

    project = tmp_path / "p.rdproj"
    assert main(["demo", str(project)]) == EXIT_OK
    capsys.readouterr()
    assert main(["score", str(project), "--rules", str(newer), "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["rules_sha256"] == load_control_list(newer).sha256
    assert main(["score", str(project), "--rules", str(newer)]) == EXIT_OK
    assert f"newer.toml, sha256 {data['rules_sha256'][:12]}" in capsys.readouterr().out

    # the scenario and the report are computed against the same list, and say so
    assert main(["scenario", str(project), "--preset", "dfars-2027", "--rules", str(newer), "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["rules_sha256"] == data["rules_sha256"]
    assert main(["scenario", str(project), "--preset", "dfars-2027", "--rules", str(newer)]) == EXIT_OK
    assert capsys.readouterr().out.startswith(f"control list {data['rules_version']} (newer.toml, sha256 "
                                              f"{data['rules_sha256'][:12]})")
    report = tmp_path / "report.xlsx"
    assert main(["report", str(project), str(report), "--rules", str(newer)]) == EXIT_OK
    import openpyxl

    inputs = {row[0]: row[1] for row in openpyxl.load_workbook(report, read_only=True)["Inputs"].iter_rows(
        max_col=2, values_only=True) if row and row[0]}
    assert inputs["Control list SHA-256"] == data["rules_sha256"]

    import sqlite3
    meta = dict(sqlite3.connect(project).execute("SELECT key, value FROM meta").fetchall())
    assert (meta["rules_version"], meta["rules_sha256"]) == (bundled.version, bundled.sha256)


def test_fuzzed_control_lists_load_or_give_one_message(tmp_path):
    """100 here; 1,000 in the long run (bench/reliability.py)."""
    rng = random.Random(6)
    for n in range(100):
        path = tmp_path / f"l{n}.toml"
        what = fuzz_control_list(BUNDLED, path, rng)
        try:
            load_control_list(path)
        except DataFileError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc).strip(), what
        except Exception as exc:  # pragma: no cover - what the test is for
            pytest.fail(f"{what}: {type(exc).__name__}: {exc}")
