"""Every rule finding of an evaluation at once, and the key findings in plain words.

`findings(evaluation)` lists the same items as `Evaluation.part_report_at` does part by part (hits, watch items,
possible hits: one per rule, supply path, stage and element, or per stage for a rule on the whole magnet), but for
all parts in a few numpy passes, as columns: a report of 100,000 supply paths has most of a million of them, and
building a `Hit` object with its sentence for each would take minutes. `key_findings` says what matters most in a
few sentences ("3 parts become prohibited on 2027-01-01"), for the report's summary and, later, the window.

Qt-free; numbers and words come from the evaluation, `riskdesk.core.labels` and `riskdesk.core.exposure`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from riskdesk.core import elements
from riskdesk.core.compiled import UNKNOWN
from riskdesk.core.domain import Effect
from riskdesk.core.evaluation import (
    BAND_AMBER,
    BAND_RED,
    Evaluation,
    PartChange,
    band,
    bands,
    compare,
    in_date_order,
)
from riskdesk.core.exposure import unknown_origin_share
from riskdesk.core.labels import count, format_kg, format_money
from riskdesk.core.rule_match import ASSEMBLY, GENERAL_LICENCE_RELIEF, N_RULE_STAGES, PROHIBITED_FLOOR, WATCH_WEIGHT
from riskdesk.core.rules import RuleStatus
from riskdesk.core.triage import POSSIBLY_PROHIBITED, PROHIBITED

KINDS: tuple[str, ...] = ("hit", "watch", "possible")
"""Kinds of finding, in the order a part's report lists them (`riskdesk.core.labels.KIND_LABELS` words them)."""
HIT, WATCH, POSSIBLE = range(3)
WHOLE_MAGNET = -1
"""The element of a finding about a rule on the whole magnet."""


@dataclass(frozen=True)
class Findings:
    """The rule findings of one evaluation as columns, one entry per item, ordered as the parts' reports list them
    (part by part in the project's order; within a part hits, then watch items, then possible hits)."""

    evaluation: Evaluation
    part: np.ndarray
    """Position of the part in the evaluation."""
    path: np.ndarray
    """Row of the supply path in the compiled project (unassigned volume included)."""
    kind: np.ndarray
    """HIT, WATCH or POSSIBLE."""
    match: np.ndarray
    """Index into `evaluation.matches` (the rule and its status on the date)."""
    stage: np.ndarray
    """Position in `riskdesk.core.rules.RULE_STAGES`."""
    element: np.ndarray
    """Index into `riskdesk.core.elements.SYMBOLS`, or WHOLE_MAGNET."""
    country: np.ndarray
    """Index into the compiled project's countries, or UNKNOWN (-1) for a possible hit."""
    kg: np.ndarray
    """kg per year the item concerns (the path's element, or the whole magnet's content)."""
    value: np.ndarray
    """Value per year at reference prices of the same."""
    weight: np.ndarray
    """How much of that value counts towards the restriction factor on the date (as `Hit.weight`)."""

    def __len__(self) -> int:
        return len(self.part)

    def counts(self) -> np.ndarray:
        """(parts × kinds) how many hits, watch items and possible hits each part has."""
        n_parts = self.evaluation.compiled.n_parts
        flat = np.bincount(self.part * len(KINDS) + self.kind, minlength=n_parts * len(KINDS))
        return flat.reshape(n_parts, len(KINDS))

    def rule_ids(self) -> list[str]:
        """The rule id of every item."""
        ids = np.array([m.rule.id for m in self.evaluation.matches] or [""], dtype=object)
        return list(ids[self.match]) if len(self) else []

    def country_codes(self) -> list[str]:
        """The ISO code of every item's country ("" where unknown)."""
        vocabulary = np.append(self.evaluation.compiled.countries.astype(object), "")
        return list(vocabulary[np.where(self.country == UNKNOWN, len(vocabulary) - 1, self.country)])

    def element_symbols(self) -> list[str | None]:
        """The element symbol of every item (None for the whole magnet)."""
        symbols = np.array([*elements.SYMBOLS, None], dtype=object)
        return list(symbols[np.where(self.element == WHOLE_MAGNET, len(symbols) - 1, self.element)])

    def supplier_ids(self) -> list[str]:
        """The supplier id of every item's path ("" for volume no supply path covers)."""
        return list(self.evaluation.compiled.path_supplier.astype(object)[self.path])

    def reordered(self, order: np.ndarray) -> Findings:
        """The same items in another order (e.g. grouped by part in order of score)."""
        return Findings(self.evaluation, self.part[order], self.path[order], self.kind[order], self.match[order],
                        self.stage[order], self.element[order], self.country[order], self.kg[order],
                        self.value[order], self.weight[order])

    def by_parts(self, part_order: Sequence[int] | np.ndarray) -> Findings:
        """Grouped by part in `part_order` (positions), each part's items in their report order."""
        rank = np.empty(self.evaluation.compiled.n_parts, dtype=np.int64)
        rank[np.asarray(part_order, dtype=np.int64)] = np.arange(len(part_order))
        return self.reordered(np.argsort(rank[self.part], kind="stable"))


