"""The risk report as data to reuse in Excel: a country is its ISO code and its name in two cells, months are dates,
the Inputs' figures have number formats, the Exposure's EU flag sits beside the share it is judged on, and the
sources carry their publication and access dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.reference import default_reference
from riskdesk.core.report_content import OVER_BENCHMARK
from riskdesk.io.report import ReportRequest, resolve_scenarios, write_report

AS_OF = dt.date(2026, 11, 23)
ONE_CELL_COUNTRY = re.compile(r"\b[A-Z]{2} · ")
""""CN · China": a code and a name in one cell, as the report wrote them before."""


def _write(path: Path, import_country: str = "US") -> openpyxl.Workbook:
    project = demo_project()
    project.settings = dataclasses.replace(project.settings, import_country=import_country)
    scenarios = resolve_scenarios(["april-2025-licensing"], project, AS_OF)
    write_report(ReportRequest(project, AS_OF, scenarios=scenarios, monte_carlo_paths=200, seed=1), path)
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return _write(tmp_path_factory.mktemp("reuse") / "report.xlsx")


@pytest.fixture(scope="module")
def eu_book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return _write(tmp_path_factory.mktemp("reuse-eu") / "report.xlsx", import_country="DE")


def _table(book: openpyxl.Workbook, sheet: str, name: str) -> tuple[list[str], list[list[openpyxl.cell.Cell]]]:
    ws = book[sheet]
    cells = ws[ws.tables[name].ref]
    return [str(c.value) for c in cells[0]], [list(row) for row in cells[1:]]


def test_no_sheet_writes_a_country_code_and_name_in_one_cell(book: openpyxl.Workbook,
                                                               eu_book: openpyxl.Workbook) -> None:
    for workbook in (book, eu_book):
        for sheet in ("Summary", "Parts", "Exposure", "Scenarios", "Inputs", "Method"):
            found = [c.coordinate for row in workbook[sheet].iter_rows() for c in row
                     if isinstance(c.value, str) and ONE_CELL_COUNTRY.search(c.value)]
            assert not found, (sheet, found[:3])


def test_the_exposure_has_the_iso_code_and_the_country_name_in_their_own_columns(book: openpyxl.Workbook) -> None:
    countries = default_reference().countries
    headers, rows = _table(book, "Exposure", "Exposure")
    code, name = headers.index("Country code"), headers.index("Country")
    assert name == code + 1
    pairs = {(row[code].value, row[name].value) for row in rows}
    assert ("CN", "China") in pairs and (None, "unknown") in pairs
    assert all(c is None or (re.fullmatch(r"[A-Z]{2}", c) and n == countries.name(c)) for c, n in pairs)


def test_the_summary_and_the_inputs_name_the_buyers_country_by_code_and_name(book: openpyxl.Workbook) -> None:
    summary = {row[0]: row[1:3] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Buyer imports into"] == ("US", "United States")
    _, rows = _table(book, "Inputs", "Settings")
    settings = {row[0].value: row[1].value for row in rows}
    assert settings["Import country"] == "United States" and settings["Import country: ISO code"] == "US"


def test_scenario_months_are_dates_shown_as_the_month(book: openpyxl.Workbook) -> None:
    headers, rows = _table(book, "Scenarios", "Scenario1Months")
    months = [row[headers.index("Month")] for row in rows]
    assert len(months) == 24
    assert all(isinstance(c.value, dt.datetime) and c.value.day == 1 and c.number_format == "yyyy-mm"
               for c in months)
    assert months[0].value == dt.datetime(2026, 11, 1)
    assert months[-1].value == dt.datetime(2028, 10, 1)


def test_every_figure_on_the_inputs_sheet_has_a_number_format(book: openpyxl.Workbook) -> None:
    general = [c.coordinate for row in book["Inputs"].iter_rows() for c in row
               if isinstance(c.value, int | float) and not isinstance(c.value, bool) and c.number_format == "General"]
    assert not general
    headers, rows = _table(book, "Inputs", "InputParts")
    assert "Unit price USD" in headers
    assert rows[0][headers.index("Unit price USD")].number_format == "#,##0.00"
    assert rows[0][headers.index("Units/year")].number_format == "#,##0"
    headers, rows = _table(book, "Inputs", "Settings")
    weights = [row[1] for row in rows if str(row[0].value).startswith("Weight: ")]
    assert weights and all(c.number_format == "#,##0.0##" for c in weights)


def test_the_eu_flag_sits_beside_the_share_it_is_judged_on(eu_book: openpyxl.Workbook) -> None:
    headers, rows = _table(eu_book, "Exposure", "Exposure")
    share = headers.index("Share of the element at this stage")
    counted = headers.index("Share counted for the 65 %")
    flag = headers.index("EU 65 % benchmark")
    assert counted == share + 1 and flag == counted + 1
    flagged = [row for row in rows if row[flag].value == OVER_BENCHMARK]
    assert flagged, "the demo has flagged rows for an EU buyer"
    for row in rows:
        judged = row[counted].value
        assert (row[flag].value == OVER_BENCHMARK) == (judged is not None and judged > 0.65), [c.value for c in row]
        if judged is not None:
            assert judged >= row[share].value - 1e-12 and row[counted].number_format == "0.0%"
    # The review's case: a flag beside a share under 65 % now has the share that tripped it next to it.
    assert any(row[share].value <= 0.65 < row[counted].value for row in flagged)


def test_outside_the_eu_the_share_counted_is_empty(book: openpyxl.Workbook) -> None:
    headers, rows = _table(book, "Exposure", "Exposure")
    counted, flag = headers.index("Share counted for the 65 %"), headers.index("EU 65 % benchmark")
    assert all(row[counted].value is None and row[flag].value == "n/a" for row in rows)


def test_the_methods_sources_have_their_publication_and_access_dates(book: openpyxl.Workbook) -> None:
    headers, rows = _table(book, "Method", "MethodSources")
    assert headers == ["Of", "Source", "Address", "Published", "Accessed"]
    published = {row[1].value: row[3].value for row in rows}
    # Where FACTS.md gives the document's date (Federal Register, Official Journal), the bundled data has it ...
    assert published["84 FR 72239 via elaws"] == dt.datetime(2019, 12, 31)
    assert published["EUR-Lex, Regulation (EU) 2024/1252"] == dt.datetime(2024, 5, 3)
    assert all(row[3].number_format == "yyyy-mm-dd" for row in rows if isinstance(row[3].value, dt.datetime))
    # ... and nothing is guessed: every other date says so, and no access date was recorded.
    assert {v for v in published.values() if not isinstance(v, dt.datetime)} == {"not recorded"}
    assert {row[4].value for row in rows} == {"not recorded"}


def test_a_sources_dates_in_a_control_list_are_read_and_a_wrong_one_is_refused(tmp_path: Path) -> None:
    from riskdesk.core.datafile import DataFileError, Entry, Source

    entry = Entry(tmp_path / "list.toml", "R-1", {"sources": [
        {"title": "Notice", "url": "https://example.org/n", "published": dt.date(2024, 9, 18)},
        {"title": "Page", "accessed": "2026-11-23"}]})
    assert entry.sources() == (Source("Notice", "https://example.org/n", dt.date(2024, 9, 18)),
                               Source("Page", "", None, dt.date(2026, 11, 23)))
    wrong = Entry(tmp_path / "list.toml", "R-1", {"sources": [{"title": "Notice", "published": "18.9.2024"}]})
    with pytest.raises(DataFileError, match=r"entry R-1, field 'sources\[1\].published': expected a date"):
        wrong.sources()
