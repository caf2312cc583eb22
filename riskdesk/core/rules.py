"""The control list: dated rules (export controls, procurement bans, tariffs, benchmarks) and their status on a date."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from riskdesk.core import elements
from riskdesk.core.datafile import DataFileError, Entry, Source, check_keys, entries, read_toml
from riskdesk.core.domain import STAGES, Effect, EndUse, MagnetFamily, Stage
from riskdesk.core.resources import resource_path

ALL = "*"
GROUP_PREFIX = "group:"
BUYERS_ALL = "all"
BUYERS_US_DEFENCE = "us_defence_supply"
RULE_STAGES: tuple[Stage, ...] = (*STAGES, Stage.ASSEMBLY)
"""The stages a rule may name: the four supply-chain stages and where the delivered part is made."""
MAX_RULES = 200
"""A control list holds at most this many rules (the bundled one 19): scoring costs time and memory in proportion
to rules × supply paths, and 200 rules meeting every path of a 3,750-part project already take 38 s and 2 GB
(docs/reliability.md, "Rule updates")."""
MAX_GENERAL_LICENCES = 1_000
"""… and at most this many general-licence holders (the bundled one a handful): each supplier is compared with
each."""
DATE_AHEAD_DAYS = 366
"""A list given as a file may be dated at most this long after today: a list is dated when it is published, and a
list dated 9999-12-31 would look newer than every real update after it."""


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


WATCH_IN_FORCE = "watch (in force, nothing binds yet)"
"""How a watch-effect rule in force is shown (`ControlRule.status_words`)."""


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A day on which one or more rules change status: (rule, status the day before, status that day)."""

    day: dt.date
    changes: tuple[tuple[ControlRule, RuleStatus, RuleStatus], ...]

    def describe(self) -> str:
        """ "2027-01-01 — US-DFARS-7052-UPSTREAM: announced → in force" (the first two rules, then a count)."""
        shown = [f"{rule.id}: {before.value} → {now.value}" for rule, before, now in self.changes[:2]]
        more = len(self.changes) - len(shown)
        return f"{self.day.isoformat()} — " + "; ".join(shown) + (f" and {more} more" if more else "")


@dataclass(frozen=True, slots=True)
class KeyDate:
    """A dated event of the control list worth marking on a timeline."""

    day: dt.date
    label: str
    rule_id: str


