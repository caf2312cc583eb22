"""What the report's Findings sheet should say, worked out from `score --json`'s findings (each part's "hits",
"watch" and "possible" items) independently of the report's code: one row per part and rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from riskdesk.core import elements
from riskdesk.core.domain import Stage
from riskdesk.core.findings import KINDS
from riskdesk.core.labels import KIND_LABELS
from riskdesk.core.rules import RULE_STAGES

JSON_KINDS = {"hits": "hit", "watch": "watch", "possible": "possible"}


def part_rule_rows(parts: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(part, rule) → the Findings row's values by column title, from the parts of `score --json`: the kinds, the
    effect and status (one each), the elements, stages, country codes and suppliers listed, kg and USD with each
    supply path's element once (a path told by its supplier and share), the largest weight, the number of items."""
    groups: dict[tuple[str, str], list[tuple[str, Mapping[str, Any]]]] = {}
    for part in parts:
        for key, kind in JSON_KINDS.items():
            for item in part[key]:
                groups.setdefault((part["part_number"], item["rule_id"]), []).append((kind, item))
    rows = {}
    for key, items in groups.items():
        effects = {item["effect_label"] for _, item in items}
        statuses = {item["status"] for _, item in items}
        assert len(effects) == len(statuses) == 1, (key, effects, statuses)
        once = {(item["supplier_id"], item["share_pct"], item["element"]): (item["kg"], item["value"])
                for _, item in items}
        element_names = {item["element"] or "whole magnet" for _, item in items}
        order = [*elements.SYMBOLS, "whole magnet"]
        stages = {Stage(item["stage"]) for _, item in items}
        codes = {item["country"] for _, item in items}
        suppliers = sorted({item["supplier_id"] for _, item in items})
        rows[key] = {
            "Kind": ", ".join(KIND_LABELS[k] for k in KINDS if any(kind == k for kind, _ in items)),
            "Effect": effects.pop(),
            "Status on the date": statuses.pop(),
            "Elements": ", ".join(e for e in order if e in element_names),
            "Stages": ", ".join(s.label for s in RULE_STAGES if s in stages),
            "Country codes": ", ".join([*sorted(c for c in codes if c), *(["unknown"] if "" in codes else [])]),
            "Suppliers": ", ".join(s or "(none)" for s in suppliers),
            "kg/yr": sum(kg for kg, _ in once.values()),
            "USD/yr": sum(value for _, value in once.values()),
            "Counts": max(item["weight"] for _, item in items),
            "Findings": len(items),
        }
    return rows
