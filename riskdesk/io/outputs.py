"""Every file RiskDesk writes for the user — the risk report, charts, the import template, an import's problem
report, a column mapping, a scenario file, a table export — obeys one rule, through one code path.

`check_output` refuses a target (an `OutputError`: one line naming the file and what to do) that is

- the file of the project being worked on (its store's file, if it is kept in one), or a file the command reads
  (its inputs);
- any RiskDesk project, found by its content (an SQLite file with RiskDesk's application id: a project, an
  autosave, a half-saved copy), by its name (`.rdproj`), or a project's lock file — whatever `force` says, since a
  workbook written over a project destroys it;
- a folder, or a name in a folder that does not exist or cannot be written;
- a symbolic or hard link to any of these (links are followed for these checks);
- a workbook another program has open (it keeps a lock file beside it), or a read-only file;
- an existing file, unless `force` (the window's save dialogs ask first, which counts as force).

A name that is a symbolic link to some other file is replaced by the new file itself: the file the link pointed to
is left as it was. An output never writes through a link.

`atomic_output` runs the same checks, then gives the writer a temporary path inside a private folder (0700) that
it creates beside the target, `.~riskdesk.HOST.PID.RANDOM.writing`; a writer keeps its own scratch files there too
(XlsxWriter's temporary sheet XML, up to hundreds of MB for a large report, instead of the system's temporary
folder). When the writer is done the file is synced and renamed over the target in one step; whatever happens —
an error, a cancel, Ctrl+C — the private folder is removed, so a failure leaves the old file, or no file, never a
0-byte or half one. A write failure (full disk, permissions, a folder that went away) is an OutputError saying so
in one line, never naming the temporary file. A process killed while writing leaves its folder behind; the next
write into that folder removes it once that process is gone (`sweep_output_leftovers`).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import re
import shutil
import stat
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from riskdesk.io.store.base import APPLICATION_ID, SQLITE_HEADER, SUFFIX

# The owner of a process (riskdesk.io.store.owner, with socket) is imported where used: the window's icons need
# `private_folder` before its first paint, and start-up should not wait for it.

_PRIVATE = ".writing"
_LEFTOVER = re.compile(r"^\.~riskdesk\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.writing$")
_OLD_LEFTOVERS = (re.compile(r"^\.~riskdesk-[0-9a-f]{8}-.+$"),  # io/xlsx.py's temporary files before 0.2
                  re.compile(r"^\..+\.[0-9a-f]{8}\.writing(\.[A-Za-z0-9]+)?$"))  # io/outputs.py's
OLD_LEFTOVER_AGE_S = 3600.0
"""Temporary files of earlier versions do not record their process: they are removed once this old."""
FOREIGN_LEFTOVER_AGE_S = 86400.0
"""Leftovers of a process on another computer (a shared folder) are removed once this old."""
_APPLICATION_ID_OFFSET = 68
"""Where SQLite keeps `PRAGMA application_id` in a database file's header (big-endian, 4 bytes)."""


class OutputError(OSError):
    """An output that is refused or could not be written; the message names the file and what to do, and the file
    that was there is unchanged."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "cannot write the file"


# ---- the rule -----------------------------------------------------------------------------------------------------

def _same(a: Path, b: Path) -> bool:
    """Whether two names are one file (through symbolic and hard links), or would be once created."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve(strict=False) == b.resolve(strict=False)
    except (OSError, RuntimeError):
        return False


def is_riskdesk_project(path: Path) -> bool:
    """Whether `path` (through links) is a RiskDesk project file of any kind: an SQLite database whose header
    carries RiskDesk's application id (projects, autosaves, half-written saves), whatever its name."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as handle:
            header = handle.read(_APPLICATION_ID_OFFSET + 4)
    except OSError:
        return False
    return (header.startswith(SQLITE_HEADER) and len(header) == _APPLICATION_ID_OFFSET + 4
            and int.from_bytes(header[_APPLICATION_ID_OFFSET:], "big") == APPLICATION_ID)


def _project_name(path: Path) -> str | None:
    """Why a name alone belongs to RiskDesk's project files (None when it does not)."""
    name = path.name.lower()
    if name.endswith(SUFFIX):
        return f"a name ending in {SUFFIX} is a RiskDesk project's"
    if name.startswith(".~") and name.endswith(f"{SUFFIX}.lock"):
        return "it is the lock file of a RiskDesk project"
    return None


def lock_file(path: Path) -> Path | None:
    """The lock file Excel or LibreOffice keeps beside a workbook it has open, if there is one."""
    folder, name = path.parent, path.name
    candidates = [folder / f".~lock.{name}#", folder / f"~${name}"]
    if len(path.stem) > 2:
        candidates.append(folder / f"~${name[2:]}")
    return next((c for c in candidates if c.exists()), None)


