"""The feed: one process's shard of a recording, handed out one request at a time.

Every process of a distributed run reads the whole file and keeps the requests whose position
``ordinal % count == index``, so the shards are disjoint and cover the recording without any
coordination beyond the shard plan. A request's ``seq`` is ``lap * total + ordinal``: unique
across workers and laps, so merged shards sort into recording order and nothing is counted
twice. Laps after the first (``loop``) get ids ``<id>~<lap>``, since the gate pairs rows by id.

This module must not import locust or gevent: the tests use it in the pytest process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.recording import RecordedRequest, Recording

LAP_SEPARATOR = "~"


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """Which share of the recording one process replays: positions ``index`` mod ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} of {self.count} does not exist")

    def owns(self, ordinal: int) -> bool:
        return ordinal % self.count == self.index

    def describe(self) -> str:
        return f"shard {self.index + 1} of {self.count}"


WHOLE = ShardPlan(0, 1)


@dataclass(frozen=True, slots=True)
class Item:
    """One request to send: the recorded request, where it sits, and on which lap."""

    request: RecordedRequest
    ordinal: int
    lap: int
    seq: int

    @property
    def id(self) -> str:
        return self.request.id if self.lap == 0 else f"{self.request.id}{LAP_SEPARATOR}{self.lap}"


def base_id(item_id: str) -> str:
    """The recorded id behind a row id (``req-1~3`` -> ``req-1``)."""
    return item_id.split(LAP_SEPARATOR, 1)[0]


class RecordingFeed:
    """Hands out this shard's requests in recording order; with ``loop`` it starts over when
    the recording ends, otherwise :meth:`take` returns None from then on.

    Items taken and not yet :meth:`done` are *in flight*; at the end, :meth:`unsent` yields the
    first lap's requests that never completed, so each can be written as skipped.
    """

    def __init__(self, path: Path, plan: ShardPlan = WHOLE, loop: bool = False) -> None:
        self.path = Path(path)
        self.plan = plan
        self.loop = loop
        self.total: int | None = None  # known once the first lap has read the whole file
        self.taken = 0
        self._in_flight: dict[int, Item] = {}
        self._items = self._generate()
        self._exhausted = False

    def _lap(self, lap: int) -> Iterator[Item]:
        ordinal = -1
        for ordinal, request in enumerate(Recording(self.path)):
            if self.plan.owns(ordinal):
                seq = ordinal if lap == 0 else lap * self._require_total() + ordinal
                yield Item(request, ordinal, lap, seq)
        if lap == 0:
            self.total = ordinal + 1

    def _require_total(self) -> int:
        assert self.total is not None, "the first lap sets the total"
        return self.total

    def _generate(self) -> Iterator[Item]:
        lap = 0
        while True:
            yield from self._lap(lap)
            # An empty recording (or an empty shard of a tiny one) never yields: stop there
            # rather than spin through empty laps.
            if not self.loop or not self.total or self.total <= self.plan.index:
                return
            lap += 1

    def take(self) -> Item | None:
        if self._exhausted:
            return None
        item = next(self._items, None)
        if item is None:
            self._exhausted = True
            return None
        self.taken += 1
        self._in_flight[item.seq] = item
        return item

    def done(self, item: Item) -> None:
        self._in_flight.pop(item.seq, None)

    @property
    def exhausted(self) -> bool:
        """No request is left to hand out (never true with ``loop``, unless the shard is
        empty)."""
        return self._exhausted

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def unsent(self) -> Iterator[Item]:
        """First-lap items that never completed: those in flight, then those never taken.
        Consumes the feed; call it once, when no user is sending any more."""
        pending = sorted(self._in_flight.values(), key=lambda item: item.seq)
        self._in_flight.clear()
        yield from (item for item in pending if item.lap == 0)
        if self._exhausted:
            return
        for item in self._items:
            if item.lap != 0:
                break
            yield item
        self._exhausted = True
