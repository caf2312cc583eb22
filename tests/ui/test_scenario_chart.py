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
from riskdesk.core.scenario_run import run_scenario
from riskdesk.core.simulation import MonteCarloSettings, run_monte_carlo
from riskdesk.io.store.project_file import save_project
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


def _chart(capsys, project: Path, out: Path, *extra: str) -> tuple[int, str]:
    code = entry_point(["scenario", str(project), "--preset", "dfars-2027", "--as-of", "2026-11-23", *extra,
                        "--chart", str(out)])
    return code, capsys.readouterr().err


def test_a_chart_never_replaces_the_project_its_input_a_link_to_them_or_a_folder(qapp: object, tmp_path: Path,
                                                                                   capsys) -> None:
    import os

    project = tmp_path / "demo.rdproj"
    save_project(demo_project(), project)
    before = project.read_bytes()
    scenario = tmp_path / "shock.png"  # a scenario file with an image's name: still an input
    scenario.write_text('{"name": "x", "start": "2026-12", "horizon_months": 12, "price_basis": "china", '
                        '"price_shocks": [], "supply_cuts": []}', encoding="utf-8")
    (tmp_path / "soft.png").symlink_to(project)
    os.link(project, tmp_path / "hard.png")
    (tmp_path / "folder.png").mkdir()
    for out, expected in ((tmp_path / "soft.png", "is the project itself"),
                          (tmp_path / "hard.png", "is the project itself"),
                          (tmp_path / "folder.png", "is a folder")):
        code, err = _chart(capsys, project, out, "--force")
        assert code == 1 and expected in err and err.count("\n") == 1, err
    code = entry_point(["scenario", str(project), "--file", str(scenario), "--chart", str(scenario), "--force"])
    err = capsys.readouterr().err
    assert code == 1 and "is one of the files being read" in err and err.count("\n") == 1
    code, err = _chart(capsys, project, project, "--force")
    assert code == 2 and "ending in .png or .svg" in err
    assert project.read_bytes() == before and scenario.read_text(encoding="utf-8").startswith('{"name": "x"')


def test_an_existing_chart_is_replaced_only_with_force_and_svg_is_a_drawing(qapp: object, tmp_path: Path,
                                                                             capsys) -> None:
    project = tmp_path / "demo.rdproj"
    save_project(demo_project(), project)
    old = tmp_path / "old.png"
    old.write_bytes(b"my own picture")
    code, err = _chart(capsys, project, old)
    assert code == 1 and "old.png already exists" in err and "--force" in err and old.read_bytes() == b"my own picture"
    code, _ = _chart(capsys, project, old, "--force")
    assert code == 0 and old.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _ = _chart(capsys, project, tmp_path / "chart.svg")
    assert code == 0 and b"<svg" in (tmp_path / "chart.svg").read_bytes()[:400]
    code, err = _chart(capsys, project, tmp_path / "chart.jpg")
    assert code == 2 and "ending in .png or .svg" in err and not (tmp_path / "chart.jpg").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.svg", "demo.rdproj", "old.png"]


def test_a_chart_on_a_full_disk_is_exit_1_with_the_old_file_intact(qapp: object, tmp_path: Path, capsys,
                                                                   monkeypatch) -> None:
    import errno

    project = tmp_path / "demo.rdproj"
    save_project(demo_project(), project)
    old = tmp_path / "old.png"
    old.write_bytes(b"my own picture")

    def full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    code, err = _chart(capsys, project, old, "--force")
    assert code == 1 and err == f"riskdesk: cannot write {old}: the disk is full; the file was not changed\n"
    assert old.read_bytes() == b"my own picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.rdproj", "old.png"]
