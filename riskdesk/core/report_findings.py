"""What the report's Findings sheet says: one row per part and rule, summarising that rule's findings on the part.

    findings_summary(data, SheetLimits(rows, links)).rule_ids     # riskiest part first, as the Parts sheet

A finding (`riskdesk.core.findings`) is one rule meeting one supply path at one stage for one element; a part
under one rule often has a dozen (five stages × the elements × its paths), each repeating the rule's effect, status,
dates and source. The summary gives each part and rule once: the kinds of finding (hit, watch, possible), the
rule's effect and status as `score --json` words them, and the elements, stages, countries (ISO codes and names in
their own columns) and suppliers where it meets the part, listed; the kg and value it concerns, each path's element
counted once (not once per stage); the most of that value that counts towards the restriction factor on the date.
The rule itself — its dates, sources and confidence — is said once, on the Method sheet, not on each of its rows
(review report2 §6: a third of the Findings' cells repeated them). The one-row-per-finding list, with each
finding's dates and source, stays available as the "Findings detail" sheet (`riskdesk report --detail`,
`riskdesk.core.report_content.findings_sheet`) and in `riskdesk score --json`.

Computed for all rows at once with numpy (a 100,000-path project has most of a million findings), Qt-free.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskdesk.core import elements
from riskdesk.core.evaluation import finding_effect_label
from riskdesk.core.findings import KINDS, WHOLE_MAGNET, Findings
from riskdesk.core.labels import KIND_LABELS
from riskdesk.core.report_content import (
    UNKNOWN_COUNTRY,
    ReportData,
    SheetLimits,
    country_columns_of,
)
from riskdesk.core.rules import RULE_STAGES

NO_SUPPLIER = "(none)"
"""Listed among the suppliers for volume no supply path covers."""


@dataclass(frozen=True)
class FindingsSummary:
    """The Findings sheet: one row per part and rule, parts riskiest first; each list a column."""

    note: str
    total: int
    """How many part × rule rows there are (the sheet may show fewer)."""
    findings: int
    """How many findings (hits, watch items, possible hits) the rows summarise."""
    part_numbers: list[str]
    rule_ids: list[str]
    kinds: list[str]
    """"Hit", "Watch", "Possible", or two of them ("Hit, Possible"): the kinds of the rule's findings on the part."""
    effects: list[str]
    """What the rule does on the date, as `score --json`'s "effect_label" ("watch: licence required, …")."""
    statuses: list[str]
    elements: list[str]
    """The element symbols in the periodic-table order of `riskdesk.core.elements`, or "whole magnet"."""
    stages: list[str]
    """The stages in supply-chain order."""
    country_codes: list[str]
    """ISO codes in alphabetical order, "unknown" last where a stage's country is not known."""
    country_names: list[str]
    """The same countries by name, in the same order."""
    suppliers: list[str]
    kg: list[float]
    """kg per year the rule concerns: each path's element once (the whole magnet's content for a rule on it)."""
    values: list[float]
    """Value per year at reference prices of the same."""
    weights: list[float]
    """The most of that value that counts towards the restriction factor on the date (0–1)."""
    paths: list[int]
    """How many supply paths the rule meets (unassigned volume counted as one)."""
    items: list[int]
    """How many findings the row summarises (the rows of the Findings detail sheet)."""


def summary_rows(found: Findings) -> int:
    """How many part × rule rows the Findings sheet has for these findings (before any row limit)."""
    return len(np.unique(found.part * max(len(found.evaluation.matches), 1) + found.match))


BLOCK = 65_536
"""Findings summarised in one pass (whole parts at a time): a 100,000-path project's most of a million findings in
blocks, so that the arrays of a pass stay small and the memory they took is reused by the next."""


@dataclass(frozen=True)
class _Vocabulary:
    """What a row's codes become in words: countries by ISO code (unknown last), suppliers by id, rules."""

    parts: np.ndarray
    """The part numbers (objects)."""
    code_rank: np.ndarray
    codes: list[str]
    names: list[str]
    supplier_of_path: np.ndarray
    suppliers: list[str]
    rules: list[tuple[str, str, str]]
    """Per match: id, effect label, status on the date."""


