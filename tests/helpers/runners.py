"""A runner that holds tasks until the test lets them finish, like worker threads that have not finished yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riskdesk.ui.workers import Cancelled, TaskContext, TaskHandle


class DeferredRunner:
    """Each `start` is held until `finish()` runs the held tasks in order; a cancelled task reports `Cancelled`."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[TaskContext], Any], Callable[[Any], None],
                                 Callable[[BaseException], None], TaskContext, TaskHandle]] = []

    def start(self, fn: Callable[[TaskContext], Any], on_success: Callable[[Any], None],
              on_error: Callable[[BaseException], None], progress: Any = None) -> TaskHandle:
        context = TaskContext(progress)
        handle = TaskHandle(context)
        self.pending.append((fn, on_success, on_error, context, handle))
        return handle

    def finish(self) -> None:
        while self.pending:
            fn, on_success, on_error, context, handle = self.pending.pop(0)
            try:
                result = fn(context)
            except BaseException as exc:
                handle._finish()
                on_error(exc)
                continue
            handle._finish()
            if context.cancelled():
                on_error(Cancelled())
            else:
                on_success(result)