def findings(evaluation: Evaluation) -> Findings:
    """Every hit, watch item and possible hit of every part (see the module docstring); the same items as
    `evaluation.part_report_at(i).hits / .watch / .possible`, with the same kg, value and weight."""
    compiled = evaluation.compiled
    columns = evaluation.columns
    kg_c, value_c = evaluation.kg_c, evaluation.value_c
    path_kg, path_value = kg_c.sum(axis=1), value_c.sum(axis=1)
    held = kg_c > 0
    pieces: list[tuple[np.ndarray, ...]] = []
    for m, match in enumerate(evaluation.matches):
        confirmed = match.hit_bits
        bits = confirmed | np.where(confirmed == 0, match.unknown_bits, 0).astype(np.uint8)
        concerned = match.element_mask[columns]
        rows = np.flatnonzero((bits != 0) & (held[:, concerned].any(axis=1)))
        if not len(rows):
            continue
        stage_set = ((bits[rows, None] >> np.arange(N_RULE_STAGES, dtype=np.uint8)) & 1).astype(bool)
        unknown = confirmed[rows] == 0
        if match.rule.whole_magnet:
            r, s = np.nonzero(stage_set)
            element = np.full(len(r), WHOLE_MAGNET, dtype=np.int64)
            kg, value = path_kg[rows[r]], path_value[rows[r]]
        else:
            cells = stage_set[:, :, None] & (held[rows] & concerned)[:, None, :]
            if match.benchmark is not None:
                flags = np.where(unknown[:, None, None], match.benchmark.possible[rows],
                                 match.benchmark.flagged[rows])
                cells[:, : flags.shape[2], :] &= flags.transpose(0, 2, 1)
                cells[:, flags.shape[2]:, :] = False
            r, s, j = np.nonzero(cells)
            element = columns[j].astype(np.int64)
            kg, value = kg_c[rows[r], j], value_c[rows[r], j]
        path = rows[r]
        part = compiled.path_part[path]
        weight = match.timing.weight[part].astype(float)
        if match.relieved:
            weight = np.where(compiled.general_licence[path], weight * GENERAL_LICENCE_RELIEF, weight)
        is_unknown = unknown[r]
        kind = np.where(is_unknown, POSSIBLE, HIT if match.timing.binding else WATCH)
        country = np.where(s == ASSEMBLY, compiled.assembly[path], compiled.country[path, np.minimum(s, 3)])
        country = np.where(is_unknown, UNKNOWN, country)
        pieces.append((part, path, kind, np.full(len(path), m), s, element, country, kg, value, weight))
    if not pieces:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0)
        return Findings(evaluation, empty_i, empty_i, empty_i, empty_i, empty_i, empty_i, empty_i, empty_f,
                        empty_f, empty_f)
    part, path, kind, match_i, stage, element, country, kg, value, weight = (np.concatenate(c) for c in zip(
        *pieces, strict=True))
    order = np.lexsort((element, stage, path, match_i, kind, part))
    result = Findings(evaluation, part.astype(np.int64), path.astype(np.int64), kind.astype(np.int64),
                      match_i.astype(np.int64), stage.astype(np.int64), element, country.astype(np.int64),
                      kg.astype(float), value.astype(float), weight)
    return result.reordered(order)


# ---------------------------------------------------------------------------------------------------------------
# Key findings


@dataclass(frozen=True, slots=True)
class KeyFinding:
    """One thing the buyer should know, in one sentence, with how serious it is and the parts it names."""

    text: str
    level: str
    """"red", "amber" or "info" (the band colour it is shown with)."""
    parts: tuple[str, ...] = ()
    when: dt.date | None = None
    """The day a rule will reach the parts, for what changes next (None for what holds on the date)."""
    topic: str = ""
    """What it is about, one of KEY_TOPICS (so that a page that states it otherwise can leave it out)."""