def _write_protected(path: Path) -> bool:
    """Read-only for this user, or made read-only by its owner (chmod a-w, Windows' read-only attribute), which
    holds even for an account allowed to write anything."""
    try:
        return not os.stat(path).st_mode & stat.S_IWUSR or not os.access(path, os.W_OK)
    except OSError:
        return False


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def check_output(target: Path, *, project: Path | None = None, inputs: Iterable[Path] = (), force: bool = False,
                 what: str = "the file") -> None:
    """Raise OutputError when `target` must not be written (see the module docstring): `project` is the file of
    the project being worked on (`ProjectStore.path`: None when it is not kept in a file), `inputs` the files being
    read, `force` allows replacing an existing file, `what` names the output in messages ("the report")."""
    target = Path(target)
    link = f" (a link to {target.resolve()})" if target.is_symlink() else ""
    if project is not None and _same(target, Path(project)):
        raise OutputError(f"{target} is the project itself{link}: writing {what} there would destroy it. Choose "
                          "another file name", target)
    for source in inputs:
        if _same(target, Path(source)):
            raise OutputError(f"{target} is one of the files being read{link}: writing {what} there would destroy it. "
                              "Choose another file name", target)
    if target.is_dir():
        raise OutputError(f"{target} is a folder{link}: give a file name for {what}", target)
    if is_riskdesk_project(target):
        raise OutputError(f"{target} is a RiskDesk project{link}: writing {what} there would destroy it. Choose "
                          "another file name", target)
    reason = _project_name(target) or (_project_name(target.resolve()) if link else None)
    if reason is not None:
        raise OutputError(f"{target}: {reason}; give {what} another name", target)
    folder = _folder(target)
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist. Create it or choose another "
                          "folder", target)
    exists = target.exists() or target.is_symlink()
    if exists and not force:
        raise OutputError(f"{target} already exists: choose another name, or add --force to replace it", target)
    lock = lock_file(target)
    if lock is not None:
        raise OutputError(f"{target.name} is open in another program (it keeps {lock.name}): close it there and try "
                          "again, or choose another name; the file was not changed", target)
    if exists and not target.is_symlink() and _write_protected(target):
        raise OutputError(f"{target} is read-only: choose another name; the file was not changed", target)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {target}: the folder {folder} cannot be written to; choose another folder",
                          target)


# ---- writing ------------------------------------------------------------------------------------------------------

def _reason(exc: BaseException) -> str:
    """Why a write failed, in words (never the temporary file's name)."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full"
    if code == errno.EFBIG:
        return "the file is larger than this disk or account allows"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.ENOENT:
        return "the folder is no longer there"
    if code == errno.EROFS:
        return "the disk is read-only"
    return str(getattr(exc, "strerror", None) or exc)


def write_failure(target: Path, exc: BaseException, existed: bool | None = None) -> OutputError:
    """The OutputError for a writer that failed with `exc` while writing `target`."""
    target = Path(target)
    if existed is None:
        existed = target.exists() or target.is_symlink()
    after = "the file was not changed" if existed else "nothing was written"
    return OutputError(f"cannot write {target}: {_reason(exc)}; {after}", target)


def _host() -> str:
    from riskdesk.io.store.owner import host_name

    return re.sub(r"[^A-Za-z0-9-]", "-", host_name())[:40] or "host"


def private_folder(path: Path) -> Path:
    """Create `path` (and its parents) as a folder only its owner can open (0700), or make an existing folder of
    this user's so; returns it. Raises OSError when it cannot be created."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if sys.platform != "win32":
        with contextlib.suppress(OSError):
            info = path.stat()
            if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != 0o700:
                path.chmod(0o700)
    return path


