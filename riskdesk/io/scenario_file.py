"""Scenario files: one scenario as JSON, in the shape other tools rely on (docs/scenarios.md).

    {"name", "start": "YYYY-MM", "horizon_months", "price_basis": "china" | "ex-china",
     "price_shocks": [{"elements", "shape", "multiplier" | "price_usd_per_kg", "from_month", "months"}],
     "supply_cuts": [{"elements", "countries", "stages", "share_lost", "from_day", "days"}]}

More keys are allowed (a cut's `rule`, `stock_usable`, sources and marks; other tools' own keys), but not near
misses of ours ("horizon_month"): those are misspellings and are refused. Every problem is one line naming the
file, the key and the value; nothing raises a traceback at the user.
"""

from __future__ import annotations

import json
from pathlib import Path

from riskdesk.core.scenarios import Scenario, ScenarioError
from riskdesk.io.outputs import write_output

MAX_BYTES = 5_000_000
"""A scenario is a few kilobytes; anything this large is not one."""


class ScenarioFileError(Exception):
    """A scenario file that cannot be read (`unreadable`: missing, not allowed) or is not a valid scenario."""

    def __init__(self, message: str, unreadable: bool = False) -> None:
        super().__init__(message)
        self.unreadable = unreadable


def _non_finite(name: str) -> float:
    return float(name.replace("Infinity", "inf"))  # NaN / ±inf: the reader refuses them with the key


def read_scenario(path: Path, known_rules: frozenset[str] | None = None) -> Scenario:
    """The scenario in a JSON file. Raises ScenarioFileError with one line naming file, key and value.
    `known_rules`: control-rule ids a cut may name (default: the bundled control list's)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioFileError(f"{path}: {size:,} bytes is too large for a scenario file")
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ScenarioFileError(f"{path}: file not found", unreadable=True) from None
    except IsADirectoryError:
        raise ScenarioFileError(f"{path}: is a folder, not a scenario file", unreadable=True) from None
    except OSError as exc:
        raise ScenarioFileError(f"{path}: cannot be read ({exc.strerror or exc})", unreadable=True) from None
    except UnicodeDecodeError:
        raise ScenarioFileError(f"{path}: not a text file (expected JSON in UTF-8)") from None
    try:
        data = json.loads(text, parse_constant=_non_finite)
    except json.JSONDecodeError as exc:
        raise ScenarioFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") \
            from None
    except RecursionError:
        raise ScenarioFileError(f"{path}: nested too deeply to be a scenario") from None
    if known_rules is None:
        from riskdesk.core.rules import default_control_list

        known_rules = frozenset(rule.id for rule in default_control_list().rules)
    try:
        return Scenario.from_json(data, known_rules)
    except ScenarioError as exc:
        raise ScenarioFileError(f"{path}: {exc}") from None


def write_scenario(scenario: Scenario, path: Path) -> None:
    """Write the scenario as JSON through `riskdesk.io.outputs.write_output` (never over a project or a folder; a
    crash or a full disk leaves any previous file whole). Raises OutputError (an OSError) naming the file."""
    text = json.dumps(scenario.to_json(), indent=2, ensure_ascii=False) + "\n"
    write_output(Path(path), text, what="the scenario")
