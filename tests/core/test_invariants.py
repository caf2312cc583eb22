"""The method's promises as properties: hypothesis searches generated projects for a counterexample.

Each test names the invariant as docs/method.md states it ("Invariants"). The suite runs the "ci" profile; the
long run for a release (at least 2,000 examples each; figures in the closing notes) is

    HYPOTHESIS_PROFILE=long installer/dev.sh test tests/core/test_invariants.py --timeout=0
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

from riskdesk.core.countries import default_countries
from riskdesk.core.domain import STAGES, Effect, Stage
from riskdesk.core.evaluation import PROHIBITED_FLOOR, band, evaluate
from riskdesk.core.project import FACTOR_NAMES, Project
from riskdesk.core.rules import ALL, default_control_list, expand_countries
from tests.helpers.builders import PartSpec, PathSpec, project_of

COUNTRIES = ["CN", "US", "JP", "DE", "FR", "MM", "RU", "AU", "MY", "VN", "KP", "EE", "KR", ""]
BUYERS = ["US", "DE", "JP", "CN", "FR", "GB", "KR"]
GRADES = [("NdFeB-sintered", "N42"), ("NdFeB-sintered", "N42SH"), ("NdFeB-sintered", "N38UH"),
          ("NdFeB-sintered", "N40UH-GBD"), ("NdFeB-sintered", "N35EH"), ("NdFeB-bonded", "BNP-8"),
          ("Sm2Co17", "Sm2Co17"), ("SmCo5", "SmCo5"), ("ferrite", "Y30BH"), ("NdFeB-sintered", "")]
END_USES = ["defence", "automotive", "wind", "industrial", "electronics", "other"]
KEY_DATES = [dt.date(2025, 4, 3), dt.date(2025, 4, 4), dt.date(2025, 10, 9), dt.date(2025, 11, 7),
             dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 11, 10), dt.date(2026, 11, 11),
             dt.date(2026, 11, 29), dt.date(2026, 12, 31), dt.date(2027, 1, 1)]
EVIDENCE_WORDS = ["verified", "declared", "inferred", "unknown"]
"""Surest first."""
dates = st.one_of(st.sampled_from(KEY_DATES), st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))


@st.composite
def paths(draw, shares: list[float]) -> list[PathSpec]:
    suppliers = draw(st.lists(st.sampled_from(["S1", "S2", "S3", "S4"]), min_size=len(shares),
                              max_size=len(shares), unique=True))
    return [PathSpec(supplier, share, *(draw(st.sampled_from(COUNTRIES)) for _ in range(4)),
                     draw(st.sampled_from(EVIDENCE_WORDS)))
            for supplier, share in zip(suppliers, shares, strict=True)]


@st.composite
def split(draw) -> list[float]:
    """Shares of one part's paths that add up to 100 %, as an importer accepts them."""
    n = draw(st.integers(1, 3))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1, unique=True)))
    return [float(b - a) for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]


@st.composite
def parts(draw, number: int, complete: bool) -> PartSpec:
    family, grade = draw(st.sampled_from(GRADES))
    shares = draw(split()) if complete else draw(st.lists(st.sampled_from([20.0, 40.0, 60.0, 100.0]), max_size=3))
    composition = draw(st.dictionaries(st.sampled_from(["Dy", "Tb", "Ho", "Gd", "Co", "Sm"]),
                                       st.sampled_from([0.0, 0.2, 1.5, 4.0]), max_size=2))
    return PartSpec(
        f"P-{number}", draw(st.sampled_from(END_USES)), family, grade,
        mass_g=draw(st.sampled_from([0.5, 20.0, 600.0])), units=draw(st.sampled_from([0.0, 100.0, 40000.0])),
        unit_price=draw(st.sampled_from([0.0, 1.0, 85.0])), stock_days=draw(st.sampled_from([0.0, 20.0, 90.0])),
        paths=draw(paths(shares)), composition=composition,
    )