@contextlib.contextmanager
def atomic_output(target: Path, *, project: Path | None = None, inputs: Iterable[Path] = (), force: bool = True,
                  what: str = "the file") -> Iterator[Path]:
    """Check `target` (`check_output`; `force` defaults to True because callers either asked the user in a save
    dialog or ran `check_output` with the command's --force first), then give a temporary path with the target's
    name inside a private folder beside it. When the block ends without an error, the file is renamed over
    `target`; in every case the private folder is removed. Errors become OutputError naming `target`."""
    target = Path(target)
    check_output(target, project=project, inputs=inputs, force=force, what=what)
    folder = _folder(target)
    sweep_output_leftovers(folder)
    existed = target.exists() or target.is_symlink()
    import secrets  # here: with hashlib and OpenSSL it costs the window's start-up ~3 ms (the icons import this module)

    try:
        private = private_folder(folder / f".~riskdesk.{_host()}.{os.getpid()}.{secrets.token_hex(4)}{_PRIVATE}")
    except OSError as exc:
        raise write_failure(target, exc, existed) from None
    temporary = private / target.name
    try:
        try:
            yield temporary
        except OutputError:
            raise
        except OSError as exc:
            raise write_failure(target, exc, existed) from None
        except Exception as exc:
            if type(exc).__module__.startswith("xlsxwriter"):  # FileCreateError and the like wrap an OSError
                raise write_failure(target, exc.args[0] if exc.args else exc, existed) from None
            raise
        _publish(temporary, target, existed, force)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _publish(temporary: Path, target: Path, existed: bool, force: bool) -> None:
    """Move the finished `temporary` over `target` in one step (the one place an output reaches the user's name)."""
    if not temporary.is_file():
        raise OutputError(f"cannot write {target}: the writer produced nothing; nothing was written", target)
    if not force and (target.exists() or target.is_symlink()):  # appeared while this was written
        raise OutputError(f"{target} already exists: choose another name, or add --force to replace it", target)
    try:
        with contextlib.suppress(OSError):
            if existed and not target.is_symlink():  # a replaced file keeps its permissions
                temporary.chmod(stat.S_IMODE(target.stat().st_mode))
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
    except OSError as exc:
        raise write_failure(target, exc, existed) from None
    try:
        os.replace(temporary, target)
    except PermissionError:
        raise OutputError(f"{target.name} is open or locked by another program: close it there and try again, or "
                          "choose another name; the file was not changed", target) from None
    except OSError as exc:
        raise write_failure(target, exc, existed) from None
    _sync_folder(_folder(target))


def write_output(target: Path, data: bytes | str, *, project: Path | None = None, inputs: Iterable[Path] = (),
                 force: bool = True, what: str = "the file") -> Path:
    """Write `data` (text as UTF-8) to `target` through `atomic_output`; returns `target`."""
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with atomic_output(target, project=project, inputs=inputs, force=force, what=what) as temporary:
        temporary.write_bytes(payload)
    return Path(target)


def sweep_output_leftovers(folder: Path) -> list[Path]:
    """Remove what killed writers left in `folder`: the private folders of processes on this computer that are
    gone (and of other computers' after a day), and earlier versions' temporary files after an hour. A write still
    running is left alone. Returns what was removed."""
    from riskdesk.io.store.owner import process_alive

    removed: list[Path] = []
    try:
        candidates = [entry for entry in Path(folder).iterdir() if entry.name.startswith(".")]
    except OSError:
        return removed
    here, now = _host(), time.time()
    for candidate in candidates:
        match = _LEFTOVER.match(candidate.name)
        try:
            info = candidate.lstat()
        except OSError:
            continue
        age = now - info.st_mtime
        if match is not None and stat.S_ISDIR(info.st_mode):
            if match.group("host") == here:
                gone = not process_alive(int(match.group("pid")))
            else:
                gone = age > FOREIGN_LEFTOVER_AGE_S
            if gone:
                shutil.rmtree(candidate, ignore_errors=True)
                removed.append(candidate)
        elif stat.S_ISREG(info.st_mode) and age > OLD_LEFTOVER_AGE_S and any(
                pattern.match(candidate.name) for pattern in _OLD_LEFTOVERS):
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def _sync_folder(folder: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---- XlsxWriter's zip file on a failed write ---------------------------------------------------------------------

_HOOK_LOCK = threading.Lock()


@contextlib.contextmanager
def quiet_zip_cleanup() -> Iterator[None]:
    """While a failed workbook's objects are let go (call `gc.collect()` in the block): a zip file XlsxWriter left
    open tries to finish itself when collected, fails again on the same full disk, and Python would print
    "Exception ignored in: ZipFile.__del__" with a traceback under the one-line message. Only that is silenced."""
    with _HOOK_LOCK:
        previous = sys.unraisablehook

        def hook(unraisable: Any) -> None:
            if getattr(unraisable.object, "__qualname__", "") == "ZipFile.__del__" and isinstance(
                    unraisable.exc_value, OSError):
                return
            previous(unraisable)

        sys.unraisablehook = hook
        try:
            yield
            gc.collect()
        finally:
            sys.unraisablehook = previous


__all__ = ["OutputError", "atomic_output", "check_output", "is_riskdesk_project", "lock_file", "private_folder",
           "quiet_zip_cleanup", "sweep_output_leftovers", "write_failure", "write_output"]