@dataclass(frozen=True, slots=True)
class Suspension:
    start: dt.date
    until: dt.date
    """Last day of the suspension (inclusive)."""
    by: str

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.until


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """A tariff's rate from a date on (until the next period starts), with where it comes from."""

    start: dt.date
    rate_pct: float
    confidence: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class RuleState:
    status: RuleStatus
    reason: str
    """Why, in one sentence with dates: "suspended 2025-11-07 to 2026-11-10 by … No. 70"."""
    effective: bool
    """Whether the rule hits paths on that date (in force, or treated as in force by the project setting)."""
    binds_on: dt.date | None = None
    """For a rule that is announced or suspended: the first day it is due to bind (None when nothing is due)."""
    binds_as: RuleStatus | None = None
    """What the rule is expected to become on `binds_on`: in force, or status unknown after a suspension."""

    def days_until_binding(self, day: dt.date) -> int | None:
        return None if self.binds_on is None else (self.binds_on - day).days


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
    contains: Mapping[str, frozenset[str]] = field(default_factory=dict, hash=False)
    """Family value (or "*" for any family) → elements: the rule concerns a magnet of that family only when it
    contains one of them (No. 18 lists Dy- and Tb-containing NdFeB and SmCo magnets). Empty: no such condition."""
    exported: bool = False
    """The rule concerns a magnet only when it is exported from where it is made, i.e. its magnet-stage country
    is not the buyer's import country (No. 61 governs exports from the foreign country)."""
    applies_to: str = BUYERS_ALL
    """Which buyers' parts: "all", or "us_defence_supply" (parts delivered into US defence contracts; DFARS)."""
    general_licence: bool = False
    """A supplier's Chinese general licence relieves this rule (magnet exports by licence holders)."""
    unknown_after: dt.date | None = None
    """After this day the rule's status is unknown (an arrangement that kept it in place ended)."""
    value_share_min_pct: float | None = None
    """The rule concerns a magnet only when its Chinese-origin controlled content (the elements of `contains`) is
    at least this % of the magnet's value (No. 61 item (1): 0.1 %; riskdesk.core.value_share)."""
    rate_periods: tuple[RatePeriod, ...] = ()
    """A tariff whose rate changed: each rate from its date on, in date order (`rate_pct` is the rate before the
    first period, and the one shown without a date)."""

    def rate_on(self, day: dt.date | None) -> float | None:
        """The tariff's rate on `day`: the latest period begun by then, `rate_pct` before the first; with no
        date, the latest period's (the rate today)."""
        if day is None:
            return self.rate_periods[-1].rate_pct if self.rate_periods else self.rate_pct
        rate = self.rate_pct
        for period in self.rate_periods:
            if period.start <= day:
                rate = period.rate_pct
        return rate

    def effect_label_on(self, day: dt.date | None) -> str:
        """"tariff 20 %" with the rate in force on `day` (the other effects as `effect_label`)."""
        rate = self.rate_on(day)
        if self.effect is Effect.TARIFF and rate is not None:
            return f"tariff {rate:g} %"
        return self.effect_label

    @property
    def whole_magnet(self) -> bool:
        return ALL in self.elements

    @property
    def source_text(self) -> str:
        return "; ".join(str(s) for s in self.sources)

    @property
    def effect_label(self) -> str:
        if self.effect is Effect.TARIFF and self.rate_pct is not None:
            return f"tariff {self.rate_on(None):g} %"
        if self.effect is Effect.BENCHMARK and self.threshold_pct is not None:
            return f"benchmark ≤ {self.threshold_pct:g} %"
        return self.effect.label

    def state_on(self, day: dt.date, suspended_in_force: bool = False) -> RuleState:
        """The rule's status on `day`; `suspended_in_force` treats suspended or unclear rules as binding, but
        never before the rule's own effective date."""
        if day < self.announced:
            return RuleState(RuleStatus.NOT_ANNOUNCED, f"announced only on {self.announced}", False)
        if self.effective_until is not None and day > self.effective_until:
            return RuleState(RuleStatus.EXPIRED, f"ended on {self.effective_until}", False)
        due = day >= self.effective_from
        for suspension in self.suspensions:
            if suspension.covers(day):
                reason = f"suspended {suspension.start} to {suspension.until} by {suspension.by}"
                if self.effective_from > suspension.start:
                    reason += f"; was to take effect on {self.effective_from}"
                after = {"in_force": RuleStatus.IN_FORCE, "unknown": RuleStatus.UNKNOWN}.get(self.after_suspension)
                resumes = max(suspension.until + dt.timedelta(days=1), self.effective_from)
                return RuleState(RuleStatus.SUSPENDED, reason, suspended_in_force and due,
                                 resumes if after else None, after)
        if not due:
            return RuleState(RuleStatus.ANNOUNCED,
                             f"announced {self.announced}, in force from {self.effective_from} "
                             f"(in {_days(self.effective_from, day)})",
                             False, self.effective_from, RuleStatus.IN_FORCE)
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
        if self.unknown_after is not None and day > self.unknown_after:
            return RuleState(RuleStatus.UNKNOWN,
                             f"in force until {self.unknown_after}; what followed is not known", suspended_in_force)
        since = max([self.effective_from, *[s.until + dt.timedelta(days=1) for s in ended]])
        return RuleState(RuleStatus.IN_FORCE, f"in force since {since}", True)

    def status_words(self, state: RuleState) -> str:
        """The status as the buyer reads it: "in force", "suspended" …; a rule of effect "watch" in force reads
        "watch (in force, nothing binds yet)", because the measure exists but sets no duty, licence or ban (e.g.
        Section 232 on magnets: a proclamation with no tariff)."""
        if self.effect is Effect.WATCH and state.status is RuleStatus.IN_FORCE:
            return WATCH_IN_FORCE
        return state.status.value

    def change_days(self) -> list[dt.date]:
        """The days on which the rule's status may change: announcement, effect, each suspension's start and the
        day after its end, the day after its status becomes unknown or it ends."""
        one = dt.timedelta(days=1)
        days = {self.announced, self.effective_from}
        for suspension in self.suspensions:
            days |= {suspension.start, suspension.until + one}
        for last in (self.unknown_after, self.effective_until):
            if last is not None:
                days.add(last + one)
        return sorted(days)

    def to_json(self, day: dt.date | None = None, suspended_in_force: bool = False) -> dict[str, object]:
        """The rule as plain data (for `riskdesk rules --json`), with its status on `day` when one is given."""
        data: dict[str, object] = {
            "id": self.id,
            "regime": self.regime,
            "instrument": self.instrument,
            "title": self.title,
            "effect": self.effect.value,
            "effect_label": self.effect_label,
            "elements": sorted(self.elements),
            "stages": [s.value for s in RULE_STAGES if s in self.stages],
            "countries": sorted(self.countries),
        }
        if day is not None:
            state = self.state_on(day, suspended_in_force)
            data["effect_label"] = self.effect_label_on(day)
            data["status"] = state.status.value
            data["status_reason"] = state.reason
        if self.rate_periods:
            data["rate_periods"] = [{"from": p.start.isoformat(), "rate_pct": p.rate_pct,
                                     "confidence": p.confidence, "source": p.source} for p in self.rate_periods]
        data.update({
            "announced": self.announced.isoformat(),
            "effective_from": self.effective_from.isoformat(),
            "effective_until": self.effective_until.isoformat() if self.effective_until else None,
            "suspensions": [{"from": s.start.isoformat(), "until": s.until.isoformat(), "by": s.by}
                            for s in self.suspensions],
            "applies_to": self.applies_to,
            "confidence": self.confidence,
            "sources": [{"title": s.title, "url": s.url} for s in self.sources],
            "note": self.note,
        })
        return data

    def concerns_element(self, symbol: str) -> bool:
        return self.whole_magnet or symbol in self.elements


