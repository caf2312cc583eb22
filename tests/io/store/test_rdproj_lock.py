"""The project lock fails loudly: something else at the lock path, a hard link, a missing folder or another user's
lock file are told apart from "in use", never taken for "work without the lock"; a shared folder gets a lock file
its group can take. (Two real users on a shared folder: tests/test_cli_reliability.py.)"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.io.store.lock import LockUnavailableError, ProjectLock, lock_path
from riskdesk.io.store.project_file import ProjectFileError, save_project
from tests.helpers.other_user import ALICE, BOB, TEAM, run_as, team_folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    return path


def _plant(kind: str, at: Path, tmp_path: Path) -> None:
    if kind == "a folder":
        at.mkdir()
    elif kind == "a symbolic link":
        (tmp_path / "elsewhere.txt").write_text("someone's notes")
        at.symlink_to(tmp_path / "elsewhere.txt")
    else:
        os.mkfifo(at)


@pytest.mark.parametrize("kind", ["a folder", "a symbolic link", "a named pipe"])
def test_something_else_at_the_lock_path_is_refused_saying_what_it_is(project, tmp_path, kind):
    _plant(kind, lock_path(project), tmp_path)
    with pytest.raises(LockUnavailableError) as refused:
        ProjectLock(project).acquire()
    assert f"is {kind}, not RiskDesk's lock file" in str(refused.value)
    assert not refused.value.read_only

    lock = ProjectLock(project).acquire(without_lock_ok=True)  # --no-lock / the setting: works on, and says why
    assert lock.held and not lock.supported and lock.unavailable is not None
    assert kind in lock.unavailable.reason
    lock.release()
    assert os.path.lexists(lock_path(project))  # what was planted is not ours to remove


def test_a_hard_link_at_the_lock_path_is_never_written_into(project, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("minutes of the supplier meeting")
    os.link(notes, lock_path(project))
    with pytest.raises(LockUnavailableError, match="hard link"):
        ProjectLock(project).acquire()
    assert notes.read_text() == "minutes of the supplier meeting"


def test_a_lock_in_a_missing_folder_never_creates_the_folder(tmp_path):
    with pytest.raises(ProjectFileError, match="does not exist"):
        ProjectLock(tmp_path / "typo" / "a" / "p.rdproj").acquire()
    assert not (tmp_path / "typo").exists()
    (tmp_path / "d.rdproj").symlink_to(tmp_path / "nowhere" / "x.rdproj")  # a dangling link: same
    with pytest.raises(ProjectFileError, match="does not exist"):
        ProjectLock(tmp_path / "d.rdproj").acquire()
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(("folder_mode", "lock_mode"), [(0o2775, 0o664), (0o775, 0o664), (0o755, 0o644)])
def test_a_folder_shared_by_a_group_gets_a_lock_file_the_group_can_take(tmp_path, folder_mode, lock_mode):
    folder = tmp_path / "team"
    folder.mkdir()
    os.chmod(folder, folder_mode)
    project = folder / "p.rdproj"
    save_project(demo_project(), project)
    old = os.umask(0o022)
    try:
        with ProjectLock(project):
            assert stat.S_IMODE(lock_path(project).stat().st_mode) == lock_mode
    finally:
        os.umask(old)


TRY_LOCK = """
    from riskdesk.io.store.lock import LockUnavailableError, ProjectLock
    try:
        ProjectLock("p.rdproj").acquire()
        print("locked")
    except LockUnavailableError as exc:
        print("unavailable", exc.read_only, exc)
"""


def test_a_free_lock_file_another_user_left_is_taken_over_in_a_shared_folder():
    with team_folder(0o2775) as folder:
        _lock_file_of_alice_in(folder)
        result = run_as(BOB, TRY_LOCK, str(folder))
    assert result.stdout.strip() == "locked", result.stderr


def _lock_file_of_alice_in(folder: Path) -> None:
    save_project(demo_project(), folder / "p.rdproj")
    left = lock_path(folder / "p.rdproj")
    left.write_text("\n{}\n")  # what Alice's crashed RiskDesk left, with umask 022
    os.chown(left, ALICE, TEAM)
    os.chmod(left, 0o644)


def test_another_users_lock_file_that_may_not_be_removed_is_refused_saying_whose():
    with team_folder(0o1777) as folder:  # sticky, as /tmp: only its owner may remove a file
        _lock_file_of_alice_in(folder)
        result = run_as(BOB, TRY_LOCK, str(folder))
    assert result.stdout.startswith("unavailable False"), result.stderr
    assert "may neither use nor remove it" in result.stdout


def test_a_read_only_folder_is_said_to_be_one():
    with team_folder(0o2755) as folder:  # the group may read, not write
        save_project(demo_project(), folder / "p.rdproj")
        result = run_as(BOB, TRY_LOCK, str(folder))
    assert result.stdout.startswith("unavailable True"), result.stderr
    assert "read-only for you" in result.stdout
