"""One writer at a time: a lock beside a project file, held by whoever may save it.

The command line holds it from reading a project to saving it (`riskdesk import`, `demo`, `new`, `scenario
--save-as`), the window for as long as it has the project open. A second opener is told who holds it ("in use by
alice on host WS-07 (process 4711) since 14:05"); the window then offers to open it read-only.

The lock is an operating-system lock (flock on Linux and macOS, LockFileEx on Windows, through the `filelock`
package) on a hidden file beside the project, `.~NAME.lock`, into which the holder writes who it is. The
operating system drops the lock when its process ends however it ends, so a crashed holder never blocks anyone
(its record is simply overwritten by the next holder). In a folder shared by a group (group-writable or setgid)
the lock file is made group-writable, so that the next user of the group can take it.

A lock that cannot be taken for any other reason than another holder — something else at the lock path (a
folder, a link, a pipe), another user's lock file that may not be replaced, a read-only folder, a drive that
cannot lock files — is refused with `LockUnavailableError` saying why. Only a caller that was told to accept it
(`riskdesk … --no-lock`, the setting "work without the lock") works on without the lock; the save's own check
(riskdesk.io.store.project_file) still refuses to overwrite a file someone else saved meanwhile.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import stat
import sys
import time
from pathlib import Path
from types import TracebackType

import filelock

from riskdesk.io.store.base import (
    CannotLockError,
    LockUnavailableError,
    ProjectFileError,
    ProjectLockedError,
)
from riskdesk.io.store.owner import Owner, user_name

__all__ = ["CannotLockError", "LockUnavailableError", "ProjectLock", "ProjectLockedError", "lock_path", "read_holder"]

log = logging.getLogger(__name__)

_ATTEMPTS = 5
"""How often `acquire` checks the lock path again when another user's lock file appears between check and open."""


def lock_path(project: Path) -> Path:
    """The lock file of a project: hidden, beside the real file (a symlinked project's target)."""
    project = Path(project)
    with contextlib.suppress(OSError, RuntimeError):
        project = project.resolve(strict=False)
    return project.with_name(f".~{project.name}.lock")


def read_holder(project: Path) -> Owner | None:
    """Who the lock file of `project` names (possibly a holder that is gone), or None."""
    try:
        with open(lock_path(project), "rb") as handle:
            handle.seek(1)  # byte 0 is what Windows locks: reading it there fails
            data = handle.read(4096)
        return Owner.from_json(json.loads(data.decode("utf-8")))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None


