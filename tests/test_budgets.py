"""Size budgets (issue 20): `ui/main_window.py` under 600 lines and no class in riskdesk/ over 500, measured with
ast, so that window-level features get a home of their own (a session, an action table, a controls module) instead
of growing the window back."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "riskdesk"
MAIN_WINDOW_LINES = 600
CLASS_LINES = 500

def _class_sizes() -> dict[str, int]:
    sizes: dict[str, int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                sizes[f"{path.relative_to(ROOT).as_posix()}: {node.name}"] = node.end_lineno - node.lineno + 1
    return sizes


def test_the_main_window_module_stays_under_its_budget() -> None:
    lines = len((PACKAGE / "ui" / "main_window.py").read_text(encoding="utf-8").splitlines())
    assert lines < MAIN_WINDOW_LINES, (
        f"riskdesk/ui/main_window.py has {lines} lines (budget: under {MAIN_WINDOW_LINES}): give the new feature a "
        "module of its own (ui/session.py, ui/actions.py, ui/scoring_controls.py show how)")


def test_no_class_is_over_its_budget() -> None:
    offenders = {name: size for name, size in _class_sizes().items() if size > CLASS_LINES}
    assert not offenders, "classes over the budget of {} lines: {}".format(
        CLASS_LINES, "; ".join(f"{name} ({size} lines)" for name, size in sorted(offenders.items(),
                                                                                  key=lambda item: -item[1])))
