"""Scenario presets bundled as data (`resources/scenarios/presets.toml`): shocks that happened and measures that
may come back, each price shock and supply cut with its sources and two confidence marks (size, timing).

A preset either starts in a fixed month ("the October 2025 measures back on 2026-11-11") or in the month of the
date the user scores on ("April 2025 again, from today's prices"): `Preset.scenario(as_of)` gives the scenario.
A supply cut naming a control `rule` takes its elements, countries, stages and scope from the rule and adds the
rule's sources to its own. The loader refuses a broken file with a DataFileError naming file, preset and key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskdesk.core.datafile import Entry, entries, load_toml
from riskdesk.core.resources import resource_path
from riskdesk.core.rules import ControlList, default_control_list
from riskdesk.core.scenarios import (
    MAX_HORIZON_MONTHS,
    Scenario,
    ScenarioError,
    add_months,
    check_bounds,
    cut_from_rule,
    month_start,
    parse_month,
    parse_scenario,
)

RELATIVE_START = "as-of"
_PRESET_KEYS = ("id", "name", "summary", "start", "note")
_VALIDATION_MONTH = dt.date(2026, 2, 1)
"""A relative preset is checked as if it started in the shortest month (day numbers must fit its horizon)."""


@dataclass(frozen=True)
class Preset:
    """A bundled scenario with what it is and where each figure comes from."""

    id: str
    name: str
    summary: str
    note: str
    template: Scenario
    fixed_start: bool
    """False: the scenario starts in the month of the as-of date."""

    def scenario(self, as_of: dt.date | None = None) -> Scenario:
        """The preset as a scenario: starting in its own month, or in the month of `as_of` (default today)."""
        if self.fixed_start:
            return self.template
        return dataclasses.replace(self.template, start=month_start(as_of or dt.date.today()))

    def line(self) -> str:
        """One line for `riskdesk scenario --list`: the id first, then what it is."""
        when = f"from {self.template.month_labels[0]}" if self.fixed_start else "from the as-of month"
        return (f"{self.id}  {self.name}: {self.summary} [{self.template.price_basis} basis, {when}, "
                f"{self.template.horizon_months} months; marks {self.marks()}]")

    def marks(self) -> str:
        """The confidence marks of its shocks and cuts, weakest last: "C, D, U"."""
        order = "CSDXU"
        provenances = [item.provenance for item in self.template.price_shocks]
        provenances += [item.provenance for item in self.template.supply_cuts]
        found = {m for p in provenances for m in (p.confidence, p.timing_confidence) if m}
        return ", ".join(sorted(found, key=order.index)) or "none"


@dataclass(frozen=True)
class PresetBook:
    title: str
    version: str
    path: str
    presets: tuple[Preset, ...]

    def get(self, preset_id: str) -> Preset:
        for preset in self.presets:
            if preset.id == preset_id:
                return preset
        raise KeyError(preset_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.presets)


def _with_rule(cut: Mapping[str, Any], control_list: ControlList, horizon_days: int, entry: Entry,
               position: int) -> dict[str, Any]:
    """A preset cut naming a rule, with the rule's elements, countries, stages, stock use and sources filled in."""
    data = dict(cut)
    rule_id = data.get("rule")
    if not isinstance(rule_id, str) or not rule_id:
        return data
    try:
        rule = control_list.by_id(rule_id)
    except KeyError:
        raise entry.fail(f"supply_cuts[{position}].rule", f"no rule {rule_id!r} in the control list "
                                                           f"{control_list.version}") from None
    try:
        derived = cut_from_rule(rule, from_day=_whole(data.get("from_day"), 1), horizon_days=horizon_days)
    except ScenarioError as exc:
        raise entry.fail(f"supply_cuts[{position}].rule", exc.message) from None
    data.setdefault("elements", list(derived.elements))
    data.setdefault("countries", list(derived.countries))
    data.setdefault("stages", list(derived.stages))
    data.setdefault("days", derived.days)
    if not derived.stock_usable:
        data.setdefault("stock_usable", False)
    own = list(data.get("sources", []))
    listed = {(s.get("title"), s.get("url", "")) for s in own if isinstance(s, Mapping)}
    data["sources"] = own + [{"title": s.title, "url": s.url} for s in rule.sources
                             if (s.title, s.url) not in listed]
    if derived.provenance.note and "note" in data:
        data["note"] = f"{data['note']} ({derived.provenance.note})"
    return data


def _parse_preset(entry: Entry, control_list: ControlList) -> Preset:
    data = dict(entry.data)
    start_text = entry.str("start")
    fixed = start_text != RELATIVE_START
    if fixed:
        try:
            start = parse_month(start_text)
        except ValueError:
            raise entry.fail("start", f"{start_text!r} is not a month YYYY-MM or \"{RELATIVE_START}\"") from None
    else:
        start = _VALIDATION_MONTH
    horizon = data.get("horizon_months", 24)
    horizon = horizon if isinstance(horizon, int) and 0 < horizon <= MAX_HORIZON_MONTHS else MAX_HORIZON_MONTHS
    # A prohibition lasts to the end of the horizon: exactly, from a fixed start; at most 31 days a month otherwise.
    horizon_days = (add_months(start, horizon) - start).days if fixed else horizon * 31
    cuts = data.get("supply_cuts", [])
    if isinstance(cuts, list):
        data["supply_cuts"] = [_with_rule(c, control_list, horizon_days, entry, i) if isinstance(c, Mapping) else c
                               for i, c in enumerate(cuts, start=1)]
    data["start"] = start.isoformat()[:7]
    data.setdefault("name", entry.label)
    try:
        template = parse_scenario(data, frozenset(r.id for r in control_list.rules), strict=True,
                                  extra_keys=_PRESET_KEYS)
        check_bounds(template)
    except ScenarioError as exc:
        raise entry.fail(exc.key, exc.detail()) from None
    for kind, provenances in (("price_shocks", [s.provenance for s in template.price_shocks]),
                              ("supply_cuts", [c.provenance for c in template.supply_cuts])):
        for i, provenance in enumerate(provenances, start=1):
            if not (provenance.confidence and provenance.timing_confidence and provenance.sources):
                raise entry.fail(f"{kind}[{i}]", "a preset's shock or cut needs confidence, timing_confidence and "
                                                 "sources")
    preset_id = entry.str("id")
    template = dataclasses.replace(template, preset=preset_id, description=entry.str("summary"))
    return Preset(preset_id, entry.str("name"), entry.str("summary"), entry.str("note", ""), template, fixed)


def _whole(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else default


def load_presets(path: Path | None = None, control_list: ControlList | None = None) -> PresetBook:
    """Load and check a presets file (the bundled one by default). Raises DataFileError if it is broken."""
    path = path or resource_path("scenarios", "presets.toml")
    control_list = control_list or default_control_list()
    data = load_toml(path)
    header = Entry(path, "header", data)
    presets = []
    seen: set[str] = set()
    for entry in entries(path, data, "preset"):
        preset = _parse_preset(entry, control_list)
        if preset.id in seen:
            raise entry.fail("id", "preset id appears twice")
        seen.add(preset.id)
        presets.append(preset)
    return PresetBook(header.str("title"), header.date("version").isoformat(), str(path), tuple(presets))


@functools.cache
def default_presets() -> PresetBook:
    """The bundled presets, loaded once (`default_presets.cache_clear()` forgets it)."""
    return load_presets()