KEY_TOPICS = ("status", "coming", "unknown status", "watch status", "bands", "elements", "unknown origin",
              "benchmark", "compare")
"""The topics of key findings: prohibited parts; prohibitions and other rules due to bind; rules of unknown status;
watch items of unknown status; the bands; the rare earths bought most; unknown origins; the EU benchmark; the two
dates compared."""


_MAX_NAMED = 5


def _named(parts: Sequence[str]) -> str:
    listed = ", ".join(parts[:_MAX_NAMED])
    return listed + (f" and {len(parts) - _MAX_NAMED:,} more" if len(parts) > _MAX_NAMED else "")


def _parts_met(evaluation: Evaluation, match_index: int) -> np.ndarray:
    """Per part: the rule meets one of its paths (known or possibly) that holds anything (as the floors count)."""
    compiled = evaluation.compiled
    match = evaluation.matches[match_index]
    met = match.met & (evaluation.kg_c.sum(axis=1) > 0)
    return np.bincount(compiled.path_part, weights=met, minlength=compiled.n_parts) > 0


def key_findings(evaluation: Evaluation, later: Evaluation | None = None,
                 changes: Sequence[PartChange] | None = None) -> list[KeyFinding]:
    """What matters most on the evaluation's date, in plain words, most serious first: parts prohibited now, parts
    a prohibition will reach and when, rules of unknown status, the bands, unknown origins, the largest exposure,
    the EU benchmark; with `later` (and `changes`, from `compare` in date order), what changes from the earlier of
    the two dates to the later."""
    compiled = evaluation.compiled
    numbers = [str(p) for p in compiled.part_numbers]
    result: list[KeyFinding] = []
    if not compiled.n_parts:
        return [KeyFinding("The project has no parts yet.", "info")]
    day = evaluation.as_of.isoformat()

    statuses = evaluation.statuses()
    for status, words in ((PROHIBITED, "prohibited"),
                          (POSSIBLY_PROHIBITED, "possibly prohibited (a stage of unknown country may be one the "
                                                "rule names)")):
        held = statuses == status
        if not held.any():
            continue
        named = [numbers[i] for i in np.flatnonzero(held)]
        floors = sorted({m.rule.id for i, m in enumerate(evaluation.matches)
                         if m.timing.floor >= PROHIBITED_FLOOR and _parts_met(evaluation, i)[held].any()})
        result.append(KeyFinding(
            f"{count(len(named), 'part is', 'parts are')} {words} on {day} ({', '.join(floors)}): "
            f"{_named(named)}.", "red", tuple(named), topic="status"))

    # Prohibitions and other rules due to bind later, by date: the parts they will reach that nothing reaches yet.
    coming: dict[tuple[str, str], list[tuple[str, np.ndarray]]] = {}
    for i, match in enumerate(evaluation.matches):
        state = match.state
        if match.timing.binding or state.binds_on is None or state.binds_as is not RuleStatus.IN_FORCE:
            continue
        if match.rule.effect not in (Effect.PROHIBITED, Effect.LICENCE, Effect.TARIFF):
            continue
        parts = _parts_met(evaluation, i)
        if match.rule.effect is Effect.PROHIBITED:
            parts &= ~evaluation.capped
        if parts.any():
            coming.setdefault((state.binds_on.isoformat(), match.rule.effect.value), []).append(
                (match.rule.id, parts))
    severity = {Effect.PROHIBITED.value: 0, Effect.LICENCE.value: 1, Effect.TARIFF.value: 2}
    for (when, effect), items in sorted(coming.items(), key=lambda item: (severity[item[0][1]], item[0][0])):
        reached = np.logical_or.reduce([parts for _, parts in items])
        names = [numbers[i] for i in np.flatnonzero(reached)]
        rules = ", ".join(sorted(rule_id for rule_id, _ in items))
        verb = {"prohibited": "become{s} prohibited", "licence": "come{s} under a licence requirement",
                "tariff": "come{s} under a tariff"}[effect].format(s="s" if len(names) == 1 else "")
        result.append(KeyFinding(
            f"{count(len(names), 'part')} {verb} on {when} ({rules}): {_named(names)}.",
            "red" if effect == "prohibited" else "amber", tuple(names), dt.date.fromisoformat(when), "coming"))

    unknown_status = [(i, m) for i, m in enumerate(evaluation.matches) if m.state.status is RuleStatus.UNKNOWN
                      and not m.timing.binding]
    # Rules of effect "watch" weigh as watch items whatever their status: they are not said to count half.
    weighed = [(i, m) for i, m in unknown_status if m.rule.effect is not Effect.WATCH]
    watched = [(i, m) for i, m in unknown_status if m.rule.effect is Effect.WATCH]
    if weighed:
        reached = np.logical_or.reduce([_parts_met(evaluation, i) for i, _ in weighed])
        if reached.any():
            names = [numbers[i] for i in np.flatnonzero(reached)]
            rules = ", ".join(sorted({m.rule.id for _, m in weighed}))
            result.append(KeyFinding(
                f"{count(len(names), 'part is', 'parts are')} reached by rules whose status on {day} is not known "
                f"({rules}); they count half their weight, as they may be in force: {_named(names)}.",
                "amber", tuple(names), topic="unknown status"))
    if watched:
        reached = np.logical_or.reduce([_parts_met(evaluation, i) for i, _ in watched])
        if reached.any():
            names = [numbers[i] for i in np.flatnonzero(reached)]
            rules = ", ".join(sorted({m.rule.id for _, m in watched}))
            result.append(KeyFinding(
                f"{count(len(names), 'part is', 'parts are')} reached by watch items whose status on {day} is not "
                f"known ({rules}); they count only as watch items ({WATCH_WEIGHT:g} of the value they reach): "
                f"{_named(names)}.", "info", tuple(names), topic="watch status"))

    named_bands = bands(evaluation.scores)
    red, amber, green = (int((named_bands == b).sum()) for b in ("red", "amber", "green"))
    result.append(KeyFinding(
        f"Of {count(compiled.n_parts, 'part')}, {red:,} {'is' if red == 1 else 'are'} red (score "
        f"{BAND_RED:g} or more), {amber:,} amber ({BAND_AMBER:g} to {BAND_RED:g}) and {green:,} green.",
        "red" if red else "amber" if amber else "info", topic="bands"))

    values = sorted(evaluation.elements_value().items(), key=lambda item: -item[1])
    rare = [(s, v) for s, v in values if elements.BY_SYMBOL[s].rare_earth]
    if rare:
        kg = evaluation.elements_kg()
        top = ", ".join(f"{s} {format_money(v)} ({format_kg(kg[s])} kg)" for s, v in rare[:3])
        result.append(KeyFinding(f"The rare earths you buy most by value each year: {top}.", "info",
                                 topic="elements"))

    shares = unknown_origin_share(evaluation)
    worst = max(shares.items(), key=lambda item: item[1], default=None)
    if worst is not None and worst[1] >= 0.005:
        stage, share = worst
        result.append(KeyFinding(
            f"{share:.0%} of your rare-earth kg has no known {stage.label} country: it is scored as the worst "
            "case, so declarations from suppliers would lower the scores.", "amber", topic="unknown origin"))

    over = [row for row in evaluation.concentration if row.over_benchmark]
    if over:
        listed = "; ".join(f"{row.element} {row.stage.label} ({row.top_country} {row.top_share:.0%}"
                           + (f" + {row.unknown_share:.0%} of unknown origin" if row.unknown_share >= 0.005 else "")
                           + ")" for row in over[:4])
        more = f" and {len(over) - 4:,} more" if len(over) > 4 else ""
        result.append(KeyFinding(
            f"One third country supplies more than the EU's 65 % benchmark of your kg (unknown origins counted as "
            f"its) at "
            f"{count(len(over), 'element and stage', 'elements and stages')}: {listed}{more}.", "amber",
            topic="benchmark"))

    if later is not None:
        first, second = in_date_order(evaluation, later)
        before, _ = first.portfolio_score()
        after, _ = second.portfolio_score()
        moved = list(changes) if changes is not None else compare(first, second)
        into_red = [c.part_number for c in moved if band(c.score_after) == "red" != band(c.score_before)]
        text = (f"From {first.as_of.isoformat()} to {second.as_of.isoformat()} the portfolio score goes from "
                f"{before:.0f} to {after:.0f}; {count(len(moved), 'part changes', 'parts change')}")
        text += f", {count(len(into_red), 'part turns', 'parts turn')} red: {_named(into_red)}." if into_red else "."
        result.append(KeyFinding(text, "red" if into_red else "info", tuple(into_red), topic="compare"))
    return result


__all__ = [
    "HIT",
    "KINDS",
    "POSSIBLE",
    "WATCH",
    "WHOLE_MAGNET",
    "Findings",
    "KeyFinding",
    "findings",
    "key_findings",
]
