"""China's 0.1 % value test (MOFCOM No. 61 item (1), review V6): a trace of Chinese-origin Dy does not catch a
magnet made abroad; a few per cent does; the figure, margin and valuation are in the part's report and JSON."""

from __future__ import annotations

import datetime as dt

import pytest

from riskdesk.core.evaluation import evaluate
from riskdesk.core.value_share import VALUATION
from tests.helpers.builders import PartSpec, PathSpec, project_of

RULE = "CN-MOFCOM-2025-61-1"
DAY = dt.date(2026, 11, 29)


def _part(number: str, dy_pct: float, separation: str = "CN") -> PartSpec:
    # A Japanese magnet whose rare earths were separated in China, bought by a US importer: an export from Japan.
    return PartSpec(number, grade="N42", composition={"Dy": dy_pct, "Tb": 0.0},
                    paths=[PathSpec("SUP-" + number, 100.0, "AU", separation, "JP", "JP")])


@pytest.fixture(scope="module")
def reports() -> dict[str, object]:
    project = project_of(_part("TRACE", 0.0005), _part("FULL", 4.0), _part("NOCN", 4.0, separation="MY"),
                         suspended_rules_in_force=True)
    evaluation = evaluate(project, DAY)
    return {r.part_number: r for r in evaluation.part_reports()} | {"json": evaluation.to_json()}


def _items(report: object) -> set[str]:
    return {h.rule_id for h in (*report.hits, *report.watch, *report.possible)}  # type: ignore[attr-defined]


def test_a_trace_of_chinese_dy_is_under_the_threshold_and_not_caught(reports: dict[str, object]) -> None:
    trace, full = reports["TRACE"], reports["FULL"]
    assert RULE in _items(full)
    assert RULE not in _items(trace)
    test = trace.value_share  # type: ignore[attr-defined]
    assert test is not None and 0 < test.share_pct < 0.1 and not test.caught
    assert test.margin_pct == pytest.approx(test.share_pct - 0.1) and test.margin_pct < 0
    assert "does not catch" in test.note
    caught = full.value_share  # type: ignore[attr-defined]
    assert caught is not None and caught.caught and caught.share_pct > 1 and caught.margin_pct > 0


def test_the_share_is_the_value_of_the_controlled_content_over_the_magnets_content_value(
        reports: dict[str, object]) -> None:
    full = reports["FULL"]
    value = full.elements_value  # type: ignore[attr-defined]
    expected = 100.0 * (value["Dy"] + value.get("Tb", 0.0)) / sum(value.values())
    assert full.value_share.share_pct == pytest.approx(expected)  # type: ignore[attr-defined]


def test_no_chinese_separation_or_metal_means_no_chinese_origin_content(reports: dict[str, object]) -> None:
    test = reports["NOCN"].value_share  # type: ignore[attr-defined]
    assert test is not None and test.share_pct == 0 and not test.caught
    assert RULE not in _items(reports["NOCN"])


def test_json_carries_the_figure_the_margin_and_the_valuation(reports: dict[str, object]) -> None:
    parts = {p["part_number"]: p for p in reports["json"]["parts"]}  # type: ignore[index]
    trace = parts["TRACE"]
    assert 0 < trace["no61_value_share_pct"] < 0.1
    assert trace["no61_margin_pct"] == pytest.approx(trace["no61_value_share_pct"] - 0.1, abs=1e-6)
    assert trace["no61_valuation"] == VALUATION and "unit price is not used" in VALUATION
    assert "does not catch" in trace["no61_note"]
    assert {"score", "band", "status", "hits", "watch", "possible"} <= set(trace)


def test_the_reports_parts_sheet_tests_every_part_as_its_own_report_does() -> None:
    # The Parts sheet computes the value test of all parts at once; each must equal the part's own test (the window,
    # the JSON), whatever its paths: China, elsewhere, unknown countries, unassigned volume, no controlled content.
    from riskdesk.core.demo import synthetic_project
    from riskdesk.core.value_share import part_value_share, part_value_tests

    parts = [_part("TRACE", 0.0005), _part("FULL", 4.0), _part("NOCN", 4.0, separation="MY"),
             _part("UNKNOWN", 4.0, separation=""), PartSpec("NONE", grade="N42", composition={"Dy": 0.0, "Tb": 0.0},
                                                            paths=[PathSpec("S-NONE", 60.0, "CN", "CN", "CN", "CN")])]
    openings: set[str] = set()
    for project in (project_of(*parts, suspended_rules_in_force=True), synthetic_project(400)):
        evaluation = evaluate(project, DAY)
        compiled, rules = evaluation.compiled, evaluation.reference.control_list
        order = list(reversed(range(compiled.n_parts)))
        at_once = part_value_tests(compiled, rules, evaluation.prices, order)
        one_by_one = [part_value_share(compiled, rules, evaluation.prices, i, evaluation.paths_of(i)) for i in order]
        assert at_once == one_by_one
        openings |= {t.note.split(":")[1][:13] for t in at_once if t is not None}
    assert openings >= {" the magnet h", " none of its ", " Chinese-orig", " possibly Chi"}  # every case was tried
