"""The one rule every output obeys (riskdesk.io.outputs): what is refused and why, links, failures that leave the
old file and nothing else, and the leftovers of killed writers swept by the next write."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.io import outputs
from riskdesk.io.outputs import OutputError, atomic_output, check_output, sweep_output_leftovers, write_output
from riskdesk.io.store.project_file import save_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    return path


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _copy_named(name: str) -> Callable[[Path], Path]:
    def make(project: Path) -> Path:
        return Path(shutil.copyfile(project, project.with_name(name)))
    return make


def _symlink(name: str) -> Callable[[Path], Path]:
    def make(project: Path) -> Path:
        link = project.with_name(name)
        link.symlink_to(project.name)
        return link
    return make


def _hard_link(name: str) -> Callable[[Path], Path]:
    def make(project: Path) -> Path:
        link = project.with_name(name)
        os.link(project, link)
        return link
    return make


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: p, "is the project itself"),
    (_symlink("chart.png"), r"is the project itself \(a link to .*p\.rdproj\)"),
    (_hard_link("chart.png"), "is the project itself"),
    (_copy_named("copy.xlsx"), "is a RiskDesk project"),  # any project, whatever its name
    (lambda p: p.with_name("new.rdproj"), r"a name ending in \.rdproj is a RiskDesk project's"),
    (lambda p: p.with_name(".~p.rdproj.lock"), "the lock file of a RiskDesk project"),
])
def test_a_project_of_any_kind_is_refused_even_with_force(project: Path, make: Callable[[Path], Path],
                                                         expected: str) -> None:
    before = project.read_bytes()
    target = make(project)
    for force in (False, True):
        with pytest.raises(OutputError, match=expected) as refused, \
                atomic_output(target, project=project, force=force, what="the chart") as temporary:
            temporary.write_bytes(b"PNG")
        assert "writing the chart there would destroy it" in str(refused.value) or "give the chart" in str(
            refused.value)
    assert project.read_bytes() == before


def test_a_project_found_by_its_content_is_refused_without_being_told_the_project(project: Path) -> None:
    other = _hard_link("report.xlsx")(project)
    with pytest.raises(OutputError, match=r"report\.xlsx is a RiskDesk project: writing the report there would "
                                          r"destroy it\. Choose another file name"):
        write_output(other, b"x", what="the report")


def test_an_input_and_links_to_it_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "bom.csv"
    source.write_text("part_number\nX\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(source)
    os.link(source, tmp_path / "hard.csv")
    for target in (source, tmp_path / "link.csv", tmp_path / "hard.csv"):
        with pytest.raises(OutputError, match=r"is one of the files being read( \(a link to .*bom\.csv\))?: writing "
                                              "the mapping there would destroy it"):
            check_output(target, inputs=[source], force=True, what="the mapping")
    assert source.read_text(encoding="utf-8") == "part_number\nX\n"


def test_folders_missing_folders_and_existing_files_without_force_are_refused(tmp_path: Path) -> None:
    (tmp_path / "d.xlsx").mkdir()
    (tmp_path / "to-folder.xlsx").symlink_to("d.xlsx")
    for target in (tmp_path / "d.xlsx", tmp_path / "to-folder.xlsx"):
        with pytest.raises(OutputError, match="is a folder"):
            check_output(target, force=True)
    with pytest.raises(OutputError, match=r"cannot write .*r\.xlsx: the folder .*missing does not exist"):
        check_output(tmp_path / "missing" / "r.xlsx")
    existing = tmp_path / "old.png"
    existing.write_bytes(b"mine")
    with pytest.raises(OutputError, match=r"old\.png already exists: choose another name, or add --force"):
        check_output(existing)
    check_output(existing, force=True)
    assert not (tmp_path / "missing").exists() and existing.read_bytes() == b"mine"


def test_a_file_open_in_another_program_or_read_only_is_left_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old")
    (tmp_path / "~$r.xlsx").write_text("excel")
    with pytest.raises(OutputError, match=r"r\.xlsx is open in another program \(it keeps ~\$r\.xlsx\)"):
        write_output(target, b"new")
    (tmp_path / "~$r.xlsx").unlink()
    target.chmod(0o444)  # refused even for an account that may write anything (root)
    with pytest.raises(OutputError, match="is read-only"):
        write_output(target, b"new")
    assert target.read_bytes() == b"old"


def test_a_symlink_to_another_file_is_replaced_itself_and_the_file_it_named_is_left(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("someone else's", encoding="utf-8")
    link = tmp_path / "out.csv"
    link.symlink_to(elsewhere)
    hard = tmp_path / "hard.csv"
    os.link(elsewhere, hard)
    write_output(link, "new", force=True)
    write_output(hard, "new too", force=True)
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "new"
    assert hard.read_text(encoding="utf-8") == "new too"
    assert elsewhere.read_text(encoding="utf-8") == "someone else's"


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "shared.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o664)
    write_output(target, "new")
    assert target.stat().st_mode & 0o777 == 0o664 and target.read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize("existed", [True, False])
def test_a_full_disk_is_one_line_and_leaves_the_old_file_and_nothing_else(tmp_path: Path, existed: bool) -> None:
    target = tmp_path / "r.csv"
    if existed:
        target.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError) as failed, atomic_output(target, what="the table") as temporary:
        temporary.write_text("partial", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device", str(temporary))
    after = "the file was not changed" if existed else "nothing was written"
    assert str(failed.value) == f"cannot write {target}: the disk is full; {after}"
    assert _names(tmp_path) == (["r.csv"] if existed else [])
    if existed:
        assert target.read_text(encoding="utf-8") == "old"


def test_an_interrupt_leaves_the_old_file_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as temporary:
        temporary.write_text("partial", encoding="utf-8")
        raise KeyboardInterrupt
    assert _names(tmp_path) == ["r.csv"] and target.read_text(encoding="utf-8") == "old"


def test_the_temporary_file_is_in_a_private_folder_beside_the_target(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "r.csv") as temporary:
        folder = temporary.parent
        assert folder.parent == tmp_path and folder.name.startswith(".~riskdesk.") and temporary.name == "r.csv"
        if sys.platform != "win32":
            assert folder.stat().st_mode & 0o777 == 0o700
        temporary.write_text("done", encoding="utf-8")
    assert _names(tmp_path) == ["r.csv"]


_KILLED_WRITER = """
import sys, time
from pathlib import Path
from riskdesk.io.outputs import atomic_output
with atomic_output(Path(sys.argv[1])) as temporary:
    temporary.write_bytes(b"half a workbook")
    print(temporary.parent.name, flush=True)
    time.sleep(600)  # killed here
