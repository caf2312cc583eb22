"""Quick versions of the long reliability run (bench/reliability.py; figures in docs/reliability.md): kills
during save and fuzzed imports. The fuzzed project files and control lists, and the concurrent writers, have
their quick versions beside the code they test."""

from __future__ import annotations

from bench.reliability import fuzzed_imports, kills_during_save


def test_twenty_kills_during_save_leave_a_whole_project_and_no_leftovers(tmp_path):
    figures = kills_during_save(20, tmp_path)
    assert figures.ok, figures.line()
    assert figures.runs == 20


def test_a_hundred_fuzzed_imports_never_traceback_nor_change_a_refused_project(tmp_path):
    figures = fuzzed_imports(100, tmp_path)
    assert figures.ok, figures.line()
    assert figures.runs == 100 and figures.counts["exit 3"] > 0
