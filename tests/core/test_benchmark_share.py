"""The EU 65 % benchmark's flag on the Exposure is never beside a share that does not justify it: each row's
"share counted for the 65 %" is over 65 % exactly where the row is flagged (generated projects of EU buyers)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, note
from hypothesis import strategies as st

from riskdesk.core.evaluation import evaluate
from riskdesk.core.exposure import by_element_stage_country
from riskdesk.core.project import Project
from tests.core.test_invariants import dates, projects

THRESHOLD = 0.65


@given(projects(), dates, st.sampled_from(["DE", "FR", "EE"]))
def test_a_row_is_flagged_exactly_where_its_share_counted_is_over_65_percent(project: Project, day, buyer) -> None:
    project.settings = dataclasses.replace(project.settings, import_country=buyer)
    for cell in by_element_stage_country(evaluate(project, day)):
        note(f"{cell}")
        judged = cell.benchmark_share
        assert cell.over_benchmark == (judged is not None and judged > THRESHOLD)


@given(projects(), dates, st.sampled_from(["US", "JP", "GB"]))
def test_outside_the_eu_no_share_is_counted_for_the_benchmark(project: Project, day, buyer) -> None:
    project.settings = dataclasses.replace(project.settings, import_country=buyer)
    assert all(cell.benchmark_share is None and not cell.over_benchmark
               for cell in by_element_stage_country(evaluate(project, day)))
