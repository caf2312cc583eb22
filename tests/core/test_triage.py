"""Triage: a part's prohibition status, the band of the score as shown, and prohibited → possibly prohibited →
score order, the same in the core's JSON, the CLI's list and the report (the window: tests/ui/test_status_column.py).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import band, bands, compile_project, evaluate
from riskdesk.core.report_content import ReportRequest, parts_sheet, prepare, summary_sheet
from riskdesk.core.triage import POSSIBLY_PROHIBITED, PROHIBITED, score_change_text, score_text, shown_score
from tests.helpers.builders import PartSpec, PathSpec, all_in, project_of
from tests.helpers.cli import demo, run

__all__ = ["demo"]  # the fixture

AS_OF = dt.date(2026, 11, 23)


@pytest.mark.parametrize(("score", "shown", "name"), [
    (69.83, 70, "red"), (69.5, 70, "red"), (69.49, 69, "amber"), (39.9, 40, "amber"), (39.5, 40, "amber"),
    (39.49, 39, "green"), (100.0, 100, "red"), (0.0, 0, "green"),
])
def test_the_band_is_the_band_of_the_score_as_shown(score: float, shown: int, name: str) -> None:
    assert shown_score(score) == shown and score_text(score) == str(shown)
    assert band(score) == name and bands(np.array([score]))[0] == name
    assert f"{score:.0f}" == str(shown) or score in (69.5, 39.5)  # the tables' old format agrees on every band edge
    assert band(float(f"{score:.0f}")) == name


def _defence_buyer() -> dict[str, object]:
    return {"import_country": "US", "us_defence_supply": "yes"}


def test_a_known_chinese_magnet_is_prohibited_and_an_unknown_one_only_possibly() -> None:
    known = PartSpec("KNOWN", end_use="defence", paths=[all_in("CN")])
    hidden = PartSpec("HIDDEN", end_use="defence", paths=[PathSpec("SUP-2", 100.0, "", "", "", "", "unknown")])
    clean = PartSpec("CLEAN", end_use="defence", paths=[all_in("JP", supplier="SUP-3")])
    evaluation = evaluate(project_of(known, hidden, clean, **_defence_buyer()), AS_OF)
    statuses = dict(zip(evaluation.compiled.part_numbers, evaluation.statuses(), strict=True))
    assert statuses == {"KNOWN": PROHIBITED, "HIDDEN": POSSIBLY_PROHIBITED, "CLEAN": ""}
    reports = {r.part_number: r for r in evaluation.part_reports()}
    assert reports["KNOWN"].score == reports["HIDDEN"].score == 100.0  # tied on score: only the status tells
    data = evaluation.to_json()
    assert {p["part_number"]: p["status"] for p in data["parts"]} == statuses  # type: ignore[index, union-attr]
    order = [str(evaluation.compiled.part_numbers[i]) for i in evaluation.triage_order()]
    assert order == ["KNOWN", "HIDDEN", "CLEAN"]


def test_prohibited_parts_come_first_whatever_their_table_order() -> None:
    hidden = PartSpec("HIDDEN", end_use="defence", paths=[PathSpec("SUP-2", 100.0, "", "", "", "", "unknown")])
    known = PartSpec("KNOWN", end_use="defence", paths=[all_in("CN")])
    evaluation = evaluate(project_of(hidden, known, **_defence_buyer()), AS_OF)
    assert [str(evaluation.compiled.part_numbers[i]) for i in evaluation.triage_order()] == ["KNOWN", "HIDDEN"]


def test_json_report_and_cli_agree_on_status_and_order(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = demo_project()
    evaluation = evaluate(compile_project(project), AS_OF, project.settings)
    by_json = {p["part_number"]: p["status"] for p in evaluation.to_json()["parts"]}  # type: ignore[index, union-attr]
    assert set(by_json.values()) == {PROHIBITED, POSSIBLY_PROHIBITED, ""}
    code, out, _ = run(capsys, "score", demo, "--as-of", AS_OF, "--json")
    assert code == 0
    assert {p["part_number"]: p["status"] for p in json.loads(out)["parts"]} == by_json
    code, out, _ = run(capsys, "score", demo, "--as-of", AS_OF)
    listed = [line.split()[0] for line in out.splitlines()[5:5 + len(by_json)]]
    data = prepare(ReportRequest(project=project, as_of=AS_OF))
    sheet = parts_sheet(data)
    labels = {PROHIBITED: "Prohibited", POSSIBLY_PROHIBITED: "Possibly prohibited", "": ""}
    assert dict(zip(sheet.part_numbers, sheet.statuses, strict=True)) == {p: labels[s] for p, s in by_json.items()}
    ranked = [str(evaluation.compiled.part_numbers[i]) for i in evaluation.triage_order()]
    assert sheet.part_numbers == ranked == listed
    assert "prohibited" in out.splitlines()[5] and "possibly prohibited" in out.splitlines()[6]
    assert out.splitlines()[5].endswith("[floor 90: prohibited]")
    assert out.splitlines()[6].endswith("[floor 90: possibly prohibited]")  # the mark says what the status says
    top = summary_sheet(data).top
    assert top is not None and top.part_numbers == ranked[:10] and top.statuses == sheet.statuses[:10]
    assert top.possible == sheet.possible[:10]


def test_the_report_bands_a_score_by_the_figure_it_shows() -> None:
    project = demo_project()
    data = prepare(ReportRequest(project=project, as_of=AS_OF))
    data.evaluation.scores[data.order[0]] = 69.83
    data.evaluation.scores[data.order[1]] = 39.9
    sheet = parts_sheet(data)
    assert sheet.bands[:2] == ["Red", "Amber"]


@pytest.mark.parametrize("before, after, text", [(53.4, 61.6, "+9"), (71.2, 53.6, "-17"), (69.5, 70.4, "+0"),
                                                 (39.49, 39.5, "+1")])
def test_a_score_change_is_the_change_of_the_scores_as_shown(before: float, after: float, text: str) -> None:
    assert score_change_text(before, after) == text
    assert int(text) == shown_score(after) - shown_score(before)