@dataclass(frozen=True)
class GeneralLicence:
    """A Chinese magnet maker reported to hold a general (year-long, customer-specific) export licence."""

    id: str
    holder: str
    aliases: tuple[str, ...]
    scope: str
    reported: dt.date
    confidence: str
    sources: tuple[Source, ...]
    note: str = ""

    @property
    def source_text(self) -> str:
        return "; ".join(str(s) for s in self.sources)

    def describe(self) -> str:
        return (f"{self.holder} was reported on {self.reported} to hold a Chinese general export licence "
                f"({self.scope}; confidence {self.confidence})")


@dataclass(frozen=True)
class ControlList:
    title: str
    version: str
    date: dt.date
    rules: tuple[ControlRule, ...]
    path: str = ""
    general_licences: tuple[GeneralLicence, ...] = ()
    sha256: str = ""
    """SHA-256 of the file's bytes: which list exactly a project was scored with (JSON output, project files)."""

    @property
    def version_key(self) -> tuple[dt.date, tuple[int, ...]]:
        """What orders lists from older to newer: the list's date, then its version's numbers."""
        numbers = tuple(int(part) for part in re.findall(r"\d+", self.version)[:6])
        return self.date, numbers

    def is_newer_than(self, other: ControlList) -> bool:
        return self.version_key > other.version_key

    def update_refusal(self, newer: ControlList, name: str) -> str | None:
        """Why `newer` (read from the file `name`) is not an update of this list, or None when it is: what
        `rules --diff` and the Rules tab's "Use a Newer List…" both say."""
        if newer.is_newer_than(self):
            return None
        return (f"{name} is version {newer.version} of {newer.date}, not newer than the list in use ({self.version} "
                f"of {self.date}): it is not an update")

    @property
    def general_licences_from(self) -> dt.date | None:
        """The day general licences were first reported (the earliest holder's `reported`; FACTS §1.3: 2025-12-02):
        a supplier's general licence relieves nothing before it. None when the list names no holder."""
        return min((holder.reported for holder in self.general_licences), default=None)

    def licence_holder(self, supplier_name: str) -> GeneralLicence | None:
        """The bundled general-licence holder a supplier's name refers to ("JL MAG Rare-Earth Co., Ltd."), if any."""
        key = _fold_name(supplier_name)
        if not key:
            return None
        for holder in self.general_licences:
            if any(alias_key and alias_key in key for alias_key in map(_fold_name, (holder.holder, *holder.aliases))):
                return holder
        return None

    def by_id(self, rule_id: str) -> ControlRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def status_changes(self, after: dt.date, limit: int = 4) -> list[StatusChange]:
        """The next `limit` days after `after` on which a rule that concerns magnets changes status (a rule taking
        effect, a suspension ending, a status becoming unknown), with what changes: the dates worth comparing
        with, computed from the rules rather than fixed."""
        one = dt.timedelta(days=1)
        by_day: dict[dt.date, list[tuple[ControlRule, RuleStatus, RuleStatus]]] = {}
        for rule in self.rules:
            if rule.effect is Effect.INFO:
                continue
            for day in rule.change_days():
                if day <= after:
                    continue
                before, now = rule.state_on(day - one).status, rule.state_on(day).status
                if before is not now:
                    by_day.setdefault(day, []).append((rule, before, now))
        return [StatusChange(day, tuple(changes)) for day, changes in sorted(by_day.items())[:limit]]

    def key_dates(self) -> list[KeyDate]:
        """The dates a buyer of magnets marks on a price chart, read from the rules themselves: China's licensing
        (No. 18), the October 2025 measures announced and suspended, the end of that suspension, and the day
        DFARS widens to mined, refined and separated material. Dates whose rule the list lacks are left out."""
        found: list[KeyDate] = []

        def add(rule_id: str, label: str, pick: Callable[[ControlRule], dt.date | None]) -> None:
            try:
                day = pick(self.by_id(rule_id))
            except KeyError:
                return
            if day is not None:
                found.append(KeyDate(day, label, rule_id))

        add("CN-MOFCOM-2025-18", "China licensing (No. 18)", lambda r: r.effective_from)
        add("CN-MOFCOM-2025-61-1", "October measures announced", lambda r: r.announced)
        add("CN-MOFCOM-2025-61-1", "suspended (No. 70)", lambda r: r.suspensions[0].start if r.suspensions else None)
        add("CN-MOFCOM-2025-61-1", "suspension ends", lambda r: r.suspensions[0].until if r.suspensions else None)
        add("US-DFARS-7052-UPSTREAM", "DFARS widens", lambda r: r.effective_from)
        return sorted(found, key=lambda k: k.day)

    def diff(self, newer: ControlList) -> ControlListDiff:
        """What changes from this list to `newer`: rules added, removed and changed (by field)."""
        old = {r.id: r for r in self.rules}
        new = {r.id: r for r in newer.rules}
        values: dict[str, dict[str, tuple[object, object]]] = {}
        for rule_id in old.keys() & new.keys():
            pairs = {name: (getattr(old[rule_id], name), getattr(new[rule_id], name))
                     for name in ControlRule.__dataclass_fields__}
            differ = {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}
            if differ:
                values[rule_id] = differ
        return ControlListDiff(
            self.version,
            newer.version,
            added=sorted(new.keys() - old.keys()),
            removed=sorted(old.keys() - new.keys()),
            values=dict(sorted(values.items())),
        )