"""


def test_a_writer_killed_midway_leaves_the_old_file_and_its_leftover_is_swept_by_the_next_write(
        tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old")
    child = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    leftover = tmp_path / child.stdout.readline().strip()  # the child is now writing
    running = tmp_path / f".~riskdesk.{outputs._host()}.{os.getpid()}.0123abcd.writing"
    running.mkdir()  # a write of a process that still runs (this one)
    child.kill()
    child.wait(timeout=30)
    child.stdout.close()
    assert leftover.is_dir() and (leftover / "r.xlsx").read_bytes() == b"half a workbook"
    assert target.read_bytes() == b"old"
    write_output(tmp_path / "other.csv", "next write in this folder")
    assert not leftover.exists() and running.is_dir()
    assert _names(tmp_path) == [running.name, "other.csv", "r.xlsx"]


def test_earlier_versions_temporary_files_are_swept_once_an_hour_old(tmp_path: Path) -> None:
    old_names = (".~riskdesk-0a1b2c3d-report.xlsx", ".t.0a1b2c3d.writing.xlsx")
    for name in (*old_names, ".keep-me", "report.xlsx"):
        (tmp_path / name).write_bytes(b"")
    young = tmp_path / ".~riskdesk-99999999-young.xlsx"
    young.write_bytes(b"")
    hour_ago = time.time() - outputs.OLD_LEFTOVER_AGE_S - 60
    for name in (*old_names, ".keep-me", "report.xlsx"):
        os.utime(tmp_path / name, (hour_ago, hour_ago))
    removed = sweep_output_leftovers(tmp_path)
    assert sorted(p.name for p in removed) == sorted(old_names)
    assert _names(tmp_path) == [".keep-me", young.name, "report.xlsx"]
