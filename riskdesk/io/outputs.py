"""Files RiskDesk writes for the user besides projects (the import's problem report, a proposed column mapping,
the blank template): never over the project or an input, never over another file unless asked, never half.

`check_output` refuses a target that is the project being worked on or one of the files being read (whatever
`--force` says: a workbook written over a project would destroy it), a folder, a missing folder, and an existing
file unless `force`. `atomic_output` gives a temporary path beside the target to write to, and moves it into
place only when the writer finished: a failure leaves the old file, or no file, never a 0-byte or half file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path


class OutputError(OSError):
    """An output that is refused or could not be written; the message names the file and what to do."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "cannot write the file"


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve(strict=False) == b.resolve(strict=False)
    except (OSError, RuntimeError):
        return False


def check_output(target: Path, *, project: Path | None = None, inputs: Iterable[Path] = (), force: bool = False,
                 what: str = "the file") -> None:
    """Raise OutputError when `target` must not be written (see the module docstring)."""
    target = Path(target)
    if project is not None and _same(target, Path(project)):
        raise OutputError(f"{target} is the project itself: writing {what} there would destroy it. Choose another "
                          "file name")
    for source in inputs:
        if _same(target, Path(source)):
            raise OutputError(f"{target} is a file being imported: writing {what} there would destroy it. Choose "
                              "another file name")
    if target.is_dir():
        raise OutputError(f"{target} is a folder: give a file name for {what}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist. Create it or choose another")
    if (target.exists() or target.is_symlink()) and not force:
        raise OutputError(f"{target} already exists: choose another name, or add --force to replace it")


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` (same suffix) for a writer; moved over `target` when the block ends
    without an error, removed otherwise. Errors writing or moving become OutputError naming `target`."""
    target = Path(target)
    temp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.writing{target.suffix}")
    try:
        try:
            yield temp
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}. Nothing was written") from None
        except Exception as exc:
            if type(exc).__module__.startswith("xlsxwriter"):  # FileCreateError and the like wrap an OSError
                cause = exc.args[0] if exc.args else exc
                reason = getattr(cause, "strerror", None) or cause
                raise OutputError(f"cannot write {target}: {reason}. Nothing was written") from None
            raise
        if not temp.exists():
            raise OutputError(f"cannot write {target}: the writer produced nothing")
        try:
            os.replace(temp, target)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc} (open in another program?). The file "
                              "was not changed") from None
        _sync_folder(target.parent)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _sync_folder(folder: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder if str(folder) else ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
