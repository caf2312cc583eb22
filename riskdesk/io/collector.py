"""Pausing Python's cyclic garbage collector while a large file is read or written.

Reading a spreadsheet and writing a workbook allocate millions of small objects (cells) that form no reference
cycles; each collection on the way walks every object the process holds (the project, its scores), so a large
import or report spends a tenth to a fifth of its time in collections that free nothing. Reference counting still
frees everything as usual; only the search for cycles waits until the outermost pause ends.

    with collector_paused():
        ...

Pauses nest and may overlap across threads (an import in one worker, a report in another): the collector runs
again when the last one ends, if it was running before the first began.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_LOCK = threading.Lock()
_pauses = 0
_was_enabled = False


def _begin() -> None:
    global _pauses, _was_enabled
    with _LOCK:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1


def _end() -> None:
    global _pauses
    with _LOCK:
        _pauses -= 1
        if _pauses == 0 and _was_enabled:
            gc.enable()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (see the module's note)."""
    _begin()
    try:
        yield
    finally:
        _end()


class Pause:
    """A pause that spans more than a block: from its creation until `end()` is first called (the window's
    start-up pauses the collector from the first import until its first paint, in event-loop callbacks)."""

    def __init__(self) -> None:
        self._ended = False
        _begin()

    def end(self) -> None:
        """End the pause (once; later calls do nothing)."""
        if not self._ended:
            self._ended = True
            _end()


__all__ = ["Pause", "collector_paused"]