def findings_summary(data: ReportData, limits: SheetLimits) -> FindingsSummary:
    """The Findings sheet: the first `limits.rows` part × rule rows."""
    evaluation = data.evaluation
    compiled = evaluation.compiled
    found = data.findings
    n = len(found)
    total = summary_rows(found)
    shown = min(total, limits.rows)
    as_of = data.request.as_of
    codes = compiled.countries.astype(str)
    code_order = np.argsort(codes, kind="stable")
    code_rank = np.empty(len(codes) + 1, dtype=np.int64)
    code_rank[code_order] = np.arange(len(codes))
    code_rank[len(codes)] = len(codes)
    sorted_codes = [*codes[code_order].tolist(), UNKNOWN_COUNTRY]
    countries = data.reference.countries
    supplier_ids, supplier_of_path = np.unique(compiled.path_supplier.astype(str), return_inverse=True)
    vocabulary = _Vocabulary(
        compiled.part_numbers.astype(object), code_rank, sorted_codes,
        country_columns_of(countries, [*sorted_codes[:-1], ""])[1],
        supplier_of_path.reshape(-1), [s or NO_SUPPLIER for s in supplier_ids.tolist()],
        [(m.rule.id, finding_effect_label(m, as_of), m.rule.status_words(m.state)) for m in evaluation.matches])
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
    # Rows in the order of their first finding: parts riskiest first, within a part hits, watch, possible. The
    # findings are grouped by part, so blocks of whole parts give their rows in that order.
    part_starts = np.flatnonzero(np.r_[True, found.part[1:] != found.part[:-1]]) if n else np.zeros(0, np.int64)
    at = np.searchsorted(part_starts, np.arange(BLOCK, n, BLOCK))
    cuts = np.unique(np.r_[0, part_starts[at[at < len(part_starts)]], n]).tolist()
    for low, high in itertools.pairwise(cuts):
        room = shown - len(columns["part_numbers"])
        if room <= 0:
            break
        _summarise(data, low, high, room, vocabulary, columns)
    rules = len(set(columns["rule_ids"]))
    note = (f"Every rule that meets a part on {as_of.isoformat()}, one row per part and rule: {total:,} rows for "
            f"{n:,} hits, watch items and possible hits ({rules:,} rules), riskiest part first. Each row lists the "
            "stages, countries and suppliers where the rule meets the part; kg and USD count each path's element "
            "once. One row per finding: the Findings detail sheet (riskdesk report --detail) or riskdesk score "
            "--json. Each rule's dates, sources and confidence: the Method sheet.")
    if shown < total:
        note += f" Only the first {shown:,} rows fit in a sheet."
    return FindingsSummary(note=note, total=total, findings=n, **columns)


_COLUMNS = ("part_numbers", "rule_ids", "kinds", "effects", "statuses", "elements", "stages", "country_codes",
            "country_names", "suppliers", "kg", "values", "weights", "paths", "items")
"""The FindingsSummary fields that are columns."""


