"""InFlight: the graph calls under way, so an emergency rollback can stop them all at once.

A call runs in its caller's task (no task per request on the hot path); ``cancel_all`` cancels
those tasks, and ``run`` turns its own cancellation back into a None result (``uncancel``, as
``asyncio.timeout`` does), so the caller carries on and serves legacy instead. That is what
makes "all traffic on legacy within 5 s" hold even while the graph hangs on a request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class InFlight:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    async def run(self, call: Coroutine[Any, Any, T]) -> T | None:
        """The call's result, or None when ``cancel_all`` stopped it."""
        task = asyncio.current_task()
        if task is None:  # not in a task: nothing to cancel it through
            return await call
        self._tasks.add(task)
        try:
            return await call
        except asyncio.CancelledError:
            if task in self._stopping and task.uncancel() == 0:
                return None
            raise  # cancelled by someone else too (shutdown): let it through
        finally:
            self._tasks.discard(task)
            self._stopping.discard(task)

    def cancel_all(self) -> int:
        pending = [t for t in self._tasks if not t.done() and t not in self._stopping]
        for task in pending:
            self._stopping.add(task)
            task.cancel()
        return len(pending)
