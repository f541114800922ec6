"""Mirror: completes sampled requests into pairs off the client's path, compares and records them.

The request path only ``offer``s a job (``put_nowait`` on a bounded queue): when the queue is
full the job is dropped, counted and written as a ``skipped`` row, and the client is never
made to wait. A fixed pool of workers fetches the side the client did not get (in shadow mode
the graph, sent as soon as the request arrives so both sides run at once), waits for the
client's side, compares the pair with the harness's parity engine and hands the row on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from graph_system.routing.inflight import InFlight
from graph_system.routing.live_run import LiveRun
from graph_system.routing.upstream import ProxiedRequest, Upstream
from harness._types import Side
from harness.observation import Exchange, Observation
from harness.parity import Comparator
from harness.recording import RecordedRequest
from harness.results import exchange_row, skipped_row

log = logging.getLogger("graph_system.routing")

Pending = Observation | asyncio.Future[Observation] | None


@dataclass(slots=True)
class MirrorJob:
    """A pair to complete: each side is known, promised (a future the request path resolves)
    or None (the worker fetches it)."""

    request: ProxiedRequest
    legacy: Pending
    graph: Pending
    first_side: Side = "legacy"


class _Abandoned(Exception):
    """A side that will never be known; the pair becomes a skipped row with this reason."""


def recorded_request(request: ProxiedRequest) -> RecordedRequest:
    try:
        body = orjson.loads(request.body) if request.body else None
    except orjson.JSONDecodeError:
        body = None
    return RecordedRequest.model_construct(
        id=request.id, ts=request.arrived_at, method=request.method, path=request.path,
        query={}, headers={}, body=body, endpoint=request.endpoint, response=None,
    )


class Mirror:
    def __init__(self, upstreams: dict[str, Upstream], comparator: Comparator, live: LiveRun,
                 timeout_s: float, queue_size: int, workers: int,
                 observe: Callable[[Observation], None], inflight: InFlight,
                 graph_enabled: Callable[[], bool]) -> None:
        self.upstreams = upstreams
        self.comparator = comparator
        self.live = live
        self.timeout_s = timeout_s
        self.observe = observe
        self.inflight = inflight
        self.graph_enabled = graph_enabled
        self.workers = workers
        self.offered = 0
        self.dropped = 0
        self.completed = 0
        self.failed = 0
        self._queue: asyncio.Queue[MirrorJob] = asyncio.Queue(maxsize=queue_size)
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def depth(self) -> int:
        return self._queue.qsize()

    def offer(self, job: MirrorJob) -> bool:
        self.offered += 1
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            self.dropped += 1
            self._skip(job.request, "mirror queue full: pair dropped, client unaffected")
            return False
        return True

    def _skip(self, request: ProxiedRequest, reason: str) -> None:
        self.live.add(skipped_row(self.live.next_seq(), request.id, reason, request.endpoint,
                                  request.method, request.path))

    def discard(self, reason: str) -> int:
        """Empty the queue (the emergency rollback disables the graph); each job is skipped."""
        discarded = 0
        while True:
            try:
                job = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                return discarded
            self._queue.task_done()
            self._skip(job.request, reason)
            discarded += 1

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self, drain_s: float = 5.0) -> None:
        """Finish what is queued for up to ``drain_s``; what is left is skipped, not lost."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), timeout=drain_s)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self.discard("proxy shut down before the pair was completed")

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await self._complete(job)
            except asyncio.CancelledError:
                self._skip(job.request, "proxy shut down before the pair was completed")
                raise
            except Exception:  # a bug here must not kill the worker pool
                self.failed += 1
                log.exception("mirror: pair %s could not be completed", job.request.id)
            finally:
                self._queue.task_done()

    async def _side(self, job: MirrorJob, side: Side) -> Observation:
        known = job.legacy if side == "legacy" else job.graph
        if isinstance(known, Observation):
            return known
        if known is not None:  # promised by the request path, which always settles it
            try:
                return await asyncio.shield(known)
            except asyncio.CancelledError:
                if known.cancelled():
                    raise _Abandoned(f"client request cancelled before {side} answered") from None
                raise
        if side == "graph" and not self.graph_enabled():
            raise _Abandoned("graph disabled (force_legacy) before the pair was sent")
        observation = await self.inflight.run(
            self.upstreams[side].call(job.request, self.timeout_s))
        if observation is None:
            raise _Abandoned("graph call cancelled by an emergency rollback")
        self.observe(observation)
        return observation

    async def _complete(self, job: MirrorJob) -> None:
        # At most one side is fetched here; the other is known or promised and settles on its
        # own, so awaiting them one after the other still runs both at once.
        first, second = ("graph", "legacy") if job.graph is None else ("legacy", "graph")
        try:
            answers = {first: await self._side(job, first), second: await self._side(job, second)}
        except _Abandoned as exc:
            self._skip(job.request, str(exc))
            return
        legacy, graph = answers["legacy"], answers["graph"]
        exchange = Exchange(recorded_request(job.request), legacy, graph, job.first_side)
        verdict = None if legacy.failed or graph.failed else self.comparator.compare(legacy, graph)
        row = exchange_row(exchange, verdict, self.live.next_seq(), job.request.arrived_at)
        row["body_size"] = len(job.request.body)  # the bytes as sent, JSON or not
        self.live.add(row, exchange, verdict)
        self.completed += 1
