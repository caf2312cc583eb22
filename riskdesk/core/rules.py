"""The control list: dated rules (export controls, procurement bans, tariffs, benchmarks) and their status on a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from riskdesk.core import elements
from riskdesk.core.datafile import DataFileError, Entry, Source, entries, load_toml
from riskdesk.core.domain import STAGES, Effect, EndUse, MagnetFamily, Stage
from riskdesk.core.resources import resource_path

ALL = "*"
GROUP_PREFIX = "group:"


class RuleStatus(StrEnum):
    """Where a rule stands on a given date."""

    NOT_ANNOUNCED = "not announced"
    ANNOUNCED = "announced, not yet in force"
    IN_FORCE = "in force"
    SUSPENDED = "suspended"
    UNKNOWN = "status unknown"
    EXPIRED = "expired"

    @property
    def binding(self) -> bool:
        return self is RuleStatus.IN_FORCE

    @property
    def watched(self) -> bool:
        """Shown to the buyer as a watch item: not binding today, but announced, suspended or unclear."""
        return self in (RuleStatus.ANNOUNCED, RuleStatus.SUSPENDED, RuleStatus.UNKNOWN)


@dataclass(frozen=True, slots=True)
class Suspension:
    start: dt.date
    until: dt.date
    """Last day of the suspension (inclusive)."""
    by: str

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.until


@dataclass(frozen=True, slots=True)
class RuleState:
    status: RuleStatus
    reason: str
    """Why, in one sentence with dates: "suspended 2025-11-07 to 2026-11-10 by … No. 70"."""
    effective: bool
    """Whether the rule hits paths on that date (in force, or treated as in force by the project setting)."""


@dataclass(frozen=True)
class ControlRule:
    id: str
    regime: str
    instrument: str
    title: str
    effect: Effect
    elements: frozenset[str]
    """Element symbols, or {"*"} when the rule concerns the whole magnet."""
    stages: frozenset[Stage]
    countries: frozenset[str]
    """ISO alpha-2 codes and "group:NAME" entries; {"*"} for any country."""
    announced: dt.date
    effective_from: dt.date
    confidence: str
    sources: tuple[Source, ...]
    families: frozenset[MagnetFamily] = frozenset()
    """Magnet families in scope; empty means all families."""
    item_forms: tuple[str, ...] = ()
    not_countries: frozenset[str] = frozenset()
    made_outside: frozenset[str] = frozenset()
    end_uses: frozenset[EndUse] = frozenset()
    """Buyer end uses concerned; empty means all."""
    import_countries: frozenset[str] = frozenset()
    not_import_countries: frozenset[str] = frozenset()
    effective_until: dt.date | None = None
    suspensions: tuple[Suspension, ...] = ()
    after_suspension: str = "in_force"
    rate_pct: float | None = None
    threshold_pct: float | None = None
    note: str = ""

    @property
    def whole_magnet(self) -> bool:
        return ALL in self.elements

    @property
    def source_text(self) -> str:
        return "; ".join(str(s) for s in self.sources)

    @property
    def effect_label(self) -> str:
        if self.effect is Effect.TARIFF and self.rate_pct is not None:
            return f"tariff {self.rate_pct:g} %"
        if self.effect is Effect.BENCHMARK and self.threshold_pct is not None:
            return f"benchmark ≤ {self.threshold_pct:g} %"
        return self.effect.label

    def state_on(self, day: dt.date, suspended_in_force: bool = False) -> RuleState:
        """The rule's status on `day`; `suspended_in_force` treats suspended or unclear rules as binding."""
        if day < self.announced:
            return RuleState(RuleStatus.NOT_ANNOUNCED, f"announced only on {self.announced}", False)
        if self.effective_until is not None and day > self.effective_until:
            return RuleState(RuleStatus.EXPIRED, f"ended on {self.effective_until}", False)
        for suspension in self.suspensions:
            if suspension.covers(day):
                reason = f"suspended {suspension.start} to {suspension.until} by {suspension.by}"
                if self.effective_from > suspension.start:
                    reason += f"; was to take effect on {self.effective_from}"
                return RuleState(RuleStatus.SUSPENDED, reason, suspended_in_force)
        if day < self.effective_from:
            return RuleState(RuleStatus.ANNOUNCED, f"announced {self.announced}, in force from {self.effective_from}",
                             False)
        ended = [s for s in self.suspensions if s.until < day]
        if ended and self.after_suspension != "in_force":
            last = max(ended, key=lambda s: s.until)
            if self.after_suspension == "lapsed":
                return RuleState(RuleStatus.EXPIRED, f"lapsed when the suspension ended on {last.until}", False)
            return RuleState(
                RuleStatus.UNKNOWN,
                f"the suspension by {last.by} ended on {last.until}; what followed is not known",
                suspended_in_force,
            )
        since = max([self.effective_from, *[s.until + dt.timedelta(days=1) for s in ended]])
        return RuleState(RuleStatus.IN_FORCE, f"in force since {since}", True)

    def concerns_element(self, symbol: str) -> bool:
        return self.whole_magnet or symbol in self.elements


