"""Issue 2 acceptance: exposure arithmetic, rule hits by date, scores that move the way a buyer expects."""

from __future__ import annotations

import datetime as dt

import pytest

from riskdesk.core.evaluation import PROHIBITED_FLOOR, evaluate
from tests.helpers.builders import PartSpec, PathSpec, all_in, project_of

D = dt.date.fromisoformat


def report(project, day="2026-11-23", part="P-1"):
    return evaluate(project, D(day)).part_report(part)


def rule_hits(project, day, rule_id, part="P-1"):
    r = report(project, day, part)
    return [h for h in r.hits if h.rule_id == rule_id], [h for h in r.watch if h.rule_id == rule_id]


def test_kg_per_element_is_units_times_mass_times_wt_pct_times_share_exactly():
    part = PartSpec(units=2500, mass_g=120.0, composition={"Dy": 4.0, "Nd": 22.0},
                    paths=[all_in("JP", supplier="A", share=60.0), all_in("DE", supplier="B", share=40.0)])
    ev = evaluate(project_of(part), D("2026-11-23"))
    r = ev.part_report("P-1")
    assert r.elements_kg["Dy"] == pytest.approx(2500 * 0.120 * 0.04 * (0.6 + 0.4), rel=1e-12)
    assert r.elements_kg["Nd"] == pytest.approx(2500 * 0.120 * 0.22, rel=1e-12)
    per_path = ev.kg[ev.paths_of(0)]
    from riskdesk.core.elements import INDEX
    assert per_path[0, INDEX["Dy"]] == pytest.approx(2500 * 0.120 * 0.04 * 0.6, rel=1e-12)
    assert per_path[1, INDEX["Dy"]] == pytest.approx(2500 * 0.120 * 0.04 * 0.4, rel=1e-12)


@pytest.mark.parametrize("stage", ["separation", "metal", "magnet"])
def test_dy_through_a_chinese_stage_needs_a_licence_from_2025_04_04(stage):
    path = PathSpec(mine="AU", separation="MY", metal="JP", magnet="JP")
    setattr(path, stage, "CN")
    project = project_of(PartSpec(composition={"Dy": 3.0}, paths=[path]))
    hits, _ = rule_hits(project, "2025-04-04", "CN-MOFCOM-2025-18")
    assert {(h.element, h.stage.value, h.country, h.effect.value) for h in hits} >= {("Dy", stage, "CN", "licence")}
    assert all(h.source and h.explanation for h in hits)
    assert rule_hits(project, "2025-04-03", "CN-MOFCOM-2025-18") == ([], [])


def test_a_chinese_mine_alone_is_not_under_the_april_licensing():
    project = project_of(PartSpec(composition={"Dy": 3.0}, paths=[PathSpec(mine="CN")]))
    assert rule_hits(project, "2026-11-23", "CN-MOFCOM-2025-18") == ([], [])


@pytest.mark.parametrize("symbol", ["Ho", "Er", "Tm", "Eu", "Yb"])
def test_october_elements_never_hit_up_to_2026_11_10_and_are_watched_from_2025_10_09(symbol):
    project = project_of(PartSpec(grade="N42", composition={symbol: 1.0}, paths=[all_in("CN")]))
    for day in ("2025-04-04", "2025-10-08", "2025-10-09", "2025-11-08", "2026-06-01", "2026-11-10", "2026-11-23"):
        hits = [h for h in report(project, day).hits if h.element == symbol]
        assert hits == [], day
    assert not [w for w in report(project, "2025-10-08").watch if w.element == symbol]
    for day in ("2025-10-09", "2025-12-01", "2026-11-10", "2026-11-11"):
        watched = [w for w in report(project, day).watch if w.element == symbol]
        assert watched and watched[0].rule_id == "CN-MOFCOM-2025-57", day


def test_treating_suspended_rules_as_in_force_turns_the_watch_item_into_a_hit():
    project = project_of(PartSpec(grade="N42", composition={"Ho": 1.0}, paths=[all_in("CN")]),
                         suspended_rules_in_force=True)
    hits = [h for h in report(project, "2026-11-23").hits if h.element == "Ho"]
    assert hits and hits[0].rule_id == "CN-MOFCOM-2025-57"


def test_defence_part_with_a_chinese_magnet_is_prohibited_today():
    project = project_of(PartSpec(end_use="defence", paths=[PathSpec(magnet="CN")]))
    r = report(project, "2026-11-23")
    assert any(h.rule_id == "US-DFARS-7052-MELT" and h.effect.value == "prohibited" for h in r.hits)
    assert r.score >= PROHIBITED_FLOOR
    assert "prohibit" in r.cap


def test_defence_part_with_only_a_chinese_mine_becomes_prohibited_on_2027_01_01():
    project = project_of(PartSpec(end_use="defence", paths=[PathSpec(mine="CN")]))
    before = report(project, "2026-12-31")
    after = report(project, "2027-01-01")
    assert not [h for h in before.hits if h.effect.value == "prohibited"]
    assert [w for w in before.watch if w.rule_id == "US-DFARS-7052-UPSTREAM"]
    assert before.score < PROHIBITED_FLOOR
    assert [h for h in after.hits if h.rule_id == "US-DFARS-7052-UPSTREAM" and h.stage.value == "mine"]
    assert after.score >= PROHIBITED_FLOOR


