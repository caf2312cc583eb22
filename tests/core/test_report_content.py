"""What each sheet of the risk report says, without writing a workbook: the demo's Summary, Parts, Findings,
Exposure, Scenarios, Inputs and Method as values, checked against the scores, findings and scenario runs the
command line prints."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import uuid

import numpy as np
import pytest

from riskdesk.core import report_content
from riskdesk.core.datafile import Source
from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import BAND_AMBER, BAND_RED, band, evaluate
from riskdesk.core.exposure import by_element_stage_country
from riskdesk.core.findings import findings
from riskdesk.core.labels import BAND_LABELS
from riskdesk.core.project import FACTOR_NAMES, Project
from riskdesk.core.provenance import file_sha256
from riskdesk.core.report_content import (
    OVER_BENCHMARK,
    SHORT_DESCRIPTION,
    SHORT_WHY,
    CountryCells,
    ReportCancelled,
    ReportData,
    ReportError,
    ReportRequest,
    SheetLimits,
    Steps,
    band_thresholds_text,
    bundled_source_urls,
    exposure_sheet,
    findings_sheet,
    inputs_sheet,
    method_sheet,
    parts_sheet,
    prepare,
    resolve_scenarios,
    scenario_blocks,
    summary_sheet,
)
from riskdesk.core.scenario_run import run_on_both_bases
from riskdesk.core.scenarios import PriceShock, Provenance, Scenario
from riskdesk.core.triage import shown_score

AS_OF = dt.date(2026, 11, 23)
LATER = dt.date(2027, 1, 1)
EXCEL = SheetLimits(rows=1_048_574, links=65_530)


def _request(project: Project | None = None, **changes: object) -> ReportRequest:
    project = project or demo_project()
    scenarios = resolve_scenarios(["april-2025-licensing", "dfars-2027"], project, AS_OF)
    request = ReportRequest(project, AS_OF, compare=LATER, scenarios=scenarios, monte_carlo_paths=300, seed=3)
    return dataclasses.replace(request, **changes)


@pytest.fixture(scope="module")
def data() -> ReportData:
    return prepare(_request())


# ---------------------------------------------------------------------------------------------------------------
# Summary


def test_the_summary_states_the_project_the_dates_the_control_list_and_who_wrote_it(data: ReportData) -> None:
    summary = summary_sheet(data, user="ann")
    facts = dict(summary.facts)
    assert [label for label, _ in summary.facts] == [
        "Project", "Buyer imports into", "As of", "Compared with", "Control list", "Control list SHA-256", "Prices",
        "Scope", "Written", "Report id"]
    assert facts["Project"] == "Demo: US motor and sensor buyer"
    assert facts["Buyer imports into"] == CountryCells("US", "United States")
    assert summary.subtitle.endswith("for a buyer importing into United States (US).")
    assert facts["As of"] == AS_OF and facts["Compared with"] == LATER
    control = data.reference.control_list
    assert facts["Control list SHA-256"] == file_sha256(control.path)
    assert facts["Scope"] == "15 parts, 7 suppliers, 20 supply paths"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC by ann with RiskDesk \S+", str(facts["Written"]))
    assert uuid.UUID(str(facts["Report id"])).version == 4
    assert summary.title == "RiskDesk risk report: Demo: US motor and sensor buyer"

    anonymous = summary_sheet(prepare(_request(author=False, compare=None, scenarios=())), user="ann")
    assert "ann" not in str(dict(anonymous.facts)["Written"]) and " by " not in str(dict(anonymous.facts)["Written"])
    assert "Compared with" not in dict(anonymous.facts) and anonymous.on_compare == ""


def test_the_portfolio_score_and_the_riskiest_parts_are_those_of_riskdesk_score(data: ReportData) -> None:
    summary = summary_sheet(data)
    evaluation, later = data.evaluation, data.later
    assert later is not None
    score, reason = evaluation.portfolio_score()
    assert (summary.score, summary.band, summary.reason) == (score, band(score), reason)
    assert summary.on_as_of == f"On 2026-11-23: {reason}."
    after = later.portfolio_score()[0]
    assert summary.on_compare == (f"From 2026-11-23 to 2027-01-01: {score:.0f} ({BAND_LABELS[band(score)]}) → "
                                  f"{after:.0f} ({BAND_LABELS[band(after)]}), {after - score:+.1f}.")
    top = summary.top
    assert top is not None
    assert summary.top_heading == ("The 10 riskiest parts on 2026-11-23 (alike in status and score: the larger "
                                   "spend first)")
    highest = sorted(evaluation.part_reports(), key=lambda r: -r.score)[:10]
    assert [shown_score(s) for s in top.scores] == [shown_score(r.score) for r in highest]
    # Both score 100: the prohibited part comes before the possibly prohibited one (riskdesk.core.triage).
    assert top.part_numbers[:2] == ["DRN-PROP-6", "RAD-TWT-3"]
    assert top.statuses[:3] == ["Prohibited", "Possibly prohibited", ""] and top.possible[1] > 0
    report = evaluation.part_report("DRN-PROP-6")
    # One printed line: what holds the part at its floor, from its first reason, without the floor's own words.
    assert top.why[0] == "US-DFARS-7052-MELT prohibits the path …"
    assert all(len(why) <= SHORT_WHY + 2 and "\n" not in why for why in top.why)
    assert all(len(d) <= SHORT_DESCRIPTION + 2 for d in top.descriptions)
    assert top.hits[0] == len(report.hits) and top.bands[0] == "Red"
    assert re.fullmatch(r"\w[\w ]* \d+; \w[\w ]* \d+", top.why[-1]), "unfloored: its two heaviest factors"
    index = [evaluation.compiled.part_numbers.tolist().index(p) for p in top.part_numbers]
    assert top.later_scores == [float(later.scores[i]) for i in index]
    assert top.changes == [b - a for a, b in zip(top.scores, top.later_scores, strict=True)]
    assert top.changes[top.part_numbers.index("ACT-FIN-07")] == pytest.approx(30.0)
    assert [(k.text, k.when) for k in summary.changes_next] == [
        ("1 part becomes prohibited on 2027-01-01 (US-DFARS-7052-UPSTREAM): ACT-FIN-07.", LATER)]
    assert all(k.when is None for k in summary.key_findings)
    # What the portfolio block beside them states (prohibited parts, the bands, both dates) is not said twice.
    assert {k.topic for k in data.key} >= {"status", "bands", "compare"}
    assert not {k.topic for k in summary.key_findings} & {"status", "bands", "compare"}


def test_the_summary_gives_the_spend_at_risk_what_is_prohibited_and_each_scenarios_cost(data: ReportData) -> None:
    summary = summary_sheet(data)
    evaluation = data.evaluation
    spend = evaluation.compiled.spend
    numbers = evaluation.compiled.part_numbers.tolist()
    assert summary.total_spend == pytest.approx(float(spend.sum()))
    named = [band(float(s)) for s in evaluation.scores]
    assert [(b.band, b.parts) for b in summary.spend_by_band] == [(n, named.count(n)) for n in ("red", "amber",
                                                                                                  "green")]
    for item in summary.spend_by_band:
        assert item.spend == pytest.approx(sum(float(spend[i]) for i, n in enumerate(named) if n == item.band))
    assert sum(b.share for b in summary.spend_by_band) == pytest.approx(1.0)
    assert [(g.label, g.part_numbers) for g in summary.statuses] == [("Prohibited", ["DRN-PROP-6"]),
                                                                    ("Possibly prohibited", ["RAD-TWT-3"])]
    assert summary.statuses[0].spend == pytest.approx(float(spend[numbers.index("DRN-PROP-6")]))
    assert [s.name for s in summary.scenarios] == [r.result.scenario.name for r in data.runs]
    for line, run in zip(summary.scenarios, data.runs, strict=True):
        result, mc = run.result, run.monte_carlo
        assert mc is not None
        assert line.change == pytest.approx(result.delta_total) and line.other_change == run.other.delta_total
        assert line.parts_short == int(result.stock_out.stops.sum())
        assert line.value_short == pytest.approx(float(result.stock_out.shortfall_cost.sum()))
        assert line.units_short == pytest.approx(float(result.stock_out.units_short.sum()))
        first = [int(d) for d in result.stock_out.first_short_day if d > 0]
        assert line.first_short == (result.scenario.day(min(first)) if first else None)
        assert (line.p50, line.p95, line.cost_at_risk, line.level) == (mc.total_p50, mc.total_p95, mc.cost_at_risk,
                                                                       95)
        assert line.p50 is not None and line.p95 is not None and line.p50 <= line.p95
    # DFARS 2027 costs nothing in prices, but parts run short: the Summary says so.
    dfars = summary.scenarios[1]
    assert dfars.change == 0 and dfars.parts_short > 0 and dfars.value_short > 0


def test_parts_alike_in_status_and_shown_score_are_listed_the_larger_spend_first() -> None:
    from riskdesk.core.demo import synthetic_project

    data = prepare(ReportRequest(synthetic_project(3_000), AS_OF))
    evaluation = data.evaluation
    statuses, spend = evaluation.statuses(), evaluation.compiled.spend
    keys = [(statuses[i], shown_score(float(evaluation.scores[i])), float(spend[i])) for i in data.order]
    ties = [(a, b) for a, b in itertools.pairwise(keys) if a[:2] == b[:2]]
    assert any(a[2] != b[2] for a, b in ties), "the project must have ties of different spend to test"
    assert all(a[2] >= b[2] for a, b in ties)
    top = summary_sheet(data).top
    assert top is not None and top.part_numbers == parts_sheet(data).part_numbers[:10]


def test_a_project_without_parts_says_so_and_has_no_riskiest_parts() -> None:
    summary = summary_sheet(prepare(ReportRequest(Project(), AS_OF)))
    assert summary.top is None
    assert summary.top_heading == "The project has no parts yet: add or import them, then export again."
    assert [k.text for k in summary.key_findings] == ["The project has no parts yet."]


# ---------------------------------------------------------------------------------------------------------------
# Parts


def test_parts_are_listed_riskiest_first_with_their_floor_factors_and_findings(data: ReportData) -> None:
    parts = parts_sheet(data)
    evaluation = data.evaluation
    assert parts.full_text
    assert sorted(parts.part_numbers) == sorted(evaluation.compiled.part_numbers.tolist())
    shown = [shown_score(s) for s in parts.scores]
    assert shown == sorted(shown, reverse=True)
    assert parts.bands == [BAND_LABELS[band(s)] for s in parts.scores]
    row = {p: k for k, p in enumerate(parts.part_numbers)}
    assert parts.floors[row["RAD-TWT-3"]] == 90 and parts.floors[row["ACT-FIN-07"]] == 70
    assert parts.floors[row["GYR-NAV-1"]] is None and parts.floor_reasons[row["GYR-NAV-1"]] == ""
    assert parts.floor_reasons[row["ACT-FIN-07"]] == evaluation.part_report("ACT-FIN-07").cap
    assert parts.rules_gained[row["ACT-FIN-07"]] == "US-DFARS-7052-UPSTREAM"
    assert parts.changes[row["ACT-FIN-07"]] == pytest.approx(30.0)
    assert list(parts.factors) == list(FACTOR_NAMES)
    assert sum(parts.hits) + sum(parts.watch) + sum(parts.possible) == len(findings(evaluation))
    k = row["RAD-TWT-3"]
    report = evaluation.part_report("RAD-TWT-3")
    assert (parts.hits[k], parts.watch[k], parts.possible[k]) == (len(report.hits), len(report.watch),
                                                                  len(report.possible))
    kg = np.array(parts.element_kg)
    assert kg.shape == (len(parts.symbols), 15) and "Nd" in parts.symbols
    np.testing.assert_allclose(kg.sum(axis=0), evaluation.part_kg_c[data.order].sum(axis=1))
    assert parts.note.endswith("Compared with 2027-01-01.")


def test_above_the_full_text_limit_a_floor_is_explained_in_a_few_words(data: ReportData,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_content, "FULL_TEXT_PARTS", 14)
    parts = parts_sheet(data)
    assert not parts.full_text
    reasons = dict(zip(parts.part_numbers, parts.floor_reasons, strict=True))
    assert reasons["RAD-TWT-3"] == "prohibited (or possibly, origin unknown)"
    assert reasons["ACT-FIN-07"] == "may soon be prohibited" and reasons["GYR-NAV-1"] == ""


def test_the_band_thresholds_in_words_are_the_scores_own() -> None:
    text = band_thresholds_text()
    assert text == "Green below 40, amber 40–70, red from 70"
    assert [float(n) for n in re.findall(r"\d+", text)] == [BAND_AMBER, BAND_AMBER, BAND_RED, BAND_RED]


# ---------------------------------------------------------------------------------------------------------------
# Findings and exposure


def test_findings_are_every_item_of_score_json_grouped_by_part_riskiest_first(data: ReportData) -> None:
    sheet = findings_sheet(data, EXCEL)
    found = findings(data.evaluation)
    assert sheet.total == len(sheet.part_numbers) == len(found) == 155 and sheet.links
    parts = parts_sheet(data).part_numbers
    assert list(dict.fromkeys(sheet.part_numbers)) == [p for p in parts if p in set(sheet.part_numbers)]
    expected = sorted(zip((str(data.evaluation.compiled.part_numbers[p]) for p in found.part), found.rule_ids(),
                          found.kg.tolist(), strict=True))
    assert sorted(zip(sheet.part_numbers, sheet.rule_ids, sheet.kg, strict=True)) == expected
    assert set(sheet.kinds) == {"Hit", "Watch", "Possible"}
    assert all(c == "unknown" for k, c in zip(sheet.kinds, sheet.countries, strict=True) if k == "Possible")
    assert all(url in bundled_source_urls() for url, _text in sheet.sources if url)
    assert all(isinstance(d, dt.date) for d in sheet.starts)
    assert sheet.note.startswith("Every hit, watch item and possible hit on 2026-11-23: 155 items")


def test_findings_beyond_what_a_sheet_holds_are_cut_and_the_note_says_where_the_rest_are(data: ReportData) -> None:
    sheet = findings_sheet(data, SheetLimits(rows=5, links=3))
    assert sheet.total == 155 and len(sheet.rule_ids) == len(sheet.sources) == 5
    assert not sheet.links and all(isinstance(s, str) for s in sheet.sources)
    assert "Only the first 5 fit in a sheet; all of them are in riskdesk score --json." in sheet.note
    assert "The sources' links are on the Method sheet" in sheet.note


@pytest.mark.parametrize("country", ["US", "DE"])
def test_exposure_flags_the_eu_benchmark_only_for_a_buyer_in_the_eu(country: str) -> None:
    project = demo_project()
    project = dataclasses.replace(project, settings=dataclasses.replace(project.settings, import_country=country))
    data = prepare(ReportRequest(project, AS_OF))
    sheet = exposure_sheet(data)
    cells = by_element_stage_country(data.evaluation)
    assert sheet.kg == [c.kg for c in cells] and len(sheet.flags) == len(cells) > 0
    if country == "US":
        assert set(sheet.flags) == {"n/a"} and "the EU's 65 % benchmark does not apply (n/a)" in sheet.note
    else:
        assert sheet.benchmark_applies and "benchmark applies" in sheet.note
        assert sheet.flags == [OVER_BENCHMARK if c.over_benchmark else "within" for c in cells]
        assert OVER_BENCHMARK in sheet.flags and "within" in sheet.flags
    for element, stage in {(e, s) for e, s in zip(sheet.elements, sheet.stages, strict=True)}:
        shares = [sh for e, s, sh in zip(sheet.elements, sheet.stages, sheet.shares, strict=True)
                  if (e, s) == (element, stage)]
        assert sum(shares) == pytest.approx(1.0) or sum(shares) == 0


# ---------------------------------------------------------------------------------------------------------------
# Scenarios


def test_each_scenario_has_its_months_stock_outs_and_monte_carlo_as_riskdesk_scenario_runs_them(
        data: ReportData) -> None:
    blocks = scenario_blocks(data)
    assert [b.heading for b in blocks] == ["Scenario 1: April 2025 licensing, again",
                                           "Scenario 2: DFARS 2027 for defence parts"]
    first = blocks[0]
    result = next(iter(run_on_both_bases(data.evaluation, data.request.scenarios[0]).values()))
    assert [f"{m:%Y-%m}" for m in first.months] == list(result.months) and len(first.months) == 24
    assert all(isinstance(m, dt.date) and m.day == 1 for m in first.months)
    assert first.baseline == result.portfolio_baseline.tolist()
    assert first.changes == pytest.approx(np.subtract(first.scenario, first.baseline).tolist())
    assert list(first.percentiles) == [5, 25, 50, 75, 95] and first.mean is not None
    p5, p50, p95 = (np.array(first.percentiles[q]) for q in (5, 50, 95))
    assert (p5 <= p50).all() and (p50 <= p95).all()
    assert first.lines[-1].startswith("Monte Carlo: 300 paths, seed 3, ")
    assert any(line.startswith("Supply: ") and "reaches 7 parts" in line for line in first.lines)
    assert first.stops_heading == "Scenario 1: parts that lose supply (day 1 = 2026-11-01)"
    stops = first.stops
    assert stops is not None and len(stops.part_numbers) == 7
    short = [d for d in stops.first_short_days if d is not None]
    assert short == sorted(short) and stops.first_short_days[: len(short)] == short, "first to run short first"
    assert all(d is None or d == first_day + dt.timedelta(days=n - 1)
               for first_day in [dt.date(2026, 11, 1)]
               for n, d in zip(stops.first_short_days, stops.first_short_dates, strict=True) if n is not None)
    assert stops.run_out_probabilities is not None and all(0 <= p <= 1 for p in stops.run_out_probabilities)


def test_without_monte_carlo_a_scenario_has_no_percentiles_and_without_scenarios_there_are_no_blocks() -> None:
    data = prepare(_request(monte_carlo_paths=0, scenarios=_request().scenarios[:1]))
    (block,) = scenario_blocks(data)
    assert block.percentiles == {} and block.mean is None
    assert block.stops is not None and block.stops.run_out_probabilities is None
    assert not any(line.startswith("Monte Carlo") for line in block.lines)
    assert scenario_blocks(prepare(_request(scenarios=()))) == []


# ---------------------------------------------------------------------------------------------------------------
# Inputs and method


def test_the_inputs_are_the_project_as_entered_with_what_scoring_used(data: ReportData) -> None:
    inputs = inputs_sheet(data)
    assert inputs.settings == [
        ("Project name", "Demo: US motor and sensor buyer"), ("Import country", "United States"),
        ("Import country: ISO code", "US"),
        ("US defence supply (DFARS)", "auto: yes"), ("Treat suspended rules as in force", "no"),
        ("Disruption length, days", 63.0), ("Time to re-source, days", 180.0),
        ("Declarations stale after, months", 12.0), ("Price basis", "ex-china"),
        ("Weight: Restriction", 0.35),
        ("Weight: Concentration", 0.15), ("Weight: Transparency", 0.15), ("Weight: Price", 0.1),
        ("Weight: Buffer", 0.15), ("Weight: Single source", 0.1), ("Weights add up to", 1.0)]
    tables = data.request.project.tables
    assert inputs.parts["part_number"] == tables.parts["part_number"].tolist()
    assert inputs.parts_title.startswith("Parts (15), with the composition scoring used")
    assert all(len(values) == 15 for values in inputs.wt_pct_used.values()) and "Dy" in inputs.wt_pct_used
    assert len(inputs.paths["supplier_id"]) == len(inputs.share_used) == len(tables.paths) == 20
    assert inputs.share_used[:3] == [70.0, 30.0, 100.0]
    assert inputs.composition is not None and inputs.composition_title == "Composition given per part (3)"


def test_volume_no_supply_path_covers_is_a_path_of_unknown_origin_in_the_inputs() -> None:
    project = demo_project()
    project.tables.paths.loc[2, "share_pct"] = 60.0  # ACT-FIN-07's one supplier: 40 % of its volume uncovered
    inputs = inputs_sheet(prepare(ReportRequest(project, AS_OF)))
    assert len(inputs.paths["supplier_id"]) == len(inputs.share_used) == 21
    assert inputs.paths["part_number"][20] == "ACT-FIN-07" and inputs.paths["supplier_id"][20] == "(none)"
    assert inputs.paths["origin_evidence"][20] == "unknown" and inputs.paths["share_pct"][20] is None
    assert inputs.share_used[2] == 60.0 and inputs.share_used[20] == pytest.approx(40.0)


def test_a_project_without_composition_figures_has_no_composition_block() -> None:
    assert inputs_sheet(prepare(ReportRequest(Project(), AS_OF))).composition is None


def test_the_method_lists_every_rule_with_its_status_and_links_only_bundled_sources() -> None:
    project = demo_project()
    elsewhere = Source("EU Official Journal (official)", "https://evil.example/phish?u=1")
    project.scenarios.append(Scenario("Own", dt.date(2026, 11, 1), price_shocks=(
        PriceShock(("Dy",), multiplier=2.0, months=3, provenance=Provenance(sources=(elsewhere,))),)))
    data = prepare(ReportRequest(project, AS_OF, scenarios=resolve_scenarios(["Own"], project, AS_OF)))
    method = method_sheet(data, EXCEL)
    assert [row[0] for row in method.rules] == [r.id for r in data.reference.control_list.rules]
    assert method.rules_heading == "The control list on 2026-11-23: every rule, its status and dates"
    assert [row[2] for row in method.factors] == ["0.35 (35%)", "0.15 (15%)", "0.15 (15%)", "0.1 (10%)",
                                                  "0.15 (15%)", "0.1 (10%)"]
    assert ("Scenario 1", ("", "EU Official Journal (official)"), "https://evil.example/phish?u=1", "not recorded",
            "not recorded") in method.sources
    assert all(url in bundled_source_urls() for _of, (url, _text), _address, *_dates in method.sources if url)
    assert len(method.sources) == len(set(method.sources)) > 3
    assert len(method_sheet(data, SheetLimits(rows=10, links=3)).sources) == 3


# ---------------------------------------------------------------------------------------------------------------
# Preparing


def test_preparing_reuses_the_windows_scores_refuses_errors_and_stops_when_cancelled() -> None:
    project = demo_project()
    evaluation = evaluate(project, AS_OF)
    seen: list[int] = []
    data = prepare(ReportRequest(project, AS_OF, evaluation=evaluation),
                   Steps(progress=lambda done, total, text: seen.append(done)))
    assert data.evaluation is evaluation and seen and max(seen) <= 250
    stale = prepare(ReportRequest(project, LATER, evaluation=evaluation))
    assert stale.evaluation is not evaluation and stale.evaluation.as_of == LATER
    with pytest.raises(ReportCancelled):
        prepare(_request(), Steps(cancelled=lambda: True))
    broken = demo_project()
    broken.tables.paths.loc[0, "share_pct"] = 250.0
    with pytest.raises(ReportError, match="fix them before making a report"):
        prepare(ReportRequest(broken, AS_OF))


def test_the_inputs_let_an_auditor_name_the_report_and_recompute_a_dollar(data: ReportData, tmp_path) -> None:
    from riskdesk.io.store.project_file import save_project

    inputs = inputs_sheet(data)
    facts = dict(inputs.provenance)
    assert facts["Report id"] == data.report_id and re.fullmatch(r"[\d-]+ [\d:]+ UTC", facts["Written (UTC)"])
    assert facts["Project file SHA-256"].startswith("not saved")
    assert facts["Control list SHA-256"] == file_sha256(data.reference.control_list.path)
    assert inputs.sign_off[:3] == ["Prepared by", "Prepared on", "Reviewed by"]
    rates = dict(inputs.exchange)
    assert rates["CNY per USD"] == data.reference.prices.cny_per_usd
    assert dict(inputs.monte_carlo)["Seed"] == 3 and dict(inputs.monte_carlo)["Paths"] == 300
    # Every USD figure is kg × the listed price on the project's basis: re-perform one.
    parts = parts_sheet(data)
    basis = data.reference.prices.reference("Nd", data.evaluation.settings.price_basis).basis
    listed = {(element, b): price for element, b, price, *_ in inputs.prices}
    j = parts.symbols.index("Nd")
    price = listed[("Nd", report_content.BASIS_NAMES[basis])]
    assert parts.element_values[j][0] == pytest.approx(parts.element_kg[j][0] * price)

    path = tmp_path / "demo.rdproj"
    save_project(demo_project(), path)
    saved = prepare(ReportRequest(demo_project(), AS_OF, project_file=path))
    assert dict(inputs_sheet(saved).provenance)["Project file SHA-256"] == file_sha256(path)


def test_the_inputs_name_the_revision_the_project_was_read_at_when_it_is_known(data: ReportData) -> None:
    assert "Project revision" not in dict(inputs_sheet(data).provenance)  # a project kept nowhere: no row
    named = prepare(_request(revision="12 of the workspace eu"))
    facts = list(inputs_sheet(named).provenance)
    names = [name for name, _ in facts]
    assert dict(facts)["Project revision"] == "12 of the workspace eu"
    assert names.index("Project revision") == names.index("Project file SHA-256") + 1
