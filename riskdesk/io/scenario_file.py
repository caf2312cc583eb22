"""Scenario files: one scenario as JSON, in the shape other tools rely on (docs/scenarios.md).

    {"name", "start": "YYYY-MM", "horizon_months", "price_basis": "china" | "ex-china",
     "price_shocks": [{"elements", "shape", "multiplier" | "price_usd_per_kg", "from_month", "months"}],
     "supply_cuts": [{"elements", "countries", "stages", "share_lost", "from_day", "days"}]}

More keys are allowed (a cut's `rule`, `stock_usable`, sources and marks; other tools' own keys), but not near
misses of ours ("horizon_month"): those are misspellings and are refused, and so is a key given twice in one
object. A scenario beyond RiskDesk's bounds (`riskdesk.core.scenarios.check_bounds`: how many shocks and cuts, how
far its shocks move a price) is refused as the window's editor refuses it. Every problem is one line naming the
file, the key and the value; nothing raises a traceback at the user.
"""

from __future__ import annotations

import json
from pathlib import Path

from riskdesk.core.scenarios import Scenario, ScenarioError, check_bounds
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


def _whole_number(text: str) -> int | float:
    # No value of a scenario has 19 digits: a longer one is read as a float (∞ beyond 1e308), which the reader
    # refuses with its key, instead of as an int that Python refuses to make or that overflows a float later.
    return int(text) if len(text) <= 18 else float(text)


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _one_of_each(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object whose keys are all different: JSON readers disagree on which of two equal keys counts."""
    data: dict[str, object] = {}
    for key, value in pairs:
        if key in data:
            raise _RepeatedKey(key)
        data[key] = value
    return data


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
        data = json.loads(text, parse_constant=_non_finite, parse_int=_whole_number, object_pairs_hook=_one_of_each)
    except json.JSONDecodeError as exc:
        raise ScenarioFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") \
            from None
    except _RepeatedKey as exc:
        raise ScenarioFileError(f"{path}: key {exc.key!r} appears twice in one object; keep the one you mean") \
            from None
    except RecursionError:
        raise ScenarioFileError(f"{path}: nested too deeply to be a scenario") from None
    except ValueError as exc:
        raise ScenarioFileError(f"{path}: not valid JSON ({exc})") from None
    if known_rules is None:
        from riskdesk.core.rules import default_control_list

        known_rules = frozenset(rule.id for rule in default_control_list().rules)
    try:
        scenario = Scenario.from_json(data, known_rules)
        check_bounds(scenario)
    except ScenarioError as exc:
        raise ScenarioFileError(f"{path}: {exc}") from None
    return scenario


def write_scenario(scenario: Scenario, path: Path) -> None:
    """Write the scenario as JSON through `riskdesk.io.outputs.write_output` (never over a project or a folder; a
    crash or a full disk leaves any previous file whole). Raises OutputError (an OSError) naming the file."""
    text = json.dumps(scenario.to_json(), indent=2, ensure_ascii=False) + "\n"
    write_output(Path(path), text, what="the scenario")