@dataclass(frozen=True)
class ControlListDiff:
    old_version: str
    new_version: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    values: dict[str, dict[str, tuple[object, object]]] = field(default_factory=dict)
    """Rule id → each field that differs → (its value in the older list, in the newer one)."""

    @property
    def changed(self) -> dict[str, list[str]]:
        """Rule id → the names of its fields that differ."""
        return {rule_id: list(fields) for rule_id, fields in self.values.items()}

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.values)

    def lines(self) -> list[str]:
        """What changes, a line a rule: "~ US-301-MAGNETS: rate_pct 25 → 50", old and new values where they are
        short enough to read on the line ("sources changed" otherwise)."""
        result = [f"control list {self.old_version} → {self.new_version}"]
        result += [f"+ {rule_id} (new rule)" for rule_id in self.added]
        result += [f"- {rule_id} (removed)" for rule_id in self.removed]
        for rule_id, fields in self.values.items():
            result.append(f"~ {rule_id}: {'; '.join(_change_text(name, *pair) for name, pair in fields.items())}")
        if self.empty:
            result.append("no differences")
        return result


_SHOWN_VALUE_CHARS = 40
"""A changed field's old and new values are shown when each reads in this many characters or fewer."""


def _value_text(value: object) -> str:
    if value is None or value == ():
        return "none"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | frozenset):
        return ", ".join(sorted(_value_text(v) for v in value))
    return str(value)


