"""The scenario chart drawn offscreen to PNG, as `riskdesk scenario --chart` does through the installed entry point."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from riskdesk.__main__ import main as entry_point
from riskdesk.core.demo import demo_project
from riskdesk.core.evaluation import evaluate
from riskdesk.core.presets import default_presets
from riskdesk.core.scenarios import run_scenario
from riskdesk.core.simulation import MonteCarloSettings, run_monte_carlo
from riskdesk.io.project_file import save_project
from riskdesk.ui.scenario_chart import PNG_SIZE, render_scenario_chart

AS_OF = dt.date(2026, 11, 23)


def _ink(path: Path) -> float:
    """Share of pixels that are not white."""
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    assert not image.isNull()
    pointer = image.constBits()
    pixels = np.frombuffer(pointer, dtype=np.uint32, count=image.width() * image.height())
    return float((pixels & 0xFFFFFF != 0xFFFFFF).mean())


def test_the_chart_is_a_png_of_the_documented_size_with_something_drawn(qapp: object, tmp_path: Path) -> None:
    evaluation = evaluate(demo_project(), AS_OF)
    result = run_scenario(evaluation, default_presets().get("april-2025-licensing").scenario(AS_OF))
    monte_carlo = run_monte_carlo(result, MonteCarloSettings(paths=500, seed=1))
    path = render_scenario_chart(result, monte_carlo, tmp_path / "april.png")
    image = QImage(str(path))
    assert (image.width(), image.height()) == PNG_SIZE
    assert 0.05 < _ink(path) < 0.8


def test_a_scenario_where_no_part_loses_supply_still_draws(qapp: object, tmp_path: Path) -> None:
    evaluation = evaluate(demo_project(), AS_OF)
    result = run_scenario(evaluation, default_presets().get("ndpr-floor-110").scenario(AS_OF))
    path = render_scenario_chart(result, None, tmp_path / "floor")
    assert path.suffix == ".png" and _ink(path) > 0.02


def test_the_installed_entry_point_supplies_the_renderer(qapp: object, tmp_path: Path, capsys) -> None:
    project = tmp_path / "demo.rdproj"
    save_project(demo_project(), project)
    out = tmp_path / "dfars.png"
    code = entry_point(["scenario", str(project), "--preset", "dfars-2027", "--as-of", "2026-11-23", "--chart",
                        str(out)])
    assert code == 0 and out.stat().st_size > 10_000
    assert f"wrote {out}" in capsys.readouterr().out


def test_a_chart_to_a_folder_that_does_not_exist_is_one_line_and_exit_1(qapp: object, tmp_path: Path, capsys) -> None:
    project = tmp_path / "demo.rdproj"
    save_project(demo_project(), project)
    code = entry_point(["scenario", str(project), "--preset", "dfars-2027", "--chart",
                        str(tmp_path / "missing" / "x.png")])
    err = capsys.readouterr().err
    assert code == 1 and "the folder" in err and "does not exist" in err and err.count("\n") == 1
