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
