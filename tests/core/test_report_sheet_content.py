"""What the report's Suppliers, Variants, Declarations and Checks sheets say, without writing a workbook: the spend
through each supplier adds up to the parts' spend, what to ask each supplier, variants against the project as it
is, the campaign status as `riskdesk requests --json` gives it, the age of each part's evidence, and checks that
all agree."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.labels import BAND_LABELS
from riskdesk.core.project import Project
from riskdesk.core.report_checks import checks_sheet
from riskdesk.core.report_content import ReportRequest, prepare, resolve_scenarios
from riskdesk.core.report_declarations import NO_DECLARATION, declarations_sheet
from riskdesk.core.report_suppliers import NO_SUPPLIER, suppliers_sheet
from riskdesk.core.report_variants import AS_IT_IS, EVERY_PART, NONE_SAVED, variants_sheet
from riskdesk.core.vocabulary import STAGES
from tests.helpers.builders import PartSpec, PathSpec, all_in, project_for_new_sheets, project_of
from tests.helpers.cli import run

AS_OF = dt.date(2026, 11, 23)


def _small() -> Project:
    """P-1 from SUP-A (60 %, all China) and SUP-B (30 %, Japan; 10 % covered by no path); P-2 from SUP-A with its
    mine and metal stages unknown; SUP-C listed but supplying nothing."""
    project = project_of(
        PartSpec("P-1", units=1000, unit_price=10.0, paths=[all_in("CN", supplier="SUP-A", share=60.0),
                                                             all_in("JP", supplier="SUP-B", share=30.0)]),
        PartSpec("P-2", units=200, unit_price=5.0, paths=[PathSpec("SUP-A", 100.0, "", "MY", "", "JP")]))
    suppliers = project.tables.suppliers
    suppliers.loc[len(suppliers)] = {**suppliers.iloc[0].to_dict(), "supplier_id": "SUP-C", "supplier_name": "Idle"}
    return project


# ---------------------------------------------------------------------------------------------------------------
# Suppliers


def test_the_spend_through_the_suppliers_adds_up_to_the_parts_spend_with_the_uncovered_volume_its_own_row() -> None:
    sheet = suppliers_sheet(prepare(ReportRequest(_small(), AS_OF)))
    spend = dict(zip(sheet.supplier_ids, sheet.spend, strict=True))
    # P-1: 10,000 a year, 60/30 of it through SUP-A/SUP-B and 10 % through no path; P-2: 1,000 through SUP-A.
    assert spend == pytest.approx({"SUP-A": 6_000 + 1_000, "SUP-B": 3_000, "SUP-C": 0.0, NO_SUPPLIER: 1_000})
    assert sheet.total_spend == pytest.approx(11_000)
    assert sheet.supplier_ids[-1] == NO_SUPPLIER  # after the suppliers


def test_each_supplier_says_what_it_supplies_its_exposure_and_what_to_ask_it() -> None:
    sheet = suppliers_sheet(prepare(ReportRequest(_small(), AS_OF)))
    row = {s: k for k, s in enumerate(sheet.supplier_ids)}
    a, b, c = row["SUP-A"], row["SUP-B"], row["SUP-C"]
    assert (sheet.part_counts[a], sheet.parts[a], sheet.path_counts[a]) == (2, "P-1, P-2", 2)
    assert (sheet.country_codes[b], sheet.country_names[b]) == ("JP", "Japan")  # separate columns
    # SUP-A: one path all through China, one with two stages of unknown origin (and none known in China).
    assert (sheet.through_china[a], sheet.possibly_china[a], sheet.unknown_origin[a]) == (0.5, 0.5, 0.5)
    assert (sheet.through_china[b], sheet.possibly_china[b], sheet.unknown_origin[b]) == (0.0, 0.0, 0.0)
    assert sheet.to_ask[a] == f"P-2: {STAGES[0].label}, {STAGES[2].label}" and sheet.unknown_stages[a] == 2
    assert sheet.to_ask[b] == "" and sheet.to_ask[row[NO_SUPPLIER]] == "P-1: " + ", ".join(s.label for s in STAGES)
    assert sheet.part_counts[c] == 0 and sheet.highest_scores[c] is None and sheet.highest_bands[c] == ""
    evaluation = prepare(ReportRequest(_small(), AS_OF)).evaluation
    best = max(float(s) for s in evaluation.scores)
    assert sheet.highest_scores[a] == pytest.approx(best) and sheet.highest_bands[a] in BAND_LABELS.values()
    assert sheet.highest_scores == sorted(sheet.highest_scores[:-2], reverse=True) + sheet.highest_scores[-2:]


def test_a_supplier_asked_for_a_declaration_shows_its_latest_request() -> None:
    sheet = suppliers_sheet(prepare(ReportRequest(project_for_new_sheets(), AS_OF)))
    at = {s: k for k, s in enumerate(sheet.supplier_ids)}
    cn, vn, jp = at["SUP-CN1"], at["SUP-VN1"], at["SUP-JP1"]
    assert (sheet.request_ids[cn], sheet.sent[cn], sheet.due[cn], sheet.answered[cn], sheet.request_status[cn]) == (
        "RMD-20260901-aaaa0001", dt.date(2026, 9, 1), dt.date(2026, 10, 15), dt.date(2026, 10, 1), "overdue")
    assert (sheet.request_ids[vn], sheet.answered[vn], sheet.request_status[vn]) == ("RMD-20261101-bbbb0002", None,
                                                                                     "waiting")
    assert (sheet.request_ids[jp], sheet.sent[jp], sheet.request_status[jp]) == ("", None, "")


# ---------------------------------------------------------------------------------------------------------------
# Variants


def test_a_project_without_variants_says_so_in_one_line() -> None:
    sheet = variants_sheet(prepare(ReportRequest(demo_project(), AS_OF)))
    assert sheet.none == NONE_SAVED and sheet.names == []


def test_each_variant_is_compared_with_the_project_as_it_is_under_each_chosen_scenario() -> None:
    project = project_for_new_sheets()
    scenarios = resolve_scenarios(["april-2025-licensing", "dfars-2027"], project, AS_OF)
    data = prepare(ReportRequest(project, AS_OF, scenarios=scenarios))
    sheet = variants_sheet(data)
    names = ["The project as it is", "Second source in Japan", "More stock"]
    assert sheet.names == names * 2 and sheet.names[0] == AS_IT_IS
    assert sheet.scenarios == [scenarios[0].name] * 3 + [scenarios[1].name] * 3
    assert sheet.scores[0] == pytest.approx(data.evaluation.portfolio_score()[0])
    assert sheet.score_changes[0] == 0 and sheet.cost_changes[0] == 0
    part = str(project.tables.parts["part_number"].iloc[0])
    assert (sheet.part_counts[1], sheet.parts[1]) == (1, part)
    assert sheet.part_counts[2] == len(project.tables.parts) and sheet.parts[2] == EVERY_PART
    # The second source's price: (20 − the part's price) × units × 40 % over the scenario's horizon.
    parts = project.tables.parts
    price, units = float(parts["unit_price"].iloc[0]), float(parts["annual_units"].iloc[0])
    purchase = (20.0 - price) * units * 0.40 * scenarios[0].horizon_months / 12
    assert sheet.purchase_changes[1] == pytest.approx(purchase)
    assert sheet.cost_changes[1] == pytest.approx(sheet.scenario_costs[1] - sheet.scenario_costs[0] + purchase)
    assert sheet.parts_short[2] <= sheet.parts_short[0]
    assert [name for name, _ in sheet.not_applied] == ["Broken"] and "NOPE" in sheet.not_applied[0][1]


def test_without_a_scenario_the_variants_are_compared_under_reference_prices_for_a_year() -> None:
    sheet = variants_sheet(prepare(ReportRequest(project_for_new_sheets(), AS_OF)))
    assert len(set(sheet.scenarios)) == 1 and "No shock" in sheet.scenarios[0] and "12 months" in sheet.note


# ---------------------------------------------------------------------------------------------------------------
# Declarations


def test_the_campaign_status_is_what_riskdesk_requests_json_gives(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from riskdesk.io.store.project_file import save_project

    project = project_for_new_sheets()
    save_project(project, tmp_path / "p.rdproj")
    code, out, _ = run(capsys, "requests", tmp_path / "p.rdproj", "--json", "--as-of", AS_OF.isoformat())
    assert code == 0
    printed = json.loads(out)["requests"]
    sheet = declarations_sheet(prepare(ReportRequest(project, AS_OF)))
    shown = [{"request_id": r, "supplier_id": s, "sent": sent.isoformat(), "due": due and due.isoformat(),
              "answered": answered and answered.isoformat(), "effective_date": effective and effective.isoformat(),
              "parts_answered": n_answered, "parts_asked": n_asked, "overdue": overdue}
             for r, s, sent, due, answered, effective, n_answered, n_asked, overdue in zip(
                 sheet.request_ids, sheet.supplier_ids, sheet.sent, sheet.due, sheet.answered, sheet.effective_dates,
                 sheet.parts_answered, sheet.parts_asked, sheet.overdue, strict=True)]
    assert shown == [{k: row[k] for k in shown[0]} for row in printed]
    assert sheet.overdue == [True, False] and sheet.statuses == ["overdue", "waiting"]
    code, out, _ = run(capsys, "requests", tmp_path / "p.rdproj", "--as-of", AS_OF.isoformat())
    assert code == 0 and "RMD-20260901-aaaa0001" in out and "  1/4    overdue" in out


def test_each_part_shows_the_age_of_its_newest_declaration_and_whether_it_is_stale() -> None:
    project = project_for_new_sheets()
    sheet = declarations_sheet(prepare(ReportRequest(project, AS_OF)))
    assert sheet.part_numbers == [str(p) for p in project.tables.parts["part_number"]]
    k = sheet.newest_dates.index(dt.date(2025, 6, 1))
    assert (sheet.newest_suppliers[k], sheet.newest_requests[k], sheet.evidence[k]) == (
        "SUP-CN1", "RMD-20260901-aaaa0001", "declared")
    assert sheet.ages[k] == pytest.approx((AS_OF - dt.date(2025, 6, 1)).days / (365.25 / 12))
    assert sheet.stale[k] == "stale" and sheet.declared_paths[k] == 1 and sheet.paths[k] >= 1
    others = [i for i in range(len(sheet.part_numbers)) if i != k]
    assert {sheet.evidence[i] for i in others} == {NO_DECLARATION} and {sheet.stale[i] for i in others} == {""}
    project.settings.stale_months = 24.0  # the project's setting decides
    assert declarations_sheet(prepare(ReportRequest(project, AS_OF))).stale[k] == "current"


# ---------------------------------------------------------------------------------------------------------------
# Checks


def test_every_check_agrees_on_the_demo_with_scenarios_variants_and_declarations() -> None:
    project = project_for_new_sheets()
    data = prepare(ReportRequest(project, AS_OF, scenarios=resolve_scenarios(["april-2025-licensing", "dfars-2027"],
                                                                            project, AS_OF)))
    suppliers, variants = suppliers_sheet(data), variants_sheet(data)
    checks = checks_sheet(data, suppliers, variants).checks
    assert checks and all(c.passed for c in checks), [c.what for c in checks if not c.passed]
    sheets = {(c.left.sheet, c.right.sheet) for c in checks}
    assert {("Summary", "Parts"), ("Suppliers", "Parts"), ("Exposure", "Parts"), ("Summary", "Scenarios"),
            ("Variants", "Summary")} <= sheets
    assert not any("Findings" in pair for pair in sheets)
    whats = " ".join(c.what for c in checks)
    for band in ("Red", "Amber", "Green"):
        assert f"Parts in {band}" in whats and f"Spend in {band}" in whats
    assert "Scenario 2: the cost change" in whats and "Dy kg/yr at separation/refining" in whats


def test_a_check_fails_when_its_two_figures_disagree() -> None:
    import dataclasses

    data = prepare(ReportRequest(_small(), AS_OF))
    check = checks_sheet(data, suppliers_sheet(data)).checks[1]
    assert check.passed
    off = dataclasses.replace(check, right=dataclasses.replace(check.right, value=check.right.value + 1.0))
    assert not off.passed