@st.composite
def projects(draw, complete: bool = False) -> Project:
    count = draw(st.integers(1, 3))
    specs = [draw(parts(i, complete)) for i in range(count)]
    weights = draw(st.one_of(st.none(), st.fixed_dictionaries(
        {name: st.sampled_from([0.0, 0.1, 0.35, 1.0]) for name in FACTOR_NAMES})))
    project = project_of(*specs, import_country=draw(st.sampled_from(BUYERS)),
                         suspended_rules_in_force=draw(st.booleans()),
                         us_defence_supply=draw(st.sampled_from(["auto", "yes", "no"])),
                         resourcing_days=draw(st.sampled_from([0.0, 90.0, 180.0, 365.0])))
    if weights is not None and sum(weights.values()) > 0:
        project.settings.weights = weights
    if draw(st.booleans()):
        project.tables.suppliers.loc[:, "general_licence"] = draw(st.sampled_from(["yes", "no", ""]))
    if draw(st.booleans()):  # where the part is made, apart from where its magnet is (a part assembled in China)
        suppliers = project.tables.suppliers
        suppliers["supplier_country"] = [draw(st.sampled_from(COUNTRIES)) for _ in range(len(suppliers))]
    if draw(st.booleans()):  # stages known otherwise than their path (an audited magnet maker, an inferred mine)
        table = project.tables.paths
        for stage in STAGES:
            table[stage.evidence_column] = [draw(st.sampled_from(["", *EVIDENCE_WORDS])) for _ in range(len(table))]
    return project


def scores(project: Project, day: dt.date) -> np.ndarray:
    return evaluate(project, day).scores


def changed(project: Project, path_row: int, column: str, value: object) -> Project:
    other = dataclasses.replace(project, tables=project.tables.copy(), settings=dataclasses.replace(
        project.settings, weights=dict(project.settings.weights)))
    frame = other.tables.paths if column.endswith("_country") and column != "supplier_country" else \
        other.tables.parts
    frame.loc[path_row, column] = value
    return other


@given(projects(), dates, st.data())
def test_replacing_a_stage_country_by_unknown_never_lowers_a_score(project, day, data):
    paths_table = project.tables.paths
    known = [(row, stage.column) for row in range(len(paths_table)) for stage in STAGES
             if paths_table.loc[row, stage.column]]
    assume(known)
    row, column = data.draw(st.sampled_from(known))
    before = scores(project, day)
    after = scores(changed(project, row, column, ""), day)
    note(f"{column} of path {row} ({paths_table.loc[row, column]}) made unknown: {before} → {after}")
    assert np.all(after >= before - 1e-9)


@given(projects(), dates, st.data())
def test_knowing_a_stage_more_surely_never_raises_a_score(project, day, data):
    table = project.tables.paths
    assume(len(table))
    row = data.draw(st.integers(0, len(table) - 1))
    stage = data.draw(st.sampled_from(STAGES))
    now = table.loc[row, stage.evidence_column] or table.loc[row, "origin_evidence"]
    surer = EVIDENCE_WORDS[:EVIDENCE_WORDS.index(now)]
    assume(surer)
    other = _copy(project)
    other.tables.paths.loc[row, stage.evidence_column] = data.draw(st.sampled_from(surer))
    before, after = scores(project, day), scores(other, day)
    note(f"{stage.value} of path {row}: {now} → {other.tables.paths.loc[row, stage.evidence_column]}: "
         f"{before} → {after}")
    assert np.all(after <= before + 1e-9)


@given(projects(), dates)
def test_a_stage_without_its_own_evidence_is_known_as_its_path(project, day):
    spelled = _copy(project)
    table = spelled.tables.paths
    for stage in STAGES:
        blank = table[stage.evidence_column] == ""
        table.loc[blank, stage.evidence_column] = table.loc[blank, "origin_evidence"]
    assert scores(spelled, day).tolist() == scores(project, day).tolist()


