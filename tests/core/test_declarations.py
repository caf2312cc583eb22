"""What the project keeps of supplier declarations, and the rule that turns an answer's rows into supply paths."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from riskdesk.core.declarations import (
    DeclarationAnswer,
    DeclarationRequest,
    Declarations,
    OriginRow,
    PathOrigin,
    answer_paths,
    declared_on,
    path_evidence,
)
from riskdesk.core.demo import demo_project
from riskdesk.core.domain import STAGE_EVIDENCE_COLUMNS
from riskdesk.core.edits import ChangeSet, WholeChange

SENT = dt.date(2026, 12, 1)


def _row(element: str, share: float, mine: str = "AU", separation: str = "MY", metal: str = "JP",
         evidence: str = "declared", part: str = "P1") -> OriginRow:
    return OriginRow(part, element, share, mine, separation, metal, evidence)


def test_the_paths_follow_the_heavy_rare_earth_and_say_where_another_element_differs():
    rows = [_row("NdPr", 100, separation="CN"), _row("Dy", 70, evidence="verified"), _row("Dy", 30, "CN", "CN", "CN")]
    plan = answer_paths(rows, {"P1": "JP"}, {"P1": 50.0})
    assert [(p.share_pct, p.countries, p.evidence) for p in plan.paths] == [
        (35.0, ("AU", "MY", "JP", "JP"), "verified"), (15.0, ("CN", "CN", "CN", "JP"), "declared")]
    assert plan.notes == []  # NdPr's CN separation is among Dy's sources
    plan = answer_paths([_row("NdPr", 100, separation="VN"), _row("Dy", 100)], {}, {"P1": math.nan})
    assert math.isnan(plan.paths[0].share_pct) and plan.paths[0].countries[3] == ""
    assert plan.notes == ["part P1: NdPr's separation country (VN) differs from Dy's; the supply paths follow Dy"]


def test_an_answer_without_heavy_rare_earths_follows_ndpr():
    plan = answer_paths([_row("Nd", 100, separation="CN"), _row("NdPr", 100)], {}, {"P1": 100.0})
    assert [p.countries[1] for p in plan.paths] == ["MY"]


def test_declarations_round_trip_as_json_and_count_answered_and_overdue_parts():
    answer = DeclarationAnswer(dt.date(2026, 12, 20), dt.date(2026, 11, 30), "a.xlsx", "ab" * 32, parts=("P1",),
                               paths=(PathOrigin("r1", "P1", "verified", ("AU", "MY", "JP", "JP")),))
    request = DeclarationRequest("RMD-1", "SUP", SENT, dt.date(2026, 12, 31), ("P1", "P2"), (answer,))
    declarations = Declarations((request, DeclarationRequest("RMD-2", "SUP2", SENT, None, ("P3",))))
    assert Declarations.from_json(declarations.to_json()) == declarations
    assert request.parts_answered == ("P1",) and request.answered == dt.date(2026, 12, 20)
    assert not request.overdue(dt.date(2026, 12, 31)) and request.overdue(dt.date(2027, 1, 1))
    assert not declarations.requests[1].overdue(dt.date(2030, 1, 1))  # no due date: never overdue
    changes = ChangeSet("answer", wholes=(WholeChange("declarations", Declarations(), declarations),))
    from riskdesk.io.store import read_whole

    assert ChangeSet.from_json(changes.to_json(), read_whole).wholes[0].new == declarations
    assert ChangeSet.from_json(changes.to_json()).wholes[0].new == declarations


def test_a_path_edited_by_hand_after_an_answer_is_no_longer_the_answers():
    project = demo_project()
    paths = project.tables.paths
    row = paths.iloc[0]
    countries = tuple(str(row[c]) for c in ("mine_country", "separation_country", "metal_country", "magnet_country"))
    answer = DeclarationAnswer(dt.date(2026, 12, 20), dt.date(2026, 11, 30), "a.xlsx", "00",
                               parts=(row["part_number"],),
                               paths=(PathOrigin(row["row_id"], row["part_number"], "declared", countries),))
    declarations = Declarations((DeclarationRequest("RMD-1", row["supplier_id"], SENT, None,
                                                    (row["part_number"],), (answer,)),))
    evidence = path_evidence(declarations, paths)
    assert list(evidence) == [row["row_id"]] and evidence[row["row_id"]].age_days(dt.date(2026, 12, 30)) == 30
    paths.loc[0, "separation_country"] = "VN"
    assert path_evidence(declarations, paths) == {}


def test_a_project_file_keeps_the_declarations_and_a_schema_6_file_opens_without_any(tmp_path):
    from riskdesk.io.store import open_store
    from riskdesk.io.store.schema import SCHEMA_VERSION

    project = demo_project()
    project.declarations = Declarations((DeclarationRequest("RMD-1", "SUP-JP1", SENT, None, ("EPS-MTR-8",)),))
    path = tmp_path / "p.rdproj"
    store = open_store(path)
    store.save(project, None)
    assert store.read()[0].declarations == project.declarations
    db = sqlite3.connect(path)
    db.execute("DROP TABLE declarations")
    for column in STAGE_EVIDENCE_COLUMNS:
        db.execute(f"ALTER TABLE paths DROP COLUMN {column}")
    db.execute("PRAGMA user_version = 6")
    db.commit()
    db.close()
    older, revision = open_store(path).read()
    assert older.declarations == Declarations() and len(older.tables.paths) == len(project.tables.paths)
    older.declarations = project.declarations
    open_store(path).save(older, revision)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert open_store(path).read()[0].declarations == project.declarations


def _declared(project, evidence: str, effective: dt.date):
    """`project` with its first path's origins set by an answer of `effective`, at `evidence`."""
    paths = project.tables.paths
    row = paths.iloc[0]
    paths.loc[0, "origin_evidence"] = evidence
    countries = tuple(str(row[c]) for c in ("mine_country", "separation_country", "metal_country", "magnet_country"))
    answer = DeclarationAnswer(effective, effective, "a.xlsx", "00", parts=(row["part_number"],),
                               paths=(PathOrigin(row["row_id"], row["part_number"], evidence, countries),))
    project.declarations = Declarations((DeclarationRequest("RMD-1", row["supplier_id"], effective, None,
                                                            (row["part_number"],), (answer,)),))
    return project, str(row["part_number"])


