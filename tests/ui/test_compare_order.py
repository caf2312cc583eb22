"""A comparison reads from the earlier date to the later, whichever date is asked for second: the report,
`riskdesk score --compare` and the window's Compare dialog order the dates with one function
(`riskdesk.core.evaluation.in_date_order`) and agree part by part."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from riskdesk.cli import EXIT_OK, main
from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import compile_project, evaluate
from riskdesk.core.reference import default_reference
from riskdesk.core.report_content import ReportRequest, parts_sheet, prepare, summary_sheet
from riskdesk.io.store.project_file import save_project
from riskdesk.ui.compare_dialog import CompareDialog

EARLIER, LATER = dt.date(2026, 11, 23), dt.date(2027, 1, 1)


def _cli(capsys: pytest.CaptureFixture[str], *args: object) -> str:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    return out


def test_a_later_as_of_with_an_earlier_compare_date_reads_earlier_to_later_everywhere(
        tmp_path: Path, qapp: object, capsys: pytest.CaptureFixture[str]) -> None:
    project = demo_project()
    path = tmp_path / "demo.rdproj"
    save_project(project, path)
    # As of the later date, compared with the earlier one: ACT-FIN-07 becomes prohibited on 2027-01-01.
    data = json.loads(_cli(capsys, "score", path, "--as-of", LATER, "--compare", EARLIER, "--json"))["compare"]
    assert (data["from"], data["to"]) == (EARLIER.isoformat(), LATER.isoformat())
    cli = {c["part_number"]: (c["delta"], c["rules_gained"], c["rules_lost"]) for c in data["changes"]}
    assert cli["ACT-FIN-07"][0] == pytest.approx(30.0) and "US-DFARS-7052-UPSTREAM" in cli["ACT-FIN-07"][1]
    assert not cli["ACT-FIN-07"][2]
    text = _cli(capsys, "score", path, "--as-of", LATER, "--compare", EARLIER)
    assert f"What changes from {EARLIER} to {LATER}:" in text

    report = prepare(ReportRequest(project, LATER, compare=EARLIER))
    parts = parts_sheet(report)
    row = {p: k for k, p in enumerate(parts.part_numbers)}
    by_report = {p: (round(parts.changes[row[p]], 2), parts.rules_gained[row[p]].split(", ") if parts.rules_gained[
        row[p]] else [], parts.rules_lost[row[p]].split(", ") if parts.rules_lost[row[p]] else []) for p in cli}
    assert by_report == cli
    summary = summary_sheet(report)
    assert summary.on_compare.startswith(f"From {EARLIER} to {LATER}: ")
    # The key finding on both dates reads the same way (the Summary states it beside the score, not twice).
    assert any(k.text.startswith(f"From {EARLIER} to {LATER} the portfolio score") for k in report.key)
    top = summary.top
    assert top is not None and top.changes[top.part_numbers.index("ACT-FIN-07")] == pytest.approx(30.0)

    reference = default_reference()
    compiled = compile_project(project, reference)
    later = evaluate(compiled, LATER, project.settings, reference)
    earlier = evaluate(compiled, EARLIER, project.settings, reference)
    dialog = CompareDialog(later, earlier)  # handed the later date first, as the window has it when scored later
    try:
        assert dialog.windowTitle() == f"What changes from {EARLIER} to {LATER}"
        window = {r.part_number: (round(r.delta, 2), r.rules_gained, r.rules_lost) for r in dialog.rows}
        assert window == cli
    finally:
        dialog.deleteLater()
