"""Files only the user may read: autosaves and their descriptions 0600 in 0700 folders whatever the umask, the
user folders 0700, and the icon cache in the user's own cache folder, never trusted when someone else could have
put a file there."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.io import userdirs
from riskdesk.io.store.project_file import save_project
from riskdesk.ui import icons
from riskdesk.ui.autosave import Autosaver, AutosaveSession, RecoveryInfo
from riskdesk.ui.columns import TableName, column_position
from riskdesk.ui.document import Document
from riskdesk.ui.workers import SynchronousRunner


def _part(key: str) -> int:
    """Where the parts column `key` stands in the window."""
    return column_position(TableName.PARTS, key)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems give (022: new files readable by everyone)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_autosaves_their_descriptions_and_locks_are_readable_by_their_user_only(qapp: object,
                                                                               usual_umask: None) -> None:
    dirs = userdirs.init()
    for folder in dirs.all():
        assert _mode(folder) == 0o700, folder
    session = AutosaveSession(dirs.autosave)
    document = Document(demo_project(), runner=SynchronousRunner())
    autosaver = Autosaver(document, session, longest_s=0)
    model = document.models[TableName.PARTS]
    model.setData(model.index(0, _part("stock_days")), "33")
    autosaver.autosave_now()
    model.setData(model.index(0, _part("stock_days")), "34")
    autosaver.autosave_now()
    files = {session.project_path, session.info_path, AutosaveSession.lock_path(dirs.autosave, session.id)}
    assert all(path.exists() for path in files)
    assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
    session.end()


def test_user_folders_made_by_an_earlier_version_become_private(usual_umask: None) -> None:
    dirs = userdirs.user_dirs()
    for folder in dirs.all():
        folder.mkdir(parents=True, exist_ok=True, mode=0o755)
        folder.chmod(0o755)
    userdirs.init()
    assert {str(f): _mode(f) for f in dirs.all()} == {str(f): 0o700 for f in dirs.all()}


def test_a_recovered_autosave_of_an_earlier_version_becomes_private(qapp: object, tmp_path: Path,
                                                                   usual_umask: None) -> None:
    autosave = tmp_path / "session-1.rdproj"
    save_project(demo_project(), autosave)
    (tmp_path / "session-1.json").write_text("{}", encoding="utf-8")
    assert _mode(autosave) == 0o644
    session = AutosaveSession(tmp_path / "slots")
    session.recover(RecoveryInfo(autosave, None, "p", "2026-11-29T10:00:00"))
    assert _mode(session.project_path) == 0o600 and _mode(session.info_path) == 0o600
    assert _mode(session.folder) == 0o700
    session.end()


# ---- icons --------------------------------------------------------------------------------------------------------

def test_icons_are_recoloured_into_the_users_own_cache_not_the_shared_temporary_folder(
        qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared-temp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    assert not icons.icon("save", "#123456").isNull()
    path = icons._recoloured_file("save", "#123456")
    cache = Path(os.environ[userdirs.ENV_OVERRIDE]) / "cache" / "icons"
    assert path.parent == cache and _mode(cache) == 0o700 and "#123456" in path.read_text(encoding="utf-8")
    assert not list(shared.iterdir())


def _planted_icon(monkeypatch: pytest.MonkeyPatch, home: Path) -> bytes:
    """Where the "save" icon in #123456 goes under `home` (a fresh user folder), with a file planted there."""
    monkeypatch.setenv(userdirs.ENV_OVERRIDE, str(home))
    folder = home / "cache" / "icons"
    folder.mkdir(parents=True, mode=0o700)
    real = icons._recoloured_file("save", "#123456")
    expected = real.read_bytes()
    real.write_text("<svg><!-- PLANTED --></svg>", encoding="utf-8")
    real.chmod(0o666)
    icons._recoloured_in.cache_clear()  # a new session of the window
    return expected


def test_a_planted_or_changed_icon_file_is_written_again_before_it_is_used(
        qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _planted_icon(monkeypatch, tmp_path / "home")
    path = icons._recoloured_file("save", "#123456")
    assert path.read_bytes() == expected and not _mode(path) & 0o022


def test_an_icon_folder_that_is_a_link_is_not_used(qapp: object, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "someone-elses"
    elsewhere.mkdir(mode=0o777)
    (home / "cache").mkdir(parents=True)
    (home / "cache" / "icons").symlink_to(elsewhere)
    monkeypatch.setenv(userdirs.ENV_OVERRIDE, str(home))
    with pytest.raises(OSError, match="not a folder of this user's own"):
        icons._recoloured_file("save", "#123456")
    assert not icons.icon("save", "#123456").isNull()  # drawn in the file's own colours instead
    assert not list(elsewhere.iterdir())


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_an_icon_file_of_another_user_is_not_trusted(qapp: object, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    expected = _planted_icon(monkeypatch, home)
    planted = next((home / "cache" / "icons").glob("save-*.svg"))
    planted.write_bytes(expected)  # the right content, but not the user's file
    planted.chmod(0o644)
    os.chown(planted, 1001, -1)
    path = icons._recoloured_file("save", "#123456")
    assert path.stat().st_uid == os.getuid() and path.read_bytes() == expected
