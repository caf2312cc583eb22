"""Running `riskdesk` in-process as a script would, for the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskdesk.cli import EXIT_OK, ChartRenderer, main


def run(capsys: pytest.CaptureFixture[str], *args: object,
        renderer: ChartRenderer | None = None) -> tuple[int, str, str]:
    """`riskdesk ARGS…`: its exit code, stdout and stderr."""
    code = main([str(a) for a in args], chart_renderer=renderer)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The demo project written by `riskdesk demo`."""
    path = tmp_path / "demo.rdproj"
    assert run(capsys, "demo", path)[0] == EXIT_OK
    return path