@dataclass(frozen=True)
class ControlList:
    title: str
    version: str
    date: dt.date
    rules: tuple[ControlRule, ...]
    path: str = ""

    def by_id(self, rule_id: str) -> ControlRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def diff(self, newer: ControlList) -> ControlListDiff:
        """What changes from this list to `newer`: rules added, removed and changed (by field)."""
        old = {r.id: r for r in self.rules}
        new = {r.id: r for r in newer.rules}
        changed: dict[str, list[str]] = {}
        for rule_id in old.keys() & new.keys():
            fields = [
                name for name in ControlRule.__dataclass_fields__
                if getattr(old[rule_id], name) != getattr(new[rule_id], name)
            ]
            if fields:
                changed[rule_id] = fields
        return ControlListDiff(
            self.version,
            newer.version,
            added=sorted(new.keys() - old.keys()),
            removed=sorted(old.keys() - new.keys()),
            changed=dict(sorted(changed.items())),
        )


@dataclass(frozen=True)
class ControlListDiff:
    old_version: str
    new_version: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        result = [f"control list {self.old_version} → {self.new_version}"]
        result += [f"+ {rule_id} (new rule)" for rule_id in self.added]
        result += [f"- {rule_id} (removed)" for rule_id in self.removed]
        result += [f"~ {rule_id}: {', '.join(fields)} changed" for rule_id, fields in self.changed.items()]
        if self.empty:
            result.append("no differences")
        return result


_STAGE_VALUES = [s.value for s in STAGES]


def _country_set(entry: Entry, name: str) -> frozenset[str]:
    values = entry.str_list(name, default=())
    for value in values:
        if value != ALL and not value.startswith(GROUP_PREFIX) and not (len(value) == 2 and value.isupper()):
            raise entry.fail(name, f"{value!r} is not an ISO alpha-2 code, '*' or 'group:NAME'")
    return frozenset(values)


def _parse_rule(entry: Entry) -> ControlRule:
    effect = Effect(entry.choice("effect", [e.value for e in Effect]))
    element_list = entry.str_list("elements", allowed=[ALL, *elements.SYMBOLS])
    suspensions = tuple(
        Suspension(s.date("from"), s.date("until"), s.str("by")) for s in entry.tables("suspensions")
    )
    rule = ControlRule(
        id=entry.str("id"),
        regime=entry.str("regime"),
        instrument=entry.str("instrument"),
        title=entry.str("title"),
        effect=effect,
        elements=frozenset(element_list),
        stages=frozenset(Stage(s) for s in entry.str_list("stages", allowed=_STAGE_VALUES)),
        countries=_country_set(entry, "countries"),
        announced=entry.date("announced"),
        effective_from=entry.date("effective_from"),
        confidence=entry.confidence(),
        sources=entry.sources(),
        families=frozenset(
            MagnetFamily(f) for f in entry.str_list("families", default=(), allowed=[m.value for m in MagnetFamily])
        ),
        item_forms=entry.str_list("item_forms", default=()),
        not_countries=_country_set(entry, "not_countries"),
        made_outside=_country_set(entry, "made_outside"),
        end_uses=frozenset(
            EndUse(e) for e in entry.str_list("end_uses", default=(), allowed=[u.value for u in EndUse])
        ),
        import_countries=_country_set(entry, "import_countries"),
        not_import_countries=_country_set(entry, "not_import_countries"),
        effective_until=entry.optional_date("effective_until"),
        suspensions=suspensions,
        after_suspension=entry.choice("after_suspension", ["in_force", "unknown", "lapsed"], "in_force"),
        rate_pct=entry.optional_number("rate_pct"),
        threshold_pct=entry.optional_number("threshold_pct"),
        note=entry.str("note", ""),
    )
    if rule.announced > rule.effective_from:
        raise entry.fail("announced", "must not be later than effective_from")
    if effect is Effect.TARIFF and rule.rate_pct is None:
        raise entry.fail("rate_pct", "a tariff needs its rate")
    if effect is Effect.BENCHMARK and rule.threshold_pct is None:
        raise entry.fail("threshold_pct", "a benchmark needs its threshold")
    if effect is not Effect.INFO and not (rule.stages and rule.countries):
        raise entry.fail("stages", "a rule that can hit needs stages and countries")
    return rule


def load_control_list(path: Path | None = None) -> ControlList:
    """Load and check a control list file (the bundled one by default). Raises DataFileError if it is broken."""
    path = path or resource_path("rules", "control_list.toml")
    data = load_toml(path)
    header = Entry(path, "header", data)
    rules = tuple(_parse_rule(e) for e in entries(path, data, "rule"))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise DataFileError(path, "rule id appears twice", rule.id, "id")
        seen.add(rule.id)
    return ControlList(header.str("title"), header.str("version"), header.date("date"), rules, str(path))


_default: ControlList | None = None


def default_control_list() -> ControlList:
    """The bundled control list, loaded once."""
    global _default
    if _default is None:
        _default = load_control_list()
    return _default


def expand_countries(codes: Iterable[str], groups: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """Codes with every "group:NAME" replaced by its members ("*" kept as is)."""
    result: set[str] = set()
    for code in codes:
        if code.startswith(GROUP_PREFIX):
            result |= groups.get(code.removeprefix(GROUP_PREFIX), frozenset())
        else:
            result.add(code)
    return frozenset(result)