def _change_text(name: str, before: object, after: object) -> str:
    old, new = _value_text(before), _value_text(after)
    if len(old) > _SHOWN_VALUE_CHARS or len(new) > _SHOWN_VALUE_CHARS or old == new:
        return f"{name} changed"
    return f"{name} {old} → {new}"


_STAGE_VALUES = [s.value for s in RULE_STAGES]
_FIELDS = frozenset({
    "id", "regime", "instrument", "title", "effect", "elements", "stages", "countries", "announced",
    "effective_from", "confidence", "sources", "families", "item_forms", "not_countries", "made_outside",
    "end_uses", "import_countries", "not_import_countries", "effective_until", "suspensions", "after_suspension",
    "rate_pct", "threshold_pct", "note", "contains", "exported", "applies_to", "general_licence", "unknown_after",
    "value_share_min_pct",
    "rate_periods",
})
_RATE_PERIOD_FIELDS = frozenset({"from", "rate_pct", "confidence", "source"})


_HEADER_FIELDS = frozenset({"title", "version", "date", "rule", "general_licence"})
_SUSPENSION_FIELDS = frozenset({"from", "until", "by"})
_LICENCE_FIELDS = frozenset({"id", "holder", "aliases", "scope", "reported", "confidence", "sources", "note"})


def _days(later: dt.date, day: dt.date) -> str:
    n = (later - day).days
    return "1 day" if n == 1 else f"{n} days"


def _contains(entry: Entry) -> Mapping[str, frozenset[str]]:
    """`contains = ["Dy", "Tb"]` (any family) or `contains = { "NdFeB-sintered" = ["Dy", "Tb"], … }`."""
    value = entry.data.get("contains")
    if value is None:
        return MappingProxyType({})
    if isinstance(value, list):
        return MappingProxyType({ALL: frozenset(entry.str_list("contains", allowed=elements.SYMBOLS))})
    if not isinstance(value, Mapping):
        raise entry.fail("contains", "expected a list of elements or a table of family = [elements]")
    families = [f.value for f in MagnetFamily]
    table = Entry(entry.file, f"{entry.label}.contains", value)
    result = {}
    for family in value:
        if family not in families and family != ALL:
            raise entry.fail("contains", f"{family!r} is not a magnet family")
        result[family] = frozenset(table.str_list(family, allowed=elements.SYMBOLS))
    return MappingProxyType(result)


def _country_set(entry: Entry, name: str) -> frozenset[str]:
    values = entry.str_list(name, default=())
    for value in values:
        if value != ALL and not value.startswith(GROUP_PREFIX) and not (len(value) == 2 and value.isupper()):
            raise entry.fail(name, f"{value!r} is not an ISO alpha-2 code, '*' or 'group:NAME'")
    return frozenset(values)


