"""The replay engine: every recorded request sent to legacy and graph at once, compared, and
written as exactly one result row.

Accounting is the invariant everything else rests on: a request taken from the recording is
"pending" until its row is written, an invalid recording line becomes a ``skipped`` row where
it stood, and an interrupted run writes every pending and every unread request as ``skipped``
with reason ``interrupted``. Memory stays flat: the recording is streamed, at most
``pacing.concurrency`` pairs are in flight, and rows go straight to the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from harness._types import Side
from harness.observation import Exchange, Observation
from harness.recording import (
    RecordedRequest,
    Recording,
    RecordingError,
    SkippedLine,
    count_requests,
)
from harness.replay.client import (
    EPOCH_OFFSET,
    Client,
    Prepared,
    Target,
    Transport,
    check_bodies,
)
from harness.replay.pacing import Pacing
from harness.replay.progress import ReplayProgress
from harness.replay.tally import ReplayStats, Tally
from harness.results import COLUMNS, exchange_values, skipped_row
from harness.verdict import Outcome, Verdict

INTERRUPTED = "interrupted"


class RowSink(Protocol):
    """Where rows go: harness.results.ResultWriter, or anything with ``add(row)``. A sink
    with ``add_values(tuple)`` (rows in ``results.COLUMNS`` order) gets those instead."""

    def add(self, row: dict[str, Any]) -> None: ...


class MismatchSink(Protocol):
    """Where mismatching pairs go (mismatches.jsonl): harness.parity.ExampleSink."""

    def add(self, exchange: Exchange, verdict: Verdict) -> None: ...


class PairComparator(Protocol):
    """harness.parity.Comparator, as the engine uses it."""

    def compare(self, legacy: Observation, graph: Observation) -> Verdict: ...

    def diff_paths(self, first: Observation, second: Observation) -> list[str]: ...


class _Source:
    """The recording as (seq, request) items in recording order. Invalid lines that the
    recording skipped (``skip_invalid``) are written as ``skipped`` rows at their place; a
    malformed line otherwise ends the stream and is kept in ``error``."""

    __slots__ = ("_iterator", "_lines", "_on_line", "_seen", "done", "error", "seq")

    def __init__(self, recording: Iterable[RecordedRequest], lines: list[SkippedLine] | None,
                 on_line: Any) -> None:
        self._iterator: Iterator[RecordedRequest] = iter(recording)
        self._lines = lines
        self._seen = 0
        self._on_line = on_line
        self.seq = 0
        self.done = False
        self.error: RecordingError | None = None

    def _drain_lines(self) -> None:
        lines = self._lines
        while lines is not None and self._seen < len(lines):
            line = lines[self._seen]
            self._seen += 1
            self._on_line(self.seq, line)
            self.seq += 1

    def take(self) -> tuple[int, RecordedRequest] | None:
        if self.done:
            return None
        try:
            request = next(self._iterator)
        except StopIteration:
            self.done = True
            self._drain_lines()
            return None
        except RecordingError as exc:
            self.done = True
            self._drain_lines()
            self.error = exc
            return None
        self._drain_lines()
        seq = self.seq
        self.seq += 1
        return seq, request


class _Run:
    """One replay's state: targets, accounting, and the two ways of driving it."""

    def __init__(self, recording: Iterable[RecordedRequest], *, legacy: Target, graph: Target,
                 third: Target | None, noise_sample: int, pacing: Pacing,
                 comparator: PairComparator, writer: RowSink, examples: MismatchSink | None,
                 skipped_lines: list[SkippedLine] | None, tally: Tally) -> None:
        self.legacy = legacy
        self.graph = graph
        self.third = third
        # With a secondary target and no sample size, every request goes to it.
        self.third_for_all = third is not None and noise_sample <= 0
        self.noise_sample = noise_sample
        self.pacing = pacing
        self.comparator = comparator
        self.writer = writer
        add_values = getattr(writer, "add_values", None)
        self._add_values = add_values if callable(add_values) else (
            lambda values: writer.add(dict(zip(COLUMNS, values, strict=True))))
        self.examples = examples
        self.tally = tally
        self.pending: dict[int, RecordedRequest] = {}
        self.pairs_started = 0
        self.source = _Source(recording, skipped_lines, self._skip_line)
        self.crash: BaseException | None = None

    # accounting ---------------------------------------------------------------------------
    def _skip_line(self, seq: int, line: SkippedLine) -> None:
        self.writer.add(skipped_row(seq, f"{Path(line.source).name}:{line.line}",
                                    f"{line.source}:{line.line}: {line.problem}"))
        self.tally.skip()

    def _skip_request(self, seq: int, request: RecordedRequest, reason: str) -> None:
        self.writer.add(skipped_row(seq, request.id, reason, request.endpoint, request.method,
                                    request.path))
        self.tally.skip(interrupted=reason == INTERRUPTED)

    def _take(self) -> tuple[int, RecordedRequest] | None:
        item = self.source.take()
        if item is not None:
            self.pending[item[0]] = item[1]
        return item

    def account_interrupted(self) -> None:
        """Every request taken but not answered, and every one not yet read, is skipped."""
        for seq in sorted(self.pending):
            self._skip_request(seq, self.pending[seq], INTERRUPTED)
        self.pending.clear()
        while (item := self.source.take()) is not None:
            self._skip_request(item[0], item[1], INTERRUPTED)

    def _record(self, seq: int, request: RecordedRequest, prepared: Prepared,
                legacy: Observation, graph: Observation, first_side: Side,
                third: Observation | None, intended: float | None) -> None:
        exchange = Exchange(request, legacy, graph, first_side, third)
        verdict = None
        if legacy.error is None and graph.error is None:
            verdict = self.comparator.compare(legacy, graph)
        diff = None
        if third is not None and third.error is None and legacy.error is None:
            diff = self.comparator.diff_paths(legacy, third)
        intended_at = (min(legacy.started_at, graph.started_at) if intended is None
                       else intended + EPOCH_OFFSET)
        values = exchange_values(exchange, verdict, seq, intended_at, diff, prepared.body_size)
        self._add_values(values)
        del self.pending[seq]
        self.tally.pair(exchange.outcome, verdict, third is not None)
        if (verdict is not None and verdict.outcome is Outcome.MISMATCH
                and self.examples is not None):
            self.examples.add(exchange, verdict)

    # one pair -------------------------------------------------------------------------------
    async def pair(self, seq: int, request: RecordedRequest, intended: float | None) -> None:
        prepared = Prepared.of(request)
        index = self.pairs_started
        self.pairs_started += 1
        legacy_first = index % 2 == 0
        first, second = (self.legacy, self.graph) if legacy_first else (self.graph, self.legacy)
        # The first side runs inline and reaches the wire before the task for the second side
        # even starts; one task per pair instead of gather's two.
        later = asyncio.create_task(second.send(prepared, intended, False))
        try:
            answer = await first.send(prepared, intended, False)
            other = await later
        except asyncio.CancelledError:
            later.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await later
            raise
        legacy, graph = check_bodies(*((answer, other) if legacy_first else (other, answer)),
                                     prepared.method)
        first_side: Side = "legacy" if legacy_first else "graph"
        third = None
        if self.third is not None and (self.third_for_all or index < self.noise_sample):
            try:
                # After the pair, not beside it: a second request to legacy at the same
                # instant would load legacy more than graph and skew the pair's latencies.
                third = await self.third.send(prepared)
            except asyncio.CancelledError:
                self._record(seq, request, prepared, legacy, graph, first_side, None, intended)
                raise
        self._record(seq, request, prepared, legacy, graph, first_side, third, intended)

    # closed loop ------------------------------------------------------------------------------
    async def _worker(self) -> None:
        while (item := self._take()) is not None:
            await self.pair(item[0], item[1], None)

    async def closed_loop(self) -> None:
        workers = [asyncio.create_task(self._worker()) for _ in range(self.pacing.concurrency)]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for worker in workers:
                worker.cancel()
            await asyncio.wait(workers)
            raise

    # open loop and fixed rate ---------------------------------------------------------------
    async def scheduled(self) -> None:
        clock = self.pacing.clock()
        slots = asyncio.Semaphore(self.pacing.concurrency)
        in_flight: set[asyncio.Task[None]] = set()

        def finished(task: asyncio.Task[None]) -> None:
            in_flight.discard(task)
            slots.release()
            if not task.cancelled() and task.exception() is not None and self.crash is None:
                self.crash = task.exception()

        start = time.perf_counter()
        try:
            while self.crash is None and (item := self._take()) is not None:
                seq, request = item
                intended = start + clock.offset(request.ts)  # type: ignore[operator]
                delay = intended - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                # Waiting for a slot delays the send but not the intended time: the wait is
                # in intended_latency_ms, never hidden.
                await slots.acquire()
                task = asyncio.create_task(self.pair(seq, request, intended))
                in_flight.add(task)
                task.add_done_callback(finished)
            if in_flight:
                await asyncio.wait(set(in_flight))
        except BaseException:
            tasks = set(in_flight)
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
            raise
        if self.crash is not None:
            raise self.crash


