"""Run a spreadsheet read in a child process: the caller's interpreter stays responsive and survives the file.

python-calamine parses a whole sheet in one call that holds the interpreter lock, so a thread reading a 100,000-row
workbook stalls the window for a quarter of a second or more; a hostile workbook can even make the reader abort the
process. In a child process neither reaches the caller: progress comes back over a queue, cancelling terminates
the child, and a crash becomes an error message.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from riskdesk.io.limits import SPREADSHEET_SUFFIXES
from riskdesk.io.workbook import TEXT_SUFFIXES

WORKBOOK_SUFFIXES = frozenset(SPREADSHEET_SUFFIXES) - TEXT_SUFFIXES

ISOLATE_ABOVE_BYTES = 1_000_000
"""Workbooks larger than this are read in a child process; smaller ones are read faster in place."""
ISOLATE_TEXT_ABOVE_BYTES = 8_000_000
"""Delimited text larger than this is read in a child process too: its rows would otherwise stay in the
window's memory (csv is read quickly, so smaller files are read in place)."""
_POLL_SECONDS = 0.05


class IsolatedCancelled(Exception):
    """The caller cancelled; the child was stopped."""


class IsolatedCrash(Exception):
    """The child process died without an answer (the file made the reader abort)."""


def worth_isolating(files: Sequence[Path]) -> bool:
    """Whether reading `files` in a child process pays for its start-up (about half a second)."""
    total = text = 0
    for file in files:
        paths = sorted(p for p in Path(file).rglob("*") if p.is_file()) if Path(file).is_dir() else [Path(file)]
        for path in paths:
            suffix = path.suffix.lower()
            try:
                size = path.stat().st_size
            except OSError:
                continue
            if suffix in WORKBOOK_SUFFIXES:
                total += size
            elif suffix in TEXT_SUFFIXES:
                text += size
    return total > ISOLATE_ABOVE_BYTES or text > ISOLATE_TEXT_ABOVE_BYTES


def _child(answers: Any, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
           wants_progress: bool) -> None:
    def progress(*values: Any) -> None:
        answers.put(("progress", values))

    try:
        if wants_progress:
            kwargs = {**kwargs, "progress": progress}
        answers.put(("result", fn(*args, **kwargs)))
    except BaseException as exc:  # sent back and re-raised by the caller
        answers.put(("error", exc))


def run_isolated(fn: Callable[..., Any], *args: Any, progress: Callable[..., None] | None = None,
                 cancelled: Callable[[], bool] | None = None, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)` in a fresh child process; its result, or its exception re-raised. When `progress`
    is given, `fn` is passed a `progress=` callback whose calls arrive here.

    `fn` must be importable at module level and its arguments and result picklable."""
    context = multiprocessing.get_context("spawn")  # no fork: the caller may hold Qt threads and locks
    answers = context.Queue()
    child = context.Process(target=_child, args=(answers, fn, args, kwargs, progress is not None),
                            daemon=True)
    child.start()
    try:
        while True:
            if cancelled is not None and cancelled():
                raise IsolatedCancelled
            try:
                kind, payload = answers.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive() and answers.empty():
                    raise IsolatedCrash(f"the reader stopped unexpectedly (exit code {child.exitcode})") from None
                continue
            if kind == "progress":
                if progress is not None:
                    progress(*payload)
            elif kind == "error":
                raise payload
            else:
                return payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        answers.close()