@pytest.mark.parametrize("end_use", ["automotive", "wind", "industrial", "electronics", "other"])
def test_dfars_never_hits_a_non_defence_part(end_use):
    project = project_of(PartSpec(end_use=end_use, paths=[all_in("CN")]))
    for day in ("2025-01-01", "2026-11-23", "2027-01-01", "2030-01-01"):
        r = report(project, day)
        assert not [h for h in r.hits + r.watch if h.rule_id.startswith("US-DFARS")], day
        assert r.score < PROHIBITED_FLOOR


def test_chinese_ndfeb_magnet_imported_into_the_us_has_a_25_pct_tariff_from_2026_01_01():
    project = project_of(PartSpec(paths=[PathSpec(magnet="CN")]), import_country="US")
    hits, _ = rule_hits(project, "2026-01-01", "US-301-MAGNETS")
    assert hits and hits[0].effect.value == "tariff" and "25" in hits[0].effect_label
    assert hits[0].element is None and hits[0].stage.value == "magnet"
    assert rule_hits(project, "2025-12-31", "US-301-MAGNETS")[0] == []
    buyer_in_germany = project_of(PartSpec(paths=[PathSpec(magnet="CN")]), import_country="DE")
    assert rule_hits(buyer_in_germany, "2026-01-01", "US-301-MAGNETS") == ([], [])


def test_moving_every_chinese_stage_to_japan_lowers_the_score():
    chinese = project_of(PartSpec(paths=[all_in("CN")]))
    japanese = project_of(PartSpec(paths=[all_in("JP")]))
    assert report(japanese).score < report(chinese).score


def test_an_unknown_origin_scores_worse_than_a_known_unrestricted_one():
    known = project_of(PartSpec(paths=[all_in("JP")]))
    unknown = project_of(PartSpec(paths=[PathSpec(mine="", separation="", metal="", magnet="", evidence="unknown")]))
    r_unknown = report(unknown)
    assert r_unknown.score > report(known).score
    assert r_unknown.possible, "an unknown separation stage may be Chinese: shown as a possible hit"
    assert r_unknown.factors["transparency"].value == pytest.approx(100.0)


def test_score_and_every_factor_stay_within_0_and_100_and_explain_themselves():
    project = project_of(PartSpec(paths=[all_in("CN", share=50, supplier="A"), PathSpec("B", 50)]))
    r = report(project)
    assert 0 <= r.score <= 100
    for factor in r.factors.values():
        assert 0 <= factor.value <= 100
        assert factor.inputs
    assert "scores" in r.why()


def test_weights_are_user_settings():
    part = PartSpec(stock_days=0, paths=[all_in("JP")])
    only_buffer = project_of(part, weights={"restriction": 0, "concentration": 0, "transparency": 0, "price": 0,
                                            "buffer": 1, "single_source": 0})
    assert report(only_buffer).score == pytest.approx(100.0)


def test_eu_buyer_is_flagged_over_the_65_pct_benchmark_and_us_buyer_is_not():
    part = PartSpec(paths=[all_in("CN")])
    eu = report(project_of(part, import_country="DE"))
    assert any(h.rule_id == "EU-CRMA-65" and h.country == "CN" for h in eu.hits)
    us = report(project_of(part, import_country="US"))
    assert not any(h.rule_id == "EU-CRMA-65" for h in us.hits)


def test_portfolio_score_is_raised_when_any_part_is_prohibited():
    project = project_of(
        PartSpec("P-1", end_use="defence", paths=[PathSpec(magnet="CN")], units=1, unit_price=1),
        PartSpec("P-2", paths=[all_in("JP")], units=100000, unit_price=100),
    )
    score, reason = evaluate(project, D("2026-11-23")).portfolio_score()
    assert score >= PROHIBITED_FLOOR and "P-1" in reason


def test_hit_counts_match_the_listed_hits_part_by_part():
    from riskdesk.core.demo import demo_project

    for day in ("2026-11-23", "2027-01-01"):
        ev = evaluate(demo_project(), D(day))
        hits, watch, possible = ev.hit_counts()
        for i, r in enumerate(ev.part_reports()):
            assert (hits[i], watch[i], possible[i]) == (len(r.hits), len(r.watch), len(r.possible)), r.part_number
    eu = evaluate(project_of(PartSpec(paths=[all_in("CN")]), import_country="DE"), D("2026-11-23"))
    assert eu.hit_counts()[0][0] == len(eu.part_report("P-1").hits)


def test_a_missing_stage_country_counts_as_unknown_like_an_empty_one():
    empty = project_of(PartSpec(paths=[PathSpec(mine="")]))
    missing = project_of(PartSpec(paths=[PathSpec(mine="")]))
    missing.tables.paths.loc[:, "mine_country"] = None
    assert missing.tables.paths["mine_country"].isna().all()
    assert report(missing).score == pytest.approx(report(empty).score)