def _parse_rule(entry: Entry) -> ControlRule:
    unknown = sorted(set(entry.data) - _FIELDS)
    if unknown:
        raise entry.fail(unknown[0], f"unknown field(s) {', '.join(unknown)} (misspelt?)")
    effect = Effect(entry.choice("effect", [e.value for e in Effect]))
    element_list = entry.str_list("elements", allowed=[ALL, *elements.SYMBOLS])
    suspension_entries = entry.tables("suspensions")
    for suspension_entry in suspension_entries:
        check_keys(entry.file, suspension_entry.data, _SUSPENSION_FIELDS, suspension_entry.label)
    suspensions = tuple(Suspension(s.date("from"), s.date("until"), s.str("by")) for s in suspension_entries)
    period_entries = entry.tables("rate_periods")
    for period_entry in period_entries:
        check_keys(entry.file, period_entry.data, _RATE_PERIOD_FIELDS, period_entry.label)
    rate_periods = tuple(RatePeriod(p.date("from"), p.number("rate_pct", low=0.0, high=1000.0),
                                    p.confidence() if "confidence" in p.data else "", p.str("source", ""))
                         for p in period_entries)
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
        contains=_contains(entry),
        exported=entry.boolean("exported", False),
        applies_to=entry.choice("applies_to", [BUYERS_ALL, BUYERS_US_DEFENCE], BUYERS_ALL),
        general_licence=entry.boolean("general_licence", False),
        unknown_after=entry.optional_date("unknown_after"),
        value_share_min_pct=entry.optional_number("value_share_min_pct"),
        rate_periods=rate_periods,
    )
    if rule.announced > rule.effective_from:
        raise entry.fail("announced", "must not be later than effective_from")
    if rule.effective_until is not None and rule.effective_until < rule.effective_from:
        raise entry.fail("effective_until", "must not be earlier than effective_from")
    for i, suspension in enumerate(rule.suspensions, start=1):
        if suspension.until < suspension.start:
            raise entry.fail(f"suspensions[{i}]", "'until' must not be earlier than 'from'")
    if rule.rate_pct is not None and not 0 <= rule.rate_pct <= 1000:
        raise entry.fail("rate_pct", f"{rule.rate_pct} is not a tariff rate in % (0 … 1000)")
    if rule.threshold_pct is not None and not 0 <= rule.threshold_pct <= 100:
        raise entry.fail("threshold_pct", f"{rule.threshold_pct} is not a share in % (0 … 100)")
    if rule.value_share_min_pct is not None and not 0 <= rule.value_share_min_pct <= 100:
        raise entry.fail("value_share_min_pct", f"{rule.value_share_min_pct} is not a share in % (0 … 100)")
    for previous, period in zip(rule.rate_periods, rule.rate_periods[1:], strict=False):
        if period.start <= previous.start:
            raise entry.fail("rate_periods", f"{period.start} is not after {previous.start}: list the periods in date "
                                             "order")
    if effect is Effect.TARIFF and rule.rate_pct is None:
        raise entry.fail("rate_pct", "a tariff needs its rate")
    if effect is Effect.BENCHMARK and rule.threshold_pct is None:
        raise entry.fail("threshold_pct", "a benchmark needs its threshold")
    if effect is not Effect.INFO and not (rule.stages and rule.countries):
        raise entry.fail("stages", "a rule that can hit needs stages and countries")
    return rule


def _fold_name(text: str) -> str:
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


def _parse_licence(entry: Entry) -> GeneralLicence:
    check_keys(entry.file, entry.data, _LICENCE_FIELDS, entry.label)
    return GeneralLicence(
        id=entry.str("id"),
        holder=entry.str("holder"),
        aliases=entry.str_list("aliases", default=()),
        scope=entry.str("scope"),
        reported=entry.date("reported"),
        confidence=entry.confidence(),
        sources=entry.sources(),
        note=entry.str("note", ""),
    )


def load_control_list(path: Path | None = None) -> ControlList:
    """Load and check a control list file (the bundled one by default). Raises DataFileError if it is broken."""
    bundled = path is None
    path = path or resource_path("rules", "control_list.toml")
    data, digest = read_toml(path)
    check_keys(path, data, _HEADER_FIELDS, "header")
    header = Entry(path, "header", data)
    for key, most in (("rule", MAX_RULES), ("general_licence", MAX_GENERAL_LICENCES)):
        items = data.get(key)
        if isinstance(items, list) and len(items) > most:
            raise DataFileError(path, f"{len(items):,} [[{key}]] tables: a control list holds at most {most:,} "
                                      "(is it a real list?)")
    date = header.date("date")
    latest = dt.date.today() + dt.timedelta(days=DATE_AHEAD_DAYS)
    if not bundled and date > latest:
        raise DataFileError(path, f"the list is dated {date}, more than a year after today: a list is dated when it is "
                                  f"published, so its date is at most {latest}; correct it", "header", "date")
    rules = tuple(_parse_rule(e) for e in entries(path, data, "rule"))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise DataFileError(path, "rule id appears twice", rule.id, "id")
        seen.add(rule.id)
    licences = tuple(_parse_licence(e) for e in entries(path, data, "general_licence")) \
        if "general_licence" in data else ()
    return ControlList(header.str("title"), header.str("version"), date, rules, str(path), licences, digest)


@functools.cache
def default_control_list() -> ControlList:
    """The bundled control list, loaded once (`default_control_list.cache_clear()` forgets it)."""
    return load_control_list()


def expand_countries(codes: Iterable[str], groups: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """Codes with every "group:NAME" replaced by its members ("*" kept as is)."""
    result: set[str] = set()
    for code in codes:
        if code.startswith(GROUP_PREFIX):
            result |= groups.get(code.removeprefix(GROUP_PREFIX), frozenset())
        else:
            result.add(code)
    return frozenset(result)
