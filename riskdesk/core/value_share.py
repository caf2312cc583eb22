"""China's 0.1 % value test (MOFCOM Announcement 2025 No. 61, item (1)): the Chinese-origin value of a magnet's
controlled rare earths as a share of the magnet's value, and the margin to the threshold.

No. 61 item (1) requires a licence to export a foreign-made magnet (an Annex 1 Part II item) that contains Part I
items of Chinese origin "where the Part I items account for 0.1 % or more of the value of the foreign-made Part II
item". The rule of the control list that carries this test has `value_share_min_pct`; its `contains` lists the
Part I elements (Sm, Dy, Gd, Tb, Lu, Sc, Y).

Valuation (MOFCOM states none, research2 §C; this is RiskDesk's assumption, said wherever the figure is shown):
the value of each Part I element is its content (wt %) × its reference price on the project's price basis; the
magnet's value is the value of all of its content at reference prices, i.e. its raw materials. The magnet's own
price is higher (making it adds value), so the share shown is an upper bound and the test errs towards "caught":
a magnet is cleared only when even this upper bound is under 0.1 %. The part's unit price is not used: it is the
price of the delivered part, which is often a motor or an assembly worth far more than its magnet, and dividing by
it would clear magnets that the rule catches. Both figures are per kg of magnet, so the mass cancels.

Chinese origin: the path's separation or metal/alloy stage is in China (oxides are separated, metals and alloys
made there), or of unknown country (counted as Chinese, as unknown origins are everywhere in the method).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from riskdesk.core import elements
from riskdesk.core.domain import STAGES, Stage
from riskdesk.core.rules import ALL

if TYPE_CHECKING:
    from riskdesk.core.compiled import CompiledProject
    from riskdesk.core.rules import ControlList, ControlRule

__all__ = ["VALUATION", "ValueShare", "part_value_share", "part_value_tests", "test_rule", "value_shares"]

VALUATION = ("Valuation assumed by RiskDesk (MOFCOM defines none): each controlled element's content × its "
             "reference price, over the magnet's whole content at reference prices (its raw materials). A magnet "
             "sells for more than its raw materials, so the share is an upper bound: a magnet is cleared only when "
             "even this is under the threshold. The part's unit price is not used: it is the whole part's price, "
             "often a motor's, not the magnet's.")
"""The valuation assumption, in the words shown beside every figure (part detail, JSON, report)."""

_ORIGIN_STAGES = (STAGES.index(Stage.SEPARATION), STAGES.index(Stage.METAL))


@dataclass(frozen=True, slots=True)
class ValueShare:
    """One part's No. 61 value test."""

    rule_id: str
    share_pct: float
    """Chinese-origin controlled content as a % of the magnet's value (0 when none is of Chinese origin)."""
    threshold_pct: float
    caught: bool
    """The share reaches the threshold (the test is met; the rule's other conditions decide the rest)."""
    note: str
    """What the figure is and what follows from it, in one sentence."""

    @property
    def margin_pct(self) -> float:
        """Share − threshold, in percentage points: negative below the threshold (not caught by value)."""
        return self.share_pct - self.threshold_pct


def test_rule(control_list: ControlList) -> ControlRule | None:
    """The rule of the control list that carries a value test (No. 61 item (1)); None when there is none."""
    return next((r for r in control_list.rules if r.value_share_min_pct is not None), None)


def controlled_symbols(rule: ControlRule) -> frozenset[str]:
    """The Part I elements of a value-test rule: those its `contains` lists, else its own elements."""
    listed = frozenset().union(*rule.contains.values()) if rule.contains else frozenset()
    return listed or frozenset(rule.elements - {ALL})


def value_shares(wt_pct: np.ndarray, prices: np.ndarray, symbols: frozenset[str]) -> np.ndarray:
    """Per part (rows of `wt_pct`, parts × elements): the share (0 … 1) of the magnet's content value that the
    elements `symbols` make up, at `prices` (per element of `elements.SYMBOLS`); 0 for a part without content."""
    mask = np.isin(elements.SYMBOLS, list(symbols))
    value = wt_pct * prices[None, :]
    total = value.sum(axis=1)
    controlled = value[:, mask].sum(axis=1)
    return np.divide(controlled, total, out=np.zeros(len(total)), where=total > 0)


