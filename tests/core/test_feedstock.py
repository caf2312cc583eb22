"""Recycled feedstock (issue 21, review W8): a supply path whose rare earths were recycled declares it, and the
country it was recycled in stands as the mine country for DFARS 252.225-7052 and China's rules (docs/method.md,
"Recycled feedstock"). A recycled US magnet in US defence supply is then no longer possibly China-mined."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from riskdesk.core.evaluation import RED_FLOOR, band, evaluate
from riskdesk.core.fields import declares_recycled, field, parse_value
from riskdesk.core.project import Project, ProjectSettings
from riskdesk.core.triage import POSSIBLY_PROHIBITED
from riskdesk.io.importer import read_and_validate
from tests.core.test_invariants import COUNTRIES, dates, projects
from tests.helpers.builders import PartSpec, PathSpec, project_of
from tests.io.helpers import template_rows, write_csv

MINE = field("paths", "mine_country")
DFARS_UPSTREAM = dt.date(2027, 1, 1)
"""From this day DFARS 252.225-7052 also covers where the magnet's material was mined, refined and separated."""
WITHIN_RESOURCING = dt.date(2026, 7, 5)
"""The upstream ban is then within the default time to re-source: a possible hit holds the part at red."""


def _us_defence_part(tmp_path: Path, mine: str) -> Project:
    """A US buyer's defence part, made in the US with a US magnet, every other stage in the US, as imported from
    a small CSV whose mine country is `mine`."""
    rows = template_rows({"end_use": "defence", "supplier_name": "Ohio Magnetics", "supplier_country": "US",
                          "mine_country": mine, "separation_country": "US", "metal_country": "US",
                          "magnet_country": "US"})
    result = read_and_validate([write_csv(tmp_path / f"paths-{len(mine)}.csv", rows)])
    assert not [p for p in result.problems if p.is_error], result.problems
    return Project(settings=ProjectSettings(import_country="US", us_defence_supply="yes"), tables=result.tables)


def _status_and_band(project: Project, day: dt.date) -> tuple[str, str]:
    evaluation = evaluate(project, day)
    return str(evaluation.statuses()[0]), band(float(evaluation.scores[0]))


@pytest.mark.parametrize("mine", ["US (recycled)", "recycled in US", "recycled US", "recyclé aux USA"])
def test_a_recycled_us_magnet_in_us_defence_supply_is_not_possibly_china_mined(tmp_path: Path, mine: str) -> None:
    recycled = _us_defence_part(tmp_path, mine)
    assert _status_and_band(recycled, DFARS_UPSTREAM)[0] == ""
    assert _status_and_band(recycled, WITHIN_RESOURCING)[1] != "red"
    unknown = _us_defence_part(tmp_path, "")  # the same part with nobody knowing where the ore was mined
    assert _status_and_band(unknown, DFARS_UPSTREAM)[0] == POSSIBLY_PROHIBITED
    assert _status_and_band(unknown, WITHIN_RESOURCING)[1] == "red"


def test_us_recycled_imported_from_a_csv_is_mine_us_and_feedstock_recycled(tmp_path: Path) -> None:
    rows = template_rows({"part_number": "P-1", "supplier_id": "S1", "mine_country": "US (recycled)"},
                         {"part_number": "P-2", "supplier_id": "S1", "mine_country": "recycled"},
                         {"part_number": "P-3", "supplier_id": "S1", "mine_country": "recyclé en France"},
                         {"part_number": "P-4", "supplier_id": "S1", "mine_country": "AU"})
    result = read_and_validate([write_csv(tmp_path / "paths.csv", rows)])
    assert not [p for p in result.problems if p.is_error], result.problems
    paths = result.tables.paths.set_index("part_number")
    assert paths.loc["P-1", ["mine_country", "feedstock"]].tolist() == ["US", "recycled"]
    assert paths.loc["P-2", ["mine_country", "feedstock"]].tolist() == ["", "recycled"]  # recycled, country unknown
    assert paths.loc["P-3", ["mine_country", "feedstock"]].tolist() == ["FR", "recycled"]
    assert paths.loc["P-4", ["mine_country", "feedstock"]].tolist() == ["AU", ""]  # blank: mined


def test_a_feedstock_column_is_read_in_the_buyers_words_and_a_contradiction_is_an_error(tmp_path: Path) -> None:
    rows = template_rows({"part_number": "P-1", "mine_country": "DE", "feedstock": "Recycling"},
                         {"part_number": "P-2", "mine_country": "AU", "feedstock": "mined"})
    result = read_and_validate([write_csv(tmp_path / "ok.csv", rows)])
    assert not [p for p in result.problems if p.is_error], result.problems
    assert result.tables.paths["feedstock"].tolist() == ["recycled", "mined"]
    clash = template_rows({"mine_country": "US (recycled)", "feedstock": "mined"})
    result = read_and_validate([write_csv(tmp_path / "clash.csv", clash)])
    errors = [p for p in result.problems if p.is_error]
    assert len(errors) == 1 and "says mined" in errors[0].message and errors[0].row == 2


def test_a_typed_mine_country_can_say_recycled_and_only_the_mine_country_can() -> None:
    assert parse_value(MINE, "US (recycled)") == "US" and declares_recycled(MINE, "US (recycled)")
    assert parse_value(MINE, "recycled in Japan") == "JP" and parse_value(MINE, "recycled") == ""
    assert parse_value(MINE, "AU") == "AU" and not declares_recycled(MINE, "AU")
    magnet = field("paths", "magnet_country")
    assert not declares_recycled(magnet, "US (recycled)")
    with pytest.raises(ValueError, match="no country is called"):
        parse_value(magnet, "recycled")


def test_a_hit_on_a_recycled_path_says_it_was_recycled_there() -> None:
    part = PartSpec(end_use="defence", paths=[PathSpec(mine="CN", separation="US", metal="US", magnet="US",
                                                       feedstock="recycled")])
    report = evaluate(project_of(part, us_defence_supply="yes"), DFARS_UPSTREAM).part_report("P-1")
    mine_hits = [h for h in report.hits if h.stage.value == "mine" and h.rule_id == "US-DFARS-7052-UPSTREAM"]
    assert mine_hits and "recycled in" in mine_hits[0].explanation, "a Chinese recycler is still China"
    assert report.score >= RED_FLOOR


@given(projects(), dates, st.data())
def test_declaring_recycled_feedstock_in_a_country_never_scores_worse_than_an_unknown_mine(project, day, data):
    """Typing "<country> (recycled)" as a path's mine country never gives a higher score than leaving it blank."""
    row = data.draw(st.integers(0, len(project.tables.paths) - 1)) if len(project.tables.paths) else None
    if row is None:
        return
    country = data.draw(st.sampled_from([c for c in COUNTRIES if c]))
    typed = data.draw(st.sampled_from(["{} (recycled)", "recycled {}", "recycled in {}"])).format(country)
    declared, unknown = (dataclasses.replace(project, tables=project.tables.copy()) for _ in range(2))
    declared.tables.paths.loc[row, "mine_country"] = parse_value(MINE, typed)
    declared.tables.paths.loc[row, "feedstock"] = "recycled" if declares_recycled(MINE, typed) else ""
    unknown.tables.paths.loc[row, "mine_country"] = ""
    before, after = evaluate(unknown, day).scores, evaluate(declared, day).scores
    note(f"path {row}: {typed!r} → {after} against an unknown mine → {before}")
    assert np.all(after <= before + 1e-9)
