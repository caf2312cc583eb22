"""Running RiskDesk code as another user (uid 1001 or 1002 of group 2000, umask 022, no privileges): shared
folders, other users' lock files. Needs root and setpriv, which CI has (.ci/run); see tests/helpers/needs.py."""

from __future__ import annotations

import contextlib
import os
import shutil
import site
import subprocess
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

from bench.reliability import ALICE, BOB, ROOT, TEAM, as_user, interpreter_for_others
from tests.helpers.needs import need

__all__ = ["ALICE", "BOB", "TEAM", "run_as", "team_folder"]


def run_as(uid: int, code: str, cwd: str) -> subprocess.CompletedProcess[str]:
    """Run Python `code` as user `uid` in folder `cwd`, with RiskDesk importable."""
    python = interpreter_for_others()
    need(python is not None, "needs root, setpriv and a Python other users can run")
    assert python is not None
    path = os.pathsep.join([str(ROOT), *site.getsitepackages()])
    command = as_user(uid, [python, "-c", textwrap.dedent(code)],
                      {"PYTHONPATH": path, "RISKDESK_USER_DIR": f"{cwd}/.user-{uid}", "HOME": cwd})
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def team_folder(mode: int) -> Iterator[Path]:
    """A folder of group TEAM with `mode` (e.g. 0o2775, shared), where the other users can reach it (pytest's own
    temporary folders are private to root)."""
    need(os.geteuid() == 0, "needs root to act as other users")
    outer = Path(tempfile.mkdtemp(prefix="riskdesk-team-"))
    try:
        os.chmod(outer, 0o755)
        folder = outer / "team"
        folder.mkdir()
        os.chown(folder, 0, TEAM)
        os.chmod(folder, mode)
        yield folder
    finally:
        shutil.rmtree(outer, ignore_errors=True)
