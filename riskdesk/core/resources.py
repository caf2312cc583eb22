"""The one place that knows where bundled data lives: from a source checkout, an installed copy or a frozen build."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_OVERRIDE = "RISKDESK_RESOURCES"


def resources_dir() -> Path:
    """The `resources/` folder: $RISKDESK_RESOURCES, else beside a frozen executable, else the source tree."""
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        return Path(override)
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a bundled file, e.g. `resource_path("rules", "control_list.toml")`."""
    return resources_dir().joinpath(*parts)


def docs_dir() -> Path:
    """Where the user guide's texts are: `docs/` of a frozen build, else the source tree's root with its `docs/`
    folder."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "docs"
    return Path(__file__).resolve().parents[2]


def guide_files() -> list[tuple[str, Path]]:
    """(title, file) of each page of Help ▸ User guide, in order; a page whose file is missing is left out."""
    root = docs_dir()
    docs = root if getattr(sys, "_MEIPASS", None) else root / "docs"
    pages = [("Using RiskDesk", docs / "user-guide.md"), ("How the scores work", docs / "method.md"),
             ("Scenarios", docs / "scenarios.md"), ("Importing spreadsheets", docs / "import.md"),
             ("Reference data", docs / "reference-data.md")]
    return [(title, path) for title, path in pages if path.is_file()]
