"""`riskdesk --selftest`, what IT runs after deploying RiskDesk: every step passes from a source checkout, a
broken installation fails with one line, and steps of features still being built plug in when they land."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from riskdesk.ui import selftest

STEPS = ["window", "charts", "score", "project file", "import", "scenario", "report"]


def _selftest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    environment = dict(os.environ, RISKDESK_USER_DIR=str(tmp_path / "user"), TMPDIR=str(tmp_path / "tmp"),
                       TEMP=str(tmp_path / "tmp"), TMP=str(tmp_path / "tmp"), **env)
    environment.pop("QT_QPA_PLATFORM", None)  # the self-test goes offscreen by itself
    return subprocess.run([sys.executable, "-m", "riskdesk", "--selftest"], env=environment, capture_output=True,
                          text=True, timeout=120, check=False)


def test_the_selftest_runs_every_step_and_leaves_nothing_behind(tmp_path: Path) -> None:
    done = _selftest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("RiskDesk ") and "self-test" in lines[0]
    assert [line.split(":")[0] for line in lines[1:-1]] == STEPS
    assert lines[-1].startswith("self-test passed")
    assert "with the demo's 15 parts" in lines[1]
    assert "saved exposure-by-element.png" in lines[2]
    assert "15 parts as of" in lines[3] and "the window shows the same" in lines[3]
    for step, module in selftest.PLUGGABLE_STEPS.items():
        if importlib.util.find_spec(module) is None:
            assert f"{step}: not built yet (skipped)" in lines
    assert not list((tmp_path / "tmp").glob("riskdesk-selftest-*"))  # its temporary folder is gone
    assert not (tmp_path / "user").exists()  # the user's own settings, autosaves and logs are left alone


def test_a_broken_installation_fails_with_one_line_naming_the_step(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = _selftest(tmp_path, RISKDESK_RESOURCES=str(tmp_path / "empty"))  # no bundled data
    assert done.returncode == 1
    failed = [line for line in done.stderr.splitlines() if "FAILED" in line]
    assert len(failed) == 1 and failed[0].startswith("self-test FAILED at window:")
    assert "control_list.toml" in failed[0]
    assert "Traceback" not in done.stderr and "self-test passed" not in done.stdout


def test_a_feature_that_lands_is_called_with_the_demo_project_and_a_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "landed_scenarios.py").write_text(
        "def selftest(project, folder):\n"
        "    (folder / 'out.txt').write_text('ran')\n"
        "    return f'ran on {len(project.tables.parts)} parts'\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(selftest.PLUGGABLE_STEPS, "scenario", "landed_scenarios")
    run = selftest._Run(tmp_path / "run")
    run.folder.mkdir()
    assert selftest._pluggable("scenario")(run) == "ran on 15 parts"
    assert (run.folder / "scenario" / "out.txt").read_text() == "ran"


def test_a_feature_without_the_hook_fails_the_step_rather_than_passing_unchecked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hookless_report.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(selftest.PLUGGABLE_STEPS, "report", "hookless_report")
    with pytest.raises(selftest.SelfTestFailure, match="no selftest"):
        selftest._pluggable("report")(selftest._Run(tmp_path))


def test_a_missing_feature_is_skipped_but_a_broken_one_is_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(selftest.PLUGGABLE_STEPS, "scenario", "riskdesk.core.no_such_module")
    assert selftest._pluggable("scenario")(selftest._Run(tmp_path)) == "not built yet (skipped)"
    (tmp_path / "broken_scenarios.py").write_text("import no_such_dependency\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(selftest.PLUGGABLE_STEPS, "scenario", "broken_scenarios")
    with pytest.raises(ModuleNotFoundError):
        selftest._pluggable("scenario")(selftest._Run(tmp_path))
