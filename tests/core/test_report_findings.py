"""The report's Findings sheet as values: one row per part and rule, saying what the parts' reports (the items of
`riskdesk score --json`) say about that rule on that part, with each path's kg counted once."""

from __future__ import annotations

import datetime as dt

import pytest

from riskdesk.core import report_findings
from riskdesk.core.demo import demo_project
from riskdesk.core.report_content import ReportData, ReportRequest, SheetLimits, prepare
from riskdesk.core.report_findings import FindingsSummary, findings_summary
from tests.helpers.findings_rows import part_rule_rows

AS_OF = dt.date(2026, 11, 23)
EXCEL = SheetLimits(rows=1_048_574, links=65_530)


@pytest.fixture(scope="module")
def data() -> ReportData:
    return prepare(ReportRequest(demo_project(), AS_OF))


def _rows(sheet: FindingsSummary) -> dict[tuple[str, str], dict[str, object]]:
    return {(part, rule): {"Kind": kind, "Effect": effect, "Status on the date": status, "Elements": element,
                           "Stages": stage, "Country codes": code, "Suppliers": supplier, "kg/yr": kg, "USD/yr": value,
                           "Counts": weight, "Findings": items}
            for part, rule, kind, effect, status, element, stage, code, supplier, kg, value, weight, items
            in zip(sheet.part_numbers, sheet.rule_ids, sheet.kinds, sheet.effects, sheet.statuses, sheet.elements,
                   sheet.stages, sheet.country_codes, sheet.suppliers, sheet.kg, sheet.values, sheet.weights,
                   sheet.items, strict=True)}


def test_one_row_per_part_and_rule_says_what_the_parts_reports_say(data: ReportData) -> None:
    evaluation = data.evaluation
    parts = [evaluation.part_report_at(i).to_json() for i in range(evaluation.compiled.n_parts)]
    expected = part_rule_rows(parts)
    sheet = findings_summary(data, EXCEL)
    found = _rows(sheet)
    assert len(sheet.part_numbers) == sheet.total == len(expected) == 97 and sheet.findings == len(data.findings)
    assert found.keys() == expected.keys()
    for key, row in expected.items():
        for title, value in row.items():
            if isinstance(value, float):
                assert found[key][title] == pytest.approx(value, rel=1e-6, abs=0.006), (key, title)
            else:
                assert found[key][title] == value, (key, title)
    # The detail's rows, each once: stages repeat a path's kg, the summary does not add them up again.
    assert sum(sheet.items) == len(data.findings)
    assert any(items > paths for items, paths in zip(sheet.items, sheet.paths, strict=True))


def test_rows_follow_the_parts_riskiest_first_and_name_countries_by_code_and_by_name(data: ReportData) -> None:
    sheet = findings_summary(data, EXCEL)
    numbers = data.evaluation.compiled.part_numbers
    order = [str(numbers[i]) for i in data.order]
    listed = list(dict.fromkeys(sheet.part_numbers))
    assert listed == [p for p in order if p in set(listed)]
    assert len(set(zip(sheet.part_numbers, sheet.rule_ids, strict=True))) == len(sheet.part_numbers)
    countries = data.reference.countries
    for codes, names in zip(sheet.country_codes, sheet.country_names, strict=True):
        assert names.split(", ") == [countries.name(c) if c != "unknown" else "unknown" for c in codes.split(", ")]
    assert "China" in sheet.country_names and "CN" in sheet.country_codes
    assert all(" · " not in text for text in sheet.country_codes + sheet.country_names)
    assert sheet.note.startswith("Every rule that meets a part on 2026-11-23, one row per part and rule: 97 rows "
                                 "for 155 hits, watch items and possible hits")


def test_rows_beyond_what_a_sheet_holds_are_cut_and_the_note_says_so(data: ReportData) -> None:
    sheet = findings_summary(data, SheetLimits(rows=5, links=65_530))
    assert sheet.total == 97 and len(sheet.rule_ids) == len(sheet.effects) == len(sheet.kg) == 5
    assert sheet.part_numbers == findings_summary(data, EXCEL).part_numbers[:5]
    assert "Only the first 5 rows fit in a sheet." in sheet.note
    assert "Each rule's dates, sources and confidence: the Method sheet." in sheet.note


def test_an_empty_project_has_no_rows() -> None:
    project = demo_project()
    project.tables.parts = project.tables.parts.iloc[0:0]
    project.tables.paths = project.tables.paths.iloc[0:0]
    sheet = findings_summary(prepare(ReportRequest(project, AS_OF)), EXCEL)
    assert sheet.total == sheet.findings == 0 and sheet.part_numbers == [] and sheet.kg == []


@pytest.mark.parametrize("block", [1, 7, 40])
def test_summarised_in_blocks_of_whole_parts_it_says_the_same(data: ReportData, monkeypatch: pytest.MonkeyPatch,
                                                              block: int) -> None:
    whole = findings_summary(data, EXCEL)
    monkeypatch.setattr(report_findings, "BLOCK", block)
    assert findings_summary(data, EXCEL) == whole
    cut = findings_summary(data, SheetLimits(rows=30, links=65_530))
    assert cut.part_numbers == whole.part_numbers[:30] and cut.kg == whole.kg[:30] and cut.total == whole.total
