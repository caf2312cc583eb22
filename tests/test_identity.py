"""What RiskDesk tells the user stays the same while the code underneath is reshaped: `score` (text and JSON, with
a comparison), `scenario` (JSON with Monte Carlo, text), `rules --json` and every cell of the report, on the demo
and on a 1,000-part project, equal what was recorded in tests/data/identity/. A change meant to alter them
rewrites the recording (`python -m tests.helpers.identity`) in the same commit, where the difference can be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.identity import GOLDEN, golden_name, kept, outputs, projects


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    import os

    folder = tmp_path_factory.mktemp("identity")
    os.environ.setdefault("RISKDESK_USER_DIR", str(folder / "user"))
    return {(project, name): kept(project, name, text)
            for project, path in projects(folder).items() for name, text in outputs(path, folder)}


@pytest.mark.parametrize("project", ["demo", "1000-parts"])
@pytest.mark.parametrize("name", ["score.json", "score.txt", "scenario-april.json", "scenario-dfars.txt",
                                  "rules.json", "report-cells.txt"])
def test_outputs_are_what_was_recorded(recorded, project, name):
    golden: Path = GOLDEN / golden_name(project, name)
    assert recorded[(project, name)] == golden.read_text(encoding="utf-8"), f"{golden.name} differs"