@given(projects(), dates, st.data())
def test_a_part_without_supply_paths_is_never_green(project, day, data):
    part = data.draw(st.sampled_from(list(project.tables.parts["part_number"])))
    project.tables.paths = project.tables.paths[project.tables.paths["part_number"] != part].reset_index(drop=True)
    report = evaluate(project, day).part_report(part)
    assert report.band != "green", report.why()


def _unrestricted_targets(project: Project, stage: Stage, day: dt.date) -> list[str]:
    """Countries no rule that can concern this buyer names at this stage (the definition in docs/method.md)."""
    table = default_countries()
    groups = {name: table.members(name) for name in table.groups}
    buyer = project.settings.import_country
    named: set[str] = set()
    everything_but: list[frozenset[str]] = []
    for rule in default_control_list().rules:
        if rule.effect is Effect.INFO or stage not in rule.stages:
            continue
        if rule.import_countries and buyer not in expand_countries(rule.import_countries, groups) \
                and ALL not in rule.import_countries:
            continue
        if rule.not_import_countries and buyer in expand_countries(rule.not_import_countries, groups):
            continue
        countries = expand_countries(rule.countries, groups)
        excluded = expand_countries(rule.not_countries, groups)
        if ALL in countries:
            everything_but.append(excluded)
        named |= countries - excluded
    return [c for c in COUNTRIES if c and c not in named and all(c in ex for ex in everything_but)]


@given(projects(), dates, st.data())
def test_moving_a_stage_out_of_a_restricted_country_never_raises_a_score(project, day, data):
    """Restricted: the part lists a hit or watch item there. Unrestricted target: no rule names it at that stage,
    no worse governed, and not already supplying that stage of the part (consolidating supply into one country
    is what the concentration factor measures)."""
    ev = evaluate(project, day)
    governance = default_countries().governance
    paths_table = project.tables.paths
    moves = set()
    for position in range(ev.compiled.n_parts):
        report = ev.part_report_at(position)
        used = {stage: set(paths_table.loc[paths_table["part_number"] == report.part_number, stage.column])
                for stage in STAGES}
        for hit in report.hits + report.watch:
            if hit.stage in STAGES and hit.country and hit.supplier_id:
                for target in _unrestricted_targets(project, hit.stage, day):
                    if target not in used[hit.stage] and governance(target) <= governance(hit.country):
                        moves.add((report.part_number, hit.supplier_id, hit.stage, hit.country, target))
    assume(moves)
    part, supplier, stage, source, target = data.draw(st.sampled_from(sorted(moves)))
    rows = paths_table.index[(paths_table["part_number"] == part) & (paths_table["supplier_id"] == supplier)]
    after = scores(changed(project, int(rows[0]), stage.column, target), day)
    note(f"{part} {stage.value} {source} → {target}: {ev.scores} → {after}")
    assert np.all(after <= ev.scores + 1e-9)


@given(projects(), dates, st.data())
def test_adding_stock_never_raises_a_score(project, day, data):
    row = data.draw(st.integers(0, len(project.tables.parts) - 1))
    more = float(project.tables.parts.loc[row, "stock_days"]) + data.draw(st.sampled_from([1.0, 30.0, 400.0]))
    assert np.all(scores(changed(project, row, "stock_days", more), day) <= scores(project, day) + 1e-9)


def _quiet(first: dt.date, second: dt.date) -> bool:
    """No rule expires, is suspended, becomes of unknown status or eases (a duty's rate falls, general licences are
    first reported) in (first, second]."""
    control_list = default_control_list()
    relief = control_list.general_licences_from
    if relief is not None and first < relief <= second:
        return False
    for rule in control_list.rules:
        rates = [rule.rate_pct, *(p.rate_pct for p in rule.rate_periods)]
        if any(first < p.start <= second and p.rate_pct < before
               for p, before in zip(rule.rate_periods, rates, strict=False)):
            return False
        ends = [s.start for s in rule.suspensions]
        ends += [d + dt.timedelta(days=1) for d in (rule.effective_until, rule.unknown_after) if d is not None]
        ends += [s.until + dt.timedelta(days=1) for s in rule.suspensions if rule.after_suspension != "in_force"]
        if any(first < day <= second for day in ends):
            return False
    return True