def _total(recording: Iterable[RecordedRequest]) -> int | None:
    if isinstance(recording, Recording):
        return count_requests(recording.path, recording.limit)
    if hasattr(recording, "__len__"):
        return len(recording)  # type: ignore[arg-type]
    return None


async def replay(
    recording: Iterable[RecordedRequest],
    *,
    legacy: str,
    graph: str,
    secondary: str | None = None,
    noise_sample: int = 0,
    pacing: Pacing,
    timeout_s: float,
    comparator: PairComparator,
    writer: RowSink,
    examples: MismatchSink | None = None,
    progress: bool | None = None,
    total: int | None = None,
    skipped_lines: list[SkippedLine] | None = None,
    transport: Transport = "lean",
) -> ReplayStats:
    """Replay ``recording`` against ``legacy`` and ``graph`` (base URLs), one row per request.

    ``secondary`` is a second legacy instance; with ``noise_sample`` N > 0 only the first N
    requests go to it (to legacy itself when there is no ``secondary``). Its answer is diffed
    against legacy's into the row's ``secondary_diff``: what legacy changes by itself is noise.

    ``skipped_lines`` is the list the recording fills with invalid lines (``Recording.skipped``,
    taken by default); each becomes a ``skipped`` row at its place. ``progress`` None means a
    bar on a terminal, none under CI. Cancelling the task (Ctrl-C) returns with
    ``finished=False`` after every unsent request is written as ``skipped: interrupted``; a
    malformed recording line (without ``skip_invalid``) is raised once the in-flight pairs
    are written. ``transport`` picks the HTTP client (see harness.replay.client).
    """
    if noise_sample < 0:
        raise ValueError(f"noise_sample must be 0 or more, got {noise_sample}")
    if skipped_lines is None and isinstance(recording, Recording):
        skipped_lines = recording.skipped
    third_url = secondary if secondary is not None else (legacy if noise_sample > 0 else None)
    sides = 3 if third_url is not None else 2
    tally = Tally()
    async with Client(timeout_s=timeout_s, max_connections=pacing.concurrency * sides,
                      transport=transport) as client:
        run = _Run(
            recording,
            legacy=client.target("legacy", legacy),
            graph=client.target("graph", graph),
            third=client.target("secondary", third_url) if third_url is not None else None,
            noise_sample=noise_sample, pacing=pacing, comparator=comparator, writer=writer,
            examples=examples, skipped_lines=skipped_lines, tally=tally,
        )
        display = ReplayProgress(tally, enabled=progress)
        if display.enabled and total is None:
            total = _total(recording)
        async with display.showing(total):
            try:
                await (run.scheduled() if pacing.scheduled else run.closed_loop())
            except asyncio.CancelledError:
                run.account_interrupted()
                task = asyncio.current_task()
                if task is not None:
                    # Handled: the caller gets finished=False and still writes its RUN_DIR.
                    task.uncancel()
                return tally.freeze(finished=False)
        if run.source.error is not None:
            tally.error = str(run.source.error)
            raise run.source.error
    return tally.freeze(finished=True)
