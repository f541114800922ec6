"""InFlight: the graph calls under way, so an emergency rollback can stop them all at once.

Each call runs as its own task; ``cancel_all`` cancels them and the callers, seeing their call
(not themselves) cancelled, serve legacy instead. That is what makes "all traffic on legacy
within 5 s" hold even while the graph is hanging on a request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class InFlight:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    async def run(self, call: Coroutine[Any, Any, T]) -> T | None:
        """The call's result, or None when ``cancel_all`` stopped it (the caller carries on)."""
        task = asyncio.get_running_loop().create_task(call)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and not (current is not None and current.cancelling()):
                return None
            task.cancel()
            raise

    def cancel_all(self) -> int:
        pending = [t for t in self._tasks if not t.done()]
        for task in pending:
            task.cancel()
        return len(pending)