@given(projects(), dates, dates)
def test_a_later_date_never_lowers_a_score_while_no_rule_expires_or_is_suspended(project, one, two):
    first, second = sorted((one, two))
    assume(_quiet(first, second))
    assert np.all(scores(project, second) >= scores(project, first) - 1e-9)


@given(projects(), dates)
def test_a_prohibited_or_possibly_prohibited_part_is_at_or_above_the_floor(project, day):
    ev = evaluate(project, day)
    for report in ev.part_reports():
        fatal = [h for h in report.hits if h.effect is Effect.PROHIBITED]
        fatal += [h for h in report.possible if h.effect is Effect.PROHIBITED and h.status == "in force"]
        if fatal:
            assert report.score >= PROHIBITED_FLOOR, report.why()


@given(projects(complete=True), dates)
def test_scoring_never_fails_on_a_valid_project_and_every_count_agrees(project, day):
    assert not [p for p in project.validate() if p.is_error]
    ev = evaluate(project, day)
    assert np.all(np.isfinite(ev.scores)) and np.all((ev.scores >= 0) & (ev.scores <= 100))
    hits, watch, possible = ev.hit_counts()
    for i, report in enumerate(ev.part_reports()):
        assert (hits[i], watch[i], possible[i]) == (len(report.hits), len(report.watch), len(report.possible))
        assert report.cap or report.floor == 0 or report.factor_score >= report.score
    json.dumps(ev.to_json(), allow_nan=False)


@pytest.mark.parametrize("buyer", BUYERS)
def test_the_issue_projects_score_for_every_buyer(buyer):
    from tests.core.test_scoring import ISSUE_EU_ROWS

    ev = evaluate(project_of(*ISSUE_EU_ROWS, import_country=buyer), dt.date(2026, 11, 29))
    assert len(ev.part_reports()) == 2 and np.all(np.isfinite(ev.scores))


HOSTILE = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(
    [1e308, -1e308, float("inf"), float("-inf"), float("nan"), 0.0, 1e-320, 5e9, 1e12]))
"""Any float a damaged file, a hostile cell or a careless paste could put in a numeric column."""
NUMERIC_CELLS = [("parts", c) for c in ("magnet_mass_g", "annual_units", "unit_price", "stock_days")] + [
    ("paths", "share_pct"), ("composition", "wt_pct")]


@given(projects(), dates, st.lists(st.tuples(st.sampled_from(NUMERIC_CELLS), st.integers(0, 8), HOSTILE),
                                   min_size=1, max_size=6),
       st.dictionaries(st.sampled_from(FACTOR_NAMES), HOSTILE, max_size=3))
def test_scoring_never_yields_nan_whatever_numbers_the_tables_hold(project, day, cells, weights):
    """Hostile numbers (issue 15): validation refuses them, and scoring a project that holds them anyway (a
    damaged file opened in the window) never gives NaN, a band or a JSON document built from one."""
    for (table, column), row, value in cells:
        frame = getattr(project.tables, table)
        if len(frame):
            frame.loc[row % len(frame), column] = value
    settings = dataclasses.replace(project.settings, weights={**project.settings.weights, **weights})
    ev = evaluate(project, day, settings=settings)
    assert np.all(np.isfinite(ev.scores)) and np.all((ev.scores >= 0) & (ev.scores <= 100))
    score, _ = ev.portfolio_score()
    assert np.isfinite(score)
    json.dumps(ev.to_json(), allow_nan=False)