def lock_file_mode(folder: Path) -> int:
    """The permissions of a new lock file: group-writable in a folder a group shares (group-writable or setgid),
    so that another member can take the lock once it is free; else writable by its owner only."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return 0o644
    return 0o664 if mode & (stat.S_IWGRP | stat.S_ISGID) else 0o644


class ProjectLock:
    """The lock of one project file. `acquire` raises ProjectLockedError or LockUnavailableError; `release` is safe
    to call twice."""

    def __init__(self, project: Path) -> None:
        self.project = Path(project)
        self.path = lock_path(self.project)
        self.owner: Owner | None = None
        self.supported = True
        """False when working without the lock (the caller accepted it: see `acquire`)."""
        self.unavailable: LockUnavailableError | None = None
        """Why the lock could not be taken, when working without it."""
        self._linked = False
        self._lock = filelock.FileLock(str(self.path), timeout=0, thread_local=False, on_acquired=self._record,
                                       mode=lock_file_mode(self.path.parent))

    @property
    def held(self) -> bool:
        return self.owner is not None

    def acquire(self, wait_s: float = 0.0, without_lock_ok: bool = False) -> ProjectLock:
        """Take the lock, waiting up to `wait_s` seconds for another holder to let go. Another holder is
        ProjectLockedError; a lock that cannot be taken for another reason is LockUnavailableError, unless
        `without_lock_ok`: then this works on without it (`supported` false, `unavailable` says why)."""
        if self.held:
            return self
        try:
            self._take(wait_s)
        except LockUnavailableError as exc:
            if not without_lock_ok:
                raise
            log.info("working on %s without its lock: %s", self.project, exc.reason)
            self.supported, self.unavailable = False, exc
            self.owner = Owner.current()
        return self

    def _take(self, wait_s: float) -> None:
        folder = self.path.parent
        if not folder.is_dir():  # before filelock, which would create it
            raise ProjectFileError(f"Cannot open {self.project}: the folder {folder} does not exist")
        deadline = time.monotonic() + wait_s
        for attempt in range(_ATTEMPTS):
            self._check_lock_path(deadline)
            try:
                self._lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
                break
            except filelock.Timeout:
                raise ProjectLockedError(self.project, read_holder(self.project)) from None
            except PermissionError as exc:
                # Another user's RiskDesk created the lock file between the check and the open, and has not yet
                # made it group-writable: check again (it is in use, or free to take over).
                if attempt + 1 < _ATTEMPTS and os.path.lexists(self.path) and os.access(folder, os.W_OK):
                    continue
                raise self._unavailable(exc) from None
            except (OSError, NotImplementedError, RuntimeError) as exc:
                raise self._unavailable(exc) from None
        if self._linked:  # the lock file gained a second name between the check and the open: never write to it
            self._release_os_lock()
            raise LockUnavailableError(self.project, f"{self.path} is linked to another file (a hard link)")

    def _check_lock_path(self, deadline: float) -> None:
        """Refuse what must not serve as a lock file (a folder, a link, a pipe, a hard link to another file), and
        take over another user's lock file when it is free and may be replaced."""
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise LockUnavailableError(self.project, f"{self.path} cannot be checked ({exc.strerror})") from None
        if not stat.S_ISREG(info.st_mode):
            raise LockUnavailableError(self.project, f"{self.path} is {_kind(info.st_mode)}, not RiskDesk's lock file. "
                                       "Remove it if nobody needs it")
        if info.st_nlink > 1:
            raise LockUnavailableError(self.project, f"{self.path} is linked to another file (a hard link), so "
                                       "RiskDesk will not write into it. Remove it if nobody needs it")
        if sys.platform != "win32" and not os.access(self.path, os.W_OK):
            self._take_over_stale(info, deadline)

    def _take_over_stale(self, info: os.stat_result, deadline: float) -> None:
        """Another user's lock file that this user may not write (their umask made it 0644): in use while its lock
        is held (waited for until `deadline`, as for any holder); else a leftover, removed while holding its lock
        so that nobody takes it meanwhile."""
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise LockUnavailableError(self.project, f"{self.path} belongs to {_owner_name(info)} and cannot be "
                                       f"read ({exc.strerror})") from None
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise ProjectLockedError(self.project, read_holder(self.project)) from None
                    time.sleep(0.05)
                except OSError as exc:
                    raise self._unavailable(exc) from None
            if os.fstat(fd).st_nlink == 0:  # its holder let go and removed it: nothing left to take over
                return
            try:
                os.unlink(self.path)
            except OSError:
                raise LockUnavailableError(
                    self.project, f"{self.path} was left by {_owner_name(info)} and you may neither use nor remove "
                    "it. Ask them or your administrator to delete it") from None
            log.info("removed %s, a free lock file of %s", self.path, _owner_name(info))
        finally:
            os.close(fd)

    def _unavailable(self, exc: BaseException) -> LockUnavailableError:
        folder = self.path.parent
        if isinstance(exc, PermissionError) and not os.access(folder, os.W_OK):
            return LockUnavailableError(self.project, f"the folder {folder} is read-only for you, so the project "
                                        "cannot be saved there either", read_only=True)
        if isinstance(exc, PermissionError):
            return LockUnavailableError(self.project, f"{self.path} cannot be used ({exc.strerror or exc}). Remove it "
                                        "if nobody has the project open")
        if isinstance(exc, OSError) and exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            return LockUnavailableError(self.project, f"this drive cannot lock files ({exc.strerror})")
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        return LockUnavailableError(self.project, f"the lock file {self.path} cannot be taken ({detail})")

    def _record(self, fd: int) -> None:
        """Write who holds the lock into the lock file (after byte 0, which Windows locks), unless the file has
        gained another name meanwhile (a hard link planted to make RiskDesk overwrite another file)."""
        self.owner = Owner.current()
        with contextlib.suppress(OSError):
            info = os.fstat(fd)
            if info.st_nlink > 1 or not stat.S_ISREG(info.st_mode):
                self._linked = True
                return
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, b"\n" + json.dumps(self.owner.to_json()).encode("utf-8") + b"\n")

    def release(self) -> None:
        if not self.held:
            return
        self.owner = None
        if not self.supported:
            return
        # Removed while still held: a waiter that opened the old file finds it unlinked and starts afresh.
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._release_os_lock()

    def _release_os_lock(self) -> None:
        self.owner = None
        with contextlib.suppress(Exception):  # releasing never fails the caller: the OS drops it at exit anyway
            self._lock.release(force=True)

    def __enter__(self) -> ProjectLock:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device or special file"


def _owner_name(info: os.stat_result) -> str:
    """The user who owns a file, by name where the system knows it."""
    if info.st_uid == os.getuid():
        return user_name() or "you"
    try:
        import pwd

        return pwd.getpwuid(info.st_uid).pw_name
    except (ImportError, KeyError):
        return f"user {info.st_uid}"
