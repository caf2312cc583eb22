"""Class budgets (issue 20): no class in riskdesk/ runs over 500 lines, so that a view, a dialog or the report writer
is split into parts that can be read and reviewed on their own instead of growing back."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 500
"""Lines from `class` to the class's last line, docstrings and blank lines included."""
AWAITING_SPLIT = {"riskdesk/ui/main_window.py::MainWindow": 919}
"""Classes over the budget whose split is under way (issue 20, in parallel): each may not grow past its figure, and
leaves this list once it is within the budget."""


def _class_lengths() -> dict[str, int]:
    lengths: dict[str, int] = {}
    for path in sorted((ROOT / "riskdesk").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                name = f"{path.relative_to(ROOT).as_posix()}::{node.name}"
                lengths[name] = (node.end_lineno or node.lineno) - node.lineno + 1
    return lengths


def test_no_class_in_riskdesk_is_over_500_lines() -> None:
    lengths = _class_lengths()
    over = {name: n for name, n in lengths.items() if n > AWAITING_SPLIT.get(name, BUDGET)}
    assert not over, "over the budget of 500 lines: " + ", ".join(
        f"{name} ({n} lines)" for name, n in sorted(over.items(), key=lambda item: -item[1]))


def test_a_class_awaiting_its_split_leaves_the_list_once_it_is_within_the_budget() -> None:
    lengths = _class_lengths()
    done = [name for name in AWAITING_SPLIT if lengths.get(name, 0) <= BUDGET]
    assert not done, f"within the budget now (or gone): remove from AWAITING_SPLIT: {', '.join(done)}"
