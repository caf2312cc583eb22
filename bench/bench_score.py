"""Scoring 100,000 supply paths as of a date, against one pandas groupby-sum over the same rows (issue 2)."""

from __future__ import annotations

import datetime as dt

from bench.common import BenchResult, best_of


def run(quick: bool) -> list[BenchResult]:
    from riskdesk.core.demo import synthetic_project
    from riskdesk.core.evaluation import compile_project, evaluate
    from riskdesk.core.reference import default_reference

    n_paths = 100_000
    project = synthetic_project(n_paths)
    reference = default_reference()
    paths = project.tables.paths
    as_of = dt.date(2026, 11, 23)
    evaluate(project, as_of, reference=reference)  # warm caches (reference data, numpy)

    baseline = best_of(lambda: paths.groupby("part_number")["share_pct"].sum(), repeat=7)
    full = best_of(lambda: evaluate(project, as_of, reference=reference), repeat=7)
    compiled = compile_project(project, reference)
    rescore = best_of(lambda: evaluate(compiled, dt.date(2027, 1, 1), project.settings, reference), repeat=7)
    return [
        BenchResult("score_100k_paths", full, "s", "pandas_groupby_sum_100k", baseline, 10.0,
                    extra="compile + evaluate", absolute_limit=1.0),
        BenchResult("rescore_100k_paths_new_date", rescore, "s", "pandas_groupby_sum_100k", baseline, 10.0,
                    extra="evaluate only, after an as-of change", absolute_limit=1.0),
    ]