def part_value_share(compiled: CompiledProject, control_list: ControlList, prices: np.ndarray, position: int,
                     path_rows: np.ndarray) -> ValueShare | None:
    """The value test of one part (its supply paths `path_rows`, unassigned volume included); None when the control
    list has no rule with one."""
    rule = test_rule(control_list)
    if rule is None or rule.value_share_min_pct is None:
        return None
    symbols = controlled_symbols(rule)
    origin = _chinese_origin(compiled, path_rows)
    share = float(value_shares(compiled.wt_pct[position:position + 1], prices, symbols)[0])
    return _test(rule, symbols, compiled.wt_pct[position], bool(origin[0].any()), bool(origin[1].any()), share)


def part_value_tests(compiled: CompiledProject, control_list: ControlList, prices: np.ndarray,
                     positions: Sequence[int] | np.ndarray) -> list[ValueShare | None]:
    """`part_value_share` of each part at `positions`, computed for all of them at once (the report's Parts sheet)."""
    rule = test_rule(control_list)
    if rule is None or rule.value_share_min_pct is None:
        return [None] * len(positions)
    symbols = controlled_symbols(rule)
    known_china, unknown = _chinese_origin(compiled, np.arange(compiled.n_paths))
    path_part = compiled.path_part
    china_parts = np.bincount(path_part, weights=known_china.any(axis=1), minlength=compiled.n_parts) > 0
    unknown_parts = np.bincount(path_part, weights=unknown.any(axis=1), minlength=compiled.n_parts) > 0
    chosen = np.asarray(positions, dtype=np.int64)
    shares = value_shares(compiled.wt_pct[chosen], prices, symbols)
    return [_test(rule, symbols, compiled.wt_pct[i], bool(china_parts[i]), bool(unknown_parts[i]), float(share))
            for i, share in zip(chosen.tolist(), shares.tolist(), strict=True)]


def _chinese_origin(compiled: CompiledProject, path_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the origin stages (separation, metal/alloy) of the paths `path_rows`: whether each is in China, and
    whether its country is unknown (paths × stages each)."""
    countries = compiled.country[path_rows][:, _ORIGIN_STAGES]
    china = np.append(np.isin(compiled.countries, ["CN"]), False)  # the last slot stands for unknown (-1)
    return china[countries], countries < 0


def _test(rule: ControlRule, symbols: frozenset[str], wt_pct: np.ndarray, known_china: bool, unknown: bool,
          share: float) -> ValueShare:
    """One part's value test: its content `wt_pct` (per element), whether a path's origin stage is in China or of
    unknown country, and the controlled share (0 … 1) of its content's value."""
    threshold = float(rule.value_share_min_pct or 0.0)
    held = sorted(s for s in symbols if wt_pct[elements.INDEX[s]] > 0)
    if not held:
        return ValueShare(rule.id, 0.0, threshold, False,
                          f"{rule.id}: the magnet holds none of the controlled rare earths "
                          f"({', '.join(sorted(symbols))}): the {threshold:g} % value test does not apply.")
    if not (known_china or unknown):
        return ValueShare(rule.id, 0.0, threshold, False,
                          f"{rule.id}: none of its paths has separation or metal/alloy making in China, so none of "
                          f"its {', '.join(held)} is of Chinese origin: the {threshold:g} % value test is not met.")
    share *= 100.0
    caught = share >= threshold
    origin = "Chinese-origin" if known_china else "possibly Chinese-origin (a stage of unknown country)"
    figure = f"{origin} {', '.join(held)} = {_pct(share)} of the magnet's value"
    if caught:
        times = f", {share / threshold:,.0f}× the threshold" if threshold > 0 else ""
        note = (f"{rule.id} value test: {figure}, at or over the {threshold:g} % threshold{times}: met (item (1) "
                "concerns magnets made outside China and exported from there).")
    else:
        note = (f"{rule.id} value test: {figure}, under the {threshold:g} % threshold by "
                f"{threshold - share:.4g} points: item (1) does not catch the magnet.")
    return ValueShare(rule.id, share, threshold, caught, note)


def _pct(share: float) -> str:
    """A share in % with the decimals a small figure needs: 4.06 %, 0.0042 %."""
    if share >= 1:
        return f"{share:.2f} %"
    return f"{share:.2g} %" if share > 0 else "0 %"
