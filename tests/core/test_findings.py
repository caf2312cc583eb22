"""All of a project's rule findings at once, the key findings in words, exposure by element, stage and country, and
where the reference data came from: the same items and sums as the part reports and the concentration table."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re

import numpy as np
import pytest

from riskdesk.core.demo import demo_project, synthetic_project
from riskdesk.core.elements import INDEX
from riskdesk.core.evaluation import Evaluation, compare, evaluate
from riskdesk.core.exposure import benchmark_applies, by_element_stage_country, unknown_origin_share
from riskdesk.core.findings import KINDS, findings, key_findings
from riskdesk.core.method import INVARIANTS
from riskdesk.core.presets import default_presets
from riskdesk.core.provenance import data_files
from riskdesk.core.reference import default_reference
from riskdesk.core.resources import resource_path
from riskdesk.core.rules import RULE_STAGES

AS_OF = dt.date(2026, 11, 23)


def _buying_into(project, country: str):
    return dataclasses.replace(project, settings=dataclasses.replace(project.settings, import_country=country))


def _from_reports(evaluation: Evaluation) -> list[tuple[object, ...]]:
    rows = []
    for i in range(evaluation.compiled.n_parts):
        report = evaluation.part_report_at(i)
        for kind, items in (("hit", report.hits), ("watch", report.watch), ("possible", report.possible)):
            rows += [(report.part_number, kind, h.rule_id, h.element, h.stage.value, h.country, h.supplier_id,
                      h.kg, h.value, h.weight) for h in items]
    return rows


def _from_findings(evaluation: Evaluation) -> list[tuple[object, ...]]:
    found = findings(evaluation)
    rules, countries = found.rule_ids(), found.country_codes()
    symbols, suppliers = found.element_symbols(), found.supplier_ids()
    return [(str(evaluation.compiled.part_numbers[found.part[k]]), KINDS[found.kind[k]], rules[k], symbols[k],
             RULE_STAGES[found.stage[k]].value, countries[k], suppliers[k], float(found.kg[k]),
             float(found.value[k]), float(found.weight[k])) for k in range(len(found))]


def _same(rows: list[tuple[object, ...]], expected: list[tuple[object, ...]]) -> None:
    """The same items in the same order: names exactly, kg, value and weight to floating-point rounding."""
    assert [row[:7] for row in rows] == [row[:7] for row in expected]
    numbers = np.array([row[7:] for row in rows], dtype=float).reshape(-1, 3)
    wanted = np.array([row[7:] for row in expected], dtype=float).reshape(-1, 3)
    np.testing.assert_allclose(numbers, wanted, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("country", ["US", "DE", "JP"])
@pytest.mark.parametrize("day", [dt.date(2025, 6, 1), AS_OF, dt.date(2027, 1, 1)])
def test_findings_are_the_items_of_every_parts_report_in_their_order(country: str, day: dt.date) -> None:
    evaluation = evaluate(_buying_into(demo_project(), country), day)
    expected = _from_reports(evaluation)
    assert expected, "the demo has findings on every date"
    _same(_from_findings(evaluation), expected)


def test_findings_agree_on_a_large_random_project_with_an_eu_buyer() -> None:
    evaluation = evaluate(_buying_into(synthetic_project(1_200, seed=3), "DE"), AS_OF)
    assert benchmark_applies(evaluation)
    rows = _from_findings(evaluation)
    _same(rows, _from_reports(evaluation))
    assert any(r.over_benchmark for r in evaluation.concentration)
    assert any(row[2] == "EU-CRMA-65" for row in rows), "benchmark flags are findings too"


def test_counts_per_part_are_the_evaluations_hit_counts() -> None:
    evaluation = evaluate(demo_project(), AS_OF)
    counts = findings(evaluation).counts()
    hits, watch, possible = evaluation.hit_counts()
    assert counts[:, 0].tolist() == hits.tolist()
    assert counts[:, 1].tolist() == watch.tolist()
    assert counts[:, 2].tolist() == possible.tolist()


def test_findings_grouped_by_parts_keep_each_parts_items_in_order() -> None:
    evaluation = evaluate(demo_project(), AS_OF)
    found = findings(evaluation)
    order = np.argsort(-evaluation.scores, kind="stable")
    grouped = found.by_parts(order)
    assert len(grouped) == len(found)
    first = [int(p) for p in dict.fromkeys(grouped.part.tolist())]
    assert first == [int(p) for p in order if p in set(found.part.tolist())]
    for part in first[:3]:
        assert grouped.path[grouped.part == part].tolist() == found.path[found.part == part].tolist()


def test_a_prohibition_announced_for_a_later_date_is_a_key_finding_the_later_evaluation_bears_out() -> None:
    project = demo_project()
    today, later = evaluate(project, AS_OF), evaluate(project, dt.date(2027, 1, 1))
    items = key_findings(today, later, compare(today, later))
    coming = [k for k in items if "become" in k.text and "prohibited on 2027-01-01" in k.text]
    assert len(coming) == 1 and coming[0].level == "red"
    assert "US-DFARS-7052-UPSTREAM" in coming[0].text
    assert coming[0].parts and set(coming[0].parts) <= set(later.prohibited_parts())
    assert not set(coming[0].parts) & set(today.prohibited_parts())
    now = [k for k in items if "prohibited on 2026-11-23" in k.text or "possibly prohibited (" in k.text]
    assert len(now) == 2 and {p for k in now for p in k.parts} == set(today.prohibited_parts())
    statuses = dict(zip(today.compiled.part_numbers, today.statuses(), strict=True))
    assert all(statuses[p] == "prohibited" for p in now[0].parts)
    assert all(statuses[p] == "possibly prohibited" for p in now[1].parts)
    assert items[-1].text.startswith("From 2026-11-23 to 2027-01-01 the portfolio score goes from")


def test_key_findings_name_the_bands_and_agree_in_number() -> None:
    evaluation = evaluate(demo_project(), AS_OF)
    texts = [k.text for k in key_findings(evaluation)]
    red = int((evaluation.scores >= 70).sum())
    assert any(t.startswith(f"Of 15 parts, {red} ") for t in texts)
    one = evaluate(demo_project(), dt.date(2025, 6, 1))
    assert all(" 1 parts " not in k.text and "1 part become " not in k.text for k in key_findings(one))


@pytest.mark.parametrize("country", ["US", "DE"])
def test_exposure_by_element_stage_and_country_adds_up_to_each_elements_kg(country: str) -> None:
    evaluation = evaluate(_buying_into(demo_project(), country), AS_OF)
    cells = by_element_stage_country(evaluation)
    kg = evaluation.elements_kg()
    for row in evaluation.concentration:
        mine = [c for c in cells if c.element == row.element and c.stage is row.stage]
        assert sum(c.kg for c in mine) == pytest.approx(kg[row.element], rel=1e-9)
        assert sum(c.share for c in mine) == pytest.approx(1.0)
        known = [c for c in mine if c.country]
        assert known[0].country == row.top_country and known[0].share == pytest.approx(row.top_share)
        unknown = [c.share for c in mine if not c.country]
        assert (unknown[0] if unknown else 0.0) == pytest.approx(row.unknown_share)
        flagged = {c.country for c in known if c.over_benchmark}
        assert bool(flagged) == row.over_benchmark
        if row.over_benchmark:
            assert row.top_country in flagged
    assert all(c.value == pytest.approx(c.kg * evaluation.prices[INDEX[c.element]]) for c in cells)
    if country == "US":
        assert not benchmark_applies(evaluation) and not any(c.over_benchmark for c in cells)


def test_unknown_origin_share_is_zero_when_every_stage_is_known() -> None:
    evaluation = evaluate(demo_project(), AS_OF)
    shares = unknown_origin_share(evaluation)
    assert shares and all(0.0 <= v <= 1.0 for v in shares.values()) and max(shares.values()) > 0
    project = demo_project()
    paths = project.tables.paths
    for column in ("mine_country", "separation_country", "metal_country", "magnet_country"):
        paths[column] = paths[column].where(paths[column] != "", "AU")
    assert max(unknown_origin_share(evaluate(project, AS_OF)).values()) == pytest.approx(0.0, abs=1e-12)


def test_data_files_name_each_file_with_its_version_and_hash() -> None:
    files = data_files(default_reference(), default_presets())
    first = files[0]
    assert first.what == "Control list" and first.name == "rules/control_list.toml"
    assert first.version == default_reference().control_list.version
    path = resource_path("rules", "control_list.toml")
    assert first.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [f.what for f in files][-1] == "Scenario presets" and all(len(f.sha256) == 64 for f in files)


def test_the_method_sheets_invariants_are_those_of_the_method_page() -> None:
    text = (resource_path().parent / "docs" / "method.md").read_text(encoding="utf-8")
    for invariant in INVARIANTS:
        assert f"| {invariant.id} | {invariant.statement} |" in text
        assert f"`{invariant.test}`" in text


def test_small_masses_keep_their_digits_in_the_key_findings() -> None:
    """A part with little magnet reads "Nd $1.00 (0.0103 kg)" (the one kg format, `format_kg`), never "0.0 kg"."""
    from riskdesk.core.compiled import compile_project
    from riskdesk.core.labels import format_kg
    from tests.helpers.builders import PartSpec, project_of

    evaluation = evaluate(compile_project(project_of(PartSpec(mass_g=0.5, units=100))), AS_OF,
                          project_of().settings)
    text = next(f.text for f in key_findings(evaluation) if f.text.startswith("The rare earths you buy most"))
    nd = evaluation.elements_kg()["Nd"]
    assert 0.001 < nd < 0.1 and f"({format_kg(nd)} kg)" in text and "(0.0 kg)" not in text


def test_key_findings_count_the_more_in_plain_words_and_keep_watch_items_apart() -> None:
    """Review W4: "and 8 more" (not "8 mores"); watch-effect rules of unknown status are not said to count half."""
    import dataclasses

    project = demo_project()
    evaluation = evaluate(project, dt.date(2026, 11, 29), settings=dataclasses.replace(project.settings,
                                                                                       import_country="DE"))
    texts = [k.text for k in key_findings(evaluation)]
    assert not any("mores" in t for t in texts)
    assert any(re.search(r" and \d+ more\.$", t) for t in texts if "benchmark" in t)
    half = next(t for t in texts if "count half their weight" in t)
    watched = next(t for t in texts if "count only as watch items" in t)
    assert "CN-MOFCOM-2025-62" not in half and "CN-MOFCOM-2025-61-2" not in half
    assert "CN-MOFCOM-2025-62" in watched and "CN-MOFCOM-2025-61-1" in half


def test_a_watch_rule_in_force_reads_as_a_watch_item_not_in_force() -> None:
    """Review W6: Section 232 on magnets (a proclamation with no tariff) is a watch item, not "in force"."""
    from riskdesk.core.rules import WATCH_IN_FORCE

    evaluation = evaluate(demo_project(), dt.date(2026, 6, 1))
    items = [h for r in evaluation.part_reports() for h in r.watch if h.rule_id == "US-232-PCMDP"]
    assert items and all(h.status == WATCH_IN_FORCE and h.effect_label == WATCH_IN_FORCE for h in items)
    rule = evaluation.reference.control_list.by_id("US-232-PCMDP")
    assert rule.status_words(rule.state_on(dt.date(2026, 6, 1))) == "watch (in force, nothing binds yet)"