# ---------------------------------------------------------------------------------------------------------------
# I8–I12 (review 2026-12 domain2, V1–V4, V2): no score can be gamed by hiding, by adding China or by choice of family


def _copy(project: Project) -> Project:
    return dataclasses.replace(project, tables=project.tables.copy(), settings=dataclasses.replace(
        project.settings, weights=dict(project.settings.weights)))


STAGE_COLUMNS = [stage.column for stage in STAGES]


@given(projects(), dates, st.data())
def test_blanking_any_country_supplier_included_never_lowers_a_score(project, day, data):
    """I8: the supplier's country (where the part is made) as well as every stage country."""
    paths_table, suppliers = project.tables.paths, project.tables.suppliers
    known = [("paths", row, column) for row in range(len(paths_table)) for column in STAGE_COLUMNS
             if paths_table.loc[row, column]]
    known += [("suppliers", row, "supplier_country") for row in range(len(suppliers))
              if suppliers.loc[row, "supplier_country"]]
    assume(known)
    table, row, column = data.draw(st.sampled_from(known))
    other = _copy(project)
    getattr(other.tables, table).loc[row, column] = ""
    before, after = scores(project, day), scores(other, day)
    note(f"{table} row {row} {column} blanked: {before} → {after}")
    assert np.all(after >= before - 1e-9)


CHINA_GOVERNANCE = default_countries().governance("CN")


def _no_worse_than_china(country: str) -> bool:
    return bool(country) and country != "CN" and default_countries().governance(country) <= CHINA_GOVERNANCE


def _with_path(project: Project, row: int, moved: float, countries: dict[str, str], supplier: str,
               supplier_country: str) -> Project:
    """`project` with `moved` (a fraction) of path `row`'s share given to a new path of `supplier`: the same path
    with the stage countries in `countries` changed."""
    other = _copy(project)
    paths_table = other.tables.paths
    share = float(paths_table.loc[row, "share_pct"])
    paths_table.loc[row, "share_pct"] = share * (1.0 - moved)
    new = paths_table.loc[[row]].copy()
    new["row_id"] = f"new-{row}"
    new["supplier_id"] = supplier
    new["share_pct"] = share * moved
    for column, country in countries.items():
        new[column] = country
    other.tables.paths = pd.concat([paths_table, new], ignore_index=True)
    suppliers = other.tables.suppliers
    added = suppliers.iloc[[0]].copy()
    added["row_id"], added["supplier_id"], added["supplier_name"] = f"new-{supplier}", supplier, supplier
    added["supplier_country"], added["general_licence"] = supplier_country, ""
    other.tables.suppliers = pd.concat([suppliers, added], ignore_index=True)
    return other


def _supplier_country(project: Project, supplier: str) -> str:
    suppliers = project.tables.suppliers
    return str(suppliers.loc[suppliers["supplier_id"] == supplier, "supplier_country"].iloc[0])


@given(projects(complete=True), dates, st.data())
def test_raising_the_share_through_china_never_lowers_a_score(project, day, data):
    """I9: part of a path outside China (its stage countries no worse governed than China) moves to a new supplier
    whose path is the same but passes China at one or more stages: the score never falls. Not for a buyer in China,
    for whom Chinese supply is domestic."""
    assume(project.settings.import_country != "CN")
    paths_table = project.tables.paths
    candidates = [row for row in range(len(paths_table))
                  if all(_no_worse_than_china(paths_table.loc[row, c]) for c in STAGE_COLUMNS)
                  and _supplier_country(project, paths_table.loc[row, "supplier_id"]) != "CN"]
    assume(candidates)
    row = data.draw(st.sampled_from(candidates))
    stages = data.draw(st.lists(st.sampled_from(STAGE_COLUMNS), min_size=1, max_size=4, unique=True))
    moved = data.draw(st.sampled_from([0.25, 0.5, 0.75]))
    supplier_country = _supplier_country(project, paths_table.loc[row, "supplier_id"])
    if supplier_country and "magnet_country" in stages and data.draw(st.booleans()):
        supplier_country = "CN"
    more = _with_path(project, row, moved, dict.fromkeys(stages, "CN"), "S-CN", supplier_country)
    before, after = scores(project, day), scores(more, day)
    note(f"{moved:.0%} of path {row} moved to China at {stages}: {before} → {after}")
    assert np.all(after >= before - 1e-9)