def test_an_origin_declared_longer_ago_than_the_setting_counts_as_less_sure_in_transparency():
    from riskdesk.core.evaluation import evaluate

    as_of = dt.date(2027, 6, 1)
    fresh, part = _declared(demo_project(), "declared", dt.date(2027, 1, 1))
    stale, _ = _declared(demo_project(), "declared", dt.date(2026, 1, 1))
    undeclared = demo_project()
    undeclared.tables.paths.loc[0, "origin_evidence"] = "declared"

    def transparency(project) -> float:
        evaluation = evaluate(project, as_of)
        return float(evaluation.factors["transparency"][evaluation.compiled.part_position(part)])

    assert transparency(fresh) == transparency(undeclared)  # a path without a declaration: its column decides
    assert transparency(stale) > transparency(fresh)
    evaluation = evaluate(stale, as_of)
    position = evaluation.compiled.part_position(part)
    assert "longer ago than 12 months" in evaluation.factor_inputs["transparency"][position]
    # 17 months old: not stale once the setting allows 18 months; stale verified counts as declared
    stale.settings.stale_months = 18.0
    assert transparency(stale) == transparency(fresh)
    stale.settings.stale_months = 12.0
    verified_stale, _ = _declared(demo_project(), "verified", dt.date(2026, 1, 1))
    assert transparency(verified_stale) == transparency(fresh)


def test_the_stale_setting_is_kept_in_the_project_and_falls_back_to_its_default():
    from riskdesk.core.fields import setting
    from riskdesk.core.project import ProjectSettings

    assert ProjectSettings().stale_months == 12.0 and setting("stale_months").limit is not None
    assert ProjectSettings.from_json({"stale_months": 6}).stale_months == 6.0
    assert ProjectSettings.from_json({"stale_months": -3}).stale_months == 12.0
    assert ProjectSettings.from_json({}).stale_months == 12.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(0, 3), st.booleans(),
                          st.sampled_from(["declared", "verified"])), min_size=0, max_size=12))
def test_each_path_takes_the_latest_answer_that_still_holds_its_countries(answers):
    """The vectorised lookup (path_evidence, declared_on: the score uses it at every compile) keeps the rule: the
    answer received last (then the later effective date, then the one kept last) that set the path's countries
    as the path still holds them."""
    project = demo_project()
    paths = project.tables.paths.head(6).reset_index(drop=True)
    stages = ("mine_country", "separation_country", "metal_country", "magnet_country")
    requests = []
    expected: dict[str, tuple[tuple[int, int, int], str, str]] = {}
    for n, (row, received, effective, holds, evidence) in enumerate(answers):
        held = tuple(str(paths.at[row, c]) for c in stages)
        countries = held if holds else ("XX", *held[1:])
        answer = DeclarationAnswer(SENT + dt.timedelta(days=received), SENT - dt.timedelta(days=effective),
                                   f"a{n}.xlsx", "00", parts=(paths.at[row, "part_number"],),
                                   paths=(PathOrigin(paths.at[row, "row_id"], paths.at[row, "part_number"], evidence,
                                                     countries),))
        requests.append(DeclarationRequest(f"RMD-{n}", "S", SENT, None, answer.parts, (answer,)))
        key = (received, -effective, n)
        if holds and (paths.at[row, "row_id"] not in expected or key >= expected[paths.at[row, "row_id"]][0]):
            expected[paths.at[row, "row_id"]] = (key, f"RMD-{n}", evidence)
    declarations = Declarations(tuple(requests))
    found = path_evidence(declarations, paths)
    assert {r: (e.request_id, e.evidence) for r, e in found.items()} == {r: v[1:] for r, v in expected.items()}
    dates = declared_on(declarations, paths)
    for i, row_id in enumerate(paths["row_id"]):
        if row_id in found:
            assert dates[i] == found[row_id].effective_date.toordinal()
        else:
            assert math.isnan(dates[i])