def _summarise(data: ReportData, low: int, high: int, room: int, words: _Vocabulary,
               columns: dict[str, list[Any]]) -> None:
    """Add the rows of findings `low`…`high` (whole parts), at most `room` of them, to `columns`."""
    evaluation = data.evaluation
    compiled = evaluation.compiled
    found = data.findings
    part, match = found.part[low:high], found.match[low:high]
    key = part * max(len(evaluation.matches), 1) + match
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    appearance = np.argsort(first, kind="stable")
    rank = np.empty(len(first), dtype=np.int64)
    rank[appearance] = np.arange(len(first))
    row = rank[inverse.reshape(-1)]
    shown = min(len(first), room)
    kept = row < shown
    row = row[kept]
    head = first[appearance][:shown]
    by_row = np.argsort(row, kind="stable")
    row_sorted = row[by_row]
    starts = np.flatnonzero(np.r_[True, row_sorted[1:] != row_sorted[:-1]])

    def ordered(values: np.ndarray) -> np.ndarray:
        return values[low:high][kept][by_row]

    one = np.int64(1)
    whole = len(elements.SYMBOLS)
    element_of = ordered(found.element)
    kind_bits = np.bitwise_or.reduceat(one << ordered(found.kind).astype(np.int64), starts)
    stage_bits = np.bitwise_or.reduceat(one << ordered(found.stage).astype(np.int64), starts)
    element_bits = np.bitwise_or.reduceat(
        one << np.where(element_of == WHOLE_MAGNET, whole, element_of).astype(np.int64), starts)
    weights = np.maximum.reduceat(ordered(found.weight), starts)
    path = found.path[low:high][kept]
    element = found.element[low:high][kept]
    # kg and value: each (path, element) once, though a finding repeats it at every stage the rule meets.
    n_paths = max(compiled.n_paths, 1)
    once = np.unique((row * n_paths + path) * (whole + 2) + (element + 1), return_index=True)[1]
    country = found.country[low:high][kept]
    country_lists = _lists(row, words.code_rank[np.where(country < 0, len(words.code_rank) - 1, country)],
                           len(words.code_rank), shown)
    supplier_lists = _lists(row, words.supplier_of_path[path], len(words.suppliers), shown)
    rules = [words.rules[m] for m in match[head].tolist()]
    columns["part_numbers"] += words.parts[part[head]].tolist()
    columns["kinds"] += _words(kind_bits, [KIND_LABELS[k] for k in KINDS])
    columns["elements"] += _words(element_bits, [*elements.SYMBOLS, "whole magnet"])
    columns["stages"] += _words(stage_bits, [s.label for s in RULE_STAGES])
    columns["country_codes"] += _joined(country_lists, words.codes)
    columns["country_names"] += _joined(country_lists, words.names)
    columns["suppliers"] += _joined(supplier_lists, words.suppliers)
    columns["kg"] += np.bincount(row[once], weights=found.kg[low:high][kept][once], minlength=shown).tolist()
    columns["values"] += np.bincount(row[once], weights=found.value[low:high][kept][once], minlength=shown).tolist()
    columns["weights"] += weights.tolist()
    columns["paths"] += np.bincount(np.unique(row * n_paths + path) // n_paths, minlength=shown).tolist()
    columns["items"] += np.bincount(row, minlength=shown).tolist()
    for k, name in enumerate(("rule_ids", "effects", "statuses")):
        columns[name] += [rule[k] for rule in rules]


def _words(bits: np.ndarray, labels: Sequence[str]) -> list[str]:
    """Each row's set bits as the labels of their positions, joined by ", " (one join per distinct set)."""
    said: dict[int, str] = {}

    def say(mask: int) -> str:
        return ", ".join(label for k, label in enumerate(labels) if mask >> k & 1)

    return [said.get(mask) or said.setdefault(mask, say(mask)) for mask in bits.tolist()]


def _lists(row: np.ndarray, value: np.ndarray, n_values: int, rows: int) -> tuple[list[int], list[int]]:
    """The distinct values of each row, in value order, as (values, where each row's values start; one more than
    there are rows)."""
    pairs = np.unique(row * n_values + value)
    bounds = np.searchsorted(pairs // n_values, np.arange(rows + 1))
    return (pairs % n_values).tolist(), bounds.tolist()


def _joined(lists: tuple[list[int], list[int]], words: Sequence[str]) -> list[str]:
    """Each row's values as their words joined by ", " (one join per distinct list)."""
    values, bounds = lists
    said: dict[tuple[int, ...], str] = {}
    result: list[str] = []
    for k in range(len(bounds) - 1):
        key = tuple(values[bounds[k]:bounds[k + 1]])
        text = said.get(key)
        if text is None:
            text = said[key] = ", ".join(words[v] for v in key)
        result.append(text)
    return result