@given(projects(complete=True), dates, st.data())
def test_adding_a_source_outside_china_never_raises_a_score(project, day, data):
    """I10: part of a path through China moves to a new supplier wholly outside China (the same path with each
    Chinese stage, and a Chinese supplier's country, in a country no worse governed than China; every stage known,
    for a stage of unknown country may be China): the score never rises. (A magnet made abroad from Chinese or
    possibly Chinese separated material is not outside China: No. 18 licenses that material, review I3.)"""
    assume(project.settings.import_country != "CN")
    paths_table = project.tables.paths
    candidates = [row for row in range(len(paths_table))
                  if all(paths_table.loc[row, c] for c in STAGE_COLUMNS)
                  and ("CN" in {paths_table.loc[row, c] for c in STAGE_COLUMNS}
                       or _supplier_country(project, paths_table.loc[row, "supplier_id"]) == "CN")]
    assume(candidates)
    row = data.draw(st.sampled_from(candidates))
    outside = st.sampled_from([c for c in COUNTRIES if _no_worse_than_china(c)])
    countries = {c: data.draw(outside) for c in STAGE_COLUMNS if paths_table.loc[row, c] == "CN"}
    supplier_country = _supplier_country(project, paths_table.loc[row, "supplier_id"])
    if supplier_country == "CN":
        supplier_country = data.draw(outside)
    moved = data.draw(st.sampled_from([0.25, 0.5, 0.75]))
    fewer = _with_path(project, row, moved, countries, "S-NEW", supplier_country)
    before, after = scores(project, day), scores(fewer, day)
    note(f"{moved:.0%} of path {row} moved out of China to {countries}: {before} → {after}")
    assert np.all(after <= before + 1e-9)


@given(projects(complete=True), dates, st.data())
def test_a_ferrite_or_alnico_part_never_scores_above_a_rare_earth_part_with_the_same_origins(project, day, data):
    """I11: the same part (origins, volume, stock) as a ferrite or AlNiCo magnet never scores above it as a rare-earth
    magnet."""
    parts_table = project.tables.parts
    row = data.draw(st.integers(0, len(parts_table) - 1))
    family, grade = data.draw(st.sampled_from([g for g in GRADES if g[0] not in ("ferrite", "AlNiCo")]))
    rare_earth = _copy(project)
    rare_earth.tables.parts.loc[row, ["magnet_family", "grade"]] = [family, grade]
    plain = _copy(project)
    plain.tables.parts.loc[row, ["magnet_family", "grade"]] = data.draw(
        st.sampled_from([("ferrite", "Y30BH"), ("AlNiCo", "")]))
    part = parts_table.loc[row, "part_number"]
    for other in (rare_earth, plain):
        composition = other.tables.composition
        other.tables.composition = composition[composition["part_number"] != part].reset_index(drop=True)
    high, low = scores(rare_earth, day)[row], scores(plain, day)[row]
    note(f"{family} {grade}: {high}; as {plain.tables.parts.loc[row, 'magnet_family']}: {low}")
    assert low <= high + 1e-9


@given(projects(), dates)
def test_the_portfolio_never_reads_green_while_a_prohibited_part_carries_volume(project, day):
    """I12: whatever the prices (a part without a unit price included) and weights."""
    ev = evaluate(project, day)
    if ev.prohibited_with_volume().any():
        score, reason = ev.portfolio_score()
        assert band(score) != "green", reason
